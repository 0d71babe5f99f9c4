"""The /start examples answer well: each opens with one of the passages it is listed with."""

from __future__ import annotations

import pytest

from simbot.bot.examples import Example, examples
from simbot.bot.keyboards import welcome_keyboard
from simbot.bot.replies import EXAMPLE_QUESTIONS
from support import SEEDS, shipped_answerer


def test_start_offers_exactly_the_listed_examples() -> None:
    assert len(examples()) == 3
    offered = [row[0].text for row in welcome_keyboard().inline_keyboard]
    assert offered == list(EXAMPLE_QUESTIONS) == [e.question for e in examples()]


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.question)
def test_an_example_opens_with_an_expected_passage(example: Example) -> None:
    for citation in example.expected:  # the list itself points at real paragraphs
        assert shipped_answerer().passage(citation.source, citation.paragraph) is not None
    answer = shipped_answerer().answer(example.question)
    assert answer.answered
    first = answer.quotes[0]
    opens_with = [
        c
        for c in example.expected
        if c.source == first.source and first.paragraph <= c.paragraph <= first.last_paragraph
    ]
    assert opens_with, f"{example.question!r} opens with {first.source}, ¶{first.paragraph}"
    assert first.text in (SEEDS / first.source).read_text(encoding="utf-8")
