"""The search result: one type for the page, the JSON API and the CLI. Plain data,
no Whoosh objects, so another engine can produce the same thing."""

from __future__ import annotations

from dataclasses import dataclass, field

from .request import SearchRequest


@dataclass
class Hit:
    id: str
    title: str
    title_html: str  # escaped, query terms in <mark>
    snippet: str  # escaped, query terms in <mark>
    url: str | None
    source: str | None
    published: str | None  # ISO 8601
    countries: list[str]
    score: float | None
    # The article's BCP 47 language tag ('ar', 'pt-BR'; None when unknown): its language
    # is the `language` facet's value, and the page gives its text lang and dir.
    lang: str | None = None
    # Other copies of the same story among the matches (collapsed under this one).
    similar: int = 0
    similar_articles: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        """dataclasses.asdict's answer without its deep copies (1 ms a page)."""
        d = dict(self.__dict__)
        d["countries"] = list(self.countries)
        d["similar_articles"] = [dict(a) for a in self.similar_articles]
        return d


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class SearchResult:
    request: SearchRequest
    total: int
    took_ms: float
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str | None = None
    # True when not every word could be required: the hits match some of the words.
    relaxed: bool = False
    # Distinct stories among the matches (wire copies counted once); `total` and the
    # facets count articles.
    stories: int = 0
    date_unit: str = "day"  # width of the date buckets: year, month or day
    # The index state that answered ("gen-…/N": generation folder and Whoosh commit),
    # so an answer can be tied to one index state (the same string as /healthz).
    generation: str = ""
    # True when part of the index could not be searched (a cluster node down): the hits,
    # totals and facets cover the rest; `warnings` says what was missing.
    partial: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        shown = self.stories if self.request.collapse else self.total
        return max(1, -(-shown // self.request.per_page))

    def to_dict(self) -> dict:
        return {
            "query": self.request.to_dict(),
            "total": self.total,
            "stories": self.stories,
            "took_ms": round(self.took_ms, 2),
            "results": [h.to_dict() for h in self.hits],
            "facets": {name: [v.to_dict() for v in values] for name, values in self.facets.items()},
            "suggestion": self.suggestion,
            "relaxed": self.relaxed,
            "generation": self.generation,
            "partial": self.partial,
            "warnings": list(self.warnings),
        }
