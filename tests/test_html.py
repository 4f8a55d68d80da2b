"""HTML pages: one hand-made page per extraction rule, read through the indexer's own path
(search.ingest.extract.read_file), plus the real-data benchmark against its targets."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

import pytest

from conftest import PROJECT, SHARED_DATA, write
from search.ingest.extract import read_file, scan_corpus
from search.ingest.readers.html_meta import date_in_url, decode_html, title_from_title_tag
from search.ingest.readers.html import extract_html, fallback_text

MAX = 50 * 1024 * 1024

STORY = ("<p>The foreign ministers of South Korea and Cuba met in New York on Tuesday and agreed "
         "to open embassies in each other's capitals before the end of the year.</p>"
         "<p>It was the first meeting at that level since the two countries established "
         "diplomatic relations, officials in Seoul said after the talks had ended.</p>"
         "<p>Trade between the two countries remains small, but both governments said they "
         "expected tourism and cultural exchanges to grow quickly once the embassies open.</p>")


def page(head: str = "", body: str = "", lang: str = ' lang="en"') -> str:
    return (f"<!doctype html><html{lang}><head><meta charset=\"utf-8\">{head}</head>"
            f"<body>{body or '<article>' + STORY + '</article>'}</body></html>")


def read_one(tmp_path, name: str, content: str | bytes):
    write(tmp_path / name, content)
    scan = scan_corpus(tmp_path)
    result = read_file(tmp_path, scan.files[name], MAX)
    assert len(result.articles) == 1, result.problems
    return result.articles[0]


def ld(obj: object, wrap: str = "") -> str:
    text = json.dumps(obj)
    if wrap == "cdata":
        text = f"//<![CDATA[\n{text}\n//]]>"
    return f'<script type="application/ld+json">{text}</script>'


# --- JSON-LD ------------------------------------------------------------------------------------

def test_json_ld_graph_gives_headline_date_author_and_publisher(tmp_path):
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "Example News", "url": "https://news.example.com/"},
        {"@type": "WebPage", "datePublished": "2020-01-01T00:00:00Z"},
        {"@type": ["NewsArticle"], "headline": "Seoul and Havana agree to open embassies",
         "datePublished": "2024-09-24T21:30:00-04:00",
         "author": [{"@type": "Person", "name": "Kim Min-jun"}, {"@type": "Person", "name": "Ana Pérez"}],
         "publisher": {"@type": "Organization", "name": "Example News"}}]}
    article = read_one(tmp_path, "graph.html", page(
        "<title>Embassies | Example</title>" + ld(graph)))
    assert article.title == "Seoul and Havana agree to open embassies"
    assert article.published == datetime.fromisoformat("2024-09-24T21:30:00-04:00")
    assert article.date_source == "json-ld"
    assert article.author == "Kim Min-jun, Ana Pérez"
    assert article.source == "Example News"


def test_cdata_wrapped_json_ld(tmp_path):
    obj = {"@context": "http://schema.org", "@type": "NewsArticle", "headline": "Wrapped headline here",
           "datePublished": "2023-03-05"}
    article = read_one(tmp_path, "cdata.html", page(ld(obj, "cdata") + "<!-- also in a comment -->"))
    assert article.published == date(2023, 3, 5) and article.date_source == "json-ld"
    assert article.title == "Wrapped headline here"
    # an HTML comment around the JSON works too
    html = page(f'<script type="application/ld+json"><!--\n{json.dumps(obj)}\n--></script>')
    assert extract_html(html).published == "2023-03-05"


# --- titles -------------------------------------------------------------------------------------

def test_og_title_wins_over_title_with_site_suffix(tmp_path):
    article = read_one(tmp_path, "og.html", page(
        '<title>Seoul and Havana talk | Example News</title>'
        '<meta property="og:title" content="Seoul and Havana talk">'))
    assert article.title == "Seoul and Havana talk"


def test_title_site_suffix_removed():
    # the site name the page gives is removed even from a short title
    assert title_from_title_tag("Seoul and Havana talk | Example News", [], [], "Example News") \
        == "Seoul and Havana talk"
    assert title_from_title_tag("Example News - Seoul and Havana talk", [], [], "Example News") \
        == "Seoul and Havana talk"
    # without a site name, the last part goes when what is left is a real headline
    assert title_from_title_tag("Cuba and South Korea open embassies in both capitals - The Daily Planet",
                                [], [], None) == "Cuba and South Korea open embassies in both capitals"
    # ... and stays when it would leave too little
    assert title_from_title_tag("Mozilla - Wikipedia", [], [], None) == "Mozilla - Wikipedia"
    # no <title>: the <h1>
    html = page(body="<article><h1>Only a heading here</h1>" + STORY + "</article>")
    assert extract_html(html).title == "Only a heading here"


def test_title_tag_used_without_meta(tmp_path):
    article = read_one(tmp_path, "t.html", page(
        '<title>Cuba and South Korea open embassies in both capitals | The Daily Planet</title>'
        '<meta property="og:site_name" content="The Daily Planet">'))
    assert article.title == "Cuba and South Korea open embassies in both capitals"
    assert article.source == "The Daily Planet"


# --- dates --------------------------------------------------------------------------------------

def test_meta_published_time_keeps_the_local_day(tmp_path):
    # 23:30 in New York on the 24th is the 25th in UTC: the page's own day counts
    article = read_one(tmp_path, "late.html", page(
        '<meta property="article:published_time" content="2024-09-24T23:30:00-05:00">'))
    assert article.published_day == date(2024, 9, 24) and article.date_source == "html-meta"
    assert article.published.utcoffset() == timedelta(hours=-5)
    article = read_one(tmp_path, "early.html", page(
        '<meta property="article:published_time" content="2024-09-25T01:00:00+09:00">'))
    assert article.published_day == date(2024, 9, 25)


def test_itemprop_date_published(tmp_path):
    body = ('<article><span itemprop="datePublished" content="2022-11-08">Nov 8</span>'
            + STORY + "</article>")
    article = read_one(tmp_path, "item.html", page(body=body))
    assert article.published == date(2022, 11, 8) and article.date_source == "html-meta"


def test_time_datetime(tmp_path):
    body = ('<article><p class="meta">Updated <time class="updated" datetime="2024-10-02T08:00:00Z">'
            'Oct 2</time></p><p>Published <time class="published" datetime="2024-09-24T10:00:00-04:00">'
            'Sept 24</time></p>' + STORY + "</article>")
    article = read_one(tmp_path, "time.html", page(body=body))
    assert article.published_day == date(2024, 9, 24) and article.date_source == "html-time"


def test_date_in_url(tmp_path):
    article = read_one(tmp_path, "url.html", page(
        '<link rel="canonical" href="https://www.example.com/world/2024/09/24/seoul-havana-embassies/">'))
    assert article.published == date(2024, 9, 24) and article.date_source == "url"
    assert article.url == "https://www.example.com/world/2024/09/24/seoul-havana-embassies/"
    assert article.source == "example.com"  # no site name: the canonical URL's domain
    assert date_in_url("https://x.com/news/20240924-story") == "2024-09-24"
    assert date_in_url("https://x.com/2024-09-24/story") == "2024-09-24"
    assert date_in_url("https://x.com/news/12345678901") is None
    assert date_in_url("https://x.com/2024/13/45/story") is None


def test_placeholder_and_future_dates_are_skipped_for_the_next_rule(tmp_path):
    future = (date.today() + timedelta(days=400)).isoformat()
    head = (ld({"@context": "https://schema.org", "@type": "NewsArticle", "headline": "H is here now",
                "datePublished": "0001-01-01T00:00:00Z"})
            + f'<meta property="article:published_time" content="{future}T10:00:00Z">'
            + '<meta name="date" content="1970-01-01T00:00:00Z">')
    body = '<article><time datetime="2021-06-30">June 30</time>' + STORY + "</article>"
    article = read_one(tmp_path, "bad.html", page(head, body))
    assert article.published == date(2021, 6, 30) and article.date_source == "html-time"
    # nothing valid at all: undated (the story text has no full date either)
    article = read_one(tmp_path, "none.html", page(
        '<meta property="article:published_time" content="0000-00-00 00:00:00">'
        f'<meta name="pubdate" content="{future}">'))
    assert article.published is None and article.date_source is None


# --- charset ------------------------------------------------------------------------------------

def _latin_page(meta: str) -> bytes:
    return (f"<html><head>{meta}<title>Caf\xe9 society</title></head><body><article>"
            "<p>The caf\xe9s of Havana re-opened on Tuesday, and the owners said \u201cbusiness is "
            "back\u201d after a long, difficult year for everyone in the trade.</p>"
            + STORY + "</article></body></html>").encode("cp1252")


@pytest.mark.parametrize("meta", ['<meta charset="windows-1252">',
                                  '<meta charset="ISO-8859-1">',
                                  '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">',
                                  '<meta charset="utf-8">',  # mislabelled: falls back
                                  ''])                       # undeclared: falls back
def test_charset_from_meta_with_fallback(tmp_path, meta):
    article = read_one(tmp_path, "latin.html", _latin_page(meta))
    assert article.title == "Café society"
    assert "The cafés of Havana" in article.text
    assert "“business is back”" in article.text


def test_utf8_wins_over_a_wrong_single_byte_label():
    data = '<html><head><meta charset="iso-8859-1"></head><body><p>Seúl y La Habana</p></body></html>'
    assert "Seúl" in decode_html(data.encode("utf-8"))
    koi8 = '<meta charset="koi8-r"><p>Москва</p>'.encode("koi8-r")
    assert "Москва" in decode_html(koi8)


# --- boilerplate --------------------------------------------------------------------------------

BOILERPLATE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Seoul and Havana agree to open embassies | Example News</title>
<style>.x{color:red}</style><script>var tracking = "SCRIPT-TEXT";</script></head>
<body>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience. Accept all cookies</div>
<header class="site-header"><nav><a href="/">Home</a> <a href="/world">World NAV-LINK</a></nav></header>
<main><article>
<h1>Seoul and Havana agree to open embassies</h1>
<div class="share-bar"><a href="#">Share on Facebook</a> <a href="#">Share on Twitter</a></div>
<figure><img src="a.jpg"><figcaption>PHOTO-CAPTION: ministers shake hands</figcaption></figure>
""" + STORY + """
<aside class="related-articles"><h3>Related stories</h3><ul>
<li><a href="/a">RELATED-LINK one about something else entirely</a></li>
<li><a href="/b">RELATED-LINK two about another thing</a></li></ul></aside>
<p>Read more: RELATED-LINK three in the middle of the text</p>
</article>
<section id="comments" class="comments"><h3>Comments</h3>
<div class="comment"><p>COMMENT-TEXT: I think this is a great development for both countries.</p></div>
</section></main>
<footer class="site-footer">FOOTER-TEXT Copyright 2024 Example News. All rights reserved.</footer>
</body></html>"""

