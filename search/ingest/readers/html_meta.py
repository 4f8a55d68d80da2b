"""What an HTML page declares about itself: charset, title, publication date, author, site,
canonical URL and language, read from one lxml tree.

Sources, strongest first, for each field.  "The page's block" is the JSON-LD article block
that describes the page itself (search.ingest.readers.html_meta.main_article): its url, @id
or mainEntityOfPage is the canonical or og:url, else its headline agrees with og:title or
`<title>`; embedded videos, images, breadcrumbs, the site and its organisation never count.

* title      the page's block headline/name (unless og:title and `<title>` agree with each
             other and not with it), Dublin Core / OpenGraph / Twitter / Parse.ly meta
             titles, else `<title>` with its site part removed, else the only `<h1>`.
* published  the page's block datePublished, article:published_time and its relatives,
             itemprop=datePublished, `<time datetime>` marked as the publication time, other
             blocks that describe the page, a date in the URL, the first other `<time>`.
             Every candidate goes through search.ingest.dates.parse_date; the first valid one
             wins unless the others agree on another day (_choose_date).  A value with an
             offset keeps it, and a UTC value gives way to the same moment stated with the
             page's own offset, so the article's day is the page's own calendar day.
* author     the page's block author, meta author tags, rel=author / itemprop=author /
             byline elements; person names only (search.ingest.bylines).
* source     og:site_name, the page's block publisher, application-name; else the canonical
             URL's host (without scheme and "www.").
* url        `<link rel=canonical>`, og:url (made absolute against `<base href>` if needed).
* language   `<html lang>`, xml:lang, Content-Language, og:locale, JSON-LD inLanguage; the
             caller detects it from the text when the page declares none.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

from ..bylines import clean_authors, clean_source, join_authors
from ..dates import parse_date
from . import FALLBACK_ENCODING, decode

__all__ = ["decode_page", "decode_html", "parse_tree", "page_metadata", "normalise_language"]

# ---------------------------------------------------------------------------------------------
# Bytes to text
# ---------------------------------------------------------------------------------------------

_CHARSET_META = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# Browsers read these labels as windows-1252 (the WHATWG encoding standard), a superset.
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii",
              "iso_8859-1", "cp819", "ibm819", "windows-1252", "cp1252", "x-cp1252"}
_SNIFF_BYTES = 4096


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first bytes (meta charset, http-equiv, XML)."""
    head = data[:_SNIFF_BYTES]
    m = _XML_ENCODING.match(head) or _CHARSET_META.search(head)
    if not m:
        return None
    label = m.group(1).decode("ascii", "replace").strip().lower()
    if label in _AS_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_page(data: bytes | str) -> tuple[str, str | None]:
    """(text, encoding) of a page, by the chain text files use (search.ingest.readers.decode):
    a BOM wins; bytes that are valid UTF-8 are UTF-8 (whatever the page claims: mislabelled
    UTF-8 is common, the reverse is vanishingly rare); else the charset the page declares;
    else windows-1252.  Bytes windows-1252 leaves undefined become U+FFFD, as in a browser."""
    if isinstance(data, str):
        return data, None
    declared = declared_charset(data)
    if declared in ("utf-16", "utf-16-le", "utf-16-be", "utf-32"):
        declared = None  # a UTF-16 page without a BOM cannot have been read to find this label
    try:
        return decode(data, declared)
    except ValueError:
        return data.decode(FALLBACK_ENCODING, "replace"), FALLBACK_ENCODING


def decode_html(data: bytes | str) -> str:
    """The text of a page (decode_page without the encoding)."""
    return decode_page(data)[0]


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def parse_tree(data: bytes | str) -> lxml_html.HtmlElement:
    """An lxml tree of the page (decoded as decode_html says)."""
    text = decode_html(data)
    if text.lstrip().startswith("<?xml"):
        text = _XML_DECL.sub("", text, count=1)  # lxml refuses str input with an encoding declaration
    text = text.replace("\x00", "")
    if not text.strip():
        text = "<html></html>"
    try:
        return lxml_html.document_fromstring(text)
    except Exception:  # lxml's ParserError for documents it cannot make a tree of
        return lxml_html.document_fromstring("<html><body><p>" + _escape(text) + "</p></body></html>")


