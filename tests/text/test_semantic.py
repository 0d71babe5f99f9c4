"""Meaning-level matching: the model, the index's vectors, candidates by meaning, and off."""

from __future__ import annotations

import json
import logging
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from simbot.answer.answerer import Answerer
from simbot.answer.ranker import FEATURES
from simbot.answer.ranking import MEANING_CANDIDATES
from simbot.index.build import build, build_and_save, previous_vectors
from simbot.index.corpus import load_corpus
from simbot.index.reader import Index
from simbot.text import embedding as semantic
from simbot.text.embedding import (
    MODEL_SHA256,
    Embedder,
    SemanticUnavailable,
    content_key,
    load_embedder,
)
from support import INDEX, SEEDS, shipped_answerer
from support.processes import run_simbot

# An article written for these tests: no word list of simbot's was made with it in view.
HARBOUR = (
    "Harbour town reopens its lighthouse\n"
    "The old lighthouse on the north pier has been repaired after a storm cracked its lantern "
    "room in January.\n"
    "Volunteers raised eleven thousand pounds through a village fete and an online appeal to "
    "pay the glaziers.\n"
    "The keeper, Morwenna Tregear, said children from the primary school will be the first "
    "visitors on Saturday.\n"
    "Fishing crews had complained for months that the dark pier made returning at night "
    "dangerous.\n"
)


