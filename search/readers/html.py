"""HTML pages as a crawler saves them (optionally gzipped): title, visible text and
the metadata the page declares. The seam for better boilerplate removal is
`extract_html`: everything else only sees its HtmlPage."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

from ..article import Article
from . import Problem

_DROP = ("script", "style", "noscript", "template", "svg", "iframe", "form", "button",
         "nav", "header", "footer", "aside", "figure", "head")
_BLOCK = ("p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6",
          "li", "ul", "ol", "blockquote", "pre", "tr", "table", "dd", "dt", "figcaption",
          "address", "hr")
_DATE_META = (("property", "article:published_time"), ("name", "article:published_time"),
              ("itemprop", "datePublished"), ("name", "pubdate"), ("name", "publishdate"),
              ("name", "date"), ("name", "dc.date"), ("name", "DC.date.issued"))


@dataclass
class HtmlPage:
    title: str
    text: str
    published: str | None = None
    date_source: str | None = None
    url: str | None = None
    source: str | None = None
    author: str | None = None
    language: str | None = None

    def metadata(self) -> dict:
        return {"title": self.title, "published": self.published, "url": self.url,
                "source": self.source, "author": self.author, "language": self.language}


def _meta(soup: BeautifulSoup, attr: str, value: str) -> str | None:
    tag = soup.find("meta", attrs={attr: value})
    content = tag.get("content") if tag else None
    return content.strip() if isinstance(content, str) and content.strip() else None


def _json_ld_date(soup: BeautifulSoup) -> str | None:
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if isinstance(item.get("datePublished"), str):
                    return item["datePublished"]
                stack.extend(v for v in item.values() if isinstance(v, (list, dict)))
    return None


def extract_html(markup: bytes | str) -> HtmlPage:
    """Title, visible text and declared metadata of one page."""
    soup = BeautifulSoup(markup, "lxml")  # bytes: charset from BOM / <meta>, else detected
    title = (_meta(soup, "property", "og:title")
             or (soup.title.get_text(" ", strip=True) if soup.title else "")
             or (soup.h1.get_text(" ", strip=True) if soup.h1 else ""))
    published = _json_ld_date(soup)
    date_source = "json-ld" if published else None
    if not published:
        for attr, value in _DATE_META:
            published = _meta(soup, attr, value)
            if published:
                date_source = "html-meta"
                break
    if not published:
        time_tag = soup.find("time", datetime=True)
        if time_tag:
            published, date_source = time_tag["datetime"], "html-time"
    canonical = soup.find("link", rel="canonical", href=True)
    url = (canonical["href"] if canonical else None) or _meta(soup, "property", "og:url")
    source = _meta(soup, "property", "og:site_name")
    if not source and url:
        source = urlsplit(url).hostname
    author = _meta(soup, "name", "author")
    html_tag = soup.find("html")
    language = html_tag.get("lang") if html_tag else None

    for tag in soup.find_all(_DROP):
        tag.decompose()
    body = soup.find("article") or soup.find("main") or soup.body or soup
    for br in body.find_all("br"):
        br.replace_with("\n")
    for tag in body.find_all(_BLOCK):
        tag.insert_after("\n")
    text = body.get_text()
    return HtmlPage(title=title, text=text, published=published, date_source=date_source,
                    url=url, source=source, author=author,
                    language=language.strip() if isinstance(language, str) and language.strip() else None)


def read(data: bytes, article_id: str, path: str) -> Iterator[Article | Problem]:
    if path.lower().endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            yield Problem(path, f"not a valid gzip file: {e}")
            return
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        yield Problem(path, "binary data, not HTML")
        return
    page = extract_html(data)
    article = Article(id=article_id, title=page.title, text=page.text, path=path,
                      url=page.url, source=page.source, author=page.author, language=page.language)
    if page.published:
        article.published = page.published  # parsed and validated in search.extract
        article.date_source = page.date_source
    yield article
