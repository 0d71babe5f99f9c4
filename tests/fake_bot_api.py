"""A fake Telegram Bot API server for tests, served over real HTTP on 127.0.0.1.

The bot under test runs unchanged: python-telegram-bot is pointed at this server with
``ApplicationBuilder().base_url(api.base_url).base_file_url(api.base_file_url)`` and talks
to it exactly as it would talk to ``https://api.telegram.org``.  Nothing of the library is
patched.

The server answers like Telegram does (``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": ..., "description": ...}``, a wrong token gets 401
``Unauthorized``, an unknown method 404 ``Not Found``) and refuses what Telegram refuses:
text that Telegram's HTML, MarkdownV2 or Markdown parser rejects (TDLib's rules, with its
error texts and byte offsets), texts that are empty or longer than 4096 characters once
parsed, callback data over 64 bytes, text-only inline buttons, inline answers with more
than 50 results or duplicate ids, callback and inline queries answered twice or never
sent, unknown chats, edits that change nothing, and so on.

Typical use::

    async with FakeBotApi(token="123:ABC") as api:
        app = (
            ApplicationBuilder()
            .token(api.token)
            .base_url(api.base_url)
            .base_file_url(api.base_file_url)
            .build()
        )
        ...  # add handlers; initialize(), start(), updater.start_polling(timeout=1)
        api.queue_update(api.private_message_update("hello"))
        call = await api.wait_for("sendMessage")
        assert call.result["text"] == "..."

Methods served: getMe, getUpdates (long polling), setWebhook, deleteWebhook,
getWebhookInfo, setMyCommands, getMyCommands, deleteMyCommands, setMyDescription,
getMyDescription, setMyShortDescription, getMyShortDescription, sendMessage,
editMessageText, editMessageReplyMarkup, deleteMessage, answerCallbackQuery,
answerInlineQuery, sendChatAction, getFile (+ file downloads), logOut, close.

Where the fake follows Telegram rather than a simpler rule:

* HTML: only ``&lt; &gt; &amp; &quot;`` and numeric references are decoded; any other
  ``&name;`` (and a bare ``&``) stays as literal text, as TDLib does - it is not an error.
  A bare ``<``, an unknown tag, an unclosed or misnested tag is.
* Text is cleaned and trimmed as Telegram stores it (trailing spaces and newlines go), then
  measured in Unicode code points.  Whitespace-only text is ``text must be non-empty``; an
  empty ``text`` parameter is ``message text is empty``.  An over-long edit is
  ``MESSAGE_TOO_LONG``.
* editMessageText without ``reply_markup`` removes the inline keyboard.
* getUpdates: a newer poll ends an older waiting one with 409, and getUpdates while a
  webhook is set is a 409.  Update kinds outside ``allowed_updates`` (default: all but
  chat_member, message_reaction, message_reaction_count) are dropped when polled.
* Group privacy mode is off unless ``FakeBotApi(privacy_mode=True)``.
* answerInlineQuery's ``button`` (InlineQueryResultsButton): ``text`` and exactly one of
  ``web_app`` and ``start_parameter`` (1-64 of ``A-Z a-z 0-9 _ -``, else ``START_PARAM_INVALID``).

Faults: :meth:`FakeBotApi.inject_error` makes calls fail as Telegram refuses them (a 403, a
429 with ``retry_after``); :meth:`FakeBotApi.inject_fault` makes them fail as a network or a
server in trouble does (:class:`Fault`: a 5xx, a proxy's 502 HTML page, a connection reset, a
redirect, a slow reply); :meth:`FakeBotApi.unreadable_update` is an update of an older Bot API
that python-telegram-bot cannot parse.

Not modelled: entities Telegram detects by itself in the bot's own texts (urls, mentions),
exact URL normalisation of text links (approximated), flood limits (inject them with
:meth:`FakeBotApi.inject_error`), media sending, and pushing updates to a webhook by itself
(use :meth:`FakeBotApi.post_update_to_webhook`).
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import re
import socket
import struct
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final

import aiohttp
import pytest_asyncio
from aiohttp import web

JSONDict = dict[str, Any]
"""A JSON object as Python sees it."""

DEFAULT_TOKEN: Final = "123456:TEST-fake-bot-api-token"
DEFAULT_BOT_USERNAME: Final = "simbot_test_bot"
DEFAULT_BOT_FIRST_NAME: Final = "Simbot"

MESSAGE_TEXT_LIMIT: Final = 4096
CALLBACK_DATA_LIMIT: Final = 64
INLINE_RESULTS_LIMIT: Final = 50
INLINE_RESULT_ID_LIMIT: Final = 64
BOT_COMMANDS_LIMIT: Final = 100

QUERY_TOO_OLD: Final = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)

# Update types Telegram sends when allowed_updates was never given (or given as []).
_DEFAULT_ALLOWED_UPDATES: Final = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)

_CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

_INLINE_RESULT_TYPES: Final = frozenset(
    {
        "article",
        "audio",
        "contact",
        "game",
        "document",
        "gif",
        "location",
        "mpeg4_gif",
        "photo",
        "venue",
        "video",
        "voice",
        "sticker",
    }
)

# How form-encoded (or stringly JSON) parameters are read back into JSON values.
_JSON_PARAMS: Final = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "results",
        "commands",
        "scope",
        "link_preview_options",
        "reply_parameters",
        "button",
        "media",
        "options",
        "explanation_entities",
        "question_entities",
        "reaction",
        "prices",
        "permissions",
        "menu_button",
        "rights",
    }
)
_INT_PARAMS: Final = frozenset(
    {
        "offset",
        "limit",
        "message_id",
        "reply_to_message_id",
        "cache_time",
        "max_connections",
        "message_thread_id",
        "user_id",
        "from_chat_id",
        "until_date",
    }
)
_FLOAT_PARAMS: Final = frozenset({"timeout"})
_BOOL_PARAMS: Final = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "is_personal",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "allow_paid_broadcast",
        "has_spoiler",
        "show_caption_above_media",
    }
)
_CHAT_ID_PARAMS: Final = frozenset({"chat_id", "from_chat_id"})


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


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


def _bad_request(reason: str) -> BotApiError:
    return BotApiError(f"Bad Request: {reason}", 400)


class EntityParseError(ValueError):
    """Telegram's parser refused the text; the message is TDLib's (e.g. ``Unsupported ...``)."""


# --------------------------------------------------------------------------------------
# UTF-16 helpers (Telegram measures entity offsets and lengths in UTF-16 code units)
# --------------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """The length of ``text`` in UTF-16 code units, as Telegram's entity offsets count."""
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def utf16_slice(text: str, offset: int, length: int) -> str:
    """The part of ``text`` an entity with this UTF-16 ``offset`` and ``length`` covers."""
    encoded = text.encode("utf-16-le")
    return encoded[offset * 2 : (offset + length) * 2].decode("utf-16-le", errors="replace")


# --------------------------------------------------------------------------------------
# Telegram's HTML parse mode (TDLib's parse_html, rule by rule)
# --------------------------------------------------------------------------------------

_HTML_TAGS: Final = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)

# TDLib's sort order for entities that start at the same place with the same length.
_ENTITY_PRIORITY: Final = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "mention": 50,
    "hashtag": 50,
    "cashtag": 50,
    "bot_command": 50,
    "url": 50,
    "email": 50,
    "phone_number": 50,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}

_SIMPLE_TAG_ENTITIES: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}


def _is_space(c: int) -> bool:
    # TDLib's is_space: the end of the text (NUL) counts as a space.
    return c in (0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x00)


def _is_alpha(c: int) -> bool:
    return 0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A


def _is_digit(c: int) -> bool:
    return 0x30 <= c <= 0x39


def _is_alnum(c: int) -> bool:
    return _is_alpha(c) or _is_digit(c)


def _hex_value(c: int) -> int | None:
    if _is_digit(c):
        return c - 0x30
    if 0x41 <= c <= 0x46:
        return c - 0x41 + 10
    if 0x61 <= c <= 0x66:
        return c - 0x61 + 10
    return None


def _sort_entities(entities: list[JSONDict]) -> list[JSONDict]:
    return sorted(
        entities,
        key=lambda e: (e["offset"], -e["length"], _ENTITY_PRIORITY.get(e["type"], 50)),
    )


