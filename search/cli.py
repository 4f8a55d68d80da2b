"""`news-search`: index, fetch, import, search, stats, extract, serve, doctor and cluster from the command line."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from . import config, dependencies

# What each command does, for the packages it checks before it starts (search.dependencies).
ROLES = {"index": dependencies.INDEXING, "extract": dependencies.INDEXING, "fetch": dependencies.INDEXING,
         "import": dependencies.INDEXING,
         "search": dependencies.SERVING, "stats": dependencies.SERVING, "serve": dependencies.SERVING}


def _add_index_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", type=Path, default=None,
                   help="index folder (default: $NEWS_SEARCH_INDEX or var/index)")


def _add_corpus_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", type=Path, default=None,
                   help="articles folder (default: $NEWS_SEARCH_CORPUS or corpus)")


def _at_least(kind: type, minimum: float):
    def parse(text: str):
        value = kind(text)  # ValueError: argparse says "invalid ... value"
        if value < minimum:
            raise argparse.ArgumentTypeError(f"at least {minimum}, not {text}")
        return value
    parse.__name__ = kind.__name__
    return parse


def _add_bring_in_args(p: argparse.ArgumentParser) -> None:
    _add_corpus_arg(p)
    _add_index_arg(p)
    p.add_argument("--no-index", action="store_true", help="only save into the corpus, do not reindex")
    p.add_argument("--ledger", type=Path, help="what was seen (default: INDEX.ledger.sqlite beside the index)")
    p.add_argument("--quiet", action="store_true", help="print only the summary lines and problems")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="news-search", description=__doc__)
    parser.add_argument("--version", action="version",
                        version=f"news-search {dependencies.project_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="bring the index up to date with the corpus (incremental)")
    _add_corpus_arg(p)
    _add_index_arg(p)
    p.add_argument("--full", action="store_true", help="rebuild from scratch beside the old index, then switch")
    p.add_argument("--quiet", action="store_true", help="print only the summary line and problems")

    p = sub.add_parser("fetch", help="save new articles from feeds and sitemaps, then index (docs/fetch.md)")
    p.add_argument("--source", action="append", default=[], metavar="URL", help="a feed or sitemap (repeatable)")
    p.add_argument("--sources", type=Path, metavar="FILE", help="one feed or sitemap URL a line, # comments")
    _add_bring_in_args(p)
    p.add_argument("--delay", type=_at_least(float, 0), default=1.0, help="seconds between two requests to one host (1)")
    p.add_argument("--timeout", type=_at_least(float, 0.1), default=20.0, help="seconds for one whole answer (20)")
    p.add_argument("--retries", type=_at_least(int, 0), default=3, help="more tries on 429 and 5xx, with backoff (3)")
    p.add_argument("--workers", type=_at_least(int, 1), default=4, help="hosts fetched at the same time (4)")
    p.add_argument("--max-mb", type=_at_least(float, 0.01), default=10.0,
                   help="page size cap, on the wire and unzipped (10)")
    p.add_argument("--allow-private", action="store_true", help="fetch loopback and private addresses too")

    p = sub.add_parser("import", help="save the HTML pages of WARC files, then index (docs/fetch.md)")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE.warc[.gz]")
    _add_bring_in_args(p)

    p = sub.add_parser("search", help="search the index")
    p.add_argument("query", nargs="*", help="query words (same syntax as the web page)")
    _add_index_arg(p)
    p.add_argument("--country", action="append", default=[], metavar="CC")
    p.add_argument("--language", action="append", default=[], metavar="LL", help="ISO 639-1 code (repeatable)")
    p.add_argument("--from", dest="date_from", metavar="DATE")
    p.add_argument("--to", dest="date_to", metavar="DATE")
    p.add_argument("--sort", choices=["relevance", "date", "date_asc"])
    p.add_argument("--page", type=str, default=None)
    p.add_argument("--limit", type=str, default=None, help="results per page (per_page)")
    p.add_argument("--json", action="store_true", help="print the same JSON as GET /api/search")

    p = sub.add_parser("stats", help="article count, date range, top countries, index size")
    _add_index_arg(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("extract", help="print what the indexer extracts from files or folders")
    p.add_argument("paths", nargs="+", type=Path)
    _add_corpus_arg(p)
    p.add_argument("--json", action="store_true", help="one JSON object per line (the default)")

    p = sub.add_parser("serve", help="serve the site and API with gunicorn")
    _add_index_arg(p)
    p.add_argument("--host", default=os.environ.get("NEWS_SEARCH_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("NEWS_SEARCH_PORT", "8000")))
    p.add_argument("--workers", type=int, default=int(os.environ.get("NEWS_SEARCH_WORKERS", "2")))
    p.add_argument("--no-access-log", action="store_true",
                   help="log no requests (default: one line per request on stdout; $NEWS_SEARCH_ACCESS_LOG)")

    p = sub.add_parser("cluster", help="a local Sphinx/Manticore cluster for the sphinxql backend")
    p.add_argument("action", choices=["start", "status", "stop"])
    p.add_argument("--dir", type=Path, required=True, help="folder of the nodes' configs, data and logs")
    p.add_argument("--shards", type=int, default=2, help="shard nodes to start (default 2)")
    p.add_argument("--base-port", type=int, default=None,
                   help="first port (two a node: API, then mysql41); default: free ports")

    p = sub.add_parser("doctor", help="version, index, backend, extractor and every required package")
    _add_index_arg(p)
    _add_corpus_arg(p)
    p.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "index", None) is None and "index" in args:
        args.index = config.index_dir()
    if getattr(args, "corpus", None) is None and "corpus" in args:
        args.corpus = config.corpus_dir()
    try:
        if args.command in ROLES:
            dependencies.check(ROLES[args.command])
        return {"index": cmd_index, "fetch": cmd_fetch, "import": cmd_import, "search": cmd_search,
                "stats": cmd_stats, "extract": cmd_extract, "serve": cmd_serve, "doctor": cmd_doctor,
                "cluster": cmd_cluster}[args.command](args)
    except dependencies.MissingDependency as e:  # before the command, or at a package's first use
        print(f"news-search {args.command}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the previous index is intact", file=sys.stderr)
        return 130


def cmd_index(args) -> int:
    import sqlite3

    from .core.backend import IndexLocked

    def progress(total: int):
        from tqdm import tqdm

        # Shown only on a terminal and only when the run is long enough to need it.
        return tqdm(total=total, unit="file", file=sys.stderr, delay=1.0,
                    disable=args.quiet or not sys.stderr.isatty())

    try:
        summary = config.backend(args.index).update(args.corpus, full=args.full,
                                                    max_bytes=config.max_file_bytes(), progress=progress)
    except IndexLocked as e:
        print(f"news-search index: {e}", file=sys.stderr)
        return 75  # EX_TEMPFAIL
    except (FileNotFoundError, NotADirectoryError, PermissionError) as e:
        print(f"news-search index: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"news-search index: {e}; the previous index is intact", file=sys.stderr)
        return 1
    except sqlite3.Error as e:  # the wire-copy store (stories.sqlite), e.g. "database or disk is full"
        print(f"news-search index: wire-copy store: {e}; the index is consistent, run again once fixed",
              file=sys.stderr)
        return 1
    print(summary.line())
    for line in summary.problem_lines():
        print(one_line(line))
    return 0


def cmd_fetch(args) -> int:
    from .fetch.run import Settings, fetch, read_sources_file

    sources = list(args.source)
    if args.sources:
        try:
            sources += read_sources_file(args.sources)
        except (OSError, UnicodeDecodeError) as e:
            print(f"news-search fetch: {args.sources}: {e}", file=sys.stderr)
            return 1
    if not sources:
        print("news-search fetch: no sources: give --source URL or --sources FILE", file=sys.stderr)
        return 2
    settings = Settings(delay=args.delay, timeout=args.timeout, retries=args.retries, workers=args.workers,
                        max_bytes=int(args.max_mb * 2**20), allow_private=args.allow_private)
    return _bring_in(args, lambda ledger, bar: fetch(sources, args.corpus, ledger, settings, bar),
                     failed=lambda report: report.bad_sources == report.sources)


def cmd_import(args) -> int:
    from .fetch.warc import import_warcs

    missing = [str(p) for p in args.files if not p.is_file()]
    if missing:
        print(f"news-search import: no such file: {', '.join(missing)}", file=sys.stderr)
        return 1
    return _bring_in(args, lambda ledger, bar: import_warcs(args.files, args.corpus, ledger,
                                                            max_bytes=config.max_file_bytes(), progress=bar))


def _bring_in(args, work, failed=lambda report: False) -> int:
    """fetch and import: the run under the ledger's lock, its summary, then the incremental index."""
    from .fetch.ledger import Busy, Ledger, default_path

    def progress(total: int):
        from tqdm import tqdm

        return tqdm(total=total, unit="page" if args.command == "fetch" else "B", unit_scale=args.command != "fetch",
                    file=sys.stderr, delay=1.0, disable=args.quiet or not sys.stderr.isatty())

    import sqlite3

    path = args.ledger or default_path(args.index)
    ledger = None
    try:
        ledger = Ledger(path)
        with ledger.lock():
            report = work(ledger, progress)
    except Busy as e:
        print(f"news-search {args.command}: {e}", file=sys.stderr)
        return 75  # EX_TEMPFAIL, as index when another reindex runs
    except (OSError, sqlite3.Error) as e:  # the corpus or the ledger cannot be written: all else would fail too
        where = f"ledger {path}: " if isinstance(e, sqlite3.Error) else ""
        print(f"news-search {args.command}: {where}{e}; what was saved before is in the corpus and the ledger",
              file=sys.stderr)
        return 1
    finally:
        if ledger is not None:
            ledger.close()
    print(report.line())
    for line in report.problems:
        print(one_line(line))
    status = 1 if failed(report) else 0
    if args.no_index:
        return status
    args.full = False
    return cmd_index(args) or status


