"""Relaxed ranking: the best match for a plain query when requiring every word finds too
little (none for one to three words, fewer than a page for a question). Articles with
any of the words, ranked by BM25F times the share of the query's weight (IDF) they
contain, so articles with more and rarer words come first; then the query is expanded
with the key terms of the best articles (pseudo-relevance feedback, RM3) to rank what is
already matched. Each part and constant was checked on the seven development collections
of bench/eval_ranking.py: a change is adopted only if it raises their mean MAP and lowers
none by more than 0.01, judged by leaving one collection out (docs/ranking.md has every
variant tried, with its figures)."""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable

import numpy as np

from whoosh import collectors, query as wq
from whoosh.searching import Results, Searcher

from .analysis import LanguageText, stemming_language
from .arrays import IndexArrays, Matches, MaskQuery
from .collectors import Budget, BudgetUnlimitedCollector
from .schema import FIELD_BOOSTS

COVERAGE_POWER = 0.5  # 0, 0.25 and 1 lost on the mean (docs/ranking.md)
# Pseudo-relevance feedback (RM3): the best FEEDBACK_DOCS articles of the first
# pass, weighted by score^FEEDBACK_DOC_POWER, give FEEDBACK_TERMS expansion terms;
# the user's words keep FEEDBACK_QUERY_WEIGHT of the query's weight. Feedback on every
# relaxed query: gating it on a confident first pass lost on the mean (docs/ranking.md).
FEEDBACK_DOCS = 10  # was 5: mean MAP +0.005, LISA +0.03, none down by more than 0.005
FEEDBACK_TERMS = 10
FEEDBACK_QUERY_WEIGHT = 0.4
FEEDBACK_DOC_POWER = 2
FEEDBACK_CANDIDATES = 100  # words of the feedback articles considered for expansion
LONG_QUERY_ENOUGH = 10
def enough_matches(words: int) -> int:
    """How many articles must contain every word before the query is not relaxed:
    any at all for up to three words (keyword searches stay strict), a page's worth
    for longer, question-like queries."""
    return 1 if words <= 3 else LONG_QUERY_ENOUGH


def _text(term) -> str:
    return term.decode() if isinstance(term, bytes) else term


def positive_terms(q) -> list[str]:
    """The words (as indexed terms) a query asks for, outside any NOT, in order, once each."""
    out: list[str] = []

    def walk(node):
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.AndNot):
            walk(node.a)
            return
        if node.is_leaf():
            for field, text in node.terms() if hasattr(node, "terms") else ():
                if field in ("title", "text") and _text(text) not in out:
                    out.append(_text(text))
            return
        for child in node.children():
            walk(child)

    if q is not None:
        walk(q)
    return out


def excluded(q):
    """What the user excluded (NOT word, -word), kept excluded when relaxing."""
    found = []

    def walk(node):
        if isinstance(node, wq.Not):
            found.append(node.query)
        elif isinstance(node, wq.AndNot):
            walk(node.a)
            found.append(node.b)
        elif not node.is_leaf():
            for child in node.children():
                walk(child)

    if q is not None:
        walk(q)
    return wq.Or(found) if found else None


def _any_of(terms, weights=None):
    weights = weights or [1.0] * len(terms)
    return wq.Or([wq.Or([wq.Term("title", t, boost=FIELD_BOOSTS["title"] * w), wq.Term("text", t, boost=w)])
                  for t, w in zip(terms, weights)])


def _feedback_idf(df: int, docs: int) -> float:
    """The IDF weighing feedback words, log(N / n) + 1 (0 for a word in no article)."""
    return math.log(docs / df) + 1 if df else 0.0


def _relevance_model(s: Searcher, top: list[tuple[float, int]], terms: list[str], idf: dict[str, float],
                     doc_frequency: Callable[[str, str], int]):
    """RM3 pseudo-relevance feedback from the first pass's best articles `top`
    ((score, docnum) pairs): each article's word distribution (count / length)
    weighted by its score^FEEDBACK_DOC_POWER, each word's share times its IDF
    (so words common everywhere do not come in), then interpolated with the
    user's words. Returns (expansion terms with weights, weights of `terms`),
    scaled so the heaviest user word weighs 1. The stored body is re-analysed:
    a few articles per query, never the corpus. `doc_frequency` is the searcher's
    remembered one (IndexArrays.doc_frequency)."""
    analyzer = s.schema["text"].analyzer
    reader = s.reader()
    docs = reader.doc_count_all() or 1
    weights = [score ** FEEDBACK_DOC_POWER for score, _ in top]
    total = sum(weights) or 1.0
    model: dict[str, float] = {}
    present: dict[str, int] = {}  # feedback articles containing each word
    for weight, (_, doc) in zip(weights, top):
        # Counted by the indexer's analysis without positions (NewsAnalyzer.term_counts):
        # field.index() also encoded every word's positions and character ranges, four
        # times the time on 1.9k-character articles (docs/performance.md); same counts.
        fields = s.stored_fields(doc)
        text = LanguageText(fields.get("text") or "", stemming_language(fields.get("language")))
        counts = analyzer.term_counts(text)
        length = sum(counts.values()) or 1
        for word, count in counts.items():
            model[word] = model.get(word, 0.0) + weight / total * count / length
            present[word] = present.get(word, 0) + 1

    # Only the heaviest words can come in: a lookup per word and segment was most of a
    # question's time at 100k articles, and the evaluation figures are the same to three
    # decimals (bench/eval_ranking.py). Nor is a word's IDF looked up when even the
    # highest it can have (it is in `present[word]` articles at least) leaves it below
    # the FEEDBACK_TERMS best so far: the same terms, with 100 segments (1,000,000
    # articles) a relaxed query made 10,000 lookups for its 100 candidates.
    user = {t: model[t] * _feedback_idf(doc_frequency("text", t), docs) if t in model else 0.0 for t in terms}
    found: list[tuple[float, str]] = []
    best: list[float] = []  # a heap of the FEEDBACK_TERMS best weights so far
    for word in sorted(model, key=lambda w: (-model[w], w))[:FEEDBACK_CANDIDATES]:
        if word in idf or word.isdigit():
            continue
        if len(best) == FEEDBACK_TERMS and model[word] * _feedback_idf(present[word], docs) < best[0]:
            continue
        weighted = model[word] * _feedback_idf(doc_frequency("text", word), docs)
        if weighted > 0:
            found.append((weighted, word))
            heapq.heappush(best, weighted)
            if len(best) > FEEDBACK_TERMS:
                heapq.heappop(best)
    extra = sorted(found, key=lambda x: (-x[0], x[1]))[:FEEDBACK_TERMS]
    norm = sum(w for w, _ in extra) + sum(user.values()) or 1.0
    lam = FEEDBACK_QUERY_WEIGHT
    base = [lam / len(terms) + (1 - lam) * user[t] / norm for t in terms]
    scale = 1.0 / max(base)
    return [(t, (1 - lam) * w / norm * scale) for w, t in extra], [b * scale for b in base]


