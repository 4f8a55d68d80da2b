"""Answering a SearchRequest from the index: hits, counts, facets and snippets.

An Engine keeps one Whoosh searcher open (one per web worker, opened lazily so it
is created after gunicorn forks) and swaps it when a reindex commits or a full
rebuild switches generations, so a running server sees new articles at once."""

from __future__ import annotations

import html
import itertools
import math
import re
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from whoosh import collectors, highlight, query as wq, scoring
from whoosh.searching import Results, Searcher

from . import store
from ...config import DEFAULT_TIME_LIMIT
from ...core.backend import Backend, SearchTimeout
from .arrays import IndexArrays, Matches as _Scored, MaskQuery, Unsupported
from .lexicon import corrector as lexicon_corrector
from .facet_tables import FacetTables
from ...core.facets import country_facet, date_facet
from ...core.query import OPERATORS, QuerySyntaxError, plan_query
from ...core.request import InvalidRequest, SearchRequest
from .parse import filter_query, user_query
from ...core.results import Hit, SearchResult

SNIPPET_CHARS = 240
SNIPPET_FRAGMENTS = 2
SUGGEST_BELOW = 2  # look for a respelling when a query finds this many articles or fewer
SUGGEST_MAX_WORDS = 6  # unknown words respelled for "did you mean", at most
SUGGEST_SECONDS = 1.0  # and the time spent respelling them


class ProbabilisticBM25F(scoring.BM25F):
    """BM25F with the Robertson-Sparck Jones IDF, log(1 + (N - n + 0.5) / (n + 0.5)),
    instead of Whoosh's log(N / (n + 1)) + 1: a word found in half the articles
    weighs little beside a rare one, so a question's common words do not swamp its topic."""

    def idf(self, searcher, fieldname, text):
        parent = searcher.get_parent()
        n = parent.doc_frequency(fieldname, text)
        return math.log(1 + (parent.doc_count_all() - n + 0.5) / (n + 0.5))


# Ranking of plain queries relaxed to a best match; chosen on the dev queries (TIME
# odd queries, Cranfield) with bench/eval_ranking.py and left alone after that.
WEIGHTING = ProbabilisticBM25F(B=0.75, K1=0.9)
COVERAGE_POWER = 0.5
# Pseudo-relevance feedback (RM3): the best FEEDBACK_DOCS articles of the first
# pass, weighted by score^FEEDBACK_DOC_POWER, give FEEDBACK_TERMS expansion terms;
# the user's words keep FEEDBACK_QUERY_WEIGHT of the query's weight.
FEEDBACK_DOCS = 5
FEEDBACK_TERMS = 10
FEEDBACK_QUERY_WEIGHT = 0.4
FEEDBACK_DOC_POWER = 2
FEEDBACK_CANDIDATES = 100  # words of the feedback articles considered for expansion
LONG_QUERY_ENOUGH = 10
# Collapsing copies needs more ranked candidates than one page; a page can come out
# short only when more than this share of the candidates are copies of shown stories.
COLLAPSE_OVERFETCH = 3


def enough_matches(words: int) -> int:
    """How many articles must contain every word before the query is not relaxed:
    any at all for up to three words (keyword searches stay strict), a page's worth
    for longer, question-like queries."""
    return 1 if words <= 3 else LONG_QUERY_ENOUGH


def _text(term) -> str:
    return term.decode() if isinstance(term, bytes) else term


def _positive_terms(q) -> list[str]:
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


