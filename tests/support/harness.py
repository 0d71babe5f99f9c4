"""The real bot, built and run as ``simbot run`` runs it, against the fake Bot API.

``run_bot`` builds the application with ``simbot.bot.application.build_application`` and runs
it with ``simbot.bot.application.running`` (long polling, or the webhook server when the settings
say so); the bot talks HTTP to ``FakeBotApi`` on 127.0.0.1. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from fakebot import FakeBotApi, JSONDict, RecordedCall
from simbot.bot.application import BotApplication, build_application, running
from simbot.bot.webhook import WebhookServer
from simbot.settings import Settings
from support import INDEX, SEEDS, shipped_answerer

#: Upper bound of every wait: a broken bot fails fast instead of hanging the run.
WAIT = 5.0

#: A user of its own for ``settle``, so that its messages never mix with a test's.
SENTINEL_USER_ID = 999_999


def bot_settings(api: FakeBotApi, **overrides: Any) -> Settings:
    """Settings pointing at the fake (no .env, no environment surprises)."""
    values: dict[str, Any] = {
        "telegram_token": SecretStr(api.token),
        "telegram_api_url": api.base_url,
        "seeds_dir": SEEDS,
        "index_dir": INDEX,
        "webhook_url": None,
        "webhook_secret": None,
        "rate_limit_count": 20,
        "rate_limit_window_seconds": 60.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class RunningBot:
    """The bot under test and the fake it talks to."""

    api: FakeBotApi
    application: BotApplication
    settings: Settings
    server: WebhookServer | None
    _sentinels: int = 0

    async def replies(self, update: JSONDict, count: int = 1) -> list[JSONDict]:
        """Queues ``update`` and returns the first ``count`` messages the bot sends after it."""
        since = self.api.call_count
        self.api.queue_update(update)
        return [call.result for call in await self.sent_since(since, count)]

    async def sent_since(self, since: int, count: int) -> list[RecordedCall]:
        """The first ``count`` sendMessage calls from call number ``since`` on, all accepted."""
        async with asyncio.timeout(WAIT):
            while True:
                finished = [c for c in self.api.calls("sendMessage") if c.index >= since and c.done]
                # Calls failed on purpose by an injected fault or error are not the bot's doing.
                done = [c for c in finished if c.ok or c.injected is None]
                refused = [c.description for c in done if not c.ok]
                assert not refused, refused
                if len(done) >= count:
                    return done[:count]
                unseen = functools.partial(_unseen, frozenset(c.index for c in finished))
                await self.api.wait_for("sendMessage", unseen, since=since, timeout=WAIT)

    async def settle(self) -> None:
        """Waits until the bot has dealt with everything queued so far.

        A sentinel user asks for /help; the bot takes updates in order and starts each one's
        handler in order, so once the sentinel is answered, a handler that sends nothing is done.
        """
        # A new sentinel each time, so that the rate limit never holds one back.
        self._sentinels += 1
        user = self.api.make_user(SENTINEL_USER_ID + self._sentinels, "Sentinel")
        since = self.api.call_count
        self.api.queue_update(self.api.private_message_update("/help", user=user))
        await self.api.wait_for(
            "sendMessage",
            lambda c: c.params.get("chat_id") == user["id"],
            since=since,
            timeout=WAIT,
        )

    def sent_to(self, chat_id: int, since: int = 0) -> list[RecordedCall]:
        """The sendMessage calls to ``chat_id`` from call number ``since`` on."""
        return [
            c
            for c in self.api.calls("sendMessage")
            if c.index >= since and c.params.get("chat_id") == chat_id
        ]


@contextlib.asynccontextmanager
async def run_bot(
    api: FakeBotApi, *, allow_refused: bool = False, **overrides: Any
) -> AsyncIterator[RunningBot]:
    """Runs the bot for the block; after it, checks that the fake accepted every call."""
    settings = bot_settings(api, **overrides)
    application = build_application(settings, shipped_answerer())
    bot = running(application, settings)
    async with asyncio.timeout(WAIT):
        server = await bot.__aenter__()
    try:
        yield RunningBot(api, application, settings, server)
    finally:
        async with asyncio.timeout(WAIT):
            await bot.__aexit__(None, None, None)
    if not allow_refused:
        refused = [c for c in api.calls() if c.done and not c.ok and c.injected is None]
        assert not refused, [(c.method, c.description) for c in refused]


def run_webhook_bot(
    api: FakeBotApi, webhook_url: str, **overrides: Any
) -> contextlib.AbstractAsyncContextManager[RunningBot]:
    """``run_bot`` in webhook mode for ``webhook_url``, its server on a free port of 127.0.0.1."""
    return run_bot(
        api, webhook_url=webhook_url, webhook_listen="127.0.0.1", webhook_port=0, **overrides
    )


def _unseen(seen: frozenset[int], call: RecordedCall) -> bool:
    return call.index not in seen
