"""Publication dates: parsing metadata values, finding a date in article text, search filter bounds.

Principles shared by every function here:

* Never invent a year (or a month, or a day).  A value without an explicit 4-digit year is
  not a full date: metadata parsing returns None, text extraction finds nothing.
* Keep the page's own offset.  An aware datetime stays aware with its original UTC offset; it
  is never converted to UTC, because the article's calendar day is what a date facet shows.
* Reject what is obviously not a publication date: placeholders (year < 1800, the Unix epoch
  zero) and dates more than one day after "today" (the extra day absorbs time-zone skew).
"""

from __future__ import annotations

import calendar
import html
import math
import re
from datetime import date, datetime, timedelta, timezone

__all__ = ["parse_date", "date_from_text", "parse_date_param", "month_label", "day_label"]

MIN_YEAR = 1800
# How far past "today" a date may lie before it is treated as bogus (time-zone skew).
FUTURE_SLACK = timedelta(days=1)

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July",
               "August", "September", "October", "November", "December")

_MONTHS: dict[str, int] = {}
for _i, _name in enumerate(MONTH_NAMES, 1):
    _MONTHS[_name.lower()] = _i
    _MONTHS[_name[:3].lower()] = _i
_MONTHS["sept"] = 9

# Month names for prose: Title case or ALL CAPS only ("may" the verb must not be a month),
# optional trailing dot ("Sept."), longest alternatives first.
_MONTH_WORDS = sorted({*(n for n in MONTH_NAMES), *(n[:3] for n in MONTH_NAMES), "Sept"},
                      key=len, reverse=True)
_MON = "(?:%s)" % "|".join(f"{w}|{w.upper()}" for w in _MONTH_WORDS)
_MON_RE = r"(?:%s)(?![A-Za-z])\.?" % _MON

# ---------------------------------------------------------------------------------------------
# parse_date
# ---------------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# Reuters-21578 style: '26-FEB-1987 15:01:01.79', ' 5-MAR-1987', '3-MAR-1987  09:15:05.40',
# with anything after a non-digit boundary ignored ('&#5;&#5;&#5;RM', '# date added by ...').
_REUTERS = re.compile(
    r"(?P<d>[0-9]{1,2})-(?P<m>[A-Za-z]{3,9})-(?P<y>[0-9]{4})"
    r"(?:\s+(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:\.(?P<f>[0-9]{1,6}))?)?)?"
    r"(?![0-9:])", re.ASCII)

_ISO_PARTIAL = re.compile(r"[0-9]{4}(?:-[0-9]{2})?|[0-9]{4}/[0-9]{1,2}", re.ASCII)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_ISO_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}(?::?[0-9]{2}).*", re.ASCII)
# Year first with other separators or no padding: '2024/09/24', '2024.9.4', '2024-9-4 10:00'.
_YMD_LOOSE = re.compile(
    r"(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})(?P<rest>(?:[Tt ].*)?)",
    re.ASCII)
_ISO_BASIC = re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})", re.ASCII)
_EPOCH_STR = re.compile(r"[0-9]{9,10}(?:\.[0-9]+)?", re.ASCII)
# Numeric day/month/year in either order: only usable when the order is decidable.
_NUMERIC_DMY = re.compile(r"(?P<a>[0-9]{1,2})(?P<sep>[/.-])(?P<b>[0-9]{1,2})(?P=sep)[0-9]{2,4}(?![0-9])",
                          re.ASCII)
_ZERO_DATE = re.compile(r"0{4}[-/.]?0{1,2}[-/.]?0{1,2}(?:[Tt ][0:. ]*(?:Z|[+-]00:?00)?)?", re.ASCII)
_YEAR4 = re.compile(r"(?<![0-9])[0-9]{4}(?![0-9])", re.ASCII)
_HAS_MONTH_WORD = re.compile(r"(?i)(?<![a-z])(?:%s)(?![a-z])" % "|".join(_MONTHS))

