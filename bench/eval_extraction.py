"""Measure what the indexer extracts from real articles, and how fast.

On ../shared/data (relative to the project root; read its README):

* body      shingle F1 of the HTML reader's text against html/scrapinghub/ground-truth.json,
            by the convention of the public article-extraction benchmark: per page, counts
            of true / false / missed word 4-grams (tokens are \\w+ runs) normalised to sum
            to 1, so that every page weighs the same; precision and recall averaged over the
            pages; F1 from the two averages.
* title     on html/readability/*/source.html against expected-metadata.json: exact
            (after whitespace normalisation) and lenient (one contains the other).
* author    every author name extracted occurs in the page's expected byline (lenient: the
            byline may hold more, e.g. 'By Jane Doe, Staff Writer'); 4 of the 52 bylines
            name an organisation, which the person-names-only rule leaves out.
* date      the publication day equals publishedTime's day in its own time zone, on the
            pages that state one.
* countries micro precision / recall / F1 over (story, country) pairs on the Reuters-21578
            stories with a body and a country place (bench/eval_countries.py's reading),
            overall and with US left out.
* speed     ms per article of each stage: HTML parse, body, metadata, countries.

Titles and dates are scored on the finished Article, i.e. after search.ingest.extract.finish
(cleaning, date parsing and validation), exactly as the indexer stores them.

Usage:  python bench/eval_extraction.py [--data DIR] [--sample N] [--compare] [--errors] [--save]
Each figure is printed beside the one saved by the last --save run (bench/figures/).
Exits 0 with a message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (str(ROOT), str(ROOT / "bench")):
    if p not in sys.path:
        sys.path.insert(0, p)

from figures import beside, previous, save  # noqa: E402
from search.ingest.countries import extract_countries  # noqa: E402
from search.ingest.extract import finish  # noqa: E402
from search.ingest.readers import html as html_reader  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"

# ---------------------------------------------------------------------------------------------
# Body: the article-extraction benchmark's shingle matching
# ---------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+")


def _shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(" ".join(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1))
                   if tokens[i:i + n])


def shingle_counts(true: str, pred: str) -> tuple[float, float, float]:
    """(tp, fp, fn) of one page, normalised to sum to 1 (all zeros when both are empty)."""
    t, p = _shingles(true), _shingles(pred)
    tp = fp = fn = 0
    for key in t.keys() | p.keys():
        a, b = t.get(key, 0), p.get(key, 0)
        tp += min(a, b)
        fp += max(0, b - a)
        fn += max(0, a - b)
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fp) if tp + fp else 0.0


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fn) if tp + fn else 0.0


def body_scores(pairs: list[tuple[str, str]]) -> tuple[float, float, float]:
    """(precision, recall, F1) over (true, predicted) body pairs."""
    counts = [shingle_counts(t, p) for t, p in pairs]
    if not counts:
        return 0.0, 0.0, 0.0
    prec = statistics.mean(_precision(*c) for c in counts)
    rec = statistics.mean(_recall(*c) for c in counts)
    return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)


# ---------------------------------------------------------------------------------------------
# Loading the data
# ---------------------------------------------------------------------------------------------


def scrapinghub_pages(data: Path, sample: int | None = None) -> list[tuple[str, bytes, str]]:
    """(id, raw .html.gz bytes, true body) for each page of the benchmark."""
    folder = data / "html" / "scrapinghub"
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for pid in sorted(truth):
        path = folder / f"{pid}.html.gz"
        if path.is_file():
            pages.append((pid, path.read_bytes(), truth[pid].get("articleBody") or ""))
    return _sample(pages, sample)


def readability_pages(data: Path, sample: int | None = None) -> list[tuple[str, bytes, dict]]:
    """(folder name, source.html bytes, expected metadata) for each test page."""
    folder = data / "html" / "readability"
    pages = []
    for meta in sorted(folder.glob("*/expected-metadata.json")):
        source = meta.parent / "source.html"
        if source.is_file():
            pages.append((meta.parent.name, source.read_bytes(),
                          json.loads(meta.read_text(encoding="utf-8"))))
    return _sample(pages, sample)


def _sample(items: list, n: int | None) -> list:
    """Every k-th item (a spread over the whole set, not its first files)."""
    if not n or n >= len(items):
        return items
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


# ---------------------------------------------------------------------------------------------
# Running the reader with stage timings
# ---------------------------------------------------------------------------------------------


@dataclass
class Timings:
    stages: dict[str, list[float]] = field(default_factory=dict)

    def add(self, stage: str, seconds: float) -> None:
        self.stages.setdefault(stage, []).append(seconds)

    def ms(self, stage: str) -> float | None:
        values = self.stages.get(stage)
        return 1000 * statistics.mean(values) if values else None


def run_reader(raw: bytes, name: str, timings: Timings):
    """The finished Article of one page, through the reader the indexer uses, timing each
    stage when the reader exposes them (parse_html / body_text / page_metadata)."""
    staged = all(hasattr(html_reader, f) for f in ("parse_html", "body_text", "page_metadata"))
    t0 = time.perf_counter()
    data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    if staged:
        doc = html_reader.parse_html(data)
        t1 = time.perf_counter()
        meta = html_reader.page_metadata(doc)
        t2 = time.perf_counter()
        text = html_reader.body_text(doc)
        t3 = time.perf_counter()
        if not meta.get("language") and hasattr(html_reader, "detect_language"):
            meta["language"] = html_reader.detect_language(text)  # metadata, but needs the body
        t2 += time.perf_counter() - t3
        t3 = time.perf_counter()
        timings.add("HTML parse", t1 - t0)
        timings.add("metadata", t2 - t1)
        timings.add("body", t3 - t2)
        page = html_reader.HtmlPage(text=text, **meta)
    else:
        page = html_reader.extract_html(data)
        t3 = time.perf_counter()
        timings.add("parse+body+metadata", t3 - t0)
    from search.ingest.article import Article

    article = Article(id=name, title=page.title, text=page.text, url=page.url, source=page.source,
                      author=page.author, language=page.language, published=page.published,
                      date_source=page.date_source)
    raw_text = article.text
    t4 = time.perf_counter()
    finished = finish(article)  # cleaning, date validation, countries, source
    t5 = time.perf_counter()
    timings.add("finish (clean, dates, countries)", t5 - t4)
    timings.add("total HTML page", (t3 - t0) + (t5 - t4))
    return finished, raw_text


# ---------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------

_WS = re.compile(r"\s+")


def norm_title(s: str | None) -> str:
    return _WS.sub(" ", s or "").strip()


def expected_day(value: str) -> date | None:
    """publishedTime's day in its own time zone ('2019-01-03T07:00:02.000Z' -> 2019-01-03)."""
    m = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value or "")
    return date(int(m[1]), int(m[2]), int(m[3])) if m else None


