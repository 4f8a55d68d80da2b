"""HTML pages as a crawler saves them (optionally gzipped): the article body without the
page's boilerplate, and the metadata the page declares.

Three stages, each usable alone (bench/eval_extraction.py times them):

* parse_html(bytes)   charset (BOM, then valid UTF-8, then the declared charset, then
                      windows-1252, by bs4's UnicodeDammit as for text files) and one lxml tree.  lxml directly rather than
                      BeautifulSoup: a BeautifulSoup tree costs ~21 ms per news page, the
                      lxml tree ~1 ms, and the whole page budget is 25 ms.
* page_metadata(tree) title, date, author, site, URL and language (search.ingest.readers.html_meta).
* body_text(tree)     the main text by trafilatura (precision mode, comments left out),
                      which scores best on the article-extraction benchmark (see
                      bench/eval_extraction.py); our own block-text reader of <article> /
                      <main> / <body> without boilerplate when trafilatura finds nothing.

`extract_html` runs the three and is the seam everything else uses."""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass

from lxml import etree

from ... import dependencies
from ..article import Article
from .html_meta import decode_page, normalise_language, page_metadata as _page_metadata, parse_tree
from . import Problem


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
    truncated: bool = False  # nested deeper than MAX_DEPTH: the text past it was not read
    encoding: str | None = None  # what the bytes were read as (None: given as text)

    def metadata(self) -> dict:
        return {"title": self.title, "published": self.published, "url": self.url,
                "source": self.source, "author": self.author, "language": self.language}


# ---------------------------------------------------------------------------------------------
# Stages
# ---------------------------------------------------------------------------------------------


def parse_html(markup: bytes | str):
    """The page's lxml tree."""
    return parse_tree(markup)


def page_metadata(tree) -> dict:
    """HtmlPage's fields except text (the language may still be None: see extract_html)."""
    return _page_metadata(tree)


_trafilatura_extract = None


def _trafilatura():
    """trafilatura's extract, imported on first use (0.2 s: a run that reads no HTML, and a
    server, never need it); a failed import stops the run (search.dependencies)."""
    global _trafilatura_extract
    if _trafilatura_extract is None:
        extract = dependencies.load("trafilatura").extract
        # It logs every page it finds too short as a warning: that is our fallback's job.
        logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
        _trafilatura_extract = extract
    return _trafilatura_extract


# A body shorter than this may be trafilatura keeping one box of a page whose article it
# missed; a recall-mode extraction is tried then and kept when it is much longer.
_SHORT_BODY = 500


def body_text(tree) -> str:
    """The article's text, paragraphs separated by line breaks.  Strips comments, scripts and
    styles from the tree it is given (call page_metadata first: JSON-LD lives in scripts)."""
    # HTML comments split text nodes and hide paragraphs from trafilatura's scoring: without
    # them body F1 is 0.973 instead of 0.968 on the benchmark, and the tree is smaller.
    etree.strip_elements(tree, etree.Comment, "script", "style", "noscript", "template",
                         with_tail=False)
    extract = _trafilatura()
    try:
        text = extract(tree, favor_precision=True, include_comments=False, include_tables=True,
                       deduplicate=False, with_metadata=False) or ""
        if len(text) < _SHORT_BODY:
            wider = extract(tree, favor_recall=True, include_comments=False, include_tables=True,
                            deduplicate=False, with_metadata=False) or ""
            if len(wider) > 2 * len(text):
                text = wider
    except (ValueError, TypeError, AttributeError, RecursionError):
        text = ""
    if not text.strip():
        text = fallback_text(tree)
    return drop_boilerplate_lines(text)


