"""Ranking quality on TIME (news) and Cranfield: MAP@100, nDCG@10, P@10 and zero-result
queries for the service's default search, beside SQLite FTS5 bm25 and plain Whoosh
BM25F with an OR group, all computed in this run on the same documents and queries.

    .venv/bin/python bench/eval_ranking.py [--collection time|cranfield|all] [--per-query] [--heldout] [--halves]

TIME's judgments are realigned onto the articles TIME.ALL holds (two of the 425
its judgments count are missing; bench/ir_collections.py says how and why); the
`time-raw` rows score the same runs against the judgments as distributed.

Ranking is tuned on the dev queries only: TIME's odd-numbered queries (and
Cranfield's, all of them, as a second check). TIME's even-numbered queries are
the held-out half: `--heldout` prints their rows too (labelled `time-held`),
for reporting, never for tuning; when the data here has no even queries (they
are kept aside) it says so. `--halves` also prints the service's figures on the
two halves of TIME's dev queries (query number mod 4 = 1 and mod 4 = 3,
labelled `time-d1` and `time-d3`): a change should help on both, not owe its
gain to one query.

The service side goes through the normal pipeline: the documents are written as
JSON Lines (ids = 1-based positions), indexed by `news-search index`, and every
query is a SearchRequest with default settings, exactly as /api/search runs it."""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
DATA = PROJECT.parent / "shared" / "data" / "ir"
sys.path[:0] = [str(HERE), str(PROJECT)]

CUTOFF = 100


def average_precision(ranked: list[str], relevant: dict[str, int]) -> float:
    hits, total = 0, 0.0
    for rank, doc in enumerate(ranked[:CUTOFF], start=1):
        if doc in relevant:
            hits += 1
            total += hits / rank
    return total / len(relevant) if relevant else 0.0


def ndcg(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    dcg = sum(relevant.get(d, 0) / math.log2(r + 1) for r, d in enumerate(ranked[:k], start=1))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(r + 1) for r, g in enumerate(ideal, start=1))
    return dcg / idcg if idcg else 0.0


