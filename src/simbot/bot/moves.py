"""What a reply to one of the bot's answers asks for: a move from the quotes it replies to.

People reply to an answer with a move ("next", "who said that?", "why?", "source?"), a new
question, or a remark ("thanks", "lol", "😂", "so grim"). The moves are read from the reply's
own words; in groups, a remark gets silence (``asks_something``).
"""

from __future__ import annotations

import enum
import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


class Move(enum.Enum):
    """What a reply asks of the answer it replies to."""

    NEXT = "next"  # the paragraphs after the quote
    SPEAKER = "speaker"  # who said the quoted words
    WHY = "why"  # the reason for what the quote reports
    SOURCE = "source"  # the citation, with its article
    QUESTION = "question"  # a question of its own
    REMARK = "remark"  # thanks, laughter, emoji, a comment: nothing asked


#: A move is a short reply: longer ones are read as questions (or remarks) of their own.
MAX_MOVE_WORDS = 8

_NEXT_RE = re.compile(
    r"\b(next|and then|then what|what happened (after|then|later)|afterwards?|after (that|this)"
    r"|go on|carry on|continue|keep going|tell me more|what followed|what came after)\b"
)
_SPEAKER_RE = re.compile(
    r"\b(who (said|says|say|wrote|writes|is saying|was saying|is speaking|was speaking|is talking"
    r"|was talking|is quoted|was quoted|is that|was that|is this|was this|is it|was it)"
    r"|says who|said who|whose (words|quote|words are these)|who('s| is) speaking|speaker)\b"
)
# "why?" and its short forms: the words after "why" only point back at the quote.
_WHY_RE = re.compile(r"\b(why|how come|for what reason|what for|whats the reason|reason)\b")
_WHY_FILLER = _words(
    "why how come for what reason whats the is was that this it they he she them do did does "
    "happen happened so not would were are to exactly though then again really on earth"
)
_SOURCE_RE = re.compile(
    r"\b(sources?|links?|citations?|cite|references?|which (article|paper|report|story)"
    r"|what (article|paper|report|story)|where (is|was|did|does) (that|this|it) (from|come from"
    r"|published|reported|say|said)|where from|wheres (that|this|it) from|proof|evidence)\b"
)
_QUESTION_OPENERS = _words(
    "who whom whose what whats when where wheres which why how hows did does do is are was were "
    "can could should would will has have had tell explain describe show list give name "
    "according"
)
_WORD_RE = re.compile(r"[a-z0-9]+")


def words_of(text: str) -> list[str]:
    """The reply's words, lowercase, apostrophes dropped ("what's" -> "whats")."""
    return _WORD_RE.findall(text.lower().replace("'", "").replace("’", ""))


def read_move(text: str) -> Move:
    """The move a reply to an answer makes."""
    words = words_of(text)
    if not words:
        return Move.REMARK  # emoji, punctuation: nothing asked
    folded = " ".join(words)
    short = len(words) <= MAX_MOVE_WORDS
    if short and _SPEAKER_RE.search(folded):
        return Move.SPEAKER
    if short and _SOURCE_RE.search(folded):
        return Move.SOURCE
    if short and _WHY_RE.search(folded) and set(words) <= _WHY_FILLER | _REMARK_WORDS:
        return Move.WHY
    if short and _NEXT_RE.search(folded):
        return Move.NEXT
    if is_question(text, words):
        return Move.QUESTION
    return Move.REMARK


def is_question(text: str, words: list[str] | None = None) -> bool:
    """Whether ``text`` asks something: a question mark, or a question's opening word."""
    words = words_of(text) if words is None else words
    if not words:
        return False
    if text.rstrip().endswith("?"):
        return True
    # "lol who runs it": laughter or thanks first does not hide the question after it.
    opening = next((w for w in words if w not in _REMARK_WORDS), "")
    return opening in _QUESTION_OPENERS


def asks_something(text: str) -> bool:
    """Whether a reply to the bot asks anything of it (in groups, nothing else is answered)."""
    return read_move(text) is not Move.REMARK


# Words of thanks, laughter and address that carry no question of their own.
_REMARK_WORDS = _words(
    "thanks thank thx ty cheers ta lol lmao rofl haha hahaha hehe ok okay k cool nice great wow "
    "bot simbot you u hey hi yes yeah yep no nope oh ah hmm so but and well"
)
