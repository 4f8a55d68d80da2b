"""Wire-copy detection on Reuters-21578's real repeats: precision and recall of the
index-time story grouping against exact word 4-gram resemblance.

    .venv/bin/python bench/eval_duplicates.py

Ground truth: pairs of stories whose exact resemblance (Jaccard of word 4-grams)
is >= the threshold, among all pairs with the same title (Reuters repeats keep
their slug and title) plus every pair the detector grouped. Pairs of copies with
different titles that the detector also missed are not counted: recall is an
upper bound on that account."""

from __future__ import annotations

import itertools
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
DATA = PROJECT.parent / "shared" / "data" / "reuters21578"
sys.path[:0] = [str(HERE), str(PROJECT)]


def shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + 4]) for i in range(len(words) - 3)}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def main() -> int:
    if not DATA.is_dir():
        print(f"skipped: {DATA} is absent (Reuters-21578 is needed)")
        return 0
    from reuters import read_reuters
    from search.ingest.duplicates import MIN_WORDS, THRESHOLD, StoryFinder

    stories = [s for s in read_reuters(DATA) if len(re.findall(r"\w+", s["text"])) >= MIN_WORDS]
    finder = StoryFinder(Path(tempfile.mkdtemp()) / "stories.sqlite", keep_existing=False)
    start = time.perf_counter()
    story_of = {s["id"]: finder.story(s["id"], s["text"]) for s in stories}
    elapsed = time.perf_counter() - start
    finder.close()

    by_id = {s["id"]: s for s in stories}
    cache: dict[str, set] = {}

    def sh(i: str) -> set:
        if i not in cache:
            cache[i] = shingles(by_id[i]["text"])
        return cache[i]

    groups = defaultdict(list)
    for i, st in story_of.items():
        groups[st].append(i)
    predicted = {tuple(sorted(p)) for g in groups.values() for p in itertools.combinations(g, 2)}
    by_title = defaultdict(list)
    for s in stories:
        by_title[" ".join(s["title"].lower().split())].append(s["id"])
    candidates = predicted | {tuple(sorted(p)) for g in by_title.values() if len(g) > 1
                              for p in itertools.combinations(g, 2)}
    truth = {p for p in candidates if jaccard(sh(p[0]), sh(p[1])) >= THRESHOLD}
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(truth) if truth else 1.0
    print(f"Reuters-21578: {len(stories)} stories of {MIN_WORDS}+ words; threshold {THRESHOLD} (word 4-gram Jaccard)")
    print(f"  copy pairs (exact resemblance >= {THRESHOLD}): {len(truth)}")
    print(f"  pairs grouped by the detector:                {len(predicted)}")
    print(f"  precision {precision:.3f}   recall {recall:.3f}   "
          f"F1 {2 * precision * recall / (precision + recall or 1):.3f}")
    print(f"  stories with copies: {sum(1 for g in groups.values() if len(g) > 1)}; "
          f"largest group {max(len(g) for g in groups.values())}")
    print(f"  {elapsed / len(stories) * 1e6:.0f} µs per story (signature + lookup)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
