"""The search request and the query parser: validation, operators, odd input."""

from __future__ import annotations

import random
import string
from datetime import date

import pytest

from search.backends.whoosh.parse import parse_query
from search.core.request import InvalidRequest, SearchRequest
from search.backends.whoosh.engine import WhooshBackend
from search.backends.whoosh.suggest import suggest

from conftest import run_cli, write

ODD_QUERIES = ['title:', 'text:', '*', '?', '~', 'OR', 'OR OR', 'NOT', 'NOT NOT cuba', '-', '""', '()',
               'word~9', 'cuba~1/9', 'db~hb/19', '[a TO b]', 'cuba^5', 'cuba^', '^', 'a*', 'c?ba',
               'title:(cuba OR korea)', '+cuba', '+', 'AND', 'cuba AND', 'AND cuba', '- cuba', 'cuba -',
               '(fQgn-|y)Z', '(a +b)', 'x -(y)', "it's", 'U.S.', 'e-mail', '100%', '\u200b', '中国', 'cuba/korea',
               ':', 'a:b:c', '(())', 'cuba ANDNOT korea', 'cuba ANDMAYBE korea', '<script>', 'x' * 500]


def params(**kw) -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [v] for k, v in kw.items()}


def test_defaults_and_echo():
    r = SearchRequest.from_params({})
    assert (r.q, r.sort, r.page, r.per_page, r.country) == ("", "date", 1, 10, ())
    r = SearchRequest.from_params(params(q=" cuba ", country=["kr", "CU", "KR"], **{"from": "2024", "to": "2024-09"}))
    assert r.q == "cuba" and r.sort == "relevance" and r.country == ("KR", "CU")
    assert (r.date_from, r.date_to) == (date(2024, 1, 1), date(2024, 9, 30))
    assert r.to_dict() == {"q": "cuba", "country": ["KR", "CU"], "language": [], "from": "2024", "to": "2024-09",
                           "sort": "relevance", "page": 1, "per_page": 10, "collapse": True}


@pytest.mark.parametrize("bad", [
    dict(q="a" * 501), dict(q='"open'), dict(q="(open"), dict(q="close)"), dict(q="author:x"),
    dict(sort="best"), dict(page="0"), dict(page="-1"), dict(page="1.5"), dict(per_page="101"),
    dict(country="ZZ"), dict(language="qq"), dict(language="e1"), dict(**{"from": "2024-1-1"}), dict(to="2024-02-30"), dict(q=["a", "b"]),
    dict(**{"from": "2024-09-02", "to": "2024-09-01"}), dict(page="101", per_page="100"),
])
def test_invalid_requests_name_the_parameter(bad):
    with pytest.raises(InvalidRequest) as e:
        SearchRequest.from_params(params(**bad))
    assert e.value.errors and all(err["reason"] for err in e.value.errors)
    assert e.value.errors[0]["name"] in bad


def test_languages_are_read_as_iso_639_1_codes():
    r = SearchRequest.from_params(params(language=["AR", "por", "pt", "fil", "ger"]))
    assert r.language == ("ar", "pt", "fil", "de")  # 639-3 and bibliographic codes as 639-1 where there is one
    assert r.params() == [("language", "ar"), ("language", "pt"), ("language", "fil"), ("language", "de")]
    assert SearchRequest.from_params(params(language=["en", "EN", "eng"])).language == ("en",)


def test_params_round_trip_for_links():
    r = SearchRequest.from_params(params(q="cuba", country=["KR"], page="3", sort="date"))
    assert r.params(page=None) == [("q", "cuba"), ("country", "KR"), ("sort", "date")]
    assert SearchRequest.from_params(params(**{k: v for k, v in [("q", "x")]})).params() == [("q", "x")]


def test_minus_and_plus_are_operators_only_at_the_start_of_a_word():
    assert "Not(" in repr(parse_query("cuba -korea"))
    assert "Not(" not in repr(parse_query("e-mail jo-ryeol"))
    assert repr(parse_query("+cuba")) == repr(parse_query("cuba"))


def test_odd_queries_never_crash_the_engine(seed_index):
    _, index = seed_index
    engine = WhooshBackend(index)
    rng = random.Random(7)
    alphabet = string.ascii_letters + string.digits + ' "()-+*?~^:[]{}<>!@#$%&/\\\'.,;|='
    queries = ODD_QUERIES + ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(400)]
    answered = 0
    for q in queries:
        try:
            request = SearchRequest.from_params({"q": [q]})
        except InvalidRequest as e:
            assert e.errors[0]["name"] == "q"
            continue
        result = engine.search(request)  # must not raise
        assert result.total >= 0
        answered += 1
    assert answered > 200


@pytest.mark.parametrize("kind,q", [("search", "cubaa"), ("search", "cub*"), ("suggest", "cub")])
def test_a_request_keeps_its_searcher_while_the_index_changes(seed_index, monkeypatch, kind, q):
    """A reindex that lands while a request runs must not close the reader the request
    holds (a live server answered 500 ReaderClosed when the word list, read for
    did-you-mean and wildcards, refreshed it; the suggester asked for the generation
    the same way)."""
    corpus, index = seed_index
    engine = WhooshBackend(index)
    engine.search(SearchRequest.from_params({"q": ["cuba"]}))
    opened = []
    real_searcher = WhooshBackend.searcher

    def searcher_then_reindex(self):
        s = real_searcher(self)
        opened.append(s)
        if len(opened) == 1:  # the index changes while this request runs
            write(corpus / "late.txt", "Late news\n\nA late article about Havana harbours and Cuba.\n")
            proc = run_cli("index", "--corpus", corpus, "--index", index)
            assert proc.returncode == 0, proc.stderr
        return s

    monkeypatch.setattr(WhooshBackend, "searcher", searcher_then_reindex)
    if kind == "search":  # must not raise ReaderClosed
        assert engine.search(SearchRequest.from_params({"q": [q]})).total >= 0
    else:
        assert "cuba" in suggest(engine, q)
    assert len(opened) == 1
    monkeypatch.undo()
    assert engine.search(SearchRequest.from_params({"q": ["harbours"]})).total == 1  # the next one sees it
