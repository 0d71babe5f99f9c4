"""BM25 ranking over the index's postings.

The scores are Okapi BM25 exactly as rank-bm25's ``BM25Okapi.get_scores`` computes them (k1 1.5,
b 0.75), with two of its faults mended: the idf is Lucene's, never zero or negative, and only
paragraphs that share a term with the question are ranked, from precomputed postings, so that a
question costs time in proportion to the postings it touches, not to the size of the corpus.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simbot.index import FloatArray, Index


@dataclass(frozen=True, slots=True)
class Hit:
    """A paragraph and its BM25 score for a question."""

    pid: int
    score: float


class Retriever:
    """Ranks the paragraphs of one index for weighted query terms."""

    def __init__(self, index: Index) -> None:
        self.index = index

    def scores(self, query: Sequence[tuple[int, float]]) -> FloatArray:
        """BM25 score of every paragraph for ``(term id, weight)`` pairs, in query order."""
        index = self.index
        scores = np.zeros(len(index.paragraphs), dtype=np.float64)
        for term, weight in query:
            start, end = int(index.offsets[term]), int(index.offsets[term + 1])
            contribution = index.idf[term] * index.weights[start:end]
            if weight != 1.0:
                contribution = contribution * weight
            scores[index.postings[start:end]] += contribution
        return scores

    def search(self, query: Sequence[tuple[int, float]], k: int) -> list[Hit]:
        """The ``k`` best paragraphs with a positive score, best first (ties: file order)."""
        if not query or k <= 0:
            return []
        scores = self.scores(query)
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > k:
            top = np.argpartition(-scores[candidates], k - 1)[:k]
            candidates = candidates[top]
        order = np.lexsort((candidates, -scores[candidates]))
        return [Hit(int(candidates[i]), float(scores[candidates[i]])) for i in order]
