"""The query tree (search.core.query) and its Whoosh translation (search.backends.whoosh)
against the reading of q before it (tests/harness/reference_query.py: Whoosh's own parser): the same queries are
refused with the same reasons, and the rest give equal Whoosh queries (== and repr).

A few odd queries read differently, on purpose; each kind is checked to be exactly that:
- stray boost: a ^boost with nothing before it inside ( ) was a term in no field, which
  matched nothing ("cuba (^2)" found no article); it is now the word it looks like, as
  it always was outside parentheses ("cuba ^2").
- field the check missed: the unknown-field check blanked phrases before it looked, so
  a name before a phrase ('day:"2024-09-24"' searched the day field, 'author:"x"' failed
  inside Whoosh, 'foo:"x y"' searched "foo x y"), or inside what it took for a phrase
  while Whoosh did not (a phrase holding a line break), went through; now refused
  like day:2024.
- another field of the index: after "*:" or in such a line-broken phrase, a name of
  one of the index's other fields (day:, author:) was read unlike other names; the tree
  does not know the index's fields.
- operator between ORs (x OR ANDNOT OR y): Whoosh had split the word x into its title
  and body copies already, and bound the operator to the body copy alone.
- fuzzy duplicates: the same fuzzy word twice with distances equal once capped (cuba~9
  cuba~2) stayed twice, as Whoosh removed duplicates before capping; now once.
- patterns counted as typed: at the MAX_PATTERNS limit the tree counts patterns as
  typed, Whoosh counted indexed terms: ministers* minist* are two (one stem), and a
  pattern in a part that analyses away (a ANDNOT x*) still counts; so the tree refuses
  a few queries just over the limit."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from whoosh import query as wq

from harness import reference_query as old
from search.backends.whoosh.parse import to_whoosh
from search.core.query import (MAX_PATTERNS, QUERY_FIELDS, And, AndMaybe, AndNot, Fuzzy, Not, Or, Phrase, Prefix,
                               QuerySyntaxError, Require, Wildcard, Word, count_patterns, leaves, negated, parse,
                               positive_leaves, validate)
from search.backends.whoosh.schema import make_schema

from conftest import PROJECT

_WORD_SPLIT = re.compile(r"\sOR\s+(?:ANDNOT|ANDMAYBE|REQUIRE)\s+OR\s")
_INDEX_FIELD = re.compile(rf"\b(?:{'|'.join(sorted(set(make_schema().names()) - set(QUERY_FIELDS)))}):")
_TOO_MANY = "wildcard, prefix or ~ terms; at most"

HAND_WRITTEN = [
    # tests/test_query.py's odd queries
    'title:', 'text:', '*', '?', '~', 'OR', 'OR OR', 'NOT', 'NOT NOT cuba', '-', '""', '()',
    'word~9', 'cuba~1/9', 'db~hb/19', '[a TO b]', 'cuba^5', 'cuba^', '^', 'a*', 'c?ba',
    'title:(cuba OR korea)', '+cuba', '+', 'AND', 'cuba AND', 'AND cuba', '- cuba', 'cuba -',
    '(fQgn-|y)Z', '(a +b)', 'x -(y)', "it's", 'U.S.', 'e-mail', '100%', '\u200b', '中国', 'cuba/korea',
    ':', 'a:b:c', '(())', 'cuba ANDNOT korea', 'cuba ANDMAYBE korea', '<script>', 'x' * 500,
    # plain words and questions (relaxed, through plan_query)
    "cuba", "foreign minister", "What did the foreign minister say about Cuba?", "WHO WON AND WHY",
    "the Baath (Renaissance) party", "o'neil's visit", "o’neil’s visit", "U.S. trade deficit", "e-mail jo-ryeol",
    "Rodríguez", "rodriguez", "São Paulo", "2024 budget", "the of and", "havana javascript", "cubaa",
    "forein ministr",
    "mimister", "mimister cub*", "qqqqzzzz", "permanent representative offices", "oil price", "price market",
    "a", "the", "and or not", "cuba and korea", "cuba or korea", "Cuba AND", "ANDNOT", "REQUIRE",
    # operators, precedence, operators with nothing on one side
    "cuba AND korea", "cuba OR korea", "cuba NOT korea", "NOT cuba", "cuba NOT", "NOT", "OR cuba", "cuba OR ",
    "a OR", "a OR b AND c", "a AND b OR c", "a OR b OR c", "a AND b AND c", "cuba ANDNOT korea OR japan",
    "cuba OR korea ANDNOT japan", "cuba ANDMAYBE korea", "cuba REQUIRE korea", "REQUIRE cuba", "x REQUIRE",
    "ANDNOT cuba", "cuba ANDNOT", "cuba ANDNOT korea ANDNOT japan", "(cuba ANDNOT korea) OR japan",
    "a ANDNOT cuba", "title:a ANDNOT cuba", "cuba AND OR korea", "cuba OR AND korea", "cuba OR OR korea",
    "NOT AND x", "NOT OR x", "cuba ANDMAYBE ANDMAYBE x", "a ANDNOT ANDNOT b", "x REQUIRE REQUIRE y",
    "NOT (a) ANDNOT cuba", "NOT (the) OR cuba", "cuba OR ANDNOT OR korea", "cuba^2 OR REQUIRE OR korea",
    "a ANDNOT title:the ANDMAYBE x", "( ( *: * ) ^2 ANDMAYBE * x^2 ) OR -the",
    "minister OR cuba OR japan OR french OR brazil",
    "japan OR france", "trade OR gold", "(japan OR brazil) rain", "((a OR b) AND (c OR d))", "cuba NOT tourism",
    # -word and +word
    "cuba -korea", "-korea cuba", "-cuba", "cuba -tourism", "copper -oil", "-(a OR b) c", "(-cuba korea)",
    "cuba +korea", "+cuba +korea", "--cuba", "-+cuba", "+-cuba", "-AND x", "a -AND x", "cuba - korea",
    'cuba -"foreign minister"', 'cuba +"foreign minister"', "x\t-y", "jo-ryeol -e-mail",
    # phrases
    '"foreign minister"', '"the cat"', '"a b"~2', '"a b"~', '"a b"~0', '" "', 'title:"foreign minister"',
    'text:"rail strike"', '"oil price"^2', '"oil price" OR "gold price"', '"oil*"', '"a b"*', '*"a b"',
    'cuba"x y"', '"x y"cuba', '"("', '")"', '"a\nb"', '"rail strike" -japan', 'oil "price market"~3',
    'oil -"price market"', '"permanent representative offices"', '"e-mail U.S."', '"NOT cuba"', '"title:x"',
    # groups and boosts
    "(cuba)", "(cuba korea)", "(cuba)^2", "(a b)^2 OR c", "(a ^2)", "x (a ^2)", "x (^2)", "x (a OR ^2)",
    "(cuba) (^2 ^3)", "cuba^2", "cuba^0.5", "cuba^.5", "cuba^2x", "cuba^2 korea", "cuba^2 OR korea",
    "cuba OR korea^2", "cuba ^2", "^2", "cuba^2^3", "cuba^-1", "cuba ^2 ^3", "title:cuba^2", "(a OR b)^3 c",
    # fields
    "title:chip", "text:semiconductor", "title: cuba", "title:(text:a b)", "title:text:x", "title:text: x",
    'title:"x"', "title:-x", "title:NOT x", "title:oil*", "title:rodrigez~", "author:kim", "author: x", "x:",
    "*:x", "*:*", "*:(x)", '*:"x y"', "*:*:x", "http://x.com", "(author:x)", "e-title:x", "x~2title:y",
    'day:"2024-09-24"', 'foo:"x y"', 'author:"x"', "title:^2", "text:~2", "Title:cuba", '"a\nfoo:x"',
    "x ANDMAYBE *:foo: ", "x ANDMAYBE *:day: ",
    # fuzzy words
    "rodrigez~", "rodrigez~2", "cuba~1/2", "cuba~/2", "cuba~0", "cuba ~", "oil~", "oil~2", "price~",
    "cuba~^2", "cuba~2^3", "ministers~1/9", "İ~/5", "ß~/9 ß~/92024", "cuba~9 cuba~2", "a~*", "cuba~*",
    "rodrigez~2 oil*^2", "forein~ ministr~2",
    # wildcards and the pattern limit
    "oil*", "?il", "*oil*", "a**b", "a*b*c", "**", "cub*", "cubx*", "c?bx", "pri*", "a՞b", "a؟",
    "*a* *b* *c* *d*", "*e*", "?*", "a~2", "e~2 a~2 i~2 o~2", "title:* text:*", "*a* OR *e* OR *i* OR *o* OR *u*",
    '"*a* *b*"', "a* b* c* d* e* f* g* h*", "a* b* c* d* e* f* g* h* i*", "Oil* oil* a* b* c* d* e* f* g*",
    "* a* b* c* d* e* f* g* h*", "ministers* minist* a* b* c* d* e* f* g*", "abc~2 def~2 ghi~2 jkl~2 mno~2 pqr~2",
    "*qz* *qx* *qv* *qw* *qy* *qj* *qk* *zq*", "a ANDNOT (x* y*) b* c* d* e* f* g* h* i*",
    # odd characters and refusals
    "{a TO b}", "cuba\nkorea", "&&", "||", "!cuba", "cuba!", "\\", "'single quoted'", "'", "a 'b c' d", "’s",
    '"open', "(open", "close)", ")(", "author:x", "a:b", '"a" "b', "a" * 501, " cuba ", "  ",
    '"><script>window.__pwned=1</script>', "'><img src=x onerror=window.__pwned=1>",
    "</title><svg onload=window.__pwned=1>", "javascript:window.__pwned=1", '" autofocus onfocus="window.__pwned=1',
]


def _same(a, b) -> bool:
    return a == b and repr(a) == repr(b)


def _fieldless(q) -> bool:
    return any(isinstance(t, wq.Term) and t.fieldname is None for t in ([q] if q.is_leaf() else q.leaves()))


def _without_artifacts(q):
    """Today's query with a term in no field read as the word, and duplicates removed."""
    return q.accept(lambda n: to_whoosh(Word(n.text, boost=n.boost))
                    if isinstance(n, wq.Term) and n.fieldname is None else n).normalize()


