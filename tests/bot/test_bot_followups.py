"""Replies to an answer move on from the passages it showed: next, who said it, why, source."""

from __future__ import annotations

import urllib.parse

import pytest
from test_bot_private import assert_shows, buttons, expected_quotes

from fakebot import JSONDict, iter_entities
from simbot.answer.render import quote_citations
from simbot.bot.followups import Shown, shown_passages
from simbot.bot.replies import NO_WORDS, QUESTION_MARK
from support import SEEDS, shipped_answerer, shipped_sources
from support.harness import RunningBot

DISBAND = "did stopsim disband"
ARTICLE = "002_07426c9e770dcb42.txt"


def question_line(message: JSONDict) -> str:
    return str(message["text"].split("\n", 1)[0])


def quoted(message: JSONDict) -> list[str]:
    return [covered for kind, covered in iter_entities(message) if kind.endswith("blockquote")]


async def ask_then_reply(bot: RunningBot, question: str, reply: str) -> tuple[JSONDict, JSONDict]:
    [answer] = await bot.replies(bot.api.private_message_update(question))
    [moved] = await bot.replies(bot.api.private_message_update(reply, reply_to=answer))
    return answer, moved


def test_the_passages_shown_are_read_back_from_the_citations() -> None:
    text = (
        "❓ q\n\nwords\n— 002_07426c9e770dcb42.txt, ¶34–35; 000_x.txt, ¶3 · link\n\n"
        "more words\n— “A title”, 001_d018e93c181936db.txt, ¶23\n— 002_07426c9e770dcb42.txt, ¶34–35"
    )
    assert shown_passages(text) == [
        Shown(ARTICLE, 34, 35),
        Shown("001_d018e93c181936db.txt", 23, 23),
    ]
    assert shown_passages("no citations here") == []


@pytest.mark.slow
@pytest.mark.slow
async def test_next_shows_the_paragraphs_after_the_quote(bot: RunningBot) -> None:
    answer, moved = await ask_then_reply(bot, DISBAND, "and then?")
    assert shown_passages(answer["text"])[0] == Shown(ARTICLE, 1, 1)
    following = shipped_answerer().passage(ARTICLE, 2, 3)
    assert following is not None
    assert question_line(moved) == f"{QUESTION_MARK} and then?"
    assert "\n".join(quoted(moved)) == following.text
    assert f"— {quote_citations(following, shipped_sources())}" in moved["text"]
    # And on from there, in /help's own words.
    [again] = await bot.replies(
        bot.api.private_message_update("what did they say next?", reply_to=moved)
    )
    assert question_line(again) == f"{QUESTION_MARK} what did they say next?"
    assert shown_passages(again["text"]) == [Shown(ARTICLE, 4, 5)]
    assert [b["text"] for b in buttons(again)] == ["Share"]  # a move has no More


@pytest.mark.slow
@pytest.mark.slow
async def test_who_said_that_shows_the_sentence_naming_the_speaker(bot: RunningBot) -> None:
    answer, moved = await ask_then_reply(bot, "what did Jennings say", "who said that?")
    assert question_line(moved) == f"{QUESTION_MARK} who said that?"
    [sentence] = quoted(moved)
    assert sentence.startswith("Jennings said") and sentence in answer["text"]
    assert len(sentence) < len("\n".join(quoted(answer)))
    source = shown_passages(moved["text"])[0].source
    assert sentence in (SEEDS / source).read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.slow
async def test_why_shows_the_reason_not_the_same_quote(bot: RunningBot) -> None:
    answer, moved = await ask_then_reply(bot, DISBAND, "why?")
    assert question_line(moved) == f"{QUESTION_MARK} why?"
    assert shown_passages(moved["text"])[0] == Shown(ARTICLE, 2, 2)
    assert "untenable" in quoted(moved)[0]
    before = {
        (p.source, n) for p in shown_passages(answer["text"]) for n in range(p.first, p.last + 1)
    }
    after = {
        (p.source, n) for p in shown_passages(moved["text"]) for n in range(p.first, p.last + 1)
    }
    assert not before & after


@pytest.mark.slow
@pytest.mark.slow
async def test_source_gives_each_quote_article_and_link(bot: RunningBot) -> None:
    answer, moved = await ask_then_reply(bot, DISBAND, "source?")
    assert question_line(moved) == f"{QUESTION_MARK} source?"
    shown = shown_passages(answer["text"])
    assert shown_passages(moved["text"]) == shown
    titles = {d.name: d.title for d in shipped_answerer().documents}
    for passage in shown:
        assert titles[passage.source] in moved["text"]
    links = [e["url"] for e in moved["entities"] if e["type"] == "text_link"]
    assert len(links) == len(shown)
    assert all(urllib.parse.urlsplit(url).netloc == "t.me" for url in links)


@pytest.mark.slow
@pytest.mark.slow
async def test_a_new_question_is_answered_as_asked(bot: RunningBot) -> None:
    question = "Who started the StopSIM campaign?"
    assert len(expected_quotes(question)) > 3
    _, moved = await ask_then_reply(bot, DISBAND, question)
    assert question_line(moved) == f"{QUESTION_MARK} {question}"
    assert_shows(moved, question, expected_quotes(question)[:3])
    assert "More" in [b["text"] for b in buttons(moved)]  # its own question: More can read it


@pytest.mark.slow
@pytest.mark.slow
async def test_a_question_that_needs_the_old_one_reads_it_as_context(bot: RunningBot) -> None:
    assert not shipped_answerer().answer("and when?").answered
    _, moved = await ask_then_reply(bot, "Who started the StopSIM campaign?", "and when?")
    assert question_line(moved) == f"{QUESTION_MARK} and when?"  # never the two run together
    combined = expected_quotes("Who started the StopSIM campaign? and when?")
    assert_shows(moved, "and when?", combined[:3])


@pytest.mark.slow
@pytest.mark.slow
async def test_thanks_in_a_private_chat_does_not_repost_the_answer(bot: RunningBot) -> None:
    _, moved = await ask_then_reply(bot, DISBAND, "thanks!")
    assert not quoted(moved)
    assert moved["text"].startswith(NO_WORDS.split(" For example")[0])
