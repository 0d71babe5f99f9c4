"""``simbot run``: the Telegram bot, its wiring and its life from start-up to a clean stop.

``build_application`` makes the python-telegram-bot ``Application`` with every handler (tests
build it the same way and point it at a fake Bot API); ``running`` runs it with long polling, or
behind a webhook server when ``Settings.webhook_url`` is set; ``run`` is the command itself,
stopping cleanly on SIGTERM or Ctrl-C.

Between updates the bot keeps nothing of its own but the per-user rate limit: a follow-up or a
button press reads its question back from the message it belongs to, so in webhook mode any
number of replicas can share one webhook URL behind a load balancer. A rebuilt index is picked
up without a restart (``simbot.bot.reload``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import re
import signal
import sys
import urllib.parse
from collections.abc import AsyncIterator, Iterable
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode, UpdateType, WebhookLimit
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from simbot import __version__
from simbot.answer.answerer import Answerer
from simbot.bot.handlers import (
    SERVICES,
    BotServices,
    about,
    ask,
    check_index,
    edited_text,
    error_handler,
    example_button,
    feedback_button,
    group_text,
    help_command,
    ignore,
    inline_query,
    more_button,
    not_text,
    private_text,
    set_commands,
    sources,
    start,
    unknown_button,
    unknown_command,
)
from simbot.bot.order import PerChatUpdateProcessor
from simbot.bot.polling import PollingRequest
from simbot.bot.polling_state import state_path
from simbot.bot.rate_limit import PerUserRateLimit
from simbot.bot.reload import IndexWatcher, load_answerer
from simbot.bot.replies import ASK_EXAMPLE, HELPFUL, MORE, UNHELPFUL, index_version
from simbot.bot.retry import RetryingRequest
from simbot.bot.webhook import WebhookServer
from simbot.errors import SimbotError
from simbot.redact import SECRETS_FILTER, protect, redact
from simbot.settings import Settings

logger = logging.getLogger(__name__)

BotApplication = Application[Any, Any, Any, Any, Any, Any]

#: The updates the bot asks Telegram for (edits of recent questions are answered again).
ALLOWED_UPDATES = [
    UpdateType.MESSAGE,
    UpdateType.EDITED_MESSAGE,
    UpdateType.CALLBACK_QUERY,
    UpdateType.INLINE_QUERY,
]

EXIT_ERROR = 2

# A bot token as @BotFather gives it: the bot's id, a colon, then letters, digits, _ and -.
_TOKEN_RE = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{1,200}")
_SECRET_RE = re.compile(rf"[A-Za-z0-9_-]{{1,{int(WebhookLimit.MAX_SECRET_TOKEN_LENGTH)}}}")


# -- the application ----------------------------------------------------------------------------


def build_application(settings: Settings, answerer: Answerer) -> BotApplication:
    """The bot's ``Application``, every handler added, exactly as ``simbot run`` runs it.

    ``answerer`` is the index in ``settings.index_dir`` as loaded; a rebuilt one replaces it.
    """
    quiet_http_logs()
    token = bot_token(settings)
    # Before the bot exists: it logs its API URLs, token and all, as it is made.
    protect([token, webhook_secret(settings) if settings.webhook_url else ""])
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_url)
        .base_file_url(file_url(settings.telegram_api_url))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                # Citations link to passages: previews of those links would only add clutter.
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        # Retries what Telegram or the network says may be retried, 429s included.
        .request(RetryingRequest())
        # Keeps what the bot sends within Telegram's flood limits (a 429 is retried below it).
        .rate_limiter(AIORateLimiter(max_retries=0))
        # Different chats at once, each chat's updates in order (see simbot.bot.order).
        .concurrent_updates(PerChatUpdateProcessor())
        .post_init(set_commands)
    )
    if settings.webhook_url:
        builder = builder.updater(None)  # our own webhook server feeds the update queue
    else:
        # Skips updates the library cannot read, and tells `simbot health` how polling goes.
        state_file = state_path(settings.telegram_api_url, token)
        builder = builder.get_updates_request(PollingRequest(state_file, secrets=[token]))
    application = builder.build()
    watcher = IndexWatcher(settings.index_dir, answerer, interval=settings.index_reload_seconds)
    application.bot_data[SERVICES] = BotServices(
        watcher,
        settings,
        PerUserRateLimit(settings.rate_limit_count, settings.rate_limit_window_seconds),
    )
    add_handlers(application)
    return application


def add_handlers(application: BotApplication) -> None:
    """Wires every handler; the first one that matches an update handles it."""
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    # Group -1 runs first for every update, then the handlers below (group 0) as usual.
    application.add_handler(TypeHandler(Update, check_index), group=-1)
    application.add_handlers(
        [
            # A recent edit of a question is answered again; other edits and channel posts
            # stop here.
            MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.TEXT, edited_text),
            MessageHandler(~filters.UpdateType.MESSAGE, ignore),
            CommandHandler("start", start),
            CommandHandler("help", help_command),
            CommandHandler("sources", sources),
            CommandHandler("about", about),
            CommandHandler("ask", ask),
            MessageHandler(private & filters.COMMAND, unknown_command),
            MessageHandler(private & filters.TEXT, private_text),
            # In groups, commands for other bots and plain chatter get no answer.
            MessageHandler(groups & filters.TEXT & ~filters.COMMAND, group_text),
            MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, not_text),
            CallbackQueryHandler(more_button, pattern=rf"^{MORE}:\d+$"),
            CallbackQueryHandler(example_button, pattern=rf"^{ASK_EXAMPLE}:\d+$"),
            CallbackQueryHandler(feedback_button, pattern=rf"^(?:{HELPFUL}|{UNHELPFUL}):\d+$"),
            CallbackQueryHandler(unknown_button),
            InlineQueryHandler(inline_query),
        ]
    )
    application.add_error_handler(error_handler)


# -- running ------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def running(
    application: BotApplication, settings: Settings
) -> AsyncIterator[WebhookServer | None]:
    """Runs the bot for the length of the block: long polling, or the webhook server (yielded)."""
    await application.initialize()
    try:
        # run_polling would call post_init for us; running by hand, we call it ourselves.
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        try:
            if settings.webhook_url:
                async with _webhook(application, settings) as server:
                    yield server
            else:
                assert application.updater is not None
                token = application.bot.token
                await application.updater.start_polling(
                    allowed_updates=ALLOWED_UPDATES,
                    error_callback=lambda error: _polling_failed(error, token),
                )
                try:
                    yield None
                finally:
                    await application.updater.stop()
        finally:
            await application.stop()
    finally:
        await application.shutdown()


def _polling_failed(error: TelegramError, token: str) -> None:
    # One line a failure, not the library's traceback: it retries by itself, backing off up
    # to 30 s, and `simbot health` reports polling that keeps failing.
    reason = redact(f"{type(error).__name__}: {error}", [token])
    logger.warning("getUpdates failed (%s); polling retries", reason)


@contextlib.asynccontextmanager
async def _webhook(application: BotApplication, settings: Settings) -> AsyncIterator[WebhookServer]:
    assert settings.webhook_url is not None
    secret = webhook_secret(settings)
    found = services_of(application)

    def health() -> dict[str, Any]:
        # The index in use now. Load balancers ask often: a rebuilt index is picked up here
        # too (as before an update, at most one look every index_reload_seconds).
        found.index.check()
        answerer = found.answerer
        return {
            "bot": application.bot.username,
            "mode": "webhook",
            "index": index_version(answerer),
            "articles": len(answerer.documents),
            "simbot": __version__,
        }

    server = WebhookServer(
        application,
        secret=secret,
        path=webhook_path(settings),
        health_path=settings.health_path,
        health=health,
    )
    await server.start(settings.webhook_listen, settings.webhook_port)
    try:
        # Only once the server listens may Telegram start posting to it.
        await application.bot.set_webhook(
            settings.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
        )
        yield server
    finally:
        await server.stop()


async def serve(application: BotApplication, settings: Settings) -> None:
    """Runs the bot until SIGTERM or SIGINT (Ctrl-C), then stops it cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        with contextlib.suppress(NotImplementedError):  # not on Windows: Ctrl-C still works
            loop.add_signal_handler(signum, stop.set)
    try:
        async with running(application, settings):
            mode = "webhook" if settings.webhook_url else "long polling"
            username = application.bot.username
            logger.info("@%s is running (%s); SIGTERM or Ctrl-C stops it", username, mode)
            await stop.wait()
            logger.info("stopping")
            # A second Ctrl-C while stopping interrupts at once, as people expect.
            _default_signals(loop, signals)
    finally:
        _default_signals(loop, signals)
    logger.info("stopped")


