"""The product's query tree as a Whoosh query, equal to what Whoosh's own parser gave
for the same text: each leaf is analysed by its field of the schema (so "the cat" loses
"the", "e-mail" becomes e AND mail, stems come from the index's analyzer), a leaf in no
field is an OR over QUERY_FIELDS with their boosts, and empty parts drop out where the
parser dropped them."""

from __future__ import annotations

from functools import cache

from whoosh import query as wq

from ...core.query import (QUERY_FIELDS, And, AndMaybe, AndNot, Fuzzy, Leaf, Node, Not, Or, Phrase, Prefix,
                           Require, Wildcard, Word, parse, user_tree)
from .analysis import NewsAnalyzer, fold
from .plurals import other_number
from .schema import FIELD_BOOSTS, make_schema

_BINARY = {AndNot: wq.AndNot, AndMaybe: wq.AndMaybe, Require: wq.Require}
_PATTERN = {Prefix: wq.Prefix, Wildcard: wq.Wildcard, Fuzzy: wq.FuzzyTerm}
# What a word that analyses to several terms becomes (TEXT's "default" is the parser's AND).
_MULTITOKEN = {"default": wq.And, "and": wq.And, "or": wq.Or}


@cache
def _fields() -> dict:
    schema = make_schema()
    return {name: schema[name] for name in QUERY_FIELDS}


def parse_query(q: str, languages: tuple[str, ...] = ()) -> wq.Query | None:
    """The Whoosh query for q as written (None when blank)."""
    return to_whoosh(parse(q), languages)


def user_query(q: str, languages: tuple[str, ...] = ()) -> wq.Query | None:
    """The Whoosh query a search runs for q (search.core.query.user_tree); `languages`
    are the index's Snowball languages besides English (see _leaf)."""
    return to_whoosh(user_tree(q), languages)


def to_whoosh(node: Node | None, languages: tuple[str, ...] = ()) -> wq.Query | None:
    """The Whoosh query for a tree (None for None, NullQuery when nothing is searchable)."""
    if node is None:
        return None
    return (_query(node, languages) or wq.NullQuery).normalize()


def _query(node: Node, languages: tuple[str, ...] = ()) -> wq.Query | None:
    """Unnormalised, None where a leaf analyses to nothing, as the parser built it: an
    ANDNOT whose left side is None is its right side, not nothing."""
    if isinstance(node, (And, Or)):
        cls = wq.And if isinstance(node, And) else wq.Or
        return cls([q for q in (_query(c, languages) for c in node.children) if q is not None], boost=node.boost)
    if isinstance(node, Not):
        child = _query(node.child, languages)
        return wq.Not(child) if child else None
    if isinstance(node, (AndNot, AndMaybe, Require)):
        left, right = _query(node.left, languages), _query(node.right, languages)
        if left is None:
            return wq.NullQuery if right is None else right
        return left if right is None else _BINARY[type(node)](left, right)
    if node.field is None:
        found = (_leaf(node, name, FIELD_BOOSTS.get(name, 1.0), languages) for name in QUERY_FIELDS)
        return wq.Or([q for q in found if q is not None], boost=node.boost)
    return _leaf(node, node.field, node.boost, languages)


def _leaf(node: Leaf, fieldname: str, boost: float, languages: tuple[str, ...] = ()) -> wq.Query | None:
    """A leaf analysed as English, as it always was; in an index with articles in other
    languages, a word or phrase is also analysed in each of them and the distinct
    readings are ORed ("выборы" -> выборы OR выбор), since a query does not say its
    language. A word that is a stop word in any of them is dropped, so "die Wahl" finds
    German articles, whose "die" was never indexed (docs/languages.md)."""
    english = _leaf_in(node, fieldname, boost, None)
    if not languages or not isinstance(node, (Word, Phrase)):
        return english
    readings = [english] + [_leaf_in(node, fieldname, boost, language) for language in languages]
    if any(r is None for r in readings):
        return None
    distinct = list(dict.fromkeys(readings))
    return distinct[0] if len(distinct) == 1 else wq.Or(distinct)


def _leaf_in(node: Leaf, fieldname: str, boost: float, language: str | None) -> wq.Query | None:
    field = _fields()[fieldname]
    if isinstance(node, Phrase):
        words = list(field.process_text(" ".join(node.words), mode="query", language=language))
        return wq.Phrase(fieldname, words, slop=node.slop, boost=boost)
    # Words are split and lose stop words; patterns are taken whole, as typed.
    whole = not isinstance(node, Word)
    texts = list(field.process_text(node.text, mode="query", tokenize=not whole, removestops=not whole,
                                    language=language))
    termclass = _PATTERN.get(type(node), wq.Term)
    if not texts:
        return None
    if len(texts) > 1:
        return _MULTITOKEN[field.multitoken_query]([termclass(fieldname, t, boost=boost) for t in texts])
    q = termclass(fieldname, texts[0], boost=boost)
    if type(node) is Word and language is not None:
        q = _with_other_number(q, node.text, field.analyzer.in_language(language))
    if isinstance(node, Fuzzy):
        q.maxdist = node.maxdist
        # A prefix longer than the indexed word breaks Whoosh's automaton.
        q.prefixlength = min(node.prefixlength, len(q.text))
    return q


def _with_other_number(q: wq.Term, word: str, analyzer: NewsAnalyzer) -> wq.Query:
    """A word's term, ORed with the terms of its other number where Snowball stems them
    apart ("gobierno" also finds "gobiernos", whose Snowball stem is "gobi"): plurals.py."""
    others = {analyzer.term(form) for form in other_number(analyzer.language, fold(word))}
    others -= {None, q.text}
    if not others:
        return q
    return wq.Or([q] + [wq.Term(q.fieldname, t, boost=q.boost) for t in sorted(others)])
