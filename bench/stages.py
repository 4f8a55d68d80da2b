"""Where a search's time goes, for bench/perf.py: the Whoosh backend's search by stage.

The engine reports only its total (`took_ms`), so this wraps its stage functions, in the
benchmark's own process only, with timers that call straight through (the answers are
the ones the server gives; the service itself is not changed). Time is counted where it
is spent: a stage's own time excludes that of timed stages it calls, and a wrapper
marked top-only times only a call made by `search()` itself (e.g. `user_query` as
`_suggest` calls it is suggestion time). A renamed engine function fails loudly here.

Stages: parse (the query tree, pattern expansion, filters), match (every match with
every word: mask, top hits, matched terms), relax (the relaxed search of a query that
found too little: its first pass and the expanded ranking), relax feedback (its
pseudo-relevance-feedback model: the best articles' text analysed again), suggest
("did you mean", tried when a query finds 2 articles or fewer), facets (story count,
country and date counts), page (copies collapsed, stored fields, title highlight and
snippets of the page's hits), other (the rest of search(): the searcher check, the
result object).
"""

from __future__ import annotations

import functools
import inspect
import time
from pathlib import Path

STAGES = ("parse", "match", "relax", "relax feedback", "suggest", "facets", "page", "other")


class StageTimer:
    """Exclusive seconds per stage of the calls made since reset()."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._stack: list[list] = []      # [label, seconds spent in timed calls it made]
        self._undo: list[tuple[object, str, object]] = []

    def reset(self) -> None:
        self.times = {}
        self._stack = []

    def wrap(self, owner: object, name: str, label: str, top_only: bool = False) -> None:
        """Time OWNER.NAME (a module function or a class's method) as LABEL."""
        static = inspect.getattr_static(owner, name)
        original = getattr(owner, name)
        timer = self

        @functools.wraps(original)
        def timed(*args, **kwargs):
            if top_only and timer._stack:
                return original(*args, **kwargs)
            frame = [label, 0.0]
            timer._stack.append(frame)
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent = time.perf_counter() - start
                timer._stack.pop()
                timer.times[label] = timer.times.get(label, 0.0) + spent - frame[1]
                if timer._stack:
                    timer._stack[-1][1] += spent

        self._undo.append((owner, name, static))
        setattr(owner, name, staticmethod(timed) if isinstance(static, staticmethod) else timed)

    def unwrap(self) -> None:
        for owner, name, static in reversed(self._undo):
            setattr(owner, name, static)
        self._undo = []


def instrument(timer: StageTimer) -> None:
    """Wrap the Whoosh backend's stage functions with TIMER."""
    from search.backends.whoosh import engine, relax
    from search.backends.whoosh.facet_tables import FacetTables

    backend = engine.WhooshBackend
    for name in ("plan_query", "user_query", "expand_patterns"):
        timer.wrap(engine, name, "parse", top_only=True)
    timer.wrap(backend, "_filters", "parse", top_only=True)
    timer.wrap(backend, "_run", "match")
    timer.wrap(backend, "_relaxed", "relax")          # the filter and exclusion masks
    timer.wrap(relax.Relaxation, "run", "relax")
    timer.wrap(relax, "_relevance_model", "relax feedback")
    timer.wrap(backend, "_suggest", "suggest")
    for name in ("story_count", "count", "count_countries"):
        timer.wrap(FacetTables, name, "facets")
    timer.wrap(backend, "_mask", "facets", top_only=True)   # search()'s own call: the country counts' base
    for name in ("country_facet", "date_facet"):
        timer.wrap(engine, name, "facets")
    timer.wrap(backend, "_collapse", "page")
    timer.wrap(backend, "_hits", "page")


def measure(index: Path, warmup: list[dict[str, str]], queries: list[dict[str, str]]) -> list[dict]:
    """Each query's search in this process, by stage: [{"ms", "took_ms", "relaxed", "total",
    "stages": {stage: ms}}] in QUERIES' order, after WARMUP (unmeasured) on a warm backend."""
    from search import config
    from search.backends.whoosh.engine import WhooshBackend
    from search.core.request import SearchRequest

    backend = WhooshBackend(index, time_limit=config.time_limit())
    timer = StageTimer()
    instrument(timer)
    try:
        backend.warm()
        for params in warmup:
            backend.search(SearchRequest.from_params({k: [v] for k, v in params.items()}))
        out = []
        for params in queries:
            request = SearchRequest.from_params({k: [v] for k, v in params.items()})
            timer.reset()
            start = time.perf_counter()
            result = backend.search(request)
            ms = (time.perf_counter() - start) * 1000
            stages = {s: timer.times.get(s, 0.0) * 1000 for s in STAGES}
            stages["other"] = max(0.0, result.took_ms - sum(stages.values()))
            out.append({"ms": ms, "took_ms": result.took_ms, "relaxed": result.relaxed, "total": result.total,
                        "stages": stages})
        return out
    finally:
        timer.unwrap()
        backend.close()
