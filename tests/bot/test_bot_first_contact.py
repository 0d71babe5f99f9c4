"""First contact: the descriptions set at start-up, a question in another language, edits."""

from __future__ import annotations

import pytest
from test_bot_groups import assert_silent
from test_bot_private import QUESTION, assert_shows, expected_quotes

from fakebot import FakeBotApi
from simbot.bot.replies import EXAMPLE_QUESTIONS, QUESTION_MARK, english_only_html
from simbot.settings import DEFAULT_BOT_DESCRIPTION, DEFAULT_BOT_SHORT_DESCRIPTION
from support.harness import RunningBot, run_bot

EDITED = "Who is HIN's director?"


@pytest.mark.slow
async def test_the_descriptions_are_set_at_start_up(bot: RunningBot) -> None:
    assert bot.api.descriptions == {"": DEFAULT_BOT_DESCRIPTION}
    assert bot.api.short_descriptions == {"": DEFAULT_BOT_SHORT_DESCRIPTION}
    assert len(DEFAULT_BOT_DESCRIPTION) <= 512 and len(DEFAULT_BOT_SHORT_DESCRIPTION) <= 120


@pytest.mark.slow
async def test_the_descriptions_are_configurable(api: FakeBotApi) -> None:
    async with run_bot(api, bot_description="Quotes about SIM.", bot_short_description=""):
        assert api.descriptions == {"": "Quotes about SIM."}
        assert api.short_descriptions == {}  # empty: left as set in @BotFather


@pytest.mark.slow
@pytest.mark.slow
async def test_a_bot_api_without_descriptions_still_runs_the_bot(api: FakeBotApi) -> None:
    api.inject_error("setMyDescription", "Bad Request: method is not supported")
    async with run_bot(api) as bot:
        [answer] = await bot.replies(api.private_message_update(QUESTION))
        assert_shows(answer, QUESTION, expected_quotes(QUESTION)[:3])


@pytest.mark.slow
@pytest.mark.slow
async def test_a_question_in_another_language_is_told_the_bot_reads_english(
    bot: RunningBot,
) -> None:
    for question in (
        "¿Quién fundó la campaña StopSIM?",
        "Wer hat die StopSIM-Kampagne gestartet?",
        "Кто начал кампанию StopSIM?",
    ):
        [reply] = await bot.replies(bot.api.private_message_update(question))
        assert reply["text"].startswith(f"{QUESTION_MARK} {question}\n")
        assert "only read English" in reply["text"]
        assert reply["text"].endswith(EXAMPLE_QUESTIONS[1])
        assert english_only_html(question).count("<i>") == 1
    # An English question the articles don't cover still gets the usual honest no.
    [reply] = await bot.replies(bot.api.private_message_update("what is the weather in Paris?"))
    assert "only read English" not in reply["text"]


@pytest.mark.slow
@pytest.mark.slow
async def test_a_recent_edit_of_a_question_is_answered_again(bot: RunningBot) -> None:
    original = bot.api.private_message_update(QUESTION)
    await bot.replies(original)
    edit = bot.api.edited_message_update(original, EDITED)
    [answer] = await bot.replies(edit)
    assert_shows(answer, EDITED, expected_quotes(EDITED)[:3])


@pytest.mark.slow
@pytest.mark.slow
async def test_an_edit_of_an_old_message_is_left_alone(bot: RunningBot) -> None:
    original = bot.api.private_message_update(QUESTION)
    await bot.replies(original)
    edit = bot.api.edited_message_update(original, EDITED)
    edit["edited_message"]["date"] -= 3600  # sent an hour before the edit
    since = bot.api.call_count
    bot.api.queue_update(edit)
    await bot.settle()
    assert bot.sent_to(bot.api.default_user["id"], since) == []


@pytest.mark.slow
@pytest.mark.slow
async def test_in_a_group_an_edit_is_answered_only_when_addressed_to_the_bot(
    bot: RunningBot,
) -> None:
    asked = bot.api.group_message_update(f"/ask {QUESTION}")
    await bot.replies(asked)
    edit = bot.api.edited_message_update(asked, f"/ask {EDITED}")
    [answer] = await bot.replies(edit)
    assert_shows(answer, EDITED, expected_quotes(EDITED)[:3])
    chatter = bot.api.group_message_update("I think SIM was wrong")
    bot.api.queue_update(chatter)
    await assert_silent(bot, bot.api.edited_message_update(chatter, "Who funds SIM?"))