# Zone abbreviations dateutil does not know by itself (it would warn and drop them).
# Ambiguous ones (IST, CST as China time, ...) are deliberately left out: the value stays naive.
_TZ_ABBR = {
    "UTC": 0, "UT": 0, "GMT": 0, "Z": 0, "WET": 0,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10,
    "BST": 1, "CET": 1, "CEST": 2, "WEST": 1, "EET": 2, "EEST": 3, "MSK": 3,
    "JST": 9, "KST": 9, "HKT": 8, "SGT": 8, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
}


def _tzinfos(name: str | None, offset: int | None) -> timezone | None:
    """dateutil hook: plain fixed-offset zones only, never the machine's local zone."""
    if offset is not None:
        return timezone(timedelta(seconds=offset))
    if name and name.upper() in _TZ_ABBR:
        return timezone(timedelta(hours=_TZ_ABBR[name.upper()]))
    return None


# Two defaults that differ in every date field and in the hour: a field that comes out the
# same under both was present in the input, one that differs was filled in by dateutil.
_DEFAULT_A = datetime(2000, 1, 1, 0, 0, 0)
_DEFAULT_B = datetime(2004, 2, 2, 1, 0, 0)


def _fixed_offset(dt: datetime) -> datetime:
    """Replace any tzinfo by a plain fixed offset (stable, comparable, picklable)."""
    if dt.tzinfo is None:
        return dt
    off = dt.utcoffset()
    if off is None:
        return dt.replace(tzinfo=None)
    return dt.replace(tzinfo=timezone.utc if not off else timezone(off))


def _check(result: date, original: object, today: date | None) -> date:
    """Reject placeholders and future dates, with a message that quotes the input."""
    day = result.date() if isinstance(result, datetime) else result
    if day.year < MIN_YEAR:
        raise ValueError(f"{original!r} looks like a placeholder date (year {day.year} < {MIN_YEAR})")
    if _is_epoch_zero(result):
        raise ValueError(f"{original!r} looks like a placeholder date (Unix epoch zero)")
    limit = (today or date.today()) + FUTURE_SLACK
    if day > limit:
        raise ValueError(f"{original!r} is in the future (after {limit.isoformat()})")
    return result


def _is_epoch_zero(value: date) -> bool:
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            return value.replace(tzinfo=None) - value.utcoffset() == datetime(1970, 1, 1)
        return value == datetime(1970, 1, 1)
    return value == date(1970, 1, 1)


def _clean(value: str) -> str:
    """Unescape entities ('&#5;', '&nbsp;'), drop control characters, collapse whitespace."""
    if "&" in value:
        value = html.unescape(value)
    value = _CONTROL.sub(" ", value)
    return " ".join(value.split())


def _from_epoch(value: float, original: object) -> datetime:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{original!r} is not a valid timestamp")
    if abs(value) > 1e11:
        raise ValueError(f"{original!r} is out of range for epoch seconds (milliseconds?)")
    return datetime.fromtimestamp(value, tz=timezone.utc)


def _parse_reuters(m: re.Match[str], original: str) -> date:
    month = _MONTHS.get(m["m"].lower())
    if month is None:
        raise ValueError(f"{original!r} is not a valid date: unknown month {m['m']!r}")
    try:
        if m["H"] is None:
            return date(int(m["y"]), month, int(m["d"]))
        frac = m["f"] or "0"
        return datetime(int(m["y"]), month, int(m["d"]), int(m["H"]), int(m["M"]),
                        int(m["S"] or 0), int(frac.ljust(6, "0")))
    except ValueError as e:
        raise ValueError(f"{original!r} is not a valid date: {e}") from None


