"""The index in ``index/``, loaded and verified: what a question reads of it.

Loading memory-maps the arrays and the articles' text, so it costs the same for five articles or
a hundred thousand paragraphs: a question reads only the postings and paragraphs it touches.
Every file is verified as it is loaded (``simbot.index.files``), and the paragraphs table is
checked against the articles, so that every quote is the article's own words. The format is
``simbot.index.format``; ``simbot.index.build`` writes it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from simbot.errors import IndexProblem
from simbot.index import files as index_files
from simbot.index.files import MAX_MANIFEST_BYTES, problem
from simbot.index.format import (
    COLUMNS,
    DOC,
    END,
    FILES,
    FORMAT_VERSION,
    MANIFEST,
    NUMBER,
    SAME_AS,
    SHOW_FROM,
    START,
    DocumentEntry,
    FloatArray,
    IntArray,
    ParagraphRow,
)
from simbot.index.provenance import SOURCES_FILE, Provenance, file_sha256, from_manifest
from simbot.text.analyzer import Analyzer

#: What quotes and citations come from is read into memory, not mapped: a mapping would show
#: an edit made to the file after it was verified.
_READ_WHOLE = ("texts", "paragraphs", "spans")


class WordTable(Mapping[str, tuple[int, int]]):
    """Folded word -> (its term id, how many paragraphs hold it), as ``Index.words`` gives it.

    A dict of row numbers over two lists: quick to make for a large vocabulary (a dict of
    tuples costs several times as long), and as quick to ask.
    """

    __slots__ = ("_counts", "_rows", "_term_ids")

    def __init__(self, words: list[str], term_ids: list[int], counts: list[int]) -> None:
        self._rows = dict(zip(words, range(len(words)), strict=True))
        self._term_ids = term_ids
        self._counts = counts

    def __getitem__(self, word: str) -> tuple[int, int]:
        row = self._rows[word]
        return self._term_ids[row], self._counts[row]

    def __contains__(self, word: object) -> bool:
        return word in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def term_id(self, word: str) -> int | None:
        """The term id of ``word``, or ``None`` if the articles do not hold it."""
        row = self._rows.get(word)
        return None if row is None else self._term_ids[row]


class Index:
    """A loaded index: paragraphs, their texts, BM25 postings and what the analyzer learnt."""

    def __init__(self, directory: Path, manifest: dict[str, Any]) -> None:
        """The index ``manifest`` describes, its files read from ``directory`` and verified.

        ``manifest`` must have passed ``index_files.validate_manifest`` (``Index.load`` does
        that). Raises ``IndexProblem`` when a file is not what the manifest says.
        """
        self.directory = directory
        self.manifest = manifest
        # Every file is read (or mapped) and verified now: nothing is read by name later, so
        # a rebuild may delete the files, and no damaged byte is found halfway through an answer.
        self._data = {
            name: index_files.read_file(directory, file_name, mapped=name not in _READ_WHOLE)
            for name, file_name in manifest["files"].items()
        }
        for name, file_name in manifest["files"].items():
            if name != "texts":  # verified article by article, below
                index_files.verify_hash(directory, file_name, self._data[name])
        self.documents = [DocumentEntry(**d) for d in manifest["documents"]]
        self.aliases: dict[str, list[str]] = manifest["aliases"]
        self.avgdl = float(manifest["avgdl"])
        self.paragraphs: IntArray = self._array("paragraphs")
        self.spans: IntArray = self._array("spans")
        self.idf: FloatArray = self._array("idf")
        self.offsets: IntArray = self._array("offsets")
        self.postings: npt.NDArray[np.int32] = self._array("postings")
        self.weights: FloatArray = self._array("weights")
        self.doc_len: IntArray = self._array("doc_len")
        self.terms: list[str] = self._lines("terms")
        self._texts = self._data["texts"]
        self.term_ids = dict(zip(self.terms, range(len(self.terms)), strict=True))
        self._decoded: dict[int, str] = {}
        n = len(self.paragraphs)
        if not (
            self.paragraphs.shape == (n, 6)
            and self.spans.shape == (n, 2)
            and len(self.doc_len) == n
            and len(self.idf) == len(self.terms) == len(self.term_ids)
            and len(self.offsets) == len(self.terms) + 1
            and len(self.postings) == len(self.weights) == int(self.offsets[-1])
            and sum(d.paragraphs for d in self.documents) == n
            and sum(d.size for d in self.documents) == len(self._texts)
        ):
            raise problem(directory, "its arrays do not fit together")
        self._verify_documents()

    def _verify_documents(self) -> None:
        """Proves that each article's text is the article the manifest names, whole, and that
        every paragraph row points into its own article: what quotes and citations come from.

        The texts file holds the articles' bytes end to end; each article's bytes must hash to
        the SHA-256 the manifest records for it (the hash ``index check`` compares with the file
        in ``seeds/``), and the rows of the paragraphs table must agree with the articles.
        """
        firsts = offsets = 0
        for entry in self.documents:
            if (entry.first, entry.offset) != (firsts, offsets) or entry.chars > entry.size:
                raise problem(self.directory, f"the manifest's entry for {entry.name} is wrong")
            firsts += entry.paragraphs
            offsets += entry.size
            text = memoryview(self._texts)[entry.offset : entry.offset + entry.size]
            if index_files.sha256(text) != entry.sha256:
                raise problem(self.directory, f"the text of {entry.name} is not the article")
        rows, spans = self.paragraphs, self.spans
        counts = [d.paragraphs for d in self.documents]
        doc = np.repeat(np.arange(len(self.documents), dtype=np.int64), counts)
        starts = np.array([d.offset for d in self.documents], dtype=np.int64)[doc]
        ends = starts + np.array([d.size for d in self.documents], dtype=np.int64)[doc]
        chars = np.array([d.chars for d in self.documents], dtype=np.int64)[doc]
        pids = np.arange(len(rows), dtype=np.int64)
        firsts_of = np.array([d.first for d in self.documents], dtype=np.int64)[doc]
        if not (
            np.array_equal(rows[:, DOC], doc)
            and np.array_equal(rows[:, NUMBER], pids - firsts_of + 1)
            and bool(np.all((rows[:, START] >= 0) & (rows[:, START] < rows[:, END])))
            and bool(np.all(rows[:, END] <= chars))
            and bool(np.all((rows[:, SAME_AS] >= 0) & (rows[:, SAME_AS] <= pids)))
            and bool(np.all((rows[:, SHOW_FROM] >= firsts_of) & (rows[:, SHOW_FROM] <= pids)))
            and bool(np.all((spans[:, 0] >= starts) & (spans[:, 0] < spans[:, 1])))
            and bool(np.all(spans[:, 1] <= ends))
            and bool(np.all((self.postings >= 0) & (self.postings < len(rows))))
            and bool(np.all(np.diff(self.offsets) >= 0))
        ):
            raise problem(self.directory, "its paragraphs do not fit the articles")

    # -- reading --------------------------------------------------------------------------------

    @classmethod
    def load(cls, directory: Path) -> Index:
        """Load and verify the index in ``directory``, or raise ``IndexProblem`` saying what to do.

        The manifest must follow its schema, every data file must be a regular file of the
        folder holding exactly what the build wrote: see ``simbot.index.files``.
        """
        try:
            raw = index_files.read_file(directory, MANIFEST, MAX_MANIFEST_BYTES)
        except IndexProblem:
            if not (directory / MANIFEST).is_file() and not (directory / MANIFEST).is_symlink():
                # abspath, not resolve(): the folder may be a loop of links.
                raise IndexProblem(
                    f"No index at {os.path.abspath(directory)}: build it with `simbot index "  # noqa: PTH100
                    "build`, or point SIMBOT_INDEX_DIR at the folder that holds it."
                ) from None
            raise
        try:
            manifest = json.loads(bytes(raw).decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise problem(directory, f"manifest.json is not valid JSON ({exc})") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
            found = manifest.get("format") if isinstance(manifest, dict) else None
            raise IndexProblem(
                f"The index at {directory} has format {found!r}, this simbot reads format "
                f"{FORMAT_VERSION}: rebuild it with `simbot index build`."
            )
        index_files.validate_manifest(manifest, directory, FILES)
        return cls(directory, manifest)

    def _lines(self, name: str) -> list[str]:
        text = self._text(name)
        return text.split("\n") if text else []

    def _text(self, name: str) -> str:
        try:
            return bytes(self._data[name]).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise problem(self.directory, f"{name} is not UTF-8 text") from exc

    def _array(self, name: str) -> Any:
        return index_files.npy_array(self.directory, self.manifest["files"][name], self._data[name])

    @cached_property
    def words(self) -> WordTable:
        """Every folded word of the articles -> (its term id, how many paragraphs hold it)."""
        words = self._lines("words")
        rows = self._array("word_rows")
        if rows.shape != (len(words), 2):
            raise problem(self.directory, "its words do not fit their rows")
        return WordTable(words, rows[:, 0].tolist(), rows[:, 1].tolist())

    @cached_property
    def stems(self) -> dict[str, str]:
        """Words of the shipped synonym and abbreviation lists -> their terms."""
        # Lines of "word<TAB>term": one split gives word, term, word, term, ...
        cells = self._text("stems").replace("\n", "\t").split("\t")
        if len(cells) % 2:
            raise problem(self.directory, "its stems are not pairs")
        return dict(zip(cells[::2], cells[1::2], strict=True)) if cells != [""] else {}

    @cached_property
    def provenance(self) -> dict[str, Provenance]:
        """What ``seeds/sources.toml`` said of each article when the index was built."""
        recorded = self.manifest.get("sources") or {}
        try:
            return from_manifest(recorded.get("articles") or {})
        except (AttributeError, TypeError) as exc:
            raise problem(self.directory, f"its sources are not as written ({exc})") from exc

    @property
    def analyzed_alike(self) -> bool:
        """Whether this index was built by an analyzer like today's (its terms can be reused)."""
        return bool(self.manifest.get("analyzer") == Analyzer().settings)

    def read_all(self) -> Index:
        """Reads now what is otherwise read from the files on first use, and returns the index.

        After this the index needs none of its files by name, so a rebuild may delete them.
        Raises ``IndexProblem`` when one of them is damaged (never: they are verified on load).
        """
        # Each is a cached_property: parsed on first access, then kept.
        _ = self.words, self.stems, self.definitions, self.harm, self.vectors, self.boilerplate
        return self

    def known_term(self, word: str) -> str | None:
        """The term the analyzer gives ``word``, if the index knows it (``None`` otherwise)."""
        term_id = self.words.term_id(word)
        return self.terms[term_id] if term_id is not None else self.stems.get(word)

    @cached_property
    def definitions(self) -> dict[str, list[int]]:
        """Acronym term -> the paragraphs that spell it out."""
        found: dict[str, list[int]] = json.loads(self._text("definitions"))
        return found

    @cached_property
    def harm(self) -> frozenset[int]:
        """Paragraphs that describe an act of overdose or self-harm in detail (issue 9).

        Marked at build time by ``simbot.text.distress.describes_harm``; never the first quote shown
        to a person in distress.
        """
        return frozenset(self._array("harm").tolist())

    @cached_property
    def vectors(self) -> npt.NDArray[np.float32] | None:
        """Each paragraph's unit vector by meaning (``text.embedding``); ``None`` if not built."""
        entry = self.manifest.get("semantic")
        if not entry or "vectors" not in self.manifest["files"]:
            return None
        vectors: npt.NDArray[np.float32] = self._array("vectors")
        if vectors.shape != (len(self.paragraphs), int(entry["dimensions"])):
            raise problem(self.directory, "its vectors do not fit its paragraphs")
        return vectors

    @cached_property
    def boilerplate(self) -> frozenset[int]:
        """Paragraphs that are never an answer (the editor's appeal ending most articles)."""
        return frozenset(self._array("boilerplate").tolist())

    def text(self, doc: int, start: int, end: int) -> str:
        """Characters ``start:end`` of article ``doc``, exactly as in its file."""
        entry = self.documents[doc]
        if entry.size == entry.chars:  # ASCII: a character is a byte
            return self._texts[entry.offset + start : entry.offset + end].decode("ascii")
        return self._document_text(doc)[start:end]

    def _document_text(self, doc: int) -> str:
        text = self._decoded.get(doc)
        if text is None:
            entry = self.documents[doc]
            text = self._texts[entry.offset : entry.offset + entry.size].decode("utf-8")
            if len(self._decoded) >= 64:
                self._decoded.clear()
            self._decoded[doc] = text
        return text

    def paragraph(self, pid: int) -> ParagraphRow:
        """Paragraph ``pid``'s row: its article, number, offsets and the paragraphs it leans on."""
        doc, number, start, end, same_as, show_from = self.paragraphs[pid].tolist()
        return ParagraphRow(pid, doc, number, start, end, same_as, show_from)

    def column(self, name: str) -> IntArray:
        """One column of the paragraphs table (a name of ``format.COLUMNS``), every paragraph's."""
        found: IntArray = self.paragraphs[:, COLUMNS.index(name)]
        return found

    def paragraph_text(self, pid: int) -> str:
        """The verbatim text of paragraph ``pid``."""
        start, end = self.spans[pid].tolist()
        return self._texts[start:end].decode("utf-8")

    def paragraph_id(self, source: str, number: int) -> int | None:
        """The id of paragraph ``number`` (1-based) of the article named ``source``."""
        for entry in self.documents:
            if entry.name == source:
                return entry.first + number - 1 if 1 <= number <= entry.paragraphs else None
        return None

    def holding(self, term: int, pids: IntArray) -> npt.NDArray[np.bool_]:
        """Which of the paragraphs ``pids`` hold ``term``: ``np.isin`` by binary search."""
        run = self.postings[int(self.offsets[term]) : int(self.offsets[term + 1])]
        if not len(run):
            return np.zeros(len(pids), dtype=np.bool_)
        at = np.minimum(np.searchsorted(run, pids), len(run) - 1)
        held: npt.NDArray[np.bool_] = run[at] == pids
        return held

    # -- checking -------------------------------------------------------------------------------

    def stale_reasons(self, seeds_dir: Path) -> list[str]:
        """Why this index does not match the articles in ``seeds_dir`` (empty when it does)."""
        from simbot.index.corpus import article_files, article_sha256

        reasons: list[str] = []
        # The articles a build would read now (links out, FIFOs and the like are not).
        on_disk = (
            {p.name: p for p, why in article_files(seeds_dir) if why is None}
            if seeds_dir.is_dir()
            else {}
        )
        indexed = {d.name: d.sha256 for d in self.documents}
        for name in sorted(on_disk.keys() - indexed.keys()):
            reasons.append(f"{name} is new")
        for name in sorted(indexed.keys() - on_disk.keys()):
            reasons.append(f"{name} is gone")
        for name in sorted(indexed.keys() & on_disk.keys()):
            if article_sha256(on_disk[name]) != indexed[name]:
                reasons.append(f"{name} has changed")
        recorded = (self.manifest.get("sources") or {}).get("sha256", "")
        if seeds_dir.is_dir() and file_sha256(seeds_dir / SOURCES_FILE) != recorded:
            reasons.append(f"{SOURCES_FILE} has changed")
        if self.manifest.get("analyzer") != Analyzer().settings:
            reasons.append("the analyzer has changed")
        # The index's own files were verified when it was loaded.
        reasons += _derived_stale_reasons(self.manifest)
        return reasons


def _derived_stale_reasons(manifest: dict[str, Any]) -> list[str]:
    """Why an index's boilerplate or vectors are not what a build would make today."""
    from simbot.index.boilerplate import list_digest
    from simbot.text.embedding import MODEL

    reasons: list[str] = []
    if (manifest.get("boilerplate") or {}).get("list") != list_digest():
        reasons.append("the boilerplate list has changed")
    entry = manifest.get("semantic")
    if entry and entry.get("sha256") != MODEL.sha256:
        reasons.append(f"its vectors come from another model ({entry.get('model')})")
    return reasons
