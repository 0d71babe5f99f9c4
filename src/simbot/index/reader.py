"""The index in ``index/``: build it from the articles, save it atomically, load and check it.

Layout: ``manifest.json`` names every data file by the hash of its content and records the
format version, the analyzer's settings and the hash of every article. Data files are ``.npy``
arrays (no pickle), plain text (one entry a line) and small JSON files. Loading memory-maps the
arrays and the articles' text, so it costs the same for five articles or a hundred thousand
paragraphs: a question reads only the postings and paragraphs it touches. Saving writes the new
data files first and then replaces ``manifest.json`` in one atomic rename: a reader sees the old
index or the new one, never half of one, and a failed build leaves the old index in place.

What a question needs, each computed once at build time:

- ``paragraphs`` (one row a paragraph: article, number, character offsets, the first paragraph
  with the same words, the first paragraph to show) and ``spans`` (its bytes in ``texts``);
- BM25 postings grouped by term, paragraphs ascending: ``offsets`` (where each term's run
  starts), ``postings`` (paragraph ids), ``weights`` (rank-bm25's term-frequency part) with
  ``idf`` (Lucene's) and ``doc_len``;
- ``terms`` (sorted, one a line), ``words`` (every folded word of the articles, one a line,
  with ``word_rows``: its term id and how many paragraphs hold it) and ``stems`` (the terms of
  the shipped synonym and abbreviation lists' words): the analyzer's work, so that answering a
  question about known words never loads the stemmer.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from simbot import __version__
from simbot.errors import IndexProblem
from simbot.index import files as index_files
from simbot.index.files import CHECKSUM, MAX_MANIFEST_BYTES, manifest_checksum, problem
from simbot.index.provenance import SOURCES_FILE, Provenance, file_sha256, from_manifest
from simbot.text.analyzer import Analyzer, fold, learn_aliases, squeeze, tokenize, word_list

if TYPE_CHECKING:
    from simbot.index.corpus import Corpus, Document
    from simbot.text.embedding import Embedder

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
#: Okapi BM25 parameters, the defaults of rank-bm25.
K1 = 1.5
B = 0.75

# Columns of the paragraphs table.
DOC, NUMBER, START, END, SAME_AS, SHOW_FROM = range(6)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: ``progress(stage, done, total)``: how far a build has got, in paragraphs.
Progress = Callable[[str, int, int], None]

# Data files: name -> suffix.
_FILES = {
    "paragraphs": ".npy", "spans": ".npy", "idf": ".npy", "offsets": ".npy", "postings": ".npy",
    "weights": ".npy", "doc_len": ".npy", "terms": ".txt", "words": ".txt", "word_rows": ".npy",
    "stems": ".txt", "definitions": ".json", "texts": ".txt", "harm": ".npy",
    "boilerplate": ".npy",
}  # fmt: skip
#: Files an index may hold: paragraph vectors (``semantic.py``), absent with SIMBOT_SEMANTIC=off.
_OPTIONAL_FILES = {"vectors": ".npy"}
_ALL_FILES = _FILES | _OPTIONAL_FILES
#: What quotes and citations come from is read into memory, not mapped: a mapping would show
#: an edit made to the file after it was verified.
_READ_WHOLE = ("texts", "paragraphs", "spans")
# Shipped word lists whose words questions are analysed with (query expansion).
_LISTS = ("synonyms", "abbreviations", "paraphrases")
_PARENTHESISED_RE = re.compile(r"\(([^()]*)\)")


def lucene_idf(n: int, df: npt.NDArray[np.int64]) -> FloatArray:
    """Lucene's BM25 idf, ``log(1 + (N - df + 0.5) / (df + 0.5))``: never zero or negative.

    ``math.log1p`` (the C library's, correctly rounded in practice) rather than numpy's: numpy picks
    a SIMD kernel by processor, which can differ in the last bit, and the committed index must equal
    a fresh build on any machine.
    """
    ratios = ((n - df + 0.5) / (df + 0.5)).tolist()
    return np.array([math.log1p(r) for r in ratios], dtype=np.float64)


def term_weights(tf: IntArray, doc_len: IntArray, avgdl: float) -> FloatArray:
    """Okapi BM25's term-frequency part, written as rank-bm25 writes it so the scores agree."""
    return tf * (K1 + 1) / (tf + K1 * (1 - B + B * doc_len / avgdl))


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
class BuildReport:
    """What a build read and wrote, for the person who ran it."""

    documents: int
    paragraphs: int
    terms: int
    duplicates: int
    aliases: dict[str, list[str]]
    skipped: tuple[str, ...]
    #: Meaning-level vectors: the model's name, or why there are none; how many were computed.
    semantic: str = ""
    embedded: int = 0
    reused: int = 0
    boilerplate: int = 0  # paragraphs found to be boilerplate, never an answer


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
        folder holding exactly what the build wrote: see ``index_files``.
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
        index_files.validate_manifest(manifest, directory, _FILES)
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
        """Each paragraph's unit vector by meaning (``semantic.py``), or ``None`` if not built."""
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


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- building -----------------------------------------------------------------------------------


def build(
    corpus: Corpus,
    analyzer: Analyzer | None = None,
    progress: Progress | None = None,
    *,
    embedder: Embedder | None = None,
    reuse: dict[str, npt.NDArray[np.float32]] | None = None,
) -> tuple[dict[str, bytes], BuildReport]:
    """The files of an index over ``corpus`` (name -> bytes; same articles, same bytes).

    Every paragraph is analysed once, each distinct word stemmed once; the postings are sorted
    and counted with numpy. ``progress`` hears how far the build has got. With an ``embedder``
    the index holds each paragraph's vector by meaning, taken from ``reuse`` (content key ->
    vector, see ``previous_vectors``) for the words it has seen before.
    """
    from simbot.index.boilerplate import find_boilerplate, list_digest
    from simbot.text.distress import describes_harm
    from simbot.text.speakers import speaker_terms, window_start

    analyzer = analyzer or Analyzer()
    total = sum(len(d.paragraphs) for d in corpus.documents)
    rows: list[tuple[int, int, int, int, int, int]] = []
    spans: list[tuple[int, int]] = []
    entries: list[dict[str, Any]] = []
    blobs: list[bytes] = []
    seen_text: dict[str, int] = {}
    # (folded word, term) of every word of every paragraph, and the terms naming speakers, in
    # paragraph order; each paragraph's share of them is counted alongside.
    pairs: list[tuple[str, str]] = []
    pair_counts: list[int] = []
    speakers: list[str] = []
    speaker_counts: list[int] = []
    offset = 0
    for d, document in enumerate(corpus.documents):
        paragraph_texts = [p.text for p in document.paragraphs]
        first = len(rows)
        blob = document.text.encode("utf-8")
        entries.append(_entry(document, first, offset, len(blob)))
        blobs.append(blob)
        spans += _byte_spans(document, blob, offset)
        offset += len(blob)
        for i, paragraph in enumerate(document.paragraphs):
            pid = len(rows)
            same_as = seen_text.setdefault(" ".join(paragraph.text.split()), pid)
            show_from = first + window_start(paragraph_texts, i)
            rows.append((d, paragraph.number, paragraph.start, paragraph.end, same_as, show_from))
            found = analyzer.word_terms(paragraph.text)
            pairs += found
            pair_counts.append(len(found))
            speaking = speaker_terms(paragraph_texts, i, analyzer)
            speakers += speaking
            speaker_counts.append(len(speaking))
        if progress:
            progress("indexing", len(rows), total)

    n = len(rows)
    counted = _count(pairs, pair_counts, speakers, speaker_counts)
    del pairs, speakers

    if progress:
        progress("learning acronyms", n, total)
    paragraph_texts_all = [p.text for p in corpus.paragraphs()]
    aliases = learn_aliases(paragraph_texts_all, analyzer)
    definitions = _definitions(paragraph_texts_all, aliases, analyzer)
    stems = _listed_stems(analyzer)
    boilerplate = find_boilerplate(corpus)
    vectors: npt.NDArray[np.float32] | None = None
    embedded = reused = 0
    if embedder is not None:
        from simbot.text.embedding import paragraph_vectors

        vectors, embedded, reused = paragraph_vectors(
            paragraph_texts_all,
            embedder,
            reuse or {},
            (lambda done, todo: progress("embedding", done, todo)) if progress else None,
        )

    if progress:
        progress("writing", n, total)
    data: dict[str, bytes] = {
        # Column by column: finding every paragraph of a duplicate group reads one column.
        "paragraphs": _npy(np.asfortranarray(np.array(rows, dtype=np.int64).reshape(-1, 6))),
        "spans": _npy(np.array(spans, dtype=np.int64).reshape(-1, 2)),
        "idf": _npy(lucene_idf(n, counted.df)),
        "offsets": _npy(counted.offsets),
        "postings": _npy(counted.postings),
        "weights": _npy(counted.weights),
        "doc_len": _npy(counted.doc_len),
        "terms": _lines_bytes(counted.vocabulary),
        "words": _lines_bytes(counted.words),
        "word_rows": _npy(counted.word_rows),
        "stems": _lines_bytes(f"{word}\t{term}" for word, term in stems),
        "definitions": _json_bytes(definitions),
        "texts": b"".join(blobs),
        "harm": _npy(
            np.array([p for p, t in enumerate(paragraph_texts_all) if describes_harm(t)], np.int64)
        ),
        "boilerplate": _npy(np.array(boilerplate, dtype=np.int64)),
    }
    if vectors is not None:
        data["vectors"] = _npy(vectors)
    files = {name: f"{name}-{_sha(blob)[:16]}{_ALL_FILES[name]}" for name, blob in data.items()}
    manifest = {
        "format": FORMAT_VERSION,
        "simbot": __version__,
        "analyzer": analyzer.settings,
        "bm25": {"k1": K1, "b": B, "idf": "lucene"},
        "avgdl": counted.avgdl,
        "paragraphs": n,
        "terms": len(counted.vocabulary),
        "documents": entries,
        "aliases": aliases,
        "files": files,
        "boilerplate": {"list": list_digest(), "paragraphs": len(boilerplate)},
        # The articles' metadata, so that citations need no seeds folder, and its file's hash,
        # so that `simbot index check` notices an edit.
        "sources": {
            "file": SOURCES_FILE,
            "sha256": corpus.sources_sha256,
            "articles": {name: p.known() for name, p in sorted(corpus.sources.items())},
        },
    }
    if embedder is not None:
        manifest["semantic"] = embedder.info.as_manifest()
    manifest[CHECKSUM] = manifest_checksum(manifest)
    out = {files[name]: blob for name, blob in data.items()}
    out[MANIFEST] = json.dumps(manifest, indent=1, ensure_ascii=False, sort_keys=True).encode()
    duplicates = sum(1 for pid, row in enumerate(rows) if row[SAME_AS] != pid)
    report = BuildReport(
        len(entries), n, len(counted.vocabulary), duplicates, aliases, corpus.skip_notices(),
        semantic=embedder.info.name if embedder else "", embedded=embedded,
        reused=reused, boilerplate=len(boilerplate),
    )  # fmt: skip
    return out, report


@dataclass(frozen=True, slots=True)
class _Counted:
    """The postings and word counts of a corpus, as the index stores them."""

    vocabulary: list[str]
    df: IntArray
    offsets: IntArray
    postings: npt.NDArray[np.int32]
    weights: FloatArray
    doc_len: IntArray
    avgdl: float
    words: list[str]
    word_rows: IntArray  # per word: its term id, how many paragraphs hold it


def _count(
    pairs: list[tuple[str, str]],
    pair_counts: list[int],
    speakers: list[str],
    speaker_counts: list[int],
) -> _Counted:
    """Postings and word counts from every paragraph's (word, term) pairs and speaker terms.

    Python looks each distinct word up once; the rest is numpy: one key per (id, paragraph)
    occurrence, sorted, so that the postings come grouped by term with paragraphs ascending,
    and counting equal keys gives the term frequencies.
    """
    n = len(pair_counts)
    distinct = {pair: i for i, pair in enumerate(dict.fromkeys(pairs))}
    pair_ids = _ids(map(distinct.__getitem__, pairs), len(pairs))
    word_terms = dict(distinct.keys())  # folded word -> term
    words = sorted(word_terms)
    vocabulary = sorted({*word_terms.values(), *speakers})
    term_id = dict(zip(vocabulary, range(len(vocabulary)), strict=True))
    word_id = dict(zip(words, range(len(words)), strict=True))
    every = np.arange(n, dtype=np.int64)
    pair_pids = np.repeat(every, pair_counts)
    doc_len = np.array(pair_counts, dtype=np.int64) + np.array(speaker_counts, dtype=np.int64)
    avgdl = float(doc_len.sum()) / n

    pair_term = _ids((term_id[t] for _, t in distinct), len(distinct))
    speaker_keys = _ids(map(term_id.__getitem__, speakers), len(speakers)) * n
    keys = np.concatenate([pair_term[pair_ids] * n + pair_pids,
                           speaker_keys + np.repeat(every, speaker_counts)])  # fmt: skip
    keys, freqs = _counted(keys)
    postings = (keys % n).astype(np.int32)
    df = np.bincount(keys // n, minlength=len(vocabulary)).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
    weights = term_weights(freqs.astype(np.int64), doc_len[postings], avgdl)

    pair_word = _ids((word_id[w] for w, _ in distinct), len(distinct))
    held = _counted(pair_word[pair_ids] * n + pair_pids)[0]  # (word, paragraph), once each
    word_df = np.bincount(held // n, minlength=len(words))
    word_term_ids = _ids(map(term_id.__getitem__, map(word_terms.__getitem__, words)), len(words))
    word_rows = np.stack([word_term_ids, word_df.astype(np.int64)], axis=1).reshape(-1, 2)
    return _Counted(vocabulary, df, offsets, postings, weights, doc_len, avgdl, words, word_rows)


def _ids(ids: Iterator[int], count: int) -> IntArray:
    return np.fromiter(ids, dtype=np.int64, count=count)


def _counted(keys: IntArray) -> tuple[IntArray, IntArray]:
    """The distinct ``keys``, ascending, and how many times each occurs.

    By sorting: numpy 2's ``np.unique``, which hashes, takes seconds here.
    """
    keys = np.sort(keys)
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]])) if len(keys) else keys
    return keys[starts], np.diff(np.append(starts, len(keys)))


