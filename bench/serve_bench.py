"""Serving benchmark: index Reuters-21578, serve it with gunicorn, measure /api/search.

Writes the Reuters stories as one JSON Lines corpus in a temporary folder (no place
labels), times `python -m search index`, starts `python -m search serve` on a free
loopback port and waits for /healthz.  Then sends a fixed set of queries (seeded:
single common and rare words, word pairs, quoted title phrases; with and without
country and date filters; relevance and date sorts; pages 1 and 5) to /api/search and
prints: time to first answer, sequential latency percentiles, requests/s with 4
concurrent clients, non-200 responses, and the RSS of each gunicorn worker.

Usage:  python bench/serve_bench.py [--queries N] [--workers N] [--keep DIR]
Exits 0 with a message when ../shared/data (relative to the project root) is absent.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
REUTERS = SHARED_DATA / "reuters21578"
if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))  # harness/: what the suite and the benchmarks share

from harness.server import Server  # noqa: E402
from reuters import read_reuters  # noqa: E402

SEED = 1234
COUNTRIES = ("US", "GB", "JP", "DE", "CA", "FR")
CLIENTS = 4
CONCURRENT_BUDGET_S = 120.0   # wall-clock bound for the concurrent phase
REQUEST_TIMEOUT_S = 30.0
START_TIMEOUT_S = 60.0
# Words too frequent or too grammatical to be useful queries or phrase halves.
STOP = frozenset("""a an and are as at be but by for from has have he in is it its of on or
said says that the their they this to was were which will with would not mln dlrs pct vs cts
shr net year reuter reuters""".split())
_WORD = re.compile(r"[a-z]{3,}")


# ------------------------------------------------------------------------------------------
# corpus and queries
# ------------------------------------------------------------------------------------------

def write_corpus(stories: list[dict], path: Path) -> int:
    """Write stories as JSON Lines with only the keys the indexer should see; return the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for s in stories:
            record = {"id": f"reuters-{s['id']}", "title": s["title"], "text": s["text"],
                      "published": s["published"]}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(stories)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in STOP}


def make_queries(stories: list[dict], n: int, seed: int = SEED) -> list[dict[str, str]]:
    """N seeded /api/search parameter sets drawn from the corpus vocabulary and titles."""
    rng = random.Random(seed)
    df: Counter[str] = Counter()
    for s in stories:
        df.update(_words(s["title"] + " " + s["text"]))
    n_docs = len(stories)
    by_df = sorted(df, key=lambda w: (-df[w], w))
    common = [w for w in by_df if n_docs * 0.02 <= df[w] <= n_docs * 0.20]   # 2-20% of stories
    mid = [w for w in by_df if 20 <= df[w] < n_docs * 0.02]
    rare = [w for w in by_df if 2 <= df[w] <= 5]
    phrases = []
    for s in stories:
        toks = s["title"].lower().split()
        for a, b in zip(toks, toks[1:]):
            if _WORD.fullmatch(a) and _WORD.fullmatch(b) and a not in STOP and b not in STOP:
                phrases.append(f'"{a} {b}"')
    phrases = sorted(set(phrases))
    days = sorted(s["published"][:10] for s in stories if s["published"])
    first, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    span = (last - first).days

    queries: list[dict[str, str]] = []
    for _ in range(n):
        kind = rng.choices(["common", "rare", "pair", "phrase"], weights=[3, 2, 3, 2])[0]
        if kind == "common":
            q = rng.choice(common)
        elif kind == "rare":
            q = rng.choice(rare)
        elif kind == "pair":
            q = f"{rng.choice(common)} {rng.choice(mid)}"
        else:
            q = rng.choice(phrases)
        params: dict[str, str] = {"q": q}
        if rng.random() < 0.3:
            params["country"] = rng.choice(COUNTRIES)
        if rng.random() < 0.3:
            start = first + timedelta(days=rng.randrange(span + 1))
            end = start + timedelta(days=rng.randrange(3, 31))
            params["from"], params["to"] = start.isoformat(), end.isoformat()
        params["sort"] = rng.choice(["relevance", "date"])
        params["page"] = "5" if rng.random() < 0.25 else "1"
        queries.append(params)
    return queries


