"""Measure the publication dates the indexer gives: how often a dated article carries a
wrong day (precision first: a wrong date draws a false bar on the timeline) and how many
articles get a date at all (coverage).

On ../shared/data (relative to the project root; read its README):

* wire text    Reuters-21578 stories saved as plain text with no metadata, read by the
               .txt reader and finished as the indexer does, against each story's own
               <DATE> (the wire's timestamp; its calendar day, as written):
               - "with dateline": headline, line break, dateline + body (datelines have no
                 year: 'SALVADOR, Feb 26 - ...');
               - "without dateline": headline, blank line, body.
* HTML pages   html/readability pages that state a publishedTime, read by the HTML reader
               and finished, against that time's day in its own zone.

A story whose <DATE> does not parse is left out. The wrong-day rate is wrong / dated (the
target: under 1 in 100 dated articles, on every set and overall); coverage is dated / all.
Every figure is printed beside the one saved by the last `--save` run (bench/figures/).

Usage:  python bench/eval_dates.py [--data DIR] [--errors N] [--save] [--json]
Exits 0 with a message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (str(ROOT), str(ROOT / "bench")):
    if p not in sys.path:
        sys.path.insert(0, p)

from figures import beside, previous, save  # noqa: E402
from reuters import read_reuters  # noqa: E402
from search.ingest.article import Article  # noqa: E402
from search.ingest.extract import finish  # noqa: E402
from search.ingest.readers import Problem, text as text_reader  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
NAME = "eval_dates"
TARGET_WRONG = 0.01


@dataclass
class Tally:
    n: int = 0
    dated: int = 0
    wrong: int = 0
    errors: list = field(default_factory=list)

    def add(self, name: str, want: date, article: Article | Problem) -> None:
        self.n += 1
        got = article.published_day if isinstance(article, Article) else None
        if got is None:
            return
        self.dated += 1
        if got != want:
            self.wrong += 1
            self.errors.append((name, want.isoformat(), str(article.published), article.date_source))

    @property
    def wrong_rate(self) -> float:
        return self.wrong / self.dated if self.dated else 0.0

    @property
    def coverage(self) -> float:
        return self.dated / self.n if self.n else 0.0


def read_text_file(content: str, name: str) -> Article | Problem:
    """A .txt file of this content, through the .txt reader and finish(), as indexed."""
    item = next(text_reader.read(content.encode("utf-8"), name, name + ".txt"))
    return item if isinstance(item, Problem) else finish(item)


def wire_sets(data: Path) -> dict[str, Tally]:
    with_dl, without_dl = Tally(), Tally()
    for story in read_reuters(data / "reuters21578"):
        if not story["published"]:
            continue
        want = date.fromisoformat(story["published"][:10])
        name = f"reuters-{story['id']}"
        if story["dateline"]:
            with_dl.add(name, want, read_text_file(f"{story['title']}\n{story['dateline']} {story['body']}", name))
        without_dl.add(name, want, read_text_file(f"{story['title']}\n\n{story['body']}", name))
    return {"wire text with dateline": with_dl, "wire text without dateline": without_dl}


def html_set(data: Path) -> Tally:
    from eval_extraction import Timings, expected_day, readability_pages, run_reader

    tally = Tally()
    for name, raw, meta in readability_pages(data):
        want = expected_day(meta.get("publishedTime") or "")
        if want is not None:
            article, _ = run_reader(raw, name, Timings())
            tally.add(name, want, article)
    return tally


def evaluate(data: Path) -> dict[str, Tally]:
    sets = wire_sets(data)
    sets["HTML pages (readability)"] = html_set(data)
    total = Tally()
    for t in list(sets.values()):
        total.n += t.n
        total.dated += t.dated
        total.wrong += t.wrong
    sets["all"] = total
    return sets


def figures_of(sets: dict[str, Tally]) -> dict[str, float]:
    out = {}
    for label, t in sets.items():
        out[f"{label}: wrong-day rate"] = t.wrong_rate
        out[f"{label}: coverage"] = t.coverage
    return out


def print_table(sets: dict[str, Tally], before: dict[str, float]) -> None:
    w = max(len(k) for k in sets)
    print(f"{'set':<{w}}  {'articles':>8}  {'dated':>6}  {'wrong':>5}  "
          f"{'wrong-day rate (previous)':<27}  {'coverage (previous)':<22}")
    print("-" * (w + 76))
    for label, t in sets.items():
        rate = beside(t.wrong_rate, before.get(f"{label}: wrong-day rate"))
        cov = beside(t.coverage, before.get(f"{label}: coverage"))
        flag = "" if t.wrong_rate < TARGET_WRONG else "   over the target"
        print(f"{label:<{w}}  {t.n:>8}  {t.dated:>6}  {t.wrong:>5}  {rate:<27}  {cov:<22}{flag}")
    print(f"\ntarget: wrong-day rate < {TARGET_WRONG:.2f} on every set (wrong / dated)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--errors", type=int, default=0, metavar="N", help="list N wrong days per set")
    ap.add_argument("--save", action="store_true", help=f"keep these figures as bench/figures/{NAME}.json")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object instead")
    args = ap.parse_args(argv)
    needed = [args.data / "reuters21578", args.data / "html" / "readability"]
    missing = [str(p) for p in needed if not p.exists()]
    if missing:
        print(f"skipped: shared data not found ({', '.join(missing)})")
        return 0
    sets = evaluate(args.data)
    if args.json:
        print(json.dumps(figures_of(sets)))
        return 0
    print_table(sets, previous(NAME))
    if args.errors:
        for label, t in sets.items():
            if t.errors:
                print(f"\nwrong days, {label} (article, expected, got, rule):")
                for e in t.errors[:args.errors]:
                    print("  ", e)
    if args.save:
        print(f"\nsaved: {save(NAME, figures_of(sets))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
