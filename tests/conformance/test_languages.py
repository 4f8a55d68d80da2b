"""Languages: every result's `lang`, the `language` facet (ISO 639-1 code, name, count,
selected; counted like `country`) and the `language` filter, the same on every backend.

A corpus of its own: articles that declare their language (as a tag with a region, or a
three-letter code) and articles that declare none, whose language the indexer detects."""

from __future__ import annotations

import pytest

from .conftest import build
from .support import every, id_set, search

ARTICLES: list[dict] = [
    {"id": "en-oil", "title": "Oil prices climb in Mexico", "published": "2024-05-02", "language": "en",
     "text": "Oil prices climbed on Thursday after Mexico's state oil company said output fell, and "
             "traders in New York said the market would stay tight for the rest of the month."},
    # No language declared: the indexer finds English.
    {"id": "en-undeclared", "title": "Oil tanker reaches Havana", "published": "2024-05-03",
     "text": "An oil tanker reached Havana on Friday, the port authority said, and the fuel shortage that "
             "has hit Cuba for weeks should ease as the cargo is unloaded over the weekend."},
    {"id": "pt-br", "title": "Petrobras amplia produção de petróleo", "published": "2024-05-04",
     "language": "pt-BR",
     "text": "A Petrobras anunciou nesta sexta-feira que a produção de petróleo no pré-sal cresceu no "
             "trimestre, e os analistas esperam novos investimentos da empresa no próximo ano."},
    # A three-letter code: the facet says 'pt'.
    {"id": "pt-por", "title": "Preço do petróleo sobe em Lisboa", "published": "2024-05-05", "language": "por",
     "text": "O preço do petróleo subiu em Lisboa depois de a OPEP ter decidido reduzir a produção, "
             "disseram os corretores, que esperam mais subidas durante o verão."},
    {"id": "ar-declared", "title": "ارتفاع أسعار النفط في الأسواق", "published": "2024-05-06", "language": "ar",
     "text": "ارتفعت أسعار النفط اليوم في الأسواق العالمية بعد أن قررت منظمة أوبك خفض الإنتاج، وقال "
             "المحللون إن الأسعار قد تواصل الارتفاع خلال الأسابيع المقبلة."},
    # No language declared: detected as Arabic.
    {"id": "ar-undeclared", "title": "وزير النفط يزور القاهرة", "published": "2024-05-07",
     "text": "وصل وزير النفط إلى القاهرة اليوم في زيارة رسمية تستمر ثلاثة أيام، يبحث خلالها مع المسؤولين "
             "المصريين التعاون في مجال الطاقة والغاز الطبيعي وخطط الاستثمار المشتركة."},
    {"id": "zh-hans", "title": "国际油价上涨", "published": "2024-05-08", "language": "zh-Hans",
     "text": "国际油价周五上涨，原因是石油输出国组织决定减少产量。分析人士表示，油价可能在未来几周继续上涨。"},
    {"id": "he", "title": "מחירי הנפט עולים", "published": "2024-05-09", "language": "he",
     "text": "מחירי הנפט עלו היום בשווקים העולמיים לאחר שארגון אופ\"ק החליט לקצץ בתפוקה, כך אמרו הסוחרים."},
]
LANG = {"en-oil": "en", "en-undeclared": "en", "pt-br": "pt-BR", "pt-por": "pt", "ar-declared": "ar",
        "ar-undeclared": "ar", "zh-hans": "zh-Hans", "he": "he"}
ALL = set(LANG)


@pytest.fixture(scope="module")
def multilingual(backend_name, tmp_path_factory):
    indexed = build(backend_name, tmp_path_factory.mktemp(f"languages-{backend_name}"), ARTICLES)
    yield indexed.backend
    indexed.backend.close()


def languages(result) -> list[tuple[str, str, int, bool]]:
    return [(v.value, v.label, v.count, v.selected) for v in result.facets["language"]]


def test_every_result_carries_its_language_tag(multilingual):
    result = every(multilingual)
    assert {h.id: h.lang for h in result.hits} == LANG
    assert all(h.to_dict()["lang"] == LANG[h.id] for h in result.hits)


def test_language_facet_counts_every_match(multilingual):
    assert languages(every(multilingual)) == [
        ("ar", "Arabic", 2, False), ("en", "English", 2, False), ("pt", "Portuguese", 2, False),
        ("zh", "Chinese", 1, False), ("he", "Hebrew", 1, False)]
    # Over the matches of a query, not the page: one result shown, both languages counted.
    result = search(multilingual, q="oil", per_page=1)
    assert len(result.hits) == 1
    assert languages(result) == [("en", "English", 2, False)]


@pytest.mark.parametrize("chosen, expected", [
    ("ar", {"ar-declared", "ar-undeclared"}),
    ("pt", {"pt-br", "pt-por"}),           # a region's tag is its language
    ("por", {"pt-br", "pt-por"}),          # the three-letter code is the same language
    ("ZH", {"zh-hans"}),
    (["ar", "he"], {"ar-declared", "ar-undeclared", "he"}),  # several: any of them
    ("de", set()),                         # a language no article is in
])
def test_language_filter(multilingual, chosen, expected):
    assert id_set(every(multilingual, language=chosen)) == expected


def test_language_filter_combines_with_words_and_dates(multilingual):
    assert id_set(every(multilingual, q="oil OR petróleo", language="pt")) == {"pt-br", "pt-por"}
    assert id_set(every(multilingual, language=["pt", "ar"], from_="2024-05-05", to="2024-05-06")) == {
        "pt-por", "ar-declared"}


def test_chosen_languages_are_counted_as_if_not_chosen(multilingual):
    """As countries: each value says how many articles choosing it would add; the chosen
    ones first and marked, a chosen language nothing matches listed with 0."""
    result = every(multilingual, language=["he", "de"])
    assert languages(result) == [
        ("he", "Hebrew", 1, True), ("de", "German", 0, True), ("ar", "Arabic", 2, False),
        ("en", "English", 2, False), ("pt", "Portuguese", 2, False), ("zh", "Chinese", 1, False)]
    assert result.total == 1
    # The dates still narrow the counts.
    dated = every(multilingual, language="he", from_="2024-05-06", to="2024-05-07")
    assert [(v.value, v.count) for v in dated.facets["language"]] == [("he", 0), ("ar", 2)]


def test_countries_are_counted_within_the_chosen_languages(multilingual):
    result = every(multilingual, language="en", country="CU")
    assert id_set(result) == {"en-undeclared"}
    assert [(v.value, v.count) for v in result.facets["country"]] == [("CU", 1), ("MX", 1)]
    assert [(v.value, v.count) for v in result.facets["language"]] == [("en", 1)]
