"""news-search fetch and import against a real HTTP server on 127.0.0.1 (tests/harness/
news_site.py) and WARC files written here with warcio. Nothing leaves the machine: every
fetch here runs with allow_private (the one test without it checks that 127.0.0.1 is refused)."""

from __future__ import annotations

import gzip
import io
import json
import time
from pathlib import Path

import pytest

from conftest import run_cli, search_json, write
from harness.news_site import Answer, NewsSite, article_html
from search.fetch.ledger import Busy, Ledger
from search.fetch.net import refused_address
from search.fetch.run import Settings, fetch
from search.fetch.urls import normalise
from search.fetch.warc import import_warcs

FAST = dict(delay=0.0, timeout=1.0, allow_private=True, retry_wait=0.0)


def rss(items: list[tuple[str, str | None, str | None]], version: str = "2.0") -> bytes:
    """RSS 2.0 (or 0.91) from (link, title, pubDate)."""
    body = "".join(f"<item><link>{link}</link>" + (f"<title>{title}</title>" if title else "")
                   + (f"<pubDate>{date}</pubDate>" if date else "") + "</item>" for link, title, date in items)
    return f'<?xml version="1.0"?><rss version="{version}"><channel><title>T</title>{body}</channel></rss>'.encode()


def urlset(items: list[tuple[str, str | None]], news: bool = True) -> bytes:
    body = ""
    for loc, date in items:
        extra = (f"<news:news><news:publication><news:name>The Gazette</news:name></news:publication>"
                 f"<news:publication_date>{date}</news:publication_date><news:title>Sitemap title</news:title>"
                 f"</news:news>") if news and date else ""
        body += f"<url><loc>{loc}</loc>{extra}</url>"
    return (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{body}</urlset>').encode()


@pytest.fixture
def site():
    with NewsSite() as s:
        yield s


@pytest.fixture
def ledger(tmp_path):
    led = Ledger(tmp_path / "index.ledger.sqlite")
    yield led
    led.close()


def run(site_urls, corpus, ledger, **settings):
    with ledger.lock():
        return fetch(site_urls, corpus, ledger, Settings(**{**FAST, **settings}))


def sidecar(corpus: Path, rel: str) -> dict:
    return json.loads((corpus / rel[: -len(".html")]).with_suffix(".meta.json").read_text())


def test_every_feed_format_and_sitemap_kind(site, tmp_path, ledger):
    u = site.url
    for n in range(8):
        site.routes[f"/news/story-{n}.html"] = Answer(article_html(f"Story {n}", topic=f"topic{n}",
                                                                   published="2025-05-06T10:00:00Z" if n else None))
    site.routes["/rss2.xml"] = Answer(rss([(u("/news/story-0.html"), "Feed title 0", "Tue, 04 Mar 2025 10:00:00 GMT")]),
                                      content_type="application/rss+xml")
    site.routes["/rss091.xml"] = Answer(rss([(u("/news/story-1.html"), "One", None)], "0.91"))
    site.routes["/rdf.xml"] = Answer(
        f'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        f'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>T</title></channel>'
        f'<item rdf:about="{u("/news/story-2.html")}"><title>Two</title><link>{u("/news/story-2.html")}</link>'
        f'</item></rdf:RDF>'.encode())
    site.routes["/atom.xml"] = Answer(
        f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><title>Three'
        f'</title><link href="/news/story-3.html"/><id>3</id><updated>2025-05-06T10:00:00Z</updated></entry>'
        f'</feed>'.encode(), content_type="application/atom+xml")
    site.routes["/feed.json"] = Answer(json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "T",
        "items": [{"id": "4", "url": u("/news/story-4.html"), "title": "Four",
                   "authors": [{"name": "Ann Writer"}]}]}).encode(), content_type="application/feed+json")
    site.routes["/sitemap-index.xml"] = Answer(
        f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f'<sitemap><loc>{u("/sitemap-news.xml")}</loc></sitemap><sitemap><loc>{u("/sitemap-old.xml.gz")}'
        f'</loc></sitemap></sitemapindex>'.encode(), content_type="application/xml")
    site.routes["/sitemap-news.xml"] = Answer(urlset([(u("/news/story-5.html"), "2025-05-06T08:00:00+02:00"),
                                                      (u("/news/story-6.html"), "not a date at all")]))
    site.routes["/sitemap-old.xml.gz"] = Answer(gzip.compress(urlset([(u("/news/story-7.html"), None)], news=False)),
                                                content_type="application/x-gzip")
    corpus = tmp_path / "corpus"
    report = run([u("/rss2.xml"), u("/rss091.xml"), u("/rdf.xml"), u("/atom.xml"), u("/feed.json"),
                  u("/sitemap-index.xml")], corpus, ledger)
    assert report.new == 8, report.problems
    assert report.sources == 8 and report.bad_sources == 0
    # The bad news:publication_date is reported, and its page saved all the same.
    assert any("story-6" in p and "not a date at all" in p and p.startswith("warning") for p in report.problems)
    # Story 0 has no date of its own: the feed's date names its folder and goes in the sidecar.
    rel0 = next(r for r in report.saved if "story-0" in r)
    assert rel0 == f"127.0.0.1/2025/03/{Path(rel0).name}" and Path(rel0).name.startswith("story-0-")
    assert sidecar(corpus, rel0)["published"].startswith("2025-03-04T10:00:00")
    # The page has a title: the feed's is not written over it; the JSON Feed's author is.
    assert "title" not in sidecar(corpus, rel0)
    rel4 = next(r for r in report.saved if "story-4" in r)
    assert sidecar(corpus, rel4)["author"] == "Ann Writer" and sidecar(corpus, rel4)["url"] == u("/news/story-4.html")
    rel5 = next(r for r in report.saved if "story-5" in r)
    assert sidecar(corpus, rel5)["source"] == "The Gazette"
    assert not (corpus / ".fetch-tmp").exists()
    assert {r["ua"] for r in site.requests()} == {f"news-search/{_version()}"}


