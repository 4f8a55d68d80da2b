"""What the other-number forms a query word also searches (search/backends/whoosh/plurals.py)
add, on every word of a language's word list taken as a query: how many words find more of
the list than their Snowball stem alone found, how many words each finds on average before
and after, and a sample of the words gained, to read. Word lists: Debian's wspanish,
wportuguese and wfrench (`apt-get install wspanish wportuguese wfrench`, or
`apt-get download` them and `dpkg-deb -x` into a folder given with --dicts).

    .venv/bin/python bench/eval_plurals.py [--dicts /usr/share/dict] [--sample 20]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.backends.whoosh.analysis import fold, stemmer  # noqa: E402
from search.backends.whoosh.plurals import other_number  # noqa: E402

LISTS = ("spanish", "portuguese", "french")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dicts", type=Path, default=Path("/usr/share/dict"))
    parser.add_argument("--sample", type=int, default=20)
    args = parser.parse_args()
    missing = [name for name in LISTS if not (args.dicts / name).is_file()]
    if missing:
        print(f"no word list {', '.join(missing)} in {args.dicts}: install wspanish, wportuguese, wfrench")
        return 2
    rng = random.Random(7)
    print(f"{'language':<11} {'words':>7} {'finding more':>13} {'found before':>13} {'found after':>12}")
    samples = []
    for language in LISTS:
        words = sorted({fold(w) for w in (args.dicts / language).read_text(encoding="utf-8").split()
                        if w.isalpha()})
        stem = stemmer(language)
        by_term: dict[str, set[str]] = defaultdict(set)
        for w in words:
            by_term[stem(w)].add(w)
        more, before, after, gained = 0, 0, 0, []
        for w in words:
            found = by_term[stem(w)]
            extra = set().union(*(by_term.get(stem(o), set()) for o in other_number(language, w))) - found
            before += len(found)
            after += len(found) + len(extra)
            if extra:
                more += 1
                gained.append(f"{w}->{'|'.join(sorted(extra)[:3])}")
        print(f"{language:<11} {len(words):>7} {more:>13} {before / len(words):>13.2f} {after / len(words):>12.2f}")
        samples.append((language, rng.sample(gained, min(args.sample, len(gained)))))
    for language, gained in samples:
        print(f"\n{language}: " + ", ".join(gained))
    return 0


if __name__ == "__main__":
    sys.exit(main())
