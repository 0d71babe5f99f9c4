"""Reading articles: paragraphs with offsets, and clear errors for files that are not articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from simbot.corpus import is_article_name, load_corpus, read_document, split_paragraphs
from simbot.errors import CorpusError
from support import SEEDS


def test_paragraphs_are_non_empty_lines_with_exact_offsets() -> None:
    text = "First line.\n\n  Second, indented.  \r\nThird\n"
    paragraphs = split_paragraphs("a.txt", text)
    assert [p.text for p in paragraphs] == ["First line.", "Second, indented.", "Third"]
    assert [p.number for p in paragraphs] == [1, 2, 3]
    for p in paragraphs:
        assert text[p.start : p.end] == p.text


def test_every_seed_paragraph_is_cut_verbatim_from_its_file() -> None:
    corpus = load_corpus(SEEDS)
    assert len(corpus.documents) == 5
    for document in corpus.documents:
        on_disk = (SEEDS / document.name).read_text("utf-8")
        assert document.text == on_disk
        for p in document.paragraphs:
            assert on_disk[p.start : p.end] == p.text
    assert sum(len(d.paragraphs) for d in corpus.documents) == 142


def test_non_utf8_article_names_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"fine\nstill fine\n" + b"caf\xe9\n")
    with pytest.raises(CorpusError, match=r"bad\.txt, line 3: not valid UTF-8"):
        read_document(bad)


def test_binary_and_empty_articles_are_errors(tmp_path: Path) -> None:
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\x00\x00")
    (tmp_path / "empty.txt").write_text(" \n\n\t\n", "utf-8")
    with pytest.raises(CorpusError, match="binary"):
        read_document(tmp_path / "binary.txt")
    with pytest.raises(CorpusError, match="empty"):
        read_document(tmp_path / "empty.txt")


def test_files_that_are_not_articles_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("An article.\n", "utf-8")
    for name in ("README", "README.txt", ".gitkeep", "notes.md", "LICENSE.txt"):
        (tmp_path / name).write_text("not an article\n", "utf-8")
    (tmp_path / "sub").mkdir()
    corpus = load_corpus(tmp_path)
    assert [d.name for d in corpus.documents] == ["a.txt"]
    assert set(corpus.skipped) == {"README", "README.txt", ".gitkeep", "notes.md", "LICENSE.txt"}
    assert not is_article_name(Path(".hidden.txt"))


def test_empty_or_missing_seeds_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no articles found"):
        load_corpus(tmp_path)
    with pytest.raises(CorpusError, match="no such folder"):
        load_corpus(tmp_path / "missing")


def test_title_is_the_opening_words() -> None:
    document = load_corpus(SEEDS).documents[0]
    assert document.title.startswith("NHS England is unlawfully blocking")
    assert document.title.endswith("…")
    assert len(document.title) <= 91
