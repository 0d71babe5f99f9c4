"""Fit the distress-by-meaning weights and write ``src/simbot/data/distress_model.json``.

    python tools/fit_distress.py            # fit and write
    python tools/fit_distress.py --check    # refit and compare with the shipped file

Messages of distress (``tests/data/distress.jsonl``) are the positives; messages on the same
subjects that are not (``not_distress.jsonl``) and the training questions about the articles
(``train.jsonl``) the negatives, the two classes weighed alike. Each message is embedded whole
by the shipped sentence model. Deterministic, like ``tools/fit_ranker.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from simbot.answer.ranker import Ranker, fit
from simbot.text.distress_model import FEATURES, L2
from simbot.text.embedding import MODEL, load_embedder

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SHIPPED = ROOT / "src" / "simbot" / "data" / "distress_model.json"


def texts(name: str, key: str) -> list[str]:
    lines = (DATA / f"{name}.jsonl").read_text("utf-8").splitlines()
    return [str(json.loads(line)[key]) for line in lines if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped weights")
    args = parser.parse_args()
    positives = texts("distress", "text")
    negatives = texts("not_distress", "text") + texts("train", "question")
    embedder = load_embedder()
    matrix = embedder.embed(positives + negatives).astype(np.float64)
    labels = np.array([1.0] * len(positives) + [0.0] * len(negatives))
    weights = np.where(
        labels > 0, len(labels) / (2 * len(positives)), len(labels) / (2 * len(negatives))
    )
    ranker = fit(matrix, labels, weights, FEATURES, L2)
    if args.check:
        shipped = Ranker.from_json(json.loads(SHIPPED.read_text("utf-8")), FEATURES)
        same = (
            np.allclose(shipped.weights, ranker.weights, atol=1e-4)
            and abs(shipped.bias - ranker.bias) < 1e-4
        )
        print(f"the shipped weights {'match' if same else 'differ from'} a refit")
        return 0 if same else 1
    SHIPPED.write_text(
        json.dumps(ranker.to_json() | {"model_sha256": MODEL.sha256}) + "\n", "utf-8"
    )
    print(f"fitted on {len(positives)} + {len(negatives)} messages -> {SHIPPED.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