class _HtmlParser:
    """One parse of one text; bytes as TDLib reads them, NUL past the end."""

    def __init__(self, text: str) -> None:
        self.data = text.encode("utf-8")

    def at(self, i: int) -> int:
        return self.data[i] if i < len(self.data) else 0

    def name(self, begin: int, end: int) -> str:
        return self.data[begin:end].decode("utf-8", errors="replace")

    def decode_entity(self, pos: int) -> tuple[int, int] | None:
        """``(code point, position after it)`` for a reference at ``pos`` Telegram decodes."""
        end = pos + 1
        code = 0
        if self.at(pos + 1) == ord("#"):
            end += 1
            if self.at(pos + 2) == ord("x"):
                end += 1
                while (digit := _hex_value(self.at(end))) is not None:
                    code = code * 16 + digit
                    end += 1
            else:
                while _is_digit(self.at(end)):
                    code = code * 10 + self.at(end) - 0x30
                    end += 1
            if code == 0 or code >= 0x10FFFF or end - pos >= 10:
                return None
        else:
            while _is_alpha(self.at(end)):
                end += 1
            named = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}
            found = named.get(self.data[pos + 1 : end])
            if found is None:
                return None  # Telegram keeps an unknown reference as it is.
            code = found
        if self.at(end) == ord(";"):
            end += 1
        return code, end

    def parse(self) -> tuple[str, list[JSONDict]]:
        out = bytearray()
        utf16 = 0
        bad_surrogate = False
        entities: list[JSONDict] = []
        # (tag, argument, utf16 offset, byte position in out)
        stack: list[tuple[str, str, int, int]] = []
        i = 0
        n = len(self.data)
        while i < n:
            c = self.data[i]
            if c == ord("&"):
                decoded = self.decode_entity(i)
                if decoded is not None:
                    code, i = decoded
                    utf16 += 2 if code > 0xFFFF else 1
                    bad_surrogate |= 0xD800 <= code <= 0xDFFF
                    out += chr(code).encode("utf-8", errors="surrogatepass")
                    continue
            if c != ord("<"):
                if c & 0xC0 != 0x80:
                    utf16 += 2 if c >= 0xF0 else 1
                out.append(c)
                i += 1
                continue

            begin = i
            i += 1
            if self.at(i) != ord("/"):
                tag, argument, i = self.start_tag(begin, i)
                stack.append((tag, argument, utf16, len(out)))
                i += 1  # the '>'
                continue

            # An end tag.
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
            while not _is_space(self.at(i)) and self.at(i) != ord(">"):
                i += 1
            end_tag = self.name(begin + 2, i).lower()
            while _is_space(self.at(i)) and self.at(i) != 0:
                i += 1
            if self.at(i) != ord(">"):
                raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
            tag, argument, offset, position = stack[-1]
            if end_tag and end_tag != tag:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", '
                    f'found "</{end_tag}>"'
                )
            if utf16 > offset:
                self.add_entity(entities, tag, argument, offset, utf16 - offset, out[position:])
            stack.pop()
            i += 1

        if stack:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"'
            )
        if bad_surrogate:
            raise EntityParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        for entity in entities:
            if entity["type"] == "code":
                entity.pop("language", None)  # a language counts only inside <pre>
        return out.decode("utf-8"), _sort_entities(entities)

    def start_tag(self, begin: int, i: int) -> tuple[str, str, int]:
        """Reads a start tag; returns its name, argument and the position of its '>'."""
        while not _is_space(self.at(i)) and self.at(i) != ord(">"):
            i += 1
        if self.at(i) == 0:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        tag = self.name(begin + 1, i).lower()
        if tag not in _HTML_TAGS:
            raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')

        argument = ""
        while self.at(i) != ord(">"):
            while self.at(i) != 0 and _is_space(self.at(i)):
                i += 1
            if self.at(i) == ord(">"):
                break
            attribute_begin = i
            while not _is_space(self.at(i)) and self.at(i) not in b"=>/\"'":
                i += 1
            attribute = self.name(attribute_begin, i)
            if not attribute:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                )
            while self.at(i) != 0 and _is_space(self.at(i)):
                i += 1
            if self.at(i) != ord("="):
                if self.at(i) == 0:
                    raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if tag == "blockquote" and attribute == "expandable":
                    argument = "1"
                continue
            i += 1
            while self.at(i) != 0 and _is_space(self.at(i)):
                i += 1
            if self.at(i) == 0:
                raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
            value, i = self.attribute_value(i)
            if self.at(i) == 0:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
            if (tag, attribute) in (("a", "href"), ("tg-emoji", "emoji-id")):
                argument = value
            elif tag == "code" and attribute == "class" and value.startswith("language-"):
                argument = value[len("language-") :]
            elif tag == "span" and attribute == "class" and value.startswith("tg-"):
                argument = value[len("tg-") :]
            elif tag == "blockquote" and attribute == "expandable":
                argument = "1"
        if tag == "span" and argument != "spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
            )
        return tag, argument, i

    def attribute_value(self, i: int) -> tuple[str, int]:
        quote = self.at(i)
        if quote not in (ord('"'), ord("'")):
            # A name token: letters, digits, periods and hyphens, case-insensitive.
            token_begin = i
            while _is_alnum(self.at(i)) or self.at(i) in b".-":
                i += 1
            if not _is_space(self.at(i)) and self.at(i) != ord(">"):
                raise EntityParseError(f"Unexpected end of name token at byte offset {token_begin}")
            return self.name(token_begin, i).lower(), i
        i += 1
        value = bytearray()
        while self.at(i) != quote and self.at(i) != 0:
            if self.at(i) == ord("&"):
                decoded = self.decode_entity(i)
                if decoded is not None:
                    code, i = decoded
                    value += chr(code).encode("utf-8", errors="surrogatepass")
                    continue
            value.append(self.at(i))
            i += 1
        if self.at(i) == quote:
            i += 1
        return value.decode("utf-8", errors="replace"), i

    @staticmethod
    def add_entity(
        entities: list[JSONDict],
        tag: str,
        argument: str,
        offset: int,
        length: int,
        inner: bytes | bytearray,
    ) -> None:
        last = entities[-1] if entities else None
        same_span = last is not None and last["offset"] == offset and last["length"] == length
        if tag in _SIMPLE_TAG_ENTITIES:
            entities.append({"type": _SIMPLE_TAG_ENTITIES[tag], "offset": offset, "length": length})
        elif tag == "tg-emoji":
            if not argument.isascii() or not argument.isdigit() or not 0 < int(argument) < 2**63:
                raise EntityParseError("Invalid custom emoji identifier specified")
            entities.append(
                {
                    "type": "custom_emoji",
                    "offset": offset,
                    "length": length,
                    "custom_emoji_id": argument,
                }
            )
        elif tag == "a":
            url = argument or bytes(inner).decode("utf-8", errors="replace")
            user_id = _tg_user_link_id(url)
            if user_id is not None:
                entities.append(
                    {
                        "type": "text_mention",
                        "offset": offset,
                        "length": length,
                        "user": {"id": user_id, "is_bot": False, "first_name": ""},
                    }
                )
            elif (checked := _check_url(url)) is not None:
                entities.append(
                    {"type": "text_link", "offset": offset, "length": length, "url": checked}
                )
        elif tag == "pre":
            if last is not None and same_span and last["type"] == "code" and last.get("language"):
                last["type"] = "pre"
            else:
                entities.append({"type": "pre", "offset": offset, "length": length})
        elif tag == "code":
            if last is not None and same_span and last["type"] == "pre" and argument:
                last["language"] = argument
            else:
                entity: JSONDict = {"type": "code", "offset": offset, "length": length}
                if argument:
                    entity["language"] = argument
                entities.append(entity)
        elif tag == "blockquote":
            entities.append(
                {
                    "type": "expandable_blockquote" if argument else "blockquote",
                    "offset": offset,
                    "length": length,
                }
            )
        # tg-time: accepted, but the fake makes no date_time entity of it.


def _tg_user_link_id(url: str) -> int | None:
    match = re.fullmatch(r"tg://user\?id=(\d{1,19})", url.strip(), flags=re.IGNORECASE)
    return int(match.group(1)) if match else None


def _check_url(url: str) -> str | None:
    """Roughly TDLib's check_url: a usable link, normalised, or None to drop the entity."""
    url = url.strip()
    if not url or any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        return None
    scheme_match = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*)://", url)
    if scheme_match is None:
        if re.match(r"(tg|ton|mailto):", url, flags=re.IGNORECASE):
            return url
        url = "http://" + url
        scheme = "http"
    else:
        scheme = scheme_match.group(1).lower()
    if scheme not in ("http", "https"):
        return url
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        return None
    path = parts.path or "/"
    return urllib.parse.urlunsplit((scheme, parts.netloc, path, parts.query, parts.fragment))


def parse_html(text: str) -> tuple[str, list[JSONDict]]:
    """Telegram's HTML parse mode: the visible text and its entities.

    Raises :class:`EntityParseError` with TDLib's own message where Telegram answers
    ``Bad Request: can't parse entities: <message>``.  Like Telegram, only ``&lt; &gt; &amp;
    &quot;`` and numeric references are decoded; any other ``&name;`` (and a bare ``&``) is
    kept as literal text.
    """
    return _HtmlParser(text).parse()


# --------------------------------------------------------------------------------------
# Telegram's MarkdownV2 and legacy Markdown parse modes (TDLib's rules)
# --------------------------------------------------------------------------------------

_MDV2_RESERVED: Final = b"_*[]()~`>#+-=|{}.!\n"
_MDV2_ENTITY_TYPES: Final = {
    "Bold": "bold",
    "Italic": "italic",
    "Underline": "underline",
    "Strikethrough": "strikethrough",
    "Spoiler": "spoiler",
    "Code": "code",
    "Pre": "pre",
    "PreCode": "pre",
    "TextUrl": "text_link",
    "CustomEmoji": "custom_emoji",
    "BlockQuote": "blockquote",
    "ExpandableBlockQuote": "expandable_blockquote",
}


@dataclass
class _OpenEntity:
    kind: str  # TDLib's name of the entity type, as its errors print it
    argument: str
    offset: int  # UTF-16 offset in the result
    byte_offset: int  # where it starts in the input
    result_position: int  # byte position in the result


