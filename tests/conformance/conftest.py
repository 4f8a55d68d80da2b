"""Fixtures of the conformance suite: the backend under test (one parameter per entry of
search.core.backend.BACKENDS), a shared read-only index of the corpus in corpus.py
built once per backend, and fresh writable indexes for the checks that change one.

Everything goes through the Backend interface: open_backend(name, folder), update,
search(SearchRequest), article, related, suggest, highlight, health, stats,
generation. No module of search/backends/ is imported here or by the checks; a new
backend is one more entry in BACKENDS (and, when it needs a running service, one
entry in SERVICE_CHECKS so that the suite skips, saying why, when it is down)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from search.core.backend import BACKENDS, Backend, open_backend

from .corpus import ARTICLES, write_corpus

MAX_BYTES = 50 * 2**20

# Backend name -> a check returning why the backend cannot run here (e.g. "no Manticore
# listening on 127.0.0.1:9306"), or None when it can. Backends without an entry need
# nothing but the Python packages of the project.
SERVICE_CHECKS: dict[str, Callable[[], str | None]] = {}
# Backend name -> a fixture that starts its service for the session (or skips saying why).
SERVICE_FIXTURES: dict[str, str] = {"sphinxql": "sphinx_cluster"}


def pytest_configure(config):
    config.addinivalue_line("markers", "known_bug(backend, reason, strict=True): an xfail for that backend only")


def pytest_collection_modifyitems(items):
    """known_bug(name, reason=...) is a strict xfail where the check runs on backend `name`
    and an ordinary check on every other backend (a bug of one engine is not a rule);
    strict=False only where the outcome depends on what else the engine holds."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        for mark in item.iter_markers("known_bug"):
            if params.get("backend_name") == mark.args[0]:
                item.add_marker(pytest.mark.xfail(strict=mark.kwargs.get("strict", True),
                                                  reason=f"{mark.args[0]} backend: {mark.kwargs['reason']}"))


@pytest.fixture(scope="package", params=sorted(BACKENDS))
def backend_name(request) -> str:
    name = request.param
    if name in SERVICE_FIXTURES:
        request.getfixturevalue(SERVICE_FIXTURES[name])
    check = SERVICE_CHECKS.get(name)
    reason = check() if check is not None else None
    if reason:
        pytest.skip(f"backend {name!r} cannot be checked here: {reason}")
    return name


def open_for_checks(name: str, folder: Path, **options) -> Backend:
    """open_backend, skipping (with the reason) when the backend's service is unreachable."""
    try:
        return open_backend(name, folder, **options)
    except ConnectionError as e:  # pragma: no cover - no backend needs a service yet
        pytest.skip(f"backend {name!r} cannot be opened: {e}")


@dataclass
class Indexed:
    """A backend over an index of a corpus folder, with the first update's Summary."""

    name: str
    backend: Backend
    corpus: Path
    index: Path
    summary: object

    def update(self):
        return self.backend.update(self.corpus, full=False, max_bytes=MAX_BYTES)


def build(name: str, base: Path, articles: list[dict] = ARTICLES) -> Indexed:
    corpus = write_corpus(base / "corpus", articles)
    index = base / "index"
    backend = open_for_checks(name, index)
    summary = backend.update(corpus, full=False, max_bytes=MAX_BYTES)
    return Indexed(name, backend, corpus, index, summary)


@pytest.fixture(scope="package")
def shared(backend_name, tmp_path_factory) -> Indexed:
    """The corpus of corpus.py indexed once per backend, for every read-only check of
    the package (building it takes about a second). Checks must not change it."""
    indexed = build(backend_name, tmp_path_factory.mktemp(f"conformance-{backend_name}"))
    yield indexed
    indexed.backend.close()


@pytest.fixture
def backend(shared) -> Backend:
    return shared.backend


@pytest.fixture
def fresh(backend_name, tmp_path) -> Callable[..., Indexed]:
    """A factory of writable indexes in this test's temporary folder:
    fresh(articles) writes them as corpus/stories.jsonl and runs the first update."""
    made: list[Indexed] = []

    def make(articles: list[dict] = ARTICLES, name: str = "fresh") -> Indexed:
        indexed = build(backend_name, tmp_path / name, articles)
        made.append(indexed)
        return indexed

    yield make
    for indexed in made:
        indexed.backend.close()
