"""How q was read before the query tree (search.core.query): Whoosh's own query parser,
as search/query.py configured it. Kept unchanged, only as the reference that
tests/test_query_tree.py compares the tree and its Whoosh translation with."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from search.ingest.countries import is_country_code
from search.ingest.dates import parse_date_param

MAX_QUERY_LENGTH = 500
# Terms with *, ? or ~: each one walks the index's vocabulary (search.backends.whoosh.engine caps
# how many words each may stand for), so a query may hold only a few.
MAX_PATTERNS = 8
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 10
# Deep paging costs a full sort of every match; past this offset, narrow the search.
MAX_RESULT_WINDOW = 10_000
MAX_COUNTRIES = 50
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
SORTS = ("relevance", "date", "date_asc")
QUERY_FIELDS = ("title", "text")


class InvalidRequest(ValueError):
    """Bad parameters: each entry names a parameter and says what is wrong with it."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e['name']}: {e['reason']}" for e in errors))


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    country: tuple[str, ...] = ()
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
        return {"q": self.q, "country": list(self.country), "from": self.from_text, "to": self.to_text,
                "sort": self.sort, "page": self.page, "per_page": self.per_page, "collapse": self.collapse}

    def params(self, **changes) -> list[tuple[str, str]]:
        """URL parameters of this request with some changed (None removes one); the
        page and the API share them, so every link keeps the whole search."""
        values = {"q": self.q or None, "country": list(self.country), "from": self.from_text,
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
        if len(q) > MAX_QUERY_LENGTH:
            errors.append({"name": "q", "reason": f"longer than {MAX_QUERY_LENGTH} characters ({len(q)})"})
        elif q:
            problem = syntax_problem(q)
            if problem is None:
                try:
                    patterns = count_patterns(parse_query(q))
                except QuerySyntaxError as e:
                    problem = str(e)
                else:
                    if patterns > MAX_PATTERNS:
                        problem = (f"{patterns} wildcard, prefix or ~ terms; at most {MAX_PATTERNS} "
                                   "(each one is looked up in the whole vocabulary)")
            if problem:
                errors.append({"name": "q", "reason": problem})

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
        return cls(q=q, country=tuple(countries), date_from=bounds["from"], date_to=bounds["to"],
                   from_text=texts["from"], to_text=texts["to"], sort=sort, page=page, per_page=per_page,
                   collapse=_BOOLEANS[collapse_text])


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


_FIELD = re.compile(r"(?<![\w\"])(\w+):(?=\S)")


def syntax_problem(q: str) -> str | None:
    """What makes a query impossible to read as the user meant it, or None. Whoosh's
    parser never fails: it silently reinterprets unbalanced quotes and brackets."""
    if q.count('"') % 2:
        return 'unbalanced quotes: a phrase needs a closing "'
    depth = 0
    in_phrase = False
    for ch in q:
        if ch == '"':
            in_phrase = not in_phrase
        elif not in_phrase and ch == "(":
            depth += 1
        elif not in_phrase and ch == ")":
            depth -= 1
            if depth < 0:
                return "unbalanced parentheses: ')' without '('"
    if depth:
        return "unbalanced parentheses: '(' without ')'"
    for name in _FIELD.findall(_strip_phrases(q)):
        if name not in QUERY_FIELDS:
            return f"unknown field '{name}:' (fields are {', '.join(f'{f}:' for f in QUERY_FIELDS)})"
    return None


def _strip_phrases(q: str) -> str:
    return re.sub(r'"[^"]*"', " ", q)


# -- Whoosh ------------------------------------------------------------------

_parser = None


def _get_parser():
    global _parser
    if _parser is None:
        from whoosh import qparser

        from search.backends.whoosh.schema import FIELD_BOOSTS, make_schema

        parser = qparser.MultifieldParser(list(QUERY_FIELDS), make_schema(), fieldboosts=FIELD_BOOSTS,
                                          group=qparser.AndGroup)
        for plugin in (qparser.SingleQuotePlugin, qparser.RangePlugin, qparser.EveryPlugin):
            parser.remove_plugin_class(plugin)
        parser.add_plugin(qparser.FuzzyTermPlugin())
        _parser = parser
    return _parser


MAX_FUZZY_DISTANCE = 2
# "-word" and "+word" at the start of a term (not inside "e-mail" or "Jo-ryeol"):
# Whoosh's PlusMinusPlugin only fits OR-grouped queries, so they become NOT / plain.
_MINUS = re.compile(r'(^|[\s(])-(?=[\w"(])')
_PLUS = re.compile(r'(^|[\s(])\+(?=[\w"(])')


class QuerySyntaxError(ValueError):
    pass


def parse_query(q: str):
    """The Whoosh query for the user's words (None when there are none)."""
    if not q.strip():
        return None
    parts = q.split('"')  # leave phrases alone
    for n in range(0, len(parts), 2):
        parts[n] = _PLUS.sub(r"\1", _MINUS.sub(r"\1NOT ", parts[n]))
    try:
        parsed = _get_parser().parse('"'.join(parts))
    except Exception as e:  # Whoosh's parser fails in odd ways on odd input
        raise QuerySyntaxError(f"the query could not be understood ({type(e).__name__})") from None
    return parsed.accept(_clamp_fuzzy)


def count_patterns(q) -> int:
    """How many different wildcard, prefix and fuzzy terms a parsed query holds (one
    typed pattern searched in both fields counts once)."""
    if q is None:
        return 0
    from whoosh.query import FuzzyTerm, MultiTerm, Prefix

    found = set()
    for node in q.leaves() if not q.is_leaf() else [q]:
        if isinstance(node, MultiTerm):
            found.add((type(node) is Prefix, type(node) is FuzzyTerm, node.text))
    return len(found)


def _clamp_fuzzy(node):
    """word~9 would compare every word of the index: two edits is plenty."""
    from whoosh.query import FuzzyTerm

    if isinstance(node, FuzzyTerm):
        node.maxdist = min(node.maxdist, MAX_FUZZY_DISTANCE)
        # "word~1/9": a prefix longer than the word breaks Whoosh's automaton.
        node.prefixlength = min(node.prefixlength, len(node.text))
    return node


# -- plain questions and operator queries ----------------------------------------

_OPERATOR_SYNTAX = re.compile(
    r'["*?~^]'                        # phrases, wildcards, fuzzy, boosts
    r'|(?:^|[\s(])[-+](?=[\w"(])'      # -word, +word
    r'|\b\w+:(?=\S)')                  # title:word
_CASE_OPERATORS = re.compile(r"\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b")
_QUERY_WORD = re.compile(r"\w+(?:[.'’]\w+)*")
_POSSESSIVE = re.compile(r"['’]s$")
_function_words: frozenset[str] | None = None


def function_words() -> frozenset[str]:
    """English function words ("what", "of", "did", "his"): in a plain query they
    neither are required nor score (the `stopwords` package's list)."""
    global _function_words
    if _function_words is None:
        from stopwords import get_stopwords

        _function_words = frozenset(w for w in get_stopwords("en") if w) | {"s"}
    return _function_words


def uses_operators(q: str) -> bool:
    """Whether the user wrote query syntax on purpose. AND, OR and NOT count only in
    upper case and only when the whole query is not upper case, so a question
    typed in capitals ("WHO WON AND WHY") is read as words. Parentheses alone
    group nothing in an all-words query, so "the Baath (Renaissance) party" is plain."""
    if _OPERATOR_SYNTAX.search(q):
        return True
    return bool(_CASE_OPERATORS.search(q)) and q != q.upper()


@dataclass(frozen=True)
class QueryPlan:
    """How a query string will be run: `exact` queries keep the user's operators;
    plain ones are content words, ANDed, and may be relaxed to a ranked best match."""

    exact: bool
    words: tuple[str, ...] = ()  # content words of a plain query, lower case


def plan_query(q: str) -> QueryPlan:
    if not q.strip():
        return QueryPlan(exact=False)
    if uses_operators(q):
        return QueryPlan(exact=True)
    words = [_POSSESSIVE.sub("", w.lower()) for w in _QUERY_WORD.findall(q)]
    stop = function_words()
    content = [w for w in words if w not in stop]
    unique = tuple(dict.fromkeys(content or words))  # all function words: keep them
    return QueryPlan(exact=False, words=unique)


def user_query(q: str):
    """The Whoosh query for what the user typed: operator syntax as written, or the
    content words of a plain query ANDed."""
    plan = plan_query(q)
    if plan.exact:
        return parse_query(q)
    return parse_query(" ".join(plan.words)) if plan.words else None


def filter_query(request: SearchRequest):
    """Country (ORed values) AND date range, or None without filters."""
    from whoosh import query

    parts = []
    if request.country:
        parts.append(query.Or([query.Term("countries", c) for c in request.country]))
    if request.date_from or request.date_to:
        parts.append(query.TermRange("day", request.date_from.isoformat() if request.date_from else None,
                                     request.date_to.isoformat() if request.date_to else None))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else query.And(parts)
