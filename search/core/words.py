"""What words are made of, for the query parser and the analyzers alike: letters, digits
and the combining marks that belong to them."""

from __future__ import annotations

import unicodedata


def _marks() -> str:
    """A regex class body of every combining mark (Unicode category M): Arabic harakat,
    Hebrew points, Devanagari vowel signs, decomposed accents. re's \\w leaves them out,
    which cut "हिन्दी" and "الْعَرَبِيَّة" into pieces; a word now keeps its marks."""
    ranges, first, last = [], None, None
    for c in range(0x300, 0x10000):  # BMP only: astral ranges make re test the class range by range
        if unicodedata.category(chr(c)).startswith("M"):
            if first is not None and c == last + 1:
                last = c
                continue
            if first is not None:
                ranges.append((first, last))
            first = last = c
    ranges.append((first, last))
    return "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


MARKS = _marks()
WORD_CHAR = rf"[\w{MARKS}]"  # a letter, digit or combining mark: what words are made of