def _version() -> str:
    from search.dependencies import project_version

    return project_version().split()[0]


def test_second_run_is_conditional_and_fetches_nothing(site, tmp_path, ledger):
    u = site.url
    site.routes["/a.html"] = Answer(article_html("Alpha"))
    site.routes["/feed.xml"] = Answer(rss([(u("/a.html"), "A", None)]), etag=True)
    # This one ignores conditional requests: the same bytes count as unchanged.
    site.routes["/map.xml"] = Answer(urlset([(u("/a.html?utm_source=sitemap"), None)], news=False))
    corpus = tmp_path / "corpus"
    assert run([u("/feed.xml"), u("/map.xml")], corpus, ledger).new == 1
    before = len(site.requests())
    report = run([u("/feed.xml"), u("/map.xml")], corpus, ledger)
    assert (report.new, report.unchanged) == (0, 2) and report.line().endswith("nothing new")
    assert site.requests("/feed.xml")[-1]["if_none_match"]
    assert site.requests("/a.html") and all(r["path"] != "/a.html" for r in site.log[before:])


def test_same_story_through_two_urls_is_saved_once(site, tmp_path, ledger):
    u = site.url
    page = article_html("The one story", canonical=u("/story.html"))
    site.routes["/story.html"] = Answer(page)
    site.routes["/amp/story"] = Answer(page.replace(b"<article>", b"<article><!-- amp -->"))
    site.routes["/r/123"] = Answer(status=301, headers={"Location": "/story.html"})
    site.routes["/feed.xml"] = Answer(rss([(u("/r/123?utm_medium=rss"), "x", None), (u("/amp/story"), "y", None)]))
    site.routes["/map.xml"] = Answer(urlset([(u("/story.html?fbclid=abc"), None)], news=False))
    corpus = tmp_path / "corpus"
    report = run([u("/feed.xml"), u("/map.xml")], corpus, ledger)
    assert (report.new, report.duplicate) == (1, 2), report.problems
    assert len(list(corpus.rglob("*.html"))) == 1
    assert normalise(u("/story.html?utm_source=a&b=1#top")) == u("/story.html?b=1")
    # A page claiming another site's URL as its canonical one does not make that story a duplicate.
    site.routes["/claims.html"] = Answer(article_html("Other story", canonical="https://victim.example/news",
                                                      topic="claims"))
    site.routes["/feed2.xml"] = Answer(rss([(u("/claims.html"), None, None)]))
    report = run([u("/feed2.xml")], corpus, ledger)
    assert report.new == 1 and ledger.page(u("/claims.html"))["canonical_url"] == u("/claims.html")


