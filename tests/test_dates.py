"""Tests for search.ingest.dates.  Every call passes today= explicitly so nothing goes stale."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import PROJECT, SHARED_DATA
from search.ingest.dates import date_from_text, day_label, month_label, parse_date, parse_date_param

TODAY = date(2024, 10, 1)
SEED = Path(__file__).resolve().parent.parent / "corpus" / "000_d1333627a6b9a447.txt"


def tz(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


def p(value):
    return parse_date(value, today=TODAY)


# --- parse_date: accepted formats -----------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    # ISO 8601
    ("2024-09-24", date(2024, 9, 24)),
    ("2024-09-24T10:00:00+09:00", datetime(2024, 9, 24, 10, 0, tzinfo=tz(9))),
    ("2024-09-24 10:00", datetime(2024, 9, 24, 10, 0)),
    ("2024-09-24T10:00:00Z", datetime(2024, 9, 24, 10, 0, tzinfo=timezone.utc)),
    ("2024-09-24T10:00:00.123456-04:00", datetime(2024, 9, 24, 10, 0, 0, 123456, tzinfo=tz(-4))),
    ("2024-09-24T10:00:00.000+0000", datetime(2024, 9, 24, 10, 0, tzinfo=timezone.utc)),
    ("2024-09-24 10:00:00 UTC", datetime(2024, 9, 24, 10, 0, tzinfo=timezone.utc)),
    ("20240924", date(2024, 9, 24)),
    # RFC 2822
    ("Tue, 24 Sep 2024 10:00:00 GMT", datetime(2024, 9, 24, 10, 0, tzinfo=timezone.utc)),
    ("Tue, 24 Sep 2024 10:00:00 +0200", datetime(2024, 9, 24, 10, 0, tzinfo=tz(2))),
    ("Tue, 24 Sep 2024 10:00:00 EDT", datetime(2024, 9, 24, 10, 0, tzinfo=tz(-4))),
    # prose
    ("September 24, 2024", date(2024, 9, 24)),
    ("24 September 2024", date(2024, 9, 24)),
    ("Sept. 24, 2024", date(2024, 9, 24)),
    ("Sep 24 2024", date(2024, 9, 24)),
    ("Tuesday, September 24th, 2024", date(2024, 9, 24)),
    ("Tuesday, September 24, 2024 at 10:00 am", datetime(2024, 9, 24, 10, 0)),
    ("Sept&nbsp;24, 2024", date(2024, 9, 24)),
    # year first with other separators / no padding
    ("2024/09/24", date(2024, 9, 24)),
    ("2024/09/24 10:00", datetime(2024, 9, 24, 10, 0)),
    ("2024-9-4", date(2024, 9, 4)),
    # numeric day/month when the order is decidable
    ("24/09/2024", date(2024, 9, 24)),
    ("09/24/2024", date(2024, 9, 24)),
    ("05.05.2024", date(2024, 5, 5)),
    # leap day
    ("2024-02-29", date(2024, 2, 29)),
    ("29 Feb 2024", date(2024, 2, 29)),
    # slack of one day for time zones
    ("2024-10-02", date(2024, 10, 2)),
])
def test_parse_date_formats(value, expected):
    got = p(value)
    assert got == expected
    assert type(got) is type(expected)
    if isinstance(expected, datetime):
        assert got.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("value, expected", [
    ("26-FEB-1987 15:01:01.79", datetime(1987, 2, 26, 15, 1, 1, 790000)),
    (" 5-MAR-1987 01:41:26.47", datetime(1987, 3, 5, 1, 41, 26, 470000)),
    ("  3-MAR-1987 00:43:42.82", datetime(1987, 3, 3, 0, 43, 42, 820000)),
    ("3-MAR-1987  09:15:05.40", datetime(1987, 3, 3, 9, 15, 5, 400000)),
    (" 7-APR-1987 16:22:00.0", datetime(1987, 4, 7, 16, 22)),
    ("26-FEB-1987 15:01:01.79&#5;&#5;&#5;RM", datetime(1987, 2, 26, 15, 1, 1, 790000)),
    ("27-MAR-1987 14:02:56.54&#5;&#5;&#5;V RM", datetime(1987, 3, 27, 14, 2, 56, 540000)),
    ("26-FEB-1987 15:01:01.79\x05\x05\x05RM", datetime(1987, 2, 26, 15, 1, 1, 790000)),
    ("9-APR-1987 00:00:00.00    # date added by S Finch as guesswork ", datetime(1987, 4, 9)),
    ("26-Feb-1987", date(1987, 2, 26)),
])
def test_parse_date_reuters(value, expected):
    assert p(value) == expected


def test_timezone_is_kept_not_converted():
    got = p("2024-09-24T23:30:00-05:00")
    assert got == datetime(2024, 9, 24, 23, 30, tzinfo=tz(-5))
    assert got.utcoffset() == timedelta(hours=-5)
    assert got.date() == date(2024, 9, 24)  # in UTC it would already be the 25th
    assert p("2024-09-24T00:30:00+09:00").date() == date(2024, 9, 24)


def test_passthrough_and_epoch():
    d = date(2024, 9, 24)
    dt = datetime(2024, 9, 24, 10, 0, tzinfo=tz(9))
    assert p(d) is d
    assert p(dt) is dt
    assert p(1727172000) == datetime(2024, 9, 24, 10, 0, tzinfo=timezone.utc)
    assert p(1727172000.5) == datetime(2024, 9, 24, 10, 0, 0, 500000, tzinfo=timezone.utc)
    assert p("1727172000") == datetime(2024, 9, 24, 10, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("value", [None, "", "   ", "\x05"])
def test_parse_date_empty(value):
    assert p(value) is None


@pytest.mark.parametrize("value", [
    "2024", "2024-09", "2024/9",        # year or year-month only: not a full date
    "September 2024",
    "September 24", "Sept 24", "Feb 29",  # no year: never invented
    "24 Sep 24", "05/06/24",            # two-digit year
    "05/06/2024",                       # day/month order undecidable
])
def test_parse_date_partial_is_none(value):
    assert p(value) is None


@pytest.mark.parametrize("value, fragment", [
    ("0001-01-01", "placeholder"),
    ("0001-01-01T00:00:00Z", "placeholder"),
    ("0000-00-00", "placeholder"),
    ("0000-00-00 00:00:00", "placeholder"),
    ("1799-12-31", "placeholder"),
    ("1970-01-01T00:00:00Z", "placeholder"),
    ("1970-01-01T00:00:00+00:00", "placeholder"),
    ("1970-01-01T01:00:00+01:00", "placeholder"),
    ("1970-01-01", "placeholder"),
    (0, "placeholder"),
    (date(1, 1, 1), "placeholder"),
    ("2024-10-03", "future"),
    ("2030-01-01T00:00:00Z", "future"),
    (date(2025, 1, 1), "future"),
    (1727172000123, "milliseconds"),
])
def test_parse_date_rejected(value, fragment):
    with pytest.raises(ValueError, match=fragment):
        p(value)


@pytest.mark.parametrize("value", [
    "hello", "Monday", "10:00", "1 2 3", "not a date 2024",
    "2024-13-01", "2024-02-30", "2023-02-29", "32 September 2024",
    "2024-09-24garbage", "2024-09-24T10:00:00 foo", "31-XYZ-1987 10:00:00.00",
    True, float("nan"), float("inf"), ["2024-09-24"],
])
def test_parse_date_garbage(value):
    with pytest.raises(ValueError):
        p(value)


def test_parse_date_error_message_quotes_value():
    with pytest.raises(ValueError, match=r"'2024-02-30' is not a valid date"):
        p("2024-02-30")


def test_default_today_rejects_far_future():
    with pytest.raises(ValueError, match="future"):
        parse_date(date.today() + timedelta(days=30))
    assert parse_date(date.today()) == date.today()


# --- date_from_text ---------------------------------------------------------------------------

def dft(text, title="A title"):
    return date_from_text(title, text, today=TODAY)


@pytest.mark.parametrize("text, expected", [
    ("WASHINGTON, Sept 24, 2024 - The Senate voted on Tuesday.", date(2024, 9, 24)),
    ("LONDON, 24 September 2024 – Prices rose.", date(2024, 9, 24)),
    ("NEW YORK, September 24, 2024 (Reuters) - Stocks fell.", date(2024, 9, 24)),
    ("SAN FRANCISCO, Calif., Sept. 24, 2024 (AP) — Text.", date(2024, 9, 24)),
    ("\n  ST. LOUIS, Jan 5, 1987 - Text.", date(1987, 1, 5)),
])
def test_dateline_with_year(text, expected):
    assert dft(text) == (expected, "dateline")


def test_dateline_after_repeated_title():
    assert dft("Senate votes\nWASHINGTON, Sept 24, 2024 - The Senate voted.",
               title="Senate votes") == (date(2024, 9, 24), "dateline")


@pytest.mark.parametrize("text", [
    "HAVANA, Sept 24 - Cuba said on Tuesday it would open an office in Seoul.",
    # the year is never taken from the lead, however plausible
    "HAVANA, Sept. 24 (Reuters) - Cuba, which recognised Seoul in 2024, said on Tuesday ...",
    "HAVANA, Sept 24 - The ministers, who first met on August 30, 2024, met again.",
    "TOKYO, Jan 3 - Figures published on December 30, 2023 showed ...",
    # Reuters-21578 shape: hard-wrapped lines, indented paragraphs
    "  SALVADOR, Feb 26 - Showers continued throughout the week in\n"
    "the Bahia cocoa zone, alleviating the drought since early 1987\n"
    "and improving prospects for the coming temporao.\n"
    "    Arrivals were 155,221 bags against 1986 ...\n",
])
def test_dateline_without_year_gives_no_date(text):
    assert dft(text) == (None, None)


def test_seed_article_has_no_date():
    assert date_from_text("South Korea and Cuba", SEED.read_text(encoding="utf-8"),
                          today=TODAY) == (None, None)


@pytest.mark.parametrize("text", [
    # the cases of issue 17: wire stories whose other dates are not the publication date
    "NEW YORK, March 3 - The notes, due May 27, 1994, were priced at par.",
    "Bonds due May 27, 1994 were priced at par, the underwriter said.",
    "Year to December 31, 1986\nShr 1.20 dlrs vs 1.05\nNet 12.5 mln vs 10.1 mln",
    "The company said on February 25, 1987 that it would buy the unit.",
    "On September 24, 2024, the foreign ministers met in New York.",
    "The ministry published the figures (2024-09-24) on its site.",
    "Washington, Sept. 24, 2024 - not an all-caps dateline but a full date.",
    "",
    "The ministers met on September 24 in New York.",
    # a sentence that starts like a "Published" line is prose
    "Published on May 3, 1990, the report found the economy had grown.",
    "Published in 1986, the book was a hit.",
    "Published 3 hours ago by Jane Doe\nText.",
])
def test_other_dates_in_the_text_are_not_the_publication_date(text):
    assert dft(text) == (None, None)


@pytest.mark.parametrize("text, expected", [
    ("Published: 24 September 2024\nThe ministers met.", date(2024, 9, 24)),
    ("By Jane Doe\nFirst published on Tue 24 Sep 2024 10.00 BST\nText.", date(2024, 9, 24)),
    ("Posted on September 24, 2024 | Updated September 25, 2024\nText.", date(2024, 9, 24)),
    ("PUBLISHED: Sept. 24, 2024 at 10:02 p.m. ET\nText.", date(2024, 9, 24)),
    # an offset keeps the article's own calendar day (it is 2017-02-24 in UTC)
    ("Published 2017-02-23T17:18:13-08:00\nText.", date(2017, 2, 23)),
])
def test_published_line(text, expected):
    found, rule = dft(text)
    day = found.date() if isinstance(found, datetime) else found
    assert (day, rule) == (expected, "published-line")


@pytest.mark.parametrize("text", [
    "Published: March 1, 2030\nText.",     # future
    "Published: 1 May 1799\nText.",        # < 1800
    "Published: September 2024\nText.",    # no day
    "Published: 05/06/2024\nText.",        # day/month order undecidable
])
def test_published_line_without_usable_date(text):
    assert dft(text) == (None, None)


def test_published_line_only_in_the_head():
    assert dft("x " * 600 + "\nPublished: 24 September 2024\n") == (None, None)


def test_date_from_text_is_fast():
    text = SEED.read_text(encoding="utf-8")
    texts = [text, "HAVANA, Sept. 24 (Reuters) - Cuba said in 2024 ..." + text,
             "Published: 24 September 2024\n" + text]
    n = 300
    start = time.perf_counter()
    for _ in range(n):
        for t in texts:
            date_from_text("title", t, today=TODAY)
    per_call = (time.perf_counter() - start) / (n * len(texts))
    assert per_call < 200e-6  # typically ~5-20 µs; generous bound for slow CI machines


# --- parse_date_param -------------------------------------------------------------------------

@pytest.mark.parametrize("value, start, end", [
    ("2024", date(2024, 1, 1), date(2024, 12, 31)),
    ("2024-09", date(2024, 9, 1), date(2024, 9, 30)),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),   # leap year
    ("2023-02", date(2023, 2, 1), date(2023, 2, 28)),
    ("1900-02", date(1900, 2, 1), date(1900, 2, 28)),   # century, not a leap year
    ("2000-02", date(2000, 2, 1), date(2000, 2, 29)),
    ("2024-12", date(2024, 12, 1), date(2024, 12, 31)),
    ("2024-09-24", date(2024, 9, 24), date(2024, 9, 24)),
    ("2024-02-29", date(2024, 2, 29), date(2024, 2, 29)),
    (" 2024-09-24 ", date(2024, 9, 24), date(2024, 9, 24)),
])
def test_parse_date_param_ok(value, start, end):
    assert parse_date_param(value) == start
    assert parse_date_param(value, end=True) == end


@pytest.mark.parametrize("value, fragment", [
    ("2024-13-01", "month must be 1..12"),
    ("2024-00", "month must be 1..12"),
    ("2024-02-30", "day must be 1..29 for February 2024"),
    ("2023-02-29", "day must be 1..28 for February 2023"),
    ("2024-09-00", "day must be 1..30"),
    ("0000", "year must be"),
    ("24", "expected YYYY, YYYY-MM or YYYY-MM-DD"),
    ("2024-9-1", "zero-padded"),        # strict: zero padding required
    ("2024-09-1", "zero-padded"),
    ("2024/09/24", "expected YYYY"),
    ("24-09-2024", "expected YYYY"),
    ("September 2024", "expected YYYY"),
    ("2024-09-24T10:00", "expected YYYY"),
    ("", "expected YYYY"),
    ("２０２４", "expected YYYY"),     # no non-ASCII digits
])
def test_parse_date_param_errors(value, fragment):
    with pytest.raises(ValueError, match=fragment) as info:
        parse_date_param(value)
    assert repr(value) in str(info.value)


def test_parse_date_param_message():
    with pytest.raises(ValueError) as info:
        parse_date_param("2024-13-01")
    assert str(info.value) == "'2024-13-01' is not a valid date: month must be 1..12"


# --- labels -----------------------------------------------------------------------------------

def test_labels():
    assert month_label(2024, 9) == "September 2024"
    assert month_label(1987, 2) == "February 1987"
    assert day_label(date(2024, 9, 24)) == "24 September 2024"
    assert day_label(date(2024, 9, 5)) == "5 September 2024"
    assert day_label(datetime(2024, 9, 24, 23, 30, tzinfo=tz(-5))) == "24 September 2024"
    with pytest.raises(ValueError):
        month_label(2024, 13)


# --- the real data ----------------------------------------------------------------------------

def test_real_data_wrong_day_rate_under_one_in_a_hundred():
    """bench/eval_dates.py on Reuters-21578 as plain text and the readability pages (~10 s)."""
    if not (SHARED_DATA / "reuters21578").is_dir() or not (SHARED_DATA / "html" / "readability").is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}: real-data date check skipped")
    proc = subprocess.run([sys.executable, "bench/eval_dates.py", "--json", "--data", str(SHARED_DATA)],
                          cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    rates = {k: v for k, v in figures.items() if k.endswith("wrong-day rate")}
    assert len(rates) == 4 and all(v < 0.01 for v in rates.values()), rates
    assert figures["HTML pages (readability): coverage"] == 1.0
