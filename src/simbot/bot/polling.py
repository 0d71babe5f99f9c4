"""Long polling that one unreadable update cannot stop, and that ``simbot health`` can see.

python-telegram-bot reads a whole ``getUpdates`` batch at once; when one update in it does not
parse, its Updater logs the batch (the users' words included) at CRITICAL and asks again at
the same offset, for ever: nobody is answered again. ``PollingRequest`` is the connection the
bot's ``getUpdates`` calls go through (``ApplicationBuilder.get_updates_request``, the library's
own seam for this): it hands on each update that reads well as it is, and puts in place of one
that does not a bare update holding only its number, which no handler acts on but which moves
the offset past it. Each skipped update is logged once, without its content.

It also writes how polling goes to the file ``simbot health`` reads (``simbot.bot.polling_state``).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from telegram.error import TelegramError
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from simbot.bot.polling_state import PollingState, now, remove_state, write_state
from simbot.bot.updates import UnreadableUpdate, placeholder, read_update
from simbot.redact import redact

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput

logger = logging.getLogger(__name__)

#: While polling works, the state file is rewritten at most this often (seconds).
HEARTBEAT_SECONDS = 5.0

_DEFAULT = BaseRequest.DEFAULT_NONE


class PollingRequest(HTTPXRequest):
    """The ``getUpdates`` connection: only readable updates pass; outcomes go to ``state_file``.

    ``secrets`` are kept out of what the state file says about failures.
    """

    def __init__(self, state_file: Path | None, secrets: Iterable[str] = ()) -> None:
        # One connection, as python-telegram-bot gives getUpdates by default.
        super().__init__(connection_pool_size=1)
        self._state_file = state_file
        self._secrets = [s for s in secrets if s]
        self._state: PollingState | None = None
        self._written_at = 0.0
        # Update ids only grow: one skipped again (not yet confirmed) is not logged again.
        self._logged_up_to = -1

    async def initialize(self) -> None:
        await super().initialize()
        self._record(PollingState(pid=os.getpid(), updated=now()), force=True)

    async def shutdown(self) -> None:
        await super().shutdown()
        if self._state_file is not None:
            remove_state(self._state_file)
        self._state = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = _DEFAULT,
        write_timeout: ODVInput[float] = _DEFAULT,
        connect_timeout: ODVInput[float] = _DEFAULT,
        pool_timeout: ODVInput[float] = _DEFAULT,
    ) -> tuple[int, bytes]:
        try:
            status, payload = await super().do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except TelegramError as error:
            self._failed(f"{type(error).__name__}: {error}")
            raise
        body = _json_object(payload)
        if not 200 <= status <= 299 or body is None or not body.get("ok"):
            description = body.get("description") if body is not None else None
            self._failed(f"{status} {description or 'no Bot API answer'}")
            return status, payload
        self._worked()
        updates = body.get("result")
        if not isinstance(updates, list):
            return status, payload
        readable = [self._readable(item) for item in updates]
        if readable == updates:
            return status, payload
        return status, json.dumps({**body, "result": readable}).encode("utf-8")

    def _readable(self, item: object) -> object:
        try:
            read_update(item, None)
        except UnreadableUpdate as unreadable:
            if unreadable.update_id is None:
                # Without a number it cannot be skipped: let the library refuse the batch.
                return item
            if unreadable.update_id > self._logged_up_to:
                self._logged_up_to = unreadable.update_id
                logger.warning("skipped %s; polling goes on", unreadable)
            return placeholder(unreadable.update_id)
        return item

    # -- the state file --------------------------------------------------------------------------

    def _worked(self) -> None:
        was = self._state
        state = PollingState(pid=os.getpid(), updated=now())
        # Rewritten when polling recovers, else only now and then: a heartbeat.
        self._record(state, force=was is None or was.failures > 0)

    def _failed(self, what: str) -> None:
        was = self._state
        failures = (was.failures if was else 0) + 1
        since = was.failing_since if was and was.failing_since is not None else now()
        reason = redact(what, self._secrets)[:200]
        state = PollingState(os.getpid(), now(), failures, since, reason)
        self._record(state, force=True)

    def _record(self, state: PollingState, *, force: bool) -> None:
        self._state = state
        if self._state_file is None:
            return
        if force or state.updated - self._written_at >= HEARTBEAT_SECONDS:
            write_state(self._state_file, state)
            self._written_at = state.updated


def _json_object(payload: bytes) -> dict[str, object] | None:
    try:
        body = json.loads(payload)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


__all__ = ["HEARTBEAT_SECONDS", "PollingRequest"]
