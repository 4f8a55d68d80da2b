"""The sphinxql backend on a local Sphinx cluster against the Whoosh backend, same articles,
same run (issue 20):

    .venv/bin/python bench/cluster_bench.py --size 20000 [--queries 200] [--json FILE]

On the SYNTHETIC Reuters-based corpus of bench/make_corpus.py (bench/perf.py's, reused
from var/bench/corpus-<size>), in this order:
1. extraction in this process (the indexer's own read_file), timed: its Article records
   are the load's input and the query mix's vocabulary (perf.QueryMaker);
2. Whoosh: `news-search index --full` in a new process (extraction included), wall time;
3. for 1 shard, then 2 shards (each a fresh `LocalCluster` of that many shards + a front
   in a temporary folder): the load excluding extraction (the Articles written through
   the backend's writer in this process: story signatures, REPLACE batches, commit);
   for 2 shards also `news-search index --full` in a new process (extraction included,
   into a second index of the same cluster, after the serving figures);
4. serving, for Whoosh and each cluster: `news-search serve --workers 2` (gunicorn), 20
   warm-up queries, then the fixed seeded mix of --queries /api/search requests (facets
   and snippets, as the page asks) sent sequentially; p50/p95/p99 client-side.
Figures depend on the machine's load (printed); the size is printed with every line.
Exits 0 with a message when ../shared/data or searchd is absent."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "tests"))

from perf import (REUTERS, ROOT, WARMUP_QUERIES, QueryMaker, Run, ensure_corpus, extract, loadavg,  # noqa: E402
                  pct, send, size_label)
from harness.server import Server  # noqa: E402


def cli_index(corpus: Path, index: Path, env: dict) -> float:
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "search", "index", "--full", "--quiet", "--corpus", str(corpus),
                           "--index", str(index)], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"news-search index failed: {done.stderr}")
    return time.perf_counter() - t0


def load_articles(articles: list, index: Path) -> tuple[float, int]:
    """Write the Articles through the sphinxql writer in this process (no extraction);
    (seconds, bytes the shards' indexes take: RAM chunk + disk, SHOW INDEX STATUS)."""
    from search.core.backend import open_backend

    backend = open_backend("sphinxql", index)
    t0 = time.perf_counter()
    with backend.writer(full=True) as writer:
        for a in articles:
            writer.add(a, file_sig="bench")
        writer.commit({})
    seconds = time.perf_counter() - t0
    size = backend.stats()["index_bytes"]
    backend.close()
    return seconds, size


def serve(index: Path, env: dict, warmup: list, queries: list) -> dict:
    server = Server(index, workers=2, env=env)
    try:
        server.wait_ready()
        send(server.url, warmup, Run())
        run = Run()
        send(server.url, queries, run)
    finally:
        server.stop()
    if run.failures:
        raise SystemExit(f"{len(run.failures)} failed requests, e.g. {run.failures[0]}")
    ms = [x * 1000 for x in run.latencies]
    return {"p50": pct(ms, 50), "p95": pct(ms, 95), "p99": pct(ms, 99), "requests": len(ms),
            "totals": run.totals}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not REUTERS.is_dir():
        print(f"no {REUTERS}: nothing to measure")
        return 0
    from search.backends.sphinxql.cluster import ClusterError, LocalCluster, searchd_binary

    try:
        searchd_binary()
    except ClusterError as e:
        print(e)
        return 0
    n, label = args.size, size_label(args.size)
    print(f"cluster_bench at {label} articles (SYNTHETIC corpus), load average {loadavg()}")
    corpus = ensure_corpus(n)
    articles, extract_s = extract(corpus)
    print(f"  extraction (this process): {len(articles)} articles in {extract_s:.1f} s "
          f"({len(articles) / extract_s:,.0f}/s)")
    maker = QueryMaker(articles)
    warmup, queries = maker.make(WARMUP_QUERIES, 7), maker.make(args.queries, 2020)
    out: dict = {"size": n, "articles": len(articles), "extraction_s": extract_s, "loadavg_start": loadavg()}
    work = Path(tempfile.mkdtemp(prefix="cluster-bench-"))
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("NEWS_SEARCH_")}
    try:
        whoosh_env = {**base_env, "NEWS_SEARCH_BACKEND": "whoosh"}
        seconds = cli_index(corpus, work / "whoosh", whoosh_env)
        out["whoosh"] = {"index_full_s": seconds, "index_rate": len(articles) / seconds}
        print(f"  whoosh: index --full {seconds:.1f} s ({len(articles) / seconds:,.0f} articles/s, "
              "extraction included)")
        out["whoosh"].update(serve(work / "whoosh", whoosh_env, warmup, queries))
        print("  whoosh: /api/search p50 {p50:.1f} p95 {p95:.1f} p99 {p99:.1f} ms".format(**out["whoosh"]))
        for shards in (1, 2):
            cluster = LocalCluster(work / f"cluster-{shards}")
            cluster.create(shards)
            cluster.start()
            env = {**base_env, "NEWS_SEARCH_BACKEND": "sphinxql",
                   "NEWS_SEARCH_SPHINXQL_FRONT": cluster.front.sql_address,
                   "NEWS_SEARCH_SPHINXQL_SHARDS": ",".join(s.sql_address for s in cluster.shards)}
            saved = {k: os.environ.get(k) for k in env}
            os.environ.update(env)
            key = f"sphinxql_{shards}"
            try:
                seconds, size = load_articles(articles, work / f"sx-{shards}")
                out[key] = {"load_s": seconds, "load_rate": len(articles) / seconds, "index_bytes": size}
                print(f"  sphinxql {shards} shard(s): load {seconds:.1f} s ({len(articles) / seconds:,.0f} "
                      f"articles/s, extraction excluded); index {size / 2**20:.1f} MB")
                out[key].update(serve(work / f"sx-{shards}", env, warmup, queries))
                print(f"  sphinxql {shards} shard(s): /api/search p50 {out[key]['p50']:.1f} "
                      f"p95 {out[key]['p95']:.1f} p99 {out[key]['p99']:.1f} ms")
                if shards == 2:
                    seconds = cli_index(corpus, work / "sx-cli", env)
                    out[key].update(index_full_s=seconds, index_rate=len(articles) / seconds)
                    print(f"  sphinxql 2 shards: index --full {seconds:.1f} s "
                          f"({len(articles) / seconds:,.0f} articles/s, extraction included)")
            finally:
                for k, v in saved.items():
                    os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
                cluster.stop()
        same = sum(a == b for a, b in zip(out["whoosh"]["totals"], out["sphinxql_2"]["totals"]))
        print(f"  same total as Whoosh on {same} of {len(queries)} queries (engines differ in stemming, "
              "stop words, phrase gaps)")
        ratio = out["sphinxql_2"]["p95"] / out["whoosh"]["p95"]
        print(f"  p95 2 shards / Whoosh: {ratio:.2f}; load average at the end {loadavg()}")
        out["loadavg_end"] = loadavg()
        for key in ("whoosh", "sphinxql_1", "sphinxql_2"):
            out[key].pop("totals", None)
        if args.json:
            args.json.write_text(json.dumps(out, indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