BOILERPLATE_MARKS = ("cookies", "NAV-LINK", "Share on Facebook", "PHOTO-CAPTION", "RELATED-LINK",
                     "COMMENT-TEXT", "FOOTER-TEXT", "SCRIPT-TEXT", "color:red")


def test_boilerplate_removed(tmp_path):
    article = read_one(tmp_path, "boiler.html", BOILERPLATE_PAGE)
    assert "agreed to open embassies in each other's capitals" in article.text
    assert "expected tourism and cultural exchanges to grow quickly" in article.text
    for mark in BOILERPLATE_MARKS:
        assert mark not in article.text, mark
    assert article.title == "Seoul and Havana agree to open embassies"


def test_fallback_reader_removes_boilerplate_too():
    from search.ingest.readers.html_meta import parse_tree

    text = fallback_text(parse_tree(BOILERPLATE_PAGE))
    assert "first meeting at that level" in text
    for mark in BOILERPLATE_MARKS:
        if mark != "RELATED-LINK":  # 'Read more:' lines are dropped after this step
            assert mark not in text, mark


def test_page_without_article_markup_still_has_text(tmp_path):
    article = read_one(tmp_path, "short.html",
                       "<html><body><nav>Menu</nav><p>Just one short line of news.</p></body></html>")
    assert article.text == "Just one short line of news."
    assert "Menu" not in article.text


