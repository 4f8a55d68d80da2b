"""The Whoosh schema: what is searchable, what is stored for result lists and snippets."""

from __future__ import annotations

from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from .analysis import FastCharacters, FastPositions, text_analyzer

# Query-time boosts: a word in the title says more about an article than one in the
# body (1.5: 1 and 2 did worse on the collection left out, docs/ranking.md).
FIELD_BOOSTS = {"title": 1.5, "text": 1.0}
SEARCH_FIELDS = ("title", "text")


def make_schema() -> Schema:
    analyzer = text_analyzer()
    schema = Schema(
        id=ID(stored=True, unique=True),
        # Corpus-relative file the article came from, and that file's signature
        # (size:mtime_ns:hash), so the reindex can rebuild its manifest from the index.
        path=ID(stored=True),
        file_sig=STORED(),
        title=TEXT(analyzer=analyzer, stored=True),
        # chars=True lets the pinpoint fragmenter cut snippets without re-analysing.
        text=TEXT(analyzer=analyzer, stored=True, chars=True),
        published=DATETIME(sortable=True),
        published_iso=STORED(),
        # The article's own calendar day, for date facets and date filters.
        day=ID(stored=True),
        date_source=STORED(),
        countries=KEYWORD(stored=True, commas=True, lowercase=False, scorable=False),
        source=ID(stored=True),
        url=STORED(),
        author=STORED(),
        language=ID(stored=True),
        # The Snowball language the words were stemmed in, where not English (declared or
        # detected): which languages a query is analysed in.
        stemming=ID(),
        word_count=NUMERIC(stored=True),
        content_hash=STORED(),
        # Wire copies: the story (the first copy's id) groups them in results.
        story=ID(stored=True, sortable=True),
    )
    # The same posting formats, fed by the analyzer without a Token per word.
    schema["title"].format = FastPositions(field_boost=schema["title"].format.field_boost)
    schema["text"].format = FastCharacters(field_boost=schema["text"].format.field_boost)
    return schema
