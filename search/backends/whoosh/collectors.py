"""Whoosh collectors that keep to a search's time budget (the reference path: queries
numpy does not evaluate are collected by Whoosh's matchers)."""

from __future__ import annotations

import time

from whoosh import collectors

from ...core.backend import SearchTimeout
from . import internals


class Budget:
    """A deadline checked every 1,024 collected documents: cheap, and no timer thread."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.perf_counter() + seconds
        self.count = 0

    def tick(self) -> None:
        self.count += 1
        if not self.count & 1023:
            self.check()

    def check(self) -> None:
        if time.perf_counter() > self.deadline:
            raise SearchTimeout(f"the search took longer than {self.seconds:g} s; narrow it with more "
                                "words, a phrase or filters")


class DocsetTopCollector(internals.TopCollector):
    """Top N by score that also remembers every match, so the total and the facet
    counts come from the same pass instead of running the query again."""

    def __init__(self, limit: int, budget: Budget) -> None:
        super().__init__(limit=limit, usequality=False)
        # Whoosh swaps in a leaner matcher that skips documents unable to reach the
        # heap's minimum score: those would be missing from the total and the facets.
        self.replace = 0
        self.budget = budget

    def on_match(self, global_docnum: int) -> None:
        self.budget.tick()
        self.docset.add(global_docnum)


class BudgetUnsortedCollector(collectors.UnsortedCollector):
    def __init__(self, budget: Budget) -> None:
        super().__init__()
        self.budget = budget

    def collect(self, sub_docnum):
        self.budget.tick()
        return super().collect(sub_docnum)


class BudgetUnlimitedCollector(internals.UnlimitedCollector):
    def __init__(self, budget: Budget) -> None:
        super().__init__()
        self.budget = budget

    def on_match(self, global_docnum: int) -> None:
        self.budget.tick()

    def all_ids(self):
        return self.docset

    def count(self):
        return len(self.docset)