# --- gzip, ids, language, source ----------------------------------------------------------------

def test_gz_is_one_extension_and_reads_like_the_page(tmp_path):
    write(tmp_path / "world" / "story.html", BOILERPLATE_PAGE)
    write(tmp_path / "world" / "story2.html.gz", gzip.compress(BOILERPLATE_PAGE.encode()))
    write(tmp_path / "world" / "broken.html.gz", b"\x1f\x8b\x08\x00garbage")
    scan = scan_corpus(tmp_path)
    plain = read_file(tmp_path, scan.files["world/story.html"], MAX).articles[0]
    zipped = read_file(tmp_path, scan.files["world/story2.html.gz"], MAX).articles[0]
    assert zipped.id == "world/story2" and plain.id == "world/story"
    assert zipped.text == plain.text and zipped.title == plain.title
    broken = read_file(tmp_path, scan.files["world/broken.html.gz"], MAX)
    assert not broken.articles and "not a valid gzip file" in broken.problems[0].reason


def test_language_declared_or_detected(tmp_path):
    assert read_one(tmp_path, "fr.html", page(lang=' lang="fr_fr"')).language == "fr-FR"
    german = ("<article><p>Die Außenminister Südkoreas und Kubas haben sich am Dienstag in New York "
              "getroffen und vereinbart, noch vor Ende des Jahres Botschaften in den Hauptstädten "
              "des jeweils anderen Landes zu eröffnen.</p><p>Es war das erste Treffen auf dieser "
              "Ebene, seit die beiden Länder diplomatische Beziehungen aufgenommen haben.</p></article>")
    article = read_one(tmp_path, "de.html", page(body=german, lang=""))
    assert article.language == "de"


