"""Facet counts by country, language and date over every match, not just the page shown.

Per segment, each document's countries, language and day are read once from the inverted
index into numpy arrays; a query then counts its matches with a few vectorised
operations over its match mask, instead of Whoosh rebuilding facet tables (or
Python walking every match) on every search."""

from __future__ import annotations

import bisect
import hashlib
import os
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np

from . import internals
from ...ingest.languages import language_code
from .arrays import IndexArrays, read_postings

UNDATED_DAY = np.int32(-(2**31))  # day numbers: days since 1970-01-01
_NEWEST = np.uint64(2**64 - 1)  # newest first: sort (max - time) ascending
# Document numbers and story codes in 32 bits (Whoosh's segments hold far fewer
# documents): in 64 the tables took 70 MB a worker at 1,000,000 articles, now 40.
DOC = np.int32


class FacetTables:
    """Each document's countries, language, day, publication time and story as numpy arrays,
    built once per searcher from per-segment parts (cached by segment id, so a reindex
    reads only its new segment); a query's facets are then a few vectorised counts
    over its match mask."""

    _last: tuple[tuple, "FacetTables"] | None = None

    @classmethod
    def of(cls, arrays: IndexArrays, folder: Path | None = None) -> "FacetTables":
        """The tables of these segments with these deletions: the last ones built when
        they are the same (a gunicorn worker inherits the master's after fork), else
        the ones the indexer saved for this state, else built from the segments' parts."""
        key = _state_key(arrays)
        last = cls._last
        if last is not None and last[0] == key:
            return last[1]
        tables = cls.load(folder, key) if folder is not None else None
        if tables is None:
            tables = cls(arrays, folder)
        cls._last = (key, tables)
        return tables

    def __init__(self, arrays: IndexArrays, folder: Path | None = None) -> None:
        # No reference to `arrays` (nor its searcher) is kept: the last tables are
        # remembered by the class, and must not hold an old index's files open.
        parts = [_segment_facets(sub, seg_id, arrays.cache, folder) for (sub, _), seg_id
                 in zip(arrays.leaves, arrays.segment_ids)]
        offsets = [offset for _, offset in arrays.leaves]
        n = arrays.n
        # Countries as (document, country) pairs.
        pair_docs = [p["pair_docs"].astype(np.int64) + off for p, off in zip(parts, offsets)]
        pair_codes = [p["pair_codes"] for p in parts]
        self.pair_docs = np.concatenate(pair_docs).astype(DOC) if pair_docs else np.empty(0, DOC)
        codes = np.concatenate(pair_codes) if pair_codes else np.empty(0, "U3")
        self.country_codes, pair_country = np.unique(codes, return_inverse=True)
        self.pair_country = pair_country.astype(np.int16)
        self.country_codes = [str(c) for c in self.country_codes]
        # Each document's language as an index into language_codes (ISO 639-1), -1: none.
        langs = np.concatenate([p["lang_codes"] for p in parts]) if parts else np.empty(0, "U3")
        codes, inverse = np.unique(langs, return_inverse=True)
        known = codes != ""
        self.language_codes = [str(c) for c in codes[known]]
        remap = np.cumsum(known).astype(np.int16) - 1
        remap[~known] = -1
        self.language_index = remap[inverse].astype(np.int16) if len(codes) else np.full(n, -1, np.int16)
        # Days as indexes into a sorted list of ISO days, -1 where undated.
        days = np.concatenate([p["day_numbers"] for p in parts]) if parts else np.empty(0, np.int32)
        dated = days != UNDATED_DAY
        values, inverse = np.unique(days[dated], return_inverse=True)
        self.day_values = values.astype("datetime64[D]").astype(str).tolist()
        self.day_index = np.full(n, -1, dtype=np.int32)
        self.day_index[dated] = inverse
        # Raw sortable publication times (meaningless where undated).
        self.published = np.concatenate([p["published"] for p in parts]) if parts else np.empty(0, np.uint64)
        # Each article's story (wire copies share one), as small integers; stories
        # arrive as 64-bit hashes of their names (sorting numbers, not strings).
        keys = np.concatenate([p["story_keys"] for p in parts]) if parts else np.empty(0, np.uint64)
        missing = keys == 0
        if missing.any():  # an article without a story is its own
            keys = keys.copy()
            keys[missing] = np.uint64(2**63) + np.flatnonzero(missing).astype(np.uint64)
        uniques, story_code = np.unique(keys, return_inverse=True)
        self.story_code = story_code.astype(DOC)
        self.n_stories = len(uniques)
        # Documents grouped by story (index order within each), to list a hit's copies
        # without a pass over every document.
        self._by_story = np.argsort(self.story_code, kind="stable").astype(DOC)
        self._story_sorted = self.story_code[self._by_story]

    _SAVED = {"pair_docs": DOC, "pair_country": np.int16, "language_index": np.int16, "day_index": np.int32,
              "published": np.uint64, "story_code": DOC, "_by_story": DOC, "_story_sorted": DOC,
              "_rank_newest": DOC, "_rank_oldest": DOC}

    def save(self, folder: Path, key: str) -> Path:
        """Write the tables, date orders included, for servers to load as they are (a
        few milliseconds instead of tens: the unions across segments are sorts)."""
        self._date_rank(False)
        self._date_rank(True)
        path = _tables_path(folder, key)
        _save_npz(path, country_codes=np.array(self.country_codes, dtype="U3"),
                  language_codes=np.array(self.language_codes, dtype="U3"),
                  day_values=np.array(self.day_values, dtype="U10"), n_stories=np.array(self.n_stories),
                  **{k: getattr(self, k) for k in self._SAVED})
        return path

    @classmethod
    def load(cls, folder: Path, key: str) -> "FacetTables | None":
        """The tables the indexer saved for this index state, or None."""
        try:
            with np.load(_tables_path(folder, key), allow_pickle=False) as saved:
                tables = cls.__new__(cls)
                for name, dtype in cls._SAVED.items():  # tables saved in 64 bits load in 32
                    setattr(tables, name, saved[name].astype(dtype, copy=False))
                tables.country_codes = saved["country_codes"].tolist()
                tables.language_codes = saved["language_codes"].tolist()
                tables.day_values = saved["day_values"].tolist()
                tables.n_stories = int(saved["n_stories"])
        except (OSError, ValueError, KeyError):
            return None
        return tables

    def count(self, mask: np.ndarray) -> tuple[Counter, Counter]:
        """Country and day counts of the matches."""
        return self._countries(mask), self._days(mask)

    def count_countries(self, mask: np.ndarray, date_from: date | None, date_to: date | None) -> Counter:
        """Country counts over the matches within the date range (for multi-select counts)."""
        return self._countries(self.within_dates(mask, date_from, date_to))

    def count_languages(self, mask: np.ndarray, date_from: date | None = None,
                        date_to: date | None = None) -> Counter:
        """Language counts over the matches within the date range (ISO 639-1 codes; None:
        articles of no known language)."""
        mask = self.within_dates(mask, date_from, date_to)
        counts = np.bincount(self.language_index[mask] + 1, minlength=len(self.language_codes) + 1)
        out = Counter({self.language_codes[i - 1]: int(counts[i]) for i in np.flatnonzero(counts[1:]) + 1})
        if counts[0]:
            out[None] = int(counts[0])
        return out

    def within_dates(self, mask: np.ndarray, date_from: date | None, date_to: date | None) -> np.ndarray:
        """The mask narrowed to the date range (the filter a multi-select count keeps)."""
        if date_from or date_to:
            low = date_from.isoformat() if date_from else None
            high = date_to.isoformat() if date_to else None
            first = bisect.bisect_left(self.day_values, low) if low else 0
            last = bisect.bisect_right(self.day_values, high) - 1 if high else len(self.day_values) - 1
            mask = mask & (self.day_index >= first) & (self.day_index <= last)
        return mask

    def language_mask(self, codes: tuple[str, ...]) -> np.ndarray:
        """The documents in any of these languages (the `language` filter)."""
        wanted = [i for i, c in enumerate(self.language_codes) if c in codes]
        return np.isin(self.language_index, wanted)

    def country_mask(self, codes: tuple[str, ...]) -> np.ndarray:
        """The documents naming any of these countries (as the `country` filter)."""
        wanted = [i for i, c in enumerate(self.country_codes) if c in codes]
        mask = np.zeros(len(self.day_index), dtype=bool)
        mask[self.pair_docs[np.isin(self.pair_country, wanted)]] = True
        return mask

    def _countries(self, mask: np.ndarray) -> Counter:
        hits = self.pair_country[mask[self.pair_docs]]
        counts = np.bincount(hits, minlength=len(self.country_codes))
        return Counter({self.country_codes[i]: int(c) for i in np.flatnonzero(counts) for c in (counts[i],)})

    def _days(self, mask: np.ndarray) -> Counter:
        counts = np.bincount(self.day_index[mask] + 1, minlength=len(self.day_values) + 1)
        out = Counter({self.day_values[i - 1]: int(counts[i]) for i in np.flatnonzero(counts[1:]) + 1})
        if counts[0]:
            out[None] = int(counts[0])
        return out

    def newest_first(self, mask: np.ndarray, limit: int, reverse: bool = False) -> list[int]:
        """The first `limit` matches by publication time (oldest first when reverse),
        undated articles after the dated ones either way, then by document number."""
        rank = self._date_rank(reverse)
        ids = np.flatnonzero(mask)
        ranks = rank[ids]
        if len(ids) > limit:
            keep = np.argpartition(ranks, limit)[:limit]
            ids, ranks = ids[keep], ranks[keep]
        return [int(d) for d in ids[np.argsort(ranks, kind="stable")]]

    def _date_rank(self, reverse: bool) -> np.ndarray:
        """Each document's place in the date order, computed once per searcher."""
        key = "_rank_oldest" if reverse else "_rank_newest"
        rank = getattr(self, key, None)
        if rank is None:
            ids = np.arange(len(self.day_index))
            when = self.published if reverse else _NEWEST - self.published
            order = np.lexsort((ids, when, self.day_index < 0))
            rank = np.empty(len(order), dtype=DOC)
            rank[order] = ids
            setattr(self, key, rank)
        return rank

    def story_count(self, mask: np.ndarray) -> int:
        return int(np.count_nonzero(np.bincount(self.story_code[mask], minlength=self.n_stories)))

    def copies(self, mask: np.ndarray, docnum: int) -> list[int]:
        """The other matches of the same story as docnum, in index order."""
        code = self.story_code[docnum]
        lo = int(np.searchsorted(self._story_sorted, code, side="left"))
        hi = int(np.searchsorted(self._story_sorted, code, side="right"))
        same = self._by_story[lo:hi]
        return [int(d) for d in same[mask[same]] if d != docnum]


