"""The bot in a private chat, driven over HTTP through the fake Bot API."""

from __future__ import annotations

import logging
import urllib.parse

import pytest

from fakebot import FakeBotApi, JSONDict, iter_entities
from simbot.answer.answerer import MAX_QUOTES
from simbot.answer.quotes import Quote
from simbot.answer.render import quote_citations
from simbot.bot.layout import without_repeats
from simbot.bot.links import passage_payload
from simbot.bot.replies import (
    BAD_LINK,
    EXAMPLE_QUESTIONS,
    NO_WORDS,
    NON_TEXT,
    QUESTION_MARK,
    STALE_BUTTON,
    UNKNOWN_COMMAND,
    index_version,
)
from support import shipped_answerer, shipped_sources
from support.harness import RunningBot, run_bot

QUESTION = "Who started the StopSIM campaign?"
NOT_IN_ARTICLES = "What is the weather like in Paris today?"

PRIVATE_SCOPE = FakeBotApi.commands_key({"type": "all_private_chats"})
GROUP_SCOPE = FakeBotApi.commands_key({"type": "all_group_chats"})


def expected_quotes(question: str) -> tuple[Quote, ...]:
    return shipped_answerer().answer(question, MAX_QUOTES).quotes


def buttons(message: JSONDict) -> list[JSONDict]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [button for row in rows for button in row]


def button(message: JSONDict, text: str) -> JSONDict:
    found = [b for b in buttons(message) if b["text"] == text]
    assert found, buttons(message)
    return found[0]


def assert_shows(message: JSONDict, question: str, quotes: tuple[Quote, ...]) -> None:
    """The message answers ``question`` with ``quotes``, laid out for a phone: verbatim, cited,
    no paragraph twice, the first quote open and the others folded, one sentence each in bold."""
    text = message["text"]
    assert text.split("\n", 1)[0] == f"{QUESTION_MARK} {question}"
    shown = without_repeats(quotes)
    entities = list(iter_entities(message))
    quoted = [covered for kind, covered in entities if kind.endswith("blockquote")]
    assert "\n".join(quoted) == "\n".join(quote.text for quote in shown)
    for quote in shown:
        assert f"— {quote_citations(quote, shipped_sources())}" in text
    kinds = [kind for kind, _ in entities if kind.endswith("blockquote")]
    assert "blockquote" in kinds  # the lead's answering paragraph is open (context may fold)
    folded = [c for kind, c in entities if kind == "expandable_blockquote"]
    for quote in shown[1:]:
        assert quote.text in folded  # the others are folded, whole
    bold = [covered for kind, covered in entities if kind == "bold"][1:]  # [0]: question line
    assert len(bold) <= len(shown)
    assert all(any(b in quote.text for quote in shown) for b in bold)


async def test_command_menus_are_set_for_private_chats_and_groups(bot: RunningBot) -> None:
    private = {c["command"] for c in bot.api.commands[PRIVATE_SCOPE]}
    group = {c["command"] for c in bot.api.commands[GROUP_SCOPE]}
    assert {"start", "help", "sources", "about", "ask"} <= private
    assert {"ask", "help", "sources", "about"} <= group


@pytest.mark.slow
async def test_start_welcomes_and_offers_example_questions(bot: RunningBot) -> None:
    [welcome] = await bot.replies(bot.api.private_message_update("/start"))
    assert "Serenity Integrated Mentoring" in welcome["text"]
    assert "word for word" in welcome["text"]
    assert [b["text"] for b in buttons(welcome)] == list(EXAMPLE_QUESTIONS)


@pytest.mark.slow
@pytest.mark.slow
async def test_an_example_button_asks_its_question(bot: RunningBot) -> None:
    [welcome] = await bot.replies(bot.api.private_message_update("/start"))
    data = button(welcome, EXAMPLE_QUESTIONS[0])["callback_data"]
    update = bot.api.callback_query_update(welcome, data)
    [answer] = await bot.replies(update)
    assert bot.api.callback_answers[update["callback_query"]["id"]]
    assert_shows(answer, EXAMPLE_QUESTIONS[0], expected_quotes(EXAMPLE_QUESTIONS[0])[:3])


