"""One module per corpus format. A reader turns a file's bytes into Articles (or
Problems for the parts it could not read); search.ingest.extract finishes the records."""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass

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


def decode_text(data: bytes) -> str:
    """Text files must be UTF-8 (a BOM is honoured, UTF-16 too when it has one).
    Anything else is refused with a reason rather than indexed as mojibake."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise ValueError(f"invalid UTF-16 at byte {e.start}") from None
    if b"\x00" in data[:8192]:
        raise ValueError("binary data, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})") from None
