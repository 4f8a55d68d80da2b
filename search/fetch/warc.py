"""`news-search import FILE.warc[.gz]...`: the HTML pages of web archives into the corpus,
through the same saving and the same ledger as fetch (so importing a file twice, or a page
already fetched, adds nothing). warcio reads the records, gzip members and chunked or
compressed HTTP bodies included."""

from __future__ import annotations

import time
import zlib
from datetime import datetime
from pathlib import Path

from .. import dependencies
from .ledger import Ledger
from .run import Report, store
from .save import HTML_TYPES, Page, clean_tmp
from .urls import normalise


def import_warcs(paths: list[Path], corpus: Path, ledger: Ledger, *, max_bytes: int, progress=None) -> Report:
    """Run under ledger.lock(). Non-HTML and non-200 responses are counted as skipped (not
    listed one by one: an archive holds thousands of images and scripts); a truncated or
    unreadable file keeps what was read before the damage and is reported."""
    ArchiveIterator = dependencies.load("warcio").ArchiveIterator
    started = time.monotonic()
    clean_tmp(corpus)
    report = Report(verb="imported")
    other = {"not HTML": 0, "not 200": 0}
    bar = progress(sum(Path(p).stat().st_size for p in paths if Path(p).is_file())) if progress else None
    for path in paths:
        path = Path(path)
        done = 0
        try:
            with open(path, "rb") as f:
                records = ArchiveIterator(f)
                for record in records:
                    if bar is not None:
                        position = f.tell()
                        bar.update(position - done)
                        done = position
                    if record.rec_type != "response" or record.http_headers is None:
                        continue
                    _one(record, path, corpus, ledger, max_bytes, report, other)
            if not _gzip_intact(path):  # warcio drops a cut-off last gzip member without a word
                raise EOFError("the last gzip member ends early")
        except OSError as e:
            report.problems.append(f"skipped: {path}: cannot read: {e.strerror or e}")
        except Exception as e:  # noqa: BLE001 - warcio raises many types on a damaged file
            report.problems.append(f"skipped: {path}: damaged or truncated WARC, pages before the damage "
                                   f"were kept ({type(e).__name__}: {str(e)[:200]})")
    if bar is not None:
        bar.close()
    clean_tmp(corpus)
    for why, n in other.items():
        if n:
            report.skipped += n
            report.problems.append(f"skipped: {n} response record{'s' if n != 1 else ''}: {why}")
    report.seconds = time.monotonic() - started
    return report


def _one(record, path: Path, corpus: Path, ledger: Ledger, max_bytes: int, report: Report, other: dict) -> None:
    uri = (record.rec_headers.get_header("WARC-Target-URI") or "").strip().strip("<>")
    status = record.http_headers.get_statuscode()
    content_type = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
    if status != "200":
        other["not 200"] += 1
        return
    if content_type and content_type not in HTML_TYPES:
        other["not HTML"] += 1
        return
    if not uri.startswith(("http://", "https://")):
        report.count("skipped", f"skipped: {path}: a record without an http(s) WARC-Target-URI ({uri[:80]!r})")
        return
    url = normalise(uri)
    if not ledger.wanted(url, time.time()):
        report.count("known")
        return
    body = record.content_stream().read(max_bytes + 1)
    if len(body) > max_bytes:
        report.count("skipped", f"skipped: {uri}: too large (more than {max_bytes / 2**20:g} MB, the cap)")
        return
    if record.raw_stream.limit > 0:  # the record's Content-Length promised more than the file holds
        raise EOFError(f"the record of {uri} ends early")
    charset = None
    for part in (record.http_headers.get_header("Content-Type") or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"') or None
    warc_date = record.rec_headers.get_header("WARC-Date")
    try:
        when = datetime.fromisoformat(warc_date.replace("Z", "+00:00")) if warc_date else None
    except ValueError:
        when = None
    store(Page(url, url, body, content_type, charset, None, when, via=f"{path.name}"),
          corpus, ledger, report, retry_wait=0.0)



def _gzip_intact(path: Path) -> bool:
    """True for a file that is not gzip, or whose last gzip member is complete."""
    with open(path, "rb") as f:
        if f.read(2) != b"\x1f\x8b":
            return True
        f.seek(0)
        inflate, pending = zlib.decompressobj(wbits=31), False
        for chunk in iter(lambda: f.read(1 << 20), b""):
            while chunk:
                inflate.decompress(chunk, 1 << 20)  # the output is not kept, only the framing checked
                pending = True
                if inflate.eof:
                    chunk, inflate, pending = inflate.unused_data, zlib.decompressobj(wbits=31), False
                else:
                    chunk = inflate.unconsumed_tail
        return not pending
