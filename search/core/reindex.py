"""The reindex command for any backend: plan against the manifest (search.ingest.changes),
write through the backend's IndexWriter, commit; or cancel, leaving the index as it was.

Only what a backend must decide is behind the writer: how files are read (the Whoosh
backend reads a full rebuild's files in worker processes that also write its segments),
how articles are stored and removed, and how the new state is published in one step."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from ..ingest.changes import Summary, plan_changes, same_content, touched_entry
from ..ingest.extract import CorpusFile, FileResult, scan_corpus
from ..ingest.readers import Problem
from .backend import Backend, IndexWriter


def reindex(backend: Backend, corpus: Path, *, full: bool = False, max_bytes: int,
            progress: Callable | None = None) -> Summary:
    """Bring the backend's index up to date with the corpus folder (see Backend.update)."""
    start = time.perf_counter()
    corpus = Path(corpus)
    if not corpus.is_dir():
        raise FileNotFoundError(f"corpus folder {corpus} does not exist")
    with backend.writer(full=full) as writer:
        summary = Summary(full=writer.full)
        try:
            scan = scan_corpus(corpus)
            summary.ignored = scan.ignored
            summary.problems.extend(scan.problems)
            old_files = writer.files
            plan = plan_changes(scan, old_files, writer.full)
            summary.problems.extend(plan.problems)
            owner = plan.owners()
            for rel in plan.removed:
                if not writer.full:  # a rebuild starts from an empty index
                    writer.delete(rel, old_files[rel]["ids"])
                summary.removed += len(old_files[rel]["ids"])
            new_files: dict[str, dict] = dict(plan.kept)
            bar = progress(len(plan.to_read)) if progress and plan.to_read else None
            for result in writer.read(corpus, plan.to_read, max_bytes):
                cf = result.file
                if bar is not None:
                    bar.update(1)
                old = old_files.get(cf.rel)
                if not writer.full and same_content(old, result):
                    # Touched but identical: remember the new stat, write nothing.
                    new_files[cf.rel] = touched_entry(old, cf)
                    summary.problems.extend(Problem(*p) for p in old.get("problems", []))
                    for aid in old["ids"]:
                        owner[aid] = cf.rel
                    summary.unchanged += len(old["ids"])
                    continue
                if old is not None and not writer.full:
                    writer.delete(cf.rel, old["ids"])
                entry = _write_file(writer, result, cf, owner, old, summary)
                if entry is not None:
                    new_files[cf.rel] = entry
            if bar is not None:
                bar.close()
            summary.unchanged += sum(len(e["ids"]) for e in plan.kept.values())
            summary.skipped = sum(1 for p in summary.problems if p.skipped)
            writer.commit(new_files)
        except BaseException:
            writer.cancel()
            raise
        summary.articles = sum(len(e["ids"]) for e in new_files.values())
    summary.seconds = time.perf_counter() - start
    return summary


def _write_file(writer: IndexWriter, result: FileResult, cf: CorpusFile, owner: dict[str, str],
                old: dict | None, summary: Summary) -> dict | None:
    """Add a read file's articles (a second article with an id already held is refused);
    its new manifest entry, or None when it could not be read (tried again next run)."""
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
        writer.add(article, file_sig=file_sig, signature=result.signatures.get(article.id, False))
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