def _default_signals(loop: asyncio.AbstractEventLoop, signals: Iterable[int]) -> None:
    for signum in signals:
        with contextlib.suppress(NotImplementedError):
            loop.remove_signal_handler(signum)


def run(settings: Settings) -> int:
    """``simbot run``: the bot until it is stopped; returns the exit code."""
    problem = settings_problem(settings)
    if problem:
        print(f"simbot: {problem}", file=sys.stderr)
        return EXIT_ERROR
    secrets = [bot_token(settings), webhook_secret(settings)]
    configure_logging(settings.log_level, secrets=secrets)
    # Read in full: a rebuild deletes the files of the index it replaces (see simbot.bot.reload).
    answerer = load_answerer(settings.index_dir, settings.semantic)
    application = build_application(settings, answerer)
    try:
        asyncio.run(serve(application, settings))
    except InvalidToken:
        print(
            "simbot: Telegram rejected SIMBOT_TELEGRAM_TOKEN: copy the token again from "
            "@BotFather (/mybots, API Token).",
            file=sys.stderr,
        )
        return EXIT_ERROR
    except (TelegramError, OSError) as error:
        reason = redact(str(error), secrets)
        print(f"simbot: the bot could not start: {reason}", file=sys.stderr)
        return EXIT_ERROR
    return 0


