"""Authors and source names as an editor would file them.

An author field in the wild holds far more than names: 'By Jane Doe, Staff Writer',
'Dan Goodin - Apr 16, 2015 8:02 pm UTC', 'https://www.facebook.com/janedoe', the site's
own name.  clean_authors keeps person names only, several as a list; clean_source turns
a URL given as a publication's name into its domain without scheme and "www.".
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["clean_authors", "clean_source", "join_authors", "split_authors", "MAX_AUTHORS"]

MAX_AUTHORS = 8

# Between names, or between a name and what follows it (a date, a title, the site).
_SPLIT = re.compile(r"\s*(?:[,;|/()\n•·]|\s[-–—]\s|\s(?:and|And|AND|und|et|e|&)\s|"
                    r"(?<![^\s(])(?:with|avec|mit|con|com)\s|"
                    r"(?<=[a-z]{2})\.\s)\s*")  # 'Finian Cunningham. Sputnik', not 'J. R. R.' or 'Mr.'

_PREFIX = re.compile(r"^(?:(?:written|reported|words|text|story|posted|photos?)\s+)?"
                     r"(?:by|von|par|por|di|door|av|af)\b\s*:?\s*", re.IGNORECASE)
# Words that make a part a job title, an organisation or a date, not a name.  A name followed
# by one of them keeps the words before it ('Jane Doe Senior Correspondent' -> 'Jane Doe').
_NOT_NAME_WORDS = frozenset("""
    correspondent correspondents reporter reporters editor editors writer writers columnist
    contributor contributors contributing staff journalist journalists author authors producer
    analyst photographer photographers critic chief senior associate deputy managing political
    foreign business science technology tech sports news newsroom desk bureau team agency
    agencies press wire service services media group online digital magazine daily times post
    herald tribune journal weekly editorial opinion guest special updated published posted
    modified min mins minute minutes read ago follow twitter email share comments view profile
    more articles stories the a an of in at on for with from inc ltd llc corp co com
    january february march july september october november december
    feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
    saturday sunday today yesterday am pm utc gmt est edt pst pdt bst cet
    ma md phd mba msc bsc rn health national international ap afp upi dpa ians pti
""".split())
# Month names that are also first names (June, April, August, Jan) are not in the list above.
# Lower-case words that belong inside names ('Ursula von der Leyen', 'Luiz Inácio Lula da Silva').
_PARTICLES = frozenset("de del della der den di da das do dos du la le van von ter bin ibn al el "
                       "y zu st".split())
# Parts of hyphenated job titles ('Editor-at-large', 'Writer-in-residence'); a hyphenated
# name ('Kim Min-jun') may hold other listed words ('jun').
_JOB_WORDS = frozenset("editor writer reporter correspondent staff contributor columnist chief".split())
_DOMAIN_WORD = re.compile(r"\w\.(?:com|org|net|co|info|news)\b", re.IGNORECASE)
_HONORIFICS = frozenset("dr prof professor mr mrs ms miss sir dame lord lady rev".split())
_NAME_WORD = re.compile(r"^(?:[^\W\d_][\w'’.-]*|[^\W\d_]\.)$")


_STRIP = " \t\"'“”‘’()[]:,-–—"
_DIGIT = re.compile(r"\d")
# Scripts written without spaces between given and family name (CJK): one word is a name.
_UNSPACED_SCRIPT = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _name(part: str) -> str | None:
    """part as a person's name, or None when it is not one (1 word, a URL, ...); what follows
    a name in the same part is cut off at its first digit ('Lucas Nolan22 Dec 2016')."""
    part = _PREFIX.sub("", part.strip(_STRIP + "."))
    if "@" in part or "://" in part or "www." in part:
        return None
    digit = _DIGIT.search(part)
    part = (part[:digit.start()] if digit else part).strip(_STRIP)
    if _UNSPACED_SCRIPT.search(part):
        return part if len(part.split()) == 1 and len(part) <= 12 else None
    words = part.split()
    while words and words[0].lower().rstrip(".") in _HONORIFICS:
        words.pop(0)
    kept: list[str] = []
    for word in words:
        lower = word.lower().strip(".")
        if lower in _NOT_NAME_WORDS or any(w in _JOB_WORDS for w in lower.split("-")) \
                or _DOMAIN_WORD.search(word):
            break  # 'CNN Editor-at-large', 'Jane Doe JPost.com'
        kept.append(word)
    if len(kept) < 2 or len(kept) > 5:
        return None
    for word in kept:
        if not _NAME_WORD.match(word):
            return None
        if word[0].islower() and word.lower() not in _PARTICLES:
            return None
    if kept[0][0].islower():
        return None
    if all(w.isupper() for w in kept if len(w.strip(".")) > 1):  # 'MEG KINNARD' -> 'Meg Kinnard'
        kept = [w if len(w.strip(".")) == 1 else w.capitalize() for w in kept]
    return " ".join(kept)


def clean_authors(value: str | list[str] | None, *, site: str | None = None) -> list[str]:
    """The person names in an author value (a string or a list of them), in order, without
    repeats, the site's own name, dates, job titles, "By" and URLs."""
    if not value:
        return []
    values = value if isinstance(value, list) else [value]
    site_key = (site or "").casefold()
    names: list[str] = []
    for v in values:
        if not isinstance(v, str):
            continue
        for part in _SPLIT.split(" ".join(v.split())):
            name = _name(part)
            if name and name.casefold() != site_key and name not in names:
                names.append(name)
    return names[:MAX_AUTHORS]


def join_authors(names: list[str]) -> str | None:
    """The one string an Article keeps ('Jane Doe, John Smith'); names never hold a comma."""
    return ", ".join(names) or None


def split_authors(value: str | None) -> list[str]:
    """join_authors undone."""
    return [n for n in (value or "").split(", ") if n]


_DOMAIN = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}$", re.IGNORECASE)


def clean_source(value: str | None) -> str | None:
    """The publication's name as given, except a URL or bare domain, which becomes the
    domain without scheme and "www." ('http://www.tmz.com' -> 'tmz.com'); what follows a
    " | " is dropped ('LinkNaija | Nigeria's popular news platform', 'Autoracing | F1 |
    Indy')."""
    value = " ".join((value or "").split()).split(" | ")[0].strip()
    if not value:
        return None
    candidate = value if "://" in value else ("//" + value if _DOMAIN.match(value.split("/")[0]) else "")
    if candidate:
        host = urlsplit(candidate).hostname
        if host:
            return host[4:] if host.startswith("www.") else host
    return value
