"""A question's analysis costs bounded work, whatever the question holds."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping, Sequence

from simbot.answer.query import MAX_QUESTION_CHARS, MAX_QUESTION_WORDS, bounded_question, parse
from simbot.text.spelling import correct
from support import shipped_answerer


class _CountingWords(Mapping[str, Sequence[int]]):
    """A word table that counts how often it is asked: the spelling corrector's work."""

    def __init__(self) -> None:
        self.asked = 0

    def __getitem__(self, word: str) -> Sequence[int]:
        raise KeyError(word)

    def __contains__(self, word: object) -> bool:
        self.asked += 1
        return False

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def test_a_huge_token_costs_the_spelling_corrector_nothing() -> None:
    # NFKC makes 1,000 × "ﬃ" one 3,000-letter word; its edits cost 0.4 s to look up.
    words = _CountingWords()
    assert correct("ffi" * 1000, words) is None
    assert words.asked <= 1


def test_a_question_is_bounded_after_normalisation() -> None:
    for question in ("ﬃ" * 1000, "\ufdfa" * 1000, "x " * 100_000, " " * 100_000 + "sim"):
        text = bounded_question(question)
        assert len(text) <= MAX_QUESTION_CHARS
        assert unicodedata.normalize("NFKC", text) == text


def test_parse_analyses_at_most_so_many_words_of_bounded_length() -> None:
    answerer = shipped_answerer()
    for question in ("ﬃ" * 1000, " ".join(["police", "scheme"] * 400)):
        query = parse(question, answerer.index, answerer.analyzer, answerer.aliases)
        assert len(query.concepts) <= MAX_QUESTION_WORDS
        assert all(len(c.word) <= MAX_QUESTION_CHARS for c in query.concepts)
        assert len(query.sequence) <= MAX_QUESTION_WORDS


def test_a_normal_question_is_left_as_asked() -> None:
    assert bounded_question("  Who is  HIN’s\tdirector? ") == "Who is HIN’s director?"