def _parse_string(s: str, original: str) -> date | datetime | None:
    # Fast paths first; dateutil only for the remaining free-form values.
    if _ZERO_DATE.fullmatch(s):
        raise ValueError(f"{original!r} looks like a placeholder date (all zeros)")
    if _ISO_DATE.fullmatch(s):
        try:
            return date.fromisoformat(s)
        except ValueError as e:
            raise ValueError(f"{original!r} is not a valid date: {e}") from None
    if _ISO_DATETIME.fullmatch(s):
        try:
            return _fixed_offset(datetime.fromisoformat(s.replace("z", "Z").replace("t", "T")))
        except ValueError:
            pass  # e.g. '2024-09-24 10:00:00 UTC': let dateutil try
    if _ISO_PARTIAL.fullmatch(s):
        return None  # 'YYYY', 'YYYY-MM': not a full date
    m = _YMD_LOOSE.fullmatch(s)
    if m:
        normalised = f"{m['y']}-{int(m['m']):02d}-{int(m['d']):02d}{m['rest']}"
        if normalised != s:
            return _parse_string(normalised, original)
        return _dateutil(s, original)  # already ISO-shaped but not fromisoformat's: free form
    m = _ISO_BASIC.fullmatch(s)
    if m:
        try:
            return date(int(m["y"]), int(m["m"]), int(m["d"]))
        except ValueError as e:
            raise ValueError(f"{original!r} is not a valid date: {e}") from None
    if _EPOCH_STR.fullmatch(s):
        return _from_epoch(float(s), original)
    m = _REUTERS.match(s)
    if m:
        return _parse_reuters(m, original)
    dayfirst = False
    m = _NUMERIC_DMY.match(s)
    if m:
        a, b = int(m["a"]), int(m["b"])
        if a > 12 >= b:
            dayfirst = True
        elif a <= 12 and b <= 12 and a != b:
            return None  # '05/06/2024': day/month order undecidable
    return _dateutil(s, original, dayfirst=dayfirst)


def _dateutil(s: str, original: str, dayfirst: bool = False) -> date | datetime | None:
    # Imported here: the indexer needs dateutil, a server starting up does not (5 ms).
    from dateutil import parser as _du_parser

    try:
        a = _du_parser.parse(s, default=_DEFAULT_A, dayfirst=dayfirst, tzinfos=_tzinfos)
        b = _du_parser.parse(s, default=_DEFAULT_B, dayfirst=dayfirst, tzinfos=_tzinfos)
    except (ValueError, OverflowError) as e:  # ParserError is a ValueError
        raise ValueError(f"{original!r} is not a recognised date: {e}") from None
    complete = (a.year == b.year and a.month == b.month and a.day == b.day
                and f"{a.year:04d}" in _YEAR4.findall(s))
    if not complete:
        # A recognisable partial date ('September 2024', 'Sept 24', '24 Sep 24') is "no date";
        # anything else without a year ('Monday', '10:00', '1 2 3') is garbage.
        if _HAS_MONTH_WORD.search(s) or _YEAR4.search(s) or _NUMERIC_DMY.match(s):
            return None
        raise ValueError(f"{original!r} is not a full date (no day, month and 4-digit year)")
    if a.hour != b.hour:
        return a.date()  # no time of day in the input
    return _fixed_offset(a)


