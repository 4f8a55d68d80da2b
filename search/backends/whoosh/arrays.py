"""Per-segment numpy arrays, and a vectorised evaluator for the queries most searches are.

Whoosh walks every match in Python (2-3 µs a document), which is what makes a common
word slow on 100,000 articles. For queries built of terms, phrases, AND, OR, NOT and
the country/date filters, this module finds the same matches and computes the same
BM25F scores (the formula of whoosh.scoring.BM25F, same statistics, same order of
operations) with numpy over posting lists read a block at a time; phrases decode the
positions of only the documents that have every word. Anything else (fuzzy terms,
wildcards) raises Unsupported and goes through Whoosh's matchers as before.
tests/test_arrays.py compares both on random queries.

Segment arrays (field lengths, decoded postings of recent terms) are keyed by segment
id, so a reindex that adds one small segment leaves the big ones' arrays in place."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator

import numpy as np
from whoosh import matching, query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F

from . import codec, internals, positions
from .lexicon import Lexicon
from .scoring import ProbabilisticBM25F

__all__ = ["Unsupported", "IndexArrays", "Matches"]

POSTINGS_CACHE_BYTES = 40 * 1024 * 1024  # decoded posting lists kept per worker (32-bit arrays)
DF_MEMO_ENTRIES = 50_000  # words whose document frequency a searcher remembers
MAX_SLOP = 64  # phrases with a wider slop go through Whoosh's matchers
_POS_BITS = 31  # phrase matching keys: document number << 31 | position


class Unsupported(Exception):
    """A query shape the vectorised evaluator does not compute; Whoosh will."""


class Matches:
    """Which documents match (a boolean mask over the whole index) and their scores."""

    __slots__ = ("mask", "scores")

    def __init__(self, mask: np.ndarray, scores: np.ndarray | None) -> None:
        self.mask = mask
        self.scores = scores


class _SegmentCache:
    """Decoded data of segments, shared by every searcher of the process: a segment
    never changes once written (only its deletions do, and those are read per searcher)."""

    def __init__(self, budget: int = POSTINGS_CACHE_BYTES) -> None:
        self.data: dict[tuple[str, str], np.ndarray] = {}
        self.postings: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self.budget = budget
        self.used = 0
        self.lock = threading.Lock()

    def forget_except(self, segment_ids: set[str]) -> None:
        with self.lock:
            for key in [k for k in self.data if k[0] not in segment_ids]:
                del self.data[key]
            for key in [k for k in self.postings if k[0] not in segment_ids]:
                self.used -= _nbytes(self.postings.pop(key))

    def get_postings(self, key):
        with self.lock:
            found = self.postings.get(key)
            if found is not None:
                self.postings.move_to_end(key)
            return found

    def put_postings(self, key, value) -> None:
        size = _nbytes(value)
        if size > self.budget // 4:
            return
        with self.lock:
            if key in self.postings:
                return
            self.postings[key] = value
            self.used += size
            while self.used > self.budget and self.postings:
                self.used -= _nbytes(self.postings.popitem(last=False)[1])


SEGMENTS = _SegmentCache()


_NO_BLOCKS = (np.empty(0, np.int64), np.empty(0, np.int64))
_NO_POSTINGS = (np.empty(0, np.int64), np.empty(0, np.float64), _NO_BLOCKS)


def _leaf(sub, fieldname: str, btext: bytes):
    """The segment's own posting reader of a term (below any deletion filter)."""
    m = sub.postings(fieldname, btext)
    while not isinstance(m, W3LeafMatcher):
        child = getattr(m, "child", None)
        if child is None:
            return m
        m = child
    return m


def _compact(ids: np.ndarray, weights: np.ndarray, blocks: tuple) -> tuple:
    """Postings as kept in the cache: 32-bit document numbers, and 32-bit weights
    when that loses nothing (term frequencies do not): twice as many words cached."""
    if len(ids) and ids[-1] < 2**31:
        ids = ids.astype(np.int32)
    small = weights.astype(np.float32)
    if np.array_equal(small, weights):
        weights = small
    return ids, weights, blocks