@pytest.mark.slow
@pytest.mark.slow
async def test_a_button_the_bot_cannot_use_is_answered_as_too_old(bot: RunningBot) -> None:
    [welcome] = await bot.replies(bot.api.private_message_update("/start"))
    start = bot.api.call_count
    # More under a message that answers no question, an example that is not there any more,
    # and a button of some other version of the bot (a real client sends what its button says).
    for data in ("more:3", f"ask:{len(EXAMPLE_QUESTIONS)}", "retired:1"):
        press = bot.api.callback_query_update(welcome, button_text=EXAMPLE_QUESTIONS[0])
        press["callback_query"]["data"] = data
        since = bot.api.call_count
        bot.api.queue_update(press)
        answered = await bot.api.wait_for("answerCallbackQuery", since=since)
        assert answered.params["callback_query_id"] == press["callback_query"]["id"]
        assert answered.ok and answered.params["text"] == STALE_BUTTON
    await bot.settle()
    assert bot.sent_to(welcome["chat"]["id"], start) == []  # nothing asked, nothing edited
    assert bot.api.calls("editMessageReplyMarkup") == []


@pytest.mark.slow
@pytest.mark.slow
async def test_help_sources_and_about(bot: RunningBot) -> None:
    [help_text] = await bot.replies(bot.api.private_message_update("/help"))
    assert "/ask" in help_text["text"] and f"@{bot.api.bot_username}" in help_text["text"]
    [sources] = await bot.replies(bot.api.private_message_update("/sources"))
    for document in shipped_answerer().documents:
        assert document.name in sources["text"]
        assert f"({document.paragraphs} paragraphs)" in sources["text"]
        known = shipped_sources()[document.name]
        assert f"{known.byline} — “{known.headline}”" in sources["text"]
    [about] = await bot.replies(bot.api.private_message_update("/about"))
    assert "word for word" in about["text"]
    assert index_version(shipped_answerer()) in about["text"]


@pytest.mark.slow
@pytest.mark.slow
async def test_a_question_gets_quotes_with_bold_words_citations_and_buttons(
    bot: RunningBot,
) -> None:
    [answer] = await bot.replies(bot.api.private_message_update(QUESTION))
    quotes = expected_quotes(QUESTION)
    assert len(quotes) > 3, "the question should find more than one answer's worth"
    assert_shows(answer, QUESTION, quotes[:3])
    more = button(answer, "More")
    assert more["callback_data"] == "more:3"
    assert len(more["callback_data"].encode()) <= 64
    assert button(answer, "Share")["switch_inline_query"] == QUESTION
    assert "reply_to_message" not in answer  # private chats need no quoting


@pytest.mark.slow
@pytest.mark.slow
async def test_more_shows_the_other_quotes_and_leaves_only_share(bot: RunningBot) -> None:
    [answer] = await bot.replies(bot.api.private_message_update(QUESTION))
    update = bot.api.callback_query_update(answer, "more:3")
    [more] = await bot.replies(update)
    quotes = expected_quotes(QUESTION)
    assert_shows(more, QUESTION, quotes[3:6])
    assert update["callback_query"]["id"] in bot.api.callback_answers
    before = bot.api.message(answer["chat"]["id"], answer["message_id"])
    assert [b["text"] for b in buttons(before)] == ["Share"]
    assert [b["text"] for b in buttons(more)] == (
        ["More", "Share"] if len(quotes) > 6 else ["Share"]
    )


@pytest.mark.slow
async def test_advice_for_the_asker_gets_the_maintainers_signpost(bot: RunningBot) -> None:
    question = "how do i get taken off sim"
    [reply] = await bot.replies(bot.api.private_message_update(question))
    assert reply["text"].startswith(f"❓ {question}")
    assert "Not from the articles" in reply["text"]
    assert bot.settings.advice_message in reply["text"]
    assert "blockquote" not in {kind for kind, _ in iter_entities(reply)}