FACETS_SUFFIX = ".facets.npz"
TABLES_PREFIX = "facet-tables-"  # + the index state's key: not a Whoosh name (MAIN_...)


def _tables_path(folder: Path, key: str) -> Path:
    return Path(folder) / f"{TABLES_PREFIX}{key}.npz"


def _save_npz(path: Path, **arrays: np.ndarray) -> None:
    """Written beside, then renamed into place: a reader sees the whole file or none.
    The temporary name starts with a dot: Whoosh's cleanup ignores it, ours removes it
    after a killed run (store.clean_leftovers)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _state_key(arrays: IndexArrays) -> str:
    """Names one index state: its segments in order, its size and its deletions."""
    h = hashlib.blake2b(digest_size=16)
    h.update(repr((list(arrays.segment_ids), arrays.n)).encode())
    h.update(np.packbits(arrays.live).tobytes())
    return h.hexdigest()


_FACET_KEYS = ("pair_docs", "pair_codes", "lang_codes", "day_numbers", "published", "story_keys")


def _segment_facets(sub, seg_id: str, cache, folder: Path | None = None) -> dict:
    """A segment's facet arrays: from the cache, else from the file the indexer saved
    beside the segment (milliseconds), else read from the inverted index."""
    key = (seg_id, "facets")
    found = cache.data.get(key)
    if found is not None:
        return found
    if folder is not None:
        try:
            with np.load(Path(folder) / internals.segment_file(seg_id, FACETS_SUFFIX), allow_pickle=False) as saved:
                # Saved before languages were counted (KeyError): read from the index.
                found = {k: saved[k] for k in _FACET_KEYS}
            if len(found["day_numbers"]) != sub.doc_count_all():
                found = None
        except (OSError, ValueError, KeyError):
            found = None
    if found is None:
        found = _read_segment_facets(sub)
    cache.data[key] = found
    return found


def _read_segment_facets(sub) -> dict:
    count = sub.doc_count_all()
    fields = set(sub.indexed_field_names())
    pair_docs, pair_codes = [], []
    if "countries" in fields:
        for code in sub.lexicon("countries"):
            ids = read_postings(sub, "countries", code)[0]
            pair_docs.append(ids)
            pair_codes.append(np.full(len(ids), code.decode() if isinstance(code, bytes) else code, dtype="U3"))
    langs = np.full(count, "", dtype="U3")
    if "language" in fields:
        for tag in sub.lexicon("language"):
            code = language_code(tag.decode() if isinstance(tag, bytes) else tag)
            langs[read_postings(sub, "language", tag)[0]] = code or ""
    days = np.full(count, UNDATED_DAY, dtype=np.int32)
    if "day" in fields:
        for day in sub.lexicon("day"):
            ids = read_postings(sub, "day", day)[0]
            days[ids] = _day_numbers(np.array([day.decode() if isinstance(day, bytes) else day]))[0]
    return {
        "pair_docs": np.concatenate(pair_docs) if pair_docs else np.empty(0, np.int64),
        "pair_codes": np.concatenate(pair_codes) if pair_codes else np.empty(0, "U3"),
        "lang_codes": langs,
        "day_numbers": days,
        "published": _numeric_column(sub, "published"),
        "story_keys": np.fromiter(map(_story_key, _bytes_column(sub, "story")), dtype=np.uint64, count=count),
    }


def _day_numbers(days: np.ndarray) -> np.ndarray:
    """ISO days ('' where undated) as days since 1970-01-01 (UNDATED_DAY where undated):
    a day order from a sort of numbers, not of strings, when a server starts."""
    out = np.full(len(days), UNDATED_DAY, dtype=np.int32)
    dated = days != ""
    out[dated] = days[dated].astype("datetime64[D]").astype(np.int64)
    return out


def _story_key(story: str) -> int:
    """A story name as a nonzero 64-bit number (0: no story)."""
    if not story:
        return 0
    return int.from_bytes(hashlib.blake2b(story.encode("utf-8"), digest_size=8).digest(), "big") or 1


def save_segment_facets(ix, folder: Path) -> int:
    """Save each segment's facet arrays beside it (once: segments never change), so
    a server starting or refreshing after a reindex loads them instead of reading
    every country and day posting list. Named after the segment, so Whoosh deletes
    the file with the segment when a merge removes it. Returns how many were written."""
    written = 0
    with ix.searcher() as s:
        for sub, _ in s.reader().leaf_readers():
            seg_id = IndexArrays._segment_id(sub)
            path = Path(folder) / internals.segment_file(seg_id, FACETS_SUFFIX)
            if path.exists():
                continue
            try:
                _save_npz(path, **_read_segment_facets(sub))
                written += 1
            except OSError:  # optional: the server reads the index instead
                pass
    return written


def save_tables(ix, folder: Path) -> bool:
    """Save the facet tables of the index's current state (and remove those of earlier
    states), so a server starting or refreshing loads them. False when they could not
    be written: servers then build them from the segments' parts."""
    with ix.searcher() as s:
        arrays = IndexArrays(s)
        key = _state_key(arrays)
        kept = _tables_path(folder, key)
        if not kept.exists():
            try:
                FacetTables(arrays, folder).save(folder, key)
            except OSError:
                return False
    for old in Path(folder).glob(f"{TABLES_PREFIX}*.npz"):
        if old != kept:
            old.unlink(missing_ok=True)
    return True


def _numeric_column(sub, field: str) -> np.ndarray:
    """A segment's raw sortable values of a numeric field (0 where it has none), read
    in one go: Whoosh's column reader unpacks one document at a time."""
    count = sub.doc_count_all()
    out = np.zeros(count, dtype=np.uint64)
    if not sub.has_column(field):
        return out
    reader = sub.column_reader(field, translate=False)
    values = internals.numeric_values(reader, count)
    if values is not None:
        return values.astype(np.uint64)
    values = list(reader)[:count]
    out[: len(values)] = values
    return out


def _bytes_column(sub, field: str) -> list[str]:
    """A segment's values of a sortable ID field ('' where missing), from one read of
    the column's data instead of one read per document."""
    count = sub.doc_count_all()
    if not sub.has_column(field):
        return [""] * count
    reader = sub.column_reader(field, translate=False)
    raw = internals.var_bytes_values(reader)
    if raw is not None:
        values = [v.decode("utf-8") for v in raw]
    else:
        values = [v.decode("utf-8") if isinstance(v, bytes) else v for v in reader]
    return (values + [""] * count)[:count]