def _seeds_with_harbour(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    (seeds / "005_harbour.txt").write_text(HARBOUR, "utf-8")
    return seeds


@pytest.mark.slow
def test_the_committed_vectors_are_the_models() -> None:
    index = Index.load(INDEX)
    assert index.manifest["semantic"]["sha256"] == MODEL_SHA256
    assert index.vectors is not None
    texts = [index.paragraph_text(pid) for pid in range(len(index.paragraphs))]
    fresh = load_embedder().embed(texts)
    cosines = (fresh * index.vectors).sum(axis=1)
    assert cosines.min() > 0.999


@pytest.mark.slow
def test_a_texts_vector_does_not_depend_on_the_texts_beside_it() -> None:
    embedder = load_embedder()
    texts = ["SIM was paused.", "Who leads the High Intensity Network?", "SIM was halted."]
    together = embedder.embed(texts)
    for n, text in enumerate(texts):
        assert np.array_equal(embedder.embed([text])[0], together[n])
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_an_altered_model_file_is_refused(tmp_path: Path) -> None:
    from importlib import resources

    from simbot.text.embedding import MODEL_FILE

    shipped = resources.files("simbot").joinpath("data").joinpath(MODEL_FILE)
    data = bytearray(shipped.read_bytes())
    data[-1] ^= 0xFF
    altered = tmp_path / "model.onnx"
    altered.write_bytes(bytes(data))
    with pytest.raises(SemanticUnavailable, match="sha256"):
        Embedder(altered, b"{}")


@pytest.mark.slow
def test_a_rebuild_embeds_only_new_paragraphs(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    index_dir = tmp_path / "index"
    first = build_and_save(seeds, index_dir)
    before = Index.load(index_dir).read_all()  # the rebuild deletes the files it replaces
    assert first.embedded == len({content_key(p) for p in _texts(before)})
    (seeds / "005_harbour.txt").write_text(HARBOUR, "utf-8")
    second = build_and_save(seeds, index_dir)
    assert (second.embedded, second.reused) == (5, first.paragraphs)
    after = Index.load(index_dir)
    assert after.vectors is not None and before.vectors is not None
    assert np.array_equal(after.vectors[: first.paragraphs], before.vectors)


def _texts(index: Index) -> list[str]:
    return [index.paragraph_text(pid) for pid in range(len(index.paragraphs))]


@pytest.mark.slow
def test_a_paraphrase_no_word_list_knows_finds_its_passage_by_meaning(
    tmp_path: Path, index_copy: Path
) -> None:
    seeds = _seeds_with_harbour(tmp_path)
    build_and_save(seeds, index_copy)  # over the five's index: only the new article is embedded
    answerer = Answerer.load(tmp_path / "index")
    # None of these shares a word with the passage it needs.
    for question, needed in [
        ("how was the cash found", "Volunteers raised eleven thousand"),
        ("why were the fishermen unhappy", "Fishing crews had complained"),
        ("when can kids visit", "The keeper, Morwenna Tregear"),
        ("what damaged the light tower", "The old lighthouse on the north pier"),
    ]:
        _, candidates, _ = answerer.candidates(question)
        nearest = min(candidates, key=lambda c: c.meaning_rank or math.inf)
        assert needed in answerer.index.paragraph_text(nearest.pid), question
        assert nearest.meaning_rank == 1


def test_candidates_carry_the_engines_and_the_models_features() -> None:
    answerer = shipped_answerer()
    _, candidates, features = answerer.candidates("who is in charge of the high intensity network")
    assert candidates == sorted(candidates, key=lambda c: (-c.engine, c.pid))
    assert {c.meaning_rank for c in candidates} >= set(range(1, 6))
    assert all(-1.0 <= c.cosine <= 1.0 for c in candidates)
    meaning_rr = features[:, FEATURES.index("meaning_rr")]
    meaning_gap = features[:, FEATURES.index("meaning_gap")]
    assert np.all((meaning_rr > 0) & (meaning_rr <= 1)) and np.all(meaning_gap <= 0)
    assert meaning_gap.max() == 0.0
    # The model's nearest all join BM25's, whether BM25 found them or not.
    assert {c.meaning_rank for c in candidates} >= set(range(1, MEANING_CANDIDATES + 1))


@pytest.mark.slow
def test_semantic_off_is_the_lexical_engine(tmp_path: Path) -> None:
    report = build_and_save(SEEDS, tmp_path / "index", semantic=False)
    assert report.semantic == "" and report.embedded == 0
    index = Index.load(tmp_path / "index")
    assert index.vectors is None and "semantic" not in index.manifest
    lexical = Answerer(index, semantic=False)
    assert lexical.embedder is None
    question = "who is in charge of the high intensity network"
    _, candidates, _ = lexical.candidates(question)
    assert candidates and all(c.meaning_rank == 0 for c in candidates)
    assert len(candidates) <= 40  # BM25's alone
    assert "High Intensity Network" in lexical.answer(question).quotes[0].text


def test_a_model_that_cannot_load_is_said_once_and_answers_are_lexical(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def missing() -> Embedder:
        raise SemanticUnavailable("the model file data/minilm_simbot_int8.onnx is missing")

    monkeypatch.setattr(semantic, "load_embedder", missing)
    monkeypatch.setattr(semantic, "_shared", None)
    monkeypatch.setattr(semantic, "_failed", None)
    with caplog.at_level(logging.WARNING):
        first = Answerer.load(INDEX)
        second = Answerer.load(INDEX)
        _, candidates, _ = first.candidates("Who is HIN's director?")
        assert first.embedder is None and second.embedder is None
        assert first.answer("Who is HIN's director?").answered
    said = [r for r in caplog.records if "meaning-level matching is off" in r.getMessage()]
    assert len(said) == 1 and "is missing" in said[0].getMessage()
    assert candidates and all(c.meaning_rank == 0 for c in candidates)


@pytest.mark.slow
def test_the_build_reports_embedding_progress(tmp_path: Path) -> None:
    seeds = _seeds_with_harbour(tmp_path)
    embedder = load_embedder()
    heard: list[tuple[str, int, int]] = []
    build(
        load_corpus(seeds),
        progress=lambda *step: heard.append(step),
        embedder=embedder,
        reuse=previous_vectors(INDEX, embedder),
    )
    embedding = [(done, todo) for stage, done, todo in heard if stage == "embedding"]
    assert embedding and embedding[-1] == (5, 5)  # the new article's paragraphs only
    assert [done for done, _ in embedding] == sorted(done for done, _ in embedding)


@pytest.mark.slow
def test_simbot_semantic_off_builds_and_answers_lexically(tmp_path: Path) -> None:
    off = {"SIMBOT_SEMANTIC": "off"}
    built = run_simbot("index", "build", "--index", str(tmp_path / "index"), env=off)
    assert built.returncode == 0, built.stderr
    assert "paragraph vectors" not in built.stdout
    assert "semantic" not in Index.load(tmp_path / "index").manifest
    index = str(tmp_path / "index")
    asked = run_simbot("--index", index, "ask", "--json", "who leads HIN", env=off)
    assert asked.returncode == 0 and json.loads(asked.stdout)["answered"]
    assert "meaning-level" not in asked.stderr and "vectors" not in asked.stderr
