"""One module per corpus format. A reader turns a file's bytes into Articles (or
Problems for the parts it could not read); search.ingest.extract finishes the records."""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ... import dependencies
from ..article import Article


@dataclass
class Problem:
    """Something a reader could not use; `where` is the file, or file:LINE for one record."""

    where: str
    reason: str
    skipped: bool = True  # False: a warning, the article was still indexed


Reader = Callable[[bytes, str, str], Iterator["Article | Problem"]]

SIDECAR_SUFFIX = ".meta.json"
# Longest first, so ".html.gz" wins over ".gz".
_EXTENSIONS = (".html.gz", ".htm.gz", ".jsonl", ".ndjson", ".json", ".html", ".htm", ".txt")


def split_extension(name: str) -> tuple[str, str]:
    """('folder/name', '.html.gz'); the extension is '' for formats we do not read."""
    lower = name.lower()
    if lower.endswith(SIDECAR_SUFFIX):
        return name[: -len(SIDECAR_SUFFIX)], SIDECAR_SUFFIX
    for ext in _EXTENSIONS:
        if lower.endswith(ext):
            return name[: -len(ext)], ext
    return name, ""


def reader_for(ext: str) -> Reader | None:
    from . import html, jsonl, text

    return {
        ".txt": text.read,
        ".html": html.read,
        ".htm": html.read,
        ".html.gz": html.read,
        ".htm.gz": html.read,
        ".jsonl": jsonl.read_lines,
        ".ndjson": jsonl.read_lines,
        ".json": jsonl.read_document,
    }.get(ext)


# The chain every text format shares, in order (BOM first: bs4 reads it before the others).
_BOM_ENCODINGS = ("utf-8", "utf-16le", "utf-16be", "utf-32le", "utf-32be")
FALLBACK_ENCODING = "windows-1252"


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text, encoding) of a file's bytes, by bs4's UnicodeDammit: a BOM (UTF-8, UTF-16,
    UTF-32), else UTF-8, else `declared` (the charset an HTML page names), else windows-1252.
    Bytes none of these read (windows-1252 leaves five undefined; bs4 would go on guessing)
    are refused with a ValueError rather than indexed as mojibake."""
    if b"\x00" in data[:8192] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ValueError("binary data, not text")
    chain = ["utf-8", *([declared] if declared else []), FALLBACK_ENCODING]
    # bs4 costs 76 ms to import: on first use, so a reindex that reads nothing never pays it.
    dammit = dependencies.load("bs4").UnicodeDammit(data, user_encodings=chain)
    encoding = (dammit.original_encoding or "").lower()
    if dammit.unicode_markup is None or encoding not in (*_BOM_ENCODINGS, *(e.lower() for e in chain)):
        bad = _first_undecodable(data)
        raise ValueError(f"neither UTF-8 nor {FALLBACK_ENCODING}"
                         + (f" (byte 0x{data[bad]:02x} at offset {bad})" if bad is not None else ""))
    return dammit.unicode_markup, encoding


def _first_undecodable(data: bytes) -> int | None:
    try:
        data.decode(FALLBACK_ENCODING)
    except UnicodeDecodeError as e:
        return e.start
    return None


def decode_text(data: bytes) -> str:
    """JSON text: UTF-8 (RFC 8259), or UTF-16/32 with a BOM; the windows-1252 fallback of
    plain text and pages is refused here, as a JSON parser would."""
    text, encoding = decode(data)
    if encoding == FALLBACK_ENCODING:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ValueError(f"not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})") from None
    return text
