"""Search-as-you-type suggestions: the query with its last word completed, and titles.

`suggest(engine, q)` completes the word being typed (the trailing word characters of
`q`) in two ways:

- **words**: real words of article titles that start with the typed prefix, plus index
  terms (stems) with that prefix shown as a word some article really uses; ranked
  by how many articles contain the word (document frequency in `text`). The
  suggestion is the whole query with its last word completed ("foreign mini" ->
  "foreign minister").
- **titles**: article titles with a word starting with the prefix and every earlier
  content word of the query (compared by stem), newest first. A title is turned into
  a plain query (operator characters such as quotes, `?`, `*`, `:` removed) so that
  submitting it always searches.

Everything is precomputed once per index generation (about 0.3 s for 15,000
articles) and kept beside the WhooshBackend, so a keystroke costs a few binary searches.
This module only reads the index through `engine.searcher()`.
"""

from __future__ import annotations

import heapq
import re
import threading
import unicodedata
import weakref
from bisect import bisect_left
from collections import Counter, defaultdict

from ...core.query import OPERATORS
from ...core.request import MAX_SUGGEST_QUERY, SUGGEST_LIMIT
from .analysis import WORD_CHAR, WORD_PATTERN, fold

MAX_TITLE_CHARS = 120  # title suggestions are cut at a word boundary past this
MIN_TERM_DOCS = 2  # index terms in fewer articles are typos, codes or one-offs
TOGETHER_TITLES = 2000  # titles looked at for words that go with the query's earlier words

# Words split and folded as the index analyzer splits and folds them.
_TOKEN = re.compile(WORD_PATTERN)
_LAST_WORD = re.compile(rf"{WORD_CHAR}+$")
_WORD = re.compile(rf"{WORD_CHAR}+")
# Characters that would make a title read as query syntax ("Who won?" is a wildcard).
_OPERATOR_CHARS = re.compile(r"[\"*?~^()\[\]{}:\\]")
_LEADING_SIGN = re.compile(r"(^|\s)[-+]+(?=\S)")
_BOOLEAN = re.compile(rf"\b(?:{'|'.join(OPERATORS)})\b")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _has_letter(word: str) -> bool:
    return any(ch.isalpha() for ch in word)


def title_query(title: str) -> str:
    """A title as a plain query that searches for its words: no operator syntax."""
    text = _NOT_XML.sub(" ", title)
    text = _OPERATOR_CHARS.sub(" ", text)
    text = _LEADING_SIGN.sub(r"\1", text)
    text = _BOOLEAN.sub(lambda m: m.group(0).lower(), text)
    text = " ".join(text.split())
    if len(text) > MAX_TITLE_CHARS:
        text = text[:MAX_TITLE_CHARS].rsplit(" ", 1)[0]
    return text


