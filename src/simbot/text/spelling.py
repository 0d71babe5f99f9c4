"""Mending a misspelt word of a question ("surey" -> "surrey") against the articles' own words."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from simbot.text.analyzer import word_list

#: Shorter words have too many neighbours one edit away to guess safely.
MIN_LENGTH = 5
#: No word of an English article is longer, and a word's edits grow with the square of its length
#: (a 3,000-letter token would cost half a second): longer ones are never mended.
MAX_LENGTH = 30
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def edits1(word: str) -> Iterator[str]:
    """Every string one deletion, transposition, replacement or insertion away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    for left, right in splits:
        if right:
            yield left + right[1:]
            for c in _ALPHABET:
                if c != right[0]:
                    yield left + c + right[1:]
        if len(right) > 1:
            yield left + right[1] + right[0] + right[2:]
        for c in _ALPHABET:
            yield left + c + right


def correct(word: str, known: Mapping[str, Sequence[int]]) -> str | None:
    """The most frequent word of ``known`` one edit from ``word``, if ``word`` looks misspelt.

    ``known`` maps a word to ``[term id, paragraph count]``, as ``Index.words`` does. An English
    word is never misspelt: "season" is not the articles' "reason".
    """
    if not MIN_LENGTH <= len(word) <= MAX_LENGTH or not (word.isascii() and word.isalpha()):
        return None
    if word in known:
        return None
    if word in word_list("english_words"):
        return None
    candidates = {w for w in edits1(word) if w in known}
    if not candidates:
        return None
    return max(sorted(candidates), key=lambda w: known[w][1])
