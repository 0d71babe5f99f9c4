"""The index at scale: built with numpy, memory-mapped, and still scored exactly as rank-bm25 does.

Synthetic corpora of a few hundred and a few thousand paragraphs (English words drawn by a Zipf
law from the shipped synonym list, with quotes that lean on their speaker, acronyms and repeated
paragraphs) are built with ``build`` itself, and every score is checked against
``BM25Okapi.get_scores`` fed the same terms with our idf.
"""

from __future__ import annotations

import io
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from simbot.answer.retriever import Retriever
from simbot.cli import _ProgressBars
from simbot.index.bm25 import term_weights
from simbot.index.build import build
from simbot.index.corpus import Corpus, load_corpus
from simbot.index.reader import Index
from simbot.index.writer import save
from simbot.text import analyzer as analysis
from simbot.text import wordlists
from simbot.text.analyzer import Analyzer
from simbot.text.speakers import speaker_terms

#: Indexes of thousands of paragraphs, built for the module: all of it is slow.
pytestmark = pytest.mark.slow

SMALL, MEDIUM = 300, 3000


def _vocabulary() -> list[str]:
    table = wordlists.table("synonyms")
    words = sorted({w for key, found in table.items() for w in (key, *found) if w.isalpha()})
    return random.Random(1).sample(words, 4000)


def _write_corpus(folder: Path, paragraphs: int, seed: int) -> Path:
    """``paragraphs`` paragraphs in files of 50, deterministic for a seed."""
    rng = random.Random(seed)
    vocabulary = _vocabulary()
    zipf = [1 / (rank + 1) for rank in range(len(vocabulary))]
    stopwords = sorted(wordlists.words("stopwords"))
    folder.mkdir(parents=True)
    made: list[str] = []
    for _ in range(paragraphs):
        size = rng.randint(3, 60)
        words = rng.choices(vocabulary, zipf, k=size)
        words += rng.choices(stopwords, k=size // 3)
        rng.shuffle(words)
        text = " ".join(words).capitalize() + "."
        roll = rng.random()
        if roll < 0.05 and made:
            text = rng.choice(made)  # the same words in another place
        elif roll < 0.15:
            text = f"“{text}”"  # a quote leaning on its speaker
        elif roll < 0.2:
            text = f"He said {text[0].lower()}{text[1:]}"
        elif roll < 0.25:
            name = rng.sample(vocabulary, 3)
            initials = "".join(w[0] for w in name).upper()
            text = f"The {' '.join(w.capitalize() for w in name)} ({initials}) said {text}"
        elif roll < 0.3:
            text = f"{rng.choice(vocabulary).capitalize()} {rng.choice(vocabulary).capitalize()}" \
                   f" said: {text}"  # fmt: skip
        made.append(text)
    for start in range(0, paragraphs, 50):
        body = "\n\n".join(made[start : start + 50]) + "\n"
        (folder / f"{start // 50:05d}.txt").write_text(body, "utf-8")
    return folder


@pytest.fixture(scope="module", params=[SMALL, MEDIUM], ids=["small", "medium"])
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Corpus, Index]:
    root = tmp_path_factory.mktemp(f"corpus{request.param}")
    corpus = load_corpus(_write_corpus(root / "seeds", request.param, seed=request.param))
    files, _ = build(corpus)
    save(files, root / "index")
    return corpus, Index.load(root / "index")


def _documents(corpus: Corpus) -> list[list[str]]:
    """Each paragraph's terms as the index defines them: its words, then its speaker's."""
    analyzer = Analyzer()
    documents = []
    for document in corpus.documents:
        texts = [p.text for p in document.paragraphs]
        for i, text in enumerate(texts):
            documents.append(analyzer.terms(text) + speaker_terms(texts, i, analyzer))
    return documents


def test_scores_equal_rank_bm25(built: tuple[Corpus, Index]) -> None:
    corpus, index = built
    documents = _documents(corpus)
    reference = BM25Okapi(documents)
    reference.idf = {t: float(index.idf[i]) for i, t in enumerate(index.terms)}
    retriever = Retriever(index)
    rng = random.Random(5)
    common = [t for t, _ in Counter(t for d in documents for t in d).most_common(30)]
    questions = [rng.sample(index.terms, rng.randint(1, 8)) for _ in range(150)]
    questions += [rng.sample(common, 4) + rng.sample(index.terms, 2) for _ in range(50)]
    questions += [[t, t, *rng.sample(common, 2)] for t in rng.sample(index.terms, 20)]
    for terms in questions:
        ours = retriever.scores([(index.term_ids[t], 1.0) for t in terms])
        assert np.array_equal(ours, reference.get_scores(terms)), terms
        # search: the best paragraphs by score, ties in file order, none without a term.
        theirs = reference.get_scores(terms)
        expected = sorted((-s, pid) for pid, s in enumerate(theirs) if s > 0)[:40]
        hits = retriever.search([(index.term_ids[t], 1.0) for t in terms], 40)
        assert [(-h.score, h.pid) for h in hits] == expected, terms


