"""Answering a question in a chat: the quotes, "not covered", support first for a person in
distress, and replies to our answers read as follow-ups ("why?", "who said that?", "more").

Shared by the message handlers (``simbot.bot.handlers``), the example buttons and edits. The
rate limit is checked here, not by a decorator: a person in distress always gets the support
message, and only the answer to what they asked waits for the limit.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType

from simbot.answer.answerer import Answer
from simbot.answer.quotes import Quote
from simbot.answer.unanswered import DECLINED, UnansweredLog, open_log
from simbot.bot.context import BotContext, Edition
from simbot.bot.followups import (
    article_end,
    new_quotes,
    next_passage,
    reason_passages,
    shown_passages,
    speaker_sentence,
    title_of,
    why_question,
)
from simbot.bot.keyboards import answer_keyboard, share_button, support_keyboard
from simbot.bot.moves import Move, read_move
from simbot.bot.rate_limit import Verdict, within_rate_limit
from simbot.bot.replies import (
    GROUP_SUPPORT,
    NO_WORDS,
    ONLY_ARTICLES_NOTE,
    advice_html,
    answer_html,
    clean_question,
    end_of_article_html,
    english_only_html,
    follow_up,
    no_reason_html,
    no_speaker_html,
    not_covered_html,
    question_of,
    source_html,
    support_html,
    support_pointer_html,
    too_long,
)
from simbot.text.crisis import Concern, asked_question, concern_of, gentle_order
from simbot.text.language import reads_as_foreign

logger = logging.getLogger(__name__)


async def answer_question(update: Update, context: BotContext, message: Message, text: str) -> None:
    """Replies to ``message`` with the quotes that answer ``text``, or an honest "not covered".

    A reply to one of our answers is read together with the question that answer answered.
    """
    question = clean_question(text)
    concern = concern_of(question)
    if concern is Concern.PERSONAL:
        # Never "you're asking too fast" to a person in distress (many short messages in a row
        # are how some people write in crisis): the support message always goes; only the
        # answer to what they asked of the articles waits for the rate limit.
        user = update.effective_user
        allowed = user is None or context.services.rate_limit.check(user.id) is Verdict.ALLOW
        await _reply_in_distress(context, message, question, answer=allowed)
        return
    if await within_rate_limit(update, context):
        await reply_with_answer(context, message, text, concern)


async def reply_with_answer(
    context: BotContext,
    message: Message,
    text: str,
    concern: Concern | None = None,
) -> None:
    """``concern``: how worrying the text is, when the caller has read it already (reading it
    by meaning runs the sentence model)."""
    found = context.services
    settings = found.settings
    edition = found.edition()
    question = clean_question(text)
    concern = concern_of(question) if concern is None else concern
    if concern is Concern.PERSONAL:
        await _reply_in_distress(context, message, question)
        return
    if len(question) > settings.max_question_length:
        await message.reply_html(too_long(settings.max_question_length))
    else:
        replied = message.reply_to_message if replies_to_bot(message, context.bot.id) else None
        previous = question_of(replied.text) if replied is not None else None
        if replied is not None and previous is not None:
            await _reply_to_follow_up(context, message, question, previous, replied.text)
        else:
            await _reply_with_quotes(context, message, question, edition.answer(question))
    if concern is Concern.TOPIC:
        # About suicide or self-harm, not (as far as the words say) personal: the answer first,
        # then one short line, in case it is personal after all.
        await message.reply_html(support_pointer_html(context.bot.username))


async def _reply_in_distress(
    context: BotContext, message: Message, question: str, *, answer: bool = True
) -> None:
    """Support first; then the answer to what the message asks of the articles, if anything.

    Never "that's a long message" or "not in my sources" to a person in distress, and never a
    passage describing an overdose or self-harm as the first quote.
    """
    settings = context.services.settings
    if message.chat.type == ChatType.PRIVATE:
        await message.reply_html(support_html(settings.crisis_message))
    else:
        # Not someone's distress, nor the full message, posted back at the group: one short
        # line, and a button to the private chat where the support message waits.
        await message.reply_html(GROUP_SUPPORT, reply_markup=support_keyboard(context.bot.username))
    if len(question) > settings.max_question_length:
        if message.chat.type == ChatType.PRIVATE:
            await message.reply_html(ONLY_ARTICLES_NOTE)
        return
    asked = asked_question(question) if answer else ""
    if not asked:
        return
    edition = context.services.edition()
    found = edition.answer(asked)
    quotes = gentle_quotes(edition, found.quotes)
    if found.answered and quotes:
        await _reply_with_quotes(context, message, asked, found, quotes)


def gentle_quotes(edition: Edition, quotes: Sequence[Quote]) -> list[Quote]:
    """``quotes`` for a person in distress: none describing an act of harm comes first."""
    index = edition.answerer.index

    def describes_harm(quote: Quote) -> bool:
        numbers = range(quote.paragraph, quote.last_paragraph + 1)
        return any(index.paragraph_id(quote.source, n) in index.harm for n in numbers)

    return gentle_order(quotes, describes_harm)


async def _reply_with_quotes(
    context: BotContext,
    message: Message,
    question: str,
    answer: Answer,
    quotes: Sequence[Quote] | None = None,
) -> None:
    """The answer's first quotes (``quotes``, if given, in their place), or "not covered"."""
    settings = context.services.settings
    edition = context.services.edition()
    log = open_log(settings.unanswered_db, settings.unanswered_days)
    if not answer.answered:
        if reads_as_foreign(question, context.services.edition().vocabulary):
            await message.reply_html(english_only_html(question))
            return
        no_words = answer.reason in ("empty", "no-words")
        if answer.reason == "advice":
            # News reports cannot advise anyone on their own care: the maintainers' signpost.
            await message.reply_html(advice_html(question, settings.advice_message))
        else:
            await message.reply_html(NO_WORDS if no_words else not_covered_html(question))
        if log is not None and answer.reason == "not-covered":
            # The log itself refuses a message of distress.
            await keep_entry(log, DECLINED, question)
        return
    shown = list(quotes if quotes is not None else answer.quotes)[: settings.answer_quotes]
    texts = answer_html(question, shown, edition.names, context.bot.username, edition.sources)
    keyboard = answer_keyboard(question, len(shown), len(answer.quotes), log is not None)
    await reply_all(message, texts, keyboard)