def test_politeness_robots_delay_one_at_a_time(site, tmp_path, ledger):
    u = site.url
    site.routes["/robots.txt"] = Answer(b"User-agent: news-search\nDisallow: /private/\n\nUser-agent: *\n"
                                        b"Disallow: /\n", content_type="text/plain")
    links = [(u(f"/p/{n}.html"), None, None) for n in range(4)] + [(u("/private/x.html"), None, None)]
    for n in range(4):
        site.routes[f"/p/{n}.html"] = Answer(article_html(f"Page {n}", topic=f"t{n}"), delay=0.05)
    site.routes["/private/x.html"] = Answer(article_html("Secret"))
    site.routes["/feed.xml"] = Answer(rss(links))
    report = run([u("/feed.xml")], tmp_path / "corpus", ledger, delay=0.2, workers=4)
    assert report.new == 4
    assert any("/private/x.html" in p and "robots.txt" in p for p in report.problems)
    assert not site.requests("/private/x.html")
    assert site.max_in_flight == 1
    starts = [r["at"] for r in site.requests() if r["path"].startswith("/p/")]
    assert min(b - a for a, b in zip(starts, starts[1:])) >= 0.2 * 0.95


def test_robots_unreachable_keeps_off_the_site(site, tmp_path, ledger):
    site.routes["/robots.txt"] = Answer(b"down", 503, content_type="text/plain")
    site.routes["/feed.xml"] = Answer(rss([(site.url("/a.html"), None, None)]))
    report = run([site.url("/feed.xml")], tmp_path / "corpus", ledger, retries=0)
    assert report.bad_sources == 1 and "robots.txt" in report.problems[0]


def test_retries_gone_and_failures_for_later(site, tmp_path, ledger):
    u = site.url
    site.routes["/busy.html"] = [Answer(b"", 503, headers={"Retry-After": "0"}), Answer(b"", 429),
                                 Answer(article_html("Busy but there"))]
    site.routes["/down.html"] = Answer(b"", 500)
    # Come back in an hour: not waited for within the run, tried again on a later one.
    site.routes["/later.html"] = Answer(b"", 503, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})
    site.routes["/feed.xml"] = Answer(rss([(u("/busy.html"), None, None), (u("/down.html"), None, None),
                                           (u("/gone.html"), None, None), (u("/later.html"), None, None)]))
    corpus = tmp_path / "corpus"
    report = run([u("/feed.xml")], corpus, ledger, retries=2)
    assert (report.new, report.gone, report.failed) == (1, 1, 2), report.problems
    assert len(site.requests("/busy.html")) == 3 and len(site.requests("/down.html")) == 3
    assert len(site.requests("/later.html")) == 1
    assert ledger.page(u("/gone.html"))["status"] == "gone"
    # Next run: the 404 is not asked again, the 500 is (and now answers).
    site.routes["/down.html"] = Answer(article_html("Back up"))
    site.routes["/later.html"] = Answer(article_html("Later", topic="later"))
    report = run([u("/feed.xml")], corpus, ledger, retries=2)
    assert report.new == 2 and len(site.requests("/gone.html")) == 1


