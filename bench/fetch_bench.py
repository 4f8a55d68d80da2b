"""Fetch and import throughput: real news pages (../shared/data/html) served by a local HTTP
server and listed in a sitemap, brought in by `news-search fetch`, and the same pages in a
WARC file brought in by `news-search import`, extraction and reindex included; against the
reference of the same run: the same pages copied into a corpus by hand and `news-search index`.

    .venv/bin/python bench/fetch_bench.py [--limit N]

Each command runs in a new process, as a user runs it (start-up included in all three).
fetch runs with --delay 0: one host, so one request at a time; a real run adds its delay
(1 s by default) between two requests to one host."""

from __future__ import annotations

import argparse
import gzip
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
DATA = PROJECT.parent / "shared" / "data" / "html"
sys.path[:0] = [str(PROJECT / "tests"), str(PROJECT)]

from harness.news_site import Answer, NewsSite  # noqa: E402


def pages(limit: int) -> list[bytes]:
    files = sorted(DATA.glob("*/*.html.gz"))[:limit]
    return [gzip.decompress(f.read_bytes()) for f in files]


def cli(*args) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "search", *map(str, args)], cwd=PROJECT,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"news-search {args[0]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return seconds, proc.stdout.splitlines()[0]


def write_warc(path: Path, bodies: list[bytes]) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        for n, body in enumerate(bodies):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(f"https://archive.example/p/{n}.html", "response",
                                                          payload=io.BytesIO(body), http_headers=headers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=400, help="pages at most (default 400)")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"skipped: {DATA} is absent (../shared/data, see its README)")
    bodies = pages(args.limit)
    n = len(bodies)
    with tempfile.TemporaryDirectory() as tmp, NewsSite() as site:
        tmp = Path(tmp)
        hand = tmp / "hand"
        for i, body in enumerate(bodies):
            (hand / "p").mkdir(parents=True, exist_ok=True)
            (hand / "p" / f"{i}.html").write_bytes(body)
        urls = []
        for i, body in enumerate(bodies):
            site.routes[f"/p/{i}.html"] = Answer(body)
            urls.append(f"<url><loc>{site.url(f'/p/{i}.html')}</loc></url>")
        site.routes["/sitemap.xml"] = Answer(
            ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             + "".join(urls) + "</urlset>").encode(), content_type="application/xml", etag=True)
        warc = tmp / "pages.warc.gz"
        write_warc(warc, bodies)

        ref, ref_line = cli("index", "--quiet", "--corpus", hand, "--index", tmp / "i0")
        fetched, fetch_line = cli("fetch", "--quiet", "--source", site.url("/sitemap.xml"), "--allow-private",
                                  "--delay", "0", "--corpus", tmp / "c1", "--index", tmp / "i1")
        again, again_line = cli("fetch", "--quiet", "--source", site.url("/sitemap.xml"), "--allow-private",
                                "--delay", "0", "--corpus", tmp / "c1", "--index", tmp / "i1")
        imported, import_line = cli("import", "--quiet", warc, "--corpus", tmp / "c2", "--index", tmp / "i2")

    print(f"{n} real news pages (../shared/data/html), {sum(map(len, bodies)) / 1e6:.1f} MB of HTML")
    print(f"{'reference: copy by hand + index':<36} {ref:6.2f} s  {n / ref:6.1f} pages/s   ({ref_line})")
    print(f"{'fetch (sitemap, local server) + index':<36} {fetched:6.2f} s  {n / fetched:6.1f} pages/s   "
          f"x{ref / fetched:.2f} of the reference   ({fetch_line})")
    print(f"{'fetch again (nothing new) + index':<36} {again:6.2f} s   ({again_line})")
    print(f"{'import (WARC) + index':<36} {imported:6.2f} s  {n / imported:6.1f} pages/s   "
          f"x{ref / imported:.2f} of the reference   ({import_line})")


if __name__ == "__main__":
    main()
