"""Shared fixtures: a copy of the tests' index, the fake Bot API, and the real bot against it."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from fakebot import FakeBotApi
from support import INDEX
from support.harness import RunningBot, run_bot


@pytest.fixture
def index_copy(tmp_path: Path) -> Path:
    """``tmp_path / "index"``: a copy of the index of the five articles, the test's to change
    (built once per run by ``support``, not again for each test)."""
    copied = tmp_path / "index"
    shutil.copytree(INDEX, copied)
    return copied


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
