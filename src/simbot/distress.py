"""Reading a message for signs that its writer, or someone close to them, is in distress.

The patterns are data (``data/distress_patterns.txt``, whose header says where they come from and
how they are read); this module holds the little logic around them: folding a message the way
people type it, and the four checks that keep a match from counting when it does not mean what it
seems to (a negation, someone else as the subject, an idiom, reported speech). It knows nothing of
Telegram or of the articles.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

from simbot.analysis import data_lines, fold, word_list
from simbot.spelling import edits1

PATTERNS = "distress_patterns"

#: How many words before a match a negation may stand ("i would never kill myself").
NEGATION_WINDOW = 3


class Concern(enum.IntEnum):
    """What a message says about its writer, least worrying first."""

    NONE = 0
    #: About suicide, self-harm or overdose, but not (as far as the words say) personal.
    TOPIC = 1
    #: The writer, or someone close to them, may be in distress now.
    PERSONAL = 2


@dataclass(frozen=True, slots=True)
class Reading:
    """What a message was read as, and which families of patterns said so (for tests and logs)."""

    concern: Concern
    families: tuple[str, ...] = ()


@dataclass(slots=True)
class Family:
    """One ``[name flags]`` section of the patterns file."""

    name: str
    flags: frozenset[str]
    patterns: list[re.Pattern[str]] = field(default_factory=list)

    def matches(self, text: str) -> Iterator[re.Match[str]]:
        for pattern in self.patterns:
            yield from pattern.finditer(text)


@dataclass(frozen=True, slots=True)
class Patterns:
    """The patterns file, parsed: families of regexes and the word lists of the checks."""

    families: tuple[Family, ...]
    words: dict[str, frozenset[str]]
    spellings: tuple[str, ...]

    def of(self, flag: str) -> list[Family]:
        return [f for f in self.families if flag in f.flags]


_DEFINE_RE = re.compile(r"define\s+([A-Z]+)\s*=\s*(.+)")
_SECTION_RE = re.compile(r"\[([\w-]+)((?:\s+[\w-]+)*)\]")
_MACRO_RE = re.compile(r"\{([A-Z]+)\}")


@cache
def patterns() -> Patterns:
    """The shipped patterns (read once)."""
    return parse_patterns(data_lines(PATTERNS))


def parse_patterns(lines: list[str]) -> Patterns:
    """Patterns from the lines of a patterns file (comments already left out).

    Raises ``ValueError`` naming the line when a regex does not compile or uses an unknown name.
    """
    defines: dict[str, str] = {}
    families: list[Family] = []
    words: dict[str, frozenset[str]] = {}
    spellings: list[str] = []
    section: tuple[str, frozenset[str]] | None = None
    for line in lines:
        if define := _DEFINE_RE.fullmatch(line):
            defines[define[1]] = _expand(define[2], defines, line)
        elif header := _SECTION_RE.fullmatch(line):
            section = header[1], frozenset(header[2].split())
            if section[1] - {"words"}:
                families.append(Family(*section))
        elif section is None:
            raise ValueError(f"{PATTERNS}.txt: a line before any [section]: {line!r}")
        elif section[0] == "spellings":
            spellings.append(line)
        elif "words" in section[1]:
            words[section[0]] = words.get(section[0], frozenset()) | frozenset(line.split())
        else:
            regex = _expand(line, defines, line)
            try:
                families[-1].patterns.append(re.compile(rf"(?<!\w)(?:{regex})(?!\w)"))
            except re.error as exc:
                raise ValueError(f"{PATTERNS}.txt: {exc} in {line!r}") from None
    return Patterns(tuple(families), words, tuple(spellings))


def _expand(text: str, defines: dict[str, str], line: str) -> str:
    def name(match: re.Match[str]) -> str:
        if match[1] not in defines:
            raise ValueError(f"{PATTERNS}.txt: unknown name {{{match[1]}}} in {line!r}")
        return defines[match[1]]

    return _MACRO_RE.sub(name, text)


# -- folding a message --------------------------------------------------------------------------

_APOSTROPHE_RE = re.compile(r"(?<=\w)'(?=\w)|(?<=\bi)'(?=m\b)")
_SENTENCE_END_RE = re.compile(r"[.!?;…\n]+")
_COMMA_RE = re.compile(r",+")
_OTHER_RE = re.compile(r"[^\w.,]+")


def normalise(text: str) -> str:
    """``text`` as the patterns read it: folded words, " . " between sentences, " , " commas.

    >>> normalise("I don’t want to be here anymore… my self-harm is back!")
    'i dont want to be here anymore . my self harm is back'
    """
    folded = _APOSTROPHE_RE.sub("", fold(text))
    folded = _SENTENCE_END_RE.sub(" . ", folded)
    folded = _COMMA_RE.sub(" , ", folded)
    folded = _OTHER_RE.sub(" ", folded.replace("_", " ").replace("&", " and "))
    words = [_respelt(word) for word in folded.split()]
    while words and words[-1] in (".", ","):
        words.pop()
    return " ".join(words)


def _respelt(word: str) -> str:
    """The word of ``[spellings]`` that ``word`` is one typo from, if it is no English word."""
    known = _spelling_table()
    if word in known or len(word) < 5 or not word.isalpha():
        return known.get(word, word)
    if word in word_list("english_words"):
        return word
    return next((known[w] for w in edits1(word) if w in _spelling_set()), word)


@cache
def _spelling_set() -> frozenset[str]:
    return frozenset(patterns().spellings)


@cache
def _spelling_table() -> dict[str, str]:
    return {word: word for word in patterns().spellings}


# -- reading ------------------------------------------------------------------------------------


def read_message(text: str) -> Reading:
    """How worrying ``text`` is, and which families of patterns said so."""
    found = patterns()
    folded = normalise(text)
    jokes = [m.span() for family in found.of("joke") for m in family.matches(folded)]
    frames = [m.start() for family in found.of("frame") for m in family.matches(folded)]

    def counts(match: re.Match[str], family: Family) -> bool:
        if any(s < match.end() and match.start() < e for s, e in jokes):
            return False
        if any(f <= match.start() and "." not in folded[f : match.start()] for f in frames):
            return False
        if "negatable" in family.flags and _negated(folded, match.start()):
            return False
        return not ("subject" in family.flags and _someone_else(folded, match))

    def counted(flag: str) -> list[str]:
        return [f.name for f in found.of(flag) if any(counts(m, f) for m in f.matches(folded))]

    personal = counted("personal")
    # What is said of a third person counts only when the message says who: someone close.
    if any(_first(f.matches(folded)) for f in found.of("names-close")):
        personal += counted("close")
    if personal:
        return Reading(Concern.PERSONAL, tuple(personal))
    topic = [
        f.name
        for f in found.of("topic")
        if any(not any(s < m.end() and m.start() < e for s, e in jokes) for m in f.matches(folded))
    ]
    return Reading(Concern.TOPIC, tuple(topic)) if topic else Reading(Concern.NONE)


def _first(matches: Iterator[re.Match[str]]) -> bool:
    return next(matches, None) is not None


def _negated(folded: str, start: int) -> bool:
    """Whether a negation stands among the few words before ``start``, in the same clause."""
    before = folded[:start].split()
    window: list[str] = []
    for word in reversed(before):
        if word in (".", ",") or len(window) == NEGATION_WINDOW:
            break
        window.insert(0, word)
    words = patterns().words
    negations, exceptions = words["negations"], words["negation-exceptions"]
    return any(
        word in negations and (n + 1 == len(window) or window[n + 1] not in exceptions)
        for n, word in enumerate(window)
    )


def _someone_else(folded: str, match: re.Match[str]) -> bool:
    """Whether the subject of the match is someone other than the writer."""
    words = patterns().words
    own = match[0].split()[0]
    if own in _FIRST_PERSON:
        return False
    before = folded[: match.start()].split()
    while before and before[-1] in words["bridge"]:
        before.pop()
    if not before or before[-1] in (".", ","):
        return False
    subject = before[-1]
    if subject in _FIRST_PERSON:
        return False
    if subject in words["others"]:
        return True
    return len(before) > 1 and before[-2] in words["determiners"]


_FIRST_PERSON = frozenset({"i", "im", "ive", "id", "ill", "me", "my", "myself", "mine", "i m"})


def describes_harm(paragraph: str) -> bool:
    """Whether an article's paragraph describes an act of overdose or self-harm in detail."""
    folded = normalise(paragraph)
    return any(_first(family.matches(folded)) for family in patterns().of("detail"))
