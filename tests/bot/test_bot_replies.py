"""What the bot says, checked without Telegram: limits, valid HTML, links, distress, rate limit."""

from __future__ import annotations

import pytest
from telegram import InputTextMessageContent

from fakebot import parse_html, utf16_slice
from simbot.answer.quotes import Quote
from simbot.bot.inline import inline_results
from simbot.bot.keyboards import MORE, callback_data, parse_callback_data
from simbot.bot.layout import without_repeats
from simbot.bot.links import parse_passage_payload, passage_payload
from simbot.bot.rate_limit import PerUserRateLimit, Verdict
from simbot.bot.replies import EXAMPLE_QUESTIONS, answer_html, follow_up, question_of, sources_html
from simbot.text.crisis import signals_distress
from support import SEEDS, shipped_answerer

LIMIT = 4096
NASTY = 'Tom & Jerry <b>said</b> "hi" — 😀 a<b & c>d &amp; ‘quotes’ \u200b and more words. '


def nasty_quote(size: int, source: str = "007_nasty.txt") -> Quote:
    text = (NASTY * (size // len(NASTY) + 1))[:size]
    highlights = tuple((i, i + 3) for i in range(0, size - 3, 97))
    return Quote(text, source, 4, 6, 0, size, 1.0, highlights=highlights)


def assert_valid(messages: list[str]) -> str:
    """Each message parses as Telegram HTML within the limit; returns their joined text."""
    texts = []
    for message in messages:
        text, _ = parse_html(message)  # raises as Telegram would refuse
        assert len(text) <= LIMIT and len(message.encode("utf-16-le")) // 2 <= LIMIT
        texts.append(text)
    return "\n".join(texts)


@pytest.mark.parametrize("size", [10, 3000, 4090, 12_000])
def test_answers_are_valid_html_within_the_limit_whatever_they_hold(size: int) -> None:
    question = ("Why <did> Tom & Jerry 😀 say “hi”? " * 20)[:500]
    quotes = (nasty_quote(size), nasty_quote(size // 2 + 1, "008_other.txt"))
    messages = answer_html(question, quotes, ["007_nasty.txt", "008_other.txt"], "simbot_bot")
    assert_valid(messages)
    # Verbatim: the quotes' blockquotes, put back together, are the quotes' words.
    shown = []
    for message in messages:
        text, entities = parse_html(message)
        shown += [
            utf16_slice(text, e["offset"], e["length"])
            for e in entities
            if e["type"] in ("blockquote", "expandable_blockquote")
        ]
    assert " ".join("".join(shown).split()) == " ".join("".join(q.text for q in quotes).split())
    assert all(m.startswith("❓") for m in messages)
    assert question_of(parse_html(messages[-1])[0]) == " ".join(question.split())


def test_no_paragraph_is_shown_twice_in_one_answer() -> None:
    answerer = shipped_answerer()
    source = answerer.documents[2].name
    first, second = answerer.passage(source, 8, 10), answerer.passage(source, 9, 11)
    other = answerer.passage(source, 9, 10)
    assert first is not None and second is not None and other is not None
    kept = without_repeats([first, second, other])
    assert [(q.paragraph, q.last_paragraph) for q in kept] == [(8, 10), (11, 11)]
    assert kept[1].text == second.text.split("\n")[-1]
    seed = (SEEDS / source).read_text(encoding="utf-8")
    assert all(seed[q.start : q.end] == q.text for q in kept)
    [message] = answer_html("q", [first, second, other], [source], "simbot_bot")
    text, entities = parse_html(message)
    quoted = [
        utf16_slice(text, e["offset"], e["length"]) for e in entities if "blockquote" in e["type"]
    ]
    assert "\n".join(quoted) == f"{first.text}\n{kept[1].text}"


def test_the_lead_quote_bolds_its_answering_sentence_only() -> None:
    answerer = shipped_answerer()
    answer = answerer.answer("what did NSUN say about the involvement of experts by experience?")
    [message] = answer_html(answer.question, answer.quotes, [], "")
    text, entities = parse_html(message)
    kinds = [e["type"] for e in entities]
    assert kinds.count("bold") <= 1 + len(answer.quotes)  # the question line, a sentence a quote
    assert "expandable_blockquote" in kinds
    bold = [utf16_slice(text, e["offset"], e["length"]) for e in entities if e["type"] == "bold"]
    for sentence in bold[1:]:  # each a sentence of a quote, within one paragraph, not all of it
        holder = next(
            line for q in answer.quotes for line in q.text.split("\n") if sentence in line
        )
        assert "\n" not in sentence and len(sentence) < len(holder)
    assert bold[1:]


def test_inline_results_fit_too() -> None:
    [result] = inline_results([nasty_quote(12_000)], ["007_nasty.txt"], "simbot_bot")
    content = result.input_message_content
    assert isinstance(content, InputTextMessageContent)
    assert assert_valid([content.message_text])


def test_sources_fit_and_list_every_article() -> None:
    messages = sources_html(shipped_answerer())
    text = assert_valid(messages)
    for document in shipped_answerer().documents:
        assert document.name in text


def test_passage_payloads_fit_telegram_and_come_back() -> None:
    names = [d.name for d in shipped_answerer().documents] + ["a file with spaces.txt"]
    for name in names:
        for first, last in ((1, 1), (2, 4), (10, 11)):
            payload = passage_payload(names, name, first, last)
            assert payload is not None and len(payload) <= 64
            assert all(c.isalnum() or c in "_-" for c in payload)
            assert parse_passage_payload(names, payload) == (name, first, last)
    # A payload typed after /start may hold anything: "²" is a digit that int() refuses.
    bad_payloads = ("p_", "p_nothing_3", "x_001_2", "p_001_d018e93c181936db_x", "p_99_1")
    for bad in (*bad_payloads, "p_0_²", "p_²_1"):
        assert parse_passage_payload(names, bad) is None


def test_callback_data_stays_within_64_bytes() -> None:
    assert len(callback_data(MORE, 5).encode()) <= 64
    with pytest.raises(ValueError):
        callback_data("x" * 64, 1)


def test_callback_data_comes_back_and_anything_else_is_not_ours() -> None:
    assert parse_callback_data(callback_data(MORE, 5)) == (MORE, 5)
    for other in (None, "", "more", "more:", "more:x", "more:²", "more:-1"):
        assert parse_callback_data(other) is None


def test_a_follow_up_keeps_its_latest_words_within_the_limit() -> None:
    assert follow_up("Who ran SIM?", "why?", 500) == "Who ran SIM? why?"
    long = follow_up("word " * 200, "and then?", 100)
    assert len(long) <= 100 and long.endswith("and then?")
    assert question_of("❓ Who ran SIM?\n\nquote") == "Who ran SIM?"
    assert question_of("📄 From somewhere\n\nquote") is None


@pytest.mark.parametrize(
    "text",
    [
        "I want to die",
        "i wanna die tbh",
        "I'm thinking about suicide",
        "feeling SUICIDAL",
        "suicde thoughts",
        "I've been self-harming again",
        "took an overdose an hour ago",
        "I want to kill myself",
        "I don’t want to live anymore",
        "I can't go on",
        "better off dead",
    ],
)
def test_distress_is_noticed(text: str) -> None:
    assert signals_distress(text)


@pytest.mark.parametrize(
    "text",
    [*EXAMPLE_QUESTIONS, "the report was overdone", "we drove 50 kms", "Who is Paul Jennings?"],
)
def test_ordinary_questions_are_not_taken_for_distress(text: str) -> None:
    assert not signals_distress(text)


def test_the_rate_limit_is_a_sliding_window_per_user() -> None:
    now = [0.0]
    limit = PerUserRateLimit(2, 60.0, clock=lambda: now[0])
    assert [limit.check(1) for _ in range(4)] == [
        Verdict.ALLOW,
        Verdict.ALLOW,
        Verdict.REFUSE_AND_TELL,
        Verdict.REFUSE,
    ]
    assert limit.check(2) is Verdict.ALLOW
    assert limit.retry_after(1) == pytest.approx(60.0)
    now[0] = 60.5
    assert limit.check(1) is Verdict.ALLOW
    assert PerUserRateLimit(0, 60.0).check(1) is Verdict.ALLOW
