"""Two versions of the Whoosh backend on the same queries, alternating, timed by stage:
for a change whose before and after cannot share one process (an index format change).

    .venv/bin/python bench/ab_stages.py --corpus var/bench/corpus-100k-c1800 \\
        --before SRC:INDEX --after SRC:INDEX [--queries 300] [--phrases 200] [--rounds 5] [--json FILE] \\
        [--mix FILE]

SRC is a source tree (e.g. `git archive main | tar -x -C DIR`; `.` for this one) and
INDEX an index that tree built from the corpus. Each side runs in its own process
(PYTHONPATH=SRC) with the backend's stages timed by bench/stages.py, after the same
warm-up. The queries are bench/perf.py's fixed mix (same seed, from the corpus's
vocabulary) plus --phrases more phrase queries of another seed; each goes to both
sides one after the other, which side first alternating, in each of --rounds rounds,
so both meet the same load. Per kind it prints p50/p95 of each query's median time
and the mean of its median match stage, before and after, and the median of the
per-query after/before ratios; and whether both sides gave the same answers (the
whole result but its time and generation: total, hits, scores, snippets, facets)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def serve(index: Path) -> None:
    """The child: one backend; a JSON line of parameters in, a JSON line of answer out."""
    import stages
    from search import config
    from search.backends.whoosh.engine import WhooshBackend
    from search.core.request import SearchRequest

    backend = WhooshBackend(index, time_limit=config.time_limit())
    timer = stages.StageTimer()
    stages.instrument(timer)
    backend.warm()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        params = json.loads(line)
        request = SearchRequest.from_params({k: [v] for k, v in params.items()})
        timer.reset()
        start = time.perf_counter()
        result = backend.search(request)
        ms = (time.perf_counter() - start) * 1000
        answer = result.to_dict()
        for key in ("took_ms", "generation"):
            answer.pop(key, None)
        print(json.dumps({"ms": ms, "match": timer.times.get("match", 0.0) * 1000, "relaxed": result.relaxed,
                          "answer": answer}, default=str), flush=True)


class Side:
    def __init__(self, spec: str) -> None:
        src, index = spec.rsplit(":", 1)
        env = dict(os.environ, PYTHONPATH=str(Path(src).resolve()))
        # The child runs in SRC: the index's path is made absolute here.
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve",
                                      str(Path(index).resolve())],
                                     cwd=src, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert json.loads(self.proc.stdout.readline())["ready"]

    def ask(self, params: dict[str, str]) -> dict:
        self.proc.stdin.write(json.dumps(params) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def compare(before: str, after: str, queries: list[dict[str, str]], warmup: list[dict[str, str]],
            rounds: int) -> dict:
    """Both sides (SRC:INDEX) on the queries, alternating, after the warm-up: per kind the
    figures printed, and per query ("rows") each side's median time and match stage and
    whether every answer was the same."""
    import perf

    sides = {"before": Side(before), "after": Side(after)}
    try:
        for params in warmup:
            for side in sides.values():
                side.ask(params)
        runs: dict[str, list[list[dict]]] = {name: [[] for _ in queries] for name in sides}
        for r in range(rounds):
            for i, params in enumerate(queries):
                order = ("before", "after") if (i + r) % 2 == 0 else ("after", "before")
                for name in order:
                    runs[name][i].append(sides[name].ask(params))
    finally:
        for side in sides.values():
            side.close()
    rows = []
    for i, params in enumerate(queries):
        b, a = runs["before"][i], runs["after"][i]
        rows.append({"params": params, "kind": perf.kind(params, b[0]["relaxed"]),
                     "same": all(x["answer"] == b[0]["answer"] for x in a + b),
                     "before_ms": statistics.median(x["ms"] for x in b),
                     "after_ms": statistics.median(x["ms"] for x in a),
                     "before_match": statistics.median(x["match"] for x in b),
                     "after_match": statistics.median(x["match"] for x in a)})
    out: dict = {"rounds": rounds, "groups": {}, "rows": rows}
    print(f"{'':18} {'n':>4} {'p50 before/after':>18} {'p95 before/after':>18} {'match mean b/a':>16} "
          f"{'after/before':>12}")
    for kind in (*perf.KINDS, "all"):
        group = [r for r in rows if kind in ("all", r["kind"])]
        if not group:
            continue
        g = {"n": len(group), "same": sum(r["same"] for r in group)}
        for side in ("before", "after"):
            ms = [r[f"{side}_ms"] for r in group]
            g[f"{side}_p50"], g[f"{side}_p95"] = perf.pct(ms, 50), perf.pct(ms, 95)
            g[f"{side}_match_mean"] = statistics.mean(r[f"{side}_match"] for r in group)
        g["ratio_median"] = statistics.median(r["after_ms"] / r["before_ms"] for r in group)
        out["groups"][kind] = g
        print(f"{kind:18} {g['n']:4} {g['before_p50']:8.1f} / {g['after_p50']:6.1f} {g['before_p95']:8.1f} / "
              f"{g['after_p95']:6.1f} {g['before_match_mean']:7.1f} / {g['after_match_mean']:6.1f} "
              f"{g['ratio_median']:11.3f}x   same answers {g['same']}/{g['n']}")
    return out


def make_mix(corpus: Path, n_queries: int, n_phrases: int) -> dict[str, list[dict[str, str]]]:
    """perf.py's fixed mix from the corpus's vocabulary, more phrases, and the warm-up."""
    import perf

    articles, _ = perf.extract(corpus)
    maker = perf.QueryMaker(articles)
    del articles
    queries = maker.make(n_queries, perf.SEED)
    queries += [q for q in maker.make(n_phrases * 8, perf.SEED + 3) if q["q"].startswith('"')][:n_phrases]
    return {"queries": queries, "warmup": maker.make(perf.WARMUP_QUERIES, perf.SEED + 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("--before", help="SRC:INDEX")
    ap.add_argument("--after", help="SRC:INDEX")
    ap.add_argument("--queries", type=int, default=300, help="perf.py's fixed mix (300)")
    ap.add_argument("--phrases", type=int, default=200, help="more phrase queries (200)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", type=Path, default=None, metavar="FILE")
    ap.add_argument("--mix", type=Path, default=None, metavar="FILE",
                    help="the queries: read from FILE when it exists, else made and saved there "
                         "(extracting 1,000,000 articles for them takes minutes)")
    args = ap.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0
    import perf

    if args.mix and args.mix.exists():
        mix = json.loads(args.mix.read_text())
    else:
        mix = make_mix(args.corpus, args.queries, args.phrases)
        if args.mix:
            args.mix.write_text(json.dumps(mix))
    queries, warmup = mix["queries"], mix["warmup"]
    print(f"{len(queries)} queries, {args.rounds} rounds; load average {perf.loadavg()}", flush=True)
    out = compare(args.before, args.after, queries, warmup, args.rounds)
    print(f"load average at the end {perf.loadavg()}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0 if all(r["same"] for r in out["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())
