"""The parallel full rebuild (search/backends/whoosh/build.py) against one plain Whoosh writer: the
same documents under the same numbers, the same terms, postings, lengths and stored
fields, the same stories and the same summary."""

from __future__ import annotations

import json
import random
from pathlib import Path

from conftest import write
from search.backends.whoosh import build, indexer, store
from search.backends.whoosh.engine import WhooshBackend
from search.core.request import SearchRequest

WORDS = "oil price market bank rate trade export coffee wheat gold copper dollar yen minister".split()


def _corpus(folder: Path) -> Path:
    rng = random.Random(3)
    for n in range(240):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 80)))
        body = f"Story {n} about {rng.choice(WORDS)}\n\nTOKYO, March 3 - {words}. Officials in Japan said.\n"
        if n % 11 == 0 and n:
            body = (folder / f"s{n - 1:03d}.txt").read_text()  # a wire copy
        write(folder / f"s{n:03d}.txt", body)
        write(folder / f"s{n:03d}.meta.json", json.dumps({"published": f"1987-03-{n % 28 + 1:02d}"}))
    write(folder / "broken.json", "{not json")
    write(folder / "empty.txt", "")
    write(folder / "export.jsonl", "\n".join(json.dumps({"id": f"x{k}", "title": f"Export {k}",
                                                         "text": f"Copper and gold {k} in Chile."})
                                             for k in range(30)) + "\n")
    return folder


def _contents(index: Path) -> dict:
    ix, _ = store.open_current(index)
    with ix.reader() as r:
        out = {"docs": r.doc_count_all(), "stored": [r.stored_fields(d) for d in range(r.doc_count_all())]}
        for field in ("title", "text", "countries", "day", "story", "id", "path"):
            postings = {}
            for term in r.lexicon(field):
                postings[term] = list(_walk(r.postings(field, term)))
            out[field] = postings
            if r.schema[field].scorable:
                out[field + " lengths"] = [r.doc_field_length(d, field) for d in range(r.doc_count_all())]
    return out


def _walk(m):
    while m.is_active():
        yield m.id(), m.weight(), m.value()
        m.next()


def test_parallel_rebuild_equals_one_writer(tmp_path, monkeypatch):
    corpus = _corpus(tmp_path / "corpus")
    monkeypatch.setattr(indexer.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(build, "SEGMENT_DOCS", 40)
    monkeypatch.setattr(indexer, "PARALLEL_WRITER_MIN_BYTES", 0)
    parallel = WhooshBackend(tmp_path / "parallel").update(corpus, full=True, max_bytes=10**7)
    monkeypatch.setattr(indexer, "PARALLEL_WRITER_MIN_BYTES", 10**12)
    single = WhooshBackend(tmp_path / "single").update(corpus, full=True, max_bytes=10**7)
    assert parallel.line().split(" in ")[0] == single.line().split(" in ")[0]
    assert parallel.problem_lines() == single.problem_lines() and len(single.problem_lines()) == 2
    ix, _ = store.open_current(tmp_path / "parallel")
    assert len(ix._segments()) >= 4  # really written in pieces by the workers
    a, b = _contents(tmp_path / "parallel"), _contents(tmp_path / "single")
    assert a["docs"] == b["docs"] == 270
    for key in b:
        assert a[key] == b[key], key
    stories = {f["story"] for f in b["stored"]}
    assert len(stories) < len(b["stored"])  # the wire copies were grouped
    # And the next incremental run on the parallel build finds nothing to do.
    again = WhooshBackend(tmp_path / "parallel").update(corpus, max_bytes=10**7)
    assert again.new == again.changed == again.removed == 0 and again.unchanged == 270


def test_reindex_merges_small_segments_and_leaves_build_segments(tmp_path, monkeypatch):
    """Whoosh's own merge policy merged 7 segments, 6 of them from the build, in the
    first of these reindexes (and whole indexes of 10 build segments later on)."""
    corpus = _corpus(tmp_path / "corpus")
    monkeypatch.setattr(indexer.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(build, "SEGMENT_DOCS", 20)
    monkeypatch.setattr(indexer, "PARALLEL_WRITER_MIN_BYTES", 0)
    backend = WhooshBackend(tmp_path / "index")
    backend.update(corpus, full=True, max_bytes=10**7)
    ix, _ = store.open_current(tmp_path / "index")
    built = {seg.segment_id() for seg in ix._segments() if seg.doc_count_all() >= 20}
    assert len(built) >= 10
    for run in range(12):
        write(corpus / f"added{run:02d}.jsonl", "\n".join(
            json.dumps({"id": f"a{run}-{k}", "title": f"Added {run} {k}", "text": f"Zinc {run} {k} in Peru."})
            for k in range(3)) + "\n")
        report = backend.update(corpus, max_bytes=10**7)
        assert report.new == 3
        segments = store.open_current(tmp_path / "index")[0]._segments()
        assert built <= {seg.segment_id() for seg in segments}, f"run {run}: a build segment was merged"
    assert len(segments) < len(built) + 12  # the small ones were merged
    assert WhooshBackend(tmp_path / "index").search(SearchRequest(q="zinc")).total == 36
