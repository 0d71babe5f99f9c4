"""Reading the articles in ``seeds/``: documents and their paragraph passages.

A passage is a paragraph, and a paragraph is one non-empty line of an article. Every passage keeps
the file it came from, its 1-based paragraph number and its character offsets, so that what the bot
shows can always be cut verbatim out of the file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from simbot.errors import CorpusError
from simbot.provenance import SOURCES_FILE, Provenance, file_sha256, read_sources

#: Articles are plain-text files; anything else in ``seeds/`` is skipped with a notice.
ARTICLE_SUFFIX = ".txt"
_NOT_ARTICLES = ("readme", "license", "licence", "notice", "changelog")
_TITLE_CHARS = 90
# Characters that may open or close a line without belonging to the paragraph.
_EDGE_CHARS = " \t\r\f\v\ufeff\u00a0"


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph of an article: ``text == document.text[start:end]``."""

    source: str
    number: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Document:
    """One article file, its text exactly as stored, and its paragraphs."""

    name: str
    text: str
    sha256: str
    paragraphs: tuple[Paragraph, ...]

    @property
    def title(self) -> str:
        """The article's opening words, for listings."""
        return opening_words(self.paragraphs[0].text)


@dataclass(frozen=True, slots=True)
class Corpus:
    """The articles of a seeds folder, in file-name order, and the files skipped on the way."""

    documents: tuple[Document, ...]
    skipped: tuple[str, ...] = field(default=())
    #: What ``seeds/sources.toml`` says of the articles, and the hash of that file ('' if none).
    sources: dict[str, Provenance] = field(default_factory=dict)
    sources_sha256: str = ""

    def paragraphs(self) -> Iterator[Paragraph]:
        """Every paragraph of every document, in order."""
        for document in self.documents:
            yield from document.paragraphs


def opening_words(text: str, limit: int = _TITLE_CHARS) -> str:
    """The first words of ``text``, cut at a word boundary and marked with an ellipsis if cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:–—-")
    return cut + "…"


def split_paragraphs(source: str, text: str) -> tuple[Paragraph, ...]:
    """The non-empty lines of ``text`` as paragraphs, trimmed of edge white space."""
    paragraphs: list[Paragraph] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        stripped = body.strip(_EDGE_CHARS)
        if stripped:
            start = offset + body.index(stripped)
            paragraphs.append(
                Paragraph(source, len(paragraphs) + 1, start, start + len(stripped), stripped)
            )
        offset += len(line)
    return tuple(paragraphs)


def is_article_name(path: Path) -> bool:
    """Whether a file in ``seeds/`` is meant as an article (not README, hidden or other files)."""
    name = path.name
    if name.startswith(".") or path.suffix.lower() != ARTICLE_SUFFIX:
        return False
    return not path.stem.lower().startswith(_NOT_ARTICLES)


def read_document(path: Path) -> Document:
    """Read one article, or raise a ``CorpusError`` that names the file and the fault."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read the file ({exc.strerror or exc}).") from exc
    if b"\x00" in data:
        raise CorpusError(f"{path}: this is a binary file, not a UTF-8 text article.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CorpusError(
            f"{path}, line {line}: not valid UTF-8 (byte {exc.start}); "
            "save the article as UTF-8 text and rebuild."
        ) from exc
    paragraphs = split_paragraphs(path.name, text)
    if not paragraphs:
        raise CorpusError(f"{path}: the article is empty; add its text or remove the file.")
    return Document(path.name, text, hashlib.sha256(data).hexdigest(), paragraphs)


def load_corpus(seeds_dir: Path) -> Corpus:
    """Read every article in ``seeds_dir``; raise ``CorpusError`` if none can be had."""
    if not seeds_dir.is_dir():
        raise CorpusError(
            f"{seeds_dir}: no such folder of articles; "
            "run from the project's root or set SIMBOT_SEEDS_DIR."
        )
    documents: list[Document] = []
    skipped: list[str] = []
    for path in sorted(seeds_dir.iterdir(), key=lambda p: p.name):
        if not path.is_file():
            continue
        if is_article_name(path):
            documents.append(read_document(path))
        elif path.name != SOURCES_FILE:  # the articles' metadata, read below
            skipped.append(path.name)
    if not documents:
        raise CorpusError(
            f"{seeds_dir}: no articles found "
            "(an article is a UTF-8 .txt file, one paragraph a line)."
        )
    metadata = seeds_dir / SOURCES_FILE
    sources = read_sources(metadata, {d.name for d in documents})
    return Corpus(tuple(documents), tuple(skipped), sources, file_sha256(metadata))