def _escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

_WS = re.compile(r"\s+")


def _norm(s: object) -> str:
    if not isinstance(s, str):
        return ""
    if "&" in s:
        import html as _html

        s = _html.unescape(s)
    return _WS.sub(" ", s).strip()


def _text(el) -> str:
    try:
        return _norm(el.text_content())
    except (ValueError, TypeError):
        return ""


def meta_values(tree) -> dict[str, str]:
    """First non-empty content of each <meta> key (property / name / itemprop / http-equiv,
    lower-cased; space-separated keys count for each of their words)."""
    values: dict[str, str] = {}
    for el in tree.iter("meta"):
        content = el.get("content")
        if content is None:
            content = el.get("value")
        content = _norm(content)
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            keys = el.get(attr)
            if not keys:
                continue
            for key in keys.lower().split():
                values.setdefault(key, content)
    return values


# ---------------------------------------------------------------------------------------------
# JSON-LD
# ---------------------------------------------------------------------------------------------

_ARTICLE_TYPES = re.compile(
    r"^(?:Article|AdvertiserContentArticle|NewsArticle|AnalysisNewsArticle|AskPublicNewsArticle|"
    r"BackgroundNewsArticle|OpinionNewsArticle|ReportageNews|ReviewNewsArticle|Report|"
    r"SatiricalArticle|ScholarlyArticle|MedicalScholarlyArticle|SocialMediaPosting|BlogPosting|"
    r"LiveBlogPosting|DiscussionForumPosting|TechArticle|APIReference|Review)$")
# Blocks that describe something embedded in the page or the site around it, never the
# article: their name and dates are the video's, the logo's, the site's.
_NOT_THE_PAGE = re.compile(r"^(?:VideoObject|ImageObject|AudioObject|MediaObject|Clip|Photograph|"
                           r"BreadcrumbList|WebSite|Organization|NewsMediaOrganization|Person|"
                           r"SiteNavigationElement|WPHeader|WPFooter|WPSideBar|ItemList|SearchAction)$")
_WRAPPERS = re.compile(r"^\s*(?://\s*)?(?:<!\[CDATA\[|<!--)|(?://\s*)?(?:\]\]>|-->)\s*$")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def _load_json(raw: str):
    raw = raw.strip()
    if not raw:
        return None
    for _ in range(2):  # '//<![CDATA[' + '<!--' nested once
        stripped = _WRAPPERS.sub("", raw).strip()
        if stripped == raw:
            break
        raw = stripped
    try:
        return json.loads(raw, strict=False)
    except ValueError:
        pass
    try:  # trailing commas and stray control characters are the usual hand-written faults
        return json.loads(_TRAILING_COMMA.sub(r"\1", raw.replace("\t", " ")), strict=False)
    except ValueError:
        return None


def _types(obj: dict) -> list[str]:
    t = obj.get("@type")
    if isinstance(t, str):
        return [t.rsplit("/", 1)[-1]]
    if isinstance(t, list):
        return [x.rsplit("/", 1)[-1] for x in t if isinstance(x, str)]
    return []


def json_ld_objects(tree) -> Iterator[tuple[dict, bool]]:
    """(object, is an article) for every JSON-LD object of the page, top-level objects and
    @graph members first, nested ones after (document order otherwise)."""
    nested: list[dict] = []
    for script in tree.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        data = _load_json(script.text or "")
        stack = [data]
        tops: list[dict] = []
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack[:0] = item
            elif isinstance(item, dict):
                tops.append(item)
                if isinstance(item.get("@graph"), list):
                    stack[:0] = item["@graph"]
                elif isinstance(item.get("@graph"), dict):
                    stack.insert(0, item["@graph"])
        for obj in tops:
            yield obj, _is_article(obj)
            for key in ("mainEntity", "mainEntityOfPage", "itemListElement", "hasPart"):
                sub = obj.get(key)
                for s in (sub if isinstance(sub, list) else [sub]):
                    if isinstance(s, dict):
                        nested.append(s)
    for obj in nested:
        yield obj, _is_article(obj)


