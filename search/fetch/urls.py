"""One spelling per URL (so a story linked from a feed with tracking parameters and from a
sitemap without them is one entry of the ledger), and the corpus path of a saved page."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date
from urllib.parse import urlsplit, urlunsplit

# Parameters that say how a reader arrived, not what they read.
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|gclsrc|dclid|msclkid|yclid|mc_cid|mc_eid|igshid|"
                       r"_ga|_gl|_hsenc|_hsmi|mkt_tok|oly_enc_id|oly_anon_id|vero_id|wt_mc|cmpid|"
                       r"ocid|at_medium|at_campaign|smid|sr_share|ito|cmp)$", re.I)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    try:
        host = host.encode("idna").decode("ascii") if host and not host.isascii() else host.lower()
    except UnicodeError:
        host = host.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        netloc = f"[{host}]" + netloc[len(host):]
    # Pieces kept as written (re-encoding could change what a server reads: `?123` is not `?123=`).
    query = "&".join(p for p in parts.query.split("&") if p and not _TRACKING.match(p.split("=", 1)[0]))
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def corpus_path(url: str, day: date, digest_size: int = 4) -> str:
    """`<host>/<YYYY>/<MM>/<slug>-<hash>.html`: the host without `www.`, the month of the
    article's date, a readable slug from the URL's path and 8 hex digits of the URL (16
    when save.write finds the 8 taken by another URL), so the same URL always gets the
    same name and two stories never share one."""
    parts = urlsplit(url)
    host = (parts.hostname or "unknown").lower()
    host = host[4:] if host.startswith("www.") else host
    host = re.sub(r"[^a-z0-9.-]", "_", host).strip(".") or "unknown"
    words = [w for w in re.split(r"[/]", parts.path) if w]
    last = words[-1] if words else "index"
    last = re.sub(r"\.(s?html?|php|aspx?|jsp)$", "", last, flags=re.I)
    slug = unicodedata.normalize("NFKD", last).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", slug).strip("-")[:80].strip("-") or "page"
    digest = hashlib.blake2b(url.encode("utf-8"), digest_size=digest_size).hexdigest()
    return f"{host}/{day.year:04d}/{day.month:02d}/{slug}-{digest}.html"
