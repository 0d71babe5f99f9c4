"""Inline mode: ``@bot question`` in any chat offers quotes to send, each with its citation."""

from __future__ import annotations

from typing import Any

import pytest
from test_bot_private import QUESTION, button, buttons, expected_quotes

from fakebot import JSONDict, parse_html
from simbot.answer.render import quote_citations
from simbot.bot.links import INLINE_START
from support import shipped_sources
from support.harness import WAIT, RunningBot


async def inline_answer(bot: RunningBot, query: str) -> JSONDict:
    update = bot.api.queue_update(bot.api.inline_query_update(query))
    query_id = update["inline_query"]["id"]
    call = await bot.api.wait_for(
        "answerInlineQuery", lambda c: c.params.get("inline_query_id") == query_id, timeout=WAIT
    )
    assert call.ok, call.description
    answer: JSONDict = bot.api.inline_answers[query_id]
    return answer


def posted_text(result: JSONDict) -> str:
    """What choosing the result posts, as a reader sees it."""
    content: dict[str, Any] = result["input_message_content"]
    assert content["parse_mode"] == "HTML"
    text, _ = parse_html(content["message_text"])
    return text


@pytest.mark.slow
async def test_a_question_offers_each_quote_with_its_citation(bot: RunningBot) -> None:
    answer = await inline_answer(bot, QUESTION)
    quotes = expected_quotes(QUESTION)
    results = answer["results"]
    assert [r["type"] for r in results] == ["article"] * len(quotes)
    for result, quote in zip(results, quotes, strict=True):
        assert posted_text(result) == f"{quote.text}\n— {quote_citations(quote, shipped_sources())}"
        [open_button] = [b for row in result["reply_markup"]["inline_keyboard"] for b in row]
        assert open_button["url"].startswith(f"https://t.me/{bot.api.bot_username}?start=p_")
    assert answer["button"]["start_parameter"] == INLINE_START


async def test_an_empty_query_offers_a_way_to_a_private_chat(bot: RunningBot) -> None:
    answer = await inline_answer(bot, "")
    assert answer["results"] == []
    assert answer["button"]["start_parameter"] == INLINE_START
    # The button opens a private chat with /start and that payload: a plain welcome.
    [welcome] = await bot.replies(bot.api.private_message_update(f"/start {INLINE_START}"))
    assert buttons(welcome)


@pytest.mark.slow
async def test_a_question_the_articles_do_not_answer_offers_nothing(bot: RunningBot) -> None:
    answer = await inline_answer(bot, "What is the weather like in Paris today?")
    assert answer["results"] == []
    assert "Not in my sources" in answer["button"]["text"]


@pytest.mark.slow
@pytest.mark.slow
async def test_share_opens_inline_mode_with_the_question_and_its_quotes(bot: RunningBot) -> None:
    [reply] = await bot.replies(bot.api.private_message_update(QUESTION))
    shared = button(reply, "Share")["switch_inline_query"]
    assert shared == QUESTION
    answer = await inline_answer(bot, shared)
    texts = [posted_text(r) for r in answer["results"]]
    for quote in expected_quotes(QUESTION)[:3]:
        assert f"{quote.text}\n— {quote_citations(quote, shipped_sources())}" in texts
