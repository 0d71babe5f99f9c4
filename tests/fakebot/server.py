"""The fake Bot API server: Telegram's HTTP answers and rules for the methods the bot calls.

Served: getMe, getUpdates (long polling), setWebhook, deleteWebhook, getWebhookInfo,
setMyCommands, setMyDescription, setMyShortDescription, sendMessage, editMessageReplyMarkup,
answerCallbackQuery and answerInlineQuery. Any other method is a 404 ``Not Found``, as
Telegram answers an unknown one: add it here (with its rules) when the bot starts calling it.

Where the fake follows Telegram rather than a simpler rule:

* Text is parsed (HTML), cleaned and trimmed as Telegram stores it, then measured in Unicode
  code points (at most 4096). Whitespace-only text is ``text must be non-empty``; an empty
  ``text`` parameter is ``message text is empty``.
* Callback data is 1-64 bytes; an inline keyboard has no text-only button. An inline answer has
  at most 50 results with distinct ids of 1-64 bytes, and a callback or inline query is
  answered once, and only if it was sent.
* editMessageReplyMarkup that changes nothing is ``message is not modified``.
* getUpdates: a newer poll ends an older waiting one with 409, and getUpdates while a
  webhook is set is a 409.  Update kinds outside ``allowed_updates`` (default: all but
  chat_member, message_reaction, message_reaction_count) are dropped when polled.
* Group privacy mode is off unless ``FakeBotApi(privacy_mode=True)``.
* answerInlineQuery's ``button`` (InlineQueryResultsButton): ``text`` and exactly one of
  ``web_app`` and ``start_parameter`` (1-64 of ``A-Z a-z 0-9 _ -``, else ``START_PARAM_INVALID``).
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import socket
import struct
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Final

import aiohttp
from aiohttp import web

from fakebot.calls import Fault, RecordedCall, _Injected, _InjectedFault
from fakebot.chats import Chats
from fakebot.errors import BotApiError, JSONDict, bad_request
from fakebot.text import format_text, is_empty_text

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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class FakeBotApi(Chats):
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
        super().__init__(
            {
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
        )
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

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: ``http://127.0.0.1:PORT/bot``."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)`` (the fake serves no files)."""
        return f"http://{self.host}:{self.port}/file/bot"

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

    async def _read_params(self, request: web.Request) -> JSONDict:
        raw: dict[str, Any] = dict(request.query)
        content_type = request.content_type
        if request.method == "POST" and request.can_read_body:
            if content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise bad_request("can't parse JSON encoded request") from None
                if not isinstance(body, dict):
                    raise bad_request("JSON object expected")
                raw.update(body)
            else:  # form-encoded, or multipart (which the bot sends only with files)
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
            "getupdates": self._get_updates,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "setmycommands": self._set_my_commands,
            "setmydescription": self._set_my_description,
            "setmyshortdescription": self._set_my_short_description,
            "sendmessage": self._send_message,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "answercallbackquery": self._answer_callback_query,
            "answerinlinequery": self._answer_inline_query,
        }

    # ------------------------------------------------------------------ methods

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
                raise bad_request("can't parse allowed updates")
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
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if parts.port not in (None, 80, 88, 443, 8443):
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("secret token contains unallowed characters")
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
            raise bad_request("can't parse BotCommandScope JSON object")
        language = params.get("language_code")
        if language and not re.fullmatch(r"[a-z]{2}", str(language)):
            raise bad_request("invalid language code specified")
        return self.commands_key(scope, str(language) if language else None)

    async def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > BOT_COMMANDS_LIMIT:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        cleaned: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")
            name = str(command.get("command", "")).removeprefix("/")
            description = str(command.get("description", "")).strip()
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        key = self._command_key(params)
        if cleaned:
            self.commands[key] = cleaned
        else:
            self.commands.pop(key, None)
        return True

    @staticmethod
    def _description_language(params: JSONDict) -> str:
        language = params.get("language_code")
        if language and not re.fullmatch(r"[a-z]{2}", str(language)):
            raise bad_request("invalid language code specified")
        return str(language or "")

    def _set_text(self, store: dict[str, str], params: JSONDict, name: str, limit: int) -> bool:
        # Bot API: optional, 0-limit characters; empty (or absent) removes it for that language.
        language = self._description_language(params)
        text = str(params.get(name) or "")
        if len(text) > limit:
            raise bad_request(f"{name} is too long")
        if text:
            store[language] = text
        else:
            store.pop(language, None)
        return True

    async def _set_my_description(self, params: JSONDict) -> bool:
        return self._set_text(self.descriptions, params, "description", 512)

    async def _set_my_short_description(self, params: JSONDict) -> bool:
        return self._set_text(self.short_descriptions, params, "short_description", 120)

    def _inline_keyboard(self, params: JSONDict) -> JSONDict | None:
        """The inline keyboard in reply_markup, checked as Telegram does; None if there is none."""
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if not any(k in markup for k in ("keyboard", "remove_keyboard", "force_reply")):
                raise bad_request("can't parse reply keyboard markup JSON object")
            return None  # reply keyboards don't show up in Message objects
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                "can't parse inline keyboard button: "
                'field "inline_keyboard" must be an Array of Arrays'
            )
        kept_rows: list[list[JSONDict]] = []
        for row in rows:
            kept: list[JSONDict] = []
            for button in row:
                if not isinstance(button, dict):
                    raise bad_request(
                        "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
                    )
                if "text" not in button:
                    raise bad_request(
                        "can't parse inline keyboard button: Can't find field \"text\""
                    )
                actions = [key for key in button if key != "text"]
                if not actions:
                    raise bad_request(
                        "can't parse inline keyboard button: Text buttons are unallowed in the "
                        "inline keyboard"
                    )
                data = button.get("callback_data")
                if (
                    data is not None
                    and not 1 <= len(str(data).encode("utf-8")) <= CALLBACK_DATA_LIMIT
                ):
                    raise bad_request("BUTTON_DATA_INVALID")
                url = button.get("url")
                if url is not None and not str(url).strip():
                    raise bad_request("BUTTON_URL_INVALID")
                kept.append(copy.deepcopy(button))
            if kept:
                kept_rows.append(kept)
        return {"inline_keyboard": kept_rows} if kept_rows else None

    def _message_text(self, params: JSONDict) -> tuple[str, list[JSONDict]]:
        raw = params.get("text")
        if raw is None or raw == "":
            raise bad_request("message text is empty")
        if not isinstance(raw, str):
            raw = json.dumps(raw)
        entities = params.get("entities")
        if entities is not None and not isinstance(entities, list):
            raise bad_request("can't parse entities JSON object")
        text, found = format_text(raw, params.get("parse_mode"), entities)
        if is_empty_text(text):
            raise bad_request("text must be non-empty")
        if len(text) > MESSAGE_TEXT_LIMIT:
            raise bad_request("message is too long")
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
            raise bad_request("can't parse reply parameters JSON object")
        target_chat = self._chat_for(reply["chat_id"]) if reply.get("chat_id") is not None else chat
        key = (int(target_chat["id"]), _as_int(reply["message_id"]))
        if key not in self._messages:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        replied = copy.deepcopy(self._messages[key])
        replied.pop("reply_to_message", None)
        return replied

    async def _send_message(self, params: JSONDict) -> JSONDict:
        chat = self._chat_for(params.get("chat_id"))
        text, entities = self._message_text(params)
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
            raise bad_request("message identifier is not specified")
        chat = self._chat_for(params.get("chat_id"))
        key = (int(chat["id"]), _as_int(params["message_id"]))
        if key not in self._messages:
            raise bad_request("message to edit not found")
        message = self._messages[key]
        if message.get("from", {}).get("id") != self.bot_id:
            raise bad_request("message can't be edited")
        return message

    async def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        message = self._editable(params)
        keyboard = self._inline_keyboard(params)
        if message is None:
            return True
        if message.get("reply_markup") == keyboard:
            raise bad_request(NOT_MODIFIED[len("Bad Request: ") :])
        if keyboard is not None:
            message["reply_markup"] = keyboard
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    async def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._pending_callback_queries:
            raise bad_request(QUERY_TOO_OLD[len("Bad Request: ") :])
        self._pending_callback_queries.discard(query_id)
        self.callback_answers[query_id] = copy.deepcopy(params)
        return True

    async def _answer_inline_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("inline_query_id") or "")
        results = params.get("results")
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(results) > INLINE_RESULTS_LIMIT:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict):
                raise bad_request("can't parse InlineQueryResult JSON object")
            if result.get("type") not in _INLINE_RESULT_TYPES:
                raise bad_request("RESULT_TYPE_INVALID")
            result_id = str(result.get("id", ""))
            if not 1 <= len(result_id.encode("utf-8")) <= INLINE_RESULT_ID_LIMIT:
                raise bad_request("RESULT_ID_INVALID")
            if result_id in seen:
                raise bad_request("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            content = result.get("input_message_content")
            if isinstance(content, dict) and "message_text" in content:
                self._message_text(
                    {
                        "text": content["message_text"],
                        "parse_mode": content.get("parse_mode"),
                        "entities": content.get("entities"),
                    }
                )
            if "reply_markup" in result:
                self._inline_keyboard({"reply_markup": result["reply_markup"]})
        if "button" in params:
            _check_results_button(params["button"])
        if query_id not in self._pending_inline_queries:
            raise bad_request(QUERY_TOO_OLD[len("Bad Request: ") :])
        self._pending_inline_queries.discard(query_id)
        self.inline_answers[query_id] = copy.deepcopy(params)
        return True


def _check_results_button(button: Any) -> None:
    """answerInlineQuery's ``button``, an InlineQueryResultsButton as the Bot API documents it.

    ``text`` is required, and exactly one of ``web_app`` and ``start_parameter`` (1-64 of
    A-Z a-z 0-9 _ -: the deep-linking parameter sent to the bot with /start).
    """
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse InlineQueryResultsButton")
    if not button["text"]:
        raise bad_request("BUTTON_TEXT_INVALID")
    if ("web_app" in button) == ("start_parameter" in button):
        raise bad_request("can't parse InlineQueryResultsButton")
    start = button.get("start_parameter")
    if "start_parameter" in button and not (
        isinstance(start, str) and _START_PARAMETER_RE.fullmatch(start)
    ):
        raise bad_request("START_PARAM_INVALID")


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
        raise bad_request("wrong message identifier specified") from None


def _int_param(params: JSONDict, name: str, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"wrong parameter {name} in request") from None


def _update_kind(update: JSONDict) -> str:
    for key in update:
        if key != "update_id":
            return key
    return ""


# --------------------------------------------------------------------------------------
# Webhook delivery
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
