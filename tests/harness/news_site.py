"""A real HTTP server on 127.0.0.1 (a free port) serving whatever a test or benchmark puts
in `routes`: feeds, sitemaps, pages, robots.txt, redirects, errors and slow answers. It logs
every request (path, User-Agent, conditional headers, time) and the most requests it ever
had in flight at once, so politeness can be checked, not assumed."""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"
    etag: bool = False           # answer with an ETag and honour If-None-Match
    delay: float = 0.0           # seconds before answering
    dribble: float = 0.0         # seconds between body bytes (a slow server)
    gzip: bool = False           # Content-Encoding: gzip


Route = Answer | Callable[["Handler"], Answer] | list[Answer]  # a list: one answer per request, last repeats


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        site: NewsSite = self.server.site
        with site.lock:
            site.in_flight += 1
            site.max_in_flight = max(site.max_in_flight, site.in_flight)
            site.log.append({"path": self.path, "ua": self.headers.get("User-Agent"), "at": time.monotonic(),
                             "if_none_match": self.headers.get("If-None-Match"),
                             "if_modified_since": self.headers.get("If-Modified-Since")})
        try:
            self._answer(site)
        finally:
            with site.lock:
                site.in_flight -= 1

    def _answer(self, site: NewsSite) -> None:
        route = site.routes.get(self.path)
        if route is None:
            answer = Answer(b"not found", 404, content_type="text/plain")
        elif isinstance(route, list):
            with site.lock:
                answer = route.pop(0) if len(route) > 1 else route[0]
        elif callable(route):
            answer = route(self)
        else:
            answer = route
        time.sleep(answer.delay)
        body = answer.body
        headers = {"Content-Type": answer.content_type, **answer.headers}
        if answer.etag:
            tag = '"' + hashlib.md5(body).hexdigest() + '"'
            headers["ETag"] = tag
            headers["Last-Modified"] = email.utils.formatdate(usegmt=True)
            if self.headers.get("If-None-Match") == tag:
                self.send_response(304)
                self.send_header("ETag", tag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        if answer.gzip:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        self.send_response(answer.status)
        for name, value in headers.items():
            self.send_header(name, value)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            if answer.dribble:
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(answer.dribble)
            else:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client that hangs up on a slow answer is what the tests do on purpose


class NewsSite:
    """`with NewsSite() as site:` then `site.routes[path] = Answer(...)`, `site.url(path)`."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[dict] = []
        self.lock = threading.Lock()
        self.in_flight = self.max_in_flight = 0
        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.site = self
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> NewsSite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def requests(self, path: str | None = None) -> list[dict]:
        with self.lock:
            return [r for r in self.log if path is None or r["path"] == path]


def article_html(title: str | None, paragraphs: int = 4, *, published: str | None = None,
                 canonical: str | None = None, topic: str = "harbour") -> bytes:
    """A news page with enough body text for the extractor (title and date optional)."""
    head = f"<title>{title}</title>" if title else ""
    if published:
        head += f'<meta property="article:published_time" content="{published}">'
    if canonical:
        head += f'<link rel="canonical" href="{canonical}">'
    body = "".join(
        f"<p>Paragraph {i} of the report on the {topic}: the council met on Tuesday to discuss the "
        f"new {topic} plans, and residents said the works would change the town for years to come.</p>"
        for i in range(paragraphs))
    h1 = f"<h1>{title}</h1>" if title else ""
    return f"<!doctype html><html lang='en'><head>{head}</head><body><article>{h1}{body}</article></body></html>".encode()
