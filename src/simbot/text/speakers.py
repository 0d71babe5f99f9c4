"""Who is speaking: the paragraphs a news paragraph leans on.

A quote runs over several paragraphs and only the first names the speaker ("Jennings said: ..."
and then paragraphs that open with a quotation mark); "He", "It", "She" refer back. Matching sees
the speaker's words beside such a paragraph, and an answer shows the paragraphs before it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from simbot.text.analyzer import Analyzer, Token, split_sentences, tokenize

#: A quote shown with its context spans at most this many paragraphs (the answer contract).
MAX_WINDOW = 3
#: How far back to look for the speaker of a long quote.
MAX_SPEAKER_LOOKBACK = 5
MAX_SPEAKER_TERMS = 6

_OPENING_QUOTES = ("\u201c", '"', "\u2018", "'")
_DEFINITE_OPENING_RE = re.compile(r"(?:(?:And|But|So)\s+)?The ([a-z]{3,})\b")
# "He said", "And it warns", "Its campaigning", "As a result, she was": a subject that refers back.
_LEANING_OPENING_RE = re.compile(
    r"(?:He|She|It|They|His|Her|Its|Their|This|These)\b"
    r"|(?:And|But|So|Yet|Then|Instead)\s+(?:he|she|it|they|his|her|its|their|this|these)\b"
    r"|[^.:;\u201c\"]{1,60}?,\s*(?:he|she|it|they)\b"
)
_PRONOUN_SPEAKS_RE = re.compile(
    r"(?:He|She|It|They)\s+(?:also\s+)?(?:said|says|added|adds|told|tells|claimed|claims|warned"
    r"|warns|insisted|insists|admitted|admits)\b"
)
_SPEECH_VERBS = frozenset(
    {
        "said", "says", "say", "told", "tells", "added", "adds", "warned", "warns", "claims",
        "claimed", "admits", "admitted", "insists", "insisted", "believes", "wrote", "writes",
        "stated", "states", "argued", "argues", "explained", "continued",
    }
)  # fmt: skip


def leans_back(text: str) -> bool:
    """Whether a paragraph continues the one before (an open quote, or a pronoun subject)."""
    return text.startswith(_OPENING_QUOTES) or bool(_LEANING_OPENING_RE.match(text))


def named_before(texts: Sequence[str], i: int) -> str:
    """The name paragraph ``i`` refers to when it opens with "The coalition" after naming one.

    "The new StopSIM Coalition has warned ..." followed by "The coalition of service-users ...":
    the second is about the first, though it reads well without it.
    """
    match = _DEFINITE_OPENING_RE.match(texts[i])
    if not match or i == 0:
        return ""
    before = texts[i - 1]
    tokens = tokenize(before)

    def capitalised_next_to(k: int) -> bool:
        left, right = tokens[k - 1], tokens[k]
        return left.surface[:1].isupper() and not before[left.end : right.start].strip()

    for k in range(1, len(tokens)):
        if tokens[k].folded == match.group(1) and capitalised_next_to(k):
            first = k - 1
            while first > 0 and capitalised_next_to(first):
                first -= 1
            return before[tokens[first].start : tokens[k].end]
    return ""


def window_start(texts: Sequence[str], i: int) -> int:
    """The first paragraph to show with paragraph ``i`` of an article, so the reader knows who."""
    first = i
    while first > 0 and i - first < MAX_WINDOW - 1 and leans_back(texts[first]):
        # A pronoun needs only the paragraph before it; a quote ("“We…", "He added: “…") runs
        # back to the paragraph that names its speaker.
        if first != i and not _quotes_someone(texts[first]):
            break
        first -= 1
    return first


def _quotes_someone(text: str) -> bool:
    return text.startswith(_OPENING_QUOTES) or bool(_PRONOUN_SPEAKS_RE.match(text))


def speaker_terms(texts: Sequence[str], i: int, analyzer: Analyzer) -> list[str]:
    """Terms naming who paragraph ``i`` speaks for, when it leans on an earlier paragraph."""
    own = set(analyzer.terms(texts[i]))
    if not leans_back(texts[i]):
        name = named_before(texts, i)
        return [t for t in analyzer.terms(name) if t not in own][:MAX_SPEAKER_TERMS]
    lead = i
    while lead > 0 and i - lead < MAX_SPEAKER_LOOKBACK and leans_back(texts[lead]):
        lead -= 1
    if lead == i:
        return []
    sentence = split_sentences(texts[lead])[0]
    tokens = tokenize(sentence)
    verb = next((n for n, t in enumerate(tokens) if t.folded in _SPEECH_VERBS), None)
    # "X said": the speaker stands before the verb. Otherwise "He" is most often the last
    # person named (two capitalised words in a row), else the first name in the sentence.
    words = _subject(sentence, tokens[:verb]) if verb is not None else _named(tokens)
    terms: list[str] = []
    for token in words:
        term = analyzer.term(token.folded)
        if term and term not in own and term not in terms:
            terms.append(term)
    return terms


def _subject(sentence: str, before_verb: Sequence[Token]) -> list[Token]:
    """The phrase just before a speech verb: "In a statement, the coalition [said]"."""
    segments: list[list[Token]] = [[]]
    for previous, token in zip([None, *before_verb], before_verb, strict=False):
        between = sentence[previous.end : token.start] if previous else ""
        if any(mark in between for mark in ",;:("):
            segments.append([])
        segments[-1].append(token)
    phrase = next((s for s in reversed(segments) if s), [])
    return phrase[-MAX_SPEAKER_TERMS:]


def _named(tokens: Sequence[Token]) -> list[Token]:
    runs: list[list[Token]] = []
    for n, token in enumerate(tokens):
        if token.surface[:1].isupper() and n > 0:
            if runs and runs[-1][-1] is tokens[n - 1]:
                runs[-1].append(token)
            else:
                runs.append([token])
    names = [run for run in runs if len(run) >= 2]
    if names:
        return names[-1]
    return runs[0] if runs else []
