"""Failures: the person is told something went wrong; the log says what, but never the token."""

from __future__ import annotations

import logging

import pytest
from test_bot_inline import inline_answer
from test_bot_private import QUESTION

from fakebot import FakeBotApi
from simbot.bot.replies import SOMETHING_WENT_WRONG
from support.harness import WAIT, run_bot


def assert_no_token(caplog: pytest.LogCaptureFixture, token: str) -> None:
    secret = token.split(":", 1)[1].lower()  # Telegram's errors may change its case
    assert secret not in caplog.text.lower()
    for record in caplog.records:
        assert secret not in record.getMessage().lower()
        assert secret not in (record.exc_text or "").lower()


@pytest.mark.slow
@pytest.mark.slow
async def test_a_failure_is_logged_and_the_person_told(
    api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with run_bot(api, allow_refused=True) as bot:
        # Telegram refuses the answer, with an error that even quotes the token.
        api.inject_error("sendMessage", f"Bad Request: odd failure near {api.token}")
        api.queue_update(api.private_message_update(QUESTION))
        sorry = await api.wait_for(
            "sendMessage", lambda c: c.ok and c.result["text"] == SOMETHING_WENT_WRONG, WAIT
        )
        assert "Traceback" not in sorry.result["text"]
        # The bot carries on.
        [answer] = await bot.replies(api.private_message_update(QUESTION))
        assert answer["text"].startswith("❓")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("odd failure near <redacted>" in r.getMessage().lower() for r in errors)
    assert_no_token(caplog, api.token)


@pytest.mark.slow
@pytest.mark.slow
async def test_a_failed_button_press_is_answered(api: FakeBotApi) -> None:
    async with run_bot(api, allow_refused=True) as bot:
        [answer] = await bot.replies(api.private_message_update(QUESTION))
        api.inject_error("editMessageReplyMarkup", "Bad Request: something broke")
        since = api.call_count
        api.queue_update(api.callback_query_update(answer, "more:3"))
        sorry = await api.wait_for(
            "sendMessage", lambda c: c.result["text"] == SOMETHING_WENT_WRONG, WAIT, since=since
        )
        assert sorry.ok


@pytest.mark.slow
@pytest.mark.slow
async def test_a_session_of_every_kind_logs_no_token(
    api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with run_bot(api) as bot:
        [answer] = await bot.replies(api.private_message_update(QUESTION))
        await bot.replies(api.callback_query_update(answer, "more:3"))
        await bot.replies(api.group_message_update(f"/ask@{api.bot_username} {QUESTION}"))
        await bot.replies(api.sticker_message_update())
        await inline_answer(bot, QUESTION)
        await bot.settle()
    assert "getUpdates" in caplog.text or caplog.records  # the log did capture the session
    assert_no_token(caplog, api.token)
