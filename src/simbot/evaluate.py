"""Scoring a question set: hit@k, MRR@5, accuracy with abstention, and the verbatim check.

A question set is JSON Lines: ``{"id", "question", "kind", "answerable", "gold": [{"source",
"contains"}]}``. A passage is right when it comes from a gold source and contains a gold
``contains`` string (compared with white space collapsed).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simbot.answer.answerer import Answer
from simbot.errors import SimbotError


@dataclass(frozen=True, slots=True)
class Gold:
    """One acceptable answer: a passage of ``source`` holding ``contains``."""

    source: str
    contains: str


@dataclass(frozen=True, slots=True)
class Question:
    """A question of an evaluation set."""

    id: str
    question: str
    kind: str
    answerable: bool
    gold: tuple[Gold, ...]


@dataclass(slots=True)
class Outcome:
    """How the answer to one question scored."""

    question: Question
    answer: Answer
    rank: int | None  # 1-based rank of the first right passage
    verbatim_failures: list[str]

    @property
    def correct(self) -> bool:
        """Right first passage for an answerable question, or an abstention for one that is not."""
        if self.question.answerable:
            return self.rank == 1
        return not self.answer.answered


@dataclass(slots=True)
class Report:
    """The scores of a question set."""

    outcomes: list[Outcome] = field(default_factory=list)

    def _answerable(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.question.answerable]

    def hit_at(self, k: int, outcomes: list[Outcome] | None = None) -> float:
        """Share of answerable questions with a right passage in the first ``k``."""
        pool = self._answerable() if outcomes is None else outcomes
        pool = [o for o in pool if o.question.answerable]
        return (
            sum(1 for o in pool if o.rank is not None and o.rank <= k) / len(pool) if pool else 0.0
        )

    def mrr(self, outcomes: list[Outcome] | None = None) -> float:
        """Mean reciprocal rank of the first right passage among the first five."""
        pool = self._answerable() if outcomes is None else outcomes
        pool = [o for o in pool if o.question.answerable]
        total = sum(1 / o.rank for o in pool if o.rank is not None and o.rank <= 5)
        return total / len(pool) if pool else 0.0

    def accuracy(self, outcomes: list[Outcome] | None = None) -> float:
        """Share of questions answered right (abstaining counts as right when out of scope)."""
        pool = self.outcomes if outcomes is None else outcomes
        return sum(o.correct for o in pool) / len(pool) if pool else 0.0

    @property
    def passages(self) -> int:
        """How many passages the answers showed."""
        return sum(len(o.answer.quotes) for o in self.outcomes)

    @property
    def verbatim_failures(self) -> list[str]:
        """Every passage that is not an exact substring of its cited file."""
        return [f for o in self.outcomes for f in o.verbatim_failures]

    def by_kind(self) -> dict[str, list[Outcome]]:
        """The outcomes grouped by question kind."""
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in self.outcomes:
            groups[outcome.question.kind].append(outcome)
        return dict(sorted(groups.items()))

    def summary(self) -> dict[str, Any]:
        """The headline figures, as printed and as checked by CI."""
        return {
            "questions": len(self.outcomes),
            "hit@1": round(self.hit_at(1), 3),
            "hit@3": round(self.hit_at(3), 3),
            "mrr@5": round(self.mrr(), 3),
            "accuracy": round(self.accuracy(), 3),
            "passages": self.passages,
            "not_verbatim": len(self.verbatim_failures),
        }


def load_questions(path: Path) -> list[Question]:
    """Read a question set, or raise ``SimbotError`` naming the line at fault."""
    questions: list[Question] = []
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SimbotError(f"{path}: cannot read the question set ({exc}).") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            questions.append(
                Question(
                    id=str(raw.get("id", number)),
                    question=str(raw["question"]),
                    kind=str(raw.get("kind", "")),
                    answerable=bool(raw.get("answerable", bool(raw.get("gold")))),
                    gold=tuple(Gold(g["source"], g["contains"]) for g in raw.get("gold", [])),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SimbotError(f"{path}, line {number}: not a question record ({exc}).") from exc
    return questions


def _collapse(text: str) -> str:
    return " ".join(text.split())


def first_right_rank(answer: Answer, gold: Iterable[Gold]) -> int | None:
    """The 1-based rank of the first passage that a gold answer accepts."""
    golds = [(g.source, _collapse(g.contains)) for g in gold]
    for rank, quote in enumerate(answer.quotes, 1):
        text = _collapse(quote.text)
        sources = {c.source for c in quote.citations}
        if any(source in sources and contains in text for source, contains in golds):
            return rank
    return None


def verbatim_failures(answer: Answer, seeds_dir: Path) -> list[str]:
    """The passages of ``answer`` that are not exact substrings of every file they cite."""
    failures: list[str] = []
    for quote in answer.quotes:
        for citation in quote.citations:
            path = seeds_dir / citation.source
            # A quote cites other files only for its exact words: each must hold them.
            if not path.is_file() or quote.text not in path.read_text("utf-8"):
                failures.append(f"{citation.source} ¶{citation.paragraph}: {quote.text[:60]!r}")
    return failures


def evaluate(
    questions: Iterable[Question], answer: Callable[[str], Answer], seeds_dir: Path
) -> Report:
    """Answer every question and score the answers."""
    report = Report()
    for question in questions:
        result = answer(question.question)
        report.outcomes.append(
            Outcome(
                question,
                result,
                first_right_rank(result, question.gold),
                verbatim_failures(result, seeds_dir),
            )
        )
    return report