def _differs(text: str, old_reason: str | None, old_q, new_reason: str | None, new_q) -> str:
    """'same', 'refused', or the known difference (module docstring) the query falls in."""
    if old_reason != new_reason:
        field = re.fullmatch(r"unknown field '(\w+):' .*", new_reason or "")
        if field and (f'{field[1]}:"' in text or "\n" in text) \
                and (old_reason or "the query could not").startswith("the query could not"):
            return "field the check missed"
        assert old_reason is None and _TOO_MANY in (new_reason or ""), (text, old_reason, new_reason)
        assert count_patterns(parse(text)) > MAX_PATTERNS >= old.count_patterns(old.parse_query(text))
        return "patterns counted as typed"
    if old_reason:
        return "refused"
    if _same(old_q, new_q):
        return "same"
    if _WORD_SPLIT.search(text):
        return "operator between ORs"
    if _INDEX_FIELD.search(text) and ("*:" in text or "\n" in text):
        return "another field of the index"
    assert _same(_without_artifacts(old_q), new_q), (text, old_q, new_q)
    return "stray boost" if _fieldless(old_q) else "fuzzy duplicates"


def reads_as_today(q: str) -> str:
    """Compare the request's q both ways (stripped and NFC, as from_params has it), then
    the tree of the raw text against Whoosh's parser on it."""
    text = unicodedata.normalize("NFC", q.strip())
    old_reason = old.q_problem(text)
    old_q = None if old_reason else old.parse_query(text)
    try:
        new_reason, new_q = None, to_whoosh(validate(text))
    except QuerySyntaxError as e:
        new_reason, new_q = str(e), None
    verdict = _differs(text, old_reason, old_q, new_reason, new_q)
    if verdict == "same":
        plan = old.plan_query(text)  # plain queries run as their content words
        words = to_whoosh(parse(" ".join(plan.words))) if not plan.exact and plan.words else None
        assert _same(old.user_query(text), new_q if plan.exact else words), q
    if old.syntax_problem(q) is None:  # the raw text, spaces and all
        try:
            raw_old, raw_old_q = None, old.parse_query(q)
        except old.QuerySyntaxError as e:
            raw_old, raw_old_q = str(e), None
        try:
            raw_new, raw_new_q = None, to_whoosh(parse(q))
        except QuerySyntaxError as e:
            raw_new, raw_new_q = str(e), None
        _differs(q, raw_old, raw_old_q, raw_new, raw_new_q)
    return verdict


