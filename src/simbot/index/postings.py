"""BM25 postings and word counts of a corpus, counted with numpy (part of the build)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simbot.index.bm25 import term_weights
from simbot.index.format import FloatArray, IntArray


@dataclass(frozen=True, slots=True)
class Counted:
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


def count_postings(
    pairs: list[tuple[str, str]],
    pair_counts: list[int],
    speakers: list[str],
    speaker_counts: list[int],
) -> Counted:
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
    return Counted(vocabulary, df, offsets, postings, weights, doc_len, avgdl, words, word_rows)


def _ids(ids: Iterator[int], count: int) -> IntArray:
    return np.fromiter(ids, dtype=np.int64, count=count)


def _counted(keys: IntArray) -> tuple[IntArray, IntArray]:
    """The distinct ``keys``, ascending, and how many times each occurs.

    By sorting: numpy 2's ``np.unique``, which hashes, takes seconds here.
    """
    keys = np.sort(keys)
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]])) if len(keys) else keys
    return keys[starts], np.diff(np.append(starts, len(keys)))
