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

With --cv K the development stories are cut into K consecutive blocks; for each, the
weights and the threshold are fitted on the other K-1 and the block is scored: the
per-block micro-F1 (overall and with US left out), their mean and spread, and the
pooled figures are printed.  Every change to the rules or the features of
countries.py is kept only when it raises both pooled figures here.

Usage:  python bench/train_countries.py [DATA_DIR] [--l2 X] [--cv K]
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


def fitted(docs, l2: float) -> tuple[tuple[float, ...], float]:
    """Weights and threshold fitted on these stories."""
    X, y, us = candidates(docs)
    missing = sum(len(g) for *_, g in docs) - int(y.sum())
    missing_no_us = sum(len(g - {"US"}) for *_, g in docs) - int(y[~us].sum())
    w = fit(X, y, l2)
    return tuple(float(v) for v in w), best_threshold(X, y, us, w, missing, missing_no_us)


def cross_validate(dev, k: int, l2: float) -> tuple[float, float]:
    """Pooled micro-F1 (overall, no US) of K-fold cross-validation over consecutive blocks."""
    from eval_countries import Score

    bounds = [round(i * len(dev) / k) for i in range(k + 1)]
    pooled = {"overall": Score(), "no US": Score()}
    per_fold = []
    old = countries.MODEL_WEIGHTS, countries.MODEL_THRESHOLD
    try:
        for i in range(k):
            test, train = dev[bounds[i]:bounds[i + 1]], dev[:bounds[i]] + dev[bounds[i + 1]:]
            countries.MODEL_WEIGHTS, countries.MODEL_THRESHOLD = fitted(train, l2)
            fold = {"overall": Score(), "no US": Score()}
            for _, title, text, gold in test:
                pred = countries.extract_countries(title, text)
                for s in (fold, pooled):
                    s["overall"].add(pred, gold)
                    s["no US"].add([c for c in pred if c != "US"], gold - {"US"})
            per_fold.append((fold["overall"].prf()[2], fold["no US"].prf()[2]))
    finally:
        countries.MODEL_WEIGHTS, countries.MODEL_THRESHOLD = old
    for j, name in enumerate(("overall", "no US")):
        v = [f[j] for f in per_fold]
        print(f"{k}-fold {name:<8} pooled F1={pooled[name].prf()[2]:.4f}  mean={np.mean(v):.4f}  "
              f"spread={min(v):.4f}..{max(v):.4f}  folds: " + " ".join(f"{x:.3f}" for x in v))
    return pooled["overall"].prf()[2], pooled["no US"].prf()[2]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--l2", type=float, default=10.0,
                    help="L2 penalty (10: best of 1, 3, 10, 30 in 5-fold cross-validation)")
    ap.add_argument("--cv", type=int, default=0, help="K-fold cross-validation over the development stories")
    args = ap.parse_args(argv)
    if not args.data.is_dir() or not any(args.data.glob("reut2-*.sgm")):
        print(f"skipped: Reuters-21578 not found at {args.data}")
        return 0
    docs = list(load(args.data))
    dev = [d for d in docs if split_of(d[0]) == "dev"]
    X, y, us = candidates(dev)
    missing = sum(len(g) for *_, g in dev) - int(y.sum())
    missing_no_us = sum(len(g - {"US"}) for *_, g in dev) - int(y[~us].sum())
    if args.cv:
        cross_validate(dev, args.cv, args.l2)
        return 0
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
