"""Disk full and a read-only index folder: `news-search index` exits 1 with one clear
line (no traceback), the previous index stays intact and searchable, what the failed
run wrote is given back, and once the fault is gone the next run completes.

Faults are real where this machine allows it: a size-limited tmpfs for disk full and
a read-only bind mount (as root) or a folder without write permission (otherwise).
The same checks also run with the fault injected at the write calls by a
`sitecustomize.py` in the child process (ENOSPC after a byte budget, EROFS on every
write), so they run where mount is not allowed too."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import run_cli, search_json

from harness.reliability import Corpus, index_state, leftovers

# Loaded at start-up by the child interpreter (PYTHONPATH): fails writes under FAULT_DIR.
SITECUSTOMIZE = r'''
import builtins, errno, io, os

_DIR = os.path.realpath(os.environ["FAULT_DIR"]) + os.sep
_ERRNO = getattr(errno, os.environ["FAULT_ERRNO"])
_budget = [int(os.environ.get("FAULT_AFTER_BYTES", "0"))]
_open, _os_open = builtins.open, os.open


def _under(path):
    try:
        return os.path.realpath(os.fspath(path)).startswith(_DIR)
    except TypeError:  # a file descriptor
        return False


def _fail(path=None):
    raise OSError(_ERRNO, os.strerror(_ERRNO), None if path is None else os.fspath(path))


class _Full:
    """A file that runs out of space once the byte budget is spent."""

    def __init__(self, f, path):
        self._f, self._path = f, path

    def write(self, data):
        _budget[0] -= len(data)
        if _budget[0] < 0:
            _fail(self._path)
        return self._f.write(data)

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()

    def __iter__(self):
        return iter(self._f)


def open(file, mode="r", *args, **kwargs):
    if any(c in mode for c in "wax+") and _under(file):
        if _ERRNO == errno.EROFS:
            _fail(file)
        return _Full(_open(file, mode, *args, **kwargs), file)
    return _open(file, mode, *args, **kwargs)


def os_open(path, flags, *args, **kwargs):
    if _ERRNO == errno.EROFS and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and _under(path):
        _fail(path)
    return _os_open(path, flags, *args, **kwargs)


def _refuse(real):
    def wrapper(path, *args, **kwargs):
        if _under(path):
            if real is os.mkdir and os.path.exists(path):
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), path)
            _fail(path)
        return real(path, *args, **kwargs)
    return wrapper


builtins.open = io.open = open
os.open = os_open
if _ERRNO == errno.EROFS:
    for _name in ("mkdir", "rmdir", "unlink", "remove", "symlink", "replace", "rename", "chmod"):
        setattr(os, _name, _refuse(getattr(os, _name)))
'''


def _index(corpus: Path, index: Path, full: bool = False, env: dict | None = None) -> subprocess.CompletedProcess:
    return run_cli("index", "--quiet", "--corpus", corpus, "--index", index, *(["--full"] if full else []), env=env)


def _injected(tmp_path: Path, folder: Path, err: str, after_bytes: int = 0) -> dict:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    return {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
            "FAULT_DIR": str(folder), "FAULT_ERRNO": err, "FAULT_AFTER_BYTES": str(after_bytes)}


def _mount(args: list[str]) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _one_clear_line(proc: subprocess.CompletedProcess, reason: str) -> None:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("news-search index: ") and reason in lines[0], lines[0]


def _corpus(tmp_path: Path, articles: int = 300) -> Corpus:
    corpus = Corpus(tmp_path / "corpus", seed=9)
    corpus.add(articles)
    return corpus


def _assert_intact(index: Path, old: tuple) -> None:
    """The index answers exactly as before the failed run, from a fresh reader and the CLI."""
    gen, state, total = index_state(index)
    assert (gen, state, total) == old
    assert search_json(index)["total"] == len(state)
    some = sorted(state)[0]
    assert search_json(index, f"zqart{some.rsplit('art', 1)[1]}")["results"][0]["id"] == some


@pytest.mark.parametrize("full", [False, True], ids=["incremental", "full"])
@pytest.mark.parametrize("how", ["tmpfs", "injected"])
def test_disk_full_is_one_clear_line_and_the_old_index_stays(tmp_path, how, full):
    corpus = _corpus(tmp_path, 100)
    disk = tmp_path / "disk"
    disk.mkdir()
    if how == "tmpfs" and not _mount(["-t", "tmpfs", "-o", "size=32m", "tmpfs", str(disk)]):
        pytest.skip("cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN); the injected case covers it")
    try:
        index = disk / "index"
        assert _index(corpus.folder, index).returncode == 0
        old = index_state(index)
        old_files = sorted(p.relative_to(index) for p in index.rglob("*"))
        filler = disk / "filler"
        env = None
        if how == "tmpfs":  # leave 100 kB: the new articles need more
            st = os.statvfs(disk)
            filler.write_bytes(b"\0" * max(0, st.f_bavail * st.f_frsize - 100_000))
        else:
            env = _injected(tmp_path, index, "ENOSPC", after_bytes=100_000)
        # Real disk full with a full rebuild: enough articles (> 2 MB) for the worker
        # processes, so the error comes from a worker; else a few hundred.
        corpus.add(1900 if how == "tmpfs" and full else 500)
        corpus.change(20)
        proc = _index(corpus.folder, index, full=full, env=env)
        _one_clear_line(proc, "No space left on device")
        assert "previous index is intact" in proc.stderr
        _assert_intact(index, old)
        # What the failed run wrote is given back at once (half-made generation,
        # partial segments, the writer's temporary folder).
        assert leftovers(index) == []
        assert sorted(p.relative_to(index) for p in index.rglob("*")) == old_files
        # Space again: the next run completes and the index is the corpus.
        filler.unlink(missing_ok=True)
        proc = _index(corpus.folder, index, full=full)
        assert proc.returncode == 0, proc.stderr
        assert index_state(index)[1] == corpus.state
    finally:
        if how == "tmpfs":
            _umount(disk)


@pytest.mark.parametrize("how", ["read-only mount", "no write permission", "injected"])
def test_read_only_index_folder_is_one_clear_line_and_stays_searchable(tmp_path, how):
    corpus = _corpus(tmp_path, 60)
    index = tmp_path / "index"
    assert _index(corpus.folder, index).returncode == 0
    corpus.add(20)
    env, target, undo = None, index, None
    if how == "read-only mount":
        if os.geteuid() != 0:
            pytest.skip("a read-only bind mount needs root; 'no write permission' covers it")
        target = tmp_path / "ro-index"
        target.mkdir()
        if not (_mount(["--bind", str(index), str(target)])
                and _mount(["-o", "remount,bind,ro", str(target)])):
            _umount(target)
            pytest.skip("cannot make a read-only bind mount here; the injected case covers it")
        undo = lambda: _umount(target)  # noqa: E731
        reason = "Read-only file system"
    elif how == "no write permission":
        if os.geteuid() == 0:
            pytest.skip("root writes through missing permissions; the read-only mount and injected cases cover it")
        modes = {p: p.stat().st_mode for p in [index, *index.rglob("*")] if not p.is_symlink()}
        for p, mode in modes.items():
            p.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))

        def undo():
            for p, mode in modes.items():
                p.chmod(mode)
        reason = "Permission denied"
    else:
        env = _injected(tmp_path, index, "EROFS")
        reason = "Read-only file system"
    try:
        old = index_state(target)
        for full in (False, True):
            proc = _index(corpus.folder, target, full=full, env=env)
            _one_clear_line(proc, reason)
            _assert_intact(target, old)
    finally:
        if undo is not None:
            undo()
    proc = _index(corpus.folder, index)
    assert proc.returncode == 0, proc.stderr
    assert index_state(index)[1] == corpus.state
