"""People in distress, over HTTP against the fake Bot API: every reply path of issue 9.

Private chat, group, inline mode, a long message and a topical question; and the passage that
describes an overdose is never the first quote a person in distress is shown.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from test_bot_inline import inline_answer
from test_bot_private import QUESTION, assert_shows, buttons, expected_quotes

from fakebot import FakeBotApi, JSONDict, RecordedCall
from simbot.answer.render import NO_ANSWER
from simbot.bot.links import SUPPORT_START
from simbot.bot.replies import (
    GROUP_SUPPORT,
    INLINE_SUPPORT,
    ONLY_ARTICLES_NOTE,
    QUESTION_MARK,
    WARM_LINE,
)
from support import ROOT
from support.harness import WAIT, RunningBot, run_bot

MARKER = "Not from the articles"
#: Asks the articles something whose only passage describes an overdose (index's "harm").
HARM_QUESTION = "What happened after the police took her home?"


def is_support(message: JSONDict, crisis_message: str) -> bool:
    return crisis_message in message["text"] and MARKER in message["text"]


@pytest.mark.slow
@pytest.mark.slow
async def test_private_distress_gets_support_first_then_the_question_asked(
    bot: RunningBot,
) -> None:
    crisis = bot.settings.crisis_message
    support, answer = await bot.replies(
        bot.api.private_message_update(f"i cant go on anymore. {QUESTION}"), 2
    )
    text = support["text"]
    # A warm sentence first, then the marker, then the maintainers' message.
    assert text.startswith(WARM_LINE)
    assert text.index(WARM_LINE) < text.index(MARKER) < text.index(crisis)
    # The answer answers what was asked of the articles, and shows none of the distress.
    assert_shows(answer, QUESTION, expected_quotes(QUESTION)[:3])
    assert "go on" not in answer["text"]


@pytest.mark.slow
@pytest.mark.slow
async def test_private_distress_without_a_question_gets_support_alone(bot: RunningBot) -> None:
    since = bot.api.call_count
    for text in ("i feel like ending it all", "i just wanna kms", "unalive myself tonight"):
        [support] = await bot.replies(bot.api.private_message_update(text))
        assert is_support(support, bot.settings.crisis_message)
    await bot.settle()
    # Nothing else: no quotes about a network closing, no "not in my sources".
    sent = [c.result["text"] for c in bot.sent_to(bot.api.default_user["id"], since)]
    assert len(sent) == 3
    assert not any(NO_ANSWER in text or text.startswith(QUESTION_MARK) for text in sent)


@pytest.mark.slow
@pytest.mark.slow
async def test_a_long_message_in_distress_gets_support_and_a_gentle_note(bot: RunningBot) -> None:
    story = (
        "I was put on one of these SIM plans years ago and the police came every time I rang "
        "for help, so I stopped ringing. Tonight I am sitting here with all my tablets and I "
        "don't think anyone would even notice if I was gone. "
    ) * 3
    assert len(story) > bot.settings.max_question_length
    since = bot.api.call_count
    support, note = await bot.replies(bot.api.private_message_update(story), 2)
    assert is_support(support, bot.settings.crisis_message)
    assert note["text"] == ONLY_ARTICLES_NOTE
    await bot.settle()
    sent = [c.result["text"] for c in bot.sent_to(bot.api.default_user["id"], since)]
    assert not any("long message" in text for text in sent)
    assert len(sent) == 2


@pytest.mark.slow
@pytest.mark.slow
async def test_the_rate_limit_never_holds_back_the_support_message(api: FakeBotApi) -> None:
    async with run_bot(api, rate_limit_count=1) as bot:
        [answer] = await bot.replies(api.private_message_update(QUESTION))
        assert answer["text"].startswith(QUESTION_MARK)
        # Over the limit: support still comes, and nothing else (not "asking too fast").
        since = api.call_count
        for text in ("i cant do this anymore", f"i want to die. {QUESTION}"):
            [support] = await bot.replies(api.private_message_update(text))
            assert is_support(support, bot.settings.crisis_message)
        await bot.settle()
        assert len(bot.sent_to(api.default_user["id"], since)) == 2


@pytest.mark.slow
@pytest.mark.slow
async def test_a_passage_describing_an_overdose_is_never_shown_first(bot: RunningBot) -> None:
    # Asked plainly, the passage is the answer ...
    [plain] = await bot.replies(bot.api.private_message_update(HARM_QUESTION))
    assert "overdosed" in plain["text"]
    # ... but not to a person in distress: another passage comes first, or none at all.
    since = bot.api.call_count
    [support] = await bot.replies(bot.api.private_message_update(f"I want to die. {HARM_QUESTION}"))
    assert is_support(support, bot.settings.crisis_message)
    await bot.settle()
    sent = [c.result["text"] for c in bot.sent_to(bot.api.default_user["id"], since)]
    answers = [text for text in sent if text.startswith(QUESTION_MARK)]
    if answers:
        first_quote = answers[0].split(QUESTION_MARK, 1)[1].split("— ")[0]
        assert "overdosed" not in first_quote


@pytest.mark.slow
async def test_in_a_group_one_discreet_line_and_a_button_to_a_private_chat(
    bot: RunningBot,
) -> None:
    mention = f"@{bot.api.bot_username}"
    words = "my best mate says shes gonna top herself tonight"
    [line] = await bot.replies(bot.api.group_message_update(f"{mention} {words}"))
    assert line["chat"]["id"] == bot.api.default_group["id"]
    # Neither the person's words nor the full support message are posted at the group.
    assert line["text"] == GROUP_SUPPORT
    assert bot.settings.crisis_message not in line["text"]
    [button] = buttons(line)
    assert button["url"] == f"https://t.me/{bot.api.bot_username}?start={SUPPORT_START}"
    # The button opens a private chat with /start support: the full message waits there.
    [support] = await bot.replies(bot.api.private_message_update(f"/start {SUPPORT_START}"))
    assert is_support(support, bot.settings.crisis_message)
    assert support["chat"]["type"] == "private"


@pytest.mark.slow
@pytest.mark.slow
async def test_in_a_group_a_long_message_in_distress_gets_the_discreet_line_alone(
    bot: RunningBot,
) -> None:
    story = "@" + bot.api.bot_username + " " + "nobody would even notice if i was gone. " * 20
    since = bot.api.call_count
    [line] = await bot.replies(bot.api.group_message_update(story))
    assert line["text"] == GROUP_SUPPORT
    await bot.settle()
    assert len(bot.sent_to(bot.api.default_group["id"], since)) == 1


@pytest.mark.slow
async def test_in_a_group_a_topical_question_gets_its_answer_then_one_line(
    bot: RunningBot,
) -> None:
    question = "what does the NICE guidance on self harm say?"
    update = bot.api.group_message_update(f"/ask {question}")
    answer, pointer = await bot.replies(update, 2)
    assert answer["text"].startswith(f"{QUESTION_MARK} {question}")
    assert pointer["text"].startswith("💛 If this is about you")
    assert bot.settings.crisis_message not in pointer["text"]


@pytest.mark.slow
@pytest.mark.slow
async def test_inline_distress_offers_support_as_the_button_never_as_a_result(
    bot: RunningBot,
) -> None:
    for query in ("I want to kill myself", f"i cant cope anymore. {QUESTION}"):
        answer = await inline_answer(bot, query)
        assert answer["button"] == {"text": INLINE_SUPPORT, "start_parameter": SUPPORT_START}
        posted = json.dumps(answer["results"])
        assert bot.settings.crisis_message not in posted and MARKER not in posted
    # The question asked beside the distress is still answered with its quotes.
    assert len(answer["results"]) == len(expected_quotes(QUESTION))


@pytest.mark.slow
@pytest.mark.slow
async def test_a_topical_question_gets_its_answer_then_one_short_line(bot: RunningBot) -> None:
    question = "What do the articles say about the risk of suicide?"
    answer, pointer = await bot.replies(bot.api.private_message_update(question), 2)
    assert answer["text"].startswith(f"{QUESTION_MARK} {question}")
    assert bot.settings.crisis_message not in answer["text"]
    # One short line, no more, with a link to the support message.
    assert "\n" not in pointer["text"] and len(pointer["text"]) < 80
    links = [e["url"] for e in pointer.get("entities", []) if e["type"] == "text_link"]
    assert links == [f"https://t.me/{bot.api.bot_username}?start={SUPPORT_START}"]
    # In inline mode: its quotes, and the support button above them.
    inline = await inline_answer(bot, question)
    assert inline["results"]
    assert inline["button"]["start_parameter"] == SUPPORT_START


@pytest.mark.slow
async def test_every_distress_message_of_the_sets_is_first_answered_with_support(
    api: FakeBotApi,
) -> None:
    """Done-when of issue 9: never "not in my sources" or "long message" as the first reply."""
    lines = (ROOT / "tests" / "data" / "distress.jsonl").read_text("utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines if line.strip()]
    async with run_bot(api, rate_limit_count=0) as bot:
        since = api.call_count
        # One person each, so that each first reply can be told apart.
        users = [api.make_user(300_000 + n, f"P{n}") for n in range(len(texts))]
        for user, text in zip(users, texts, strict=True):
            api.queue_update(api.private_message_update(text, user=user))
        firsts: dict[int, RecordedCall] = {}
        async with asyncio.timeout(len(texts) * WAIT / 20):
            while len(firsts) < len(texts) or not all(c.done for c in firsts.values()):
                await asyncio.sleep(0.05)
                for call in api.calls("sendMessage"):  # in the order they were made
                    if call.index >= since:
                        firsts.setdefault(call.params["chat_id"], call)
    astray = [
        text
        for user, text in zip(users, texts, strict=True)
        if not is_support(firsts[user["id"]].result, bot.settings.crisis_message)
    ]
    assert astray == []
