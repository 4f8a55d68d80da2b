"""Every use of Whoosh's private names and file formats, in one module.

The backend reads and writes Whoosh's files faster than Whoosh's public API lets it:
posting blocks and columns read in one go, segments written by worker processes and
committed together, a field writer that keeps each block's arrays, hooks Whoosh only
offers as private methods. Each of those leans on a private attribute, method or file
layout of Whoosh 2.7.4 that another release may change without notice, so they all
live here, and importing this module on another Whoosh stops the program with one
line (MissingDependency) instead of reading an index wrongly. The other modules of
the backend use Whoosh's public names only (tests/test_internals.py checks)."""

from __future__ import annotations

import io
import pickle
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator
from itertools import chain

import numpy as np
import whoosh

from ...dependencies import MissingDependency

WHOOSH_VERSION = "2.7.4"  # the release whose private names and file formats this module reads

if whoosh.versionstring() != WHOOSH_VERSION:
    raise MissingDependency("whoosh", f"Whoosh {whoosh.versionstring()} is installed; this backend reads "
                                      f"Whoosh {WHOOSH_VERSION}'s private file formats and methods")

# Imported after the check: another release may lack some of these names.
from whoosh import collectors, highlight  # noqa: E402
from whoosh.codec.base import OutOfOrderError  # noqa: E402
from whoosh.codec.whoosh3 import (LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter,  # noqa: E402
                                  W3PostingsWriter, W3TermsReader, _lenfield)
from whoosh.columns import NumericColumn, VarBytesColumn  # noqa: E402
from whoosh.filedb.structfile import StructFile  # noqa: E402
from whoosh.index import TOC, clean_files  # noqa: E402
from whoosh.reading import TermNotFound  # noqa: E402
from whoosh.spelling import ReaderCorrector  # noqa: E402
from whoosh.system import _INT_SIZE  # noqa: E402
from whoosh.util.numeric import byte_to_length  # noqa: E402
from whoosh.writing import PostingPool, SegmentWriter  # noqa: E402

# -- the index's files ------------------------------------------------------------

INDEX_NAME = "MAIN"  # Whoosh's default index name (whoosh.index._DEF_INDEX_NAME): file names start with it


def segment_count(ix) -> int:
    """How many segments the index's latest TOC lists."""
    return len(ix._segments())


def segment_file(segment_id: str, suffix: str) -> str:
    """A file name that belongs to a segment as Whoosh's clean_files sees it (the
    segment's id, then a dot): it is deleted with the segment when a merge drops it."""
    return f"{segment_id}{suffix}"


def is_unfinished_toc(filename: str) -> bool:
    """A TOC a commit was killed in the middle of writing: Whoosh writes
    `_MAIN_<generation>.toc.<time>` and renames it into place last."""
    return filename.startswith(f"_{INDEX_NAME}_") and ".toc." in filename


def clean_unlisted_files(storage) -> bool:
    """Delete the segment and TOC files the latest TOC does not name, as Whoosh does
    after a commit; False (nothing deleted) when no TOC can be read."""
    try:
        toc = TOC.read(storage, INDEX_NAME)
    except Exception:  # noqa: BLE001 - a missing or damaged TOC may raise anything
        return False
    clean_files(storage, INDEX_NAME, toc.generation, toc.segments)
    return True


# -- posting lists (W3 blocks) --------------------------------------------------------

_BLOCK_LENGTH = struct.Struct("!i")  # before each block: its length, negative for a term's last block
_POSTINGS_HEADER = len(WHOOSH3_HEADER_MAGIC)  # before a term's first block


def postings_file(sub) -> StructFile | None:
    """The segment's W3 postings file (a StructFile), or None for a reader of another kind."""
    terms = getattr(sub, "_terms", None)
    return terms._postfile if isinstance(terms, W3TermsReader) else None


def _parse_block(buf: bytes, pos: int) -> tuple[int, bool, int, tuple]:
    """The W3 posting block starting at `pos` of `buf`: (postings in it, whether it is
    the last, where the next one starts, its (ids, weights, values) data), parsed from
    memory (Whoosh's matcher reads the header with pickle.load on the file, a few
    bytes per read() call)."""
    length = _BLOCK_LENGTH.unpack_from(buf, pos)[0]
    following = pos + _INT_SIZE + abs(length)
    stream = io.BytesIO(buf)
    stream.seek(pos + _INT_SIZE)
    count, _maxid, _maxweight, compression, _mn, _mx = pickle.load(stream)
    data = buf[stream.tell():following]
    return count, length < 0, following, pickle.loads(zlib.decompress(data) if compression else data)


