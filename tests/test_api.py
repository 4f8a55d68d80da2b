"""The JSON API and the page over real HTTP, served by gunicorn from a real index."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import requests

from conftest import Server, api_corpus, run_cli, write

PROJECT = Path(__file__).resolve().parent.parent
OPENAPI = json.loads((PROJECT / "web" / "openapi.json").read_text())
SEED_ID = "000_d1333627a6b9a447"


def conforms(body: dict, schema_name: str) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": OPENAPI["components"]}
    jsonschema.validate(body, schema, cls=jsonschema.Draft202012Validator)


def api(server: Server, **params) -> dict:
    r = server.get("/api/search", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    conforms(body, "SearchResult")
    return body


def facet(body: dict, name: str) -> dict[str, dict]:
    return {f["value"]: f for f in body["facets"][name]}


def test_seed_found_with_marks_and_country_facets(served):
    body = api(served, q="cuba")
    ids = [r["id"] for r in body["results"]]
    assert SEED_ID in ids and "havana-trade" in ids
    seed = next(r for r in body["results"] if r["id"] == SEED_ID)
    assert "<mark>Cuba</mark>" in seed["snippet"]
    assert seed["published"] == "2024-09-24" and seed["countries"][:2] in (["KR", "CU"], ["CU", "KR"])
    countries = facet(body, "country")
    assert {"KR", "CU"} <= countries.keys()
    assert countries["KR"]["label"] == "South Korea" and countries["KR"]["selected"] is False
    assert body["query"] == {"q": "cuba", "country": [], "language": [], "from": None, "to": None,
                             "sort": "relevance", "page": 1, "per_page": 10, "collapse": True}


def test_facet_counts_match_the_results(served):
    body = api(served, q="cuba", per_page=100)
    total = body["total"]
    assert total == len(body["results"])
    for code, f in facet(body, "country").items():
        assert f["count"] == sum(code in r["countries"] for r in body["results"]), code
    assert sum(f["count"] for f in body["facets"]["date"]) == total
    for value, f in facet(body, "date").items():
        if value != "undated":
            assert f["count"] == sum((r["published"] or "").startswith(value) for r in body["results"])


def test_country_filter_ors_values_and_marks_them_selected(served):
    kr = api(served, country="KR")
    cu = api(served, country="CU")
    both = api(served, country=["KR", "CU"])
    assert {r["id"] for r in both["results"]} == {r["id"] for r in kr["results"]} | {r["id"] for r in cu["results"]}
    assert all("KR" in r["countries"] for r in kr["results"])
    selected = {f["value"] for f in both["facets"]["country"] if f["selected"]}
    assert selected == {"KR", "CU"}
    assert both["query"]["country"] == ["KR", "CU"]
    # Different facets AND: country and a date range.
    narrowed = api(served, country=["KR", "CU"], **{"from": "2024-09-24", "to": "2024-09-24"})
    assert [r["id"] for r in narrowed["results"]] == [SEED_ID]


def test_date_filter_bounds_are_inclusive(served):
    body = api(served, **{"from": "2024-07", "to": "2024-07"}, per_page=100)
    assert body["total"] == 25
    assert all(r["published"].startswith("2024-07") for r in body["results"])
    assert api(served, **{"from": "2024-09-20", "to": "2024-09-21"})["total"] == 2
    assert api(served, **{"to": "2022"})["total"] == 1


def test_date_buckets_follow_the_span(served):
    wide = api(served)  # 2022-12 .. 2024-09: months
    values = [f["value"] for f in wide["facets"]["date"]]
    assert "2024-07" in values and "undated" in values and values[-1] == "undated"
    assert facet(wide, "date")["undated"]["count"] == 1
    assert facet(wide, "date")["2024-09"]["label"] == "September 2024"
    narrow = api(served, **{"from": "2024-07-01", "to": "2024-07-05"})
    assert [f["value"] for f in narrow["facets"]["date"]] == [f"2024-07-0{d}" for d in range(1, 6)]
    assert api(served, q="minister OR cuba OR japan OR french OR brazil")["facets"]["date"]


def test_sort_by_date(served):
    newest = api(served, sort="date", per_page=100)["results"]
    dates = [r["published"] for r in newest if r["published"]]
    assert dates == sorted(dates, reverse=True)
    assert newest[-1]["published"] is None  # undated last
    assert all(r["score"] is None for r in newest)
    oldest = [r["published"] for r in api(served, sort="date_asc", per_page=100)["results"] if r["published"]]
    assert oldest == sorted(oldest)
    assert api(served)["query"]["sort"] == "date"  # no q: newest first


def test_pagination_edges(served):
    first = api(served, q="minister", per_page=10)
    assert first["total"] >= 25
    pages = [api(served, q="minister", per_page=10, page=p)["results"] for p in (1, 2, 3)]
    seen = [r["id"] for page in pages for r in page]
    assert len(seen) == len(set(seen)) == min(30, first["total"])
    last_page = -(-first["total"] // 10)
    assert len(api(served, q="minister", page=last_page)["results"]) == first["total"] - 10 * (last_page - 1)
    beyond = api(served, q="minister", page=last_page + 1)
    assert beyond["results"] == [] and beyond["total"] == first["total"]
    assert len(api(served, q="minister", per_page=100)["results"]) == first["total"]


@pytest.mark.parametrize("params, bad", [
    ({"sort": "popular"}, "sort"),
    ({"page": "0"}, "page"),
    ({"page": "two"}, "page"),
    ({"per_page": "1000"}, "per_page"),
    ({"per_page": "0"}, "per_page"),
    ({"from": "2024-13-01"}, "from"),
    ({"to": "2024-02-30"}, "to"),
    ({"from": "yesterday"}, "from"),
    ({"from": "2024-09-25", "to": "2024-09-01"}, "from"),
    ({"q": "x" * 501}, "q"),
    ({"q": '"unbalanced phrase'}, "q"),
    ({"q": "(cuba OR korea"}, "q"),
    ({"q": "author:kim"}, "q"),
    ({"country": "XX"}, "country"),
    ({"country": "Korea"}, "country"),
    ({"language": "xx"}, "language"),
    ({"language": "english"}, "language"),
    ({"language": ""}, "language"),
    ({"page": "2000", "per_page": "100"}, "page"),
])
def test_bad_parameters_are_400_problems(served, params, bad):
    r = served.get("/api/search", params=params)
    assert r.status_code == 400
    assert r.headers["Content-Type"] == "application/problem+json"
    body = r.json()
    conforms(body, "Problem")
    assert body["status"] == 400 and body["title"] and body["detail"]
    assert bad in [p["name"] for p in body["invalid_params"]]
    page = served.get("/", params=params)
    assert page.status_code == 400 and "could not be understood" in page.text


def test_query_syntax(served):
    def found(q):
        return {r["id"] for r in api(served, q=q, per_page=100)["results"]}

    assert found("cuba tourism") == {"havana-trade"}
    assert found("japan OR france") == {"tokyo-rates", "paris-strike"} | found("france")
    assert "havana-trade" not in found("cuba -tourism") and SEED_ID in found("cuba -tourism")
    assert "havana-trade" not in found("cuba NOT tourism") and SEED_ID in found("cuba NOT tourism")
    assert found('"rail strike"') == {"paris-strike"}
    assert found("(japan OR brazil) rain") == {"undated-note"}
    assert found("title:chip") == {"seoul-chips"}
    assert "seoul-chips" in found("text:semiconductor")
    assert found("the of and") == set()


def test_article_endpoint_and_404(served):
    r = served.get(f"/api/articles/{SEED_ID}")
    assert r.status_code == 200
    article = r.json()
    conforms(article, "Article")
    assert article["text"].endswith("network of partners.") and article["url"].startswith("https://wuwenjie.xyz")
    missing = served.get("/api/articles/no-such-article")
    assert missing.status_code == 404 and missing.headers["Content-Type"] == "application/problem+json"
    for evil in ("../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e/%2e%2e/etc/passwd"):
        r = served.get(f"/api/articles/{evil}")
        assert r.status_code == 404 and "root:" not in r.text


def test_openapi_and_health(served):
    r = served.get("/api/openapi.json")
    assert r.status_code == 200 and r.json()["openapi"].startswith("3.1")
    health = served.get("/healthz").json()
    conforms(health, "Health")
    assert health["status"] == "ok" and health["articles"] == 1 + 6 + 25


def test_xss_is_escaped_in_json_and_page(served):
    body = api(served, q="havana javascript")
    (hit,) = [r for r in body["results"] if r["id"] == "xss"]
    for html in (hit["title_html"], hit["snippet"]):
        assert "<script" not in html and "<img" not in html
        assert "&lt;script&gt;" in html or "&lt;img" in html
        assert html.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    page = served.get("/", params={"q": "havana javascript"}).text
    assert "<script>alert" not in page and "<img src=x" not in page and "&lt;script&gt;" in page
    article_page = served.get("/articles/xss").text
    assert "<script>alert" not in article_page and 'href="javascript:' not in article_page
    evil_q = '<script>alert("q")</script> "><img src=x onerror=alert(5)>'
    page = served.get("/", params={"q": evil_q[:60]}).text
    assert "<script>alert(\"q\")" not in page and "<img src=x onerror" not in page


def test_page_shows_results_facets_and_json_twin(served):
    r = served.get("/", params={"q": "cuba", "country": "KR"})
    assert r.status_code == 200
    html = r.text
    assert "<mark>" in html and 'aria-current="true"' in html
    assert 'href="/api/search?q=cuba&amp;country=KR"' in html
    assert f'href="/articles/{SEED_ID}?q=cuba"' in html
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert header in r.headers
    article = served.get(f"/articles/{SEED_ID}", params={"q": "cuba"}).text
    assert "<mark>Cuba</mark>" in article


def test_reindex_is_picked_up_by_a_running_server(tmp_path):
    corpus = api_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    assert run_cli("index", "--corpus", corpus, "--index", index).returncode == 0
    server = Server(index)
    try:
        assert server.get("/api/search", params={"q": "zanzibar"}).json()["total"] == 0
        write(corpus / "new.txt", "Zanzibar spice exports\n\nZANZIBAR - Clove exports from Zanzibar rose.")
        assert run_cli("index", "--corpus", corpus, "--index", index).returncode == 0
        # Both workers must see it: ask several times over fresh connections.
        for _ in range(6):
            assert requests.get(server.url + "/api/search", params={"q": "zanzibar"}, timeout=5).json()["total"] == 1
        gen = server.get("/healthz").json()["generation"]
        (corpus / "new.txt").unlink()
        assert run_cli("index", "--full", "--corpus", corpus, "--index", index).returncode == 0
        for _ in range(6):
            assert requests.get(server.url + "/api/search", params={"q": "zanzibar"}, timeout=5).json()["total"] == 0
        assert server.get("/healthz").json()["generation"] != gen
    finally:
        server.stop()


def test_snippets_keep_first_and_last_words_and_mark_cuts(served):
    body = api(served, q="minister", sort="date_asc")
    first = body["results"][0]
    assert first["snippet"] == "PARIS, July 1 - The French <mark>minister</mark> spoke about item 0."
    seed = api(served, q='"permanent representative offices"')["results"][0]["snippet"]
    assert seed.startswith("… ") and seed.count("<mark>permanent</mark>") >= 1
    assert "\n" not in seed


def test_did_you_mean_suggests_real_words_that_find_something(served):
    body = api(served, q="cubaa")
    assert body["total"] == 0 and body["suggestion"] == "cuba"
    assert api(served, q=body["suggestion"])["total"] > 0
    body = api(served, q="forein ministr")
    assert body["suggestion"] is not None and "minist " not in body["suggestion"] + " "
    assert api(served, q=body["suggestion"])["total"] > 0
    assert api(served, q="cuba")["suggestion"] is None
    assert api(served, q="qqqqzzzz")["suggestion"] is None
    page = served.get("/", params={"q": "cubaa"}).text
    assert "Did you mean" in page and 'href="/?q=cuba"' in page


@pytest.mark.parametrize("q", ["oil*", "?il", "oil~", "oil~2", "mimister*", "cubx*", "c?bx", "title:cubx*"])
def test_did_you_mean_never_respells_a_wildcard_or_fuzzy_word(served, q):
    # "oil" is in no article: respelled on its own it becomes "its", and "oil*" became "its*",
    # a question the user did not ask. A pattern stands for the words it fits, as typed.
    assert api(served, q=q)["suggestion"] is None


def test_did_you_mean_respells_the_plain_words_beside_a_pattern(served):
    assert api(served, q="mimister")["suggestion"] == "ministers"
    assert api(served, q="mimister cub*")["suggestion"] == "ministers cub*"

def test_country_counts_are_multi_select(served):
    """With countries selected, each country's count ignores the country filter (but not
    the others), so it says how many articles choosing it would add."""
    unfiltered = {k: f["count"] for k, f in facet(api(served, q="minister OR cuba OR japan"), "country").items()}
    kr = api(served, q="minister OR cuba OR japan", country="KR", per_page=100)
    assert all("KR" in r["countries"] for r in kr["results"]) and kr["total"] == len(kr["results"])
    counts = {k: f["count"] for k, f in facet(kr, "country").items()}
    assert counts == unfiltered and counts["FR"] > kr["total"]
    september = {"from": "2024-09", "to": "2024-09"}
    in_range = {k: f["count"] for k, f in facet(api(served, **september), "country").items()}
    both = api(served, country=["KR", "FR"], **september)
    assert {k: f["count"] for k, f in facet(both, "country").items() if f["count"]} == in_range
    assert facet(both, "country")["FR"]["selected"] and facet(both, "country")["FR"]["count"] == in_range.get("FR", 0)


def test_timeline_has_a_bar_per_bucket_with_counts_and_links(served):
    body = api(served, q="minister OR japan OR france")
    buckets = [f for f in body["facets"]["date"] if f["value"] != "undated"]
    assert [f["value"] for f in buckets][:3] == ["2022-12", "2023-01", "2023-02"]  # empty months included
    page = served.get("/", params={"q": "minister OR japan OR france"}).text

    # Each bar is a link in a list item (an <a role="listitem"> is not a link any more).
    bars = re.findall(r'<g role="listitem"><a href="([^"]+)" aria-label="([^"]+)"', page)
    assert len(bars) == len(buckets)
    for (href, label), f in zip(bars, buckets):
        assert label == f"{f['label']}: {f['count']} article{'' if f['count'] == 1 else 's'}"
    href = dict((label.split(":")[0], h) for h, label in bars)["July 2024"].replace("&amp;", "&")
    narrowed = served.get(href.replace("/?", "/api/search?")).json()
    assert narrowed["query"]["from"] == narrowed["query"]["to"] == "2024-07" and narrowed["total"] == 25


def test_related_articles_leave_out_copies(tmp_path):
    corpus = api_corpus(tmp_path / "corpus")
    seed_text = (corpus / f"{SEED_ID}.txt").read_text()
    write(corpus / "copy.txt", seed_text.replace("Views: 0", "Views: 12"))  # a republication
    write(corpus / "korea-cuba.txt", "Seoul and Havana open offices\n\nSouth Korea and Cuba agreed to open "
          "permanent representative offices, their foreign ministers said after talks on bilateral relations.")
    index = tmp_path / "index"
    assert run_cli("index", "--corpus", corpus, "--index", index).returncode == 0
    server = Server(index, workers=1)
    try:
        r = server.get(f"/api/articles/{SEED_ID}/related")
        assert r.status_code == 200
        body = r.json()
        conforms(body, "Related")
        related = [a["id"] for a in body["related"]]
        assert "korea-cuba" in related and "copy" not in related and SEED_ID not in related
        assert 0 < len(related) <= 5
        assert server.get("/api/articles/nope/related").status_code == 404
        page = server.get(f"/articles/{SEED_ID}").text
        assert "Related articles" in page and 'href="/articles/korea-cuba"' in page
    finally:
        server.stop()


def test_total_does_not_depend_on_the_page(tmp_path):
    """Whoosh's top-N collector swaps in a matcher that skips documents unable to enter
    the top list; the total and the facets must still count every match, on every page."""
    import random

    rng = random.Random(3)
    words = "market shipping weather crude price barrel opec supply demand refinery".split()
    lines = []
    for n in range(600):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(20, 300))) + " oil" * rng.randint(1, 6)
        title = ("Oil " if rng.random() < 0.1 else "") + f"report {n}"
        lines.append(json.dumps({"id": f"d{n}", "title": title, "text": text}))
    corpus = tmp_path / "corpus"
    write(corpus / "oil.jsonl", "\n".join(lines) + "\n")
    index = tmp_path / "index"
    assert run_cli("index", "--corpus", corpus, "--index", index).returncode == 0
    from search.core.request import SearchRequest
    from search.backends.whoosh.engine import WhooshBackend

    engine = WhooshBackend(index)
    for p in (1, 2, 4, 10):
        result = engine.search(SearchRequest.from_params({"q": ["oil"], "page": [str(p)]}))
        assert result.total == 600, p
        assert sum(f.count for f in result.facets["date"]) == 600
    engine.close()


def test_slow_searches_stop_with_a_clear_503(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    write(corpus / "many.jsonl", "\n".join(json.dumps({"id": f"n{n}", "title": f"Note {n}",
                                                       "text": f"Copper prices rose again, note {n}."})
                                           for n in range(3000)) + "\n")
    index = tmp_path / "index"
    assert run_cli("index", "--corpus", corpus, "--index", index).returncode == 0
    from search.core.request import SearchRequest
    from search.backends.whoosh.engine import WhooshBackend
    from search.core.backend import SearchTimeout

    request = SearchRequest.from_params({"q": ["copper"]})
    assert WhooshBackend(index).search(request).total == 3000
    with pytest.raises(SearchTimeout):
        WhooshBackend(index, time_limit=0).search(request)
    monkeypatch.setenv("NEWS_SEARCH_TIME_LIMIT", "0")
    server = Server(index, workers=1)
    try:
        r = server.get("/api/search", params={"q": "copper"})
        assert r.status_code == 503 and r.headers["Content-Type"] == "application/problem+json"
        assert "took longer than 0 s" in r.json()["detail"]
        page = server.get("/", params={"q": "copper"})
        assert page.status_code == 503 and "took too long" in page.text and "Traceback" not in page.text
        assert server.get("/api/search", params={"q": "copper", "country": "ZZ"}).status_code == 400
    finally:
        server.stop()


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    """The API corpus plus a republished copy of the seed (one story, two articles) and an
    article whose body starts with its own headline, served in-process (Flask's client)."""
    from web import create_app

    base = tmp_path_factory.mktemp("copies")
    corpus = api_corpus(base / "corpus")
    seed_text = (corpus / f"{SEED_ID}.txt").read_text()
    write(corpus / "copy.txt", seed_text.replace("Views: 0", "Views: 12"))
    write(corpus / "headline.jsonl", json.dumps({
        "id": "headline", "title": "Havana  harbour reopens", "published": "2024-09-22",
        "text": "HAVANA HARBOUR REOPENS\n\nThe harbour of Havana reopened on Sunday.\n\nShips queued."}) + "\n")
    index = base / "index"
    proc = run_cli("index", "--corpus", corpus, "--index", index)
    assert proc.returncode == 0, proc.stderr
    return create_app({"INDEX": str(index)}).test_client()


def test_stories_count_the_same_with_and_without_collapsing(copies):
    """`stories` is the number of distinct stories among the matches: it was the total
    whenever collapse=false, so one query said 3 articles (2 stories) and stories: 3."""
    for q in ("cuba", "permanent representative offices", ""):
        grouped = copies.get("/api/search", query_string={"q": q}).get_json()
        every = copies.get("/api/search", query_string={"q": q, "collapse": "false"}).get_json()
        assert grouped["total"] == every["total"] and grouped["stories"] == every["stories"], q
    body = copies.get("/api/search", query_string={"q": "permanent representative offices"}).get_json()
    assert body["total"] == 2 and body["stories"] == 1
    for collapse in ("true", "false"):
        page = copies.get("/", query_string={"q": "permanent representative offices", "collapse": collapse})
        assert "2 articles (1 story)" in page.get_data(as_text=True), collapse


def test_article_page_drops_a_first_paragraph_that_repeats_the_title(copies):
    page = copies.get("/articles/headline").get_data(as_text=True)
    body = page[page.index('<div class="body"'):page.index("</article>")]
    assert "<h1" in page and "Havana harbour reopens" in page
    assert "REOPENS" not in page  # the body's first paragraph was the title in capitals
    assert re.findall(r"<p>(.*?)</p>", body) == ["The harbour of Havana reopened on Sunday.", "Ships queued."]
    # A first paragraph that only starts like the title stays: the seed's title is its first sentence, cut.
    seed = copies.get(f"/articles/{SEED_ID}").get_data(as_text=True)
    assert re.search(r'<div class="body"[^>]*>\s*<p>In a significant development', seed)


def test_counts_are_singular_or_plural_on_the_page(served):
    assert re.search(r'id="summary"[^>]*>1 article for <strong dir="auto">tokyo</strong>', served.get("/?q=tokyo").text)
    assert re.search(r'id="summary"[^>]*>2 articles for <strong dir="auto">havana</strong>', served.get("/?q=havana").text)