def _entry(document: Document, first: int, offset: int, size: int) -> dict[str, Any]:
    return {
        "name": document.name,
        "sha256": document.sha256,
        "title": document.title,
        "first": first,
        "paragraphs": len(document.paragraphs),
        "offset": offset,
        "size": size,
        "chars": len(document.text),
    }


def _byte_spans(document: Document, blob: bytes, offset: int) -> list[tuple[int, int]]:
    """Where each paragraph of ``document`` stands in the texts blob, in bytes."""
    text = document.text
    if len(blob) == len(text):  # ASCII
        return [(offset + p.start, offset + p.end) for p in document.paragraphs]
    spans: list[tuple[int, int]] = []
    at_char, at_byte = 0, offset
    for p in document.paragraphs:
        at_byte += len(text[at_char : p.start].encode("utf-8"))
        start = at_byte
        at_byte += len(text[p.start : p.end].encode("utf-8"))
        at_char = p.end
        spans.append((start, at_byte))
    return spans


def _definitions(
    texts: Sequence[str], aliases: dict[str, list[str]], analyzer: Analyzer
) -> dict[str, list[int]]:
    """Acronym term -> the paragraphs that hold a word of it in brackets: "(NSUN)".

    A word of a paragraph stands in brackets somewhere in it exactly when some "(...)" of the
    paragraph holds that one word, so only those are analysed.
    """
    found: dict[str, list[int]] = {}
    if not aliases:
        return found
    for pid, text in enumerate(texts):
        if "(" not in text:
            continue
        for inside in sorted(set(_PARENTHESISED_RE.findall(text))):
            if " " in inside:
                continue  # not one word
            tokens = tokenize(inside)
            if len(tokens) != 1 or tokens[0].surface != inside:
                continue
            key = analyzer.term(tokens[0].folded)
            if key in aliases:
                pids = found.setdefault(key, [])
                if not pids or pids[-1] != pid:
                    pids.append(pid)
    return found