def block_postings(sub, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray, tuple] | None:
    """A term's document numbers (within the segment, deleted ones included) and
    weights, decoded a block at a time, and where each block starts (index of its
    first posting, offset in the postings file) to fetch values later. None when the
    postings are not in W3 blocks (inlined in the term table, another codec, a field
    the schema lacks): walk Whoosh's matcher then. TermNotFound when there is no such
    term."""
    postfile = postings_file(sub)
    if postfile is None or fieldname not in sub.schema:
        return None
    try:
        terminfo = sub._terms.term_info(fieldname, btext)
    except KeyError:
        raise TermNotFound(f"{fieldname!r} {btext!r}") from None
    if terminfo.is_inlined():
        return None
    id_parts, weight_parts = [], []
    starts, offsets = [], []
    # The whole posting list in one read, its blocks parsed from memory: Whoosh's
    # matcher reads each block's header with pickle.load straight from the file, a
    # few bytes per read() call (a third of a common word's cost).
    base, size = terminfo.extent()
    if isinstance(size, tuple):  # W3TermInfo.from_bytes keeps unpack_int's tuple
        size = size[0]
    buf = postfile.get(base, size)
    pos, first, last = _POSTINGS_HEADER, 0, False
    while not last:
        count, last, following, (raw_ids, raw_weights, _values) = _parse_block(buf, pos)
        starts.append(first)
        offsets.append(base + pos)
        first += count
        pos = following
        # Stored as deltas from the previous id (the codec's matcher has no byteids).
        ids = np.cumsum(np.array(raw_ids, dtype=np.int64))
        id_parts.append(ids)
        if raw_weights is None:  # every weight 1.0
            weight_parts.append(np.ones(len(ids)))
        elif isinstance(raw_weights, float):  # every weight the same
            weight_parts.append(np.full(len(ids), raw_weights))
        else:
            weight_parts.append(np.array(raw_weights, dtype=np.float64))
    return (np.concatenate(id_parts), np.concatenate(weight_parts),
            (np.array(starts, np.int64), np.array(offsets, np.int64)))


def block_values(postfile, offset: int) -> list:
    """The raw values of the posting block at `offset` of the postings file, in two reads."""
    length = abs(_BLOCK_LENGTH.unpack(postfile.get(offset, _INT_SIZE))[0])
    return _parse_block(postfile.get(offset, _INT_SIZE + length), 0)[3][2]


# -- columns: field lengths, numbers, byte strings ----------------------------------------

# struct codes with "!" (standard sizes, network order), as NumericColumn packs them
_BIG_ENDIAN = {"Q": ">u8", "q": ">i8", "I": ">u4", "i": ">i4", "L": ">u4", "l": ">i4", "H": ">u2", "B": "u1"}
# A field length as W3 stores it (one byte) and as its scorers see it again.
_BYTE_TO_LENGTH = [byte_to_length(i) for i in range(256)]
_LENGTH_OF_CODE = np.array(_BYTE_TO_LENGTH, dtype=np.float64)


def numeric_values(reader, count: int) -> np.ndarray | None:
    """The raw values of a NumericColumn for a segment's first `count` documents, in
    one read (0 where a document has none); None for a reader of another column type.
    Whoosh's reader unpacks one document at a time."""
    if not isinstance(reader, NumericColumn.Reader) or reader._typecode not in _BIG_ENDIAN:
        return None
    dtype = np.dtype(_BIG_ENDIAN[reader._typecode])
    out = np.zeros(count, dtype=dtype)
    n = min(reader._count, count)
    out[:n] = np.frombuffer(reader._dbfile.get(reader._basepos, n * reader._fixedlen), dtype=dtype)
    return out


