"""The people, chats and messages the fake knows, and the updates users send the bot.

A message a test builds (``private_message_update``, ``group_message_update``...) is stored as
Telegram stores it, so that the bot may reply to it and a callback query may press a button of
a message the bot sent, as it stands now.
"""

from __future__ import annotations

import copy
import itertools
import time
from typing import Any

from fakebot.errors import JSONDict, bad_request
from fakebot.text import detect_entities


class Chats:
    """Users, chats and messages (the bot's and users'), and builders of users' updates."""

    def __init__(self, bot_user: JSONDict) -> None:
        self.bot_user = bot_user
        self._chats: dict[int, JSONDict] = {}
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._chat_order: dict[int, list[int]] = {}
        self._next_message_id: dict[int, int] = {}
        self._sent: list[tuple[int, int]] = []
        self._ids = itertools.count(1)
        self.default_user: JSONDict = self.make_user(
            100001, "Alice", username="alice", last_name="Tester"
        )
        self.default_group: JSONDict = self.make_group_chat(-1001000000001, "Simbot Test Group")

    @property
    def bot_id(self) -> int:
        bot_id: int = self.bot_user["id"]
        return bot_id

    @property
    def bot_username(self) -> str:
        username: str = self.bot_user["username"]
        return username

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
            raise bad_request("chat not found")
        try:
            key = int(chat_id)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        if key not in self._chats:
            raise bad_request("chat not found")
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

    # ------------------------------------------------------------------ updates users send

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
        user: JSONDict | None = None,
        chat: JSONDict | None = None,
        reply_to: JSONDict | int | None = None,
    ) -> JSONDict:
        """A photo from a user, in three sizes (the fake serves no files: the bot reads none)."""
        user = user or self.default_user
        sizes: list[JSONDict] = []
        for width, height in ((90, 67), (320, 240), (800, 600)):
            number = next(self._ids)
            sizes.append(
                {
                    "file_id": f"PHOTO{number:08d}",
                    "file_unique_id": f"UP{number:08d}",
                    "width": width,
                    "height": height,
                    "file_size": width * height // 10,
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
