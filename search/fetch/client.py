"""Politeness over net.get: robots.txt, one request at a time per host with a delay between
them, retries with backoff on 429 and 5xx (Retry-After honoured), and redirects followed
hop by hop, each hop checked like the first (scheme, address, robots, the same host gate)."""

from __future__ import annotations

import threading
import time
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from .net import FetchError, Limits, Response, get

REDIRECTS = (301, 302, 303, 307, 308)
MAX_WAIT = 120.0          # longest Retry-After waited for within a run; longer: retried next run
MAX_CRAWL_DELAY = 30.0    # a robots.txt Crawl-delay is honoured up to this
ROBOTS_BYTES = 500 * 1024  # RFC 9309: parse at least the first 500 KiB


class Client:
    """Shared by the worker threads of one run."""

    def __init__(self, limits: Limits, *, delay: float = 1.0, retries: int = 3, max_redirects: int = 5,
                 sleep=time.sleep) -> None:
        self.limits, self.delay, self.retries, self.max_redirects = limits, delay, retries, max_redirects
        self.sleep = sleep
        self._hosts: dict[str, tuple[threading.Lock, list[float]]] = {}
        self._robots: dict[str, tuple[RobotFileParser | None, str | None]] = {}
        self._lock = threading.Lock()
        self.requests = 0

    def fetch(self, url: str, headers: dict[str, str] | None = None, *, robots: bool = True) -> Response:
        """The final answer for url (any status but a redirect); FetchError when none."""
        seen = [url]
        while True:
            if robots:
                self.check_robots(url)
            response = self._polite(url, headers)
            if response.status not in REDIRECTS:
                return response
            location = response.header("Location")
            if not location:
                raise FetchError(f"HTTP {response.status} redirect without a Location")
            url = urljoin(url, location.strip())
            if url in seen:
                raise FetchError(f"redirect loop ({' -> '.join(seen[seen.index(url):] + [url])})")
            if len(seen) > self.max_redirects:
                raise FetchError(f"more than {self.max_redirects} redirects (last: {url})")
            seen.append(url)

    def check_robots(self, url: str) -> None:
        """FetchError when robots.txt keeps us off url, or could not be read (RFC 9309: then
        the whole site is off limits for this run)."""
        origin = _origin(url)
        with self._lock:
            known = self._robots.get(origin)
        if known is None:
            known = self._read_robots(origin)
            with self._lock:
                self._robots[origin] = known
        parser, unreadable = known
        if unreadable:
            raise FetchError(f"{origin}/robots.txt could not be read ({unreadable}): the site is left alone this run")
        if parser is not None and not parser.can_fetch(self.limits.user_agent, url):
            raise FetchError(f"disallowed by {origin}/robots.txt for {self.limits.user_agent}")

    def _read_robots(self, origin: str) -> tuple[RobotFileParser | None, str | None]:
        """RFC 9309: 4xx means no rules; 5xx or no answer means keep off the whole site (this run)."""
        try:
            response = self.fetch(origin + "/robots.txt", robots=False)
        except FetchError as e:
            if e.permanent:  # a refused address: that is the reason to give, not robots.txt
                raise
            return None, e.reason
        if 400 <= response.status < 500:
            return None, None
        if response.status != 200:
            return None, f"HTTP {response.status}"
        parser = RobotFileParser()
        parser.parse(response.body[:ROBOTS_BYTES].decode("utf-8", "replace").splitlines())
        crawl_delay = parser.crawl_delay(self.limits.user_agent)
        if crawl_delay:
            gate = self._gate(urlsplit(origin).netloc)
            with gate[0]:
                gate[1][1] = min(float(crawl_delay), MAX_CRAWL_DELAY)
        return parser, None

    def _gate(self, host: str) -> tuple[threading.Lock, list[float]]:
        """(lock, [time the next request may start, this host's delay])."""
        with self._lock:
            if host not in self._hosts:
                self._hosts[host] = (threading.Lock(), [0.0, self.delay])
            return self._hosts[host]

    def _polite(self, url: str, headers: dict[str, str] | None) -> Response:
        lock, state = self._gate(urlsplit(url).netloc.lower())
        attempt = 0
        while True:
            with lock:  # one request at a time per host, `delay` seconds apart
                wait = state[0] - time.monotonic()
                if wait > 0:
                    self.sleep(wait)
                with self._lock:
                    self.requests += 1
                try:
                    response = get(url, self.limits, headers)
                    error = None
                except FetchError as e:
                    response, error = None, e
                finally:
                    state[0] = time.monotonic() + max(self.delay, state[1])
            if error is not None and not error.retry:
                raise error
            backoff = self._backoff(response, attempt)
            if backoff is None:
                if error is not None:
                    raise error
                return response
            attempt += 1
            with lock:
                state[0] = max(state[0], time.monotonic() + backoff)

    def _backoff(self, response: Response | None, attempt: int) -> float | None:
        """Seconds to wait before trying again, or None to take this answer."""
        if attempt >= self.retries:
            return None
        if response is not None and response.status != 429 and response.status < 500:
            return None
        wait = max(self.delay, 0.5) * 2 ** attempt
        after = retry_after(response.header("Retry-After")) if response is not None else None
        if after is not None:
            if after > MAX_WAIT:
                return None
            wait = max(wait, after)
        return wait


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (a number or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