def var_bytes_values(reader) -> list[bytes] | None:
    """Every value of a VarBytesColumn from one read of its data (Whoosh's reader reads
    one document at a time); None for a reader of another column type."""
    if not isinstance(reader, VarBytesColumn.Reader):
        return None
    lengths = list(reader._lengths)
    offsets = list(reader._offsets)
    end = max((o + n for o, n in zip(offsets, lengths)), default=0)
    raw = reader._dbfile.get(reader._basepos, end) if end else b""
    return [raw[o:o + n] for o, n in zip(offsets, lengths)]


def per_document_reader(sub):
    """A segment reader's per-document reader (lengths, columns, stored fields), or None
    for a reader of another kind."""
    return getattr(sub, "_perdoc", None)


def length_codes(perdoc, fieldname: str, count: int) -> np.ndarray | None:
    """Each of a segment's `count` documents' length in the field as W3 stores it (one
    byte, 0 where it has none), in one read; None when the field keeps no lengths."""
    reader = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    return None if reader is None else numeric_values(reader, count)


def decode_lengths(codes: np.ndarray) -> np.ndarray:
    """Field lengths as Whoosh's scorers see them: the one-byte codes decoded again."""
    return _LENGTH_OF_CODE[codes]


# -- writing segments ---------------------------------------------------------------------

class _CountingFile(StructFile):
    """A file being written that keeps count of its position: the W3 writers ask for
    it about 55 times an article (each term's start and end, each block, each term
    table entry), and BufferedWriter.tell() costs 0.4 µs: 5 % of writing a segment."""

    def __init__(self, f: StructFile) -> None:
        super().__init__(f.file, name=f._name, onclose=f.onclose)
        self.is_real = False  # write_array through write(), which counts
        self._pos = f.file.tell()

    def write(self, data) -> int:
        n = self.file.write(data)
        self._pos += n
        return n

    def tell(self) -> int:
        return self._pos

    def seek(self, *args) -> int:
        self._pos = self.file.seek(*args)
        return self._pos

    def write_pickle(self, obj, protocol: int = -1) -> None:
        self.write(pickle.dumps(obj, protocol))

    def truncate(self, *args):
        raise NotImplementedError


class _BlockPostingsWriter(W3PostingsWriter):
    """W3's posting writer, keeping a reference to each block's arrays and values
    (Whoosh replaces them after writing a block, never edits them) and where the block
    starts in the postings file."""

    def start_postings(self, format_, terminfo):
        super().start_postings(format_, terminfo)
        self.blocks: list[tuple[int, object, object, list]] = []

    def _write_block(self, last=False):
        at = self._postfile.tell() + (0 if self._blockcount else _POSTINGS_HEADER)
        self.blocks.append((at, self._ids, self._weights, self._values))
        super()._write_block(last)


class BlockCodec(W3Codec):
    """W3Codec (the same files, byte for byte) whose posting writers keep each block's
    arrays for a BlockFieldWriter."""

    def postings_writer(self, dbfile, byteids=False):
        return _BlockPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                    compression=self._compression, inlinelimit=self._inlinelimit)


