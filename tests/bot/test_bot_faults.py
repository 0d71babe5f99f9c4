"""The bot under faults, over HTTP against the fake Bot API: no question lost, none answered twice.

Each test breaks something between the bot and Telegram (an update the library cannot read, a
5xx, a 429, a reset connection, a proxy's 502 page, a slow reply), then checks what each
person got: exactly one answer to each question, and no apology after an answer.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Bot
from test_bot_private import QUESTION

from fakebot import FakeBotApi, Fault, JSONDict
from simbot.bot.replies import QUESTION_MARK, SOMETHING_WENT_WRONG
from simbot.bot.retry import GaveUp, RetryingRequest
from support.harness import WAIT, RunningBot, run_bot

#: python-telegram-bot's default read timeout, which the bot keeps (seconds).
READ_TIMEOUT = 5.0

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


@pytest.mark.slow
@pytest.mark.slow
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


@pytest.mark.slow
@pytest.mark.slow
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


# -- 4: calls that fail are retried, with a bound; nothing is sent twice ----------------------


@pytest.mark.slow
async def test_answers_get_through_a_spell_of_500s(api: FakeBotApi) -> None:
    askers = users(api, 20)
    async with run_bot(api) as bot:
        api.inject_fault("sendMessage", Fault.server_error(500), times=30)
        await answers_to_all(bot, askers, QUESTION)
        assert_each_answered_once(bot, askers, QUESTION)
    assert len([c for c in api.calls("sendMessage") if c.injected]) == 30


@pytest.mark.slow
async def test_answers_wait_for_the_retry_after_of_a_429(api: FakeBotApi) -> None:
    askers = users(api, 20)
    async with run_bot(api) as bot:
        api.inject_error(
            "sendMessage",
            "Too Many Requests: retry after 1",
            error_code=429,
            parameters={"retry_after": 1},
            times=3 * len(askers),  # about three 429s for each answer
        )
        await answers_to_all(bot, askers, QUESTION)
        assert_each_answered_once(bot, askers, QUESTION)


@pytest.mark.slow
async def test_answers_get_through_reset_connections_and_a_502_page(api: FakeBotApi) -> None:
    askers = users(api, 6)
    async with run_bot(api) as bot:
        api.inject_fault("sendMessage", Fault.connection_reset(), times=4)
        api.inject_fault("sendMessage", Fault.bad_gateway_page(), times=4)
        await answers_to_all(bot, askers, QUESTION)
        assert_each_answered_once(bot, askers, QUESTION)


@pytest.mark.slow
async def test_more_and_inline_answers_are_retried_too(api: FakeBotApi) -> None:
    async with run_bot(api) as bot:
        [answer] = await bot.replies(api.private_message_update(QUESTION))
        api.inject_fault("answerCallbackQuery", Fault.bad_gateway_page())
        api.inject_fault("editMessageReplyMarkup", Fault.connection_reset())
        api.inject_fault("sendMessage", Fault.server_error(503))
        [more] = await bot.replies(api.callback_query_update(answer, "more:3"))
        assert more["text"].startswith(f"{QUESTION_MARK} {QUESTION}")
        assert len([c for c in api.calls("answerCallbackQuery") if c.ok]) == 1
        assert len([c for c in api.calls("editMessageReplyMarkup") if c.ok]) == 1

        api.inject_fault("answerInlineQuery", Fault.bad_gateway_page(), times=2)
        update = api.queue_update(api.inline_query_update(QUESTION))
        query_id = update["inline_query"]["id"]
        await api.wait_for(
            "answerInlineQuery",
            lambda c: c.ok and c.params.get("inline_query_id") == query_id,
            timeout=WAIT,
        )
        assert query_id in api.inline_answers
        await bot.settle()
        chat = api.default_user["id"]
        texts = [c.result["text"] for c in bot.sent_to(chat) if c.ok]
        assert SOMETHING_WENT_WRONG not in texts and len(texts) == 2


@pytest.mark.slow
async def test_a_slow_reply_is_sent_once(api: FakeBotApi) -> None:
    askers = users(api, 3)
    async with run_bot(api) as bot:
        api.inject_fault("sendMessage", Fault.slow(1.0), times=3)
        await answers_to_all(bot, askers, QUESTION)
        assert_each_answered_once(bot, askers, QUESTION)


@pytest.mark.slow
async def test_a_reply_later_than_the_timeout_is_not_sent_again_nor_apologised_for(
    api: FakeBotApi,
) -> None:
    # Longer than python-telegram-bot's 5 s read timeout: the bot gives up waiting, but the
    # fake (like Telegram) has the message and shows it late.
    api.inject_fault("sendMessage", Fault.slow(READ_TIMEOUT + 1.0))
    async with run_bot(api) as bot:
        since = api.call_count
        api.queue_update(api.private_message_update(QUESTION))
        late = await api.wait_for("sendMessage", lambda c: c.ok, 3 * WAIT, since=since)
        # The chat's next question is handled only once the first one's handler is done.
        [after] = await bot.replies(api.private_message_update("/help"))
        assert "Sorry" not in after["text"]
        texts = [c.result["text"] for c in bot.sent_to(late.params["chat_id"]) if c.ok]
        assert len(texts) == 2 and texts[0].startswith(f"{QUESTION_MARK} {QUESTION}")
        assert SOMETHING_WENT_WRONG not in texts
        assert len(api.calls("sendMessage")) == 2


# -- 4: the bound, and the one line when it is reached ---------------------------------------


@contextlib.asynccontextmanager
async def retrying_bot(api: FakeBotApi, **bounds: Any) -> AsyncIterator[Bot]:
    """A plain python-telegram-bot ``Bot`` whose calls go through ``RetryingRequest(**bounds)``."""
    bot = Bot(api.token, base_url=api.base_url, request=RetryingRequest(**bounds))
    async with bot:
        yield bot


@pytest.mark.slow
async def test_retries_stop_at_the_bound_with_one_line(
    api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    chat = api.default_user["id"]
    api.private_chat(api.default_user)
    async with retrying_bot(api, max_attempts=3, first_delay=0.01) as bot:
        api.inject_fault("sendMessage", Fault.server_error(500), times=None)
        caplog.set_level(logging.INFO)
        with pytest.raises(GaveUp):
            await bot.send_message(chat, "hello")
        assert len(api.calls("sendMessage")) == 3
        # Telegram asking to wait longer than the bound: given up at once.
        api.clear_faults()
        caplog.clear()
        api.inject_error(
            "editMessageText",
            "Too Many Requests: retry after 120",
            error_code=429,
            parameters={"retry_after": 120},
        )
        with pytest.raises(GaveUp):
            await bot.edit_message_text("again", chat_id=chat, message_id=1)
        assert len(api.calls("editMessageText")) == 1
    [line] = [r for r in caplog.records if r.name == "simbot.bot.retry"]
    assert line.levelno == logging.WARNING and line.exc_info is None
    assert "gave up on editMessageText after 1 tries" in line.getMessage()
    assert api.token.split(":")[1] not in caplog.text
