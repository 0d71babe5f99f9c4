"""Any input gives an answer or an honest no, never an exception; quotes stay verbatim.

Property tests (hypothesis) over the whole answer path and the renderers, the replay of every
input that ever broke something (``data/regressions.jsonl``), and ``simbot ask --json -`` over a
few hundred generated lines of any kind (``benchmarks/hostile.py`` runs 10,000).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakebot import parse_html
from simbot.answer.answerer import MAX_QUOTES, Answer
from simbot.answer.render import TELEGRAM_MAX_TEXT, to_json, to_telegram_html, to_text
from simbot.asking import answer_lines, json_line
from simbot.bot.replies import answer_html
from support import ROOT, SEEDS, shipped_answerer
from support.hostile_lines import generated_lines, regression_lines

WORDS = [
    "who", "is", "the", "director", "HIN", "SIM", "police", "ppl", "wot", "u", "r", "ﬃ", "ſ",
    "\u212a", "ı", "İ", "😀", "<b>", "&", "’s", "\u2028", "NHS", "A&E", "stopsim",
]  # fmt: skip
QUESTIONS = st.one_of(
    st.text(),  # any characters, lone surrogates included
    st.text(st.characters(codec="utf-8"), max_size=3000),
    st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join),
    st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=5)), max_size=30).map(" ".join),
)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def seed_text(name: str) -> str:
    return (SEEDS / name).read_text("utf-8")


def assert_honest(answer: Answer) -> None:
    """Quotes verbatim from their files, at most five; or no quotes and a reason."""
    assert len(answer.quotes) <= MAX_QUOTES
    assert answer.answered or answer.reason
    for quote in answer.quotes:
        assert seed_text(quote.source)[quote.start : quote.end] == quote.text
        for citation in quote.also_in:
            assert quote.text in seed_text(citation.source)


def assert_valid_telegram(messages: list[str]) -> None:
    for message in messages:
        parse_html(message)  # raises where Telegram would refuse the message
        assert len(message.encode("utf-16-le")) // 2 <= TELEGRAM_MAX_TEXT


def check_everything(question: str) -> None:
    """The whole answer path and every renderer, for one question."""
    answer = shipped_answerer().answer(question)
    assert_honest(answer)
    line = json_line(to_json(answer))
    assert line.count("\n") == 1 and line.endswith("\n")
    assert json.loads(line)["question"] == question
    to_text(answer)
    assert_valid_telegram(to_telegram_html(answer))
    sources = [d.name for d in shipped_answerer().documents]
    assert_valid_telegram(answer_html(question, answer.quotes, sources, "simbot_bot"))


@pytest.mark.slow
@PROPERTY
@given(QUESTIONS)
def test_any_string_gets_an_answer_or_an_honest_no(question: str) -> None:
    check_everything(question)


@pytest.mark.slow
@PROPERTY
@given(st.lists(st.binary(max_size=200).map(lambda b: b.replace(b"\n", b"")), max_size=8))
def test_any_bytes_give_one_valid_json_line_each(lines: list[bytes]) -> None:
    out, err = io.StringIO(), io.StringIO()
    answer_lines(shipped_answerer(), [line + b"\n" for line in lines], True, 3, out, err)
    printed = out.getvalue().split("\n")[:-1]
    assert len(printed) == len(lines)
    for printed_line in printed:
        printed_line.encode("utf-8")  # strict: no lone surrogate, valid UTF-8 out
        assert "answered" in json.loads(printed_line)


def test_every_input_that_ever_broke_something_is_answered() -> None:
    for raw in regression_lines():
        check_everything(raw.decode("utf-8", "replace"))


def _ask_lines(lines: list[bytes]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "simbot", "ask", "--json", "-"],
        cwd=ROOT, input=b"".join(line + b"\n" for line in lines), capture_output=True,
        timeout=300, env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"},
    )  # fmt: skip


@pytest.mark.slow
def test_ask_json_lines_over_generated_input_gives_one_line_each_in_order() -> None:
    lines = regression_lines() + generated_lines(400)
    result = _ask_lines(lines)
    assert result.returncode == 0
    assert b"Traceback" not in result.stderr
    printed = result.stdout.decode("utf-8").split("\n")  # strict: valid UTF-8
    assert printed[-1] == "" and len(printed) - 1 == len(lines)
    for line, raw in zip(printed, lines, strict=False):
        answer = json.loads(line)
        assert answer["question"] == raw.decode("utf-8", "replace").removesuffix("\r")
        for passage in answer["passages"]:
            assert passage["text"] in seed_text(passage["source"])
