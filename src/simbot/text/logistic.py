"""A logistic regression with a ridge penalty, fitted by Newton's method, run as a dot product.

Two models of simbot are one: the learned ranker (``simbot.answer.ranker``), over what the
engine knows of each candidate paragraph, and the distress model (``simbot.text.distress_model``),
over the sentence model's vector of a message. Their weights ship as JSON in ``data/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

_NEWTON_STEPS = 50


@dataclass(frozen=True, slots=True)
class LogisticModel:
    """Weights over standardised features; ``score`` gives each row's probability."""

    features: tuple[str, ...]
    mean: FloatArray
    scale: FloatArray
    weights: FloatArray
    bias: float

    def score(self, matrix: FloatArray) -> FloatArray:
        """The probability of each row of ``matrix`` (one row a case, one column a feature)."""
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
    def from_json(cls, raw: dict[str, Any], expected: tuple[str, ...]) -> Self:
        """A model from its JSON form; ``ValueError`` when it does not fit ``expected``."""
        features = tuple(str(f) for f in raw["features"])
        if features != expected:
            raise ValueError(f"the model was fitted on other features: {features[:20]}")
        arrays = [np.asarray(raw[k], dtype=np.float64) for k in ("mean", "scale", "weights")]
        if any(a.shape != (len(expected),) for a in arrays) or not np.all(arrays[1] > 0):
            raise ValueError("the model's arrays do not match its features")
        return cls(features, arrays[0], arrays[1], arrays[2], float(raw["bias"]))


def fit_logistic(
    matrix: FloatArray,
    labels: FloatArray,
    sample_weight: FloatArray | None,
    features: tuple[str, ...],
    l2: float,
) -> LogisticModel:
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
    return LogisticModel(features, mean, scale, beta[:-1].copy(), float(beta[-1]))
