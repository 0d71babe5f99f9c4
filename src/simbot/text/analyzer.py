"""Text to terms: the one analyzer used for articles and questions alike.

Matching sees folded text (NFKC, straight quotes, plain hyphens, case-folded), word tokens,
no stopwords, a few irregular forms mapped to their base ("said" -> "say") and nltk's Snowball
stems. Every token keeps its offsets in the original text, so that highlighting can wrap the
verbatim words without changing them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Protocol

from simbot.text import wordlists

#: Bumped whenever a change here would give an article different terms.
ANALYZER_VERSION = 1

_FOLD_TABLE = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-",
    }
)  # fmt: skip

# A number (with its thousands separators) or a run of letters, with inner apostrophes.
_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:['\u2019\u2018][^\W\d_]+)*")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?…])[\"'\u201d\u2019]?\s+(?=[\"'\u201c\u2018(]?[A-Z0-9])")


def fold(text: str) -> str:
    """``text`` as matching sees it: NFKC, straight quotes, plain hyphens, case-folded."""
    return unicodedata.normalize("NFKC", text).translate(_FOLD_TABLE).casefold()


@dataclass(frozen=True, slots=True)
class Token:
    """A word of a text: its characters ``text[start:end]`` and their folded form."""

    surface: str
    folded: str
    start: int
    end: int


#: Memos are bounded (questions can bring any string): ``functools.lru_cache`` drops the
#: least recently used entries past this many.
MEMO_LIMIT = 1 << 20
#: How many of the texts it analysed last an analyzer remembers.
RECENT_TEXTS = 256


# Memoised: the same few thousand words come back in every text.
@lru_cache(maxsize=MEMO_LIMIT)
def folded_word(surface: str) -> str:
    """The folded form of a token's characters ("HIN’s" -> "hin", "63,000" -> "63000")."""
    folded = fold(surface)
    if folded.endswith("'s"):
        folded = folded[:-2]
    if folded[:1].isdigit():
        folded = folded.replace(",", "")
    return folded


def tokenize(text: str) -> list[Token]:
    """The word and number tokens of ``text``, with offsets into ``text`` itself."""
    tokens: list[Token] = []
    for match in _TOKEN_RE.finditer(text):
        surface = match.group()
        folded = folded_word(surface)
        if folded:
            tokens.append(Token(surface, folded, match.start(), match.end()))
    return tokens


def folded_words(text: str) -> list[str]:
    """``[t.folded for t in tokenize(text)]`` without making the tokens: a third of the time."""
    return [folded for surface in _TOKEN_RE.findall(text) if (folded := folded_word(surface))]


def split_sentences(text: str) -> list[str]:
    """``text`` cut into sentences, good enough for news prose."""
    return [s for s in _SENTENCE_END_RE.split(text) if s]


def squeeze(abbreviation: str) -> str:
    """ "A&E" as one word ("AE"), so that the tokenizer keeps it."""
    return "".join(c for c in abbreviation if c.isalnum())


@cache
def _snowball() -> Callable[[str], str]:
    # Imported here: nltk takes a quarter of a second to import, and only new words need it.
    from nltk.stem.snowball import SnowballStemmer

    stem: Callable[[str], str] = SnowballStemmer("english").stem
    return stem


class KnownTerms(Protocol):
    """Terms worked out before, by an analyzer with the same ``settings`` (a built index)."""

    def known_term(self, word: str) -> str | None:
        """The term ``Analyzer.term(word)`` gives, or ``None`` if this source does not know."""


