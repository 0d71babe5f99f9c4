"""Fit the learned ranker on the training questions and write ``src/simbot/data/ranker.json``.

    python tools/fit_ranker.py                 # fit on tests/data/train.jsonl, write the weights
    python tools/fit_ranker.py --check         # refit and compare with the shipped file
    python tools/fit_ranker.py --folds 5       # also report 5-fold cross-validated scores on train

Each answerable question gives one row per candidate paragraph (the engine's top 40): the
features ``Answerer.features`` computes, labelled 1 when the quote shown for that paragraph holds a
gold answer. The fit is deterministic (``simbot.answer.ranker.fit``), so the weights can be
reproduced. Only the training set is fitted on; the chat set chooses between designs and dev is
reported.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from simbot.answer.answerer import Answerer
from simbot.answer.ranker import FloatArray, Ranker, fit
from simbot.evaluate import Question, evaluate, load_questions
from simbot.index.format import DOC, SAME_AS, SHOW_FROM
from simbot.index.reader import Index

ROOT = Path(__file__).resolve().parent.parent
TRAIN = ROOT / "tests" / "data" / "train.jsonl"
SHIPPED = ROOT / "src" / "simbot" / "data" / "ranker.json"


def gold_pids(index: Index, question: Question) -> set[int]:
    """Paragraphs holding a gold answer, with every paragraph repeating one of them."""
    names = [d.name for d in index.documents]
    rows = index.paragraphs
    found: set[int] = set()
    for gold in question.gold:
        want = " ".join(gold.contains.split())
        for pid in range(len(rows)):
            if names[int(rows[pid][DOC])] == gold.source and want in " ".join(
                index.paragraph_text(pid).split()
            ):
                found.add(pid)
    groups = {int(rows[pid][SAME_AS]) for pid in found}
    return {pid for pid in range(len(rows)) if int(rows[pid][SAME_AS]) in groups}


def rows_for(
    answerer: Answerer, questions: list[Question]
) -> tuple[FloatArray, FloatArray, list[int]]:
    """Features, labels and the question each row belongs to."""
    matrices: list[FloatArray] = []
    labels: list[float] = []
    owners: list[int] = []
    paragraphs = answerer.index.paragraphs
    for number, question in enumerate(questions):
        if not question.answerable:
            continue
        golds = gold_pids(answerer.index, question)
        _, candidates, matrix = answerer.candidates(question.question)
        for candidate in candidates:
            shown = range(int(paragraphs[candidate.pid][SHOW_FROM]), candidate.pid + 1)
            labels.append(float(any(pid in golds for pid in shown)))
            owners.append(number)
        matrices.append(matrix)
    return np.vstack(matrices), np.array(labels), owners


def cross_validate(answerer: Answerer, questions: list[Question], folds: int) -> dict[str, float]:
    """Scores of the full answer path on each held-out fold, fitted on the others."""
    matrix, labels, owners = rows_for(answerer, questions)
    owner_array = np.array(owners)
    outcomes = []
    for fold in range(folds):
        held = [q for n, q in enumerate(questions) if n % folds == fold]
        keep = owner_array % folds != fold
        answerer.ranker = fit(matrix[keep], labels[keep])
        outcomes.extend(evaluate(held, answerer.answer, ROOT / "seeds").outcomes)
    report = evaluate([], answerer.answer, ROOT / "seeds")
    report.outcomes = outcomes
    return {k: v for k, v in report.summary().items() if k in ("hit@1", "hit@3", "accuracy")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=TRAIN)
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    parser.add_argument("--check", action="store_true", help="compare with the shipped weights")
    parser.add_argument("--folds", type=int, default=0, help="report k-fold scores on train")
    args = parser.parse_args()
    answerer = Answerer(Index.load(args.index), learned=False)
    questions = load_questions(args.train)
    if args.folds:
        scores = cross_validate(answerer, questions, args.folds)
        print(f"{args.folds}-fold on {args.train.name}: {scores}")
    matrix, labels, _ = rows_for(answerer, questions)
    ranker = fit(matrix, labels)
    text = json.dumps(ranker.to_json(), indent=1) + "\n"
    if args.check:
        shipped = Ranker.from_json(json.loads(SHIPPED.read_text())) if SHIPPED.is_file() else None
        same = shipped is not None and _close(shipped, ranker)
        print(f"the shipped weights {'match' if same else 'differ from'} a refit")
        return 0 if same else 1
    SHIPPED.write_text(text, "utf-8")
    positives = int(labels.sum())
    print(f"fitted on {len(labels)} candidates ({positives} right) -> {SHIPPED.relative_to(ROOT)}")
    for name, weight in zip(ranker.features, ranker.weights.tolist(), strict=True):
        print(f"  {name:<14} {weight:+.3f}")
    return 0


def _close(a: Ranker, b: Ranker) -> bool:
    return bool(
        np.allclose(a.weights, b.weights, atol=1e-5)
        and np.allclose(a.mean, b.mean, atol=1e-5)
        and np.allclose(a.scale, b.scale, atol=1e-5)
        and abs(a.bias - b.bias) < 1e-5
    )


if __name__ == "__main__":
    sys.exit(main())
