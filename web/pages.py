"""The pages people use: search with facets, and one article. Same parameters as
/api/search, same SearchResult, so the page and its JSON twin never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request
from markupsafe import Markup

from search.core.labels import country_label, text_direction
from search.core.facets import UNDATED
from search.core.query import MAX_QUERY_LENGTH
from search.core.request import SearchRequest
from search.core.backend import Backend, Capability

from . import backend

pages = Blueprint("pages", __name__)


@pages.app_template_filter("plural")
def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """"1 article", "2,345 articles": the one rule for counted words, in pages and feeds."""
    return f"{count:,} {singular if count == 1 else plural_form or singular + 's'}"


@pages.app_template_filter("direction")
def direction(tag: str | None) -> str:
    """'rtl' or 'ltr' for an article's language tag: its title and text get lang and dir."""
    return text_direction(tag)


class Links:
    """URLs that change one thing about the current search and keep the rest."""

    def __init__(self, req: SearchRequest) -> None:
        self.req = req

    def url(self, path: str = "/", **changes) -> str:
        changes.setdefault("page", None)  # a new filter or sort starts at page 1
        query = urlencode(self.req.params(**changes))
        return path + ("?" + query if query else "")

    def country(self, code: str) -> str:
        return self._toggle("country", code)

    def _toggle(self, name: str, code: str) -> str:
        """The search with one more value of a multi-select facet, or one fewer."""
        selected = list(getattr(self.req, name))
        selected = [c for c in selected if c != code] if code in selected else selected + [code]
        return self.url(**{name: selected})

    def date(self, value: str, selected: bool) -> str:
        return self.url(**{"from": None, "to": None}) if selected else self.url(**{"from": value, "to": value})

    def country_for(self, f) -> str:
        return self.country(f.value)

    def language_for(self, f) -> str:
        return self._toggle("language", f.value)

    def date_for(self, f) -> str | None:
        return None if f.value == UNDATED else self.date(f.value, f.selected)

    def page(self, number: int) -> str:
        return self.url(page=number if number > 1 else None)

    def api(self) -> str:
        return self.url("/api/search", page=self.req.page if self.req.page > 1 else None)


TIMELINE_WIDTH, TIMELINE_HEIGHT = 600, 90


def timeline(result, links: Links) -> list[dict]:
    """Bars of the date facet for an SVG drawn on the server (no JavaScript needed):
    one per bucket, each a link that narrows the search to its period."""
    buckets = [f for f in result.facets.get("date", []) if f.value != UNDATED]
    if len(buckets) < 2:
        return []
    top = max(f.count for f in buckets) or 1
    step = TIMELINE_WIDTH / len(buckets)
    bars = []
    for n, f in enumerate(buckets):
        height = max(2.0, TIMELINE_HEIGHT * f.count / top) if f.count else 0.0
        bars.append({"x": round(n * step + step * 0.1, 2), "width": round(step * 0.8, 2),
                     "y": round(TIMELINE_HEIGHT - height, 2), "height": round(height, 2),
                     "slot_x": round(n * step, 2), "slot_width": round(step, 2),
                     "label": f.label, "count": f.count, "selected": f.selected,
                     "href": links.date(f.value, f.selected)})
    return bars


@dataclass(frozen=True)
class Overview:
    """What the index holds, for the home page: a first-time visitor's answer to
    "what can I find here?"."""

    articles: int
    first_day: str | None
    last_day: str | None
    undated: int
    countries: list[tuple[str, int]]  # (code, articles), most first
    sources: list[tuple[str, int]]
    examples: list[tuple[str, str]]  # (query, what its syntax does), each finding something


OVERVIEW_COUNTRIES = 8
OVERVIEW_SOURCES = 5
_overviews: dict[str, Overview] = {}  # by index generation: computed once per worker and index state


def overview(eng: Backend) -> Overview:
    """The home page's overview, computed once per index generation: the sources cost a
    posting list per distinct source and the examples a search each (Backend.top_sources)."""
    generation = eng.generation()
    found = _overviews.get(generation)
    if found is None:
        stats = eng.stats(top=OVERVIEW_COUNTRIES)
        found = Overview(articles=stats["articles"], first_day=stats["first_day"], last_day=stats["last_day"],
                         undated=stats["undated"], countries=stats["top_countries"],
                         sources=eng.top_sources(OVERVIEW_SOURCES),
                         examples=example_searches(eng, [code for code, _ in stats["top_countries"]]))
        _overviews.clear()
        _overviews[generation] = found
    return found


def example_searches(eng: Backend, countries: list[str]) -> list[tuple[str, str]]:
    """Searches that show the query syntax with words of this index (the names of its
    top countries: one-word names as words, a longer one as a phrase), kept only when
    they find something."""
    names = [country_label(c).lower() for c in countries]
    words = [n for n in names if n.isalpha()][:2]
    phrase = next((n for n in names if " " in n), None)
    candidates = []
    if words:
        a, b = words[0], words[-1]
        candidates.append((a, "articles that mention it"))
        if b != a:
            candidates += [(f"{a} OR {b}", "either word"), (f"{a} -{b}", "the first word, not the second")]
    if phrase:
        candidates.append((f'"{phrase}"', "the exact phrase"))
    if words:
        candidates.append((f"title:{words[0]}", "only in titles"))
    return [(q, what) for q, what in candidates
            if eng.search(SearchRequest.from_params({"q": [q], "per_page": ["1"]})).total]


@pages.get("/")
def search_page():
    req = SearchRequest.from_params(request.args)
    result = backend().search(req)
    links = Links(req)
    home = not req.params()  # no query, no filter: the page a newcomer lands on
    return render_template("search.html", req=req, result=result, links=links,
                           country_label=country_label, timeline=timeline(result, links),
                           timeline_size=(TIMELINE_WIDTH, TIMELINE_HEIGHT),
                           overview=overview(backend()) if home else None)


def without_headline(text: str, title: str) -> str:
    """The body without a first paragraph that only repeats the title, but for spacing
    and case (extracted pages often start with their own headline, which the article
    page already shows as its h1)."""
    first, _, rest = text.lstrip().partition("\n\n")
    same = " ".join(first.split()).casefold() == " ".join(title.split()).casefold()
    return rest if rest and same else text


@pages.get("/articles/<path:article_id>")
def article_page(article_id: str):
    article = backend().article(article_id)
    if article is None:
        abort(404)
    q = request.args.get("q", "")[:MAX_QUERY_LENGTH]
    language = article.get("language")
    body = backend().highlight(without_headline(article["text"], article["title"]), q, language=language)
    paragraphs = [Markup(p) for p in body.split("\n\n") if p.strip()]
    title_html = Markup(backend().highlight(article["title"], q, field="title", language=language))
    back = "/?" + urlencode({"q": q}) if q else "/"
    return render_template("article.html", article=article, paragraphs=paragraphs, title_html=title_html,
                           q=q, back=back, country_label=country_label,
                           related=(backend().related(article_id) or []) if Capability.RELATED in backend().capabilities
                           else [])