async def _reply_to_follow_up(
    context: BotContext,
    message: Message,
    text: str,
    previous: str,
    replied_text: str | None,
) -> None:
    """Answers a reply to one of our answers as a move from the passages that answer showed.

    The question line is always the reply's own words, never the thread run together; what
    was shown is read back from the answer's citations (nothing is remembered).
    """
    answerer = context.services.edition().answerer
    shown = shown_passages(replied_text)
    move = read_move(text)
    if shown and move is Move.NEXT:
        following = next_passage(answerer, shown[0])
        if following is None:
            await message.reply_html(end_of_article_html(text, article_end(answerer, shown[0])))
        else:
            await _reply_with_moved_quotes(context, message, text, previous, [following])
    elif shown and move is Move.SPEAKER:
        speaker = speaker_sentence(answerer, shown[0])
        if speaker is None:
            await message.reply_html(no_speaker_html(text))
        else:
            await _reply_with_moved_quotes(context, message, text, previous, [speaker])
    elif shown and move is Move.SOURCE:
        titles = [title_of(answerer, passage.source) for passage in shown]
        names = context.services.edition().names
        await message.reply_html(
            source_html(text, shown, titles, names, context.bot.username),
            reply_markup=InlineKeyboardMarkup([[share_button(previous)]]),
        )
    elif shown and move is Move.WHY:
        # The reason is most often told in the next paragraphs; else, what the articles say
        # when asked why. Never the passages already shown.
        asked = context.services.edition().answer(why_question(previous))
        found = new_quotes([*reason_passages(answerer, shown[0]), *asked.quotes], shown)
        if found:
            await _reply_with_moved_quotes(context, message, text, previous, found)
        else:
            await message.reply_html(no_reason_html(text))
    elif move is Move.REMARK:
        # "thanks", "lol": read alone, never with the old question (which would post the same
        # answer again). Groups never get here: a remark there gets silence.
        await _reply_with_quotes(context, message, text, context.services.edition().answer(text))
    else:
        await _reply_to_new_question(context, message, text, previous)


async def _reply_to_new_question(
    context: BotContext, message: Message, text: str, previous: str
) -> None:
    """A question of its own in reply to an answer: answered alone, or with the old one as context
    when alone it finds nothing ("and the police?")."""
    found = context.services
    edition = found.edition()
    answer = edition.answer(text)
    if answer.answered:
        await _reply_with_quotes(context, message, text, answer)
        return
    combined = edition.answer(follow_up(previous, text, found.settings.max_question_length))
    if combined.answered:
        await _reply_with_moved_quotes(context, message, text, previous, list(combined.quotes))
    else:
        await _reply_with_quotes(context, message, text, answer)


async def _reply_with_moved_quotes(
    context: BotContext,
    message: Message,
    text: str,
    previous: str,
    quotes: Sequence[Quote],
) -> None:
    """A follow-up's quotes under the reply's own words; Share offers the question it followed.

    No More button: its question line is a move ("why?"), which More could not answer alone.
    """
    edition = context.services.edition()
    shown = list(quotes)[: context.services.settings.answer_quotes]
    texts = answer_html(text, shown, edition.names, context.bot.username, edition.sources)
    await reply_all(message, texts, InlineKeyboardMarkup([[share_button(previous)]]))


async def reply_all(message: Message, texts: list[str], keyboard: InlineKeyboardMarkup) -> None:
    """Sends an answer's messages in order, the buttons under the last one.

    In groups each one replies to the asker's message (python-telegram-bot quotes there by
    default); in private chats they simply follow.
    """
    for n, text in enumerate(texts, 1):
        await message.reply_html(text, reply_markup=keyboard if n == len(texts) else None)


async def keep_entry(
    log: UnansweredLog, outcome: str, question: str, passages: Sequence[str] = ()
) -> None:
    """Writes one entry of the unanswered log off the event loop; a failure is only logged."""
    try:
        await asyncio.to_thread(log.record, outcome, question, passages)
    except (OSError, sqlite3.Error) as error:
        # The log is the maintainers' help, never a reason to fail a person's question.
        logger.warning("unanswered log %s: %s", log.path, error)


def replies_to_bot(message: Message, bot_id: int) -> bool:
    """Whether ``message`` replies to one of the bot's own messages."""
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)