# ------------------------------------------------------------------------------------------
# server
# ------------------------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    """Child pids of PID, from /proc/PID/task/*/children."""
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            pass
    return sorted(set(kids))


def rss_mb(pid: int) -> float | None:
    """VmRSS of PID in MB (None when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def memory(master: int) -> dict[str, float | None]:
    """RSS of the gunicorn master and of each of its workers."""
    out: dict[str, float | None] = {f"master {master}": rss_mb(master)}
    for pid in _children(master):
        out[f"worker {pid}"] = rss_mb(pid)
    return out


# ------------------------------------------------------------------------------------------
# load
# ------------------------------------------------------------------------------------------

@dataclass
class Run:
    """Outcome of sending queries: latencies (s), failures, server-side times (ms)."""
    latencies: list[float] = field(default_factory=list)
    failures: list[tuple[dict, str]] = field(default_factory=list)
    took_ms: list[float] = field(default_factory=list)
    reused: int = 0


def send_all(url: str, queries: list[dict[str, str]], run: Run, deadline: float | None = None) -> None:
    """Send QUERIES in order over one requests.Session, recording into RUN."""
    with requests.Session() as session:
        for params in queries:
            if deadline is not None and time.monotonic() > deadline:
                break
            t0 = time.perf_counter()
            try:
                r = session.get(url + "/api/search", params=params, timeout=REQUEST_TIMEOUT_S)
                dt = time.perf_counter() - t0
            except requests.RequestException as e:
                run.failures.append((params, f"{type(e).__name__}: {e}"))
                continue
            run.latencies.append(dt)
            if r.headers.get("Connection", "").lower() != "close":
                run.reused += 1
            if r.status_code != 200:
                run.failures.append((params, f"HTTP {r.status_code}: {r.text[:200]}"))
            else:
                run.took_ms.append(float(r.json().get("took_ms", math.nan)))


def concurrent(url: str, queries: list[dict[str, str]], clients: int) -> tuple[Run, float]:
    """Each of CLIENTS threads sends all queries once (rotated start); return (run, wall s)."""
    runs = [Run() for _ in range(clients)]
    deadline = time.monotonic() + CONCURRENT_BUDGET_S
    threads = []
    for i in range(clients):
        k = i * len(queries) // clients
        order = queries[k:] + queries[:k]
        threads.append(threading.Thread(target=send_all, args=(url, order, runs[i], deadline)))
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    total = Run()
    for r in runs:
        total.latencies += r.latencies
        total.failures += r.failures
        total.took_ms += r.took_ms
        total.reused += r.reused
    return total, wall


def pct(values: list[float], p: float) -> float:
    """The P-th percentile (nearest rank) of VALUES."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# ------------------------------------------------------------------------------------------