@cache
def _listed_words() -> tuple[str, ...]:
    """Words of the shipped lists that questions are expanded with, as the analyzer sees them.

    Synonyms are analysed as listed; an abbreviation as its letters ("a&e" -> "ae") and its
    expansions word by word.
    """
    words: set[str] = set()
    for name in _LISTS:
        for line in word_list(name):
            for entry in re.split(r"[\s|]+", line):
                words.add(entry)
                if not (entry.isascii() and entry.isalpha() and entry.islower()):
                    words.update(t.folded for t in tokenize(entry))  # "ex-wife", "A&E"
    for line in word_list("abbreviations"):
        words.add(fold(squeeze(line.partition("\t")[0])))
    words.discard("")
    return tuple(sorted(words))


def _listed_stems(analyzer: Analyzer) -> list[tuple[str, str]]:
    """(word, term) for every word of the shipped lists that has a term.

    All of them, articles' words too, so that this file changes only with the lists.
    """
    return [(word, term) for word in _listed_words() if (term := analyzer.term(word)) is not None]


def _npy(array: npt.NDArray[Any]) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _lines_bytes(lines: Iterable[str]) -> bytes:
    lines = list(lines)
    if any("\n" in line for line in lines):  # never: words and terms hold no line breaks
        raise ValueError("an index entry holds a line break")
    return "\n".join(lines).encode("utf-8")


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def save(files: dict[str, bytes], directory: Path) -> None:
    """Write an index atomically: data files first, then the manifest in one rename.

    ``IndexProblem`` when the folder cannot be written (read-only, a loop of links).
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with _build_lock(directory):
            _remove_temp_files(directory)
            _save(files, directory)
    except OSError as exc:
        raise IndexProblem(
            f"Cannot write the index to {directory}: {exc.strerror or exc}; "
            "make the folder writable, or point --index at another one."
        ) from exc


@contextlib.contextmanager
def _build_lock(directory: Path) -> Iterator[None]:
    """Holds an exclusive lock on the index folder: one build writes into it at a time.

    The kernel drops the lock when its process dies, however it dies; so whoever holds it knows
    that any temporary file in the folder was left by a build that was killed.
    """
    import fcntl

    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _remove_temp_files(directory: Path) -> None:
    """Deletes the temporary files of builds that were killed while writing (``kill -9``)."""
    for path in directory.iterdir():
        name = path.name
        if name.startswith(".") and name.endswith(".tmp") and _is_temp_of_index_file(name):
            with contextlib.suppress(OSError):
                path.unlink()


def _is_temp_of_index_file(name: str) -> bool:
    """Whether ``name`` is ``_write_atomic``'s temporary name for an index file."""
    target = name[1:].rsplit(".", 2)[0]  # ".NAME.RANDOM.tmp" -> "NAME"
    return target == MANIFEST or _is_index_file(target)


