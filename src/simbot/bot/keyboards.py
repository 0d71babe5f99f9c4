"""The bot's buttons: their callback data (``kind:number``, at most 64 bytes) and keyboards."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit, InlineQueryLimit

from simbot.bot.links import support_url
from simbot.bot.replies import EXAMPLE_QUESTIONS, SUPPORT_BUTTON

#: Callback data of the buttons: ``more:<quotes shown>`` and ``ask:<example number>``.
MORE = "more"


ASK_EXAMPLE = "ask"


#: ... and the 👍 / 👎 marks under an answer (shown when the unanswered log is on).
HELPFUL = "good"


UNHELPFUL = "bad"


def welcome_keyboard() -> InlineKeyboardMarkup:
    """The example questions of /start, as buttons."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(question, callback_data=callback_data(ASK_EXAMPLE, n))]
            for n, question in enumerate(EXAMPLE_QUESTIONS)
        ]
    )


def support_keyboard(bot_username: str) -> InlineKeyboardMarkup:
    """One button that opens the support message in a private chat."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(SUPPORT_BUTTON, url=support_url(bot_username))]]
    )


def answer_keyboard(
    question: str, shown: int, found: int, feedback: bool = False
) -> InlineKeyboardMarkup:
    """More (when passages are left) and Share (inline mode with the question filled in);
    with ``feedback``, a row of 👍 / 👎 for people to say whether it helped."""
    row = []
    if shown < found:
        row.append(InlineKeyboardButton("More", callback_data=callback_data(MORE, shown)))
    row.append(share_button(question))
    rows = [row]
    if feedback:
        rows.append(
            [
                InlineKeyboardButton("👍", callback_data=callback_data(HELPFUL, shown)),
                InlineKeyboardButton("👎", callback_data=callback_data(UNHELPFUL, shown)),
            ]
        )
    return InlineKeyboardMarkup(rows)


def share_button(question: str) -> InlineKeyboardButton:
    """Opens inline mode in a chat the person picks, with the question typed in."""
    return InlineKeyboardButton(
        "Share", switch_inline_query=question[: InlineQueryLimit.MAX_QUERY_LENGTH]
    )


def callback_data(kind: str, number: int) -> str:
    """A button's callback data, ``kind:number`` (Telegram allows at most 64 bytes)."""
    data = f"{kind}:{number}"
    if len(data.encode("utf-8")) > InlineKeyboardButtonLimit.MAX_CALLBACK_DATA:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def parse_callback_data(data: str | None) -> tuple[str, int] | None:
    """``(kind, number)`` of our callback data, or None if it is not ours."""
    kind, _, number = (data or "").partition(":")
    return (kind, int(number)) if number.isdecimal() else None
