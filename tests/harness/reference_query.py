"""How q was read before the query tree (search.core.query): Whoosh's own query parser,
as search/query.py configured it. Kept unchanged, only as the reference that
tests/test_query_tree.py compares the tree and its Whoosh translation with."""

from __future__ import annotations

import re

from search.core.query import plan_query  # moved there unchanged: not part of the reference

MAX_QUERY_LENGTH = 500
# Terms with *, ? or ~: each one walks the index's vocabulary (search.backends.whoosh.engine caps
# how many words each may stand for), so a query may hold only a few.
MAX_PATTERNS = 8
QUERY_FIELDS = ("title", "text")
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


def user_query(q: str):
    """The Whoosh query for what the user typed: operator syntax as written, or the
    content words of a plain query ANDed."""
    plan = plan_query(q)
    if plan.exact:
        return parse_query(q)
    return parse_query(" ".join(plan.words)) if plan.words else None


def q_problem(q: str) -> str | None:
    """Why SearchRequest.from_params refused a q (stripped, NFC), as it read q then."""
    if len(q) > MAX_QUERY_LENGTH:
        return f"longer than {MAX_QUERY_LENGTH} characters ({len(q)})"
    if not q:
        return None
    problem = syntax_problem(q)
    if problem is None:
        try:
            patterns = count_patterns(parse_query(q))
        except QuerySyntaxError as e:
            return str(e)
        if patterns > MAX_PATTERNS:
            return (f"{patterns} wildcard, prefix or ~ terms; at most {MAX_PATTERNS} "
                    "(each one is looked up in the whole vocabulary)")
    return problem
