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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from .request import SearchRequest
from .results import SearchResult

if TYPE_CHECKING:  # the reindex's type: a server never imports ingestion (13 ms at start)
    from ..ingest.changes import Summary


class NoIndex(RuntimeError):
    """There is no index to search yet (the reindex command has not run)."""


class IndexLocked(RuntimeError):
    """Another reindex holds the index's lock."""


class SearchTimeout(RuntimeError):
    """A search ran past the time limit: the caller is asked to narrow it."""


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
    def highlight(self, text: str, q: str, field: str = "text") -> str:
        """The whole text HTML-escaped, with the words `q` matches in `<mark>`."""

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
    def update(self, corpus: Path, *, full: bool = False, max_bytes: int,
               progress: Callable | None = None) -> Summary:
        """Bring the index up to date with the corpus folder (the reindex command): only
        what was added, changed or removed unless `full` (search.ingest.changes plans it).
        `progress(total)`, when given, is called once with the number of files to read
        and returns an object with update(n) and close() (a tqdm bar). Raises IndexLocked,
        FileNotFoundError, OSError."""


#: NEWS_SEARCH_BACKEND -> the class that implements it ("module:Class", imported on use).
BACKENDS = {"whoosh": "search.backends.whoosh.engine:WhooshBackend"}


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
