"""Articles in other languages and scripts on the search page, in headless Chromium: each
result's title and snippet carry its `lang` (and `dir="rtl"` for Arabic, Hebrew, ...), the
browser lays them out in that direction, the <mark>s cover whole words or whole
characters (never half a surrogate pair: the texts hold 𠮷 and emoji outside the BMP), and
the Language facet narrows the results as the Country facet does."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from conftest import CHROMIUM, Server, run_cli, write

if not CHROMIUM.exists():
    pytest.skip(f"browser tests need Chromium at {CHROMIUM}, which does not exist", allow_module_level=True)
try:
    from playwright.sync_api import Page, expect
except ImportError as exc:  # pragma: no cover - depends on the environment
    pytest.skip(f"browser tests need the playwright package ({exc})", allow_module_level=True)

ARABIC_WORD = "النفط"
CJK_WORD = "𠮷野家"  # 𠮷 (U+20BB7) is two UTF-16 code units in the browser
ARTICLES = [
    {"id": "ar-oil", "language": "ar", "published": "2024-05-06",
     "title": f"ارتفاع أسعار {ARABIC_WORD} 📈 في الأسواق العالمية",
     "text": f"ارتفعت أسعار {ARABIC_WORD} اليوم 📈 في الأسواق العالمية بعد أن قررت منظمة أوبك خفض الإنتاج، "
             f"وقال المحللون إن أسعار {ARABIC_WORD} قد تواصل الارتفاع خلال الأسابيع المقبلة."},
    {"id": "he-oil", "language": "he", "published": "2024-05-07",
     "title": "מחירי הנפט עולים בשווקים",
     "text": "מחירי הנפט עלו היום בשווקים העולמיים לאחר שהארגון החליט לקצץ בתפוקה, כך אמרו הסוחרים."},
    {"id": "zh-shop", "language": "zh-Hans", "published": "2024-05-08",
     "title": f"{CJK_WORD}，新店开业",
     "text": f"本周，{CJK_WORD}在上海开设了新店😀。顾客排队，{CJK_WORD}，的经理说，生意很好。"},
    {"id": "en-oil", "language": "en", "published": "2024-05-09",
     "title": "Oil prices climb after the OPEC decision",
     "text": "Oil prices climbed on Thursday after OPEC decided to cut output, traders in London said, "
             "and analysts expect prices to keep rising for weeks."},
]
# A mark's text must start and end on whole characters, and a word mark must not stop inside a word.
LONE_SURROGATE = r"/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/"
MARKS_JS = f"""els => els.flatMap(el => Array.from(el.querySelectorAll('mark')).map(m => {{
    const before = m.previousSibling ? m.previousSibling.textContent : '';
    const after = m.nextSibling ? m.nextSibling.textContent : '';
    const lone = {LONE_SURROGATE};
    return {{text: m.textContent, before: before.slice(-2), after: after.slice(0, 2),
             split: lone.test(m.textContent) || lone.test(before.slice(-1)) || lone.test(after.slice(0, 1))}};
}}))"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("languages-page")
    corpus = base / "corpus"
    write(corpus / "stories.jsonl", "\n".join(json.dumps(a, ensure_ascii=False) for a in ARTICLES) + "\n")
    proc = run_cli("index", "--corpus", corpus, "--index", base / "index")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    served = Server(base / "index", workers=1)
    yield served
    served.stop()


@pytest.fixture(scope="module")
def page(chromium):
    context = chromium.new_context(locale="en-US")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def hit(page: Page, article_id: str):
    return page.locator("ol.hits > li.hit", has=page.locator(f'h3 a[href^="/articles/{article_id}"]'))


def marks(locator) -> list[dict]:
    return locator.evaluate_all(MARKS_JS)


