"""Plain-text cleaning shared by every reader: normalised whitespace, scraper residue
removed, and a title when the source gave none."""

from __future__ import annotations

import re
import unicodedata

# Lines a scraper leaves behind that are not part of the story (whole lines only).
_RESIDUE = re.compile(
    r"^\s*(?:views?|reads?|hits|comments?|likes?|shares?)\s*:\s*[\d,.]+\s*$"
    r"|^\s*(?:share this|share|print|email|tweet|like this|related|advertisement"
    r"|read more|continue reading|click here to subscribe)\s*:?\s*$",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’]?\s+(?=[A-Z\"“'‘(])")

TITLE_MAX = 120


def clean_text(text: str) -> str:
    """Paragraphs separated by one blank line, runs of spaces collapsed, residue dropped."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text)
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n|\n", text):
        line = _SPACES.sub(" ", block).strip()
        if line and not _RESIDUE.match(line):
            paragraphs.append(line)
    return "\n\n".join(paragraphs)


def clean_line(text: str) -> str:
    """One line of metadata (a title, an author): no control characters, single spaces."""
    return _SPACES.sub(" ", _CONTROL.sub("", unicodedata.normalize("NFC", text))).replace("\n", " ").strip()


def _headline_like(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 20 and len(line) <= 200 and line[-1] not in ".,;:"


def split_title(text: str) -> tuple[str, str]:
    """(title, body) for a text that came without a title: a headline-like first line
    becomes the title and leaves the body; otherwise the first sentence, shortened at
    a word boundary, is the title and the body is kept whole."""
    first, _, rest = text.partition("\n\n")
    if rest and _headline_like(first):
        return first, rest
    return shorten(_SENTENCE_END.split(first, 1)[0]), text


def shorten(sentence: str, limit: int = TITLE_MAX) -> str:
    sentence = sentence.strip()
    if len(sentence) <= limit:
        return sentence
    cut = sentence[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—") + "…"
