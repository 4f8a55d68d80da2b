"""Query semantics for keywords and whole questions, over HTTP against gunicorn."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import PROJECT, SHARED_DATA

SEED_ID = "000_d1333627a6b9a447"


def search(served, q: str, **params) -> dict:
    r = served.get("/api/search", params={"q": q, **params})
    assert r.status_code == 200, r.text
    return r.json()


def ids(body: dict) -> list[str]:
    return [r["id"] for r in body["results"]]


def test_keywords_stay_strict_when_every_word_matches(served):
    body = search(served, "cuba tourism")
    assert ids(body) == ["havana-trade"] and body["relaxed"] is False


def test_a_question_without_a_full_match_is_relaxed_best_first(served):
    q = "what did the cuban foreign minister discuss about tourism and rail strikes in france"
    body = search(served, q, per_page=100)
    assert body["relaxed"] is True and body["total"] > 3
    found = ids(body)
    # Articles with several (or rarer) of the words rank above those with one common
    # word: the seed (cuban, foreign, minister, discuss), the rail strike (rail,
    # strike, france) and the Havana trade story (cuban, tourism) before the
    # "minister" items.
    assert set(found[:3]) == {SEED_ID, "paris-strike", "havana-trade"}
    assert all(i.startswith("minister-") for i in found[3:28])
    # Snippets and titles mark the user's words only, not feedback expansion terms.
    seed = body["results"][found.index(SEED_ID)]
    assert "<mark>Korea</mark>" not in seed["title_html"] + seed["snippet"]
    page = served.get("/", params={"q": q}).text
    assert "showing articles that match some of them" in page


def test_function_words_neither_require_nor_score(served):
    body = search(served, "what did the Bank of Japan do with the interest rates")
    assert ids(body)[0] == "tokyo-rates"
    assert search(served, "Japan interest rates")["results"][0]["id"] == "tokyo-rates"


def test_upper_case_question_words_are_not_operators(served):
    shouted = search(served, "FRANCE OR JAPAN")  # all capitals: three words, OR is one of them
    typed = search(served, "france OR japan")  # operator on purpose
    assert typed["relaxed"] is False and {"tokyo-rates", "paris-strike"} <= set(ids(typed))
    assert shouted["relaxed"] is True and {"tokyo-rates", "paris-strike"} <= set(ids(shouted))


def test_operators_keep_their_meaning_and_relax_only_on_nothing(served):
    exact = search(served, '"rail strike" france')
    assert ids(exact) == ["paris-strike"] and exact["relaxed"] is False
    # Nothing has both: relaxed, but the excluded word stays excluded.
    body = search(served, "cuba japan -tourism")
    assert body["relaxed"] is True
    assert "havana-trade" not in ids(body) and {SEED_ID, "tokyo-rates"} <= set(ids(body))


def test_date_sort_never_relaxes(served):
    body = search(served, "cuba japan", sort="date")
    assert body["total"] == 0 and body["relaxed"] is False


@pytest.mark.skipif(not (SHARED_DATA / "ir").is_dir(), reason="../shared/data/ir is absent: no ranking evaluation")
def test_ranking_holds_on_every_development_collection():
    """The adoption rule of docs/ranking.md, on this run: the service is on no development
    collection below plain BM25 (Whoosh, OR group) by more than 0.01 MAP, and above both
    references on the mean."""
    proc = subprocess.run([sys.executable, "bench/eval_ranking.py"], cwd=PROJECT, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr
    rows: dict[tuple[str, str], list[str]] = {}
    for line in proc.stdout.splitlines():
        system = line[12:42].strip()
        if system in ("news-search (default API)", "SQLite FTS5 bm25 (OR)", "plain Whoosh BM25F (OR group)"):
            rows[line[:11].strip(), system] = line[42:].split()
    collections = {name for name, _ in rows} - {"mean", "adi"}
    assert {"time", "cranfield", "cacm", "cisi", "med", "lisa", "npl"} <= collections, proc.stdout
    for name in collections:
        ours, plain = (float(rows[name, s][0]) for s in ("news-search (default API)",
                                                         "plain Whoosh BM25F (OR group)"))
        assert ours >= plain - 0.01, (name, ours, plain)
    mean = {s: float(rows["mean", s][0]) for _, s in rows}
    assert mean["news-search (default API)"] > max(mean["SQLite FTS5 bm25 (OR)"],
                                                   mean["plain Whoosh BM25F (OR group)"])
    assert int(rows["time", "news-search (default API)"][3]) == 0  # no TIME query without results
