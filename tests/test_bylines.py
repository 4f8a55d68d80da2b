"""search.ingest.bylines: authors as person names, sources as names or domains."""

from __future__ import annotations

import pytest

from search.ingest.bylines import clean_authors, clean_source, join_authors, split_authors


@pytest.mark.parametrize("value, names", [
    ("Dan Goodin - Apr 16, 2015 8:02 pm UTC", ["Dan Goodin"]),
    ("By Jane Doe, Staff Writer", ["Jane Doe"]),
    ("Jane Doe and John Smith", ["Jane Doe", "John Smith"]),
    (["Jane Doe", "By John Smith"], ["Jane Doe", "John Smith"]),
    ("Martin Untersinger (avec Damien Leloup et Morgane Tual)", ["Martin Untersinger", "Damien Leloup", "Morgane Tual"]),
    ("Lucas Nolan22 Dec 2016651", ["Lucas Nolan"]),
    ("Finian Cunningham. Sputnik International", ["Finian Cunningham"]),
    ("STEVE PEOPLES, AP National", ["Steve Peoples"]),
    ("Jane Doe Senior Correspondent", ["Jane Doe"]),
    ("Dr. Jane Doe", ["Jane Doe"]),
    ("Ursula von der Leyen", ["Ursula von der Leyen"]),
    ("J. R. R. Tolkien", ["J. R. R. Tolkien"]),
    ("John F. Kennedy", ["John F. Kennedy"]),
    ("Laura June Topolsky", ["Laura June Topolsky"]),   # a month that is a name
    ("Kim Min-jun", ["Kim Min-jun"]),
    ("肖春芳", ["肖春芳"]),
    ("https://www.facebook.com/janedoe", []),
    ("jane@example.com", []),
    ("CNN Editor-at-large", []),
    ("Reuters", []),
    ("Associated Press", []),
    ("The Daily Planet", []),
    ("", []),
    (None, []),
])
def test_clean_authors(value, names):
    assert clean_authors(value) == names


def test_the_sites_own_name_is_not_an_author():
    assert clean_authors("Ars Technica", site="Ars Technica") == []
    assert clean_authors("Dan Goodin, Ars Technica", site="Ars Technica") == ["Dan Goodin"]


def test_join_and_split_are_inverse():
    names = ["Jane Doe", "John Smith"]
    assert split_authors(join_authors(names)) == names
    assert join_authors([]) is None and split_authors(None) == []


@pytest.mark.parametrize("value, source", [
    ("http://www.tmz.com", "tmz.com"),
    ("www.tmz.com", "tmz.com"),
    ("https://news.example.co.uk/world", "news.example.co.uk"),
    ("TMZ", "TMZ"),
    ("The New York Times", "The New York Times"),
    ("LinkNaija | Nigeria's popular news platform", "LinkNaija"),
    ("@politifact", "@politifact"),  # kept as given (the CSV export escapes a leading @)
    ("  ", None),
    (None, None),
])
def test_clean_source(value, source):
    assert clean_source(value) == source
