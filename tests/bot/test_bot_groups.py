"""The bot in groups: it answers when mentioned, replied to or asked with /ask, else stays quiet."""

from __future__ import annotations

import pytest
from test_bot_private import QUESTION, assert_shows, expected_quotes

from fakebot import FakeBotApi, JSONDict
from simbot.bot.replies import ASK_WHAT, MENTION_WHAT, QUESTION_MARK
from support.harness import RunningBot, run_bot


def replies_to(reply: JSONDict, update: JSONDict) -> bool:
    asked = update["message"]
    return bool(reply.get("reply_to_message", {}).get("message_id") == asked["message_id"])


async def assert_silent(bot: RunningBot, update: JSONDict) -> None:
    since = bot.api.call_count
    bot.api.queue_update(update)
    await bot.settle()
    assert bot.sent_to(bot.api.default_group["id"], since) == []


@pytest.mark.slow
@pytest.mark.slow
async def test_a_mention_is_answered_in_reply_to_the_asker(bot: RunningBot) -> None:
    mention = f"@{bot.api.bot_username}"
    for text, question in (
        (f"{mention} {QUESTION}", QUESTION),
        (f"hey {mention}, {QUESTION}", f"hey {QUESTION}"),
        (f"{QUESTION} {mention.upper()}", QUESTION),
    ):
        update = bot.api.group_message_update(text)
        [answer] = await bot.replies(update)
        assert answer["chat"]["id"] == bot.api.default_group["id"]
        assert replies_to(answer, update)
        assert_shows(answer, question, expected_quotes(question)[:3])


@pytest.mark.slow
@pytest.mark.slow
async def test_ask_and_ask_at_this_bot_are_answered(bot: RunningBot) -> None:
    for command in ("/ask", f"/ask@{bot.api.bot_username}"):
        update = bot.api.group_message_update(f"{command} {QUESTION}")
        [answer] = await bot.replies(update)
        assert replies_to(answer, update)
        assert_shows(answer, QUESTION, expected_quotes(QUESTION)[:3])
    [hint] = await bot.replies(bot.api.group_message_update("/ask"))
    assert hint["text"] == ASK_WHAT.replace("<code>", "").replace("</code>", "")


@pytest.mark.slow
@pytest.mark.slow
async def test_a_reply_to_the_bot_is_answered(bot: RunningBot) -> None:
    [help_message] = await bot.replies(bot.api.group_message_update("/help"))
    update = bot.api.group_message_update(QUESTION, reply_to=help_message)
    [answer] = await bot.replies(update)
    assert replies_to(answer, update)
    assert_shows(answer, QUESTION, expected_quotes(QUESTION)[:3])


@pytest.mark.slow
@pytest.mark.slow
async def test_a_reply_to_an_answer_follows_it_up(bot: RunningBot) -> None:
    [answer] = await bot.replies(bot.api.group_message_update(f"/ask {QUESTION}"))
    update = bot.api.group_message_update("why?", reply_to=answer)
    [follow_up] = await bot.replies(update)
    assert replies_to(follow_up, update)
    assert follow_up["text"].startswith(f"{QUESTION_MARK} why?\n")  # the reply's own words


@pytest.mark.slow
@pytest.mark.slow
async def test_a_bare_mention_gets_a_hint(bot: RunningBot) -> None:
    [hint] = await bot.replies(bot.api.group_message_update(f"@{bot.api.bot_username}"))
    assert hint["text"] == MENTION_WHAT


@pytest.mark.slow
@pytest.mark.slow
async def test_everything_else_in_a_group_gets_silence(bot: RunningBot) -> None:
    api = bot.api
    someone = api.make_user(300003, "Carol")
    theirs = api.group_message_update("I think SIM was wrong", user=someone)
    api.queue_update(theirs)
    for update in (
        api.group_message_update(QUESTION),
        api.group_message_update(f"/ask@some_other_bot {QUESTION}"),
        api.group_message_update("@some_other_bot who started StopSIM?"),
        api.group_message_update("/frobnicate"),
        api.group_message_update("agreed", reply_to=theirs["message"]),
        api.sticker_message_update(chat=api.default_group),
        api.photo_message_update(chat=api.default_group, caption="look"),
    ):
        await assert_silent(bot, update)


@pytest.mark.slow
async def test_group_chatter_does_not_count_against_the_rate_limit(api: FakeBotApi) -> None:
    async with run_bot(api, rate_limit_count=1) as bot:
        for n in range(3):
            await assert_silent(bot, api.group_message_update(f"chatting {n}"))
        [answer] = await bot.replies(api.group_message_update(f"/ask {QUESTION}"))
        assert answer["text"].startswith(QUESTION_MARK)


async def test_with_privacy_mode_on_the_bot_still_sees_what_is_for_it() -> None:
    async with FakeBotApi(privacy_mode=True) as api, run_bot(api) as bot:
        update = api.group_message_update(f"@{api.bot_username} {QUESTION}")
        [answer] = await bot.replies(update)
        assert replies_to(answer, update)
        api.queue_update(api.group_message_update("just chatting"))
        assert api.dropped_updates


@pytest.mark.slow
@pytest.mark.slow
async def test_a_reply_to_the_bot_that_asks_nothing_gets_silence(bot: RunningBot) -> None:
    [answer] = await bot.replies(bot.api.group_message_update(f"/ask {QUESTION}"))
    for remark in ("thanks bot", "thank you!", "lol this is so grim", "haha", "😂👍", "great"):
        await assert_silent(bot, bot.api.group_message_update(remark, reply_to=answer))


@pytest.mark.slow
@pytest.mark.slow
async def test_a_reply_to_the_bot_that_asks_something_is_answered(bot: RunningBot) -> None:
    [answer] = await bot.replies(bot.api.group_message_update(f"/ask {QUESTION}"))
    for text in ("who funds SIM?", "lol who runs it", "source?", "why?"):
        update = bot.api.group_message_update(text, reply_to=answer)
        [reply] = await bot.replies(update)
        assert replies_to(reply, update)


@pytest.mark.slow
@pytest.mark.slow
async def test_a_mention_is_answered_even_when_it_asks_nothing(bot: RunningBot) -> None:
    [answer] = await bot.replies(bot.api.group_message_update(f"/ask {QUESTION}"))
    update = bot.api.group_message_update(f"thanks @{bot.api.bot_username}", reply_to=answer)
    [reply] = await bot.replies(update)
    assert replies_to(reply, update)
