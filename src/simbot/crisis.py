"""Whether a question signals that the person asking may be in distress.

Some people asking a bot about a crisis-care scheme are in crisis themselves. The bot answers them
as usual, but first gives the support message maintainers set (``Settings.crisis_message``). The
words it listens for are shipped in ``data/crisis_terms.txt``; this module knows nothing of
Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from simbot.analysis import tokenize, word_list


@dataclass(frozen=True, slots=True)
class _Term:
    """One entry of the list: its words, and how loosely the last one may match."""

    words: tuple[str, ...]
    prefix: bool = False
    typo: bool = False

    def matches_at(self, words: list[str], at: int) -> bool:
        if at + len(self.words) > len(words):
            return False
        *head, last = self.words
        if words[at : at + len(head)] != head:
            return False
        word = words[at + len(head)]
        if self.prefix:
            return word.startswith(last)
        return word == last or (self.typo and len(word) > 4 and _one_typo(word, last))


def _one_typo(word: str, target: str) -> bool:
    """Whether ``word`` is ``target`` with one letter missing, added, changed or swapped."""
    if abs(len(word) - len(target)) > 1 or word == target:
        return False
    if len(word) == len(target):
        diff = [i for i, (a, b) in enumerate(zip(word, target, strict=True)) if a != b]
        if len(diff) == 1:
            return True
        i = diff[0]
        return diff == [i, i + 1] and word[i] == target[i + 1] and word[i + 1] == target[i]
    short, long = sorted((word, target), key=len)
    i = next((i for i, (a, b) in enumerate(zip(short, long, strict=False)) if a != b), len(short))
    return short[i:] == long[i + 1 :]


def _words(text: str) -> list[str]:
    return [token.folded for token in tokenize(text)]


@cache
def crisis_terms() -> tuple[_Term, ...]:
    """The shipped list of words and phrases that signal distress."""
    terms: list[_Term] = []
    for line in word_list("crisis_terms"):
        typo = line.startswith("~")
        prefix = line.endswith("*")
        words = tuple(_words(line.strip("~*")))
        if words:
            terms.append(_Term(words, prefix=prefix, typo=typo))
    return tuple(terms)


def signals_distress(text: str) -> bool:
    """Whether ``text`` holds a word or phrase that may mean its writer is in distress."""
    words = _words(text)
    return any(term.matches_at(words, at) for at in range(len(words)) for term in crisis_terms())
