"""Keeping secrets out of logs: the bot token, and the webhook secret.

python-telegram-bot logs its API URLs, which hold the token, and errors from Telegram can quote
it (capitalised differently). ``redact`` takes secrets out of a text in any case; the
``SECRETS_FILTER`` does it to every log record that passes a logger or handler it is added to.
"""

from __future__ import annotations

import logging
import re
import urllib.parse
from collections.abc import Iterable

REDACTED = "<redacted>"


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret, in whatever case, replaced by ``<redacted>``.

    Also the secret as it stands in a URL: percent-encoded (``123%3AAbc``, a server echoing a
    request path), once or twice.
    """
    for secret in secrets:
        for form in _forms(secret):
            text = re.sub(re.escape(form), REDACTED, text, flags=re.IGNORECASE)
    return text


def _forms(secret: str) -> list[str]:
    if not secret:
        return []
    once = urllib.parse.quote(secret, safe="")
    twice = urllib.parse.quote(once, safe="")
    # Longest first, so that no form is left half redacted by a shorter one.
    return sorted({secret, once, twice}, key=len, reverse=True)


class RedactSecrets(logging.Filter):
    """A logging filter that takes secrets out of each record, its traceback included."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


#: The one filter: secrets are added as the bot learns them (see ``protect``).
SECRETS_FILTER = RedactSecrets()

#: Loggers that may see the token: python-telegram-bot's bot logs its API URLs at DEBUG level.
_LOGGERS = ("telegram.Bot", "telegram.ext.ExtBot", "telegram.ext.Updater", "httpx", "httpcore")


def protect(secrets: Iterable[str]) -> None:
    """Keeps ``secrets`` out of every record of the loggers that may see them."""
    SECRETS_FILTER.secrets.update(s for s in secrets if s)
    for name in _LOGGERS:
        logging.getLogger(name).addFilter(SECRETS_FILTER)
