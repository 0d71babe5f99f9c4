"""Candidates and their order: BM25's best paragraphs and the nearest by meaning, ranked.

Each candidate gets what the engine knows of it (BM25, coverage of the question, whether it
holds the kind of answer asked for, word pairs, its ranks) and the engine's hand-made score; the
learned ranker (``simbot.answer.ranker``) then orders them all by their features. Boilerplate is
never a candidate unless the question is wholly about it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np

from simbot.answer.kinds import Kind, figure_beside, holding_pattern
from simbot.answer.query import Query
from simbot.answer.ranker import FEATURES, Ranker, log_length, reciprocal_ranks
from simbot.answer.retriever import Retriever
from simbot.index.format import FloatArray
from simbot.index.reader import Index
from simbot.text.analyzer import Analyzer, folded_words, tokenize
from simbot.text.embedding import RANKED, ranks_by_meaning

#: BM25's candidates.
CANDIDATES = 40
#: Paragraphs nearest the question by meaning that join BM25's candidates.
MEANING_CANDIDATES = 10
#: A boilerplate paragraph is a candidate only when it covers this share of the question.
BOILERPLATE_COVERAGE = 0.999
#: The engine's hand-made score: BM25's share, and bonuses for the kind and for word pairs.
BM25_SHARE = 0.4
KIND_BONUS = 0.15
PHRASE_BONUS = 0.3


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
    #: Cosine with the question, and 1-based rank by it (exact among the ``embedding.RANKED``
    #: nearest, ``RANKED + 1`` beyond; 0 when meaning-level matching is off).
    cosine: float = 0.0
    meaning_rank: int = 0
    #: How much of each of the question's words (concepts) it holds, 0 to 1.
    shares: tuple[float, ...] = ()
    #: What orders the candidates: the learned ranker's probability, or else ``engine``.
    rank: float = 0.0


#: Paragraphs whose terms and word pairs a ``Ranking`` keeps (a few MB at most).
PARAGRAPH_CACHE = 4096


class Ranking:
    """Finds and orders the candidates for a question over one index."""

    def __init__(self, index: Index, analyzer: Analyzer, ranker: Ranker | None) -> None:
        self.index = index
        self.analyzer = analyzer
        self.retriever = Retriever(index)
        #: Without the learned ranker the engine's score ranks.
        self.ranker = ranker
        self.boilerplate = np.array(sorted(index.boilerplate), dtype=np.int64)
        empty = np.zeros(0, dtype=np.int64)
        self._doc_sizes = np.bincount(index.column("doc")) if len(index.paragraphs) else empty
        self._group_sizes = np.bincount(index.column("same_as")) if len(index.paragraphs) else empty
        # A paragraph's terms and word pairs, read for each question it is a candidate for: the
        # same few paragraphs come back question after question (all of them, for five articles).
        self._terms_of = lru_cache(maxsize=PARAGRAPH_CACHE)(self._terms)
        self._pairs_of = lru_cache(maxsize=PARAGRAPH_CACHE)(self._pairs)

    def _terms(self, pid: int) -> tuple[str, ...]:
        return tuple(self.analyzer.terms(self.index.paragraph_text(pid)))

    def _pairs(self, pid: int) -> frozenset[tuple[str, str]]:
        return frozenset(pairwise(folded_words(self.index.paragraph_text(pid))))

    def ranked(self, query: Query, cosines: FloatArray | None) -> list[Candidate]:
        """The candidates, best first: by the learned ranker, or else by the engine's score."""
        candidates = self.candidates(query, cosines)
        if self.ranker is not None and candidates:
            scores = self.ranker.score(self.features(query, candidates))
            for candidate, score in zip(candidates, scores.tolist(), strict=True):
                candidate.rank = score
            candidates.sort(key=lambda c: (-c.rank, c.pid))
        return candidates

    def candidates(self, query: Query, cosines: FloatArray | None) -> list[Candidate]:
        """BM25's best paragraphs and the nearest by meaning, in the engine's hand-made order.

        ``cosines``: every paragraph's cosine with the question (None when the model is off).
        """
        scores = self.retriever.scores(query.weighted_terms())
        hits = self.retriever.top(scores, CANDIDATES)
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
        pattern = holding_pattern(query.kind)
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
        if len(self.boilerplate):
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
            row = self.index.paragraph(c.pid)
            size = int(self._doc_sizes[row.doc])
            matrix[i] = (
                c.bm25 / top_bm25,
                1.0 / (c.bm25_rank + 1),
                c.coverage,
                c.coverage - top_coverage,
                float(c.kind_match),
                float(asks_kind and not c.kind_match),
                c.phrase,
                engine_rr[i],
                log_length(row.end - row.start),
                float(row.number == 1),
                (row.number - 1) / max(size - 1, 1),
                float(self._group_sizes[row.same_as] > 1),
                float(row.show_from != c.pid),
                1.0 / c.meaning_rank if c.meaning_rank else 0.0,
                c.cosine - top_cosine if c.meaning_rank else -1.0,
                float(rarest is not None and c.shares[rarest] < 0.5),
                sum(1.0 - share for share in c.shares) / len(c.shares) if c.shares else 0.0,
                self._position_of(rarest_terms, c.pid),
            )
        return matrix

    def _position_of(self, terms: set[str], pid: int) -> float:
        """Where the first of ``terms`` stands in the paragraph, 0 (first word) to 1 (absent)."""
        words = self._terms_of(pid)
        for at, term in enumerate(words):
            if term in terms:
                return at / len(words)
        return 1.0

    def _phrase_share(self, bigrams: set[tuple[str, str]], pid: int) -> float:
        """The share of the question's word pairs that stand together in the paragraph."""
        if not bigrams:
            return 0.0
        return len(bigrams & self._pairs_of(pid)) / len(bigrams)

    def _kind_match(self, query: Query, pid: int, pattern: re.Pattern[str] | None) -> bool:
        """Whether paragraph ``pid`` holds the kind of answer ``query`` asks for."""
        if query.kind is Kind.DEFINE:
            return any(pid in self.index.definitions.get(a, []) for a in query.acronyms)
        if query.kind is Kind.NUMBER:
            focus = {self.index.terms[t] for c in query.concepts for t in c.terms}
            tokens = tokenize(self.index.paragraph_text(pid))
            return figure_beside(tokens, lambda t: self.analyzer.term(t.folded) in focus)
        return bool(pattern and pattern.search(self.index.paragraph_text(pid)))