class Analyzer:
    """Turns text into index terms; the same rules for the articles and for questions."""

    def __init__(self, known: KnownTerms | None = None) -> None:
        # A loaded index knows the term of every word of its articles and word lists, so a
        # question about them is analysed without importing nltk.
        self.known = known
        self.stopwords = wordlists.words("stopwords")
        #: Chat filler, greetings and swearing ("hey", "lol", "tbh"): they frame a question too.
        self.filler = wordlists.words("filler_words")
        self.question_words = wordlists.words("question_words") | self.filler
        self.lemmas = wordlists.pairs("lemmas")
        # Memoised per analyzer (each has its own known terms): a word's term, a token's
        # (folded word, term), and the texts analysed last (a paragraph is often analysed again
        # soon after).
        self._term = lru_cache(maxsize=MEMO_LIMIT)(self._find_term)
        self._pair = lru_cache(maxsize=MEMO_LIMIT)(self._find_pair)
        self._recent = lru_cache(maxsize=RECENT_TEXTS)(self._find_word_terms)

    @property
    def settings(self) -> dict[str, object]:
        """What the index must record to know its terms were made the same way."""
        return {
            "version": ANALYZER_VERSION,
            "stemmer": "nltk snowball english",
            "stopwords": len(self.stopwords),
            "lemmas": len(self.lemmas),
        }

    def term(self, folded: str) -> str | None:
        """The index term for a folded word, or ``None`` for a stopword."""
        return self._term(folded)

    def _find_term(self, folded: str) -> str | None:
        if folded in self.stopwords or (len(folded) == 1 and not folded.isdigit()):
            return None
        term = self.known.known_term(folded) if self.known is not None else None
        if term is None:
            word = folded.replace("'", "")
            word = self.lemmas.get(word, word)
            term = word if word[:1].isdigit() else _snowball()(word)
        return term

    def terms(self, text: str) -> list[str]:
        """The index terms of an article's text, in order."""
        return [pair[1] for pair in self.word_terms(text)]

    def word_terms(self, text: str) -> list[tuple[str, str]]:
        """``(folded word, term)`` for each word of ``text`` that has a term, in order.

        The same as ``(token.folded, term(token.folded))`` over ``tokenize(text)``, without
        the tokens' offsets, and remembered per word: the fast path for whole paragraphs.
        """
        return list(self._recent(text))

    def _find_word_terms(self, text: str) -> tuple[tuple[str, str], ...]:
        pair = self._pair
        return tuple(found for surface in _TOKEN_RE.findall(text) if (found := pair(surface)))

    def _find_pair(self, surface: str) -> tuple[str, str] | None:
        """Characters of a token -> (folded word, term), or None when it has no term."""
        folded = folded_word(surface)
        term = self.term(folded) if folded else None
        return (folded, term) if term else None

    def question_tokens(self, text: str) -> list[tuple[Token, str]]:
        """The tokens of a question that say what it is about, each with its term."""
        return [
            (token, term)
            for token in tokenize(text)
            if token.folded not in self.question_words and (term := self.term(token.folded))
        ]


# -- acronyms learnt from the articles ---------------------------------------------------------

_ACRONYM_RE = re.compile(r"\(([A-Z][A-Za-z]{1,9})\)")
_NAME_WORDS_MAX = 10


def learn_aliases(texts: Iterable[str], analyzer: Analyzer) -> dict[str, list[str]]:
    """Acronym term -> the terms of the name it stands for, from "Full Name (ACRONYM)"."""
    aliases: dict[str, list[str]] = {}
    for text in texts:
        for match in _ACRONYM_RE.finditer(text):
            letters = match.group(1)
            if sum(c.isupper() for c in letters) < 2:
                continue
            before = tokenize(text[: match.start()])[-_NAME_WORDS_MAX:]
            name = _spelled_out(letters, [t.surface for t in before], analyzer.stopwords)
            key = analyzer.term(fold(letters))
            if name is None or key is None:
                continue
            name_terms = [t for word in name if (t := analyzer.term(fold(word)))]
            if len(name_terms) >= 2 and key not in name_terms:
                aliases.setdefault(key, name_terms)
    return dict(sorted(aliases.items()))


def _spelled_out(letters: str, words: Sequence[str], stopwords: frozenset[str]) -> list[str] | None:
    """The shortest run of words ending ``words`` whose initials spell ``letters``."""
    target = letters.upper()
    for size in range(1, len(words) + 1):
        run = words[-size:]
        if run[0].casefold() in stopwords:
            continue
        if _spells(target, list(run), stopwords):
            return list(run)
    return None


def _spells(target: str, words: list[str], stopwords: frozenset[str]) -> bool:
    if not words:
        return not target
    word, rest = words[0], words[1:]
    options: list[str] = [word[0].upper()]
    if word.isupper() and len(word) > 1:
        options.append(word)
    if any(target.startswith(o) and _spells(target[len(o) :], rest, stopwords) for o in options):
        return True
    # Small words ("of", "and") may be left out of an acronym.
    return word.casefold() in stopwords and _spells(target, rest, stopwords)
