"""Where the index lives on disk: generation folders under one root, a `current`
symlink switched atomically, a lock so that one reindex runs at a time, and the
manifest that makes incremental runs cheap. Readers and the writer agree here."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import sys
import time
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError, Index

from . import analysis, codec, internals, positions
from ...core.backend import IndexLocked, NoIndex
from .schema import make_schema

# An index's table of contents pickles its schema's analyzer and formats and its codec by
# module path. Indexes written before the Whoosh backend moved into search/backends/whoosh/
# (2026-12-03) name search.analysis and search.codec: those names stay importable, so such
# an index opens (and reindexes) as it is instead of failing with ModuleNotFoundError.
for _old_path, _module in (("search.analysis", analysis), ("search.codec", codec)):
    sys.modules.setdefault(_old_path, _module)

CURRENT = "current"
LOCK = ".lock"
MANIFEST = "manifest.json"
# Bump when the schema or the analysis changes: the next run then rebuilds fully.
SCHEMA_VERSION = 5


def storage(gen_dir: Path) -> FileStorage:
    # Without mmap: Whoosh copies mmapped postings into private memory anyway,
    # and refreshes are much faster this way (see the field notes).
    return FileStorage(str(gen_dir), supports_mmap=False)


def current_dir(root: Path) -> Path | None:
    """The generation folder the `current` link points at, or None."""
    link = Path(root) / CURRENT
    try:
        target = os.readlink(link)
    except OSError:
        return None
    return (Path(root) / target).resolve()


def open_current(root: Path) -> tuple[Index, Path]:
    gen = current_dir(root)
    if gen is None or not gen.is_dir():
        raise NoIndex(f"no index in {root}: run `news-search index` first")
    try:
        ix = storage(gen).open_index()
    except EmptyIndexError:
        raise NoIndex(f"the index in {gen} is empty or unreadable: run `news-search index --full`") from None
    if any(positions.stale(field.format) for _name, field in ix.schema.items()):
        # Its positions are pickles, which this version's decoders would misread.
        raise NoIndex(f"the index in {gen} was written by an older version of news-search (positions "
                      f"stored another way): run `news-search index` to rebuild it")
    return ix, gen


def create_generation(root: Path) -> tuple[Index, Path]:
    Path(root).mkdir(parents=True, exist_ok=True)
    name = time.strftime("gen-%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
    gen = Path(root) / name
    gen.mkdir()
    return storage(gen).create_index(make_schema()), gen


def switch_current(root: Path, gen: Path) -> None:
    """Point `current` at gen in one rename: readers see the old index or the new, never neither."""
    tmp = Path(root) / f".{CURRENT}.{os.getpid()}"
    try:
        tmp.unlink()
    except FileNotFoundError:
        pass
    os.symlink(gen.name, tmp)
    os.replace(tmp, Path(root) / CURRENT)
    _fsync_dir(root)


def remove_old_generations(root: Path, keep: int = 1) -> None:
    """Delete generations except the current one and the `keep` newest others: a web
    worker may still be reading the previous one for a moment after a switch."""
    cur = current_dir(root)
    others = sorted((p for p in Path(root).glob("gen-*") if p.is_dir() and p.resolve() != cur),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def clean_leftovers(root: Path) -> list[str]:
    """Remove what a killed run left behind; call it holding the Lock (no writer is
    running then). A full run killed before its manifest was written leaves a
    generation folder without one; a killed switch leaves a temporary link; a writer
    killed in the current generation leaves its temporary folder (MAIN.tmp), files it
    was about to rename into place (.*.tmp), segment files no table of contents names
    and half-written TOC files. Readers only open what the latest TOC names, so none
    of these is ever read. Returns what went."""
    root = Path(root)
    removed: list[str] = []
    if not root.is_dir():
        return removed
    cur = current_dir(root)
    for p in root.glob(f".{CURRENT}.*"):
        if p.is_symlink():
            p.unlink(missing_ok=True)
            removed.append(p.name)
    for p in root.glob("gen-*"):
        if p.is_dir() and p.resolve() != cur and not (p / MANIFEST).exists():
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    if cur is None or not cur.is_dir():
        return removed
    for p in cur.glob("*.tmp"):
        if p.is_dir():  # the writers' temporary folders (MAIN.tmp)
            shutil.rmtree(p, ignore_errors=True)
            removed.append(f"{cur.name}/{p.name}")
        elif p.name.startswith("."):  # files saved by replacing: manifest, facet arrays and tables
            p.unlink(missing_ok=True)
            removed.append(f"{cur.name}/{p.name}")
    before = set(os.listdir(cur))
    if not internals.clean_unlisted_files(storage(cur)):  # no readable TOC: leave the files
        return removed
    for name in os.listdir(cur):
        if internals.is_unfinished_toc(name):
            (cur / name).unlink(missing_ok=True)
    removed += [f"{cur.name}/{n}" for n in sorted(before - set(os.listdir(cur)))]
    return removed


def read_manifest(gen: Path) -> dict | None:
    try:
        return json.loads((gen / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None


def write_manifest(gen: Path, manifest: dict) -> None:
    tmp = gen / f".{MANIFEST}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(manifest, f, separators=(",", ":"))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, gen / MANIFEST)


_HELD: set[int] = set()


def _after_fork_in_child() -> None:
    """Whoosh's parallel writer forks workers. They must not keep the reindex lock
    (a flock lives as long as any inherited copy of its descriptor), and they must
    not outlive a killed parent: both would block the next run."""
    for fd in list(_HELD):
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


os.register_at_fork(after_in_child=_after_fork_in_child)


class Lock:
    """An exclusive, non-blocking lock on the index root, released by the kernel
    when the process dies (so kill -9 never leaves a stale lock)."""

    def __init__(self, root: Path) -> None:
        self.path = Path(root) / LOCK
        self.fd: int | None = None

    def __enter__(self) -> "Lock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            if e.errno in (errno.EAGAIN, errno.EACCES):
                who = f" (pid {holder})" if holder else ""
                raise IndexLocked(f"another `news-search index` is already running on {self.path.parent}{who}; "
                                  "try again when it has finished") from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self.fd = fd
        _HELD.add(fd)
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            _HELD.discard(self.fd)
            os.ftruncate(self.fd, 0)
            os.close(self.fd)
            self.fd = None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
