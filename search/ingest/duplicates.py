"""Near-duplicate detection for wire copies: the same story republished by several
outlets, or repeated by the wire. MinHash over word 4-grams, banded for lookup
(locality-sensitive hashing), then confirmed on the estimated resemblance. It runs
at index time; each article's `story` names the first copy the index saw."""

from __future__ import annotations

import re
import sqlite3
import zlib
from pathlib import Path

import numpy as np

SHINGLE = 4
PERMUTATIONS = 60
BANDS = 20  # 20 bands of 3 rows: a pair at resemblance 0.5 shares a band with p = 0.93
ROWS = PERMUTATIONS // BANDS
# Articles whose word 4-gram resemblance (Jaccard) is at least this are one story.
THRESHOLD = 0.5
MIN_WORDS = 20  # shorter texts (briefs, headlines) are never grouped
PER_KEY = 3  # stories remembered per band key during a run
MAX_CHECKS = 40  # candidates compared per article at most
SETTLE_KEYS = 200_000  # recent band keys kept in a dict before moving to sorted arrays
DB_NAME = "stories.sqlite"

_WORD = re.compile(r"\w+")
_P = np.uint64((1 << 31) - 1)
_rng = np.random.default_rng(20240924)
_A = _rng.integers(1, (1 << 31) - 1, PERMUTATIONS, dtype=np.uint64)[:, None]
_B = _rng.integers(0, (1 << 31) - 1, PERMUTATIONS, dtype=np.uint64)[:, None]


def signature(text: str) -> np.ndarray | None:
    """The MinHash signature of a text (stable across processes), or None when the
    text is too short to judge."""
    words = _WORD.findall(text.lower())
    if len(words) < MIN_WORDS:
        return None
    h = np.array([zlib.crc32(w.encode()) for w in words], dtype=np.uint64) % _P
    # A shingle's hash mixes its four word hashes (polynomial rolling hash mod p).
    s = h[:-3].copy()
    for k in range(1, SHINGLE):
        s = (s * np.uint64(1_000_003) + h[k:len(h) - 3 + k]) % _P
    s = np.unique(s)
    return ((_A * s[None, :] + _B) % _P).min(axis=1).astype(np.int64)


_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)
_KEY_MASK = np.uint64((1 << 56) - 1)
_BAND_IDS = np.arange(BANDS, dtype=np.uint64) << np.uint64(56)


def bands(sig: np.ndarray) -> list[int]:
    """Lookup keys, one per band (band number in the top byte, a hash of its rows
    below): articles sharing any key are candidates."""
    rows = sig.astype(np.uint64).reshape(BANDS, ROWS)
    mixed = (rows * _MIX[:ROWS]).sum(axis=1)  # wraps around 2**64, deterministically
    return ((mixed & _KEY_MASK) | _BAND_IDS).astype(np.int64).tolist()


