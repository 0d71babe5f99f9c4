"""The distress recogniser's logic, one check at a time (the sets are in test_distress_sets)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simbot.errors import IndexProblem
from simbot.index.format import MANIFEST
from simbot.index.reader import Index
from simbot.text.crisis import asked_question, gentle_order
from simbot.text.distress import (
    Concern,
    describes_harm,
    normalise,
    parse_patterns,
    read_message,
    typos,
)
from support import INDEX


def concern(text: str) -> Concern:
    return read_message(text).concern


def test_messages_are_folded_as_people_type_them() -> None:
    assert normalise("I’M done. Don't   ask!!") == "im done . dont ask"
    assert normalise("my self-harm, again") == "my self harm , again"
    # One typo from a listed word, and no English word: read as the listed word.
    assert normalise("sucide myslef") == "suicide myself"
    assert normalise("season") == "season"


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("i feel like ending it all", "intent"),
        ("i just wanna kms", "intent"),
        ("unalive myself tonight", "intent"),
        ("ive been saving up my tablets", "plan"),
        ("i took a whole box of paracetamol", "act"),
        ("cut myself again last night", "act"),
        ("i cant cope anymore", "hopeless"),
        ("everyone would be better off without me", "hopeless"),
        ("my friend says she's going to kill herself", "close"),
    ],
)
def test_each_family_is_heard(text: str, family: str) -> None:
    reading = read_message(text)
    assert reading.concern is Concern.PERSONAL
    assert family in reading.families


def test_a_negation_removes_only_what_it_negates() -> None:
    assert concern("i would never kill myself") is Concern.TOPIC
    assert concern("im not suicidal") is Concern.TOPIC
    # The negation is the signal itself, or does not touch it.
    assert concern("i dont want to live anymore") is Concern.PERSONAL
    assert concern("im not sure i can keep myself safe") is Concern.PERSONAL
    assert concern("i cant stop thinking about killing myself") is Concern.PERSONAL


def test_someone_elses_words_are_not_the_writers() -> None:
    assert concern("why do people want to die") is Concern.TOPIC
    assert concern("the woman in the report was suicidal") is Concern.TOPIC
    question = "what should you say if someone tells you they want to kill themselves"
    assert concern(question) is Concern.TOPIC
    # Said of someone close, it is personal again.
    assert concern("my brother keeps saying he wants to die") is Concern.PERSONAL


def test_idioms_are_not_distress() -> None:
    for text in (
        "killing it at work today",
        "this exam is killing me",
        "i could die of cringe",
        "we drove 50 kms",
        "career suicide tbh",
    ):
        assert concern(text) is not Concern.PERSONAL, text


def test_what_follows_cant_cope_decides_it() -> None:
    assert concern("i cant go on like this") is Concern.PERSONAL
    assert concern("i cant cope with life anymore") is Concern.PERSONAL
    assert concern("i cant go on like this with the wifi cutting out") is Concern.NONE
    assert concern("my friend says she cant cope with how slow the NHS is") is Concern.NONE


def test_benign_reasons_and_plain_sentences_are_not_finality() -> None:
    assert concern("my flatmate gave all her stuff away to charity because shes moving") is (
        Concern.NONE
    )
    assert concern("before i go, who was the NHS director mentioned") is Concern.NONE
    assert concern("i have made my decision, i am joining the campaign") is Concern.NONE
    assert concern("my son is writing an essay about self harm") is Concern.TOPIC


def test_topical_questions_are_topics() -> None:
    assert concern("what do the articles say about suicide rates") is Concern.TOPIC
    assert concern("what's the nice guidance on self harm") is Concern.TOPIC
    assert concern("Who started StopSIM?") is Concern.NONE


def test_the_question_asked_leaves_the_distress_out() -> None:
    assert asked_question("I want to die. Who started the StopSIM campaign?") == (
        "Who started the StopSIM campaign?"
    )
    assert asked_question("i feel like ending it all") == ""
    assert asked_question("i cant go on, what is SIM") == ""  # one sentence: not split


def test_a_passage_describing_an_act_is_marked() -> None:
    assert describes_harm("Soon afterwards, she intentionally overdosed and had to be admitted.")
    assert not describes_harm("often those at high risk of suicide and self-harm")


def test_harm_never_comes_first() -> None:
    harm = {"b"}
    assert gentle_order(["b", "a", "c"], lambda q: q in harm) == ["a", "c", "b"]
    assert gentle_order(["b"], lambda q: q in harm) == []


def test_a_bad_pattern_is_named() -> None:
    with pytest.raises(ValueError, match="unknown name"):
        parse_patterns(["[x personal]", "{NOPE} me"])
    with pytest.raises(ValueError, match="distress_patterns"):
        parse_patterns(["[x personal]", "(unclosed"])


def test_the_index_marks_the_passage_describing_an_overdose() -> None:
    index = Index.load(INDEX)
    marked = [index.paragraph_text(pid) for pid in sorted(index.harm)]
    assert marked == [p for p in marked if describes_harm(p)]
    assert any("intentionally overdosed" in p for p in marked)
    assert not any("high risk of suicide and self-harm" in p for p in marked)


def test_an_index_without_the_marks_is_refused(tmp_path: Path) -> None:
    old = tmp_path / "index"
    shutil.copytree(INDEX, old)
    manifest = json.loads((old / MANIFEST).read_text("utf-8"))
    del manifest["files"]["harm"]
    (old / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(IndexProblem, match="simbot index build"):
        Index.load(old)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="abcde", max_size=9),
    st.text(alphabet="abcde", max_size=9),
    st.integers(min_value=0, max_value=3),
)
def test_a_bounded_typo_count_is_exact_up_to_its_bound(a: str, b: str, bound: int) -> None:
    # The index build leans on the bound to skip far words; it must never change a near one.
    exact = typos(a, b)
    bounded = typos(a, b, bound)
    assert bounded == exact if exact <= bound else bounded > bound