class BlockFieldWriter(W3FieldWriter):
    """W3's field writer, writing the same bytes (tests/test_codec.py) faster: files
    that count their own position, and add_postings with the posting writer's
    add_posting inlined. Each term written in blocks with at least `min_postings`
    postings is handed, as arrays, to `term_arrays`, which subclasses override."""

    min_postings = 1

    def term_arrays(self, fieldname: str, btext: bytes, ids: np.ndarray, weights: np.ndarray,
                    starts: np.ndarray, offsets: np.ndarray, values: list[bytes], fmt) -> None:
        """A term's document numbers (uint32) and weights (float32), for each block
        its first posting and its offset in the postings file (int64), and its
        postings' values (encoded by the field's format `fmt`; none for a format
        without values)."""

    def create_file(self, ext: str) -> StructFile:
        """A new file of the segment, named with `ext`."""
        return self._create_file(ext)

    def _create_file(self, ext):
        return _CountingFile(super()._create_file(ext))

    def add_postings(self, schema, lengths, items):
        """Whoosh's FieldWriter.add_postings with W3PostingsWriter.add_posting inlined:
        the same steps in the same order, without two method calls and four type
        assertions per posting, a tenth of writing a segment."""
        dfl = lengths.doc_field_length if lengths else (lambda docnum, fieldname: 0)
        lastfn = lasttext = pw = None
        blocklimit = 0
        for fieldname, btext, docnum, weight, value in items:
            if fieldname != lastfn:
                if lastfn is not None and fieldname < lastfn:
                    raise OutOfOrderError(f"Field {lastfn!r} .. {fieldname!r}")
                if lasttext is not None:
                    self.finish_term()
                if lastfn is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                pw = self._postwriter
                blocklimit = pw._blocklimit
                lastfn, lasttext = fieldname, None
            elif lasttext and btext < lasttext:
                raise OutOfOrderError(f"Term {lastfn}:{lasttext!r} .. {fieldname}:{btext!r}")
            if docnum == -1:  # a spelling word (Whoosh's hack): not a posting
                continue
            if btext != lasttext:
                if lasttext is not None:
                    self.finish_term()
                self.start_term(btext)
                lasttext = btext
            length = dfl(docnum, fieldname)
            # W3PostingsWriter.add_posting:
            if len(pw._ids) >= blocklimit:
                pw._write_block()
            pw._ids.append(docnum)
            pw._weights.append(weight)
            if weight > pw._maxweight:
                pw._maxweight = weight
            if value:
                pw._values.append(value)
            if length:
                if pw._minlength is None or length < pw._minlength:
                    pw._minlength = length
                if length > pw._maxlength:
                    pw._maxlength = length
        if lasttext is not None:
            self.finish_term()
        if lastfn is not None:
            self.finish_field()

    def finish_term(self):
        writer = self._postwriter
        super().finish_term()
        blocks = writer.blocks
        if not blocks or writer._byteids:
            return
        if sum(len(ids) for _, ids, _, _ in blocks) < self.min_postings:
            return
        # A block's ids are an array("I") and its weights an array("f").
        ids = np.concatenate([np.frombuffer(ids, dtype=np.uint32) for _, ids, _, _ in blocks])
        weights = np.concatenate([np.frombuffer(w, dtype=np.float32) for _, _, w, _ in blocks])
        sizes = [len(ids) for _, ids, _, _ in blocks]
        starts = np.cumsum([0] + sizes[:-1], dtype=np.int64)
        offsets = np.array([at for at, _, _, _ in blocks], dtype=np.int64)
        values = list(chain.from_iterable(v for _, _, _, v in blocks))
        self.term_arrays(self._fieldname, self._btext, ids, weights, starts, offsets, values,
                         self._fieldobj.format)


class _LeanPool(PostingPool):
    """Whoosh's posting pool without the per-posting type checks and field name set,
    with the same memory estimate in one addition."""

    def add(self, item):
        self.currentsize += 170 + len(item[1]) * 2 + len(item[4] or b"")
        if self.currentsize > self.limit:
            self.save()
        self.current.append(item)


class _Lengths:
    """The field lengths of a segment just written, read once per field into memory:
    the posting writer asks for a length per posting, and each answer from the column
    on disk costs a file read. Answers as W3PerDocReader.doc_field_length does."""

    def __init__(self, pdr) -> None:
        self.pdr = pdr
        self.count = pdr.doc_count_all()
        self.fields: dict[str, bytes | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0):
        if fieldname in self.fields:
            codes = self.fields[fieldname]
        else:
            found = length_codes(self.pdr, fieldname, self.count)
            codes = self.fields[fieldname] = None if found is None else found.tobytes()
        if codes is None:  # the field keeps no lengths
            return default
        code = codes[docnum]
        return _BYTE_TO_LENGTH[code] if code else None


