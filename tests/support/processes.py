"""``simbot`` commands as processes, for the tests that run them as people do (plain functions).

Each process starts in a folder of the test's own (no .env there), with this process's
environment less every ``SIMBOT_`` variable, plus the settings the test gives; every wait for it
is bounded, and ``simbot`` makes sure none is left running after its block.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

from fakebot import FakeBotApi
from support import INDEX, ROOT, SEEDS

#: Starting Python, python-telegram-bot and the index takes a moment on a slow machine.
START = 30.0

#: Where a process's output goes: ``asyncio.subprocess.PIPE`` or ``DEVNULL``, or a file.
Output = int | Path


def environment(**settings: str) -> dict[str, str]:
    """This process's environment without any SIMBOT_ variable, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMBOT_")}
    env.update(settings)
    return env


def settings_for(api: FakeBotApi, **settings: str) -> dict[str, str]:
    """The SIMBOT_ settings of a bot that talks to ``api`` and answers from the shipped index,
    then ``settings`` (which may replace any of them)."""
    return {
        "SIMBOT_TELEGRAM_TOKEN": api.token,
        "SIMBOT_TELEGRAM_API_URL": api.base_url,
        "SIMBOT_INDEX_DIR": str(INDEX),
        **settings,
    }


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run_simbot(*args: str, cwd: Path = ROOT, stdin: str | None = None,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """``simbot ARGS`` in ``cwd``, run to its end; from the project's root, over the tests'
    five articles."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SIMBOT_")}
    if cwd == ROOT:
        environment |= {"SIMBOT_INDEX_DIR": str(INDEX), "SIMBOT_SEEDS_DIR": str(SEEDS)}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "simbot", *args],
        cwd=cwd, input=stdin, capture_output=True, text=True, env=environment, timeout=120,
    )  # fmt: skip


async def start_simbot(
    *args: str,
    cwd: Path,
    settings: Mapping[str, str],
    stdout: Output = asyncio.subprocess.DEVNULL,
    stderr: Output = asyncio.subprocess.DEVNULL,
) -> asyncio.subprocess.Process:
    """Starts ``simbot *args`` in ``cwd`` with ``settings`` as its only SIMBOT_ variables; a
    ``Path`` for ``stdout`` or ``stderr`` is the file that output goes to."""
    with contextlib.ExitStack() as files:
        out, err = (
            files.enter_context(where.open("wb")) if isinstance(where, Path) else where
            for where in (stdout, stderr)
        )
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "simbot",
            *args,
            cwd=cwd,
            env=environment(**settings),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )


@contextlib.asynccontextmanager
async def simbot(
    *args: str,
    cwd: Path,
    settings: Mapping[str, str],
    stdout: Output = asyncio.subprocess.DEVNULL,
    stderr: Output = asyncio.subprocess.DEVNULL,
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``start_simbot`` for the block; the process is killed if it still runs after it."""
    process = await start_simbot(*args, cwd=cwd, settings=settings, stdout=stdout, stderr=stderr)
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def finish(process: asyncio.subprocess.Process) -> tuple[str, str]:
    """Waits (at most ``START`` seconds) for ``process`` to exit; its piped output, decoded."""
    async with asyncio.timeout(START):
        out, err = await process.communicate()
    return (out or b"").decode(), (err or b"").decode()


async def stop(
    *processes: asyncio.subprocess.Process,
    signum: int = signal.SIGTERM,
    timeout: float = START,
) -> None:
    """Sends ``signum`` to each process still running, then waits for each in turn: one that
    has not exited ``timeout`` seconds into its wait is killed (see its ``returncode``)."""
    for process in processes:
        if process.returncode is None:
            process.send_signal(signum)
    for process in processes:
        try:
            async with asyncio.timeout(timeout):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()
