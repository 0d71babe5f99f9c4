"""``simbot run`` as a process: a clear line without a token, a clean stop on SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from test_bot_private import QUESTION

from fakebot import FakeBotApi
from support import INDEX
from support.processes import START, environment, finish, free_port, settings_for, simbot, stop

#: Every test here runs processes, builds indexes or reads whole sets (over a second).
pytestmark = pytest.mark.slow


def simbot_run(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simbot", "run"],
        cwd=tmp_path,  # no .env here
        env=environment(**settings),
        capture_output=True,
        text=True,
        timeout=START,
        check=False,
    )


def test_without_a_token_it_says_how_to_get_one(tmp_path: Path) -> None:
    done = simbot_run(tmp_path, SIMBOT_INDEX_DIR=str(INDEX))
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert "SIMBOT_TELEGRAM_TOKEN" in line and "@BotFather" in line
    assert "Traceback" not in done.stderr


def test_a_malformed_token_is_refused_without_being_echoed(tmp_path: Path) -> None:
    token = "12345-not-a-Token-secret"
    done = simbot_run(tmp_path, SIMBOT_TELEGRAM_TOKEN=token, SIMBOT_INDEX_DIR=str(INDEX))
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert "SIMBOT_TELEGRAM_TOKEN" in line and "@BotFather" in line
    assert "not-a-Token" not in line


def test_a_missing_index_is_one_line(tmp_path: Path) -> None:
    done = simbot_run(
        tmp_path, SIMBOT_TELEGRAM_TOKEN="123:ABC", SIMBOT_INDEX_DIR=str(tmp_path / "nowhere")
    )
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert "nowhere" in line and "ABC" not in line


async def test_a_token_telegram_rejects_is_one_line_without_the_token(tmp_path: Path) -> None:
    async with (
        FakeBotApi(token="123:RIGHTtoken") as api,
        simbot(
            "run",
            cwd=tmp_path,
            stderr=asyncio.subprocess.PIPE,
            settings=settings_for(api, SIMBOT_TELEGRAM_TOKEN="123:WRONGtoken"),
        ) as process,
    ):
        _, stderr = await finish(process)
    assert process.returncode == 2
    lines = [line for line in stderr.splitlines() if line.startswith("simbot:")]
    assert len(lines) == 1 and "rejected" in lines[0]
    assert "wrongtoken" not in stderr.lower()
    assert "Traceback" not in stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
async def test_it_answers_then_stops_cleanly_on_a_signal(
    tmp_path: Path, signum: signal.Signals
) -> None:
    log = tmp_path / "stderr.log"
    async with (
        FakeBotApi() as api,
        simbot(
            "run",
            cwd=tmp_path,
            stderr=log,
            # The chattiest logs must not hold the token either.
            settings=settings_for(api, SIMBOT_LOG_LEVEL="DEBUG"),
        ) as process,
    ):
        # Polling starts right after deleteWebhook (a long poll is "done" only when it ends).
        await api.wait_for("deleteWebhook", timeout=START)
        api.queue_update(api.private_message_update(QUESTION))
        answer = await api.wait_for("sendMessage", timeout=START)
        assert answer.ok and answer.result["text"].startswith("❓")
        await stop(process, signum=signum)
    assert process.returncode == 0
    text = log.read_text()
    assert "stopped" in text
    assert "Traceback" not in text
    assert api.token.split(":", 1)[1].lower() not in text.lower()
    assert "getUpdates" in text  # DEBUG logging was on, so the check above means something


async def test_webhook_mode_serves_health_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    async with (
        FakeBotApi() as api,
        simbot(
            "run",
            cwd=tmp_path,
            settings=settings_for(
                api,
                SIMBOT_WEBHOOK_URL="https://bot.example.org/tg",
                SIMBOT_WEBHOOK_LISTEN="127.0.0.1",
                SIMBOT_WEBHOOK_PORT=str(port),
            ),
        ) as process,
    ):
        await api.wait_for("setWebhook", timeout=START)
        timeout = aiohttp.ClientTimeout(total=START)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            assert response.status == 200
            assert (await response.json())["status"] == "ok"
        update = api.private_message_update(QUESTION)
        url = f"http://127.0.0.1:{port}/tg"
        assert await api.post_update_to_webhook(url, update, "wrong") == 403
        await stop(process)
        assert process.returncode == 0


def test_a_webhook_url_that_is_not_https_is_one_line(tmp_path: Path) -> None:
    done = simbot_run(
        tmp_path,
        SIMBOT_TELEGRAM_TOKEN="123:ABC",
        SIMBOT_INDEX_DIR=str(INDEX),
        SIMBOT_WEBHOOK_URL="http://bot.example.org/tg",
    )
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert "SIMBOT_WEBHOOK_URL" in line


def test_simbot_ask_does_not_import_the_telegram_stack(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from simbot.cli import main\n"
        f"main(['--index', {str(INDEX)!r}, 'ask', '--json', 'Who started StopSIM?'])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('telegram', 'aiohttp'))\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=START,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"answered"' in done.stdout
