"""The query language, owned by the product rather than by a search engine: a query is
parsed once into a small tree of plain values, checked on that tree, and each engine
translates the tree (search/backends/<engine>/).

The words in the tree are as the user typed them ("e-mail", "U.S.", "Rodríguez"):
splitting, stemming and stop words are the engine's business. The language is the
one Whoosh's query parser defined for this project (AND, OR, NOT, ANDNOT, ANDMAYBE,
REQUIRE in capitals, -word, +word, "phrases", ( groups ), title: and text:, word~2/1,
* and ?, ^boost); it is read here the same way, odd corners included, so that no
query changes meaning: tests/test_query_tree.py compares both readings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .words import WORD_CHAR

MAX_QUERY_LENGTH = 500
# Terms with *, ? or ~: each one walks the index's vocabulary (a backend caps how many
# words each may stand for), so a query may hold only a few.
MAX_PATTERNS = 8
MAX_FUZZY_DISTANCE = 2  # word~9 would compare every word of the index: two edits is plenty
QUERY_FIELDS = ("title", "text")
# The operator words, in capitals, in binding order (NOT binds first).
OPERATORS = ("NOT", "AND", "OR", "ANDNOT", "ANDMAYBE", "REQUIRE")


class QuerySyntaxError(ValueError):
    """A query that cannot be read as the user meant it; the message is the 400's reason."""


@dataclass(frozen=True, slots=True)
class Word:
    """A word as typed; field None means any of QUERY_FIELDS."""

    text: str
    field: str | None = None
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words that must stand together; slop 2 lets one other word between them."""

    words: tuple[str, ...]
    field: str | None = None
    boost: float = 1.0
    slop: int = 1


@dataclass(frozen=True, slots=True)
class Prefix:
    """oil*: the words that start with text."""

    text: str
    field: str | None = None
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Wildcard:
    """c?ba, *oil*: * stands for any letters, ? for one; a lone * for every word."""

    text: str
    field: str | None = None
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Fuzzy:
    """rodrigez~2/1: words within maxdist edits whose first prefixlength letters match."""

    text: str
    field: str | None = None
    boost: float = 1.0
    maxdist: int = 1
    prefixlength: int = 0


@dataclass(frozen=True, slots=True)
class And:
    """All of the children: words side by side, AND, and every ( group )."""

    children: tuple[Node, ...]
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Not:
    """NOT x, -x: excludes what child matches."""

    child: Node


@dataclass(frozen=True, slots=True)
class AndNot:
    """left ANDNOT right: left's matches without right's."""

    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class AndMaybe:
    """left ANDMAYBE right: left's matches, ranked higher where right matches too."""

    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Require:
    """left REQUIRE right: the matches of both, ranked by left alone."""

    left: Node
    right: Node


Leaf = Word | Phrase | Prefix | Wildcard | Fuzzy
Node = Leaf | And | Or | Not | AndNot | AndMaybe | Require


def validate(q: str) -> And | None:
    """The tree of a request's q (stripped, NFC), or QuerySyntaxError with the reason
    the user is shown."""
    if len(q) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(f"longer than {MAX_QUERY_LENGTH} characters ({len(q)})")
    tree = parse(q)
    patterns = count_patterns(tree)
    if patterns > MAX_PATTERNS:
        raise QuerySyntaxError(f"{patterns} wildcard, prefix or ~ terms; at most {MAX_PATTERNS} "
                               "(each one is looked up in the whole vocabulary)")
    return tree


def count_patterns(node: Node | None) -> int:
    """How many different patterns a query holds: each one walks the vocabulary, and
    one typed twice or searched in both fields counts once. A lone * (every word)
    walks nothing; nor does a "wildcard" whose only marks are the other question
    marks Whoosh's parser splits words on (՞ ؟ ፧), which match only themselves."""
    return len({(type(leaf), leaf.text.lower()) for leaf in leaves(node) if _walks_vocabulary(leaf)})


def _walks_vocabulary(leaf: Leaf) -> bool:
    if isinstance(leaf, Wildcard):
        return leaf.text != "*" and ("*" in leaf.text or "?" in leaf.text)
    return isinstance(leaf, (Prefix, Fuzzy))


def leaves(node: Node | None) -> Iterator[Leaf]:
    """Every word, phrase and pattern, in the order typed."""
    if isinstance(node, (And, Or)):
        for child in node.children:
            yield from leaves(child)
    elif isinstance(node, Not):
        yield from leaves(node.child)
    elif isinstance(node, (AndNot, AndMaybe, Require)):
        yield from leaves(node.left)
        yield from leaves(node.right)
    elif node is not None:
        yield node


