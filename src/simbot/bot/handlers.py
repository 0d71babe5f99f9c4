"""The Telegram bot's handlers: commands, questions, buttons, inline queries and errors.

Each handler is small and reads what it needs from ``context.bot_data`` (see ``BotServices``);
``simbot.bot.application`` wires them into an ``Application``. What to say lives in
``simbot.bot.replies``.

The index can be swapped for a rebuilt one between updates (``check_index``, ``simbot.bot.reload``):
a handler takes the ``Edition`` in use once and answers the whole update from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from telegram import (
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    InlineKeyboardMarkup,
    InlineQueryResultsButton,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError, TimedOut
from telegram.ext import Application, ContextTypes

from simbot.answer.answerer import MAX_QUOTES
from simbot.answer.unanswered import DECLINED, UnansweredLog, open_log
from simbot.answer.unanswered import HELPFUL as HELPFUL_OUTCOME
from simbot.answer.unanswered import UNHELPFUL as UNHELPFUL_OUTCOME
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
from simbot.bot.moves import Move, asks_something, read_move
from simbot.bot.rate_limit import PerUserRateLimit, Verdict
from simbot.bot.replies import (
    ASK_WHAT,
    BAD_LINK,
    EXAMPLE_QUESTIONS,
    FEEDBACK_THANKS,
    GROUP_COMMANDS,
    GROUP_SUPPORT,
    HELPFUL,
    INLINE_START,
    INLINE_SUPPORT,
    MENTION_WHAT,
    NO_MORE,
    NO_WORDS,
    NON_TEXT,
    ONLY_ARTICLES_NOTE,
    PRIVATE_COMMANDS,
    SOMETHING_WENT_WRONG,
    STALE_BUTTON,
    SUPPORT_START,
    UNKNOWN_COMMAND,
    about_html,
    advice_html,
    answer_html,
    answer_keyboard,
    cited_passages,
    clean_question,
    edited_recently,
    end_of_article_html,
    english_only_html,
    follow_up,
    help_html,
    inline_results,
    no_reason_html,
    no_speaker_html,
    not_covered_html,
    parse_callback_data,
    parse_passage_payload,
    passage_html,
    question_of,
    rate_limited,
    share_button,
    source_html,
    sources_html,
    support_html,
    support_keyboard,
    support_pointer_html,
    too_long,
    welcome_html,
    welcome_keyboard,
)
from simbot.bot.retry import GaveUp
from simbot.redact import redact
from simbot.text.crisis import Concern, asked_question, concern_of, gentle_order
from simbot.text.language import reads_as_foreign

if TYPE_CHECKING:
    from simbot.answer.answerer import Answer, Answerer, Quote
    from simbot.bot.reload import IndexWatcher
    from simbot.index.provenance import Sources
    from simbot.settings import Settings

logger = logging.getLogger(__name__)

#: Where the handlers find ``BotServices`` in ``context.bot_data``.
SERVICES = "simbot"

#: Inline answers depend on the query alone, so Telegram may cache them a while.
INLINE_CACHE_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Edition:
    """One loaded index as the handlers use it: its answerer and its articles' file names."""

    answerer: Answerer
    #: The articles' file names, in index order (for passage links).
    names: tuple[str, ...]
    #: The index's words (names, acronyms): English enough for ``reads_as_foreign``.
    vocabulary: frozenset[str] = frozenset()

    @property
    def sources(self) -> Sources:
        """What is known of each article (publisher, date, headline, address), for citations."""
        return self.answerer.index.provenance

    @classmethod
    def of(cls, answerer: Answerer) -> Edition:
        """The edition of ``answerer``'s index."""
        names = tuple(d.name for d in answerer.documents)
        return cls(answerer, names, frozenset(answerer.index.terms))

    def answer(self, question: str) -> Answer:
        """Every quote the engine has for ``question`` (the first few are shown, More the rest)."""
        return self.answerer.answer(question, MAX_QUOTES)


class BotServices:
    """What the handlers work with: the index in use, the settings and the rate limit.

    Nothing here depends on earlier updates but the rate limit (per process, in memory) and
    the index, which changes only when a rebuilt one is swapped in.
    """

    __slots__ = ("_edition", "index", "rate_limit", "settings")

    def __init__(
        self, index: IndexWatcher, settings: Settings, rate_limit: PerUserRateLimit
    ) -> None:
        self.index = index
        self.settings = settings
        self.rate_limit = rate_limit
        self._edition = Edition.of(index.answerer)

    def edition(self) -> Edition:
        """The index in use now: take it once per update, and answer the whole update from it."""
        answerer = self.index.answerer
        if self._edition.answerer is not answerer:
            self._edition = Edition.of(answerer)
        return self._edition

    @property
    def answerer(self) -> Answerer:
        """The answerer in use now."""
        return self.edition().answerer


