"""Rendering never changes a quote's words, and Telegram HTML always fits and parses."""

from __future__ import annotations

import html
import json
import re

import pytest

from simbot.answer.answerer import Answer
from simbot.answer.quotes import Citation, Quote
from simbot.answer.render import (
    NO_ANSWER,
    TELEGRAM_MAX_TEXT,
    telegram_length,
    to_json,
    to_telegram_html,
    to_text,
)
from support import dev_questions, shipped_answerer

_TAG_RE = re.compile(r"</?(?:b|i|blockquote)>")


def _visible(message: str) -> str:
    return html.unescape(_TAG_RE.sub("", message))


def _balanced(message: str) -> bool:
    stack: list[str] = []
    for match in re.finditer(r"<(/?)(\w+)[^>]*>", message):
        closing, tag = match.groups()
        if not closing:
            stack.append(tag)
        elif not stack or stack.pop() != tag:
            return False
    return not stack


def _quote(text: str, highlights: tuple[tuple[int, int], ...] = ()) -> Quote:
    return Quote(text, "a.txt", 3, 3, 0, len(text), 1.0, (Citation("b.txt", 7),), highlights)


def test_highlights_wrap_words_without_changing_them() -> None:
    quote = _quote("Tom & Jerry <said> “hi”", ((0, 3), (13, 17)))
    [message] = to_telegram_html(Answer("q", (quote,)))
    assert "<b>Tom</b> &amp; Jerry &lt;<b>said</b>&gt;" in message
    assert quote.text in _visible(message)
    assert "a.txt, ¶3; b.txt, ¶7" in message
    assert _balanced(message)


@pytest.mark.slow
@pytest.mark.slow
@pytest.mark.parametrize("record", dev_questions(), ids=lambda r: r["id"])
def test_dev_answers_render_to_valid_telegram_html(record: dict[str, object]) -> None:
    answer = shipped_answerer().answer(str(record["question"]), limit=5)
    messages = to_telegram_html(answer)
    assert messages
    for message in messages:
        assert telegram_length(message) <= TELEGRAM_MAX_TEXT
        assert _balanced(message)
    visible = "\n".join(_visible(m) for m in messages)
    for quote in answer.quotes:
        assert quote.text in visible


def test_long_answers_split_between_quotes_and_long_quotes_at_spaces() -> None:
    words = " ".join(f"word{i} <&>" for i in range(1500))
    spans = tuple((i, i + 4) for i in range(0, len(words) - 5, 11))
    quotes = (*(_quote(words[: 1000 + i], ((0, 5),)) for i in range(6)), _quote(words, spans))
    messages = to_telegram_html(Answer("q", quotes))
    assert len(messages) > 2
    for message in messages:
        assert telegram_length(message) <= TELEGRAM_MAX_TEXT
        assert _balanced(message)
        assert message.startswith("<blockquote>")
    joined = "".join(_visible(m).split("— a.txt")[0] for m in messages)
    assert "word1499 <&>" in joined


def test_emoji_count_twice_towards_telegram_limits() -> None:
    assert telegram_length("😀a") == 3
    quote = _quote("😀 " * 3000)
    for message in to_telegram_html(Answer("q", (quote,))):
        assert telegram_length(message) <= TELEGRAM_MAX_TEXT


def test_no_answer_renders_the_honest_reply() -> None:
    answer = Answer("banana bread?", (), "not-covered")
    assert to_telegram_html(answer) == [html.escape(NO_ANSWER)]
    assert to_text(answer) == NO_ANSWER
    assert to_json(answer) == {
        "question": "banana bread?", "answered": False, "passages": [], "reason": "not-covered"
    }  # fmt: skip


def test_json_keeps_the_contract_fields() -> None:
    answer = shipped_answerer().answer("what's NSUN")
    data = json.loads(json.dumps(to_json(answer)))
    assert data["answered"] is True
    for passage in data["passages"]:
        assert {"text", "source", "paragraph", "score"} <= passage.keys()
        assert isinstance(passage["paragraph"], int) and passage["paragraph"] >= 1


def test_terminal_text_numbers_quotes_and_bolds_only_with_color() -> None:
    quote = _quote("Paul Jennings said so", ((0, 4),))
    plain = to_text(Answer("q", (quote,)))
    assert plain.startswith("1. Paul Jennings said so\n   — a.txt, ¶3; b.txt, ¶7")
    assert "\033[1mPaul\033[0m" in to_text(Answer("q", (quote,)), color=True)
