"""Reading the articles in ``seeds/``: documents and their paragraph passages.

A passage is a paragraph, and a paragraph is one non-empty line of an article. Every passage keeps
the file it came from, its 1-based paragraph number and its character offsets, so that what the bot
shows can always be cut verbatim out of the file.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from simbot.errors import CorpusError
from simbot.index.provenance import SOURCES_FILE, Provenance, file_sha256, read_sources

#: Articles are plain-text files; anything else in ``seeds/`` is skipped with a notice.
ARTICLE_SUFFIX = ".txt"
_NOT_ARTICLES = ("readme", "license", "licence", "notice", "changelog")
#: No news article is larger; a larger file is not read (it may never end: a link to a device).
MAX_ARTICLE_BYTES = 16 << 20
NOT_AN_ARTICLE = "not an article (articles are .txt files)"
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
    #: Why a skipped file was skipped, when not for ``NOT_AN_ARTICLE``.
    reasons: Mapping[str, str] = field(default_factory=dict)

    def skip_notices(self) -> tuple[str, ...]:
        """``name: why`` for every file skipped, for the person who ran the build."""
        return tuple(f"{name}: {self.reasons.get(name, NOT_AN_ARTICLE)}" for name in self.skipped)

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


def unsafe_reason(path: Path, folder: Path) -> str | None:
    """Why the article file ``path`` of ``folder`` must not be read, or ``None`` if it may be.

    Only regular files inside the folder are read, up to ``MAX_ARTICLE_BYTES``: not a link to
    a file elsewhere (it would be quoted as an article), nor a FIFO or a device (a read that
    never ends), nor a folder named like an article.
    """
    try:
        if path.is_symlink():
            target = path.resolve(strict=True)
            if not target.is_relative_to(folder.resolve(strict=True)):
                return "a link to a file outside the folder"
        info = path.stat()
    except RuntimeError:
        return "a loop of links"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISDIR(info.st_mode):
        return "a folder, not a file"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (a FIFO, a socket or a device)"
    if info.st_size > MAX_ARTICLE_BYTES:
        return f"larger than {MAX_ARTICLE_BYTES >> 20} MiB, too large for an article"
    return None


def _read_bounded(path: Path) -> bytes:
    """The bytes of ``path``, if it is a regular file of at most ``MAX_ARTICLE_BYTES``.

    Checked on the open file (it may have changed since it was listed); never waits on a FIFO.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read the file ({exc.strerror or exc}).") from exc
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ARTICLE_BYTES:
            raise CorpusError(f"{path}: not an article file (not a regular file, or too large).")
        data = handle.read(MAX_ARTICLE_BYTES + 1)
    if len(data) > MAX_ARTICLE_BYTES:
        raise CorpusError(f"{path}: larger than {MAX_ARTICLE_BYTES >> 20} MiB, too large.")
    return data


def article_sha256(path: Path) -> str:
    """The SHA-256 of an article file's bytes (read within the same bounds as an article)."""
    return hashlib.sha256(_read_bounded(path)).hexdigest()


def read_document(path: Path) -> Document:
    """Read one article, or raise a ``CorpusError`` that names the file and the fault."""
    try:
        data = _read_bounded(path)
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
    reasons: dict[str, str] = {}
    for path, reason in article_files(seeds_dir):
        if reason is None:
            documents.append(read_document(path))
        elif path.name != SOURCES_FILE:  # the articles' metadata, read below
            skipped.append(path.name)
            if reason != NOT_AN_ARTICLE:
                reasons[path.name] = reason
    if not documents:
        raise CorpusError(
            f"{seeds_dir}: no articles found "
            "(an article is a UTF-8 .txt file, one paragraph a line)."
        )
    metadata = seeds_dir / SOURCES_FILE
    sources = read_sources(metadata, {d.name for d in documents})
    return Corpus(tuple(documents), tuple(skipped), sources, file_sha256(metadata), reasons)


def article_files(seeds_dir: Path) -> Iterator[tuple[Path, str | None]]:
    """Each file of ``seeds_dir`` worth a word, in name order, with why it is skipped (``None``:
    it is an article to read). Other entries (hidden files, folders) are passed over silently."""
    for path in sorted(seeds_dir.iterdir(), key=lambda p: p.name):
        if is_article_name(path):
            yield path, unsafe_reason(path, seeds_dir)
        elif path.is_file() and not path.is_symlink():
            yield path, NOT_AN_ARTICLE
