"""Ranking quality on every development collection in ../shared/data/ir (TIME, Cranfield,
CACM, CISI, MED, LISA, NPL, and ADI as a smoke check): MAP@100, nDCG@10, P@10 and
zero-result queries for the service's default search, beside SQLite FTS5 bm25 and plain
Whoosh BM25F with an OR group, all computed in this run on the same documents and
queries, then the mean over the collections (ADI left out of it, see ir_collections).

    .venv/bin/python bench/eval_ranking.py [--collection NAME ...] [--per-query] [--heldout] [--check-api]

Ranking is tuned on these development queries only, and a change is adopted only if it
raises the mean and lowers no collection by more than 0.01 MAP (docs/ranking.md). TIME's
and NPL's even-numbered queries are the held-out halves: they are not in ../shared/data,
and `--heldout` prints their rows only where a copy of the data has them.

The service side is the normal pipeline in this process: the documents are written as
JSON Lines (ids as the judgments use them), indexed by the backend's reindex (what
`news-search index` runs), and every query is a SearchRequest with default settings
answered by the backend, which is what /api/search runs. `--check-api` also serves each
index with gunicorn (`news-search serve`) and checks that /api/search over HTTP returns
the same ids in the same order for every query (it exits 1 if not)."""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
DATA = PROJECT.parent / "shared" / "data" / "ir"
sys.path[:0] = [str(HERE), str(PROJECT), str(PROJECT / "tests")]

from ir_collections import COLLECTIONS, HELD_OUT, SMOKE_ONLY  # noqa: E402

CUTOFF = 100
SYSTEMS = ("news-search (default API)", "SQLite FTS5 bm25 (OR)", "plain Whoosh BM25F (OR group)")


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
    # last record; CACM's and CISI's unjudged ones) cannot be scored and are left out, as usual.
    qids = [q for q in judgments if q in runs and judgments[q]]
    return {
        "MAP": sum(average_precision(runs[q], judgments[q]) for q in qids) / len(qids),
        "nDCG@10": sum(ndcg(runs[q], judgments[q]) for q in qids) / len(qids),
        "P@10": sum(precision(runs[q], judgments[q]) for q in qids) / len(qids),
        "zero": sum(1 for q in qids if not runs[q]),
        "queries": len(qids),
    }


# -- the service ---------------------------------------------------------------

