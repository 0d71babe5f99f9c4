"""Every setting simbot reads, from ``SIMBOT_*`` variables, a ``.env`` file or a secrets folder.

This is the only module that reads the environment: everything else is handed a ``Settings``.
"""

from __future__ import annotations

import logging
import re
import urllib.parse
from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

from simbot import defaults
from simbot.errors import SimbotError
from simbot.messages import DEFAULT_ADVICE_MESSAGE

DEFAULT_CRISIS_MESSAGE = (
    "If you are struggling or thinking about suicide or self-harm, you don't have to face it "
    "alone. Samaritans are there day and night: call 116 123 (free, 24 hours, UK and Ireland) "
    "or email jo@samaritans.org. If you would rather not call, text SHOUT to 85258 (free, "
    "24 hours, UK). In England you can also call NHS 111 and choose the mental health option. "
    "If you are in danger now, call 999 (UK) or 112."
)

#: "What can this bot do?": the first words a new user sees, in the empty chat (up to 512).
DEFAULT_BOT_DESCRIPTION = (
    "I answer questions about the Serenity Integrated Mentoring (SIM) scheme and the StopSIM "
    "campaign with passages copied word for word from a few news articles, each with the file "
    "and paragraph it comes from. I never write answers of my own. Ask in English, in your own "
    "words: for example, who started the StopSIM campaign?"
)
#: On the bot's profile page and in shared links (up to 120).
DEFAULT_BOT_SHORT_DESCRIPTION = (
    "Answers about the SIM scheme and StopSIM, quoted word for word from news articles."
)


