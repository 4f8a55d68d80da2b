"""SQLite FTS5 as the reference engine for bench/perf.py: the same articles (the indexer's
own `Article` records), the same /api/search parameters, in this process (no HTTP).

One FTS5 table (title, body; `porter unicode61`) plus side tables for the filters and
facets: `docs` (day, month, published) and `doc_country` (one row per country the
project's extraction found). Per search, four statements as an app would send them:
the page (bm25 with title weighing 1.5x the body, or newest first; `highlight()` for
the title and `snippet()` for the body), `COUNT(*)`, counts by country and counts by
month, each with the request's filters.

A query of plain words that finds nothing with every word is run again with the words
ORed (`relaxed` in the answer), as the service relaxes such a query. What it does not do,
unlike the project: pseudo-relevance feedback on the relaxed query, collapse
wire copies, suggest respellings, choose day/month/year buckets from the span (it always
groups by month), or use the Snowball stemmer (FTS5's is Porter's). Plain words are
all required (AND), as in the project; `"a b"` is a phrase.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Iterable, Mapping

TITLE_WEIGHT, BODY_WEIGHT = 1.5, 1.0   # as the project's BM25F (title words weigh 1.5x)
SNIPPET_TOKENS = 32
PER_PAGE = 10


def match_expression(q: str, any_word: bool = False) -> str:
    """The FTS5 MATCH text for the bench's queries: `word`, `w1 w2` (AND, or OR with
    ANY_WORD) or `"w1 w2"`."""
    q = q.strip()
    if q.startswith('"') and q.endswith('"') and len(q) > 1:
        words = q[1:-1].split()
        return '"' + " ".join(w.replace('"', "") for w in words) + '"'
    return (" OR " if any_word else " ").join('"' + w.replace('"', "") + '"' for w in q.split())


class Fts5Reference:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.db: sqlite3.Connection | None = None

    # -- build -----------------------------------------------------------------

    def build(self, articles: Iterable) -> tuple[float, int]:
        """(Re)create the database from Article records; return (seconds, articles).
        The time covers inserting, indexing, `optimize` and the commit, not extraction."""
        self.close()
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        db = sqlite3.connect(self.path)
        db.executescript("""
            CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize = 'porter unicode61');
            CREATE TABLE docs(id INTEGER PRIMARY KEY, aid TEXT NOT NULL, published TEXT,
                              day TEXT, month TEXT, countries TEXT NOT NULL);
            CREATE TABLE doc_country(id INTEGER NOT NULL, country TEXT NOT NULL,
                                     PRIMARY KEY (id, country)) WITHOUT ROWID;
        """)
        n = 0
        with db:
            fts_rows, doc_rows, country_rows = [], [], []
            for n, a in enumerate(articles, start=1):
                day = a.published_day.isoformat() if a.published_day else None
                fts_rows.append((n, a.title, a.text))
                doc_rows.append((n, a.id, a.published_iso, day, day[:7] if day else None, ",".join(a.countries)))
                country_rows.extend((n, c) for c in dict.fromkeys(a.countries))
                if len(fts_rows) >= 5000:
                    self._insert(db, fts_rows, doc_rows, country_rows)
                    fts_rows, doc_rows, country_rows = [], [], []
            self._insert(db, fts_rows, doc_rows, country_rows)
            db.execute("CREATE INDEX doc_country_by_country ON doc_country(country, id)")
            db.execute("CREATE INDEX docs_by_day ON docs(day)")
            db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        db.execute("ANALYZE")
        seconds = time.perf_counter() - start
        self.db = db
        return seconds, n

    @staticmethod
    def _insert(db, fts_rows, doc_rows, country_rows) -> None:
        db.executemany("INSERT INTO fts(rowid, title, body) VALUES (?, ?, ?)", fts_rows)
        db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)", doc_rows)
        db.executemany("INSERT INTO doc_country VALUES (?, ?)", country_rows)

    def size_bytes(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    # -- search ----------------------------------------------------------------

    def search(self, params: Mapping[str, str]) -> dict:
        """The page, the total and both facets for one /api/search parameter set; a query
        of several plain words that finds nothing is run again with its words ORed."""
        out = self._search(params, match_expression(params.get("q", "")))
        q = params.get("q", "").strip()
        if out["total"] == 0 and len(q.split()) > 1 and not q.startswith('"'):
            out = self._search(params, match_expression(q, any_word=True))
            out["relaxed"] = True
        return out

    def _search(self, params: Mapping[str, str], match: str) -> dict:
        db = self.db
        assert db is not None, "build() first"
        countries = params.get("country") or []
        if isinstance(countries, str):
            countries = [countries]
        date_sql, date_args = "", []
        if params.get("from"):
            date_sql += " AND d.day >= ?"
            date_args.append(params["from"])
        if params.get("to"):
            date_sql += " AND d.day <= ?"
            date_args.append(params["to"])
        country_sql, country_args = "", []
        if countries:
            country_sql = (" AND EXISTS (SELECT 1 FROM doc_country c WHERE c.id = fts.rowid AND c.country IN (%s))"
                           % ",".join("?" * len(countries)))
            country_args = countries
        # CROSS JOIN keeps fts as the outer loop: FTS5 walks the matches once and the side
        # tables are looked up by primary key (SQLite's planner otherwise may drive from
        # the country or date index and re-run the MATCH per row).
        base = "FROM fts CROSS JOIN docs d ON d.id = fts.rowid"
        where = "fts MATCH ?" + date_sql + country_sql
        args = [match, *date_args, *country_args]
        page = max(1, int(params.get("page", "1")))
        sort = params.get("sort", "relevance")
        order = {"relevance": f"bm25(fts, {TITLE_WEIGHT}, {BODY_WEIGHT})",
                 "date": "d.published DESC", "date_asc": "d.published ASC"}[sort]

        # The page's ids first, then highlight()/snippet() for those ten only (in the
        # ORDER BY query SQLite would compute them for every match before sorting).
        ids = db.execute(f"SELECT fts.rowid {base} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
                         [*args, PER_PAGE, (page - 1) * PER_PAGE]).fetchall()
        hits = [db.execute(
            f"SELECT d.aid, highlight(fts, 0, '<mark>', '</mark>'), "
            f"snippet(fts, 1, '<mark>', '</mark>', '…', {SNIPPET_TOKENS}), d.published, d.countries "
            f"{base} WHERE fts MATCH ? AND fts.rowid = ?", [match, rowid]).fetchone() for (rowid,) in ids]
        total = db.execute(f"SELECT count(*) {base} WHERE {where}", args).fetchone()[0]
        # Country counts ignore the country filter (multi-select, as the project does), not the dates.
        by_country = db.execute(
            f"SELECT c.country, count(*) {base} CROSS JOIN doc_country c ON c.id = fts.rowid "
            f"WHERE fts MATCH ?{date_sql} GROUP BY c.country ORDER BY count(*) DESC, c.country",
            [match, *date_args]).fetchall()
        by_month = db.execute(
            f"SELECT d.month, count(*) {base} WHERE {where} GROUP BY d.month ORDER BY d.month", args).fetchall()
        return {"total": total, "hits": hits, "country": by_country, "month": by_month, "relaxed": False}