def test_author_from_meta_and_byline(tmp_path):
    article = read_one(tmp_path, "a1.html", page('<meta name="author" content="Jane Roe">'))
    assert article.author == "Jane Roe"
    body = '<article><p class="byline">By <a rel="author" href="/j">John Doe</a></p>' + STORY + "</article>"
    assert read_one(tmp_path, "a2.html", page(body=body)).author == "John Doe"


def test_odd_markup_does_not_break_the_reader(tmp_path):
    for name, content in {"xmldecl.html": '<?xml version="1.0" encoding="utf-8"?>' + page(),
                          "nohtml.htm": "Plain words without any markup at all, about Cuba.",
                          "badjson.html": page('<script type="application/ld+json">{"headline": </script>'
                                               '<link rel="canonical" href="/relative/path">')}.items():
        article = read_one(tmp_path, name, content)
        assert article.text


# --- the real data ------------------------------------------------------------------------------

def test_real_data_meets_the_targets():
    """bench/eval_extraction.py on the shared HTML sets (about 5 s)."""
    if not (SHARED_DATA / "html" / "scrapinghub" / "ground-truth.json").is_file():
        pytest.skip(f"shared data not found at {SHARED_DATA}: real-data extraction check skipped")
    proc = subprocess.run([sys.executable, "bench/eval_extraction.py", "--no-countries", "--json",
                           "--data", str(SHARED_DATA)], cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout)
    assert res["body"][2] >= 0.96, res["body"]
    assert res["title_exact"] >= 0.93 and res["title_lenient"] >= 0.97, res
    assert res["day"] == 1.0, res
    # Speed is the benchmark's to report (bench/eval_extraction.py), not a timed test's.


# --- issue 17: the block that describes the page, agreement, authors, source ----------------

VIDEO_FIRST = {
    "@context": "https://schema.org", "@type": "VideoObject",
    "name": "President apologizes for martial law order",
    "uploadDate": "2024-12-07T01:36:00Z", "datePublished": "2024-12-07T01:36:00Z",
    "thumbnailUrl": "https://tv.example.com/thumb.jpg"}
NEWS_ARTICLE = {
    "@context": "https://schema.org", "@type": "NewsArticle",
    "headline": "Impeachment fails after ruling party lawmakers walk out",
    "url": "https://tv.example.com/news/impeachment-fails",
    "datePublished": "2024-12-06T22:00:40Z",
    "author": [{"@type": "Person", "name": "Jane Doe"}],
    "publisher": {"@type": "Organization", "name": "Example TV"}}


