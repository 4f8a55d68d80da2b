"""The pages people use: search with facets, and one article. Same parameters as
/api/search, same SearchResult, so the page and its JSON twin never disagree."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request
from markupsafe import Markup

from search.countries import country_label
from search.facets import UNDATED
from search.query import SearchRequest
from search.searcher import mark_terms

from . import engine

pages = Blueprint("pages", __name__)


class Links:
    """URLs that change one thing about the current search and keep the rest."""

    def __init__(self, req: SearchRequest) -> None:
        self.req = req

    def url(self, path: str = "/", **changes) -> str:
        changes.setdefault("page", None)  # a new filter or sort starts at page 1
        query = urlencode(self.req.params(**changes))
        return path + ("?" + query if query else "")

    def country(self, code: str) -> str:
        selected = list(self.req.country)
        selected = [c for c in selected if c != code] if code in selected else selected + [code]
        return self.url(country=selected)

    def date(self, value: str, selected: bool) -> str:
        return self.url(**{"from": None, "to": None}) if selected else self.url(**{"from": value, "to": value})

    def country_for(self, f) -> str:
        return self.country(f.value)

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


@pages.get("/")
def search_page():
    req = SearchRequest.from_params(request.args)
    result = engine().search(req)
    links = Links(req)
    return render_template("search.html", req=req, result=result, links=links,
                           country_label=country_label, timeline=timeline(result, links),
                           timeline_size=(TIMELINE_WIDTH, TIMELINE_HEIGHT))


@pages.get("/articles/<path:article_id>")
def article_page(article_id: str):
    article = engine().article(article_id)
    if article is None:
        abort(404)
    q = request.args.get("q", "")[:500]
    body = mark_terms(article["text"], q)
    paragraphs = [Markup(p) for p in body.split("\n\n") if p.strip()]
    title_html = Markup(mark_terms(article["title"], q, field="title"))
    back = "/?" + urlencode({"q": q}) if q else "/"
    return render_template("article.html", article=article, paragraphs=paragraphs, title_html=title_html,
                           q=q, back=back, country_label=country_label,
                           related=engine().related(article_id) or [])
