"""Read the Reuters-21578 SGML files into plain story records for benchmarks.

    from reuters import read_reuters        # with bench/ on sys.path
    stories = read_reuters(PROJECT.parent / "shared" / "data" / "reuters21578")

Each record is a dict with ``id`` (the NEWID as a string), ``title``, ``text`` (dateline +
body), ``dateline`` and ``body`` apart, ``published`` (ISO string from <DATE>, or None when it cannot be parsed) and
``places`` (Reuters place codes, e.g. ``["usa", "west-germany"]``).  ``places`` is a gold
label: benchmarks that index the stories must leave it out of the indexed corpus.

Stories of TYPE="BRIEF" (title only) and any other story without text are skipped;
TYPE="UNPROC" stories (tables, unparsed bodies) keep their raw text, with the first
non-empty line as the title.
"""

from __future__ import annotations

import html
import re
import sys
from datetime import datetime
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from search.ingest.dates import parse_date  # noqa: E402

__all__ = ["read_reuters"]

_DOC = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)
_NEWID = re.compile(r'\bNEWID="([0-9]+)"')
_DATE = re.compile(r"<DATE>(.*?)</DATE>", re.S)
_PLACES = re.compile(r"<PLACES>(.*?)</PLACES>", re.S)
_D = re.compile(r"<D>(.*?)</D>", re.S)
_TEXT = re.compile(r"<TEXT\b([^>]*)>(.*?)</TEXT>", re.S)
_TITLE = re.compile(r"<TITLE>(.*?)</TITLE>", re.S)
_DATELINE = re.compile(r"<DATELINE>(.*?)</DATELINE>", re.S)
_BODY = re.compile(r"<BODY>(.*?)</BODY>", re.S)
_TAG = re.compile(r"</?[A-Z]+\b[^>]*>")
# Control characters except tab and newline (&#2; &#3; &#5; ... in the SGML).
_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _clean(raw: str) -> str:
    """Unescape SGML entities and drop control characters."""
    return _CTRL.sub("", html.unescape(raw))


def _group(pattern: re.Pattern[str], s: str) -> str:
    m = pattern.search(s)
    return _clean(m.group(1)) if m else ""


def _published(raw: str) -> str | None:
    """ISO form of a <DATE> value ('1987-02-26T15:01:01'), None when it does not parse."""
    try:
        value = parse_date(raw)
    except ValueError:
        return None
    if isinstance(value, datetime):
        value = value.replace(microsecond=0)
    return value.isoformat() if value is not None else None


def _story(attrs: str, doc: str) -> dict | None:
    """One record from the inside of a <REUTERS> element, or None when it has no text."""
    newid = _NEWID.search(attrs)
    tm = _TEXT.search(doc)
    if newid is None or tm is None:
        return None
    text_attrs, inner = tm.groups()
    if 'TYPE="UNPROC"' in text_attrs:
        lines = [ln.rstrip() for ln in _clean(_TAG.sub("", inner)).splitlines()]
        lines = [ln for ln in lines if ln.strip()]
        if len(lines) < 2:
            return None
        title, text = lines[0].strip(), "\n".join(lines[1:]).strip()
        dateline, body = "", text
    else:
        body = _group(_BODY, inner).strip()
        if not body:
            return None
        title = " ".join(_group(_TITLE, inner).split())
        dateline = _group(_DATELINE, inner).strip()
        text = f"{dateline} {body}" if dateline else body
    pm = _PLACES.search(doc)
    return {
        "id": newid.group(1),
        "title": title,
        "text": text,
        "dateline": dateline,
        "body": body,
        "published": _published(_group(_DATE, doc)),
        "places": [p.strip() for p in _D.findall(pm.group(1))] if pm else [],
    }


def read_reuters(data_dir: Path | str) -> list[dict]:
    """All stories with text from DATA_DIR/reut2-*.sgm, in file and document order."""
    stories: list[dict] = []
    for path in sorted(Path(data_dir).glob("reut2-*.sgm")):
        raw = path.read_text(encoding="latin-1")
        for m in _DOC.finditer(raw):
            story = _story(m.group(1), m.group(2))
            if story is not None:
                stories.append(story)
    return stories
