"""Scale-out: two ``simbot run`` processes behind one round-robin proxy serve one conversation.

In webhook mode the bot keeps nothing between updates (the question travels in each answer's
first line, which the More button and follow-up replies read back), so replicas need not share
anything but the token. Here two real processes, each with its own webhook server on loopback,
sit behind a small round-robin reverse proxy (the load balancer), and one private conversation
(a question, a press of More, a follow-up, a follow-up of that) is posted to the proxy as
Telegram would post it: each update lands on the other replica, and every answer is right.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from test_bot_private import QUESTION, assert_shows, button, buttons, expected_quotes

from fakebot import FakeBotApi, JSONDict, RecordedCall
from simbot.bot.followups import shown_passages
from simbot.bot.replies import QUESTION_MARK
from simbot.bot.webhook import SECRET_HEADER
from support.processes import START, free_port, settings_for, start_simbot, stop

#: Every test here runs processes, builds indexes or reads whole sets (over a second).
pytestmark = pytest.mark.slow

PUBLIC_URL = "https://bot.example.org/telegram"
PATH = "/telegram"
SECRET = "scale-Out_secret-1"
#: Upper bound of each wait for an answer (the processes are warm by then).
ANSWER = 15.0
#: Upper bound of a replica's clean stop.
STOP = 15.0


@dataclass(frozen=True)
class Routed:
    """One request the proxy passed on: to which replica, what, and the replica's status."""

    replica: int
    method: str
    path: str
    update: JSONDict | None
    status: int

    @property
    def kind(self) -> str:
        """The update's kind (``message``, ``callback_query``, ...), or "" for no update."""
        return next((k for k in self.update or {} if k != "update_id"), "")


class RoundRobinProxy:
    """A reverse proxy on 127.0.0.1: each request to the next upstream in turn, logged."""

    def __init__(self, upstreams: list[str]) -> None:
        self.upstreams = upstreams
        self.log: list[Routed] = []
        self._turn = itertools.cycle(range(len(upstreams)))
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=ANSWER))
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        replica = next(self._turn)
        body = await request.read()
        # What a proxy in front of the bot must pass on: the body's type and Telegram's secret.
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() in ("content-type", SECRET_HEADER.lower())
        }
        headers["X-Forwarded-For"] = request.remote or ""
        url = self.upstreams[replica] + request.path_qs
        async with self._session.request(
            request.method, url, data=body, headers=headers
        ) as response:
            answer = await response.read()
            update = json.loads(body) if body else None
            self.log.append(Routed(replica, request.method, request.path, update, response.status))
            return web.Response(
                status=response.status,
                body=answer,
                content_type=response.content_type,
            )


@dataclass
class Replica:
    """A ``simbot run`` process and where it listens."""

    process: asyncio.subprocess.Process
    port: int
    log: Path

    def stderr(self) -> str:
        return self.log.read_text("utf-8", errors="replace")


@contextlib.asynccontextmanager
async def replicas(api: FakeBotApi, tmp_path: Path, count: int) -> AsyncIterator[list[Replica]]:
    """``count`` bot processes in webhook mode, all ready; stopped (or killed) after the block."""
    started: list[Replica] = []
    since = api.call_count
    try:
        for n in range(count):
            port = free_port()
            log = tmp_path / f"replica-{n}.log"
            process = await start_simbot(
                "run",
                cwd=tmp_path,
                stderr=log,
                settings=settings_for(
                    api,
                    # The public URL Telegram would post to (the proxy's, behind TLS)...
                    SIMBOT_WEBHOOK_URL=PUBLIC_URL,
                    SIMBOT_WEBHOOK_SECRET=SECRET,
                    # ...and where this replica listens, behind the proxy.
                    SIMBOT_WEBHOOK_LISTEN="127.0.0.1",
                    SIMBOT_WEBHOOK_PORT=str(port),
                ),
            )
            started.append(Replica(process, port, log))
        # A replica registers the webhook only once its server listens.
        try:
            async with asyncio.timeout(START):
                while len(done := _done("setWebhook", api, since)) < count:
                    unseen = functools.partial(_unseen, done)
                    await api.wait_for("setWebhook", unseen, since=since, timeout=START)
        except TimeoutError:
            logs = "\n".join(replica.stderr() for replica in started)
            raise AssertionError(f"the replicas did not start within {START}s:\n{logs}") from None
        yield started
    finally:
        await _stop_all(started)


