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

from whoosh.util.numeric import byte_to_length

from . import store
from ...ingest import duplicates
from .codec import NewsCodec
from ...ingest.extract import CorpusFile, FileResult, read_file

_BYTE_TO_LENGTH = [byte_to_length(i) for i in range(256)]
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


class _Lengths:
    """The field lengths of a segment just written, read once per field into memory:
    Whoosh's posting writer asks for a length per posting, and each answer from the
    column on disk costs a file read."""

    def __init__(self, pdr) -> None:
        self.pdr = pdr
        self.fields: dict[str, bytes | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0):
        codes = self.fields.get(fieldname, b"")
        if codes == b"":
            codes = self.fields[fieldname] = _length_bytes(self.pdr, fieldname)
        if codes is False:  # the field keeps no lengths
            return default
        if codes is None:
            return self.pdr.doc_field_length(docnum, fieldname, default)
        code = codes[docnum] if docnum < len(codes) else 0
        return _BYTE_TO_LENGTH[code] if code else None  # as W3PerDocReader answers

    def __getattr__(self, name):
        return getattr(self.pdr, name)


def _length_bytes(pdr, fieldname: str) -> bytes | bool | None:
    """The one-byte lengths of a field; False when it keeps none; None when they
    cannot be read in one go (then each is asked of the reader)."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    try:
        reader = pdr._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    except AttributeError:
        return None
    if reader is None:
        return False
    if getattr(reader, "_fixedlen", None) != 1 or not hasattr(reader, "_dbfile"):
        return None
    return bytes(reader._dbfile.get(reader._basepos, reader._count))


def segment_writer(ix, **kwargs):
    """A Whoosh SegmentWriter whose posting pool skips per-posting checks and whose
    posting writer reads field lengths from memory. Same files, same bytes."""
    from whoosh.writing import PostingPool, SegmentWriter

    class LeanPool(PostingPool):
        def add(self, item):
            self.currentsize += 170 + len(item[1]) * 2 + len(item[4] or b"")
            if self.currentsize > self.limit:
                self.save()
            self.current.append(item)

    class FastSegmentWriter(SegmentWriter):
        def __init__(self, *args, **kw):
            super().__init__(*args, **kw)
            pool = self.pool
            self.pool = LeanPool(pool.tempstore, pool.segment, limitmb=pool.limit // (1024 * 1024))

        def _flush_segment(self):
            self.perdocwriter.close()
            pdr = self.per_document_reader() if self.codec.length_stats else None
            postings = self.pool.iter_postings()
            self.fieldwriter.add_postings(self.schema, _Lengths(pdr) if pdr else None, postings)
            self.fieldwriter.close()
            if pdr:
                pdr.close()

    return FastSegmentWriter(ix, **kwargs)


def _write_segment(docs: list[dict]):
    """One finished segment (not yet in any TOC) of the given documents."""
    # Posting blocks uncompressed: 15 % less writing time and no inflating when
    # searching, for about 70 % more posting bytes on disk.
    ix = store.storage(_worker["gen"]).open_index()
    writer = segment_writer(ix, _lk=False, limitmb=POOL_MB, codec=NewsCodec(compression=0))
    try:
        for doc in docs:
            writer.add_document(**doc)
        segment = writer._finalize_segment()
    except BaseException:
        writer.cancel()
        raise
    # Not writer._finish(): it would remove the temporary folder every writer of
    # the index shares; the parent's writer removes it when it commits.
    return segment


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
        segments = [w.get() for w in self.writes]
        writer._close_segment()
        writer._commit_toc(segments)
        writer._finish()

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()