def positive_leaves(node: Node | None) -> Iterator[Leaf]:
    """The leaves a match is asked to contain: outside any NOT, and left of ANDNOT."""
    if isinstance(node, (And, Or)):
        for child in node.children:
            yield from positive_leaves(child)
    elif isinstance(node, AndNot):
        yield from positive_leaves(node.left)
    elif isinstance(node, (AndMaybe, Require)):
        yield from positive_leaves(node.left)
        yield from positive_leaves(node.right)
    elif node is not None and not isinstance(node, Not):
        yield node


def negated(node: Node | None) -> list[Node]:
    """What the user excluded (NOT x, -x, the right of ANDNOT), kept out when a search
    is relaxed."""
    if isinstance(node, Not):
        return [node.child]
    if isinstance(node, AndNot):
        return negated(node.left) + [node.right]
    if isinstance(node, (And, Or, AndMaybe, Require)):
        children = node.children if isinstance(node, (And, Or)) else (node.left, node.right)
        return [found for child in children for found in negated(child)]
    return []


# -- reading a query -----------------------------------------------------------------
#
# The steps below are those of Whoosh's parser as search.query configured it, in its
# order, because that order is the language: each mark is tagged where it stands, ( )
# nest, a ^boost with nothing before it is a word, word~ is fuzzy, * joins the text
# around it, title: applies to what touches it, ^boost applies to what precedes it,
# then NOT binds first, then AND, OR, ANDNOT, ANDMAYBE, REQUIRE, and an operator with
# nothing on one side is dropped.

# "-word" and "+word" at the start of a term (not inside "e-mail"), outside phrases.
_MINUS = re.compile(r'(^|[\s(])-(?=[\w"(])')
_PLUS = re.compile(r'(^|[\s(])\+(?=[\w"(])')
_QMARKS = "?\u055e\u061f\u1367"
_TAGS = re.compile(rf"""
    (?P<ANDNOT>(?<=\s)ANDNOT(?=\s)) | (?P<ANDMAYBE>(?<=\s)ANDMAYBE(?=\s))
  | (?P<field>(?P<name>\w+|[*]):)
  | (?P<wild>[*{_QMARKS}])
  | (?P<phrase>"(?P<words>.*?)"(?:~(?P<slop>[1-9][0-9]*))?)
  | (?P<open>[(]) | (?P<close>[)])
  | (?P<NOT>(?:^|(?<=\s|[()]))NOT(?=\s))
  | (?P<AND>(?<=\s)AND(?=\s)) | (?P<OR>(?<=\s)OR(?=\s))
  | (?P<REQUIRE>(?:^|(?<=\s))REQUIRE(?=\s))
  | (?P<boost>\^(?P<factor>[0-9]*(?:\.[0-9]+)?)(?:$|(?=[ \t\r\n)])))
  | (?P<fuzz>(?<=\S)~(?P<maxdist>[0-9])?(?:/(?P<prefix>[1-9][0-9]*))?)
  | (?P<ws>\s+)
""", re.VERBOSE)
_BINARY = {"andnot": AndNot, "andmaybe": AndMaybe, "require": Require}
_LEAVES = {"word": Word, "prefix": Prefix, "wild": Wildcard}
_FIELD = re.compile(r"(?<![\w\"])(\w+):(?=\S)")


class _Mark:
    """A piece of syntax that never reaches the tree: space, (, ), title:, ^2, ~2, OR."""

    __slots__ = ("kind", "text", "value")

    def __init__(self, kind: str, text: str = "", value=None) -> None:
        self.kind, self.text, self.value = kind, text, value


class _Leaf:
    __slots__ = ("kind", "text", "field", "boost", "slop", "fuzz", "stray")

    def __init__(self, kind: str, text: str, slop: int = 1, fuzz: tuple[int, int] = (1, 0), stray=False) -> None:
        self.kind, self.text, self.field, self.boost = kind, text, None, 1.0
        self.slop, self.fuzz, self.stray = slop, fuzz, stray


class _Group:
    __slots__ = ("kind", "items", "boost")

    def __init__(self, kind: str, items: list, boost: float = 1.0) -> None:
        self.kind, self.items, self.boost = kind, items, boost


_SPACE = _Mark("ws")


def parse(q: str) -> And | None:
    """The tree of a query: an And of what stands side by side, even of one thing
    (Whoosh normalises a group of one unlike the one itself); None when the query is
    blank; QuerySyntaxError where it cannot be read as the user meant it."""
    if not q.strip():
        return None
    problem = _syntax_problem(q)
    if problem:
        raise QuerySyntaxError(problem)
    parts = q.split('"')
    for n in range(0, len(parts), 2):  # outside phrases: -word is NOT word, +word is word
        parts[n] = _PLUS.sub(r"\1", _MINUS.sub(r"\1NOT ", parts[n]))
    top = _nest(_tag('"'.join(parts)))
    items = top.items
    for i, item in enumerate(items):  # a ^boost at the top with nothing to boost is a word
        if item.kind == "boost" and (i == 0 or isinstance(items[i - 1], _Mark)):
            items[i] = _Leaf("word", item.text)
    top.items = _operators(_boosts(_fields(_wildcards(_fuzzy(items)))))
    return _build(top)


