"""The fake Bot API, driven by a real python-telegram-bot Application over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from fakebot import (
    DEFAULT_BOT_USERNAME,
    FakeBotApi,
    iter_entities,
    parse_html,
    utf16_len,
)
from fakebot.server import NOT_MODIFIED, QUERY_TOO_OLD

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

# Every wait in these tests is bounded: a broken bot or fake fails fast instead of hanging.
WAIT = 2.0


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token="123:ABC") as fake:
        yield fake


def build_application(api: FakeBotApi) -> AnyApplication:
    return (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )


@contextlib.asynccontextmanager
async def polling(app: AnyApplication) -> AsyncIterator[AnyApplication]:
    """Runs the application with long polling (1 s polls), stopping it cleanly after."""
    async with asyncio.timeout(WAIT):
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        yield app
    finally:
        async with asyncio.timeout(WAIT):
            await app.updater.stop()
            await app.stop()
            await app.shutdown()


@contextlib.asynccontextmanager
async def bot_for(api: FakeBotApi, token: str | None = None) -> AsyncIterator[Bot]:
    bot = Bot(token or api.token, base_url=api.base_url, base_file_url=api.base_file_url)
    async with bot:
        yield bot


@contextlib.contextmanager
def refused(
    api: FakeBotApi,
    method: str,
    description: str,
    error: type[TelegramError] = BadRequest,
) -> Iterator[None]:
    """Expects PTB to raise ``error`` and Telegram's exact ``description`` on the wire.

    (PTB rewrites the case of Telegram's descriptions, so the recorded answer is checked.)
    """
    with pytest.raises(error):
        yield
    last = api.calls(method)[-1]
    assert last.description is not None
    assert description in last.description, last.description


# ------------------------------------------------------------------------- handlers


async def echo_html(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    text = update.effective_message.text
    await update.effective_message.reply_html(
        f"<b>You said:</b> <i>{html.escape(text)}</i>",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Like", callback_data="like")]]),
    )


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(text=f"Got {query.data}")
    await query.edit_message_reply_markup(
        InlineKeyboardMarkup([[InlineKeyboardButton("Undo", callback_data=f"undo {query.data}")]])
    )


# ------------------------------------------------------------------------- with Application


@pytest.mark.asyncio
async def test_a_private_text_message_gets_an_html_answer(api: FakeBotApi) -> None:
    app = build_application(api)
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo_html))

    async with polling(app):
        update = api.queue_update(api.private_message_update("1 < 2 & 3"))
        call = await api.wait_for("sendMessage", timeout=WAIT)

    assert call.ok, call.description
    sent = call.result
    user_message = update["message"]
    assert sent["chat"]["id"] == api.default_user["id"]
    assert sent["from"]["username"] == DEFAULT_BOT_USERNAME
    assert sent["text"] == "You said: 1 < 2 & 3"
    assert list(iter_entities(sent)) == [("bold", "You said:"), ("italic", "1 < 2 & 3")]
    assert sent["reply_markup"] == {
        "inline_keyboard": [[{"text": "Like", "callback_data": "like"}]]
    }
    assert sent["message_id"] == user_message["message_id"] + 1
    assert api.sent_messages(api.default_user["id"]) == [sent]
    assert [c.method for c in api.calls()][:2] == ["getMe", "deleteWebhook"]


@pytest.mark.slow
@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_callback_query_is_answered_once_and_the_keyboard_edited(
    api: FakeBotApi,
) -> None:
    app = build_application(api)
    app.add_handler(CallbackQueryHandler(on_button))
    async with bot_for(api) as bot:
        chat = api.private_chat()
        await bot.send_message(
            chat["id"],
            "Do you like it?",
            reply_markup=InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton("Yes", callback_data="yes")],
                    [InlineKeyboardButton("No", callback_data="no")],
                ]
            ),
        )
    bot_message = api.last_sent_message(chat["id"])

    async with polling(app):
        update = api.queue_update(api.callback_query_update(bot_message, button_text="No"))
        answer = await api.wait_for("answerCallbackQuery", timeout=WAIT)
        edit = await api.wait_for("editMessageReplyMarkup", timeout=WAIT)

        query_id = update["callback_query"]["id"]
        assert answer.ok and answer.params["callback_query_id"] == query_id
        assert api.callback_answers[query_id]["text"] == "Got no"
        assert edit.ok, edit.description
        edited = api.message(chat["id"], bot_message["message_id"])
        assert edited["text"] == "Do you like it?"
        assert edited["reply_markup"] == {
            "inline_keyboard": [[{"text": "Undo", "callback_data": "undo no"}]]
        }
        assert "edit_date" in edited

        # Telegram refuses a second answer to the same query.
        with refused(api, "answerCallbackQuery", QUERY_TOO_OLD):
            await app.bot.answer_callback_query(query_id)

    # ...and a button that is no longer on the message can't be pressed.
    with pytest.raises(LookupError):
        api.callback_query_update(edited, data="yes")


@pytest.mark.asyncio
async def test_an_inline_query_is_answered(api: FakeBotApi) -> None:
    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.inline_query is not None
        query = update.inline_query.query
        await update.inline_query.answer(
            [
                InlineQueryResultArticle(
                    id=str(n),
                    title=f"{query} #{n}",
                    input_message_content=InputTextMessageContent(
                        f"<b>{html.escape(query)}</b> {n}", parse_mode=ParseMode.HTML
                    ),
                )
                for n in range(3)
            ],
            cache_time=0,
        )

    app = build_application(api)
    app.add_handler(InlineQueryHandler(answer))
    async with polling(app):
        update = api.queue_update(api.inline_query_update("weather"))
        call = await api.wait_for("answerInlineQuery", timeout=WAIT)

    assert call.ok, call.description
    query_id = update["inline_query"]["id"]
    results = api.inline_answers[query_id]["results"]
    assert [r["id"] for r in results] == ["0", "1", "2"]
    assert results[0]["title"] == "weather #0"


@pytest.mark.asyncio
async def test_group_command_mention_and_reply_to_the_bot(api: FakeBotApi) -> None:
    seen: list[str] = []

    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        seen.append("ask:" + " ".join(context.args or []))
        await update.effective_message.reply_text("answer")

    async def mentioned(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        replied_to_bot = (
            message.reply_to_message is not None
            and message.reply_to_message.from_user is not None
            and message.reply_to_message.from_user.id == context.bot.id
        )
        mentions = message.parse_entities(["mention"]).values()
        seen.append(f"mention={f'@{context.bot.username}' in mentions} reply={replied_to_bot}")

    app = build_application(api)
    app.add_handler(CommandHandler("ask", ask))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, mentioned))
    async with polling(app):
        api.queue_update(api.group_message_update(f"/ask@{api.bot_username} why so?"))
        answer = await api.wait_for("sendMessage", timeout=WAIT)
        api.queue_update(api.group_message_update(f"hi @{api.bot_username}!"))
        api.queue_update(api.group_message_update("thanks", reply_to=answer.result))
        async with asyncio.timeout(WAIT):
            while len(seen) < 3:
                await asyncio.sleep(0.01)

    assert seen == ["ask:why so?", "mention=True reply=False", "mention=False reply=True"]
    assert answer.result["chat"]["type"] == "supergroup"
    # In groups PTB's reply_text quotes the command it answers.
    assert answer.result["reply_to_message"]["text"] == f"/ask@{api.bot_username} why so?"


# ------------------------------------------------------------------------- validation


@pytest.mark.slow
@pytest.mark.slow
@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("line<br>break", 'Unsupported start tag "br" at byte offset 4'),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ('<span class="red">x</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("<a href=x/>y</a>", "Unexpected end of name token at byte offset 8"),
    ],
)
async def test_html_telegram_would_refuse_is_refused(
    api: FakeBotApi, text: str, error: str
) -> None:
    async with bot_for(api) as bot:
        chat = api.private_chat()
        with refused(api, "sendMessage", "Bad Request: can't parse entities: " + error):
            await bot.send_message(chat["id"], text, parse_mode=ParseMode.HTML)
    assert api.calls("sendMessage")[-1].status == 400
    assert api.sent_messages() == []


@pytest.mark.asyncio
async def test_html_telegram_accepts_is_parsed_into_entities(api: FakeBotApi) -> None:
    async with bot_for(api) as bot:
        chat = api.private_chat()
        message = await bot.send_message(
            chat["id"],
            '<B>b</B> <a href="https://example.com">link</a> &lt;&amp;&gt;&quot; &#x1F600; '
            "&nbsp;&copy; <tg-spoiler>s</tg-spoiler> <blockquote expandable>q</blockquote>"
            '<pre><code class="language-python">x = 1</code></pre>',
            parse_mode=ParseMode.HTML,
        )
    # Unknown named references stay as written, as on Telegram.
    assert message.text == 'b link <&>" \U0001f600 &nbsp;&copy; s qx = 1'
    stored = api.last_sent_message(chat["id"])
    assert list(iter_entities(stored)) == [
        ("bold", "b"),
        ("text_link", "link"),
        ("spoiler", "s"),
        ("expandable_blockquote", "q"),
        ("pre", "x = 1"),
    ]
    assert stored["entities"][1]["url"] == "https://example.com/"
    assert stored["entities"][4]["language"] == "python"


@pytest.mark.asyncio
async def test_parse_modes_other_than_html_are_not_passed_unchecked(api: FakeBotApi) -> None:
    async with bot_for(api) as bot:
        chat_id = api.private_chat()["id"]
        with refused(api, "sendMessage", "Bad Request: unsupported parse_mode"):
            await bot.send_message(chat_id, "x", parse_mode="Markdown3")
        # Telegram's Markdown modes are not modelled: a test using them fails, never passes.
        with pytest.raises(TelegramError):
            await bot.send_message(chat_id, "*Done*", parse_mode=ParseMode.MARKDOWN_V2)
    assert api.sent_messages() == []


@pytest.mark.asyncio
async def test_privacy_mode_hides_ordinary_group_chatter() -> None:
    async with FakeBotApi(privacy_mode=True) as api, bot_for(api) as bot:
        me = await bot.get_me()
        assert me.can_read_all_group_messages is False
        bot_message = await bot.send_message(api.default_group["id"], "I am here")
        api.queue_update(api.group_message_update("just chatting"))
        api.queue_update(api.group_message_update(f"/ask@{api.bot_username} q"))
        api.queue_update(api.group_message_update("/ask@other_bot q"))
        api.queue_update(api.group_message_update(f"hey @{api.bot_username}"))
        api.queue_update(api.group_message_update("yes", reply_to=bot_message.message_id))
        api.queue_update(api.private_message_update("private chats are never filtered"))
        texts = [u.message.text for u in await bot.get_updates(timeout=0) if u.message]
    assert texts == [
        f"/ask@{api.bot_username} q",
        f"hey @{api.bot_username}",
        "yes",
        "private chats are never filtered",
    ]
    assert [u["message"]["text"] for u in api.dropped_updates] == [
        "just chatting",
        "/ask@other_bot q",
    ]


@pytest.mark.slow
@pytest.mark.slow
@pytest.mark.asyncio
async def test_message_length_is_measured_after_entity_parsing(api: FakeBotApi) -> None:
    async with bot_for(api) as bot:
        chat_id = api.private_chat()["id"]
        with refused(api, "sendMessage", "Bad Request: message is too long"):
            await bot.send_message(chat_id, "x" * 5000)
        with refused(api, "sendMessage", "Bad Request: message is too long"):
            await bot.send_message(chat_id, "<b>" + "x" * 4097 + "</b>", parse_mode="HTML")
        # 4096 visible characters fit, however much markup surrounds them.
        fits = await bot.send_message(
            chat_id, "<b>" + "&amp;" * 4096 + "</b>", parse_mode=ParseMode.HTML
        )
        assert fits.text == "&" * 4096
        with refused(api, "sendMessage", "Bad Request: message text is empty"):
            await bot.send_message(chat_id, "")
        with refused(api, "sendMessage", "Bad Request: text must be non-empty"):
            await bot.send_message(chat_id, "<b> </b>\n", parse_mode=ParseMode.HTML)
        with refused(api, "sendMessage", "Bad Request: chat not found"):
            await bot.send_message(424242, "hello")
        # Trailing whitespace is trimmed as Telegram does.
        trimmed = await bot.send_message(chat_id, "hello \n\n")
        assert trimmed.text == "hello"


@pytest.mark.asyncio
async def test_callback_data_over_64_bytes_is_refused(api: FakeBotApi) -> None:
    async with bot_for(api) as bot:
        chat_id = api.private_chat()["id"]

        def keyboard(data: str) -> InlineKeyboardMarkup:
            return InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data=data)]])

        with refused(api, "sendMessage", "Bad Request: BUTTON_DATA_INVALID"):
            await bot.send_message(chat_id, "pick", reply_markup=keyboard("x" * 65))
        # 64 bytes is the limit, in UTF-8 bytes: 22 three-byte characters are 66.
        with refused(api, "sendMessage", "Bad Request: BUTTON_DATA_INVALID"):
            await bot.send_message(chat_id, "pick", reply_markup=keyboard("\u20ac" * 22))
        ok = await bot.send_message(chat_id, "pick", reply_markup=keyboard("y" * 64))
        assert ok.reply_markup is not None
        with refused(api, "sendMessage", "Text buttons are unallowed in the inline keyboard"):
            await bot.send_message(
                chat_id,
                "pick",
                reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("no action")]]),
            )
        with refused(api, "editMessageReplyMarkup", "Bad Request: BUTTON_DATA_INVALID"):
            await bot.edit_message_reply_markup(
                chat_id, ok.message_id, reply_markup=keyboard("z" * 100)
            )


@pytest.mark.asyncio
async def test_inline_answers_are_checked(api: FakeBotApi) -> None:
    def article(result_id: str) -> InlineQueryResultArticle:
        return InlineQueryResultArticle(
            id=result_id, title="t", input_message_content=InputTextMessageContent("text")
        )

    async with bot_for(api) as bot:
        query_id = api.queue_update(api.inline_query_update("q"))["inline_query"]["id"]
        with refused(api, "answerInlineQuery", "Bad Request: RESULTS_TOO_MUCH"):
            await bot.answer_inline_query(query_id, [article(str(n)) for n in range(51)])
        with refused(api, "answerInlineQuery", "Bad Request: RESULT_ID_DUPLICATE"):
            await bot.answer_inline_query(query_id, [article("a"), article("a")])
        bad_html = InlineQueryResultArticle(
            id="h",
            title="t",
            input_message_content=InputTextMessageContent("<b>x", parse_mode=ParseMode.HTML),
        )
        with refused(api, "answerInlineQuery", "can't parse entities: Can't find end tag"):
            await bot.answer_inline_query(query_id, [bad_html])
        with refused(api, "answerInlineQuery", "Bad Request: START_PARAM_INVALID"):
            await bot.answer_inline_query(
                query_id, [], button=InlineQueryResultsButton("Go", start_parameter="no spaces")
            )
        with refused(api, "answerInlineQuery", "Bad Request: START_PARAM_INVALID"):
            await bot.answer_inline_query(
                query_id, [], button=InlineQueryResultsButton("Go", start_parameter="x" * 65)
            )
        assert await bot.answer_inline_query(
            query_id,
            [article(str(n)) for n in range(50)],
            button=InlineQueryResultsButton("Go", start_parameter="support"),
        )
        assert api.inline_answers[query_id]["button"] == {
            "text": "Go",
            "start_parameter": "support",
        }
        with refused(api, "answerInlineQuery", QUERY_TOO_OLD):
            await bot.answer_inline_query(query_id, [article("late")])
        with refused(api, "answerCallbackQuery", QUERY_TOO_OLD):
            await bot.answer_callback_query("never-sent")


@pytest.mark.asyncio
async def test_keyboard_edits_follow_telegram_rules(api: FakeBotApi) -> None:
    def keyboard(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data=data)]])

    async with bot_for(api) as bot:
        chat_id = api.private_chat()["id"]
        sent = await bot.send_message(chat_id, "pick", reply_markup=keyboard("a"))
        with refused(api, "editMessageReplyMarkup", NOT_MODIFIED):
            await bot.edit_message_reply_markup(
                chat_id, sent.message_id, reply_markup=keyboard("a")
            )
        assert await bot.edit_message_reply_markup(chat_id, sent.message_id)
        assert "reply_markup" not in api.message(chat_id, sent.message_id)  # no keyboard: gone
        with refused(api, "editMessageReplyMarkup", "Bad Request: message to edit not found"):
            await bot.edit_message_reply_markup(chat_id, 9999, reply_markup=keyboard("b"))
        user_message = api.queue_update(api.private_message_update("mine"))["message"]
        with refused(api, "editMessageReplyMarkup", "Bad Request: message can't be edited"):
            await bot.edit_message_reply_markup(
                chat_id, user_message["message_id"], reply_markup=keyboard("b")
            )


# ------------------------------------------------------------------------- getUpdates


@pytest.mark.slow
@pytest.mark.asyncio
async def test_get_updates_long_polls_and_honours_offsets(api: FakeBotApi) -> None:
    async with bot_for(api) as bot:
        first = api.queue_update(api.private_message_update("one"))
        second = api.queue_update(api.private_message_update("two"))
        got = await bot.get_updates(timeout=0)
        assert [u.update_id for u in got] == [first["update_id"], second["update_id"]]
        # Not confirmed yet: the same updates come again.
        assert len(await bot.get_updates(timeout=0, limit=1)) == 1
        # Confirmed by the offset: never again.
        assert await bot.get_updates(offset=second["update_id"] + 1, timeout=0) == ()
        assert api.pending_updates == []

        # A long poll blocks until an update arrives...
        started = time.monotonic()
        poll = asyncio.create_task(bot.get_updates(offset=second["update_id"] + 1, timeout=5))
        await asyncio.sleep(0.2)
        assert not poll.done()
        third = api.queue_update(api.private_message_update("three"))
        async with asyncio.timeout(WAIT):
            delivered = await poll
        assert [u.update_id for u in delivered] == [third["update_id"]]
        assert delivered[0].message is not None and delivered[0].message.text == "three"
        assert time.monotonic() - started < 2

        # ...or until its timeout passes, with nothing.
        started = time.monotonic()
        assert await bot.get_updates(offset=third["update_id"] + 1, timeout=1) == ()
        assert 0.9 <= time.monotonic() - started < 2.5

        # A second poller (another bot instance) ends the first one, as on Telegram.
        older = asyncio.create_task(bot.get_updates(offset=third["update_id"] + 1, timeout=5))
        await asyncio.sleep(0.1)
        async with bot_for(api) as second_instance, asyncio.timeout(WAIT):
            assert await second_instance.get_updates(offset=third["update_id"] + 1) == ()
            with pytest.raises(Conflict):
                await older
        assert api.calls("getUpdates")[-2].description == (
            "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running"
        )


@pytest.mark.slow
@pytest.mark.slow
@pytest.mark.asyncio
async def test_polling_application_sees_each_update_once(api: FakeBotApi) -> None:
    texts: list[str] = []

    async def collect(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text
        texts.append(update.effective_message.text)

    app = build_application(api)
    app.add_handler(MessageHandler(filters.TEXT, collect))
    async with polling(app):
        for n in range(5):
            api.queue_update(api.private_message_update(f"m{n}"))
        async with asyncio.timeout(WAIT):
            while len(texts) < 5:
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
    assert texts == [f"m{n}" for n in range(5)]
    # The updater's last getUpdates confirmed everything.
    assert api.pending_updates == []
    offsets = [c.params.get("offset") for c in api.calls("getUpdates")]
    assert offsets[-1] == max(o for o in offsets if o is not None)


@pytest.mark.slow
@pytest.mark.asyncio
async def test_get_updates_conflicts_with_a_webhook(api: FakeBotApi) -> None:
    async with bot_for(api) as bot:
        assert await bot.set_webhook("https://bot.example.com/hook", secret_token="s3cret")
        info = await bot.get_webhook_info()
        assert info.url == "https://bot.example.com/hook"
        with refused(api, "getUpdates", "webhook is active", Conflict):
            await bot.get_updates(timeout=0)
        with refused(api, "setWebhook", "bad webhook: An HTTPS URL must be provided"):
            await bot.set_webhook("http://bot.example.com/hook")
        assert await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == ()


# ------------------------------------------------------------------------- webhooks


# ------------------------------------------------------------------------- the HTTP surface


@pytest.mark.asyncio
async def test_raw_http_answers_like_telegram(api: FakeBotApi) -> None:
    chat_id = api.private_chat()["id"]
    base = f"{api.base_url}{api.token}"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WAIT)) as http:
        async with http.post(f"{base}/sendMessage", json={"chat_id": chat_id, "text": ""}) as r:
            assert r.status == 400
            assert await r.json() == {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: message text is empty",
            }
        # JSON bodies, form bodies, multipart and query strings are all understood.
        markup = {"inline_keyboard": [[{"text": "a", "callback_data": "1"}]]}
        async with http.post(
            f"{base}/sendMessage",
            json={
                "chat_id": chat_id,
                "text": "<i>json</i>",
                "parse_mode": "HTML",
                "reply_markup": markup,
            },
        ) as r:
            body = await r.json()
            assert body["ok"] is True and body["result"]["reply_markup"] == markup
            assert body["result"]["entities"] == [{"type": "italic", "offset": 0, "length": 4}]
        async with http.post(
            f"{base}/SENDMESSAGE",
            data={"chat_id": str(chat_id), "text": "123", "reply_markup": json.dumps(markup)},
        ) as r:
            body = await r.json()
            assert body["result"]["text"] == "123" and body["result"]["reply_markup"] == markup
        form = aiohttp.FormData()
        form.add_field("chat_id", str(chat_id))
        form.add_field("text", "multipart")
        async with http.post(f"{base}/sendMessage", data=form) as r:
            assert (await r.json())["result"]["text"] == "multipart"
        async with http.get(f"{base}/sendMessage", params={"chat_id": chat_id, "text": "q"}) as r:
            assert (await r.json())["result"]["text"] == "q"
        async with http.get(f"{base}/getMe") as r:
            me = (await r.json())["result"]
            assert me["id"] == 123 and me["is_bot"] is True
            assert me["supports_inline_queries"] is True and me["can_join_groups"] is True
        async with http.post(f"{api.base_url}123:WRONG/getMe") as r:
            assert r.status == 401
            assert await r.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        async with http.post(f"{base}/noSuchMethod") as r:
            assert r.status == 404
            assert (await r.json())["description"] == "Not Found"

    assert api.calls("sendMessage")[2].params["chat_id"] == chat_id  # form strings coerced
    assert [m["message_id"] for m in api.sent_messages(chat_id)] == [1, 2, 3, 4]


@pytest.mark.asyncio
async def test_ptb_sees_an_unknown_token_as_invalid(api: FakeBotApi) -> None:
    with pytest.raises(InvalidToken):
        async with bot_for(api, token="123:WRONG"):
            pass


@pytest.mark.slow
@pytest.mark.slow
@pytest.mark.asyncio
async def test_commands_descriptions_and_injected_errors(api: FakeBotApi) -> None:
    async with bot_for(api) as bot:
        chat_id = api.private_chat()["id"]
        assert await bot.set_my_commands([("ask", "Ask a question"), ("help", "Help")])
        assert [c["command"] for c in api.commands[api.commands_key()]] == ["ask", "help"]
        with refused(api, "setMyCommands", "Bad Request: BOT_COMMAND_INVALID"):
            await bot.set_my_commands([("Bad-Name", "x")])

        assert await bot.set_my_description("What I do.")
        assert await bot.set_my_description("Was ich tue.", language_code="de")
        assert api.descriptions == {"": "What I do.", "de": "Was ich tue."}
        with refused(api, "setMyDescription", "Bad Request: description is too long"):
            await bot.set_my_description("x" * 513)
        assert await bot.set_my_short_description("Short.")
        assert api.short_descriptions == {"": "Short."}
        assert await bot.set_my_short_description("")  # empty removes it
        assert api.short_descriptions == {}
        # A method the fake does not serve is Telegram's unknown method (PTB: InvalidToken).
        with refused(api, "getFile", "Not Found", InvalidToken):
            await bot.get_file("FILE1")

        api.inject_error("sendMessage", "Forbidden: bot was blocked by the user", error_code=403)
        with refused(api, "sendMessage", "Forbidden: bot was blocked by the user", Forbidden):
            await bot.send_message(chat_id, "hello")
        assert (await bot.send_message(chat_id, "hello")).text == "hello"

    since = api.call_count
    with pytest.raises(TimeoutError, match="did not call sendMessage"):
        await api.wait_for("sendMessage", timeout=0.2, since=since)


@pytest.mark.asyncio
async def test_update_builders_are_valid_telegram_updates(api: FakeBotApi) -> None:
    async with bot_for(api) as bot:
        group = api.default_group
        bot_message = await bot.send_message(
            group["id"],
            "choose",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]]),
        )
        raw = [
            api.queue_update(api.private_message_update("/start deep")),
            api.queue_update(api.group_message_update(f"/ask@{api.bot_username} x")),
            api.queue_update(
                api.group_message_update(
                    f"@{api.bot_username} hey", reply_to=bot_message.message_id
                )
            ),
            api.queue_update(api.sticker_message_update(chat=group)),
            api.queue_update(api.photo_message_update(caption="#tag")),
            api.queue_update(api.callback_query_update(bot_message.to_dict(), "a")),
            api.queue_update(api.inline_query_update("q")),
        ]
        raw.append(api.queue_update(api.edited_message_update(raw[0]["message"], "/start changed")))
        updates = [Update.de_json(u, bot) for u in raw]

    start, ask, reply, sticker, photo, callback, inline, edited = updates
    assert start.message is not None and start.message.text == "/start deep"
    assert start.message.parse_entities(["bot_command"]) != {}
    assert ask.message is not None and ask.effective_chat is not None
    assert ask.effective_chat.type == "supergroup"
    assert list(ask.message.parse_entities(["bot_command"]).values()) == [
        f"/ask@{api.bot_username}"
    ]
    assert reply.message is not None and reply.message.reply_to_message is not None
    assert reply.message.reply_to_message.text == "choose"
    assert reply.message.reply_to_message.from_user is not None
    assert reply.message.reply_to_message.from_user.is_bot
    assert list(reply.message.parse_entities(["mention"]).values()) == [f"@{api.bot_username}"]
    assert sticker.message is not None and sticker.message.sticker is not None
    assert photo.message is not None and len(photo.message.photo) == 3
    assert photo.message.caption_entities[0].type == "hashtag"
    assert callback.callback_query is not None and callback.callback_query.data == "a"
    assert callback.callback_query.message is not None
    assert callback.callback_query.message.message_id == bot_message.message_id
    assert inline.inline_query is not None and inline.inline_query.query == "q"
    assert edited.edited_message is not None and edited.edited_message.text == "/start changed"
    assert edited.edited_message.edit_date is not None
    # message ids go up per chat, users' and the bot's alike
    assert ask.message.message_id == bot_message.message_id + 1


def test_parse_html_offsets_are_utf16_and_errors_carry_byte_offsets() -> None:
    text, entities = parse_html("\U0001f600 <b>\u00e9\U0001f600</b>")
    assert text == "\U0001f600 \u00e9\U0001f600"
    assert entities == [{"type": "bold", "offset": 3, "length": 3}]
    assert utf16_len(text) == 6
    with pytest.raises(ValueError, match="at byte offset 13"):
        parse_html("\u043f\u0440\u0438\u0432\u0435\u0442 <br>")
    nested, nested_entities = parse_html("<b>a<i>b</i></b>")
    assert nested == "ab"
    assert nested_entities == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "italic", "offset": 1, "length": 1},
    ]
    assert parse_html("Tom & Jerry &amp &#65;&#x42;")[0] == "Tom & Jerry & AB"
    with pytest.raises(ValueError, match="Invalid custom emoji identifier"):
        parse_html('<tg-emoji emoji-id="x">y</tg-emoji>')
