"""Answering a SearchRequest from the index: hits, counts, facets and snippets.

An Engine keeps one Whoosh searcher open (one per web worker, opened lazily so it
is created after gunicorn forks) and swaps it when a reindex commits or a full
rebuild switches generations, so a running server sees new articles at once."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

from whoosh import collectors, highlight, query as wq
from whoosh.searching import Searcher

from . import store
from .facets import FacetTables, country_facet, date_facet
from .query import SearchRequest, filter_query, parse_query
from .results import Hit, SearchResult

SNIPPET_CHARS = 240
SNIPPET_FRAGMENTS = 2


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


class DocsetTopCollector(collectors.TopCollector):
    """Top N by score that also remembers every match, so the total and the facet
    counts come from the same pass instead of running the query again."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit=limit, usequality=False)

    def _collect(self, global_docnum, score):
        self.docset.add(global_docnum)
        return super()._collect(global_docnum, score)

    def all_ids(self):
        return self.docset

    def count(self):
        return len(self.docset)


class Engine:
    def __init__(self, index_root: Path | str) -> None:
        self.root = Path(index_root)
        self._searcher: Searcher | None = None
        self._gen: Path | None = None
        self._tables: FacetTables | None = None
        self._tables_for: object = None

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
            new = ix.searcher()
            if s is not None:
                s.close()  # the old generation: release its files
        self._searcher, self._gen, self._tables = new, gen, None
        return new

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def facet_tables(self, s: Searcher) -> FacetTables:
        if self._tables is None:
            self._tables = FacetTables(s.reader())
        return self._tables

    def generation(self) -> str:
        s = self.searcher()
        return f"{self._gen.name}/{s.reader().generation()}" if self._gen else ""

    # -- queries ---------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        start = time.perf_counter()
        s = self.searcher()
        user_q = parse_query(request.q)
        filters = filter_query(request)
        if user_q is not None and filters is not None:
            q = wq.And([user_q, wq.ConstantScoreQuery(filters, 0.0)])
        else:
            q = user_q or filters or wq.Every()
        if user_q is wq.NullQuery:  # only stop words: nothing can match
            q = None

        limit = request.offset + request.per_page
        by_score = request.sort == "relevance" and user_q is not None
        # Every match is collected once: the total and the facets come from the same pass.
        top = DocsetTopCollector(limit) if by_score else collectors.UnsortedCollector()
        result = SearchResult(request=request, total=0, took_ms=0.0)
        if q is not None:
            tc = collectors.TermsCollector(top) if user_q is not None else top
            s.search_with_collector(q, tc)
            results = tc.results()
            docs = top.docset
            tables = self.facet_tables(s)
            if not by_score:
                order = tables.newest_first(docs, limit, reverse=request.sort == "date_asc")
                results.top_n = [(None, d) for d in order]
            result.total = len(docs)
            countries, days = tables.count(docs)
        else:
            results, countries, days = None, {}, {}
        result.facets["country"] = country_facet(countries, request)
        result.facets["date"], result.date_unit = date_facet(days, request)
        if results is not None:
            result.hits = self._hits(results, request, scored=by_score)
        if user_q is not None and result.total == 0:
            result.suggestion = self._suggest(s, request.q)
        result.took_ms = (time.perf_counter() - start) * 1000
        return result

    def _hits(self, results, request: SearchRequest, scored: bool) -> list[Hit]:
        results.fragmenter = SnippetFragmenter(maxchars=SNIPPET_CHARS // SNIPPET_FRAGMENTS + 40,
                                                          surround=60, autotrim=True)
        results.formatter = MarkFormatter()
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
        return hits

    def _suggest(self, s: Searcher, q: str) -> str | None:
        """A respelling of the query's unknown words that finds something, or None.
        The index holds stems ("minist"), so each correction is shown as a word
        that really occurs in an article containing that stem ("minister")."""
        analyzer = _schema()["text"].analyzer
        reader = s.reader()
        changed = False

        def respell(m: re.Match) -> str:
            nonlocal changed
            word = m.group(0)
            if word in ("AND", "OR", "NOT", "ANDNOT", "ANDMAYBE") or m.string[m.end():m.end() + 1] == ":":
                return word
            stems = [t.text for t in analyzer(word)]
            if len(stems) != 1 or any(reader.doc_frequency(f, stems[0]) for f in ("title", "text")):
                return word
            for candidate in s.corrector("text").suggest(stems[0], limit=3, maxdist=2):
                surface = _surface_form(s, analyzer, candidate)
                if surface:
                    changed = True
                    return surface
            return word

        parts = q.split('"')  # even parts are outside phrases: phrases are kept as typed
        corrected = '"'.join(_WORD.sub(respell, part) if n % 2 == 0 else part for n, part in enumerate(parts))
        if not changed:
            return None
        found = parse_query(corrected)
        if found is None or found is wq.NullQuery or not s.search(found, limit=1).scored_length():
            return None
        return corrected

    # -- single articles -----------------------------------------------------------

    def article(self, article_id: str) -> dict | None:
        s = self.searcher()
        fields = s.document(id=article_id)
        if fields is None:
            return None
        return article_fields(fields)

    def health(self) -> dict:
        s = self.searcher()
        return {"status": "ok", "articles": s.doc_count(), "generation": self.generation()}

    def stats(self, top: int = 10) -> dict:
        s = self.searcher()
        tables = self.facet_tables(s)
        countries, days = tables.count(s.reader().all_doc_ids())
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
            "generation": self.generation(),
        }


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


def mark_terms(text: str, q: str, field: str = "text") -> str:
    """The whole text HTML-escaped, with the query's words in <mark> (for the article page)."""
    user_q = parse_query(q) if q else None
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


_SCHEMA = None


def _schema():
    global _SCHEMA
    if _SCHEMA is None:
        from .schema import make_schema

        _SCHEMA = make_schema()
    return _SCHEMA


_WORD = re.compile(r"\w+")


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
