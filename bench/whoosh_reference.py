"""Plain Whoosh, the build reference of bench/perf.py and bench/index_bench.py: Whoosh as
most apps use it, one writer, its StemmingAnalyzer, storing what a result page needs
(title and text, with character offsets for snippets, as the project stores them).

The time covers creating the index, adding every document and the commit (Whoosh's
merge included), not reading or extracting the files: callers add their own extraction
time for a "with extraction" figure. limitmb=256 (Whoosh's default is 128) so that the
reference is not slowed by flushing small runs.
"""

from __future__ import annotations

import shutil
import time
from datetime import datetime
from pathlib import Path
from typing import Iterable

from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import create_in


def schema() -> Schema:
    analyzer = StemmingAnalyzer()
    return Schema(id=ID(stored=True, unique=True), path=ID(stored=True), title=TEXT(analyzer, stored=True),
                  text=TEXT(analyzer, stored=True, chars=True), published=DATETIME(sortable=True),
                  published_iso=STORED(), countries=KEYWORD(stored=True, commas=True), url=STORED())


def build(path: Path, docs: Iterable[dict]) -> tuple[float, int, int]:
    """(Re)create a plain Whoosh index at PATH from DOCS (add_document's fields);
    return (seconds, documents, bytes on disk)."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    start = time.perf_counter()
    ix = create_in(str(path), schema())
    writer = ix.writer(limitmb=256)
    n = 0
    for n, doc in enumerate(docs, start=1):
        writer.add_document(**doc)
    writer.commit()
    seconds = time.perf_counter() - start
    size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
    return seconds, n, size


def article_fields(a) -> dict:
    """add_document's fields for one of the indexer's Article records."""
    doc = {"id": a.id, "path": a.path, "title": a.title, "text": a.text, "published_iso": a.published_iso,
           "countries": ",".join(a.countries), "url": a.url}
    if a.published_iso:
        try:
            doc["published"] = datetime.fromisoformat(a.published_iso[:19])
        except ValueError:
            pass
    return {k: v for k, v in doc.items() if v is not None}
