"""The product's ranking function: BM25F with the Robertson-Sparck Jones IDF."""

from __future__ import annotations

import math

from whoosh import scoring


class ProbabilisticBM25F(scoring.BM25F):
    """BM25F with the Robertson-Sparck Jones IDF, log(1 + (N - n + 0.5) / (n + 0.5)),
    instead of Whoosh's log(N / (n + 1)) + 1: a word found in half the articles
    weighs little beside a rare one, so a question's common words do not swamp its topic."""

    def idf(self, searcher, fieldname, text):
        parent = searcher.get_parent()
        return self.idf_of(parent.doc_frequency(fieldname, text), parent.doc_count_all())

    @staticmethod
    def idf_of(n: int, docs: int) -> float:
        """The IDF of a word in n of docs articles (IndexArrays knows n of the words whose
        postings it read, without a lookup in every segment)."""
        return math.log(1 + (docs - n + 0.5) / (n + 0.5))
