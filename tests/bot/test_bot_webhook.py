"""Webhook mode: updates come to the bot's own server, which checks Telegram's secret header."""

from __future__ import annotations

import json
import logging
import re

import aiohttp
import pytest
from pydantic import SecretStr
from test_bot_private import QUESTION

from fakebot import FakeBotApi
from simbot.bot.application import webhook_secret
from simbot.bot.replies import QUESTION_MARK, index_version
from support import shipped_answerer
from support.harness import WAIT, run_webhook_bot

WEBHOOK_URL = "https://bot.example.org/telegram/updates"
SECRET = "s3cret-Token_1"


async def get(url: str) -> tuple[int, dict[str, object]]:
    timeout = aiohttp.ClientTimeout(total=WAIT)
    async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
        return response.status, await response.json()


@pytest.mark.slow
@pytest.mark.slow
async def test_only_updates_with_the_secret_are_taken(api: FakeBotApi) -> None:
    async with run_webhook_bot(api, WEBHOOK_URL, webhook_secret=SecretStr(SECRET)) as bot:
        assert bot.server is not None
        assert api.webhook is not None
        assert (api.webhook["url"], api.webhook["secret_token"]) == (WEBHOOK_URL, SECRET)
        url = f"http://127.0.0.1:{bot.server.port}/telegram/updates"
        update = api.private_message_update(QUESTION)
        assert await api.post_update_to_webhook(url, update, None) == 403
        assert await api.post_update_to_webhook(url, update, "wrong") == 403
        assert await api.post_update_to_webhook(url, update, SECRET.lower()) == 403
        since = api.call_count
        assert await api.post_update_to_webhook(url, update, SECRET) == 200
        [call] = await bot.sent_since(since, 1)
        assert call.result["text"].startswith(QUESTION_MARK)
        # Only the one update with the secret was answered, and nothing was polled.
        assert len(api.calls("sendMessage")) == 1
        assert api.calls("getUpdates") == []


async def test_the_health_route_reports_the_index(api: FakeBotApi) -> None:
    async with run_webhook_bot(api, WEBHOOK_URL) as bot:
        assert bot.server is not None
        status, body = await get(f"http://127.0.0.1:{bot.server.port}/healthz")
        assert status == 200
        assert body["status"] == "ok"
        assert body["index"] == index_version(shipped_answerer())
        assert body["bot"] == api.bot_username
        port = bot.server.port
    # Stopped cleanly: nothing listens any more.
    with pytest.raises(aiohttp.ClientConnectionError):
        await get(f"http://127.0.0.1:{port}/healthz")


async def test_without_a_set_secret_one_is_derived_from_the_token(api: FakeBotApi) -> None:
    async with run_webhook_bot(api, WEBHOOK_URL, webhook_path="/hook") as bot:
        assert bot.server is not None and api.webhook is not None
        secret = api.webhook["secret_token"]
        assert secret == webhook_secret(bot.settings)
        assert re.fullmatch(r"[0-9a-f]{64}", secret) and api.token not in secret
        url = f"http://127.0.0.1:{bot.server.port}/hook"
        update = api.private_message_update("/about")
        assert await api.post_update_to_webhook(url, update, "wrong") == 403
        since = api.call_count
        assert await api.post_update_to_webhook(url, update, secret) == 200
        [call] = await bot.sent_since(since, 1)
        assert "How answers are made" in call.result["text"]


@pytest.mark.slow
async def test_what_is_not_an_update_is_refused(api: FakeBotApi) -> None:
    async with run_webhook_bot(api, WEBHOOK_URL, webhook_secret=SecretStr(SECRET)) as bot:
        assert bot.server is not None
        url = f"http://127.0.0.1:{bot.server.port}/telegram/updates"
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        timeout = aiohttp.ClientTimeout(total=WAIT)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            for body in ("not json", "[1, 2]"):
                async with session.post(url, data=body, headers=headers) as response:
                    assert response.status == 400


@pytest.mark.slow
@pytest.mark.slow
async def test_malformed_updates_with_the_secret_get_400_and_one_line(
    api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    user = api.private_message_update(QUESTION)["message"]
    no_chat = {key: value for key, value in user.items() if key != "chat"}
    deep = "[" * 100_000 + "]" * 100_000
    bodies = [
        json.dumps({"update_id": 7, "message": "hello"}),
        deep,
        json.dumps({"update_id": 8, "message": no_chat}),
        json.dumps({"update_id": "ten", "message": user}),
        b"\xff\xfe not utf-8",
    ]
    async with run_webhook_bot(api, WEBHOOK_URL, webhook_secret=SecretStr(SECRET)) as bot:
        assert bot.server is not None
        url = f"http://127.0.0.1:{bot.server.port}/telegram/updates"
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
        timeout = aiohttp.ClientTimeout(total=WAIT)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            for body in bodies:
                caplog.clear()
                async with session.post(url, data=body, headers=headers) as response:
                    assert response.status == 400, body[:80]
                lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
                assert len(lines) == 1, [r.getMessage()[:200] for r in lines]
                assert lines[0].exc_info is None and "Traceback" not in caplog.text
        # The bot goes on answering.
        since = api.call_count
        assert (
            await api.post_update_to_webhook(url, api.private_message_update(QUESTION), SECRET)
            == 200
        )
        [call] = await bot.sent_since(since, 1)
        assert call.result["text"].startswith(QUESTION_MARK)
