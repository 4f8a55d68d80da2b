"""Two versions of the code on the same corpus, in one run: the full build (wall and CPU
seconds) and the same query mix in one process (wall and CPU milliseconds per query), each
version in its own process, the order alternating between rounds, so that the ratio
new/old is what a change costs. Each version is a source tree (`git worktree add DIR REV`)
run with this interpreter and its packages.

    .venv/bin/python bench/ab_trees.py --old ../old-tree --new . --corpus var/bench/corpus-100k \\
        [--rounds 2] [--queries 300]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from perf import pct  # bench/perf.py: the nearest-rank percentile every benchmark prints

# Run inside a tree: the query mix through its own backend, per-query wall and CPU ms.
QUERY_SCRIPT = r"""
import json, sys, time
from pathlib import Path
from search.backends.whoosh.engine import WhooshBackend
from search.core.request import SearchRequest
backend = WhooshBackend(Path(sys.argv[1]))
queries = json.loads(Path(sys.argv[2]).read_text())
for params in queries[:20]:
    backend.search(SearchRequest.from_params({k: [v] for k, v in params.items()}))
out = []
for params in queries:
    request = SearchRequest.from_params({k: [v] for k, v in params.items()})
    wall, cpu = time.perf_counter(), time.process_time()
    result = backend.search(request)
    out.append([(time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, result.total])
print(json.dumps(out))
"""

# Run once, in the tree that built the first index (which its own code can read): a seeded
# mix of single words, pairs and title phrases.
MIX_SCRIPT = r"""
import json, random, re, sys
from pathlib import Path
from search.backends.whoosh.engine import WhooshBackend
backend = WhooshBackend(Path(sys.argv[1]))
s = backend.searcher()
rng = random.Random(int(sys.argv[3]))
titles = [s.stored_fields(d).get("title", "") for d in rng.sample(range(s.doc_count_all()), min(3000, s.doc_count_all()))]
words = sorted({w.lower() for t in titles for w in re.findall(r"[A-Za-z]{4,}", t)})
phrases = sorted({f'"{a.lower()} {b.lower()}"' for t in titles
                  for a, b in zip(t.split(), t.split()[1:]) if a.isalpha() and b.isalpha() and len(a) > 3 and len(b) > 3})
mix = []
for i in range(int(sys.argv[2])):
    kind = i % 6
    q = (f"{rng.choice(words)} {rng.choice(words)}" if kind in (3, 4) else rng.choice(phrases) if kind == 5
         else rng.choice(words))
    mix.append({"q": q})
Path(sys.argv[4]).write_text(json.dumps(mix))
"""


def run_in(tree: Path, args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the process and its children) and stdout of a command in a tree."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=tree, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{tree}: {' '.join(args[:3])} failed:\n{done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", type=Path, required=True)
    parser.add_argument("--new", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=4242)
    args = parser.parse_args()
    trees = {"old": args.old.resolve(), "new": args.new.resolve()}
    corpus = args.corpus.resolve()
    work = Path(tempfile.mkdtemp(prefix="ab-trees-"))
    figures: dict[str, dict[str, list[float]]] = {name: {} for name in trees}
    mix = work / "mix.json"
    for name, tree in trees.items():  # first-run caches (country names) are built here, not timed
        run_in(tree, ["-m", "search", "index", "--full", "--quiet", "--corpus", str(tree / "corpus"),
                      "--index", str(work / f"{name}-warm-up")])
    for r in range(args.rounds):
        order = ["old", "new"] if r % 2 == 0 else ["new", "old"]
        for name in order:
            index = work / f"{name}-index"
            wall, cpu, _ = run_in(trees[name], ["-m", "search", "index", "--full", "--quiet", "--corpus",
                                                str(corpus), "--index", str(index)])
            if not mix.exists():
                run_in(trees[name], ["-c", MIX_SCRIPT, str(index), str(args.queries), str(args.seed), str(mix)])
            _, _, out = run_in(trees[name], ["-c", QUERY_SCRIPT, str(index), str(mix)])
            per_query = json.loads(out)
            got = figures[name]
            for key, value in (("build wall s", wall), ("build CPU s", cpu),
                               ("query wall p50 ms", pct([q[0] for q in per_query], 50)),
                               ("query wall p95 ms", pct([q[0] for q in per_query], 95)),
                               ("query CPU p50 ms", pct([q[1] for q in per_query], 50)),
                               ("query CPU p95 ms", pct([q[1] for q in per_query], 95)),
                               ("query CPU total ms", sum(q[1] for q in per_query))):
                got.setdefault(key, []).append(value)
            got.setdefault("totals", []).append([q[2] for q in per_query])
            print(f"round {r + 1} {name}: build {wall:.1f} s wall, {cpu:.1f} s CPU; load {os.getloadavg()[0]:.1f}",
                  flush=True)
    print(f"\n{'figure':<20} {'old (median)':>13} {'new (median)':>13} {'new/old, per round':>28}")
    for key in figures["old"]:
        if key == "totals":
            continue
        old, new = figures["old"][key], figures["new"][key]
        ratios = ", ".join(f"{n / o:.3f}" for o, n in zip(old, new))
        print(f"{key:<20} {statistics.median(old):>13.2f} {statistics.median(new):>13.2f}   {ratios}")
    same = figures["old"]["totals"][0] == figures["new"]["totals"][0]
    print(f"\nsame number of matches for every query: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
