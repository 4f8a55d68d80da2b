"""Plain-text articles: paragraphs of text, no metadata (a sidecar or the folder defaults may
add it), in the encoding search.ingest.readers.decode finds (UTF-8, else windows-1252, ...)."""

from __future__ import annotations

from collections.abc import Iterator

from ..article import Article
from . import Problem, decode


def read(data: bytes, article_id: str, path: str) -> Iterator[Article | Problem]:
    try:
        text, encoding = decode(data)
    except ValueError as e:
        yield Problem(path, str(e))
        return
    yield Article(id=article_id, title="", text=text, path=path, encoding=encoding)