def _backend(args):
    return config.backend(args.index)


def cmd_search(args) -> int:
    from .core.request import InvalidRequest, SearchRequest
    from .core.backend import NoIndex, SearchTimeout, Unavailable

    params: dict[str, list[str]] = {"q": [" ".join(args.query)], "country": args.country,
                                    "language": args.language}
    for name, value in (("from", args.date_from), ("to", args.date_to), ("sort", args.sort),
                        ("page", args.page), ("per_page", args.limit)):
        if value is not None:
            params[name] = [value]
    try:
        request = SearchRequest.from_params(params)
        result = _backend(args).search(request)
    except InvalidRequest as e:
        for err in e.errors:
            print(f"news-search search: {err['name']}: {err['reason']}", file=sys.stderr)
        return 2
    except (NoIndex, SearchTimeout, Unavailable) as e:
        print(f"news-search search: {e}", file=sys.stderr)
        return 1
    if args.json:
        json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    import re

    def plain(fragment: str) -> str:
        import html

        return html.unescape(re.sub(r"</?mark>", "*", fragment))

    print(f"{result.total} results ({result.took_ms:.1f} ms)")
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for n, hit in enumerate(result.hits, start=request.offset + 1):
        meta = " · ".join(x for x in (hit.published or "undated", ",".join(hit.countries), hit.source or "",
                                      hit.lang or "") if x)
        print(f"\n{n}. {plain(hit.title_html)}  [{hit.id}]\n   {meta}\n   {plain(hit.snippet)}")
    if result.suggestion:
        print(f"\nDid you mean: {result.suggestion}")
    return 0


