"""What the Telegram bot says: its texts and answer messages, in Telegram HTML.

Pure functions from answers to Telegram text, so the handlers stay short (buttons are
``simbot.bot.keyboards``, deep links ``simbot.bot.links``, inline results ``simbot.bot.inline``).
Every text here is Telegram HTML: whatever a question or an article holds is escaped, and every
message fits ``MessageLimit.MAX_TEXT_LENGTH`` (``render.pack_html`` splits between quotes).

Nothing is remembered between messages. What a button or a reply needs is carried by the
message itself: each answer's first line is the question it answers (``❓ question``), so the
More button and follow-up replies read the question back from the message they belong to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from telegram import (
    BotCommand,
    Message,
)
from telegram.constants import (
    MessageLimit,
)

from simbot import __version__
from simbot.answer.quotes import Citation
from simbot.answer.render import (
    EMPTY_QUESTION,
    NO_ANSWER,
    citation_label,
    pack_html,
    quote_html,
    telegram_length,
)
from simbot.bot.examples import examples
from simbot.bot.layout import quote_layout_html, without_repeats
from simbot.bot.links import SUPPORT_START, passage_link_html, passage_url, support_url
from simbot.messages import NOT_FROM_THE_ARTICLES

if TYPE_CHECKING:
    from simbot.answer.answerer import Answerer
    from simbot.answer.quotes import Quote
    from simbot.bot.followups import Shown
    from simbot.index.format import DocumentEntry
    from simbot.index.provenance import Sources

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH

#: The first line of every answer: this mark, a space and the question (read back by replies).
QUESTION_MARK = "❓"
#: Marks the support message, which is ours and not the articles'.
SUPPORT_MARK = "💛"

#: Offered by /start as buttons; each is answered well by the shipped articles (data/examples.txt,
#: held to its expected passages by tests/bot/test_examples.py).
EXAMPLE_QUESTIONS = tuple(example.question for example in examples())

FEEDBACK_THANKS = "Thank you: noted, without your name."
#: A citation's file and paragraphs, as an answer's text shows them: ``001_….txt, ¶23``.
_CITED_RE = re.compile(r"(\S+\.txt), ¶(\d+(?:–\d+)?)")


PRIVATE_COMMANDS = (
    BotCommand("start", "What this bot does, with example questions"),
    BotCommand("ask", "Ask a question (or just send it)"),
    BotCommand("sources", "The articles the answers come from"),
    BotCommand("about", "How answers are made"),
    BotCommand("help", "How to ask, here, in groups and inline"),
)
GROUP_COMMANDS = (
    BotCommand("ask", "Ask a question about SIM or StopSIM"),
    BotCommand("sources", "The articles the answers come from"),
    BotCommand("about", "How answers are made"),
    BotCommand("help", "How to ask"),
)


# -- plain texts --------------------------------------------------------------------------------

#: The example question of the hints, as Telegram HTML.
_EXAMPLE = html.escape(EXAMPLE_QUESTIONS[1], quote=False)

NOT_COVERED = (
    f"{html.escape(NO_ANSWER)}\n\nSee /sources for the articles I quote, or ask in other words."
)
NO_WORDS = f"{html.escape(EMPTY_QUESTION)} For example: <i>{_EXAMPLE}</i>\nSee /help for more."
NON_TEXT = "I can only read text. Please type your question about the SIM scheme or StopSIM."
UNKNOWN_COMMAND = "I don't know that command. See /help for what I can do."
ASK_WHAT = f"Ask me a question after the command, e.g. <code>/ask {_EXAMPLE}</code>"
MENTION_WHAT = "Yes? Ask me a question about the SIM scheme or StopSIM after my name."
SOMETHING_WENT_WRONG = "Sorry, something went wrong on my side. Please try again in a moment."
STALE_BUTTON = "That answer is too old for its buttons: please ask again."
NO_MORE = "That was every passage I found."
BAD_LINK = "That link points to a passage I don't have (the articles may have changed)."


def too_long(limit: int) -> str:
    """The reply to a question longer than ``limit`` characters."""
    return (
        f"That's a long message! Please ask one short question (up to {limit} characters), "
        "e.g. <i>Who started the StopSIM campaign?</i>"
    )


def slow_down(seconds: float) -> str:
    """The reply to someone asking faster than the per-user limit allows."""
    wait = max(1, round(seconds))
    return (
        "You're asking faster than I can keep up. "
        f"Please wait about {wait} second{'s' if wait != 1 else ''} and ask again."
    )


#: Said first to a person in distress, before the maintainers' message.
WARM_LINE = "I'm really sorry things are so hard right now. You don't have to face this alone."
#: After the support message, to someone whose long message signals distress.
ONLY_ARTICLES_NOTE = (
    "I'm only a bot: all I can do is answer questions about a few news articles, so I can't "
    "reply to what you wrote the way a person could. The people above can, and they would "
    "want to hear from you."
)
#: In a group: one short line, nothing of what the person wrote, and ``support_keyboard``.
GROUP_SUPPORT = f"{SUPPORT_MARK} There's a private note for you: tap below to read it."
#: The text of the button that opens the support message in a private chat.
SUPPORT_BUTTON = f"{SUPPORT_MARK} Support, privately"
#: Inline mode's results button when a query signals distress, or is about suicide or self-harm.
INLINE_SUPPORT = f"{SUPPORT_MARK} Support: open a private chat"


def support_html(message: str) -> str:
    """The support message: a warm line, then the maintainers' message, marked as not ours."""
    return (
        f"{html.escape(WARM_LINE)}\n\n"
        f"{SUPPORT_MARK} <b>Not from the articles: a note from the people who run this bot.</b>\n"
        f"{html.escape(message)}"
    )


