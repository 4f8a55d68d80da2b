"""From a fetched or archived HTML page to `corpus/<host>/<YYYY>/<MM>/<slug>-<hash>.html`
and its `.meta.json` sidecar, written atomically, once per story.

The sidecar is what search.ingest.extract reads beside any article: its `url`, `title`,
`published`, `author` and `source` override the page's own (readers/jsonl.apply_metadata),
so a value from the feed or sitemap is written only where the page itself has none, and
`url` is always the page's canonical URL (or the URL it was fetched from). The `fetched`
object (the URL asked, the final URL, when, from which source) is kept for people; the
indexer ignores keys it does not know.

Atomic: each file is written to `corpus/.fetch-tmp/` (hidden: the corpus scan skips it),
flushed to disk, then renamed into place, the sidecar before the page; the ledger row is
written after both. A kill leaves at worst a temporary file, which the next run removes."""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from ..ingest.dates import parse_date
from ..ingest.readers.html_meta import declared_charset, page_metadata, parse_tree
from .urls import corpus_path, normalise

TMP = ".fetch-tmp"
HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_BAD_BYTES = 0.005  # share of undecodable characters above which a page's encoding is "bad"


class Unusable(ValueError):
    """A page that is not saved, for good (not HTML, bad encoding...): the message says why."""


@dataclass
class Page:
    url: str           # the URL asked (normalised): the ledger's key
    final_url: str
    body: bytes
    content_type: str = ""
    charset: str | None = None   # from the HTTP Content-Type
    entry: dict | None = None    # what the feed or sitemap said: title, published, author, source
    fallback_date: datetime | None = None  # WARC-Date for archives; only for the folder otherwise
    via: str | None = None       # the source URL or WARC file


@dataclass
class Prepared:
    body: bytes
    canonical_url: str
    sidecar: dict
    rel: str
    content_hash: str
    day: date


def as_utf8(body: bytes, charset: str | None) -> bytes:
    """The page's bytes, transcoded to UTF-8 when only the HTTP header named their charset
    (the file on disk keeps no header, and the reader would guess windows-1252)."""
    if body.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body
    try:
        body.decode("utf-8")
        return body  # valid UTF-8 is read as UTF-8 whatever is declared
    except UnicodeDecodeError:
        pass
    label = charset or declared_charset(body)
    if not label:
        return body  # the reader's rule: windows-1252, which decodes anything
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        raise Unusable(f"bad encoding: unknown charset {label!r} and not UTF-8") from None
    if codec in ("latin-1", "iso8859-1", "ascii"):
        codec = "cp1252"  # browsers read these labels as windows-1252
    text = body.decode(codec, "replace")
    bad = text.count("\ufffd")
    if bad > max(2, MAX_BAD_BYTES * len(text)):
        also = "" if codec == "utf-8" else " (nor UTF-8)"
        raise Unusable(f"bad encoding: {bad} bytes are not valid {label}{also}")
    return text.encode("utf-8")


def prepare(page: Page, now: datetime) -> Prepared:
    if page.content_type and page.content_type not in HTML_TYPES:
        raise Unusable(f"not HTML ({page.content_type})")
    if b"\x00" in page.body[:8192] and not page.body.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Unusable("binary data, not HTML")
    if not page.body.strip():
        raise Unusable("empty page")
    body = as_utf8(page.body, page.charset)
    meta = page_metadata(parse_tree(body), base_url=page.final_url)
    canonical = normalise(meta["url"]) if meta.get("url") else page.final_url
    if not same_site(canonical, page.final_url):
        canonical = page.final_url  # a page may not claim another site's story as its own
    entry = page.entry or {}
    sidecar: dict = {"url": canonical}
    for key in ("title", "published", "author", "source"):
        if entry.get(key) and not meta.get(key):
            sidecar[key] = entry[key]
    if not meta.get("published") and not entry.get("published") and page.fallback_date:
        sidecar["published"] = page.fallback_date.isoformat()
    sidecar["fetched"] = {"url": page.url, "final_url": page.final_url, "at": now.isoformat(timespec="seconds"),
                          "via": page.via}
    day = _day(meta.get("published")) or _day(sidecar.get("published")) or now.date()
    return Prepared(body, canonical, sidecar, corpus_path(canonical, day),
                    hashlib.blake2b(body, digest_size=16).hexdigest(), day)


def same_site(a: str, b: str) -> bool:
    """The same host, give or take `www.` and subdomains (amp.example.com, example.com)."""
    hosts = [(urlsplit(u).hostname or "").removeprefix("www.") for u in (a, b)]
    return bool(hosts[0]) and (hosts[0] == hosts[1] or hosts[0].endswith("." + hosts[1])
                               or hosts[1].endswith("." + hosts[0]))


def _day(raw) -> date | None:
    try:
        value = parse_date(raw) if raw else None
    except ValueError:
        return None
    return value.date() if isinstance(value, datetime) else value


def write(corpus: Path, prepared: Prepared) -> None:
    """The sidecar, then the page, each renamed into place whole. A name already holding
    another URL's story (two URLs whose 8-hex-digit hashes collide: about 1 in 100 among
    10,000 stories of one site and month) takes a 16-digit hash instead; the same URL's
    own file (left by a run killed before its ledger row) is replaced."""
    target = Path(corpus) / prepared.rel
    if _holder(target) not in (None, prepared.canonical_url):
        prepared.rel = corpus_path(prepared.canonical_url, prepared.day, digest_size=8)
        target = Path(corpus) / prepared.rel
    target.parent.mkdir(parents=True, exist_ok=True)
    sidecar = json.dumps(prepared.sidecar, ensure_ascii=False, indent=1).encode("utf-8")
    _atomic(corpus, _sidecar_path(target), sidecar)
    _atomic(corpus, target, prepared.body)


def _sidecar_path(page: Path) -> Path:
    return page.with_name(page.name[: -len(".html")] + ".meta.json")


def _holder(page: Path) -> str | None:
    """The URL whose story is saved at this path, if any."""
    if not page.exists():
        return None
    try:
        return json.loads(_sidecar_path(page).read_text(encoding="utf-8")).get("url") or ""
    except (OSError, ValueError, AttributeError):
        return ""


def _atomic(corpus: Path, target: Path, data: bytes) -> None:
    tmp_dir = Path(corpus) / TMP
    tmp_dir.mkdir(exist_ok=True)
    tmp = tmp_dir / f"{os.getpid()}-{target.name}"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)


def clean_tmp(corpus: Path) -> None:
    """What a killed run left in corpus/.fetch-tmp (call under the ledger lock)."""
    shutil.rmtree(Path(corpus) / TMP, ignore_errors=True)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