# Whole lines that are a page's furniture even when they sit inside the article's box: links
# to other stories, share prompts, tag lists, copyright notices, newsletter pitches.
_FURNITURE = re.compile(r"""^\s*(?:
    (?:related(?:\s+(?:articles?|stories|content|coverage|links|posts|news|reading|videos?))?
       |read\s+(?:more|also|next)|see\s+also|more\s+from\s+[^:]{1,40}|recommended(?:\s+for\s+you)?
       |trending(?:\s+now)?|most\s+popular|you\s+(?:may|might)\s+also\s+like|further\s+reading)
       \s*(?:[:|»›>]|$)
  | also\s+on\s+\S+\.[a-z]{2,}\b
  | (?:if\s+you\s+)?(?:like|liked|share|enjoy(?:ed)?|love)\s+this\s+(?:story|article|post)\b.{0,300}$
  | (?:©|\(c\)|copyright\b)(?=.*(?:\b(?:19|20)[0-9]{2}\b|all\s+rights\s+reserved)).{0,200}$
  | tags?\s*(?::|$)
  | [0-9]+\s+comments?\s*$
  | tell\s+us\s+what\s+you\s+think\W{0,5}$
  | [-•]?\s*(?:order\s+reprints?|print(?:\s+(?:article|this(?:\s+(?:page|article|story))?))?
       |email(?:\s+this(?:\s+(?:article|story|page))?)?|save\s+(?:article|story))\s*$
  | (?:tempo\s+de\s+leitura|reading\s+time|temps\s+de\s+lecture|lesezeit|[0-9]+\s*min(?:ute)?s?\s+read)
       \b.{0,30}$
  | filed\s+under\s*:.{0,200}$
  | source\s*:\s*.{0,60}$
  # wire credits: "Reporting by ...; Editing by ...", "Keith Bradsher contributed reporting"
  | (?:additional\s+)?(?:reporting|writing|editing)\s+by\s.{0,300}$
  | [^.]{0,80}\bcontributed\s+(?:reporting|to\s+this\s+(?:report|story|article))\b[^.]{0,80}\.?$
  # contact lines: a profile link alone, "Email X at ... or follow ..." (a reporter's bare
  # address is kept: the benchmark's human bodies keep it as often as not)
  | (?:https?://)?(?:www\.)?(?:twitter|x)\.com/\S+\s*$
  | (?:email|reach|follow)\b.{0,200}(?:@|twitter\.com)\S*.{0,100}$
  | get\s+.{0,80}\bdelivered\b.{0,200}$
)""", re.IGNORECASE | re.VERBOSE)
# The first lines of a body: a dateline of the page rather than the story ("November 20, 2019
# - 11:28 AMT", "5:45 AM PST 11/19/2019 by Jane Doe", "sexta-feira, 22 de outubro de 2010 às
# 20:13"): short, with a time of day or a numeric date, and not a sentence (a year alone is
# not enough: "Calendário Stock Car 2018" is a heading of the story).
_HEAD_LINES = 3
_DATE_MARK = re.compile(r"\b[0-9]{1,2}:[0-9]{2}\b|\b[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2,4}\b")
_SENTENCE_END = re.compile(r"[.!?\"”’)]\s*$")
# A promotion above the story: "Sign up for our daily newsletter", "Listen to our podcast".
_PROMO = re.compile(r"\bnewsletters?\b|\bsubscribe\b|\bsign\s+up\b|\bpodcasts?\b", re.IGNORECASE)
# A navigation bar flattened into one line: "Home | News | Sport | Business".
_NAV_SEPARATORS = re.compile(r"\s*[|•·»›]\s*")
_PITCH = re.compile(r"^\s*(?:follow\s+us|sign\s+up|subscribe)\b", re.IGNORECASE)


def _head_furniture(line: str) -> bool:
    """A line at the top of a body that is the page's date line or navigation bar."""
    words = line.split()
    if len(words) <= 12 and _DATE_MARK.search(line) and not _SENTENCE_END.search(line):
        return True
    if len(words) <= 25 and _PROMO.search(line):
        return True
    if line.lstrip().startswith("|"):
        return False  # a table row
    parts = [p for p in _NAV_SEPARATORS.split(line) if p]
    return len(parts) >= 4 and all(len(p.split()) <= 3 for p in parts)


def drop_boilerplate_lines(text: str) -> str:
    """The body without whole lines of page furniture; at its top, also the page's date line
    and navigation bars (no per-site rules: the same patterns on every page)."""
    kept = []
    head = 0
    for line in text.split("\n"):
        if not line.strip():
            kept.append(line)
            continue
        head += 1
        if len(line) < 300 and (_FURNITURE.match(line)
                                or (_PITCH.match(line) and len(line.split()) <= 12
                                    and not line.rstrip().endswith("."))
                                or (head <= _HEAD_LINES and _head_furniture(line))):
            continue
        kept.append(line)
    return "\n".join(kept)


# ---------------------------------------------------------------------------------------------
# Our own body reader (fallback)
# ---------------------------------------------------------------------------------------------

_DROP_TAGS = {"script", "style", "noscript", "template", "svg", "iframe", "form", "button", "nav",
              "header", "footer", "aside", "figure", "figcaption", "head", "select", "input",
              "textarea", "object", "embed", "canvas", "video", "audio", "menu", "dialog"}
_BLOCK_TAGS = {"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li",
               "ul", "ol", "blockquote", "pre", "tr", "table", "dd", "dt", "address", "hr", "br",
               "td", "th", "dl"}
