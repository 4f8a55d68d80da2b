"""Filters (countries, dates) and facets (country and date counts over every match,
disjunctive country counts, date buckets and the undated bucket)."""

from __future__ import annotations

from collections import Counter

import pytest

from .corpus import ARTICLES, BUDGET
from .support import every, id_set, search

ALL = {a["id"] for a in ARTICLES}


def where(test) -> set[str]:
    return {a["id"] for a in ARTICLES if test(a)}


def day(a) -> str:
    return a.get("published") or ""


def countries(result) -> list[tuple[str, int, bool]]:
    return [(v.value, v.count, v.selected) for v in result.facets["country"]]


def dates(result) -> list[tuple[str, int]]:
    return [(v.value, v.count) for v in result.facets["date"]]


# -- filters -----------------------------------------------------------------------

def test_country_filter(backend):
    assert id_set(every(backend, country="CU")) == where(lambda a: "CU" in a["countries"])
    assert id_set(every(backend, country="cu")) == where(lambda a: "CU" in a["countries"])


def test_several_countries_are_ored(backend):
    expected = where(lambda a: {"CU", "KR"} & set(a["countries"]))
    assert id_set(every(backend, country=["CU", "KR"])) == expected
    assert len(expected) == 7


@pytest.mark.parametrize("bounds, test", [
    ({"from_": "2024"}, lambda d: d >= "2024-01-01"),
    ({"to": "2023"}, lambda d: d <= "2023-12-31"),
    ({"from_": "2024", "to": "2024"}, lambda d: d[:4] == "2024"),
    ({"from_": "2024-09"}, lambda d: d >= "2024-09-01"),
    ({"to": "2024-02"}, lambda d: d <= "2024-02-29"),
    ({"from_": "2024-04", "to": "2024-04"}, lambda d: d[:7] == "2024-04"),
    # Both ends inclusive.
    ({"from_": "2024-08-02", "to": "2024-09-20"}, lambda d: "2024-08-02" <= d <= "2024-09-20"),
    ({"from_": "2024-04-12", "to": "2024-04-12"}, lambda d: d == "2024-04-12"),
    ({"from_": "2019-11", "to": "2024-09-21"}, lambda d: "2019-11-01" <= d <= "2024-09-21"),
], ids=["from-year", "to-year", "one-year", "from-month", "to-month", "one-month", "days", "one-day", "mixed"])
def test_date_filters(backend, bounds, test):
    expected = where(lambda a: bool(day(a)) and test(day(a)))
    assert expected  # each case selects something
    assert id_set(every(backend, **bounds)) == expected


def test_a_date_filter_leaves_undated_articles_out(backend):
    assert "undated-coffee" not in id_set(every(backend, from_="1900"))
    assert len(every(backend, from_="1900").hits) == len(ALL) - 1


def test_filters_combine_with_the_query_and_each_other(backend):
    assert id_set(every(backend, q="cuba", from_="2024-09-21")) == {"xss"}
    assert id_set(every(backend, q="minister", country="KR")) == {"seoul-minister"}
    assert id_set(every(backend, q="minister", country=["KR", "DE"], to="2024-06-10")) == {"berlin-minister"}
    assert id_set(every(backend, country="PE", from_="2024-04-11")) == {"budget-11", "budget-12"}


# -- facet counts ------------------------------------------------------------------

def test_facets_count_every_match_not_the_page(backend):
    result = search(backend, per_page=1)
    assert len(result.hits) == 1
    assert (result.total, result.stories) == (len(ALL), len(ALL) - 1)
    expected = Counter(c for a in ARTICLES for c in a["countries"])
    assert {v.value: v.count for v in result.facets["country"]} == expected
    assert not any(v.selected for v in result.facets["country"])


