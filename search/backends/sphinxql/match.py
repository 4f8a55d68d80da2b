"""The core query tree as the text of SphinxQL's MATCH(): words, phrases, fields, AND,
OR, NOT, ANDNOT, ANDMAYBE (MAYBE) and REQUIRE, and the queries built from it (the
relaxed best match, the snippets' highlighting query).

Words are split the way the index splits them (letters, digits, underscore), so a
typed "e-mail" is the phrase "e mail", and every piece is escaped (escape.py).
Every leaf names its fields (`@(title,body)`), so no field limit leaks into the next
term. Sphinx refuses a query whose only terms are excluded ("non-computable"), so an
AND of exclusions gets a positive term every article holds: the `every` field.
Patterns (oil*, c?ba, word~) are not supported: Sphinx 2.2 expands only prefixes and
infixes it was built for, and no close spellings; the backend declares no WILDCARDS."""

from __future__ import annotations

from ...core.query import (And, AndMaybe, AndNot, Fuzzy, Leaf, Node, Not, Or, Phrase, Prefix, Require,
                           Wildcard, Word, leaves, negated, positive_leaves)
from ...core.request import InvalidRequest
from .escape import WORD, match_term

FIELDS = {"title": "title", "text": "body", None: "title,body"}
EVERY_FIELD, EVERY_WORD = "every", "e"   # a field holding one word in every article
EVERY = f"(@{EVERY_FIELD} {EVERY_WORD})"
NO_PATTERNS = ("wildcards, prefixes and close spellings (*, ?, ~) are not available with this search engine; "
               "type whole words")


def unsupported(leaf: Leaf) -> bool:
    return isinstance(leaf, (Prefix, Fuzzy)) or (isinstance(leaf, Wildcard) and leaf.text != "*")


def check_supported(tree: Node | None) -> None:
    """InvalidRequest naming q when the query holds a pattern."""
    if any(unsupported(leaf) for leaf in leaves(tree)):
        raise InvalidRequest([{"name": "q", "reason": NO_PATTERNS}])


def tokens(text: str) -> list[str]:
    return [match_term(t) for t in WORD.findall(text.lower())]


def _leaf(leaf: Leaf) -> str | None:
    if isinstance(leaf, Wildcard):  # a lone *: every word, so every article
        return EVERY
    words = tokens(leaf.text) if not isinstance(leaf, Phrase) else [t for w in leaf.words for t in tokens(w)]
    if not words:
        return None
    text = words[0] if len(words) == 1 else '"' + " ".join(words) + '"'
    if isinstance(leaf, Phrase) and len(words) > 1 and leaf.slop > 1:
        text += f"~{leaf.slop}"
    return f"(@({FIELDS[leaf.field]}) {text})"


def to_match(node: Node | None) -> str | None:
    """MATCH() text for the tree (None: the node holds no word the index could have)."""
    if node is None:
        return None
    if isinstance(node, And):
        return _and([to_match_part(c) for c in node.children])
    if isinstance(node, Or):
        parts = [p for p in (to_match(c) if not isinstance(c, Not) else _and([to_match_part(c)])
                             for c in node.children) if p]
        return None if not parts else parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"
    if isinstance(node, Not):
        return _and([to_match_part(node)])
    if isinstance(node, AndNot):
        return _and([(False, to_match(node.left)), (True, to_match(node.right))])
    if isinstance(node, AndMaybe):
        left, right = to_match(node.left), to_match(node.right)
        return f"({left} MAYBE {right})" if left and right else left
    if isinstance(node, Require):
        return _and([(False, to_match(node.left)), (False, to_match(node.right))])
    return _leaf(node)


def to_match_part(node: Node) -> tuple[bool, str | None]:
    """(excluded, text) of an AND's child."""
    if isinstance(node, Not):
        return True, to_match(node.child)
    return False, to_match(node)


def _and(parts: list[tuple[bool, str | None]]) -> str | None:
    positive = [t for excluded, t in parts if not excluded and t]
    excluded = [t for is_not, t in parts if is_not and t]
    if not positive and not excluded:
        return None
    if not positive:
        positive = [EVERY]
    out = positive + [f"-{t}" for t in excluded]
    return out[0] if len(out) == 1 else "(" + " ".join(out) + ")"


def words_of(node: Node | None) -> list[str]:
    """The positive words of a query, once each, as the index splits them (the relaxed
    search's words)."""
    out: list[str] = []
    for leaf in positive_leaves(node):
        if isinstance(leaf, Word):
            out += tokens(leaf.text)
    return list(dict.fromkeys(out))


def relaxed(node: Node | None) -> str | None:
    """Articles with any of the query's words (a quorum of one), its exclusions kept."""
    words = words_of(node)
    if not words:
        return None
    parts = [(False, '(@(title,body) "' + " ".join(words) + '"/1)')]
    parts += [(True, to_match(n)) for n in negated(node)]
    return _and(parts)


def highlight_query(node: Node | None, field: str, words: list[str] | None = None) -> str | None:
    """What CALL SNIPPETS marks in `field` ("title" or "text"): the positive words and
    phrases that apply to it, never excluded ones; `words` instead for a relaxed search."""
    if words is not None:
        return " | ".join(words) or None
    parts = []
    for leaf in positive_leaves(node):
        if leaf.field not in (None, field) or isinstance(leaf, Wildcard):
            continue
        words_ = tokens(leaf.text) if not isinstance(leaf, Phrase) else [t for w in leaf.words for t in tokens(w)]
        if words_:
            parts.append(words_[0] if len(words_) == 1 else '"' + " ".join(words_) + '"')
    return " | ".join(dict.fromkeys(parts)) or None

