"""The reindex: bring the index up to date with the corpus, touching only what changed.

Incremental runs write into the current generation (Whoosh commits are atomic: a
new TOC file is renamed into place last). Full runs build a new generation beside
the old one and switch the `current` link. Either way a reader sees the old index
or the new one, and a killed run leaves the old one readable."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from whoosh.index import EmptyIndexError

from . import internals, store
from . import facet_tables
from ...ingest import duplicates
from ...ingest.article import Article
from .build import ParallelBuild
from .codec import NewsCodec
from ...ingest.duplicates import StoryFinder
from ...ingest.changes import Plan, Summary, plan_changes, same_content, touched_entry
from ...ingest.extract import CorpusFile, FileResult, read_file, scan_corpus
from ...ingest.readers import Problem

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
    return {
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


def update_index(corpus: Path, root: Path, *, full: bool = False, max_bytes: int,
                 progress: Callable | None = None) -> Summary:
    """Run one reindex under the lock: plan (search.ingest.changes), write, publish.
    `progress(total)` returns a tqdm-like object."""
    start = time.perf_counter()
    corpus, root = Path(corpus), Path(root)
    if not corpus.is_dir():
        raise FileNotFoundError(f"corpus folder {corpus} does not exist")
    with store.Lock(root):
        store.clean_leftovers(root)  # of a run killed earlier
        summary = Summary(full=full)
        old_ix, old_files, manifest_rebuilt = _previous_state(root, summary)
        scan = scan_corpus(corpus)
        summary.ignored = scan.ignored
        summary.problems.extend(scan.problems)
        plan = plan_changes(scan, old_files, summary.full)
        summary.problems.extend(plan.problems)
        if summary.full:
            ix, gen = store.create_generation(root)
        else:
            ix, gen = old_ix, store.current_dir(root)
        new_files, changed_docs = _write(root, ix, gen, corpus, plan, old_files, max_bytes, summary, progress)
        _publish(root, ix, gen, summary.full, new_files,
                 manifest=bool(summary.full or plan.to_read or plan.removed or manifest_rebuilt),
                 segments=bool(summary.full or changed_docs or plan.removed))
        summary.articles = sum(len(e["ids"]) for e in new_files.values())
        summary.seconds = time.perf_counter() - start
        return summary


def _previous_state(root: Path, summary: Summary):
    """(the current index, its manifest's files, whether the manifest was rebuilt); sets
    summary.full when nothing readable is there or the schema changed."""
    try:
        old_ix, gen = store.open_current(root)
        old_manifest = store.read_manifest(gen) or {}
        if old_manifest.get("schema") != store.SCHEMA_VERSION:
            summary.full = True
        elif old_manifest.get("generation") != old_ix.latest_generation():
            return old_ix, _manifest_from_index(old_ix)["files"], True
        return old_ix, old_manifest.get("files", {}), False
    except (store.NoIndex, EmptyIndexError, OSError, ValueError):
        summary.full = True  # nothing readable: build from scratch
        return None, {}, False


def _write(root: Path, ix, gen: Path, corpus: Path, plan: Plan, old_files: dict[str, dict], max_bytes: int,
           summary: Summary, progress: Callable | None) -> tuple[dict[str, dict], bool]:
    """Delete what went, add what is new or changed, and commit (or cancel when nothing
    changed): (the new manifest's files, whether any article was written). A failure
    cancels the writer, removes what it wrote, and is raised."""
    full = summary.full
    # Whoosh's own lock: held by us for the whole run; it is free unless a
    # process outside this tool writes the same folder.
    # Large rebuilds analyse and write postings in two worker processes (about
    # twice the throughput on 2 cores); small runs are faster in one. Size, not
    # file count, decides: one JSON Lines export can hold the whole corpus.
    writer = ix.writer(timeout=5.0, limitmb=256, codec=NewsCodec())
    parallel = None
    if full and sum(cf.size for cf in plan.to_read) >= PARALLEL_WRITER_MIN_BYTES and (os.cpu_count() or 1) > 1:
        parallel = ParallelBuild(corpus, gen, max_bytes, procs=min(os.cpu_count() or 2, MAX_PROCS),
                                 expected_docs=len(plan.to_read))
    target = parallel or writer
    stories = None
    try:
        owner = plan.owners()
        stories = StoryFinder(gen / duplicates.DB_NAME, keep_existing=not full)
        if not full:
            for rel in plan.removed:
                writer.delete_by_term("path", rel)
        for rel in plan.removed:
            summary.removed += len(old_files[rel]["ids"])

        new_files: dict[str, dict] = dict(plan.kept)
        bar = progress(len(plan.to_read)) if progress and plan.to_read else None
        changed_docs = False
        results = (parallel.results(plan.to_read) if parallel
                   else (read_file(corpus, cf, max_bytes) for cf in plan.to_read))
        for result in results:
            cf = result.file
            if bar is not None:
                bar.update(1)
            old = old_files.get(cf.rel)
            if not full and same_content(old, result):
                # Touched but identical: remember the new mtime, write nothing.
                new_files[cf.rel] = touched_entry(old, cf)
                summary.problems.extend(Problem(*p) for p in old.get("problems", []))
                for aid in old["ids"]:
                    owner[aid] = cf.rel
                summary.unchanged += len(old["ids"])
                continue
            if old is not None and not full:
                writer.delete_by_term("path", cf.rel)
            changed_docs = True
            entry = _write_file(target, result, cf, owner, old, summary, stories)
            if entry is not None:
                new_files[cf.rel] = entry
        if bar is not None:
            bar.close()
        summary.unchanged += sum(len(e["ids"]) for e in plan.kept.values())
        summary.skipped = sum(1 for p in summary.problems if p.skipped)

        if parallel is not None:
            parallel.commit(writer)
        elif full:
            writer.commit(optimize=True)
        elif changed_docs or plan.removed:
            writer.commit(merge=internals.segment_count(ix) >= MAX_SEGMENTS_WITHOUT_MERGE)
        else:
            writer.cancel()
    except BaseException:
        failed = True
        try:
            writer.cancel()
        except Exception:
            pass  # a commit that failed half-way may have closed it: keep the first error
        raise
    else:
        failed = False
        stories.commit()
    finally:
        if parallel is not None:
            parallel.close()
        if stories is not None:
            stories.close()
        if failed:  # e.g. disk full: give back the space now, not at the next run
            if full:
                shutil.rmtree(gen, ignore_errors=True)
            else:
                try:
                    store.clean_leftovers(root)
                except OSError:
                    pass
    return new_files, changed_docs


def _publish(root: Path, ix, gen: Path, full: bool, new_files: dict[str, dict], *, manifest: bool,
             segments: bool) -> None:
    """Make the run's index what readers see: the manifest, the facet arrays of new
    segments and the tables of this state, then (full runs) the `current` link."""
    if manifest:
        store.write_manifest(gen, {"schema": store.SCHEMA_VERSION,
                                   "generation": ix.latest_generation(), "files": new_files})
    if segments:
        facet_tables.save_segment_facets(ix, gen)
    facet_tables.save_tables(ix, gen)  # also for an index saved before there were any
    if full:
        store.switch_current(root, gen)
    store.remove_old_generations(root)
    store.clean_leftovers(root)  # e.g. the empty segment files of a cancelled writer


def _write_file(writer, result: FileResult, cf: CorpusFile, owner: dict[str, str],
                old: dict | None, summary: Summary, stories: StoryFinder) -> dict | None:
    problems = list(result.problems)
    old_ids = old["ids"] if old else {}
    ids: dict[str, str] = {}
    file_sig = f"{cf.stat_sig}#{result.content_hash}"
    for article in result.articles:
        holder = owner.get(article.id)
        if (holder is not None and holder != cf.rel) or article.id in ids:
            problems.append(Problem(cf.rel, f"duplicate id {article.id!r} (already used by {holder or cf.rel})"))
            continue
        owner[article.id] = cf.rel
        h = article.content_hash
        writer.add_document(**article_document(article, file_sig, h, stories,
                                               result.signatures.get(article.id, False)))
        ids[article.id] = h
        if article.id not in old_ids:
            summary.new += 1
        elif old_ids[article.id] != h:
            summary.changed += 1
        else:
            summary.unchanged += 1
    for aid in old_ids:
        if aid not in ids:
            summary.removed += 1
            if owner.get(aid) == cf.rel:
                del owner[aid]
    summary.problems.extend(problems)
    if not result.content_hash:  # unreadable: forget it so the next run tries again
        return None
    entry = {"sig": cf.stat_sig, "hash": result.content_hash, "ids": ids}
    if problems:
        entry["problems"] = [[p.where, p.reason, p.skipped] for p in problems]
    return entry