def test_country_facet_values_most_first_then_by_name(backend):
    result = search(backend, per_page=1)
    assert [(v.value, v.count) for v in result.facets["country"]] == [
        ("PE", 12), ("CU", 5), ("MX", 5), ("DE", 2), ("JP", 2), ("KR", 2), ("BR", 1), ("CO", 1), ("FR", 1)]
    assert {v.value: v.label for v in result.facets["country"]}["CU"] == "Cuba"


def test_facets_of_a_query(backend):
    result = search(backend, q="cuba", per_page=1)
    assert result.total == 5
    assert countries(result) == [("CU", 5, False), ("MX", 3, False)]
    assert result.date_unit == "month"
    assert dates(result) == [("2024-06", 1), ("2024-07", 1), ("2024-08", 0), ("2024-09", 3)]


def test_facets_of_a_relaxed_query_count_the_relaxed_matches(backend):
    result = search(backend, q="cuba semiconductor", per_page=1)
    assert result.relaxed
    assert countries(result) == [("CU", 5, False), ("MX", 3, False), ("KR", 1, False)]


def test_disjunctive_country_counts(backend):
    """With a country chosen, each other country's count says how many articles choosing it
    too would add: the country filter is ignored for those counts, the dates are not."""
    result = search(backend, q="minister OR cuba", from_="2024-06-18", country="KR", per_page=1)
    assert result.total == 1
    assert countries(result) == [("KR", 1, True), ("CU", 5, False), ("MX", 3, False), ("JP", 1, False)]
    # The date facet counts what is shown: the country filter applies.
    assert dates(result) == [("2024-06-18", 1)]


def test_disjunctive_country_counts_without_a_query(backend):
    result = search(backend, country="CU", from_="2024-06", to="2024-09", per_page=1)
    assert result.total == 5
    assert countries(result) == [("CU", 5, True), ("MX", 4, False), ("KR", 2, False), ("DE", 1, False),
                                 ("JP", 1, False)]


def test_several_selected_countries(backend):
    result = search(backend, country=["KR", "CU"], per_page=1)
    assert result.total == 7
    values = countries(result)
    assert values[:2] == [("CU", 5, True), ("KR", 2, True)]
    assert ("PE", 12, False) in values and not any(sel for _, _, sel in values[2:])


def test_a_selected_country_without_matches_is_listed_with_zero(backend):
    result = search(backend, q="cuba", country="FR")
    assert (result.total, result.hits) == (0, [])
    assert countries(result) == [("FR", 0, True), ("CU", 5, False), ("MX", 3, False)]


# -- date buckets ------------------------------------------------------------------

def test_date_buckets_by_year_with_empty_years_and_undated(backend):
    result = search(backend, per_page=1)
    assert result.date_unit == "year"
    assert dates(result) == [("2019", 1), ("2020", 0), ("2021", 0), ("2022", 0), ("2023", 1), ("2024", 23),
                             ("undated", 1)]
    assert result.facets["date"][-1].label == "Undated"


def test_date_buckets_by_day(backend):
    result = search(backend, q="budget", per_page=1)
    assert result.date_unit == "day"
    assert dates(result) == [(f"2024-04-{n:02d}", 1) for n in range(1, 13)]
    assert result.total == len(BUDGET)


def test_date_facet_follows_the_country_filter(backend):
    result = search(backend, country="KR", per_page=1)
    assert result.date_unit == "month"
    assert dates(result) == [("2024-06", 1), ("2024-07", 0), ("2024-08", 1)]


def test_undated_bucket_only_when_undated_articles_match(backend):
    assert dates(search(backend, q="coffee")) == [("2024-01-22", 1), ("undated", 1)]
    assert all(v != "undated" for v, _ in dates(search(backend, q="cuba")))


def test_date_buckets_by_day_within_dates_chosen_a_month_wide_or_less(backend):
    result = search(backend, from_="2024-04-03", to="2024-04-30", per_page=1)
    assert result.date_unit == "day"
    assert dates(result) == [(f"2024-04-{n:02d}", 1) for n in range(3, 13)]