def _is_article(obj: dict) -> bool:
    types = _types(obj)
    return any(_ARTICLE_TYPES.match(t) for t in types) and not any(_NOT_THE_PAGE.match(t) for t in types)


def _describes_page(obj: dict) -> bool:
    """A block that may state the page's date (a WebPage may; a video or a logo may not)."""
    return not any(_NOT_THE_PAGE.match(t) for t in _types(obj))


def _publisher_name(obj: dict) -> str | None:
    publisher = obj.get("publisher")
    for p in (publisher if isinstance(publisher, list) else [publisher]):
        name = _norm(p.get("name")) if isinstance(p, dict) else _norm(p)
        if name:
            return name
    return None


def _author_values(obj: dict) -> list[str]:
    """The author names of a JSON-LD block as given (strings or Person objects)."""
    out = []
    for key in ("author", "creator"):
        value = obj.get(key)
        for v in (value if isinstance(value, list) else [value]):
            if isinstance(v, str):
                out.append(v)
            elif isinstance(v, dict):
                out.append(_norm(v.get("name")) or " ".join(x for x in (v.get("givenName"), v.get("familyName"))
                                                            if isinstance(x, str)))
        if out:
            break
    return out


def _url_key(url: object) -> str | None:
    """A URL as compared between the page's sources: host without 'www.', path without
    trailing slash, no scheme, query or fragment."""
    if not isinstance(url, str) or "//" not in url:
        return None
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}" if host else None


def _block_urls(obj: dict) -> set[str]:
    keys = set()
    for key in ("url", "@id", "mainEntityOfPage"):
        value = obj.get(key)
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        k = _url_key(value)
        if k:
            keys.add(k)
    return keys


def _agree(a: str, b: str) -> bool:
    """Two titles of the same story: one's words (by length) are mostly in the other."""
    return bool(a) and bool(b) and max(_similarity(a, b), _similarity(b, a)) > 0.75


def _block_title(obj: dict, from_tag: str) -> str:
    name, headline = _norm(obj.get("name")), _norm(obj.get("headline"))
    if name and headline and name != headline:
        return headline if (_similarity(headline, from_tag) > 0.75
                            and not _similarity(name, from_tag) > 0.75) else name
    return headline or name


def main_article(articles: list[dict], page_urls: set[str], titles: list[str]) -> dict | None:
    """The JSON-LD article block that describes the page itself: the one whose url / @id /
    mainEntityOfPage is the page's canonical or og:url, else whose headline agrees with
    og:title or <title>, else the first (top-level blocks come first)."""
    best, best_score = None, -1
    for obj in articles:
        score = 2 * bool(page_urls & _block_urls(obj))
        score += any(_agree(h, t) for h in (_norm(obj.get("headline")), _norm(obj.get("name")))
                     for t in titles)
        if score > best_score:
            best, best_score = obj, score
    return best


# ---------------------------------------------------------------------------------------------
# Title
# ---------------------------------------------------------------------------------------------

_SEPARATORS = re.compile(r" [|\-\\/>»–—·:] ")
_HIER_SEPARATORS = re.compile(r" [\\/>»] ")
_ANY_SEP_CHARS = re.compile(r"[|\-–—\\/>»]+")
_TITLE_SEPS = re.compile(r"\s[|\-–—\\/>»]\s")
_FIRST_PART = re.compile(r"^[^|\-–—\\/>»]*[|\-–—\\/>»]")


def _words(s: str) -> int:
    return len(s.split())


