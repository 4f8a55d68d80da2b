"""One `news-search fetch` run: read the sources (conditional requests), list the article
URLs the ledger has not seen (or failed and due again), fetch them politely, save each
story once. Hosts are fetched in parallel (`workers` threads, one host each at a time);
within a host, one request at a time with `delay` seconds between them."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .. import dependencies
from .client import Client
from .ledger import Ledger
from .net import FetchError, Limits
from .save import Page, Unusable, clean_tmp, prepare, utc_now, write
from .sources import Entry, NotASource, read_listing
from .urls import normalise

MAX_SITEMAP_DEPTH = 2  # an index of indexes is tolerated, one level more is not followed


@dataclass
class Settings:
    delay: float = 1.0        # seconds between two requests to one host
    timeout: float = 20.0     # seconds for one answer, whole
    retries: int = 3          # more tries on 429 / 5xx within a run
    max_redirects: int = 5
    max_bytes: int = 10 * 2**20
    allow_private: bool = False
    workers: int = 4          # hosts fetched at the same time
    retry_wait: float = 600.0  # seconds before a failed page is tried on a later run (doubling)
    user_agent: str = field(default_factory=lambda: f"news-search/{dependencies.project_version().split()[0]}")


@dataclass
class Report:
    """What a fetch or import did: its counts and each skip with its reason."""

    verb: str = "fetched"
    new: int = 0
    duplicate: int = 0
    known: int = 0       # already in the ledger: not asked again
    gone: int = 0
    skipped: int = 0
    failed: int = 0      # tried again on a later run
    sources: int = 0
    unchanged: int = 0   # sources that answered 304 or the same bytes
    bad_sources: int = 0
    requests: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    saved: list[str] = field(default_factory=list)  # corpus-relative paths written
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, outcome: str, problem: str | None = None) -> None:
        """One page's outcome (`new`, `duplicate`, `gone`, ...), from any worker thread."""
        with self._lock:
            setattr(self, outcome, getattr(self, outcome) + 1)
            if problem:
                self.problems.append(problem)

    def line(self) -> str:
        text = (f"{self.verb} {self.new} new, {self.duplicate} duplicate, {self.known} already seen, "
                f"{self.gone} gone, {self.skipped} skipped, {self.failed} failed (retried next run)")
        if self.verb == "fetched":
            text += (f"; sources: {self.sources - self.unchanged - self.bad_sources} changed, "
                     f"{self.unchanged} unchanged, {self.bad_sources} failed; {self.requests} requests")
        text += f" in {self.seconds:.2f} s"
        return text + ("; nothing new" if not self.new else "")


def read_sources_file(path: Path) -> list[str]:
    """One URL per line; blank lines and `#` comments ignored."""
    urls = []
    for line in Path(path).read_text(encoding="utf-8-sig").splitlines():
        line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
        if line:
            urls.append(line.split()[0])
    return urls


def _by_host(urls) -> list[list]:
    groups: dict[str, list] = defaultdict(list)
    for item in urls:
        groups[urlsplit(item[0] if isinstance(item, tuple) else item).netloc].append(item)
    return list(groups.values())


def fetch(sources: list[str], corpus: Path, ledger: Ledger, settings: Settings, progress=None) -> Report:
    """Run under ledger.lock(). `progress(total)` gives a tqdm-like bar (or None)."""
    started = time.monotonic()
    clean_tmp(corpus)
    client = Client(Limits(settings.timeout, settings.max_bytes, settings.allow_private, settings.user_agent),
                    delay=settings.delay, retries=settings.retries, max_redirects=settings.max_redirects)
    report = Report()
    sources = list(dict.fromkeys(s.strip() for s in sources if s.strip()))
    states: list[tuple[str, dict]] = []  # source states recorded once their pages are
    stop = threading.Event()  # Ctrl-C: the workers finish the request in hand and take no other
    entries: dict[str, tuple[Entry, str]] = {}

    def read(url: str, depth: int) -> list[tuple[str, dict, list[Entry], list[str]]]:
        """(url, state to record, entries, problem lines) of this source and its children."""
        state = ledger.source(url) or {}
        headers = {}
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("last_modified"):
            headers["If-Modified-Since"] = state["last_modified"]
        try:
            response = client.fetch(url, headers)
        except FetchError as e:
            return [(url, {"status": "failed", "reason": e.reason}, [], [f"failed: {url}: {e.reason}"])]
        children: list[str] = []
        if response.status == 304:
            result = [(url, {"status": "unchanged"}, [], [])]
            children = json.loads(state.get("children") or "[]")
        elif response.status != 200:
            return [(url, {"status": "failed", "reason": f"HTTP {response.status}"}, [],
                     [f"failed: {url}: HTTP {response.status}"])]
        else:
            digest = hashlib.blake2b(response.body, digest_size=16).hexdigest()
            try:
                listing = read_listing(response.body, response.url, settings.max_bytes)
            except NotASource as e:
                return [(url, {"status": "failed", "reason": str(e)}, [], [f"skipped: {url}: {e}"])]
            children = listing.children
            status = "unchanged" if digest == state.get("hash") else "read"
            result = [(url, {"status": status, "etag": response.header("ETag"),
                             "last_modified": response.header("Last-Modified"), "content_hash": digest,
                             "children": children},
                       listing.entries, [f"warning: {url}: {w}" for w in listing.warnings])]
        if depth < MAX_SITEMAP_DEPTH:
            for child in children:
                result += read(child, depth + 1)
        elif children:
            result[0][3].append(f"warning: {url}: sitemap index nested too deep, {len(children)} sitemaps ignored")
        return result

    def read_group(urls: list[str]):
        return [r for url in urls if not stop.is_set() for r in read(url, 0)]

    with ThreadPoolExecutor(max(1, settings.workers)) as pool:
        for group in _until_stopped(pool.map(read_group, _by_host(sources)), stop):
            for url, state, found, problems in group:
                report.sources += 1
                report.unchanged += state["status"] == "unchanged"
                report.bad_sources += state["status"] == "failed"
                report.problems += problems
                states.append((url, state))
                for entry in found:
                    key = normalise(entry.url)
                    if key in entries:  # the same story in two sources: keep what either said
                        old = entries[key][0]
                        for name in ("title", "published", "author", "source"):
                            if getattr(old, name) is None:
                                setattr(old, name, getattr(entry, name))
                    else:
                        entries[key] = (entry, url)

    now = time.time()
    todo: list[tuple[str, dict, str | None]] = []
    for key, (entry, via) in entries.items():
        if ledger.wanted(key, now):
            todo.append((key, {k: v for k, v in vars(entry).items() if k != "url" and v}, via))
        else:
            report.known += 1
    listed = {key for key, _, _ in todo}
    todo += [(url, entry, None) for url, entry in ledger.due(now) if url not in listed and url not in entries]
    bar = progress(len(todo)) if progress and todo else None

    def one(item: tuple[str, dict, str | None]) -> None:
        url, entry, via = item
        if stop.is_set():
            return
        try:
            _fetch_page(url, entry, via, client, corpus, ledger, settings, report)
        finally:
            if bar is not None:
                bar.update(1)

    try:
        with ThreadPoolExecutor(max(1, settings.workers)) as pool:
            for _ in _until_stopped(pool.map(lambda group: [one(item) for item in group], _by_host(todo)), stop):
                pass  # a worker's exception (a full disk...) stops the run here
    finally:
        if bar is not None:
            bar.close()
    for url, state in states:
        ledger.record_source(url, **state)
    clean_tmp(corpus)
    report.requests = client.requests
    report.seconds = time.monotonic() - started
    return report