async def test_no_answer_is_honest_and_points_to_sources(bot: RunningBot) -> None:
    assert not shipped_answerer().answer(NOT_IN_ARTICLES).answered
    [reply] = await bot.replies(bot.api.private_message_update(NOT_IN_ARTICLES))
    assert "couldn't find" in reply["text"] and "/sources" in reply["text"]
    assert "blockquote" not in {kind for kind, _ in iter_entities(reply)}


@pytest.mark.slow
async def test_greetings_and_emoji_only_get_a_hint(bot: RunningBot) -> None:
    for text in ("hello", "😀😀😀", "@" + bot.api.bot_username):
        [reply] = await bot.replies(bot.api.private_message_update(text))
        assert reply["text"].startswith(NO_WORDS.split(" For example")[0])


@pytest.mark.slow
@pytest.mark.slow
async def test_a_bare_why_is_no_question_unless_it_replies_to_an_answer(bot: RunningBot) -> None:
    assert not shipped_answerer().answer("why?").answered
    [alone] = await bot.replies(bot.api.private_message_update("why?"))
    assert alone["text"].startswith(NO_WORDS.split(" For example")[0])
    # Replying to an answer, it is a move from it (tests/bot/test_bot_followups.py).
    [answer] = await bot.replies(bot.api.private_message_update(QUESTION))
    [reply] = await bot.replies(bot.api.private_message_update("why?", reply_to=answer))
    assert reply["text"].startswith(f"{QUESTION_MARK} why?\n")


async def test_a_deep_link_opens_one_passage(bot: RunningBot) -> None:
    answerer = shipped_answerer()
    names = [d.name for d in answerer.documents]
    payload = passage_payload(names, names[1], 2)
    assert payload is not None and len(payload) <= 64
    [passage] = await bot.replies(bot.api.private_message_update(f"/start {payload}"))
    quote = answerer.passage(names[1], 2)
    assert quote is not None
    assert f"{quote.text}\n— {quote_citations(quote, shipped_sources())}" in passage["text"]
    known = shipped_sources()[names[1]]
    assert passage["text"].startswith(f"📄 From {known.publisher}: “{known.headline}”")


@pytest.mark.slow
@pytest.mark.slow
async def test_each_quote_links_to_its_passage(bot: RunningBot) -> None:
    [answer] = await bot.replies(bot.api.private_message_update(QUESTION))
    links = [e["url"] for e in answer["entities"] if e["type"] == "text_link"]
    assert len(links) == 3
    url = urllib.parse.urlsplit(links[0])
    assert (url.netloc, url.path) == ("t.me", f"/{bot.api.bot_username}")
    payload = urllib.parse.parse_qs(url.query)["start"][0]
    [passage] = await bot.replies(bot.api.private_message_update(f"/start {payload}"))
    first = expected_quotes(QUESTION)[0]
    assert first.text.split("\n")[-1] in passage["text"]


@pytest.mark.slow
async def test_a_broken_deep_link_says_so_and_welcomes(bot: RunningBot) -> None:
    bad, welcome = await bot.replies(bot.api.private_message_update("/start p_nothing_9"), 2)
    assert bad["text"] == BAD_LINK
    assert buttons(welcome)


async def test_stickers_photos_and_voice_get_a_polite_reply(bot: RunningBot) -> None:
    sticker = bot.api.sticker_message_update()
    photo = bot.api.photo_message_update(caption="what is this?")
    voice = bot.api.sticker_message_update()
    voice["message"].pop("sticker")
    voice["message"]["voice"] = {
        "file_id": "VOICE1",
        "file_unique_id": "UV1",
        "duration": 3,
        "mime_type": "audio/ogg",
    }
    for update in (sticker, photo, voice):
        [reply] = await bot.replies(update)
        assert reply["text"] == NON_TEXT


@pytest.mark.slow
@pytest.mark.slow
async def test_a_4000_character_question_gets_a_short_polite_reply(bot: RunningBot) -> None:
    long_question = ("Why did the StopSIM Coalition disband? " * 120)[:4000]
    [reply] = await bot.replies(bot.api.private_message_update(long_question))
    assert "short question" in reply["text"] and len(reply["text"]) < 300


