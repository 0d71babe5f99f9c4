"""Every setting simbot reads, from ``SIMBOT_*`` variables, a ``.env`` file or a secrets folder.

This is the only module that reads the environment: everything else is handed a ``Settings``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Where Docker and Kubernetes mount secrets files (one file per setting, named like the variable).
DEFAULT_SECRETS_DIR = Path("/run/secrets")

DEFAULT_CRISIS_MESSAGE = (
    "If you are struggling or thinking about suicide or self-harm, you don't have to face it alone. "
    "Samaritans are there day and night: call 116 123 (free, 24 hours, UK and Ireland) "
    "or email jo@samaritans.org. If you are in danger now, call 999 (UK) or 112."
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
    seeds_dir: Path = Field(default=Path("seeds"), description="Folder of article files.")
    index_dir: Path = Field(default=Path("index"), description="Folder of the built index.")


def load_settings(secrets_dir: Path | None = DEFAULT_SECRETS_DIR) -> Settings:
    """Read the settings, taking secrets files from ``secrets_dir`` when that folder exists."""
    if secrets_dir is not None and secrets_dir.is_dir():
        return Settings(_secrets_dir=secrets_dir)  # type: ignore[call-arg]
    return Settings()