def _unknown_field(name: str) -> str:
    return f"unknown field '{name}:' (fields are {', '.join(f'{f}:' for f in QUERY_FIELDS)})"


def _syntax_problem(q: str) -> str | None:
    if q.count('"') % 2:
        return 'unbalanced quotes: a phrase needs a closing "'
    outside = re.sub(r'"[^"]*"', " ", q)
    depth = 0
    for bracket in re.findall(r"[()]", outside):
        depth += 1 if bracket == "(" else -1
        if depth < 0:
            return "unbalanced parentheses: ')' without '('"
    if depth:
        return "unbalanced parentheses: '(' without ')'"
    for name in _FIELD.findall(outside):
        if name not in QUERY_FIELDS:
            return _unknown_field(name)
    return None


def _tag(text: str) -> list:
    items: list = []
    start = 0
    for m in _TAGS.finditer(text):
        if m.start() > start:  # text no mark claims is a word
            items.append(_Leaf("word", text[start:m.start()]))
        start, kind = m.end(), m.lastgroup
        if kind == "ws":
            items.append(_SPACE)
        elif kind == "wild":
            items.append(_Leaf("wild", m.group()))
        elif kind == "phrase":
            items.append(_Leaf("phrase", m.group("words"), slop=int(m.group("slop") or 1)))
        elif kind == "field":
            items.append(_Mark("field", m.group(), m.group("name")))
        elif kind == "boost":
            factor = m.group("factor")
            items.append(_Mark("boost", m.group(), float(factor)) if factor else _Leaf("word", m.group()))
        elif kind == "fuzz":
            items.append(_Mark("fuzz", m.group(), (int(m.group("maxdist") or 1), int(m.group("prefix") or 0))))
        else:  # ( ) and the operators
            items.append(_Mark(kind))
    if start < len(text):
        items.append(_Leaf("word", text[start:]))
    return items


def _nest(items: list) -> _Group:
    stack = [_Group("and", [])]
    for item in items:
        if item.kind == "open":
            stack.append(_Group("and", []))
        elif item.kind == "close":
            if len(stack) > 1:
                group = stack.pop()
                stack[-1].items.append(group)
        else:
            stack[-1].items.append(item)
    top = stack[0]
    for unclosed in stack[1:]:  # left open only where a phrase holding a newline fooled the check
        top.items.extend(unclosed.items)
    return top.items[0] if len(top.items) == 1 and isinstance(top.items[0], _Group) else top


def _fuzzy(items: list) -> list:
    out = []
    i = 0
    while i < len(items):
        item = items[i]
        if item.kind == "word" and i + 1 < len(items) and items[i + 1].kind == "fuzz":
            item = _Leaf("fuzzy", item.text, fuzz=items[i + 1].value)
            i += 1
        elif item.kind == "fuzz":  # ~ after no word
            item = _Leaf("word", item.text)
        elif isinstance(item, _Group):
            item.items = _fuzzy(item.items)
        out.append(item)
        i += 1
    return out


def _wildcards(items: list) -> list:
    i = 0
    while i < len(items):
        item = items[i]
        if item.kind == "wild":  # * and ? take in the text on either side
            if i + 1 < len(items) and isinstance(items[i + 1], _Leaf):
                item.text += items.pop(i + 1).text
            if i > 0 and isinstance(items[i - 1], _Leaf):
                item.text = items.pop(i - 1).text + item.text
            else:
                i += 1
        else:
            if isinstance(item, _Group):
                _wildcards(item.items)
            i += 1
    for item in items:  # a single * at the end: a prefix
        if item.kind == "wild" and len(item.text) > 1 and item.text.find("*") == len(item.text) - 1 \
                and not any(mark in item.text for mark in _QMARKS):
            item.kind, item.text = "prefix", item.text[:-1]
    return items