# main
# ------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=300, help="number of queries (default 300)")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    ap.add_argument("--keep", type=Path, default=None, metavar="DIR",
                    help="write corpus, index and server log into DIR and keep them")
    args = ap.parse_args(argv)
    if not SHARED_DATA.is_dir() or not any(REUTERS.glob("reut2-*.sgm")):
        print(f"skipped: Reuters-21578 not found under {SHARED_DATA}")
        return 0

    t_all = time.perf_counter()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        work = args.keep.resolve()
    else:
        work = Path(tempfile.mkdtemp(prefix="serve_bench-"))
    rows: list[tuple[str, str]] = []
    server: Server | None = None
    try:
        stories = read_reuters(REUTERS)
        corpus, index = work / "corpus", work / "index"
        n_articles = write_corpus(stories, corpus / "reuters.jsonl")
        queries = make_queries(stories, args.queries)
        print(f"corpus: {n_articles} Reuters stories -> {corpus}; {len(queries)} queries")

        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "search", "index", "--corpus", str(corpus),
                               "--index", str(index), "--quiet"],
                              cwd=ROOT, capture_output=True, text=True, timeout=600)
        t_index = time.perf_counter() - t0
        print(f"index: {proc.stdout.splitlines()[0] if proc.stdout else ''}")
        if proc.returncode != 0:
            print(f"index failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}", file=sys.stderr)
            return 1
        rows.append(("index build (wall)", f"{t_index:.1f} s"))
        rows.append(("index throughput", f"{n_articles / t_index:.0f} articles/s"))

        server = Server(index, args.workers, work / "gunicorn.log")
        t_health = server.wait_ready(timeout=START_TIMEOUT_S, poll=0.05)
        health = server.get("/healthz").json()
        first = requests.get(server.url + "/api/search", params=queries[0], timeout=REQUEST_TIMEOUT_S)
        t_first = time.perf_counter() - server.started
        print(f"healthz: {health}")
        rows.append(("time to /healthz 200 after start", f"{t_health:.2f} s"))
        rows.append(("time to first /api/search answer", f"{t_first:.2f} s (HTTP {first.status_code})"))
        rss_idle = memory(server.proc.pid)

        send_all(server.url, queries, Run())          # warm-up pass, not measured
        seq = Run()
        t0 = time.perf_counter()
        send_all(server.url, queries, seq)
        t_seq = time.perf_counter() - t0
        ms = [x * 1000 for x in seq.latencies]
        rows.append(("sequential: requests", f"{len(seq.latencies)} in {t_seq:.1f} s "
                                             f"({len(seq.latencies) / t_seq:.0f} req/s)"))
        for label, p in (("p50", 50), ("p95", 95), ("p99", 99)):
            rows.append((f"sequential latency {label}", f"{pct(ms, p):.1f} ms"))
        rows.append(("sequential latency max", f"{max(ms):.1f} ms"))
        rows.append(("server took_ms p50 / p95", f"{pct(seq.took_ms, 50):.1f} / {pct(seq.took_ms, 95):.1f} ms"))

        conc, t_conc = concurrent(server.url, queries, CLIENTS)
        cms = [x * 1000 for x in conc.latencies]
        expected = CLIENTS * len(queries)
        rows.append((f"{CLIENTS} clients: requests", f"{len(conc.latencies)}/{expected} in {t_conc:.1f} s"))
        rows.append((f"{CLIENTS} clients: throughput", f"{len(conc.latencies) / t_conc:.0f} req/s"))
        rows.append((f"{CLIENTS} clients: latency p50 / p95",
                     f"{pct(cms, 50):.1f} / {pct(cms, 95):.1f} ms"))
        failures = seq.failures + conc.failures
        rows.append(("non-200 / failed responses", str(len(failures))))
        total_resp = len(seq.latencies) + len(conc.latencies)
        rows.append(("connection kept open by server", f"{seq.reused + conc.reused}/{total_resp} responses "
                                                        "(gunicorn sync workers close after each)"))

        rss_load = memory(server.proc.pid)
        for name, mb in rss_idle.items():
            after = rss_load.get(name)
            rows.append((f"RSS {name} (idle -> after load)",
                         f"{mb:.1f} -> {after:.1f} MB" if mb is not None and after is not None
                         else f"{mb} -> {after}"))

        width = max(len(k) for k, _ in rows)
        title = f"serve benchmark: {n_articles} articles, {len(queries)} queries, {args.workers} workers"
        print("\n" + title + "\n" + "-" * len(title))
        for k, v in rows:
            print(f"{k:<{width}}  {v}")
        for params, reason in failures[:20]:
            print(f"FAILED {params}: {reason}")
        print(f"\nwhole run: {time.perf_counter() - t_all:.1f} s")
        return 1 if failures else 0
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            print(f"kept corpus, index and server log in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
