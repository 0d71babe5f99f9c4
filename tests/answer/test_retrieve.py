"""BM25: our scores are rank-bm25's (with Lucene's idf), pinned by hand on a tiny corpus."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from simbot.answer.retriever import Retriever
from simbot.index.build import build_and_save
from simbot.index.corpus import load_corpus
from simbot.index.reader import Index
from simbot.text.analyzer import Analyzer
from support import INDEX, SEEDS, dev_questions


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Index:
    root = tmp_path_factory.mktemp("tiny")
    (root / "seeds").mkdir()
    (root / "seeds" / "a.txt").write_text("apple banana\napple apple cherry\nbanana\n", "utf-8")
    build_and_save(root / "seeds", root / "index", semantic=False)  # BM25 alone: no vectors
    return Index.load(root / "index")


def _query(index: Index, *terms: str) -> list[tuple[int, float]]:
    return [(index.term_ids[t], 1.0) for t in terms]


@pytest.mark.slow
def test_scores_pinned_by_hand(tiny: Index) -> None:
    # N = 3 paragraphs of 2, 3 and 1 terms: avgdl = 2. "appl" is in two paragraphs.
    # idf = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)) = ln(1.6) = 0.4700036292457356
    # paragraph 2, tf = 2, dl = 3: 2 * 2.5 / (2 + 1.5 * (0.25 + 0.75 * 3 / 2)) = 1.2307692307692308
    scores = Retriever(tiny).scores(_query(tiny, "appl"))
    assert scores[1] == pytest.approx(0.4700036292457356 * 1.2307692307692308, abs=1e-12)
    assert scores[1] == pytest.approx(0.5784660052255208, abs=1e-12)
    # paragraph 1, tf = 1, dl = 2: 1 * 2.5 / (1 + 1.5) = 1.0
    assert scores[0] == pytest.approx(0.4700036292457356, abs=1e-12)
    assert scores[2] == 0.0


@pytest.mark.slow
@pytest.mark.slow
def test_idf_is_never_zero_or_negative(tiny: Index) -> None:
    # rank-bm25's Okapi idf is zero for a term in half the paragraphs and negative above that.
    assert (tiny.idf > 0).all()
    assert tiny.idf[tiny.term_ids["banana"]] == pytest.approx(math.log(1.6))


def test_search_ranks_only_paragraphs_sharing_a_term(tiny: Index) -> None:
    hits = Retriever(tiny).search(_query(tiny, "cherri"), 10)
    assert [h.pid for h in hits] == [1]
    assert Retriever(tiny).search([], 10) == []


@pytest.mark.slow
def test_scores_equal_rank_bm25_on_the_articles() -> None:
    analyzer = Analyzer()
    corpus = load_corpus(SEEDS)
    index = Index.load(INDEX)
    retriever = Retriever(index)
    # The documents rank-bm25 sees: each paragraph's terms plus the speaker terms we index.
    rows = {t: i for i, t in enumerate(index.terms)}
    tokens = [analyzer.terms(p.text) for p in corpus.paragraphs()]
    for pid, doc in enumerate(tokens):
        extra = int(index.doc_len[pid]) - len(doc)
        held = {
            index.terms[t]
            for t in range(len(index.terms))
            if pid in index.postings[index.offsets[t] : index.offsets[t + 1]]
        }
        doc.extend(sorted(held - set(doc))[:extra])
        assert len(doc) == index.doc_len[pid]
    reference = BM25Okapi(tokens)
    reference.idf = {t: float(index.idf[rows[t]]) for t in index.terms}
    questions = [q["question"] for q in dev_questions()]
    rng = random.Random(7)
    questions += [" ".join(rng.sample(index.terms, 4)) for _ in range(40)]
    for question in questions:
        terms = [t for t in analyzer.terms(question) if t in rows]
        ours = retriever.scores([(rows[t], 1.0) for t in terms])
        theirs = reference.get_scores(terms)
        assert np.array_equal(ours, theirs), question
