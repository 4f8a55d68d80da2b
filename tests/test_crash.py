"""Crash safety, the short version of bench/crash.py: SIGKILL `news-search index` at
random points (fixed seed) of incremental runs and of full rebuilds with worker
processes; after each kill a fresh reader sees exactly the old or exactly the new
articles, the next run completes and leaves no leftovers, and the index then holds
exactly the corpus's articles (ids and versions compared)."""

from __future__ import annotations

import random

from harness.crash import calibrate, kill_round
from harness.reliability import Corpus, index_state, leftovers, reindex

from search.backends.whoosh import indexer


def _check(rows: list[dict]) -> None:
    for row in rows:
        assert row["orphans"] == 0, row
        assert row["consistent"], row  # exactly the old or exactly the new articles
        assert row["next_rc"] == 0, row["next_error"]
        assert row["final"], row  # same ids, same versions as the corpus
        assert row["left_after_next"] == [], row
    assert sum(r["killed"] for r in rows) >= len(rows) - 1, "the runs ended before they could be killed"


def test_incremental_runs_killed_at_random_points(tmp_path):
    corpus = Corpus(tmp_path / "corpus", seed=3)
    corpus.add(600)
    index = tmp_path / "index"
    assert reindex(corpus.folder, index)[0].returncode == 0
    duration = calibrate(corpus, index, full=False)
    rng = random.Random(11)
    rows = [kill_round(corpus, index, False, rng.uniform(0.0, duration)) for _ in range(5)]
    _check(rows)
    assert {r["seen"] for r in rows} <= {"old", "new"}


def test_full_rebuilds_with_workers_killed_at_random_points(tmp_path):
    corpus = Corpus(tmp_path / "corpus", seed=4)
    corpus.add(2000)
    size = sum(p.stat().st_size for p in corpus.folder.rglob("*.txt"))
    assert size >= indexer.PARALLEL_WRITER_MIN_BYTES  # full rebuilds use worker processes
    index = tmp_path / "index"
    proc, duration = reindex(corpus.folder, index, full=True)
    assert proc.returncode == 0, proc.stderr
    rng = random.Random(12)
    # The next run is the incremental one (as from cron): it must clean up after the
    # killed rebuild and apply the corpus's changes to the old generation.
    rows = [kill_round(corpus, index, True, rng.uniform(0.0, duration), recover_full=False) for _ in range(5)]
    _check(rows)
    # Killed rebuilds did leave half-made generations, which the next run removed.
    assert sum(r["garbage"] > 0 for r in rows) >= 1
    # And a full rebuild after all that starts clean and ends with the same articles.
    before = index_state(index)[1]
    assert reindex(corpus.folder, index, full=True)[0].returncode == 0
    assert index_state(index)[1] == before == corpus.state
    assert leftovers(index) == [] and len(list(index.glob("gen-*"))) <= 2
