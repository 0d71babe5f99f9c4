"""What the bot makes of a message that may come from a person in distress.

Some people asking a bot about a crisis-care scheme are in crisis themselves.
``simbot.text.distress`` reads the message; this module says what follows from that, apart from
Telegram: whether the support message comes first (``Concern.PERSONAL``) or one short line after
the answer (``Concern.TOPIC``), which part of a message is a question for the articles, and
which quotes must not come first to someone in distress.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from simbot.text.distress import Concern, read_message
from simbot.text.distress_model import reads_as_distress

Q = TypeVar("Q")

__all__ = ["Concern", "asked_question", "concern_of", "gentle_order", "signals_distress"]

# Sentences end at . ! ? … and line breaks; the mark stays with its sentence.
_SENTENCE_RE = re.compile(r"[^.!?…\n]+[.!?…]*")
_QUESTION_START = frozenset(
    {
        "who", "whom", "whose", "what", "whats", "which", "when", "where", "why", "how", "is",
        "are", "was", "were", "do", "does", "did", "can", "could", "will", "would", "should",
        "has", "have", "had", "tell", "explain", "name", "list",
    }
)  # fmt: skip


def concern_of(text: str) -> Concern:
    """How worrying ``text`` is: NONE, TOPIC (about suicide or self-harm) or PERSONAL.

    Read by the patterns and by meaning (``distress_model``): either finding personal distress
    is enough, since missing a person in crisis costs far more than a support message too many.
    """
    concern = read_message(text).concern
    if concern is not Concern.PERSONAL and reads_as_distress(text):
        return Concern.PERSONAL
    return concern


def signals_distress(text: str) -> bool:
    """Whether ``text`` may come from a person in distress, or someone worried for one close."""
    return concern_of(text) is Concern.PERSONAL


def asked_question(text: str) -> str:
    """The sentences of ``text`` that ask the articles something, without those of distress.

    "I want to die. Who started StopSIM?" asks "Who started StopSIM?"; "i cant go on" asks
    nothing (''), so a person in distress is not answered with quotes they did not ask for.
    """
    asked = []
    for sentence in (s.strip() for s in _SENTENCE_RE.findall(text)):
        words = sentence.lower().split()
        if not words or not (sentence.endswith("?") or words[0].strip("'\"“‘") in _QUESTION_START):
            continue
        if concern_of(sentence) is not Concern.PERSONAL:  # read last: the dearest check
            asked.append(sentence)
    return " ".join(asked)


def gentle_order(quotes: Sequence[Q], describes_harm: Callable[[Q], bool]) -> list[Q]:
    """``quotes`` for a person in distress: none that describes an act of harm comes first.

    Such quotes move behind the others; when every quote is one, none is shown.
    """
    calm = [q for q in quotes if not describes_harm(q)]
    if not calm:
        return []
    return calm + [q for q in quotes if describes_harm(q)]
