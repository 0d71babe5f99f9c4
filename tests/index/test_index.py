"""The index: deterministic, atomic, checked against the articles, and loud when damaged."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from simbot.errors import CorpusError, IndexProblem
from simbot.index.build import build, build_and_save, previous_vectors
from simbot.index.corpus import load_corpus
from simbot.index.format import MANIFEST
from simbot.index.reader import Index
from simbot.index.writer import save
from simbot.text.embedding import load_embedder
from support import INDEX, SEEDS, SHIPPED_INDEX, SHIPPED_SEEDS


def _copy_seeds(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    return seeds


@pytest.mark.slow
def test_committed_index_equals_a_fresh_build() -> None:
    # The project's own articles and index: whatever they hold, the index must be current.
    # The vectors are taken from the committed index, as `simbot index build` takes them: ONNX
    # Runtime may differ in the last bit from one processor to another. test_semantic.py checks
    # them against the model.
    embedder = load_embedder()
    files, _ = build(
        load_corpus(SHIPPED_SEEDS), embedder=embedder,
        reuse=previous_vectors(SHIPPED_INDEX, embedder),
    )  # fmt: skip
    on_disk = {p.name: p.read_bytes() for p in SHIPPED_INDEX.iterdir() if p.is_file()}
    assert set(files) == set(on_disk), "index/ holds other files than a fresh build: rebuild it"
    for name, blob in files.items():
        assert on_disk[name] == blob, f"index/{name} differs from a fresh build"


@pytest.mark.slow
def test_same_articles_give_the_same_bytes(tmp_path: Path) -> None:
    first, _ = build(load_corpus(SEEDS))
    second, _ = build(load_corpus(_copy_seeds(tmp_path)))
    assert first == second


@pytest.mark.slow
def test_build_reports_what_it_read(tmp_path: Path) -> None:
    report = build_and_save(SEEDS, tmp_path / "index")
    assert (report.documents, report.paragraphs) == (5, 142)
    assert report.duplicates == 12  # the editor's note, three paragraphs in four files
    assert "nsun" in report.aliases
    assert Index.load(tmp_path / "index").stale_reasons(SEEDS) == []


@pytest.mark.slow
def test_check_sees_changed_new_and_removed_articles(tmp_path: Path) -> None:
    seeds = _copy_seeds(tmp_path)
    build_and_save(seeds, tmp_path / "index")
    first = sorted(seeds.iterdir())[0]
    first.write_text(first.read_text("utf-8") + "\nA new paragraph.\n", "utf-8")
    (seeds / "005_new.txt").write_text("A new article.\n", "utf-8")
    sorted(seeds.iterdir())[1].unlink()
    reasons = Index.load(tmp_path / "index").stale_reasons(seeds)
    assert any("has changed" in r for r in reasons)
    assert any("005_new.txt is new" in r for r in reasons)
    assert any("is gone" in r for r in reasons)


@pytest.mark.slow
def test_failed_build_leaves_the_old_index_in_place(tmp_path: Path) -> None:
    seeds = _copy_seeds(tmp_path)
    index_dir = tmp_path / "index"
    build_and_save(seeds, index_dir)
    before = {p.name: p.read_bytes() for p in index_dir.iterdir()}
    (seeds / "broken.txt").write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(CorpusError, match=r"broken\.txt"):
        build_and_save(seeds, index_dir)
    assert {p.name: p.read_bytes() for p in index_dir.iterdir()} == before


@pytest.mark.slow
def test_save_replaces_the_manifest_last_and_removes_old_files(tmp_path: Path) -> None:
    seeds = _copy_seeds(tmp_path)
    index_dir = tmp_path / "index"
    build_and_save(seeds, index_dir)
    old = {p.name for p in index_dir.iterdir()}
    (seeds / "005_new.txt").write_text("Another article about SIM.\n", "utf-8")
    files, _ = build(load_corpus(seeds))
    save(files, index_dir)
    assert {p.name for p in index_dir.iterdir()} == set(files)
    assert old != set(files)
    assert not any(p.name.endswith(".tmp") for p in index_dir.iterdir())


def test_missing_index_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(IndexProblem, match="simbot index build") as caught:
        Index.load(tmp_path / "nowhere")
    assert "SIMBOT_INDEX_DIR" in str(caught.value)


DAMAGES = [
    "truncate_manifest", "edit_manifest", "truncate_array", "empty_array", "delete_file",
    "old_format", "garbage_json",
]  # fmt: skip


@pytest.mark.parametrize("damage", DAMAGES)
def test_damaged_index_is_a_clear_error(tmp_path: Path, damage: str) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(INDEX, index_dir)
    manifest_path = index_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text("utf-8"))
    postings = index_dir / manifest["files"]["postings"]
    if damage == "truncate_manifest":
        manifest_path.write_bytes(manifest_path.read_bytes()[:100])
    elif damage == "edit_manifest":
        manifest["documents"][0]["paragraphs"] = 3
        manifest_path.write_text(json.dumps(manifest), "utf-8")
    elif damage == "truncate_array":
        postings.write_bytes(postings.read_bytes()[:-40])
    elif damage == "empty_array":
        postings.write_bytes(b"")
    elif damage == "delete_file":
        postings.unlink()
    elif damage == "old_format":
        manifest["format"] = 0
        manifest_path.write_text(json.dumps(manifest), "utf-8")
    else:
        (index_dir / manifest["files"]["terms"]).write_text("[not json", "utf-8")
    with pytest.raises(IndexProblem, match="simbot index build"):
        Index.load(index_dir)


def test_a_hand_edited_texts_file_is_refused_on_load(tmp_path: Path) -> None:
    # Once served as good: the bot quoted "Paul Jennongs", words in no article.
    index_dir = tmp_path / "index"
    shutil.copytree(INDEX, index_dir)
    manifest = json.loads((index_dir / MANIFEST).read_text("utf-8"))
    texts = index_dir / manifest["files"]["texts"]
    texts.write_text(texts.read_text("utf-8").replace("Jennings", "Jennongs", 1), "utf-8")
    with pytest.raises(IndexProblem, match=r"text of 00\d_\w+\.txt is not the article"):
        Index.load(index_dir)


@pytest.mark.slow
def test_temp_files_left_by_a_killed_build_are_cleaned_by_the_next(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_and_save(SEEDS, index_dir)
    # What `kill -9` during _write_atomic leaves: mkstemp's name, never renamed.
    left = [
        index_dir / ".manifest.json.k2j4x9.tmp",
        index_dir / ".texts-0123456789abcdef.txt.a1b2.tmp",
    ]
    for path in left:
        path.write_bytes(b"half written")
    (index_dir / ".keep-me.tmp").write_bytes(b"not ours")
    build_and_save(SEEDS, index_dir)
    assert not any(path.exists() for path in left)
    assert (index_dir / ".keep-me.tmp").exists()


def test_a_build_into_a_read_only_folder_is_one_clear_error(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    index_dir.chmod(0o555)
    try:
        if os.access(index_dir, os.W_OK):
            pytest.skip("running as a user who may write anywhere (root)")
        with pytest.raises(IndexProblem, match="Cannot write the index"):
            build_and_save(SEEDS, index_dir)
    finally:
        index_dir.chmod(0o755)


@pytest.mark.slow
def test_a_build_into_a_loop_of_links_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "index").symlink_to(tmp_path / "loop")
    (tmp_path / "loop").symlink_to(tmp_path / "index")
    with pytest.raises(IndexProblem, match="Cannot write the index"):
        build_and_save(SEEDS, tmp_path / "index")


@pytest.mark.slow
def test_a_build_where_no_folder_can_be_made_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder", "utf-8")
    with pytest.raises(IndexProblem, match="Cannot write the index"):
        build_and_save(SEEDS, tmp_path / "a-file" / "index")
