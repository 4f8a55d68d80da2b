"""NewsAnalyzer against the chain of Whoosh filters it replaces: the same tokens,
positions and character ranges, and the same postings when indexing."""

from __future__ import annotations

import random
import re

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
    """The same words, frequencies, weights and (packed instead of pickled) positions and
    character ranges, as each format's own decoders read them."""
    rng = random.Random(12)
    fast, chain = NewsAnalyzer(), chain_analyzer()
    for text in TEXTS + [_random_text(rng) for _ in range(300)]:
        for fast_format, plain_format in ((FastCharacters(), Characters()), (FastPositions(), Positions())):
            kinds = ["frequency", "weight", "positions", "position_boosts"]
            kinds += ["characters"] if isinstance(plain_format, Characters) else []

            def decoded(fmt, analyzer):
                return sorted((w, n, weight, [fmt.decoder(k)(value) for k in kinds])
                              for w, n, weight, value in fmt.word_values(text, analyzer, mode="index"))

            assert decoded(fast_format, fast) == decoded(plain_format, chain), text


def test_term_counts_equal_the_postings_counts():
    from search.backends.whoosh.analysis import LanguageText

    rng = random.Random(13)
    analyzer = NewsAnalyzer()
    texts = TEXTS + ACCENTED + ["DeepMind称人工智能 Wi-Fi", "Die Wahlen in den Bundesländern"] + [
        _random_text(rng) for _ in range(300)]
    for text in texts + [LanguageText(t, "german") for t in texts]:
        expected = {term: len(at) for term, at in analyzer.postings(text).items()}
        assert analyzer.term_counts(text) == expected, text


def test_the_analyzer_survives_pickling_in_the_schema():
    import pickle

    from search.backends.whoosh.schema import make_schema

    schema = pickle.loads(pickle.dumps(make_schema()))
    assert isinstance(schema["text"].format, FastCharacters) and isinstance(schema["title"].format, FastPositions)
    assert [t.text for t in schema["text"].analyzer("Ministers met")] == ["minist", "met"]


# Words whose accents, ligatures or widths two foldings (Whoosh's accent_map, Unicode's
# NFKD without combining marks) treat differently, in several scripts.
ACCENTED = ["Rodríguez", "Øresund", "Straße", "Łódź", "Ærøskøbing", "Œuvre", "Dvořák", "Brasília", "Nguyễn",
            "Αθήνα", "Ελλάδα", "Київ", "Ёлка", "Йемен", "ﬁnance", "Ｔｏｋｙｏ", "İstanbul", "हिन्दी",
            "مُحَمَّد", "שָׁלוֹם"]


def test_the_suggester_folds_words_as_the_index_analyzer_does():
    from search.backends.whoosh import suggest
    from search.backends.whoosh.analysis import WORD_PATTERN

    analyzer = NewsAnalyzer()
    for word in ACCENTED:
        folded = [suggest.fold(token) for token in re.findall(WORD_PATTERN, word)]
        assert folded == [t.text for t in analyzer(word, no_morph=True, removestops=False)], word


def test_suggestions_are_spelled_as_the_index_spells_the_words(tmp_path):
    """Typing the start of an accented title word suggests the word as the index folded it."""
    import json

    from conftest import write
    from search.backends.whoosh.analysis import WORD_PATTERN, fold
    from search.backends.whoosh.engine import WhooshBackend
    
    # The words the suggester completes: one word once folded (combining marks split the others).
    words = [w for w in ACCENTED if len(re.findall(WORD_PATTERN, fold(w))) == 1]
    assert len(words) >= 14
    write(tmp_path / "corpus" / "titles.jsonl", "".join(
        json.dumps({"id": f"t{n}", "title": f"{word} talks", "text": f"Officials met in {word} on Monday."}) + "\n"
        for n, word in enumerate(words)))
    WhooshBackend(tmp_path / "index").update(tmp_path / "corpus", max_bytes=10**7)
    backend = WhooshBackend(tmp_path / "index")
    analyzer = NewsAnalyzer()
    try:
        for word in words:
            (expected,) = [t.text for t in analyzer(word, no_morph=True)]
            assert expected in backend.suggest(word[:3], 8), word
    finally:
        backend.close()
