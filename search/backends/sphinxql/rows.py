"""An article as a row of the RT index, and back; the numbers that tie rows to one index
and one index state.

Many indexes can share a cluster (each test its own, a staging beside production): a row
carries `ns`, a 32-bit hash of the index location's absolute path. Index states are
numbered: a row is `born` in the state that added it and `died` in the state that
removed or replaced it (DEAD_NEVER while live), and readers ask for
`born <= current AND died > current`, so a reindex's writes are invisible until its
commit switches `current`, a full rebuild included (no half-empty window), and a
cancelled or killed run leaves nothing a reader sees. `current` is kept in a state row
(`died = 0`, never matched by a search) on every shard, the highest one wins.
The document id hashes (ns, article id, born): a changed article is a new row beside
the old one until the old one is purged, one state later."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timezone
from pathlib import Path

from ...ingest.article import Article
from ...ingest.languages import language_code
from .cluster import DEFAULT_LANGUAGE, MORPHOLOGY
from .escape import integer, integers, literal
from .match import EVERY_WORD

DEAD_NEVER = 2**32 - 1
COLUMNS = ("id", "title", "body", "every", "ns", "born", "died", "akey", "story", "ts", "undated", "day",
           "month", "country", "aid", "source", "title_s", "body_s", "doc", "lang")
EPOCH = date(1970, 1, 1)


def _hash(*parts: str, bits: int) -> int:
    h = hashlib.blake2b("\x00".join(parts).encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(h, "big") >> (64 - bits) or 1


def namespace(location: Path) -> int:
    return _hash(str(Path(location).resolve()), bits=32)


def article_key(article_id: str) -> int:
    """A 62-bit key of an article id (the `akey` filter; the id string is checked too)."""
    return _hash(article_id, bits=62)


def doc_id(ns: int, article_id: str, born: int) -> int:
    return _hash(str(ns), article_id, str(born), bits=62)


def state_id(ns: int, shard: int) -> int:
    return _hash(str(ns), "state", str(shard), bits=62)


def shard_of(story: str, shards: int) -> int:
    """The shard that holds an article: a stable hash of its story, so that every copy of
    a story sits on one shard and the shards' distinct-story counts add up to the exact
    count (a GROUP BY story over every shard cost 63-78 ms of a search at 100k articles;
    docs/deploy-manticore.md)."""
    return _hash(story, "shard", bits=32) % shards


def country_code(code: str) -> int:
    """'CU' -> a small integer for the MVA (two letters, 1..1023)."""
    a, b = code.upper()[:2]
    return (ord(a) - 64) * 32 + (ord(b) - 64)


def country_of(value: int) -> str:
    return chr(value // 32 + 64) + chr(value % 32 + 64)


def language_number(code: str | None) -> int:
    """'pt' -> a small integer for the `lang` attribute (two or three letters in base 32,
    at most 27,482); 0: no known language."""
    number = 0
    for letter in code or "":
        number = number * 32 + ord(letter) - 96
    return number


def language_of(number: int) -> str | None:
    letters = ""
    while number:
        number, letter = divmod(number, 32)
        letters = chr(letter + 96) + letters
    return letters or None


def day_number(d: date) -> int:
    return (d - EPOCH).days


def day_of(number: int) -> str:
    return date.fromordinal(EPOCH.toordinal() + number).isoformat()


def _sort_key(article: Article) -> int:
    """Seconds since 1970 of the publication, for sorting (a date counts as its midnight UTC)."""
    p = article.published
    if p is None:
        return 0
    if isinstance(p, datetime):
        return int((p if p.tzinfo else p.replace(tzinfo=timezone.utc)).timestamp())
    return day_number(p) * 86400


def values(article: Article, *, ns: int, born: int, story: str) -> str:
    """The VALUES tuple of REPLACE INTO (COLUMNS' order)."""
    day = article.published_day
    doc = {"published": article.published_iso, "date_source": article.date_source,
           "countries": list(article.countries), "url": article.url, "author": article.author,
           "language": article.language, "word_count": article.word_count, "path": article.path,
           "story": story}
    fields = [integer(doc_id(ns, article.id, born)), literal(article.title), literal(article.text),
              literal(EVERY_WORD), integer(ns), integer(born), integer(DEAD_NEVER), integer(article_key(article.id)),
              integer(article_key(story)), integer(_sort_key(article)), integer(int(day is None)),
              integer(day_number(day) if day else 0), integer(day.year * 100 + day.month if day else 0),
              "(" + integers(sorted({country_code(c) for c in article.countries})) + ")",
              literal(article.id), literal(article.source or ""), literal(article.title), literal(article.text),
              literal(json.dumps(doc, ensure_ascii=False)),
              integer(language_number(language_code(article.language)))]
    return "(" + ", ".join(fields) + ")"


def state_values(ns: int, shard: int, current: int, languages: list[str]) -> str:
    """The state row; its `doc` names the languages whose indexes hold the state's live
    rows, the only ones a search asks (each index a search names costs about 0.1 ms a
    statement on each shard, empty or not: 28 indexes made a search 5 times slower)."""
    fields = [integer(state_id(ns, shard)), "''", "''", "''", integer(ns), integer(current), "0", "0", "0",
              "0", "0", "0", "0", "()", "''", "''", "''", "''", literal(json.dumps({"languages": languages})), "0"]
    return "(" + ", ".join(fields) + ")"


def state_of(rows: list[tuple]) -> tuple[int, tuple[str, ...]] | None:
    """(state, its languages) from state rows (born, doc): the highest state wins. Only
    codes with an index (MORPHOLOGY) are kept: they become index names in SQL."""
    if not rows:
        return None
    born, doc = max(rows, key=lambda r: int(r[0]))
    try:
        named = json.loads(doc or "{}").get("languages") or []
    except (ValueError, AttributeError):
        named = []
    languages = tuple(c for c in named if c in MORPHOLOGY)
    return int(born), languages or (DEFAULT_LANGUAGE,)


def hit_fields(aid: str, title: str, source: str, doc_json: str) -> dict:
    doc = json.loads(doc_json or "{}")
    return {"id": aid, "title": title, "published": doc.get("published"), "countries": doc.get("countries", []),
            "source": source or None, "url": doc.get("url"), "story": doc.get("story") or aid,
            "lang": doc.get("language")}


def article_dict(aid: str, title: str, text: str, source: str, doc_json: str) -> dict:
    doc = json.loads(doc_json or "{}")
    return {"id": aid, "title": title, "text": text, "published": doc.get("published"),
            "date_source": doc.get("date_source"), "countries": doc.get("countries", []),
            "source": source or None, "url": doc.get("url"), "author": doc.get("author"),
            "language": doc.get("language"), "word_count": doc.get("word_count"), "path": doc.get("path")}
