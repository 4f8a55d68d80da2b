"""Full rebuilds on every core: worker processes read and extract the files and write
Whoosh segments; the parent keeps only what needs one global order (which copy of a
wire story came first, duplicate ids, the summary) and commits every segment in one TOC.

Whoosh's own parallel writer extracts nothing in its workers (the parent did all the
reading, cleaning and country finding on one core) and gives each worker one segment
for its whole half of the corpus, whose postings overflow the memory pool into sorted
runs on disk that are merged back in Python. Here each segment holds at most
SEGMENT_DOCS articles, sized so its postings stay in memory."""

from __future__ import annotations

import math
import multiprocessing
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from . import internals, store
from ...ingest import duplicates
from .codec import NewsCodec
from ...ingest.extract import CorpusFile, FileResult, read_file

SEGMENT_DOCS = 10_000  # about 1M postings: under the writer's memory pool
POOL_MB = 256
CHUNK_FILES = 50  # files per extraction task
AHEAD = 6  # extraction tasks in flight

_worker: dict = {}


def _init(corpus: str, max_bytes: int, gen: str) -> None:
    _worker.update(corpus=Path(corpus), max_bytes=max_bytes, gen=Path(gen))


def _extract(chunk: list[CorpusFile]) -> list[FileResult]:
    out = []
    for cf in chunk:
        result = read_file(_worker["corpus"], cf, _worker["max_bytes"])
        result.signatures = {a.id: duplicates.signature(a.text) for a in result.articles}
        out.append(result)
    return out


def _write_segment(docs: list[dict]):
    """One finished segment (not yet in any TOC) of the given documents."""
    # Posting blocks uncompressed: 15 % less writing time and no inflating when
    # searching, for about 70 % more posting bytes on disk.
    ix = store.storage(_worker["gen"]).open_index()
    writer = internals.segment_writer(ix, lock=False, limitmb=POOL_MB, codec=NewsCodec(compression=0))
    try:
        for doc in docs:
            writer.add_document(**doc)
        return internals.finish_segment(writer)
    except BaseException:
        writer.cancel()
        raise


class ParallelBuild:
    """Feeds a new, empty index from `procs` processes. Use `results()` for the files'
    extraction results in corpus order, `add_document()` as on a Whoosh writer, and
    `commit(writer)` to replace the parent writer's (empty) segment with the workers'."""

    def __init__(self, corpus: Path, gen: Path, max_bytes: int, procs: int, expected_docs: int) -> None:
        ctx = multiprocessing.get_context("fork")
        self.pool = ctx.Pool(procs, initializer=_init, initargs=(str(corpus), max_bytes, str(gen)))
        # Segments of equal size, a multiple of the number of processes, so the last
        # ones finish together instead of one process writing alone at the end.
        rounds = max(1, math.ceil(expected_docs / (SEGMENT_DOCS * procs)))
        self.segment_docs = max(min(500, SEGMENT_DOCS), math.ceil(expected_docs / (rounds * procs)))
        self.procs = procs
        self.batch: list[dict] = []
        self.writes = []

    def results(self, files: list[CorpusFile]) -> Iterator[FileResult]:
        chunks = iter([files[i:i + CHUNK_FILES] for i in range(0, len(files), CHUNK_FILES)])
        pending: deque = deque()
        for chunk in chunks:
            pending.append(self.pool.apply_async(_extract, (chunk,)))
            if len(pending) >= AHEAD:
                break
        while pending:
            done = pending.popleft().get()
            for chunk in chunks:
                pending.append(self.pool.apply_async(_extract, (chunk,)))
                break
            yield from done

    def add_document(self, **doc) -> None:
        self.batch.append(doc)
        if len(self.batch) >= self.segment_docs:
            self._flush()

    def delete_by_term(self, fieldname: str, text: str) -> None:
        raise RuntimeError("a full rebuild starts from an empty index: nothing to delete")

    def _flush(self) -> None:
        if self.batch:
            # At most one batch per process waiting: batches queued behind busy
            # writers would pile up (texts and all) in this process's memory.
            waiting = [w for w in self.writes if not w.ready()]
            while len(waiting) >= self.procs:
                waiting.pop(0).wait()
            self.writes.append(self.pool.apply_async(_write_segment, (self.batch,)))
            self.batch = []

    def commit(self, writer) -> None:
        """Wait for the segments and commit them with the parent's writer (which holds
        Whoosh's lock and added nothing itself)."""
        self._flush()
        internals.commit_segments(writer, [w.get() for w in self.writes])

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()