class _FastSegmentWriter(SegmentWriter):
    """SegmentWriter with the lean pool, whose posting writer reads field lengths from
    memory (its _flush_segment, with _Lengths around the per-document reader)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pool = self.pool
        self.pool = _LeanPool(pool.tempstore, pool.segment, limitmb=pool.limit // (1024 * 1024))

    def _flush_segment(self):
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        postings = self.pool.iter_postings()
        self.fieldwriter.add_postings(self.schema, _Lengths(pdr) if pdr else None, postings)
        self.fieldwriter.close()
        if pdr:
            pdr.close()


def stored_as(doc: dict, **stored) -> dict:
    """A document whose fields are indexed from its values but stored as `stored`'s
    (Whoosh's `_stored_<field>` keys of add_document)."""
    doc.update({f"_stored_{name}": value for name, value in stored.items()})
    return doc


def segment_writer(ix, lock: bool = True, **kwargs) -> SegmentWriter:
    """A Whoosh SegmentWriter (same files, same bytes) that adds documents faster;
    with lock=False it does not take the index's write lock (a worker writing a
    segment for a parent that holds it)."""
    return _FastSegmentWriter(ix, _lk=lock, **kwargs)


def finish_segment(writer: SegmentWriter):
    """Write out the writer's segment and return it, listed in no TOC yet. The
    writer's temporary folder stays: every writer of the index shares it, and the
    committing writer removes it."""
    return writer._finalize_segment()


def commit_segments(writer: SegmentWriter, segments: list) -> None:
    """Commit `segments` (written by other writers, see finish_segment) as the index's
    new TOC with the writer, which added nothing itself, and release its lock."""
    writer._close_segment()
    writer._commit_toc(segments)
    writer._finish()


# -- searching -------------------------------------------------------------------------------

def bm25_b(weighting, fieldname: str) -> float:
    """The B parameter a whoosh.scoring.BM25F uses for the field (`<field>_B=`, else B)."""
    return weighting._field_B.get(fieldname, weighting.B)


def term_texts(node, reader) -> Iterator[bytes]:
    """The index's words a multi-term query (wildcard, prefix, fuzzy term, range)
    stands for, as term bytes, in order."""
    return node._btexts(reader)


def corrector(reader, fieldname: str, candidates: Callable[[str, int, int], Iterable[str]]) -> ReaderCorrector:
    """Whoosh's ReaderCorrector (candidates ranked as it ranks them: by edit distance,
    then frequency) over the words `candidates(text, maxdist, prefix)` gives, instead
    of walking the field's term table."""

    class WordListCorrector(ReaderCorrector):
        def _suggestions(self, text, maxdist, prefix):
            freq = self.reader.frequency
            for word in candidates(text, maxdist, prefix):
                f = freq(self.fieldname, word) or 1
                yield 0 - (maxdist + (1.0 / f * 0.5)), word

    return WordListCorrector(reader, fieldname, reader.schema[fieldname])


class TopCollector(collectors.TopCollector):
    """Whoosh's TopCollector calling `on_match(global_docnum)` for every match before
    scoring it in (Whoosh's hook for that is its private _collect)."""

    def on_match(self, global_docnum: int) -> None:
        """Called for each match, with its document number in the whole index."""

    def _collect(self, global_docnum, score):
        self.on_match(global_docnum)
        return super()._collect(global_docnum, score)


class UnlimitedCollector(collectors.UnlimitedCollector):
    """Whoosh's UnlimitedCollector calling `on_match(global_docnum)` for every match."""

    def on_match(self, global_docnum: int) -> None:
        """Called for each match, with its document number in the whole index."""

    def _collect(self, global_docnum, score):
        self.on_match(global_docnum)
        return super()._collect(global_docnum, score)


class Highlighter(highlight.Highlighter):
    """Whoosh's Highlighter taking the matched words' character ranges for pinpoint
    highlighting from `word_chars` (Whoosh reads them in its private _load_chars)."""

    def word_chars(self, results, fieldname: str, texts, to_bytes) -> dict[int, dict[str, list]]:
        """For each document of results.top_n: matched word -> its (position, startchar,
        endchar) in the field."""
        raise NotImplementedError

    def _load_chars(self, results, fieldname, texts, to_bytes):
        results._char_cache[fieldname] = self.word_chars(results, fieldname, texts, to_bytes)


class Formatter(highlight.Formatter):
    """Whoosh's Formatter writing the text between matched words through `plain`
    (Whoosh's hook for that is its private _text)."""

    def plain(self, text: str) -> str:
        """Text outside the matched words, as it goes into the output."""
        return text

    def _text(self, text):
        return self.plain(text)


class PinpointFragmenter(highlight.PinpointFragmenter):
    """Whoosh's PinpointFragmenter trimming fragments (autotrim) with `trim` (Whoosh's
    hook for that is its private _autotrim)."""

    @staticmethod
    def trim(fragment) -> None:
        """Move the fragment's startchar and endchar to word boundaries (Whoosh's way)."""
        highlight.PinpointFragmenter._autotrim(fragment)

    def _autotrim(self, fragment):
        self.trim(fragment)
