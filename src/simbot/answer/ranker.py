"""The learned ranker: a logistic regression over what the engine knows of each candidate.

The engine's hand-made score weighed BM25, coverage, the answer kind and word pairs with constants
chosen by eye on a few questions. The ranker weighs the same signals, and more (where the paragraph
stands, whether it leans on a speaker, how it ranks by meaning), with weights fitted on
``tests/data/train.jsonl``: questions written the way people type. Run time is a dot product in
numpy; the weights ship as ``data/ranker.json``, made reproducibly by ``tools/fit_ranker.py``.

The features are computed per question over its candidates, so most are relative (a share of the
best, a reciprocal rank): raw BM25 scores and cosines are not comparable across questions.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from importlib import resources
from typing import Any

import numpy as np

from simbot.text.logistic import FloatArray, LogisticModel, fit_logistic

#: The features, in the order of the weights. Adding one means refitting (the file names them).
FEATURES = (
    "bm25_share",  # BM25 score / the best candidate's
    "bm25_rr",  # 1 / BM25 rank
    "coverage",  # share of the question's weight the paragraph holds
    "coverage_gap",  # coverage - the best candidate's coverage (0 for the best)
    "kind_match",  # holds the kind of answer asked for (a date for "when"...)
    "kind_missing",  # the question asks for a kind and this paragraph lacks it
    "phrase",  # share of the question's word pairs standing together in it
    "engine_rr",  # 1 / rank by the engine's hand-made score
    "log_length",  # log of the paragraph's length in characters
    "lead",  # the article's first paragraph
    "position",  # where in its article, 0 (first) to 1 (last)
    "repeated",  # the same words stand elsewhere too
    "speaker",  # leans on an earlier paragraph naming its speaker
    "meaning_rr",  # 1 / rank by meaning (0 when the semantic model is off or it is not near)
    "meaning_gap",  # cosine - the best candidate's cosine (-1 when unknown)
    "rarest_missing",  # lacks the question's rarest word the articles hold (in any wording)
    "words_missing",  # share of the question's words (in any wording) it lacks
    "focus_position",  # where the rarest word first stands in it, 0 (first) to 1 (last or absent)
)
#: Ridge penalty of the fit (on standardised features): small data, many correlated signals.
L2 = 1.0


class Ranker(LogisticModel):
    """The learned ranker: a logistic model over ``FEATURES``."""

    __slots__ = ()

    @classmethod
    def from_json(cls, raw: dict[str, Any], expected: tuple[str, ...] = FEATURES) -> Ranker:
        """A ranker from its JSON form; ``ValueError`` when it does not fit ``expected``."""
        return super().from_json(raw, expected)


def shipped() -> Ranker | None:
    """The ranker shipped with the package, or None when there is none (the hand score ranks)."""
    path = resources.files("simbot").joinpath("data").joinpath("ranker.json")
    if not path.is_file():
        return None
    return Ranker.from_json(json.loads(path.read_text("utf-8")))


def fit(
    matrix: FloatArray,
    labels: FloatArray,
    sample_weight: FloatArray | None = None,
    features: tuple[str, ...] = FEATURES,
    l2: float = L2,
) -> Ranker:
    """The ranker fitted on ``matrix`` (one row a candidate) and ``labels`` (1: it answers).

    Deterministic (no random start, no shuffling), so the shipped weights can be refitted and
    compared in a test.
    """
    model = fit_logistic(matrix, labels, sample_weight, features, l2)
    return Ranker(model.features, model.mean, model.scale, model.weights, model.bias)


def reciprocal_ranks(values: Sequence[float]) -> FloatArray:
    """1 / rank of each value, the highest first (ties keep their order)."""
    order = sorted(range(len(values)), key=lambda i: -values[i])
    ranks = np.zeros(len(values))
    for rank, i in enumerate(order, 1):
        ranks[i] = 1.0 / rank
    return ranks


def log_length(chars: int) -> float:
    """The length feature: log characters, so one long paragraph does not dominate."""
    return math.log1p(chars)


__all__ = [
    "FEATURES",
    "L2",
    "FloatArray",
    "Ranker",
    "fit",
    "log_length",
    "reciprocal_ranks",
    "shipped",
]
