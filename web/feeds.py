"""Feeds and exports of any search, and browser integration.

- `/search.rss` (RSS 2.0) and `/search.atom` (Atom 1.0): the page's results (the
  same parameters as `/`, so `page` and `per_page` too, at most 100 items).
- `/api/search.csv` and `/api/search.jsonl`: every match in the request's order, up
  to EXPORT_CAP rows, streamed page by page as the search is run.
- `/opensearch.xml`: the OpenSearch 1.1 description ("add search engine").
- `/api/suggest?q=`: OpenSearch suggestions `[q, [completions...]]` for the search box.

Bad parameters and a missing index get the same problem+json as /api/search, feeds
included: a feed reader shows a status, not an HTML page (web/problems.py decides the
response type of every error, for every route).
"""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import json
import os
import re
from datetime import date, datetime, time, timezone
from email.utils import format_datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, request, stream_with_context, url_for

from search.core.labels import country_label, language_label
from search.core.backend import Capability
from search.core.request import (MAX_PER_PAGE, MAX_RESULT_WINDOW, MAX_SUGGEST_QUERY, SUGGEST_LIMIT, InvalidRequest,
                                 SearchRequest)

from . import backend
from .pages import plural

feeds = Blueprint("feeds", __name__)

SITE_NAME = "News search"
EXPORT_COLUMNS = ("id", "title", "published", "countries", "source", "url", "lang")
EXPORT_PAGE = MAX_PER_PAGE  # rows fetched per search while exporting


def export_cap() -> int:
    """Most rows one export holds: NEWS_SEARCH_EXPORT_CAP (default and ceiling 10,000,
    the deepest result the search serves)."""
    raw = os.environ.get("NEWS_SEARCH_EXPORT_CAP", "").strip()
    try:
        cap = int(raw) if raw else MAX_RESULT_WINDOW
    except ValueError:
        cap = MAX_RESULT_WINDOW
    return max(1, min(cap, MAX_RESULT_WINDOW))


# -- XML ------------------------------------------------------------------------

# Characters XML 1.0 cannot hold at all, even escaped (C0 controls, lone surrogates, U+FFFE/F).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MARK = re.compile(r"</?mark>")


def xml_text(value: object) -> str:
    """Text as XML character data: characters XML cannot carry dropped, & < > escaped."""
    return html.escape(_NOT_XML.sub("", str(value)), quote=False)


def xml_attr(value: object) -> str:
    return html.escape(_NOT_XML.sub("", str(value)), quote=True)


def plain_snippet(snippet_html: str) -> str:
    """A hit's snippet (escaped HTML with <mark>) as plain text. Article text is escaped
    in the snippet, so the only tags in it are the marks."""
    return " ".join(_NOT_XML.sub("", html.unescape(_MARK.sub("", snippet_html))).split())


def _published(value: str | None) -> datetime | None:
    """An article's `published` (YYYY-MM-DD, or a full ISO time with its own offset)
    as an aware datetime; a bare day is taken as midnight UTC."""
    if not value:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), timezone.utc)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _base() -> str:
    return request.host_url.rstrip("/")


def article_url(article_id: str) -> str:
    return _base() + url_for("pages.article_page", article_id=article_id)


def _search_url(path: str, req: SearchRequest) -> str:
    query = urlencode(req.params())
    return _base() + path + ("?" + query if query else "")


def _feed_title(req: SearchRequest) -> str:
    parts = [f"“{req.q}”" if req.q else "latest articles"]
    if req.country:
        parts.append("in " + ", ".join(country_label(c) for c in req.country))
    if req.language:
        parts.append("written in " + ", ".join(language_label(c) for c in req.language))
    if req.from_text or req.to_text:
        parts.append(f"{req.from_text or '…'} to {req.to_text or '…'}")
    return f"{SITE_NAME}: " + " ".join(parts)


def _feed_search():
    req = SearchRequest.from_params(request.args)
    return req, backend().search(req)


def _xml_response(body: str, mimetype: str) -> Response:
    response = Response(body.encode("utf-8"), mimetype=mimetype)
    response.charset = "utf-8"
    return response