def services(context: ContextTypes.DEFAULT_TYPE) -> BotServices:
    """The ``BotServices`` the application was built with."""
    return cast(BotServices, context.bot_data[SERVICES])


# -- before every update ------------------------------------------------------------------------


async def check_index(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Swaps in a rebuilt index, if there is one, before the update is handled.

    At most one look at the index's manifest every ``index_reload_seconds``; a new index is
    loaded here, on the event loop, so no handler runs while it is half loaded. Updates already
    under way finish with the edition they took.
    """
    services(context).index.check()


# -- start-up -----------------------------------------------------------------------------------


async def set_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Sets the command menus in private chats and in groups, and the bot's descriptions."""
    bot = application.bot
    await bot.set_my_commands(PRIVATE_COMMANDS, scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands(GROUP_COMMANDS, scope=BotCommandScopeAllGroupChats())
    settings = cast(BotServices, application.bot_data[SERVICES]).settings
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


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greets with example questions, or opens the passage a deep link points to."""
    message = update.effective_message
    if message is None or not await _within_rate_limit(update, context):
        return
    payload = context.args[0] if context.args else ""
    if payload == SUPPORT_START:
        # From the discreet line in a group, or inline mode's button: the full message, here
        # (typed in a group, it gets the group's discreet line instead).
        if message.chat.type == ChatType.PRIVATE:
            await message.reply_html(support_html(services(context).settings.crisis_message))
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


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explains how to ask, in private chats, in groups and inline."""
    message = update.effective_message
    if message is not None and await _within_rate_limit(update, context):
        await message.reply_html(help_html(context.bot.username))


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Lists the articles: file name, opening words and number of paragraphs."""
    message = update.effective_message
    if message is None or not await _within_rate_limit(update, context):
        return
    for text in sources_html(services(context).answerer):
        await message.reply_html(text)


async def about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Says how answers are made, and which index they come from."""
    message = update.effective_message
    if message is not None and await _within_rate_limit(update, context):
        await message.reply_html(about_html(services(context).answerer))


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers ``/ask question`` (``/ask@thisbot question`` in groups)."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    # The text after the command, as written (context.args would lose its line breaks).
    parts = message.text.split(maxsplit=1)
    text = _without_mentions(parts[1] if len(parts) > 1 else "", context.bot.username)
    if not clean_question(text):
        if await _within_rate_limit(update, context):
            await message.reply_html(ASK_WHAT)
        return
    await answer_question(update, context, message, text)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Points to /help when a private chat sends a command the bot does not have."""
    message = update.effective_message
    if message is not None and await _within_rate_limit(update, context):
        await message.reply_html(UNKNOWN_COMMAND)


# -- questions ----------------------------------------------------------------------------------


async def private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a private chat's text: every text there is a question."""
    message = update.effective_message
    if message is not None and message.text is not None:
        text = _without_mentions(message.text, context.bot.username)
        await answer_question(update, context, message, text)


async def group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a group message that mentions the bot or replies to it; ignores all others."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    username = context.bot.username
    mentioned = _mentions(message.text, username)
    if not mentioned and not _replies_to_bot(message, context.bot.id):
        return  # Group chatter is not for us: stay silent.
    text = _without_mentions(message.text, username)
    if not mentioned and not asks_something(text):
        # A reply to the bot that asks nothing ("thanks", "lol", "so grim", an emoji) is said
        # to the group, not to us: an answer (or "not in my sources") would only be noise.
        return
    if not clean_question(text):
        if await _within_rate_limit(update, context):
            await message.reply_html(MENTION_WHAT)
        return
    await answer_question(update, context, message, text)


async def answer_question(
    update: Update, context: ContextTypes.DEFAULT_TYPE, message: Message, text: str
) -> None:
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
        allowed = user is None or services(context).rate_limit.check(user.id) is Verdict.ALLOW
        await _reply_in_distress(context, message, question, answer=allowed)
        return
    if await _within_rate_limit(update, context):
        await _reply_with_answer(context, message, text, concern)


async def _reply_with_answer(
    context: ContextTypes.DEFAULT_TYPE,
    message: Message,
    text: str,
    concern: Concern | None = None,
) -> None:
    """``concern``: how worrying the text is, when the caller has read it already (reading it
    by meaning runs the sentence model)."""
    found = services(context)
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
        replied = message.reply_to_message if _replies_to_bot(message, context.bot.id) else None
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
    context: ContextTypes.DEFAULT_TYPE, message: Message, question: str, *, answer: bool = True
) -> None:
    """Support first; then the answer to what the message asks of the articles, if anything.

    Never "that's a long message" or "not in my sources" to a person in distress, and never a
    passage describing an overdose or self-harm as the first quote.
    """
    settings = services(context).settings
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
    edition = services(context).edition()
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
    context: ContextTypes.DEFAULT_TYPE,
    message: Message,
    question: str,
    answer: Answer,
    quotes: Sequence[Quote] | None = None,
) -> None:
    """The answer's first quotes (``quotes``, if given, in their place), or "not covered"."""
    settings = services(context).settings
    edition = services(context).edition()
    log = open_log(settings.unanswered_db, settings.unanswered_days)
    if not answer.answered:
        if reads_as_foreign(question, services(context).edition().vocabulary):
            await message.reply_html(english_only_html(question))
            return
        no_words = answer.reason in ("empty", "no-words")
        if answer.reason == "advice":
            # News reports cannot advise anyone on their own care: the maintainers' signpost.
            await message.reply_html(advice_html(question, settings.advice_message))
        else:
            await message.reply_html(NO_WORDS if no_words else not_covered_html(question))
        if log is not None and answer.reason == "not-covered":
            await _keep(log, DECLINED, question)  # the log itself refuses a message of distress
        return
    shown = list(quotes if quotes is not None else answer.quotes)[: settings.answer_quotes]
    texts = answer_html(question, shown, edition.names, context.bot.username, edition.sources)
    keyboard = answer_keyboard(question, len(shown), len(answer.quotes), log is not None)
    await _reply_all(message, texts, keyboard)