class Suggester:
    """Tables for one searcher generation."""

    def __init__(self, searcher) -> None:
        from ...core.query import function_words
        from .schema import make_schema

        self.searcher = searcher
        reader = searcher.reader()
        analyzer = make_schema()["text"].analyzer
        stem_cache: dict[str, str | None] = {}

        def stem(folded: str) -> str | None:
            if folded not in stem_cache:
                tokens = [t.text for t in analyzer(folded)]
                stem_cache[folded] = tokens[0] if len(tokens) == 1 else None
            return stem_cache[folded]

        # Index terms of the body with their document frequency, sorted for prefix ranges.
        terms: list[tuple[str, int]] = []
        for raw, info in reader.iter_field("text"):
            df = info.doc_frequency()
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            if df >= MIN_TERM_DOCS:
                terms.append((text, df))
        terms.sort()
        self._terms = [t for t, _ in terms]
        self._term_df = [df for _, df in terms]
        df_of = dict(terms)

        # Titles, newest first, with their words.
        docs = []
        for _, fields in reader.iter_docs():
            title = fields.get("title") or ""
            if title.strip():
                docs.append((fields.get("published_iso") or "", title))
        docs.sort(key=lambda d: d[0], reverse=True)  # ISO dates sort as text; undated ("") last

        folded: dict[str, str] = {}
        word_count: Counter = Counter()  # folded title word -> titles using it
        word_titles: dict[str, list[int]] = defaultdict(list)  # folded word -> title numbers
        stem_titles: dict[str, set[int]] = defaultdict(set)
        self._titles: list[str] = []
        self._title_words: list[frozenset[str]] = []
        seen_titles: set[str] = set()
        for _, title in docs:
            query = title_query(title)
            key = query.casefold()
            if not query or key in seen_titles:
                continue  # wire copies repeat titles: one suggestion each
            seen_titles.add(key)
            n = len(self._titles)
            self._titles.append(query)
            words = set()
            for token in _TOKEN.findall(title):
                w = folded.get(token)
                if w is None:
                    w = folded[token] = fold(token)
                words.add(w)
            self._title_words.append(frozenset(words))
            for w in words:
                word_titles[w].append(n)
                word_count[w] += 1
                s = stem(w)
                if s is not None:
                    stem_titles[s].add(n)
        self._word_titles = dict(word_titles)
        self._stem_titles = dict(stem_titles)
        self._stem = stem

        # The usual title spelling of each stem ("minist" -> "minister").
        skip = function_words()
        best: dict[str, tuple[int, str]] = {}
        for w, c in word_count.items():
            s = stem(w)
            if s is not None and w not in skip and _has_letter(w) and (s not in best or c > best[s][0]):
                best[s] = (c, w)
        self._surface: dict[str, str] = {s: w for s, (_, w) in best.items()}
        # Title words sorted for prefix ranges, with their stem, its document
        # frequency in the body, and how many titles use that spelling.
        words_sorted = sorted(w for w in word_titles if w not in skip and stem(w) is not None)
        self._words = words_sorted
        self._word_stem = [stem(w) for w in words_sorted]
        self._word_rank = [(df_of.get(s, 0), word_count[w]) for w, s in zip(words_sorted, self._word_stem)]
        self._skip = skip
        self._lock = threading.Lock()
        self._text_surface: dict[str, str | None] = {}

    # -- completions ----------------------------------------------------------

    def words(self, prefix: str, limit: int, together: dict[str, tuple[int, str]] | None = None) -> list[str]:
        """Real words starting with `prefix` (folded), one per stem, the stems in most
        articles first; `together` (stem -> (titles, word)) ranks first the words
        that share titles with the query's earlier words. Function words are left
        out (plain queries drop them), and numbers unless the prefix is one."""
        numbers = not _has_letter(prefix)
        ranked: dict[str, tuple[tuple[int, ...], str]] = {}  # stem -> (rank, word)
        for s, (count, w) in (together or {}).items():
            if s not in self._skip:
                w = self._surface.get(s, w) if self._surface.get(s, "").startswith(prefix) else w
                ranked[s] = ((count, self._term_df_of(s), 0), w)
        lo = bisect_left(self._words, prefix)
        hi = bisect_left(self._words, prefix + "\U0010ffff")
        for i in heapq.nlargest(limit * 3, range(lo, hi), key=self._word_rank.__getitem__):
            w, s, rank = self._words[i], self._word_stem[i], (0, *self._word_rank[i])
            if s in self._skip or not (numbers or _has_letter(w)):
                continue
            if s not in ranked or rank > ranked[s][0]:
                ranked[s] = (rank, w)
        lo = bisect_left(self._terms, prefix)
        hi = bisect_left(self._terms, prefix + "\U0010ffff")
        for i in heapq.nlargest(limit * 2, range(lo, hi), key=self._term_df.__getitem__):
            s = self._terms[i]
            if s in ranked or s in self._skip or not (numbers or _has_letter(s)):
                continue
            w = self._surface_of(s)
            if w and w.startswith(prefix) and w not in self._skip:
                ranked[s] = ((0, self._term_df[i], 0), w)
        order = sorted(ranked.values(), key=lambda rw: (tuple(-x for x in rw[0]), rw[1]))
        return [w for _, w in order[:limit]]

    def _term_df_of(self, stem: str) -> int:
        i = bisect_left(self._terms, stem)
        return self._term_df[i] if i < len(self._terms) and self._terms[i] == stem else 0

    def _together(self, prefix: str, before: list[str]) -> dict[str, tuple[int, str]]:
        """Stems of words starting with `prefix` in titles that hold every stem of
        `before`: stem -> (how many such titles, one spelling)."""
        sets = [self._stem_titles.get(s, set()) for s in before]
        candidates = set.intersection(*sorted(sets, key=len))
        out: dict[str, tuple[int, str]] = {}
        for n in sorted(candidates)[:TOGETHER_TITLES]:
            for w in self._title_words[n]:
                if w.startswith(prefix):
                    s = self._stem(w)
                    if s is not None and s not in before and (_has_letter(w) or not _has_letter(prefix)):
                        count, _ = out.get(s, (0, w))
                        out[s] = (count + 1, w)
        return out

    def _surface_of(self, stem: str) -> str | None:
        """A word that an article really uses for this stem: from the titles, else from
        the text of the first article that has it (looked up once, then remembered)."""
        word = self._surface.get(stem)
        if word is not None:
            return word
        with self._lock:
            if stem in self._text_surface:
                return self._text_surface[stem]
        found = None
        postings = self.searcher.postings("text", stem)
        if postings.is_active():
            text = self.searcher.stored_fields(postings.id()).get("text", "")
            for m in _TOKEN.finditer(text):
                token = fold(m.group(0))
                if token.startswith(stem[:3]) and self._stem(token) == stem:
                    found = token
                    break
        with self._lock:
            self._text_surface[stem] = found
        return found

    def titles(self, prefix: str, before: list[str], limit: int) -> list[str]:
        """Titles with a word starting with `prefix` (folded) and every stem in
        `before`, newest first."""
        if before:
            sets = [self._stem_titles.get(s, set()) for s in before]
            candidates = set.intersection(*sorted(sets, key=len))
            if prefix:
                candidates = {n for n in candidates if any(w.startswith(prefix) for w in self._title_words[n])}
            return [self._titles[n] for n in sorted(candidates)[:limit]]
        if not prefix:
            return []
        lo = bisect_left(self._words, prefix)
        hi = bisect_left(self._words, prefix + "\U0010ffff")
        lists = [self._word_titles[self._words[i]] for i in range(lo, hi)]
        exact = self._word_titles.get(prefix)  # a numeric prefix is not in _words
        if exact is not None and not any(ch.isalpha() for ch in prefix):
            lists.append(exact)
        out: list[str] = []
        last = -1
        for n in heapq.merge(*lists):
            if n != last:
                out.append(self._titles[n])
                last = n
                if len(out) == limit:
                    break
        return out

    def suggest(self, q: str, limit: int) -> list[str]:
        q = q[:MAX_SUGGEST_QUERY]
        m = _LAST_WORD.search(q)
        head, prefix = (q[:m.start()], fold(m.group(0))) if m else (q, "")
        # Earlier content words (not excluded ones, not field names), as stems.
        before_text = re.sub(r"(^|\s)-\S+", " ", head)
        before_text = re.sub(r"\w+:", " ", before_text)
        before = []
        for w in _WORD.findall(before_text):
            if w in OPERATORS:
                continue
            s = self._stem(fold(w))
            if s is not None and s not in before:
                before.append(s)
        if not prefix and not before:
            return []

        completions = []
        if prefix:
            together = self._together(prefix, before) if before else None
            completions = [head + w for w in self.words(prefix, limit, together)]
        titles = self.titles(prefix, before, limit)
        # Half words, half titles; either fills the other's share when it has fewer.
        words_share = max(limit - len(titles), (limit + 1) // 2)
        out: list[str] = []
        seen = {q.strip().casefold()}
        for s in completions[:words_share] + titles + completions[words_share:]:
            key = s.strip().casefold()
            if key and key not in seen:
                seen.add(key)
                out.append(s)
            if len(out) == limit:
                break
        return out


_tables: "weakref.WeakKeyDictionary[object, tuple[str, Suggester]]" = weakref.WeakKeyDictionary()
_build_lock = threading.Lock()


def suggester(engine) -> Suggester:
    """The tables for the engine's current searcher, built once per index generation."""
    searcher = engine.searcher()
    generation = engine.generation(searcher)
    cached = _tables.get(engine)
    if cached is not None and cached[0] == generation and cached[1].searcher is searcher:
        return cached[1]
    with _build_lock:
        cached = _tables.get(engine)
        if cached is not None and cached[0] == generation and cached[1].searcher is searcher:
            return cached[1]
        built = Suggester(searcher)
        _tables[engine] = (generation, built)
        return built


def suggest(engine, q: str, limit: int = SUGGEST_LIMIT) -> list[str]:
    """Up to `limit` suggestions for what the user is typing (see the module docstring)."""
    q = q or ""
    if not q.strip() or limit <= 0:
        return []
    return suggester(engine).suggest(unicodedata.normalize("NFC", q), limit)