@pytest.mark.parametrize("q", HAND_WRITTEN)
def test_hand_written_queries_read_as_today(q):
    reads_as_today(q)


def test_the_hand_written_list_covers_every_case():
    verdicts = [reads_as_today(q) for q in HAND_WRITTEN]
    assert len(HAND_WRITTEN) >= 150
    assert verdicts.count("same") > 200 and verdicts.count("refused") >= 20
    assert {"stray boost", "field the check missed", "another field of the index", "operator between ORs",
            "fuzzy duplicates", "patterns counted as typed"} <= set(verdicts)


WORDS = ["cuba", "korea", "minister", "ministers", "the", "a", "of", "and", "or", "Rodríguez", "rodriguez", "São",
         "2024", "1.5", "e-mail", "jo-ryeol", "it's", "o’neil", "U.S.", "Oil", "x"]
SYNTAX = ["AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "REQUIRE", '"', "(", ")", "-", "+", "~", "~2", "~1/2", "*", "?",
          "^2", "title:", "text:", '"the cat"', '"foreign minister"', "()"]
QUERIES = st.lists(st.tuples(st.sampled_from(WORDS) | st.sampled_from(SYNTAX), st.sampled_from([" ", " ", ""])),
                   min_size=1, max_size=14).map(lambda parts: "".join(p + s for p, s in parts))


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(QUERIES)
def test_generated_queries_read_as_today(q):
    reads_as_today(q)


