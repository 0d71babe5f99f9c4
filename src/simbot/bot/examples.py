"""The showcase questions /start offers, with the passages a good answer opens with.

They live in ``data/examples.txt`` so that the bot and the test that holds them to their
expected passages (``tests/bot/test_examples.py``) read the same list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from simbot.answer.quotes import Citation
from simbot.text import wordlists

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
    for question, passages in wordlists.table("examples").items():
        matches = [_PASSAGE_RE.fullmatch(passage) for passage in passages]
        expected = tuple(Citation(m[1], int(m[2])) for m in matches if m)
        if len(expected) != len(passages):
            raise ValueError(f"data/examples.txt: not 'file, ¶N[|file, ¶N…]': {passages!r}")
        found.append(Example(question, expected))
    return tuple(found)