def article_day(article) -> date | None:
    if not hasattr(article, "published"):
        return None
    pub = article.published
    if isinstance(pub, datetime):
        return pub.date()
    return pub if isinstance(pub, date) else None


def countries_scores(data: Path, sample: int | None = None) -> dict:
    from eval_countries import Score, load

    docs = _sample(list(load(data / "reuters21578")), sample)
    extract_countries("warm up", "LONDON, June 1 - tables are built on first use.")
    all_, no_us = Score(), Score()
    elapsed = 0.0
    for _, title, text, gold in docs:
        t0 = time.perf_counter()
        pred = extract_countries(title, text)
        elapsed += time.perf_counter() - t0
        all_.add(pred, gold)
        no_us.add([c for c in pred if c != "US"], gold - {"US"})
    return {"n": len(docs), "all": _prf(all_), "no_us": _prf(no_us),
            "ms": 1000 * elapsed / max(1, len(docs))}


def _prf(s) -> tuple[float, float, float]:
    p = s.tp / (s.tp + s.fp) if s.tp + s.fp else 0.0
    r = s.tp / (s.tp + s.fn) if s.tp + s.fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(data: Path, sample: int | None = None, errors: bool = False,
             countries: bool = True) -> dict:
    """Every figure of the table, as a dict (used by the tests too)."""
    res: dict = {}
    timings = Timings()
    # Warm up (imports, lazily built tables) outside the timings.
    # py3langid loads its model once per process (~0.5 s): not a per-page cost.
    warm = "<p>This page only warms up the readers, the tables and the language model.</p>" * 3
    run_reader(f"<html><head><title>x</title></head><body>{warm}</body></html>".encode(),
               "warm-up", Timings())

    pairs = []
    body_errors = []
    for pid, raw, true in scrapinghub_pages(data, sample):
        article, raw_text = run_reader(raw, pid, timings)
        pred = article.text if hasattr(article, "text") else raw_text
        pairs.append((true, pred))
        if errors:
            tp, fp, fn = shingle_counts(true, pred)
            body_errors.append((_precision(tp, fp, fn), _recall(tp, fp, fn), pid))
    res["body"] = body_scores(pairs)
    res["body_n"] = len(pairs)

    exact = lenient = titled = 0
    dated = day_ok = 0
    langs = lang_ok = detect_ok = 0
    bylines = byline_ok = 0
    title_errors, date_errors = [], []
    for name, raw, meta in readability_pages(data, sample):
        article, _ = run_reader(raw, name, timings)
        got = norm_title(getattr(article, "title", ""))
        want = norm_title(meta.get("title"))
        if want:
            titled += 1
            exact += got == want
            ok = bool(got) and (got in want or want in got)
            lenient += ok
            if got != want:
                title_errors.append((name, want, got, "lenient" if ok else "WRONG"))
        want_lang = (meta.get("lang") or "").split("-")[0].lower()
        if want_lang:
            langs += 1
            lang_ok += (getattr(article, "language", None) or "").split("-")[0].lower() == want_lang
            detect = getattr(html_reader, "detect_language", None)
            detect_ok += bool(detect) and (detect(getattr(article, "text", "")) or "") == want_lang
        want_by = norm_title(meta.get("byline")).lower()
        if want_by:
            bylines += 1
            # Authors are a list of person names: each must be in the byline.
            got_names = [norm_title(n).lower() for n in getattr(article, "authors", [])]
            byline_ok += bool(got_names) and all(n in want_by or want_by in n for n in got_names)
        day = expected_day(meta.get("publishedTime") or "")
        if day is not None:
            dated += 1
            got_day = article_day(article)
            day_ok += got_day == day
            if got_day != day:
                date_errors.append((name, meta.get("publishedTime"), getattr(article, "published", None),
                                    getattr(article, "date_source", None)))
    res["title_exact"] = exact / titled if titled else 0.0
    res["title_lenient"] = lenient / titled if titled else 0.0
    res["title_n"] = titled
    res["day"] = day_ok / dated if dated else 0.0
    res["day_n"] = dated
    res["language"] = (lang_ok / langs if langs else 0.0, detect_ok / langs if langs else 0.0, langs)
    res["byline"] = (byline_ok / bylines if bylines else 0.0, bylines)
    res["timings"] = {k: timings.ms(k) for k in timings.stages}
    res["html_pages"] = len(timings.stages.get("total HTML page", []))
    if countries:
        res["countries"] = countries_scores(data, sample)
    if errors:
        res["errors"] = {"body": sorted(body_errors)[:25], "title": title_errors, "date": date_errors}
    return res


