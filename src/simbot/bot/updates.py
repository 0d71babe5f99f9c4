"""Reading one update from the Bot API's JSON, and saying why one cannot be read.

Both ways in use it: long polling (``simbot.bot.polling``) and the webhook server
(``simbot.bot.webhook``). python-telegram-bot reads updates with ``Update.de_json``, which
raises on an update it does not expect (a poll without fields newer Bot API versions add, as
an older self-hosted server sends it) and lets through some it cannot use (a message with no
chat, which every handler then trips over). ``read_update`` turns both into one
``UnreadableUpdate`` whose reason names only the update's number, kind and the kind of fault:
never the user's words, which the update may hold.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from telegram import Message, Update

if TYPE_CHECKING:
    from telegram import Bot

# The update kinds that carry a message: each must have the chat and date the Bot API promises.
_MESSAGE_KINDS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_message",
    "edited_business_message",
)

# An update kind as the Bot API names them ("message", "callback_query"): safe to log.
_KIND_RE = re.compile(r"[a-z_]{1,40}")


class UnreadableUpdate(ValueError):
    """An update python-telegram-bot cannot read, or one no handler could use.

    ``update_id`` is its number when it has a valid one (long polling can then skip it);
    ``str()`` is a reason fit for the log: no text from the update itself.
    """

    def __init__(self, reason: str, update_id: int | None) -> None:
        super().__init__(reason)
        self.update_id = update_id


def update_id_of(data: object) -> int | None:
    """The update's ``update_id``, if ``data`` is an object with a valid one."""
    if not isinstance(data, dict):
        return None
    value = data.get("update_id")
    # bool is an int to Python, not to the Bot API.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63:
        return value
    return None


def describe(data: object) -> str:
    """``update 42 (message)``: which update, and of what kind, without its content."""
    update_id = update_id_of(data)
    name = f"update {update_id}" if update_id is not None else "an update without a valid id"
    kinds = [k for k in data if k != "update_id"] if isinstance(data, dict) else []
    safe = [k for k in kinds[:3] if isinstance(k, str) and _KIND_RE.fullmatch(k)]
    return f"{name} ({', '.join(safe)})" if safe else name


def read_update(data: object, bot: Bot | None) -> Update:
    """The update in ``data`` (the JSON object Telegram sent), or ``UnreadableUpdate``."""
    what = describe(data)
    update_id = update_id_of(data)
    if not isinstance(data, dict):
        raise UnreadableUpdate(f"{what}: not a JSON object", None)
    if update_id is None:
        raise UnreadableUpdate(f"{what}: update_id is not a whole number", None)
    try:
        update = Update.de_json(data, bot)
    except RecursionError:
        raise UnreadableUpdate(f"{what}: nested too deep to read", update_id) from None
    except Exception as error:  # whatever the library trips over, the update is unreadable
        raise UnreadableUpdate(f"{what}: {_fault(error)}", update_id) from None
    for kind in _MESSAGE_KINDS:
        message = getattr(update, kind, None)
        if message is not None and not _complete(message):
            raise UnreadableUpdate(f"{what}: its {kind} has no chat or date", update_id)
    return update


def placeholder(update_id: int) -> dict[str, int]:
    """An update that holds nothing but its number: it stands in for one that cannot be read,
    so that long polling confirms it and moves past it."""
    return {"update_id": update_id}


def _complete(message: object) -> bool:
    return isinstance(message, Message) and message.chat is not None and message.date is not None


def _fault(error: Exception) -> str:
    # KeyError and TypeError name the field or argument the library missed (from its own
    # code, such as "`persistent_id` is a required argument"); other errors can quote values.
    if isinstance(error, KeyError | TypeError):
        return f"python-telegram-bot cannot read it ({type(error).__name__}: {error})"[:300]
    return f"python-telegram-bot cannot read it ({type(error).__name__})"


__all__ = ["UnreadableUpdate", "describe", "placeholder", "read_update", "update_id_of"]