@feeds.get("/search.rss")
def rss():
    req, result = _feed_search()
    page_url = _search_url("/", req)
    out = ['<?xml version="1.0" encoding="utf-8"?>\n',
           '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n',
           f"<title>{xml_text(_feed_title(req))}</title>\n",
           f"<link>{xml_text(page_url)}</link>\n",
           f'<atom:link rel="self" type="application/rss+xml" href="{xml_attr(request.url)}"/>\n',
           f"<description>{xml_text(plural(result.total, 'article') + '; ' + SITE_NAME)}</description>\n",
           "<language>en</language>\n",
           f"<generator>{SITE_NAME}</generator>\n"]
    dates = [d for d in (_published(h.published) for h in result.hits) if d]
    if dates:
        out.append(f"<lastBuildDate>{format_datetime(max(dates))}</lastBuildDate>\n")
    for hit in result.hits:
        link = article_url(hit.id)
        out.append("<item>\n")
        out.append(f"<title>{xml_text(hit.title)}</title>\n")
        out.append(f"<link>{xml_text(link)}</link>\n")
        out.append(f'<guid isPermaLink="true">{xml_text(link)}</guid>\n')
        moment = _published(hit.published)
        if moment:
            out.append(f"<pubDate>{format_datetime(moment)}</pubDate>\n")
        out.append(f"<description>{xml_text(plain_snippet(hit.snippet))}</description>\n")
        for code in hit.countries:
            out.append(f"<category>{xml_text(country_label(code))}</category>\n")
        out.append("</item>\n")
    out.append("</channel>\n</rss>\n")
    return _xml_response("".join(out), "application/rss+xml")


@feeds.get("/search.atom")
def atom():
    req, result = _feed_search()
    dates = [d for d in (_published(h.published) for h in result.hits) if d]
    # Atom wants an `updated` everywhere: the newest article's date; undated articles
    # (and a feed without dated ones) carry the time of the response.
    now = datetime.now(timezone.utc).replace(microsecond=0)
    updated = max(dates) if dates else now
    out = ['<?xml version="1.0" encoding="utf-8"?>\n',
           '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">\n',
           f"<title>{xml_text(_feed_title(req))}</title>\n",
           f"<subtitle>{xml_text(plural(result.total, 'article'))}</subtitle>\n",
           f"<id>{xml_text(request.url)}</id>\n",
           f'<link rel="self" type="application/atom+xml" href="{xml_attr(request.url)}"/>\n',
           f'<link rel="alternate" type="text/html" href="{xml_attr(_search_url("/", req))}"/>\n',
           f"<updated>{_rfc3339(updated)}</updated>\n",
           f"<author><name>{SITE_NAME}</name></author>\n",
           f"<generator>{SITE_NAME}</generator>\n"]
    for hit in result.hits:
        link = article_url(hit.id)
        moment = _published(hit.published)
        out.append(f'<entry xml:lang="{xml_attr(hit.lang)}">\n' if hit.lang else "<entry>\n")
        out.append(f'<title type="text">{xml_text(hit.title)}</title>\n')
        out.append(f'<link rel="alternate" type="text/html" href="{xml_attr(link)}"/>\n')
        out.append(f"<id>{xml_text(link)}</id>\n")
        out.append(f"<updated>{_rfc3339(moment or updated)}</updated>\n")
        if moment:
            out.append(f"<published>{_rfc3339(moment)}</published>\n")
        if hit.source:
            out.append(f"<author><name>{xml_text(hit.source)}</name></author>\n")
        out.append(f'<summary type="text">{xml_text(plain_snippet(hit.snippet))}</summary>\n')
        for code in hit.countries:
            out.append(f'<category term="{xml_attr(code)}" label="{xml_attr(country_label(code))}"/>\n')
        out.append("</entry>\n")
    out.append("</feed>\n")
    return _xml_response("".join(out), "application/atom+xml")


# -- exports --------------------------------------------------------------------

# A cell a spreadsheet would run as a formula (OWASP's list: = + - @, tab, carriage return).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A CSV cell that spreadsheets show as text: a leading apostrophe defuses formulas."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _record(hit) -> dict:
    return {"id": hit.id, "title": hit.title, "published": hit.published, "countries": list(hit.countries),
            "source": hit.source, "url": hit.url, "lang": hit.lang}


