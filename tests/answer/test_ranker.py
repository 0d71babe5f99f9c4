"""The learned ranker: its fit, its shipped weights, and what it changes in answers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simbot.answer.ranker import FEATURES, Ranker, fit, reciprocal_ranks, shipped
from simbot.answer.render import to_json, to_text
from simbot.messages import NOT_FROM_THE_ARTICLES
from support import INDEX, shipped_answerer

ROOT = Path(__file__).resolve().parents[2]


def test_the_fit_learns_which_feature_tells_right_from_wrong() -> None:
    rng = np.random.default_rng(7)
    matrix = rng.normal(size=(400, len(FEATURES)))
    labels = (matrix[:, 2] + 0.1 * rng.normal(size=400) > 0.8).astype(np.float64)
    ranker = fit(matrix, labels)
    assert int(np.argmax(np.abs(ranker.weights))) == 2
    assert ranker.weights[2] > 0
    probabilities = ranker.score(matrix)
    assert probabilities[labels == 1].mean() > 0.5 > probabilities[labels == 0].mean()


def test_the_fit_is_deterministic() -> None:
    rng = np.random.default_rng(1)
    matrix = rng.normal(size=(200, len(FEATURES)))
    labels = (matrix[:, 0] > 0).astype(np.float64)
    assert fit(matrix, labels).to_json() == fit(matrix, labels).to_json()


def test_weights_fitted_on_other_features_are_refused() -> None:
    raw = shipped()
    assert raw is not None
    wrong = raw.to_json() | {"features": ["bm25_share"]}
    with pytest.raises(ValueError, match="other features"):
        Ranker.from_json(wrong)


@pytest.mark.slow
def test_the_shipped_weights_are_a_refit_of_the_training_set() -> None:
    done = subprocess.run(
        # Fitted on the tests' five articles: an article added to seeds/ changes no weight.
        [sys.executable, str(ROOT / "tools" / "fit_ranker.py"), "--check", "--index", str(INDEX)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_reciprocal_ranks_put_the_highest_first() -> None:
    assert reciprocal_ranks([0.2, 0.9, 0.5]).tolist() == [1 / 3, 1.0, 0.5]


@pytest.mark.parametrize(
    "question",
    ["how do i get taken off sim", "who do i complain to about my crisis team", "should i sign it"],
)
def test_advice_for_the_asker_is_declined_with_the_signpost(question: str) -> None:
    answer = shipped_answerer().answer(question)
    assert not answer.answered
    assert to_json(answer)["reason"] == "advice"
    text = to_text(answer, advice="Ask PALS.")
    assert text.startswith(NOT_FROM_THE_ARTICLES) and text.endswith("Ask PALS.")


def test_a_factual_question_in_the_first_person_is_still_answered() -> None:
    assert shipped_answerer().answer("can i get arrested for being in crisis if im on sim").answered