def figures_of(res: dict) -> dict[str, float]:
    """The table's figures by label (what --save keeps in bench/figures/eval_extraction.json)."""
    p, r, f = res["body"]
    out = {"body P": p, "body R": r, "body F1": f, "title exact": res["title_exact"],
           "title lenient": res["title_lenient"], "publication day": res["day"],
           "language": res["language"][0], "language detected": res["language"][1],
           "author lenient": res["byline"][0]}
    if "countries" in res:
        for key in ("all", "no_us"):
            for label, value in zip("PRF", res["countries"][key]):
                out[f"countries {key} {label}"] = value
    return out


def print_table(res: dict, before: dict[str, float] | None = None) -> None:
    """The figures, each beside the one saved by the last --save run."""
    before = before or {}

    def fig(label: str, value: float) -> str:
        return beside(value, before.get(label))

    p, r, f = res["body"]
    lang_ok, detect_ok, n_lang = res["language"]
    rows = [("body shingle F1 (scrapinghub)", f"F1 {fig('body F1', f)}  P {p:.3f}  R {r:.3f}",
             f"{res['body_n']} pages", ">= 0.975"),
            ("title exact (readability)", fig("title exact", res["title_exact"]), f"{res['title_n']} pages", ">= 0.93"),
            ("title lenient (readability)", fig("title lenient", res["title_lenient"]), f"{res['title_n']} pages",
             ">= 0.97"),
            ("publication day (readability)", fig("publication day", res["day"]), f"{res['day_n']} pages with one",
             "1.000"),
            ("language (declared, else detected)", fig("language", lang_ok), f"{n_lang} pages with one", "-"),
            ("language detected from text alone", fig("language detected", detect_ok), f"{n_lang} pages with one",
             "-"),
            ("author, lenient (readability byline)", fig("author lenient", res["byline"][0]),
             f"{res['byline'][1]} pages with one", "-")]
    if "countries" in res:
        c = res["countries"]
        for key, label, target in (("all", "countries micro (Reuters)", ">= 0.955"),
                                   ("no_us", "countries micro, US left out", ">= 0.915")):
            p, r, f = c[key]
            rows.append((label, f"F1 {fig(f'countries {key} F', f)}  P {p:.3f}  R {r:.3f}", f"{c['n']} stories",
                         target))
    w = max(len(r[0]) for r in rows)
    print(f"{'measure':<{w}}  {'figure (previous)':<44}  {'on':<20}  target")
    print("-" * (w + 78))
    for name, figure, on, target in rows:
        print(f"{name:<{w}}  {figure:<44}  {on:<20}  {target}")
    print()
    print(f"speed, ms per article ({res['html_pages']} HTML pages)")
    for stage, ms in res["timings"].items():
        if ms is not None:
            print(f"  {stage:<34} {ms:8.2f} ms" + ("   (target < 25)" if stage == "total HTML page" else ""))
    if "countries" in res:
        print(f"  {'countries (Reuters story)':<34} {res['countries']['ms']:8.3f} ms   (target < 0.3)")


