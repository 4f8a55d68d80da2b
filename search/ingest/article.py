"""The one record that flows from the readers into the index."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from .bylines import split_authors

_WORD = re.compile(r"\w+")


@dataclass
class Article:
    id: str
    title: str
    text: str
    published: date | datetime | None = None
    date_source: str | None = None
    countries: list[str] = field(default_factory=list)
    source: str | None = None
    url: str | None = None
    # Person names only, several joined by ", " (search.ingest.bylines; see `authors`).
    author: str | None = None
    language: str | None = None
    # The encoding the file was read in (search.ingest.readers.decode); not indexed.
    encoding: str | None = None
    # Corpus-relative path of the file the article came from ('/'-separated).
    path: str = ""

    @property
    def word_count(self) -> int:
        return len(_WORD.findall(self.text))

    @property
    def content_hash(self) -> str:
        """Hash of everything that ends up in the index, so a changed extraction re-indexes."""
        h = hashlib.blake2b(digest_size=16)
        for part in (self.title, self.text, self.published_iso or "", ",".join(self.countries),
                     self.source or "", self.url or "", self.author or "", self.language or ""):
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\x00")
        return h.hexdigest()

    @property
    def authors(self) -> list[str]:
        """The author names as a list."""
        return split_authors(self.author)

    @property
    def published_iso(self) -> str | None:
        return self.published.isoformat() if self.published is not None else None

    @property
    def published_day(self) -> date | None:
        """The article's own calendar day (never converted to UTC)."""
        if self.published is None:
            return None
        return self.published.date() if isinstance(self.published, datetime) else self.published

    def to_dict(self) -> dict:
        d = asdict(self)
        d["published"] = self.published_iso
        d["authors"] = self.authors
        d["word_count"] = self.word_count
        d["content_hash"] = self.content_hash
        return d
