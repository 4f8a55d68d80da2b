"""Fit the candidate model of search/ingest/countries.py on the development half of Reuters-21578.

Every country the extractor finds in a story is a candidate with a few
features (search.ingest.countries.FEATURES: where it is named -- title, dateline,
lead, rest --, how often and how, its share of the best score, how many
countries the story names, ...).  A candidate is positive when the story's
<PLACES> hold it.  An L2-regularised logistic regression is fitted by Newton's
method on reut2-000 .. reut2-007 only; the held-out half reut2-008 .. 015 is
only scored.  The script prints the weights and the threshold to paste into
MODEL_WEIGHTS / MODEL_THRESHOLD in search/ingest/countries.py, and the table with
the current model and with the fitted one.

Usage:  python bench/train_countries.py [DATA_DIR] [--l2 X]
Exits 0 with a message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eval_countries import DEFAULT_DATA, load, print_table, score_table, split_of  # noqa: E402
from search.ingest import countries  # noqa: E402


def candidates(docs):
    """(features, labels, is-US flags) over all candidates of the given stories."""
    X, y, us = [], [], []
    for _, title, text, gold in docs:
        scores, _, stats, n_tokens = countries._scores(title, text)
        if not scores:
            continue
        for code, f in countries._features(scores, stats, n_tokens).items():
            X.append(f)
            y.append(1.0 if code in gold else 0.0)
            us.append(code == "US")
    return np.array(X), np.array(y), np.array(us)


def fit(X: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    w = np.zeros(X.shape[1])
    reg = np.full(X.shape[1], l2)
    reg[0] = 0.0  # no penalty on the bias
    for _ in range(50):
        p = 1 / (1 + np.exp(-X @ w))
        grad = X.T @ (p - y) + reg * w
        H = (X * (p * (1 - p))[:, None]).T @ X + np.diag(reg)
        step = np.linalg.solve(H, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def best_threshold(X, y, us, w, missing: int, missing_no_us: int) -> float:
    """The probability cut (on a coarse grid) with the best mean of micro-F1 overall and
    micro-F1 with US left out, on these candidates."""
    p = 1 / (1 + np.exp(-X @ w))
    best, best_f = 0.5, -1.0
    for t in np.arange(0.30, 0.61, 0.05):
        keep = p >= t
        f = 0.0
        for mask, miss in ((np.ones_like(us), missing), (~us, missing_no_us)):
            tp = float((keep & mask & (y == 1)).sum())
            fp = float((keep & mask & (y == 0)).sum())
            fn = float((~keep & mask & (y == 1)).sum()) + miss
            f += tp / (2 * tp + fp + fn)
        if f > best_f:
            best, best_f = float(t), f
    return round(best, 2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--l2", type=float, default=1.0)
    args = ap.parse_args(argv)
    if not args.data.is_dir() or not any(args.data.glob("reut2-*.sgm")):
        print(f"skipped: Reuters-21578 not found at {args.data}")
        return 0
    docs = list(load(args.data))
    dev = [d for d in docs if split_of(d[0]) == "dev"]
    X, y, us = candidates(dev)
    missing = sum(len(g) for *_, g in dev) - int(y.sum())
    missing_no_us = sum(len(g - {"US"}) for *_, g in dev) - int(y[~us].sum())
    w = fit(X, y, args.l2)
    t = best_threshold(X, y, us, w, missing, missing_no_us)
    print(f"{len(dev)} development stories, {len(y)} candidates ({int(y.sum())} positive, "
          f"{missing} gold countries never named)")
    print("\nMODEL_WEIGHTS = (")
    for name, v in zip(countries.FEATURES, w):
        print(f"    {v:+.3f},  # {name}")
    print(")")
    print(f"MODEL_THRESHOLD = {t}")

    print("\nwith the model in search/ingest/countries.py:")
    print_table(score_table(docs, countries.extract_countries)[0])
    old = countries.MODEL_WEIGHTS, countries.MODEL_THRESHOLD
    countries.MODEL_WEIGHTS, countries.MODEL_THRESHOLD = tuple(float(v) for v in w), t
    try:
        print("\nwith the model just fitted:")
        print_table(score_table(docs, countries.extract_countries)[0])
    finally:
        countries.MODEL_WEIGHTS, countries.MODEL_THRESHOLD = old
    return 0


if __name__ == "__main__":
    sys.exit(main())
