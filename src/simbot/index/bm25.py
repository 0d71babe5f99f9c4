"""Okapi BM25's maths, as rank-bm25 0.2.2 computes it, with Lucene's idf.

The index stores each posting's term-frequency part (``term_weights``) and each term's idf
(``lucene_idf``), so that a question only adds ``idf x weight`` (``simbot.answer.retriever``).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from simbot.index.format import FloatArray, IntArray

#: Okapi BM25 parameters, the defaults of rank-bm25.
K1 = 1.5
B = 0.75


def lucene_idf(n: int, df: npt.NDArray[np.int64]) -> FloatArray:
    """Lucene's BM25 idf, ``log(1 + (N - df + 0.5) / (df + 0.5))``: never zero or negative.

    ``math.log1p`` (the C library's, correctly rounded in practice) rather than numpy's: numpy picks
    a SIMD kernel by processor, which can differ in the last bit, and the committed index must equal
    a fresh build on any machine.
    """
    ratios = ((n - df + 0.5) / (df + 0.5)).tolist()
    return np.array([math.log1p(r) for r in ratios], dtype=np.float64)


def term_weights(tf: IntArray, doc_len: IntArray, avgdl: float) -> FloatArray:
    """Okapi BM25's term-frequency part, written as rank-bm25 writes it so the scores agree."""
    return tf * (K1 + 1) / (tf + K1 * (1 - B + B * doc_len / avgdl))
