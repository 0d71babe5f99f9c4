"""From a question to an ``Answer``: verbatim quotes with their citations, or an honest "no".

The answerer ranks paragraphs with BM25, then reranks the best of them by how much of the
question each one covers and whether it holds the kind of answer asked for (a figure, a date, a
name). With meaning-level matching on (``semantic.py``), the paragraphs nearest the question by
meaning join the candidates, each with its features (``Candidate``) for a ranker to weigh.
Boilerplate paragraphs (``boilerplate.py``) are never candidates, unless they hold the whole
question (it is about them), and are never among the model's. It shows each quote with the
paragraphs it leans on (the speaker of a long quote), folds repeated words into one quote
citing every file that holds them, and says "not in my sources" when no paragraph covers enough
of the question.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from pathlib import Path

import numpy as np
import numpy.typing as npt

from simbot.analysis import Analyzer, folded_words, tokenize
from simbot.context import MAX_WINDOW
from simbot.index import DOC, END, NUMBER, SAME_AS, SHOW_FROM, START, DocumentEntry, Index
from simbot.query import AliasTable, Kind, Query, parse
from simbot.retrieve import Hit, Retriever
from simbot.semantic import RANKED, Embedder, ranks_by_meaning, shared_embedder

log = logging.getLogger(__name__)

#: The answer contract: at most five passages, each of at most three paragraphs.
MAX_QUOTES = 5
DEFAULT_QUOTES = 3
CANDIDATES = 40
#: Paragraphs nearest the question by meaning that join BM25's candidates.
SEMANTIC_CANDIDATES = 10
#: A question is answered only when a paragraph covers this share of its weight...
MIN_COVERAGE = 0.22
#: ...and when words no article holds, in any wording, weigh at most this share of it...
MAX_UNKNOWN_SHARE = 0.5
#: ...and a question asking for a figure only by a figure beside this share of its words.
MIN_NUMBER_COVERAGE = 0.75
#: Later quotes must score at least this share of the first one's.
MIN_RELATIVE_SCORE = 0.55
BM25_SHARE = 0.4
KIND_BONUS = 0.15
#: How many words apart a figure and the thing it counts may stand.
FIGURE_DISTANCE = 6
PHRASE_BONUS = 0.3
NEAR_DUPLICATE = 0.7
#: A boilerplate paragraph is a candidate only when it covers this share of the question.
BOILERPLATE_COVERAGE = 0.999

_NUMBER_RE = re.compile(
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
_WHERE_RE = re.compile(r"\b(?:in|on|at|across|from) (?:the )?[A-Z][a-z]+")
_WHAT_IS_RE = re.compile(r"\W*(?:what|which)(?:'s|’s|s| is| are| was| were)\b", re.IGNORECASE)
_KIND_RES = {
    Kind.NUMBER: _NUMBER_RE,
    Kind.TIME: _TIME_RE,
    Kind.DURATION: _DURATION_RE,
    Kind.WHO: _WHO_RE,
    Kind.WHERE: _WHERE_RE,
}


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


@dataclass(frozen=True, slots=True)
class Answer:
    """The quotes that answer a question, best first; none when the articles do not answer it."""

    question: str
    quotes: tuple[Quote, ...]
    reason: str = ""

    @property
    def answered(self) -> bool:
        """Whether the articles answer the question."""
        return bool(self.quotes)


@dataclass(slots=True)
class Candidate:
    """A paragraph that might answer a question, with what the engine and the model say of it.

    ``rank`` is the engine's own score (BM25 share, coverage, answer kind, phrases), which
    orders its answers today; the rest are features for a ranker. Ranks are 1-based; a
    paragraph outside BM25's candidates has ``bm25_rank`` ``None``; ``semantic_rank`` is exact
    among the 100 nearest by meaning (``semantic.RANKED``) and 101 beyond; without
    meaning-level matching ``cosine`` is NaN and ``semantic_rank`` ``None``.
    """

    pid: int
    bm25: float
    coverage: float
    kind_match: bool
    rank: float = 0.0
    phrase: float = 0.0
    bm25_rank: int | None = None
    engine_rank: int | None = None
    cosine: float = math.nan
    semantic_rank: int | None = None
    semantic_margin: float = math.nan  # the best paragraph's cosine less this one's
    from_semantic: bool = field(default=False)  # not among BM25's candidates, only the model's
    boilerplate: bool = False  # boilerplate that holds the whole question (``boilerplate.py``)

    def features(self) -> dict[str, float]:
        """The candidate's features as numbers (a missing rank is 0, a missing cosine NaN)."""
        return {
            "engine_score": self.rank,
            "engine_rank": float(self.engine_rank or 0),
            "bm25": self.bm25,
            "bm25_rank": float(self.bm25_rank or 0),
            "coverage": self.coverage,
            "kind_match": float(self.kind_match),
            "phrase": self.phrase,
            "cosine": self.cosine,
            "semantic_rank": float(self.semantic_rank or 0),
            "semantic_margin": self.semantic_margin,
            "from_semantic": float(self.from_semantic),
            "boilerplate": float(self.boilerplate),
        }




