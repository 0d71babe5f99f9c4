"""Reading articles: paragraphs with offsets, and clear errors for files that are not articles."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from simbot.errors import CorpusError
from simbot.index.corpus import (
    MAX_ARTICLE_BYTES,
    is_article_name,
    load_corpus,
    read_document,
    split_paragraphs,
)
from simbot.index.reader import Index
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


def test_only_regular_files_inside_the_folder_are_read_and_the_rest_is_said(
    tmp_path: Path,
) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("An article.\n", "utf-8")
    (seeds / "b.txt").symlink_to(seeds / "a.txt")  # a link inside: read
    outside = tmp_path / "secret.txt"
    outside.write_text("Words of no article.\n", "utf-8")
    (seeds / "c.txt").symlink_to(outside)
    (seeds / "d.txt").symlink_to("/dev/urandom")
    (seeds / "e.txt").symlink_to(seeds / "f.txt")
    (seeds / "f.txt").symlink_to(seeds / "e.txt")
    (seeds / "g.txt").mkdir()
    os.mkfifo(seeds / "h.txt")
    (seeds / "i.txt").write_bytes(b"x" * (MAX_ARTICLE_BYTES + 1))
    corpus = load_corpus(seeds)
    assert [d.name for d in corpus.documents] == ["a.txt", "b.txt"]
    notices = dict(notice.split(": ", 1) for notice in corpus.skip_notices())
    assert notices == {
        "c.txt": "a link to a file outside the folder",
        "d.txt": "a link to a file outside the folder",
        "e.txt": "a loop of links",
        "f.txt": "a loop of links",
        "g.txt": "a folder, not a file",
        "h.txt": "not a regular file (a FIFO, a socket or a device)",
        "i.txt": f"larger than {MAX_ARTICLE_BYTES >> 20} MiB, too large for an article",
    }


@pytest.mark.slow
def test_index_check_neither_hangs_on_a_fifo_nor_follows_a_link_out(
    tmp_path: Path, index_copy: Path
) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    os.mkfifo(seeds / "zz_fifo.txt")
    (seeds / "zz_out.txt").symlink_to("/dev/urandom")
    assert Index.load(tmp_path / "index").stale_reasons(seeds) == []