def support_pointer_html(bot_username: str) -> str:
    """The one short line after an answer to a question about suicide or self-harm."""
    where = (
        f'<a href="{html.escape(support_url(bot_username))}">support, privately</a>'
        if bot_username
        else f"/start {SUPPORT_START}"
    )
    return f"{SUPPORT_MARK} If this is about you or someone close: {where}."


def welcome_html() -> str:
    """The /start greeting."""
    return (
        "Hello! I answer questions about the <b>Serenity Integrated Mentoring (SIM)</b> scheme "
        "and the <b>StopSIM</b> campaign.\n\n"
        "I reply only with passages copied word for word from a few news articles, each with the "
        "file and paragraph it comes from. I don't write answers of my own, give advice, or know "
        "anything beyond those articles.\n\n"
        "Ask in your own words, or try one of these:"
    )


def help_html(bot_username: str) -> str:
    """The /help text."""
    bot = f"@{html.escape(bot_username)}"
    return (
        "<b>How to ask</b>\n"
        "• Here: just send a question, in your own words.\n"
        "• Reply to one of my answers to follow it up: <i>what did they say next?</i>, "
        "<i>who said that?</i>, <i>why?</i>, <i>source?</i> or a new question.\n"
        f"• In a group: mention me (<code>{bot} your question</code>), reply to one of my "
        "messages, or use <code>/ask your question</code>.\n"
        f"• In any chat: type <code>{bot} your question</code> and pick a passage to send.\n\n"
        "<b>Buttons</b>: <i>More</i> shows further passages; <i>Share</i> sends the question "
        "to another chat; each citation's <i>passage link</i> opens that passage here, and a "
        "linked headline opens the article where it was published.\n\n"
        "<b>Commands</b>\n"
        "/sources – the articles I quote\n"
        "/about – how answers are made\n"
        "/help – this message"
    )


