"""Boilerplate: paragraphs that are never an answer, found when the index is built.

A paragraph is boilerplate when words like it (the same words, folded: case, punctuation and
spacing aside) stand in at least half of the articles, and in at least three: the editor's
appeal for donations that ends most articles of one publisher is the case in point. A paragraph
also is when it holds an entry of the shipped list ``data/boilerplate.txt``, which maintainers
extend with the words of any other such paragraph (rebuild the index after editing it).
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict

from simbot.index.corpus import Corpus
from simbot.text.analyzer import data_lines, folded_words

#: Fewer articles than this never make a paragraph boilerplate by repetition alone: two articles
#: quoting the same statement are not boilerplate.
MIN_ARTICLES = 3
LIST = "boilerplate"


def _key(text: str) -> str:
    return " ".join(folded_words(text))


def listed() -> list[str]:
    """The shipped list's entries, folded as paragraphs are compared."""
    return [key for line in data_lines(LIST) if (key := _key(line))]


def list_digest() -> str:
    """A hash of the shipped list, recorded in the manifest: an edited list makes it stale."""
    return hashlib.sha256("\n".join(listed()).encode("utf-8")).hexdigest()[:16]


def find_boilerplate(corpus: Corpus) -> list[int]:
    """The ids (in corpus order) of the paragraphs that are boilerplate."""
    keys = [_key(p.text) for p in corpus.paragraphs()]
    articles: dict[str, set[int]] = defaultdict(set)
    pid = 0
    for d, document in enumerate(corpus.documents):
        for _ in document.paragraphs:
            articles[keys[pid]].add(d)
            pid += 1
    needed = max(MIN_ARTICLES, math.ceil(len(corpus.documents) / 2))
    entries = [f" {entry} " for entry in listed()]
    found: list[int] = []
    for pid, key in enumerate(keys):
        repeated = bool(key) and len(articles[key]) >= needed
        if repeated or any(entry in f" {key} " for entry in entries):
            found.append(pid)
    return found
