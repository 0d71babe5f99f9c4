"""Reading a message for signs that its writer, or someone close to them, is in distress.

The patterns are data (``data/distress_patterns.txt``, whose header says where they come from and
how they are read); this module holds the little logic around them: folding a message the way
people type it; the checks that keep a match from counting when it does not mean what it seems to
(a negation, someone else as the subject, an idiom, reported speech, the past); and reading what
is said of someone close as if the writer said it of themselves. It knows nothing of Telegram or
of the articles.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

from simbot.text import wordlists
from simbot.text.analyzer import fold

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
    pairs: dict[str, dict[str, str]]
    spellings: tuple[str, ...]

    def of(self, flag: str) -> list[Family]:
        return [f for f in self.families if flag in f.flags]


_DEFINE_RE = re.compile(r"define\s+([A-Z]+)\s*=\s*(.+)")
_MACRO_RE = re.compile(r"\{([A-Z]+)\}")
_SOURCE = wordlists.file_name(PATTERNS)


@cache
def patterns() -> Patterns:
    """The shipped patterns (read once)."""
    return parse_patterns(list(wordlists.entries(PATTERNS)))


def parse_patterns(lines: list[str]) -> Patterns:
    """Patterns from the entries of a patterns file (comments already left out).

    Raises ``ValueError`` naming the line when a regex does not compile or uses an unknown name.
    """
    defines: dict[str, str] = {}
    families: list[Family] = []
    words: dict[str, frozenset[str]] = {}
    pairs: dict[str, dict[str, str]] = {}
    spellings: tuple[str, ...] = ()
    for section in wordlists.parse_sections(lines, _SOURCE):
        if "defines" in section.flags:
            for line in section.entries:
                if not (define := _DEFINE_RE.fullmatch(line)):
                    raise ValueError(f"{_SOURCE}: not 'define NAME = regex': {line!r}")
                defines[define[1]] = _expand(define[2], defines, line)
        elif "pairs" in section.flags:
            table = wordlists.parse_table(section.entries, _SOURCE)
            pairs[section.name] = wordlists.single_values(table, _SOURCE)
        elif "words" in section.flags or section.name == "spellings":
            listed = wordlists.unique(section.entries, _SOURCE)
            if section.name == "spellings":
                spellings = tuple(listed)
            else:
                words[section.name] = frozenset(listed)
        else:
            family = Family(section.name, section.flags)
            families.append(family)
            for line in section.entries:
                regex = _expand(line, defines, line)
                try:
                    family.patterns.append(re.compile(rf"(?<!\w)(?:{regex})(?!\w)"))
                except re.error as exc:
                    raise ValueError(f"{_SOURCE}: {exc} in {line!r}") from None
    return Patterns(tuple(families), words, pairs, spellings)


def _expand(text: str, defines: dict[str, str], line: str) -> str:
    def name(match: re.Match[str]) -> str:
        if match[1] not in defines:
            raise ValueError(f"{_SOURCE}: unknown name {{{match[1]}}} in {line!r}")
        return defines[match[1]]

    return _MACRO_RE.sub(name, text)


# -- folding a message --------------------------------------------------------------------------

_APOSTROPHE_RE = re.compile(r"(?<=\w)'(?=\w)|(?<=\bi)'(?=m\b)")
_REPEATS_RE = re.compile(r"([^\W\d])\1{2,}")
_SENTENCE_END_RE = re.compile(r"[.!?;…\n]+")
_COMMA_RE = re.compile(r",+")
_OTHER_RE = re.compile(r"[^\w.,]+")


def normalise(text: str) -> str:
    """``text`` as the patterns read it: folded words, " . " between sentences, " , " commas.

    >>> normalise("I don’t want to be here anymore… my self-harm is back!")
    'i dont want to be here anymore . my self harm is back'
    """
    # "sooo" is "so", "pleaseee" is "please": three or more of a letter are one.
    folded = _REPEATS_RE.sub(r"\1", _APOSTROPHE_RE.sub("", fold(text)))
    folded = _SENTENCE_END_RE.sub(" . ", folded)
    folded = _COMMA_RE.sub(" , ", folded)
    chat = _chat_spellings()
    folded = " ".join(chat.get(word, word) for word in folded.split())
    folded = _OTHER_RE.sub(" ", folded.replace("_", " ").replace("&", " and "))
    words = [_respelt(word) for word in folded.split()]
    while words and words[-1] in (".", ","):
        words.pop()
    return " ".join(words)


@cache
def _chat_spellings() -> dict[str, str]:
    """Chat spelling -> the words meant: the question reader's list, then the patterns' own.

    Not ``data/contractions.txt``: the patterns are written for contractions as typed ("dont").
    """
    return wordlists.pairs("chat_words") | patterns().pairs["respellings"]


#: Shorter words have too many neighbours one typo away (four letters: a swap only, "wnat");
#: longer ones may have two typos.
MIN_TYPO_LENGTH = 4
SWAP_ONLY_LENGTH = 4
TWO_TYPOS_LENGTH = 8


@cache
def _respelt(word: str) -> str:
    """The entry of ``[spellings]`` that ``word`` is a typo of, if it is no English word."""
    if len(word) < MIN_TYPO_LENGTH or not word.isalpha():
        return word
    if word in wordlists.words("english_words"):
        return word
    if word in patterns().words["contractions"]:  # "wasnt" is not a typo of "want"
        return word
    allowed = 2 if len(word) >= TWO_TYPOS_LENGTH else 1
    # Words whose lengths, or sets of letters, differ by more than ``allowed`` typos can make
    # are not worth measuring (an index build reads every paragraph, and most of a large
    # corpus's rare words are no typo). A typo changes the set of letters by two at most.
    letters = frozenset(word)
    near = [
        known
        for known, its_letters in _spelling_letters()
        if abs(len(known) - len(word)) <= allowed and len(letters ^ its_letters) <= 2 * allowed
    ]
    # Each distance once; the earlier entry wins a tie, as the list's order says.
    distance, _, closest = min(
        ((typos(word, known, allowed), at, known) for at, known in enumerate(near)),
        default=(allowed + 1, 0, word),
    )
    if distance > allowed:
        return word
    if len(word) == SWAP_ONLY_LENGTH and sorted(word) != sorted(closest):
        return word
    return closest


@cache
def _spelling_letters() -> tuple[tuple[str, frozenset[str]], ...]:
    """The entries of ``[spellings]``, in order, each with its set of letters."""
    return tuple((known, frozenset(known)) for known in patterns().spellings)


def typos(a: str, b: str, bound: int | None = None) -> int:
    """Letters missing, added, changed or swapped between ``a`` and ``b`` (Damerau, OSA).

    With ``bound``, any count over it may come back as ``bound + 1``: once two rows are all over
    it, no later row can come under it (a cell builds on the two rows above, or on its left).
    """
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        row = [i]
        for j, y in enumerate(b, 1):
            cost = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, previous2[j - 2] + 1)
            row.append(cost)
        if bound is not None and min(row) > bound and min(previous) > bound:
            return bound + 1
        previous2, previous = previous, row
    return previous[-1]


# -- reading ------------------------------------------------------------------------------------


def read_message(text: str) -> Reading:
    """How worrying ``text`` is, and which families of patterns said so."""
    found = patterns()
    folded = normalise(text)
    personal = _personal(folded, "personal")
    # Signs said of someone close count as the writer's own: read it again as if said of oneself.
    named = [m.span() for f in found.of("names-close") for m in f.matches(folded)]
    if named:
        personal += _personal(folded, "close")
        personal += [f"{name} (someone close)" for name in _personal(_as_own(folded, named))]
    if personal:
        return Reading(Concern.PERSONAL, tuple(dict.fromkeys(personal)))
    jokes = _spans(folded, "joke")
    topic = [
        f.name
        for f in found.of("topic")
        if any(not _overlaps(m.span(), jokes) for m in f.matches(folded))
    ]
    return Reading(Concern.TOPIC, tuple(topic)) if topic else Reading(Concern.NONE)


def _personal(folded: str, flag: str = "personal") -> list[str]:
    """The families of ``flag`` with a match in ``folded`` that the checks leave standing."""
    jokes = _spans(folded, "joke")
    frames = [start for start, _ in _spans(folded, "frame")]
    past = [start for start, _ in _spans(folded, "past")]
    past_verbs = patterns().words["past-verbs"]

    def counts(match: re.Match[str], family: Family) -> bool:
        if _overlaps(match.span(), jokes):
            return False
        if any(_same_sentence(folded, f, match.start()) for f in frames if f <= match.start()):
            return False
        if any(_same_sentence(folded, p, match.start()) for p in past) and (
            past_verbs.intersection(_with_words_before(folded, match))
        ):
            return False
        if "negatable" in family.flags and _negated(folded, match.start()):
            return False
        return not ("subject" in family.flags and _someone_else(folded, match))

    return [f.name for f in patterns().of(flag) if any(counts(m, f) for m in f.matches(folded))]


def _with_words_before(folded: str, match: re.Match[str]) -> list[str]:
    """The match's words and the few before it ("tried to" before "kill myself")."""
    return folded[: match.start()].split()[-NEGATION_WINDOW:] + match[0].split()


