"""From a question to an ``Answer``: verbatim quotes with their citations, or an honest "no".

The steps, each in a module of its own: the question is parsed (``query``: its concepts and
answer kind, ``kinds``); BM25's best paragraphs and the nearest by meaning become candidates,
ranked by the learned ranker (``ranking``, ``ranker``); the decline decision says whether they
answer at all (``decline``); the chosen ones become quotes with every citation (``quotes``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from simbot.answer.decline import answers, kept
from simbot.answer.kinds import Kind
from simbot.answer.query import AliasTable, Query, parse
from simbot.answer.quotes import Quote, Quoter
from simbot.answer.ranker import Ranker, shipped
from simbot.answer.ranking import Candidate, Ranking
from simbot.index.format import DocumentEntry, FloatArray
from simbot.index.reader import Index
from simbot.text.analyzer import Analyzer
from simbot.text.embedding import Embedder, shared_embedder

log = logging.getLogger(__name__)

#: The answer contract: at most five passages, each of at most three paragraphs.
MAX_QUOTES = 5
DEFAULT_QUOTES = 3


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
        #: Without the learned ranker (``learned=False`` or none shipped) the engine's score ranks.
        self.ranking = Ranking(index, self.analyzer, shipped() if learned else None)
        self.quoter = Quoter(index, self.analyzer)
        #: Whether meaning-level matching was asked for (``SIMBOT_SEMANTIC``), had or not.
        self.semantic = semantic
        #: Whether questions are read with the everyday-wording list (off only to measure it).
        self.paraphrases = paraphrases

    @property
    def ranker(self) -> Ranker | None:
        """The learned ranker in use (None: the engine's hand-made score ranks)."""
        return self.ranking.ranker

    @ranker.setter
    def ranker(self, ranker: Ranker | None) -> None:
        self.ranking.ranker = ranker

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
        cosines[self.ranking.boilerplate] = -np.inf
        return cosines

    @property
    def documents(self) -> list[DocumentEntry]:
        """The articles this answerer quotes."""
        return self.index.documents

    def answer(self, question: str, limit: int = DEFAULT_QUOTES) -> Answer:
        """The best quotes for ``question`` (at most ``limit``), or a reason why there are none."""
        limit = max(1, min(limit, MAX_QUOTES))
        query = self._parse(question)
        if not query.concepts:
            return Answer(question, (), "empty" if not question.strip() else "no-words")
        if query.kind is Kind.ADVICE:
            # News reports cannot tell someone what to do about their own care: quoting them
            # as if they did would mislead. The front ends give the maintainers' signpost.
            return Answer(question, (), "advice")
        candidates = self.ranking.ranked(query, self._cosines(query))
        if not candidates or not answers(query, candidates):
            return Answer(question, (), "not-covered")
        chosen = kept(candidates, learned=self.ranker is not None)
        return Answer(question, tuple(self.quoter.quotes(query, chosen, limit)))

    def candidates(self, question: str) -> tuple[Query, list[Candidate], FloatArray]:
        """The question as parsed, its candidates in the engine's order, and their features.

        For fitting the ranker (``tools/fit_ranker.py``): the features do not depend on it.
        """
        query = self._parse(question)
        found = self.ranking.candidates(query, self._cosines(query)) if query.concepts else []
        return query, found, self.features(query, found)

    def features(self, query: Query, candidates: list[Candidate]) -> FloatArray:
        """One row of ``ranker.FEATURES`` per candidate (in the candidates' order)."""
        return self.ranking.features(query, candidates)

    def passage(self, source: str, paragraph: int, last: int | None = None) -> Quote | None:
        """Paragraphs ``paragraph`` to ``last`` of ``source``, if an answer could show them.

        Without ``last``: the paragraph with the paragraphs it leans on, as answers show it.
        """
        return self.quoter.passage(source, paragraph, last)

    def _parse(self, question: str) -> Query:
        return parse(question, self.index, self.analyzer, self.aliases, self.paraphrases)

    def _cosines(self, query: Query) -> FloatArray | None:
        return self.cosines(query.framed or query.text)


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