class Answerer:
    """Answers questions from one loaded index."""

    def __init__(
        self, index: Index, analyzer: Analyzer | None = None, *, semantic: bool = True
    ) -> None:
        self.index = index
        self.analyzer = analyzer or Analyzer(known=index if index.analyzed_alike else None)
        self.aliases = AliasTable(index, self.analyzer)
        self.retriever = Retriever(index)
        #: Whether meaning-level matching was asked for (``SIMBOT_SEMANTIC``), had or not.
        self.semantic = semantic
        self._boilerplate = np.array(sorted(index.boilerplate), dtype=np.int64)

    @cached_property
    def embedder(self) -> Embedder | None:
        """The model (``None`` when off or unavailable), loaded on first use.

        Answers need it only for ``candidates`` today: ``simbot ask`` should not pay for ONNX
        Runtime's import and the model's checksum for nothing.
        """
        return _embedder_for(self.index) if self.semantic else None

    @classmethod
    def load(cls, index_dir: Path, semantic: bool = True) -> Answerer:
        """An answerer over the index in ``index_dir`` (``IndexProblem`` if there is none)."""
        return cls(Index.load(index_dir), semantic=semantic)

    @property
    def documents(self) -> list[DocumentEntry]:
        """The articles this answerer quotes."""
        return self.index.documents

    # -- answering ------------------------------------------------------------------------------

    def answer(self, question: str, limit: int = DEFAULT_QUOTES) -> Answer:
        """The best quotes for ``question`` (at most ``limit``), or a reason why there are none."""
        limit = max(1, min(limit, MAX_QUOTES))
        query = parse(question, self.index, self.analyzer, self.aliases)
        if not query.concepts:
            return Answer(question, (), "empty" if not question.strip() else "no-words")
        # The engine ranks BM25's candidates as it always has: no fixed fusion with the model's
        # order did better on the chat questions (tools/semantic_report.py), so the question is
        # embedded only for ``candidates``, whose features a learned ranker is to weigh.
        candidates = self._candidates(query, question, by_meaning=False)
        if not candidates or not self._answers(query, candidates):
            return Answer(question, (), "not-covered")
        best = candidates[0].rank
        chosen = [c for c in candidates if c.rank >= MIN_RELATIVE_SCORE * best]
        return Answer(question, tuple(self._quotes(query, chosen, limit)))

    def candidates(self, question: str) -> list[Candidate]:
        """BM25's candidates and the paragraphs nearest ``question`` by meaning, with features.

        In the engine's order (``rank``), the model's own candidates after BM25's. Boilerplate
        is among them only when it holds the whole question; an empty question has none.
        """
        query = parse(question, self.index, self.analyzer, self.aliases)
        return self._candidates(query, question) if query.concepts else []


    def cosines(self, question: str) -> FloatVector | None:
        """Every paragraph's cosine with ``question`` (boilerplate: -inf), if the model is on."""
        vectors = self.index.vectors
        if self.embedder is None or vectors is None:
            return None
        cosines = np.asarray(vectors @ self.embedder.embed([question])[0], dtype=np.float64)
        cosines[self._boilerplate] = -np.inf
        return cosines

    def _candidates(
        self, query: Query, question: str = "", *, by_meaning: bool = True
    ) -> list[Candidate]:
        hits = self.retriever.search(query.weighted_terms(), CANDIDATES)
        cosines = self.cosines(question or query.text) if by_meaning else None
        ranks = ranks_by_meaning(cosines) if cosines is not None else {}
        nearest = list(ranks)[:SEMANTIC_CANDIDATES]
        in_hits = {h.pid for h in hits}
        extra = [p for p in nearest if p not in in_hits]
        if not hits and not extra:
            return []
        candidates = self._score(query, [*hits, *(Hit(p, 0.0) for p in extra)])
        if len(self._boilerplate):
            # Boilerplate answers only a question about itself ("is DNS a charity?"): one it
            # covers whole, not one that shares a word or two with it.
            boilerplate = self.index.boilerplate
            kept = [
                c.pid not in boilerplate or c.coverage >= BOILERPLATE_COVERAGE for c in candidates
            ]
            hits = [h for h, keep in zip(hits, kept, strict=False) if keep]
            candidates = [c for c, keep in zip(candidates, kept, strict=True) if keep]
            if not candidates:
                return []
            for candidate in candidates:
                candidate.boilerplate = candidate.pid in boilerplate
        for n, candidate in enumerate(candidates[: len(hits)], 1):
            candidate.bm25_rank = n
        for candidate in candidates[len(hits) :]:
            candidate.from_semantic = True
        if cosines is not None:
            best = float(cosines[nearest[0]]) if nearest else 0.0
            for candidate in candidates:
                candidate.cosine = float(cosines[candidate.pid])
                candidate.semantic_rank = ranks.get(candidate.pid, RANKED + 1)
                candidate.semantic_margin = best - candidate.cosine
        candidates.sort(key=lambda c: (c.from_semantic, -c.rank, c.pid))
        for n, candidate in enumerate(candidates, 1):
            candidate.engine_rank = n
        return candidates

    def _score(self, query: Query, hits: list[Hit]) -> list[Candidate]:
        """The engine's score of each hit, in the order given (BM25 shares are of the first's)."""
        pids = np.array([h.pid for h in hits], dtype=np.int64)
        total = query.weight or 1.0
        covered = np.zeros(len(hits))
        for concept in query.concepts:
            share = np.zeros(len(hits))
            for group, credit in concept.groups:
                present = np.zeros(len(hits))
                for term in group:
                    present += self.index.holding(term, pids)
                share = np.maximum(share, present / len(group) * credit)
            covered += share * concept.idf
        top = hits[0].score or 1.0
        pattern = _KIND_RES.get(query.kind)
        bigrams = query.bigrams()
        candidates = []
        for hit, coverage in zip(hits, covered / total, strict=True):
            kind_match = self._kind_match(query, hit.pid, pattern)
            phrase = self._phrase_share(bigrams, hit.pid)
            rank = (
                BM25_SHARE * hit.score / top
                + (1 - BM25_SHARE) * coverage
                + (KIND_BONUS if kind_match else 0.0)
                + PHRASE_BONUS * phrase
            )
            candidates.append(
                Candidate(hit.pid, hit.score, float(coverage), kind_match, rank, phrase)
            )
        return candidates

    def _phrase_share(self, bigrams: set[tuple[str, str]], pid: int) -> float:
        """The share of the question's word pairs that stand together in the paragraph."""
        if not bigrams:
            return 0.0
        words = folded_words(self.index.paragraph_text(pid))
        return len(bigrams & set(pairwise(words))) / len(bigrams)

    def _kind_match(self, query: Query, pid: int, pattern: re.Pattern[str] | None) -> bool:
        if query.kind is Kind.DEFINE:
            return any(pid in self.index.definitions.get(a, []) for a in query.acronyms)
        if query.kind is Kind.NUMBER:
            return self._counts_focus(query, pid)
        return bool(pattern and pattern.search(self.index.paragraph_text(pid)))

    def _counts_focus(self, query: Query, pid: int) -> bool:
        """Whether a figure stands beside a word of the question ("64,000 supporters")."""
        focus = {self.index.terms[t] for c in query.concepts for t in c.terms}
        tokens = tokenize(self.index.paragraph_text(pid))
        figures = [n for n, t in enumerate(tokens) if _NUMBER_RE.fullmatch(t.folded)]
        near = [n for n, t in enumerate(tokens) if self.analyzer.term(t.folded) in focus]
        return any(abs(f - w) <= FIGURE_DISTANCE for f in figures for w in near)

    def _answers(self, query: Query, candidates: list[Candidate]) -> bool:
        """Whether the best paragraphs hold enough of the question to answer it.

        Raw BM25 scores are not comparable across questions, so the decision rests on
        coverage: the share of the question's weight (idf) that a paragraph holds.
        """
        if max(c.coverage for c in candidates) < MIN_COVERAGE:
            return False
        # Most of what is asked about is in no article, in any wording ("football season").
        unknown = sum(c.idf for c in query.concepts if not c.terms)
        if unknown > MAX_UNKNOWN_SHARE * query.weight:
            return False
        # "What is the population of ...": the thing asked about is in no article.
        if _WHAT_IS_RE.match(query.text) and not query.concepts[0].known:
            return False
        if query.kind is Kind.NUMBER:
            # A figure answers "how many X" only beside (nearly) all of the question's words.
            return all(c.known for c in query.concepts) and any(
                c.kind_match and c.coverage >= MIN_NUMBER_COVERAGE for c in candidates
            )
        return True

    # -- quoting --------------------------------------------------------------------------------

    def quote_of(self, pid: int) -> Quote:
        """Paragraph ``pid`` as an answer would show it (with the paragraphs it leans on)."""
        first, last = self._window(pid, Kind.ANY)
        return self._quote(first, last, 0.0, set())

    def _quotes(self, query: Query, chosen: list[Candidate], limit: int) -> list[Quote]:
        spans: list[list[int]] = []  # [first pid, last pid]
        scores: list[float] = []
        shown_groups: dict[int, int] = {}  # duplicate group -> index of the span showing it
        for candidate in chosen:
            pid = candidate.pid
            group = int(self.index.paragraphs[pid][SAME_AS])
            if group in shown_groups:
                continue
            if any(first <= pid <= last for first, last in spans):
                continue
            first, last = self._window(pid, query.kind)
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
        highlight = self._highlight_terms(query)
        return [
            self._quote(first, last, score, highlight)
            for (first, last), score in zip(spans, scores, strict=True)
        ]

    def _window(self, pid: int, kind: Kind) -> tuple[int, int]:
        """The paragraphs to show around ``pid``: who speaks before it, what follows a colon."""
        row = self.index.paragraphs
        first, last = int(row[pid][SHOW_FROM]), pid
        follows = pid + 1 < len(row) and row[pid + 1][DOC] == row[pid][DOC]
        wants_next = kind is Kind.NEXT or self.index.paragraph_text(pid).endswith(":")
        if follows and wants_next:
            last = pid + 1
            first = max(first, last - MAX_WINDOW + 1)
        return first, last

    def _doc(self, pid: int) -> int:
        return int(self.index.paragraphs[pid][DOC])

    def _near_duplicate(self, pid: int, spans: list[list[int]]) -> bool:
        words = set(self.analyzer.terms(self.index.paragraph_text(pid)))
        for first, last in spans:
            for other in range(first, last + 1):
                theirs = set(self.analyzer.terms(self.index.paragraph_text(other)))
                smaller = min(len(words), len(theirs)) or 1
                if len(words & theirs) / smaller >= NEAR_DUPLICATE:
                    return True
        return False

    def _highlight_terms(self, query: Query) -> set[str]:
        return {self.index.terms[t] for t in query.term_weights()}

    def _quote(self, first: int, last: int, score: float, highlight: set[str]) -> Quote:
        rows = self.index.paragraphs
        doc = int(rows[first][DOC])
        start, end = int(rows[first][START]), int(rows[last][END])
        text = self.index.text(doc, start, end)
        spans = tuple(
            (t.start, t.end)
            for t in tokenize(text)
            if (term := self.analyzer.term(t.folded)) and term in highlight
        )
        return Quote(
            text=text,
            source=self.index.documents[doc].name,
            paragraph=int(rows[first][NUMBER]),
            last_paragraph=int(rows[last][NUMBER]),
            start=start,
            end=end,
            score=round(score, 4),
            also_in=self._duplicates_of(first, last),
            highlights=spans,
        )

    def _duplicates_of(self, first: int, last: int) -> tuple[Citation, ...]:
        """Other places holding exactly the paragraphs ``first`` to ``last``, in that order."""
        rows = self.index.paragraphs
        size = last - first
        found: list[Citation] = []
        for other in np.flatnonzero(rows[:, SAME_AS] == rows[first][SAME_AS]).tolist():
            end = other + size
            if (
                other != first
                and end < len(rows)
                and rows[end][DOC] == rows[other][DOC]
                and all(
                    rows[other + k][SAME_AS] == rows[first + k][SAME_AS] for k in range(size + 1)
                )
            ):
                found.append(
                    Citation(self.index.documents[self._doc(other)].name, int(rows[other][NUMBER]))
                )
        return tuple(found)

    # -- single passages ------------------------------------------------------------------------

    def passage(self, source: str, paragraph: int, last: int | None = None) -> Quote | None:
        """Paragraphs ``paragraph`` to ``last`` of ``source``, if an answer could show them.

        Without ``last``: the paragraph with the paragraphs it leans on, as answers show it.
        """
        pid = self.index.paragraph_id(source, paragraph)
        if pid is None:
            return None
        if last is None:
            first, end = self._window(pid, Kind.ANY)
            return self._quote(first, end, 0.0, set())
        end_pid = self.index.paragraph_id(source, last)
        if end_pid is None or not 0 <= end_pid - pid < MAX_WINDOW:
            return None
        return self._quote(pid, end_pid, 0.0, set())


FloatVector = npt.NDArray[np.float64]


def _embedder_for(index: Index) -> Embedder | None:
    """The model, if this index holds vectors made by it (otherwise said once, in the log)."""
    entry = index.manifest.get("semantic")
    if not entry:
        log.warning(
            "the index at %s holds no paragraph vectors: answering lexically "
            "(rebuild it with `simbot index build`)", index.directory
        )
        return None
    embedder = shared_embedder()
    if embedder is None:
        return None
    if entry.get("sha256") != embedder.info.sha256:
        log.warning(
            "the index at %s holds vectors of another model (%s): answering lexically "
            "(rebuild it with `simbot index build`)", index.directory, entry.get("model")
        )
        return None
    return embedder
