"""The ledger: every URL fetch and import have seen, in SQLite beside the index.

A page row is keyed by its normalised URL and says what became of it: `saved` (its corpus
path), `duplicate` (the same story as a saved page: same final or canonical URL, or the
same bytes), `gone` (404/410: not asked again), `skipped` (not HTML, too large, bad
encoding...: not asked again) or `failed` (anything else: asked again on a later run, waiting
twice as long after each failure, until MAX_ATTEMPTS). A source row keeps the ETag,
Last-Modified and content hash of a feed or sitemap for conditional requests.

One run at a time: `lock()` takes an exclusive lock on `<ledger>.lock`, so a cron job that
fires while the previous run is still going stops at once (exit 75) instead of fetching
everything twice."""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

MAX_ATTEMPTS = 8
FINAL = ("saved", "duplicate", "gone", "skipped")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY, final_url TEXT, canonical_url TEXT, status TEXT NOT NULL,
    http_status INTEGER, fetched_at REAL, hash TEXT, path TEXT, via TEXT, reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, next_try REAL, entry TEXT);
CREATE INDEX IF NOT EXISTS pages_canonical ON pages (canonical_url);
CREATE INDEX IF NOT EXISTS pages_final ON pages (final_url);
CREATE INDEX IF NOT EXISTS pages_hash ON pages (hash);
CREATE TABLE IF NOT EXISTS sources (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, hash TEXT, checked_at REAL,
    status TEXT, reason TEXT, children TEXT);
"""


class Busy(RuntimeError):
    """Another fetch or import holds the ledger."""


def default_path(index: Path) -> Path:
    """`var/index` -> `var/index.ledger.sqlite`: beside the index, outside the folder the
    backend manages."""
    index = Path(index)
    return index.parent / f"{index.name}.ledger.sqlite"


class Ledger:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._mutex = threading.Lock()  # one connection, shared by the worker threads
        self.saving = threading.Lock()  # held from "is this story saved?" to its ledger row

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def lock(self):
        fd = os.open(str(self.path) + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise Busy(f"another fetch or import is running (it holds {self.path}.lock)") from None
            yield self
        finally:
            os.close(fd)

    def _one(self, sql: str, *args) -> dict | None:
        with self._mutex:
            cur = self._db.execute(sql, args)
            row = cur.fetchone()
            return dict(zip([c[0] for c in cur.description], row)) if row else None

    # Pages ------------------------------------------------------------------------------

    def page(self, url: str) -> dict | None:
        return self._one("SELECT * FROM pages WHERE url = ?", url)

    def wanted(self, url: str, now: float) -> bool:
        """Not seen, or failed and due for another try."""
        row = self.page(url)
        return row is None or (row["status"] == "failed" and (row["next_try"] or 0) <= now)

    def saved_copy(self, urls: list[str], content_hash: str) -> dict | None:
        """A saved page reached by one of these URLs (final or canonical) or with these bytes."""
        for url in dict.fromkeys(u for u in urls if u):
            row = self._one("SELECT * FROM pages WHERE status = 'saved' AND "
                            "(url = ? OR final_url = ? OR canonical_url = ?) LIMIT 1", url, url, url)
            if row:
                return row
        return self._one("SELECT * FROM pages WHERE status = 'saved' AND hash = ? LIMIT 1", content_hash)

    def record(self, url: str, status: str, *, entry: dict | None = None, retry_wait: float = 600.0,
               **fields) -> None:
        """Write what became of url; a failure counts an attempt and sets the next try."""
        now = time.time()
        previous = self.page(url)
        attempts = (previous["attempts"] if previous else 0) + 1
        next_try = None
        reason = fields.get("reason")
        if status == "failed":
            if attempts >= MAX_ATTEMPTS:
                status, fields["reason"] = "skipped", f"gave up after {attempts} attempts: {reason}"
            else:
                next_try = now + min(retry_wait * 2 ** (attempts - 1), 86400.0)
        row = {"url": url, "status": status, "fetched_at": now, "attempts": attempts, "next_try": next_try,
               "entry": json.dumps(entry) if entry else (previous or {}).get("entry"), **fields}
        names = ", ".join(row)
        with self._mutex:
            self._db.execute(f"INSERT OR REPLACE INTO pages ({names}) VALUES ({', '.join('?' * len(row))})",
                             tuple(row.values()))

    def due(self, now: float) -> list[tuple[str, dict]]:
        """Failed pages whose next try has come: (url, what their source said)."""
        with self._mutex:
            rows = self._db.execute("SELECT url, entry FROM pages WHERE status = 'failed' AND "
                                    "(next_try IS NULL OR next_try <= ?) ORDER BY url", (now,)).fetchall()
        return [(url, json.loads(entry) if entry else {}) for url, entry in rows]

    def counts(self) -> dict[str, int]:
        with self._mutex:
            return dict(self._db.execute("SELECT status, COUNT(*) FROM pages GROUP BY status").fetchall())

    # Sources ----------------------------------------------------------------------------

    def source(self, url: str) -> dict | None:
        return self._one("SELECT * FROM sources WHERE url = ?", url)

    def record_source(self, url: str, *, status: str, etag: str | None = None, last_modified: str | None = None,
                      content_hash: str | None = None, reason: str | None = None,
                      children: list[str] | None = None) -> None:
        """`read`: a new state (its validators kept for the next request); any other status
        keeps the previous validators, so a failure does not make the next run fetch it whole."""
        previous = self.source(url) or {}
        new = status == "read"
        with self._mutex:
            self._db.execute(
                "INSERT OR REPLACE INTO sources (url, etag, last_modified, hash, checked_at, status, reason, "
                "children) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (url, etag if new else previous.get("etag"),
                 last_modified if new else previous.get("last_modified"),
                 content_hash if new else previous.get("hash"), time.time(), status, reason,
                 json.dumps(children) if new else previous.get("children")))