def _negated(q):
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
    from .schema import FIELD_BOOSTS

    weights = weights or [1.0] * len(terms)
    return wq.Or([wq.Or([wq.Term("title", t, boost=FIELD_BOOSTS["title"] * w), wq.Term("text", t, boost=w)])
                  for t, w in zip(terms, weights)])


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
    field = s.schema["text"]
    reader = s.reader()
    docs = reader.doc_count_all() or 1
    weights = [score ** FEEDBACK_DOC_POWER for score, _ in top]
    total = sum(weights) or 1.0
    model: dict[str, float] = {}
    for weight, (_, doc) in zip(weights, top):
        counts: dict[str, int] = {}
        for btext, freq, _w, _v in field.index(s.stored_fields(doc).get("text") or ""):
            word = field.from_bytes(btext)
            counts[word] = counts.get(word, 0) + freq
        length = sum(counts.values()) or 1
        for word, count in counts.items():
            model[word] = model.get(word, 0.0) + weight / total * count / length
    if len(model) > FEEDBACK_CANDIDATES:
        # Only the heaviest words (and the user's) have their IDF looked up: a lookup
        # per word and segment was most of a question's time at 100k articles, and
        # the evaluation figures are the same to three decimals (bench/eval_ranking.py).
        kept = set(sorted(model, key=lambda w: (-model[w], w))[:FEEDBACK_CANDIDATES]) | set(terms)
        model = {w: v for w, v in model.items() if w in kept}
    for word in model:
        df = doc_frequency("text", word)
        model[word] *= math.log(docs / df) + 1 if df else 0.0
    extra = sorted(((w, t) for t, w in model.items() if t not in idf and w > 0 and not t.isdigit()),
                   key=lambda x: (-x[0], x[1]))[:FEEDBACK_TERMS]
    norm = sum(w for w, _ in extra) + sum(model.get(t, 0.0) for t in terms) or 1.0
    lam = FEEDBACK_QUERY_WEIGHT
    base = [lam / len(terms) + (1 - lam) * model.get(t, 0.0) / norm for t in terms]
    scale = 1.0 / max(base)
    return [(t, (1 - lam) * w / norm * scale) for w, t in extra], [b * scale for b in base]


class MarkFormatter(highlight.Formatter):
    """Matched words in <mark>, everything else HTML-escaped; "…" where a
    fragment starts or ends inside the text."""

    def format_token(self, text, token, replace=False):
        return "<mark>" + html.escape(highlight.get_text(text, token, replace)) + "</mark>"

    def _text(self, text):
        return html.escape(text)

    def format(self, fragments, replace=False):
        parts = []
        for f in fragments:
            body = self.format_fragment(f, replace=replace).strip()
            lead = "… " if f.startchar > 0 else ""
            trail = " …" if f.endchar < len(f.text) else ""
            parts.append(lead + body + trail)
        return " ".join(parts).replace("… …", "…")


class SnippetFragmenter(highlight.PinpointFragmenter):
    """Whoosh's autotrim always drops the first and last word of a fragment, even
    at the start or end of the text (losing the dateline city): trim only words
    the fragment actually cuts."""

    @staticmethod
    def _autotrim(fragment):
        text, start, end = fragment.text, fragment.startchar, fragment.endchar
        if start > 0 and not text[start - 1].isspace():
            space = text.find(" ", start, end)
            if space >= 0:
                start = space + 1
        if end < len(text) and not text[end].isspace():
            space = text.rfind(" ", start, end)
            if space > start:
                end = space
        if fragment.matches:
            start = min(start, fragment.matches[0].startchar)
            end = max(end, fragment.matches[-1].endchar)
        fragment.startchar, fragment.endchar = start, end


class SnippetScorer(highlight.BasicFragmentScorer):
    """Whoosh's scorer, with ties going to the earlier fragment: Whoosh breaks them by
    the fragments' memory addresses, so the same hit could get a different snippet
    from one request to the next."""

    def __call__(self, f):
        return super().__call__(f) - f.startchar * 1e-9


class ArrayHighlighter(highlight.Highlighter):
    """Pinpoint highlighting with the matched words' character ranges fetched from
    the posting blocks that hold them (search.backends.whoosh.arrays), not by skipping through a
    whole posting list per word."""

    def __init__(self, arrays: IndexArrays, **kwargs) -> None:
        super().__init__(**kwargs)
        self.arrays = arrays

    def _load_chars(self, results, fieldname, texts, to_bytes):
        results._char_cache[fieldname] = cache = {}
        docnums = sorted(docnum for _, docnum in results.top_n)
        for docnum in docnums:
            cache[docnum] = {}
        for text in texts:
            btext = to_bytes(text)
            having = set(results.termdocs.get((fieldname, btext), ()))
            for docnum, chars in self.arrays.characters(fieldname, btext,
                                                        [d for d in docnums if d in having]).items():
                cache[docnum][text] = chars


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
    return list(itertools.islice(node._btexts(reader), MAX_EXPANSION + 1))


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


