"""The error cases: bad requests (InvalidRequest, from SearchRequest.from_params or, for a
pattern that stands for too many words, from the backend's search), no index yet
(NoIndex), a reindex already running (IndexLocked), a search past the time limit
(SearchTimeout), and a missing corpus folder."""

from __future__ import annotations

import itertools
import string

import pytest

from search.core.backend import Capability, IndexLocked, NoIndex, SearchTimeout, open_backend
from search.core.request import MAX_PER_PAGE, MAX_RESULT_WINDOW, InvalidRequest, SearchRequest

from .conftest import MAX_BYTES, open_for_checks
from .corpus import BY_ID, write_corpus
from .support import request, require, search


# -- bad requests (the same for every backend: the core reads them) ----------------

@pytest.mark.parametrize("params, name", [
    ({"q": '"unbalanced quote'}, "q"),
    ({"q": "author:smith"}, "q"),  # not a field of the query language
    ({"q": "cuba" * 200}, "q"),  # past MAX_QUERY_LENGTH
    ({"q": "a* b* c* d* e* f* g* h* i*"}, "q"),  # more than MAX_PATTERNS patterns
    ({"country": "XZ"}, "country"),
    ({"country": "CUB"}, "country"),
    ({"from_": "2024-13"}, "from"),
    ({"from_": "24-09-01"}, "from"),
    ({"to": "2024-02-30"}, "to"),
    ({"to": "yesterday"}, "to"),
    ({"from_": "2024-09", "to": "2024-08"}, "from"),  # from after to
    ({"per_page": 0}, "per_page"),
    ({"per_page": MAX_PER_PAGE + 1}, "per_page"),
    ({"per_page": "ten"}, "per_page"),
    ({"page": 0}, "page"),
    ({"page": MAX_RESULT_WINDOW // 10 + 1, "per_page": 10}, "page"),  # past the result window
    ({"sort": "oldest"}, "sort"),
    ({"collapse": "maybe"}, "collapse"),
])
def test_invalid_request(params, name):
    with pytest.raises(InvalidRequest) as caught:
        request(**params)
    assert [e["name"] for e in caught.value.errors] == [name], caught.value.errors


def test_invalid_request_names_every_bad_parameter():
    with pytest.raises(InvalidRequest) as caught:
        request(q='"x', country="XZ", per_page=0)
    assert sorted(e["name"] for e in caught.value.errors) == ["country", "per_page", "q"]


def test_the_last_page_of_the_window_is_served(backend):
    result = backend.search(request(q="cuba", page=MAX_RESULT_WINDOW // 100, per_page=100))
    assert (result.hits, result.total, result.stories) == ([], 5, 4)


def test_unknown_backend_name():
    with pytest.raises(ValueError, match="unknown backend"):
        open_backend("no-such-engine", "/nonexistent")


def test_pattern_for_too_many_words_is_refused(fresh):
    """A wildcard standing for more than 1,000 words of the index is a bad q (a 400),
    not a slow search."""
    letters = string.ascii_lowercase
    words = ["zq" + "".join(t) for t in itertools.islice(itertools.product(letters, repeat=3), 1100)]
    many = {"id": "word-list", "title": "A list of words", "published": "2024-05-05",
            "text": " ".join(words) + ".", "countries": []}
    indexed = fresh([BY_ID["havana-trade"], many])
    require(indexed.backend, Capability.WILDCARDS)
    assert search(indexed.backend, q="zqaa*").total == 1  # 26 words: fine
    with pytest.raises(InvalidRequest) as caught:
        search(indexed.backend, q="zq*")
    assert [e["name"] for e in caught.value.errors] == ["q"]


# -- no index ----------------------------------------------------------------------

@pytest.mark.parametrize("folder", ["empty", "missing"])
def test_no_index(backend_name, tmp_path, folder):
    location = tmp_path / folder
    if folder == "empty":
        location.mkdir()
    backend = open_for_checks(backend_name, location)
    with pytest.raises(NoIndex):
        backend.search(SearchRequest.from_params({"q": ["cuba"]}))
    with pytest.raises(NoIndex):
        backend.search(SearchRequest())
    with pytest.raises(NoIndex):
        backend.article("havana-trade")
    with pytest.raises(NoIndex):
        backend.health()
    with pytest.raises(NoIndex):
        backend.stats()


def test_update_creates_the_index_then_it_is_searched(backend_name, tmp_path):
    backend = open_for_checks(backend_name, tmp_path / "index")
    with pytest.raises(NoIndex):
        backend.health()
    backend.update(write_corpus(tmp_path / "corpus", [BY_ID["havana-trade"]]), max_bytes=MAX_BYTES)
    assert backend.health()["articles"] == 1  # the same object: no reopening needed
    backend.close()


def test_missing_corpus_folder(backend_name, tmp_path):
    backend = open_for_checks(backend_name, tmp_path / "index")
    with pytest.raises(FileNotFoundError):
        backend.update(tmp_path / "no-corpus", max_bytes=MAX_BYTES)


# -- another reindex running -------------------------------------------------------

def test_index_locked_while_another_update_runs(fresh, backend_name):
    """A second update of the same index, started while the first one runs (from the
    first one's progress callback), is refused with IndexLocked; the first completes."""
    indexed = fresh([BY_ID["havana-trade"]])
    (indexed.corpus / "more.jsonl").write_text('{"id": "n1", "title": "Nickel", "text": "Nickel news."}\n')
    refused: list[BaseException] = []
    calls: list[int] = []

    class Bar:
        def update(self, n=1):
            pass

        def close(self):
            pass

    def progress(total):
        calls.append(total)
        second = open_for_checks(backend_name, indexed.index)
        try:
            second.update(indexed.corpus, max_bytes=MAX_BYTES)
        except IndexLocked as e:
            refused.append(e)
        finally:
            second.close()
        return Bar()

    summary = indexed.backend.update(indexed.corpus, max_bytes=MAX_BYTES, progress=progress)
    if not calls:
        pytest.skip(f"backend {backend_name!r} never called progress: no clean way to run two updates at once")
    assert len(refused) == 1, "the second update was not refused"
    assert (summary.new, summary.changed, summary.removed) == (1, 0, 0)
    assert indexed.backend.article("n1") is not None


# -- time limit --------------------------------------------------------------------

@pytest.mark.parametrize("params", [{}, {"q": "budget OR cuba OR minister"}, {"q": "budget", "sort": "date"}])
def test_search_past_the_time_limit(shared, params):
    """time_limit=0: a search that matches many articles is refused, never answered in part."""
    hurried = open_for_checks(shared.name, shared.index, time_limit=0)
    try:
        with pytest.raises(SearchTimeout):
            hurried.search(request(**params))
    finally:
        hurried.close()
    assert shared.backend.search(request(**params)).total > 10  # the same search in time
