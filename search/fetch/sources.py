"""What a feed or sitemap lists: article URLs with what the source says of them.

RSS 0.9x/1.0/2.0 and Atom through feedparser (its loose parser reads most broken feeds);
JSON Feed 1.0/1.1 with the json module (feedparser 6.0 does not read it); sitemap indexes,
urlsets and Google News sitemaps with lxml, entities not resolved and no network, so a
hostile sitemap cannot expand or fetch anything."""

from __future__ import annotations

import io
import json
import re
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urljoin

from lxml import etree

from .. import dependencies
from ..ingest.dates import parse_date

MAX_URLS = 50_000  # per sitemap file, the protocol's own limit
_SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
_HEAD = re.compile(rb"<\s*(?:[\w-]+:)?(urlset|sitemapindex)\b")
_FEED_LINK = re.compile(r"""<link[^>]+type=["']application/(?:rss|atom)\+xml["'][^>]*>""", re.I)
_HREF = re.compile(r"""href=["']([^"']+)""", re.I)


@dataclass
class Entry:
    """An article URL and what its source said about it (sidecar values where the page is silent)."""

    url: str
    title: str | None = None
    published: str | None = None  # ISO 8601, validated
    author: str | None = None
    source: str | None = None     # a news sitemap's publication name


@dataclass
class Listing:
    entries: list[Entry] = field(default_factory=list)
    children: list[str] = field(default_factory=list)    # sitemaps named by a sitemap index
    warnings: list[str] = field(default_factory=list)    # kept going: bad dates, entries without links


class NotASource(ValueError):
    """Neither a feed nor a sitemap we can read; the message says what it is instead."""


def read_listing(data: bytes, url: str, max_bytes: int) -> Listing:
    if data[:2] == b"\x1f\x8b":  # sitemap.xml.gz: the file itself gzipped
        d = zlib.decompressobj(wbits=31)
        try:
            data = d.decompress(data, max_bytes)
        except zlib.error as e:
            raise NotASource(f"not a valid gzip file: {e}") from None
        if d.unconsumed_tail:
            raise NotASource(f"decompresses to more than {max_bytes / 2**20:g} MB, the cap")
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if _HEAD.search(head):
        return _sitemap(data, url)
    if head.startswith(b"{"):
        return _json_feed(data, url)
    return _feed(data, url)


def _iso(raw, what: str, warnings: list[str], where: str) -> str | None:
    if raw in (None, ""):
        return None
    try:
        value = parse_date(raw)
    except ValueError as e:
        warnings.append(f"{where}: {what} {str(raw)[:60]!r} ignored: {e}")
        return None
    if value is None:
        warnings.append(f"{where}: {what} {str(raw)[:60]!r} ignored: not a full date")
        return None
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)


def _feed(data: bytes, url: str) -> Listing:
    feedparser = dependencies.load("feedparser")
    parsed = feedparser.parse(io.BytesIO(data))
    if not parsed.version:
        text = data[:65536].decode("utf-8", "replace")
        if re.search(r"<\s*(html|body|!doctype html)\b", text, re.I):
            links = [urljoin(url, m.group(1)) for tag in _FEED_LINK.findall(text) for m in [_HREF.search(tag)] if m]
            hint = f"; it links to a feed: {links[0]}" if links else ""
            raise NotASource(f"an HTML page, not a feed or sitemap{hint}")
        problem = parsed.get("bozo_exception")
        raise NotASource(f"not a feed or sitemap ({problem or 'no feed elements'})")
    listing = Listing()
    if parsed.bozo and parsed.entries:
        listing.warnings.append(f"malformed feed, read as far as possible ({parsed.bozo_exception})")
    for n, item in enumerate(parsed.entries, 1):
        link = item.get("feedburner_origlink") or item.get("link")
        if not link:
            listing.warnings.append(f"item {n}: no link, ignored")
            continue
        published = item.get("published") or item.get("updated") or item.get("created")
        listing.entries.append(Entry(urljoin(url, link.strip()), item.get("title") or None,
                                     _iso(published, "date", listing.warnings, f"item {n}"),
                                     item.get("author") or None))
    return listing


def _json_feed(data: bytes, url: str) -> Listing:
    try:
        feed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as e:
        raise NotASource(f"malformed JSON Feed: {e}") from None
    if not isinstance(feed, dict) or not str(feed.get("version", "")).startswith("https://jsonfeed.org/version/"):
        raise NotASource("JSON, but not a JSON Feed (no jsonfeed.org version)")
    listing = Listing()
    items = feed.get("items")
    for n, item in enumerate(items if isinstance(items, list) else [], 1):
        link = item.get("url") or item.get("external_url") if isinstance(item, dict) else None
        if not isinstance(link, str) or not link.strip():
            listing.warnings.append(f"item {n}: no url, ignored")
            continue
        authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        names = [a["name"] for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)]
        title = item.get("title") if isinstance(item.get("title"), str) else None
        published = item.get("date_published") or item.get("date_modified")
        listing.entries.append(Entry(urljoin(url, link.strip()), title or None,
                                     _iso(published if isinstance(published, str) else None, "date",
                                          listing.warnings, f"item {n}"),
                                     ", ".join(names) or None))
    return listing


def _sitemap(data: bytes, url: str) -> Listing:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise NotASource(f"malformed sitemap: {e}") from None

    def local(el) -> str:
        return etree.QName(el).localname if isinstance(el.tag, str) else ""

    def child_text(el, name: str, ns: str = _SITEMAP_NS) -> str | None:
        found = el.find(f"{{{ns}}}{name}")
        if found is None:
            found = el.find(name)  # sitemaps that forgot the namespace
        return found.text.strip() if found is not None and found.text and found.text.strip() else None

    if local(root) == "sitemapindex":
        listing = Listing()
        for el in root:
            if local(el) == "sitemap" and (loc := child_text(el, "loc")):
                listing.children.append(urljoin(url, loc))
        return listing
    listing = Listing()
    for n, el in enumerate(el for el in root if local(el) == "url"):
        if n >= MAX_URLS:
            listing.warnings.append(f"more than {MAX_URLS} URLs: the rest ignored")
            break
        loc = child_text(el, "loc")
        if not loc:
            listing.warnings.append(f"url {n + 1}: no <loc>, ignored")
            continue
        entry = Entry(urljoin(url, loc))
        news = el.find(f"{{{_NEWS_NS}}}news")
        if news is not None:
            entry.title = child_text(news, "title", _NEWS_NS)
            entry.published = _iso(child_text(news, "publication_date", _NEWS_NS), "news:publication_date",
                                   listing.warnings, loc)
            publication = news.find(f"{{{_NEWS_NS}}}publication")
            if publication is not None:
                entry.source = child_text(publication, "name", _NEWS_NS)
        listing.entries.append(entry)
    return listing
