"""The performance benchmark's own parts (bench/perf.py): the stage timer leaves the
answers as they were, the references index and relax as documented, page-length
articles are page-length."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import pytest

from conftest import PROJECT, SHARED_DATA, api_corpus, run_cli

sys.path[:0] = [str(PROJECT / "bench")]

import stages  # noqa: E402
import whoosh_reference  # noqa: E402
from fts5_reference import Fts5Reference  # noqa: E402

from search.backends.whoosh import engine, relax  # noqa: E402
from search.backends.whoosh.engine import WhooshBackend  # noqa: E402
from search.core.request import SearchRequest  # noqa: E402
from search.ingest.article import Article  # noqa: E402

QUERIES = [{"q": "minister"}, {"q": '"trade agreement"'}, {"q": "havana minister", "sort": "relevance"},
           {"q": "minister", "country": "FR", "sort": "date"}, {"q": "tourizm"}]


@pytest.fixture(scope="module")
def api_index(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bench-perf")
    index = folder / "index"
    proc = run_cli("index", "--corpus", api_corpus(folder / "corpus"), "--index", index)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return index


def answer(backend: WhooshBackend, params: dict[str, str]) -> tuple:
    r = backend.search(SearchRequest.from_params({k: [v] for k, v in params.items()}))
    return (r.total, r.relaxed, r.suggestion, [(h.id, h.score, h.snippet, h.title_html) for h in r.hits],
            {k: [v.to_dict() for v in vs] for k, vs in r.facets.items()})


def test_stages_time_every_stage_and_change_no_answer(api_index: Path) -> None:
    originals = (engine.plan_query, engine.WhooshBackend.__dict__["_collapse"], relax._relevance_model)
    plain = WhooshBackend(api_index)
    expected = [answer(plain, p) for p in QUERIES]
    timed = stages.measure(api_index, QUERIES[:1], QUERIES)
    assert (engine.plan_query, engine.WhooshBackend.__dict__["_collapse"], relax._relevance_model) == originals
    timer = stages.StageTimer()
    stages.instrument(timer)
    try:
        assert [answer(WhooshBackend(api_index), p) for p in QUERIES] == expected
    finally:
        timer.unwrap()
    assert [t["total"] for t in timed] == [e[0] for e in expected]
    for t in timed:
        assert set(t["stages"]) == set(stages.STAGES)
        assert sum(t["stages"].values()) <= t["took_ms"] + 1e-6
        assert t["stages"]["match"] > 0 and t["stages"]["page"] > 0
    relaxed = timed[2]
    assert relaxed["relaxed"] and relaxed["stages"]["relax"] > 0 and relaxed["stages"]["relax feedback"] > 0
    assert timed[4]["stages"]["suggest"] > 0 and timed[0]["stages"]["relax"] == 0


def test_stage_timer_counts_a_stage_once_and_top_only_calls_at_the_top() -> None:
    class Work:
        @staticmethod
        def inner() -> int:
            return 1

        def outer(self) -> int:
            return self.inner() + self.inner()

    timer = stages.StageTimer()
    timer.wrap(Work, "inner", "parse", top_only=True)
    timer.wrap(Work, "outer", "match")
    assert Work().outer() == 2 and set(timer.times) == {"match"}
    assert Work.inner() == 1 and set(timer.times) == {"match", "parse"}
    timer.unwrap()
    assert isinstance(Work.__dict__["inner"], staticmethod) and "timed" not in repr(Work.outer)


def articles() -> list[Article]:
    return [Article(id="a", title="Cuba trade", text="Havana signed a trade pact with Mexico.", countries=["CU"]),
            Article(id="b", title="Oil prices", text="Oil prices rose in London trading.", countries=["GB"])]


def test_fts5_reference_relaxes_a_pair_that_finds_nothing_with_both_words(tmp_path: Path) -> None:
    ref = Fts5Reference(tmp_path / "fts5.sqlite")
    try:
        assert ref.build(articles())[1] == 2
        strict = ref.search({"q": "oil prices"})
        assert strict["total"] == 1 and not strict.get("relaxed")
        either = ref.search({"q": "havana oil"})
        assert either["relaxed"] and either["total"] == 2
        assert ref.search({"q": '"havana oil"'})["total"] == 0
    finally:
        ref.close()


def test_plain_whoosh_reference_indexes_every_article(tmp_path: Path) -> None:
    seconds, n, size = whoosh_reference.build(tmp_path / "plain", map(whoosh_reference.article_fields, articles()))
    assert n == 2 and size > 0 and seconds > 0
    from whoosh.index import open_dir
    from whoosh.qparser import QueryParser

    ix = open_dir(str(tmp_path / "plain"))
    with ix.searcher() as s:
        assert [h["id"] for h in s.search(QueryParser("text", ix.schema).parse("signing"))] == ["a"]


@pytest.mark.skipif(not (SHARED_DATA / "reuters21578").is_dir(), reason="../shared/data/reuters21578 is absent")
def test_page_length_articles_average_about_the_length_asked() -> None:
    import make_corpus
    from reuters import read_reuters

    stories = read_reuters(SHARED_DATA / "reuters21578")
    bodies = [body for _, _, body, _ in make_corpus.synthesize(stories, 500, article_chars=1800)]
    assert 1800 <= statistics.mean(map(len, bodies)) <= 2000
    assert min(len(b) + 1 for b in bodies) >= 1800  # page() counts a space after every sentence


def test_two_versions_compared_alternating_give_their_answers_and_times(api_index: Path, tmp_path: Path) -> None:
    """bench/ab_stages.py: each side in its own process (here the same tree twice); the
    same index on both sides answers the same, another index is told apart."""
    import ab_stages

    other = tmp_path / "index"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Minister in Havana\n\nThe minister signed a trade agreement in Havana.\n")
    proc = run_cli("index", "--corpus", corpus, "--index", other)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    same = ab_stages.compare(f"{PROJECT}:{api_index}", f"{PROJECT}:{api_index}", QUERIES, QUERIES[:1], 2)
    assert [r["same"] for r in same["rows"]] == [True] * len(QUERIES)
    assert same["groups"]["all"]["n"] == len(QUERIES) and same["groups"]["phrase"]["n"] == 1
    assert all(r["before_ms"] > 0 and r["after_ms"] > 0 and r["after_match"] > 0 for r in same["rows"])
    differ = ab_stages.compare(f"{PROJECT}:{api_index}", f"{PROJECT}:{other}", QUERIES, [], 1)
    assert not differ["rows"][0]["same"]  # 'minister': not the same articles