# ---------------------------------------------------------------------------------------------
# Alternatives, for choosing libraries (--compare)
# ---------------------------------------------------------------------------------------------


def compare(data: Path, sample: int | None = None) -> None:
    """Body F1 and time of other ways to get the text, and htmldate's day, for comparison."""
    pages = [(pid, gzip.decompress(raw), true) for pid, raw, true in scrapinghub_pages(data, sample)]
    ways = {}

    def whole_page(markup: bytes) -> str:
        from bs4 import BeautifulSoup

        return BeautifulSoup(markup, "lxml").get_text(" ")
    ways["BeautifulSoup whole page"] = whole_page
    try:
        import trafilatura

        ways["trafilatura default"] = lambda m: trafilatura.extract(m) or ""
        ways["trafilatura favor_precision"] = lambda m: trafilatura.extract(m, favor_precision=True) or ""
        ways["trafilatura favor_recall"] = lambda m: trafilatura.extract(m, favor_recall=True) or ""
        ways["trafilatura no fallback"] = lambda m: trafilatura.extract(m, no_fallback=True) or ""
    except ImportError:
        print("trafilatura not installed: not compared")
    for name, fn in ways.items():
        fn(b"<html><body><p>warm up</p></body></html>")
        t0 = time.perf_counter()
        preds = [fn(markup) for _, markup, _ in pages]
        ms = 1000 * (time.perf_counter() - t0) / len(pages)
        p, r, f = body_scores([(true, pred) for (_, _, true), pred in zip(pages, preds)])
        print(f"  body  {name:<30} P {p:.3f} R {r:.3f} F1 {f:.3f}  {ms:6.1f} ms/page")
    try:
        from htmldate import find_date
    except ImportError:
        return
    ok = n = 0
    t0 = time.perf_counter()
    for name, raw, meta in readability_pages(data, sample):
        day = expected_day(meta.get("publishedTime") or "")
        if day is None:
            continue
        n += 1
        got = find_date(raw.decode("utf-8", "replace"), original_date=True, extensive_search=False)
        ok += got == day.isoformat()
    print(f"  date  htmldate (original, not extensive)  {ok}/{n} days   "
          f"{1000 * (time.perf_counter() - t0) / max(1, n):.1f} ms/page")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--sample", type=int, default=None, help="use N pages / stories spread over each set")
    ap.add_argument("--compare", action="store_true", help="also measure alternative libraries")
    ap.add_argument("--errors", action="store_true", help="list the pages that miss")
    ap.add_argument("--no-countries", action="store_true")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object instead")
    ap.add_argument("--save", action="store_true", help="keep these figures as bench/figures/eval_extraction.json")
    args = ap.parse_args(argv)
    needed = [args.data / "html" / "scrapinghub" / "ground-truth.json", args.data / "html" / "readability",
              args.data / "reuters21578"]
    missing = [str(p) for p in needed if not p.exists()]
    if missing:
        print(f"skipped: shared data not found ({', '.join(missing)})")
        return 0
    res = evaluate(args.data, args.sample, errors=args.errors, countries=not args.no_countries)
    if args.json:
        print(json.dumps(res, default=str))
        return 0
    print_table(res, previous("eval_extraction"))
    if args.save:
        print(f"saved: {save('eval_extraction', figures_of(res))}")
    if args.errors:
        print("\nworst bodies (precision, recall, page):")
        for prec, rec, pid in res["errors"]["body"]:
            print(f"  {prec:.2f} {rec:.2f} {pid}")
        print("\ntitles that differ (page, expected, got):")
        for e in res["errors"]["title"]:
            print("  ", e)
        print("\ndays that differ (page, publishedTime, got, rule):")
        for e in res["errors"]["date"]:
            print("  ", e)
    if args.compare:
        print("\nalternatives:")
        compare(args.data, args.sample)
    return 0


if __name__ == "__main__":
    sys.exit(main())
