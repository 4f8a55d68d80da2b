"""The Whoosh backend: answering a SearchRequest from the index (hits, counts, facets,
snippets), single articles, and the reindex.

It keeps one Whoosh searcher open (one per web worker, opened lazily so it
is created after gunicorn forks) and swaps it when a reindex commits or a full
rebuild switches generations, so a running server sees new articles at once."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

from whoosh import collectors, highlight, query as wq
from whoosh.searching import Results, Searcher

from . import store
from ...config import DEFAULT_TIME_LIMIT
from ...core.backend import Backend
from .analysis import LanguageText, stemming_language
from .arrays import IndexArrays, Matches, MaskQuery, Unsupported
from .collectors import Budget, BudgetUnsortedCollector, DocsetTopCollector
from .expand import expand_patterns
from .highlight import (SNIPPET_CHARS, SNIPPET_FRAGMENTS, ArrayHighlighter, MarkFormatter, SnippetFragmenter,
                        SnippetScorer, lead)
from .relax import Relaxation, enough_matches, excluded, positive_terms
from .scoring import ProbabilisticBM25F
from .lexicon import corrector as lexicon_corrector
from .facet_tables import FacetTables
from ...core.facets import country_facet, date_facet, language_facet
from ...core.query import OPERATORS, QuerySyntaxError, plan_query
from ...core.request import InvalidRequest, SearchRequest
from .parse import user_query
from ...core.results import Hit, SearchResult

SUGGEST_BELOW = 2  # look for a respelling when a query finds this many articles or fewer
SUGGEST_MAX_WORDS = 6  # unknown words respelled for "did you mean", at most
SUGGEST_SECONDS = 1.0  # and the time spent respelling them

# BM25 parameters, checked on the seven development collections of bench/eval_ranking.py
# by leaving one collection out: K1 0.6-1.5 and B 0.3-0.9 did not beat these on the
# collection left out (docs/ranking.md).
WEIGHTING = ProbabilisticBM25F(B=0.75, K1=0.9)
# Collapsing copies needs more ranked candidates than one page; a page can come out
# short only when more than this share of the candidates are copies of shown stories.
COLLAPSE_OVERFETCH = 3


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
        self._languages: tuple[str, ...] | None = None

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
        self._languages = None
        return new

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def arrays(self, s: Searcher) -> IndexArrays:
        if self._arrays is None:
            self._arrays = IndexArrays(s)
        return self._arrays

    def languages(self, s: Searcher) -> tuple[str, ...]:
        """The Snowball languages besides English that articles of this index are stemmed in."""
        if self._languages is None:
            self._languages = tuple(t.decode("utf-8") for t in s.reader().lexicon("stemming"))
        return self._languages

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
        typed_q = user_query(request.q, self.languages(s))
        user_q = expand_patterns(typed_q, s.reader(), budget, arrays.lexicon)
        filters = self._filters(s, request)
        result = SearchResult(request=request, total=0, took_ms=0.0, generation=self.generation(s))
        by_score = request.sort == "relevance" and user_q is not None
        results, mask = None, None
        if user_q is not wq.NullQuery:  # NullQuery: only stop words, nothing can match
            results, mask = self._run(s, user_q, filters, request, by_score, budget)
        result.total = int(mask.sum()) if mask is not None else 0

        if user_q is not None and result.total <= SUGGEST_BELOW:
            result.suggestion = self._suggest(s, request.q, result.total, budget)
        # The words as typed: a pattern relaxes as itself, not as the many words it fits.
        terms = positive_terms(typed_q) if by_score and typed_q is not wq.NullQuery else []
        # Plain queries relax when too few articles have every word (counted as typed: a
        # word read in several languages or numbers is still one word); queries with
        # operators keep their meaning and relax only when they find nothing.
        needed = 1 if plan.exact else enough_matches(len(plan.words))
        base_q = user_q  # what matches before the filters, for the country counts
        if len(terms) > 1 and (plan.exact or len(plan.words) > 1) and result.total < needed:
            relaxed = self._relaxed(s, terms, excluded(user_q), filters, request, budget).run(self._limit(request))
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
        languages = tables.count_languages(mask) if results is not None else {}
        if (request.country or request.language) and results is not None:
            # Multi-select: the country counts ignore the country filter itself (and the
            # language counts the language filter), so each value says how many articles
            # choosing it would add.
            base = self._mask(s, base_q) if base_q is not None else arrays.live
            if request.country:
                in_languages = tables.language_mask(request.language) if request.language else True
                countries = tables.count_countries(base & in_languages, request.date_from, request.date_to)
            if request.language:
                in_countries = tables.country_mask(request.country) if request.country else True
                languages = tables.count_languages(base & in_countries, request.date_from, request.date_to)
        result.facets["country"] = country_facet(countries, request)
        result.facets["language"] = language_facet(languages, request)
        result.facets["date"], result.date_unit = date_facet(days, request)
        if results is not None:
            result.hits = self._hits(results, request, scored=by_score,
                                     mask=mask if request.collapse else None, tables=tables)
        result.took_ms = (time.perf_counter() - start) * 1000
        return result

    def _filters(self, s: Searcher, request: SearchRequest) -> MaskQuery | None:
        """Countries, dates and languages as one mask from the facet tables (None without
        filters). Not as terms: a date range is one posting list per day and segment, and
        at 1,000,000 articles in 100 segments a range over the corpus read 4,747 posting
        lists (264 ms); the tables answer it in milliseconds. Languages must be a mask
        anyway: the index holds each article's whole tag ('pt-BR'), the filter its language."""
        if not (request.country or request.date_from or request.date_to or request.language):
            return None
        tables = self.facet_tables(s)
        mask = self.arrays(s).live
        if request.country:
            mask = mask & tables.country_mask(request.country)
        if request.language:
            mask = mask & tables.language_mask(request.language)
        return MaskQuery(tables.within_dates(mask, request.date_from, request.date_to))

    def _run(self, s: Searcher, user_q, filters, request: SearchRequest, by_score: bool, budget: Budget):
        """Every match (a mask for the total and the facets), the top hits by score or
        by date, and the matched terms of the hits for the snippets. Terms, phrases, AND,
        OR, NOT and filters (patterns are expanded to words before) are computed with numpy
        (arrays.py); the shapes it does not compute by Whoosh's matchers in one pass."""
        if user_q is not None and filters is not None:
            q = wq.And([user_q, filters])  # a MaskQuery: it scores 0
        else:
            q = user_q or filters or wq.Every()
        limit = self._limit(request)
        arrays = self.arrays(s)
        reverse = request.sort == "date_asc"
        matches = self._vectorised(s, q, scored=by_score)
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
        s.search_with_collector(q, collector)
        results = collector.results()
        mask = arrays.mask_of(top.docset)
        if not by_score:
            results.top_n = [(None, d) for d in self.facet_tables(s).newest_first(mask, limit, reverse)]
        return results, mask

    def _vectorised(self, s: Searcher, q, scored: bool = True) -> Matches | None:
        """q's matches (and scores) computed with numpy, or None where Whoosh's matchers
        must compute them: a query numpy does not evaluate (wildcards and fuzzy terms are
        expanded first; what is left Unsupported), or any query of an engine made with
        vectorised=False (the reference the tests compare with). The one place that chooses."""
        if not self.vectorised:
            return None
        try:
            return self.arrays(s).evaluate(q, scored=scored)
        except Unsupported:
            return None

    def _mask(self, s: Searcher, q):
        matches = self._vectorised(s, q, scored=False)
        if matches is not None:
            return matches.mask
        return self.arrays(s).mask_of(list(s.docs_for_query(q)))

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

    def _relaxed(self, s: Searcher, terms: list[str], negated, filters, request: SearchRequest,
                  budget: Budget) -> Relaxation:
        """The relaxed search of a plain query's words (search.backends.whoosh.relax)."""
        filter_mask = filters.mask if filters is not None else None
        allowed = self.arrays(s).live & ~self._mask(s, negated) if negated is not None else None
        within = filter_mask if allowed is None else allowed if filter_mask is None else allowed & filter_mask
        return Relaxation(s, self.arrays(s), terms, budget, lambda query: self._vectorised(s, query),
                          allowed, within)

    @staticmethod
    def _limit(request: SearchRequest) -> int:
        """Ranked candidates a page needs: more when copies are collapsed."""
        return (request.offset + request.per_page) * (COLLAPSE_OVERFETCH if request.collapse else 1)

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
                # The stored title is re-analysed: in the article's language, as indexed.
                title = LanguageText(fields.get("title", ""), stemming_language(fields.get("language")))
                title_html = title_hl.highlight_hit(hit, "title", text=title, top=1, minscore=1)
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
                lang=fields.get("language"),
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
            corrected_q = expand_patterns(user_query(corrected, self.languages(s)), reader, budget, self.arrays(s).lexicon)
        except InvalidRequest:
            return None
        if corrected_q is None or corrected_q is wq.NullQuery:
            return None
        # Only worth showing when the respelling finds clearly more (counted with numpy:
        # Whoosh's matchers took 45 ms for the 11,907 articles of 'falling its' at 100k).
        if int(self._mask(s, corrected_q).sum()) <= found * 2:
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

    def highlight(self, text: str, q: str, field: str = "text", language: str | None = None) -> str:
        """The whole text HTML-escaped, with the query's words in <mark> (the article page;
        a q that cannot be read, e.g. with unbalanced quotes, marks nothing). The text is
        analysed in the article's language (its stored tag), as it was indexed, and the
        query as a search reads it for that language (English and the article's readings),
        so "Bundesland" marks "Bundesländern" in a German article."""
        stemming = stemming_language(language)
        try:
            user_q = user_query(q, () if stemming == "english" else (stemming,)) if q else None
        except QuerySyntaxError:
            user_q = None
        if user_q is None:
            return html.escape(text)
        terms = {t for f, t in user_q.iter_all_terms() if f in (field, None)}
        terms = {t.decode() if isinstance(t, bytes) else t for t in terms}
        if not terms:
            return html.escape(text)
        analyzer = _schema()[field].analyzer.in_language(stemming)
        out = highlight.highlight(text, frozenset(terms), analyzer, highlight.WholeFragmenter(charlimit=None),
                                  MarkFormatter(), top=1, minscore=1)
        return out or html.escape(text)

    def suggest(self, q: str, limit: int) -> list[str]:
        from .suggest import suggest

        return suggest(self, q, limit)

    def writer(self, full: bool = False):
        from .indexer import WhooshIndexWriter

        return WhooshIndexWriter(self.root, full)


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
