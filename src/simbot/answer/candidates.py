"""BM25 ranking over the index's postings.

The scores are Okapi BM25 exactly as rank-bm25's ``BM25Okapi.get_scores`` computes them (k1 1.5,
b 0.75), with two of its faults mended: the idf is Lucene's, never zero or negative, and only
paragraphs that share a term with the question are ranked. A question costs time in proportion
to the postings of its terms, not to the number of paragraphs: each term's run of postings
(paragraph ids, ascending) comes with its precomputed term-frequency weights, and numpy adds
``idf × weight`` into the paragraphs' scores, term by term in question order, so that every
score is the same floating-point sum rank-bm25 makes (adding rank-bm25's zeros for the
paragraphs without the term changes nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simbot.index.reader import FloatArray, Index


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
        offsets, idf, weights, postings = index.offsets, index.idf, index.weights, index.postings
        scores = np.zeros(len(index.paragraphs), dtype=np.float64)
        for term, weight in query:
            start, end = int(offsets[term]), int(offsets[term + 1])
            contribution = idf[term] * weights[start:end]
            if weight != 1.0:
                contribution *= weight
            # A term's postings name each paragraph once, so += adds to every one of them.
            scores[postings[start:end]] += contribution
        return scores

    def search(self, query: Sequence[tuple[int, float]], k: int) -> list[Hit]:
        """The ``k`` best paragraphs with a positive score, best first (ties: file order)."""
        if not query or k <= 0:
            return []
        return self.top(self.scores(query), k)

    @staticmethod
    def top(scores: FloatArray, k: int) -> list[Hit]:
        """The ``k`` best of ``scores`` (one per paragraph) above zero, best first."""
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > k:
            found = scores[candidates]
            kth_best = np.partition(found, len(found) - k)[len(found) - k]
            # Every paragraph scoring at least the k-th best, so ties are broken by file order.
            candidates = candidates[found >= kth_best]
        order = np.lexsort((candidates, -scores[candidates]))[:k]
        return [Hit(int(candidates[i]), float(scores[candidates[i]])) for i in order]
