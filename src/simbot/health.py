"""``simbot health``: can the bot configured here do its work? Made for Docker's ``HEALTHCHECK``.

* **Webhook mode** (``SIMBOT_WEBHOOK_URL`` set): asks the bot's own health route on loopback
  (``SIMBOT_HEALTH_PATH`` on ``SIMBOT_WEBHOOK_PORT``), which answers 200 and ``"status": "ok"``
  only while the bot's application runs. Nothing answering, or anything else, is unhealthy.
* **Long polling**: the bot listens on no port. While it runs it keeps a small file saying how
  its ``getUpdates`` calls go (``simbot.bot.polling_state``): polling that keeps failing (
  ``FAILURES_IN_A_ROW`` calls in a row) or has not finished a call for ``STUCK_SECONDS`` is
  unhealthy. Then this asks Telegram, with the bot's token, for ``getWebhookInfo``: healthy
  when the Bot API is reachable, accepts the token, and has no webhook set (while one is,
  Telegram refuses ``getUpdates`` and a polling bot receives nothing).

It prints one line (Docker keeps it, see ``docker inspect``) and exits 0 when healthy, 1 when
not, never 2 (Docker reserves it). The token never appears in what it prints. The Telegram stack
is not imported: a check every half minute should cost little.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from simbot.bot.polling_state import now, read_state, state_path
from simbot.errors import SimbotError
from simbot.redact import redact
from simbot.settings import Settings, load_settings

HEALTHY = 0
UNHEALTHY = 1

#: Seconds to wait for an answer (Docker's own --timeout should be longer).
TIMEOUT = 5.0

#: getUpdates calls failed in a row that make polling unhealthy (the bot retries after 1, 1.5,
#: 2.25 s..., so three failures take a few seconds: a blip passes, an outage shows).
FAILURES_IN_A_ROW = 3

#: Seconds without a finished getUpdates call that mean polling is stuck (a long poll lasts
#: 10 s, a failed one's retry waits at most 30 s).
STUCK_SECONDS = 120.0

#: Listen addresses that mean "every interface": the check then asks on loopback.
_ANY_IPV4 = {"", "0.0.0.0"}
_ANY_IPV6 = {"::", "[::]"}


@dataclass(frozen=True)
class Health:
    """The outcome of a check: healthy or not, and why, in a few words."""

    healthy: bool
    detail: str

    def line(self) -> str:
        return f"{'healthy' if self.healthy else 'unhealthy'}: {self.detail}"


def check(settings: Settings, timeout: float = TIMEOUT) -> Health:
    """Checks the bot as ``settings`` configure it (webhook server, or Telegram for polling)."""
    token = settings.telegram_token.get_secret_value().strip() if settings.telegram_token else ""
    try:
        if settings.webhook_url:
            return _check_webhook_server(settings, timeout)
        return _check_polling(settings, token, timeout)
    except Exception as error:  # a health check reports a failure, it does not crash on one
        return Health(False, redact(f"the check failed: {type(error).__name__}: {error}", [token]))


def main(settings: Settings | None = None) -> int:
    """``simbot health``: prints the outcome; returns 0 (healthy) or 1.

    Without ``settings``, reads them as every command does; settings that cannot be read are
    unhealthy too (exit 1, not the 2 of other commands: Docker reserves 2).
    """
    if settings is None:
        try:
            settings = load_settings()
        except SimbotError as error:
            health = Health(False, str(error))
            print(health.line())
            return UNHEALTHY
    health = check(settings)
    print(health.line())
    return HEALTHY if health.healthy else UNHEALTHY


# -- webhook mode -------------------------------------------------------------------------------


def health_url(settings: Settings) -> str:
    """The URL of the webhook server's health route, as seen from inside its machine."""
    host = settings.webhook_listen.strip()
    if host in _ANY_IPV4:
        host = "127.0.0.1"
    elif host in _ANY_IPV6:
        host = "::1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{settings.webhook_port}{settings.health_path}"


def _check_webhook_server(settings: Settings, timeout: float) -> Health:
    if settings.webhook_port == 0:
        return Health(False, "SIMBOT_WEBHOOK_PORT is 0 (any free port): no port to ask")
    url = health_url(settings)
    # Straight to loopback, whatever HTTP_PROXY says.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())
    try:
        with opener.open(url, timeout=timeout) as response:
            status, body = response.status, _json(response.read())
    except urllib.error.HTTPError as error:
        status, body = error.code, _json(error.read())
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return Health(False, f"the webhook server does not answer at {url}: {reason}")
    state = body.get("status") if isinstance(body, dict) else None
    if status == 200 and state == "ok":
        return Health(True, f"webhook server at {url} answers {_describe(body)}")
    return Health(False, f"the webhook server at {url} answers {status} ({state or 'no status'})")