def title_from_title_tag(title: str, h1s: list[str], h2s: list[str], site: str | None) -> str:
    """The headline inside a <title>: the site part ('… | Example News', 'Example News – …')
    removed, as Readability does, with the page's site name as extra evidence."""
    orig = _norm(title)
    if not orig:
        return ""
    if site:
        s = site.lower()
        for m in reversed(list(_SEPARATORS.finditer(orig))):
            before, after = orig[:m.start()].strip(), orig[m.end():].strip()
            if after.lower() == s and _words(before) >= 2:
                return before
            if before.lower() == s and _words(after) >= 2:
                return after
    cur = orig
    hierarchical = False
    seps = list(_TITLE_SEPS.finditer(orig))
    if seps:
        hierarchical = bool(_HIER_SEPARATORS.search(orig))
        cur = orig[:seps[-1].start()]
        if _words(cur) < 3:
            cur = _FIRST_PART.sub("", orig, count=1)
    elif ": " in cur:
        if not any(h == orig for h in h1s + h2s):
            cur = orig[orig.rfind(":") + 1:]
            if _words(cur) < 3:
                cur = orig[orig.find(":") + 1:]
            elif _words(orig[:orig.find(":")]) > 5:
                cur = orig
    elif (len(cur) > 150 or len(cur) < 15) and len(h1s) == 1:
        cur = h1s[0]
    cur = _norm(cur)
    n = _words(cur)
    if n <= 4 and (not hierarchical or n != _words(_ANY_SEP_CHARS.sub("", orig)) - 1):
        cur = orig
    return cur


def _similarity(a: str, b: str) -> float:
    """Share of b's words (by length) that a also has, as Readability's textSimilarity."""
    ta = set(re.findall(r"\w+", a.lower()))
    tb = re.findall(r"\w+", b.lower())
    if not ta or not tb:
        return 0.0
    rest = [t for t in tb if t not in ta]
    return 1 - len(" ".join(rest)) / max(1, len(" ".join(tb)))


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------

# Meta keys that state the publication date, in order of trust.
_DATE_KEYS = ("article:published_time", "og:article:published_time", "og:published_time",
              "article:published", "published_time", "datepublished", "parsely-pub-date",
              "sailthru.date", "dc.date.issued", "dcterms.issued", "dc.date.created",
              "dcterms.created", "citation_publication_date", "citation_date", "publication_date",
              "publish-date", "publish_date", "publishdate", "pubdate", "pub_date", "date",
              "dc.date", "dcterms.date", "article.published", "originalpublicationdate")
# Dates in URLs: /2024/09/24/, /2024-09-24/, /20240924/, _2024_09_24
_URL_DATE = re.compile(
    r"(?<![0-9])((?:19|20)[0-9]{2})[/_.-]?(0[1-9]|1[0-2])[/_.-]?(0[1-9]|[12][0-9]|3[01])(?![0-9])")
_URL_DATE_SEP = re.compile(
    r"/((?:19|20)[0-9]{2})/(0?[1-9]|1[0-2])/(0?[1-9]|[12][0-9]|3[01])(?:/|$)")


def date_in_url(url: str | None) -> str | None:
    if not url:
        return None
    path = urlsplit(url).path
    m = _URL_DATE_SEP.search(path) or _URL_DATE.search(path)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def _time_candidates(tree) -> tuple[list[str], list[str]]:
    """<time datetime> values: those marked as the publication time, and the first other one
    (modification and comment times left out)."""
    marked, others = [], []
    for el in tree.iter("time"):
        value = el.get("datetime")
        if not value:
            continue
        hint = " ".join(filter(None, (el.get("class"), el.get("itemprop"), el.get("id"),
                                      el.get("pubdate") is not None and "pubdate" or "",
                                      el.getparent().get("class") if el.getparent() is not None else ""))).lower()
        if "publish" in hint or "pubdate" in hint or "datepublished" in hint or "created" in hint:
            marked.append(value)
        elif "modif" in hint or "updated" in hint or "comment" in hint:
            continue
        else:
            others.append(value)
    return marked, others[:1]


