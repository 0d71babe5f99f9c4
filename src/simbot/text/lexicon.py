"""Everyday wording and the articles' wording for the same thing ("cops" for "police").

People ask in their own words; the articles are written in a reporter's. The shipped list
``data/paraphrases.txt`` pairs the words and short phrases people use with the words the articles
use for the same thing, and ``find`` spots them in a question, whatever their inflection
("turned away", "turning away" for "turn away").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from simbot.text.analyzer import data_lines, folded_words, word_pairs

#: Word endings and what a dictionary form may end in instead ("piloted" -> "pilot").
_INFLECTIONS = (
    ("ies", ("y",)), ("ied", ("y",)), ("es", ("", "e")), ("s", ("",)), ("ed", ("", "e")),
    ("ing", ("", "e")), ("ly", ("",)),
)  # fmt: skip
#: The list's shape: first word -> (everyday phrase, the articles' wordings), longest first.
Table = Mapping[str, Sequence[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]]]


@dataclass(frozen=True, slots=True)
class Paraphrase:
    """Where an everyday phrase stands in a question, and the articles' ways of saying it."""

    start: int
    end: int
    #: Each way is a sequence of words that all stand in the articles.
    ways: tuple[tuple[str, ...], ...]


@cache
def _chat_words() -> dict[str, str]:
    """Chat spellings and bare contractions, and the words they stand for."""
    return word_pairs("chat_words") | word_pairs("contractions")


def _chat_word_re() -> re.Pattern[str]:
    words = sorted(_chat_words(), key=len, reverse=True)
    alternatives = "|".join(map(re.escape, words))
    return re.compile(rf"(?<![\w'’-])(?:{alternatives})(?![\w'’-])", re.IGNORECASE)


def spell_out_chat(text: str) -> str:
    """``text`` with chat spellings written out ("why r ppl" -> "why are people")."""
    chat = _chat_words()

    def spelt_out(match: re.Match[str]) -> str:
        surface = match.group()
        # re.IGNORECASE equates letters that str.lower() keeps apart ("ſ" and "s", the Kelvin
        # sign and "k", "ı" and "i"): such a match is no listed spelling, and stays as written.
        return chat.get(surface.lower(), surface)

    return _chat_word_re().sub(spelt_out, text)


def base_forms(word: str, lemmas: Mapping[str, str]) -> list[str]:
    """``word`` and guesses at its dictionary form ("piloted" -> "pilot", "said" -> "say")."""
    forms = [word, lemmas.get(word, "")]
    for suffix, replacements in _INFLECTIONS:
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)]
            forms += [stem + r for r in replacements]
            if len(stem) > 2 and stem[-1] == stem[-2]:  # "trialled" -> "trial"
                forms.append(stem[:-1])
    return [f for f in forms if f]


@cache
def paraphrases() -> Table:
    """The shipped list, by first word (the longest phrase standing is found first)."""
    table: dict[str, list[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]]] = {}
    for line in data_lines("paraphrases"):
        phrase, _, ways = line.partition("\t")
        # Words as questions and articles are cut into them: "u-turn" is "u", "turn".
        words = tuple(folded_words(phrase))
        wordings = tuple(w for way in ways.split("|") if (w := tuple(folded_words(way))))
        if words and wordings:
            table.setdefault(words[0], []).append((words, wordings))
    for entries in table.values():
        entries.sort(key=lambda entry: -len(entry[0]))
    return table


def find(
    words: Sequence[str], lemmas: Mapping[str, str], table: Table | None = None
) -> list[Paraphrase]:
    """The everyday phrases among a question's folded ``words``, in order, never overlapping.

    ``table`` is the shipped list unless given.
    """
    table = paraphrases() if table is None else table
    forms = [list(dict.fromkeys(base_forms(w, lemmas))) for w in words]
    found: list[Paraphrase] = []
    start = 0
    while start < len(words):
        best: Paraphrase | None = None
        for first in forms[start]:
            for phrase, ways in table.get(first, ()):
                end = start + len(phrase)
                if (
                    (best is None or end > best.end)
                    and end <= len(words)
                    and all(word in forms[start + k] for k, word in enumerate(phrase[1:], 1))
                ):
                    best = Paraphrase(start, end, ways)
        if best is None:
            start += 1
        else:
            found.append(best)
            start = best.end
    return found
