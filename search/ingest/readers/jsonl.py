"""JSON Lines exports (one article per line) and JSON files (one article or a list)."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator

from ..article import Article
from . import Problem, decode_text

TEXT_KEYS = ("title", "text", "html", "url", "source", "author", "language")


def record_to_article(record: object, default_id: str, path: str) -> Article:
    """The article of one JSON object; unknown keys are ignored, wrong types refused."""
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    for key in TEXT_KEYS:
        if record.get(key) is not None and not isinstance(record[key], str):
            raise ValueError(f"'{key}' must be a string")
    rid = record.get("id")
    if rid is not None and not isinstance(rid, (str, int)) or isinstance(rid, bool):
        raise ValueError("'id' must be a string or a number")
    rid = str(rid).strip() if rid is not None else ""
    text = record.get("text")
    if text is None and record.get("html") is not None:
        from .html import extract_html

        page = extract_html(record["html"])
        text = page.text
        record = {**page.metadata(), **{k: v for k, v in record.items() if v is not None}}
    if not text or not text.strip():
        raise ValueError("no 'text' or 'html'")
    article = Article(id=rid or default_id, title=record.get("title") or "", text=text, path=path)
    apply_metadata(article, record)
    return article


def apply_metadata(article: Article, meta: dict) -> None:
    """Copy the metadata keys given (a sidecar's or a record's) onto the article.
    `published` is kept raw here and parsed by search.ingest.extract."""
    for key in ("title", "url", "source", "author", "language"):
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            setattr(article, key, value.strip())
    if meta.get("published") not in (None, ""):
        article.published = meta["published"]  # parsed and validated in search.ingest.extract
        article.date_source = "metadata"


def read_lines(data: bytes, article_id: str, path: str) -> Iterator[Article | Problem]:
    """Each line on its own: a line of binary junk or bad UTF-8 is one skipped record,
    not a lost file."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            lines = [line.encode("utf-8") for line in decode_text(data).split("\n")]
        except ValueError as e:
            yield Problem(path, str(e))
            return
    else:
        lines = data.removeprefix(codecs.BOM_UTF8).split(b"\n")
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            yield Problem(f"{path}:{number}", f"line {number}: not valid UTF-8 (byte 0x{raw[e.start]:02x})")
            continue
        try:
            record = json.loads(line)
            yield record_to_article(record, f"{article_id}#{number}", path)
        except ValueError as e:  # json.JSONDecodeError is a ValueError
            yield Problem(f"{path}:{number}", f"line {number}: {_reason(e)}")


def read_document(data: bytes, article_id: str, path: str) -> Iterator[Article | Problem]:
    try:
        document = json.loads(decode_text(data))
    except ValueError as e:
        yield Problem(path, _reason(e))
        return
    if isinstance(document, list):
        for number, record in enumerate(document, start=1):
            try:
                yield record_to_article(record, f"{article_id}#{number}", path)
            except ValueError as e:
                yield Problem(f"{path}#{number}", f"record {number}: {e}")
    else:
        try:
            yield record_to_article(document, article_id, path)
        except ValueError as e:
            yield Problem(path, str(e))


def _reason(e: ValueError) -> str:
    if isinstance(e, json.JSONDecodeError):
        return f"invalid JSON: {e.msg} at column {e.colno}"
    return str(e)
