"""The index in ``index/``: build it from the articles, save it atomically, load and check it.

Layout: ``manifest.json`` names every data file by the hash of its content and records the
format version, the analyzer's settings and the hash of every article. Data files are plain
JSON, UTF-8 text and ``.npy`` arrays (no pickle), so they load fast and can be memory-mapped.
Saving writes the new data files first and then replaces ``manifest.json`` in one atomic
rename: a reader sees the old index or the new one, never half of one, and a failed build
leaves the old index in place.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from simbot import __version__
from simbot.analysis import Analyzer, learn_aliases, tokenize
from simbot.context import speaker_terms, window_start
from simbot.corpus import Corpus, Document
from simbot.errors import IndexProblem

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
#: Okapi BM25 parameters, the defaults of rank-bm25.
K1 = 1.5
B = 0.75

# Columns of the paragraphs table.
DOC, NUMBER, START, END, SAME_AS, SHOW_FROM = range(6)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def lucene_idf(n: int, df: npt.NDArray[np.int64]) -> FloatArray:
    """Lucene's BM25 idf, ``log(1 + (N - df + 0.5) / (df + 0.5))``: never zero or negative."""
    return np.log1p((n - df + 0.5) / (df + 0.5))


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
    offset: int  # where its text starts in the texts blob
    chars: int


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build read and wrote, for the person who ran it."""

    documents: int
    paragraphs: int
    terms: int
    duplicates: int
    aliases: dict[str, list[str]]
    skipped: tuple[str, ...]


class Index:
    """A loaded index: paragraphs, their texts, BM25 postings and what the analyzer learnt."""

    def __init__(self, directory: Path, manifest: dict[str, Any]) -> None:
        self.directory = directory
        self.manifest = manifest
        try:
            self.documents = [DocumentEntry(**d) for d in manifest["documents"]]
            self.aliases: dict[str, list[str]] = manifest["aliases"]
            self.avgdl = float(manifest["avgdl"])
            self.paragraphs: IntArray = self._array("paragraphs")
            self.idf: FloatArray = self._array("idf")
            self.offsets: IntArray = self._array("offsets")
            self.postings: npt.NDArray[np.int32] = self._array("postings")
            self.weights: FloatArray = self._array("weights")
            self.doc_len: IntArray = self._array("doc_len")
            self.terms: list[str] = self._json("terms")
            self.texts = self._file("texts").decode("utf-8")
        except (KeyError, TypeError, ValueError, OSError) as exc:
            raise _corrupt(directory, exc) from exc
        self.term_ids = {t: i for i, t in enumerate(self.terms)}
        n = len(self.paragraphs)
        if not (
            len(self.doc_len) == n
            and len(self.idf) == len(self.terms)
            and len(self.offsets) == len(self.terms) + 1
            and len(self.postings) == len(self.weights) == int(self.offsets[-1])
            and sum(d.paragraphs for d in self.documents) == n
        ):
            raise _corrupt(directory, ValueError("its arrays do not fit together"))

    # -- reading --------------------------------------------------------------------------------

    @classmethod
    def load(cls, directory: Path) -> Index:
        """Load the index in ``directory``, or raise ``IndexProblem`` saying what to do."""
        path = directory / MANIFEST
        if not path.is_file():
            raise IndexProblem(
                f"No index at {directory.resolve()}: build it with `simbot index build`, "
                "or point SIMBOT_INDEX_DIR at the folder that holds it."
            )
        try:
            manifest = json.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _corrupt(directory, exc) from exc
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
            found = manifest.get("format") if isinstance(manifest, dict) else None
            raise IndexProblem(
                f"The index at {directory} has format {found!r}, this simbot reads format "
                f"{FORMAT_VERSION}: rebuild it with `simbot index build`."
            )
        return cls(directory, manifest)

    def _file(self, name: str) -> bytes:
        return (self.directory / str(self.manifest["files"][name])).read_bytes()

    def _json(self, name: str) -> Any:
        return json.loads(self._file(name))

    def _array(self, name: str) -> Any:
        return np.load(self.directory / self.manifest["files"][name], allow_pickle=False)

    @cached_property
    def words(self) -> dict[str, list[int]]:
        """Every folded word of the articles -> [its term id, how many paragraphs hold it]."""
        words: dict[str, list[int]] = self._json("words")
        return words

    @cached_property
    def definitions(self) -> dict[str, list[int]]:
        """Acronym term -> the paragraphs that spell it out."""
        found: dict[str, list[int]] = self._json("definitions")
        return found

    def text(self, doc: int, start: int, end: int) -> str:
        """Characters ``start:end`` of article ``doc``, exactly as in its file."""
        base = self.documents[doc].offset
        return self.texts[base + start : base + end]

    def paragraph_text(self, pid: int) -> str:
        """The verbatim text of paragraph ``pid``."""
        row = self.paragraphs[pid]
        return self.text(int(row[DOC]), int(row[START]), int(row[END]))

    def paragraph_id(self, source: str, number: int) -> int | None:
        """The id of paragraph ``number`` (1-based) of the article named ``source``."""
        for entry in self.documents:
            if entry.name == source:
                return entry.first + number - 1 if 1 <= number <= entry.paragraphs else None
        return None

    def document_terms(self, pid: int) -> set[int]:
        """The ids of the terms indexed for paragraph ``pid`` (its words and its speaker)."""
        starts = self.offsets[:-1]
        # Postings are grouped by term; a paragraph's terms are those whose run holds its id.
        hits = np.nonzero(self.postings == pid)[0]
        return {int(t) for t in np.searchsorted(starts, hits, side="right") - 1}

    # -- checking -------------------------------------------------------------------------------

    def stale_reasons(self, seeds_dir: Path) -> list[str]:
        """Why this index does not match the articles in ``seeds_dir`` (empty when it does)."""
        from simbot.corpus import is_article_name

        reasons: list[str] = []
        on_disk = (
            {p.name: p for p in seeds_dir.iterdir() if p.is_file() and is_article_name(p)}
            if seeds_dir.is_dir()
            else {}
        )
        indexed = {d.name: d.sha256 for d in self.documents}
        for name in sorted(on_disk.keys() - indexed.keys()):
            reasons.append(f"{name} is new")
        for name in sorted(indexed.keys() - on_disk.keys()):
            reasons.append(f"{name} is gone")
        for name in sorted(indexed.keys() & on_disk.keys()):
            if hashlib.sha256(on_disk[name].read_bytes()).hexdigest() != indexed[name]:
                reasons.append(f"{name} has changed")
        if self.manifest.get("analyzer") != Analyzer().settings:
            reasons.append("the analyzer has changed")
        for name, file_name in self.manifest["files"].items():
            path = self.directory / file_name
            if not path.is_file():
                reasons.append(f"{file_name} ({name}) is missing")
            elif _sha(path.read_bytes())[:16] not in file_name:
                reasons.append(f"{file_name} ({name}) is corrupt")
        return reasons


def _corrupt(directory: Path, exc: BaseException) -> IndexProblem:
    return IndexProblem(
        f"The index at {directory} is damaged ({type(exc).__name__}: {exc}); "
        "rebuild it with `simbot index build`."
    )


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- building -----------------------------------------------------------------------------------


def build(corpus: Corpus, analyzer: Analyzer | None = None) -> tuple[dict[str, bytes], BuildReport]:
    """The files of an index over ``corpus`` (name -> bytes; same articles, same bytes)."""
    analyzer = analyzer or Analyzer()
    rows: list[list[int]] = []
    doc_terms: list[list[str]] = []
    entries: list[dict[str, Any]] = []
    words: dict[str, list[int]] = {}
    seen_text: dict[str, int] = {}
    word_df: Counter[str] = Counter()
    word_term: dict[str, str] = {}
    texts: list[str] = []
    offset = 0
    for d, document in enumerate(corpus.documents):
        paragraph_texts = [p.text for p in document.paragraphs]
        first = len(rows)
        entries.append(_entry(document, first, offset))
        texts.append(document.text)
        offset += len(document.text)
        for i, paragraph in enumerate(document.paragraphs):
            pid = len(rows)
            same_as = seen_text.setdefault(" ".join(paragraph.text.split()), pid)
            show_from = first + window_start(paragraph_texts, i)
            rows.append([d, paragraph.number, paragraph.start, paragraph.end, same_as, show_from])
            terms: list[str] = []
            folded_here: set[str] = set()
            for token in tokenize(paragraph.text):
                term = analyzer.term(token.folded)
                if term:
                    terms.append(term)
                    folded_here.add(token.folded)
                    word_term[token.folded] = term
            word_df.update(folded_here)
            doc_terms.append(terms + speaker_terms(paragraph_texts, i, analyzer))

    vocabulary = sorted({t for terms in doc_terms for t in terms})
    term_id = {t: i for i, t in enumerate(vocabulary)}
    n = len(doc_terms)
    doc_len = np.array([len(t) for t in doc_terms], dtype=np.int64)
    avgdl = float(doc_len.sum()) / n
    # Postings grouped by term, paragraphs ascending within a term.
    postings_by_term: list[list[tuple[int, int]]] = [[] for _ in vocabulary]
    for pid, terms in enumerate(doc_terms):
        for term, tf in sorted(Counter(terms).items()):
            postings_by_term[term_id[term]].append((pid, tf))
    df = np.array([len(p) for p in postings_by_term], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
    flat = [pair for plist in postings_by_term for pair in plist]
    postings = np.array([p for p, _ in flat], dtype=np.int32)
    freqs = np.array([f for _, f in flat], dtype=np.int64)
    weights = term_weights(freqs, doc_len[postings], avgdl)
    for word, count in sorted(word_df.items()):
        words[word] = [term_id[word_term[word]], count]

    paragraph_texts_all = [p.text for p in corpus.paragraphs()]
    aliases = learn_aliases(paragraph_texts_all, analyzer)
    definitions = _definitions(paragraph_texts_all, aliases, analyzer)

    data: dict[str, bytes] = {
        "paragraphs": _npy(np.array(rows, dtype=np.int64).reshape(-1, 6)),
        "idf": _npy(lucene_idf(n, df)),
        "offsets": _npy(offsets),
        "postings": _npy(postings),
        "weights": _npy(weights),
        "doc_len": _npy(doc_len),
        "terms": _json_bytes(vocabulary),
        "words": _json_bytes(words),
        "definitions": _json_bytes(definitions),
        "texts": "".join(texts).encode("utf-8"),
    }
    suffix = {"texts": ".txt", "terms": ".json", "words": ".json", "definitions": ".json"}
    files = {
        name: f"{name}-{_sha(blob)[:16]}{suffix.get(name, '.npy')}" for name, blob in data.items()
    }
    manifest = {
        "format": FORMAT_VERSION,
        "simbot": __version__,
        "analyzer": analyzer.settings,
        "bm25": {"k1": K1, "b": B, "idf": "lucene"},
        "avgdl": avgdl,
        "paragraphs": n,
        "terms": len(vocabulary),
        "documents": entries,
        "aliases": aliases,
        "files": files,
    }
    out = {files[name]: blob for name, blob in data.items()}
    out[MANIFEST] = json.dumps(manifest, indent=1, ensure_ascii=False, sort_keys=True).encode()
    duplicates = sum(1 for pid, row in enumerate(rows) if row[SAME_AS] != pid)
    report = BuildReport(len(entries), n, len(vocabulary), duplicates, aliases, corpus.skipped)
    return out, report


def _entry(document: Document, first: int, offset: int) -> dict[str, Any]:
    return {
        "name": document.name,
        "sha256": document.sha256,
        "title": document.title,
        "first": first,
        "paragraphs": len(document.paragraphs),
        "offset": offset,
        "chars": len(document.text),
    }


def _definitions(
    texts: Sequence[str], aliases: dict[str, list[str]], analyzer: Analyzer
) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for pid, text in enumerate(texts):
        for token in tokenize(text):
            key = analyzer.term(token.folded)
            if key in aliases and f"({token.surface})" in text:
                found.setdefault(key, [])
                if pid not in found[key]:
                    found[key].append(pid)
    return found


def _npy(array: npt.NDArray[Any]) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def save(files: dict[str, bytes], directory: Path) -> None:
    """Write an index atomically: data files first, then the manifest in one rename."""
    directory.mkdir(parents=True, exist_ok=True)
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
    return stem in {
        "paragraphs", "idf", "offsets", "postings", "weights", "doc_len", "terms", "words",
        "definitions", "texts",
    } and len(rest.split(".")[0]) == 16  # fmt: skip


def _write_atomic(path: Path, blob: bytes) -> None:
    if path.is_file() and path.name != MANIFEST and path.read_bytes() == blob:
        return
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


def build_and_save(seeds_dir: Path, index_dir: Path) -> BuildReport:
    """Rebuild the index of ``seeds_dir`` into ``index_dir``; on any error the old one stays."""
    from simbot.corpus import load_corpus

    files, report = build(load_corpus(seeds_dir))
    save(files, index_dir)
    return report
