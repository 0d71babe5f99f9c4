"""Measure meaning-level matching on question sets: is ranking or recall the bottleneck?

    python tools/semantic_report.py tests/data/dev.jsonl tests/data/chat.jsonl

For each set it prints hit@1, hit@3 and accuracy of:

- ``lexical``: the engine alone (``SIMBOT_SEMANTIC=off``);
- ``semantic``: the quotes of the paragraphs nearest the question by meaning (cosine order),
  declining when the engine declines, so that accuracy compares;
- ``fusion rrf``: the joined candidates ordered by reciprocal-rank fusion of the engine's rank
  and the model's (k = 60), declining when the engine declines;

and the candidate recall: how often a paragraph the gold accepts is among the engine's first k
candidates, the model's first k, and the joined list (engine's first k and the model's first
``SEMANTIC_CANDIDATES``), for k = 10 and 20. It only measures: nothing is tuned on the sets.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from simbot.answer import MAX_QUOTES, SEMANTIC_CANDIDATES, Answer, Answerer, Candidate
from simbot.evaluate import Question, evaluate, first_right_rank, load_questions

ROOT = Path(__file__).resolve().parent.parent
RRF_K = 60


def _answer_by(
    answerer: Answerer, order: Callable[[list[Candidate]], list[int]]
) -> Callable[[str], Answer]:
    """Answers whose quotes follow ``order`` (pids), declining when the engine declines."""

    def answer(question: str) -> Answer:
        engine = answerer.answer(question)
        if not engine.answered:
            return engine
        pids = order(answerer.candidates(question))
        quotes, seen = [], set()
        for pid in pids:
            quote = answerer.quote_of(pid)
            if (quote.source, quote.paragraph) in seen:
                continue
            seen.add((quote.source, quote.paragraph))
            quotes.append(quote)
            if len(quotes) == MAX_QUOTES:
                break
        return Answer(question, tuple(quotes))

    return answer


def _by_cosine(candidates: list[Candidate]) -> list[int]:
    with_rank = [c for c in candidates if c.semantic_rank]
    return [c.pid for c in sorted(with_rank, key=lambda c: (c.semantic_rank, c.pid))]


def _by_rrf(candidates: list[Candidate]) -> list[int]:
    def score(c: Candidate) -> float:
        engine = 1 / (RRF_K + c.engine_rank) if c.engine_rank and not c.from_semantic else 0.0
        meaning = 1 / (RRF_K + c.semantic_rank) if c.semantic_rank else 0.0
        return engine + meaning

    return [c.pid for c in sorted(candidates, key=lambda c: (-score(c), c.pid))]


def _recall(answerer: Answerer, questions: Sequence[Question], k: int) -> tuple[float, ...]:
    """Shares of answerable questions with an accepted paragraph among the candidates.

    Of the engine's first ``k``, the model's first ``k``, and the two joined.
    """
    found = np.zeros(3)
    answerable = [q for q in questions if q.answerable]
    for q in answerable:
        candidates = answerer.candidates(q.question)
        cosines = answerer.cosines(q.question)
        engine = [c.pid for c in candidates if not c.from_semantic][:k]
        order = np.argsort(-cosines, kind="stable") if cosines is not None else []
        nearest = [int(p) for p in order]
        model = nearest[:k]
        joined = engine + nearest[:SEMANTIC_CANDIDATES]
        for n, pids in enumerate((engine, model, joined)):
            if any(_accepted(answerer, pid, q) for pid in pids):
                found[n] += 1
    return tuple(found / max(1, len(answerable)))


def _accepted(answerer: Answerer, pid: int, question: Question) -> bool:
    answer = Answer(question.question, (answerer.quote_of(pid),))
    return first_right_rank(answer, question.gold) == 1


def main(paths: Sequence[str]) -> None:
    seeds = ROOT / "seeds"
    lexical = Answerer.load(ROOT / "index", semantic=False)
    meaning = Answerer.load(ROOT / "index", semantic=True)
    for path in paths:
        questions = load_questions(Path(path))
        print(f"{path} ({len(questions)} questions)")
        for name, answer in (
            ("lexical", lexical.answer),
            ("semantic", _answer_by(meaning, _by_cosine)),
            ("fusion rrf", _answer_by(meaning, _by_rrf)),
        ):
            s = evaluate(questions, answer, seeds).summary()
            print(
                f"  {name:<11} hit@1 {s['hit@1']:.3f}  hit@3 {s['hit@3']:.3f}  "
                f"accuracy {s['accuracy']:.3f}"
            )
        for k in (10, 20):
            engine, model, joined = _recall(meaning, questions, k)
            print(
                f"  recall@{k:<3} engine {engine:.3f}  model {model:.3f}  "
                f"joined (engine {k} + model {SEMANTIC_CANDIDATES}) {joined:.3f}"
            )


if __name__ == "__main__":
    main(sys.argv[1:] or ["tests/data/dev.jsonl", "tests/data/chat.jsonl"])
