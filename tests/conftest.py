"""Fixtures of the bot tests: the fake Bot API, and the real bot running against it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from fakebot import FakeBotApi
from support.harness import RunningBot, run_bot


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """A fake Bot API on 127.0.0.1 (test files may define their own)."""
    async with FakeBotApi() as fake:
        yield fake


@pytest_asyncio.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[RunningBot]:
    """The bot, as ``simbot run`` builds it, long polling the fake."""
    async with run_bot(api) as running:
        yield running