def _itemprop_dates(tree) -> Iterator[str]:
    for el in tree.xpath('//*[@itemprop="datePublished" or @itemprop="dateCreated"][not(self::meta)]'):
        value = el.get("datetime") or el.get("content") or _text(el)
        if value:
            yield value


# ---------------------------------------------------------------------------------------------
# Language
# ---------------------------------------------------------------------------------------------

_LANG_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z0-9]{2,8}))?")


def normalise_language(value: str | None) -> str | None:
    """'en_us' -> 'en-US', 'EN' -> 'en', 'zh-Hans-CN' -> 'zh-Hans'; None for junk."""
    m = _LANG_TAG.match((value or "").strip())
    if not m or m.group(1).lower() in ("und", "mul", "zxx", "xx"):
        return None
    primary, sub = m.group(1).lower(), m.group(2)
    if not sub:
        return primary
    return f"{primary}-{sub.upper() if len(sub) == 2 else sub.title() if len(sub) == 4 else sub}"


# ---------------------------------------------------------------------------------------------
# Everything
# ---------------------------------------------------------------------------------------------

_AUTHOR_KEYS = ("dc:creator", "dcterm:creator", "author", "article:author", "parsely-author",
                "sailthru.author", "dc.creator", "dcterms.creator", "citation_author", "byl", "byline")
_BYLINE_XPATH = ('//*[@rel="author" or @itemprop="author"'
                 ' or contains(concat(" ", normalize-space(@class), " "), " byline ")'
                 ' or contains(@class, "author-name") or contains(@class, "byline__name")]')
# Two stated dates this close are one moment written in two zones (the page's and UTC).
_SAME_MOMENT = timedelta(minutes=2)


def _page_url(tree, meta: dict, base_url: str | None) -> tuple[str | None, str | None]:
    """(canonical URL, og:url): <link rel=canonical> made absolute, else og:url."""
    url = None
    base = base_url
    for el in tree.iter("base"):
        if el.get("href"):
            base = urljoin(base or "", el.get("href").strip())
            break
    for el in tree.iter("link"):
        if "canonical" in (el.get("rel") or "").lower().split() and el.get("href"):
            url = el.get("href").strip()
            break
    og_url = meta.get("og:url")
    if url and not urlsplit(url).scheme:
        url = urljoin(og_url or base or "", url) if (og_url or base) else None
    if not url or urlsplit(url).scheme not in ("http", "https"):
        url = og_url if og_url and urlsplit(og_url).scheme in ("http", "https") else None
    return url, og_url


def _choose_date(candidates: Iterator[tuple[str, object]]) -> tuple[str | None, str | None]:
    """(raw value, rule) of the publication date: the first valid candidate, unless
    * another candidate states the same moment with the page's own (non-UTC) offset: that
      one, so the day is the article's calendar day, not UTC's;
    * no other source agrees with its day while two others agree on another day: theirs."""
    found: list[tuple[str, str, object]] = []
    for rule, value in candidates:
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str)), None)
        if not isinstance(value, str) or not value.strip():
            continue
        try:
            parsed = parse_date(value)
        except ValueError:
            continue
        if parsed is not None:
            found.append((value.strip(), rule, parsed))
    if not found:
        return None, None

    def day(p):
        return p.date() if isinstance(p, datetime) else p

    def aware(p):
        return isinstance(p, datetime) and p.utcoffset() is not None

    def same(a, b) -> bool:
        if aware(a) and aware(b):
            return abs(a - b) <= _SAME_MOMENT
        return day(a) == day(b)

    chosen = found[0]
    if aware(chosen[2]) and not chosen[2].utcoffset():
        local = next((f for f in found[1:] if aware(f[2]) and f[2].utcoffset() and same(f[2], chosen[2])), None)
        if local is not None:
            chosen = local
    if not any(same(f[2], chosen[2]) for f in found if f is not chosen):
        for f in found:
            if f is not chosen and sum(same(g[2], f[2]) for g in found) >= 2:
                chosen = f
                break
    return chosen[0], chosen[1]