@pytest.mark.slow
@pytest.mark.slow
async def test_an_unknown_command_points_to_help(bot: RunningBot) -> None:
    [reply] = await bot.replies(bot.api.private_message_update("/frobnicate now"))
    assert reply["text"] == UNKNOWN_COMMAND


@pytest.mark.slow
@pytest.mark.slow
async def test_the_rate_limit_answers_once_then_stays_quiet(
    api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="simbot")
    async with run_bot(api, rate_limit_count=2) as bot:
        [welcome] = await bot.replies(api.private_message_update("/start"))
        [answer] = await bot.replies(api.private_message_update(QUESTION))
        assert answer["text"].startswith(QUESTION_MARK)
        [limited] = await bot.replies(api.private_message_update(QUESTION))
        assert "faster than I can keep up" in limited["text"]
        since = api.call_count
        api.queue_update(api.private_message_update(QUESTION))
        # Button presses over the limit are answered (Telegram wants that), and nothing more.
        presses = [
            api.callback_query_update(answer, "more:3"),
            api.callback_query_update(
                welcome, button(welcome, EXAMPLE_QUESTIONS[1])["callback_data"]
            ),
        ]
        for press in presses:
            api.queue_update(press)
        await bot.settle()
        assert bot.sent_to(api.default_user["id"], since) == []
        assert all(p["callback_query"]["id"] in api.callback_answers for p in presses)
        # Someone else is not held back.
        other = api.make_user(200002, "Bob")
        [answer] = await bot.replies(api.private_message_update(QUESTION, user=other))
        assert answer["text"].startswith(QUESTION_MARK)
    # Nothing about users is kept: the log says a limit was hit, not by whom.
    assert "rate limit" in caplog.text
    assert str(api.default_user["id"]) not in caplog.text


@pytest.mark.slow
@pytest.mark.slow
async def test_distress_gets_the_support_message_first(api: FakeBotApi) -> None:
    support_text = "Call <Samaritans> & friends: 116 123."
    async with run_bot(api, crisis_message=support_text) as bot:
        question = "I want to die. Who started the StopSIM campaign?"
        support, answer = await bot.replies(api.private_message_update(question), 2)
        assert "Not from the articles" in support["text"]
        assert support_text in support["text"]
        assert answer["text"].startswith(f"{QUESTION_MARK} {QUESTION}")
        assert "Not from the articles" not in answer["text"]
        # Misspelt, and asking nothing of the articles: the support message, and only that.
        [support] = await bot.replies(api.private_message_update("im thinking of sucide"))
        assert support_text in support["text"]
        # An ordinary question gets none.
        [plain] = await bot.replies(api.private_message_update(QUESTION))
        assert support_text not in plain["text"]


@pytest.mark.slow
async def test_the_default_support_message_names_its_lines(bot: RunningBot) -> None:
    [support] = await bot.replies(bot.api.private_message_update("I keep self-harming"))
    text = support["text"]
    assert "Samaritans" in text and "116 123" in text
    # A text line beside the phone lines, for people who cannot or will not call.
    assert "SHOUT" in text and "85258" in text
    assert "111" in text


@pytest.mark.slow
@pytest.mark.slow
async def test_quick_messages_in_one_chat_are_answered_in_order(bot: RunningBot) -> None:
    since = bot.api.call_count
    for text in ("I want to die. " + QUESTION, "/about", "hello", "/help"):
        bot.api.queue_update(bot.api.private_message_update(text))
    texts = [c.result["text"] for c in await bot.sent_since(since, 5)]
    support, answer, about, hint, help_text = texts
    assert "Not from the articles" in support
    assert answer.startswith(f"{QUESTION_MARK} {QUESTION}")
    assert about.startswith("How answers are made")
    assert hint.startswith(NO_WORDS.split(" For example")[0])
    assert help_text.startswith("How to ask")