def _spans(folded: str, flag: str) -> list[tuple[int, int]]:
    return [m.span() for family in patterns().of(flag) for m in family.matches(folded)]


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(s < span[1] and span[0] < e for s, e in spans)


def _same_sentence(folded: str, a: int, b: int) -> bool:
    return " . " not in folded[min(a, b) : max(a, b)]


def _as_own(folded: str, named: list[tuple[int, int]]) -> str:
    """``folded`` as if its writer said it of themselves: "my mate says shes" -> "i say im"."""
    pieces, at = [], 0
    for start, end in sorted(named):
        if start >= at:
            pieces += [folded[at:start], "i"]
            at = end
    pieces.append(folded[at:])
    swap = patterns().pairs["third-to-first"]
    text = f" {' '.join(' '.join(pieces).split())} "
    for phrase in (p for p in swap if " " in p):  # "she is" -> "im" before "she" -> "i"
        text = text.replace(f" {phrase} ", f" {swap[phrase]} ")
    words = text.split()
    return " ".join(_object_or_own(words, n, swap) for n in range(len(words)))


def _object_or_own(words: list[str], n: int, swap: dict[str, str]) -> str:
    # "her" is "my" before a noun ("her stuff") and "me" at a clause's end ("without her").
    if words[n] == "her":
        last = n + 1 == len(words) or words[n + 1] in (".", ",", "and", "but", "so", "to")
        return "me" if last else "my"
    return swap.get(words[n], words[n])


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


_FIRST_PERSON = frozenset({"i", "im", "ive", "id", "ill", "me", "my", "myself", "mine"})


def describes_harm(paragraph: str) -> bool:
    """Whether an article's paragraph describes an act of overdose or self-harm in detail."""
    folded = normalise(paragraph)
    return any(_first(family.matches(folded)) for family in patterns().of("detail"))