class _MarkdownV2Parser(_HtmlParser):
    def missing_end(self, entity: _OpenEntity) -> EntityParseError:
        return EntityParseError(
            f"Can't find end of {entity.kind} entity at byte offset {entity.byte_offset}"
        )

    def ends_entity(self, i: int, stack: list[_OpenEntity], have_blockquote: bool) -> bool:
        if not stack:
            return False
        c = self.data[i]
        if have_blockquote and c == ord("\n") and self.at(i + 1) != ord(">"):
            return True
        kind = stack[-1].kind
        nxt = self.at(i + 1)
        if kind == "Bold":
            return c == ord("*")
        if kind == "Italic":
            return c == ord("_") and nxt != ord("_")
        if kind == "Code":
            return c == ord("`")
        if kind in ("Pre", "PreCode"):
            return c == ord("`") and nxt == ord("`") and self.at(i + 2) == ord("`")
        if kind in ("TextUrl", "CustomEmoji"):
            return c == ord("]")
        if kind == "Underline":
            return c == ord("_") and nxt == ord("_")
        if kind == "Strikethrough":
            return c == ord("~")
        if kind == "Spoiler":
            return c == ord("|") and nxt == ord("|")
        return False

    def url_until_parenthesis(self, i: int) -> tuple[str, int]:
        """The link from ``i`` to the ``)``, backslash escapes applied; and where ``)`` is."""
        begin = i
        url = bytearray()
        while i < len(self.data) and self.data[i] != ord(")"):
            if self.data[i] == ord("\\") and 0 < self.at(i + 1) <= 126:
                url.append(self.data[i + 1])
                i += 2
                continue
            url.append(self.data[i])
            i += 1
        if self.at(i) != ord(")"):
            raise EntityParseError(f"Can't find end of a URL at byte offset {begin}")
        return url.decode("utf-8", errors="replace"), i

    def parse(self) -> tuple[str, list[JSONDict]]:
        data = self.data
        n = len(data)
        out = bytearray()
        entities: list[JSONDict] = []
        stack: list[_OpenEntity] = []
        utf16 = 0
        have_blockquote = False
        can_start_blockquote = True
        i = 0
        while i < n:
            c = data[i]
            if c == ord("\\") and 0 < self.at(i + 1) <= 126:
                i += 1
                utf16 += 1
                out.append(data[i])
                if data[i] != ord("\r"):
                    can_start_blockquote = data[i] == ord("\n")
                i += 1
                continue
            in_code = bool(stack) and stack[-1].kind in ("Code", "Pre", "PreCode")
            reserved = b"`" if in_code else _MDV2_RESERVED
            if c >= 0x80 or c not in reserved:
                if c & 0xC0 != 0x80:
                    utf16 += 2 if c >= 0xF0 else 1
                    if c != ord("\r"):
                        can_start_blockquote = False
                out.append(c)
                i += 1
                continue

            if not self.ends_entity(i, stack, have_blockquote):
                byte_offset = i
                argument = ""
                kind: str | None
                nxt = self.at(i + 1)
                if c == ord("_") and nxt == ord("_"):
                    kind = "Underline"
                    i += 1
                elif c == ord("_"):
                    kind = "Italic"
                elif c == ord("*"):
                    kind = "Bold"
                elif c == ord("~"):
                    kind = "Strikethrough"
                elif c == ord("|") and nxt == ord("|"):
                    kind = "Spoiler"
                    i += 1
                elif c == ord("["):
                    kind = "TextUrl"
                elif c == ord("`") and nxt == ord("`") and self.at(i + 2) == ord("`"):
                    i += 3
                    kind = "Pre"
                    language_end = i
                    while not _is_space(self.at(language_end)) and self.at(language_end) != ord(
                        "`"
                    ):
                        language_end += 1
                    if i != language_end and language_end < n and data[language_end] != ord("`"):
                        kind = "PreCode"
                        argument = self.name(i, language_end)
                        i = language_end
                    if self.at(i) in (0x0A, 0x0D):  # one newline after ``` is skipped
                        pair = self.at(i + 1) in (0x0A, 0x0D) and self.at(i) != self.at(i + 1)
                        i += 2 if pair else 1
                    i -= 1
                elif c == ord("`"):
                    kind = "Code"
                elif c == ord("!") and nxt == ord("["):
                    kind = "CustomEmoji"
                    i += 1
                elif c == ord("\n"):
                    utf16 += 1
                    out.append(c)
                    can_start_blockquote = True
                    kind = None
                elif c == ord(">") and can_start_blockquote:
                    kind = None if have_blockquote else "BlockQuote"
                    have_blockquote = True
                else:
                    raise EntityParseError(
                        f"Character '{chr(c)}' is reserved and must be escaped with the "
                        "preceding '\\'"
                    )
                if kind is not None:
                    stack.append(_OpenEntity(kind, argument, utf16, byte_offset, len(out)))
                i += 1
                continue

            # The end of an entity.
            kind = stack[-1].kind
            if c == ord("\n") and kind != "BlockQuote":
                # Only "||" right before the line's end, in a blockquote, ends here: the
                # blockquote is then an expandable one.
                top = stack[-1]
                spoiler_at_line_end = kind == "Spoiler" and (
                    top.byte_offset == i - 2 or (top.byte_offset == i - 3 and out[-1:] == b"\r")
                )
                if not spoiler_at_line_end:
                    raise self.missing_end(top)
                stack.pop()
                if not stack or stack[-1].kind != "BlockQuote":
                    raise self.missing_end(stack[-1] if stack else top)
                kind = "ExpandableBlockQuote"
            top = stack[-1]
            argument = top.argument
            skip = utf16 == top.offset
            extra: JSONDict = {}
            if kind in ("Underline", "Spoiler"):
                i += 1
            elif kind in ("Pre", "PreCode"):
                i += 2
            elif kind == "TextUrl":
                if self.at(i + 1) != ord("("):
                    url = bytes(out[top.result_position :]).decode("utf-8", errors="replace")
                else:
                    url, i = self.url_until_parenthesis(i + 2)
                user_id = _tg_user_link_id(url)
                if user_id is not None:
                    kind = "TextMention"
                    extra["user"] = {"id": user_id, "is_bot": False, "first_name": ""}
                elif (checked := _check_url(url)) is not None:
                    extra["url"] = checked
                else:
                    skip = True
            elif kind == "CustomEmoji":
                if self.at(i + 1) != ord("("):
                    raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
                link, i = self.url_until_parenthesis(i + 2)
                match = re.fullmatch(r"tg://emoji\?id=(\d{1,19})", link, flags=re.IGNORECASE)
                if match is None or not 0 < int(match.group(1)) < 2**63:
                    raise EntityParseError("Invalid custom emoji identifier specified")
                extra["custom_emoji_id"] = match.group(1)
            elif kind in ("BlockQuote", "ExpandableBlockQuote"):
                have_blockquote = False
                out.append(c)
                can_start_blockquote = True
                utf16 += 1
                skip = False
            if not skip:
                entity: JSONDict = {
                    "type": "text_mention" if kind == "TextMention" else _MDV2_ENTITY_TYPES[kind],
                    "offset": top.offset,
                    "length": utf16 - top.offset,
                }
                if kind == "PreCode":
                    entity["language"] = argument
                entity.update(extra)
                entities.append(entity)
            stack.pop()
            i += 1

        if have_blockquote:
            kind = "BlockQuote"
            if stack[-1].kind == "Spoiler" and stack[-1].byte_offset == n - 2:
                stack.pop()
                kind = "ExpandableBlockQuote"
            if stack and stack[-1].kind == "BlockQuote":
                top = stack.pop()
                if utf16 != top.offset:
                    entities.append(
                        {
                            "type": _MDV2_ENTITY_TYPES[kind],
                            "offset": top.offset,
                            "length": utf16 - top.offset,
                        }
                    )
        if stack:
            raise self.missing_end(stack[-1])
        return out.decode("utf-8", errors="replace"), _sort_entities(entities)


def parse_markdown_v2(text: str) -> tuple[str, list[JSONDict]]:
    """Telegram's MarkdownV2 parse mode: the visible text and its entities.

    Raises :class:`EntityParseError` with TDLib's message, e.g. ``Character '.' is reserved
    and must be escaped with the preceding '\\'`` or ``Can't find end of Bold entity at byte
    offset 0``.
    """
    return _MarkdownV2Parser(text).parse()


def parse_markdown(text: str) -> tuple[str, list[JSONDict]]:
    """Telegram's legacy Markdown parse mode: ``*bold*``, ``_italic_``, `` `code` ``,
    `` ```pre``` `` and ``[text](url)``; ``\\`` escapes ``_ * ` [`` outside entities."""
    parser = _HtmlParser(text)
    data = parser.data
    n = len(data)
    out = bytearray()
    entities: list[JSONDict] = []
    utf16 = 0
    i = 0
    while i < n:
        c = data[i]
        if c == ord("\\") and parser.at(i + 1) in b"_*`[":
            out.append(data[i + 1])
            utf16 += 1
            i += 2
            continue
        if c not in b"_*`[":
            if c & 0xC0 != 0x80:
                utf16 += 2 if c >= 0xF0 else 1
            out.append(c)
            i += 1
            continue
        begin = i
        end_character = ord("]") if c == ord("[") else c
        is_pre = False
        language = ""
        i += 1
        if c == ord("`") and parser.at(i) == ord("`") and parser.at(i + 1) == ord("`"):
            i += 2
            is_pre = True
            language_end = i
            while not _is_space(parser.at(language_end)) and parser.at(language_end) != ord("`"):
                language_end += 1
            if i != language_end and language_end < n and data[language_end] != ord("`"):
                language = parser.name(i, language_end)
                i = language_end
            if parser.at(i) in (0x0A, 0x0D):
                pair = parser.at(i + 1) in (0x0A, 0x0D) and parser.at(i) != parser.at(i + 1)
                i += 2 if pair else 1
        offset = utf16
        start = len(out)
        while i < n and (
            data[i] != end_character
            or (is_pre and not (parser.at(i + 1) == ord("`") and parser.at(i + 2) == ord("`")))
        ):
            if data[i] & 0xC0 != 0x80:
                utf16 += 2 if data[i] >= 0xF0 else 1
            out.append(data[i])
            i += 1
        if i == n:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {begin}")
        if utf16 != offset:
            entity: JSONDict = {"offset": offset, "length": utf16 - offset}
            if c == ord("_"):
                entity["type"] = "italic"
            elif c == ord("*"):
                entity["type"] = "bold"
            elif c == ord("["):
                if parser.at(i + 1) == ord("("):
                    i += 2
                    url_bytes = bytearray()
                    while i < n and data[i] != ord(")"):
                        url_bytes.append(data[i])
                        i += 1
                    url = url_bytes.decode("utf-8", errors="replace")
                else:
                    url = bytes(out[start:]).decode("utf-8", errors="replace")
                user_id = _tg_user_link_id(url)
                if user_id is not None:
                    entity["type"] = "text_mention"
                    entity["user"] = {"id": user_id, "is_bot": False, "first_name": ""}
                elif (checked := _check_url(url)) is not None:
                    entity["type"] = "text_link"
                    entity["url"] = checked
            elif is_pre:
                entity["type"] = "pre"
                if language:
                    entity["language"] = language
            else:
                entity["type"] = "code"
            if "type" in entity:
                entities.append(entity)
        if is_pre:
            i += 2
        i += 1
    return out.decode("utf-8", errors="replace"), _sort_entities(entities)


# --------------------------------------------------------------------------------------
# Text as Telegram stores it: cleaned, trimmed, measured
# --------------------------------------------------------------------------------------

