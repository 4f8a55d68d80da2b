"""Helpers shared by the checks: requests from URL-style parameters, hit ids, markup."""

from __future__ import annotations

import html
import re

import pytest

from search.core.backend import Backend
from search.core.request import SearchRequest
from search.core.results import SearchResult

MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)
# The reason of the sphinxql backend's non-strict known_bug marks on ranking checks.
SHARD_IDF = ("IDF is each shard's own (remote agents share no statistics), so near ties between articles "
             "on different shards follow what else the shards hold: alone it passes, after the suite's other "
             "indexes were written to the shared test cluster it may not")


def request(**params) -> SearchRequest:
    """SearchRequest.from_params with keyword parameters: `from_`/`to` for the dates,
    lists for repeated ones (country=["CU", "KR"]), anything else as str."""
    out = {}
    for key, value in params.items():
        key = key.rstrip("_")
        if value is None:
            continue
        out[key] = [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
    return SearchRequest.from_params(out)


def search(backend: Backend, **params) -> SearchResult:
    return backend.search(request(**params))


def every(backend: Backend, **params) -> SearchResult:
    """All matches on one page, wire copies listed one by one."""
    params.setdefault("per_page", 100)
    params.setdefault("collapse", "false")
    return search(backend, **params)


def ids(result: SearchResult) -> list[str]:
    return [h.id for h in result.hits]


def id_set(result: SearchResult) -> set[str]:
    found = ids(result)
    assert len(found) == len(set(found)), f"an article shown twice: {found}"
    return set(found)


def marked(fragment: str) -> list[str]:
    """The words in <mark>, as shown (unescaped)."""
    return [html.unescape(m) for m in MARK.findall(fragment)]


def assert_safe_markup(fragment: str) -> str:
    """No tag in `fragment` but <mark>, every < > & escaped; returns it as plain text."""
    bare = MARK.sub(r"\1", fragment)
    assert "<" not in bare and ">" not in bare, f"unescaped markup in {fragment!r}"
    assert not re.search(r"&(?!(?:amp|lt|gt|quot|#x27|#39|#34|#x22);)", bare), f"a bare & in {fragment!r}"
    return html.unescape(bare)


def require(backend: Backend, capability: str) -> None:
    """Skip the check when the backend declares it lacks `capability`."""
    if capability not in backend.capabilities:
        pytest.skip(f"backend {backend.name!r} declares no {capability!r} capability")
