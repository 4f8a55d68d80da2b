"""Live reindex under load, the short version of bench/soak.py: clients query the
gunicorn-served API (2 workers, a requests.Session each) without pause while incremental
reindexes (added, changed, deleted articles) and a full rebuild run. Every answer
is checked against the index state it names (`generation`): no failures, no 5xx,
no answer mixing two states, and each reindex is seen by every request sent after
it ended, within a second."""

from __future__ import annotations

from harness.soak import soak


def test_answers_stay_whole_and_fresh_while_reindexing(tmp_path):
    rep = soak(tmp_path, seconds=8, clients=4, articles=300, gap=0.3, change=(10, 10, 5), log=lambda *a: None)
    assert rep.requests > 50
    assert rep.failed == 0 and rep.errors5xx == 0, rep.examples
    assert rep.inconsistent == 0, rep.examples  # every answer fits the one state it names
    assert rep.server_errors == []
    for run in rep.runs:
        assert run["ok"], run  # the reindex itself brought the index to the corpus
        assert run["stale"] == 0, run  # nothing sent after its end answered from before it
        assert run["visible"] is not None and run["visible"] <= 1.0, run
    kinds = [r["kind"] for r in rep.runs]
    assert kinds.count("full") == 1 and kinds.count("incremental") >= 1, kinds
