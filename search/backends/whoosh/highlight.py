"""Snippets and marks: the best passages of an article with the query's words in <mark>,
everything else HTML-escaped (Whoosh's highlighter with our fragmenter, scorer and
formatter; the characters of each word read from the per-segment arrays)."""

from __future__ import annotations

import html

from whoosh import highlight

from . import internals
from .arrays import IndexArrays

SNIPPET_CHARS = 240
SNIPPET_FRAGMENTS = 2


class MarkFormatter(internals.Formatter):
    """Matched words in <mark>, everything else HTML-escaped; "…" where a
    fragment starts or ends inside the text."""

    def format_token(self, text, token, replace=False):
        return "<mark>" + html.escape(highlight.get_text(text, token, replace)) + "</mark>"

    def plain(self, text: str) -> str:
        return html.escape(text)

    def format_fragment(self, fragment, replace=False):
        """Whoosh's, with touching or overlapping matches in one mark: the overlapping
        bigrams of "人工智能" and the halves of a matched "Wi-Fi" read as one word
        (Whoosh dropped the overlapping middle bigram and marked the rest piecewise)."""
        if replace:
            return super().format_fragment(fragment, replace)
        text, spans = fragment.text, []
        for t in fragment.matches:
            if t.startchar is None:
                continue
            if spans and text[spans[-1][1]:t.startchar] in ("", "-"):
                spans[-1][1] = max(spans[-1][1], t.endchar)
            elif not spans or t.startchar > spans[-1][1]:
                spans.append([t.startchar, t.endchar])
        output, index = [], fragment.startchar
        for start, end in spans:
            output.append(self.plain(text[index:start]))
            output.append("<mark>" + html.escape(text[start:end]) + "</mark>")
            index = end
        output.append(self.plain(text[index:fragment.endchar]))
        return "".join(output)

    def format(self, fragments, replace=False):
        parts = []
        for f in fragments:
            body = self.format_fragment(f, replace=replace).strip()
            lead = "… " if f.startchar > 0 else ""
            trail = " …" if f.endchar < len(f.text) else ""
            parts.append(lead + body + trail)
        return " ".join(parts).replace("… …", "…")


class SnippetFragmenter(internals.PinpointFragmenter):
    """Whoosh's autotrim always drops the first and last word of a fragment, even
    at the start or end of the text (losing the dateline city): trim only words
    the fragment actually cuts."""

    @staticmethod
    def trim(fragment) -> None:
        text, start, end = fragment.text, fragment.startchar, fragment.endchar
        if start > 0 and not text[start - 1].isspace():
            space = text.find(" ", start, end)
            if space >= 0:
                start = space + 1
        if end < len(text) and not text[end].isspace():
            space = text.rfind(" ", start, end)
            if space > start:
                end = space
        if fragment.matches:
            start = min(start, fragment.matches[0].startchar)
            end = max(end, fragment.matches[-1].endchar)
        fragment.startchar, fragment.endchar = start, end


class SnippetScorer(highlight.BasicFragmentScorer):
    """Whoosh's scorer, with ties going to the earlier fragment: Whoosh breaks them by
    the fragments' memory addresses, so the same hit could get a different snippet
    from one request to the next."""

    def __call__(self, f):
        return super().__call__(f) - f.startchar * 1e-9


class ArrayHighlighter(internals.Highlighter):
    """Pinpoint highlighting with the matched words' character ranges fetched from
    the posting blocks that hold them (search.backends.whoosh.arrays), not by skipping through a
    whole posting list per word."""

    def __init__(self, arrays: IndexArrays, **kwargs) -> None:
        super().__init__(**kwargs)
        self.arrays = arrays

    def word_chars(self, results, fieldname: str, texts, to_bytes) -> dict[int, dict[str, list]]:
        cache: dict[int, dict[str, list]] = {}
        docnums = sorted(docnum for _, docnum in results.top_n)
        for docnum in docnums:
            cache[docnum] = {}
        for text in texts:
            btext = to_bytes(text)
            having = set(results.termdocs.get((fieldname, btext), ()))
            for docnum, chars in self.arrays.characters(fieldname, btext,
                                                        [d for d in docnums if d in having]).items():
                cache[docnum][text] = chars
        return cache


def lead(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"
