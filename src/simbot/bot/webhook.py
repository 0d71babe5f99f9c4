"""The bot's web server in webhook mode: Telegram's updates in, and a health check.

python-telegram-bot's ``run_webhook`` serves only the webhook, so, as in its ``customwebhookbot``
examples, a small aiohttp server takes the updates and puts them on the application's update
queue, next to a health route for load balancers and orchestrators.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web
from telegram.ext import Application

from simbot.bot.updates import UnreadableUpdate, read_update

logger = logging.getLogger(__name__)

#: The header Telegram sends the webhook's secret in (set with ``setWebhook``'s secret_token).
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookServer:
    """Serves ``POST path`` (updates, checked against ``secret``) and ``GET health_path``.

    ``health`` is what the health route reports besides its status: fixed, or made afresh for
    each request (a function).
    """

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        *,
        secret: str,
        path: str,
        health_path: str,
        health: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
    ) -> None:
        self._application = application
        self._secret = secret.encode("utf-8")
        self._health = health
        app = web.Application()
        app.router.add_post(path, self._receive)
        app.router.add_get(health_path, self._report_health)
        # No access log: Telegram posts every update, and the lines would say nothing useful.
        self._runner = web.AppRunner(app, access_log=None)
        self.port = 0

    async def start(self, host: str, port: int) -> None:
        """Listens on ``host:port`` (port 0: any free port, then in ``self.port``)."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            raise
        self.port = int(self._runner.addresses[0][1])
        logger.info("webhook server listening on %s:%s", host, self.port)

    async def stop(self) -> None:
        """Stops listening, letting requests in progress finish."""
        await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        # Anyone can find the URL; only Telegram knows the secret. Compare in constant time.
        if not hmac.compare_digest(given, self._secret):
            logger.warning("refused a webhook request without the right secret")
            return web.Response(status=403, text="Forbidden")
        try:
            data = json.loads(await request.read())
        except (ValueError, RecursionError):
            # Not JSON, or nested too deep for the parser: nothing to take, nothing to trace.
            logger.warning("refused a webhook request that is not JSON (or nested too deep)")
            return web.Response(status=400, text="Bad Request")
        try:
            update = read_update(data, self._application.bot)
        except UnreadableUpdate as unreadable:
            logger.warning("refused a webhook request that is not an update: %s", unreadable)
            return web.Response(status=400, text="Bad Request")
        await self._application.update_queue.put(update)
        return web.Response(text="OK")

    async def _report_health(self, request: web.Request) -> web.Response:
        running = self._application.running
        health = self._health() if callable(self._health) else self._health
        body = {**health, "status": "ok" if running else "stopping"}
        return web.json_response(body, status=200 if running else 503)
