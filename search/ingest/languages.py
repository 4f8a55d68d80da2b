"""An article's language: its tag (declared, else detected), the facet's code and label,
and the writing direction a page gives its text.

Codes and names come from pycountry's ISO 639 table, already a dependency for the
countries: langcodes would give nicer names (and autonyms) but adds language-data and a
compiled trie (about 5 MB) for labels only. pycountry's few qualified names are
shortened ("Malay (macrolanguage)" -> "Malay")."""

from __future__ import annotations

import re
from functools import cache

import pycountry

from .. import dependencies

# English's most frequent words: a text where they make up this share of its first words
# is English without asking py3langid (13 ms an article; texts in other languages have
# under 2 % of them, English news 15 to 30 %). Short ASCII texts are English too:
# py3langid guesses at short ASCII titles (28 of CACM's were "German" or "French").
_ENGLISH_MARKERS = frozenset("the of and to that for was with said by on it as at from has have were be this "
                             "are will his her their which after".split())
_ENGLISH_SHARE = 0.06
_SAMPLE_WORDS = 80
_SHORT_WORDS = 20
# A longer plain-ASCII text under the English share is asked about only when it holds
# this many different stop words of one other Latin-script language (jusText's lists,
# words of one letter left out). On the synthetic 100k benchmark corpus 6,451 English
# stories (tables of figures: "Shr 15 cts vs 4 cts Net ...") missed the English share;
# py3langid took 4.5 ms each (over 10 % of the build) and called one "Estonian", which
# made every query of that index be read in Estonian too. On 30,000 such articles the
# tables hold at most 6 (one: "Rio Grande do Sul, Santa Maria" for Portuguese), 5 or
# fewer all others; the stories of bench/eval_languages.py in es, pt, fr and de, accents
# stripped, hold 9 to 11. The `stopwords` package's lists would not do: its Spanish one
# lacks "de" and "que"; jusText's Finnish, Hungarian and Turkish lists (thousands of words,
# names among them) matched English tables, so those three are left out.
_FOREIGN_WORDS = 7
_LATIN_LANGUAGES = ("Danish", "Dutch", "French", "German", "Italian", "Norwegian_Bokmal", "Portuguese",
                    "Spanish", "Swedish")

# Languages written right to left in their usual script, and the scripts that are.
_RTL_LANGUAGES = frozenset("ar he fa ur yi ps sd ug dv ckb syr arc nqo".split())
_RTL_SCRIPTS = frozenset("Arab Hebr Syrc Thaa Nkoo Adlm Rohg Mand Samr".split())
# Codes ISO 639 withdrew that old pages and Java locales still declare.
_WITHDRAWN = {"iw": "he", "in": "id", "ji": "yi"}


def article_language(declared: str | None, text: str) -> str | None:
    """The article's language tag ('en', 'pt-BR', 'zh-Hant'): the declared one when its
    language is a known ISO 639 code (three-letter codes given as their two-letter
    equivalent), else detected from the text; None when the text is too short to tell."""
    tag = canonical_tag(declared)
    if tag:
        return tag
    sample = text[:1000]
    words = sample.lower().split()[:_SAMPLE_WORDS]
    if not words:
        return None
    if sum(w in _ENGLISH_MARKERS for w in words) >= _ENGLISH_SHARE * len(words):
        return "en"
    if sample.isascii() and (len(words) < _SHORT_WORDS or not _reads_as_other_latin(words)):
        return "en"
    from .readers.html import detect_language  # lxml and py3langid: only for these texts

    return canonical_tag(detect_language(text))


def _reads_as_other_latin(words: list[str]) -> bool:
    """Whether lower-cased words hold _FOREIGN_WORDS different stop words of one other
    Latin-script language."""
    return any(len(stops.intersection(words)) >= _FOREIGN_WORDS for stops in _latin_stops())


@cache
def _latin_stops() -> list[frozenset[str]]:
    """The stop words of each Latin-script language listed, without English's."""
    stoplist = dependencies.load("justext").get_stoplist
    english = frozenset(stoplist("English")) | _ENGLISH_MARKERS
    return [frozenset(w for w in stoplist(name) if len(w) > 1) - english for name in _LATIN_LANGUAGES]


def canonical_tag(value: str | None) -> str | None:
    """A BCP 47 tag whose language ISO 639 knows, its two-letter code when there is one
    ('eng-us' -> 'en-US'); None otherwise."""
    from .readers.html_meta import normalise_language  # lxml: not for the request's check

    tag = normalise_language(value)
    if not tag:
        return None
    primary, _, rest = tag.partition("-")
    code = _known(primary)
    return None if code is None else f"{code}-{rest}" if rest else code


def language_code(tag: str | None) -> str | None:
    """The facet's value for a tag: its language's ISO 639-1 code ('pt-BR' -> 'pt'), the
    ISO 639-3 one for a language without ('fil'); None for no or an unknown language."""
    if not tag:
        return None
    return _known(tag.split("-", 1)[0].lower())


def is_language_code(value: str) -> bool:
    """Whether a request's `language` value names a language (either code is accepted)."""
    return bool(re.fullmatch(r"[A-Za-z]{2,3}", value)) and _known(value.lower()) is not None


@cache
def _known(code: str) -> str | None:
    """The two-letter code of a two- or three-letter one, the three-letter one of a
    language without; None when ISO 639 does not know it."""
    code = _WITHDRAWN.get(code, code)
    found = (pycountry.languages.get(alpha_2=code) if len(code) == 2 else
             pycountry.languages.get(alpha_3=code) or pycountry.languages.get(bibliographic=code))
    if found is None:
        return None
    return getattr(found, "alpha_2", None) or found.alpha_3


@cache
def language_label(code: str) -> str:
    """The language's English name ('ar' -> 'Arabic'), the code itself when unknown."""
    found = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
    if found is None:
        return code
    return re.sub(r"\s*\(.*\)$", "", found.name)


def text_direction(tag: str | None) -> str:
    """'rtl' for a language or script written right to left ('ar', 'fa', 'az-Arab'), else 'ltr'."""
    if not tag:
        return "ltr"
    parts = tag.split("-")
    script = next((p for p in parts[1:] if len(p) == 4 and p.isalpha()), None)
    if script:
        return "rtl" if script.title() in _RTL_SCRIPTS else "ltr"
    return "rtl" if parts[0].lower() in _RTL_LANGUAGES else "ltr"
