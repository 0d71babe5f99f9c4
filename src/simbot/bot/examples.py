"""The showcase questions /start offers, with the passages a good answer opens with.

They live in ``data/examples.txt`` so that the bot and the test that holds them to their
expected passages (``tests/test_examples.py``) read the same list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from simbot.answer.answerer import Citation
from simbot.text.analyzer import data_lines

_PASSAGE_RE = re.compile(r"(\S+\.txt), ¶(\d+)")


@dataclass(frozen=True, slots=True)
class Example:
    """A question offered as an example, and the passages its answer may open with."""

    question: str
    expected: tuple[Citation, ...]


@cache
def examples() -> tuple[Example, ...]:
    """The shipped examples, in the order /start shows them."""
    found: list[Example] = []
    for line in data_lines("examples"):
        question, _, passages = line.partition("\t")
        expected = tuple(Citation(m[1], int(m[2])) for m in _PASSAGE_RE.finditer(passages))
        if not question.strip() or not expected:
            raise ValueError(f"data/examples.txt: not 'question<TAB>file, ¶N': {line!r}")
        found.append(Example(question.strip(), expected))
    return tuple(found)
