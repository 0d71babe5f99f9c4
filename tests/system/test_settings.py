"""Settings are checked in one place, ``Settings``, each problem said in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from simbot.errors import SimbotError
from simbot.settings import Settings, load_settings

GOOD_TOKEN = "123456789:" + "A" * 35


@pytest.mark.parametrize(
    ("variables", "said"),
    [
        ({"SIMBOT_TELEGRAM_TOKEN": "12345-not-a-Token"}, "TELEGRAM_TOKEN does not look like"),
        ({"SIMBOT_LOG_LEVEL": "loud"}, "SIMBOT_LOG_LEVEL 'loud' is not one of DEBUG"),
        ({"SIMBOT_WEBHOOK_URL": "http://bot.example.org/tg"}, "must be an https:// URL"),
        (
            {"SIMBOT_WEBHOOK_URL": "https://bot.example.org/tg", "SIMBOT_WEBHOOK_SECRET": "a b"},
            "SIMBOT_WEBHOOK_SECRET may hold only",
        ),
        (
            {"SIMBOT_WEBHOOK_URL": "https://bot.example.org/tg", "SIMBOT_HEALTH_PATH": "healthz"},
            "SIMBOT_WEBHOOK_PATH and SIMBOT_HEALTH_PATH must start with /.",
        ),
        ({"SIMBOT_WEBHOOK_PORT": "99999"}, "invalid setting: SIMBOT_WEBHOOK_PORT: "),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(
    variables: dict[str, str], said: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SimbotError) as raised:
        load_settings(secrets_dir=None)
    message = str(raised.value)
    assert said in message and "\n" not in message
    assert "not-a-Token" not in message  # a token is never echoed


def test_webhook_settings_are_checked_only_in_webhook_mode() -> None:
    settings = Settings(_env_file=None, webhook_secret=SecretStr("a b"), health_path="x")  # type: ignore[call-arg]
    assert settings.webhook_url is None


def test_the_token_is_required_only_where_telegram_is_asked() -> None:
    assert Settings(_env_file=None).telegram_token is None  # type: ignore[call-arg]
    with pytest.raises(SimbotError, match="SIMBOT_TELEGRAM_TOKEN is not set: create a bot"):
        Settings(_env_file=None).bot_token()  # type: ignore[call-arg]
    token = Settings(_env_file=None, telegram_token=SecretStr(f" {GOOD_TOKEN}\n"))  # type: ignore[call-arg]
    assert token.bot_token() == GOOD_TOKEN


def test_the_webhook_route_defaults_to_the_urls_path() -> None:
    url = "https://bot.example.org/telegram/updates"
    assert Settings(_env_file=None, webhook_url=url).webhook_route == "/telegram/updates"  # type: ignore[call-arg]
    hook = Settings(_env_file=None, webhook_url=url, webhook_path="/hook")  # type: ignore[call-arg]
    assert hook.webhook_route == "/hook"
