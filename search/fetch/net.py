"""One HTTP GET with every limit a crawler of other people's servers needs.

The standard library's http.client, not requests/urllib3: each limit below needs a hand on
one hop of the exchange (the address the socket really connected to, before TLS and before
a byte is sent; every redirect hop; the bytes on the wire and the bytes after gzip; a
deadline for the whole answer), and those libraries hide exactly these behind their own
redirect following and pooling, so the code would be as long and would add a dependency.

Limits: http and https only; the connected address must be public unless allow_private
(checked on the socket's peer, so DNS cannot answer one address to a check and another to
the connection); a timeout for each socket operation and a deadline for the whole answer
(a server dribbling one byte a second is cut off); a cap on the bytes read and, separately,
on the bytes gzip/deflate expands them to."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import zlib
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urlsplit

CHUNK = 64 * 1024
ACCEPT = ("text/html, application/xhtml+xml, application/rss+xml, application/atom+xml, "
          "application/feed+json, application/xml;q=0.9, */*;q=0.8")


class FetchError(Exception):
    """A request that gave no usable answer; `reason` is one line for the report."""

    def __init__(self, reason: str, *, retry: bool = False, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry          # worth another try within this run (a reset connection)
        self.permanent = permanent  # not worth one on a later run either (too large, refused)


@dataclass
class Limits:
    timeout: float = 20.0        # seconds for any socket operation, and for the whole answer
    max_bytes: int = 10 * 2**20  # on the wire, and again after decompression
    allow_private: bool = False
    user_agent: str = "news-search"


@dataclass
class Response:
    url: str
    status: int
    headers: Message
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    @property
    def content_type(self) -> str:
        return (self.headers.get_content_type() if self.headers.get("Content-Type") else "").lower()

    @property
    def charset(self) -> str | None:
        return self.headers.get_content_charset() if self.headers.get("Content-Type") else None


def refused_address(address: str) -> bool:
    """Loopback, private, link-local, shared, reserved, multicast: not the public web."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _checked_connect(allow_private: bool):
    def connect(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None, **kw):
        sock = socket.create_connection(address, timeout, source_address, **kw)
        peer = sock.getpeername()[0]
        if not allow_private and refused_address(peer):
            sock.close()
            raise FetchError(f"refused: {address[0]} is a private, loopback or link-local address "
                             f"({peer}; --allow-private to fetch it)", permanent=True)
        return sock
    return connect


def check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"refused: only http and https URLs are fetched, not {parts.scheme or 'a relative URL'}",
                         permanent=True)
    if not parts.hostname:
        raise FetchError("refused: no host in the URL", permanent=True)


def get(url: str, limits: Limits, headers: dict[str, str] | None = None) -> Response:
    """The answer to one GET (no redirect followed); FetchError when there is none within the limits."""
    check_url(url)
    parts = urlsplit(url)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    try:
        conn = cls(parts.hostname, parts.port, timeout=limits.timeout)
    except ValueError as e:  # a bad port
        raise FetchError(f"bad URL: {e}", permanent=True) from None
    conn._create_connection = _checked_connect(limits.allow_private)
    timed_out = threading.Event()

    def abort() -> None:  # the deadline: whatever the server is dribbling, stop reading
        timed_out.set()
        if conn.sock is not None:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(limits.timeout, abort)
    timer.daemon = True
    timer.start()
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("GET", path, headers={"User-Agent": limits.user_agent, "Accept": ACCEPT,
                                           "Accept-Encoding": "gzip", **(headers or {})})
        resp = conn.getresponse()
        response = Response(url, resp.status, resp.headers)
        if resp.status == 200:
            response.body = _read_body(resp, limits, timed_out)
        return response
    except FetchError:
        raise
    except (TimeoutError, socket.timeout):
        raise FetchError(f"timed out (no answer within {limits.timeout:g} s)") from None
    except ssl.SSLError as e:
        detail = getattr(e, "verify_message", None)  # "self-signed certificate", "Hostname mismatch..."
        raise FetchError(f"TLS error: {e.reason or e}" + (f" ({detail})" if detail else "")) from None
    except (http.client.HTTPException, OSError) as e:
        if timed_out.is_set():
            raise FetchError(f"timed out (the answer took more than {limits.timeout:g} s)") from None
        if isinstance(e, socket.gaierror):
            raise FetchError(f"cannot resolve {parts.hostname}: {e.strerror}") from None
        retry = isinstance(e, (ConnectionResetError, http.client.RemoteDisconnected))
        raise FetchError(f"connection failed: {type(e).__name__}: {e}", retry=retry) from None
    finally:
        timer.cancel()
        conn.close()


def _read_body(resp: http.client.HTTPResponse, limits: Limits, timed_out: threading.Event) -> bytes:
    cap = limits.max_bytes
    declared = resp.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise FetchError(f"too large ({int(declared) / 2**20:.1f} MB declared; the cap is {cap / 2**20:g} MB)", permanent=True)
    encoding = (resp.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        inflate = zlib.decompressobj(wbits=31)
    elif encoding == "deflate":
        inflate = zlib.decompressobj(wbits=47)  # zlib or gzip header, auto-detected
    elif encoding == "identity":
        inflate = None
    else:
        raise FetchError(f"unsupported Content-Encoding {encoding!r}", permanent=True)
    raw = 0
    out: list[bytes] = []
    size = 0
    while True:
        chunk = resp.read1(CHUNK)
        if timed_out.is_set():
            raise FetchError(f"timed out (the answer took more than {limits.timeout:g} s)")
        if not chunk:
            break
        raw += len(chunk)
        if raw > cap:
            raise FetchError(f"too large (more than {cap / 2**20:g} MB, the cap)", permanent=True)
        if inflate is not None:
            try:
                chunk = inflate.decompress(chunk, cap - size + 1)
            except zlib.error as e:
                raise FetchError(f"bad {encoding} encoding: {e}") from None
            if inflate.unconsumed_tail:
                chunk += b"x"  # more output pending: over the cap whatever it is
        size += len(chunk)
        if size > cap:
            raise FetchError(f"too large (decompresses to more than {cap / 2**20:g} MB, the cap)", permanent=True)
        out.append(chunk)
    if inflate is not None and not inflate.eof:
        raise FetchError(f"truncated {encoding} answer")
    return b"".join(out)
