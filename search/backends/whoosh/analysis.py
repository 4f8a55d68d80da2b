"""Text analysis shared by indexing and querying: tokens, case, accents, stop words, stems.

NewsAnalyzer does in one function what Whoosh's chain RegexTokenizer | LowercaseFilter |
CharsetFilter(accent_map) | StopFilter | stemming does in five generators, with the
same tokens, positions and character ranges (tests/test_analysis.py compares them);
for indexing, the formats below ask it for each word's postings directly, without a
Token object per word. Analysis was about half of what indexing costs."""

from __future__ import annotations

import re
from collections import defaultdict

from whoosh.analysis import (Analyzer, CharsetFilter, Filter, LowercaseFilter, RegexTokenizer,
                             StopFilter, Token)
from whoosh.analysis.filters import STOP_WORDS
from whoosh.formats import Characters, Positions
from whoosh.support.charset import accent_map

WORD_PATTERN = r"\w+(?:\.?\w+)*"


def fold(word: str) -> str:
    """A word in lower case without accents, as the index compares words ("Rodríguez" ->
    "rodriguez"): Whoosh's accent_map, which CharsetFilter applies. The suggester folds
    with it too, so what it completes is spelled as the index spells it."""
    return word.lower().translate(accent_map)


def _stemmer(language: str):
    import Stemmer  # PyStemmer: Snowball in C

    return Stemmer.Stemmer(language, 100_000).stemWord


class SnowballStemFilter(Filter):
    """Snowball (Porter 2) stemming through PyStemmer's C code: Whoosh's pure-Python
    stemmer is a large share of indexing time. Kept picklable because Whoosh stores
    the schema, analyzers included, in the index."""

    is_morph = True

    def __init__(self, language: str = "english") -> None:
        self.language = language
        self._stem = None

    def __getstate__(self) -> dict:
        return {"language": self.language}

    def __setstate__(self, state: dict) -> None:
        self.language = state["language"]
        self._stem = None

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.language == self.language

    def __call__(self, tokens):
        stem = self._stem
        if stem is None:
            stem = self._stem = _stemmer(self.language)
        for t in tokens:
            if not t.stopped:
                t.text = stem(t.text)
            yield t


def chain_analyzer():
    """The same analysis as Whoosh filters (the reference NewsAnalyzer is tested against)."""
    return (RegexTokenizer(WORD_PATTERN)
            | LowercaseFilter()
            | CharsetFilter(accent_map)
            | StopFilter(stoplist=STOP_WORDS, minsize=1)
            | SnowballStemFilter("english"))


class NewsAnalyzer(Analyzer):
    """Words folded to lower case without accents ("Rodríguez" -> "rodriguez"),
    English stop words removed (later words renumbered to close the gap, as Whoosh's
    StopFilter does), Snowball stems ("ministers" -> "minist")."""

    is_morph = True

    def __init__(self, language: str = "english") -> None:
        self.language = language
        self._setup()

    def _setup(self) -> None:
        self._expression = re.compile(WORD_PATTERN)
        self._stops = frozenset(STOP_WORDS)
        self._stem = None
        self._words: dict[str, str | None] = {}  # surface word -> stem, None for a stop word

    def __getstate__(self) -> dict:
        return {"language": self.language}

    def __setstate__(self, state: dict) -> None:
        self.language = state["language"]
        self._setup()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.language == self.language

    def __repr__(self) -> str:
        return f"NewsAnalyzer({self.language!r})"

    def _term(self, word: str) -> str | None:
        """The indexed term of a surface word, None for a stop word (cached)."""
        words = self._words
        term = words.get(word, "")
        if term == "":
            folded = fold(word)
            if not folded or folded in self._stops:
                term = None
            else:
                if self._stem is None:
                    self._stem = _stemmer(self.language)
                term = self._stem(folded)
            if len(words) < 200_000:
                words[word] = term
        return term

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", no_morph=False, **kwargs):
        assert isinstance(value, str), f"{value!r} is not unicode"
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if tokenize:
            matches = ((m.group(0), m.start(), m.end()) for m in self._expression.finditer(value))
        else:
            matches = iter([(value, 0, len(value))])
        pos = None
        for i, (word, start, end) in enumerate(matches):
            folded = fold(word)
            stopped = not folded or folded in self._stops
            if stopped and removestops:
                continue
            t.boost = 1.0
            t.stopped = stopped
            if keeporiginal:
                t.original = word
            if stopped or no_morph:
                t.text = folded
            else:
                t.text = self._term(word)
            if positions:
                if stopped:
                    t.pos = start_pos + i
                else:
                    pos = start_pos + i if pos is None else pos + 1
                    t.pos = pos
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t

    def postings(self, value: str) -> dict[str, list[tuple[int, int, int]]]:
        """term -> [(position, startchar, endchar)] of one text, as the tokens of
        __call__(value, positions=True, chars=True) would give them."""
        out: dict[str, list] = defaultdict(list)
        term_of = self._term
        pos = None
        for i, m in enumerate(self._expression.finditer(value)):
            term = term_of(m.group(0))
            if term is None:
                continue
            pos = i if pos is None else pos + 1
            out[term].append((pos, m.start(), m.end()))
        return out


class _OnePass:
    """A format fed by NewsAnalyzer.postings when indexing (one pass over the text, not
    Whoosh's filter chain per field); other uses go through Whoosh's own word_values."""

    def word_values(self, value, analyzer, **kwargs):
        if not isinstance(analyzer, NewsAnalyzer) or not isinstance(value, str) or kwargs.get("mode") != "index":
            yield from super().word_values(value, analyzer, **kwargs)
            return
        fb = self.field_boost
        for w, poslist in analyzer.postings(value).items():
            yield (w, len(poslist), float(len(poslist)) * fb, self.encode(self.stored(poslist)))


class FastCharacters(_OnePass, Characters):
    """Whoosh's Characters format: positions and character ranges."""

    @staticmethod
    def stored(poslist: list) -> list:
        return poslist


class FastPositions(_OnePass, Positions):
    """Whoosh's Positions format: positions only."""

    @staticmethod
    def stored(poslist: list) -> list:
        return [p for p, _, _ in poslist]


def text_analyzer() -> NewsAnalyzer:
    return NewsAnalyzer("english")
