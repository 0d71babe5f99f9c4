"""From a question to an ``Answer``: verbatim quotes with their citations, or an honest "no".

The answerer ranks paragraphs with BM25, then reranks the best of them by how much of the
question each one covers and whether it holds the kind of answer asked for (a figure, a date, a
name). It shows each quote with the paragraphs it leans on (the speaker of a long quote), folds
repeated words into one quote citing every file that holds them, and says "not in my sources"
when no paragraph covers enough of the question.

With meaning-level matching (``semantic.py``) the paragraphs nearest the question by meaning join
BM25's candidates, and a learned ranker (``ranker.py``) orders them all by their features.
Boilerplate (``boilerplate.py``) is never a candidate unless the question is wholly about it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from pathlib import Path

import numpy as np

from simbot.answer.candidates import Retriever
from simbot.answer.query import AliasTable, Kind, Query, parse
from simbot.answer.ranker import FEATURES, FloatArray, Ranker, log_length, reciprocal_ranks, shipped
from simbot.index.reader import DOC, END, NUMBER, SAME_AS, SHOW_FROM, START, DocumentEntry, Index
from simbot.text.analyzer import Analyzer, folded_words, tokenize
from simbot.text.embedding import RANKED, Embedder, ranks_by_meaning, shared_embedder
from simbot.text.speakers import MAX_WINDOW

log = logging.getLogger(__name__)

#: The answer contract: at most five passages, each of at most three paragraphs.
MAX_QUOTES = 5
DEFAULT_QUOTES = 3
CANDIDATES = 40
#: Paragraphs nearest the question by meaning that join BM25's candidates.
MEANING_CANDIDATES = 10
#: A boilerplate paragraph is a candidate only when it covers this share of the question.
BOILERPLATE_COVERAGE = 0.999
#: A question is answered only when a paragraph covers this share of its weight...
MIN_COVERAGE = 0.22
#: ...and when words no article holds, in any wording, weigh at most this share of it...
MAX_UNKNOWN_SHARE = 0.5
#: ...and a question asking for a figure only by a figure beside this share of its words.
MIN_NUMBER_COVERAGE = 0.75
#: Later quotes must score at least this share of the first one's.
MIN_RELATIVE_SCORE = 0.55
#: The same, for the learned ranker's probabilities (chosen on the chat set).
MIN_RELATIVE_PROBABILITY = 0.05
BM25_SHARE = 0.4
KIND_BONUS = 0.15
#: How many words apart a figure and the thing it counts may stand.
FIGURE_DISTANCE = 6
PHRASE_BONUS = 0.3
NEAR_DUPLICATE = 0.7

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
#: Words that give a reason ("because", "due to", "as a result"): what answers "why" (here and
#: in the bot's "why?" follow-up).
REASON_RE = re.compile(
    r"\b(?:because|since|after|due to|owing to|as a result|so that|in order to|the reasons?"
    r"|reasons?|following|concerns?|amid|despite|led to|caused|thanks to|made it|making it"
    r"|meant that)\b",
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
    Kind.WHY: REASON_RE,
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
    """A paragraph that may answer the question, with what the engine knows of it."""

    pid: int
    bm25: float
    coverage: float
    kind_match: bool
    #: The engine's hand-made score (BM25 share, coverage, kind, word pairs).
    engine: float = 0.0
    phrase: float = 0.0
    #: 0-based place in BM25's order (``len(hits)`` for a paragraph only the model found).
    bm25_rank: int = 0
    #: Cosine with the question, and 1-based rank by it (exact among the ``semantic.RANKED``
    #: nearest, ``RANKED + 1`` beyond; 0 when meaning-level matching is off).
    cosine: float = 0.0
    meaning_rank: int = 0
    #: How much of each of the question's words (concepts) it holds, 0 to 1.
    shares: tuple[float, ...] = ()
    #: What orders the candidates: the learned ranker's probability, or else ``engine``.
    rank: float = 0.0


class Answerer:
    """Answers questions from one loaded index."""

    def __init__(
        self,
        index: Index,
        analyzer: Analyzer | None = None,
        *,
        learned: bool = True,
        semantic: bool = True,
        paraphrases: bool = True,
    ) -> None:
        self.index = index
        self.analyzer = analyzer or Analyzer(known=index if index.analyzed_alike else None)
        self.aliases = AliasTable(index, self.analyzer)
        self.retriever = Retriever(index)
        #: Without the learned ranker (``learned=False`` or none shipped) the engine's score ranks.
        self.ranker: Ranker | None = shipped() if learned else None
        #: Whether meaning-level matching was asked for (``SIMBOT_SEMANTIC``), had or not.
        self.semantic = semantic
        #: Whether questions are read with the everyday-wording list (off only to measure it).
        self.paraphrases = paraphrases
        self._boilerplate = np.array(sorted(index.boilerplate), dtype=np.int64)
        rows = index.paragraphs
        self._doc_sizes = np.bincount(rows[:, DOC]) if len(rows) else np.zeros(0, dtype=np.int64)
        self._group_sizes = (
            np.bincount(rows[:, SAME_AS]) if len(rows) else np.zeros(0, dtype=np.int64)
        )

    @cached_property
    def embedder(self) -> Embedder | None:
        """The model (``None`` when off or unavailable), loaded on first use."""
        return _embedder_for(self.index) if self.semantic else None

    @classmethod
    def load(cls, index_dir: Path, semantic: bool = True) -> Answerer:
        """An answerer over the index in ``index_dir`` (``IndexProblem`` if there is none)."""
        return cls(Index.load(index_dir), semantic=semantic)

    def cosines(self, question: str) -> FloatArray | None:
        """Every paragraph's cosine with ``question`` (boilerplate: -inf), if the model is on."""
        vectors = self.index.vectors
        if self.embedder is None or vectors is None:
            return None
        cosines = np.asarray(vectors @ self.embedder.embed([question])[0], dtype=np.float64)
        cosines[self._boilerplate] = -np.inf
        return cosines

    @property
    def documents(self) -> list[DocumentEntry]:
        """The articles this answerer quotes."""
        return self.index.documents

    # -- answering ------------------------------------------------------------------------------

    def answer(self, question: str, limit: int = DEFAULT_QUOTES) -> Answer:
        """The best quotes for ``question`` (at most ``limit``), or a reason why there are none."""
        limit = max(1, min(limit, MAX_QUOTES))
        query = parse(question, self.index, self.analyzer, self.aliases, self.paraphrases)
        if not query.concepts:
            return Answer(question, (), "empty" if not question.strip() else "no-words")
        if query.kind is Kind.ADVICE:
            # News reports cannot tell someone what to do about their own care: quoting them
            # as if they did would mislead. The front ends give the maintainers' signpost.
            return Answer(question, (), "advice")
        candidates = self._candidates(query)
        if not candidates or not self._answers(query, candidates):
            return Answer(question, (), "not-covered")
        best = candidates[0].rank
        keep = MIN_RELATIVE_SCORE if self.ranker is None else MIN_RELATIVE_PROBABILITY
        chosen = [c for c in candidates if c.rank >= keep * best]
        return Answer(question, tuple(self._quotes(query, chosen, limit)))

    def candidates(self, question: str) -> tuple[Query, list[Candidate], FloatArray]:
        """The question as parsed, its candidates in the engine's order, and their features.

        For fitting the ranker (``tools/fit_ranker.py``): the features do not depend on it.
        """
        query = parse(question, self.index, self.analyzer, self.aliases, self.paraphrases)
        found = self._engine_candidates(query) if query.concepts else []
        return query, found, self.features(query, found)

    def _candidates(self, query: Query) -> list[Candidate]:
        candidates = self._engine_candidates(query)
        if self.ranker is not None and candidates:
            scores = self.ranker.score(self.features(query, candidates))
            for candidate, score in zip(candidates, scores.tolist(), strict=True):
                candidate.rank = score
            candidates.sort(key=lambda c: (-c.rank, c.pid))
        return candidates

    def _engine_candidates(self, query: Query) -> list[Candidate]:
        """BM25's best paragraphs and the nearest by meaning, in the engine's hand-made order."""
        scores = self.retriever.scores(query.weighted_terms())
        hits = self.retriever.top(scores, CANDIDATES)
        cosines = self.cosines(query.framed or query.text)
        ranks = ranks_by_meaning(cosines) if cosines is not None else {}
        pids = [h.pid for h in hits]
        seen = set(pids)
        pids += [pid for pid in list(ranks)[:MEANING_CANDIDATES] if pid not in seen]
        if not pids:
            return []
        chosen = np.array(pids, dtype=np.int64)
        total = query.weight or 1.0
        covered = np.zeros(len(chosen))
        shares = np.zeros((len(query.concepts), len(chosen)))
        for row, concept in enumerate(query.concepts):
            share = np.zeros(len(chosen))
            for group, credit in concept.groups:
                present = np.zeros(len(chosen))
                for term in group:
                    present += self.index.holding(term, chosen)
                share = np.maximum(share, present / len(group) * credit)
            covered += share * concept.idf
            shares[row] = share
        top = hits[0].score if hits else 1.0
        pattern = _KIND_RES.get(query.kind)
        bigrams = query.bigrams()
        candidates = []
        for at, (pid, coverage) in enumerate(zip(pids, (covered / total).tolist(), strict=True)):
            bm25 = float(scores[pid])
            kind_match = self._kind_match(query, pid, pattern)
            phrase = self._phrase_share(bigrams, pid)
            engine = (
                BM25_SHARE * bm25 / top
                + (1 - BM25_SHARE) * coverage
                + (KIND_BONUS if kind_match else 0.0)
                + PHRASE_BONUS * phrase
            )
            candidates.append(
                Candidate(
                    pid, bm25, coverage, kind_match, engine, phrase,
                    # BM25's own order; the model's extras stand past its candidates.
                    bm25_rank=min(at, len(hits)),
                    shares=tuple(shares[:, at].tolist()),
                    rank=engine,
                )
            )  # fmt: skip
        if cosines is not None:
            for candidate in candidates:
                cosine = float(cosines[candidate.pid])
                # Boilerplate (-inf) is no neighbour by meaning: the least a cosine can be.
                candidate.cosine = cosine if np.isfinite(cosine) else -1.0
                candidate.meaning_rank = ranks.get(candidate.pid, RANKED + 1)
        if len(self._boilerplate):
            # Boilerplate answers only a question about itself ("is DNS a charity?"): one it
            # covers whole, not one that shares a word or two with it.
            boilerplate = self.index.boilerplate
            candidates = [
                c for c in candidates
                if c.pid not in boilerplate or c.coverage >= BOILERPLATE_COVERAGE
            ]  # fmt: skip
        candidates.sort(key=lambda c: (-c.engine, c.pid))
        return candidates

    def features(self, query: Query, candidates: list[Candidate]) -> FloatArray:
        """One row of ``ranker.FEATURES`` per candidate (in the candidates' order)."""
        matrix = np.zeros((len(candidates), len(FEATURES)))
        if not candidates:
            return matrix
        rows = self.index.paragraphs
        top_bm25 = max(c.bm25 for c in candidates) or 1.0
        top_coverage = max(c.coverage for c in candidates)
        top_cosine = max((c.cosine for c in candidates if c.meaning_rank), default=0.0)
        engine_rr = reciprocal_ranks([c.engine for c in candidates])
        asks_kind = query.kind is not Kind.ANY
        known = [n for n, concept in enumerate(query.concepts) if concept.known]
        rarest = max(known, key=lambda n: query.concepts[n].idf) if known else None
        rarest_terms = (
            set() if rarest is None else {self.index.terms[t] for t in query.concepts[rarest].terms}
        )
        for i, c in enumerate(candidates):
            row = rows[c.pid]
            doc = int(row[DOC])
            size = int(self._doc_sizes[doc])
            matrix[i] = (
                c.bm25 / top_bm25,
                1.0 / (c.bm25_rank + 1),
                c.coverage,
                c.coverage - top_coverage,
                float(c.kind_match),
                float(asks_kind and not c.kind_match),
                c.phrase,
                engine_rr[i],
                log_length(int(row[END]) - int(row[START])),
                float(int(row[NUMBER]) == 1),
                (int(row[NUMBER]) - 1) / max(size - 1, 1),
                float(self._group_sizes[int(row[SAME_AS])] > 1),
                float(int(row[SHOW_FROM]) != c.pid),
                1.0 / c.meaning_rank if c.meaning_rank else 0.0,
                c.cosine - top_cosine if c.meaning_rank else -1.0,
                float(rarest is not None and c.shares[rarest] < 0.5),
                sum(1.0 - share for share in c.shares) / len(c.shares) if c.shares else 0.0,
                self._position_of(rarest_terms, c.pid),
            )
        return matrix

    def _position_of(self, terms: set[str], pid: int) -> float:
        """Where the first of ``terms`` stands in the paragraph, 0 (first word) to 1 (absent)."""
        words = self.analyzer.terms(self.index.paragraph_text(pid))
        for at, term in enumerate(words):
            if term in terms:
                return at / len(words)
        return 1.0

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


def _embedder_for(index: Index) -> Embedder | None:
    """The model, if this index holds vectors made by it (otherwise said once, in the log)."""
    entry = index.manifest.get("semantic")
    if not entry:
        log.warning(
            "the index at %s holds no paragraph vectors: answering lexically "
            "(rebuild it with `simbot index build`)", index.directory
        )  # fmt: skip
        return None
    embedder = shared_embedder()
    if embedder is None:
        return None
    if entry.get("sha256") != embedder.info.sha256:
        log.warning(
            "the index at %s holds vectors of another model (%s): answering lexically "
            "(rebuild it with `simbot index build`)", index.directory, entry.get("model")
        )  # fmt: skip
        return None
    return embedder