def _done(method: str, api: FakeBotApi, since: int) -> frozenset[int]:
    return frozenset(c.index for c in api.calls(method) if c.index >= since and c.done)


def _unseen(seen: frozenset[int], call: RecordedCall) -> bool:
    return call.index not in seen


async def _stop_all(started: list[Replica]) -> None:
    await stop(*(replica.process for replica in started), timeout=STOP)


async def health(port: int) -> JSONDict:
    timeout = aiohttp.ClientTimeout(total=ANSWER)
    url = f"http://127.0.0.1:{port}/healthz"
    async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
        assert response.status == 200
        body: JSONDict = await response.json()
        return body


async def post(api: FakeBotApi, proxy: RoundRobinProxy, update: JSONDict) -> JSONDict:
    """Posts ``update`` to the proxy as Telegram would; the first message the bot sends back."""
    since = api.call_count
    url = f"http://127.0.0.1:{proxy.port}{PATH}"
    assert await api.post_update_to_webhook(url, update, SECRET, timeout=ANSWER) == 200
    call = await api.wait_for("sendMessage", since=since, timeout=ANSWER)
    assert call.ok, call.description
    result: JSONDict = call.result
    return result


async def test_one_conversation_across_two_replicas(tmp_path: Path) -> None:
    async with FakeBotApi() as api, replicas(api, tmp_path, 2) as bots:
        for bot in bots:
            assert (await health(bot.port))["status"] == "ok"
        # Every replica registers the same URL and secret: it does not matter which one was last.
        registered = {(c.params["url"], c.params["secret_token"]) for c in api.calls("setWebhook")}
        assert registered == {(PUBLIC_URL, SECRET)}

        proxy = RoundRobinProxy([f"http://127.0.0.1:{bot.port}" for bot in bots])
        await proxy.start()
        try:
            # 1. The question (replica 0).
            answer = await post(api, proxy, api.private_message_update(QUESTION))
            quotes = expected_quotes(QUESTION)
            assert_shows(answer, QUESTION, quotes[:3])
            assert button(answer, "More")["callback_data"] == "more:3"

            # 2. More, pressed under that answer (replica 1, which never saw the question).
            press = api.callback_query_update(answer, "more:3")
            more = await post(api, proxy, press)
            assert_shows(more, QUESTION, quotes[3:6])
            assert press["callback_query"]["id"] in api.callback_answers
            pressed = api.message(answer["chat"]["id"], answer["message_id"])
            assert [b["text"] for b in buttons(pressed)] == ["Share"]

            # 3. A follow-up, replying to the message replica 1 sent (replica 0): it moves on
            # from the passages that message cites, never showing them again.
            reply = await post(api, proxy, api.private_message_update("why?", reply_to=more))
            assert reply["text"].startswith(f"{QUESTION_MARK} why?\n")
            before, after = shown_passages(more["text"]), shown_passages(reply["text"])
            assert before and after and not set(before) & set(after)

            # 4. A follow-up of the follow-up, replying to replica 0's message (replica 1).
            next_question = "and what did they say next?"
            again = await post(
                api, proxy, api.private_message_update(next_question, reply_to=reply)
            )
            assert again["text"].startswith(f"{QUESTION_MARK} {next_question}\n")
            [following] = shown_passages(again["text"])
            assert (following.source, following.first) == (after[0].source, after[0].last + 1)
        finally:
            await proxy.stop()

        routed = [(r.replica, r.kind, r.status) for r in proxy.log]
        assert routed == [
            (0, "message", 200),
            (1, "callback_query", 200),
            (0, "message", 200),
            (1, "message", 200),
        ]
        # Nothing but the one conversation was answered, each update once.
        assert len(api.calls("sendMessage")) == 4
        refused = [(c.method, c.description) for c in api.calls() if c.done and not c.ok]
        assert not refused, refused

        # A replica that stops (a rolling update) leaves the webhook to the others.
        await _stop_all(bots[:1])
        assert bots[0].process.returncode == 0, bots[0].stderr()
        assert api.calls("deleteWebhook") == []
        assert (await health(bots[1].port))["status"] == "ok"

    for bot in bots:
        assert bot.process.returncode == 0, bot.stderr()
        assert "Traceback" not in bot.stderr(), bot.stderr()
        assert SECRET not in bot.stderr() and api.token.split(":", 1)[1] not in bot.stderr()