def about_html(answerer: Answerer) -> str:
    """The /about text: how answers are made, and the version of the index."""
    documents = answerer.documents
    paragraphs = sum(d.paragraphs for d in documents)
    return (
        "<b>How answers are made</b>\n"
        f"I look your question up in an index of {len(documents)} news articles and reply with "
        "the passages that match it best, copied word for word. The sentence that answers is in "
        "bold (tap a folded passage to read it all), and under each passage is the file and "
        "paragraph it comes from.\n\n"
        "I never generate, summarise or paraphrase: every answer is verbatim text from the "
        "articles. When no passage covers a question, I say so.\n\n"
        f"Index version <code>{html.escape(index_version(answerer))}</code>: "
        f"{len(documents)} articles, {paragraphs} paragraphs. simbot {html.escape(__version__)}."
    )


def sources_html(answerer: Answerer) -> list[str]:
    """The /sources messages: every article's publisher, date and (linked) headline, or its
    opening words when no headline is known, then its file and paragraph count."""
    sources = answerer.index.provenance
    lines = [
        f"<b>{n}.</b> {article_html(d, sources)}\n<code>{html.escape(d.name)}</code> "
        f"({d.paragraphs} paragraph{'s' if d.paragraphs != 1 else ''})"
        for n, d in enumerate(answerer.documents, 1)
    ]
    header = f"<b>The {len(lines)} articles I quote</b>"
    return pack_html(lines, MAX_TEXT, header) if lines else [header]


def article_html(document: DocumentEntry, sources: Sources) -> str:
    """``Publisher, date — “headline”`` (linked to the article when its address is known)."""
    known = sources.get(document.name)
    headline = html.escape(known.headline if known and known.headline else document.title)
    if known and known.url:
        headline = f'<a href="{html.escape(known.url)}">{headline}</a>'
    byline = html.escape(known.byline) if known else ""
    return f"{byline} — “{headline}”" if byline else f"“{headline}”"


def index_version(answerer: Answerer) -> str:
    """A short, stable name for the loaded index: its format and a digest of its contents."""
    manifest = answerer.index.manifest
    digest = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode("utf-8")).hexdigest()
    return f"{manifest.get('format', '?')}-{digest[:12]}"


# -- questions ----------------------------------------------------------------------------------


def clean_question(text: str) -> str:
    """A question on one line, with runs of white space made single spaces."""
    return " ".join(text.split())


def question_header(question: str) -> str:
    """The first line of an answer: what it answers."""
    return f"{QUESTION_MARK} <b>{html.escape(question)}</b>"


def question_of(message_text: str | None) -> str | None:
    """The question an answer of ours answers, read back from its first line."""
    if not message_text:
        return None
    first = message_text.split("\n", 1)[0]
    if not first.startswith(f"{QUESTION_MARK} "):
        return None
    return clean_question(first[len(QUESTION_MARK) :]) or None


def follow_up(previous: str, text: str, max_length: int) -> str:
    """A follow-up read together with the question it follows, kept within ``max_length``."""
    combined = clean_question(f"{previous} {text}")
    if len(combined) > max_length:
        # Keep the latest words: the follow-up, and as much of what it follows as fits.
        combined = combined[-max_length:].split(" ", 1)[-1]
    return combined


# -- answers ------------------------------------------------------------------------------------


def answer_html(
    question: str,
    quotes: Sequence[Quote],
    names: Sequence[str],
    bot_username: str,
    sources: Sources | None = None,
    before: Sequence[Quote] = (),
) -> list[str]:
    """Quotes as messages: the question first, then each quote with its citation and link.

    Laid out for a phone (``simbot.bot.layout``): the first quote leads, its answering sentence
    in bold and its context folded; the others follow folded. No paragraph is shown twice, nor
    one of ``before`` (the quotes an earlier message of the answer showed).
    """
    header = question_header(question)
    blocks: list[str] = []
    for n, quote in enumerate(without_repeats(quotes, before)):
        link = passage_link_html(bot_username, names, quote)
        room = MAX_TEXT - telegram_length(header) - 2 - telegram_length(link)
        block = quote_layout_html(quote, lead=n == 0, sources=sources)
        if telegram_length(block) <= room:
            blocks.append(block + link)
            continue
        pieces = quote_html(quote, room, sources)  # too long for one message: cut at white space
        pieces[-1] += link
        blocks.extend(pieces)
    return pack_html(blocks, MAX_TEXT, header)