def top(*children):
    """The tree's root: an And of what the query holds side by side."""
    return And(children)


@pytest.mark.parametrize("q,tree", [
    ("cuba -korea", top(Word("cuba"), Not(Word("korea")))),
    ('"foreign minister"', top(Phrase(("foreign", "minister")))),
    ('title:"oil price"~3^2', top(Phrase(("oil", "price"), "title", 2.0, slop=3))),
    ("(a OR b) c", top(And((Or((Word("a"), Word("b"))),)), Word("c"))),  # ( ) is an AND group
    ("(a OR b)", top(Or((Word("a"), Word("b"))))),  # the root is the group when it is all there is
    ("title:(a OR b)", top(And((Or((Word("a", "title"), Word("b", "title"))),)))),
    ("rodrigez~2", top(Fuzzy("rodrigez", maxdist=2))),
    ("cuba~9", top(Fuzzy("cuba", maxdist=2))),
    ("cuba~1/9", top(Fuzzy("cuba", maxdist=1, prefixlength=4))),
    ("oil*^2", top(Prefix("oil", boost=2.0))),
    ("c?ba *oil", top(Wildcard("c?ba"), Wildcard("*oil"))),
    ("e-mail U.S.", top(Word("e-mail"), Word("U.S."))),  # as typed: the engine splits them
    ("a OR b AND c", top(Or((Word("a"), And((Word("b"), Word("c"))))))),  # NOT, AND, OR, ANDNOT...
    ("cuba ANDNOT korea OR japan", top(AndNot(Word("cuba"), Or((Word("korea"), Word("japan")))))),
    ("cuba ANDMAYBE korea REQUIRE japan", top(Require(AndMaybe(Word("cuba"), Word("korea")), Word("japan")))),
    ("cuba^2 OR korea", top(Or((Word("cuba"), Word("korea")), 2.0))),  # a boost before OR boosts the OR
    ("title:cuba^2 OR korea", top(Or((Word("cuba", "title", 2.0), Word("korea"))))),
    ("cuba OR ", top(Word("cuba"))), ("cuba OR", top(Word("cuba"), Word("OR"))), ("()", top()),
    ("+cuba", top(Word("cuba"))), ("NOT cuba", top(Not(Word("cuba")))),
])
def test_tree_of_the_main_forms(q, tree):
    assert parse(q) == tree


