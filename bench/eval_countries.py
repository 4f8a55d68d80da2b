"""Measure search.ingest.countries.extract_countries on Reuters-21578.

Reads ../shared/data/reuters21578/reut2-*.sgm (relative to the project root),
compares the predicted codes with each story's <PLACES> (mapped to ISO
alpha-2) and prints micro precision / recall / F1, the accuracy of the first
predicted code and the time per article.  Stories without a country place or
without a body are skipped.  The figures are printed overall and with US left
out (US is more than half of all pairs), for the development half
(reut2-000 .. reut2-007: every weight and rule in search/ingest/countries.py is
chosen on it), the held-out half (reut2-008 .. reut2-015: only reported) and
all files.

Each F1 is printed beside the one saved by the last --save run (bench/figures/).

Usage:  python bench/eval_countries.py [DATA_DIR] [--errors N] [--analysis] [--save]
Exits 0 with a message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from figures import previous, save  # noqa: E402
from search.ingest.countries import extract_countries  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "reuters21578"

# Reuters place codes whose ISO code is not found by name.  Former states map
# to their main successor, as the extractor does (USSR -> RU, Zaire -> CD).
PLACE_CODES = {
    "usa": "US", "uk": "GB", "ussr": "RU", "west-germany": "DE", "east-germany": "DE",
    "hong-kong": "HK", "south-korea": "KR", "north-korea": "KP", "iran": "IR", "taiwan": "TW",
    "uae": "AE", "ivory-coast": "CI", "kampuchea": "KH", "burma": "MM", "zaire": "CD",
    "congo": "CG", "czechoslovakia": "CZ", "yugoslavia": "RS", "yemen-arab-republic": "YE",
    "yemen-demo-republic": "YE", "trinidad-tobago": "TT", "western-samoa": "WS",
    "vatican": "VA", "macao": "MO", "bolivia": "BO", "tanzania": "TZ", "syria": "SY",
    "vietnam": "VN", "laos": "LA", "brunei": "BN", "swaziland": "SZ",
    "netherlands-antilles": "CW", "us-virgin-islands": "VI", "british-virgin-islands": "VG",
    "cape-verde": "CV", "turkey": "TR", "russia": "RU", "venezuela": "VE", "moldova": "MD",
    "antigua": "AG", "guinea-bissau": "GW", "central-african-republic": "CF",
    "dominican-republic": "DO", "el-salvador": "SV", "equatorial-guinea": "GQ",
    "french-guiana": "GF", "new-caledonia": "NC", "new-zealand": "NZ",
    "papua-new-guinea": "PG", "saudi-arabia": "SA", "sierra-leone": "SL",
    "south-africa": "ZA", "sri-lanka": "LK", "costa-rica": "CR", "burkina-faso": "BF",
    "american-samoa": "AS", "cayman-islands": "KY",
}

_DOC = re.compile(r"<REUTERS\b.*?</REUTERS>", re.S)
_PLACES = re.compile(r"<PLACES>(.*?)</PLACES>", re.S)
_D = re.compile(r"<D>(.*?)</D>")
_TITLE = re.compile(r"<TITLE>(.*?)</TITLE>", re.S)
_DATELINE = re.compile(r"<DATELINE>(.*?)</DATELINE>", re.S)
_BODY = re.compile(r"<BODY>(.*?)</BODY>", re.S)
_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f]")


def place_to_iso(place: str) -> str | None:
    if place in PLACE_CODES:
        return PLACE_CODES[place]
    import pycountry

    try:
        return pycountry.countries.lookup(place.replace("-", " ")).alpha_2
    except LookupError:
        return None


def _text(m: re.Match | None) -> str:
    return _CTRL.sub("", html.unescape(m.group(1))) if m else ""


def load(data: Path):
    """Yield (file index, title, text, gold codes) for usable stories."""
    for i, f in enumerate(sorted(data.glob("reut2-*.sgm"))):
        raw = f.read_text(encoding="latin-1")
        for m in _DOC.finditer(raw):
            doc = m.group(0)
            pm = _PLACES.search(doc)
            places = _D.findall(pm.group(1)) if pm else []
            gold = {c for c in (place_to_iso(p) for p in places) if c}
            body = _text(_BODY.search(doc))
            if not gold or not body.strip():
                continue
            title = " ".join(_text(_TITLE.search(doc)).split())
            dateline = _text(_DATELINE.search(doc)).strip()
            text = f"{dateline} {body}" if dateline else body
            yield i, title, text, gold


class Score:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = self.first_ok = self.n = 0

    def add(self, pred: list[str], gold: set[str]) -> None:
        p = set(pred)
        self.tp += len(p & gold)
        self.fp += len(p - gold)
        self.fn += len(gold - p)
        self.first_ok += bool(pred) and pred[0] in gold
        self.n += 1

    def prf(self) -> tuple[float, float, float]:
        prec = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        rec = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)

    def line(self, name: str) -> str:
        prec, rec, f1 = self.prf()
        first = self.first_ok / self.n if self.n else 0.0
        return (f"{name:<11} n={self.n:<6} precision={prec:.3f} recall={rec:.3f} "
                f"F1={f1:.3f} first-code accuracy={first:.3f}")


#: Files reut2-000 .. reut2-007 are the development half (every weight and rule
#: of search/ingest/countries.py is chosen on them); reut2-008 .. reut2-015 are held out.
DEV_FILES = range(0, 8)

SPLITS = ("dev", "held-out", "all")


def split_of(i: int) -> str:
    return "dev" if i in DEV_FILES else "held-out"


def score_table(docs, predict) -> tuple[dict, float]:
    """{(split, "overall" | "no US"): Score} and seconds spent in ``predict``."""
    scores = {(s, k): Score() for s in SPLITS for k in ("overall", "no US")}
    elapsed = 0.0
    for i, title, text, gold in docs:
        t0 = time.perf_counter()
        pred = predict(title, text)
        elapsed += time.perf_counter() - t0
        for s in (split_of(i), "all"):
            scores[s, "overall"].add(pred, gold)
            scores[s, "no US"].add([c for c in pred if c != "US"], gold - {"US"})
    return scores, elapsed


def figures_of(scores: dict) -> dict[str, float]:
    """F1 of each split, overall and without US (what --save keeps in bench/figures/)."""
    return {f"{s} {k} F1": scores[s, k].prf()[2] for s in SPLITS for k in ("overall", "no US")}


def print_table(scores: dict, before: dict[str, float] | None = None) -> None:
    """The table; with `before` (saved figures), each F1 beside the previous one."""
    print(f"{'split':<9} {'stories':>7}  {'overall P / R / F1':<22}  {'no US P / R / F1':<22}"
          + ("  previous F1 overall / no US" if before is not None else ""))
    for s in SPLITS:
        o, u = scores[s, "overall"], scores[s, "no US"]
        fo = " / ".join(f"{x:.3f}" for x in o.prf())
        fu = " / ".join(f"{x:.3f}" for x in u.prf())
        was = ""
        if before is not None:
            was = "  " + " / ".join(f"{before[f'{s} {k} F1']:.3f}" if f"{s} {k} F1" in before else "-"
                                    for k in ("overall", "no US"))
        print(f"{s:<9} {o.n:>7}  {fo:<22}  {fu:<22}{was}")


def error_analysis(docs, predict, split: str, top: int = 25) -> None:
    """False positives and negatives by country, on one split."""
    from collections import Counter

    fp, fn = Counter(), Counter()
    for i, title, text, gold in docs:
        if split != "all" and split_of(i) != split:
            continue
        pred = set(predict(title, text))
        fp.update(pred - gold)
        fn.update(gold - pred)
    print(f"\nerrors on {split}: {sum(fp.values())} false positives, {sum(fn.values())} false negatives")
    print("false positives:", ", ".join(f"{c} {n}" for c, n in fp.most_common(top)))
    print("false negatives:", ", ".join(f"{c} {n}" for c, n in fn.most_common(top)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--errors", type=int, default=0,
                    help="print N wrong predictions (development half only)")
    ap.add_argument("--analysis", action="store_true",
                    help="false positives / negatives by country on the development half")
    ap.add_argument("--save", action="store_true", help="keep these figures as bench/figures/eval_countries.json")
    args = ap.parse_args(argv)
    if not args.data.is_dir() or not any(args.data.glob("reut2-*.sgm")):
        print(f"skipped: Reuters-21578 not found at {args.data}")
        return 0

    docs = list(load(args.data))
    extract_countries("warm up", "LONDON, June 1 - tables are built on first use.")
    scores, elapsed = score_table(docs, extract_countries)
    print_table(scores, previous("eval_countries"))
    if args.save:
        print(f"saved: {save('eval_countries', figures_of(scores))}")
    words = sum(len(t.split()) for _, _, t, _ in docs) / max(1, len(docs))
    print(f"speed     {elapsed / max(1, len(docs)) * 1e3:.3f} ms per story "
          f"(mean {words:.0f} words)")
    if args.analysis:
        error_analysis(docs, extract_countries, "dev")
    shown = 0
    for i, title, text, gold in docs:
        if shown >= args.errors:
            break
        if split_of(i) != "dev":
            continue
        pred = extract_countries(title, text)
        if set(pred) != gold:
            shown += 1
            print("\n", (title, text[:200].replace("\n", " "), sorted(gold), pred))
    return 0


if __name__ == "__main__":
    sys.exit(main())
