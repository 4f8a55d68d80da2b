"""The sphinxql backend: the service's index on a Manticore Search (or Sphinx 2.2) cluster,
read through the front node's distributed indexes over the MySQL protocol: one a stemming
language, those the index holds named together, so each stems the query its own way.

A search is three or four round trips to the front: the page's ids (grouped by story when
wire copies are collapsed), the counts over every match (months with their first and last
days, countries, languages, stories, and days when the dates chosen span a month or less)
and the state check as one batch of SELECTs; the page's texts by id, with the other copies
of its stories; then CALL SNIPPETS on the template index of the page's language (one more
a further language, and one more for the days when the matches span a month or less
without such dates chosen). Ranking is the engine's
bm25 over a length normalisation (see RANKER); a plain query that finds too little is
relaxed to a quorum of one word, ranked by how many of the words an article holds. A shard
that does not answer gives a partial result (`partial`, `warnings`); when none answers,
Unavailable. Not supported, and declared absent: wildcards and close spellings,
did-you-mean and search-as-you-type."""

from __future__ import annotations

import html
import math
import re
import time
from collections import Counter
from pathlib import Path

from ...config import DEFAULT_TIME_LIMIT, sphinxql_front, sphinxql_shards
from ...core.backend import Backend, Capability, NoIndex, SearchTimeout, Unavailable
from ...core.facets import country_facet, date_facet, language_facet
from ...core.query import QuerySyntaxError, plan_query, user_tree
from ...core.request import SearchRequest
from ...core.results import Hit, SearchResult
from .cluster import DEFAULT_LANGUAGE, INDEX, rt_index, stemming_code, stop_words, template_index
from .connection import Node, NodeError
from .escape import WORD, integer, integers, literal
from .match import check_supported, highlight_query, relaxed, to_match, words_of
from .rows import (article_dict, article_key, country_code, country_of, day_number, day_of,
                   hit_fields, language_number, language_of, namespace, state_of)

SNIPPET_CHARS = 240
RELATED_CANDIDATES = 40  # an article's most frequent words whose frequencies are looked up
RELATED_TERMS = 12       # the most distinctive of them, any of which a related article holds
LONG_QUERY_ENOUGH = 10   # as the Whoosh backend: a plain query of 4+ words relaxes below this
MAX_MATCHES = 10_000     # per node: the deepest page served (MAX_RESULT_WINDOW) and story groups
DAYS_SPAN = 31           # matches spanning at most this many days are counted by day
# Sphinx's bm25 (per-keyword IDF, saturated term counts) over a length normalisation of
# the article (title_len + body_len words, pivot 100): bm25a()/bm25f() return a constant
# on RT indexes in 2.2.11 (field notes), and without the length an article that names
# Cuba twice in 40 words ranked below one naming it twice in 200. IDF is each shard's
# own (local_df covers local parts only), so the same text on two shards scores a
# little differently.
_BM25 = "bm25*100/(0.5+0.5*(title_len+body_len)/100)"
RANKER = f"ranker=expr('{_BM25}')"
# Relaxed: articles with more of the words first, then as above.
RELAXED_RANKER = f"ranker=expr('doc_word_count*1000000+{_BM25}')"
# Related: the IDF-weighted count of the article's distinctive words each one holds.
RELATED_RANKER = "ranker=expr('sum(tf_idf)*10000')"
ORDER = {"relevance": "WEIGHT() DESC, id ASC", "date": "undated ASC, ts DESC, id ASC",
         "date_asc": "undated ASC, ts ASC, id ASC"}
OPEN, CLOSE = "\ue000", "\ue001"  # snippet marks: private-use characters, removed from texts first


def enough_matches(words: int) -> int:
    """As the Whoosh backend: any match for up to three words, a page's worth beyond."""
    return 1 if words <= 3 else LONG_QUERY_ENOUGH