def end_of_article_html(question: str, last: int) -> str:
    """The reply to "next" when the quote was the article's end."""
    return f"{question_header(question)}\n\nThat was the end of the article (¶{last} is its last)."


def no_speaker_html(question: str) -> str:
    """The reply to "who said that?" when no sentence near the quote says who said it."""
    return (
        f"{question_header(question)}\n\nThe article doesn't say who said that in the words "
        "around the quote. The link under the quote opens it in full."
    )


def no_reason_html(question: str) -> str:
    """The reply to "why?" when the articles give no reason beyond the passages shown."""
    return (
        f"{question_header(question)}\n\nI found no other passage giving a reason: "
        "the quotes above are all the articles say about it."
    )


def source_html(
    question: str,
    shown: Sequence[Shown],
    titles: Sequence[str],
    names: Sequence[str],
    bot_username: str,
) -> str:
    """The reply to "source?": each quote's article, citation and link."""
    lines = []
    for passage, title in zip(shown, titles, strict=True):
        label = citation_label(Citation(passage.source, passage.first), passage.last)
        url = passage_url(bot_username, names, passage.source, passage.first, passage.last)
        link = f' · <a href="{html.escape(url)}">link</a>' if url else ""
        lines.append(f"📄 “{html.escape(title)}”\n<i>— {html.escape(label)}</i>{link}")
    return pack_html(lines, MAX_TEXT, question_header(question))[0]


#: An edit this soon after its message is a correction of a question, answered again.
EDIT_WINDOW = dt.timedelta(minutes=15)


def edited_recently(message: Message) -> bool:
    """Whether ``message`` was edited within ``EDIT_WINDOW`` of being sent."""
    edited = message.edit_date or dt.datetime.now(dt.UTC)
    return edited - message.date <= EDIT_WINDOW


def english_only_html(question: str) -> str:
    """The reply to a question in another language: the articles, and the bot, are English."""
    return (
        f"{question_header(question)}\n\nSorry, I only read English: the articles I quote are "
        f"in English. Please ask in English, e.g. <i>{_EXAMPLE}</i>"
    )


def advice_html(question: str, advice: str) -> str:
    """The reply to a question asking for advice on the asker's own situation: the signpost."""
    return f"{question_header(question)}\n\nℹ️ <b>{NOT_FROM_THE_ARTICLES}</b>\n{html.escape(advice)}"


def not_covered_html(question: str) -> str:
    """The honest reply when no passage answers ``question``."""
    return f"{question_header(question)}\n\n{NOT_COVERED}"


def cited_passages(message_text: str) -> list[str]:
    """The passages an answer of ours cites (``file ¶N``), read back from its text, once each."""
    found = (f"{m.group(1)} ¶{m.group(2)}" for m in _CITED_RE.finditer(message_text))
    return list(dict.fromkeys(found))


def passage_html(
    quote: Quote,
    title: str,
    names: Sequence[str],
    bot_username: str,
    sources: Sources | None = None,
) -> list[str]:
    """One passage opened by a deep link: where it comes from, then the quote.

    ``title`` (the article's opening words) heads it when ``sources`` knows no headline.
    """
    known = (sources or {}).get(quote.source)
    header = f"📄 From “{html.escape(title)}”"
    if known is not None and (known.headline or known.byline):
        headline = html.escape(known.headline or title)
        if known.url:
            headline = f'<a href="{html.escape(known.url)}">{headline}</a>'
        byline = f"{html.escape(known.byline)}: " if known.byline else ""
        header = f"📄 From {byline}“{headline}”"
    link = passage_link_html(bot_username, names, quote)
    room = MAX_TEXT - telegram_length(header) - 2 - telegram_length(link)
    pieces = quote_html(quote, room, sources)
    pieces[-1] += link
    return pack_html(pieces, MAX_TEXT, header)


# -- deep links ---------------------------------------------------------------------------------


# -- inline mode --------------------------------------------------------------------------------