async def _reply_to_follow_up(
    context: ContextTypes.DEFAULT_TYPE,
    message: Message,
    text: str,
    previous: str,
    replied_text: str | None,
) -> None:
    """Answers a reply to one of our answers as a move from the passages that answer showed.

    The question line is always the reply's own words, never the thread run together; what
    was shown is read back from the answer's citations (nothing is remembered).
    """
    answerer = services(context).edition().answerer
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
        names = services(context).edition().names
        await message.reply_html(
            source_html(text, shown, titles, names, context.bot.username),
            reply_markup=InlineKeyboardMarkup([[share_button(previous)]]),
        )
    elif shown and move is Move.WHY:
        # The reason is most often told in the next paragraphs; else, what the articles say
        # when asked why. Never the passages already shown.
        asked = services(context).edition().answer(why_question(previous))
        found = new_quotes([*reason_passages(answerer, shown[0]), *asked.quotes], shown)
        if found:
            await _reply_with_moved_quotes(context, message, text, previous, found)
        else:
            await message.reply_html(no_reason_html(text))
    elif move is Move.REMARK:
        # "thanks", "lol": read alone, never with the old question (which would post the same
        # answer again). Groups never get here: a remark there gets silence.
        await _reply_with_quotes(context, message, text, services(context).edition().answer(text))
    else:
        await _reply_to_new_question(context, message, text, previous)


async def _reply_to_new_question(
    context: ContextTypes.DEFAULT_TYPE, message: Message, text: str, previous: str
) -> None:
    """A question of its own in reply to an answer: answered alone, or with the old one as context
    when alone it finds nothing ("and the police?")."""
    found = services(context)
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
    context: ContextTypes.DEFAULT_TYPE,
    message: Message,
    text: str,
    previous: str,
    quotes: Sequence[Quote],
) -> None:
    """A follow-up's quotes under the reply's own words; Share offers the question it followed.

    No More button: its question line is a move ("why?"), which More could not answer alone.
    """
    edition = services(context).edition()
    shown = list(quotes)[: services(context).settings.answer_quotes]
    texts = answer_html(text, shown, edition.names, context.bot.username, edition.sources)
    await _reply_all(message, texts, InlineKeyboardMarkup([[share_button(previous)]]))


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Says politely, in a private chat, that only text can be read (stickers, photos, voice)."""
    message = update.effective_message
    if message is not None and await _within_rate_limit(update, context):
        await message.reply_html(NON_TEXT)


async def edited_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
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


async def ignore(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Leaves edits and channel posts unanswered: only new messages are questions."""
    logger.debug("ignoring update %s", update.update_id)


# -- buttons ------------------------------------------------------------------------------------


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


