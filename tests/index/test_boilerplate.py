"""Boilerplate: the paragraph ending most articles is found at build time and is not an answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from simbot.answer.answerer import Answerer
from simbot.index import boilerplate
from simbot.index.build import build_and_save
from simbot.index.corpus import load_corpus
from simbot.index.reader import Index
from simbot.text import wordlists
from support import INDEX, shipped_answerer

APPEAL = (
    "Please support the Harbour Gazette: a monthly donation keeps our reporters on the quay "
    "and our stories free to read."
)
ARTICLES = {
    "001_lighthouse.txt": "The lighthouse on the north pier was repaired after the storm.\n"
    "Volunteers paid the glaziers with money from the village fete.\n",
    "002_ferry.txt": "The winter ferry timetable starts in November.\n"
    "Fares for reporters and other passengers rise by ten pence.\n",
    "003_school.txt": "The primary school opened a new library on Monday.\n",
    "004_market.txt": "The fish market moves to the old quay next spring.\n"
    "Traders say the move will keep their stalls dry.\n",
}


def _seeds(tmp_path: Path, appeal_in: int) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for n, (name, text) in enumerate(sorted(ARTICLES.items())):
        ending = f"{APPEAL}\n" if n < appeal_in else ""
        (seeds / name).write_text(text + ending, "utf-8")
    return seeds


@pytest.mark.slow
def test_a_paragraph_ending_most_articles_is_boilerplate(tmp_path: Path) -> None:
    seeds = _seeds(tmp_path, appeal_in=3)
    report = build_and_save(seeds, tmp_path / "index", semantic=False)
    index = Index.load(tmp_path / "index")
    assert report.boilerplate == 3
    assert {index.paragraph_text(pid) for pid in index.boilerplate} == {APPEAL}
    answerer = Answerer(index, semantic=False)
    # Shares "reporters" and "quay" with the appeal, and is answered from the articles.
    for question in ("when does the market move to the quay", "do fares rise for reporters"):
        answer = answerer.answer(question)
        assert answer.answered, question
        assert all(APPEAL not in quote.text for quote in answer.quotes), question


def test_words_in_only_two_articles_are_not_boilerplate(tmp_path: Path) -> None:
    seeds = _seeds(tmp_path, appeal_in=2)
    assert boilerplate.find_boilerplate(load_corpus(seeds)) == []


def test_maintainers_list_more_boilerplate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeds = _seeds(tmp_path, appeal_in=0)
    corpus = load_corpus(seeds)
    shipped = wordlists.entries
    listed = ("the winter FERRY timetable",)
    monkeypatch.setattr(
        wordlists, "entries", lambda name: listed if name == boilerplate.LIST else shipped(name)
    )
    found = boilerplate.find_boilerplate(corpus)
    texts = [p.text for p in corpus.paragraphs()]
    assert [texts[pid] for pid in found] == ["The winter ferry timetable starts in November."]


def test_the_editors_appeal_is_boilerplate_in_the_shipped_index() -> None:
    index = Index.load(INDEX)
    appeal = [index.paragraph_text(pid) for pid in sorted(index.boilerplate)]
    assert len(appeal) == 16  # four paragraphs at the end of four articles
    assert any(text.startswith("Please consider making a voluntary") for text in appeal)


def test_boilerplate_answers_only_a_question_wholly_about_it() -> None:
    answerer = shipped_answerer()
    boilerplate = answerer.index.boilerplate
    about = answerer.answer("Is DNS a charity?")
    assert "not a charity" in about.quotes[0].text
    # Shares "contribute" and "afford" with the appeal, and more besides.
    _, other, _ = answerer.candidates("can patients afford to contribute to their own care plans")
    assert not any(c.pid in boilerplate for c in other)
