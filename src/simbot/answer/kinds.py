"""Answer kinds, both halves: how a question asks for one, and how a paragraph holds one.

"How many" asks for a figure and a paragraph holds one when a figure stands beside the thing
counted; "when" asks for a time, "who" for a person or body, "why" for a reason. A new kind is
added here, once: its question pattern, and what a paragraph holding it looks like.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence

from simbot.text.analyzer import Token


class Kind(enum.Enum):
    """The kind of answer a question asks for."""

    ANY = "any"
    NUMBER = "number"
    TIME = "time"
    DURATION = "duration"
    WHO = "who"
    WHERE = "where"
    DEFINE = "define"
    NEXT = "next"
    WHY = "why"
    #: "How do I get off SIM": advice for the asker, which news articles cannot give.
    ADVICE = "advice"


# -- how a question asks for a kind -------------------------------------------------------------

#: How far into a question its question word may stand.
KIND_WORDS = 5

_KIND_PATTERNS: list[tuple[Kind, re.Pattern[str]]] = [
    # Procedural or normative questions in the first person ("how do i", "should i", "who do i
    # complain to"); "can i ..." and "how can i help" are left alone: the articles often answer
    # them ("can I still go to A&E", "how can I support the campaign").
    (Kind.ADVICE, re.compile(
        r"^(?:how (?:do|should) (?:i|we)|how to|(?:who|where|what) (?:do|should) (?:i|we)"
        r"|should (?:i|we)|am i (?:allowed|supposed))\b")),
    (Kind.WHY, re.compile(
        r"\bwhy\b|\bhow come\b|\bwhat (?:was|is|were|are) the reasons?\b"
        r"|\bwhat (?:made|caused|led)\b|\bfor what reason\b")),
    (Kind.NEXT, re.compile(
        r"\b(?:what|then) (?:happened|came|comes|did \w+ (?:say|do)) (?:next|after|then)\b"
        r"|\bwhat next\b|\bthen what\b")),
    (Kind.NUMBER, re.compile(
        r"\bhow (?:many|much|old)\b|\bnumber of\b"
        r"|\bwhat (?:number|percentage|proportion|share)\b")),
    (Kind.TIME, re.compile(r"\bwhen\b|\bwhat (?:year|date|day|month|time)\b|\bhow long ago\b")),
    (Kind.DURATION, re.compile(r"\bhow long\b|\bfor how many (?:years|months)\b")),
    (Kind.WHERE, re.compile(r"\bwhere\b|\bwhich (?:place|town|city|county|area|region)\b")),
    (Kind.WHO, re.compile(
        r"\bwho(?:'s|se|m)?\b|\bwhich (?:organi[sz]ation|body|group|person|charity|people)\b")),
]  # fmt: skip
_DEFINE_RE = re.compile(
    r"\bstands? for\b|\bshort for\b|\bacronym\b|^\W*(?:what|who)(?:'s|s| is| are)\b"
)


def question_kind(folded_question: str, has_acronym: bool) -> Kind:
    """What kind of answer the question asks for."""
    if has_acronym and _DEFINE_RE.search(folded_question) and len(folded_question.split()) <= 6:
        return Kind.DEFINE
    # The question word opens the question ("so, who ..."); a "who" further on is a clause.
    opening = " ".join(folded_question.split()[:KIND_WORDS])
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(opening):
            return kind
    return Kind.ANY


# -- how a paragraph holds a kind ---------------------------------------------------------------

#: A figure, in digits or in words.
NUMBER_RE = re.compile(
    r"\d[\d.,]*|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty"
    r"|fifty|hundred|hundreds|thousand|thousands|million|millions|billion|half|dozen|dozens)\b",
    re.IGNORECASE,
)
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_TIME_RE = re.compile(
    rf"\b(?:{_MONTHS}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today"
    r"|(?:last|this|next) (?:week|month|year|spring|summer|autumn|winter)|ago|(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_DURATION_RE = re.compile(r"\b(?:years?|months?|weeks?|days?|decades?|hours?)\b", re.IGNORECASE)
# A person or body answering "who": a role ("director", "led by") or a named person's title.
_WHO_RE = re.compile(
    r"\b(?:director|chief executive|executive|spokesperson|spokesman|spokeswoman|founder|founded"
    r"|head|chair|chairman|chairwoman|leader|led by|manager|minister|secretary|professor"
    r"|president|officer|coalition of|group of|members?)\b",
    re.IGNORECASE,
)
#: Words that give a reason ("because", "due to", "as a result"): what answers "why" (here and
#: in the bot's "why?" follow-up).
REASON_RE = re.compile(
    r"\b(?:because|since|after|due to|owing to|as a result|so that|in order to|the reasons?"
    r"|reasons?|following|concerns?|amid|despite|led to|caused|thanks to|made it|making it"
    r"|meant that)\b",
    re.IGNORECASE,
)
_WHERE_RE = re.compile(r"\b(?:in|on|at|across|from) (?:the )?[A-Z][a-z]+")
_HOLDING = {
    Kind.NUMBER: NUMBER_RE,
    Kind.TIME: _TIME_RE,
    Kind.DURATION: _DURATION_RE,
    Kind.WHO: _WHO_RE,
    Kind.WHERE: _WHERE_RE,
    Kind.WHY: REASON_RE,
}
#: How many words apart a figure and the thing it counts may stand.
FIGURE_DISTANCE = 6


def holding_pattern(kind: Kind) -> re.Pattern[str] | None:
    """What a paragraph's text holds when it holds an answer of ``kind`` (None: no pattern).

    ``Kind.DEFINE`` is held by the paragraphs that spell an acronym out (``Index.definitions``),
    ``Kind.NUMBER`` by a figure beside the thing counted (``figure_beside``).
    """
    return _HOLDING.get(kind)


def figure_beside(tokens: Sequence[Token], is_focus: Callable[[Token], bool]) -> bool:
    """Whether a figure stands within ``FIGURE_DISTANCE`` words of a word of the question
    ("64,000 supporters")."""
    figures = [n for n, t in enumerate(tokens) if NUMBER_RE.fullmatch(t.folded)]
    near = [n for n, t in enumerate(tokens) if is_focus(t)]
    return any(abs(f - w) <= FIGURE_DISTANCE for f in figures for w in near)
