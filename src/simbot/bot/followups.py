"""Follow-ups: the passages an answer showed, read back from its citations, and the moves from them.

Answers are stateless: a reply to one of them carries the replied-to message, and every quote
in it ends with a citation (``file.txt, ¶N`` or ``¶N–M``). From those we recover what was shown
and answer the reply's move (``simbot.bot.moves``) from there: the paragraphs that follow, the
speaker's words, a reason, the citations with their articles. Only the engine's public methods
and the index's public lookups are used; every quote made here is still an exact slice of its
article.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simbot.answer.answerer import REASON_RE, Quote
from simbot.index.reader import DOC, NUMBER

if TYPE_CHECKING:
    from simbot.answer.answerer import Answerer

# "002_07426c9e770dcb42.txt, ¶34–35": the part of a citation that stays in every rendering.
_CITATION_RE = re.compile(r"([^\s,;—()“”]+\.txt), ¶(\d+)(?:\s*[–-]\s*(\d+))?")
# Words that report who said something.
_ATTRIBUTION_RE = re.compile(
    r"\b(said|says|told|tells|according to|added|adds|explained|wrote|writes|claimed|argued"
    r"|warned|admitted|insisted|stated|spokesperson|spokesman|spokeswoman)\b",
    re.IGNORECASE,
)
# A sentence ends at . ! or ? (perhaps inside closing quotes) before a space, and at a line's
# end (a paragraph's, or "X said:" before the quoted words).
_SENTENCE_END_RE = re.compile(r"[.!?][”’\"')]*\s+|\s*\n\s*")
#: How far after a quote a reason or the next words are looked for, in paragraphs.
LOOK_AHEAD = 3
#: How far before a quote its speaker is looked for, in paragraphs.
LOOK_BACK = 3


@dataclass(frozen=True, slots=True)
class Shown:
    """A passage an answer showed: its article file and its first and last paragraph."""

    source: str
    first: int
    last: int

    def covers(self, quote: Quote) -> bool:
        """Whether ``quote`` shares a paragraph with this passage."""
        return (
            quote.source == self.source
            and quote.paragraph <= self.last
            and self.first <= quote.last_paragraph
        )


def shown_passages(message_text: str | None) -> list[Shown]:
    """The passages an answer of ours showed, best first, from its citation lines.

    A line's first citation is the quoted file; others on the line (the same words elsewhere)
    are not what was shown.
    """
    found: list[Shown] = []
    for line in (message_text or "").splitlines():
        match = _CITATION_RE.search(line)
        if match is None:
            continue
        first = int(match[2])
        passage = Shown(match[1], first, int(match[3] or first))
        if passage not in found:
            found.append(passage)
    return found


def next_passage(answerer: Answerer, shown: Shown) -> Quote | None:
    """The paragraphs after ``shown`` (up to two), or None at the article's end."""
    after = shown.last + 1
    return answerer.passage(shown.source, after, after + 1) or answerer.passage(
        shown.source, after, after
    )


def speaker_sentence(answerer: Answerer, shown: Shown) -> Quote | None:
    """The sentence naming who said ``shown``'s words: in it, or in the paragraphs before."""
    numbers = [*range(shown.first, shown.last + 1)]
    numbers += [n for n in range(shown.first - 1, shown.first - 1 - LOOK_BACK, -1) if n > 0]
    for number in numbers:
        quote = answerer.passage(shown.source, number, number)
        if quote is None:
            continue
        for start, end in sentences(quote.text):
            if _ATTRIBUTION_RE.search(quote.text[start:end]):
                return slice_of(quote, start, end)
    return None


def reason_passages(answerer: Answerer, shown: Shown) -> list[Quote]:
    """Paragraphs just after ``shown``, in the same article, that give a reason."""
    found: list[Quote] = []
    for number in range(shown.last + 1, shown.last + 1 + LOOK_AHEAD):
        quote = answerer.passage(shown.source, number, number)
        if quote is None:
            break
        if REASON_RE.search(quote.text):
            found.append(quote)
    return found


def why_question(previous: str) -> str:
    """``previous`` asked as "why": "did stopsim disband" -> "why did stopsim disband"."""
    words = previous.rstrip(" ?").split()
    if words and words[0].lower() in {"why", "how"}:
        return " ".join(words)
    if words and words[0].lower() in _QUESTION_WORDS:
        words = words[1:]  # "what did X do" -> "why did X do"; "who funds X" -> "why funds X"
        if words and words[0].lower() not in _AUXILIARIES:
            words = ["does", *words]
    return " ".join(["why", *words])


def new_quotes(quotes: Sequence[Quote], shown: Sequence[Shown]) -> list[Quote]:
    """``quotes`` without those sharing a paragraph with what was shown, or with each other."""
    kept: list[Quote] = []
    for quote in quotes:
        taken = [*shown, *(Shown(q.source, q.paragraph, q.last_paragraph) for q in kept)]
        if not any(passage.covers(quote) for passage in taken):
            kept.append(quote)
    return kept


def title_of(answerer: Answerer, source: str) -> str:
    """The article's title (its opening words), or its file name if it is not in the index."""
    return next((d.title for d in answerer.documents if d.name == source), source)


def article_end(answerer: Answerer, shown: Shown) -> int:
    """The number of the last paragraph of ``shown``'s article (``shown.last`` if unknown)."""
    index = answerer.index
    pid = index.paragraph_id(shown.source, shown.last)
    if pid is None:
        return shown.last
    rows = index.paragraphs
    doc = rows[pid][DOC]
    while pid + 1 < len(rows) and rows[pid + 1][DOC] == doc:
        pid += 1
    return int(rows[pid][NUMBER])


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans of ``text``'s sentences, each without the white space after it."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(text):
        end = match.end() - (len(match[0]) - len(match[0].rstrip()))
        spans.append((start, end))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text.rstrip())))
    return [(s, e) for s, e in spans if e > s]


def slice_of(quote: Quote, start: int, end: int) -> Quote:
    """Characters ``start`` to ``end`` of ``quote``: still verbatim, still cited."""
    return Quote(
        text=quote.text[start:end],
        source=quote.source,
        paragraph=quote.paragraph,
        last_paragraph=quote.paragraph,
        start=quote.start + start,
        end=quote.start + end,
        score=quote.score,
        also_in=quote.also_in,
    )


_QUESTION_WORDS = frozenset({"what", "who", "which", "when", "where", "whose"})
_AUXILIARIES = frozenset(
    {"did", "does", "do", "is", "are", "was", "were", "has", "have", "had", "can", "could"}
    | {"should", "would", "will"}
)
