"""Every string sent to searchd goes through this module: SQL string literals, the text
of MATCH() and numbers. SphinxQL's lexer knows backslash escapes only (a doubled quote
is a syntax error, measured on 2.2.11) and its full-text syntax has its own operators,
escaped with a backslash before the whole is made a literal. NUL never reaches a node."""

from __future__ import annotations

import re

from ...core.words import WORD_CHAR

# Characters of the full-text syntax (Sphinx 2.2 and Manticore): escaped in MATCH() words.
_MATCH_SPECIAL = re.compile(r"""([\\()|\-!@~"&/^$=<'*?%\[\]{}:+,.;])""")
# What the engine indexes as a word (charset_table: letters, digits, underscore, and the
# marks of Arabic, Hebrew and Devanagari words, which \w alone would cut out).
WORD = re.compile(f"{WORD_CHAR}+")


def literal(text: str) -> str:
    """A quoted SphinxQL string literal holding `text` exactly (NUL removed)."""
    return "'" + text.replace("\x00", "").replace("\\", "\\\\").replace("'", "\\'") + "'"


def match_term(word: str) -> str:
    """One word for a full-text query, its operator characters escaped."""
    return _MATCH_SPECIAL.sub(r"\\\1", word.replace("\x00", ""))


def integer(value) -> str:
    """A number for the SQL text: only ints pass (a bool or str would be an injection risk)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"not an integer: {value!r}")
    return str(value)


def integers(values) -> str:
    """'1,2,3' for IN (...)."""
    return ",".join(integer(v) for v in values)