def test_right_to_left_results_have_dir_and_lang(page, server):
    page.goto(f"{server.url}/?q={quote(ARABIC_WORD)}")
    result = hit(page, "ar-oil")
    for part in (result.locator("h3"), result.locator("p.snippet")):
        expect(part).to_have_attribute("lang", "ar")
        expect(part).to_have_attribute("dir", "rtl")
        assert part.evaluate("el => getComputedStyle(el).direction") == "rtl"
    found = marks(result.locator("h3, p.snippet"))
    assert len(found) >= 3  # the title's and the two in the text
    for m in found:
        assert m["text"] == ARABIC_WORD and not m["split"], m
        # A whole word: no letter or mark right before or after it.
        assert not re.search(r"[\w\u0610-\u061A\u064B-\u065F]$", m["before"]), m
        assert not re.search(r"^[\w\u0610-\u061A\u064B-\u065F]", m["after"]), m


def test_hebrew_and_english_results_side_by_side(page, server):
    page.goto(f"{server.url}/?sort=date")
    expect(hit(page, "he-oil").locator("p.snippet")).to_have_attribute("dir", "rtl")
    expect(hit(page, "he-oil").locator("h3")).to_have_attribute("lang", "he")
    english = hit(page, "en-oil").locator("h3")
    expect(english).to_have_attribute("lang", "en")
    expect(english).to_have_attribute("dir", "ltr")
    assert english.evaluate("el => getComputedStyle(el).direction") == "ltr"


def test_cjk_marks_cover_whole_characters(page, server):
    page.goto(f"{server.url}/?q={quote(CJK_WORD)}")
    result = hit(page, "zh-shop")
    expect(result.locator("h3")).to_have_attribute("lang", "zh-Hans")
    expect(result.locator("p.snippet")).to_have_attribute("dir", "ltr")
    for part in (result.locator("h3"), result.locator("p.snippet")):
        found = marks(part)
        assert found, part.inner_html()
        assert not any(m["split"] for m in found), found
        # Adjacent marks (one per character or per pair) together spell the word, whole.
        assert "".join(m["text"] for m in found) in {CJK_WORD, CJK_WORD * 2}, found
    # The characters outside the BMP reach the page whole, in the snippet's text too.
    snippet = result.locator("p.snippet").text_content()
    assert "😀" in snippet and CJK_WORD in snippet
    assert not page.evaluate(f"t => {LONE_SURROGATE}.test(t)", snippet)


def test_language_facet_narrows_like_the_country_facet(page, server):
    page.goto(f"{server.url}/")
    facet = page.locator("aside.facets section.facet", has=page.get_by_role("heading", name="Language"))
    labels = facet.locator("li a .label").all_inner_texts()
    counts = facet.locator("li a .count").all_inner_texts()
    assert dict(zip(labels, counts)) == {"Arabic": "1", "Chinese": "1", "English": "1", "Hebrew": "1"}
    facet.locator("li a", has=page.locator(".label", has_text="Hebrew")).click()
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("language") == ["he"])
    ids = page.locator("ol.hits > li.hit h3 a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert [urlsplit(h).path for h in ids] == ["/articles/he-oil"]
    chosen = facet.locator("li a.selected")
    expect(chosen).to_have_count(1)
    expect(chosen.locator(".label")).to_have_text("Hebrew")
    expect(chosen).to_have_attribute("aria-current", "true")
    # The others still say what choosing them would add.
    assert dict(zip(facet.locator("li a .label").all_inner_texts(), facet.locator("li a .count").all_inner_texts())) == {
        "Hebrew": "1", "Arabic": "1", "Chinese": "1", "English": "1"}
    # A new search from the box keeps the chosen language, as it keeps countries; an
    # Arabic query is laid out right to left in the box and in the summary.
    box = page.get_by_role("combobox", name="Search articles")
    box.fill(ARABIC_WORD)
    box.press("Enter")
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("q") == [ARABIC_WORD])
    assert parse_qs(urlsplit(page.url).query)["language"] == ["he"]
    expect(page.locator("#summary")).to_contain_text("No articles found")
    assert page.get_by_role("combobox", name="Search articles").evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert page.locator("#summary strong").evaluate("el => getComputedStyle(el).direction") == "rtl"
    page.goto(f"{server.url}/?language=he")
    facet.get_by_role("link", name="Clear languages").click()
    page.wait_for_url(lambda url: "language" not in parse_qs(urlsplit(url).query))
    expect(page.locator("ol.hits > li.hit")).to_have_count(4)
