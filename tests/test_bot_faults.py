"""The bot under faults, over HTTP against the fake Bot API: no question lost, none answered twice.

Each test breaks something between the bot and Telegram (an update the library cannot read, a
5xx, a 429, a reset connection, a proxy's 502 page, a slow reply), then checks what each
person got: exactly one answer to each question, and no apology after an answer.
"""

from __future__ import annotations

import logging

import pytest

from bot_harness import RunningBot, run_bot
from fake_bot_api import FakeBotApi, JSONDict
from simbot.bot_replies import QUESTION_MARK
from test_bot_private import QUESTION

#: A user's words in an update the bot cannot read: they must never reach the log.
PRIVATE_WORDS = "my-private-poll-words"


def users(api: FakeBotApi, count: int) -> list[JSONDict]:
    return [api.make_user(200_000 + n, f"Asker {n}") for n in range(count)]


def assert_each_answered_once(bot: RunningBot, askers: list[JSONDict], question: str) -> None:
    """Every asker got one message, the answer to ``question``: nothing lost, doubled or
    followed by an apology."""
    for user in askers:
        texts = [call.result["text"] for call in bot.sent_to(user["id"]) if call.ok]
        assert len(texts) == 1, texts
        assert texts[0].startswith(f"{QUESTION_MARK} {question}")


async def answers_to_all(bot: RunningBot, askers: list[JSONDict], question: str) -> None:
    """Asks ``question`` from each of ``askers`` at once; waits until each has an answer."""
    since = bot.api.call_count
    for user in askers:
        bot.api.queue_update(bot.api.private_message_update(question, user=user))
    await bot.sent_since(since, len(askers))
    await bot.settle()  # whatever else the bot had to say (an apology) has been said


# -- 3: an update python-telegram-bot cannot read --------------------------------------------


async def test_an_unreadable_update_is_skipped_once_and_polling_goes_on(
    api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    # INFO, as simbot runs by default (at DEBUG the library logs every update it receives).
    caplog.set_level(logging.INFO)
    async with run_bot(api) as bot:
        bad = api.queue_update(api.unreadable_update(PRIVATE_WORDS))
        [answer] = await bot.replies(api.private_message_update(QUESTION))
        assert answer["text"].startswith(f"{QUESTION_MARK} {QUESTION}")
        # Later questions too: polling has moved past the update, not stopped at it.
        [again] = await bot.replies(api.private_message_update(QUESTION))
        assert again["text"].startswith(QUESTION_MARK)
    update_id = bad["update_id"]
    skipped = [r for r in caplog.records if f"update {update_id} " in r.getMessage()]
    assert len(skipped) == 1, [r.getMessage() for r in skipped]
    assert skipped[0].levelno == logging.WARNING and skipped[0].exc_info is None
    assert "skipped" in skipped[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.CRITICAL]
    assert PRIVATE_WORDS not in caplog.text
    # The poll's asker got nothing (no handler acts on it); the question, one answer each.
    chat = api.default_user["id"]
    assert len(bot.sent_to(chat)) == 2


async def test_many_people_ask_around_an_unreadable_update(api: FakeBotApi) -> None:
    askers = users(api, 10)
    async with run_bot(api) as bot:
        since = api.call_count
        for n, user in enumerate(askers):
            if n % 3 == 0:
                api.queue_update(api.unreadable_update(PRIVATE_WORDS))
            api.queue_update(api.private_message_update(QUESTION, user=user))
        await bot.sent_since(since, len(askers))
        await bot.settle()
        assert_each_answered_once(bot, askers, QUESTION)
