"""Text analysis shared by indexing and querying: tokens, case, accents, stop words, stems.

NewsAnalyzer does in one function what Whoosh's chain RegexTokenizer | LowercaseFilter |
CharsetFilter(accent_map) | StopFilter | stemming does in five generators, with the
same tokens, positions and character ranges (tests/test_analysis.py compares them);
for indexing, the formats below ask it for each word's postings directly, without a
Token object per word, and store positions packed, not pickled (positions.py).
Analysis was about half of what indexing costs."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable

from whoosh.analysis import (Analyzer, CharsetFilter, Filter, LowercaseFilter, RegexTokenizer,
                             StopFilter, Token)
from whoosh.analysis.filters import STOP_WORDS
from whoosh.formats import Characters, Positions
from whoosh.support.charset import accent_map

from ...core.words import MARKS as _MARKS, WORD_CHAR
from . import plurals
from .positions import PackedCharacters, PackedFormat


# A word starts with a letter or digit (text without combining marks splits as it always did).
WORD_PATTERN = rf"\w[\w{_MARKS}]*(?:\.?\w[\w{_MARKS}]*)*"
# Scripts written without spaces between words (Han, kana, Hangul, Thai): a run of them is
# indexed as overlapping bigrams, as Lucene's CJK analyzer does ("人工智能" -> 人工 工智 智能),
# so any word of two characters or more is found without a dictionary; Latin words inside
# such a run are their own tokens ("DeepMind称" -> deepmind 称).
_UNSPACED = ("\u0e00-\u0e7f\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf"
             "\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003ffff")
_HAS_UNSPACED = re.compile(f"[{_UNSPACED}]")
_SPACED_LETTER = f"(?![{_UNSPACED}])\\w"
_SPACED_WORD = f"{_SPACED_LETTER}(?:(?![{_UNSPACED}])[\\w{_MARKS}])*"
_MIXED_PATTERN = re.compile(f"([{_UNSPACED}]+)|{_SPACED_WORD}(?:\\.?{_SPACED_WORD})*")

# Folding beyond Whoosh's accent_map, which leaves Cyrillic, Greek and Arabic as they are:
# ё = е, Greek without tonos or dialytika, Arabic without harakat and tatweel, Hebrew without
# points, decomposed Latin accents without their marks, and the dot that "İ".lower()
# leaves behind (U+0307), which otherwise splits the word in two.
_EXTRA_FOLDING = {ord("ё"): "е", ord("ѐ"): "е",
                  **{ord(a): b for a, b in zip("άέήίόύώϊϋΐΰς", "αεηιουωιυιυσ")},
                  **{c: None for c in (*range(0x064B, 0x0660), 0x0670, 0x0640, *range(0x0300, 0x0370), *range(0x0591, 0x05C8))}}
_FOLDING = {**accent_map, **_EXTRA_FOLDING}


def fold(word: str) -> str:
    """A word in lower case without accents, as the index compares words ("Rodríguez" ->
    "rodriguez", "ёлка" -> "елка"): Whoosh's accent_map, which CharsetFilter applies, plus
    _EXTRA_FOLDING. The suggester folds with it too, so what it completes is spelled as the
    index spells it."""
    return word.lower().translate(_FOLDING)


def words(value: str):
    """(word, start, end) of a text: WORD_PATTERN's matches, and for runs of unspaced
    scripts their overlapping bigrams (a lone character stands alone). Text without such
    scripts or combining marks splits exactly as it always did."""
    expression = _spaced_expression(value)
    if expression is not None:
        for m in expression.finditer(value):
            yield m.group(0), m.start(), m.end()
        return
    for m in _MIXED_PATTERN.finditer(value):
        start, end = m.start(), m.end()
        if m.group(1) is None:
            yield m.group(0), start, end
        else:
            # Characters with their combining marks (Thai vowel signs, kana voicing marks):
            # a bigram never starts or ends inside one.
            units = [i for i in range(start, end) if not unicodedata.category(value[i]).startswith("M")]
            if len(units) == 1:
                yield value[start:end], start, end
            units.append(end)
            for a, c in zip(units, units[2:]):
                yield value[a:c], a, c


def _spaced_expression(value: str) -> re.Pattern | None:
    """The pattern whose matches are all of a text's words when it has no unspaced
    script (None when it has: words() makes bigrams). Most texts have no combining mark:
    the plain \\w pattern, twice as fast as the marked one."""
    special = _SPECIAL.search(value)
    if special is None:
        return _WORD_EXPRESSION
    return None if _HAS_UNSPACED.search(value, special.start()) else _MARKED_EXPRESSION


_MARKED_EXPRESSION = re.compile(WORD_PATTERN)
_WORD_EXPRESSION = re.compile(r"\w+(?:\.?\w+)*")  # WORD_PATTERN for text without combining marks
_SPECIAL = re.compile(f"[{_UNSPACED}{_MARKS}]")


def stemmer(language: str) -> Callable[[str], str]:
    """The stem of a folded word in a Snowball language: Snowball, after the language's
    rule in plurals.BEFORE_SNOWBALL where it has one (Arabic's article)."""
    import Stemmer  # PyStemmer: Snowball in C

    snowball = Stemmer.Stemmer(language, 100_000).stemWord
    before = plurals.BEFORE_SNOWBALL.get(language)
    if before is None:
        return snowball
    return lambda word: snowball(before(word))


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
            stem = self._stem = stemmer(self.language)
        for t in tokens:
            if not t.stopped:
                t.text = stem(t.text)
            yield t


def chain_analyzer():
    """The same analysis as Whoosh filters (the reference NewsAnalyzer is tested against,
    for text without unspaced scripts, whose bigrams no Whoosh tokenizer makes)."""
    return (RegexTokenizer(WORD_PATTERN)
            | LowercaseFilter()
            | CharsetFilter(_FOLDING)
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
        self._stops = frozenset(STOP_WORDS) if self.language == "english" else _stop_words(self.language)
        self._stem = None
        self._words: dict[str, str | None] = {}  # surface word -> stem, None for a stop word
        self._others: dict[str, NewsAnalyzer] = {}

    def in_language(self, language: str | None) -> NewsAnalyzer:
        """The analysis of articles in a Snowball language (its stemmer and stop words);
        this one for None or its own language."""
        if language is None or language == self.language:
            return self
        other = self._others.get(language)
        if other is None:
            other = self._others[language] = NewsAnalyzer(language)
        return other

    def __getstate__(self) -> dict:
        return {"language": self.language}

    def __setstate__(self, state: dict) -> None:
        self.language = state["language"]
        self._setup()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.language == self.language

    def __repr__(self) -> str:
        return f"NewsAnalyzer({self.language!r})"

    def term(self, word: str) -> str | None:
        """The indexed term of a surface word, None for a stop word (cached)."""
        words = self._words
        term = words.get(word, "")
        if term == "":
            folded = fold(word)
            if not folded or folded in self._stops:
                term = None
            else:
                if self._stem is None:
                    self._stem = stemmer(self.language)
                term = self._stem(folded)
            if len(words) < 200_000:
                words[word] = term
        return term

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", no_morph=False, language=None, **kwargs):
        assert isinstance(value, str), f"{value!r} is not unicode"
        language = language or getattr(value, "language", None)
        if language is not None and language != self.language:
            yield from self.in_language(language)(
                value, positions=positions, chars=chars, keeporiginal=keeporiginal, removestops=removestops,
                start_pos=start_pos, start_char=start_char, tokenize=tokenize, mode=mode, no_morph=no_morph,
                **kwargs)
            return
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if tokenize:
            matches = words(value)
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
                t.text = self.term(word)
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
        term_of = self.in_language(getattr(value, "language", None)).term
        pos = None
        for i, (word, start, end) in enumerate(words(value)):
            term = term_of(word)
            if term is None:
                continue
            pos = i if pos is None else pos + 1
            out[term].append((pos, start, end))
        return out

    def term_counts(self, value: str) -> dict[str, int]:
        """term -> occurrences in one text, as postings(value) would count them, without
        positions: a relaxed query's feedback reads its 10 best articles again, and counting
        the regex's words in C takes a third of the time (docs/performance.md)."""
        analyzer = self.in_language(getattr(value, "language", None))
        expression = _spaced_expression(value)
        if expression is None:  # unspaced scripts: words() makes their bigrams
            return {term: len(at) for term, at in analyzer.postings(value).items()}
        counts: dict[str, int] = {}
        term_of = analyzer.term
        for word, n in Counter(expression.findall(value)).items():
            term = term_of(word)
            if term is not None:
                counts[term] = counts.get(term, 0) + n
        return counts


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


class FastCharacters(_OnePass, PackedCharacters, Characters):
    """Whoosh's Characters format (positions and character ranges), values packed."""

    @staticmethod
    def stored(poslist: list) -> list:
        return poslist


class FastPositions(_OnePass, PackedFormat, Positions):
    """Whoosh's Positions format (positions only), values packed."""

    @staticmethod
    def stored(poslist: list) -> list:
        return [p for p, _, _ in poslist]


def text_analyzer() -> NewsAnalyzer:
    return NewsAnalyzer("english")


# ISO 639-1 codes of the languages PyStemmer's Snowball stems.
SNOWBALL = {"ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek",
            "en": "english", "es": "spanish", "et": "estonian", "eu": "basque", "fi": "finnish",
            "fr": "french", "ga": "irish", "hi": "hindi", "hu": "hungarian", "hy": "armenian",
            "id": "indonesian", "it": "italian", "lt": "lithuanian", "nb": "norwegian", "ne": "nepali",
            "nl": "dutch", "nn": "norwegian", "no": "norwegian", "pl": "polish", "pt": "portuguese",
            "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish", "ta": "tamil",
            "tr": "turkish", "yi": "yiddish"}


def snowball_language(code: str | None) -> str | None:
    """The Snowball stemmer of a language tag ("de-AT" -> "german"), None when Snowball has none."""
    return SNOWBALL.get((code or "").split("-")[0].lower())


def stemming_language(language: str | None) -> str:
    """The Snowball language an article's words are stemmed in, from its language tag
    (declared, else detected at extraction: search.ingest.languages); English (as before
    languages counted) when Snowball has no stemmer for it or it is unknown. Indexing,
    the result titles and the article page's highlight all ask it."""
    return snowball_language(language) or "english"


def _stop_words(language: str) -> frozenset[str]:
    """Whoosh's stop words of a Snowball language (16 languages have a list), folded as
    words are; none for the others."""
    from whoosh import lang

    code = next(c for c, name in SNOWBALL.items() if name == language)
    if not lang.has_stopwords(code):
        return frozenset()
    return frozenset(fold(w) for w in lang.stopwords_for_language(code))


class LanguageText(str):
    """A field value whose words are stemmed in `language` (a Snowball name), not the
    schema analyzer's English: how an article's language reaches the analyzer, which
    Whoosh gives only the value. Stored fields get the plain text."""

    def __new__(cls, text: str, language: str) -> LanguageText:
        value = super().__new__(cls, text)
        value.language = language
        return value

    def __reduce__(self):
        return LanguageText, (str(self), self.language)
