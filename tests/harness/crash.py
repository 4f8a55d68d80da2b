"""Crash safety: SIGKILL `news-search index` at random points (fixed seed) of
incremental and of `--full` runs, and check after each kill that

- no process of the killed run survives it (full rebuilds fork workers),
- a freshly opened WhooshBackend, and a gunicorn server that kept running, answer from a
  consistent index: exactly the articles and versions before the run, or exactly
  those after it (never a mix),
- the next run completes (exit 0), leaves no leftovers (half-made generations,
  temporary folders, unreferenced segment files), and the index then holds exactly
  the corpus's articles: same count, same ids, same versions.

Before each run the corpus changes (articles added, changed and deleted), so "before"
and "after" differ. The corpus is large enough (> 2 MB) for full rebuilds to use
worker processes (search/backends/whoosh/build.py).

    python bench/crash.py [--kills 20] [--articles 3000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from .reliability import Corpus, Server, cli, index_state, leftovers, processes_on, reindex, table

CHANGES = {"incremental": (200, 100, 150), "full": (40, 30, 20)}  # (add, change, delete) before each run


def kill_round(corpus: Corpus, index: Path, full: bool, delay: float, server=None, recover_full=None) -> dict:
    """Change the corpus, start a run, SIGKILL it after `delay` s, check, run again, check."""
    before = dict(corpus.state)
    corpus.mutate(*CHANGES["full" if full else "incremental"])
    after = dict(corpus.state)
    assert len(before) != len(after)
    row = {"delay": delay}
    proc = cli("index", "--quiet", "--corpus", corpus.folder, "--index", index, *(["--full"] if full else []))
    time.sleep(delay)
    row["killed"] = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    # Workers of a full rebuild die with their parent (PR_SET_DEATHSIG).
    deadline = time.monotonic() + 2
    while processes_on(index) and time.monotonic() < deadline:
        time.sleep(0.02)
    row["orphans"] = len(processes_on(index))
    row["garbage"] = len(leftovers(index))
    gen, state, total = index_state(index)
    row["seen"] = "old" if state == before else "new" if state == after else "MIXED"
    row["consistent"] = row["seen"] != "MIXED" and total == len(state)
    if server is not None:
        import requests

        r = requests.get(server.url + "/api/search", params={"per_page": "1"}, timeout=10)
        row["server"] = r.status_code == 200 and r.json()["total"] in (len(before), len(after))
    proc, seconds = reindex(corpus.folder, index, full=full if recover_full is None else recover_full)
    row["next_rc"] = proc.returncode
    row["next_error"] = proc.stderr.strip()[-300:]
    gen, state, total = index_state(index)
    row["final"] = state == after and total == len(after)
    row["final_count"] = total
    row["left_after_next"] = leftovers(index)
    if server is not None:
        r = requests.get(server.url + "/api/search", params={"per_page": "1"}, timeout=10)
        row["server_final"] = r.status_code == 200 and r.json()["total"] == len(after)
    return row


def calibrate(corpus: Corpus, index: Path, full: bool) -> float:
    """The wall time of one unkilled run of this kind (with the same amount of change)."""
    corpus.mutate(*CHANGES["full" if full else "incremental"])
    proc, seconds = reindex(corpus.folder, index, full=full)
    assert proc.returncode == 0, proc.stderr
    return seconds


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=20, help="kills per kind of run (default 20)")
    ap.add_argument("--articles", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-server", action="store_true", help="check with a fresh WhooshBackend only")
    ap.add_argument("--verbose", action="store_true", help="one line per kill")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="crash-"))
    server = None
    try:
        corpus = Corpus(work / "corpus", seed=args.seed)
        corpus.add(args.articles)
        index = work / "index"
        proc, seconds = reindex(corpus.folder, index)
        assert proc.returncode == 0, proc.stderr
        size = sum(p.stat().st_size for p in corpus.folder.rglob("*.txt")) / 1e6
        print(f"corpus: {len(corpus.state)} articles, {size:.1f} MB; first build {seconds:.2f} s")
        if not args.no_server:
            server = Server(index)
        summary = []
        failures = 0
        for mode in ("incremental", "full"):
            full = mode == "full"
            duration = calibrate(corpus, index, full)
            rows = []
            for n in range(args.kills):
                delay = rng.uniform(0.0, duration)
                row = kill_round(corpus, index, full, delay, server)
                rows.append(row)
                ok = (row["consistent"] and row["orphans"] == 0 and row["next_rc"] == 0 and row["final"]
                      and not row["left_after_next"] and row.get("server", True) and row.get("server_final", True))
                failures += not ok
                if args.verbose or not ok:
                    print(f"{mode:11s} #{n + 1:2d} kill at {delay:5.2f} s: killed={row['killed']} seen={row['seen']} "
                          f"garbage={row['garbage']} orphans={row['orphans']} next_rc={row['next_rc']} "
                          f"final={row['final']} left={row['left_after_next']} server={row.get('server')}"
                          + ("" if ok else f" FAILED {row['next_error']}"), flush=True)
            summary.append([
                mode, f"{duration:.2f}", len(rows), sum(r["killed"] for r in rows),
                f"{sum(r['seen'] == 'old' for r in rows)}/{sum(r['seen'] == 'new' for r in rows)}"
                f"/{sum(r['seen'] == 'MIXED' for r in rows)}",
                sum(r["consistent"] for r in rows),
                "-" if server is None else sum(r["server"] for r in rows),
                sum(r["orphans"] for r in rows),
                sum(r["garbage"] > 0 for r in rows),
                sum(r["next_rc"] == 0 for r in rows),
                sum(r["final"] for r in rows),
                sum(not r["left_after_next"] for r in rows),
            ])
        print()
        print(table(summary, ["run", "run s", "kills", "mid-run", "old/new/mixed", "consistent", "server ok",
                              "orphans", "left garbage", "next ok", "final = corpus", "clean after"]))
        print(f"\nfinal index: {index_state(index)[2]} articles, corpus {len(corpus.state)}; failures: {failures}")
        if server is not None:
            errors = server.stop()
            server = None
            bad = [line for line in errors.splitlines() if "Traceback" in line or "ERROR" in line]
            print(f"server log: {len(bad)} errors")
            failures += bool(bad)
        return 1 if failures else 0
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