_REMOVED_CHARS: Final = frozenset(
    {"\r", "\u0333", "\u033f", "\u030a"} | {chr(c) for c in range(0x2028, 0x202F)}
)
_INVISIBLE_CHARS: Final = frozenset(
    {
        "\u00ad",
        "\u115f",
        "\u1160",
        "\u180e",
        "\u200b",
        "\u200c",
        "\u200d",
        "\u200e",
        "\u200f",
        "\u2060",
        "\u3164",
        "\ufeff",
        "\uffa0",
    }
)


def _clean_text(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Control characters but newline become spaces; CR, bidi overrides and a few marks go."""
    position_map: list[int] = []
    cleaned: list[str] = []
    out_pos = 0
    for ch in text:
        width = 2 if ord(ch) > 0xFFFF else 1
        position_map.extend([out_pos] * width)
        if ch in _REMOVED_CHARS:
            continue
        cleaned.append(" " if ord(ch) < 0x20 and ch != "\n" else ch)
        out_pos += width
    position_map.append(out_pos)
    moved: list[JSONDict] = []
    for entity in entities:
        start = min(max(int(entity["offset"]), 0), len(position_map) - 1)
        end = min(max(start + int(entity["length"]), start), len(position_map) - 1)
        new = dict(entity)
        new["offset"] = position_map[start]
        new["length"] = position_map[end] - position_map[start]
        if new["length"] > 0:
            moved.append(new)
    return "".join(cleaned), moved


def _trim_text(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Spaces and newlines go at the end, and at the start up to the first entity."""
    stripped = text.rstrip(" \n")
    end = utf16_len(stripped)
    kept: list[JSONDict] = []
    for entity in _sort_entities(entities):
        if entity["offset"] < end:
            new = dict(entity)
            new["length"] = min(new["length"], end - new["offset"])
            kept.append(new)
    first_entity = kept[0]["offset"] if kept else end
    start = 0
    while start < first_entity and start < len(stripped) and stripped[start] in " \n":
        start += 1
    for entity in kept:
        entity["offset"] -= start
    return stripped[start:], _sort_entities([e for e in kept if e["length"] > 0])


def _is_empty_text(text: str) -> bool:
    return all(ch.isspace() or ch in _INVISIBLE_CHARS for ch in text)


def format_text(
    text: str,
    parse_mode: str | None = None,
    entities: list[JSONDict] | None = None,
) -> tuple[str, list[JSONDict]]:
    """The text and entities Telegram would store for a message; refuses as Telegram does.

    Raises :class:`BotApiError` for an unknown parse mode or text Telegram can't parse.
    Emptiness and length are checked by the callers, which word those errors differently.
    """
    mode = (parse_mode or "").strip().lower()
    if mode in ("", "none"):
        found = [dict(e) for e in entities or [] if isinstance(e, dict)]
        plain = text
    elif mode in ("html", "markdownv2", "markdown"):
        parse = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}
        try:
            plain, found = parse[mode](text)
        except EntityParseError as refused:
            raise _bad_request(f"can't parse entities: {refused}") from refused
    else:
        raise _bad_request("unsupported parse_mode")
    plain, found = _clean_text(plain, found)
    return _trim_text(plain, found)


# --------------------------------------------------------------------------------------
# Entities Telegram finds in what users send
# --------------------------------------------------------------------------------------