class Relaxation:
    """One relaxed search: the user's words (as indexed terms), what they excluded and the
    filters, ranked by the engine's vectorised path where it can (`vectorised(query)`
    returns None where it cannot, and Whoosh's matchers rank instead)."""

    def __init__(self, s: Searcher, arrays: IndexArrays, terms: list[str], budget: Budget,
                 vectorised: Callable, allowed: np.ndarray | None, within: np.ndarray | None) -> None:
        """`allowed`: the articles without the excluded words (None: all); `within`: those
        also within the filters. Excluded words are a mask, not a NOT: Whoosh's
        AndNotMatcher can be skipped past its end inside an intersection (IndexError) and
        let excluded documents through (tests/test_arrays.py found both)."""
        self.s, self.arrays, self.terms, self.budget = s, arrays, terms, budget
        self.vectorised, self.allowed, self.within = vectorised, allowed, within
        self.idf = {t: arrays.idf("text", t) for t in terms}
        self.total_idf = sum(self.idf.values()) or 1.0
        self._coverage: np.ndarray | None = None

    def run(self, limit: int):
        """(results of the best `limit`, the match mask, the query before the filters for the
        country counts), or None when no article has any of the words."""
        q = self.matching(_any_of(self.terms))
        mask, scores = self.ranked(q)
        if not mask.any():
            return None
        if FEEDBACK_DOCS:
            extra, weights = _relevance_model(self.s, self.best(mask, scores, FEEDBACK_DOCS), self.terms,
                                              self.idf, self.arrays.doc_frequency)
            if extra:
                base = self.matching(_any_of(self.terms, weights))
                expansion = _any_of([t for t, _ in extra], [w for _, w in extra])
                mask, scores = self.ranked(wq.AndMaybe(base, expansion))
        top_n = self.best(mask, scores, limit)
        res = Results(self.s, q, top_n)
        # Snippets mark the user's words, not the expansion terms.
        res.docterms, res.termdocs = self.arrays.matched_terms(_any_of(self.terms), [d for _, d in top_n])
        return res, mask, self.matching(_any_of(self.terms), filtered=False)

    def matching(self, query, filtered: bool = True):
        """`query` without the excluded words, within the filters (scoring 0)."""
        mask = self.within if filtered else self.allowed
        return wq.And([query, MaskQuery(mask)]) if mask is not None else query

    def ranked(self, query):
        """(all matches as a mask, their scores times coverage; or, from Whoosh's matchers
        when numpy cannot compute the query, a list of (score, docnum))."""
        m = self.vectorised(query)
        if m is not None:
            return m.mask, np.where(m.mask, m.scores * np.power(self.coverage(), COVERAGE_POWER), 0.0)
        collector = collectors.TermsCollector(BudgetUnlimitedCollector(self.budget))
        self.s.search_with_collector(query, collector)
        res = collector.results()
        scored = []
        for score, doc in res.top_n:
            matched = {_text(t) for f, t in res.docterms.get(doc, ())} & self.idf.keys()
            cover = sum(self.idf[t] for t in self.terms if t in matched) / self.total_idf
            scored.append((score * cover ** COVERAGE_POWER, doc))
        scored.sort(key=lambda x: (-x[0], x[1]))
        return self.arrays.mask_of([doc for _, doc in scored]), scored

    def coverage(self) -> np.ndarray:
        """Each article's share of the query's IDF weight (computed once)."""
        if self._coverage is None:
            coverage = np.zeros(self.arrays.n)
            for t in self.terms:  # in query order, as the reference path sums
                coverage[self.arrays.evaluate(_any_of([t]), scored=False).mask] += self.idf[t]
            self._coverage = coverage / self.total_idf
        return self._coverage

    @staticmethod
    def best(mask, scores, n: int) -> list[tuple[float, int]]:
        if isinstance(scores, list):
            return scores[:n]
        return IndexArrays.top(Matches(mask, scores), n)
