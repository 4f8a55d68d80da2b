"""Shared by the soak and crash runs (bench/soak.py, bench/crash.py) and their short versions in the suite: a
corpus whose every article carries its own version in its text, so the state of an
index (which articles, in which version) can be read back and compared; the real
CLI in subprocesses; gunicorn on a free loopback port.

An article is one file `dN/artNNNNN.txt` whose text ends with `zqartNNNNN zqverV`:
the index state is the map id -> V read from the stored texts of a freshly opened
WhooshBackend, and a search for `zqverV` must find exactly the articles at version V."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

from .server import PROJECT, Server as GunicornServer

VERSION = re.compile(r"\bzqart(\d+) zqver(\d+)\b")
WORDS = ("trade minister exports election court police oil prices bank rates storm flood harvest "
         "coffee copper wheat strike union rail port tourism talks summit border army navy budget "
         "tax inflation market shares bond yields chip factory drought rain wildfire vaccine hospital "
         "school teachers students energy solar wind nuclear gas pipeline treaty sanctions embassy "
         "airline airport fishing mine gold silver steel cars exports imports deficit growth").split()
CITIES = ("HAVANA", "SEOUL", "TOKYO", "PARIS", "LIMA", "CAIRO", "NAIROBI", "OSLO", "MANILA", "QUITO")


class Corpus:
    """A folder of .txt articles, each with an id and a version; `state` is what the
    index must hold once a run over the folder has finished."""

    def __init__(self, folder: Path, seed: int = 1, words: int = 150) -> None:
        self.folder = Path(folder)
        self.rng = random.Random(seed)
        self.words = words
        self.state: dict[str, int] = {}
        self.next_n = 0

    def _path(self, aid: str) -> Path:
        return self.folder / (aid + ".txt")

    def _write(self, aid: str, version: int) -> None:
        n = int(aid.rsplit("art", 1)[1])
        r = random.Random(n * 1000 + version)
        body = " ".join(r.choice(WORDS) for _ in range(self.words))
        text = (f"Story {n} on {r.choice(WORDS)} and {r.choice(WORDS)}\n\n"
                f"{CITIES[n % len(CITIES)]} - {body}.\n\nzqart{n:05d} zqver{version}\n")
        p = self._path(aid)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name("." + p.name)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, p)  # the indexer never reads half a file

    def add(self, count: int) -> list[str]:
        out = []
        for _ in range(count):
            n = self.next_n
            self.next_n += 1
            aid = f"d{n % 20:02d}/art{n:05d}"
            self._write(aid, 0)
            self.state[aid] = 0
            out.append(aid)
        return out

    def change(self, count: int) -> list[str]:
        chosen = self.rng.sample(sorted(self.state), min(count, len(self.state)))
        for aid in chosen:
            self.state[aid] += 1
            self._write(aid, self.state[aid])
        return chosen

    def delete(self, count: int) -> list[str]:
        chosen = self.rng.sample(sorted(self.state), min(count, len(self.state)))
        for aid in chosen:
            self._path(aid).unlink()
            del self.state[aid]
        return chosen

    def mutate(self, add: int, change: int, delete: int) -> None:
        self.delete(delete)
        self.change(change)
        self.add(add)


def cli(*args, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "search", *map(str, args)], cwd=PROJECT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def reindex(corpus: Path, index: Path, full: bool = False) -> tuple[subprocess.CompletedProcess, float]:
    """One `news-search index` run to its end: (the finished process, its wall time)."""
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "search", "index", "--quiet", "--corpus", str(corpus),
                           "--index", str(index), *(["--full"] if full else [])],
                          cwd=PROJECT, capture_output=True, text=True, timeout=600)
    return proc, time.monotonic() - start


def index_state(index: Path) -> tuple[str, dict[str, int], int]:
    """(generation, id -> version, total of an empty search) from a freshly opened
    WhooshBackend: the state a new reader sees."""
    from search.core.request import SearchRequest
    from search.backends.whoosh.engine import WhooshBackend

    engine = WhooshBackend(index)
    try:
        s = engine.searcher()
        gen = engine.generation(s)
        state = {}
        for fields in s.all_stored_fields():
            m = VERSION.search(fields.get("text", ""))
            state[fields["id"]] = int(m.group(2)) if m else -1
        total = engine.search(SearchRequest.from_params({"q": [""], "per_page": ["1"]})).total
        return gen, state, total
    finally:
        engine.close()


def leftovers(index: Path) -> list[str]:
    """What a finished run should never leave: half-made generations, temporary links,
    writer temporary folders, segment or TOC files no TOC names."""
    from search.backends.whoosh import store

    index = Path(index)
    out = [p.name for p in index.glob(f".{store.CURRENT}.*")]
    cur = store.current_dir(index)
    for p in index.glob("gen-*"):
        if p.resolve() != cur and not (p / store.MANIFEST).exists():
            out.append(p.name)
    if cur is None:
        return out
    out += [f"{cur.name}/{p.name}" for p in cur.glob("*.tmp")]
    from whoosh.index import TOC

    toc = TOC.read(store.storage(cur), "MAIN")
    live = {s.segment_id() for s in toc.segments}
    for name in os.listdir(cur):
        m = re.match(r"(MAIN_[0-9a-z]+)\.", name)
        if m and m.group(1) not in live:
            out.append(f"{cur.name}/{name}")
        if name.startswith("_MAIN_") and name != f"_MAIN_{toc.generation}.toc":
            out.append(f"{cur.name}/{name}")
    return out


def processes_on(index: Path) -> list[int]:
    """Live processes whose command line names this index (a reindex or its workers)."""
    needle = str(index).encode()
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
            with open(f"/proc/{pid}/stat", "rb") as f:
                zombie = f.read().rsplit(b")", 1)[1].split()[0] == b"Z"
        except OSError:
            continue
        if needle in cmd and b"index" in cmd and b"serve" not in cmd and not zombie:
            found.append(int(pid))
    return found


class Server(GunicornServer):
    """`news-search serve` (gunicorn) on a free loopback port, ready once constructed;
    its log holds warnings and errors only (`stop()` returns it)."""

    def __init__(self, index: Path, workers: int = 2) -> None:
        super().__init__(index, workers, env={**os.environ, "NEWS_SEARCH_LOG_LEVEL": "warning"})
        self.wait_ready(timeout=60)


def table(rows: list[list], header: list[str]) -> str:
    cells = [[str(c) for c in r] for r in [header, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