async def more_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows the passages an answer left out, as a new message under it."""
    press = _press(update)
    question = question_of(press.message.text) if press is not None else None
    if press is None or question is None:
        await unknown_button(update, context)
        return
    if not await _within_rate_limit(update, context):
        return
    query, shown, message = press
    found = services(context)
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
        await _reply_all(message, texts, keyboard)


async def feedback_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Keeps a 👍 / 👎 on an answer (its question and passages, nothing of who pressed it)."""
    press = _press(update)
    question = question_of(press.message.text) if press is not None else None
    settings = services(context).settings
    log = open_log(settings.unanswered_db, settings.unanswered_days)
    if press is None or question is None or log is None:
        await unknown_button(update, context)
        return
    if not await _within_rate_limit(update, context):
        return
    helpful = (press.query.data or "").startswith(HELPFUL)
    passages = cited_passages(press.message.text or "")
    await _keep(log, HELPFUL_OUTCOME if helpful else UNHELPFUL_OUTCOME, question, passages)
    await press.query.answer(FEEDBACK_THANKS)
    # Once is enough: leave the answer's other buttons, without the marks.
    markup = press.message.reply_markup
    rows = markup.inline_keyboard[:1] if markup is not None else ()
    with contextlib.suppress(BadRequest):  # pressed twice: already done
        await press.query.edit_message_reply_markup(InlineKeyboardMarkup(rows))


async def _keep(
    log: UnansweredLog, outcome: str, question: str, passages: Sequence[str] = ()
) -> None:
    """Writes one entry of the unanswered log off the event loop; a failure is only logged."""
    try:
        await asyncio.to_thread(log.record, outcome, question, passages)
    except (OSError, sqlite3.Error) as error:
        # The log is the maintainers' help, never a reason to fail a person's question.
        logger.warning("unanswered log %s: %s", log.path, error)


async def example_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Asks one of /start's example questions."""
    press = _press(update)
    if press is None or press.number >= len(EXAMPLE_QUESTIONS):
        await unknown_button(update, context)
        return
    if await _within_rate_limit(update, context):
        await press.query.answer()
        await _reply_with_answer(context, press.message, EXAMPLE_QUESTIONS[press.number])


async def unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a press of a button this bot does not know (e.g. an old version's) or cannot use."""
    # Callback queries need to be answered, even when there is nothing to show.
    if update.callback_query is not None:
        await update.callback_query.answer(STALE_BUTTON)


# -- inline mode --------------------------------------------------------------------------------


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offers an answer's quotes, each with its citation, to send into any chat."""
    query = update.inline_query
    if query is None:
        return
    found = services(context)
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


# -- errors -------------------------------------------------------------------------------------


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
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


async def _within_rate_limit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the sender may be answered now; tells them, once, when they may not."""
    user = update.effective_user
    if user is None:
        return True
    limit = services(context).rate_limit
    verdict = limit.check(user.id)
    if verdict is Verdict.ALLOW:
        return True
    # No user id in the log: nothing about users is kept.
    logger.info("rate limit: a user is over %s per window", limit.limit)
    text = rate_limited(limit.retry_after(user.id))
    if update.callback_query is not None:
        await update.callback_query.answer(text if verdict is Verdict.REFUSE_AND_TELL else None)
    elif verdict is Verdict.REFUSE_AND_TELL and update.effective_message is not None:
        await update.effective_message.reply_html(text)
    return False


async def _send_passage(message: Message, payload: str, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Sends the passage a deep-link payload points to; False if it points nowhere."""
    edition = services(context).edition()
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


async def _reply_all(message: Message, texts: list[str], keyboard: InlineKeyboardMarkup) -> None:
    """Sends an answer's messages in order, the buttons under the last one.

    In groups each one replies to the asker's message (python-telegram-bot quotes there by
    default); in private chats they simply follow.
    """
    for n, text in enumerate(texts, 1):
        await message.reply_html(text, reply_markup=keyboard if n == len(texts) else None)


def _replies_to_bot(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)


def _mention_re(username: str) -> re.Pattern[str]:
    # "@bot", "@bot," or "@bot:" anywhere in the text, in any case, but not "@bot_two".
    return re.compile(rf"(?<![\w@])@{re.escape(username)}(?!\w)[,:]?", re.IGNORECASE)


def _mentions(text: str, username: str) -> bool:
    return bool(_mention_re(username).search(text))


def _without_mentions(text: str, username: str) -> str:
    return _mention_re(username).sub(" ", text)


__all__ = [
    "SERVICES",
    "BotServices",
    "Edition",
    "about",
    "answer_question",
    "ask",
    "check_index",
    "edited_text",
    "error_handler",
    "example_button",
    "feedback_button",
    "group_text",
    "help_command",
    "ignore",
    "inline_query",
    "more_button",
    "not_text",
    "private_text",
    "services",
    "set_commands",
    "sources",
    "start",
    "unknown_button",
    "unknown_command",
]
