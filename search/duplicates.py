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
        self.seen: dict[int, list[tuple[np.ndarray, str]]] = {}
        self.pending_sigs: list[tuple[int, str, bytes]] = []
        self.pending: list[tuple[int, int]] = []

    def story(self, article_id: str, text: str, sig: np.ndarray | None | bool = False) -> str:
        """The story of an article; `sig` is its signature when already computed."""
        if sig is False:
            sig = signature(text)
        if sig is None:
            return article_id
        keys = bands(sig)
        seen = self.seen
        candidates = [entry for key in keys for entry in seen.get(key, ())]
        story = self._match(sig, candidates) if candidates else None
        if story is None and self.lookup_db:
            rows = self.db.execute("SELECT s.sig, s.story FROM bands b JOIN sigs s ON s.id = b.sig "
                                   f"WHERE b.key IN ({','.join('?' * len(keys))}) LIMIT 200", keys).fetchall()
            story = self._match(sig, ((np.frombuffer(blob, dtype=np.int64), st) for blob, st in rows))
        story = story or article_id
        sig_id = self.next_id
        pending = self.pending
        added = len(pending)
        for key in keys:
            entries = seen.get(key)
            if entries is None:
                seen[key] = [(sig, story)]
                pending.append((key, sig_id))
            # A few copies per key are enough to recognise the story again, and the
            # cap keeps a corpus of a thousand copies of one story linear.
            elif len(entries) < PER_KEY and all(st != story for _, st in entries):
                entries.append((sig, story))
                pending.append((key, sig_id))
        if len(pending) > added:
            self.pending_sigs.append((sig_id, story, sig.tobytes()))
            self.next_id += 1
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
        with self.db:
            self.db.executemany("INSERT INTO sigs VALUES (?, ?, ?)", self.pending_sigs)
            self.db.executemany("INSERT INTO bands VALUES (?, ?)", self.pending)
            self.db.execute("CREATE INDEX IF NOT EXISTS bands_key ON bands (key)")
        self.pending.clear()
        self.pending_sigs.clear()

    def close(self) -> None:
        self.db.close()
