"""The handlers of our buttons: More, an example question of /start, 👍 / 👎, and stale ones.

What a press needs is read from the message the button is under (its question line, its
citations) and from the button's callback data (``simbot.bot.keyboards``): nothing is kept.
"""

from __future__ import annotations

import contextlib
from typing import NamedTuple

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from simbot.answer.unanswered import HELPFUL as HELPFUL_OUTCOME
from simbot.answer.unanswered import UNHELPFUL as UNHELPFUL_OUTCOME
from simbot.answer.unanswered import open_log
from simbot.bot.answering import keep_entry, reply_all, reply_with_answer
from simbot.bot.context import BotContext
from simbot.bot.keyboards import HELPFUL, answer_keyboard, parse_callback_data, share_button
from simbot.bot.rate_limit import within_rate_limit
from simbot.bot.replies import (
    EXAMPLE_QUESTIONS,
    FEEDBACK_THANKS,
    NO_MORE,
    STALE_BUTTON,
    answer_html,
    cited_passages,
    question_of,
)


class _Press(NamedTuple):
    """A press of one of our buttons: its query, its number and the message it is under."""

    query: CallbackQuery
    number: int
    message: Message


def _press(update: Update) -> _Press | None:
    """The button pressed; None if the update is no press of ours or its message is gone."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return None
    parsed = parse_callback_data(query.data)
    return _Press(query, parsed[1], query.message) if parsed is not None else None


async def more_button(update: Update, context: BotContext) -> None:
    """Shows the passages an answer left out, as a new message under it."""
    press = _press(update)
    question = question_of(press.message.text) if press is not None else None
    if press is None or question is None:
        await unknown_button(update, context)
        return
    if not await within_rate_limit(update, context):
        return
    query, shown, message = press
    found = context.services
    edition = found.edition()
    answer = edition.answer(question)
    rest = answer.quotes[shown : shown + found.settings.answer_quotes]
    await query.answer(None if rest else NO_MORE)
    # The button has done its job: leave only Share on the message it was on.
    try:
        await query.edit_message_reply_markup(InlineKeyboardMarkup([[share_button(question)]]))
    except BadRequest as error:
        if "not modified" not in str(error).lower():  # pressed twice: already done
            raise
    if rest:
        before = answer.quotes[:shown]
        texts = answer_html(
            question, rest, edition.names, context.bot.username, edition.sources, before
        )
        feedback = open_log(found.settings.unanswered_db, found.settings.unanswered_days)
        keyboard = answer_keyboard(
            question, shown + len(rest), len(answer.quotes), feedback is not None
        )
        await reply_all(message, texts, keyboard)


async def feedback_button(update: Update, context: BotContext) -> None:
    """Keeps a 👍 / 👎 on an answer (its question and passages, nothing of who pressed it)."""
    press = _press(update)
    question = question_of(press.message.text) if press is not None else None
    settings = context.services.settings
    log = open_log(settings.unanswered_db, settings.unanswered_days)
    if press is None or question is None or log is None:
        await unknown_button(update, context)
        return
    if not await within_rate_limit(update, context):
        return
    helpful = (press.query.data or "").startswith(HELPFUL)
    passages = cited_passages(press.message.text or "")
    await keep_entry(log, HELPFUL_OUTCOME if helpful else UNHELPFUL_OUTCOME, question, passages)
    await press.query.answer(FEEDBACK_THANKS)
    # Once is enough: leave the answer's other buttons, without the marks.
    markup = press.message.reply_markup
    rows = markup.inline_keyboard[:1] if markup is not None else ()
    with contextlib.suppress(BadRequest):  # pressed twice: already done
        await press.query.edit_message_reply_markup(InlineKeyboardMarkup(rows))


async def example_button(update: Update, context: BotContext) -> None:
    """Asks one of /start's example questions."""
    press = _press(update)
    if press is None or press.number >= len(EXAMPLE_QUESTIONS):
        await unknown_button(update, context)
        return
    if await within_rate_limit(update, context):
        await press.query.answer()
        await reply_with_answer(context, press.message, EXAMPLE_QUESTIONS[press.number])


async def unknown_button(update: Update, context: BotContext) -> None:
    """Answers a press of a button this bot does not know (e.g. an old version's) or cannot use."""
    # Callback queries need to be answered, even when there is nothing to show.
    if update.callback_query is not None:
        await update.callback_query.answer(STALE_BUTTON)