def test_weighted_terms_scale_their_share(built: tuple[Corpus, Index]) -> None:
    _, index = built
    retriever = Retriever(index)
    a, b = 0, len(index.terms) // 2
    alone = retriever.scores([(a, 1.0)]), retriever.scores([(b, 1.0)])
    mixed = retriever.scores([(a, 1.0), (b, 0.3)])
    assert np.allclose(mixed, alone[0] + 0.3 * alone[1], rtol=1e-15, atol=0)


def test_postings_count_every_term_of_every_paragraph(built: tuple[Corpus, Index]) -> None:
    corpus, index = built
    documents = _documents(corpus)
    assert index.doc_len.tolist() == [len(d) for d in documents]
    assert index.terms == sorted({t for d in documents for t in d})
    runs: dict[str, tuple[list[int], list[int]]] = {t: ([], []) for t in index.terms}
    for pid, document in enumerate(documents):
        for term, tf in sorted(Counter(document).items()):
            runs[term][0].append(pid)
            runs[term][1].append(tf)
    postings = [p for t in index.terms for p in runs[t][0]]
    freqs = np.array([f for t in index.terms for f in runs[t][1]], dtype=np.int64)
    assert index.postings.tolist() == postings
    lengths = [0] + [len(runs[t][0]) for t in index.terms]
    assert index.offsets.tolist() == np.cumsum(lengths).tolist()
    avgdl = sum(len(d) for d in documents) / len(documents)
    assert np.array_equal(index.weights, term_weights(freqs, index.doc_len[postings], avgdl))


def test_paragraph_texts_come_back_verbatim(built: tuple[Corpus, Index]) -> None:
    corpus, index = built
    for pid, paragraph in enumerate(corpus.paragraphs()):
        assert index.paragraph_text(pid) == paragraph.text
    for doc, document in enumerate(corpus.documents):
        assert index.text(doc, 0, len(document.text)) == document.text


def test_a_large_index_is_memory_mapped(built: tuple[Corpus, Index]) -> None:
    _, index = built
    if len(index.paragraphs) == MEDIUM:
        # Read-only views of the files: loading copies nothing.
        assert not index.weights.flags.writeable
        assert not index.postings.flags.writeable


def test_builds_are_byte_for_byte_the_same(tmp_path: Path) -> None:
    seeds = _write_corpus(tmp_path / "seeds", SMALL, seed=9)
    first, _ = build(load_corpus(seeds))
    second, _ = build(load_corpus(seeds))
    assert first == second


def test_build_reports_its_progress(tmp_path: Path) -> None:
    seeds = _write_corpus(tmp_path / "seeds", SMALL, seed=3)
    heard: list[tuple[str, int, int]] = []
    build(load_corpus(seeds), progress=lambda *step: heard.append(step))
    indexing = [done for stage, done, _ in heard if stage == "indexing"]
    assert indexing == sorted(indexing) and indexing[-1] == SMALL
    assert heard[-1] == ("writing", SMALL, SMALL)


def test_progress_bars_redraw_one_line_and_clear_it() -> None:
    out = io.StringIO()
    bars = _ProgressBars(out)
    bars("indexing", 500, 1000)
    bars("writing", 1000, 1000)
    bars.close()
    drawn = out.getvalue()
    assert "\n" not in drawn and drawn.startswith("\rindexing ")
    assert " 500/1000 " in drawn and "writing" in drawn
    assert drawn.endswith("\r")  # the last bar cleared: the report prints on a clean line


def test_known_terms_are_the_analyzers_own() -> None:
    index = Index.load(Path(__file__).resolve().parents[2] / "index")
    stemmed = Analyzer()  # no known terms: it stems every word itself
    assert index.analyzed_alike
    words = list(index.words) + random.Random(2).sample(sorted(index.stems), 1500)
    for word in words:
        assert index.known_term(word) == stemmed.term(word), word


def test_holding_is_isin(built: tuple[Corpus, Index]) -> None:
    _, index = built
    rng = np.random.default_rng(4)
    pids = rng.choice(len(index.paragraphs), 40, replace=False).astype(np.int64)
    for term in rng.choice(len(index.terms), 200, replace=False).tolist():
        run = index.postings[index.offsets[term] : index.offsets[term + 1]]
        assert np.array_equal(index.holding(term, pids), np.isin(pids, run))


def test_folded_words_are_the_tokens_folded(built: tuple[Corpus, Index]) -> None:
    corpus, _ = built
    for paragraph in list(corpus.paragraphs())[:500]:
        expected = [t.folded for t in analysis.tokenize(paragraph.text)]
        assert analysis.folded_words(paragraph.text) == expected
    text = "HIN’s “63,000” ex-cops, 's Что"
    assert analysis.folded_words(text) == [t.folded for t in analysis.tokenize(text)]
