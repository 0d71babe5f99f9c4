"""The Telegram bot's handlers for commands and messages, and its error handler.

Each handler is small, typed ``(update, context: BotContext)``, and reads what it needs from
``context.services`` (``simbot.bot.context``); ``simbot.bot.application`` wires them into an
``Application``. Questions are answered by ``simbot.bot.answering``, buttons by
``simbot.bot.buttons``, inline queries by ``simbot.bot.inline``; what to say lives in
``simbot.bot.replies``. Commands that only reply wear ``@rate_limited``.

The index can be swapped for a rebuilt one between updates (``check_index``, ``simbot.bot.reload``):
a handler takes the ``Edition`` in use once and answers the whole update from it.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from telegram import BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError, TimedOut
from telegram.ext import Application

from simbot.answer.answerer import Answerer
from simbot.answer.quotes import Quote
from simbot.bot.answering import answer_question, replies_to_bot
from simbot.bot.context import BotContext, services_of
from simbot.bot.keyboards import support_keyboard, welcome_keyboard
from simbot.bot.links import INLINE_START, SUPPORT_START, parse_passage_payload
from simbot.bot.moves import asks_something
from simbot.bot.rate_limit import rate_limited, within_rate_limit
from simbot.bot.replies import (
    ASK_WHAT,
    BAD_LINK,
    GROUP_COMMANDS,
    GROUP_SUPPORT,
    MENTION_WHAT,
    NON_TEXT,
    PRIVATE_COMMANDS,
    SOMETHING_WENT_WRONG,
    UNKNOWN_COMMAND,
    about_html,
    clean_question,
    edited_recently,
    help_html,
    passage_html,
    sources_html,
    support_html,
    welcome_html,
)
from simbot.bot.retry import GaveUp
from simbot.redact import redact

logger = logging.getLogger(__name__)


# -- before every update ------------------------------------------------------------------------


async def check_index(update: object, context: BotContext) -> None:
    """Swaps in a rebuilt index, if there is one, before the update is handled.

    At most one look at the index's manifest every ``index_reload_seconds``; a new index is
    loaded here, on the event loop, so no handler runs while it is half loaded. Updates already
    under way finish with the edition they took.
    """
    context.services.index.check()


# -- start-up -----------------------------------------------------------------------------------


async def set_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Sets the command menus in private chats and in groups, and the bot's descriptions."""
    bot = application.bot
    await bot.set_my_commands(PRIVATE_COMMANDS, scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands(GROUP_COMMANDS, scope=BotCommandScopeAllGroupChats())
    settings = services_of(application).settings
    try:
        # An empty setting leaves what was set in @BotFather alone (an empty one would clear it).
        if settings.bot_description.strip():
            await bot.set_my_description(settings.bot_description.strip())
        if settings.bot_short_description.strip():
            await bot.set_my_short_description(settings.bot_short_description.strip())
    except TelegramError as error:
        # The shop window only: a Bot API server without these methods still gets a working bot.
        logger.warning("could not set the bot's descriptions: %s", redact(str(error), [bot.token]))


# -- commands -----------------------------------------------------------------------------------


@rate_limited
async def start(update: Update, context: BotContext) -> None:
    """Greets with example questions, or opens the passage a deep link points to."""
    message = update.effective_message
    if message is None:
        return
    payload = context.args[0] if context.args else ""
    if payload == SUPPORT_START:
        # From the discreet line in a group, or inline mode's button: the full message, here
        # (typed in a group, it gets the group's discreet line instead).
        if message.chat.type == ChatType.PRIVATE:
            await message.reply_html(support_html(context.services.settings.crisis_message))
        else:
            await message.reply_html(
                GROUP_SUPPORT, reply_markup=support_keyboard(context.bot.username)
            )
        return
    if payload and payload != INLINE_START:
        if await _send_passage(message, payload, context):
            return
        await message.reply_html(BAD_LINK)
    await message.reply_html(welcome_html(), reply_markup=welcome_keyboard())


@rate_limited
async def help_command(update: Update, context: BotContext) -> None:
    """Explains how to ask, in private chats, in groups and inline."""
    message = update.effective_message
    if message is not None:
        await message.reply_html(help_html(context.bot.username))


@rate_limited
async def sources(update: Update, context: BotContext) -> None:
    """Lists the articles: file name, opening words and number of paragraphs."""
    message = update.effective_message
    if message is None:
        return
    for text in sources_html(context.services.answerer):
        await message.reply_html(text)


@rate_limited
async def about(update: Update, context: BotContext) -> None:
    """Says how answers are made, and which index they come from."""
    message = update.effective_message
    if message is not None:
        await message.reply_html(about_html(context.services.answerer))


async def ask(update: Update, context: BotContext) -> None:
    """Answers ``/ask question`` (``/ask@thisbot question`` in groups)."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    # The text after the command, as written (context.args would lose its line breaks).
    parts = message.text.split(maxsplit=1)
    text = _without_mentions(parts[1] if len(parts) > 1 else "", context.bot.username)
    if not clean_question(text):
        if await within_rate_limit(update, context):
            await message.reply_html(ASK_WHAT)
        return
    await answer_question(update, context, message, text)


@rate_limited
async def unknown_command(update: Update, context: BotContext) -> None:
    """Points to /help when a private chat sends a command the bot does not have."""
    message = update.effective_message
    if message is not None:
        await message.reply_html(UNKNOWN_COMMAND)


# -- messages -----------------------------------------------------------------------------------


async def private_text(update: Update, context: BotContext) -> None:
    """Answers a private chat's text: every text there is a question."""
    message = update.effective_message
    if message is not None and message.text is not None:
        text = _without_mentions(message.text, context.bot.username)
        await answer_question(update, context, message, text)


async def group_text(update: Update, context: BotContext) -> None:
    """Answers a group message that mentions the bot or replies to it; ignores all others."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    username = context.bot.username
    mentioned = _mentions(message.text, username)
    if not mentioned and not replies_to_bot(message, context.bot.id):
        return  # Group chatter is not for us: stay silent.
    text = _without_mentions(message.text, username)
    if not mentioned and not asks_something(text):
        # A reply to the bot that asks nothing ("thanks", "lol", "so grim", an emoji) is said
        # to the group, not to us: an answer (or "not in my sources") would only be noise.
        return
    if not clean_question(text):
        if await within_rate_limit(update, context):
            await message.reply_html(MENTION_WHAT)
        return
    await answer_question(update, context, message, text)


@rate_limited
async def not_text(update: Update, context: BotContext) -> None:
    """Says politely, in a private chat, that only text can be read (stickers, photos, voice)."""
    message = update.effective_message
    if message is not None:
        await message.reply_html(NON_TEXT)


async def edited_text(update: Update, context: BotContext) -> None:
    """Answers an edited question again, as if newly asked, when the edit is recent.

    Someone who fixes a typo right after asking expects the fixed question answered; an edit of
    an old message is tidying up, not asking. What counts as asked is as for new messages.
    """
    message = update.edited_message
    if message is None or message.text is None or not edited_recently(message):
        return
    command, _, _ = message.text.partition(" ")
    username = context.bot.username or ""
    if command.lower() in ("/ask", f"/ask@{username.lower()}"):
        await ask(update, context)
    elif command.startswith("/"):
        return  # other commands are not questions: nothing to answer again
    elif message.chat.type == ChatType.PRIVATE:
        await private_text(update, context)
    else:
        await group_text(update, context)


async def ignore(update: Update, context: BotContext) -> None:
    """Leaves edits and channel posts unanswered: only new messages are questions."""
    logger.debug("ignoring update %s", update.update_id)


# -- errors -------------------------------------------------------------------------------------


async def error_handler(update: object, context: BotContext) -> None:
    """Logs the error (never the token) and tells the person something went wrong."""
    error = context.error
    trace = "".join(traceback.format_exception(error)) if error else "no exception"
    # The token can hide in an error's text (a URL, a rejected-token message): take it out.
    token = context.bot.token
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, TimedOut):
        # Telegram may have the reply and show it late: an apology after it would be wrong.
        logger.warning("Update %s: a Bot API call timed out; its reply may still arrive", update_id)
        return
    if not isinstance(error, GaveUp):  # one that gave up has said why in its own line
        logger.error("Update %s failed:\n%s", update_id, redact(trace, [token]))
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(SOMETHING_WENT_WRONG, show_alert=True)
                return
            except TelegramError:
                pass  # already answered before the failure: say it in the chat instead
        if update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, SOMETHING_WENT_WRONG)
    except TelegramError as failure:
        # The apology failed too (the chat may be gone): there is no one left to tell.
        logger.warning("could not tell the user: %s", redact(str(failure), [token]))


# -- helpers ------------------------------------------------------------------------------------


async def _send_passage(message: Message, payload: str, context: BotContext) -> bool:
    """Sends the passage a deep-link payload points to; False if it points nowhere."""
    edition = context.services.edition()
    target = parse_passage_payload(edition.names, payload)
    quote = _passage(edition.answerer, *target) if target else None
    if quote is None:
        return False
    title = next(d.title for d in edition.answerer.documents if d.name == quote.source)
    username = context.bot.username
    for text in passage_html(quote, title, edition.names, username, edition.sources):
        await message.reply_html(text)
    return True


def _passage(answerer: Answerer, source: str, first: int, last: int) -> Quote | None:
    """Paragraphs ``first`` to ``last`` of ``source`` (as an answer quoted them), verbatim."""
    head = answerer.passage(source, first)
    if head is None or last <= head.last_paragraph:
        return head
    # Not a span an answer could have quoted: the first paragraph will do.
    return answerer.passage(source, first, last) or head


def _mention_re(username: str) -> re.Pattern[str]:
    # "@bot", "@bot," or "@bot:" anywhere in the text, in any case, but not "@bot_two".
    return re.compile(rf"(?<![\w@])@{re.escape(username)}(?!\w)[,:]?", re.IGNORECASE)


def _mentions(text: str, username: str) -> bool:
    return bool(_mention_re(username).search(text))


def _without_mentions(text: str, username: str) -> str:
    return _mention_re(username).sub(" ", text)


__all__ = [
    "about",
    "ask",
    "check_index",
    "edited_text",
    "error_handler",
    "group_text",
    "help_command",
    "ignore",
    "not_text",
    "private_text",
    "set_commands",
    "sources",
    "start",
    "unknown_command",
]
