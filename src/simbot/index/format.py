"""The index's on-disk format: what ``index/`` holds and how its files are named.

``manifest.json`` names every data file by the hash of its content and records the format
version, the analyzer's settings and the hash of every article. Data files are ``.npy`` arrays
(no pickle), plain text (one entry a line) and small JSON files; ``docs/ARCHITECTURE.md`` lists
them. The builder (``simbot.index.build``) writes this format, the reader
(``simbot.index.reader``) reads it, and nothing else knows it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simbot.index.files import HASH_CHARS

FORMAT_VERSION = 2
MANIFEST = "manifest.json"

#: The columns of the paragraphs table, in order (``Index.paragraph`` reads a row by name).
COLUMNS = ("doc", "number", "start", "end", "same_as", "show_from")
DOC, NUMBER, START, END, SAME_AS, SHOW_FROM = range(len(COLUMNS))

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Data files: name -> suffix.
FILES = {
    "paragraphs": ".npy", "spans": ".npy", "idf": ".npy", "offsets": ".npy", "postings": ".npy",
    "weights": ".npy", "doc_len": ".npy", "terms": ".txt", "words": ".txt", "word_rows": ".npy",
    "stems": ".txt", "definitions": ".json", "texts": ".txt", "harm": ".npy",
    "boilerplate": ".npy",
}  # fmt: skip
#: Files an index may hold: paragraph vectors (``simbot.text.embedding``), absent with
#: SIMBOT_SEMANTIC=off.
OPTIONAL_FILES = {"vectors": ".npy"}
ALL_FILES = FILES | OPTIONAL_FILES


def data_file_name(name: str, sha256: str) -> str:
    """The file name of data file ``name`` whose content hashes to ``sha256``."""
    return f"{name}-{sha256[:HASH_CHARS]}{ALL_FILES[name]}"


def is_data_file_name(name: str) -> bool:
    """Whether ``name`` is the name of an index data file (of this index or an older one)."""
    stem, _, rest = name.partition("-")
    return stem in ALL_FILES and len(rest.split(".")[0]) == HASH_CHARS


@dataclass(frozen=True, slots=True)
class DocumentEntry:
    """An article as the index knows it."""

    name: str
    sha256: str
    title: str
    first: int  # id of its first paragraph
    paragraphs: int
    offset: int  # where its text starts in the texts blob, in bytes
    size: int  # its length in bytes (UTF-8)
    chars: int  # its length in characters


@dataclass(frozen=True, slots=True)
class ParagraphRow:
    """One row of the paragraphs table: where paragraph ``pid`` stands, and what it leans on."""

    pid: int
    doc: int  # its article: a position in ``Index.documents``
    number: int  # 1-based, within its article
    start: int  # character offsets in its article's text
    end: int
    same_as: int  # the first paragraph with the same words (itself when none is earlier)
    show_from: int  # the first paragraph to show with it (who speaks before it)