def _describe(body: dict[str, Any]) -> str:
    bot = f"@{body['bot']}" if body.get("bot") else "the bot"
    index = f", index {body['index']}" if body.get("index") else ""
    return f"ok ({bot}{index})"


# -- long polling -------------------------------------------------------------------------------


def method_url(api_url: str, token: str, method: str) -> str:
    """A Bot API method's URL, built from ``SIMBOT_TELEGRAM_API_URL`` as python-telegram-bot does.

    The base URL either holds ``{token}`` (or ``{bot_token}``) or is followed by the token.
    """
    if "{token}" in api_url or "{bot_token}" in api_url:
        base = api_url.replace("{bot_token}", token).replace("{token}", token)
    else:
        base = api_url + token
    return f"{base}/{method}"


def _check_polling(settings: Settings, token: str, timeout: float) -> Health:
    if not token:
        return Health(False, "SIMBOT_TELEGRAM_TOKEN is not set (long polling needs it)")
    polling = _polling_problem(settings, token)
    if polling is not None:
        return Health(False, polling)
    url = method_url(settings.telegram_api_url, token, "getWebhookInfo")
    api = _host(settings.telegram_api_url) or "SIMBOT_TELEGRAM_API_URL"
    # A redirect is not followed: the Bot API never sends one, and the URL holds the token.
    opener = urllib.request.build_opener(_NoRedirects())
    try:
        with opener.open(url, timeout=timeout) as response:
            status, body = response.status, _json(response.read())
    except urllib.error.HTTPError as error:
        status, body = error.code, _json(error.read())
    except (urllib.error.URLError, OSError) as error:
        reason = redact(str(getattr(error, "reason", error)), [token])
        return Health(False, f"long polling: cannot reach the Bot API at {api}: {reason}")
    if not isinstance(body, dict) or not body.get("ok"):
        if status == 401:
            return Health(False, "long polling: Telegram rejected SIMBOT_TELEGRAM_TOKEN (401)")
        if 300 <= status <= 399:
            return Health(
                False,
                f"long polling: the Bot API at {api} answers {status}, a redirect (not followed: "
                "the Bot API never redirects; check SIMBOT_TELEGRAM_API_URL)",
            )
        description = body.get("description") if isinstance(body, dict) else None
        reason = redact(str(description or "no Bot API answer"), [token])
        return Health(False, f"long polling: the Bot API at {api} answers {status}: {reason}")
    info = body.get("result")
    if not isinstance(info, dict):
        return Health(False, f"long polling: the Bot API at {api} sent no webhook info")
    if info.get("url"):
        where = _host(str(info["url"])) or "somewhere"
        return Health(
            False,
            f"long polling: a webhook ({where}) is set for this bot, so Telegram gives polling "
            "no updates; set SIMBOT_WEBHOOK_URL to run in webhook mode, or stop the other bot "
            "and restart this one",
        )
    waiting = info.get("pending_update_count", 0)
    return Health(
        True,
        f"long polling: the Bot API at {api} accepts the token, no webhook is set, "
        f"{waiting} updates waiting",
    )


def _polling_problem(settings: Settings, token: str) -> str | None:
    """What the running bot's polling state file says is wrong; None if nothing (or no bot)."""
    state = read_state(state_path(settings.telegram_api_url, token))
    if state is None or not state.alive():
        return None  # no bot polling here: Telegram's answer is all there is to go on
    if state.failures >= FAILURES_IN_A_ROW:
        since = now() - (state.failing_since or state.updated)
        reason = redact(state.last_error, [token]) or "no reason given"
        return (
            f"long polling keeps failing: {state.failures} getUpdates calls in a row over "
            f"{since:.0f} s, the last: {reason}"
        )
    quiet = now() - state.updated
    if quiet > STUCK_SECONDS:
        return f"long polling is stuck: no getUpdates call has finished for {quiet:.0f} s"
    return None


def _host(url: str) -> str:
    """Where ``url`` points, for a message: its host and port, never a user or password in it
    (nor anything else of it: a webhook URL may hold the token as user, or in its path)."""
    try:
        parts = urllib.parse.urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return ""
    if not host:
        return ""
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{port}" if port else host


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Refuses redirects: the 3xx comes back as an ``HTTPError``, its Location unread."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _json(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