class Budget:
    """A deadline checked every 1,024 collected documents: cheap, and no timer thread."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.perf_counter() + seconds
        self.count = 0

    def tick(self) -> None:
        self.count += 1
        if not self.count & 1023:
            self.check()

    def check(self) -> None:
        if time.perf_counter() > self.deadline:
            raise SearchTimeout(f"the search took longer than {self.seconds:g} s; narrow it with more "
                                "words, a phrase or filters")


class DocsetTopCollector(collectors.TopCollector):
    """Top N by score that also remembers every match, so the total and the facet
    counts come from the same pass instead of running the query again."""

    def __init__(self, limit: int, budget: Budget) -> None:
        super().__init__(limit=limit, usequality=False)
        # Whoosh swaps in a leaner matcher that skips documents unable to reach the
        # heap's minimum score: those would be missing from the total and the facets.
        self.replace = 0
        self.budget = budget

    def _collect(self, global_docnum, score):
        self.budget.tick()
        self.docset.add(global_docnum)
        return super()._collect(global_docnum, score)


class BudgetUnsortedCollector(collectors.UnsortedCollector):
    def __init__(self, budget: Budget) -> None:
        super().__init__()
        self.budget = budget

    def collect(self, sub_docnum):
        self.budget.tick()
        return super().collect(sub_docnum)


class BudgetUnlimitedCollector(collectors.UnlimitedCollector):
    def __init__(self, budget: Budget) -> None:
        super().__init__()
        self.budget = budget

    def _collect(self, global_docnum, score):
        self.budget.tick()
        return super()._collect(global_docnum, score)

    def all_ids(self):
        return self.docset

    def count(self):
        return len(self.docset)


class WhooshBackend(Backend):
    """The Whoosh index in a folder of generations (store): one searcher per process,
    opened lazily (after gunicorn forks) and swapped when a reindex lands."""

    name = "whoosh"

    def __init__(self, index_root: Path | str, time_limit: float = DEFAULT_TIME_LIMIT,
                 vectorised: bool = True) -> None:
        self.root = Path(index_root)
        self.time_limit = time_limit
        # False: every query through Whoosh's matchers (the reference the tests compare with).
        self.vectorised = vectorised
        self._searcher: Searcher | None = None
        self._gen: Path | None = None
        self._tables: FacetTables | None = None
        self._arrays: IndexArrays | None = None

    # -- the searcher's life ---------------------------------------------------

    def searcher(self) -> Searcher:
        """The open searcher, refreshed when the index changed since the last call."""
        gen = store.current_dir(self.root)
        s = self._searcher
        if s is not None and gen == self._gen:
            if s.up_to_date():
                return s
            new = s.refresh()  # reuses unchanged segments and closes what it replaced
        else:
            ix, gen = store.open_current(self.root)
            new = ix.searcher(weighting=WEIGHTING)
            if s is not None:
                s.close()  # the old generation: release its files
        self._searcher, self._gen, self._tables, self._arrays = new, gen, None, None
        return new

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def arrays(self, s: Searcher) -> IndexArrays:
        if self._arrays is None:
            self._arrays = IndexArrays(s)
        return self._arrays

    def facet_tables(self, s: Searcher) -> FacetTables:
        if self._tables is None:
            self._tables = FacetTables.of(self.arrays(s), self._gen)
        return self._tables

    def warm(self, search: bool = True) -> None:
        """Open the searcher and load the per-segment arrays now (before the first
        request, e.g. in gunicorn's master before it forks its workers)."""
        s = self.searcher()
        self.arrays(s).field_lengths("text")
        self.arrays(s).field_lengths("title")
        tables = self.facet_tables(s)
        tables._date_rank(False)
        tables._date_rank(True)
        # One search through every stage (query parser, snippets, JSON-ready result),
        # so their lazy imports and compiled patterns are ready too.
        if search:
            self.search(SearchRequest.from_params({"q": ['news "search engine"'], "country": ["US"],
                                                   "from": ["1900"]}))

    def generation(self, s: Searcher | None = None) -> str:
        """The index state `s` reads: the generation folder and the Whoosh commit.
        Pass the searcher already in hand: fetching the current one again may refresh
        it, closing the reader the caller holds (and naming a newer state than it read)."""
        if s is None:
            s = self.searcher()
        return f"{self._gen.name}/{s.reader().generation()}" if self._gen else ""

    # -- queries ---------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        start = time.perf_counter()
        s = self.searcher()
        budget = Budget(self.time_limit)
        arrays = self.arrays(s)
        plan = plan_query(request.q)
        typed_q = user_query(request.q)
        user_q = expand_patterns(typed_q, s.reader(), budget, arrays.lexicon)
        filters = filter_query(request)
        result = SearchResult(request=request, total=0, took_ms=0.0, generation=self.generation(s))
        by_score = request.sort == "relevance" and user_q is not None
        results, mask = None, None
        if user_q is not wq.NullQuery:  # NullQuery: only stop words, nothing can match
            results, mask = self._run(s, user_q, filters, request, by_score, budget)
        result.total = int(mask.sum()) if mask is not None else 0

        if user_q is not None and result.total <= SUGGEST_BELOW:
            result.suggestion = self._suggest(s, request.q, result.total, budget)
        # The words as typed: a pattern relaxes as itself, not as the many words it fits.
        terms = _positive_terms(typed_q) if by_score and typed_q is not wq.NullQuery else []
        # Plain queries relax when too few articles have every word; queries with
        # operators keep their meaning and relax only when they find nothing.
        needed = 1 if plan.exact else enough_matches(len(terms))
        base_q = user_q  # what matches before the filters, for the country counts
        if len(terms) > 1 and result.total < needed:
            relaxed = self._relaxed(s, terms, _negated(user_q), filters, request, budget)
            if relaxed is not None and int(relaxed[1].sum()) > result.total:
                results, mask, base_q = relaxed
                result.relaxed, result.total = True, int(mask.sum())

        tables = self.facet_tables(s)
        # A property of the matches, collapsed in the list or not (it was the total
        # when not, so one query gave two counts).
        result.stories = tables.story_count(mask) if mask is not None else 0
        if results is not None and request.collapse:
            self._collapse(results, tables)
        countries, days = tables.count(mask) if results is not None else ({}, {})
        if request.country and results is not None:
            # Multi-select: the country counts ignore the country filter itself, so
            # each value says how many articles choosing it would add.
            base = self._mask(s, base_q) if base_q is not None else arrays.live
            countries = tables.count_countries(base, request.date_from, request.date_to)
        result.facets["country"] = country_facet(countries, request)
        result.facets["date"], result.date_unit = date_facet(days, request)
        if results is not None:
            result.hits = self._hits(results, request, scored=by_score,
                                     mask=mask if request.collapse else None, tables=tables)
        result.took_ms = (time.perf_counter() - start) * 1000
        return result

    def _run(self, s: Searcher, user_q, filters, request: SearchRequest, by_score: bool, budget: Budget):
        """Every match (a mask for the total and the facets), the top hits by score or
        by date, and the matched terms of the hits for the snippets. Queries of terms,
        AND, OR, NOT and filters are computed with numpy (search.backends.whoosh.arrays); the rest
        (phrases, fuzzy terms, wildcards) by Whoosh's matchers in one pass."""
        if user_q is not None and filters is not None:
            q = wq.And([user_q, wq.ConstantScoreQuery(filters, 0.0)])
        else:
            q = user_q or filters or wq.Every()
        limit = (request.offset + request.per_page) * (COLLAPSE_OVERFETCH if request.collapse else 1)
        arrays = self.arrays(s)
        reverse = request.sort == "date_asc"
        try:
            matches = arrays.evaluate(q, scored=by_score) if self.vectorised else None
        except Unsupported:
            matches = None
        if matches is not None:
            budget.check()
            if by_score:
                top_n = arrays.top(matches, limit)
            else:
                top_n = [(None, d) for d in self.facet_tables(s).newest_first(matches.mask, limit, reverse)]
            results = Results(s, q, top_n)
            if user_q is not None:
                results.docterms, results.termdocs = arrays.matched_terms(user_q, [d for _, d in top_n])
            return results, matches.mask
        top = DocsetTopCollector(limit, budget) if by_score else BudgetUnsortedCollector(budget)
        collector = collectors.TermsCollector(top) if user_q is not None else top
        if user_q is not None and filters is not None:
            # Filters must not score (see MaskQuery) and are computed with numpy.
            q = wq.And([user_q, MaskQuery(self._mask(s, filters))])
        s.search_with_collector(q, collector)
        results = collector.results()
        mask = arrays.mask_of(top.docset)
        if not by_score:
            results.top_n = [(None, d) for d in self.facet_tables(s).newest_first(mask, limit, reverse)]
        return results, mask

    def _mask(self, s: Searcher, q):
        arrays = self.arrays(s)
        try:
            return arrays.evaluate(q, scored=False).mask
        except Unsupported:
            return arrays.mask_of(list(s.docs_for_query(q)))

    @staticmethod
    def _collapse(results, tables: FacetTables) -> None:
        """Keep the best-ranked copy of each story in the ranking."""
        story_of = tables.story_code
        seen: set[int] = set()
        kept = []
        for score, doc in results.top_n:
            story = int(story_of[doc])
            if story not in seen:
                seen.add(story)
                kept.append((score, doc))
        results.top_n = kept

    def _relaxed(self, s: Searcher, terms: list[str], negated, filters, request: SearchRequest, budget: Budget):
        """Best match for a plain query when requiring every word finds too little:
        articles with any of the words, ranked by BM25F times the share of the
        query's weight (IDF) they contain, so articles with more and rarer words
        come first; then the query is expanded with the key terms of the best
        articles (pseudo-relevance feedback, RM3) to rank what is already matched.
        Returns (results, match mask, the query before filters) or None."""
        idf = {t: s.idf("text", t) for t in terms}
        total_idf = sum(idf.values()) or 1.0
        arrays = self.arrays(s)
        filter_mask = self._mask(s, filters) if filters is not None else None
        # Excluded words as part of the mask: Whoosh's AndNotMatcher can be skipped
        # past its end inside an intersection (IndexError) and let excluded documents
        # through (tests/test_arrays.py found both).
        allowed = arrays.live & ~self._mask(s, negated) if negated is not None else None
        within = filter_mask if allowed is None else allowed if filter_mask is None else allowed & filter_mask

        def matching(query, filtered=True):
            """`query` without the excluded words, within the filters (scoring 0)."""
            mask = within if filtered else allowed
            return wq.And([query, MaskQuery(mask)]) if mask is not None else query

        required = matching(_any_of(terms), filtered=False)
        q = matching(_any_of(terms))
        limit = (request.offset + request.per_page) * (COLLAPSE_OVERFETCH if request.collapse else 1)
        coverage = None

        def ranked(query):
            """(all matches as a mask, their scores times coverage, or a list of
            (score, docnum) from Whoosh's matchers when numpy cannot compute the query)."""
            nonlocal coverage
            try:
                if not self.vectorised:
                    raise Unsupported("reference path")
                m = arrays.evaluate(query)
                if coverage is None:
                    coverage = np.zeros(arrays.n)
                    for t in terms:  # in query order, as the reference path sums
                        coverage[arrays.evaluate(_any_of([t]), scored=False).mask] += idf[t]
                    coverage /= total_idf
                scores = np.where(m.mask, m.scores * np.power(coverage, COVERAGE_POWER), 0.0)
                return m.mask, scores
            except Unsupported:
                pass
            collector = collectors.TermsCollector(BudgetUnlimitedCollector(budget))
            s.search_with_collector(query, collector)
            res = collector.results()
            scored = []
            for score, doc in res.top_n:
                matched = {_text(t) for f, t in res.docterms.get(doc, ())} & idf.keys()
                cover = sum(idf[t] for t in terms if t in matched) / total_idf
                scored.append((score * cover ** COVERAGE_POWER, doc))
            scored.sort(key=lambda x: (-x[0], x[1]))
            return arrays.mask_of([doc for _, doc in scored]), scored

        def best(mask, scores, n):
            if isinstance(scores, list):
                return scores[:n]
            return IndexArrays.top(_Scored(mask, scores), n)

        mask, scores = ranked(q)
        if not mask.any():
            return None
        if FEEDBACK_DOCS:
            extra, weights = _relevance_model(s, best(mask, scores, FEEDBACK_DOCS), terms, idf,
                                              arrays.doc_frequency)
            if extra:
                base = matching(_any_of(terms, weights))
                mask, scores = ranked(wq.AndMaybe(base, _any_of([t for t, _ in extra], [w for _, w in extra])))
        top_n = best(mask, scores, limit)
        res = Results(s, q, top_n)
        # Snippets mark the user's words, not the expansion terms.
        res.docterms, res.termdocs = arrays.matched_terms(_any_of(terms), [d for _, d in top_n])
        return res, mask, required

    def _hits(self, results, request: SearchRequest, scored: bool, mask=None, tables=None) -> list[Hit]:
        results.highlighter = ArrayHighlighter(
            self.arrays(results.searcher),
            fragmenter=SnippetFragmenter(maxchars=SNIPPET_CHARS // SNIPPET_FRAGMENTS + 40, surround=60,
                                         autotrim=True),
            formatter=MarkFormatter(), scorer=SnippetScorer())
        title_hl = highlight.Highlighter(fragmenter=highlight.WholeFragmenter(), formatter=MarkFormatter())
        hits = []
        for hit in results[request.offset:request.offset + request.per_page]:
            fields = hit.fields()
            snippet = ""
            title_html = ""
            if results.has_matched_terms():
                snippet = " ".join(hit.highlights("text", top=SNIPPET_FRAGMENTS).split())
                title_html = title_hl.highlight_hit(hit, "title", top=1, minscore=1)
            hits.append(Hit(
                id=fields["id"],
                title=fields.get("title", ""),
                title_html=title_html or html.escape(fields.get("title", "")),
                snippet=snippet or html.escape(lead(fields.get("text", ""))),
                url=fields.get("url"),
                source=fields.get("source"),
                published=fields.get("published_iso"),
                countries=_split(fields.get("countries")),
                score=round(hit.score, 4) if scored and hit.score is not None else None,
            ))
            if request.collapse and mask is not None:
                others = tables.copies(mask, hit.docnum)
                hits[-1].similar = len(others)
                for d in others[:5]:
                    other = results.searcher.stored_fields(d)
                    hits[-1].similar_articles.append({"id": other["id"], "title": other.get("title", ""),
                                                      "published": other.get("published_iso"),
                                                      "source": other.get("source")})
        return hits

    def _suggest(self, s: Searcher, q: str, found: int = 0, budget: Budget | None = None) -> str | None:
        """A respelling of the query's unknown words that finds something, or None.
        The index holds stems ("minist"), so each correction is shown as a word
        that really occurs in an article containing that stem ("minister")."""
        analyzer = _schema()["text"].analyzer
        reader = s.reader()
        changed = False
        # Each unknown word costs a walk of the vocabulary (about 0.3 s at 20,000 articles):
        # a suggestion is a nicety, so it gets a few words and a second at most.
        budget = budget or Budget(DEFAULT_TIME_LIMIT)
        deadline = min(budget.deadline, time.perf_counter() + SUGGEST_SECONDS)
        tried = 0
        spelling = None  # the word list is read only when a word is unknown

        def respell(m: re.Match) -> str:
            nonlocal changed, tried, spelling
            word = m.group(0)
            if word in OPERATORS or m.string[m.end():m.end() + 1] == ":":
                return word
            if any(ch in word for ch in _PATTERN_MARKS):
                return word  # a pattern stands for the words it fits: respelling it changes the question
            stems = [t.text for t in analyzer(word)]
            if len(stems) != 1 or any(reader.doc_frequency(f, stems[0]) for f in ("title", "text")):
                return word
            if tried >= SUGGEST_MAX_WORDS or time.perf_counter() > deadline:
                return word
            tried += 1
            if spelling is None:
                spelling = lexicon_corrector(reader, "text", self.arrays(s).lexicon("text"))
            for candidate in spelling.suggest(stems[0], limit=3, maxdist=2):
                surface = _surface_form(s, analyzer, candidate)
                if surface:
                    changed = True
                    return surface
            return word

        parts = q.split('"')  # even parts are outside phrases: phrases are kept as typed
        corrected = '"'.join(_TYPED_WORD.sub(respell, part) if n % 2 == 0 else part for n, part in enumerate(parts))
        if not changed:
            return None
        try:
            corrected_q = expand_patterns(user_query(corrected), reader, budget, self.arrays(s).lexicon)
        except InvalidRequest:
            return None
        if corrected_q is None or corrected_q is wq.NullQuery:
            return None
        # Only worth showing when the respelling finds clearly more.
        if sum(1 for _ in s.docs_for_query(corrected_q)) <= found * 2:
            return None
        return corrected

    # -- single articles -----------------------------------------------------------

    def article(self, article_id: str) -> dict | None:
        s = self.searcher()
        fields = s.document(id=article_id)
        if fields is None:
            return None
        return article_fields(fields)

    def related(self, article_id: str, limit: int = 5) -> list[dict] | None:
        """Articles like this one (more-like-this over its most distinctive terms),
        leaving out its own wire copies (same story). None: no such article."""
        s = self.searcher()
        docnum = s.document_number(id=article_id)
        if docnum is None:
            return None
        story = s.stored_fields(docnum).get("story") or article_id
        out = []
        for hit in s.more_like(docnum, "text", top=limit * 3, numterms=RELATED_TERMS):
            fields = hit.fields()
            if (fields.get("story") or fields["id"]) == story:
                continue
            out.append({"id": fields["id"], "title": fields.get("title", ""),
                        "published": fields.get("published_iso"), "countries": _split(fields.get("countries")),
                        "source": fields.get("source"), "url": fields.get("url"),
                        "score": round(hit.score, 4)})
            if len(out) == limit:
                break
        return out

    def health(self) -> dict:
        s = self.searcher()
        return {"status": "ok", "articles": s.doc_count(), "generation": self.generation(s)}

    def stats(self, top: int = 10) -> dict:
        s = self.searcher()
        tables = self.facet_tables(s)
        countries, days = tables.count(self.arrays(s).live)
        dated = sorted(d for d in days if d)
        size = sum(f.stat().st_size for f in self._gen.iterdir() if f.is_file()) if self._gen else 0
        return {
            "articles": s.doc_count(),
            "first_day": dated[0] if dated else None,
            "last_day": dated[-1] if dated else None,
            "undated": days.get(None, 0),
            "top_countries": countries.most_common(top),
            "index_bytes": size,
            "index_dir": str(self._gen),
            "generation": self.generation(s),
        }

    def top_sources(self, top: int = 5) -> list[tuple[str, int]]:
        """The sources with the most (live) articles, most first. One posting list
        read per distinct source (`source` is an indexed ID field), so the cost grows
        with the number of sources, not of articles: for the home page's overview,
        never for a search."""
        s = self.searcher()
        arrays = self.arrays(s)
        counts = {}
        for btext in s.reader().lexicon("source"):
            n = len(arrays.postings("source", btext)[0])
            if n:
                counts[btext.decode("utf-8")] = n
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]

    def highlight(self, text: str, q: str, field: str = "text") -> str:
        """The whole text HTML-escaped, with the query's words in <mark> (the article page;
        a q that cannot be read, e.g. with unbalanced quotes, marks nothing)."""
        try:
            user_q = user_query(q) if q else None
        except QuerySyntaxError:
            user_q = None
        if user_q is None:
            return html.escape(text)
        terms = {t for f, t in user_q.iter_all_terms() if f in (field, None)}
        terms = {t.decode() if isinstance(t, bytes) else t for t in terms}
        if not terms:
            return html.escape(text)
        analyzer = _schema()[field].analyzer
        out = highlight.highlight(text, frozenset(terms), analyzer, highlight.WholeFragmenter(charlimit=None),
                                  MarkFormatter(), top=1, minscore=1)
        return out or html.escape(text)

    def suggest(self, q: str, limit: int) -> list[str]:
        from .suggest import suggest

        return suggest(self, q, limit)

    def update(self, corpus: Path, *, full: bool = False, max_bytes: int, progress: Callable | None = None):
        from .indexer import update_index

        return update_index(corpus, self.root, full=full, max_bytes=max_bytes, progress=progress)


