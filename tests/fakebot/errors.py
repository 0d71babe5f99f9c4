"""How the fake refuses: Telegram's ``{"ok": false, ...}`` answers and its parser's errors."""

from __future__ import annotations

from typing import Any

JSONDict = dict[str, Any]
"""A JSON object as Python sees it."""


class BotApiError(Exception):
    """A refusal the fake answers with, as ``{"ok": false, ...}``."""

    def __init__(
        self,
        description: str,
        error_code: int = 400,
        parameters: JSONDict | None = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.error_code = error_code
        self.parameters = parameters

    def to_json(self) -> JSONDict:
        body: JSONDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> BotApiError:
    return BotApiError(f"Bad Request: {reason}", 400)


class EntityParseError(ValueError):
    """Telegram's parser refused the text; the message is TDLib's (e.g. ``Unsupported ...``)."""
