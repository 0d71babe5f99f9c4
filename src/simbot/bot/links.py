"""Deep links into the bot: ``t.me/<bot>?start=<payload>`` opens a passage or the support
message in a private chat (Telegram's rules for payloads: 1-64 of A-Z a-z 0-9 _ -).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from telegram.constants import InlineQueryResultsButtonLimit
from telegram.helpers import create_deep_linked_url

if TYPE_CHECKING:
    from simbot.answer.quotes import Quote

#: The /start payload of the inline mode's "open a private chat" button.
INLINE_START = "inline"


#: The /start payload that opens the support message in a private chat (groups, inline mode).
SUPPORT_START = "support"


# A deep-link payload: 1-64 of A-Z a-z 0-9 _ - (Telegram's rule for start parameters).
_PAYLOAD_RE = re.compile(r"[A-Za-z0-9_-]+")


def support_url(bot_username: str) -> str:
    """The deep link that opens a private chat with ``/start support``."""
    return create_deep_linked_url(bot_username, SUPPORT_START)


def passage_payload(
    names: Sequence[str], source: str, first: int, last: int | None = None
) -> str | None:
    """The /start payload that opens a passage: ``p_<file>_<first>[_<last>]``.

    ``<file>`` is the file's name without ``.txt`` when that fits Telegram's rules for payloads
    (it survives a rebuilt index with more articles), else the file's number in the index.
    """
    span = f"{first}" if last is None or last == first else f"{first}_{last}"
    stem = source.removesuffix(".txt")
    for key in (stem, str(names.index(source)) if source in names else ""):
        payload = f"p_{key}_{span}"
        fits = len(payload) <= InlineQueryResultsButtonLimit.MAX_START_PARAMETER_LENGTH
        if key and fits and _PAYLOAD_RE.fullmatch(payload):
            return payload
    return None


def parse_passage_payload(names: Sequence[str], payload: str) -> tuple[str, int, int] | None:
    """``(file, first paragraph, last paragraph)`` a /start payload points to, or None."""
    if not payload.startswith("p_"):
        return None
    parts = payload[2:].split("_")
    for count in (2, 1):
        key, numbers = "_".join(parts[:-count]), parts[-count:]
        if not key or not all(n.isdecimal() for n in numbers):
            continue
        source = next((n for n in names if n.removesuffix(".txt") == key), None)
        if source is None and key.isdecimal() and int(key) < len(names):
            source = names[int(key)]
        if source is not None:
            return source, int(numbers[0]), int(numbers[-1])
    return None


def passage_url(
    bot_username: str, names: Sequence[str], source: str, first: int, last: int | None = None
) -> str:
    """``https://t.me/<bot>?start=<payload>`` for a passage ('' if it has no payload)."""
    payload = passage_payload(names, source, first, last)
    return create_deep_linked_url(bot_username, payload) if payload and bot_username else ""


def passage_link_html(bot_username: str, names: Sequence[str], quote: Quote) -> str:
    """`` · passage link``: a deep link that opens the quoted passage in a chat with the bot."""
    url = passage_url(bot_username, names, quote.source, quote.paragraph, quote.last_paragraph)
    return f' · <a href="{html.escape(url)}">passage link</a>' if url else ""
