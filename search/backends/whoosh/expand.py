"""Wildcards, prefixes and close spellings expanded over the index's own word list,
once, before searching, within bounds (a 400 past them)."""

from __future__ import annotations

import itertools

from whoosh import query as wq

from ...core.request import InvalidRequest
from . import internals
from .collectors import Budget


# Wildcards, prefixes and close spellings stand for every word of the index they fit:
# `*a*` alone is most of the vocabulary, and each word is one more posting list to
# read. They are expanded once, before searching, and refused past these counts.
MAX_EXPANSION = 1000  # words one pattern may stand for
MAX_EXPANSIONS = 3000  # words all the patterns of one query may stand for


def _pattern_words(node, reader, lexicon) -> list:
    """The words of the index a wildcard, prefix or fuzzy term stands for."""
    if lexicon is not None:
        if type(node) is wq.Prefix:
            return lexicon(node.fieldname).prefixed(node.text)
        if type(node) is wq.Wildcard:
            return lexicon(node.fieldname).wildcard(node.text)
        if type(node) is wq.FuzzyTerm:
            return lexicon(node.fieldname).within(node.text, node.maxdist, node.prefixlength)
    return list(itertools.islice(internals.term_texts(node, reader), MAX_EXPANSION + 1))


def expand_patterns(q, reader, budget: "Budget", lexicon=None):
    """q with each wildcard, prefix and fuzzy term replaced by the OR of the words it
    fits in the index (scored as words), and `*` / `field:*` by every article; an
    InvalidRequest naming q when a pattern fits too many words."""
    if q is None or q is wq.NullQuery:
        return q
    total = 0

    def too_broad(node, reason: str):
        shown = node.text + ("*" if isinstance(node, wq.Prefix) else "~" if isinstance(node, wq.FuzzyTerm) else "")
        return InvalidRequest([{"name": "q", "reason": f"'{shown}' {reason}; make it more specific "
                                                        "(more letters before the * or ?, or no ~)"}])

    def visit(node):
        nonlocal total
        if isinstance(node, wq.Every) and node.fieldname:
            return wq.Every(boost=node.boost)  # every article has a title and a text
        if not isinstance(node, wq.MultiTerm):
            return node
        if node.fieldname not in reader.schema:
            return wq.NullQuery
        words = [w for w in _pattern_words(node, reader, lexicon) if w]
        if len(words) > MAX_EXPANSION:
            raise too_broad(node, f"fits more than {MAX_EXPANSION:,} different words")
        budget.check()
        total += len(words)
        if total > MAX_EXPANSIONS:
            raise too_broad(node, f"and the query's other patterns fit more than {MAX_EXPANSIONS:,} words")
        field = reader.schema[node.fieldname]
        terms = [wq.Term(node.fieldname, b if isinstance(b, str) else field.from_bytes(b), boost=node.boost)
                 for b in words]
        if not terms:
            return wq.NullQuery  # no such word: nothing (and a NOT of it excludes nothing)
        return terms[0] if len(terms) == 1 else wq.Or(terms)

    return q.accept(visit)