def service_index(docs: list[dict], work: Path):
    """The documents indexed by the backend's reindex (as `news-search index` does; it
    skips, saying so, the records without text: Cranfield's 471 and 995); the open backend."""
    from search import config
    from search.backends.whoosh.engine import WhooshBackend

    corpus, index = work / "corpus", work / "index"
    corpus.mkdir(parents=True)
    with open(corpus / "collection.jsonl", "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps({k: v for k, v in d.items() if v is not None}) + "\n")
    engine = WhooshBackend(index)
    summary = engine.update(corpus, full=True, max_bytes=config.max_file_bytes())
    for line in summary.problem_lines():
        print(f"{'':<11} (index: {line})")
    return engine


def request_params(text: str) -> dict[str, list[str]]:
    """A query as /api/search receives it: default settings, a page of CUTOFF, the text
    cut to the longest q the API accepts."""
    from search.core.query import MAX_QUERY_LENGTH

    return {"q": [text[:MAX_QUERY_LENGTH]], "per_page": [str(CUTOFF)]}


def service_runs(engine, queries: dict[str, str]) -> tuple[dict[str, list[str]], dict]:
    """The service's ranking of each query; a query the API refuses (a 400, e.g. CACM's
    with an unbalanced quote) counts as one without results, as a user would see it."""
    from search.core.request import InvalidRequest, SearchRequest

    runs, relaxed, took, refused = {}, 0, [], []
    for qid, text in queries.items():
        try:
            request = SearchRequest.from_params(request_params(text))
        except InvalidRequest:
            runs[qid] = []
            refused.append(qid)
            continue
        result = engine.search(request)
        runs[qid] = [h.id for h in result.hits]
        relaxed += bool(result.relaxed)
        took.append(result.took_ms)
    took.sort()
    return runs, {"relaxed": relaxed, "p50_ms": took[len(took) // 2], "refused": refused}


def api_runs(index: Path, queries: dict[str, str]) -> dict[str, list[str]]:
    """The same queries through /api/search of gunicorn serving the index."""
    from harness.server import Server

    server = Server(index, workers=1)
    try:
        server.wait_ready()
        runs = {}
        for qid, text in queries.items():
            r = server.get("/api/search", params=request_params(text))
            if r.status_code == 400:
                runs[qid] = []
                continue
            r.raise_for_status()
            runs[qid] = [hit["id"] for hit in r.json()["results"]]
        return runs
    finally:
        server.stop()


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
    """The judged queries by half: odd query numbers are TIME's and NPL's dev half, even
    ones their held-out half (not in ../shared/data); the other collections are all dev."""
    if name not in HELD_OUT:
        return {"dev": judgments, "held-out": {}}
    return {"dev": {q: j for q, j in judgments.items() if int(q) % 2},
            "held-out": {q: j for q, j in judgments.items() if not int(q) % 2}}


def print_row(label: str, system: str, m: dict[str, float]) -> None:
    print(f"{label:<11} {system:<30} {m['MAP']:8.3f} {m['nDCG@10']:8.3f} {m['P@10']:6.3f} "
          f"{m['zero']:5d} {m['queries']:8d}")


HEADER = f"{'collection':<11} {'system':<30} {'MAP@100':>8} {'nDCG@10':>8} {'P@10':>6} {'zero':>5} {'queries':>8}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collection", nargs="+", choices=[*COLLECTIONS, "all"], default=["all"])
    parser.add_argument("--per-query", action="store_true", help="print AP per query for the service")
    parser.add_argument("--heldout", action="store_true",
                        help="also print the held-out halves where the data has them: report them, never tune on them")
    parser.add_argument("--check-api", action="store_true",
                        help="check that /api/search (gunicorn) ranks every query as the in-process backend does")
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"skipped: {DATA} is absent (the ranking test collections are needed)")
        return 0
    names = list(COLLECTIONS) if "all" in args.collection else args.collection
    dev: dict[str, dict[str, dict[str, float]]] = {}
    mismatches = 0
    for name in names:
        reader, sub = COLLECTIONS[name]
        folder = DATA / sub
        if not folder.is_dir():
            print(f"{name:<11} (skipped: {folder} is absent)")
            continue
        docs, queries, judgments = reader(folder)
        work = Path(tempfile.mkdtemp(prefix=f"eval-{name}-"))
        try:
            start = time.perf_counter()
            engine = service_index(docs, work)
            indexed = time.perf_counter() - start
            ours, info = service_runs(engine, queries)
            engine.close()
            searched = time.perf_counter() - start - indexed
            rows = {SYSTEMS[0]: ours, SYSTEMS[1]: fts5_runs(docs, queries),
                    SYSTEMS[2]: whoosh_or_runs(docs, queries, work / "plain")}
            halves = split_queries(name, judgments)
            print(HEADER)
            for half, label in (("dev", name), ("held-out", f"{name}-held")):
                if half == "held-out" and not (args.heldout and name in HELD_OUT):
                    continue
                if not halves[half]:
                    print(f"{label:<11} (no {half} queries in {folder}: they are kept aside)")
                    continue
                figures = {system: score(runs, halves[half]) for system, runs in rows.items()}
                if half == "dev":
                    dev[name] = figures
                for system, m in figures.items():
                    print_row(label, system, m)
            print(f"{'':<11} ({len(docs)} documents; service: {info['relaxed']} of {len(queries)} queries relaxed, "
                  f"p50 {info['p50_ms']:.1f} ms per query; index {indexed:.1f} s, queries {searched:.1f} s)")
            if info["refused"]:
                print(f"{'':<11} (refused by the API, counted without results: {' '.join(info['refused'])})")
            if args.check_api:
                over_http = api_runs(work / "index", queries)
                differ = [q for q in queries if over_http[q] != ours[q]]
                mismatches += len(differ)
                print(f"{'':<11} (/api/search over HTTP: {len(queries) - len(differ)} of {len(queries)} queries "
                      f"ranked identically{'; differ: ' + ' '.join(differ) if differ else ''})")
            if args.per_query:
                shown = {**halves["dev"], **(halves["held-out"] if args.heldout else {})}
                for qid in shown:
                    if qid in ours:
                        print(f"  {qid:>4} AP={average_precision(ours[qid], judgments[qid]):.3f} "
                              f"n={len(ours[qid]):3d} {queries[qid][:90]}")
            print()
        finally:
            shutil.rmtree(work, ignore_errors=True)
    counted = [n for n in dev if n not in SMOKE_ONLY]
    if len(counted) > 1:
        print(f"mean over {len(counted)} collections ({', '.join(counted)}; "
              f"{', '.join(sorted(SMOKE_ONLY & set(dev))) or 'none'} shown, not counted)")
        print(f"{'':<11} {'system':<30} {'MAP@100':>8} {'nDCG@10':>8}   worst MAP gap to plain BM25 OR")
        for system in SYSTEMS:
            mean = {k: sum(dev[n][system][k] for n in counted) / len(counted) for k in ("MAP", "nDCG@10")}
            gap = min((dev[n][system]["MAP"] - dev[n][SYSTEMS[2]]["MAP"], n) for n in counted)
            print(f"{'mean':<11} {system:<30} {mean['MAP']:8.3f} {mean['nDCG@10']:8.3f}   {gap[0]:+.3f} ({gap[1]})")
    if mismatches:
        print(f"/api/search ranked {mismatches} queries differently from the in-process backend")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