def _save(files: dict[str, bytes], directory: Path) -> None:
    for name, blob in sorted(files.items()):
        if name != MANIFEST:
            _write_atomic(directory / name, blob)
    _write_atomic(directory / MANIFEST, files[MANIFEST])
    keep = set(files)
    for path in directory.iterdir():
        # Data files of the index this one replaces; readers that loaded it hold their data.
        if path.is_file() and path.name not in keep and _is_index_file(path.name):
            with contextlib.suppress(OSError):
                path.unlink()


def _is_index_file(name: str) -> bool:
    stem, _, rest = name.partition("-")
    return stem in _ALL_FILES and len(rest.split(".")[0]) == 16


def _write_atomic(path: Path, blob: bytes) -> None:
    if path.name != MANIFEST and _holds(path, blob):
        return
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private; an index is read by other users (a container's).
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise


def _holds(path: Path, blob: bytes) -> bool:
    """Whether ``path`` is a regular file (not a link) holding exactly ``blob``."""
    try:
        return path.lstat().st_size == len(blob) and path.is_file() and path.read_bytes() == blob
    except OSError:
        return False


def build_and_save(
    seeds_dir: Path,
    index_dir: Path,
    progress: Progress | None = None,
    corpus: Corpus | None = None,
    semantic: bool = True,
) -> BuildReport:
    """Rebuild the index of ``seeds_dir`` into ``index_dir``; on any error the old one stays.

    ``corpus``: the articles of ``seeds_dir`` when the caller has read them already. With
    ``semantic`` (``SIMBOT_SEMANTIC``), paragraph vectors too, reusing those of the index
    already in ``index_dir``; when the model cannot load, the report says why there are none.
    """
    from simbot.index.corpus import load_corpus
    from simbot.text.embedding import SemanticUnavailable, load_embedder

    if progress:
        progress("reading articles", 0, 0)
    corpus = corpus or load_corpus(seeds_dir)
    embedder: Embedder | None = None
    unavailable = ""
    if semantic:
        try:
            embedder = load_embedder(threads=0)  # every core: a build embeds many paragraphs
        except (SemanticUnavailable, OSError) as exc:
            unavailable = str(exc)
    reuse = previous_vectors(index_dir, embedder) if embedder else None
    files, report = build(corpus, progress=progress, embedder=embedder, reuse=reuse)
    save(files, index_dir)
    if unavailable:
        report = dataclasses.replace(report, semantic=f"off: {unavailable}")
    return report


def previous_vectors(index_dir: Path, embedder: Embedder) -> dict[str, npt.NDArray[np.float32]]:
    """The vectors of the index in ``index_dir`` by content key, if made by ``embedder``'s model.

    Empty when there is no such index, or it is damaged: then every paragraph is embedded.
    """
    from simbot.text.embedding import content_key

    try:
        old = Index.load(index_dir)
        entry = old.manifest.get("semantic") or {}
        vectors = old.vectors if entry.get("sha256") == embedder.info.sha256 else None
        if vectors is None:
            return {}
        return {content_key(old.paragraph_text(pid)): vectors[pid] for pid in range(len(vectors))}
    except (IndexProblem, OSError, ValueError, UnicodeDecodeError):
        return {}


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
