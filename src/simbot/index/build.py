"""Building the index from the articles: one pass over the paragraphs, the rest with numpy.

What a question needs, each computed once here:

- ``paragraphs`` (one row a paragraph: article, number, character offsets, the first paragraph
  with the same words, the first paragraph to show) and ``spans`` (its bytes in ``texts``);
- BM25 postings grouped by term, paragraphs ascending: ``offsets`` (where each term's run
  starts), ``postings`` (paragraph ids), ``weights`` (rank-bm25's term-frequency part) with
  ``idf`` (Lucene's) and ``doc_len``;
- ``terms`` (sorted, one a line), ``words`` (every folded word of the articles, one a line,
  with ``word_rows``: its term id and how many paragraphs hold it) and ``stems`` (the terms of
  the shipped synonym and abbreviation lists' words): the analyzer's work, so that answering a
  question about known words never loads the stemmer.

The same articles always give the same bytes: the committed index must equal a fresh build.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from simbot import __version__
from simbot.errors import IndexProblem
from simbot.index.bm25 import K1, B, lucene_idf
from simbot.index.files import CHECKSUM, manifest_checksum
from simbot.index.format import FORMAT_VERSION, MANIFEST, SAME_AS, data_file_name
from simbot.index.postings import count_postings
from simbot.index.provenance import SOURCES_FILE
from simbot.index.reader import Index
from simbot.index.writer import save
from simbot.text import wordlists
from simbot.text.analyzer import Analyzer, fold, learn_aliases, squeeze, tokenize

if TYPE_CHECKING:
    from simbot.index.corpus import Corpus, Document
    from simbot.text.embedding import Embedder

#: ``progress(stage, done, total)``: how far a build has got, in paragraphs.
Progress = Callable[[str, int, int], None]

# Shipped word lists whose words questions are analysed with (query expansion).
_LISTS = ("synonyms", "abbreviations", "paraphrases")
_PARENTHESISED_RE = re.compile(r"\(([^()]*)\)")


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
    counted = count_postings(pairs, pair_counts, speakers, speaker_counts)
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
    files = {name: data_file_name(name, _sha(blob)) for name, blob in data.items()}
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
        for key, values in wordlists.table(name).items():
            for entry in (word for part in (key, *values) for word in part.split()):
                words.add(entry)
                if not (entry.isascii() and entry.isalpha() and entry.islower()):
                    words.update(t.folded for t in tokenize(entry))  # "ex-wife", "A&E"
    for key in wordlists.table("abbreviations"):
        words.add(fold(squeeze(key)))
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