@pytest.mark.parametrize("q,reason", [
    ('"open', 'unbalanced quotes: a phrase needs a closing "'),
    ("(cuba OR korea", "unbalanced parentheses: '(' without ')'"),
    ("author:kim", "unknown field 'author:' (fields are title:, text:)"),
    ("NOT NOT cuba", "the query could not be understood (IndexError)"),
    ("cuba ANDNOT ANDNOT korea", "the query could not be understood (AssertionError)"),
    ("a* b* c* d* e* f* g* h* i*", ("9 wildcard, prefix or ~ terms; at most 8 (each one is looked up in the "
                                    "whole vocabulary)")),
    ("x" * 501, "longer than 500 characters (501)"),
])
def test_refusals_say_why(q, reason):
    with pytest.raises(QuerySyntaxError, match=re.escape(reason)):
        validate(q)


def test_blank_is_no_query_and_operators_alone_match_nothing():
    assert parse("") is None and parse("  ") is None and validate("") is None
    assert to_whoosh(None) is None
    assert to_whoosh(parse("OR ")) is wq.NullQuery and to_whoosh(parse("the")) is wq.NullQuery


def test_helpers_for_engines():
    tree = parse('cuba -korea "oil price" ANDNOT title:japan')
    # Words side by side are not an operator: ANDNOT takes the phrase alone.
    assert tree == top(Word("cuba"), Not(Word("korea")), AndNot(Phrase(("oil", "price")), Word("japan", "title")))
    assert list(leaves(tree)) == [Word("cuba"), Word("korea"), Phrase(("oil", "price")), Word("japan", "title")]
    assert list(positive_leaves(tree)) == [Word("cuba"), Phrase(("oil", "price"))]
    assert negated(tree) == [Word("korea"), Word("japan", "title")]
    assert count_patterns(parse("oil* OIL* title:oil* oil~ *")) == 2  # typed once, in any field; * is every word
    assert count_patterns(parse("a* b~ c?d")) == 3 and count_patterns(None) == 0


@pytest.mark.parametrize("q,verdict", [
    ("cuba (^2)", "stray boost"), ('day:"2024-09-24"', "field the check missed"),
    ('"cuba\nday:x"', "field the check missed"), ("x ANDMAYBE *:day: ", "another field of the index"),
    ("cuba OR ANDMAYBE OR korea", "operator between ORs"), ("cuba~9 cuba~2", "fuzzy duplicates"),
    ("ministers* minist* a* b* c* d* e* f* g*", "patterns counted as typed"),
])
def test_known_differences_are_only_what_they_claim(q, verdict):
    assert reads_as_today(q) == verdict


def test_the_core_imports_no_engine():
    code = "import sys, search.core.query; sys.exit(any(m.split('.')[0] == 'whoosh' for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], cwd=PROJECT, check=False).returncode == 0
