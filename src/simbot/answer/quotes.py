"""Quotes: the paragraphs to show for each chosen candidate, verbatim, with every citation.

Each quote is shown with the paragraphs it leans on (the speaker of a long quote, what follows a
colon), overlapping windows become one quote, a near repeat of a quote already shown is left
out, and words that stand word for word in several articles are one quote citing each of them.
A quote's text is always ``article_text[start:end]``: the index's own characters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simbot.answer.kinds import Kind
from simbot.answer.query import Query
from simbot.answer.ranking import Candidate
from simbot.index.reader import Index
from simbot.text.analyzer import Analyzer, tokenize
from simbot.text.speakers import MAX_WINDOW

#: A paragraph sharing this share of its words with a quote already chosen is not shown again.
NEAR_DUPLICATE = 0.7


@dataclass(frozen=True, slots=True)
class Citation:
    """Where words stand: an article file and a 1-based paragraph number."""

    source: str
    paragraph: int


@dataclass(frozen=True, slots=True)
class Quote:
    """Verbatim words of one article: ``text == file_text[start:end]``, always."""

    text: str
    source: str
    paragraph: int
    last_paragraph: int
    start: int
    end: int
    score: float
    also_in: tuple[Citation, ...] = ()
    highlights: tuple[tuple[int, int], ...] = ()

    @property
    def citations(self) -> tuple[Citation, ...]:
        """Every place these exact words stand, this one first."""
        return (Citation(self.source, self.paragraph), *self.also_in)


class Quoter:
    """Makes the quotes of one index."""

    def __init__(self, index: Index, analyzer: Analyzer) -> None:
        self.index = index
        self.analyzer = analyzer

    def quotes(self, query: Query, chosen: list[Candidate], limit: int) -> list[Quote]:
        """At most ``limit`` quotes for the ``chosen`` candidates, best first."""
        spans: list[list[int]] = []  # [first pid, last pid]
        scores: list[float] = []
        shown_groups: dict[int, int] = {}  # duplicate group -> index of the span showing it
        for candidate in chosen:
            pid = candidate.pid
            group = self.index.paragraph(pid).same_as
            if group in shown_groups:
                continue
            if any(first <= pid <= last for first, last in spans):
                continue
            first, last = self.window(pid, query.kind)
            merged = False
            for span in spans:
                same_doc = self._doc(span[0]) == self._doc(first)
                # Overlapping windows become one quote; mere neighbours stay apart.
                if same_doc and first <= span[1] and span[0] <= last:
                    lo, hi = min(span[0], first), max(span[1], last)
                    if hi - lo < MAX_WINDOW:
                        span[0], span[1] = lo, hi
                        merged = True
                        break
            if merged:
                shown_groups[group] = next(i for i, s in enumerate(spans) if s[0] <= pid <= s[1])
                continue
            if len(spans) == limit or self._near_duplicate(pid, spans):
                continue
            shown_groups[group] = len(spans)
            spans.append([first, last])
            scores.append(candidate.bm25)
        highlight = {self.index.terms[t] for t in query.term_weights()}
        return [
            self.quote(first, last, score, highlight)
            for (first, last), score in zip(spans, scores, strict=True)
        ]

    def window(self, pid: int, kind: Kind) -> tuple[int, int]:
        """The paragraphs to show around ``pid``: who speaks before it, what follows a colon."""
        row = self.index.paragraph(pid)
        first, last = row.show_from, pid
        follows = pid + 1 < len(self.index.paragraphs) and self._doc(pid + 1) == row.doc
        wants_next = kind is Kind.NEXT or self.index.paragraph_text(pid).endswith(":")
        if follows and wants_next:
            last = pid + 1
            first = max(first, last - MAX_WINDOW + 1)
        return first, last

    def quote(self, first: int, last: int, score: float, highlight: set[str]) -> Quote:
        """Paragraphs ``first`` to ``last`` (of one article) as a quote, ``highlight``'s terms
        marked."""
        head, tail = self.index.paragraph(first), self.index.paragraph(last)
        text = self.index.text(head.doc, head.start, tail.end)
        spans = tuple(
            (t.start, t.end)
            for t in tokenize(text)
            if (term := self.analyzer.term(t.folded)) and term in highlight
        )
        return Quote(
            text=text,
            source=self.index.documents[head.doc].name,
            paragraph=head.number,
            last_paragraph=tail.number,
            start=head.start,
            end=tail.end,
            score=round(score, 4),
            also_in=self._duplicates_of(first, last),
            highlights=spans,
        )

    def passage(self, source: str, paragraph: int, last: int | None = None) -> Quote | None:
        """Paragraphs ``paragraph`` to ``last`` of ``source``, if an answer could show them.

        Without ``last``: the paragraph with the paragraphs it leans on, as answers show it.
        """
        pid = self.index.paragraph_id(source, paragraph)
        if pid is None:
            return None
        if last is None:
            first, end = self.window(pid, Kind.ANY)
            return self.quote(first, end, 0.0, set())
        end_pid = self.index.paragraph_id(source, last)
        if end_pid is None or not 0 <= end_pid - pid < MAX_WINDOW:
            return None
        return self.quote(pid, end_pid, 0.0, set())

    def _doc(self, pid: int) -> int:
        return self.index.paragraph(pid).doc

    def _near_duplicate(self, pid: int, spans: list[list[int]]) -> bool:
        words = set(self.analyzer.terms(self.index.paragraph_text(pid)))
        for first, last in spans:
            for other in range(first, last + 1):
                theirs = set(self.analyzer.terms(self.index.paragraph_text(other)))
                smaller = min(len(words), len(theirs)) or 1
                if len(words & theirs) / smaller >= NEAR_DUPLICATE:
                    return True
        return False

    def _duplicates_of(self, first: int, last: int) -> tuple[Citation, ...]:
        """Other places holding exactly the paragraphs ``first`` to ``last``, in that order."""
        same_as = self.index.column("same_as")
        size = last - first
        found: list[Citation] = []
        for other in np.flatnonzero(same_as == same_as[first]).tolist():
            end = other + size
            if (
                other != first
                and end < len(same_as)
                and self._doc(end) == self._doc(other)
                and all(same_as[other + k] == same_as[first + k] for k in range(size + 1))
            ):
                row = self.index.paragraph(other)
                found.append(Citation(self.index.documents[row.doc].name, row.number))
        return tuple(found)