class SphinxQLBackend(Backend):
    name = "sphinxql"
    capabilities = frozenset({Capability.RELATED})

    def __init__(self, location: Path | str, time_limit: float = DEFAULT_TIME_LIMIT,
                 front: str | None = None, shards: list[str] | None = None) -> None:
        self.location = Path(location)
        self.ns = namespace(self.location)
        self.time_limit = time_limit
        self.front = Node(front or sphinxql_front())
        self._shard_addresses = shards or sphinxql_shards()
        self._shards: list[Node] | None = None
        self._engine: str | None = None
        self._known_state: int | None = None  # the state last seen
        self._languages: tuple[str, ...] = (DEFAULT_LANGUAGE,)  # its languages (rows.state_values)

    def shard_nodes(self) -> list[Node]:
        if self._shards is None:
            self._shards = [Node(a) for a in self._shard_addresses]
        return self._shards

    def close(self) -> None:
        self.front.close_connection()
        for node in self._shards or []:
            node.close_connection()

    # -- the front -------------------------------------------------------------------

    def _batch(self, statements: list[str], warnings: list[str] | None = None) -> list[tuple[list, dict]]:
        """(rows, SHOW META) of each SELECT, sent to the front in one round trip; a warning
        naming an agent (a shard that did not answer: the answer is partial) is added to
        `warnings`. The front down, or every agent failing, is Unavailable."""
        try:
            sets = self.front.batch("; ".join(f"{sql}; SHOW META" for sql in statements))
        except NodeError as e:
            if not e.reachable:
                raise Unavailable(f"the search cluster's front node cannot be reached ({e.detail})") from None
            if "agent" in e.detail:
                raise Unavailable(f"no shard of the search cluster answers ({e.detail})") from None
            if "unknown local index" in e.detail:  # e.g. a front configured before the language indexes
                raise Unavailable(f"the search cluster's front lacks an index ({e.detail}): configure it as "
                                  "docs/deploy-manticore.md says") from None
            raise
        out = [(sets[i], dict(sets[i + 1])) for i in range(0, len(sets), 2)]
        for _, meta in out:
            if warnings is not None and "agent" in meta.get("warning", ""):
                warnings.append(_warning(meta["warning"]))
        return out

    def _read(self, sql: str, warnings: list[str] | None = None) -> tuple[list, dict]:
        return self._batch([sql], warnings)[0]

    def engine(self) -> str:
        """'manticore' or 'sphinx': Manticore answers SHOW STATUS's `version` row, Sphinx 2.2
        has none. The one place the two are told apart (see _country_filter)."""
        if self._engine is None:
            try:
                rows = self.front.query("SHOW STATUS LIKE 'version'")
            except NodeError as e:
                raise Unavailable(f"the search cluster's front node cannot be reached ({e.detail})") from None
            self._engine = "manticore" if any("manticore" in str(r[-1]).lower() for r in rows) else "sphinx"
        return self._engine

    def read_state(self, shards: bool = False) -> int | None:
        """The current index state (None: no index yet), from the shards' state rows."""
        sql = self._state_sql()
        if shards:
            rows = [r for node in self.shard_nodes() for r in node.query(sql)]
        else:
            rows = self._read(sql)[0]
        state = state_of(rows)
        return state[0] if state else None

    def _state_sql(self) -> str:
        return (f"SELECT born, doc FROM {rt_index(DEFAULT_LANGUAGE)} WHERE ns={integer(self.ns)} AND died=0 "
                "LIMIT 0,1000")

    def _state(self, warnings: list[str] | None = None) -> int:
        """The current state; the languages whose indexes it reads become self._languages."""
        state = state_of(self._read(self._state_sql(), warnings)[0])
        if state is None:
            raise NoIndex(f"no index at {self.location} in the cluster at {self.front.address} "
                          "(run news-search index)")
        self._known_state, self._languages = state
        return self._known_state

    @property
    def _indexes(self) -> str:
        """What a read names: the front's distributed index of the one language of the
        state last seen (codes from cluster.MORPHOLOGY only: rows.state_of), else `news`,
        every language index of every shard through one agent a shard. The front's
        indexes of several languages cost twice as much: an agent request a language and
        shard for each statement (docs/languages.md)."""
        if len(self._languages) == 1:
            return rt_index(self._languages[0])
        return INDEX

    def _live(self, current: int) -> str:
        return f"ns={integer(self.ns)} AND born<={integer(current)} AND died>{integer(current)}"

    def generation(self) -> str:
        return f"{self.ns:08x}/{self._state()}"

    # -- search ----------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        start = time.perf_counter()
        tree = user_tree(request.q) if request.q else None
        check_supported(tree)
        warnings: list[str] = []
        by_score = request.sort == "relevance" and tree is not None
        match = to_match(tree) if tree is not None else None
        # The state last seen, checked in the same round trip as the counts (one round trip
        # fewer: 17 % of a search's time); a newer one found means: search again on it.
        current = self._known_state if match is not None or tree is None else None
        if current is None:
            current = self._state(warnings)
        result = SearchResult(request=request, total=0, took_ms=0.0, generation=f"{self.ns:08x}/{current}")
        self._check_time(start)
        base = self._live(current) + _date_filter(request)
        run = None
        if tree is None or match is not None:
            run = self._run(match, base, request, by_score, RANKER, warnings, start, expect=current)
            if run.state != current:
                if run.state is None:
                    self._known_state = None
                    raise NoIndex(f"no index at {self.location} in the cluster at {self.front.address} "
                                  "(run news-search index)")
                self._known_state, self._languages = run.state, run.languages_read
                return self.search(request)
        total = run.total if run else 0
        terms = words_of(tree) if by_score else []
        needed = 1 if plan_query(request.q).exact else enough_matches(len(terms))
        highlight_words = None
        if len(terms) > 1 and total < needed:
            wider = self._run(relaxed(tree), base, request, by_score, RELAXED_RANKER, warnings, start)
            if wider.total > total:
                run, result.relaxed, highlight_words = wider, True, terms
        if run is not None:
            result.total, result.stories = run.total, run.stories
            result.hits = self._hits(run, request, tree, by_score, highlight_words)
            countries, languages, days = run.countries, run.languages, run.days
        else:
            countries, languages, days = Counter(), Counter(), Counter()
        result.facets["country"] = country_facet(countries, request)
        result.facets["language"] = language_facet(languages, request)
        result.facets["date"], result.date_unit = date_facet(days, request)
        result.warnings = list(dict.fromkeys(warnings))
        result.partial = bool(result.warnings)
        self._check_time(start)
        result.took_ms = (time.perf_counter() - start) * 1000
        return result

    def _country_filter(self, request: SearchRequest) -> str:
        """Any of the chosen countries: `country IN (...)` on Sphinx 2.2 (which rejects ANY());
        Manticore wants ANY(country) and warns on the bare form."""
        if not request.country:
            return ""
        codes = integers(country_code(c) for c in request.country)
        column = "ANY(country)" if self.engine() == "manticore" else "country"
        return f" AND {column} IN ({codes})"

    @staticmethod
    def _language_filter(request: SearchRequest) -> str:
        if not request.language:
            return ""
        return f" AND lang IN ({integers(language_number(c) for c in request.language)})"

    def _check_time(self, start: float) -> None:
        if time.perf_counter() - start >= self.time_limit:
            raise SearchTimeout(f"the search took longer than {self.time_limit:g} s; narrow it "
                                "(more words, a country or dates)")

    def _run(self, match: str | None, base: str, request: SearchRequest, by_score: bool, ranker: str,
             warnings: list[str], start: float, expect: int | None = None) -> _Run:
        where = (f"MATCH({literal(match)}) AND " if match else "") + base
        in_countries, in_languages = self._country_filter(request), self._language_filter(request)
        filtered = where + in_countries + in_languages
        order = ORDER[request.sort if by_score or request.sort != "relevance" else "date"]
        # max_matches just deep enough for the page: each shard sends the front max_matches
        # rows (groups), and a shard's top groups are exact in a queue of that size (a
        # group cut from it had a better one above it in every later state of the queue),
        # so the page is the same as with 10,000; its stories' sizes are counted apart
        # (_page_texts). 'will' at 20k articles, page 5: 48 ms with 10,000, 6 ms with 50.
        # The page's ids only: with the string attributes in the select list every row a
        # shard keeps and sends costs more (77 against 27 ms for 'said' at 20k, max_matches
        # 10,000); the texts are read by id afterwards (1 ms, see _hits).
        window = request.offset + request.per_page
        options = f"max_matches={integer(window)}" + (f", {ranker}" if by_score else "")
        group = f" GROUP BY story WITHIN GROUP ORDER BY {order}" if request.collapse else ""
        page = (f"SELECT id, WEIGHT(), story FROM {self._indexes} WHERE {filtered}{group} "
                f"ORDER BY {order} LIMIT {integer(request.offset)},{integer(request.per_page)} OPTION {options}")
        # Counts as GROUP BY, not FACET: FACET on 2.2.11 groups an MVA by its whole list,
        # and Manticore's SHOW META after a FACET describes the facet. The date span is
        # each month's first and last day (month 0: undated).
        statements = [page,
                      f"SELECT GROUPBY(), COUNT(*), MIN(day), MAX(day) FROM {self._indexes} WHERE {filtered} "
                      f"GROUP BY month LIMIT 0,5000 OPTION max_matches=5000",
                      # With countries chosen, counted without the country filter: each value
                      # then says what choosing it would add (the dates still apply); the
                      # same for languages.
                      f"SELECT GROUPBY(), COUNT(*) FROM {self._indexes} WHERE {where + in_languages} "
                      f"GROUP BY country ORDER BY COUNT(*) DESC LIMIT 0,1000 OPTION max_matches=1000",
                      f"SELECT GROUPBY(), COUNT(*) FROM {self._indexes} WHERE {where + in_countries} "
                      f"GROUP BY lang ORDER BY COUNT(*) DESC LIMIT 0,1000 OPTION max_matches=1000",
                      self._stories_sql(filtered)]
        # Dates chosen a month wide or less: the matches' days are counted in this round
        # trip, not in one more after it (_days).
        by_day = request.date_from is not None and request.date_to is not None and \
            day_number(request.date_to) - day_number(request.date_from) <= DAYS_SPAN
        if by_day:
            statements.append(self._days_sql(filtered))
        if expect is not None:
            statements.append(self._state_sql())
        answers = self._batch(statements, warnings)
        (rows, _), (months, _), (countries, _), (languages, _), (stories, stories_meta) = answers[:5]
        run = _Run(rows=rows,
                   countries=Counter({country_of(int(v)): int(n) for v, n in countries}))
        run.languages = Counter({language_of(int(v)): int(n) for v, n in languages})
        run.where = filtered
        if expect is not None:
            state = state_of(answers[-1][0])
            run.state, run.languages_read = state if state else (None, ())
            if run.state != expect:
                return run
        run.total = sum(int(n) for _, n, _, _ in months)
        run.stories = (int(stories_meta.get("total_found", 0)) if self.engine() == "manticore"
                       else sum(int(r[0]) for r in stories))
        self._check_time(start)
        run.days = self._days(filtered, months, answers[5][0] if by_day else None, warnings)
        self._check_time(start)
        return run

    def _stories_sql(self, where: str) -> str:
        """The distinct stories among the matches. Sphinx 2.2: COUNT(DISTINCT story), which
        the front sums over the shards, exact because every copy of a story sits on one
        shard (rows.shard_of): 'will' at 20k articles, 1.4 ms a shard against 27-36 ms
        for the grouping below, which sends every group to the front. Manticore's COUNT(DISTINCT) is approximate past
        distinct_precision_threshold and across an RT index's disk chunks (its manual):
        there, the number of groups of a GROUP BY story (total_found, exact)."""
        if self.engine() == "manticore":
            return (f"SELECT id FROM {self._indexes} WHERE {where} GROUP BY story LIMIT 0,1 "
                    f"OPTION max_matches={MAX_MATCHES}, ranker=none")
        return f"SELECT COUNT(DISTINCT story) FROM {self._indexes} WHERE {where} OPTION ranker=none"

    def _days(self, where: str, months: list[tuple], by_day: list[tuple] | None,
              warnings: list[str]) -> Counter:
        """Matches by day for date_facet: exact days when the matches span a month or
        less (`by_day`: already counted), else month counts under the first and last
        days (the span date_facet reads to choose month or year buckets is then exact too)."""
        days: Counter = Counter()
        counts = {int(m): int(n) for m, n, _, _ in months}
        if counts.get(0):
            days[None] = counts[0]
        dated = sorted(m for m in counts if m)
        if not dated:
            return days
        first = min(int(lo) for m, _, lo, _ in months if int(m))
        last = max(int(hi) for m, _, _, hi in months if int(m))
        if last - first <= DAYS_SPAN:
            rows = by_day if by_day is not None else self._read(self._days_sql(where), warnings)[0]
            days.update({day_of(int(d)): int(n) for d, n in rows})
            return days
        for m in dated:
            key = f"{m // 100:04d}-{m % 100:02d}-15"
            if m == dated[0]:
                key = day_of(first)
            elif m == dated[-1]:
                key = day_of(last)
            days[key] += counts[m]
        return days

    def _days_sql(self, where: str) -> str:
        return (f"SELECT day, COUNT(*) FROM {self._indexes} WHERE {where} AND undated=0 GROUP BY day "
                f"ORDER BY day ASC LIMIT 0,100 OPTION ranker=none")

    def _hits(self, run: _Run, request: SearchRequest, tree, by_score: bool, words: list[str] | None) -> list[Hit]:
        if not run.rows:
            return []
        texts, counts, similar = self._page_texts(run, request)
        rows = [(*r, counts.get(int(r[2]), 1), *texts[int(r[0])]) for r in run.rows if int(r[0]) in texts]
        if not rows:
            return []
        titles = [r[6] for r in rows]
        bodies = [r[7] for r in rows]
        text_q = highlight_query(tree, "text", words) if tree is not None else None
        title_q = highlight_query(tree, "title", words) if tree is not None else None
        # One CALL for both fields when it can (a title shorter than the limit comes back
        # whole); one for each language of the page, on its template index, so that the
        # marks are the words its stemmer matched (a round trip each: Sphinx 2.2 takes
        # only SELECT and SHOW in a multi-statement batch).
        both = bool(text_q) and text_q == title_q and all(len(t) < SNIPPET_CHARS // 2 for t in titles)
        fields = [hit_fields(r[5], r[6], r[8], r[9]) for r in rows]
        codes = [stemming_code(f["lang"], self._languages) for f in fields]
        snippets: list[str | None] = [None] * len(rows)
        marked_titles: list[str | None] = [None] * len(rows)
        calls: list[tuple[list[str], str, int, str]] = []   # (texts, query, limit, language)
        targets: list[list[tuple[list, int]]] = []         # where each call's answers go
        for code in dict.fromkeys(codes):
            at = [i for i, c in enumerate(codes) if c == code]
            if both:
                calls.append(([titles[i] for i in at] + [bodies[i] for i in at], text_q, SNIPPET_CHARS, code))
                targets.append([(marked_titles, i) for i in at] + [(snippets, i) for i in at])
                continue
            if text_q:
                calls.append(([bodies[i] for i in at], text_q, SNIPPET_CHARS, code))
                targets.append([(snippets, i) for i in at])
            if title_q:
                calls.append(([titles[i] for i in at], title_q, 0, code))
                targets.append([(marked_titles, i) for i in at])
        for where, marked in zip(targets, self._snippets(calls)):
            for (target, i), text in zip(where, marked):
                target[i] = text
        hits = []
        for row, f, snippet, title_html in zip(rows, fields, snippets, marked_titles):
            _, weight, story, count, _, aid, title, body, _, _ = row
            others = [o for o in similar.get(story, []) if o["id"] != aid]
            hits.append(Hit(id=aid, title=title, title_html=title_html or html.escape(title),
                            snippet=snippet or html.escape(lead(body)), url=f["url"], source=f["source"],
                            published=f["published"], countries=f["countries"],
                            score=float(weight) if by_score else None, lang=f["lang"],
                            similar=int(count) - 1 if request.collapse else 0, similar_articles=others[:5]))
        return hits

    def _page_texts(self, run: _Run, request: SearchRequest
                    ) -> tuple[dict[int, tuple], dict[int, int], dict[int, list[dict]]]:
        """The page's rows by id (id, aid, title, text, source, doc JSON) and, collapsed, the
        size of each of its stories among the matches and their copies: one round trip.
        A row purged since the page was read (a reindex two states on) is left out."""
        ids = [int(r[0]) for r in run.rows]
        statements = [f"SELECT id, aid, title_s, body_s, source, doc FROM {self._indexes} WHERE id IN ({integers(ids)}) "
                      f"LIMIT 0,{len(ids)}"]
        stories = sorted({int(r[2]) for r in run.rows}) if request.collapse else []
        if stories:
            statements += [f"SELECT GROUPBY(), COUNT(*) FROM {self._indexes} WHERE {run.where} AND story IN "
                           f"({integers(stories)}) GROUP BY story LIMIT 0,{len(stories)} "
                           f"OPTION max_matches={len(stories)}, ranker=none",
                           f"SELECT aid, title_s, source, doc, story FROM {self._indexes} WHERE {run.where} "
                           f"AND story IN ({integers(stories)}) ORDER BY undated ASC, ts DESC, id ASC "
                           f"LIMIT 0,1000 OPTION max_matches=1000, ranker=none"]
        answers = self._batch(statements)
        texts = {int(r[0]): r for r in answers[0][0]}
        counts = {int(v): int(n) for v, n in answers[1][0]} if stories else {}
        out: dict[int, list[dict]] = {}
        for aid, title, source, doc, story in (answers[2][0] if stories else []):
            f = hit_fields(aid, title, source, doc)
            out.setdefault(int(story), []).append({"id": aid, "title": title, "published": f["published"],
                                                   "source": f["source"]})
        return texts, counts, out

    def _snippets(self, calls: list[tuple[list[str], str, int, str]]) -> list[list[str | None]]:
        """CALL SNIPPETS for each (texts, query, limit, language) on the language's template
        index: escaped text, the query's words in <mark> (limit 0: the whole text), None for
        a text without a mark."""
        out = []
        for texts, query, limit, code in calls:
            clean = [t.replace(OPEN, " ").replace(CLOSE, " ") for t in texts]
            rows = self.front.query(
                f"CALL SNIPPETS(({', '.join(literal(t) for t in clean)}), {literal(template_index(code))}, "
                f"{literal(query)}, {literal(OPEN)} AS before_match, {literal(CLOSE)} AS after_match, "
                f"' … ' AS chunk_separator, {integer(limit)} AS limit, 8 AS around, 1 AS query_mode)")
            out.append([_marked(" ".join(r[0].split())) if OPEN in r[0] else None for r in rows])
        return out

    # -- single articles and the whole index -----------------------------------------

    def article(self, article_id: str) -> dict | None:
        row = self._article_row(article_id)
        return article_dict(*row) if row else None

    def _article_row(self, article_id: str) -> tuple | None:
        """(aid, title, text, source, doc JSON) of the live article with this exact id."""
        current = self._state()
        rows = self._read(f"SELECT aid, title_s, body_s, source, doc FROM {self._indexes} WHERE {self._live(current)} "
                          f"AND akey={integer(article_key(article_id))} LIMIT 0,10")[0]
        return next((row for row in rows if row[0] == article_id), None)

    def related(self, article_id: str, limit: int = 5) -> list[dict] | None:
        """Articles like this one, its wire copies left out: its RELATED_TERMS most
        distinctive words (count in the article times log(N / document frequency), the
        frequencies from the engine's SHOW META of a first query), then a quorum of one
        of them ranked by their summed tf-idf. None: no such article."""
        row = self._article_row(article_id)
        if row is None:
            return None
        aid, title, text, _, doc = row
        story = article_key(hit_fields(aid, title, "", doc)["story"])
        stops = stop_words()
        counts = Counter(w for w in WORD.findall(f"{title} {text}".lower())
                         if len(w) > 2 and not w.isdigit() and w not in stops)
        candidates = [w for w, _ in counts.most_common(RELATED_CANDIDATES)]
        if not candidates:
            return []
        live = self._live(self._state())
        quorum = '@(title,body) "' + " ".join(candidates) + '"/1'
        (_, meta), (count, _) = self._batch([
            f"SELECT id FROM {self._indexes} WHERE MATCH({literal(quorum)}) AND {live} LIMIT 0,1",
            f"SELECT COUNT(*) FROM {self._indexes} WHERE {live}"])
        total = max(int(count[0][0]) if count else 1, 1)
        docs = [int(meta.get(f"docs[{i}]", 0)) for i in range(len(candidates))]
        weight = {w: counts[w] * math.log(1 + total / df) for w, df in zip(candidates, docs) if df}
        terms = sorted(weight, key=lambda w: -weight[w])[:RELATED_TERMS]
        if not terms:
            return []
        match = '@(title,body) "' + " ".join(terms) + '"/1'
        rows = self._read(f"SELECT aid, title_s, source, doc, WEIGHT() FROM {self._indexes} WHERE MATCH({literal(match)}) "
                          f"AND {live} AND story!={integer(story)} ORDER BY WEIGHT() DESC, id ASC "
                          f"LIMIT 0,{integer(limit)} OPTION {RELATED_RANKER}")[0]
        out = []
        for aid, title, source, doc, score in rows:
            f = hit_fields(aid, title, source, doc)
            out.append({"id": aid, "title": title, "published": f["published"], "countries": f["countries"],
                        "source": f["source"], "url": f["url"], "score": float(score)})
        return out

    def suggest(self, q: str, limit: int) -> list[str]:
        return []  # no SUGGEST capability: Sphinx 2.2 has no CALL SUGGEST

    def highlight(self, text: str, q: str, field: str = "text", language: str | None = None) -> str:
        """The text with the query's words marked as its language's index matches them
        (its template index), English for a language without one."""
        try:
            tree = user_tree(q) if q else None
        except QuerySyntaxError:
            tree = None
        query = highlight_query(tree, field) if tree is not None else None
        if not query:
            return html.escape(text)
        try:
            if self._known_state is None:  # the languages the index has: those of its state
                self._state()
            ((marked,),) = self._snippets([([text], query, 0, stemming_code(language, self._languages))])
        except (NodeError, NoIndex, Unavailable):
            marked = None
        return marked or html.escape(text)

    def health(self) -> dict:
        warnings: list[str] = []
        current = self._state(warnings)
        rows = self._read(f"SELECT COUNT(*) FROM {self._indexes} WHERE {self._live(current)}", warnings)[0]
        out = {"status": "ok", "articles": int(rows[0][0]) if rows else 0,
               "generation": f"{self.ns:08x}/{current}"}
        if warnings:
            out.update(status="degraded", partial=True, warnings=list(dict.fromkeys(warnings)))
        return out

    def stats(self, top: int = 10) -> dict:
        current = self._state()
        live = self._live(current)
        (articles,), = self._read(f"SELECT COUNT(*) FROM {self._indexes} WHERE {live}")[0]
        dated = self._read(f"SELECT MIN(day), MAX(day), COUNT(*) FROM {self._indexes} WHERE {live} AND undated=0")[0]
        first, last, n_dated = (dated[0] if dated else (0, 0, 0))
        rows = self._read(f"SELECT GROUPBY(), COUNT(*) FROM {self._indexes} WHERE {live} GROUP BY country "
                          f"ORDER BY COUNT(*) DESC LIMIT 0,1000 OPTION max_matches=1000")[0]
        countries = sorted(((country_of(int(v)), int(n)) for v, n in rows), key=lambda t: (-t[1], t[0]))
        size = 0
        for node in self.shard_nodes():
            try:
                for code in self._languages:
                    status = dict(node.query(f"SHOW INDEX {rt_index(code)} STATUS"))
                    size += int(status.get("ram_bytes", 0)) + int(status.get("disk_bytes", 0))
            except NodeError:
                pass
        n_dated = int(n_dated)
        return {"articles": int(articles), "first_day": day_of(int(first)) if n_dated else None,
                "last_day": day_of(int(last)) if n_dated else None, "undated": int(articles) - n_dated,
                "top_countries": countries[:top], "index_bytes": size,
                "index_dir": f"{self.front.address}/{self._indexes} (ns {self.ns:08x})",
                "generation": f"{self.ns:08x}/{current}"}

    def top_sources(self, top: int = 5) -> list[tuple[str, int]]:
        current = self._state()
        rows = self._read(f"SELECT source, COUNT(*) FROM {self._indexes} WHERE {self._live(current)} GROUP BY source "
                          f"ORDER BY COUNT(*) DESC LIMIT 0,1000 OPTION max_matches=1000")[0]
        counts = [(s, int(n)) for s, n in rows if s]
        return sorted(counts, key=lambda t: (-t[1], t[0]))[:top]

    def writer(self, full: bool = False):
        from .writer import SphinxQLWriter

        return SphinxQLWriter(self, full)


class _Run:
    """One statement's page rows and counts (the query's, or its relaxed form's)."""

    def __init__(self, rows: list[tuple], countries: Counter) -> None:
        self.rows, self.countries = rows, countries
        self.languages: Counter = Counter()
        self.total = self.stories = 0
        self.days: Counter = Counter()
        self.where = ""
        self.state: int | None = None  # the index state the cluster reported with the counts
        self.languages_read: tuple[str, ...] = ()  # and its languages


def _date_filter(request: SearchRequest) -> str:
    out = ""
    if request.date_from or request.date_to:
        first = day_number(request.date_from) if request.date_from else -10**6
        last = day_number(request.date_to) if request.date_to else 10**7
        out = f" AND undated=0 AND day>={integer(first)} AND day<={integer(last)}"
    return out




_SPAN = re.compile(f"{OPEN}(.*?){CLOSE}", re.DOTALL)


def _marked(snippet: str) -> str:
    """Escaped, each marked word in its own <mark> (Sphinx marks a phrase as one span, and
    with stopword_step = 0 the stop word before a marked word too: those are unmarked)."""
    stops = stop_words()

    def words(m: re.Match) -> str:
        return WORD.sub(lambda w: w.group() if w.group().lower() in stops else f"{OPEN}{w.group()}{CLOSE}",
                         m.group(1))

    snippet = _SPAN.sub(words, snippet)
    return html.escape(snippet).replace(OPEN, "<mark>").replace(CLOSE, "</mark>")


def _warning(text: str) -> str:
    """An engine's warning as the user is told it."""
    return f"part of the index did not answer ({' '.join(str(text).split())[:300]})"


def lead(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"

