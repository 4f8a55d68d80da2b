"""NewsAnalyzer against the chain of Whoosh filters it replaces: the same tokens,
positions and character ranges, and the same postings when indexing."""

from __future__ import annotations

import random

import pytest
from whoosh.formats import Characters, Positions

from search.backends.whoosh.analysis import FastCharacters, FastPositions, NewsAnalyzer, chain_analyzer

TEXTS = [
    "The Foreign Minister of Cuba, Bruno Rodríguez, met his counterpart in Seoul.",
    "U.S. crude oil prices rose 1.5 pct to 18.25 dlrs a barrel, the highest since 1985.",
    "À Paris, l'Élysée a confirmé: ÆTHER and Œuvre; naïve café façade — 東京 and İstanbul.",
    "the of and a an to is it",  # stop words only
    "  leading spaces, trailing   ",
    "",
    "ministers minister ministerial MINISTRY ministries",
    "co-operation U.N. e.g. 3.14 x_y a.b.c. ___ 1987-03-02",
]


def _random_text(rng: random.Random) -> str:
    words = ["the", "Oil", "prices", "of", "Rodríguez", "U.S.", "and", "CAFÉ", "ministers", "1.5",
             "a", "İstanbul", "Œuvre", "x_y", "it", "Seoul", "said", "dlrs"]
    seps = [" ", ", ", ". ", " - ", "\n", "  ", "'", "(", ")"]
    return "".join(rng.choice(words) + rng.choice(seps) for _ in range(rng.randint(0, 40)))


def _tokens(analyzer, text: str, **kwargs) -> list[tuple]:
    return [(t.text, getattr(t, "pos", None), getattr(t, "startchar", None), getattr(t, "endchar", None),
             t.stopped) for t in analyzer(text, **kwargs)]


@pytest.mark.parametrize("kwargs", [
    {}, {"positions": True, "chars": True}, {"positions": True, "chars": True, "removestops": False},
    {"mode": "query"}, {"no_morph": True, "positions": True}, {"tokenize": False, "positions": True, "chars": True},
    {"positions": True, "chars": True, "start_pos": 5, "start_char": 100},
])
def test_tokens_equal_whooshs_filter_chain(kwargs):
    rng = random.Random(11)
    fast, chain = NewsAnalyzer(), chain_analyzer()
    for text in TEXTS + [_random_text(rng) for _ in range(300)]:
        assert _tokens(fast, text, **kwargs) == _tokens(chain, text, **kwargs), (text, kwargs)


def test_postings_equal_whooshs_formats():
    rng = random.Random(12)
    fast, chain = NewsAnalyzer(), chain_analyzer()
    for text in TEXTS + [_random_text(rng) for _ in range(300)]:
        for fast_format, plain_format in ((FastCharacters(), Characters()), (FastPositions(), Positions())):
            got = sorted(fast_format.word_values(text, fast, mode="index"))
            expected = sorted(plain_format.word_values(text, chain, mode="index"))
            assert got == expected, text


def test_the_analyzer_survives_pickling_in_the_schema():
    import pickle

    from search.backends.whoosh.schema import make_schema

    schema = pickle.loads(pickle.dumps(make_schema()))
    assert isinstance(schema["text"].format, FastCharacters) and isinstance(schema["title"].format, FastPositions)
    assert [t.text for t in schema["text"].analyzer("Ministers met")] == ["minist", "met"]
