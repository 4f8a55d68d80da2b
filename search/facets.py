"""Facet counts by country and by date over every match, not just the page shown.

Per searcher, each document's countries and day are read once from the inverted
index into plain lists; a query then counts its matches by walking those lists,
instead of Whoosh rebuilding facet tables on every search."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable
from datetime import date

from .countries import country_label
from .dates import day_label, month_label
from .query import SearchRequest
from .results import FacetValue

UNDATED = "undated"


class FacetTables:
    def __init__(self, reader) -> None:
        n = reader.doc_count_all()
        self.countries: list[tuple[str, ...]] = [()] * n
        self.days: list[str | None] = [None] * n
        for code in reader.lexicon("countries"):
            code = code.decode() if isinstance(code, bytes) else code
            for doc in reader.postings("countries", code).all_ids():
                self.countries[doc] = self.countries[doc] + (code,)
        # Raw sortable publication times (meaningless where days[doc] is None).
        self.published: list[int] = _column(reader, "published", 0, translate=False)
        # Each article's story (wire copies share one), for collapsing results.
        self.stories: list[str] = _column(reader, "story", "")
        interned: dict[str, str] = {}
        for day in reader.lexicon("day"):
            day = day.decode() if isinstance(day, bytes) else day
            day = interned.setdefault(day, day)
            for doc in reader.postings("day", day).all_ids():
                self.days[doc] = day

    def count(self, docs: Iterable[int]) -> tuple[Counter, Counter]:
        countries: Counter = Counter()
        days: Counter = Counter()
        cs, ds = self.countries, self.days
        for doc in docs:
            for c in cs[doc]:
                countries[c] += 1
            days[ds[doc]] += 1
        return countries, days


    def count_countries(self, docs: Iterable[int], date_from: date | None, date_to: date | None) -> Counter:
        """Country counts over the docs within the date range (for multi-select counts)."""
        low = date_from.isoformat() if date_from else None
        high = date_to.isoformat() if date_to else None
        counts: Counter = Counter()
        cs, ds = self.countries, self.days
        for doc in docs:
            if low or high:
                day = ds[doc]
                if day is None or (low and day < low) or (high and day > high):
                    continue
            for c in cs[doc]:
                counts[c] += 1
        return counts

    def newest_first(self, docs: Iterable[int], limit: int, reverse: bool = False) -> list[int]:
        """The first `limit` docs by publication time (oldest first when reverse),
        undated articles after the dated ones either way."""
        days, published = self.days, self.published
        sign = 1 if reverse else -1
        return heapq.nsmallest(limit, docs, key=lambda d: (days[d] is None, sign * published[d], d))


def _column(reader, field: str, missing, translate: bool = True) -> list:
    """One value per document of a sortable field, segment by segment (a segment
    where no document has the field has no column at all)."""
    out: list = []
    for sub, _offset in reader.leaf_readers():
        count = sub.doc_count_all()
        values = list(sub.column_reader(field, translate=translate)) if sub.has_column(field) else []
        out.extend((values + [missing] * count)[:count])
    return out


def country_facet(counts: Counter, request: SearchRequest) -> list[FacetValue]:
    selected = set(request.country)
    values = [FacetValue(code, country_label(code), n, code in selected) for code, n in counts.items()]
    values += [FacetValue(code, country_label(code), 0, True) for code in selected if code not in counts]
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