def precision(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    return sum(1 for d in ranked[:k] if d in relevant) / k


def score(runs: dict[str, list[str]], judgments: dict[str, dict[str, int]]) -> dict[str, float]:
    # Queries without any relevant document (TIME 23: its only judgments point past the
    # last record) cannot be scored and are left out, as usual.
    qids = [q for q in judgments if q in runs and judgments[q]]
    return {
        "MAP": sum(average_precision(runs[q], judgments[q]) for q in qids) / len(qids),
        "nDCG@10": sum(ndcg(runs[q], judgments[q]) for q in qids) / len(qids),
        "P@10": sum(precision(runs[q], judgments[q]) for q in qids) / len(qids),
        "zero": sum(1 for q in qids if not runs[q]),
        "queries": len(qids),
    }


# -- the service ---------------------------------------------------------------

def service_runs(docs: list[dict], queries: dict[str, str], work: Path) -> tuple[dict[str, list[str]], dict]:
    corpus, index = work / "corpus", work / "index"
    corpus.mkdir(parents=True)
    with open(corpus / "collection.jsonl", "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps({k: v for k, v in d.items() if v is not None}) + "\n")
    proc = subprocess.run([sys.executable, "-m", "search", "index", "--quiet", "--corpus", str(corpus),
                           "--index", str(index)], cwd=PROJECT, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(proc.stderr)
    from search.core.request import SearchRequest
    from search.backends.whoosh.engine import WhooshBackend

    engine = WhooshBackend(index)
    runs, relaxed, took = {}, 0, []
    for qid, text in queries.items():
        request = SearchRequest.from_params({"q": [text[:500]], "per_page": [str(CUTOFF)]})
        result = engine.search(request)
        runs[qid] = [h.id for h in result.hits]
        relaxed += bool(getattr(result, "relaxed", False))
        took.append(result.took_ms)
    engine.close()
    took.sort()
    return runs, {"relaxed": relaxed, "p50_ms": took[len(took) // 2]}


# -- references ----------------------------------------------------------------

def _words(text: str) -> list[str]:
    from whoosh.analysis.filters import STOP_WORDS

    return [w for w in re.findall(r"\w+", text.lower()) if w not in STOP_WORDS]


def fts5_runs(docs: list[dict], queries: dict[str, str]) -> dict[str, list[str]]:
    """SQLite FTS5 with the porter tokenizer, bm25() ranking, the query's words ORed."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, text, tokenize='porter')")
    db.executemany("INSERT INTO docs VALUES (?, ?, ?)", [(d["id"], d.get("title") or "", d["text"]) for d in docs])
    runs = {}
    for qid, text in queries.items():
        words = _words(text)
        match = " OR ".join(f'"{w}"' for w in words)
        rows = db.execute("SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?",
                          (match, CUTOFF)).fetchall() if words else []
        runs[qid] = [r[0] for r in rows]
    return runs


def whoosh_or_runs(docs: list[dict], queries: dict[str, str], folder: Path) -> dict[str, list[str]]:
    """Whoosh as most apps use it: StemmingAnalyzer, BM25F defaults, MultifieldParser with an OR group."""
    from whoosh import qparser
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.index import create_in

    analyzer = StemmingAnalyzer()
    schema = Schema(id=ID(stored=True), title=TEXT(analyzer), text=TEXT(analyzer))
    folder.mkdir()
    ix = create_in(str(folder), schema)
    with ix.writer() as w:
        for d in docs:
            w.add_document(id=d["id"], title=d.get("title") or "", text=d["text"])
    parser = qparser.MultifieldParser(["title", "text"], schema, group=qparser.OrGroup)
    runs = {}
    with ix.searcher() as s:
        for qid, text in queries.items():
            q = parser.parse(" ".join(_words(text)))
            runs[qid] = [hit["id"] for hit in s.search(q, limit=CUTOFF)]
    return runs


def split_queries(name: str, judgments: dict[str, dict[str, int]]) -> dict[str, dict[str, dict[str, int]]]:
    """The judged queries by half: TIME's odd query numbers are the dev half, its even
    ones the held-out half; Cranfield is all dev."""
    if name != "time":
        return {"dev": judgments, "held-out": {}}
    return {"dev": {q: j for q, j in judgments.items() if int(q) % 2},
            "held-out": {q: j for q, j in judgments.items() if not int(q) % 2}}


def print_row(label: str, system: str, m: dict[str, float]) -> None:
    print(f"{label:<11} {system:<30} {m['MAP']:8.3f} {m['nDCG@10']:8.3f} {m['P@10']:6.3f} "
          f"{m['zero']:5d} {m['queries']:8d}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collection", choices=["time", "cranfield", "all"], default="all")
    parser.add_argument("--per-query", action="store_true", help="print AP per query for the service")
    parser.add_argument("--heldout", action="store_true",
                        help="also print TIME's held-out half (even queries): report it, do not tune on it")
    parser.add_argument("--halves", action="store_true",
                        help="also print the service's figures on TIME dev's two halves (query number mod 4 = 1, = 3)")
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"skipped: {DATA} is absent (the TIME and Cranfield collections are needed)")
        return 0
    from ir_collections import read_cranfield, read_time

    collections = {"time": (read_time, DATA / "time"), "cranfield": (read_cranfield, DATA / "cranfield")}
    names = list(collections) if args.collection == "all" else [args.collection]
    print(f"{'collection':<11} {'system':<30} {'MAP@100':>8} {'nDCG@10':>8} {'P@10':>6} {'zero':>5} {'queries':>8}")
    for name in names:
        reader, folder = collections[name]
        docs, queries, judgments = reader(folder)
        work = Path(tempfile.mkdtemp(prefix=f"eval-{name}-"))
        try:
            start = time.perf_counter()
            ours, info = service_runs(docs, queries, work)
            elapsed = time.perf_counter() - start
            rows = [("news-search (default API)", ours), ("SQLite FTS5 bm25 (OR)", fts5_runs(docs, queries)),
                    ("plain Whoosh BM25F (OR group)", whoosh_or_runs(docs, queries, work / "plain"))]
            halves = split_queries(name, judgments)
            # TIME twice: judgments realigned onto TIME.ALL's 423 articles (the figures
            # that mean something), then as TIME.REL numbers them ("-raw": two places
            # off after position 374; see bench/ir_collections.py).
            variants = [("", halves)]
            if name == "time":
                variants.append(("-raw", split_queries(name, reader(folder, realign=False)[2])))
            for suffix, split in variants:
                for half, label in (("dev", f"{name}{suffix}"), ("held-out", f"{name}-held{suffix}")):
                    if half == "held-out" and not (args.heldout and name == "time"):
                        continue
                    if not split[half]:
                        print(f"{label:<11} (no {half} queries in {folder}: they are kept aside)")
                        continue
                    for system, runs in rows:
                        print_row(label, system, score(runs, split[half]))
            if args.halves and name == "time":
                for rest in (1, 3):
                    half = {q: j for q, j in halves["dev"].items() if int(q) % 4 == rest}
                    if half:
                        print_row(f"{name}-d{rest}", rows[0][0], score(ours, half))
            print(f"{'':<11} ({len(docs)} documents; service: {info['relaxed']} queries relaxed, "
                  f"p50 {info['p50_ms']:.1f} ms per query; index + queries {elapsed:.1f} s)")
            if args.per_query:
                shown = {**halves["dev"], **(halves["held-out"] if args.heldout else {})}
                for qid in shown:
                    if qid in ours:
                        print(f"  {qid:>4} AP={average_precision(ours[qid], judgments[qid]):.3f} "
                              f"n={len(ours[qid]):3d} {queries[qid][:90]}")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
