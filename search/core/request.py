"""The search request: one type for the page, the JSON API, the feeds and the CLI, read
from URL-style parameters and validated in one place (a 400 names each bad parameter)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from ..ingest.countries import is_country_code
from ..ingest.dates import parse_date_param
from ..ingest.languages import is_language_code, language_code
from .query import QuerySyntaxError, validate

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 10
# Deep paging costs a full sort of every match; past this offset, narrow the search.
MAX_RESULT_WINDOW = 10_000
MAX_COUNTRIES = 50
MAX_LANGUAGES = 50
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
SORTS = ("relevance", "date", "date_asc")


class InvalidRequest(ValueError):
    """Bad parameters: each entry names a parameter and says what is wrong with it."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e['name']}: {e['reason']}" for e in errors))


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    country: tuple[str, ...] = ()
    # ISO 639-1 codes (639-3 for a language without one), any of which an article is in.
    language: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    # The bounds as the user wrote them ('2024', '2024-09'), echoed back unchanged.
    from_text: str | None = None
    to_text: str | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    # Wire copies of one story shown as one result with "+N similar".
    collapse: bool = True

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def to_dict(self) -> dict:
        return {"q": self.q, "country": list(self.country), "language": list(self.language),
                "from": self.from_text, "to": self.to_text, "sort": self.sort, "page": self.page,
                "per_page": self.per_page, "collapse": self.collapse}

    def params(self, **changes) -> list[tuple[str, str]]:
        """URL parameters of this request with some changed (None removes one); the
        page and the API share them, so every link keeps the whole search."""
        values = {"q": self.q or None, "country": list(self.country), "language": list(self.language),
                  "from": self.from_text,
                  "to": self.to_text, "sort": None if self.sort == _default_sort(self.q) else self.sort,
                  "page": self.page if self.page != 1 else None,
                  "per_page": self.per_page if self.per_page != DEFAULT_PER_PAGE else None,
                  "collapse": None if self.collapse else "false"}
        values.update(changes)
        out: list[tuple[str, str]] = []
        for key, value in values.items():
            if value is None or value == [] or value == ():
                continue
            if isinstance(value, (list, tuple)):
                out.extend((key, str(v)) for v in value)
            else:
                out.append((key, str(value)))
        return out

    @classmethod
    def from_params(cls, params: Mapping[str, Sequence[str]] | object) -> "SearchRequest":
        """From URL-style parameters (a dict of lists, or anything with getlist())."""
        getlist = params.getlist if hasattr(params, "getlist") else (lambda k: list(params.get(k, [])))
        errors: list[dict[str, str]] = []

        def single(name: str) -> str | None:
            values = getlist(name)
            if len(values) > 1:
                errors.append({"name": name, "reason": "given more than once"})
            return values[0].strip() if values else None

        q = unicodedata.normalize("NFC", single("q") or "")
        try:
            validate(q)
        except QuerySyntaxError as e:
            errors.append({"name": "q", "reason": str(e)})

        countries: list[str] = []
        for value in getlist("country"):
            code = value.strip().upper()
            if not code:
                continue
            if not is_country_code(code):
                errors.append({"name": "country", "reason": f"{value!r} is not an ISO 3166-1 alpha-2 country code"})
            elif code not in countries:
                countries.append(code)
        if len(countries) > MAX_COUNTRIES:
            errors.append({"name": "country", "reason": f"at most {MAX_COUNTRIES} values"})

        languages: list[str] = []
        for value in getlist("language"):
            code = value.strip().lower()
            if not is_language_code(code):
                errors.append({"name": "language",
                               "reason": f"{value!r} is not an ISO 639-1 (or 639-3) language code"})
            elif (code := language_code(code)) not in languages:
                languages.append(code)
        if len(languages) > MAX_LANGUAGES:
            errors.append({"name": "language", "reason": f"at most {MAX_LANGUAGES} values"})

        bounds: dict[str, date | None] = {}
        texts: dict[str, str | None] = {}
        for name, end in (("from", False), ("to", True)):
            raw = single(name) or None
            texts[name], bounds[name] = raw, None
            if raw:
                try:
                    bounds[name] = parse_date_param(raw, end=end)
                except ValueError as e:
                    errors.append({"name": name, "reason": str(e)})
        if bounds["from"] and bounds["to"] and bounds["from"] > bounds["to"]:
            errors.append({"name": "from", "reason": f"'{texts['from']}' is after 'to' ('{texts['to']}')"})

        sort = single("sort") or _default_sort(q)
        if sort not in SORTS:
            errors.append({"name": "sort", "reason": f"must be one of {', '.join(SORTS)}"})
        page = _int(single("page"), "page", 1, None, 1, errors)
        per_page = _int(single("per_page"), "per_page", 1, MAX_PER_PAGE, DEFAULT_PER_PAGE, errors)
        if page and per_page and page * per_page > MAX_RESULT_WINDOW:
            errors.append({"name": "page", "reason": f"results past number {MAX_RESULT_WINDOW} are not served; "
                                                     "narrow the search with filters instead"})
        collapse_text = (single("collapse") or "true").lower()
        if collapse_text not in _BOOLEANS:
            errors.append({"name": "collapse", "reason": "must be true or false"})
        if errors:
            raise InvalidRequest(errors)
        return cls(q=q, country=tuple(countries), language=tuple(languages), date_from=bounds["from"],
                   date_to=bounds["to"], from_text=texts["from"], to_text=texts["to"], sort=sort, page=page,
                   per_page=per_page, collapse=_BOOLEANS[collapse_text])


def _default_sort(q: str) -> str:
    return "relevance" if q else "date"


def _int(raw: str | None, name: str, low: int, high: int | None, default: int, errors: list) -> int:
    if raw is None or raw == "":
        return default
    if re.fullmatch(r"\d{10,}", raw):  # a whole number, far too large (and too long to convert)
        shown = raw[:12] + "…"
        reason = (f"must be between {low} and {high} (got {shown})" if high is not None else
                  f"{shown} is far past the last page served (results past number {MAX_RESULT_WINDOW} are not served)")
        errors.append({"name": name, "reason": reason})
        return default
    if not re.fullmatch(r"\d{1,9}", raw):
        errors.append({"name": name, "reason": f"{raw!r} is not a whole number"})
        return default
    value = int(raw)
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        errors.append({"name": name, "reason": f"must be {bound} (got {value})"})
        return default
    return value


# Search-as-you-type (/api/suggest): a longer q is refused (400); at most this many completions.
MAX_SUGGEST_QUERY = 100
SUGGEST_LIMIT = 8
