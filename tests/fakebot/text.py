"""Telegram's text rules: the HTML parse mode, text as Telegram stores it, and the entities it
finds in what users send. Offsets and lengths of entities count UTF-16 code units, as Telegram's do.

The bot writes HTML only, so HTML is the one parse mode modelled (TDLib's ``parse_html``, rule by
rule, with its error texts and byte offsets); ``format_text`` refuses the others rather than
letting a test pass on text it does not check.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable
from typing import Final

from fakebot.errors import EntityParseError, JSONDict, bad_request


def utf16_len(text: str) -> int:
    """The length of ``text`` in UTF-16 code units, as Telegram's entity offsets count."""
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def utf16_slice(text: str, offset: int, length: int) -> str:
    """The part of ``text`` an entity with this UTF-16 ``offset`` and ``length`` covers."""
    encoded = text.encode("utf-16-le")
    return encoded[offset * 2 : (offset + length) * 2].decode("utf-16-le", errors="replace")


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


def is_empty_text(text: str) -> bool:
    return all(ch.isspace() or ch in _INVISIBLE_CHARS for ch in text)


def format_text(
    text: str,
    parse_mode: str | None = None,
    entities: list[JSONDict] | None = None,
) -> tuple[str, list[JSONDict]]:
    """The text and entities Telegram would store for a message; refuses as Telegram does.

    Raises :class:`BotApiError` for an unknown parse mode or HTML Telegram can't parse.
    Emptiness and length are checked by the callers, which word those errors differently.
    """
    mode = (parse_mode or "").strip().lower()
    if mode in ("", "none"):
        found = [dict(e) for e in entities or [] if isinstance(e, dict)]
        plain = text
    elif mode == "html":
        try:
            plain, found = parse_html(text)
        except EntityParseError as refused:
            raise bad_request(f"can't parse entities: {refused}") from refused
    elif mode in ("markdownv2", "markdown"):
        # Telegram accepts these; the fake does not model them (the bot writes HTML only).
        raise NotImplementedError(f"the fake Bot API does not model parse_mode {parse_mode!r}")
    else:
        raise bad_request("unsupported parse_mode")
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


def iter_entities(message: JSONDict) -> Iterable[tuple[str, str]]:
    """``(type, covered text)`` for each entity of a message's text, for assertions."""
    if "text" in message:
        text, entities = str(message["text"]), list(message.get("entities", []))
    else:
        text, entities = str(message.get("caption", "")), list(message.get("caption_entities", []))
    for entity in entities:
        yield entity["type"], utf16_slice(text, entity["offset"], entity["length"])