def test_embedded_video_block_is_not_the_article(tmp_path):
    head = ('<title>Impeachment fails after ruling party lawmakers walk out | Example TV</title>'
            '<link rel="canonical" href="https://tv.example.com/news/impeachment-fails/">'
            '<meta property="og:title" content="Impeachment fails after ruling party lawmakers walk out">'
            + ld(VIDEO_FIRST) + ld(NEWS_ARTICLE))
    article = read_one(tmp_path, "video.html", page(head))
    assert article.title == "Impeachment fails after ruling party lawmakers walk out"
    assert article.published == datetime(2024, 12, 6, 22, 0, 40, tzinfo=timezone.utc)
    assert article.date_source == "json-ld"
    assert article.author == "Jane Doe" and article.source == "Example TV"


def test_block_chosen_by_headline_when_no_url_matches(tmp_path):
    other = {**NEWS_ARTICLE, "headline": "Related: markets calm after the vote", "url": "https://tv.example.com/x",
             "datePublished": "2024-12-05T10:00:00Z", "author": "John Smith"}
    mine = {**NEWS_ARTICLE, "url": None}
    head = ('<meta property="og:title" content="Impeachment fails after ruling party lawmakers walk out">'
            + ld([other, mine]))
    article = read_one(tmp_path, "two.html", page(head))
    assert article.title == NEWS_ARTICLE["headline"]
    assert article.published_day == date(2024, 12, 6) and article.author == "Jane Doe"


def test_og_title_and_title_tag_outvote_a_disagreeing_block(tmp_path):
    block = {"@type": "NewsArticle", "headline": "Weather: a sunny weekend ahead", "datePublished": "2024-12-06"}
    head = ("<title>Impeachment fails after walkout - Example TV</title>"
            '<meta property="og:title" content="Impeachment fails after walkout">' + ld(block))
    article = read_one(tmp_path, "vote.html", page(head))
    assert article.title == "Impeachment fails after walkout"


@pytest.mark.parametrize("block_type", ["ImageObject", "BreadcrumbList", "WebSite", "Organization"])
def test_blocks_that_are_not_the_article_give_no_title_or_date(tmp_path, block_type):
    block = {"@type": block_type, "name": "Example TV", "headline": "Logo", "datePublished": "2001-01-01"}
    head = ('<title>Impeachment fails after walkout</title>'
            '<meta property="article:published_time" content="2024-12-06T17:00:00-05:00">' + ld(block))
    article = read_one(tmp_path, "other.html", page(head))
    assert article.title == "Impeachment fails after walkout"
    assert article.published_day == date(2024, 12, 6) and article.date_source == "html-meta"


def test_offset_gives_the_pages_own_day(tmp_path):
    head = '<meta property="article:published_time" content="2017-02-23T17:18:13-08:00">'
    article = read_one(tmp_path, "offset.html", page(head))
    assert article.published_day == date(2017, 2, 23)  # 2017-02-24 in UTC
    assert article.published.utcoffset() == timedelta(hours=-8)


def test_utc_value_gives_way_to_the_same_moment_with_the_pages_offset(tmp_path):
    head = (ld({"@type": "NewsArticle", "headline": "Late news", "datePublished": "2017-02-24T01:18:13Z"})
            + '<meta property="article:published_time" content="2017-02-23T17:18:13-08:00">')
    article = read_one(tmp_path, "utc.html", page(head))
    assert article.published_day == date(2017, 2, 23) and article.date_source == "html-meta"


def test_a_date_no_other_source_agrees_with_gives_way(tmp_path):
    head = (ld({"@type": "NewsArticle", "headline": "Late news", "datePublished": "2019-05-01"})
            + '<meta property="article:published_time" content="2024-09-24T10:00:00+02:00">'
            + '<link rel="canonical" href="https://news.example.com/2024/09/24/late-news">')
    article = read_one(tmp_path, "agree.html", page(head))
    assert article.published_day == date(2024, 9, 24)


@pytest.mark.parametrize("value, expected", [
    ("Dan Goodin - Apr 16, 2015 8:02 pm UTC", "Dan Goodin"),
    ("By Jane Doe, Staff Writer", "Jane Doe"),
    ("Jane Doe and John Smith", "Jane Doe, John Smith"),
    ("https://www.facebook.com/janedoe", None),
    ("Example News", None),
    ("Reuters", None),
])
def test_author_is_person_names_only(tmp_path, value, expected):
    head = f'<meta property="og:site_name" content="Example News"><meta name="author" content="{value}">'
    assert read_one(tmp_path, "author.html", page(head)).author == expected