def _fields(items: list) -> list:
    known: list = []
    unknown = None
    for item in items:  # "*:" is text; a name that touches a term must be a field
        if item.kind == "field" and item.value not in QUERY_FIELDS:
            unknown = item
            continue
        if unknown:
            if not isinstance(item, _Leaf):
                known.append(_Leaf("word", unknown.text))
            elif unknown.value != "*":  # before a phrase (or in one the check saw), so unchecked
                raise QuerySyntaxError(_unknown_field(unknown.value))
            else:
                item.text = unknown.text + item.text
            unknown = None
        known.append(item)
    if unknown:
        known.append(_Leaf("word", unknown.text))
    out = []
    i = len(known)
    while i > 0:  # right to left, so title:text:x is the word "title:" and text:x
        i -= 1
        item = known[i]
        if item.kind == "field":  # title: touching nothing
            item = _Leaf("word", item.text)
        elif isinstance(item, _Group):
            item.items = _fields(item.items)
        if i > 0 and item is not _SPACE and known[i - 1].kind == "field":
            _set_field(item, known[i - 1].value)
            i -= 1
        out.append(item)
    out.reverse()
    return out


def _set_field(item, name: str) -> None:
    if isinstance(item, _Group):
        for child in item.items:
            _set_field(child, name)
    elif isinstance(item, _Leaf) and item.field is None:
        item.field = name


def _boosts(items: list) -> list:
    out: list = []
    for item in items:
        if item is _SPACE:
            continue
        if isinstance(item, _Group):
            item.items = _boosts(item.items)
        elif item.kind == "boost":
            if out and not isinstance(out[-1], _Mark):
                out[-1].boost = item.value
                continue
            # Whoosh made this a term in no field, which matched nothing: read it as the
            # word it looks like, as at the top; stray, it does not join an OR as words do.
            item = _Leaf("word", item.text, stray=True)
        out.append(item)
    return out


def _operators(items: list) -> list:
    for op in OPERATORS:
        i = 0
        while i < len(items):
            if items[i].kind != op:
                i += 1
            elif op == "NOT":
                del items[i]
                if i < len(items):
                    items[i] = _Group("not", [items[i]])
            elif 0 < i < len(items) - 1:
                left, right = items[i - 1], items[i + 1]
                if op == "OR" and isinstance(left, _Leaf) and left.field is None and not left.stray:
                    # a word in no field is an OR over the fields: OR joins it, boost and all
                    left = items[i - 1] = _Group("or", [left], left.boost)
                    left.items[0].boost = 1.0
                if op in ("AND", "OR") and left.kind == op.lower():  # extend a group of their own kind
                    left.items.append(right)
                    del items[i:i + 2]
                else:
                    items[i - 1:i + 2] = [_Group(op.lower(), [left, right])]
            else:  # nothing on one side
                del items[i]
    for item in items:
        if isinstance(item, _Group):
            item.items = _operators(item.items)
    return items


def _build(item) -> Node:
    if isinstance(item, _Leaf):
        kind, text, field, boost = item.kind, item.text, item.field, item.boost
        if kind == "phrase":
            return Phrase(tuple(text.split()), field, boost, item.slop)
        if kind == "fuzzy":  # word~9 would compare every word of the index: two edits is plenty
            maxdist, prefix = item.fuzz  # and no prefix is longer than the word (in lower case: İ is two letters)
            return Fuzzy(text, field, boost, min(maxdist, MAX_FUZZY_DISTANCE), min(prefix, len(text.lower())))
        return _LEAVES[kind](text, field, boost)
    kind, items = item.kind, item.items
    if kind == "not":
        if not items:  # NOT before an operator (today's message names Whoosh's error)
            raise QuerySyntaxError("the query could not be understood (IndexError)")
        return Not(_build(items[0]))
    if kind in _BINARY:
        if len(items) != 2:  # ANDNOT, ANDMAYBE or REQUIRE beside another operator
            raise QuerySyntaxError("the query could not be understood (AssertionError)")
        return _BINARY[kind](_build(items[0]), _build(items[1]))
    return (And if kind == "and" else Or)(tuple(_build(child) for child in items), item.boost)


# -- plain questions and operator queries ----------------------------------------

_OPERATOR_SYNTAX = re.compile(
    r'["*?~^]'                        # phrases, wildcards, fuzzy, boosts
    r'|(?:^|[\s(])[-+](?=[\w"(])'      # -word, +word
    r'|\b\w+:(?=\S)')                  # title:word
# REQUIRE alone does not make a query an operator query (it never did): it is read as
# one only in a query that already uses operators.
_CASE_OPERATORS = re.compile(rf"\b(?:{'|'.join(op for op in OPERATORS if op != 'REQUIRE')})\b")
_QUERY_WORD = re.compile(rf"{WORD_CHAR}+(?:[.'’]{WORD_CHAR}+)*")
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


def user_tree(q: str) -> And | None:
    """The tree a search runs: the query as written when it uses operators, else the
    content words of a plain query (all required)."""
    plan = plan_query(q)
    if plan.exact:
        return parse(q)
    return parse(" ".join(plan.words)) if plan.words else None
