"""`simbot health` (Docker HEALTHCHECK): the webhook server's route, or Telegram for polling."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from fakebot import FakeBotApi, Fault
from simbot.bot.polling_state import PollingState, now, state_path, write_state
from simbot.health import FAILURES_IN_A_ROW, STUCK_SECONDS, Health, check, health_url, method_url
from simbot.settings import Settings
from support.harness import WAIT, bot_settings, run_bot, run_webhook_bot
from support.processes import finish, free_port, simbot

WEBHOOK_URL = "https://bot.example.org/telegram/updates"


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def checked(settings: Settings) -> Health:
    """``check`` in a thread: it blocks, and the fake or the bot answers on this event loop."""
    return await asyncio.to_thread(check, settings, WAIT)


# -- long polling: asks Telegram ---------------------------------------------------------------


async def test_polling_is_healthy_when_telegram_accepts_the_token(api: FakeBotApi) -> None:
    health = await checked(bot_settings(api))
    assert health.healthy, health.line()
    assert health.line().startswith("healthy: long polling")
    assert [c.method for c in api.calls()] == ["getWebhookInfo"]


async def test_polling_is_unhealthy_while_a_webhook_takes_the_updates(api: FakeBotApi) -> None:
    api.webhook = {"url": "https://elsewhere.example.org/hook"}
    health = await checked(bot_settings(api))
    assert not health.healthy
    assert "webhook" in health.detail and "elsewhere.example.org" in health.detail


async def test_a_rejected_token_is_unhealthy_and_never_printed() -> None:
    async with FakeBotApi(token="123:RIGHTtoken") as api:
        health = await checked(bot_settings(api, telegram_token=SecretStr("123:WRONGtoken")))
    assert not health.healthy
    assert "rejected SIMBOT_TELEGRAM_TOKEN" in health.detail
    assert "wrongtoken" not in health.line().lower()


async def test_an_unreachable_bot_api_is_unhealthy_without_the_token() -> None:
    async with FakeBotApi() as api:
        gone = bot_settings(api)
    health = await checked(gone)  # the fake has stopped: nothing listens on its port
    assert not health.healthy
    assert "cannot reach the Bot API" in health.detail
    assert gone.telegram_token is not None
    assert gone.telegram_token.get_secret_value() not in health.line()


def test_a_password_in_the_bot_api_url_is_never_printed() -> None:
    port = free_port()  # nothing listens there: the connection is refused
    behind_auth = settings(
        telegram_token=SecretStr("123:ABC"),
        telegram_api_url=f"http://me:pa55word@127.0.0.1:{port}/bot",
    )
    health = check(behind_auth)
    assert not health.healthy
    assert f"cannot reach the Bot API at 127.0.0.1:{port}" in health.detail
    assert "pa55word" not in health.line() and "ABC" not in health.line()


# -- the token, never printed (issue 10, item 9) -----------------------------------------------


def assert_no_token(line: str, token: str) -> None:
    secret = token.partition(":")[2].lower()
    assert secret not in line.lower(), line
    assert urllib.parse.quote(token, safe="").lower() not in line.lower(), line


async def test_a_webhook_url_with_the_token_as_user_is_not_printed(api: FakeBotApi) -> None:
    api.webhook = {"url": f"https://{api.token}@bot.example.org/bot{api.token}/hook"}
    health = await checked(bot_settings(api))
    assert not health.healthy and "webhook (bot.example.org)" in health.detail
    assert_no_token(health.line(), api.token)


async def test_an_error_echoing_the_percent_encoded_token_is_not_printed(api: FakeBotApi) -> None:
    encoded = urllib.parse.quote(api.token, safe="")
    for echoed in (encoded, encoded.lower(), urllib.parse.quote(encoded, safe="")):
        api.inject_error(
            "getWebhookInfo", f"Not Found: no route /bot{echoed}/getWebhookInfo", error_code=404
        )
        health = await checked(bot_settings(api))
        assert not health.healthy and "answers 404" in health.detail
        assert_no_token(health.line(), api.token)
        assert urllib.parse.quote(encoded, safe="").lower() not in health.line().lower()


async def test_a_redirect_is_not_followed_and_its_target_not_printed(api: FakeBotApi) -> None:
    async with FakeBotApi() as elsewhere:
        target = f"{elsewhere.base_url}{api.token}/getWebhookInfo"
        api.inject_fault("getWebhookInfo", Fault.redirect(target, 307))
        health = await checked(bot_settings(api))
        assert not health.healthy and "307, a redirect (not followed" in health.detail
        assert_no_token(health.line(), api.token)
        assert str(elsewhere.port) not in health.line()
        assert elsewhere.calls(include_get_updates=True) == []


async def eventually(settings: Settings, *, healthy: bool) -> Health:
    """The first check (one every 50 ms, for at most WAIT) that is ``healthy`` or not."""
    async with asyncio.timeout(WAIT):
        while (health := await checked(settings)).healthy != healthy:
            await asyncio.sleep(0.05)
    return health


@pytest.mark.slow
async def test_polling_that_keeps_failing_is_unhealthy_until_it_recovers(api: FakeBotApi) -> None:
    async with run_bot(api, allow_refused=True) as bot:
        assert (await checked(bot.settings)).healthy
        api.inject_fault("getUpdates", Fault.server_error(), times=None)
        # The bot retries after 1, 1.5, 2.25 s...: wait for the third failure in a row.
        failed = await api.wait_for(
            "getUpdates", lambda c: c.injected is not None, timeout=3 * WAIT
        )
        for _ in range(FAILURES_IN_A_ROW - 1):
            failed = await api.wait_for(
                "getUpdates", lambda c: c.injected is not None, 3 * WAIT, since=failed.index + 1
            )
        # The fake has answered; the bot takes its answer in a moment.
        health = await eventually(bot.settings, healthy=False)
        assert "long polling keeps failing" in health.detail
        assert "Internal Server Error" in health.detail
        api.clear_faults()
        since = api.call_count
        await bot.replies(api.private_message_update("/help"))  # a poll that ends at once
        await api.wait_for("getUpdates", lambda c: c.ok, 3 * WAIT, since=since)
        await eventually(bot.settings, healthy=True)
    # Stopped: the bot's file is gone, and Telegram alone is asked again.
    assert not state_path(api.base_url, api.token).exists()


async def test_polling_that_finishes_no_call_is_stuck(api: FakeBotApi) -> None:
    path = state_path(api.base_url, api.token)
    try:
        write_state(path, PollingState(pid=os.getpid(), updated=now() - STUCK_SECONDS - 5))
        health = await checked(bot_settings(api))
        assert not health.healthy and "long polling is stuck" in health.detail
        # Written by a process that is gone: not this bot's business.
        write_state(path, PollingState(pid=_gone_pid(), updated=now() - STUCK_SECONDS - 5))
        assert (await checked(bot_settings(api))).healthy
    finally:
        path.unlink(missing_ok=True)


def _gone_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_without_a_token_polling_is_unhealthy() -> None:
    health = check(settings(telegram_token=None))
    assert not health.healthy and "SIMBOT_TELEGRAM_TOKEN" in health.detail


def test_method_urls_follow_python_telegram_bot() -> None:
    assert method_url("https://api.telegram.org/bot", "1:A", "getMe") == (
        "https://api.telegram.org/bot1:A/getMe"
    )
    assert method_url("http://local:8081/bot{token}/x", "1:A", "getMe") == (
        "http://local:8081/bot1:A/x/getMe"
    )


# -- webhook mode: asks the bot's own health route ----------------------------------------------


@pytest.mark.slow
async def test_webhook_mode_is_healthy_while_the_bot_runs(api: FakeBotApi) -> None:
    async with run_webhook_bot(api, WEBHOOK_URL) as bot:
        assert bot.server is not None
        here = bot.settings.model_copy(update={"webhook_port": bot.server.port})
        health = await checked(here)
        assert health.healthy, health.line()
        assert f"@{api.bot_username}" in health.detail
    # Stopped: nothing answers any more.
    health = await checked(here)
    assert not health.healthy and "does not answer" in health.detail


def test_the_health_route_is_asked_on_loopback() -> None:
    def url(listen: str) -> str:
        return health_url(settings(webhook_listen=listen, webhook_port=8080))

    assert url("0.0.0.0") == "http://127.0.0.1:8080/healthz"
    assert url("::") == "http://[::1]:8080/healthz"
    assert url("10.0.0.5") == "http://10.0.0.5:8080/healthz"
    assert url("fd00::5") == "http://[fd00::5]:8080/healthz"


def test_webhook_mode_on_any_free_port_cannot_be_checked() -> None:
    health = check(settings(webhook_url=WEBHOOK_URL, webhook_port=0))
    assert not health.healthy and "SIMBOT_WEBHOOK_PORT" in health.detail


# -- the command -------------------------------------------------------------------------------


async def simbot_health(tmp_path: Path, **variables: str) -> tuple[int, str, str]:
    pipe = asyncio.subprocess.PIPE
    async with simbot(
        "health", cwd=tmp_path, settings=variables, stdout=pipe, stderr=pipe
    ) as process:
        out, err = await finish(process)
    assert process.returncode is not None
    return process.returncode, out, err


@pytest.mark.slow
async def test_the_command_exits_0_when_healthy(tmp_path: Path, api: FakeBotApi) -> None:
    code, out, err = await simbot_health(
        tmp_path, SIMBOT_TELEGRAM_TOKEN=api.token, SIMBOT_TELEGRAM_API_URL=api.base_url
    )
    assert (code, err) == (0, "")
    [line] = out.splitlines()
    assert line.startswith("healthy: long polling")


@pytest.mark.slow
async def test_the_command_exits_1_never_2_when_unhealthy(tmp_path: Path) -> None:
    # Docker reads 1 as unhealthy and reserves 2: an error is "unhealthy" too.
    port = free_port()  # a port nothing listens on
    code, out, err = await simbot_health(
        tmp_path, SIMBOT_WEBHOOK_URL=WEBHOOK_URL, SIMBOT_WEBHOOK_PORT=str(port)
    )
    assert (code, err) == (1, "")
    [line] = out.splitlines()
    assert line.startswith("unhealthy: the webhook server does not answer")
    code, out, _ = await simbot_health(tmp_path)
    assert code == 1 and "SIMBOT_TELEGRAM_TOKEN is not set" in out
    code, out, _ = await simbot_health(tmp_path, SIMBOT_WEBHOOK_PORT="eighty")
    assert code == 1 and out.startswith("unhealthy: invalid setting: SIMBOT_WEBHOOK_PORT")
