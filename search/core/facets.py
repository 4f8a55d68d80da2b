"""Facet values as the page and the API show them: labels, counts, which are selected,
and date buckets whose width follows the span of the matches. A backend counts; this
turns its counts into FacetValues, the same way for every backend."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from .labels import country_label, day_label, language_label, month_label
from .request import SearchRequest
from .results import FacetValue

UNDATED = "undated"  # the date facet's value for articles without a date


def country_facet(counts: Counter, request: SearchRequest) -> list[FacetValue]:
    return _values_facet(counts, request.country, country_label)


def language_facet(counts: Counter, request: SearchRequest) -> list[FacetValue]:
    """Counts by ISO 639-1 code (None: articles of no known language, not listed)."""
    return _values_facet(counts, request.language, language_label)


def _values_facet(counts: Counter, chosen: tuple[str, ...], label) -> list[FacetValue]:
    """Chosen values first (with 0 when nothing matches them), then by count and label."""
    selected = set(chosen)
    values = [FacetValue(code, label(code), n, code in selected) for code, n in counts.items() if code]
    values += [FacetValue(code, label(code), 0, True) for code in selected if code not in counts]
    values.sort(key=lambda v: (not v.selected, -v.count, v.label))
    return values


def date_unit(days: Iterable[str]) -> str:
    """Bucket width from the span of the matches: days up to a month, months up to
    three years, years beyond (so a list or a chart has at most about 36 bars)."""
    dated = [d for d in days if d]
    if not dated:
        return "day"
    span = (date.fromisoformat(max(dated)) - date.fromisoformat(min(dated))).days
    return "day" if span <= 31 else "month" if span <= 3 * 366 else "year"


def date_facet(days: Counter, request: SearchRequest) -> tuple[list[FacetValue], str]:
    unit = date_unit(days)
    width = {"year": 4, "month": 7, "day": 10}[unit]
    buckets: Counter = Counter()
    for day, n in days.items():
        if day:
            buckets[day[:width]] += n
    values = []
    for key in _every_bucket(min(buckets), max(buckets), unit) if buckets else []:
        values.append(FacetValue(key, bucket_label(key), buckets.get(key, 0),
                                 request.from_text == key and request.to_text == key))
    if days.get(None):
        values.append(FacetValue(UNDATED, "Undated", days[None], False))
    return values, unit


def _every_bucket(first: str, last: str, unit: str) -> list[str]:
    """All bucket keys from first to last, empty periods included, so a timeline
    shows the gaps."""
    if unit == "year":
        return [str(y) for y in range(int(first), int(last) + 1)]
    if unit == "month":
        y, m = int(first[:4]), int(first[5:7])
        keys = []
        while f"{y:04d}-{m:02d}" <= last:
            keys.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return keys
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [date.fromordinal(d).isoformat() for d in range(start.toordinal(), end.toordinal() + 1)]


def bucket_label(key: str) -> str:
    if len(key) == 4:
        return key
    if len(key) == 7:
        return month_label(int(key[:4]), int(key[5:7]))
    return day_label(date.fromisoformat(key))
