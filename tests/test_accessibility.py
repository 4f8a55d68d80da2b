"""The pages a newcomer meets (home, results, no results, an article) in Chromium at a
desktop width and a phone width: axe-core (the engine of browsers' accessibility audits)
finds nothing serious or critical, each page has one <h1> and its content in landmarks,
nothing scrolls sideways, and each page shows what it is for. A full-page screenshot of
each goes to tests/artifacts/ (<page>-<width>.png) to be looked at."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import CHROMIUM, RECORD_CSP

if not CHROMIUM.exists():
    pytest.skip(f"browser tests need Chromium at {CHROMIUM}, which does not exist", allow_module_level=True)
try:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Page, expect
except ImportError as exc:  # pragma: no cover - depends on the environment
    pytest.skip(f"accessibility tests need playwright and axe-playwright-python ({exc})", allow_module_level=True)

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
VIEWPORTS = {1280: {"width": 1280, "height": 900}, 390: {"width": 390, "height": 844}}
PAGES = {
    "home": "/",
    "results": "/?q=minister",
    "no-results": "/?q=qqqzzzxx",
    "article": "/articles/undated-note?q=coffee",  # its body starts with its headline (tests/conftest.py)
}
FAILING_IMPACTS = ("serious", "critical")
# What issue #15 found, whatever their impact: none of them may come back.
FIXED_RULES = ("aria-allowed-attr", "aria-allowed-role", "page-has-heading-one", "skip-link", "region",
               "landmark-one-main", "heading-order")
AXE = Axe()


@pytest.fixture
def open_page(chromium):
    contexts = []

    def open_at(width: int, path: str, served) -> Page:
        context = chromium.new_context(viewport=VIEWPORTS[width], locale="en-US")
        context.add_init_script(RECORD_CSP)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(served.url + path)
        page.wait_for_load_state("load")
        return page

    yield open_at
    for context in contexts:
        context.close()


def axe_problems(page: Page) -> tuple[list[str], list[str]]:
    """(serious or critical violations, violations of FIXED_RULES), each as 'rule (impact): targets'."""
    violations = AXE.run(page).response["violations"]

    def describe(v: dict) -> str:
        targets = ", ".join(" ".join(map(str, node["target"])) for node in v["nodes"])
        return f"{v['id']} ({v['impact']}): {targets}"

    return ([describe(v) for v in violations if v["impact"] in FAILING_IMPACTS],
            [describe(v) for v in violations if v["id"] in FIXED_RULES])


def lines_tall(page: Page, selector: str) -> float:
    """How many of its own lines an element is tall."""
    return page.locator(selector).evaluate(
        "el => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)")


def check_home(page: Page, served, width: int) -> None:
    stats = served.get("/healthz").json()
    intro = page.locator("section.intro")
    expect(intro.get_by_role("heading", level=1)).to_have_text(f"Search {stats['articles']} news articles")
    expect(intro).to_contain_text("from 2022-12-01 to 2024-09-24")
    countries = intro.locator("section", has=page.get_by_role("heading", name="Top countries"))
    expect(countries.get_by_role("link", name="France")).to_have_attribute("href", "/?country=FR")
    sources = intro.locator("section", has=page.get_by_role("heading", name="Top sources"))
    expect(sources.locator("li").first).to_have_text(re.compile(r"^Example Wire\s+4$"))
    examples = intro.locator("section", has=page.get_by_role("heading", name="Try")).get_by_role("link")
    assert examples.count() >= 3
    for href in examples.evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert served.get(href.replace("/?", "/api/search?")).json()["total"] > 0, href
    # The query syntax once, on the home page in the overview (not also in the sidebar).
    expect(page.get_by_role("heading", name="Search syntax")).to_have_count(1)
    expect(page.locator("details.help")).to_have_count(0)
    # And the newest articles below it.
    expect(page.get_by_role("heading", name="Newest articles", level=2)).to_be_visible()
    expect(page.locator("ol.hits > li.hit")).to_have_count(10)


def check_results(page: Page, served, width: int) -> None:
    total = served.get("/api/search", params={"q": "minister"}).json()["total"]
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{total} articles for minister")
    assert lines_tall(page, "#summary") <= 2.2  # at 390 px it was a one-word column of six lines
    expect(page.locator("ol.hits > li.hit")).to_have_count(10)
    bars = page.locator("figure.timeline svg[role=list] > g[role=listitem] > a[href]")
    assert bars.count() >= 2
    for label in bars.evaluate_all("links => links.map(a => a.getAttribute('aria-label'))"):
        assert re.fullmatch(r".+: (1 article|\d[\d,]* articles)", label), label


def check_no_results(page: Page, served, width: int) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("No articles found for qqqzzzxx")
    assert lines_tall(page, "#summary") <= 2.2
    expect(page.get_by_role("heading", name="Nothing matched")).to_be_visible()


def check_article(page: Page, served, width: int) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("A note on Brazilian coffee")
    paragraphs = page.locator("article .body p")
    expect(paragraphs).to_have_count(1)  # the body's first paragraph only repeated the title
    expect(paragraphs.first).to_have_text(re.compile(r"^Coffee growers in Brazil"))
    text, side = page.locator("article .body").bounding_box(), page.locator("aside.article-side").bounding_box()
    if width == 1280:  # the width is used: facts and related articles beside the text
        assert side["x"] >= text["x"] + text["width"], (text, side)
    else:  # one column
        assert side["y"] >= text["y"] + text["height"], (text, side)


CHECKS = {"home": check_home, "results": check_results, "no-results": check_no_results, "article": check_article}


@pytest.mark.parametrize("width", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_page_is_accessible_and_fits(served, open_page, name, width):
    page = open_page(width, PAGES[name], served)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)

    failing, fixed = axe_problems(page)
    assert failing == [], f"axe at {width} px on {name}:\n" + "\n".join(failing)
    assert fixed == [], f"axe at {width} px on {name}:\n" + "\n".join(fixed)
    expect(page.locator("h1")).to_have_count(1)
    # The skip link leads to the main content, and every page has it.
    assert page.locator("a.skip").get_attribute("href") == "#main"
    expect(page.locator("main#main")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    CHECKS[name](page, served, width)
    assert page.evaluate("window.__cspViolations") == []


def test_open_suggestions_are_an_accessible_combobox(served, open_page):
    page = open_page(1280, "/", served)
    box = page.get_by_role("combobox", name="Search articles")
    box.click()
    page.keyboard.type("mini", delay=20)
    expect(page.get_by_role("listbox", name="Suggestions")).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "q-suggestion-0")
    failing, fixed = axe_problems(page)
    assert failing == [] and fixed == [], "\n".join(failing + fixed)