def test_bad_input_is_skipped_with_a_reason(site, tmp_path, ledger):
    u = site.url
    big = article_html("Big", paragraphs=7000)
    site.routes.update({
        "/big.html": Answer(big),
        "/bomb.html": Answer(b"<html>" + b" " * (3 * 2**20) + b"</html>", gzip=True),
        "/loop1": Answer(status=302, headers={"Location": "/loop2"}),
        "/loop2": Answer(status=302, headers={"Location": "/loop1"}),
        "/far": Answer(status=302, headers={"Location": "/far1"}),
        **{f"/far{n}": Answer(status=302, headers={"Location": f"/far{n + 1}"}) for n in range(1, 8)},
        "/ftp": Answer(status=302, headers={"Location": "ftp://example.org/x"}),
        "/slow.html": Answer(article_html("Slow"), delay=1.5),
        "/dribble.html": Answer(article_html("Dribble"), dribble=0.05),
        "/image.png": Answer(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, content_type="image/png"),
        "/latin.html": Answer(article_html("Caf\u00e9 society").decode().encode("cp1252"),
                              content_type="text/html; charset=iso-8859-1"),
        "/broken.html": Answer(bytes(range(128, 256)) * 40, content_type="text/html; charset=utf-8"),
        "/html-feed.xml": Answer(b'<!doctype html><html><head><link rel="alternate" type="application/rss+xml" '
                                 b'href="/real.xml"></head><body>Hi</body></html>'),
        "/broken-feed.xml": Answer(b'<?xml version="1.0"?><rss version="2.0"><channel><item><link>'
                                   + u("/latin.html").encode() + b"</link></item><item><link>"),
        "/garbage.xml": Answer(b"\x00\x01 this is nothing at all", content_type="application/xml"),
    })
    links = ["/big.html", "/bomb.html", "/loop1", "/far", "/ftp", "/slow.html", "/dribble.html", "/image.png",
             "/broken.html"]
    site.routes["/feed.xml"] = Answer(rss([(u(p), None, None) for p in links]))
    corpus = tmp_path / "corpus"
    started = time.monotonic()
    report = run([u("/feed.xml"), u("/html-feed.xml"), u("/broken-feed.xml"), u("/garbage.xml")], corpus, ledger,
                 max_bytes=2**20, timeout=1.0, retries=0)
    assert time.monotonic() - started < 15
    def reason(path: str) -> str:
        return " | ".join(p for p in report.problems if p.split(": ", 2)[1] == u(path))

    assert "too large" in reason("/big.html") and "too large (decompresses" in reason("/bomb.html")
    assert "redirect loop" in reason("/loop1") and "more than 5 redirects" in reason("/far")
    assert "only http and https" in reason("/ftp")
    assert "timed out" in reason("/slow.html") and "timed out" in reason("/dribble.html")
    assert "not HTML (image/png)" in reason("/image.png") and "bad encoding" in reason("/broken.html")
    assert "an HTML page, not a feed" in reason("/html-feed.xml") and u("/real.xml") in reason("/html-feed.xml")
    assert "not a feed or sitemap" in reason("/garbage.xml")
    assert "malformed feed" in reason("/broken-feed.xml")
    # The malformed feed's one good item was still fetched, and its windows-1252 page saved as UTF-8.
    assert report.new == 1
    saved = (corpus / report.saved[0]).read_bytes().decode("utf-8")
    assert "Caf\u00e9 society" in saved
    # Permanent skips are not asked again; timeouts are failures, asked again later.
    assert ledger.page(u("/big.html"))["status"] == "skipped"
    assert ledger.page(u("/slow.html"))["status"] == "failed"


def test_private_addresses_are_refused_unless_allowed(site, tmp_path, ledger):
    site.routes["/feed.xml"] = Answer(rss([]))
    report = run([site.url("/feed.xml")], tmp_path / "corpus", ledger, allow_private=False)
    assert report.bad_sources == 1 and "--allow-private" in report.problems[0]
    assert not site.requests()  # refused before a byte was sent
    for address in ("127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "fe80::1", "::ffff:10.0.0.1",
                    "100.64.0.1", "0.0.0.0", "224.0.0.1"):
        assert refused_address(address), address
    assert not refused_address("93.184.216.34") and not refused_address("2606:4700::1111")


def test_one_run_at_a_time(tmp_path, ledger):
    with ledger.lock():
        other = Ledger(ledger.path)
        with pytest.raises(Busy):
            with other.lock():
                pass
        other.close()