def _until_stopped(results, stop: threading.Event):
    """The results of pool.map; on Ctrl-C or a worker's error, tell the other workers to stop."""
    try:
        yield from results
    except BaseException:
        stop.set()
        raise


def _fetch_page(url: str, entry: dict, via: str | None, client: Client, corpus: Path, ledger: Ledger,
                settings: Settings, report: Report) -> None:
    saved = ledger.saved_copy([url], "")
    if saved:  # the canonical or final URL of a story already saved: no request needed
        ledger.record(url, "duplicate", entry=entry, via=via, reason=f"same story as {saved['url']}")
        report.count("duplicate")
        return
    try:
        response = client.fetch(url)
    except FetchError as e:
        if e.reason.startswith("disallowed by"):
            report.count("skipped", f"skipped: {url}: {e.reason}")
            return  # not recorded: the site may allow it later
        _failure(ledger, report, url, entry, via, e.reason, settings.retry_wait, permanent=e.permanent)
        return
    if response.status in (404, 410):
        ledger.record(url, "gone", entry=entry, via=via, http_status=response.status,
                      final_url=normalise(response.url), reason=f"HTTP {response.status}")
        report.count("gone", f"skipped: {url}: HTTP {response.status} (remembered, not asked again)")
        return
    if response.status != 200:
        _failure(ledger, report, url, entry, via, f"HTTP {response.status}", settings.retry_wait)
        return
    page = Page(url, normalise(response.url), response.body, response.content_type, response.charset, entry, via=via)
    store(page, corpus, ledger, report, settings.retry_wait)


def store(page: Page, corpus: Path, ledger: Ledger, report: Report, retry_wait: float) -> None:
    """Save one page unless the ledger already holds its story (shared by fetch and import)."""
    now = utc_now()
    try:
        prepared = prepare(page, now)
    except Unusable as e:
        ledger.record(page.url, "skipped", entry=page.entry, via=page.via, final_url=page.final_url, reason=str(e))
        report.count("skipped", f"skipped: {page.url}: {e}")
        return
    except (ValueError, LookupError, RecursionError) as e:  # what lxml or a date may raise on a hostile page
        _failure(ledger, report, page.url, page.entry, page.via, f"could not be read: {type(e).__name__}: {e}",
                 retry_wait)
        return
    with ledger.saving:  # check and save as one step: two threads never save one story twice
        saved = ledger.saved_copy([page.final_url, prepared.canonical_url], prepared.content_hash)
        if saved:
            ledger.record(page.url, "duplicate", entry=page.entry, via=page.via, final_url=page.final_url,
                          canonical_url=prepared.canonical_url, hash=prepared.content_hash,
                          reason=f"same story as {saved['url']}")
            report.count("duplicate")
            return
        write(corpus, prepared)
        ledger.record(page.url, "saved", entry=page.entry, via=page.via, final_url=page.final_url,
                      canonical_url=prepared.canonical_url, hash=prepared.content_hash, path=prepared.rel,
                      http_status=200)
        report.saved.append(prepared.rel)
    report.count("new")


def _failure(ledger: Ledger, report: Report, url: str, entry: dict | None, via: str | None, reason: str,
             retry_wait: float, *, permanent: bool = False) -> None:
    """Skipped for good when the failure is permanent (or the attempts are used up), else failed."""
    ledger.record(url, "skipped" if permanent else "failed", entry=entry, via=via, reason=reason,
                  retry_wait=retry_wait)
    row = ledger.page(url)
    if row["status"] == "skipped":
        report.count("skipped", f"skipped: {url}: {row['reason']}")
    else:
        report.count("failed", f"failed: {url}: {reason} (tried again on a later run)")
