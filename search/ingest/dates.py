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
from collections.abc import Iterator
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

# Whether a yearless dateline may take its year from the lead (see date_from_text).  On the
# Reuters-21578 bodies this evidence picks the right year for only ~31% of the 888 articles it
# fires on (business news mostly cites last year's figures, bond maturities, fiscal-year
# ends), so set this to False to trust datelines only when they carry their own year.
YEARLESS_DATELINE_EVIDENCE = False

_DATELINE_SCAN = 200   # a dateline is at the very start
_TEXT_SCAN = 600       # full dates and year evidence: the lead only
_NEAR_DAYS = 60        # a full date this close makes a yearless dateline's year plausible

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

# Full dates in prose: 'September 24, 2024', 'Sept. 24th 2024', '24 September 2024',
# '24th of September 2024', ISO '2024-09-24'.  Scanning 600 characters with this pattern at
# every position costs ~60 µs, so the scan is driven by a cheap 4-digit-year hint instead and
# the full patterns are only tried around each candidate year (see _full_dates).
_YEAR_HINT = re.compile(r"(?:1[89]|20)[0-9]{2}")
_DATE_BEFORE_YEAR = re.compile(
    rf"(?:(?<![A-Za-z])(?P<mon1>{_MON_RE})[ \t]*(?P<day1>{_DAY}),?[ \t\n]+"
    r"|"
    rf"(?<![0-9])(?P<day2>{_DAY})[ \t\n]+(?:of[ \t\n]+)?(?P<mon2>{_MON_RE}),?[ \t\n]+)\Z")
_ISO_AFTER_YEAR = re.compile(r"-(?P<mon>[01][0-9])-(?P<day>[0-3][0-9])(?![0-9])")
_LOOKBACK = 30  # longest prefix: '24th of September ' / 'September 24th, '


def _full_dates(s: str, pos: int, endpos: int) -> Iterator[tuple[int, date]]:
    """Yield (start, date) for each full date in s[pos:endpos], in order of appearance."""
    for ym in _YEAR_HINT.finditer(s, pos, endpos):
        ys, ye = ym.span()
        if (ys and s[ys - 1].isdigit()) or (ye < len(s) and s[ye].isdigit()):
            continue
        year = int(ym.group())
        m = _DATE_BEFORE_YEAR.search(s, max(pos, ys - _LOOKBACK), ys)
        if m:
            d = (_mk_date(year, m["mon1"], m["day1"]) if m["mon1"]
                 else _mk_date(year, m["mon2"], m["day2"]))
            if d is not None:
                yield m.start(), d
            continue
        if ys == 0 or not (s[ys - 1].isalnum() or s[ys - 1] == "-"):
            m = _ISO_AFTER_YEAR.match(s, ye)
            if m:
                try:
                    yield ys, date(year, int(m["mon"]), int(m["day"]))
                except ValueError:
                    pass


# A year on its own in the lead, in a context that makes it a year ('in 2024', 'mid-2024').
_LONE_YEAR = re.compile(
    r"(?i)(?<![A-Za-z])(?:in|of|since|during|until|through|from|early|late|mid|end|"
    r"fiscal|calendar|year)[ \t\n-]+(?P<year>(?:1[89]|20)[0-9]{2})(?![0-9]|/[0-9]|,[0-9])")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n|\n[ \t]+")


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


def _year_from_evidence(mon: str, day: str, lead: str, limit: date) -> date | None:
    """Date for a yearless dateline, if the lead states a year that fits it; else None."""
    # 1. A full date with a year, close to the dateline's month/day (across New Year too).
    for _, ref in _full_dates(lead, 0, len(lead)):
        best = None
        for y in (ref.year - 1, ref.year, ref.year + 1):
            cand = _mk_date(y, mon, day)
            if cand is not None and abs((cand - ref).days) <= _NEAR_DAYS:
                if best is None or abs((cand - ref).days) < abs((best - ref).days):
                    best = cand
        if best is not None:
            return best if _acceptable(best, limit) else None
    # 2. Exactly one distinct year mentioned on its own in the first paragraph.
    nl = lead.find("\n")
    if nl >= 120:  # unwrapped text: one line is one paragraph
        para = lead[:nl]
    else:          # hard-wrapped text: blank line or indented line starts the next one
        para = _PARAGRAPH_BREAK.split(lead, 1)[0]
    years = {int(m["year"]) for m in _LONE_YEAR.finditer(para)}
    if len(years) == 1:
        cand = _mk_date(years.pop(), mon, day)
        if _acceptable(cand, limit):
            return cand
    return None


def date_from_text(title: str, text: str, *,
                   today: date | None = None) -> tuple[date | None, str | None]:
    """Publication date found in the article text itself, and the rule that decided ('dateline' or 'text'), or (None, None).

    'dateline': a wire dateline opening the text ('WASHINGTON, Sept 24, 2024 -',
    'HAVANA, Sept. 24 (Reuters) -').  A dateline without a year only counts when the lead
    gives the year: a full date within ~60 days, or a single lone year ('in 2024') in the first
    paragraph.  'text': otherwise the first full date (day, month name and 4-digit year, or
    ISO YYYY-MM-DD) in the first ~600 characters.  Dates before 1800 or more than one day
    after ``today`` are skipped.  Only the head of the text is scanned, so this is cheap enough
    to run on every article at index time.  The title is only used to skip a copy of it at the
    start of the text (extracted pages often repeat it).
    """
    if not text:
        return None, None
    limit = (today or date.today()) + FUTURE_SLACK
    head = text[:_TEXT_SCAN + _DATELINE_SCAN]
    t = title.strip() if title else ""
    if t:
        ws = len(head) - len(head.lstrip())
        if head.startswith(t, ws):
            start = ws + len(t)
            head = text[start:start + _TEXT_SCAN + _DATELINE_SCAN].lstrip(" \t:.-–—|\r\n")

    m = _DATELINE.match(head, 0, _DATELINE_SCAN)
    if m:
        mon, day = (m["mon1"], m["day1"]) if m["mon1"] else (m["mon2"], m["day2"])
        year = m["year1"] or m["year2"]
        if year:
            d = _mk_date(int(year), mon, day)
            if _acceptable(d, limit):
                return d, "dateline"
        else:
            # The dateline gives the day; a different full date in the text is not the
            # publication date, so without year evidence there is no answer at all.
            d = None
            if YEARLESS_DATELINE_EVIDENCE:
                d = _year_from_evidence(mon, day, head[m.end():m.end() + _TEXT_SCAN], limit)
            return (d, "dateline") if d is not None else (None, None)

    for _, d in _full_dates(head, 0, _TEXT_SCAN):
        if _acceptable(d, limit):
            return d, "text"
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