# -- settings -----------------------------------------------------------------------------------


def settings_problem(settings: Settings) -> str | None:
    """What stops the bot from starting with these settings, in one line; None if nothing."""
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
    get_one = (
        "create a bot with @BotFather in Telegram (/newbot) and run "
        "SIMBOT_TELEGRAM_TOKEN=<its token> simbot run"
    )
    if not token.strip():
        return f"SIMBOT_TELEGRAM_TOKEN is not set: {get_one}."
    if not _TOKEN_RE.fullmatch(token.strip()):
        # Never echo it: a malformed token may still be most of a real one.
        return (
            "SIMBOT_TELEGRAM_TOKEN does not look like a bot token (digits, a colon, then letters, "
            f"digits, _ and -): copy it again from @BotFather (/mybots, API Token), or {get_one}."
        )
    if settings.log_level.upper() not in logging.getLevelNamesMapping():
        return f"SIMBOT_LOG_LEVEL {settings.log_level!r} is not one of DEBUG, INFO, WARNING, ERROR."
    if settings.webhook_url:
        url = urllib.parse.urlsplit(settings.webhook_url)
        if url.scheme != "https" or not url.netloc:
            return "SIMBOT_WEBHOOK_URL must be an https:// URL (Telegram posts only to HTTPS)."
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        if secret is not None and not _SECRET_RE.fullmatch(secret):
            return "SIMBOT_WEBHOOK_SECRET may hold only 1-256 of A-Z, a-z, 0-9, _ and -."
        if not webhook_path(settings).startswith("/") or not settings.health_path.startswith("/"):
            return "SIMBOT_WEBHOOK_PATH and SIMBOT_HEALTH_PATH must start with /."
    return None


def bot_token(settings: Settings) -> str:
    """The bot token (``SimbotError`` if there is none)."""
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value().strip():
        raise SimbotError("SIMBOT_TELEGRAM_TOKEN is not set: get a token from @BotFather.")
    return settings.telegram_token.get_secret_value().strip()


def file_url(api_url: str) -> str:
    """The Bot API's file URL next to its method URL (``.../bot`` -> ``.../file/bot``)."""
    base = api_url.rstrip("/")
    return f"{base.removesuffix('/bot')}/file/bot" if base.endswith("/bot") else f"{base}/file"


def webhook_secret(settings: Settings) -> str:
    """The secret Telegram must send with updates: set, or derived from the token.

    Derived, it is the same on every replica, yet cannot be guessed without the token.
    """
    if settings.webhook_secret is not None and settings.webhook_secret.get_secret_value():
        return settings.webhook_secret.get_secret_value()
    key = bot_token(settings).encode("utf-8")
    return hmac.new(key, b"simbot webhook secret", hashlib.sha256).hexdigest()


def webhook_path(settings: Settings) -> str:
    """The path the webhook server takes updates on (by default, that of the webhook URL)."""
    if settings.webhook_path:
        return settings.webhook_path
    return urllib.parse.urlsplit(settings.webhook_url or "").path or "/"


def services_of(application: BotApplication) -> BotServices:
    """The ``BotServices`` an application built by ``build_application`` carries."""
    found: BotServices = application.bot_data[SERVICES]
    return found


# -- logging ------------------------------------------------------------------------------------


def quiet_http_logs() -> None:
    """Silences the HTTP client's request lines: their URLs hold the bot token."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def configure_logging(level: str, secrets: Iterable[str]) -> None:
    """Logs to standard error at ``level``, with secrets taken out of every line."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    protect(secrets)
    # Records of every other logger pass this handler: it redacts them too.
    handler.addFilter(SECRETS_FILTER)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    quiet_http_logs()


__all__ = [
    "ALLOWED_UPDATES",
    "BotApplication",
    "add_handlers",
    "build_application",
    "configure_logging",
    "run",
    "running",
    "serve",
    "services_of",
    "settings_problem",
    "webhook_secret",
]
