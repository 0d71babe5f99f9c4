"""The running bot picks up a rebuilt index without a restart, and refuses a damaged one."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr
from test_reload import NEW_ARTICLE, NEW_NAME, NEW_QUESTION
from test_reload import OLD_QUESTION as MISSPELT_QUESTION

from fakebot import FakeBotApi, JSONDict
from simbot.bot.reload import load_answerer
from simbot.bot.replies import QUESTION_MARK, index_version
from simbot.index.build import build_and_save
from simbot.index.format import MANIFEST
from support import SEEDS
from support.harness import WAIT, RunningBot, run_webhook_bot

#: Every test here runs processes, builds indexes or reads whole sets (over a second).
pytestmark = pytest.mark.slow

SECRET = "reload-Secret_1"


async def health(bot: RunningBot) -> dict[str, object]:
    assert bot.server is not None
    url = f"http://127.0.0.1:{bot.server.port}{bot.settings.health_path}"
    timeout = aiohttp.ClientTimeout(total=WAIT)
    async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
        assert response.status == 200
        body: dict[str, object] = await response.json()
        return body


async def ask(bot: RunningBot, text: str) -> JSONDict:
    """Posts a question to the bot's webhook as Telegram would; its first reply."""
    assert bot.server is not None
    url = f"http://127.0.0.1:{bot.server.port}/hook"
    since = bot.api.call_count
    update = bot.api.private_message_update(text)
    assert await bot.api.post_update_to_webhook(url, update, SECRET) == 200
    [call] = await bot.sent_since(since, 1)
    result: JSONDict = call.result
    return result


async def test_a_rebuilt_index_answers_without_a_restart(
    api: FakeBotApi, tmp_path: Path, index_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seeds, index_dir = tmp_path / "seeds", index_copy
    shutil.copytree(SEEDS, seeds)
    async with run_webhook_bot(
        api,
        "https://bot.example.org/hook",
        webhook_secret=SecretStr(SECRET),
        seeds_dir=seeds,
        index_dir=index_dir,
        index_reload_seconds=0,  # look before every update
    ) as bot:
        before = await health(bot)
        assert before["articles"] == 5
        not_yet = await ask(bot, NEW_QUESTION)
        assert "couldn't find" in not_yet["text"]

        # Rebuilt with a new article: the next update is answered from the new index.
        (seeds / NEW_NAME).write_text(NEW_ARTICLE, "utf-8")
        build_and_save(seeds, index_dir)
        answer = await ask(bot, NEW_QUESTION)
        assert answer["text"].startswith(f"{QUESTION_MARK} {NEW_QUESTION}")
        assert NEW_NAME in answer["text"]
        about = await ask(bot, "/about")
        assert "6 news articles" in about["text"]
        after = await health(bot)
        assert after["articles"] == 6
        assert after["index"] == index_version(load_answerer(index_dir)) != before["index"]

        # Rebuilt without it: the health route looks for a new index too, before any update.
        (seeds / NEW_NAME).unlink()
        build_and_save(seeds, index_dir)
        assert (await health(bot))["index"] == before["index"]
        assert "couldn't find" in (await ask(bot, NEW_QUESTION))["text"]

        # A damaged rebuild is refused: the bot goes on answering from the index it has.
        with caplog.at_level(logging.WARNING, logger="simbot.bot.reload"):
            (index_dir / MANIFEST).write_text("{not json", "utf-8")
            old = await ask(bot, MISSPELT_QUESTION)
            assert old["text"].startswith(QUESTION_MARK)
            assert "couldn't find" in (await ask(bot, NEW_QUESTION))["text"]
            assert (await health(bot))["index"] == before["index"]
        refusals = [r for r in caplog.records if "refused the new index" in r.getMessage()]
        assert len(refusals) == 1, "logged once, not at every update"
