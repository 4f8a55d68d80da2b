"""Feeds (RSS, Atom), exports (CSV, JSON Lines), OpenSearch and search-as-you-type, over
real HTTP against gunicorn, and the suggestions in a real browser."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import feedparser
import jsonschema
import pytest

from conftest import RECORD_CSP, Server, run_cli, write

PROJECT = Path(__file__).resolve().parent.parent
OPENAPI = json.loads((PROJECT / "web" / "openapi.json").read_text())
ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
XSS_TITLE = "<script>alert('title')</script> Evil <img src=x onerror=alert(1)> headline"
EXPORT_CAP = 150  # for the crafted corpus's own server

# Searches of the shared API corpus (tests/conftest.py): relevance, date order, filters, paging.
SEARCHES = [
    {"q": "minister"},
    {"q": "minister", "per_page": "7", "page": "2"},
    {"q": "cuba"},
    {"country": ["KR", "CU"]},
    {"q": "minister", "language": ["en", "ar"]},
    {"from": "2024-07", "to": "2024-09", "sort": "date_asc", "per_page": "100"},
    {},
]


def conforms(body, schema_name: str) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": OPENAPI["components"]}
    jsonschema.validate(body, schema, cls=jsonschema.Draft202012Validator)


def api_page(server: Server, params: dict) -> dict:
    r = server.get("/api/search", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def api_all(server: Server, params: dict) -> list[dict]:
    """Every match, through /api/search with per_page=100 over all pages."""
    out, page = [], 1
    while True:
        body = api_page(server, {**params, "per_page": 100, "page": page})
        out += body["results"]
        if len(body["results"]) < 100:
            return out
        page += 1


def article_id(link: str, server: Server) -> str:
    assert link.startswith(server.url + "/articles/"), link
    return unquote(link.removeprefix(server.url + "/articles/"))


def assert_plain_snippet(server: Server, summary: str, hit: dict) -> None:
    """The feed's description is the hit's snippet as plain text. (Two gunicorn workers may
    pick different fragments of one article for it: then each fragment must be article text.)"""
    if summary == " ".join(html.unescape(re.sub(r"</?mark>", "", hit["snippet"])).split()):
        return
    text = " ".join(server.get(f"/api/articles/{quote(hit['id'])}").json()["text"].split())
    for fragment in summary.split("…"):
        assert fragment.strip() in text, (fragment, hit["id"])


def strict_xml(body: bytes) -> ET.Element:
    """Well-formed XML or an exception (feedparser alone forgives too much)."""
    return ET.fromstring(body)


# -- RSS and Atom ------------------------------------------------------------------

@pytest.mark.parametrize("params", SEARCHES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "all")
def test_feeds_hold_exactly_the_pages_results_in_order(served, params):
    expected = api_page(served, params)["results"]
    assert expected
    rss = served.get("/search.rss", params=params)
    atom = served.get("/search.atom", params=params)
    assert rss.status_code == atom.status_code == 200
    assert rss.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert atom.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    strict_xml(rss.content)
    # Each Atom entry in its article's language.
    entries = strict_xml(atom.content).findall("{http://www.w3.org/2005/Atom}entry")
    assert [e.get("{http://www.w3.org/XML/1998/namespace}lang") for e in entries] == [h["lang"] for h in expected]

    feed = feedparser.parse(rss.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "rss20"
    assert [article_id(e.link, served) for e in feed.entries] == [h["id"] for h in expected]
    assert [e.id for e in feed.entries] == [e.link for e in feed.entries]  # guid = the article page
    for entry, hit in zip(feed.entries, expected):
        if hit["id"] != "xss":  # feedparser sanitizes markup in titles; that one is checked raw below
            assert entry.title == hit["title"]
        assert "<mark>" not in entry.summary and "&lt;mark" not in entry.summary
        if hit["id"] != "xss":
            assert_plain_snippet(served, entry.summary, hit)
        if hit["published"]:
            assert entry.published_parsed[:3] == tuple(int(x) for x in hit["published"][:10].split("-"))
        else:
            assert "published" not in entry

    feed = feedparser.parse(atom.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert [article_id(e.link, served) for e in feed.entries] == [h["id"] for h in expected]
    for entry, hit in zip(feed.entries, expected):
        assert entry.id == entry.link
        assert entry.updated_parsed is not None
        if hit["published"]:
            assert entry.published_parsed[:3] == tuple(int(x) for x in hit["published"][:10].split("-"))
    assert feed.feed.links[0].href.startswith(served.url + "/search.atom")
    if params.get("language"):
        assert feed.feed.title.endswith("written in English, Arabic")


def test_hostile_title_is_escaped_text_in_both_feeds(served):
    for path in ("/search.rss", "/search.atom"):
        r = served.get(path, params={"q": "evil headline"})
        assert r.status_code == 200
        assert b"<script" not in r.content and b"<img" not in r.content
        root = strict_xml(r.content)
        titles = [t.text for t in root.iter() if t.tag in ("title", ATOM + "title")]
        assert XSS_TITLE in titles, titles  # the same characters, as text
        links = [e.text for e in root.iter("link")] + [e.get("href") for e in root.iter(ATOM + "link")]
        assert served.url + "/articles/xss" in links
        assert not any((link or "").startswith("javascript:") for link in links)  # the article's own url is not used
    # The JSON twin agrees on what the title is.
    assert api_page(served, {"q": "evil headline"})["results"][0]["title"] == XSS_TITLE


def test_feed_descriptions_count_in_the_singular_and_the_plural(served):
    for q, count in (("tokyo", "1 article"), ("havana", "2 articles"), ("qqqzzzxx", "0 articles")):
        rss = strict_xml(served.get("/search.rss", params={"q": q}).content)
        assert rss.find("channel/description").text == f"{count}; News search", q
        atom = strict_xml(served.get("/search.atom", params={"q": q}).content)
        assert atom.find(ATOM + "subtitle").text == count, q


def test_bad_parameters_get_the_same_problem_as_the_api(served):
    for params in ({"sort": "sideways"}, {"per_page": "101"}, {"country": "XX", "from": "2024-13"},
                   {"q": '"unbalanced'}, {"page": "200", "per_page": "100"}):
        expected = served.get("/api/search", params=params)
        assert expected.status_code == 400
        for path in ("/search.rss", "/search.atom", "/api/search.csv", "/api/search.jsonl"):
            r = served.get(path, params=params)
            assert r.status_code == 400, (path, params)
            assert r.headers["Content-Type"] == "application/problem+json", path
            assert "Content-Disposition" not in r.headers
            assert r.json() == expected.json(), path
            conforms(r.json(), "Problem")


# -- CSV and JSON Lines ------------------------------------------------------------

def read_csv(text: str) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    return rows


@pytest.mark.parametrize("params", SEARCHES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "all")
def test_exports_hold_exactly_the_matching_articles(served, params):
    expected = api_all(served, {k: v for k, v in params.items() if k not in ("page", "per_page")})
    csv_r = served.get("/api/search.csv", params=params)
    assert csv_r.status_code == 200
    assert csv_r.headers["Content-Type"].startswith("text/csv; charset=utf-8")
    slug = re.sub(r"[^a-z0-9]+", "-", params.get("q", "")).strip("-") or "all"
    assert csv_r.headers["Content-Disposition"] == f'attachment; filename="news-search-{slug}.csv"'
    assert csv_r.content.startswith(b"id,title,published,countries,source,url,lang\r\n")
    rows = read_csv(csv_r.content.decode("utf-8"))
    assert [r["id"] for r in rows] == [h["id"] for h in expected]
    for row, hit in zip(rows, expected):
        assert row["countries"] == " ".join(hit["countries"])
        assert row["published"] == (hit["published"] or "")
        assert row["title"] == hit["title"] and row["url"] == (hit["url"] or "")
        assert row["lang"] == (hit["lang"] or "")

    jsonl_r = served.get("/api/search.jsonl", params=params)
    assert jsonl_r.status_code == 200
    assert jsonl_r.headers["Content-Type"].startswith("application/x-ndjson")
    assert jsonl_r.headers["Content-Disposition"] == f'attachment; filename="news-search-{slug}.jsonl"'
    records = [json.loads(line) for line in jsonl_r.text.splitlines()]
    for record in records:
        conforms(record, "ExportRecord")
    keys = ("id", "title", "published", "countries", "source", "url", "lang")
    assert records == [{k: h[k] for k in keys} for h in expected]


@pytest.fixture(scope="module")
def crafted(tmp_path_factory):
    """Its own server over a corpus with more than two pages of one story, spreadsheet
    formulas and control characters, and an export cap of 150."""
    base = tmp_path_factory.mktemp("feeds")
    corpus = base / "corpus"
    lines = [{"id": f"bulk-{n:03d}", "title": f"Harbour report {n}", "published": f"2023-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
              "text": f"LISBON - The harbour authority published report {n} about shipping and cargo."}
             for n in range(230)]
    lines += [
        {"id": "formula-eq", "title": '=HYPERLINK("http://evil.example/","click") cargo', "text": "Cargo formula story.",
         "source": "=cmd|' /C calc'!A0", "published": "2024-01-02"},
        {"id": "formula-plus", "title": "+1 cargo rise", "text": "Cargo rose.", "source": "@SUM(A1:A9)",
         "published": "2024-01-03"},
        {"id": "formula-minus", "title": "-5% cargo fall", "text": "Cargo fell.", "published": "2024-01-04"},
        {"id": "formula-at", "title": "@cargo handle", "text": "Cargo handle.", "published": "2024-01-05"},
        {"id": "controls", "title": "Cargo \x01control\x02 \x0bchars\x1f and \u2028 separators\x7f",
         "text": "Cargo text with \x00 nul, \x08 backspace, \x1b escape and \ufffe non-character.",
         "published": "2024-01-06"},
    ]
    write(corpus / "crafted.jsonl", "\n".join(json.dumps(line) for line in lines) + "\n")
    index = base / "index"
    proc = run_cli("index", "--corpus", corpus, "--index", index)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    saved = os.environ.get("NEWS_SEARCH_EXPORT_CAP")
    os.environ["NEWS_SEARCH_EXPORT_CAP"] = str(EXPORT_CAP)
    try:
        server = Server(index, workers=1)
    finally:
        if saved is None:
            del os.environ["NEWS_SEARCH_EXPORT_CAP"]
        else:
            os.environ["NEWS_SEARCH_EXPORT_CAP"] = saved
    yield server
    server.stop()


def test_exports_run_every_page_up_to_the_cap(crafted):
    everything = api_all(crafted, {"q": "harbour"})
    assert len(everything) == 230
    r = crafted.get("/api/search.csv", params={"q": "harbour"})
    assert r.headers["X-Export-Cap"] == str(EXPORT_CAP) and r.headers["X-Export-Truncated"] == "true"
    assert [row["id"] for row in read_csv(r.text)] == [h["id"] for h in everything[:EXPORT_CAP]]
    by_date = api_all(crafted, {"q": "harbour", "sort": "date"})
    r = crafted.get("/api/search.jsonl", params={"q": "harbour", "sort": "date"})
    assert [json.loads(line)["id"] for line in r.text.splitlines()] == [h["id"] for h in by_date[:EXPORT_CAP]]
    # Under the cap: all of it, no truncation said.
    r = crafted.get("/api/search.jsonl", params={"q": "harbour", "from": "2023-01", "to": "2023-06"})
    expected = api_all(crafted, {"q": "harbour", "from": "2023-01", "to": "2023-06"})
    assert 100 < len(expected) < EXPORT_CAP and "X-Export-Truncated" not in r.headers
    assert [json.loads(line)["id"] for line in r.text.splitlines()] == [h["id"] for h in expected]


def test_csv_cells_cannot_run_as_formulas(crafted):
    rows = {row["id"]: row for row in read_csv(crafted.get("/api/search.csv", params={"q": "cargo"}).text)}
    assert {"formula-eq", "formula-plus", "formula-minus", "formula-at"} <= rows.keys()
    assert rows["formula-eq"]["title"] == "'" + '=HYPERLINK("http://evil.example/","click") cargo'
    assert rows["formula-eq"]["source"] == "'=cmd|' /C calc'!A0"
    assert rows["formula-plus"]["title"] == "'+1 cargo rise" and rows["formula-plus"]["source"] == "'@SUM(A1:A9)"
    assert rows["formula-minus"]["title"] == "'-5% cargo fall"
    assert rows["formula-at"]["title"] == "'@cargo handle"
    for row in rows.values():
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in row.values()), row
    # JSON Lines is data, not a spreadsheet: values as they are.
    records = {r["id"]: r for r in map(json.loads, crafted.get("/api/search.jsonl", params={"q": "cargo"}).text.splitlines())}
    assert records["formula-plus"]["title"] == "+1 cargo rise"


def test_feeds_stay_valid_xml_with_control_characters(crafted):
    stored = crafted.get("/api/articles/controls").json()
    for path, version in (("/search.rss", "rss20"), ("/search.atom", "atom10")):
        r = crafted.get(path, params={"q": "cargo", "per_page": "100"})
        assert r.status_code == 200
        root = strict_xml(r.content)
        feed = feedparser.parse(r.content)
        assert not feed.bozo, feed.bozo_exception
        assert feed.version == version
        entry = next(e for e in feed.entries if e.link.endswith("/articles/controls"))
        # What XML cannot carry is dropped; the rest of the title is kept.
        expected = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", stored["title"])
        assert entry.title == expected
        assert "formula-eq" in r.text and root is not None


def test_xml_text_drops_what_xml_cannot_hold():
    from web.feeds import xml_attr, xml_text

    hostile = "".join(map(chr, range(0x20))) + "<a href='x'>&amp;</a>\ud800\ufffe\uffff\U0001f600\u2028"
    element = ET.fromstring(f'<t a="{xml_attr(hostile)}">{xml_text(hostile)}</t>')
    assert element.text == "\t\n\n<a href='x'>&amp;</a>\U0001f600\u2028"  # \r is read back as \n
    assert element.get("a") == "\t\n\r<a href='x'>&amp;</a>\U0001f600\u2028".replace("\t", " ").replace("\n", " ").replace("\r", " ")


# -- OpenSearch ------------------------------------------------------------------

def test_opensearch_description_and_its_templates(served):
    r = served.get("/opensearch.xml")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/opensearchdescription+xml; charset=utf-8"
    root = strict_xml(r.content)
    assert root.tag == OPENSEARCH + "OpenSearchDescription"
    assert root.find(OPENSEARCH + "ShortName").text == "News search"
    assert len(root.find(OPENSEARCH + "ShortName").text) <= 16
    assert root.find(OPENSEARCH + "InputEncoding").text == "UTF-8"
    templates = {u.get("type"): u.get("template") for u in root.iter(OPENSEARCH + "Url")}
    assert templates["text/html"] == served.url + "/?q={searchTerms}"
    assert templates["application/json"] == served.url + "/api/search?q={searchTerms}"
    assert templates["application/x-suggestions+json"] == served.url + "/api/suggest?q={searchTerms}"
    assert templates["application/opensearchdescription+xml"] == served.url + "/opensearch.xml"
    for kind, template in templates.items():
        answer = served.get(template.removeprefix(served.url).replace("{searchTerms}", quote("minister")))
        assert answer.status_code == 200, template
        assert answer.headers["Content-Type"].split(";")[0] == kind
    # Every page tells browsers about it.
    page = served.get("/", params={"q": "cuba"}).text
    assert '<link rel="search" type="application/opensearchdescription+xml" title="News search" href="/opensearch.xml">' in page
    assert '<script src="/static/suggest.js" defer></script>' in page


# -- suggestions -------------------------------------------------------------------

def suggestions(server: Server, q: str) -> list[str]:
    r = server.get("/api/suggest", params={"q": q})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/x-suggestions+json"
    body = r.json()
    conforms(body, "Suggestions")
    assert body[0] == q
    return body[1]


def test_suggestions_complete_the_last_word(served):
    found = suggestions(served, "min")
    assert found[0] == "minister" and len(found) <= 8
    assert "Minister statement number 24" in found  # titles too, newest first
    assert suggestions(served, "MINI")[0] == "minister"
    # Earlier words stay; the completion fits with them.
    assert suggestions(served, "french mini")[0] == "french minister"
    assert suggestions(served, "cuba tra")[0] == "cuba trade"
    # Every suggestion is a search that finds something.
    for s in found + suggestions(served, "cuba tra"):
        assert api_page(served, {"q": s})["total"] > 0, s
    assert suggestions(served, "") == [] and suggestions(served, "   ") == []
    assert suggestions(served, "zzzzqx") == []
    assert suggestions(served, "x" * 100) == []
    r = served.get("/api/suggest", params={"q": "x" * 101})
    assert r.status_code == 400 and r.headers["Content-Type"] == "application/problem+json"
    assert r.json()["invalid_params"] == [{"name": "q", "reason": "longer than 100 characters (101)"}]


def test_a_hostile_title_is_suggested_as_a_plain_query(served):
    found = suggestions(served, "headl")
    title = next(s for s in found if "Evil" in s)
    assert "<script>" in title  # JSON text: the script shows it as text (checked in the browser below)
    assert api_page(served, {"q": title})["total"] > 0  # no quotes, brackets or colons left to misread


# -- in the browser ------------------------------------------------------------------

@pytest.fixture(scope="module")
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.add_init_script(RECORD_CSP)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    tab.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" and "favicon" not in
           (m.location.get("url") or "") else None)
    tab.on("dialog", lambda d: (tab.errors.append("dialog: " + d.message), d.dismiss()))
    yield tab
    context.close()


def test_suggestions_appear_while_typing_and_the_keyboard_picks_one(served, page):
    from playwright.sync_api import expect

    page.goto(served.url + "/")
    # The ARIA 1.2 combobox pattern (aria-expanded is not allowed on a plain search box).
    box = page.get_by_role("combobox", name="Search articles")
    listbox = page.get_by_role("listbox", name="Suggestions")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_attribute("aria-autocomplete", "list")
    box.click()
    page.keyboard.type("mini", delay=30)
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", "q-suggestions")
    options = listbox.get_by_role("option")
    expected = suggestions(served, "mini")
    expect(options).to_have_text(expected)
    assert expected[0] == "minister"
    expect(page.locator("#q-suggestions-status")).to_have_text(re.compile(rf"^{len(expected)} suggestions"))

    page.keyboard.press("ArrowDown")
    first = options.first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(first).to_have_attribute("aria-selected", "true")
    expect(options.nth(1)).to_have_attribute("aria-selected", "false")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("q") == ["minister"])
    expect(box).to_have_value("minister")
    expect(page.locator("ol.hits > li.hit").first).to_be_visible()
    expect(listbox).to_be_hidden()

    # Escape closes the list and leaves the typed text alone; Enter then searches for it.
    box.fill("")
    box.click()
    page.keyboard.type("headl", delay=30)
    expect(listbox).to_be_visible()
    hostile = listbox.get_by_role("option").filter(has_text="Evil")
    expect(hostile).to_contain_text("<script>alert 'title' </script> Evil <img src=x")  # shown as text
    assert page.locator("script:not([src]), img, [onerror]").count() == 0
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("headl")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("q") == ["headl"])
    assert page.evaluate("window.__cspViolations") == []
    assert page.errors == []