def page_metadata(tree, base_url: str | None = None) -> dict:
    """title, published (raw, valid), date_source, url, source, author, language."""
    meta = meta_values(tree)
    objects = list(json_ld_objects(tree))
    articles = [o for o, is_article in objects if is_article]
    url, og_url = _page_url(tree, meta, base_url)

    # Title sources, and the JSON-LD block that describes the page.
    title_el = tree.find(".//title")
    raw_title = _text(title_el) if title_el is not None else ""
    h1s = [t for t in (_text(h) for h in tree.iter("h1")) if t]
    h2s = [t for t in (_text(h) for h in tree.iter("h2")) if t]
    from_tag = title_from_title_tag(raw_title, h1s, h2s, meta.get("og:site_name"))
    og_title = meta.get("og:title") or ""
    page_titles = [t for t in (og_title, from_tag, raw_title) if t]
    main = main_article(articles, {k for k in map(_url_key, (url, og_url)) if k}, page_titles)
    if not url and main is not None:
        for key in ("url", "mainEntityOfPage", "@id"):
            u = main.get(key)
            u = u.get("@id") if isinstance(u, dict) else u
            if isinstance(u, str) and u.startswith(("http://", "https://")):
                url = u
                break

    # Site name.
    source = (meta.get("og:site_name") or (main is not None and _publisher_name(main))
              or next((n for n in map(_publisher_name, articles) if n), None)
              or meta.get("application-name") or None)
    if not source and url:
        source = urlsplit(url).hostname
    source = clean_source(source)

    # Title: the page's block, unless og:title and <title> agree with each other and not with it.
    title = _block_title(main, from_tag) if main is not None else ""
    if title and og_title and from_tag and not any(_agree(title, t) for t in page_titles) \
            and _agree(og_title, from_tag):
        title = og_title
    if not title:
        for key in ("dc:title", "dcterm:title", "og:title", "weibo:article:title", "weibo:webpage:title",
                    "title", "twitter:title", "parsely-title"):
            if meta.get(key):
                title = meta[key]
                break
    if not title:
        title = from_tag or (h1s[0] if h1s else "")

    # Publication date.
    def candidates() -> Iterator[tuple[str, object]]:
        if main is not None:
            for key in ("datePublished", "dateCreated"):
                yield "json-ld", main.get(key)
        for key in _DATE_KEYS:
            yield "html-meta", meta.get(key)
        for value in _itemprop_dates(tree):
            yield "html-meta", value
        marked, unmarked = _time_candidates(tree)
        for value in marked:
            yield "html-time", value
        for obj, _ in objects:
            if obj is not main and _describes_page(obj):
                for key in ("datePublished", "dateCreated"):
                    yield "json-ld", obj.get(key)
        yield "url", date_in_url(url or og_url)
        for value in unmarked:
            yield "html-time", value

    published, date_source = _choose_date(candidates())

    # Author: person names only, from the page's block, else meta tags, else the byline.
    names: list[str] = []
    if main is not None:
        names = clean_authors(_author_values(main), site=source)
    for key in _AUTHOR_KEYS:
        if names:
            break
        names = clean_authors(meta.get(key), site=source)
    if not names:
        for el in tree.xpath(_BYLINE_XPATH)[:3]:
            names = clean_authors(el.get("content") or _text(el), site=source)
            if names:
                break
    author = join_authors(names)

    # Language.
    root = tree.getroottree().getroot()
    language = None
    for value in (root.get("lang"), root.get("{http://www.w3.org/XML/1998/namespace}lang"),
                  root.get("xml:lang"), meta.get("content-language"), meta.get("og:locale"),
                  meta.get("language"), meta.get("dc.language"),
                  next((o.get("inLanguage") for o in articles if isinstance(o.get("inLanguage"), str)), None)):
        language = normalise_language(value)
        if language:
            break

    return {"title": title, "published": published, "date_source": date_source, "url": url,
            "source": source, "author": author, "language": language}