_BOT_COMMAND_RE: Final = re.compile(
    r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])"
)
_MENTION_RE: Final = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{3,32}(?![\w@])")
_HASHTAG_RE: Final = re.compile(r"(?<![\w#])#\w*[^\W\d_]\w*")
_URL_RE: Final = re.compile(r"(?<![\w@/.])(?:https?://)[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def detect_entities(text: str) -> list[JSONDict]:
    """The bot_command, mention, hashtag and url entities Telegram adds to a user's text."""
    found: list[JSONDict] = []
    for kind, pattern in (
        ("bot_command", _BOT_COMMAND_RE),
        ("mention", _MENTION_RE),
        ("hashtag", _HASHTAG_RE),
        ("url", _URL_RE),
    ):
        for match in pattern.finditer(text):
            found.append(
                {
                    "type": kind,
                    "offset": utf16_len(text[: match.start()]),
                    "length": utf16_len(match.group(0)),
                }
            )
    return _sort_entities(found)


# --------------------------------------------------------------------------------------
# Recorded requests
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedCall:
    """One request the bot made, in arrival order.

    ``params`` are the parsed parameters (JSON values, whatever encoding the bot used;
    uploaded files as :class:`UploadedFile`).  ``status`` is 0 and ``response`` None while
    the call is still being answered (a long poll), then the HTTP status and the JSON body
    the fake answered with.
    """

    index: int
    method: str
    params: JSONDict
    status: int = 0
    response: JSONDict | None = None
    injected: str | None = None
    """The injected error or fault that answered this call (``Fault.kind`` or ``"error"``)."""

    @property
    def done(self) -> bool:
        return self.response is not None

    @property
    def ok(self) -> bool:
        return bool(self.response and self.response.get("ok"))

    @property
    def result(self) -> Any:
        """The ``result`` of a successful call (e.g. the sent Message); None otherwise."""
        return self.response.get("result") if self.response else None

    @property
    def description(self) -> str | None:
        """The error description of a refused call, e.g. ``Bad Request: message is too long``."""
        return self.response.get("description") if self.response else None

    @property
    def method_key(self) -> str:
        return self.method.lower()


@dataclass
class _Injected:
    method: str
    error: BotApiError
    times: int | None
    chat_id: int | str | None


@dataclass(frozen=True)
class Fault:
    """A call that goes wrong before the Bot API proper answers it (see ``inject_fault``)."""

    kind: str
    """``status`` (answer with ``status``, ``body``), ``reset`` or ``slow``."""
    status: int = 0
    body: str = ""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        """Telegram's own 5xx: a JSON error, e.g. 500 ``Internal Server Error``."""
        description = {500: "Internal Server Error", 502: "Bad Gateway"}.get(status, "Error")
        body = {"ok": False, "error_code": status, "description": description}
        return cls("status", status, json.dumps(body))

    @classmethod
    def bad_gateway_page(cls) -> Fault:
        """A 502 from a proxy in front of the Bot API: an HTML page, not JSON."""
        page = (
            "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
            "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>"
            "\r\n</body>\r\n</html>\r\n"
        )
        return cls("status", 502, page, "text/html")

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Fault:
        """A redirect elsewhere (the Bot API never redirects: a misconfigured proxy does)."""
        return cls("status", status, "", "text/html", (("Location", location),))

    @classmethod
    def connection_reset(cls) -> Fault:
        """The connection is reset (TCP RST) before any answer, the request not handled."""
        return cls("reset")

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """The call is handled as usual, its answer sent ``seconds`` later."""
        return cls("slow", seconds=seconds)


@dataclass
class _InjectedFault:
    method: str
    fault: Fault
    times: int | None


# --------------------------------------------------------------------------------------
# The fake server
# --------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class FakeBotApi:
    """A fake Telegram Bot API on ``http://127.0.0.1:<random port>``.

    Use as ``async with FakeBotApi(token="123:ABC") as api:`` (or ``await api.start()`` /
    ``await api.stop()``).  Give the bot ``api.base_url`` and ``api.base_file_url``.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = DEFAULT_BOT_USERNAME,
        bot_first_name: str = DEFAULT_BOT_FIRST_NAME,
        can_join_groups: bool = True,
        privacy_mode: bool = False,
        supports_inline_queries: bool = True,
        max_poll_timeout: float = 50.0,
    ) -> None:
        bot_id_text = token.split(":", 1)[0]
        if ":" not in token or not bot_id_text.isdigit():
            raise ValueError("a bot token looks like '<bot id>:<secret>', e.g. '123:ABC'")
        self.token = token
        self.bot_user: JSONDict = {
            "id": int(bot_id_text),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": can_join_groups,
            "can_read_all_group_messages": not privacy_mode,
            "supports_inline_queries": supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.max_poll_timeout = max_poll_timeout
        self.privacy_mode = privacy_mode
        self.dropped_updates: list[JSONDict] = []
        """Updates :meth:`queue_update` dropped because privacy mode hides them from the bot."""
        self.host = "127.0.0.1"
        self.port = 0

        self._runner: web.AppRunner | None = None
        self._closing = False
        self._changed = asyncio.Condition()

        self._calls: list[RecordedCall] = []
        self._injected: list[_Injected] = []
        self._faults: list[_InjectedFault] = []

        self._updates: list[JSONDict] = []
        self._next_update_id = 1
        self._update_arrived = asyncio.Event()
        self._poll_generation = 0
        self._allowed_updates: frozenset[str] = _DEFAULT_ALLOWED_UPDATES

        self.webhook: JSONDict | None = None
        """What setWebhook set (url, secret_token, ...), or None."""

        self._chats: dict[int, JSONDict] = {}
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._chat_order: dict[int, list[int]] = {}
        self._next_message_id: dict[int, int] = {}
        self._sent: list[tuple[int, int]] = []

        self._ids = itertools.count(1)
        self._pending_callback_queries: set[str] = set()
        self.callback_answers: dict[str, JSONDict] = {}
        """answerCallbackQuery parameters by callback query id."""
        self._pending_inline_queries: set[str] = set()
        self.inline_answers: dict[str, JSONDict] = {}
        """answerInlineQuery parameters (results parsed) by inline query id."""

        self.commands: dict[str, list[JSONDict]] = {}
        """The bot's command lists, keyed by :meth:`commands_key` of scope and language."""
        self.descriptions: dict[str, str] = {}
        """setMyDescription's texts by language code ('' for all languages without their own)."""
        self.short_descriptions: dict[str, str] = {}
        """setMyShortDescription's texts, keyed the same way."""

        self._files: dict[str, tuple[JSONDict, bytes]] = {}

        self.default_user: JSONDict = self.make_user(
            100001, "Alice", username="alice", last_name="Tester"
        )
        self.default_group: JSONDict = self.make_group_chat(-1001000000001, "Simbot Test Group")

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: ``http://127.0.0.1:PORT/bot``."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``: ``http://127.0.0.1:PORT/file/bot``."""
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def bot_id(self) -> int:
        bot_id: int = self.bot_user["id"]
        return bot_id

    @property
    def bot_username(self) -> str:
        username: str = self.bot_user["username"]
        return username

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        last_error: OSError | None = None
        for _ in range(5):
            port = _free_port()
            site = web.TCPSite(runner, self.host, port)
            try:
                await site.start()
            except OSError as error:  # the port was taken in between: try another
                last_error = error
                continue
            self.port = port
            self._runner = runner
            return
        await runner.cleanup()
        raise RuntimeError("no free port for the fake Bot API") from last_error

    async def stop(self) -> None:
        self._closing = True
        self._update_arrived.set()
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ users and chats

    @staticmethod
    def make_user(
        user_id: int,
        first_name: str,
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "en",
        is_bot: bool = False,
    ) -> JSONDict:
        """A Telegram User object."""
        user: JSONDict = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
        if last_name is not None:
            user["last_name"] = last_name
        if username is not None:
            user["username"] = username
        if language_code is not None and not is_bot:
            user["language_code"] = language_code
        return user

    def private_chat(self, user: JSONDict | None = None) -> JSONDict:
        """The private chat with ``user`` (id = the user's id), known to the fake from now on."""
        user = user or self.default_user
        chat: JSONDict = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if key in user:
                chat[key] = user[key]
        return self.add_chat(chat)

    def make_group_chat(
        self, chat_id: int, title: str, *, chat_type: str = "supergroup"
    ) -> JSONDict:
        """A group chat (``supergroup`` or ``group``), known to the fake from now on."""
        if chat_type not in ("group", "supergroup"):
            raise ValueError("chat_type is 'group' or 'supergroup'")
        return self.add_chat({"id": chat_id, "type": chat_type, "title": title})

    def add_chat(self, chat: JSONDict) -> JSONDict:
        """Makes a chat known, so the bot may write to it (Telegram says 'chat not found' else)."""
        chat_id = int(chat["id"])
        self._chats.setdefault(chat_id, copy.deepcopy(chat))
        self._chat_order.setdefault(chat_id, [])
        self._next_message_id.setdefault(chat_id, 1)
        return copy.deepcopy(self._chats[chat_id])

    def _chat_for(self, chat_id: Any) -> JSONDict:
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self._chats.values():
                if str(chat.get("username", "")).lower() == chat_id[1:].lower():
                    return chat
            raise _bad_request("chat not found")
        try:
            key = int(chat_id)
        except (TypeError, ValueError):
            raise _bad_request("chat not found") from None
        if key not in self._chats:
            raise _bad_request("chat not found")
        return self._chats[key]

    # ------------------------------------------------------------------ message store

    def _new_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.setdefault(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _store(self, message: JSONDict) -> None:
        chat_id = int(message["chat"]["id"])
        key = (chat_id, int(message["message_id"]))
        if key not in self._messages:
            self._chat_order.setdefault(chat_id, []).append(key[1])
        self._messages[key] = copy.deepcopy(message)
        self._next_message_id[chat_id] = max(self._next_message_id.get(chat_id, 1), key[1] + 1)

    def message(self, chat_id: int, message_id: int) -> JSONDict:
        """The full message as it stands now (edits applied): text, entities, reply_markup..."""
        try:
            return copy.deepcopy(self._messages[(int(chat_id), int(message_id))])
        except KeyError:
            raise KeyError(f"no message {message_id} in chat {chat_id}") from None

    def messages(self, chat_id: int) -> list[JSONDict]:
        """Every message in the chat (users' and the bot's), oldest first, as they stand now."""
        return [
            copy.deepcopy(self._messages[(chat_id, message_id)])
            for message_id in self._chat_order.get(chat_id, [])
            if (chat_id, message_id) in self._messages
        ]

    def sent_messages(self, chat_id: int | None = None) -> list[JSONDict]:
        """The messages the bot sent (in that chat, or anywhere), oldest first, edits applied.

        Deleted messages are left out.
        """
        return [
            copy.deepcopy(self._messages[key])
            for key in self._sent
            if key in self._messages and (chat_id is None or key[0] == int(chat_id))
        ]

    def last_sent_message(self, chat_id: int | None = None) -> JSONDict:
        sent = self.sent_messages(chat_id)
        if not sent:
            raise LookupError(f"the bot has sent no message (chat {chat_id})")
        return sent[-1]

    def _resolve_message(self, message: JSONDict | int, chat: JSONDict) -> JSONDict:
        if isinstance(message, dict):
            chat_id = int(message["chat"]["id"])
            message_id = int(message["message_id"])
        else:
            chat_id = int(chat["id"])
            message_id = int(message)
        return self.message(chat_id, message_id)

    # ------------------------------------------------------------------ files

    def add_file(
        self,
        content: bytes,
        *,
        file_path: str | None = None,
        file_id: str | None = None,
    ) -> JSONDict:
        """Stores a file the bot can fetch with getFile and download; returns its File object."""
        number = next(self._ids)
        file_id = file_id or f"FILE{number:08d}"
        file_obj: JSONDict = {
            "file_id": file_id,
            "file_unique_id": f"U{number:08d}",
            "file_size": len(content),
            "file_path": file_path or f"documents/file_{number}",
        }
        self._files[file_id] = (file_obj, content)
        return dict(file_obj)

    # ------------------------------------------------------------------ updates in

    def queue_update(self, update: JSONDict) -> JSONDict:
        """Queues an update for getUpdates; returns it with its ``update_id``.

        The chats and messages it carries become known, and a callback or inline query in it
        can be answered once.
        """
        update = self._prepare_update(update)
        if self.privacy_mode and not self._visible_in_privacy_mode(update):
            self.dropped_updates.append(update)
        else:
            self._updates.append(update)
            self._update_arrived.set()
        return copy.deepcopy(update)

    def _visible_in_privacy_mode(self, update: JSONDict) -> bool:
        """What a bot with privacy mode on gets of a group: commands (``/cmd`` or
        ``/cmd@this_bot``), messages mentioning it by username, replies to its messages and
        service messages."""
        message = update.get("message") or update.get("edited_message")
        if not isinstance(message, dict) or message["chat"].get("type") not in (
            "group",
            "supergroup",
        ):
            return True
        replied = message.get("reply_to_message") or {}
        if replied.get("from", {}).get("id") == self.bot_id:
            return True
        text = str(message.get("text", message.get("caption", "")))
        content_keys = {"text", "caption", "sticker", "photo", "document", "video", "voice"}
        if not text and not content_keys & set(message):
            return True  # a service message
        command = re.match(r"/[A-Za-z0-9_]+(?:@([A-Za-z0-9_]+))?", text)
        if command is not None:
            addressee = command.group(1)
            return addressee is None or addressee.lower() == self.bot_username.lower()
        return f"@{self.bot_username}".lower() in text.lower()

    def _prepare_update(self, update: JSONDict) -> JSONDict:
        update = copy.deepcopy(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        for key, value in update.items():
            if not isinstance(value, dict):
                continue
            if key in ("message", "edited_message", "channel_post", "edited_channel_post"):
                self.add_chat(value["chat"])
                self._store(value)
            elif key == "callback_query":
                self._pending_callback_queries.add(str(value["id"]))
                if isinstance(value.get("message"), dict):
                    self.add_chat(value["message"]["chat"])
            elif key == "inline_query":
                self._pending_inline_queries.add(str(value["id"]))
        return update

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by a getUpdates offset."""
        return copy.deepcopy(self._updates)

    def _user_message(
        self,
        chat: JSONDict,
        user: JSONDict,
        content: JSONDict,
        reply_to: JSONDict | int | None,
    ) -> JSONDict:
        chat = self.add_chat(chat)
        message: JSONDict = {
            "message_id": self._new_message_id(int(chat["id"])),
            "from": copy.deepcopy(user),
            "chat": chat,
            "date": int(time.time()),
        }
        if reply_to is not None:
            replied = self._resolve_message(reply_to, chat)
            replied.pop("reply_to_message", None)
            message["reply_to_message"] = replied
        message.update(copy.deepcopy(content))
        self._store(message)
        return message

    def _text_content(self, text: str, entities: list[JSONDict] | None) -> JSONDict:
        content: JSONDict = {"text": text}
        found = detect_entities(text) if entities is None else entities
        if found:
            content["entities"] = found
        return content

    def private_message_update(
        self,
        text: str,
        *,
        user: JSONDict | None = None,
        reply_to: JSONDict | int | None = None,
        entities: list[JSONDict] | None = None,
    ) -> JSONDict:
        """A user's text message in their private chat with the bot.

        Entities (bot_command, mention, hashtag, url) are found in ``text`` as Telegram does,
        unless ``entities`` is given.  ``reply_to`` is a message (dict) or message id in that
        chat, e.g. one the bot sent.
        """
        user = user or self.default_user
        message = self._user_message(
            self.private_chat(user), user, self._text_content(text, entities), reply_to
        )
        return {"message": message}

    def unreadable_update(self, question: str = "Which one is right?") -> JSONDict:
        """A user's poll as an older Bot API server sends it, without fields newer versions
        add (its options' ``persistent_id``, ``type``, ``allows_multiple_answers``...), which
        python-telegram-bot refuses to parse. ``question`` is the user's own text."""
        user = self.default_user
        poll = {
            "id": str(6_000_000_000_000_000_000 + next(self._ids)),
            "question": question,
            "options": [{"text": "this one", "voter_count": 0}],
            "total_voter_count": 0,
            "is_closed": False,
        }
        message = self._user_message(self.private_chat(user), user, {"poll": poll}, None)
        return {"message": message}

    def group_message_update(
        self,
        text: str,
        *,
        user: JSONDict | None = None,
        chat: JSONDict | None = None,
        reply_to: JSONDict | int | None = None,
        entities: list[JSONDict] | None = None,
    ) -> JSONDict:
        """A user's text message in a group (``chat``, by default :attr:`default_group`).

        Write ``f"@{api.bot_username} hi"`` for a mention or ``f"/ask@{api.bot_username} q"``
        for a command: their ``mention``/``bot_command`` entities are added.  ``reply_to`` is
        a message in the group (e.g. the bot's, from :meth:`sent_messages`) or its id.
        """
        return {
            "message": self._user_message(
                chat or self.default_group,
                user or self.default_user,
                self._text_content(text, entities),
                reply_to,
            )
        }

    def sticker_message_update(
        self,
        *,
        emoji: str = "\U0001f600",
        user: JSONDict | None = None,
        chat: JSONDict | None = None,
        reply_to: JSONDict | int | None = None,
    ) -> JSONDict:
        """A sticker from a user (private chat unless ``chat`` is given)."""
        user = user or self.default_user
        number = next(self._ids)
        sticker: JSONDict = {
            "file_id": f"STICKER{number:08d}",
            "file_unique_id": f"US{number:08d}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "SimbotTestStickers",
            "file_size": 20480,
        }
        message = self._user_message(
            chat or self.private_chat(user), user, {"sticker": sticker}, reply_to
        )
        return {"message": message}

    def photo_message_update(
        self,
        *,
        caption: str | None = None,
        content: bytes = b"\x89PNG\r\n\x1a\nfake",
        user: JSONDict | None = None,
        chat: JSONDict | None = None,
        reply_to: JSONDict | int | None = None,
    ) -> JSONDict:
        """A photo from a user, in three sizes; getFile on any size serves ``content``."""
        user = user or self.default_user
        sizes: list[JSONDict] = []
        for width, height in ((90, 67), (320, 240), (800, 600)):
            stored = self.add_file(content, file_path=f"photos/file_{next(self._ids)}.jpg")
            sizes.append(
                {
                    "file_id": stored["file_id"],
                    "file_unique_id": stored["file_unique_id"],
                    "width": width,
                    "height": height,
                    "file_size": len(content),
                }
            )
        body: JSONDict = {"photo": sizes}
        if caption is not None:
            body["caption"] = caption
            caption_entities = detect_entities(caption)
            if caption_entities:
                body["caption_entities"] = caption_entities
        message = self._user_message(chat or self.private_chat(user), user, body, reply_to)
        return {"message": message}

    def edited_message_update(
        self,
        message: JSONDict,
        new_text: str,
        *,
        entities: list[JSONDict] | None = None,
    ) -> JSONDict:
        """A user's edit of their earlier text ``message`` (as returned by a builder)."""
        if "message" in message and "message_id" not in message:
            message = message["message"]  # an update was passed
        current = self.message(int(message["chat"]["id"]), int(message["message_id"]))
        if current.get("from", {}).get("id") == self.bot_id:
            raise ValueError("users can't edit the bot's messages")
        current.pop("entities", None)
        current.update(self._text_content(new_text, entities))
        current["edit_date"] = int(time.time())
        self._store(current)
        return {"edited_message": current}

    def callback_query_update(
        self,
        message: JSONDict,
        data: str | None = None,
        *,
        button_text: str | None = None,
        user: JSONDict | None = None,
    ) -> JSONDict:
        """A user pressing an inline button on the bot's ``message``.

        Pick the button by ``data`` or by ``button_text``; it has to be on the message as it
        stands now (as on a real client), else :class:`LookupError`.
        """
        if "message" in message and "message_id" not in message:
            message = message["message"]
        current = self.message(int(message["chat"]["id"]), int(message["message_id"]))
        rows = current.get("reply_markup", {}).get("inline_keyboard", [])
        buttons = [button for row in rows for button in row if "callback_data" in button]
        chosen = [
            button
            for button in buttons
            if (data is None or button["callback_data"] == data)
            and (button_text is None or button["text"] == button_text)
        ]
        if not chosen:
            raise LookupError(
                f"no callback button with data={data!r} text={button_text!r} on message "
                f"{current['message_id']}; buttons: {buttons!r}"
            )
        query: JSONDict = {
            "id": str(4_000_000_000_000_000_000 + next(self._ids)),
            "from": copy.deepcopy(user or self.default_user),
            "message": current,
            "chat_instance": str(-9_000_000_000_000_000_000 + abs(int(current["chat"]["id"]))),
            "data": chosen[0]["callback_data"],
        }
        return {"callback_query": query}

    def inline_query_update(
        self,
        query: str,
        *,
        user: JSONDict | None = None,
        offset: str = "",
        chat_type: str | None = "sender",
    ) -> JSONDict:
        """A user typing ``@bot query`` in a chat."""
        inline: JSONDict = {
            "id": str(5_000_000_000_000_000_000 + next(self._ids)),
            "from": copy.deepcopy(user or self.default_user),
            "query": query,
            "offset": offset,
        }
        if chat_type is not None:
            inline["chat_type"] = chat_type
        return {"inline_query": inline}

    # ------------------------------------------------------------------ webhooks

    async def post_update_to_webhook(
        self,
        url: str,
        update: JSONDict,
        secret_token: str | None = None,
        *,
        timeout: float = 5.0,
    ) -> int:
        """POSTs ``update`` (given an update_id if it has none) to a bot's webhook; the status."""
        return await post_update_to_webhook(
            url, self._prepare_update(update), secret_token, timeout=timeout
        )

    # ------------------------------------------------------------------ inspection

    def calls(
        self, method: str | None = None, *, include_get_updates: bool = False
    ) -> list[RecordedCall]:
        """Requests so far, oldest first; getUpdates only when asked for (by name or flag)."""
        wanted = method.lower() if method else None
        return [
            call
            for call in self._calls
            if (wanted is None or call.method_key == wanted)
            and (include_get_updates or wanted == "getupdates" or call.method_key != "getupdates")
        ]

    @property
    def call_count(self) -> int:
        """How many requests arrived so far: pass as ``since`` to wait only for newer ones."""
        return len(self._calls)

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[RecordedCall], bool] | None = None,
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> RecordedCall:
        """Waits until the bot has called ``method`` (answered, with ``predicate`` true).

        Earlier calls count too unless ``since`` (a :attr:`call_count`) says otherwise. The
        call is returned whether the fake accepted it or refused it (see ``ok``).  Raises
        :class:`TimeoutError` listing the calls seen.
        """
        wanted = method.lower()

        def find() -> RecordedCall | None:
            for call in self._calls[since:]:
                if (
                    call.done
                    and call.method_key == wanted
                    and (predicate is None or predicate(call))
                ):
                    return call
            return None

        try:
            async with asyncio.timeout(timeout):
                async with self._changed:
                    while (found := find()) is None:
                        await self._changed.wait()
                    return found
        except TimeoutError:
            seen = [
                f"{c.method}({json.dumps(c.params, default=str)[:200]}) -> {c.status}"
                for c in self.calls()
            ]
            raise TimeoutError(
                f"the bot did not call {method} within {timeout}s; calls: {seen}"
            ) from None

    def inject_error(
        self,
        method: str,
        description: str,
        *,
        error_code: int = 400,
        parameters: JSONDict | None = None,
        times: int | None = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Makes the next ``times`` calls of ``method`` (None: all) fail, e.g. a 403 ``Forbidden:
        bot was blocked by the user`` or a 429 with ``parameters={"retry_after": 1}``."""
        self._injected.append(
            _Injected(
                method.lower(), BotApiError(description, error_code, parameters), times, chat_id
            )
        )

    def inject_fault(self, method: str, fault: Fault, *, times: int | None = 1) -> None:
        """Makes the next ``times`` calls of ``method`` (None: all, until :meth:`clear_faults`)
        meet ``fault``; faults come before errors from :meth:`inject_error`."""
        self._faults.append(_InjectedFault(method.lower(), fault, times))

    def clear_faults(self) -> None:
        """Ends every injected fault and error: the fake answers normally again."""
        self._faults.clear()
        self._injected.clear()

    # ------------------------------------------------------------------ HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/file/bot"):
            return await self._serve_file(path[len("/file/bot") :])
        match = re.fullmatch(r"/bot([^/]*)/([^/]+)", path)
        if match is None:
            return self._json(BotApiError("Not Found", 404).to_json(), 404)
        token, method = match.group(1), match.group(2)
        if token != self.token:
            return self._json(BotApiError("Unauthorized", 401).to_json(), 401)
        try:
            params = await self._read_params(request)
        except BotApiError as refused:
            call = RecordedCall(len(self._calls), method, {})
            self._calls.append(call)
            return await self._finish(call, refused.to_json(), refused.error_code)
        call = RecordedCall(len(self._calls), method, params)
        self._calls.append(call)
        fault = self._take_fault(call)
        if fault is not None and fault.kind == "slow":
            call.injected = fault.kind
            await asyncio.sleep(fault.seconds)
        elif fault is not None:
            return await self._fail(request, call, fault)
        try:
            self._check_injected(call)
            handler = self._handlers().get(method.lower())
            if handler is None:
                raise BotApiError("Not Found", 404)
            result = await handler(params)
            body: JSONDict = {"ok": True, "result": result}
            status = 200
        except BotApiError as refused:
            body, status = refused.to_json(), refused.error_code
        return await self._finish(call, body, status)

    def _take_fault(self, call: RecordedCall) -> Fault | None:
        for injected in self._faults:
            if injected.method != call.method_key:
                continue
            if injected.times is not None:
                injected.times -= 1
                if injected.times <= 0:
                    self._faults.remove(injected)
            return injected.fault
        return None

    async def _fail(self, request: web.Request, call: RecordedCall, fault: Fault) -> web.Response:
        """Answers ``call`` with ``fault`` (the call is not handled)."""
        call.injected = fault.kind
        call.status = fault.status
        call.response = {"ok": False, "description": f"injected fault: {fault.kind}"}
        async with self._changed:
            self._changed.notify_all()
        if fault.kind == "reset":
            transport = request.transport
            sock = transport.get_extra_info("socket") if transport is not None else None
            if sock is not None:  # SO_LINGER 0: close() sends a RST, not a FIN
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            if transport is not None:
                transport.abort()
            return web.Response(status=500)  # never reaches the bot: the connection is gone
        response = web.Response(
            status=fault.status, text=fault.body, content_type=fault.content_type
        )
        for name, value in fault.headers:
            response.headers[name] = value
        return response

    async def _finish(self, call: RecordedCall, body: JSONDict, status: int) -> web.Response:
        call.status = status
        call.response = copy.deepcopy(body)
        async with self._changed:
            self._changed.notify_all()
        return self._json(body, status)

    @staticmethod
    def _json(body: JSONDict, status: int) -> web.Response:
        return web.Response(
            status=status,
            text=json.dumps(body, ensure_ascii=False),
            content_type="application/json",
        )

    async def _serve_file(self, rest: str) -> web.Response:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return self._json(BotApiError("Unauthorized", 401).to_json(), 401)
        for file_obj, content in self._files.values():
            if file_obj["file_path"] == file_path:
                return web.Response(body=content, content_type="application/octet-stream")
        return self._json(BotApiError("Not Found", 404).to_json(), 404)

    async def _read_params(self, request: web.Request) -> JSONDict:
        raw: dict[str, Any] = dict(request.query)
        content_type = request.content_type
        if request.method == "POST" and request.can_read_body:
            if content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise _bad_request("can't parse JSON encoded request") from None
                if not isinstance(body, dict):
                    raise _bad_request("JSON object expected")
                raw.update(body)
            elif content_type.startswith("multipart/"):
                reader = await request.multipart()
                async for part in reader:
                    if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                        continue
                    if part.filename is not None:
                        raw[part.name] = UploadedFile(
                            part.name,
                            part.filename,
                            part.headers.get("Content-Type"),
                            bytes(await part.read()),
                        )
                    else:
                        raw[part.name] = await part.text()
            else:
                form = await request.post()
                for key, value in form.items():
                    raw[key] = value if isinstance(value, str) else str(value)
        return {key: _coerce_param(key, value) for key, value in raw.items()}

    def _check_injected(self, call: RecordedCall) -> None:
        for injected in self._injected:
            if injected.method != call.method_key:
                continue
            if injected.chat_id is not None and str(call.params.get("chat_id")) != str(
                injected.chat_id
            ):
                continue
            if injected.times is not None:
                injected.times -= 1
                if injected.times <= 0:
                    self._injected.remove(injected)
            call.injected = "error"
            raise injected.error

    def _handlers(self) -> Mapping[str, Callable[[JSONDict], Awaitable[Any]]]:
        return {
            "getme": self._get_me,
            "logout": self._true,
            "close": self._true,
            "getupdates": self._get_updates,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setmydescription": self._set_my_description,
            "getmydescription": self._get_my_description,
            "setmyshortdescription": self._set_my_short_description,
            "getmyshortdescription": self._get_my_short_description,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "answerinlinequery": self._answer_inline_query,
            "sendchataction": self._send_chat_action,
            "getfile": self._get_file,
        }

    # ------------------------------------------------------------------ methods

    async def _true(self, params: JSONDict) -> bool:
        return True

    async def _get_me(self, params: JSONDict) -> JSONDict:
        return copy.deepcopy(self.bot_user)

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        if self.webhook is not None:
            raise BotApiError(
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
                409,
            )
        offset = _int_param(params, "offset", 0)
        limit = _int_param(params, "limit", 100)
        timeout = float(params.get("timeout") or 0)
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            if not isinstance(allowed, list):
                raise _bad_request("can't parse allowed updates")
            self._allowed_updates = (
                frozenset(str(kind) for kind in allowed) if allowed else _DEFAULT_ALLOWED_UPDATES
            )
        limit = min(max(limit, 1), 100)
        timeout = min(max(timeout, 0.0), self.max_poll_timeout)

        # A newer getUpdates ends an older one that is still waiting, as on Telegram.
        self._poll_generation += 1
        generation = self._poll_generation
        self._update_arrived.set()  # wakes an older poll, which then ends with 409
        self._confirm(offset)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if self._closing:
                return []
            batch = self._deliverable(offset, limit)
            if batch:
                return batch
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return []
            self._update_arrived.clear()
            try:
                async with asyncio.timeout(remaining):
                    await self._update_arrived.wait()
            except TimeoutError:
                return []
            if self.webhook is not None:
                raise BotApiError("Conflict: terminated by setWebhook request", 409)
            if self._poll_generation != generation:
                raise BotApiError(
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                    409,
                )

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            self._updates = self._updates[offset:]
        elif offset > 0:
            self._updates = [u for u in self._updates if int(u["update_id"]) >= offset]

    def _deliverable(self, offset: int, limit: int) -> list[JSONDict]:
        # Updates of kinds the bot didn't ask for are never created by Telegram: drop them.
        self._updates = [u for u in self._updates if _update_kind(u) in self._allowed_updates]
        batch = [u for u in self._updates if offset <= 0 or int(u["update_id"]) >= offset]
        return copy.deepcopy(batch[:limit])

    async def _set_webhook(self, params: JSONDict) -> bool:
        url = str(params.get("url") or "")
        if not url:
            self.webhook = None
            return True
        parts = urllib.parse.urlsplit(url)
        if parts.scheme.lower() != "https":
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if parts.port not in (None, 80, 88, 443, 8443):
            raise _bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise _bad_request("secret token contains unallowed characters")
        if "allowed_updates" in params and isinstance(params["allowed_updates"], list):
            allowed = params["allowed_updates"]
            self._allowed_updates = (
                frozenset(str(kind) for kind in allowed) if allowed else _DEFAULT_ALLOWED_UPDATES
            )
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {
            key: params[key]
            for key in ("url", "secret_token", "max_connections", "ip_address", "allowed_updates")
            if key in params
        }
        self._update_arrived.set()  # a waiting getUpdates ends
        return True

    async def _delete_webhook(self, params: JSONDict) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook:
            info["max_connections"] = int(self.webhook.get("max_connections") or 40)
            if "ip_address" in self.webhook:
                info["ip_address"] = self.webhook["ip_address"]
            if "allowed_updates" in self.webhook:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    @staticmethod
    def commands_key(scope: JSONDict | None = None, language_code: str | None = None) -> str:
        """The :attr:`commands` key of a scope (default ``{"type": "default"}``) and language."""
        scope = scope or {"type": "default"}
        return json.dumps(scope, sort_keys=True) + "|" + (language_code or "")

    def _command_key(self, params: JSONDict) -> str:
        scope = params.get("scope")
        if scope is not None and not (
            isinstance(scope, dict) and isinstance(scope.get("type"), str)
        ):
            raise _bad_request("can't parse BotCommandScope JSON object")
        language = params.get("language_code")
        if language and not re.fullmatch(r"[a-z]{2}", str(language)):
            raise _bad_request("invalid language code specified")
        return self.commands_key(scope, str(language) if language else None)

    async def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        if len(commands) > BOT_COMMANDS_LIMIT:
            raise _bad_request("BOT_COMMANDS_TOO_MUCH")
        cleaned: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad_request("can't parse BotCommand JSON object")
            name = str(command.get("command", "")).removeprefix("/")
            description = str(command.get("description", "")).strip()
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        key = self._command_key(params)
        if cleaned:
            self.commands[key] = cleaned
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        return copy.deepcopy(self.commands.get(self._command_key(params), []))

    async def _delete_my_commands(self, params: JSONDict) -> bool:
        self.commands.pop(self._command_key(params), None)
        return True

    @staticmethod
    def _description_language(params: JSONDict) -> str:
        language = params.get("language_code")
        if language and not re.fullmatch(r"[a-z]{2}", str(language)):
            raise _bad_request("invalid language code specified")
        return str(language or "")

    def _set_text(self, store: dict[str, str], params: JSONDict, name: str, limit: int) -> bool:
        # Bot API: optional, 0-limit characters; empty (or absent) removes it for that language.
        language = self._description_language(params)
        text = str(params.get(name) or "")
        if len(text) > limit:
            raise _bad_request(f"{name} is too long")
        if text:
            store[language] = text
        else:
            store.pop(language, None)
        return True

    async def _set_my_description(self, params: JSONDict) -> bool:
        return self._set_text(self.descriptions, params, "description", 512)

    async def _get_my_description(self, params: JSONDict) -> JSONDict:
        language = self._description_language(params)
        text = self.descriptions.get(language, self.descriptions.get("", ""))
        return {"description": text}

    async def _set_my_short_description(self, params: JSONDict) -> bool:
        return self._set_text(self.short_descriptions, params, "short_description", 120)

    async def _get_my_short_description(self, params: JSONDict) -> JSONDict:
        language = self._description_language(params)
        text = self.short_descriptions.get(language, self.short_descriptions.get("", ""))
        return {"short_description": text}

    def _inline_keyboard(self, params: JSONDict) -> JSONDict | None:
        """The inline keyboard in reply_markup, checked as Telegram does; None if there is none."""
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if not any(k in markup for k in ("keyboard", "remove_keyboard", "force_reply")):
                raise _bad_request("can't parse reply keyboard markup JSON object")
            return None  # reply keyboards don't show up in Message objects
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad_request(
                "can't parse inline keyboard button: "
                'field "inline_keyboard" must be an Array of Arrays'
            )
        kept_rows: list[list[JSONDict]] = []
        for row in rows:
            kept: list[JSONDict] = []
            for button in row:
                if not isinstance(button, dict):
                    raise _bad_request(
                        "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
                    )
                if "text" not in button:
                    raise _bad_request(
                        "can't parse inline keyboard button: Can't find field \"text\""
                    )
                actions = [key for key in button if key != "text"]
                if not actions:
                    raise _bad_request(
                        "can't parse inline keyboard button: Text buttons are unallowed in the "
                        "inline keyboard"
                    )
                data = button.get("callback_data")
                if (
                    data is not None
                    and not 1 <= len(str(data).encode("utf-8")) <= CALLBACK_DATA_LIMIT
                ):
                    raise _bad_request("BUTTON_DATA_INVALID")
                url = button.get("url")
                if url is not None and not str(url).strip():
                    raise _bad_request("BUTTON_URL_INVALID")
                kept.append(copy.deepcopy(button))
            if kept:
                kept_rows.append(kept)
        return {"inline_keyboard": kept_rows} if kept_rows else None

    def _message_text(self, params: JSONDict, *, editing: bool) -> tuple[str, list[JSONDict]]:
        raw = params.get("text")
        if raw is None or raw == "":
            raise _bad_request("message text is empty")
        if not isinstance(raw, str):
            raw = json.dumps(raw)
        entities = params.get("entities")
        if entities is not None and not isinstance(entities, list):
            raise _bad_request("can't parse entities JSON object")
        text, found = format_text(raw, params.get("parse_mode"), entities)
        if _is_empty_text(text):
            raise _bad_request("text must be non-empty")
        if len(text) > MESSAGE_TEXT_LIMIT:
            raise _bad_request("MESSAGE_TOO_LONG" if editing else "message is too long")
        return text, found

    def _reply_target(self, params: JSONDict, chat: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id") is not None:
            reply = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply", False),
            }
        if reply is None:
            return None
        if not isinstance(reply, dict) or "message_id" not in reply:
            raise _bad_request("can't parse reply parameters JSON object")
        target_chat = self._chat_for(reply["chat_id"]) if reply.get("chat_id") is not None else chat
        key = (int(target_chat["id"]), _as_int(reply["message_id"]))
        if key not in self._messages:
            if reply.get("allow_sending_without_reply"):
                return None
            raise _bad_request("message to be replied not found")
        replied = copy.deepcopy(self._messages[key])
        replied.pop("reply_to_message", None)
        return replied

    async def _send_message(self, params: JSONDict) -> JSONDict:
        chat = self._chat_for(params.get("chat_id"))
        text, entities = self._message_text(params, editing=False)
        keyboard = self._inline_keyboard(params)
        replied = self._reply_target(params, chat)
        chat_id = int(chat["id"])
        message: JSONDict = {
            "message_id": self._new_message_id(chat_id),
            "from": copy.deepcopy(self.bot_user),
            "chat": copy.deepcopy(chat),
            "date": int(time.time()),
        }
        if replied is not None:
            message["reply_to_message"] = replied
        message["text"] = text
        if entities:
            message["entities"] = entities
        if isinstance(params.get("link_preview_options"), dict):
            options = params["link_preview_options"]
            if options:
                message["link_preview_options"] = copy.deepcopy(options)
        if keyboard is not None:
            message["reply_markup"] = keyboard
        self._store(message)
        self._sent.append((chat_id, int(message["message_id"])))
        return copy.deepcopy(message)

    def _editable(self, params: JSONDict) -> JSONDict | None:
        """The bot's message an edit targets; None for an inline message (inline_message_id)."""
        if params.get("inline_message_id") and params.get("chat_id") is None:
            return None
        if params.get("message_id") is None:
            raise _bad_request("message identifier is not specified")
        chat = self._chat_for(params.get("chat_id"))
        key = (int(chat["id"]), _as_int(params["message_id"]))
        if key not in self._messages:
            raise _bad_request("message to edit not found")
        message = self._messages[key]
        if message.get("from", {}).get("id") != self.bot_id:
            raise _bad_request("message can't be edited")
        return message

    async def _edit_message_text(self, params: JSONDict) -> JSONDict | bool:
        message = self._editable(params)
        text, entities = self._message_text(params, editing=True)
        keyboard = self._inline_keyboard(params)
        if message is None:
            return True
        if "text" not in message:
            raise _bad_request("there is no text in the message to edit")
        if (
            message["text"] == text
            and message.get("entities", []) == entities
            and message.get("reply_markup") == keyboard
        ):
            raise _bad_request(NOT_MODIFIED[len("Bad Request: ") :])
        message["text"] = text
        if entities:
            message["entities"] = entities
        else:
            message.pop("entities", None)
        if keyboard is not None:
            message["reply_markup"] = keyboard
        else:
            message.pop("reply_markup", None)  # an edit without a keyboard removes it
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    async def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        message = self._editable(params)
        keyboard = self._inline_keyboard(params)
        if message is None:
            return True
        if message.get("reply_markup") == keyboard:
            raise _bad_request(NOT_MODIFIED[len("Bad Request: ") :])
        if keyboard is not None:
            message["reply_markup"] = keyboard
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    async def _delete_message(self, params: JSONDict) -> bool:
        chat = self._chat_for(params.get("chat_id"))
        if params.get("message_id") is None:
            raise _bad_request("message identifier is not specified")
        key = (int(chat["id"]), _as_int(params["message_id"]))
        message = self._messages.get(key)
        if message is None:
            raise _bad_request("message to delete not found")
        if message.get("from", {}).get("id") != self.bot_id and chat.get("type") != "private":
            raise _bad_request("message can't be deleted")
        del self._messages[key]
        return True

    async def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._pending_callback_queries:
            raise _bad_request(QUERY_TOO_OLD[len("Bad Request: ") :])
        self._pending_callback_queries.discard(query_id)
        self.callback_answers[query_id] = copy.deepcopy(params)
        return True

    async def _answer_inline_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("inline_query_id") or "")
        results = params.get("results")
        if not isinstance(results, list):
            raise _bad_request("can't parse inline query results JSON object")
        if len(results) > INLINE_RESULTS_LIMIT:
            raise _bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict):
                raise _bad_request("can't parse InlineQueryResult JSON object")
            if result.get("type") not in _INLINE_RESULT_TYPES:
                raise _bad_request("RESULT_TYPE_INVALID")
            result_id = str(result.get("id", ""))
            if not 1 <= len(result_id.encode("utf-8")) <= INLINE_RESULT_ID_LIMIT:
                raise _bad_request("RESULT_ID_INVALID")
            if result_id in seen:
                raise _bad_request("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            content = result.get("input_message_content")
            if isinstance(content, dict) and "message_text" in content:
                self._message_text(
                    {
                        "text": content["message_text"],
                        "parse_mode": content.get("parse_mode"),
                        "entities": content.get("entities"),
                    },
                    editing=False,
                )
            if "reply_markup" in result:
                self._inline_keyboard({"reply_markup": result["reply_markup"]})
        if "button" in params:
            _check_results_button(params["button"])
        if query_id not in self._pending_inline_queries:
            raise _bad_request(QUERY_TOO_OLD[len("Bad Request: ") :])
        self._pending_inline_queries.discard(query_id)
        self.inline_answers[query_id] = copy.deepcopy(params)
        return True

    async def _send_chat_action(self, params: JSONDict) -> bool:
        self._chat_for(params.get("chat_id"))
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    async def _get_file(self, params: JSONDict) -> JSONDict:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad_request("invalid file_id")
        return dict(stored[0])


def _check_results_button(button: Any) -> None:
    """answerInlineQuery's ``button``, an InlineQueryResultsButton as the Bot API documents it.

    ``text`` is required, and exactly one of ``web_app`` and ``start_parameter`` (1-64 of
    A-Z a-z 0-9 _ -: the deep-linking parameter sent to the bot with /start).
    """
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise _bad_request("can't parse InlineQueryResultsButton")
    if not button["text"]:
        raise _bad_request("BUTTON_TEXT_INVALID")
    if ("web_app" in button) == ("start_parameter" in button):
        raise _bad_request("can't parse InlineQueryResultsButton")
    start = button.get("start_parameter")
    if "start_parameter" in button and not (
        isinstance(start, str) and _START_PARAMETER_RE.fullmatch(start)
    ):
        raise _bad_request("START_PARAM_INVALID")


_START_PARAMETER_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


# --------------------------------------------------------------------------------------
# Parameter decoding
# --------------------------------------------------------------------------------------


def _coerce_param(name: str, value: Any) -> Any:
    """A parameter as Telegram reads it: form fields arrive as strings, JSON ones typed."""
    if not isinstance(value, str):
        return value
    if name in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if name in _CHAT_ID_PARAMS:
        return int(value) if re.fullmatch(r"-?\d+", value.strip()) else value
    if name in _INT_PARAMS:
        try:
            return int(value)
        except ValueError:
            try:
                return int(float(value))
            except ValueError:
                return value
    if name in _FLOAT_PARAMS:
        try:
            return float(value)
        except ValueError:
            return value
    if name in _BOOL_PARAMS:
        return value.strip().lower() in ("true", "1")
    return value


def _as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad_request("wrong message identifier specified") from None


def _int_param(params: JSONDict, name: str, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad_request(f"wrong parameter {name} in request") from None


def _update_kind(update: JSONDict) -> str:
    for key in update:
        if key != "update_id":
            return key
    return ""


# --------------------------------------------------------------------------------------
# Webhook delivery and pytest glue
# --------------------------------------------------------------------------------------


async def post_update_to_webhook(
    url: str,
    update: JSONDict,
    secret_token: str | None = None,
    *,
    timeout: float = 5.0,
) -> int:
    """POSTs ``update`` to a bot's webhook as Telegram does; returns the HTTP status.

    The ``X-Telegram-Bot-Api-Secret-Token`` header carries ``secret_token`` when given.
    """
    headers = {"Content-Type": "application/json"}
    if secret_token is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with (
        aiohttp.ClientSession(timeout=client_timeout) as session,
        session.post(url, data=json.dumps(update), headers=headers) as response,
    ):
        await response.read()
        return response.status


@pytest_asyncio.fixture
async def fake_bot_api() -> AsyncIterator[FakeBotApi]:
    """A running :class:`FakeBotApi` with the default token (re-export it from conftest.py)."""
    async with FakeBotApi() as api:
        yield api


def iter_entities(message: JSONDict) -> Iterable[tuple[str, str]]:
    """``(type, covered text)`` for each entity of a message's text, for assertions."""
    if "text" in message:
        text, entities = str(message["text"]), list(message.get("entities", []))
    else:
        text, entities = str(message.get("caption", "")), list(message.get("caption_entities", []))
    for entity in entities:
        yield entity["type"], utf16_slice(text, entity["offset"], entity["length"])


__all__ = [
    "DEFAULT_BOT_USERNAME",
    "DEFAULT_TOKEN",
    "BotApiError",
    "EntityParseError",
    "FakeBotApi",
    "Fault",
    "JSONDict",
    "RecordedCall",
    "UploadedFile",
    "detect_entities",
    "fake_bot_api",
    "format_text",
    "iter_entities",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "post_update_to_webhook",
    "utf16_len",
    "utf16_slice",
]