def article_fields(fields: dict) -> dict:
    return {
        "id": fields["id"],
        "title": fields.get("title", ""),
        "text": fields.get("text", ""),
        "published": fields.get("published_iso"),
        "date_source": fields.get("date_source"),
        "countries": _split(fields.get("countries")),
        "source": fields.get("source"),
        "url": fields.get("url"),
        "author": fields.get("author"),
        "language": fields.get("language"),
        "word_count": fields.get("word_count"),
        "path": fields.get("path"),
    }


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def lead(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


_SCHEMA = None


def _schema():
    global _SCHEMA
    if _SCHEMA is None:
        from .schema import make_schema

        _SCHEMA = make_schema()
    return _SCHEMA


# A word as typed, with the wildcard and fuzzy marks attached to it ("oil*", "?il", "word~2").
_TYPED_WORD = re.compile(r"[\w*?]+(?:~\d*)?")
_PATTERN_MARKS = "*?~"


def _surface_form(s: Searcher, analyzer, stem: str) -> str | None:
    """A word of some article whose stem is `stem`, in lower case."""
    postings = s.postings("text", stem)
    if not postings.is_active():
        return None
    text = s.stored_fields(postings.id()).get("text", "")
    for m in re.finditer(r"\w+", text):
        token = m.group(0)
        if [t.text for t in analyzer(token)] == [stem]:
            return token.lower()
    return None


RELATED_TERMS = 12