# class / id words of boilerplate boxes
_BOILERPLATE = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|breadcrumbs?|share|sharing|social|related|recommend\w*|"
    r"more-stories|read-more|readmore|newsletter|subscribe|subscription|signup|promo|advert\w*|ads?|"
    r"sponsor\w*|cookie\w*|consent|gdpr|banner|popup|modal|comments?|disqus|respond|reply|"
    r"tags?|tagcloud|sidebar|widget|footer|header|masthead|byline|caption|credit|print|skip|"
    r"toolbar|pagination|pager|author-bio|outbrain|taboola|trending|most-popular|hidden)(?:$|[\s_-])",
    re.IGNORECASE)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def _is_boilerplate(el) -> bool:
    if el.tag in _DROP_TAGS:
        return True
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    role = el.get("role")
    if role in ("navigation", "banner", "contentinfo", "complementary", "dialog", "alert", "search"):
        return True
    marks = " ".join(filter(None, (el.get("class"), el.get("id"))))
    return bool(marks) and bool(_BOILERPLATE.search(marks))


def fallback_text(tree) -> str:
    """Visible text of <article> / <main> / <body> without scripts, navigation, share bars,
    related links, banners, comments and captions; block elements end lines."""
    root = deepcopy(tree)
    body = None
    for tag in ("article", "main"):
        found = [el for el in root.iter(tag) if not _is_boilerplate(el)]
        if found:
            body = max(found, key=lambda el: len(el.text_content() or ""))
            break
    if body is None:
        body = root.find(".//body")
    if body is None:
        body = root
    for el in list(body.iter()):
        if not isinstance(el.tag, str):  # comments, processing instructions
            if el.getparent() is not None:
                el.drop_tree()
            continue
        if el is not body and _is_boilerplate(el) and el.getparent() is not None:
            el.drop_tree()
    parts: list[str] = []

    def walk(el) -> None:
        if not isinstance(el.tag, str):
            if el.tail:
                parts.append(el.tail)
            return
        block = el.tag in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
        if block:
            parts.append("\n")
        if el.tail:
            parts.append(el.tail)

    walk(body)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------------------------------------
# Language detection (only for pages that declare none)
# ---------------------------------------------------------------------------------------------

_DETECT_CHARS = 2000
_MIN_DETECT_CHARS = 40


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language by py3langid, None when the text is too short
    to tell."""
    sample = text[:_DETECT_CHARS]
    if len(sample.strip()) < _MIN_DETECT_CHARS:
        return None
    # 0.1 s to import: only when a page does not declare its language.
    code, _score = dependencies.load("py3langid").classify(sample)
    return normalise_language(code)


# ---------------------------------------------------------------------------------------------
# The seam
# ---------------------------------------------------------------------------------------------


# libxml2 stops reading a page nested deeper than this (its guard against stack
# exhaustion); what lies deeper is not in the tree.
MAX_DEPTH = 256


def _too_deep() -> bool:
    """Whether the last page parsed here hit libxml2's nesting limit."""
    from lxml.html import html_parser

    return any(e.type_name == "ERR_RESOURCE_LIMIT" and "depth" in e.message for e in html_parser.error_log)


def extract_html(markup: bytes | str) -> HtmlPage:
    """Title, main text and declared metadata of one page."""
    markup, encoding = decode_page(markup)
    tree = parse_html(markup)
    truncated = _too_deep()
    meta = page_metadata(tree)
    text = body_text(tree)
    if not meta["language"]:
        meta["language"] = detect_language(text)
    return HtmlPage(text=text, truncated=truncated, encoding=encoding, **meta)


_MAX_GUNZIP = 200 * 1024 * 1024


def _gunzip(data: bytes) -> bytes:
    """Decompressed bytes, refusing gzip bombs (more than 200 MB out)."""
    d = zlib.decompressobj(wbits=31)
    out = d.decompress(data, _MAX_GUNZIP)
    if d.unconsumed_tail:
        raise OSError("decompresses to more than 200 MB")
    if not d.eof:
        raise EOFError("compressed file ended before the end-of-stream marker was reached")
    return out


def read(data: bytes, article_id: str, path: str) -> Iterator[Article | Problem]:
    if path.lower().endswith(".gz") or data[:2] == b"\x1f\x8b":
        try:
            data = _gunzip(data)
        except (OSError, EOFError, zlib.error) as e:
            yield Problem(path, f"not a valid gzip file: {e}")
            return
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        yield Problem(path, "binary data, not HTML")
        return
    page = extract_html(data)
    if page.truncated:
        deep = f"markup nested deeper than {MAX_DEPTH} levels (the HTML parser's limit)"
        if not page.text.strip():
            yield Problem(path, f"{deep}, and no text before that depth")
            return
        yield Problem(path, f"{deep}: only the text above that depth was indexed", skipped=False)
    article = Article(id=article_id, title=page.title, text=page.text, path=path,
                      url=page.url, source=page.source, author=page.author, language=page.language,
                      encoding=page.encoding)
    if page.published:
        article.published = page.published  # validated here, parsed again in search.ingest.extract
        article.date_source = page.date_source
    yield article


__all__ = ["HtmlPage", "extract_html", "read", "parse_html", "page_metadata", "body_text",
           "fallback_text", "detect_language"]