def _warc(path: Path, records: list[tuple[str, str, str, bytes]], *, gzip_it: bool = True) -> Path:
    """(uri, status line, content type, body) as WARC response records, written with warcio."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=gzip_it)
        for uri, status, ctype, body in records:
            headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                uri, "response", payload=io.BytesIO(body), http_headers=headers,
                warc_headers_dict={"WARC-Date": "2024-11-05T06:07:08Z"}))
    return path


def test_warc_import(tmp_path, ledger):
    corpus = tmp_path / "corpus"
    warc = _warc(tmp_path / "crawl.warc.gz", [
        ("https://news.example/2024/a.html", "200 OK", "text/html", article_html("Dated", published="2024-10-01")),
        ("https://news.example/b.html", "200 OK", "text/html; charset=utf-8", article_html("Undated", topic="mill")),
        ("https://news.example/logo.png", "200 OK", "image/png", b"\x89PNG"),
        ("https://news.example/missing", "404 Not Found", "text/html", b"gone"),
        ("https://news.example/b.html?utm_campaign=x", "200 OK", "text/html", article_html("Undated", topic="mill")),
    ])
    with ledger.lock():
        report = import_warcs([warc], corpus, ledger, max_bytes=2**20)
    assert (report.new, report.known, report.skipped) == (2, 1, 2), report.problems
    rel_b = next(r for r in report.saved if "/b-" in r)
    assert rel_b.startswith("news.example/2024/11/") and sidecar(corpus, rel_b)["published"] == "2024-11-05T06:07:08+00:00"
    rel_a = next(r for r in report.saved if "/a-" in r)
    assert rel_a.startswith("news.example/2024/10/") and "published" not in sidecar(corpus, rel_a)
    with ledger.lock():
        again = import_warcs([warc], corpus, ledger, max_bytes=2**20)
    assert again.new == 0 and again.known == 3

    # A truncated archive: the pages before the damage are kept, the damage is reported.
    whole = _warc(tmp_path / "two.warc.gz", [
        (f"https://other.example/{n}.html", "200 OK", "text/html", article_html(f"P{n}", topic=f"x{n}"))
        for n in range(3)])
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.8)])
    with ledger.lock():
        report = import_warcs([cut], corpus, ledger, max_bytes=2**20)
    assert report.new == 2 and any("truncated" in p for p in report.problems), report.problems
    plain = _warc(tmp_path / "plain.warc", [
        (f"https://third.example/{n}.html", "200 OK", "text/html", article_html(f"Q{n}", topic=f"y{n}"))
        for n in range(2)], gzip_it=False)
    plain.write_bytes(plain.read_bytes()[:-300])  # the second record's page cut short
    with ledger.lock():
        report = import_warcs([plain], corpus, ledger, max_bytes=2**20)
    assert report.new == 1 and any("truncated" in p for p in report.problems), report.problems


def test_cli_fetch_then_search_then_nothing_new(site, tmp_path):
    u = site.url
    # The page has no date: the feed's, written in the sidecar, is the one the index holds.
    site.routes["/world/quokka-census.html"] = Answer(article_html("Quokka census finds more quokkas",
                                                                   topic="quokka"))
    site.routes["/feed.xml"] = Answer(rss([(u("/world/quokka-census.html"), None, "Mon, 03 Feb 2025 09:00:00 GMT")]),
                                      etag=True)
    sources = write(tmp_path / "sources.txt", f"# my outlets\n\n{u('/feed.xml')}  # the quokka desk\n")
    corpus, index = tmp_path / "corpus", tmp_path / "var" / "index"
    args = ["fetch", "--sources", sources, "--corpus", corpus, "--index", index, "--allow-private", "--delay", "0"]
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("fetched 1 new")
    assert "indexed 1 new" in proc.stdout
    assert (tmp_path / "var" / "index.ledger.sqlite").is_file()
    found = search_json(index, "quokka")
    assert found["total"] == 1 and found["results"][0]["published"].startswith("2025-02-03")
    proc = run_cli(*args)
    assert proc.returncode == 0 and "nothing new" in proc.stdout.splitlines()[0]
    assert "indexed 0 new" in proc.stdout

    warc = _warc(tmp_path / "a.warc", [("https://archive.example/wombat.html", "200 OK", "text/html",
                                        article_html("Wombat returns", topic="wombat"))], gzip_it=False)
    proc = run_cli("import", warc, "--corpus", corpus, "--index", index)
    assert proc.returncode == 0 and proc.stdout.startswith("imported 1 new"), proc.stdout + proc.stderr
    assert search_json(index, "wombat")["total"] == 1

    proc = run_cli("fetch", "--corpus", corpus, "--index", index)
    assert proc.returncode == 2 and "no sources" in proc.stderr
    proc = run_cli("fetch", "--source", "ftp://example.org/feed", "--delay", "-1")
    assert proc.returncode == 2 and "--delay: at least 0" in proc.stderr
    ledger = Ledger(tmp_path / "var" / "index.ledger.sqlite")
    with ledger.lock():  # what a cron job fired during a long run sees
        proc = run_cli(*args)
    ledger.close()
    assert proc.returncode == 75 and "another fetch or import is running" in proc.stderr


def test_a_killed_run_leaves_whole_files_and_the_next_one_finishes(site, tmp_path):
    import signal
    import subprocess
    import sys

    from conftest import PROJECT

    u = site.url
    bodies = {f"/k/{n}.html": article_html(f"Kill test {n}", topic=f"k{n}") for n in range(30)}
    for path, body in bodies.items():
        site.routes[path] = Answer(body, delay=0.03)
    site.routes["/feed.xml"] = Answer(rss([(u(p), None, None) for p in bodies]))
    corpus = tmp_path / "corpus"
    args = [sys.executable, "-m", "search", "fetch", "--source", u("/feed.xml"), "--corpus", str(corpus),
            "--index", str(tmp_path / "index"), "--no-index", "--allow-private", "--delay", "0"]

    def saved_pages() -> list[Path]:  # in place, not the temporary files on their way there
        return [p for p in corpus.rglob("*.html") if ".fetch-tmp" not in p.parts]

    proc = subprocess.Popen(args, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while len(saved_pages()) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    saved = saved_pages()
    assert 3 <= len(saved) < 30
    for page in saved:  # whole pages, each with its sidecar
        assert page.read_bytes() in bodies.values()
        assert json.loads(page.with_name(page.name[:-5] + ".meta.json").read_text())["url"]
    proc = subprocess.run(args, cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert len(list(corpus.rglob("*.html"))) == 30 and not (corpus / ".fetch-tmp").exists()


def test_https_certificates_are_checked(tmp_path, ledger, monkeypatch):
    import shutil
    import ssl
    import subprocess

    if not shutil.which("openssl"):
        pytest.skip("openssl (the command) is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    site = NewsSite()
    site.server.socket = context.wrap_socket(site.server.socket, server_side=True)
    with site:
        url = f"https://127.0.0.1:{site.port}"
        site.routes["/s.html"] = Answer(article_html("Over TLS"))
        site.routes["/feed.xml"] = Answer(rss([(f"{url}/s.html", None, None)]))
        report = run([f"{url}/feed.xml"], tmp_path / "corpus", ledger)
        assert report.bad_sources == 1 and "TLS error: CERTIFICATE_VERIFY_FAILED (self-signed" in report.problems[0], report.problems
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # now trusted, as a CA's certificate would be
        report = run([f"{url}/feed.xml"], tmp_path / "corpus", ledger)
        assert report.new == 1, report.problems


def test_a_name_taken_by_another_story_is_not_overwritten(tmp_path):
    from datetime import datetime, timezone

    from search.fetch.save import Page, prepare, write

    corpus = tmp_path / "corpus"
    now = datetime(2025, 1, 2, tzinfo=timezone.utc)
    first = prepare(Page("https://a.example/x", "https://a.example/x", article_html("First", topic="one")), now)
    write(corpus, first)
    second = prepare(Page("https://a.example/y", "https://a.example/y", article_html("Second", topic="two")), now)
    second.rel = first.rel  # as if the two URLs' short hashes collided
    write(corpus, second)
    assert second.rel != first.rel and len(Path(second.rel).stem.rsplit("-", 1)[1]) == 16
    assert b"First" in (corpus / first.rel).read_bytes() and b"Second" in (corpus / second.rel).read_bytes()
    again = prepare(Page("https://a.example/x", "https://a.example/x", article_html("First", topic="one")), now)
    write(corpus, again)  # the same URL again (a run killed before its ledger row): the same name
    assert again.rel == first.rel