def cmd_stats(args) -> int:
    from .ingest.countries import country_label
    from .core.backend import NoIndex, Unavailable

    try:
        stats = _backend(args).stats()
    except (NoIndex, Unavailable) as e:
        print(f"news-search stats: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(stats, indent=2))
        return 0
    print(f"articles:   {stats['articles']}")
    print(f"dates:      {stats['first_day'] or '-'} .. {stats['last_day'] or '-'} ({stats['undated']} undated)")
    print("countries:  " + (", ".join(f"{country_label(c)} ({c}) {n}" for c, n in stats["top_countries"]) or "-"))
    print(f"index size: {stats['index_bytes'] / 1e6:.2f} MB in {stats['index_dir']}")
    return 0


def cmd_extract(args) -> int:
    """What the indexer stores for each file: the same scan (sidecars, and the folder defaults
    from the corpus root down when the path is inside the corpus) and the same reading."""
    from .ingest.extract import read_file, scan_corpus
    from .ingest.readers import split_extension

    status = 0
    corpus = args.corpus.resolve()
    for path in args.paths:
        if not path.exists():
            print(f"news-search extract: {path}: no such file or folder", file=sys.stderr)
            status = 1
            continue
        if path.is_file() and not split_extension(path.name)[1]:
            print(f"news-search extract: {path}: not a format the indexer reads", file=sys.stderr)
            status = 1
            continue
        full = path.resolve()
        root = corpus if full.is_relative_to(corpus) else (full if full.is_dir() else full.parent)
        scan = scan_corpus(root, full)
        problems = list(scan.problems)
        for cf in (scan.files[k] for k in sorted(scan.files)):
            result = read_file(root, cf, config.max_file_bytes())
            for article in result.articles:
                print(json.dumps(article.to_dict(), ensure_ascii=False))
            problems += result.problems
        for p in problems:
            print(one_line(f"{'skipped' if p.skipped else 'warning'}: {p.where}: {p.reason}"), file=sys.stderr)
    return status


# Line breaks and other control characters (a file may be named "a\nb.txt"), shown escaped.
_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


def one_line(text: str) -> str:
    """A problem line that stays one line, whatever the file's name holds."""
    def escape(m: re.Match) -> str:
        ch = m.group(0)
        named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch)
        return named or (f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")

    return _CONTROL.sub(escape, text)


def cmd_doctor(args) -> int:
    """What this install is and has: exit 1 when a required package cannot be imported."""
    import platform

    from .core.backend import NoIndex, Unavailable

    packages = dependencies.report()
    versions = {row["package"]: row["installed"] for row in packages}
    ok = all(row["ok"] for row in packages)
    index = {"path": str(args.index), "articles": None,
             "error": None if ok else "not read: a required package is missing"}
    if ok:
        try:
            stats = _backend(args).stats()
            index.update(articles=stats["articles"], generation=stats["generation"])
        except (NoIndex, Unavailable) as e:  # Unavailable: a cluster that does not answer
            index["error"] = str(e)
        except dependencies.MissingDependency as e:  # e.g. a Whoosh the backend was not written for
            index["error"], ok = str(e), False
    report = {
        "version": dependencies.project_version(),
        "python": f"{platform.python_version()} ({sys.executable})",
        "corpus": str(args.corpus),
        "index": index,
        "backend": f"{config.backend_name()} (Whoosh {versions['Whoosh']})"
                   if config.backend_name() == "whoosh" else config.backend_name(),
        "extractor": f"trafilatura {versions['trafilatura']} for HTML bodies; the project's block-text "
                     "reader on a page where trafilatura finds no text",
        "languages": f"py3langid {versions['py3langid']} (detection), PyStemmer {versions['PyStemmer']} "
                     f"(English stemming), stopwords {versions['stopwords']} (query function words)",
        "access_log": {"-": "stdout", None: "off"}.get(config.access_log(), config.access_log()),
        "packages": packages,
        "ok": ok,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0 if ok else 1
    count = index["articles"]
    print(f"news-search {report['version']}")
    print(f"python      {report['python']}")
    print(f"corpus      {report['corpus']}")
    print(f"index       {index['path']}: " + (f"{count:,} article{'s' if count != 1 else ''}, "
                                              f"generation {index['generation']}" if count is not None
                                              else index["error"]))
    for name in ("backend", "extractor", "languages"):
        print(f"{name:<11} {report[name]}")
    print(f"access log  {report['access_log']}")
    broken = [row for row in packages if not row["ok"]]
    print(f"packages    {len(packages) - len(broken)} of {len(packages)} required packages import")
    for row in packages:
        state = row["installed"] or "not installed"
        line = f"  {'ok ' if row['ok'] else 'BAD'} {row['package']:<16} {state:<12} {row['purpose']}"
        print(line if row["ok"] else f"{line}\n      {row['error']}\n      repair: {row['repair']}")
    return 0 if ok else 1


def cmd_cluster(args) -> int:
    """start: write the configs, start the nodes, wait, print the exports; status; stop."""
    from .backends.sphinxql.cluster import ClusterError, LocalCluster

    cluster = LocalCluster(args.dir)
    try:
        if args.action == "start":
            if not (cluster.folder / "cluster.json").exists() or not cluster.running():
                cluster.create(args.shards, args.base_port)
            cluster.start()
            print("\n".join(cluster.exports()))
        elif args.action == "status":
            rows = cluster.status()
            for row in rows:
                state = "ok" if row["ok"] else f"DOWN ({row['problem']})"
                print(f"{row['node']:<8} {row['address']:<22} pid {row['pid'] or '-':<8} {state}")
            return 0 if all(r["ok"] for r in rows) else 1
        else:
            cluster.stop()
            print(f"stopped the cluster in {cluster.folder}")
    except ClusterError as e:
        print(f"news-search cluster {args.action}: {e}", file=sys.stderr)
        return 1
    return 0


def cmd_serve(args) -> int:
    """Run gunicorn, configured by web/gunicorn_conf.py."""
    from web import gunicorn_conf

    from gunicorn.app.wsgiapp import WSGIApplication

    os.environ["NEWS_SEARCH_INDEX"] = str(args.index)
    if args.no_access_log:
        os.environ["NEWS_SEARCH_ACCESS_LOG"] = "off"
    sys.argv = ["gunicorn", "--config", gunicorn_conf.__file__, "--bind", f"{args.host}:{args.port}",
                "--workers", str(args.workers), "web:create_app()"]
    print(f"serving on http://{args.host}:{args.port} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    # gunicorn in this process (not a second interpreter start): the same as
    # `gunicorn --config web/gunicorn_conf.py web:create_app()`.
    WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
