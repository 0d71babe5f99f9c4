"""A fake Telegram Bot API server for tests, served over real HTTP on 127.0.0.1.

The bot under test runs unchanged: python-telegram-bot is pointed at this server with
``ApplicationBuilder().base_url(api.base_url).base_file_url(api.base_file_url)`` and talks
to it exactly as it would talk to ``https://api.telegram.org``.  Nothing of the library is
patched.

The server answers like Telegram does (``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": ..., "description": ...}``, a wrong token gets 401
``Unauthorized``, an unknown method 404 ``Not Found``) and refuses what Telegram refuses, for
the methods the bot calls: HTML that Telegram's parser rejects (TDLib's rules, with its error
texts and byte offsets), texts that are empty or longer than 4096 characters once parsed,
callback data over 64 bytes, text-only inline buttons, inline answers with more than 50
results or duplicate ids, callback and inline queries answered twice or never sent, unknown
chats, keyboard edits that change nothing, and so on.

Typical use::

    async with FakeBotApi() as api:
        ...  # build the bot with api.base_url; start polling
        api.queue_update(api.private_message_update("hello"))
        call = await api.wait_for("sendMessage")
        assert call.result["text"] == "..."

The parts: ``text`` (HTML parse mode, text as Telegram stores it, entities in users' text),
``chats`` (users, chats, messages and the updates users send), ``calls`` (recorded requests
and faults), ``server`` (HTTP and the methods). Faults: :meth:`FakeBotApi.inject_error` makes
calls fail as Telegram refuses them (a 403, a 429 with ``retry_after``);
:meth:`FakeBotApi.inject_fault` as a network or a server in trouble does (:class:`Fault`: a
5xx, a proxy's 502 HTML page, a connection reset, a redirect, a slow reply).

Not modelled: the Markdown parse modes, files, media, editing texts and deleting messages (the
bot uses none of them), entities Telegram detects in the bot's own texts, exact URL
normalisation of text links (approximated), flood limits (inject them with ``inject_error``),
and pushing updates to a webhook by itself (use :meth:`FakeBotApi.post_update_to_webhook`).
"""

from fakebot.calls import Fault, RecordedCall
from fakebot.errors import BotApiError, EntityParseError, JSONDict
from fakebot.server import (
    CALLBACK_DATA_LIMIT,
    DEFAULT_BOT_USERNAME,
    DEFAULT_TOKEN,
    MESSAGE_TEXT_LIMIT,
    FakeBotApi,
    post_update_to_webhook,
)
from fakebot.text import (
    detect_entities,
    format_text,
    iter_entities,
    parse_html,
    utf16_len,
    utf16_slice,
)

__all__ = [
    "CALLBACK_DATA_LIMIT",
    "DEFAULT_BOT_USERNAME",
    "DEFAULT_TOKEN",
    "MESSAGE_TEXT_LIMIT",
    "BotApiError",
    "EntityParseError",
    "FakeBotApi",
    "Fault",
    "JSONDict",
    "RecordedCall",
    "detect_entities",
    "format_text",
    "iter_entities",
    "parse_html",
    "post_update_to_webhook",
    "utf16_len",
    "utf16_slice",
]