class Settings(BaseSettings):
    """simbot's configuration; each field is read from ``SIMBOT_<FIELD NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix="SIMBOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    telegram_token: SecretStr | None = Field(
        default=None, description="The bot token from @BotFather."
    )
    telegram_api_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API base URL; point it at a self-hosted Bot API server if you run one.",
    )
    seeds_dir: Path = Field(default=defaults.SEEDS_DIR, description="Folder of article files.")
    index_dir: Path = Field(default=defaults.INDEX_DIR, description="Folder of the built index.")

    # -- the Telegram bot (``simbot run``) ------------------------------------------------------
    webhook_url: str | None = Field(
        default=None,
        description="Public HTTPS URL Telegram posts updates to; when set, the bot runs in webhook "
        "mode instead of long polling.",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Secret Telegram sends in the X-Telegram-Bot-Api-Secret-Token header "
        "(1-256 of A-Z a-z 0-9 _ -); default: one derived from the token, the same on every "
        "replica.",
    )
    webhook_listen: str = Field(
        default="0.0.0.0", description="Address the webhook server listens on."
    )
    webhook_port: int = Field(
        default=8080, ge=0, le=65535, description="Port the webhook server listens on."
    )
    webhook_path: str | None = Field(
        default=None,
        description="Path the webhook server takes updates on; default: the path of webhook_url.",
    )
    health_path: str = Field(
        default="/healthz",
        description="Path of the webhook server's health check (200 and a small JSON object).",
    )
    index_reload_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How often, at most, the bot looks for a rebuilt index (before handling an "
        "update) and swaps it in without a restart; 0: before every update.",
    )
    rate_limit_count: int = Field(
        default=20, ge=0, description="Questions one user may ask per window; 0 turns it off."
    )
    rate_limit_window_seconds: float = Field(
        default=60.0, gt=0, description="Length of the per-user rate-limit window, in seconds."
    )
    max_question_length: int = Field(
        default=500, ge=20, description="Longer questions get a polite request to shorten them."
    )
    answer_quotes: int = Field(
        default=3,
        ge=1,
        le=5,
        description="Quotes in a first answer; the More button shows the rest.",
    )
    crisis_message: str = Field(
        default=DEFAULT_CRISIS_MESSAGE,
        description="Support message for people in distress: first in a private chat, behind a "
        "button in groups and inline mode (see README, 'People in distress').",
    )
    advice_message: str = Field(
        default=DEFAULT_ADVICE_MESSAGE,
        min_length=1,
        description="Signpost given instead of quotes when a question asks for personal advice.",
    )
    semantic: bool = Field(
        default=True,
        description="Meaning-level matching with the shipped sentence-embedding model; off: the "
        "lexical engine alone, for `simbot index build` and for answers.",
    )
    unanswered_db: Path | None = Field(
        default=None,
        description="SQLite file of declined questions and 👍/👎 marks; unset: nothing is kept.",
    )
    unanswered_days: int = Field(
        default=90, ge=1, description="Days an entry of the unanswered log is kept."
    )
    bot_description: str = Field(
        default=DEFAULT_BOT_DESCRIPTION,
        max_length=512,
        description='The bot\'s description ("What can this bot do?"), set at start-up; empty: '
        "left as set in @BotFather.",
    )
    bot_short_description: str = Field(
        default=DEFAULT_BOT_SHORT_DESCRIPTION,
        max_length=120,
        description="The bot's short description (profile page, shared links), set at start-up; "
        "empty: left as set in @BotFather.",
    )
    log_level: str = Field(
        default="INFO", description="Logging level of `simbot run` (DEBUG, INFO, WARNING, ...)."
    )

    # -- checks: each says, in one line, what is wrong and what to do -----------------------------

    @field_validator("telegram_token")
    @classmethod
    def _token_looks_like_one(cls, token: SecretStr | None) -> SecretStr | None:
        value = token.get_secret_value().strip() if token is not None else ""
        if value and not _TOKEN_RE.fullmatch(value):
            # Never echo it: a malformed token may still be most of a real one.
            raise _invalid(
                "SIMBOT_TELEGRAM_TOKEN does not look like a bot token (digits, a colon, then "
                "letters, digits, _ and -): copy it again from @BotFather (/mybots, API Token), "
                f"or {_GET_A_TOKEN}."
            )
        return token

    @field_validator("log_level")
    @classmethod
    def _log_level_is_known(cls, level: str) -> str:
        if level.upper() not in logging.getLevelNamesMapping():
            raise _invalid(f"SIMBOT_LOG_LEVEL {level!r} is not one of DEBUG, INFO, WARNING, ERROR.")
        return level

    @model_validator(mode="after")
    def _webhook_is_reachable(self) -> Self:
        """The webhook settings, checked only when the bot runs in webhook mode."""
        if not self.webhook_url:
            return self
        url = urllib.parse.urlsplit(self.webhook_url)
        if url.scheme != "https" or not url.netloc:
            raise _invalid(
                "SIMBOT_WEBHOOK_URL must be an https:// URL (Telegram posts only to HTTPS)."
            )
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else None
        if secret is not None and not _SECRET_RE.fullmatch(secret):
            raise _invalid("SIMBOT_WEBHOOK_SECRET may hold only 1-256 of A-Z, a-z, 0-9, _ and -.")
        if not self.webhook_route.startswith("/") or not self.health_path.startswith("/"):
            raise _invalid("SIMBOT_WEBHOOK_PATH and SIMBOT_HEALTH_PATH must start with /.")
        return self

    # -- derived values ---------------------------------------------------------------------------

    def bot_token(self) -> str:
        """The bot token, for commands that talk to Telegram (``SimbotError`` if it is not set)."""
        token = self.telegram_token.get_secret_value().strip() if self.telegram_token else ""
        if not token:
            raise SimbotError(f"SIMBOT_TELEGRAM_TOKEN is not set: {_GET_A_TOKEN}.")
        return token

    @property
    def webhook_route(self) -> str:
        """The path the webhook server takes updates on (by default, that of the webhook URL)."""
        if self.webhook_path:
            return self.webhook_path
        return urllib.parse.urlsplit(self.webhook_url or "").path or "/"


# A bot token as @BotFather gives it: the bot's id, a colon, then letters, digits, _ and -.
_TOKEN_RE = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{1,200}")
# Telegram's rule for a webhook's secret_token, 1-256 characters (WebhookLimit in
# telegram.constants: not imported, so that reading the settings never loads the Telegram stack).
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_GET_A_TOKEN = (
    "create a bot with @BotFather in Telegram (/newbot) and run "
    "SIMBOT_TELEGRAM_TOKEN=<its token> simbot run"
)
#: The error type of our own checks: their message is shown as it is, without pydantic's words.
_OWN = "simbot_setting"


def _invalid(message: str) -> PydanticCustomError:
    return PydanticCustomError(_OWN, message)


def load_settings(secrets_dir: Path | None = defaults.SECRETS_DIR) -> Settings:
    """Read the settings, taking secrets files from ``secrets_dir`` when that folder exists.

    Raises ``SimbotError`` naming the variable when a value does not fit its setting.
    """
    try:
        if secrets_dir is not None and secrets_dir.is_dir():
            return Settings(_secrets_dir=secrets_dir)  # type: ignore[call-arg]
        return Settings()
    except ValidationError as exc:
        raise SimbotError(settings_problem(exc)) from None


def settings_problem(error: ValidationError) -> str:
    """What is wrong with the settings, in one line: our own checks' words as they are, the
    rest (a number out of range, a value of the wrong type) naming its variable."""
    errors = error.errors()
    own = [e["msg"] for e in errors if e["type"] == _OWN]
    other = [f"SIMBOT_{str(e['loc'][0]).upper()}: {e['msg']}" for e in errors if e["type"] != _OWN]
    return "; ".join([*own, *([f"invalid setting: {'; '.join(other)}"] if other else [])])
