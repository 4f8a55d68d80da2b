"""Web security over real HTTP (gunicorn serving a real index) and in a real browser:
stored and reflected XSS, security headers everywhere, no path traversal through
article ids, no stack traces, loopback-only by default."""

from __future__ import annotations

import http.client
import json
import os
import time
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest

from conftest import Server, ServerProcess, api_corpus, run_cli, write

PROJECT = Path(__file__).resolve().parent.parent
SEED_ID = "000_d1333627a6b9a447"

# Every payload, if it ran, would set window.__pwned (or open a dialog).
PAYLOADS = [
    '"><script>window.__pwned=1</script>',
    "'><img src=x onerror=window.__pwned=1>",
    "</title><svg onload=window.__pwned=1>",
    "javascript:window.__pwned=1",
    '" autofocus onfocus="window.__pwned=1',
]
# Markup that must never reach a page unescaped.
RAW_MARKERS = ["<script>window.__pwned", "<img src=x onerror", "<svg onload", 'onfocus="window.__pwned']
PARAMS = ["q", "country", "from", "to", "sort", "page", "per_page", "collapse", "unknown"]

HOSTILE_ARTICLES = [
    {"id": "stored-title", "title": "<script>window.__pwned=1</script><img src=x onerror=window.__pwned=1> Zanzibar",
     "text": "Zanzibar cloves </p><script>window.__pwned=1</script><svg onload=window.__pwned=1> and "
             "<a href=\"javascript:window.__pwned=1\">a link</a> in the body.",
     "url": "javascript:window.__pwned=1", "source": "<svg onload=window.__pwned=1>",
     "author": "\"><img src=x onerror=window.__pwned=1>", "published": "2024-01-02"},
    {"id": "stored-url-case", "title": "Zanzibar spice market opens", "text": "Zanzibar spice market news.",
     "url": " JaVaScRiPt:window.__pwned=1", "published": "2024-01-03"},
    {"id": "stored-url-data", "title": "Zanzibar ferry timetable", "text": "Zanzibar ferry news today.",
     "url": "data:text/html,<script>window.__pwned=1</script>", "published": "2024-01-04"},
    {"id": "stored-url-quote", "title": "Zanzibar harbour works", "text": "Zanzibar harbour news today.",
     "url": "https://example.com/\"><script>window.__pwned=1</script>", "published": "2024-01-05"},
    {"id": "id-<img src=x onerror=window.__pwned=1>\"'", "title": "Zanzibar odd id",
     "text": "Zanzibar article whose id is markup.", "published": "2024-01-06"},
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("security")
    corpus = api_corpus(base / "corpus")
    write(corpus / "hostile.jsonl", "\n".join(json.dumps(a) for a in HOSTILE_ARTICLES) + "\n")
    write(base / "secret.txt", "CANARY-SECRET outside the corpus\n")
    index = base / "index"
    proc = run_cli("index", "--corpus", corpus, "--index", index)
    assert proc.returncode == 0, proc.stderr
    server = Server(index, workers=1)
    server.base = base
    yield server
    server.stop()


def raw_get(server: Server, path: str, method: str = "GET") -> tuple[int, dict, str]:
    """The path sent exactly as written: no client-side normalisation of `..` or escapes."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, path)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8", "replace")
    finally:
        conn.close()


# -- headers ------------------------------------------------------------------------

def check_security_headers(headers: dict, where: str) -> None:
    csp = headers.get("content-security-policy", "")
    assert "default-src 'self'" in csp and "script-src 'self'" in csp, (where, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, (where, csp)
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp, (where, csp)
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), where


HEADER_PATHS = [
    ("/", 200), ("/?q=zanzibar", 200), (f"/articles/{SEED_ID}", 200), ("/api/search?q=zanzibar", 200),
    (f"/api/articles/{SEED_ID}", 200), (f"/api/articles/{SEED_ID}/related", 200), ("/api/openapi.json", 200),
    ("/healthz", 200), ("/search.rss?q=zanzibar", 200), ("/search.atom", 200), ("/api/search.csv?q=zanzibar", 200),
    ("/api/search.jsonl", 200), ("/opensearch.xml", 200), ("/api/suggest?q=zan", 200),
    ("/static/style.css", 200), ("/static/suggest.js", 200),
    ("/no-such-page", 404), ("/articles/no-such-article", 404), ("/api/articles/no-such-article", 404),
    ("/static/no-such-file.css", 404), ("/?page=0", 400), ("/api/search?per_page=1000", 400),
    ("/search.rss?sort=x", 400), ("/api/search?q=%22open", 400),
]


@pytest.mark.parametrize("path, status", HEADER_PATHS)
def test_security_headers_on_pages_api_errors_and_static_files(site, path, status):
    code, headers, _ = raw_get(site, path)
    assert code == status, path
    check_security_headers(headers, path)


def test_security_headers_on_405(site):
    code, headers, body = raw_get(site, "/api/search", method="POST")
    assert code == 405 and "GET" in headers.get("allow", "")
    check_security_headers(headers, "POST /api/search")


# -- reflected and stored XSS over HTTP --------------------------------------------------

def assert_escaped(body: str, where: str) -> None:
    if body.startswith("<?xml"):
        assert_xml_clean(body, where)
        return
    for marker in RAW_MARKERS:
        assert marker not in body, (where, marker)


FEED_TAGS = {"rss", "channel", "title", "link", "description", "language", "generator", "lastBuildDate", "item",
             "guid", "pubDate", "category", "feed", "subtitle", "id", "updated", "author", "name", "entry",
             "published", "summary"}


def assert_xml_clean(body: str, where: str) -> None:
    """A feed parses as XML and holds only feed elements: a payload stayed text
    (a `"` in element text is harmless; in attributes it is escaped)."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(body.encode("utf-8"))
    for el in root.iter():
        assert el.tag.rsplit("}", 1)[-1] in FEED_TAGS, (where, el.tag)
        assert not any(name.lower().startswith("on") for name in el.attrib), (where, el.attrib)
    assert "<script" not in body and "<img" not in body and "<svg" not in body, where


@pytest.mark.parametrize("param", PARAMS)
def test_every_parameter_is_escaped_on_pages_and_never_html_in_the_api(site, param):
    for payload in PAYLOADS:
        query = urlencode({param: payload} if param == "q" else {"q": "zanzibar", param: payload})
        for path in ("/", f"/articles/{SEED_ID}", "/search.rss", "/search.atom"):
            r = site.get(f"{path}?{query}")
            assert r.status_code in (200, 400), (path, param, payload, r.status_code)
            kind = r.headers["Content-Type"].split(";")[0]
            if kind == "application/problem+json":  # feeds refuse bad parameters as the API does
                assert path.startswith("/search.") and r.status_code == 400
                assert r.headers["X-Content-Type-Options"] == "nosniff"
            else:
                assert kind in ("text/html", "application/rss+xml", "application/atom+xml"), kind
                assert_escaped(r.text, f"{path}?{query}")
        for path in ("/api/search", "/api/suggest", "/api/search.csv", "/api/search.jsonl",
                     f"/api/articles/{SEED_ID}", f"/api/articles/{SEED_ID}/related"):
            r = site.get(f"{path}?{query}")
            assert r.status_code in (200, 400), (path, param, payload, r.status_code)
            kind = r.headers["Content-Type"].split(";")[0]
            assert kind != "text/html" and kind.startswith(("application/", "text/csv")), (path, kind)
            assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_stored_markup_is_escaped_everywhere_it_is_shown(site):
    pages = ["/?q=zanzibar", "/?q=zanzibar&collapse=false", "/?q=zanzibar&sort=date", "/search.rss?q=zanzibar",
             "/search.atom?q=zanzibar"]
    pages += [f"/articles/{quote(a['id'], safe='')}?q=zanzibar" for a in HOSTILE_ARTICLES]
    for path in pages:
        r = site.get(path)
        assert r.status_code == 200, path
        assert_escaped(r.text, path)
        lowered = r.text.lower()
        assert 'href="javascript:' not in lowered and 'href=" javascript:' not in lowered, path
        assert 'href="data:' not in lowered and "<a href=\"https://example.com/\"><script>" not in lowered, path
    # The ids came through intact (escaped, and addressable).
    odd = HOSTILE_ARTICLES[-1]["id"]
    assert site.get(f"/api/articles/{quote(odd, safe='')}").json()["id"] == odd
    # An http(s) url with markup in it is a link, its quotes escaped.
    page = site.get("/articles/stored-url-quote").text
    assert 'href="https://example.com/&#34;&gt;&lt;script&gt;' in page or \
        'href="https://example.com/&quot;&gt;&lt;script&gt;' in page


# -- path traversal ---------------------------------------------------------------------

TRAVERSALS = [
    "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "%2e%2e/%2e%2e/etc/passwd",
    "%252e%252e%252f%252e%252e%252fetc%252fpasswd", "..%252f..%252fetc%252fpasswd",
    "..\\..\\etc\\passwd", "..%5c..%5cetc%5cpasswd", "/etc/passwd", "%2fetc%2fpasswd", "//etc/passwd",
    "....//....//etc/passwd", "..%c0%af..%c0%afetc%c0%afpasswd", "%00../../etc/passwd",
    "../secret", "../secret.txt", "../../secret.txt", "..%2fsecret.txt", "../corpus/wire/stories.jsonl",
    "../index/current/manifest.json", "wire/../../secret",
]
ID_ROUTES = ["/articles/{}", "/api/articles/{}", "/api/articles/{}/related", "/static/{}"]


@pytest.mark.parametrize("route", ID_ROUTES)
def test_no_path_traversal_through_ids(site, route):
    for evil in TRAVERSALS:
        path = route.format(evil)
        code, headers, body = raw_get(site, path)
        if code == 308:  # Werkzeug merges repeated slashes: a redirect within the same route
            target = urlsplit(headers["location"]).path
            assert target.startswith(route.split("{}")[0]) and ".." not in target, (path, target)
            check_security_headers(headers, path)
            code, headers, body = raw_get(site, target)
        assert code in (400, 404), (path, code, body[:200])
        for secret in ("root:x:0:0", "root:", "CANARY-SECRET", '"manifest"', "Zanzibar cloves", "SECURITY_HEADERS"):
            assert secret not in body, (path, secret)
        check_security_headers(headers, path)
    # Backslashes sent raw, not encoded.
    code, _, body = raw_get(site, route.format("..\\..\\etc\\passwd"))
    assert code in (400, 404) and "root:" not in body
    # The static route still serves its own files.
    assert raw_get(site, "/static/style.css")[0] == 200


# -- no debug pages, no stack traces ----------------------------------------------------------

def test_errors_show_no_stack_traces_or_debugger(tmp_path):
    """A corrupted index makes every request fail inside Whoosh: the answer is a plain
    500 (problem+json for the API, the error page for people), never a traceback."""
    corpus = api_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    assert run_cli("index", "--corpus", corpus, "--index", index).returncode == 0
    for seg in (index / "current").glob("*.seg"):
        os.truncate(seg, 1000)
    env = {k: v for k, v in os.environ.items() if k not in ("NEWS_SEARCH_DEBUG", "FLASK_DEBUG")}
    # Not conftest.Server: it waits for a 200 from /healthz, which a broken index never gives.
    server = ServerProcess(index, workers=1, env=env)
    try:
        server.wait_ready("/static/style.css")
        for path in ("/", "/?q=cuba", f"/articles/{SEED_ID}", "/api/search?q=cuba", f"/api/articles/{SEED_ID}",
                     "/healthz", "/search.rss?q=cuba", "/api/search.csv?q=cuba", "/api/suggest?q=cu"):
            code, headers, body = raw_get(server, path)
            assert code == 500, (path, code, body[:300])
            check_security_headers(headers, path)
            for leak in ("Traceback", 'File "', "EOFError", "Error:", "site-packages", "whoosh", str(PROJECT),
                         "Werkzeug Debugger", "__debugger__", "console.png"):
                assert leak not in body, (path, leak)
            if path.startswith("/api/") or path == "/healthz":
                assert headers["content-type"] == "application/problem+json"
                assert json.loads(body)["status"] == 500
            else:
                assert "Something went wrong" in body
        # Werkzeug's debugger console is not there either.
        code, _, body = raw_get(server, "/console")
        assert code == 404 and "debugger" not in body.lower()
    finally:
        server.stop()


# -- loopback only --------------------------------------------------------------------------

def _listening(port: int) -> list[str]:
    """Local addresses (hex, as /proc/net shows them) listening on `port`."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, state = fields[1], fields[3]
            if state == "0A" and int(address.rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                found.append(address.rsplit(":", 1)[0])
    return found


def test_serve_binds_to_loopback_by_default(site):
    """conftest.Server runs `news-search serve` without --host, as a user would."""
    if not Path("/proc/net/tcp").exists():
        pytest.skip("needs /proc/net/tcp to see listening sockets")
    assert "NEWS_SEARCH_HOST" not in os.environ
    assert _listening(site.port) == ["0100007F"]  # 127.0.0.1, and nothing on 0.0.0.0 or ::
    from web import gunicorn_conf

    assert gunicorn_conf.bind.startswith("127.0.0.1:")


def test_serve_opens_no_control_socket(site, tmp_path):
    """gunicorn 25+ opens a control socket by default, at one path per user
    ($HOME/.gunicorn/gunicorn.ctl) shared by all of that user's servers, through which
    `gunicornc` can change the worker count or stop the server; `news-search serve`
    turns it off."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    server = ServerProcess(site.base / "index", workers=1, env={**env, "HOME": str(home)})
    try:
        server.wait_ready()
        # gunicorn starts it once the workers are up: give it the time to.
        server.get("/api/search", params={"q": "zanzibar"})
        time.sleep(0.5)
        assert server.proc.poll() is None
        assert not list(home.rglob("*")), list(home.rglob("*"))
    finally:
        server.stop()


def test_links_follow_the_reverse_proxy_headers(site):
    """What the nginx example of docs/deploy.md sends: absolute links use the proxy's host and scheme."""
    r = site.get("/opensearch.xml", headers={"Host": "news.example.org", "X-Forwarded-Proto": "https"})
    assert 'template="https://news.example.org/?q={searchTerms}"' in r.text
    assert "127.0.0.1" not in r.text


# -- in a real browser ----------------------------------------------------------------------

# Counted in every document before the page's own code runs.
WATCH = """
window.__dialogs = 0;
for (const name of ['alert', 'confirm', 'prompt']) { window[name] = () => { window.__dialogs += 1; }; }
"""
INJECTED = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith('on')) bad.push(el.tagName + '[' + attr.name + ']');
      if ((attr.name === 'href' || attr.name === 'src' || attr.name === 'action')
          && /^\\s*(javascript|data|vbscript):/i.test(attr.value)) bad.push(el.tagName + '[' + attr.name + ']');
    }
    if (['IMG', 'IFRAME', 'OBJECT', 'EMBED'].includes(el.tagName)) bad.push(el.tagName);
    if (el.tagName === 'SCRIPT' && el.getAttribute('src') !== '/static/suggest.js') bad.push('SCRIPT');
  }
  return bad;
}"""


class Watched:
    def __init__(self, browser, bypass_csp: bool) -> None:
        # With the CSP bypassed only the escaping stands between a payload and its running.
        self.context = browser.new_context(bypass_csp=bypass_csp)
        self.context.add_init_script(WATCH)
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def visit(self, url: str) -> None:
        self.page.goto(url)
        self.check(url)

    def check(self, where: str) -> None:
        assert self.page.evaluate("typeof window.__pwned") == "undefined", where
        assert self.page.evaluate("window.__dialogs") == 0 and self.dialogs == [], where
        assert self.page.evaluate(INJECTED) == [], where


@pytest.mark.parametrize("bypass_csp", [True, False], ids=["no-csp", "csp"])
def test_no_payload_runs_in_a_browser(site, chromium, bypass_csp):
    tab = Watched(chromium, bypass_csp)
    try:
        # Reflected: every parameter of the page, and the article page's q.
        for param in PARAMS:
            for payload in PAYLOADS:
                query = urlencode({param: payload} if param == "q" else {"q": "zanzibar", param: payload})
                tab.visit(f"{site.url}/?{query}")
        for payload in PAYLOADS:
            tab.visit(f"{site.url}/articles/{SEED_ID}?{urlencode({'q': payload})}")
        # Stored: results, every copy listed, every hostile article, its links.
        for path in ("/?q=zanzibar", "/?q=zanzibar&collapse=false", "/?country=&sort=date"):
            tab.visit(site.url + path)
        for article in HOSTILE_ARTICLES:
            tab.visit(f"{site.url}/articles/{quote(article['id'], safe='')}")
            for link in tab.page.locator("article a").all():
                href = link.get_attribute("href") or ""
                assert href.startswith(("/", "http://", "https://")), href
        # Titles reach the search box's suggestions (made with textContent).
        tab.visit(site.url + "/")
        box = tab.page.locator("#q")
        box.click()
        tab.page.keyboard.type("zanzib")
        tab.page.locator("#q-suggestions [role=option]").first.wait_for()
        tab.check("suggestions")
    finally:
        tab.context.close()
