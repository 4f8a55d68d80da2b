"""Live reindex under load: client processes query the gunicorn-served API (2 workers)
without pause, each over one keep-alive session (requests.Session; gunicorn's sync
workers answer `Connection: close`, so the session reconnects: counted), while
incremental reindexes (articles added, changed and deleted) and one `--full`
rebuild run; then every answer is checked.

Each /api/search answer names the index state it came from (`generation`). After
each reindex the bench reads that state with a fresh WhooshBackend (which articles, in
which version), so every answer can be checked against the one state it claims:

- an empty search's total is that state's article count, its ids are in it;
- a search for `zqverV` finds exactly the articles at version V (total and ids);
- a search for one article's own word `zqartN` finds it iff the state holds it, and
  the version in its snippet (the stored text) is the state's;
- ordinary word queries (relaxed, highlighted) answer with ids of that state.

An answer that fits no recorded state, or the wrong one, is "inconsistent" (a mix of
old and new). For each reindex: "stale" counts answers to requests sent after the
run had ended that still came from an older state (target 0); "visible" is the time
from the run's end until the first answer sent after it came back from the new
state (target <= 1 s).

    python bench/soak.py [--seconds 60] [--clients 4] [--articles 3000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .reliability import WORDS, Corpus, Server, index_state, reindex, table

SNIPPET_VERSION = re.compile(r"zqver(?:</mark>)?(\d+)")


def article_id(n: int) -> str:
    return f"d{n % 20:02d}/art{n:05d}"


def client(url: str, seed: int, start: float, stop: float, max_article: int, max_version: int) -> list[tuple]:
    """Query until `stop` (time.monotonic, shared by all processes); one record per request:
    (sent, received, status, kind, param, generation, total, ids, snippet version, error,
    whether the server closed the connection after it)."""
    import requests

    rng = random.Random(seed)
    session = requests.Session()  # keep-alive when the server allows it (sync workers do not)
    records = []
    while time.monotonic() < start:
        time.sleep(0.001)
    while time.monotonic() < stop:
        kind = rng.choice(("all", "version", "article", "words"))
        if kind == "all":
            param, params = "", {"sort": "date", "collapse": "false"}
        elif kind == "version":
            param = rng.randint(0, max_version)
            params = {"q": f"zqver{param}", "per_page": "20", "collapse": "false"}
        elif kind == "article":
            param = rng.randrange(max_article)
            params = {"q": f"zqart{param:05d}", "collapse": "false"}
        else:
            param = " ".join(rng.sample(WORDS, rng.choice((1, 2, 4))))
            params = {"q": param}
        sent = time.monotonic()
        try:
            r = session.get(url + "/api/search", params=params, timeout=30)
            received = time.monotonic()
            if r.status_code == 200:
                body = r.json()
                hits = body["results"]
                version = None
                if kind == "article" and hits:
                    m = SNIPPET_VERSION.search(hits[0]["snippet"])
                    version = int(m.group(1)) if m else -1
                records.append((sent, received, 200, kind, param, body["generation"], body["total"],
                                [h["id"] for h in hits], version, None,
                                r.headers.get("Connection", "").lower() == "close"))
            else:
                records.append((sent, received, r.status_code, kind, param, None, None, [], None, r.text[:200],
                                r.headers.get("Connection", "").lower() == "close"))
        except Exception as e:  # a refused or broken connection counts as a failure
            records.append((sent, time.monotonic(), 0, kind, param, None, None, [], None, repr(e)[:200], True))
    return records


@dataclass
class Run:
    kind: str
    start: float
    end: float
    generation: str
    state: dict
    summary: str
    ok: bool


@dataclass
class Report:
    requests: int = 0
    failed: int = 0
    errors5xx: int = 0
    inconsistent: int = 0
    unknown_generation: int = 0
    max_latency: float = 0.0
    closed: int = 0  # answers after which the server closed the connection
    max_latency_quiet: float = 0.0  # of requests that overlapped no reindex
    p50: float = 0.0
    p99: float = 0.0
    runs: list[dict] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    server_errors: list[str] = field(default_factory=list)


def check(record: tuple, state: dict[str, int]) -> str | None:
    """Why an answer does not fit the index state it names, or None."""
    sent, received, status, kind, param, gen, total, ids, version, error, _ = record
    if any(i not in state for i in ids):
        return f"ids not in {gen}"
    if kind == "all":
        if total != len(state):
            return f"total {total} != {len(state)} articles in {gen}"
    elif kind == "version":
        expected = sorted(a for a, v in state.items() if v == param)
        if total != len(expected) or any(state[i] != param for i in ids):
            return f"zqver{param}: total {total}, expected {len(expected)} in {gen}"
    elif kind == "article":
        aid = article_id(param)
        if aid in state:
            if ids != [aid] or version != state[aid]:
                return f"{aid}: got {ids} version {version}, expected version {state[aid]} in {gen}"
        elif total != 0:
            return f"{aid} is not in {gen} but was found"
    return None


def soak(work: Path, *, seconds: float = 60, clients: int = 4, articles: int = 3000, gap: float = 1.5,
         change: tuple[int, int, int] = (30, 30, 20), seed: int = 5, log=print) -> Report:
    corpus = Corpus(work / "corpus", seed=seed)
    corpus.add(articles)
    index = work / "index"
    proc, took = reindex(corpus.folder, index)
    assert proc.returncode == 0, proc.stderr
    gen, state, _ = index_state(index)
    runs = [Run("initial", 0, 0, gen, state, proc.stdout.splitlines()[0], state == corpus.state)]
    server = Server(index, workers=2)
    report = Report()
    try:
        # Enough room for the versions and ids the run will create.
        steps = int(seconds / gap) + 2
        max_article = articles + steps * change[0] + 1
        ctx = multiprocessing.get_context("fork")
        start = time.monotonic() + 0.5
        stop = start + seconds
        with ctx.Pool(clients) as pool:
            pending = pool.starmap_async(client, [(server.url, seed * 100 + c, start, stop, max_article, steps + 1)
                                                  for c in range(clients)])
            time.sleep(max(0.0, start - time.monotonic()) + min(1.0, seconds / 10))
            full_done = False
            # Start a run only if it can end with a second of queries left to see it.
            expected = {"full": 2 * took, "incremental": 1.0}
            while True:
                full = not full_done and time.monotonic() > start + seconds / 3
                if time.monotonic() + expected["full" if full else "incremental"] + 1.0 > stop:
                    if full or time.monotonic() + expected["incremental"] + 1.0 > stop:
                        break
                    full = False  # no time left for the rebuild: one more incremental run
                corpus.mutate(*change)
                t0 = time.monotonic()
                proc, _ = reindex(corpus.folder, index, full=full)
                t1 = time.monotonic()
                full_done |= full
                kind = "full" if full else "incremental"
                expected[kind] = max(expected[kind], 1.5 * (t1 - t0))
                gen, state, _ = index_state(index)
                runs.append(Run("full" if full else "incremental", t0, t1, gen, state,
                                (proc.stdout.splitlines() or [proc.stderr])[0],
                                proc.returncode == 0 and state == corpus.state))
                log(f"  {runs[-1].kind:11s} {t1 - t0:5.2f} s  {gen}  {runs[-1].summary}")
                time.sleep(gap)
            records = [r for part in pending.get(timeout=seconds + 60) for r in part]
    finally:
        report.server_errors = [line for line in server.stop().splitlines()
                                if "Traceback" in line or "ERROR" in line or "CRITICAL" in line]
    report.seconds = seconds
    by_gen = {r.generation: n for n, r in enumerate(runs)}
    latencies = sorted(r[1] - r[0] for r in records)
    report.requests = len(records)
    report.closed = sum(r[10] for r in records)
    report.max_latency = latencies[-1] if latencies else 0.0
    report.p50 = latencies[len(latencies) // 2] if latencies else 0.0
    report.p99 = latencies[int(len(latencies) * 0.99)] if latencies else 0.0
    for rec in records:
        status, gen = rec[2], rec[5]
        if status != 200:
            report.failed += 1
            report.errors5xx += status >= 500
            if len(report.examples) < 5:
                report.examples.append(f"{status}: {rec[9]}")
            continue
        if gen not in by_gen:
            report.unknown_generation += 1
            report.inconsistent += 1
            if len(report.examples) < 5:
                report.examples.append(f"unknown generation {gen}")
            continue
        why = check(rec, runs[by_gen[gen]].state)
        if why:
            report.inconsistent += 1
            if len(report.examples) < 5:
                report.examples.append(why)
    quiet = [r[1] - r[0] for r in records if not any(r[1] >= run.start and r[0] <= run.end for run in runs[1:])]
    report.max_latency_quiet = max(quiet, default=0.0)
    for n, run in enumerate(runs[1:], start=1):
        after = [r for r in records if r[2] == 200 and r[0] >= run.end]
        stale = [r for r in after if by_gen.get(r[5], -1) < n]
        fresh = [r for r in after if by_gen.get(r[5], -1) >= n]
        first = min((r[1] for r in fresh), default=None)
        during = [r[1] - r[0] for r in records if r[1] >= run.start and r[0] <= run.end]
        report.runs.append({
            "run": n, "kind": run.kind, "seconds": run.end - run.start, "ok": run.ok, "generation": run.generation,
            "articles": len(run.state), "stale": len(stale),
            "visible": None if first is None else max(0.0, first - run.end),
            "max_latency_during": max(during, default=0.0), "summary": run.summary,
        })
    return report


def print_report(rep: Report, clients: int) -> None:
    print()
    print(table([[r["run"], r["kind"], f"{r['seconds']:.2f}", "yes" if r["ok"] else "NO", r["articles"],
                  r["stale"], "never" if r["visible"] is None else f"{r['visible'] * 1000:.0f}",
                  f"{r['max_latency_during'] * 1000:.0f}"] for r in rep.runs],
                ["run", "kind", "took s", "index = corpus", "articles", "stale answers", "visible after ms",
                 "max latency during ms"]))
    print()
    vis = [r["visible"] for r in rep.runs if r["visible"] is not None]
    print(table([
        ["client processes (requests.Session) / gunicorn workers", f"{clients} / 2"],
        ["seconds", f"{rep.seconds:g}"],
        ["requests served", rep.requests - rep.failed],
        ["requests/s", f"{rep.requests / rep.seconds:.0f}"],
        ["answers with Connection: close", rep.closed],
        ["failed (non-200 or no answer)", rep.failed],
        ["5xx", rep.errors5xx],
        ["inconsistent answers (old/new mixed)", rep.inconsistent],
        ["answers from an unknown generation", rep.unknown_generation],
        ["latency p50 / p99 ms", f"{rep.p50 * 1000:.0f} / {rep.p99 * 1000:.0f}"],
        ["longest pause (max latency) ms", f"{rep.max_latency * 1000:.0f}"],
        ["  of requests overlapping no reindex", f"{rep.max_latency_quiet * 1000:.0f}"],
        ["reindexes (incremental + full)", f"{sum(r['kind'] == 'incremental' for r in rep.runs)} + "
                                           f"{sum(r['kind'] == 'full' for r in rep.runs)}"],
        ["stale answers after a reindex ended", sum(r["stale"] for r in rep.runs)],
        ["visible after end, max ms", f"{max(vis) * 1000:.0f}" if vis else "-"],
        ["reindexes never seen in an answer", sum(r["visible"] is None for r in rep.runs)],
        ["server log errors", len(rep.server_errors)],
    ], ["measure", "value"]))
    for line in rep.examples:
        print("  e.g.", line)
    for line in rep.server_errors[:5]:
        print("  server:", line)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--articles", type=int, default=3000)
    ap.add_argument("--gap", type=float, default=1.5, help="seconds between the end of a reindex and the next")
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="soak-"))
    try:
        rep = soak(work, seconds=args.seconds, clients=args.clients, articles=args.articles, gap=args.gap,
                   seed=args.seed)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_report(rep, args.clients)
    bad = (rep.failed or rep.inconsistent or rep.server_errors or any(not r["ok"] or r["stale"] for r in rep.runs)
           or any(r["visible"] is None or r["visible"] > 1.0 for r in rep.runs))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
