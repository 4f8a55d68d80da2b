"""Whoosh's W3 codec, plus one file per segment holding the frequent words' postings
as plain arrays.

Whoosh stores a posting list as pickled blocks of 128 postings. Decoding them in
Python costs about 0.4 µs a posting: 40 ms for a word in 90,000 of 100,000
articles, paid by the first search for it after a server starts or a rebuild
lands. While the codec writes a block it still holds the block's document numbers
and weights as typed arrays (internals.BlockFieldWriter hands them over); for words with at least MIN_POSTINGS postings this
codec also writes them, with where each block starts, to a `.npl` file of the
segment (inside its compound `.seg` file, so it lives and dies with the segment).
`postings()` reads a word's arrays back with one read and no decoding. The
postings files are written exactly as before: Whoosh reads the index as usual,
and segments without the file (older indexes, other codecs) are decoded as before.

Phrases need the positions of their words in the articles that have them all, and
snippets the character ranges of the words in the page's articles. For the same
frequent words, in fields whose values are packed positions (positions.py), the file
also holds each posting's number of occurrences and every occurrence's position (and
its start and end character, for a field that keeps them), so a phrase or a snippet
takes them for any set of articles with one read and a few numpy operations, without
reading and unpickling posting blocks (docs/performance.md).

File layout: magic, then per word its document numbers (uint32), weights
(float32), each block's first posting (int64), each block's offset in the
postings file (int64) and, for a field of packed positions, each posting's
occurrences (uint32), then every occurrence's position, then (characters) every
start, then every end (each uint16, or all uint32 when one exceeds 65,535), back to
back; then the directory: the words' keys (field name, NUL, term bytes) sorted, as
one fixed-width byte-string array, and for each (offset, postings, blocks,
occurrences, bytes per integer: 0 without positions, integers per occurrence) as
int64; then the directory's offset, its length and the keys' width (uint64 each). A
server loads a directory with one read (a pickled dict took 1.6 ms a segment) and
finds a word with a binary search."""

from __future__ import annotations

import struct
import threading
from collections import OrderedDict

import numpy as np

from . import internals, positions

EXT = ".npl"
MAGIC = b"NSNPL3\x00\x00"
MIN_POSTINGS = 128  # one full block: below it, decoding is cheap
_TRAILER = struct.Struct("<QQQ")
_ENTRY = 6  # int64s per word in the directory
MAX_KEY = 64  # longer keys (field, NUL, term) are left out: such words are read as before
_DIRECTORIES = 256  # segments whose directory a process keeps


def _key(fieldname: str, btext: bytes) -> bytes:
    return fieldname.encode("utf-8") + b"\x00" + btext


def stored_words(sub) -> list[tuple[str, bytes]]:
    """The (field, term bytes) the segment's `.npl` file holds (none without one)."""
    directory = DIRECTORIES.get(sub)
    if directory is None:
        return []
    return [(f.decode("utf-8"), t) for f, t in (k.split(b"\x00", 1) for k in directory["keys"].tolist())]


class _FieldWriter(internals.BlockFieldWriter):
    """Whoosh's W3 field writer, plus the `.npl` file of the frequent words' arrays."""

    min_postings = MIN_POSTINGS

    def __init__(self, codec, storage, segment):
        super().__init__(codec, storage, segment)
        self._chunks: list[bytes] = [MAGIC]
        self._size = len(MAGIC)
        self._directory: dict[bytes, tuple[int, ...]] = {}

    def term_arrays(self, fieldname, btext, ids, weights, starts, offsets, values, fmt):
        key = _key(fieldname, btext)
        if len(key) > MAX_KEY or key.endswith(b"\x00"):  # byte strings in numpy drop trailing NULs
            return
        parts = [ids.astype("<u4").tobytes(), weights.astype("<f4").tobytes(),
                 starts.astype("<i8").tobytes(), offsets.astype("<i8").tobytes()]
        record = positions.record_of(fmt)
        occurrences = width = 0
        if record is not None and len(values) == len(ids):
            counts, numbers = positions.bulk_records(values, record)
            occurrences, width = len(numbers), 2 if numbers.max() < 65536 else 4
            parts += [counts.astype("<u4").tobytes(), numbers.T.astype(f"<u{width}").tobytes()]
        data = b"".join(parts)
        self._directory[key] = (self._size, len(ids), len(starts), occurrences, width, record or 0)
        self._chunks.append(data)
        self._size += len(data)

    def close(self):
        super().close()
        if self._directory:
            f = self.create_file(EXT)
            for chunk in self._chunks:
                f.write(chunk)
            keys = sorted(self._directory)
            width = max(len(k) for k in keys)
            f.write(np.array(keys, dtype=f"S{width}").tobytes())
            f.write(np.array([self._directory[k] for k in keys], dtype="<i8").tobytes())
            f.write(_TRAILER.pack(self._size, len(keys), width))
            f.close()
        self._chunks = []


