"""Text analysis shared by indexing and querying: tokens, case, accents, stop words, stems."""

from __future__ import annotations

from whoosh.analysis import (CharsetFilter, Filter, LowercaseFilter, RegexTokenizer,
                             StopFilter)
from whoosh.analysis.filters import STOP_WORDS
from whoosh.support.charset import accent_map


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
            import Stemmer  # PyStemmer

            stem = self._stem = Stemmer.Stemmer(self.language, 100_000).stemWord
        for t in tokens:
            if not t.stopped:
                t.text = stem(t.text)
            yield t


def text_analyzer():
    """Words folded to lower case without accents ("Rodríguez" -> "rodriguez"),
    English stop words removed, Snowball stems ("ministers" -> "minist")."""
    return (RegexTokenizer(r"\w+(?:\.?\w+)*")
            | LowercaseFilter()
            | CharsetFilter(accent_map)
            | StopFilter(stoplist=STOP_WORDS, minsize=1)
            | SnowballStemFilter("english"))
