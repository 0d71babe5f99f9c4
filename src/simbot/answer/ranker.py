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
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

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
_NEWTON_STEPS = 50


@dataclass(frozen=True, slots=True)
class Ranker:
    """Weights over standardised features; ``score`` gives each candidate's probability."""

    features: tuple[str, ...]
    mean: FloatArray
    scale: FloatArray
    weights: FloatArray
    bias: float

    def score(self, matrix: FloatArray) -> FloatArray:
        """The probability that each row's paragraph answers the question."""
        z = ((matrix - self.mean) / self.scale) @ self.weights + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        """The weights as the shipped file holds them (eight significant digits: read by eye,
        and a small scale never rounds to zero)."""

        def short(values: FloatArray) -> list[float]:
            return [float(f"{float(v):.8g}") for v in values]

        return {
            "features": list(self.features),
            "mean": short(self.mean),
            "scale": short(self.scale),
            "weights": short(self.weights),
            "bias": float(f"{self.bias:.8g}"),
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any], expected: tuple[str, ...] = FEATURES) -> Ranker:
        """A ranker from its JSON form; ``ValueError`` when it does not fit ``expected``."""
        features = tuple(str(f) for f in raw["features"])
        if features != expected:
            raise ValueError(f"the ranker was fitted on other features: {features[:20]}")
        arrays = [np.asarray(raw[k], dtype=np.float64) for k in ("mean", "scale", "weights")]
        if any(a.shape != (len(expected),) for a in arrays) or not np.all(arrays[1] > 0):
            raise ValueError("the ranker's arrays do not match its features")
        return cls(features, arrays[0], arrays[1], arrays[2], float(raw["bias"]))


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
    """Logistic regression with a ridge penalty, fitted by Newton's method.

    Deterministic (no random start, no shuffling), so the shipped weights can be refitted and
    compared in a test.
    """
    mean = matrix.mean(axis=0)
    scale = matrix.std(axis=0)
    scale[scale < 1e-9] = 1.0
    x = np.hstack([(matrix - mean) / scale, np.ones((len(matrix), 1))])
    y = labels.astype(np.float64)
    w_sample = np.ones(len(y)) if sample_weight is None else sample_weight
    beta = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[-1] = 0.0  # the bias is not penalised
    for _ in range(_NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        gradient = x.T @ (w_sample * (p - y)) + penalty * beta
        hessian = (x * (w_sample * p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if float(np.abs(step).max()) < 1e-10:
            break
    return Ranker(features, mean, scale, beta[:-1].copy(), float(beta[-1]))


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
