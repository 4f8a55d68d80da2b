"""The Whoosh backend's index writer (search.core.reindex drives it).

Incremental runs write into the current generation (Whoosh commits are atomic: a
new TOC file is renamed into place last). Full runs build a new generation beside
the old one and switch the `current` link. Either way a reader sees the old index
or the new one, and a killed run leaves the old one readable."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path

from whoosh.index import EmptyIndexError
from whoosh.writing import MERGE_SMALL, NO_MERGE

from . import internals, store
from . import facet_tables
from .analysis import LanguageText, stemming_language
from ...ingest import duplicates
from ...ingest.article import Article
from . import build
from .codec import NewsCodec
from ...ingest.duplicates import StoryFinder
from ...core.backend import IndexWriter
from ...ingest.extract import CorpusFile, FileResult

MAX_SEGMENTS_WITHOUT_MERGE = 8
MAX_PROCS = 4
PARALLEL_WRITER_MIN_BYTES = 2_000_000  # about 2,000 news articles


def article_document(article: Article, file_sig: str, content_hash: str | None = None,
                     stories: StoryFinder | None = None, signature=False) -> dict:
    """The Whoosh document of an article (None values are left out by Whoosh)."""
    day = article.published_day
    published = article.published
    if isinstance(published, datetime):
        published = published.replace(tzinfo=None)  # the article's own wall clock
    elif isinstance(published, date):
        published = datetime(published.year, published.month, published.day)
    stemming = stemming_language(article.language)
    doc = {
        "id": article.id,
        "path": article.path,
        "file_sig": file_sig,
        "title": article.title,
        "text": article.text,
        "published": published,
        "published_iso": article.published_iso,
        "day": day.isoformat() if day else None,
        "date_source": article.date_source,
        "countries": ",".join(article.countries) or None,
        "source": article.source or None,
        "url": article.url,
        "author": article.author,
        "language": article.language or None,
        "word_count": article.word_count,
        "content_hash": content_hash or article.content_hash,
        "story": stories.story(article.id, article.text, signature) if stories is not None else article.id,
    }
    if stemming != "english":
        # Words stemmed in the article's language; the stored texts stay plain strings.
        internals.stored_as(doc, title=article.title, text=article.text)
        doc.update(stemming=stemming, text=LanguageText(article.text, stemming),
                   title=LanguageText(article.title, stemming) if article.title else article.title)
    return doc


def _manifest_from_index(ix) -> dict:
    """Rebuild the manifest from stored fields: slow, only after a crash between a
    commit and the manifest write (the manifest names the generation it matches)."""
    files: dict[str, dict] = {}
    with ix.searcher() as s:
        for fields in s.all_stored_fields():
            entry = files.setdefault(fields["path"], {"sig": "", "hash": "", "ids": {}})
            entry["sig"], _, entry["hash"] = (fields.get("file_sig") or "").rpartition("#")
            entry["sig"] = ""  # force a content-hash check: mtimes may be stale
            entry["ids"][fields["id"]] = fields.get("content_hash", "")
    return {"schema": store.SCHEMA_VERSION, "files": files}


def merge_small_segments(writer, segments: list) -> list:
    """Whoosh's merge policy (MERGE_SMALL) over the segments smaller than a full build's
    (build.SEGMENT_DOCS); build segments are left as they are. MERGE_SMALL alone merges
    every segment, smallest first, up to the first one where their total is under a
    Fibonacci number: by that rule, beside the 10 build segments of 100,000 articles the
    11th reindex of 100 articles would merge the whole index, and at 1,000,000 the first
    reindex would merge 23 segments (220,010 articles). Here a reindex merges only
    segments smaller than a build segment (tests/test_build.py)."""
    big = [seg for seg in segments if seg.doc_count_all() >= build.SEGMENT_DOCS]
    small = [seg for seg in segments if seg.doc_count_all() < build.SEGMENT_DOCS]
    return big + MERGE_SMALL(writer, small)


class WhooshIndexWriter(IndexWriter):
    """One reindex of a folder of generations, under its lock: a full run writes a new
    generation and switches `current` to it; an incremental one commits into the current
    generation. Large rebuilds read and write in worker processes (build.ParallelBuild)."""

    def __init__(self, root: Path, full: bool) -> None:
        self.root, self.full = Path(root), full
        self._lock = store.Lock(self.root)

    def __enter__(self) -> WhooshIndexWriter:
        self._lock.__enter__()
        try:
            store.clean_leftovers(self.root)  # of a run killed earlier
            old_ix, self.files, self._manifest_rebuilt = self._previous_state()
            if self.full:
                self.ix, self.gen = store.create_generation(self.root)
            else:
                self.ix, self.gen = old_ix, store.current_dir(self.root)
            # Whoosh's own lock: held by us for the whole run; it is free unless a
            # process outside this tool writes the same folder.
            self._writer = self.ix.writer(timeout=5.0, limitmb=256, codec=NewsCodec())
            self._parallel: build.ParallelBuild | None = None
            self._stories = StoryFinder(self.gen / duplicates.DB_NAME, keep_existing=not self.full)
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        self._changed = self._committed = False
        return self

    def __exit__(self, *exc) -> None:
        self._lock.__exit__(*exc)

    def _previous_state(self) -> tuple:
        """(the current index, its manifest's files, whether the manifest was rebuilt); a
        full run when nothing readable is there or the schema changed."""
        try:
            old_ix, gen = store.open_current(self.root)
            old_manifest = store.read_manifest(gen) or {}
            if old_manifest.get("schema") != store.SCHEMA_VERSION:
                self.full = True
            elif old_manifest.get("generation") != old_ix.latest_generation():
                return old_ix, _manifest_from_index(old_ix)["files"], True
            return old_ix, old_manifest.get("files", {}), False
        except (store.NoIndex, EmptyIndexError, OSError, ValueError):
            self.full = True  # nothing readable: build from scratch
            return None, {}, False

    def read(self, corpus: Path, files: list[CorpusFile], max_bytes: int) -> Iterator[FileResult]:
        # Large rebuilds analyse and write postings in two worker processes (about
        # twice the throughput on 2 cores); small runs are faster in one. Size, not
        # file count, decides: one JSON Lines export can hold the whole corpus.
        if (self.full and sum(cf.size for cf in files) >= PARALLEL_WRITER_MIN_BYTES
                and (os.cpu_count() or 1) > 1):
            self._parallel = build.ParallelBuild(corpus, self.gen, max_bytes, procs=min(os.cpu_count() or 2, MAX_PROCS),
                                           expected_docs=len(files))
            return self._parallel.results(files)
        return super().read(corpus, files, max_bytes)

    def add(self, article: Article, *, file_sig: str, signature=False) -> None:
        self._changed = True
        (self._parallel or self._writer).add_document(
            **article_document(article, file_sig, article.content_hash, self._stories, signature))

    def delete(self, path: str, article_ids: Iterable[str]) -> None:
        """Every document of the file at once (its path is indexed)."""
        self._changed = True
        self._writer.delete_by_term("path", path)

    def commit(self, files: dict[str, dict]) -> None:
        if self._parallel is not None:
            self._parallel.commit(self._writer)
        elif self.full:
            self._writer.commit(optimize=True)
        elif self._changed:
            piled_up = internals.segment_count(self.ix) >= MAX_SEGMENTS_WITHOUT_MERGE
            self._writer.commit(mergetype=merge_small_segments if piled_up else NO_MERGE)
        else:
            self._writer.cancel()
        self._stories.commit()
        self._committed = True
        self._close()
        self._publish(files)

    def cancel(self) -> None:
        """Before the commit: drop the writer and what it wrote (e.g. disk full: give the
        space back now, not at the next run). After it nothing is undone: the index is
        consistent, and a failure to publish is raised as it is."""
        if self._committed:
            return
        try:
            self._writer.cancel()
        except Exception:
            pass  # a commit that failed half-way may have closed it: keep the first error
        self._close()
        if self.full:
            shutil.rmtree(self.gen, ignore_errors=True)
        else:
            try:
                store.clean_leftovers(self.root)
            except OSError:
                pass

    def _close(self) -> None:
        if self._parallel is not None:
            self._parallel.close()
        self._stories.close()

    def _publish(self, files: dict[str, dict]) -> None:
        """Make the run's index what readers see: the manifest, the facet arrays of new
        segments and the tables of this state, then (full runs) the `current` link."""
        if self.full or files != self.files or self._manifest_rebuilt:
            store.write_manifest(self.gen, {"schema": store.SCHEMA_VERSION,
                                            "generation": self.ix.latest_generation(), "files": files})
        if self.full or self._changed:
            facet_tables.save_segment_facets(self.ix, self.gen)
        facet_tables.save_tables(self.ix, self.gen)  # also for an index saved before there were any
        if self.full:
            store.switch_current(self.root, self.gen)
        store.remove_old_generations(self.root)
        store.clean_leftovers(self.root)  # e.g. the empty segment files of a cancelled writer