class NewsCodec(internals.BlockCodec):
    """W3 (same postings, same files) plus the segment's `.npl` file. Its name is
    pickled into each segment's TOC entry: keep it here."""

    def field_writer(self, storage, segment):
        return _FieldWriter(self, storage, segment)


class _Directories:
    """Each segment's directory, read once per process (segments never change)."""

    def __init__(self) -> None:
        self.found: OrderedDict[str, dict | None] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, sub) -> dict | None:
        segment, storage = sub.segment(), sub.storage()
        if segment is None or storage is None or not hasattr(segment, "segment_id"):
            return None
        seg_id = segment.segment_id()
        with self.lock:
            if seg_id in self.found:
                self.found.move_to_end(seg_id)
                return self.found[seg_id]
        directory = _read_directory(storage, segment.make_filename(EXT))
        with self.lock:
            self.found[seg_id] = directory
            while len(self.found) > _DIRECTORIES:
                self.found.popitem(last=False)
        return directory


def _read_directory(storage, name: str) -> dict | None:
    try:
        if not storage.file_exists(name):
            return None
        f = storage.open_file(name)
    except OSError:
        return None
    try:
        size = storage.file_length(name)
        if size < len(MAGIC) + _TRAILER.size or f.get(0, len(MAGIC)) != MAGIC:
            return None
        at, n, width = _TRAILER.unpack(f.get(size - _TRAILER.size, _TRAILER.size))
        raw = f.get(at, n * (width + 8 * _ENTRY))
        keys = np.frombuffer(raw, dtype=f"S{width}", count=n)
        entries = np.frombuffer(raw, dtype="<i8", count=n * _ENTRY, offset=n * width).reshape(n, _ENTRY)
        return {"name": name, "keys": keys, "entries": entries}
    finally:
        f.close()


DIRECTORIES = _Directories()


def _entry(sub, fieldname: str, btext: bytes) -> tuple[str, list[int]] | None:
    """(the segment's `.npl` file name, the word's directory entry), or None."""
    directory = DIRECTORIES.get(sub)
    if directory is None:
        return None
    keys = directory["keys"]
    key = _key(fieldname, btext)
    i = int(keys.searchsorted(key))
    if i == len(keys) or keys[i] != key:
        return None
    return directory["name"], directory["entries"][i].tolist()


def postings(sub, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray, tuple] | None:
    """A word's document numbers (in the segment, deleted ones included), weights and
    blocks (first posting, offset in the postings file) as read_postings returns
    them; None when the segment's `.npl` file does not hold the word."""
    found = _entry(sub, fieldname, btext)
    if found is None:
        return None
    name, (at, count, blocks, _occurrences, _width, _record) = found
    f = sub.storage().open_file(name)
    try:
        raw = f.get(at, count * 8 + blocks * 16)
    finally:
        f.close()
    ids = np.frombuffer(raw, dtype="<u4", count=count).astype(np.int64)
    weights = np.frombuffer(raw, dtype="<f4", count=count, offset=count * 4).astype(np.float64)
    starts = np.frombuffer(raw, dtype="<i8", count=blocks, offset=count * 8).astype(np.int64)
    offsets = np.frombuffer(raw, dtype="<i8", count=blocks, offset=count * 8 + blocks * 8).astype(np.int64)
    return ids, weights, (starts, offsets)


def occurrences(sub, fieldname: str, btext: bytes, chars: bool = False) -> tuple[np.ndarray, np.ndarray] | None:
    """A word's occurrences in each of its postings (in the order of `postings()`) and
    every occurrence, posting after posting, as rows of (position,) or, with `chars`,
    (position, startchar, endchar); None when the segment's `.npl` file does not hold
    them for the word."""
    found = _entry(sub, fieldname, btext)
    if found is None or not found[1][4] or (chars and found[1][5] != 3):
        return None
    name, (at, count, blocks, total, width, record) = found
    rows = record if chars else 1
    f = sub.storage().open_file(name)
    try:
        raw = f.get(at + count * 8 + blocks * 16, count * 4 + total * width * rows)
    finally:
        f.close()
    counts = np.frombuffer(raw, dtype="<u4", count=count).astype(np.int64)
    numbers = np.frombuffer(raw, dtype=f"<u{width}", count=total * rows, offset=count * 4).astype(np.int64)
    return counts, numbers.reshape(rows, total).T