def test_several_authors_from_json_ld(tmp_path):
    block = {"@type": "NewsArticle", "headline": "Late news",
             "author": [{"@type": "Person", "name": "Jane Doe"}, "By John Smith",
                        {"@type": "Organization", "name": "Example News Staff"}]}
    article = read_one(tmp_path, "authors.html", page(ld(block)))
    assert article.author == "Jane Doe, John Smith"
    assert article.to_dict()["authors"] == ["Jane Doe", "John Smith"]


@pytest.mark.parametrize("head, expected", [
    ('<meta property="og:site_name" content="http://www.tmz.com">', "tmz.com"),
    ('<meta property="og:site_name" content="TMZ">', "TMZ"),
    (ld({"@type": "NewsArticle", "headline": "x", "publisher": {"@type": "Organization", "name": "The Daily"}}),
     "The Daily"),
    ('<link rel="canonical" href="https://www.example.co.uk/news/1">', "example.co.uk"),
])
def test_source_is_the_publications_name_or_its_domain(tmp_path, head, expected):
    assert read_one(tmp_path, "source.html", page(head)).source == expected


# --- issue 17: leading navigation and promotions, trailing credits ------------------------------

def test_leading_navigation_and_newsletter_promo_are_dropped(tmp_path):
    body = ("<article><p>Home | World | Business | Sport | Culture</p>"
            "<p>Sign up for our daily newsletter and get the top stories in your inbox</p>"
            "<p>November 20, 2019 - 11:28 AMT</p>" + STORY +
            "<p>Reporting by Jane Doe; Editing by John Smith</p>"
            "<p>Keith Bradsher contributed reporting from Hong Kong.</p>"
            "<p>Filed under: Diplomacy |</p></article>")
    article = read_one(tmp_path, "promo.html", page(body=body))
    assert article.text.startswith("The foreign ministers of South Korea and Cuba met"), article.text[:200]
    assert article.text.rstrip().endswith("once the embassies open."), article.text[-200:]


@pytest.mark.parametrize("line", [
    "Home | News | Sport | Business | Weather",
    "5:45 AM PST 11/19/2019 by Patrick Shanley",
    "sexta-feira, 22 de outubro de 2010 às 20:13",
    "Subscribe to the Morning Review newsletter",
    "Tempo de leitura: 2 minutos",
])
def test_head_furniture_lines(line):
    from search.ingest.readers.html import drop_boilerplate_lines

    assert drop_boilerplate_lines(f"{line}\nThe story starts here.") == "The story starts here."


@pytest.mark.parametrize("line", [
    "Calendário da Stock Car 2018",                    # a heading with a year
    "| Ticker | Security | Last | Change | Change % |",  # a table row
    "The meeting began at 10:30 and ended at noon.",    # a sentence
    "reporter@example.com",                             # a reporter's address stays
])
def test_lines_that_are_not_furniture(line):
    from search.ingest.readers.html import drop_boilerplate_lines

    assert drop_boilerplate_lines(f"{line}\nThe story starts here.") == f"{line}\nThe story starts here."


def test_block_chosen_by_main_entity_of_page(tmp_path):
    """Two article blocks, neither headline matching the page's titles: the one whose
    mainEntityOfPage names the canonical URL describes the page."""
    related = {**NEWS_ARTICLE, "headline": "Markets calm after the vote", "url": "https://tv.example.com/markets",
               "datePublished": "2024-12-05T10:00:00Z", "author": "John Smith"}
    mine = {**NEWS_ARTICLE, "url": None, "headline": "Vote fails",
            "mainEntityOfPage": {"@type": "WebPage", "@id": "https://tv.example.com/news/impeachment-fails"}}
    head = ('<link rel="canonical" href="https://tv.example.com/news/impeachment-fails">' + ld([related, mine]))
    article = read_one(tmp_path, "main.html", page(head))
    assert article.published_day == date(2024, 12, 6) and article.author == "Jane Doe"
