"""Plain-text articles: paragraphs of text, no metadata (a sidecar may add it)."""

from __future__ import annotations

from collections.abc import Iterator

from ..article import Article
from . import Problem, decode_text


def read(data: bytes, article_id: str, path: str) -> Iterator[Article | Problem]:
    try:
        text = decode_text(data)
    except ValueError as e:
        yield Problem(path, str(e))
        return
    yield Article(id=article_id, title="", text=text, path=path)
