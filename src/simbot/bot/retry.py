"""Retrying the Bot API calls that Telegram, or the network, says may be tried again.

python-telegram-bot sends each call once: a 5xx, a proxy's 502 page, a reset connection or a
429 ends the handler with an error, and the apology then goes through the same failing API,
so the question is lost. ``RetryingRequest`` is the bot's connection for every call but
``getUpdates`` (``ApplicationBuilder.request``, the library's seam for this): below the rate
limiter, it tries a call again, with a bound, when it certainly did not reach Telegram or
Telegram asks for it again:

* **429** Too Many Requests: after the ``retry_after`` Telegram gives;
* **5xx** (JSON or a proxy's HTML page), a connection **refused or reset**, a connect or pool
  **timeout**: after a backoff that doubles from ``FIRST_DELAY`` up to ``MAX_DELAY``.

A **read timeout** is not retried: Telegram may have the message already, and it may still
arrive, so a second try could send it twice (the error handler stays quiet about it too).
After ``MAX_ATTEMPTS`` tries, or when Telegram asks to wait longer than ``MAX_RETRY_AFTER``, it
logs one line and raises ``GaveUp``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from http import HTTPStatus
from typing import TYPE_CHECKING, NoReturn

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput

logger = logging.getLogger(__name__)

#: Tries of one call in all (the first one included).
MAX_ATTEMPTS = 8
#: The first backoff, in seconds; it doubles each time up to MAX_DELAY: 0.25 + 0.5 + ... + 8
#: + 8, with jitter about 25 s in all, longer than Telegram's 5xx spells usually last.
FIRST_DELAY = 0.25
MAX_DELAY = 8.0
#: A 429 asking to wait longer than this (seconds) is given up at once: a handler waiting
#: that long would hold its chat's later questions too.
MAX_RETRY_AFTER = 30.0

_DEFAULT = BaseRequest.DEFAULT_NONE

# Transport failures after which the request certainly never reached Telegram.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class GaveUp(NetworkError):
    """A Bot API call failed ``MAX_ATTEMPTS`` times (or Telegram asked to wait too long).

    Already logged, in one line: whoever catches it need not log it again.
    """


class RetryingRequest(HTTPXRequest):
    """python-telegram-bot's HTTP connection, retrying what can be retried (see the module)."""

    def __init__(
        self,
        *,
        max_attempts: int = MAX_ATTEMPTS,
        first_delay: float = FIRST_DELAY,
        max_delay: float = MAX_DELAY,
        max_retry_after: float = MAX_RETRY_AFTER,
    ) -> None:
        # The pool python-telegram-bot gives the bot's calls by default.
        super().__init__(connection_pool_size=256)
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.max_attempts = max_attempts
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.max_retry_after = max_retry_after

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
        name = _method_name(url)
        started = time.monotonic()
        delay = self.first_delay
        for attempt in range(1, self.max_attempts + 1):
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
            except TimedOut as error:
                if not isinstance(error.__cause__, _NEVER_SENT):
                    raise  # it may have reached Telegram: never send it twice
                failure, wait = _transport_failure(error), delay
            except NetworkError as error:
                failure, wait = _transport_failure(error), delay
            else:
                if status == HTTPStatus.TOO_MANY_REQUESTS:
                    retry_after = _retry_after(payload)
                    failure = f"429 Too Many Requests (retry after {retry_after or '?'} s)"
                    wait = delay if retry_after is None else retry_after
                    if wait > self.max_retry_after:
                        self._give_up(name, attempt, started, failure)
                elif status >= HTTPStatus.INTERNAL_SERVER_ERROR:
                    failure, wait = _status_failure(status), delay
                else:
                    return status, payload
            if attempt == self.max_attempts:
                break
            logger.debug("%s failed (%s); try %d in %.2f s", name, failure, attempt + 1, wait)
            # A little jitter: calls that failed together do not all come back at once.
            await asyncio.sleep(wait * random.uniform(1.0, 1.2))
            delay = min(delay * 2, self.max_delay)
        self._give_up(name, self.max_attempts, started, failure)

    @staticmethod
    def _give_up(name: str, attempts: int, started: float, failure: str) -> NoReturn:
        took = time.monotonic() - started
        logger.warning(
            "gave up on %s after %d tries over %.1f s: %s", name, attempts, took, failure
        )
        raise GaveUp(f"{name} failed {attempts} times: {failure}")


def _method_name(url: str) -> str:
    # The last part of .../bot<token>/<method>: the method, never the token.
    return url.rstrip("/").rpartition("/")[2] or "a Bot API call"


def _transport_failure(error: NetworkError) -> str:
    cause = error.__cause__
    return f"{type(cause).__name__}" if cause is not None else type(error).__name__


def _status_failure(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status}"


def _retry_after(payload: bytes) -> float | None:
    """The seconds a 429 asks to wait (``parameters.retry_after``), if it says."""
    try:
        body = json.loads(payload)
        value = body["parameters"]["retry_after"]
    except (ValueError, TypeError, KeyError, RecursionError):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


__all__ = [
    "FIRST_DELAY",
    "MAX_ATTEMPTS",
    "MAX_DELAY",
    "MAX_RETRY_AFTER",
    "GaveUp",
    "RetryingRequest",
]
