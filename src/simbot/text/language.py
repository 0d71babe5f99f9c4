"""Whether a question is written in another language than English (the articles' only one).

A question in Spanish or Russian finds nothing in English articles; rather than the English
"not in my sources" alone, the asker is told the bot reads English. The test is cheap and
cautious: letters of another script, or words that are neither English nor the articles' own,
among them words common in other European languages.
"""

from __future__ import annotations

import re
import unicodedata

from simbot.text.analyzer import word_list

_WORD_RE = re.compile(r"[^\W\d_]+")

#: Short, common words of Spanish, French, German, Italian, Portuguese and Dutch that are not
#: English words (no "die", "was", "a" or "de": English writes those too).
_FOREIGN_WORDS = frozenset(
    " ".join(
        (
            "el la los las que qué quién quien cómo como por para del es una unos está son",
            "le les des est qui quoi pourquoi comment où avec pour une sont",
            "der das und ist wer wie warum nicht ein eine mit von für sind",
            "il lo gli che chi perché cosa sono della",
            "os um uma quem porque não são",
            "het een waarom niet",
        )
    ).split()
)
#: Under this share of English words, a question is read as written in another language.
ENGLISH_SHARE = 0.5


def _latin(char: str) -> bool:
    return unicodedata.name(char, "").startswith("LATIN")


def reads_as_foreign(text: str, known: frozenset[str] = frozenset()) -> bool:
    """Whether ``text`` looks written in a language other than English.

    ``known`` are words the articles use (names, acronyms) that count as English here.
    """
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    if sum(not _latin(c) for c in letters) * 3 >= len(letters):
        return True  # Cyrillic, Arabic, Chinese...: not the articles' language
    words = [w.lower() for w in _WORD_RE.findall(text)]
    if len(words) < 2 or not any(w in _FOREIGN_WORDS for w in words):
        return False
    english = word_list("english_words") | word_list("stopwords") | word_list("question_words")
    share = sum(w in english or w in known for w in words) / len(words)
    return share < ENGLISH_SHARE