def resemblance(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard resemblance of the two texts' word 4-grams."""
    return float(np.count_nonzero(np.asarray(a) == np.asarray(b))) / len(a)


class StoryFinder:
    """Assigns each article its story while a reindex writes: the story of an earlier
    copy (in this run, or already indexed) whose resemblance reaches THRESHOLD, else
    the article's own id. Band keys live in a small SQLite table beside the index
    (`stories.sqlite` in the generation folder), not in Whoosh, where twenty extra
    terms per article cost a quarter of the indexing throughput."""

    def __init__(self, db_path: Path, keep_existing: bool) -> None:
        self.db = sqlite3.connect(str(db_path))
        if not keep_existing:
            self.db.execute("DROP TABLE IF EXISTS bands")
            self.db.execute("DROP TABLE IF EXISTS sigs")
        # Each remembered signature once; the band keys point at it.
        self.db.execute("CREATE TABLE IF NOT EXISTS sigs (id INTEGER PRIMARY KEY, story TEXT NOT NULL, "
                        "sig BLOB NOT NULL)")
        self.db.execute("CREATE TABLE IF NOT EXISTS bands (key INTEGER NOT NULL, sig INTEGER NOT NULL)")
        self.lookup_db = keep_existing
        if keep_existing:
            self.db.execute("CREATE INDEX IF NOT EXISTS bands_key ON bands (key)")
        self.next_id = (self.db.execute("SELECT max(id) FROM sigs").fetchone()[0] or 0) + 1
        # Remembered signatures (entries), and the band keys pointing at them: recent
        # keys in a dict, older ones in sorted numpy arrays (20 keys an article: a
        # dict of 2 million keys would take about half a gigabyte at 100,000 articles).
        self.entry_sigs: list[np.ndarray] = []
        self.entry_stories: list[str] = []
        self.recent: dict[int, list[int]] = {}
        self.old_keys = np.empty(0, np.int64)
        self.old_entries = np.empty(0, np.int32)
        # (database id, entry, band keys) of the entries not yet in the database.
        self.pending: list[tuple[int, int, np.ndarray]] = []

    def _entries(self, keys: list[int]) -> list[list[int]]:
        """The entries remembered under each key, in the order they were added (all
        keys of an article looked up in the sorted arrays at once: a numpy call per
        key was a third of a 100k-article rebuild's time in its main process)."""
        recent = self.recent
        if len(self.old_keys):
            wanted = np.array(keys, dtype=np.int64)
            lows = np.searchsorted(self.old_keys, wanted, side="left").tolist()
            highs = np.searchsorted(self.old_keys, wanted, side="right").tolist()
        else:
            lows = highs = [0] * len(keys)
        out = []
        for key, lo, hi in zip(keys, lows, highs):
            found = self.old_entries[lo:hi].tolist() if hi > lo else []
            more = recent.get(key)
            out.append(found + more if more else found)
        return out

    def _settle(self) -> None:
        """Move the recent keys into the sorted arrays (older entries first)."""
        keys = np.fromiter((k for k, es in self.recent.items() for _ in es), dtype=np.int64)
        entries = np.fromiter((e for es in self.recent.values() for e in es), dtype=np.int32, count=len(keys))
        keys = np.concatenate([self.old_keys, keys])
        entries = np.concatenate([self.old_entries, entries])
        order = np.argsort(keys, kind="stable")
        self.old_keys, self.old_entries = keys[order], entries[order]
        self.recent = {}

    def story(self, article_id: str, text: str, sig: np.ndarray | None | bool = False) -> str:
        """The story of an article; `sig` is its signature when already computed."""
        if sig is False:
            sig = signature(text)
        if sig is None:
            return article_id
        keys = bands(sig)
        per_key = self._entries(keys)
        candidates = [(self.entry_sigs[e], self.entry_stories[e]) for entries in per_key for e in entries]
        story = self._match(sig, candidates) if candidates else None
        if story is None and self.lookup_db:
            rows = self.db.execute("SELECT s.sig, s.story FROM bands b JOIN sigs s ON s.id = b.sig "
                                   f"WHERE b.key IN ({','.join('?' * len(keys))}) LIMIT 200", keys).fetchall()
            story = self._match(sig, ((np.frombuffer(blob, dtype=np.int64), st) for blob, st in rows))
        story = story or article_id
        entry = len(self.entry_sigs)
        added = []
        for key, entries in zip(keys, per_key):
            # A few copies per key are enough to recognise the story again, and the
            # cap keeps a corpus of a thousand copies of one story linear.
            if not entries or (len(entries) < PER_KEY
                               and all(self.entry_stories[e] != story for e in entries)):
                self.recent.setdefault(key, []).append(entry)
                added.append(key)
        if added:
            self.entry_sigs.append(sig)
            self.entry_stories.append(story)
            self.pending.append((self.next_id, entry, np.array(added, dtype=np.int64)))
            self.next_id += 1
            if len(self.recent) >= SETTLE_KEYS:
                self._settle()
        return story

    @staticmethod
    def _match(sig, candidates) -> str | None:
        checked = 0
        for other, story in candidates:
            if np.count_nonzero(sig == other) >= THRESHOLD * len(sig):
                return story
            checked += 1
            if checked >= MAX_CHECKS:
                break
        return None

    def commit(self) -> None:
        """Called after the index commit: a crash before it only costs grouping."""
        pending = self.pending
        with self.db:
            self.db.executemany("INSERT INTO sigs VALUES (?, ?, ?)",
                                ((sig_id, self.entry_stories[e], self.entry_sigs[e].tobytes())
                                 for sig_id, e, _ in pending))
            self.db.executemany("INSERT INTO bands VALUES (?, ?)",
                                ((key, sig_id) for sig_id, _, keys in pending for key in keys.tolist()))
            self.db.execute("CREATE INDEX IF NOT EXISTS bands_key ON bands (key)")
        self.pending = []

    def close(self) -> None:
        self.db.close()
