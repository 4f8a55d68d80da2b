"""The search page in a real browser (headless Chromium driven by Playwright), used as a person would:
type a query, read highlighted results, filter by country, page, open an article, use the keyboard;
and hostile input that must never run as script."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from conftest import CHROMIUM, RECORD_CSP

if not CHROMIUM.exists():
    pytest.skip(f"browser tests need Chromium at {CHROMIUM}, which does not exist", allow_module_level=True)
try:
    from playwright.sync_api import Page, expect
except ImportError as exc:  # pragma: no cover - depends on the environment
    pytest.skip(f"browser tests need the playwright package ({exc})", allow_module_level=True)

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000

XSS_QUERIES = [
    '<img src=x onerror="window.__xss=1">',
    '<script>window.__xss=1</script>',
    '"><script>window.__xss=1</script><img src=x onerror="window.__xss=1;alert(1)" title="',
]
# Unbalanced quotes: the query is refused (400 page), which echoes it back in the search box.
BAD_XSS_QUERY = '"><script>window.__xss=1</script><img src=x onerror=window.__xss=1>'


class BrowserTab:
    """One page in a fresh browser context, with everything it reports along the way."""

    def __init__(self, browser, bypass_csp: bool = False) -> None:
        self.context = browser.new_context(viewport=VIEWPORT, bypass_csp=bypass_csp, locale="en-US")
        self.context.add_init_script(RECORD_CSP)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page: Page = self.context.new_page()
        self.dialogs: list[str] = []
        self.errors: list[str] = []  # console errors and uncaught exceptions
        self.page.on("dialog", self._dialog)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.failed: list[tuple[int, str]] = []  # every HTTP response >= 400 the page got, with its path
        self.page.on("response", self._response)

    def _response(self, response) -> None:
        path = urlsplit(response.url).path
        if response.status >= 400 and path != "/favicon.ico":
            self.failed.append((response.status, path))

    def _console(self, message) -> None:
        where = message.location.get("url") or ""
        # Chromium asks for /favicon.ico on its own, when it likes: the app has none (a 404), not a test failure.
        if message.type == "error" and urlsplit(where).path != "/favicon.ico":
            self.errors.append(f"console: {message.text} at {where}")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("window.__cspViolations")

    def assert_clean(self) -> None:
        """Nothing ran that should not have: no dialogs, no injected globals, no CSP reports, no errors."""
        assert self.dialogs == []
        assert self.page.evaluate("typeof window.__xss") == "undefined"
        assert self.csp_violations() == []
        assert self.failed == []
        assert self.errors == []


@pytest.fixture
def tab(chromium):
    tabs: list[BrowserTab] = []

    def open_tab(bypass_csp: bool = False) -> BrowserTab:
        tabs.append(BrowserTab(chromium, bypass_csp))
        return tabs[-1]

    yield open_tab
    for t in tabs:
        t.context.close()


def search_box(page: Page):
    """The search box: a combobox once suggest.js adds its suggestion list."""
    return page.get_by_role("combobox", name="Search articles")


def submit_search(page: Page, query: str, how: str = "enter") -> None:
    box = search_box(page)
    box.fill(query)
    if how == "enter":
        box.press("Enter")
    else:
        page.get_by_role("button", name="Search").click()
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("q") == [query])
    page.wait_for_load_state("load")


def pages(total: int, per_page: int = 10) -> int:
    return -(-total // per_page)


def hit_ids(page: Page) -> list[str]:
    hrefs = page.locator("ol.hits > li.hit h3 a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return [urlsplit(h).path.removeprefix("/articles/") for h in hrefs]


def summary_count(page: Page) -> int:
    text = page.locator("#summary").inner_text()
    m = re.match(r"([\d,]+) articles? for ", text)
    assert m, text
    return int(m.group(1).replace(",", ""))


def country_facet(page: Page):
    """The Country section of the filter sidebar."""
    return page.locator("aside.facets section.facet", has=page.get_by_role("heading", name="Country"))


def country_facets(page: Page) -> dict[str, int]:
    """Label -> count, as listed."""
    items = country_facet(page).locator("li a")
    out = {}
    for i in range(items.count()):
        a = items.nth(i)
        out[a.locator(".label").inner_text()] = int(a.locator(".count").inner_text().replace(",", ""))
    return out


def country_link(page: Page, label: str):
    return country_facet(page).locator("li a", has=page.locator(".label", has_text=re.compile(rf"^{re.escape(label)}$")))


def test_search_filter_page_and_open_an_article(served, tab):
    api = served.get("/api/search", params={"q": "minister"}).json()
    api_fr = served.get("/api/search", params={"q": "minister", "country": "FR"}).json()
    assert api["total"] > api_fr["total"] > 10  # the corpus gives a filter that narrows, and a page 2

    t = tab()
    page = t.page
    page.goto(served.url + "/")
    expect(page).to_have_title("News search")
    search_box(page).click()
    page.keyboard.type("minister")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/\?q=minister$"))

    # Results: count, ten hits, highlighted terms in every snippet.
    expect(page).to_have_title("minister – News search")
    expect(search_box(page)).to_have_value("minister")
    assert summary_count(page) == api["total"]
    expect(page.locator("#summary strong")).to_have_text("minister")
    hits = page.locator("ol.hits > li.hit")
    expect(hits).to_have_count(10)
    assert hit_ids(page) == [r["id"] for r in api["results"]]
    for i in range(10):
        marks = hits.nth(i).locator(".snippet mark")
        assert marks.count() >= 1, hit_ids(page)[i]
        assert all(m.lower() == "minister" for m in marks.all_inner_texts())
    expect(page.locator(".snippet mark").first).to_be_visible()
    expect(page.locator(".pagination")).to_contain_text(f"Page 1 of {pages(api['total'])}")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "results.png"), full_page=True)

    # Which countries does this query have? France must be one, with the filtered total as its count.
    facets = country_facets(page)
    assert facets == {f["label"]: f["count"] for f in api["facets"]["country"]}
    assert facets["France"] == api_fr["total"]
    assert page.locator("aside.facets [aria-current='true']").count() == 0

    # Filter by France.
    country_link(page, "France").click()
    page.wait_for_url(re.compile(r"country=FR"))
    assert parse_qs(urlsplit(page.url).query) == {"q": ["minister"], "country": ["FR"]}
    assert summary_count(page) == api_fr["total"]
    france = country_link(page, "France")
    expect(france).to_have_attribute("aria-current", "true")
    expect(france).to_have_class(re.compile(r"\bselected\b"))
    expect(france.locator(".check")).to_have_text("✓")
    expect(country_facet(page).locator("a[aria-current='true']")).to_have_count(1)
    expect(page.get_by_role("link", name="Clear countries")).to_be_visible()
    expect(hits).to_have_count(10)
    countries = page.locator("ol.hits > li.hit .meta .countries").all_inner_texts()
    assert len(countries) == 10 and all("France" in c for c in countries), countries
    page1 = hit_ids(page)
    assert page1 == [r["id"] for r in api_fr["results"]]
    # The filter survives a new search from the box (hidden input in the form).
    expect(page.locator("form[role=search] input[type=hidden][name=country]")).to_have_value("FR")

    # Page 2.
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url(re.compile(r"page=2"))
    expect(page.locator(".pagination")).to_contain_text(f"Page 2 of {pages(api_fr['total'])}")
    expect(page.get_by_role("link", name="← Previous")).to_be_visible()
    expect(country_link(page, "France")).to_have_attribute("aria-current", "true")
    expect(page.locator("ol.hits")).to_have_attribute("start", "11")
    page2 = hit_ids(page)
    assert len(page2) == min(10, api_fr["total"] - 10)
    assert not set(page1) & set(page2), (page1, page2)
    assert all("France" in c for c in page.locator("ol.hits > li.hit .meta .countries").all_inner_texts())

    # Open the first article on page 2 by its title.
    first = page.locator("ol.hits > li.hit h3 a").first
    title = first.inner_text()
    article_id = page2[0]
    first.click()
    page.wait_for_url(re.compile(rf"/articles/{re.escape(article_id)}\?q=minister$"))
    expected = served.get(f"/api/articles/{article_id}").json()
    assert title == expected["title"]
    expect(page.locator("article h1")).to_have_text(title)
    expect(page).to_have_title(f"{title} – News search")
    body_marks = page.locator("article .body mark").all_inner_texts()
    assert body_marks and all(m.lower() == "minister" for m in body_marks), body_marks
    expect(page.locator("article h1 mark")).to_have_text(re.compile("^minister$", re.I))
    expect(page.locator("article > p.meta")).to_contain_text("France")
    # Back to the search keeps the query.
    page.get_by_role("link", name="← Back to the search").click()
    page.wait_for_url(re.compile(r"/\?q=minister$"))
    expect(search_box(page)).to_have_value("minister")
    t.assert_clean()


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["csp", "no-csp"])
def test_hostile_queries_typed_into_the_box_are_shown_as_text(served, tab, bypass_csp):
    # With the CSP bypassed, only the escaping stands between the query and script execution;
    # with it enforced, anything injected and blocked would show up as a CSP violation report.
    t = tab(bypass_csp=bypass_csp)
    page = t.page
    page.goto(served.url + "/")
    for n, query in enumerate(XSS_QUERIES):
        submit_search(page, query, how="button" if n % 2 else "enter")
        expect(search_box(page)).to_have_value(query)
        expect(page.locator("#summary strong")).to_have_text(query)
        expect(page).to_have_title(f"{query} – News search")
        # The app has no images or scripts of its own: any here came from the query.
        assert page.locator("img, script:not([src='/static/suggest.js']), [onerror]").count() == 0, query
        t.assert_clean()

    # Unbalanced quotes: the refusal page echoes the query back into the box, as text too.
    submit_search(page, BAD_XSS_QUERY)
    expect(page.get_by_role("heading", level=1)).to_have_text("That search could not be understood")
    expect(search_box(page)).to_have_value(BAD_XSS_QUERY)
    assert page.locator("img, script:not([src='/static/suggest.js']), [onerror]").count() == 0
    # The refusal itself (a 400 for the document) is the only thing the browser complains about.
    assert t.failed == [(400, "/")]
    assert len(t.errors) == 1 and "status of 400" in t.errors[0], t.errors
    t.failed.clear()
    t.errors.clear()
    t.assert_clean()


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["csp", "no-csp"])
def test_hostile_article_never_runs_script(served, tab, bypass_csp):
    expected = served.get("/api/articles/xss").json()
    t = tab(bypass_csp=bypass_csp)
    page = t.page
    page.goto(served.url + "/")
    submit_search(page, "havana javascript")
    hit = page.locator("ol.hits > li.hit", has=page.locator("h3 a[href^='/articles/xss?']"))
    expect(hit).to_have_count(1)
    expect(hit.locator("h3")).to_have_text(expected["title"])
    expect(hit.locator(".snippet")).to_contain_text("<img src=x onerror=alert(2)>")
    expect(hit.locator(".snippet mark").first).to_have_text(re.compile("^(havana|javascript)$", re.I))
    assert page.locator("img, script:not([src='/static/suggest.js']), [onerror]").count() == 0
    t.assert_clean()

    hit.locator("h3 a").click()
    page.wait_for_url(re.compile(r"/articles/xss\?q=havana(\+|%20)javascript$"))
    expect(page.locator("article h1")).to_have_text(expected["title"])
    expect(page.locator("article .body")).to_contain_text("<script>alert('body')</script>")
    assert {m.lower() for m in page.locator("article .body mark").all_inner_texts()} == {"havana", "javascript"}
    # Its url is javascript:alert(4): no link to it, no image, no script.
    assert page.locator("a[href^='javascript:' i]").count() == 0
    assert page.locator("img, script:not([src='/static/suggest.js']), [onerror]").count() == 0
    t.assert_clean()

    # A crafted link with a hostile query for the article page's highlighting.
    page.goto(f"{served.url}/articles/xss?q={quote(XSS_QUERIES[2])}")
    expect(page.locator("article h1")).to_have_text(expected["title"])
    assert page.locator("img, script:not([src='/static/suggest.js']), [onerror]").count() == 0
    t.assert_clean()


def test_keyboard_only_search_starting_with_the_skip_link(served, tab):
    t = tab()
    page = t.page
    page.goto(served.url + "/")
    skip = page.get_by_role("link", name="Skip to content")
    box = search_box(page)
    assert skip.bounding_box()["x"] < 0  # off-screen until focused

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    shown = skip.bounding_box()
    assert shown["x"] >= 0 and shown["y"] >= 0, shown  # on screen once focused
    # Between the skip link and the search box sits the "News search" home link.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="News search", exact=True)).to_be_focused()
    page.keyboard.press("Tab")
    expect(box).to_be_focused()
    page.keyboard.type("minister")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Search")).to_be_focused()
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"/\?q=minister$"))
    expect(page.locator("ol.hits > li.hit")).to_have_count(10)

    # The skip link skips the header and the filters: after following it, the next
    # Tab lands in the results (the <main>, which the filters' <aside> is beside).
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#main$"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main#main').contains(document.activeElement)")
    assert page.evaluate("document.activeElement.closest('header, aside')") is None
    t.assert_clean()


def test_timeline_bar_click_narrows_the_dates(served, tab):
    t = tab()
    page = t.page
    page.goto(served.url + "/?q=minister+OR+japan+OR+france")
    bars = page.locator("figure.timeline svg[role=list] > g[role=listitem] > a[href]")
    assert bars.count() >= 3
    july = page.locator('figure.timeline a[aria-label^="July 2024:"]')
    assert july.get_attribute("aria-label") == "July 2024: 25 articles"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "timeline.png"), full_page=True)
    july.click()
    page.wait_for_url(re.compile(r"from=2024-07&to=2024-07"))
    assert summary_count(page) == 25
    assert all(d.startswith("2024-07") for d in page.locator("li.hit time").evaluate_all(
        "els => els.map(e => e.getAttribute('datetime'))"))
    t.assert_clean()