def _walk(sub, fieldname: str, btext: bytes) -> tuple[list, list, list]:
    """Every posting's (document, weight, raw value), walking Whoosh's matcher (deleted
    documents included): for postings not in W3 blocks."""
    m = _leaf(sub, fieldname, btext)
    ids, weights, values = [], [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        values.append(m.value())
        m.next()
    return ids, weights, values


def read_postings(sub, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Document numbers (within the segment, deleted ones included) and weights of one
    term, decoded a block at a time instead of one posting at a time; and where each
    block starts (index of its first posting, file offset) to fetch values later."""
    stored = codec.postings(sub, fieldname, btext)  # frequent words, as arrays
    if stored is not None:
        return stored
    try:
        found = internals.block_postings(sub, fieldname, btext)
        if found is None:  # inlined postings or another codec: walk Whoosh's matcher
            ids, weights, _values = _walk(sub, fieldname, btext)
            found = np.array(ids, np.int64), np.array(weights, np.float64), _NO_BLOCKS
    except TermNotFound:
        return _NO_POSTINGS
    return found


def _nbytes(value) -> int:
    return value[0].nbytes + value[1].nbytes + value[2][0].nbytes + value[2][1].nbytes


class IndexArrays:
    """Arrays over the global document numbers of one searcher."""

    def __init__(self, searcher, cache: _SegmentCache = SEGMENTS) -> None:
        self.searcher = searcher
        self.cache = cache
        reader = searcher.reader()
        self.n = reader.doc_count_all()
        self.leaves = list(reader.leaf_readers())
        self.segment_ids = [self._segment_id(sub) for sub, _ in self.leaves]
        cache.forget_except(set(self.segment_ids))
        self.live = np.ones(self.n, dtype=bool)
        for sub, offset in self.leaves:
            if sub.has_deletions():
                dead = [d for d in range(sub.doc_count_all()) if sub.is_deleted(d)] \
                    if not hasattr(sub.segment(), "deleted_docs") else list(sub.segment().deleted_docs())
                self.live[np.array(dead, dtype=np.int64) + offset] = False
        self._length_codes: dict[str, np.ndarray] = {}
        self._stats: dict[str, float] = {}
        self._phrases: dict[tuple, np.ndarray] = {}
        self._df: dict[tuple[str, bytes], int] = {}
        self._lexicons: dict[str, Lexicon] = {}

    @staticmethod
    def _segment_id(sub) -> str:
        seg = getattr(sub, "segment", None)
        seg = seg() if callable(seg) else seg
        return seg.segment_id() if seg is not None else str(id(sub))

    # -- per-document data -------------------------------------------------------

    def field_lengths(self, fieldname: str, ids: np.ndarray | None = None) -> np.ndarray:
        """The documents' lengths in the field (all, or those of `ids`), as Whoosh's scorers
        see them: the one-byte codes decoded again. Kept as the codes, decoded per query:
        decoded, two fields took 16 MB a worker at 1,000,000 articles, the codes 2."""
        codes = self._length_codes.get(fieldname)
        if codes is None:
            parts = []
            for (sub, _offset), seg_id in zip(self.leaves, self.segment_ids):
                key = (seg_id, fieldname)
                found = self.cache.data.get(key)
                if found is None:
                    found = _length_codes(sub, fieldname)
                    self.cache.data[key] = found
                parts.append(found)
            codes = np.concatenate(parts) if parts else np.empty(0, np.uint8)
            self._length_codes[fieldname] = codes
        return internals.decode_lengths(codes if ids is None else codes[ids])

    def _segment_postings(self, sub, seg_id: str, fieldname: str, btext: bytes):
        key = (seg_id, fieldname, btext)
        found = self.cache.get_postings(key)
        if found is None:
            found = _compact(*read_postings(sub, fieldname, btext))
            self.cache.put_postings(key, found)
        return found

    def postings(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """Global document numbers (live ones only) and weights of a term. Its document
        frequency comes free (deleted documents count, as in Whoosh's): remembered."""
        parts, offsets = [], []
        for (sub, offset), seg_id in zip(self.leaves, self.segment_ids):
            found = self._segment_postings(sub, seg_id, fieldname, btext)
            if len(found[0]):
                parts.append(found)
                offsets.append(offset)
        sizes = [len(p[0]) for p in parts]
        self._remember_df((fieldname, btext), sum(sizes))
        if not parts:
            return np.empty(0, np.int64), np.empty(0, np.float64)
        # Joined, then made global in one step each (not per segment: 100 at 1,000,000 articles).
        ids = np.concatenate([p[0] for p in parts], dtype=np.int64)
        ids += np.repeat(np.array(offsets, np.int64), sizes)
        weights = np.concatenate([p[1] for p in parts], dtype=np.float64)
        keep = self.live[ids]
        if not keep.all():
            ids, weights = ids[keep], weights[keep]
        return ids, weights

    def characters(self, fieldname: str, btext: bytes, docnums: list[int]) -> dict[int, list]:
        """The (position, startchar, endchar) of a term in each given document that
        contains it: for a frequent word from the codec's columns, else from just the
        posting blocks that hold them (Whoosh's highlighter skips through every block
        before them, reading each block's header)."""
        decode = self.searcher.schema[fieldname].format.decoder("characters")
        wanted = np.array(sorted(docnums), dtype=np.int64)
        out: dict[int, list] = {}
        for i, local in self._by_segment(wanted):
            offset = self.leaves[i][1]
            found = self._occurrences(i, fieldname, btext, local, chars=True)
            if found is None:
                docs, values = self._values(i, fieldname, btext, local)
                for doc, value in zip(docs, values):
                    out[doc + offset] = decode(value)
                continue
            docs, counts, rows = found
            triples = list(map(tuple, rows.tolist()))
            end = 0
            for doc, count in zip(docs.tolist(), counts.tolist()):
                out[doc + offset] = triples[end:end + count]
                end += count
        return out

    def _by_segment(self, wanted: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
        """(segment, the given documents in it as its own numbers) for each segment
        holding some of `wanted` (global numbers, sorted)."""
        bounds = [offset for _, offset in self.leaves] + [self.n]
        for i, (_sub, offset) in enumerate(self.leaves):
            local = wanted[(wanted >= offset) & (wanted < bounds[i + 1])] - offset
            if len(local):
                yield i, local

    def _values(self, i: int, fieldname: str, btext: bytes, local: np.ndarray) -> tuple[list[int], list]:
        """The raw posting values of a term in those of the given documents of segment
        `i` (its own numbers, sorted) that contain it: (those documents, their values)."""
        (sub, _offset), seg_id = self.leaves[i], self.segment_ids[i]
        ids, _, (starts, block_offsets) = self._segment_postings(sub, seg_id, fieldname, btext)
        at, found = _locate(ids, local)
        docs, at = local[found].tolist(), at[found]
        if not docs:
            return [], []
        postfile = internals.postings_file(sub)
        if not len(starts) or postfile is None \
                or self.searcher.schema[fieldname].format.fixed_value_size() not in (None, -1):
            # Inlined postings (a word in one document of the segment), another
            # codec or fixed-size values: take the values from Whoosh's matcher.
            values = _walk(sub, fieldname, btext)[2]
            return docs, [values[index] for index in at.tolist()]
        out = []
        current = -1
        block_values: list = []
        first = 0
        for index, block in zip(at.tolist(), (np.searchsorted(starts, at, side="right") - 1).tolist()):
            if block != current:
                block_values = internals.block_values(postfile, int(block_offsets[block]))
                first = int(starts[block])
                current = block
            out.append(block_values[index - first])
        return docs, out

    def _occurrences(self, i: int, fieldname: str, btext: bytes, local: np.ndarray,
                     chars: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """From the codec's columns, a term's occurrences in those of the given
        documents of segment `i` (its own numbers, sorted) that contain it: (those
        documents, occurrences in each, one row per occurrence: (position,) or with
        `chars` (position, startchar, endchar)); None when the columns lack the word."""
        sub, seg_id = self.leaves[i][0], self.segment_ids[i]
        column = codec.occurrences(sub, fieldname, btext, chars)
        if column is None:
            return None
        all_counts, all_rows = column
        at, found = _locate(self._segment_postings(sub, seg_id, fieldname, btext)[0], local)
        at = at[found]
        counts = all_counts[at]
        firsts = (np.cumsum(all_counts) - all_counts)[at]
        rows = all_rows[np.repeat(firsts - (np.cumsum(counts) - counts), counts) + np.arange(counts.sum())]
        return local[found], counts, rows

    def _positions(self, fieldname: str, btext: bytes, record: int,
                   wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A term's positions in each of the given documents (global numbers, sorted,
        each containing it): (occurrences per document, every position, document after
        document). Frequent words' positions come from the codec's columns, the others'
        from their posting blocks, decoded in bulk."""
        count_parts, flat_parts = [], []
        for i, local in self._by_segment(wanted):
            found = self._occurrences(i, fieldname, btext, local)
            if found is None:
                counts, rows = positions.bulk_records(self._values(i, fieldname, btext, local)[1], record)
            else:
                _docs, counts, rows = found
            count_parts.append(counts)
            flat_parts.append(rows[:, 0])
        if not count_parts:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(count_parts), np.concatenate(flat_parts)

    def _phrase_mask(self, fieldname: str, btexts: tuple[bytes, ...], slop: int) -> np.ndarray:
        """Documents where the words occur in order, each 1 to `slop` positions after
        the one before: what Whoosh's SpanNear2 (ordered, mindist 1) accepts, since
        only the end of a partial span decides where the next word may be. Positions
        are read only for the documents that have every word (and, word after word,
        still have a partial match)."""
        key = (fieldname, btexts, slop)
        found = self._phrases.get(key)
        if found is not None:
            return found
        mask = np.zeros(self.n, dtype=bool)
        record = positions.record_of(self.searcher.schema[fieldname].format)
        cand = None
        for btext in btexts:
            ids = self.postings(fieldname, btext)[0]
            if cand is None:
                cand = ids
            else:
                having = np.zeros(self.n, dtype=bool)
                having[cand] = True
                cand = ids[having[ids]]
        ends = None
        for btext in btexts:
            if not len(cand):
                break
            counts, flat = self._positions(fieldname, btext, record, cand)
            # Sorted and distinct: documents in order, a word's positions rising.
            keys = (np.repeat(cand, counts) << _POS_BITS) + flat
            if ends is None:
                ends = keys
            elif slop == 1:
                ends = _common(ends + 1, keys)
            else:
                ends = np.unique(np.concatenate([_common(ends + d, keys) for d in range(1, slop + 1)]))
            cand = _distinct(ends >> _POS_BITS)
        if cand is not None and len(cand):
            mask[cand] = True
        if len(self._phrases) >= 16:
            self._phrases.clear()
        self._phrases[key] = mask
        return mask

    def _phrase(self, q, scored: bool) -> Matches:
        schema = self.searcher.schema
        none = Matches(np.zeros(self.n, dtype=bool), np.zeros(self.n) if scored else None)
        if q.fieldname not in schema:
            return none
        field = schema[q.fieldname]
        if not q.words or positions.record_of(field.format) is None:
            raise Unsupported("phrase in a field of another format")
        if not 1 <= q.slop <= MAX_SLOP:
            raise Unsupported("phrase slop")
        try:
            btexts = tuple(field.to_bytes(w) for w in q.words)
        except ValueError:
            return none
        mask = self._phrase_mask(q.fieldname, btexts, q.slop)
        if not scored:
            return Matches(mask, None)
        if not field.scorable or not isinstance(self.searcher.weighting, BM25F):
            raise Unsupported(f"scoring of {q.fieldname}")
        # Whoosh scores a phrase as the intersection of its words' term matchers: a
        # binary tree of sums (make_binary_tree), then the phrase's boost. Each word's
        # BM25F is computed for the phrase's matches only (all have every word).
        matched = np.flatnonzero(mask)
        parts = []
        for word, btext in zip(q.words, btexts):
            ids, weights = self.postings(q.fieldname, btext)
            parts.append(self._bm25(q.fieldname, word, weights[np.searchsorted(ids, matched)], matched))

        def tree(xs):
            if len(xs) == 1:
                return xs[0]
            half = len(xs) // 2
            return tree(xs[:half]) + tree(xs[half:])

        scores = np.zeros(self.n)
        scores[matched] = tree(parts)
        return self._boosted(Matches(mask, scores), q.boost, scored)

    def doc_frequency(self, fieldname: str, text: str) -> int:
        """The reader's doc_frequency, remembered for this searcher (or known from the
        postings read): feedback asks it for dozens of words a query and scoring for
        each word, each a hash lookup in every segment, 100 at 1,000,000 articles."""
        key = (fieldname, self.searcher.schema[fieldname].to_bytes(text))
        found = self._df.get(key)
        if found is None:
            found = self.searcher.reader().doc_frequency(fieldname, key[1])
            self._remember_df(key, found)
        return found

    def _remember_df(self, key: tuple[str, bytes], df: int) -> None:
        if len(self._df) >= DF_MEMO_ENTRIES:
            self._df.clear()
        self._df[key] = df

    def idf(self, fieldname: str, text: str) -> float:
        """The weighting's IDF of a word, from the remembered document frequency when the
        weighting is the product's (any other BM25F through Whoosh's lookups)."""
        w = self.searcher.weighting
        if isinstance(w, ProbabilisticBM25F):
            return w.idf_of(self.doc_frequency(fieldname, text), self.n)
        return self.searcher.idf(fieldname, text)

    def mask_of(self, docs) -> np.ndarray:
        mask = np.zeros(self.n, dtype=bool)
        if len(docs):
            mask[np.fromiter(docs, dtype=np.int64, count=len(docs))] = True
        return mask

    # -- evaluating a query --------------------------------------------------------

    def evaluate(self, q, scored: bool = True, within: np.ndarray | None = None) -> Matches:
        """The matches of q and, when scored, Whoosh's BM25F score of each; with `within`
        (a mask), exact only inside it: terms are scored there only. AndMaybe scores its
        right side within its left side's matches, so a relaxed query's ten expansion
        terms are scored on the articles with the user's words, not on every article."""
        kind = type(q)
        boost = getattr(q, "boost", 1.0)
        if kind is wq.Term:
            return self._term(q, scored, within)
        if kind is wq.Phrase:
            return self._phrase(q, scored)
        if kind is wq.And or kind is wq.Or:
            if kind is wq.And and any(type(c) is wq.Not for c in q.subqueries):
                positive = [c for c in q.subqueries if type(c) is not wq.Not]
                negative = [c.query for c in q.subqueries if type(c) is wq.Not]
                if not positive:
                    raise Unsupported("only negative clauses")
                pos = wq.And(positive) if len(positive) > 1 else positive[0]
                m = self._and_not(pos, wq.Or(negative), scored)
                if scored:
                    # Whoosh intersects with an InverseMatcher per NOT, whose score is
                    # 1.0: every match gets +1 per NOT (the order is unchanged).
                    m.scores[m.mask] += float(len(negative))
                return self._boosted(m, boost, scored)
            parts = [self.evaluate(c, scored, within) for c in q.subqueries]
            if not parts:
                raise Unsupported("empty group")
            mask = parts[0].mask.copy()
            for p in parts[1:]:
                if kind is wq.And:
                    mask &= p.mask
                else:
                    mask |= p.mask
            scores = None
            if scored:
                scores = np.zeros(self.n)
                for p in parts:
                    scores += p.scores
                scores[~mask] = 0.0
            return self._boosted(Matches(mask, scores), boost, scored)
        if kind is MaskQuery:
            return Matches(q.mask.copy(), np.zeros(self.n) if scored else None)
        if kind is wq.Not:
            raise Unsupported("NOT outside an AND")
        if kind is wq.AndNot:
            return self._boosted(self._and_not(q.a, q.b, scored), boost, scored)
        if kind is wq.AndMaybe:
            # Whoosh's AndMaybeMatcher: the matches of a; b adds its score where it matches too.
            a = self.evaluate(q.a, scored, within)
            if scored:
                b = self.evaluate(q.b, scored, a.mask)
                scores = a.scores + np.where(a.mask & b.mask, b.scores, 0.0)
                return self._boosted(Matches(a.mask, scores), boost, scored)
            return a
        if kind is wq.Every and not q.fieldname:
            return Matches(self.live.copy(), np.where(self.live, 1.0, 0.0) if scored else None)
        if kind is wq.NullQuery.__class__ or q is wq.NullQuery:
            return Matches(np.zeros(self.n, dtype=bool), np.zeros(self.n) if scored else None)
        raise Unsupported(type(q).__name__)

    def _boosted(self, m: Matches, boost: float, scored: bool) -> Matches:
        if scored and boost != 1.0:
            m.scores = m.scores * boost
        return m

    def _and_not(self, a, b, scored: bool) -> Matches:
        pos = self.evaluate(a, scored)
        neg = self.evaluate(b, scored=False)
        mask = pos.mask & ~neg.mask
        scores = None
        if scored:
            scores = pos.scores.copy()
            scores[~mask] = 0.0
        return Matches(mask, scores)

    def _term(self, q, scored: bool, within: np.ndarray | None = None) -> Matches:
        schema = self.searcher.schema
        if q.fieldname not in schema:
            return Matches(np.zeros(self.n, dtype=bool), np.zeros(self.n) if scored else None)
        field = schema[q.fieldname]
        try:
            btext = field.to_bytes(q.text)
        except ValueError:
            return Matches(np.zeros(self.n, dtype=bool), np.zeros(self.n) if scored else None)
        ids, weights = self.postings(q.fieldname, btext)
        if within is not None:
            keep = within[ids]
            ids, weights = ids[keep], weights[keep]
        mask = np.zeros(self.n, dtype=bool)
        mask[ids] = True
        if not scored:
            return Matches(mask, None)
        if not field.scorable or not isinstance(self.searcher.weighting, BM25F):
            raise Unsupported(f"scoring of {q.fieldname}")
        scores = np.zeros(self.n)
        if len(ids):
            scores[ids] = self._bm25(q.fieldname, q.text, weights, ids) * (q.boost if q.boost != 1.0 else 1.0)
        return Matches(mask, scores)

    def lexicon(self, fieldname: str) -> Lexicon:
        """The field's words as one sorted list, read once for this searcher."""
        found = self._lexicons.get(fieldname)
        if found is None:
            found = self._lexicons[fieldname] = Lexicon(self.searcher.reader(), fieldname)
        return found

    def _bm25(self, fieldname: str, text, tf: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """whoosh.scoring.bm25 over arrays, with the statistics BM25FScorer reads."""
        s = self.searcher
        w = s.weighting
        idf = self.idf(fieldname, text)
        avgfl = s.avg_field_length(fieldname) or 1
        B = internals.bm25_b(w, fieldname)
        K1 = w.K1
        fl = self.field_lengths(fieldname, ids)
        return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))

    # -- the top of a ranking --------------------------------------------------------

    @staticmethod
    def top(m: Matches, limit: int) -> list[tuple[float, int]]:
        """The best `limit` matches as (score, docnum), highest score first and the
        lower document number first among equal scores, as Whoosh's TopCollector."""
        ids = np.flatnonzero(m.mask)
        if not len(ids) or limit <= 0:
            return []
        scores = m.scores[ids]
        if len(ids) > limit:
            kth = np.partition(scores, len(ids) - limit)[len(ids) - limit]
            keep = scores >= kth
            ids, scores = ids[keep], scores[keep]
        order = np.lexsort((ids, -scores))[:limit]
        return [(float(scores[i]), int(ids[i])) for i in order]

    def matched_terms(self, q, docnums: list[int]) -> tuple[dict, dict]:
        """Whoosh's TermsCollector answer for the given documents only: which of the
        query's (field, term) pairs each contains, for the snippets."""
        docterms: dict[int, list] = {d: [] for d in docnums}
        termdocs: dict[tuple, list[int]] = {}
        if not docnums:
            return docterms, termdocs
        wanted = np.array(sorted(docnums), dtype=np.int64)
        schema = self.searcher.schema
        for fieldname, text, phrase in _positive_leaf_terms(q):
            if fieldname not in schema:
                continue
            btext = schema[fieldname].to_bytes(text)
            if phrase is None:
                ids, _ = self.postings(fieldname, btext)
                hit = wanted[np.isin(wanted, ids, assume_unique=True)]
            else:  # a phrase's words count where the phrase matches
                hit = wanted[self._phrase(phrase, scored=False).mask[wanted]]
            if not len(hit):
                continue
            known = termdocs.get((fieldname, btext))
            if known is None:
                termdocs[(fieldname, btext)] = [int(d) for d in hit]
                for d in hit:
                    docterms[int(d)].append((fieldname, btext))
            else:  # the same word again (a term and a phrase): union
                seen = set(known)
                new = [int(d) for d in hit.tolist() if d not in seen]
                for d in new:
                    docterms[d].append((fieldname, btext))
                termdocs[(fieldname, btext)] = sorted(known + new)
        return docterms, termdocs


class MaskQuery(wq.Query):
    """The documents of a precomputed mask, each scoring 0: a filter for queries that
    Whoosh's matchers answer (phrases...), computed with numpy. A ConstantScoreQuery
    is no substitute: under the TermsCollector Whoosh hands back its child's matcher,
    scores and all; a query for the filter would also walk every filtered document."""

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask
        self.boost = 1.0

    def __repr__(self) -> str:
        return f"MaskQuery({int(self.mask.sum())} documents)"

    def __eq__(self, other) -> bool:
        return type(other) is MaskQuery and other.mask is self.mask

    def __hash__(self) -> int:
        return id(self.mask)

    def is_leaf(self) -> bool:
        return True

    def terms(self, phrases=False):
        return iter(())

    def estimate_size(self, ixreader) -> int:
        return int(self.mask.sum())

    def matcher(self, searcher, context=None):
        parent = searcher.get_parent()
        offset = 0 if parent is searcher else next(o for s, o in parent.leaf_searchers() if s is searcher)
        count = searcher.reader().doc_count_all()
        ids = np.flatnonzero(self.mask[offset: offset + count]).tolist()
        if not ids:
            return matching.NullMatcher()
        # weights, not all_weights: ListMatcher treats all_weights=0.0 as "not given" (1.0).
        return matching.ListMatcher(ids, weights=[0.0] * len(ids))


def _locate(ids: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of `wanted` is or would be in the sorted `ids`, and whether it is there."""
    at = np.searchsorted(ids, wanted)
    found = (at < len(ids)) & (ids[np.minimum(at, len(ids) - 1)] == wanted) if len(ids) else at < 0
    return at, found


def _common(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The numbers in both of two sorted arrays of distinct numbers, sorted: a binary
    search of the shorter's in the longer (np.intersect1d sorts both again)."""
    if len(a) > len(b):
        a, b = b, a
    return a[_locate(b, a)[1]]


def _distinct(x: np.ndarray) -> np.ndarray:
    """A sorted array without its repeats (np.unique sorts it again)."""
    return x[np.concatenate(([True], x[1:] != x[:-1]))] if len(x) else x


def _positive_leaf_terms(q) -> list[tuple[str, str, object]]:
    """(field, word, the phrase it belongs to or None) of the words a match may contain."""
    out = []

    def walk(node):
        kind = type(node)
        if kind is wq.Not or kind is MaskQuery:
            return
        if kind is wq.AndNot:
            walk(node.a)
            return
        if kind is wq.Term:
            entry = (node.fieldname, node.text, None)
            if entry not in out:
                out.append(entry)
            return
        if kind is wq.Phrase:
            for word in node.words:
                entry = (node.fieldname, word, node)
                if entry not in out:
                    out.append(entry)
            return
        for child in node.children():
            walk(child)

    walk(q)
    return out


def _length_codes(sub, fieldname: str) -> np.ndarray:
    """The one-byte field lengths of a segment's documents, read in one go (zeros when
    the field keeps none)."""
    count = sub.doc_count_all()
    perdoc = internals.per_document_reader(sub)
    codes = internals.length_codes(perdoc, fieldname, count) if perdoc is not None else None
    return np.zeros(count, dtype=np.uint8) if codes is None else codes
