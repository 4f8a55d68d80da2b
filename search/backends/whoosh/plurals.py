"""Singular and plural, where Snowball leaves them apart: Spanish "gobierno"/"gobiernos"
(gobiern / gobi), Portuguese "eleição"/"eleições", "lei"/"leis", French "loi"/"lois",
"ami"/"amis", "jeu"/"jeux", Arabic "قانون"/"القانون".

Spanish, Portuguese and French are helped at query time: a query word also searches its
other number's forms (`other_number`), so the index keeps Snowball's terms. Applying
plural rules before Snowball at indexing instead (Lucene's minimal stemmers) split verb
forms that Snowball joins: on Debian's Portuguese word list 310,026 words lost a form they
shared a term with, for 25,554 that gained one (French 18,597 / 4,656); measured with
`bench/eval_plurals.py` (docs/languages.md). Arabic's definite article is a prefix that
Snowball strips on some words and not others: it is removed before Snowball, as Lucene's
ArabicStemmer (Larkey's light10) does; a few verbs that begin with the same letters
(التقى) lose them too, at indexing and in queries alike.

The rules are written for words already folded (lower case, no accents), as the analyzer
hands them over: Spanish is Lucene's SpanishMinimalStemmer, Portuguese the plural step of
RSLP (Orengo & Huyck 2001), as Lucene's PortugueseMinimalStemmer; their plurals are the
regular forms of each grammar."""

from __future__ import annotations

from collections.abc import Callable


def _spanish_singular(word: str) -> str:
    if len(word) < 4 or word[-1] != "s":
        return word
    if word[-2] in "ao":
        return word[:-1]  # gobiernos -> gobierno
    if word[-2] == "e":
        if word.endswith("eses"):
            return word[:-2]  # meses -> mes
        if word[-3] == "c":
            return word[:-3] + "z"  # veces -> vez
        return word[:-2]  # ciudades -> ciudad, leyes -> ley
    return word[:-1]


def _spanish_plurals(word: str) -> tuple[str, ...]:
    if word[-1] in "aeiou":
        return (word + "s",)
    if word[-1] == "z":
        return (word[:-1] + "ces",)  # vez -> veces
    return () if word[-1] in "sx" else (word + "es",)  # ciudad -> ciudades


# RSLP's plural step: (suffix, shortest stem left, replacement, exceptions), the first rule
# that applies wins. Folded, so "ões" is "oes" and "país" is "pais" (made an exception).
_PORTUGUESE = (
    ("ns", 1, "m", ()),  # homens -> homem
    ("oes", 3, "ao", ()),  # eleições -> eleição
    ("aes", 1, "ao", ("maes",)),  # pães -> pão
    ("ais", 1, "al", ("cais", "mais", "pais")),  # hospitais -> hospital
    ("eis", 2, "el", ()),  # papéis -> papel
    ("ois", 2, "ol", ("dois", "pois", "depois")),  # lençóis -> lençol
    ("is", 2, "il", ("lapis", "cais", "mais", "crucis", "biquinis", "pois", "depois", "dois", "leis", "pais")),
    ("les", 3, "l", ()),  # males -> mal
    ("res", 3, "r", ("arvores",)),  # mares -> mar
    ("s", 2, "", ("alias", "pires", "lapis", "cais", "mais", "mas", "menos", "ferias", "fezes", "pesames",
                  "crucis", "gas", "atras", "moises", "atraves", "conves", "pais", "apos", "ambas", "ambos",
                  "messias", "depois")),
)


def _portuguese_singular(word: str) -> str:
    if len(word) < 3 or word[-1] != "s":
        return word
    for suffix, shortest, replacement, exceptions in _PORTUGUESE:
        if word.endswith(suffix) and len(word) - len(suffix) >= shortest and word not in exceptions:
            return word[:-len(suffix)] + replacement
    return word


def _portuguese_plurals(word: str) -> tuple[str, ...]:
    if word.endswith("ao"):
        return (word[:-2] + "oes", word[:-2] + "aes", word + "s")  # eleição -> eleições
    if word[-1] == "l" and len(word) > 2:
        return (word[:-1] + ("s" if word[-2] == "i" else "is"),)  # hospital -> hospitais
    if word[-1] == "m":
        return (word[:-1] + "ns",)  # homem -> homens
    if word[-1] in "rz" or (word[-1] == "s" and len(word) <= 3):
        return (word + "es",)  # mar -> mares, mês -> meses
    return () if word[-1] in "sx" else (word + "s",)


def _french_singular(word: str) -> str:
    if len(word) < 4:
        return word
    if word[-1] == "x" and word[-2] == "u" and word[-3] in "aeo":
        if word.endswith("aux") and not word.endswith("eaux"):
            return word[:-2] + "l"  # journaux -> journal
        return word[:-1]  # jeux -> jeu, bijoux -> bijou
    return word[:-1] if word[-1] == "s" else word  # lois -> loi


def _french_plurals(word: str) -> tuple[str, ...]:
    if word.endswith("al"):
        return (word[:-1] + "ux", word + "s")  # journal -> journaux
    if word.endswith(("au", "eu")):
        return (word + "x",)  # jeu -> jeux
    if word.endswith("ou"):
        return (word + "s", word + "x")  # trou -> trous, bijou -> bijoux
    return () if word[-1] in "sxz" else (word + "s",)  # loi -> lois


_RULES: dict[str, tuple[Callable[[str], str], Callable[[str], tuple[str, ...]]]] = {
    "spanish": (_spanish_singular, _spanish_plurals),
    "portuguese": (_portuguese_singular, _portuguese_plurals),
    "french": (_french_singular, _french_plurals),
}


def other_number(language: str, word: str) -> tuple[str, ...]:
    """The other number's regular forms of a folded word in a Snowball language: the
    singular of a plural, the plurals of a singular; none where the language has no rules
    here (Snowball already joins them, or this module does not know its grammar)."""
    rules = _RULES.get(language)
    if rules is None or len(word) < 3:
        return ()
    singular, plurals = rules
    if word[-1] in "sx":
        one = singular(word)
        if one != word:
            return (one,)
    return plurals(word)


_ARABIC_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")


def _arabic_without_article(word: str) -> str:
    for prefix in _ARABIC_ARTICLES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            return word[len(prefix):]  # القانون -> قانون
    return word


# Applied to a folded word before Snowball, at indexing and in queries alike.
BEFORE_SNOWBALL: dict[str, Callable[[str], str]] = {"arabic": _arabic_without_article}
