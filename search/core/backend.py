"""The seam: what a search engine behind the service must do, the errors it may raise, and
`open_backend`, the one place that chooses the engine.

The page, the JSON API, the feeds and the CLI speak only to a Backend, with the core's
types (SearchRequest in, SearchResult out, article dicts), so they cannot disagree and a
second engine is one more folder under search/backends/. Modelled on Haystack's and
Wagtail's search backends: one interface, an engine per class, capabilities an engine
lacks declared rather than faked."""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from .request import SearchRequest
from .results import SearchResult

if TYPE_CHECKING:  # the reindex's types: a server never imports ingestion (13 ms at start)
    from ..ingest.article import Article
    from ..ingest.changes import Summary


class NoIndex(RuntimeError):
    """There is no index to search yet (the reindex command has not run)."""


class IndexLocked(RuntimeError):
    """Another reindex holds the index's lock."""


class SearchTimeout(RuntimeError):
    """A search ran past the time limit: the caller is asked to narrow it."""


class Unavailable(RuntimeError):
    """The engine cannot answer at all (every node of a cluster down): a 503, to try later."""


class Capability:
    """What a backend may lack; the page and the API leave out what it cannot do."""

    SUGGEST = "suggest"          # search-as-you-type (/api/suggest)
    DID_YOU_MEAN = "did_you_mean"
    RELATED = "related"          # more like this article
    WILDCARDS = "wildcards"      # oil*, ?il, word~
    ALL = frozenset({SUGGEST, DID_YOU_MEAN, RELATED, WILDCARDS})


class Backend(ABC):
    """One search engine's index, opened for reading (and writing, by the reindex)."""

    name: ClassVar[str]
    capabilities: ClassVar[frozenset[str]] = Capability.ALL

    # -- reading ---------------------------------------------------------------------

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchResult:
        """Hits of the requested page with snippets, the total, story count and facets over
        every match. Raises NoIndex, SearchTimeout, and InvalidRequest naming q when a
        pattern (oil*, word~) stands for too many words."""

    @abstractmethod
    def article(self, article_id: str) -> dict | None:
        """The stored article (id, title, text, published, countries, source, url, ...)."""

    @abstractmethod
    def related(self, article_id: str, limit: int = 5) -> list[dict] | None:
        """Articles like this one, its own wire copies left out; None: no such article."""

    @abstractmethod
    def suggest(self, q: str, limit: int) -> list[str]:
        """Completions of a partly typed query: words of the articles, then titles."""

    @abstractmethod
    def highlight(self, text: str, q: str, field: str = "text", language: str | None = None) -> str:
        """The whole text HTML-escaped, with the words `q` matches in `<mark>`; `language`
        is the article's (a tag such as "de" or "pt-BR"; None: as the text reads), which
        a backend stemming by language analyses the text in."""

    @abstractmethod
    def generation(self) -> str:
        """The index state now read ("gen-…/N" for Whoosh): it names every answer."""

    @abstractmethod
    def health(self) -> dict:
        """{"status": "ok", "articles": N, "generation": the index state}."""

    @abstractmethod
    def stats(self, top: int = 10) -> dict:
        """articles, first_day, last_day, undated, top_countries, index_bytes, generation."""

    @abstractmethod
    def top_sources(self, top: int = 5) -> list[tuple[str, int]]:
        """The sources with the most articles (for the home page, not for every search)."""

    def warm(self, search: bool = True) -> None:
        """Open what the first request would open (e.g. in a server's master before fork)."""

    def close(self) -> None:
        """Release open files and connections."""

    # -- writing ---------------------------------------------------------------------

    @abstractmethod
    def writer(self, full: bool = False) -> AbstractContextManager[IndexWriter]:
        """The index writer of one reindex, the index locked against another while it is
        open (IndexLocked at once when it is not free). `full`: build from nothing."""

    def update(self, corpus: Path, *, full: bool = False, max_bytes: int,
               progress: Callable | None = None) -> Summary:
        """Bring the index up to date with the corpus folder (the reindex command): only
        what was added, changed or removed unless `full` (search.core.reindex).
        `progress(total)`, when given, is called once with the number of files to read
        and returns an object with update(n) and close() (a tqdm bar). Raises IndexLocked,
        FileNotFoundError, OSError."""
        from .reindex import reindex

        return reindex(self, corpus, full=full, max_bytes=max_bytes, progress=progress)


class IndexWriter(ABC):
    """One reindex's changes, seen by readers all at once when committed, never in part."""

    #: A rebuild from nothing (asked for, or nothing readable was there): every file is added.
    full: bool
    #: The manifest's files: what the index holds, by corpus file (search.ingest.changes).
    files: dict[str, dict]

    def read(self, corpus: Path, files: list, max_bytes: int) -> Iterator:
        """The FileResults of these corpus files, in any order (a backend may read them in
        worker processes)."""
        from ..ingest.extract import read_file

        return (read_file(corpus, cf, max_bytes) for cf in files)

    @abstractmethod
    def add(self, article: Article, *, file_sig: str, signature=False) -> None:
        """Store an article of a file read in this run (its file's old articles deleted)."""

    @abstractmethod
    def delete(self, path: str, article_ids: Iterable[str]) -> None:
        """Remove the articles a corpus file held (before adding its new ones: a replace)."""

    @abstractmethod
    def commit(self, files: dict[str, dict]) -> None:
        """Publish the run and the new manifest `files` in one step."""

    @abstractmethod
    def cancel(self) -> None:
        """Drop what the run wrote; the index stays as it was."""


#: NEWS_SEARCH_BACKEND -> the class that implements it ("module:Class", imported on use).
BACKENDS = {"whoosh": "search.backends.whoosh.engine:WhooshBackend",
            "sphinxql": "search.backends.sphinxql.backend:SphinxQLBackend"}


def open_backend(name: str, location: Path | str, **options) -> Backend:
    """The backend called `name`, over the index at `location`. Options every backend
    takes: time_limit (seconds a search may take before SearchTimeout)."""
    try:
        target = BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown backend {name!r} (NEWS_SEARCH_BACKEND: one of "
                         f"{', '.join(sorted(BACKENDS))})") from None
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)(Path(location), **options)