def _all_hits(req: SearchRequest, cap: int):
    """Every match in the request's order, up to `cap`: the search run page by page
    (100 at a time). The first page is run before the response starts, so a bad
    index still gets a proper status; an article seen twice (the index changed
    between two pages) is given once."""
    base = dataclasses.replace(req, page=1, per_page=EXPORT_PAGE, collapse=False)  # every article
    first = backend().search(base)

    def pages():
        seen: set[str] = set()
        result, page, sent = first, 1, 0
        while True:
            for hit in result.hits:
                if hit.id in seen:
                    continue
                seen.add(hit.id)
                yield hit
                sent += 1
                if sent >= cap:
                    return
            if len(result.hits) < EXPORT_PAGE or page * EXPORT_PAGE >= cap:
                return
            page += 1
            result = backend().search(dataclasses.replace(base, page=page))

    return first, pages()


def _filename(req: SearchRequest, ext: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", req.q.lower()).strip("-")[:40] or "all"
    return f"news-search-{slug}.{ext}"


def _export(req: SearchRequest, ext: str, mimetype: str, render) -> Response:
    cap = export_cap()
    first, hits = _all_hits(req, cap)
    response = Response(stream_with_context(render(hits)), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(req, ext)}"'
    response.headers["X-Export-Cap"] = str(cap)
    if first.total > cap:  # known early only when even the first page counts more
        response.headers["X-Export-Truncated"] = "true"
    return response


@feeds.get("/api/search.csv")
def export_csv():
    req = SearchRequest.from_params(request.args)

    def render(hits):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        for n, hit in enumerate(hits, 1):
            row = _record(hit)
            row["countries"] = " ".join(row["countries"])
            writer.writerow([csv_cell(row[c]) for c in EXPORT_COLUMNS])
            if n % EXPORT_PAGE == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = _export(req, "csv", "text/csv", render)
    response.headers["Content-Type"] = "text/csv; charset=utf-8; header=present"
    return response


def _json_line(record: dict) -> str:
    """One JSON Lines record. U+2028 and U+2029 are escaped: many line readers
    (Python's str.splitlines, JavaScript) take them for line breaks."""
    text = json.dumps(record, ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


@feeds.get("/api/search.jsonl")
def export_jsonl():
    req = SearchRequest.from_params(request.args)

    def render(hits):
        lines = []
        for hit in hits:
            lines.append(_json_line(_record(hit)))
            if len(lines) == EXPORT_PAGE:
                yield "".join(lines)
                lines = []
        yield "".join(lines)

    return _export(req, "jsonl", "application/x-ndjson", render)


# -- browser integration ----------------------------------------------------------

@feeds.get("/opensearch.xml")
def opensearch():
    base = _base()
    urls = [("text/html", "/?q={searchTerms}"),
            ("application/json", "/api/search?q={searchTerms}"),
            ("application/rss+xml", "/search.rss?q={searchTerms}"),
            ("application/atom+xml", "/search.atom?q={searchTerms}")]
    out = ['<?xml version="1.0" encoding="utf-8"?>\n',
           '<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">\n',
           f"<ShortName>{SITE_NAME}</ShortName>\n",
           "<Description>Full-text search over news articles</Description>\n",
           "<InputEncoding>UTF-8</InputEncoding>\n",
           "<OutputEncoding>UTF-8</OutputEncoding>\n"]
    if Capability.SUGGEST in backend().capabilities:
        urls.insert(2, ("application/x-suggestions+json", "/api/suggest?q={searchTerms}"))
    for kind, path in urls:
        out.append(f'<Url type="{kind}" method="get" template="{xml_attr(base + path)}"/>\n')
    out.append(f'<Url type="application/opensearchdescription+xml" rel="self" '
               f'template="{xml_attr(base + url_for("feeds.opensearch"))}"/>\n')
    out.append("</OpenSearchDescription>\n")
    return _xml_response("".join(out), "application/opensearchdescription+xml")


@feeds.get("/api/suggest")
def suggestions():
    values = request.args.getlist("q")
    if len(values) > 1:
        raise InvalidRequest([{"name": "q", "reason": "given more than once"}])
    q = values[0] if values else ""
    if len(q) > MAX_SUGGEST_QUERY:
        raise InvalidRequest([{"name": "q", "reason": f"longer than {MAX_SUGGEST_QUERY} characters ({len(q)})"}])
    found = backend().suggest(q, SUGGEST_LIMIT) if q.strip() else []
    response = Response(json.dumps([q, found], ensure_ascii=False), mimetype="application/x-suggestions+json")
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