def parse_date(value: str | int | float | date | datetime | None, *,
               today: date | None = None) -> date | datetime | None:
    """Parse a date given as metadata (JSON 'published', HTML meta tags, sidecar files).

    Returns a ``date`` when the value has no time of day, a ``datetime`` when it has one (aware,
    with its own offset, if the value carried one: the page's calendar day is what counts).
    Returns None for None, an empty value, or a recognisable but incomplete/ambiguous date
    ('2024', '2024-09', 'September 2024', 'Sept 24', '05/06/2024'): no part is ever invented.
    Raises ValueError for garbage, placeholders (year < 1800, Unix epoch zero) and dates more
    than one day after ``today`` (default: date.today()).
    Numbers (and 9-10 digit strings) are epoch seconds and give an aware UTC datetime.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a date")
    if isinstance(value, datetime):
        return _check(value, value, today)
    if isinstance(value, date):
        return _check(value, value, today)
    if isinstance(value, (int, float)):
        return _check(_from_epoch(value, value), value, today)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date (unsupported type {type(value).__name__})")
    s = _clean(value)
    if not s:
        return None
    result = _parse_string(s, value)
    return None if result is None else _check(result, value, today)


# ---------------------------------------------------------------------------------------------
# date_from_text
# ---------------------------------------------------------------------------------------------

_DATELINE_SCAN = 200   # a dateline is at the very start
_PUBLISHED_SCAN = 1000  # a "Published ..." line is in the head of the text
_PUBLISHED_LINE_MAX = 100
_PROSE_WORD = re.compile(r"[a-z]{3,}")  # after the year: a time and a zone only

_DAY = r"(?:[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_PLACE_WORD = r"[A-Z](?:[a-z]?[A-Z.'’&/-])*"
_DATELINE = re.compile(
    r"\s*"
    rf"{_PLACE_WORD}(?:[ \t]+{_PLACE_WORD}){{0,4}}"          # WASHINGTON, NEW YORK, ST. LOUIS
    r"(?:[ \t]*,[ \t]*[A-Z][A-Za-z.]*(?:[ \t]+[A-Z][A-Za-z.]*)?)?"  # optional region: Calif.
    r"[ \t]*,[ \t]*"
    r"(?:"
    rf"(?P<mon1>{_MON_RE})[ \t]*(?P<day1>{_DAY})(?:[ \t]*,?[ \t]*(?P<year1>[0-9]{{4}}))?"
    r"|"
    rf"(?P<day2>{_DAY})[ \t]+(?P<mon2>{_MON_RE})(?:[ \t]*,?[ \t]*(?P<year2>[0-9]{{4}}))?"
    r")"
    r"(?![0-9])"
    r"(?:[ \t]*\([^()\n]{1,40}\))?"                         # (Reuters), (Xinhua)
    r"[ \t]*[-–—]")

# A line of its own stating the publication: 'Published: 24 September 2024',
# 'First published on Tue 24 Sep 2024 10.00 BST', 'Posted on September 24, 2024 | Updated ...'.
# The value runs to the end of the line or to a separator; parse_date must read it as a full
# date, or the line does not count.
_PUBLISHED_LINE = re.compile(
    r"^[ \t]*(?:first[ \t]+)?(?:published|posted)(?:[ \t]+(?:on|at))?[ \t]*:?[ \t]*"
    r"(?P<value>[^\n|•·]*?)[ \t]*(?:$|[|•·]|\b(?:updated|last|modified|by)\b)",
    re.IGNORECASE | re.MULTILINE)


def _mk_date(y: int, mon: str, day: str) -> date | None:
    month = _MONTHS.get(mon.rstrip(".").lower())
    if month is None:
        return None
    try:
        return date(y, month, int(day.rstrip("stndrh")))
    except ValueError:
        return None


def _acceptable(d: date | None, limit: date) -> bool:
    return d is not None and MIN_YEAR <= d.year and d <= limit


def _published_line(head: str, today: date | None) -> date | datetime | None:
    """The date of the first "Published ..." line in head whose value is a full date."""
    for m in _PUBLISHED_LINE.finditer(head):
        line_end = head.find("\n", m.start())
        line = head[m.start():line_end if line_end >= 0 else len(head)]
        value = m["value"].strip(" \t,.;")
        if not value or len(line.strip()) > _PUBLISHED_LINE_MAX:
            continue
        # The whole value first (a time and offset keep their day); else the value up to
        # its year ('Tue 24 Sep 2024 10.00 BST': dateutil does not read '10.00').
        # A sentence that happens to start with "Published on <date>, ..." is not such a line.
        year = _YEAR4.search(value)
        if year and _PROSE_WORD.search(value, year.end()):
            continue
        for candidate in (value, value[:year.end()] if year else ""):
            try:
                found = parse_date(candidate, today=today) if candidate else None
            except ValueError:
                found = None
            if found is not None:
                return found
    return None


def date_from_text(title: str, text: str, *,
                   today: date | None = None) -> tuple[date | datetime | None, str | None]:
    """Publication date stated by the article text itself, and the rule that decided
    ('dateline' or 'published-line'), or (None, None).

    Only two statements count, because a wrong date is worse than none:

    * 'dateline': a wire dateline with its year opening the text ('WASHINGTON, Sept 24,
      2024 -').  A dateline without a year gives no date: the year is never guessed.
    * 'published-line': a short line of its own in the head of the text that says so
      ('Published: 24 September 2024', 'First published on Tue 24 Sep 2024 10.00 BST').

    Any other date in the text is not the publication date.  On 4,933 Reuters wire stories
    the old "first full date in the lead" rule dated 5 stories, all 5 wrongly, and on the
    same stories without datelines 200, all 200 wrongly (bond maturities, results tables;
    see docs/extraction.md).  Dates before 1800 or more than one day after ``today`` are
    skipped.  The title is only used to skip a copy of it at the start of the text.
    """
    if not text:
        return None, None
    limit = (today or date.today()) + FUTURE_SLACK
    head = text[:_PUBLISHED_SCAN]
    t = title.strip() if title else ""
    if t:
        ws = len(head) - len(head.lstrip())
        if head.startswith(t, ws):
            start = ws + len(t)
            head = text[start:start + _PUBLISHED_SCAN].lstrip(" \t:.-–—|\r\n")

    m = _DATELINE.match(head, 0, _DATELINE_SCAN)
    if m:
        mon, day = (m["mon1"], m["day1"]) if m["mon1"] else (m["mon2"], m["day2"])
        year = m["year1"] or m["year2"]
        d = _mk_date(int(year), mon, day) if year else None
        if _acceptable(d, limit):
            return d, "dateline"
    found = _published_line(head, today)
    if found is not None:
        return found, "published-line"
    return None, None


# ---------------------------------------------------------------------------------------------
# Search filter bounds and labels
# ---------------------------------------------------------------------------------------------

_PARAM = re.compile(r"(?P<y>[0-9]{4})(?:-(?P<m>[0-9]{2})(?:-(?P<d>[0-9]{2}))?)?", re.ASCII)


def parse_date_param(value: str, *, end: bool = False) -> date:
    """Parse a search filter bound 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' (strict); end=True gives the last day of that period.

    Strict on purpose (zero-padded, '-' separators, nothing else; surrounding whitespace is
    ignored) so a filter in a URL means one thing only.  ``end=False`` gives the first day of
    the period.  Raises ValueError with a message fit to show the user.
    """
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a valid date: expected a string")
    s = value.strip()
    m = _PARAM.fullmatch(s)
    if not m:
        raise ValueError(f"{value!r} is not a valid date: expected YYYY, YYYY-MM or YYYY-MM-DD "
                         "(zero-padded, e.g. 2024, 2024-09 or 2024-09-05)")
    year = int(m["y"])
    if year < 1:
        raise ValueError(f"{value!r} is not a valid date: year must be 0001..9999")
    if m["m"] is None:
        return date(year, 12, 31) if end else date(year, 1, 1)
    month = int(m["m"])
    if not 1 <= month <= 12:
        raise ValueError(f"{value!r} is not a valid date: month must be 1..12")
    last = calendar.monthrange(year, month)[1]
    if m["d"] is None:
        return date(year, month, last if end else 1)
    day = int(m["d"])
    if not 1 <= day <= last:
        raise ValueError(f"{value!r} is not a valid date: day must be 1..{last} "
                         f"for {month_label(year, month)}")
    return date(year, month, day)


def month_label(year: int, month: int) -> str:
    """'September 2024': English facet label, independent of the process locale."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, not {month!r}")
    return f"{MONTH_NAMES[month - 1]} {year}"


def day_label(d: date) -> str:
    """'24 September 2024': English facet label, independent of the process locale."""
    return f"{d.day} {MONTH_NAMES[d.month - 1]} {d.year}"
