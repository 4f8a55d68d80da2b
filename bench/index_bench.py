"""Indexing benchmark on Reuters-21578: full build, one added article, nothing changed,
against a plain single-writer Whoosh index of the same texts built in this process.

    .venv/bin/python bench/index_bench.py [--keep DIR] [--limit N]

Writes each story as `<id>.txt` (title on the first line, then dateline and body)
with a `<id>.meta.json` sidecar holding its date; no place labels."""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
DATA = PROJECT.parent / "shared" / "data" / "reuters21578"
sys.path[:0] = [str(HERE), str(PROJECT)]

import whoosh_reference  # noqa: E402


def run_index(corpus: Path, index: Path, *extra: str) -> tuple[float, str]:
    """Wall time of `news-search index` in a new process, as a user runs it."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "search", "index", "--quiet", "--corpus", str(corpus),
                           "--index", str(index), *extra], cwd=PROJECT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"index failed: {proc.stderr}")
    return wall, proc.stdout.splitlines()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N stories")
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"skipped: {DATA} is absent (the Reuters-21578 data is needed)")
        return 0
    from reuters import read_reuters

    stories = read_reuters(DATA)
    if args.limit:
        stories = stories[: args.limit]
    work = args.keep or Path(tempfile.mkdtemp(prefix="index-bench-"))
    if work.exists():
        shutil.rmtree(work)
    corpus, index = work / "corpus", work / "index"
    corpus.mkdir(parents=True)
    try:
        for s in stories:
            name = f"reuters-{int(s['id']):05d}"
            (corpus / f"{name}.txt").write_text(f"{s['title']}\n\n{s['text']}", encoding="utf-8")
            if s["published"]:
                (corpus / f"{name}.meta.json").write_text(json.dumps({"published": s["published"]}))
        n = len(stories)
        print(f"Reuters-21578: {n} stories as .txt + .meta.json in {corpus}")

        full, line = run_index(corpus, index, "--full")
        print(f"  full build (new process, extraction included): {full:6.2f} s  {n / full:7.0f} articles/s   [{line}]")

        extra = corpus / "zz-added.txt"
        extra.write_text("Benchmark story added\n\nLONDON, March 3 - An added story about copper prices.\n")
        add, line = run_index(corpus, index)
        print(f"  one article added:                            {add:6.2f} s   [{line}]")
        same, line = run_index(corpus, index)
        print(f"  nothing changed:                              {same:6.2f} s   [{line}]")
        extra.unlink()

        base, _, _ = whoosh_reference.build(work / "plain", (
            {"id": s["id"], "path": s["id"] + ".txt", "title": s["title"], "text": s["text"],
             "published_iso": s["published"]} for s in stories))
        print(f"  plain Whoosh, one writer, pre-cleaned text:   {base:6.2f} s  {n / base:7.0f} articles/s")
        print(f"  ratio full build / plain Whoosh throughput:   {base / full:6.2f}x")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"  peak RSS of the largest index process:        {peak:6.0f} MB")
        print("targets: full >= 1,000 articles/s; one added <= 1.5 s; nothing changed <= 1.0 s")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
