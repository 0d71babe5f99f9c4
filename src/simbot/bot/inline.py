"""Inline mode: an answer's quotes offered as results to send into any chat, each with its
citation; support for a person in distress is a button to the private chat, never a result.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import InlineQueryLimit, InlineQueryResultLimit, ParseMode

from simbot.answer.render import provenance_label, single_quote_html
from simbot.bot.answering import gentle_quotes
from simbot.bot.context import BotContext
from simbot.bot.links import INLINE_START, SUPPORT_START, passage_url
from simbot.bot.replies import INLINE_SUPPORT, MAX_TEXT, clean_question
from simbot.text.crisis import Concern, asked_question, concern_of

if TYPE_CHECKING:
    from simbot.answer.quotes import Quote
    from simbot.index.provenance import Sources

#: Inline answers depend on the query alone, so Telegram may cache them a while.
INLINE_CACHE_SECONDS = 300


async def inline_query(update: Update, context: BotContext) -> None:
    """Offers an answer's quotes, each with its citation, to send into any chat."""
    query = update.inline_query
    if query is None:
        return
    found = context.services
    question = clean_question(query.query)
    button = InlineQueryResultsButton(text="Ask me in a private chat", start_parameter=INLINE_START)
    if not question:
        await query.answer([], button=button, cache_time=INLINE_CACHE_SECONDS)
        return
    edition = found.edition()
    concern = concern_of(question)
    if concern is Concern.PERSONAL:
        # Only what the query asks of the articles, gently ordered; support is the button.
        asked = asked_question(question)
        answer = edition.answer(asked) if asked else None
        quotes = gentle_quotes(edition, answer.quotes) if answer and answer.answered else []
        answered = bool(quotes)
    else:
        answer = edition.answer(question)
        quotes, answered = list(answer.quotes), answer.answered
    results = inline_results(quotes, edition.names, context.bot.username, edition.sources)
    if concern is not Concern.NONE:
        # Never a result that could be posted into a chat by mistake: a button that opens
        # the private chat, where the support message waits.
        button = InlineQueryResultsButton(text=INLINE_SUPPORT, start_parameter=SUPPORT_START)
    elif not answered:
        button = InlineQueryResultsButton(
            text="Not in my sources: ask me in a private chat", start_parameter=INLINE_START
        )
    await query.answer(results, button=button, cache_time=INLINE_CACHE_SECONDS)


def inline_results(
    quotes: Sequence[Quote],
    names: Sequence[str],
    bot_username: str,
    sources: Sources | None = None,
) -> list[InlineQueryResultArticle]:
    """One result per quote, each posting the verbatim quote and its citation.

    Support for a person in distress is never a result (it could be posted into a group by
    mistake): the handler offers it as the results button instead (``INLINE_SUPPORT``).
    """
    results: list[InlineQueryResultArticle] = []
    for quote in quotes:
        url = passage_url(bot_username, names, quote.source, quote.paragraph, quote.last_paragraph)
        keyboard = (
            InlineKeyboardMarkup([[InlineKeyboardButton(f"Open in @{bot_username}", url=url)]])
            if url
            else None
        )
        results.append(
            InlineQueryResultArticle(
                id=_result_id(quote),
                title=_opening_words(quote.text),
                description=provenance_label(quote.citations[0], quote.last_paragraph, sources),
                input_message_content=InputTextMessageContent(
                    single_quote_html(quote, MAX_TEXT, sources), parse_mode=ParseMode.HTML
                ),
                reply_markup=keyboard,
            )
        )
    return results[: InlineQueryLimit.RESULTS]


def _result_id(quote: Quote) -> str:
    key = f"{quote.source}:{quote.paragraph}:{quote.last_paragraph}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[: InlineQueryResultLimit.MAX_ID_LENGTH]


def _opening_words(text: str, size: int = 80) -> str:
    line = clean_question(text)
    if len(line) <= size:
        return line
    return line[:size].rsplit(" ", 1)[0] + "…"
