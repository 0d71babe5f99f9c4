"""Faults an article can have that still let it be read: found at build time, and by ``simbot add``.

Each is a warning (``--strict`` makes them errors): text hard-wrapped at a fixed width (pasted
from an e-mail: quotes would be cut mid-sentence), HTML markup or entities in a ``.txt`` (people
would be shown ``<p>`` and ``&rsquo;``), an article that repeats another (every citation would be
doubled), a paragraph too long to be one (a whole article on one line), and an article whose
metadata is missing or empty.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from simbot.index.corpus import Corpus, Document
from simbot.index.provenance import SOURCES_FILE
from simbot.text.analyzer import folded_words

#: A paragraph longer than this is likely several run together (Telegram shows 4096 at most).
MAX_PARAGRAPH = 3000
#: Articles sharing this share of their word runs are the same article (or nearly).
NEAR_DUPLICATE = 0.8
#: Runs of this many words are compared between articles.
SHINGLE = 5

# The end of a sentence, a heading's colon, or a closing quote or bracket after one.
_ENDS_SENTENCE_RE = re.compile(r"[.!?:;…\"”’')\]]\s*$")
_MARKUP_RE = re.compile(
    r"</?(?:p|div|span|br|a|b|i|em|strong|h[1-6]|li|ul|ol|img|script|style|table|tr|td|blockquote)"
    r"\b[^<>]*>|&(?:[a-zA-Z]{2,8}|#\d{1,6}|#x[0-9a-fA-F]{1,6});",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ArticleWarning:
    """One fault of one article: where it is, what it is, and what to do."""

    source: str
    line: int  # 1-based line of the file; 0 when about the whole file
    message: str

    def __str__(self) -> str:
        where = f"{self.source}, line {self.line}" if self.line else self.source
        return f"{where}: {self.message}"


def check_corpus(corpus: Corpus) -> list[ArticleWarning]:
    """Every fault of every article of ``corpus``, article by article."""
    warnings: list[ArticleWarning] = []
    if not corpus.sources_sha256:
        warnings.append(
            ArticleWarning(
                SOURCES_FILE,
                0,
                "no such file beside the articles, so their citations name files only: "
                "add one giving each article's headline and publisher (see the README).",
            )
        )
    sizes: list[int] = []  # each article's number of word runs
    # Which earlier articles hold each word run (by the run's hash, which keeps a large corpus's
    # millions of runs small; a collision could only add one to a count): only articles sharing
    # a run can be alike, so a thousand articles are not half a million comparisons.
    holders: dict[int, list[int]] = {}
    for n, document in enumerate(corpus.documents):
        warnings += check_document(document)
        mine = {hash(run) for run in shingle_set(document.text)}
        sizes.append(len(mine))
        shared = Counter(m for run in mine for m in holders.get(run, ()))
        for m in sorted(shared):
            earlier = corpus.documents[m]
            # The runs both hold, over the fewer runs: ``similarity`` without the sets' sum.
            share = shared[m] / min(sizes[m], len(mine))
            if share >= NEAR_DUPLICATE:
                warnings.append(duplicate_warning(document.name, earlier.name, share))
        for run in mine:
            holders.setdefault(run, []).append(n)
        known = corpus.sources.get(document.name)
        if corpus.sources_sha256 and (known is None or known.empty):
            what = "has no table" if known is None else "has an empty table"
            warnings.append(
                ArticleWarning(
                    document.name,
                    0,
                    f"{SOURCES_FILE} {what} for it: add its headline and publisher (and date "
                    "and url when known), so that its citations say where it comes from.",
                )
            )
    return warnings


def check_document(document: Document) -> list[ArticleWarning]:
    """The faults of one article on its own: hard wrapping, markup, overlong paragraphs."""
    warnings: list[ArticleWarning] = []
    texts = [p.text for p in document.paragraphs]
    lines = [document.text.count("\n", 0, p.start) + 1 for p in document.paragraphs]
    wrapped = [i for i in range(len(texts) - 1) if mid_sentence(texts[i], texts[i + 1])]
    if wrapped:
        first = wrapped[0]
        warnings.append(
            ArticleWarning(
                document.name,
                lines[first],
                f"a paragraph ends mid-sentence and goes on in line {lines[first + 1]} "
                f"({len(wrapped)} time{'s' if len(wrapped) != 1 else ''} in the file): the text "
                "looks hard-wrapped, and quotes from it would stop mid-sentence. Put each "
                "paragraph on one line, or import the file with `simbot add FILE`, which rejoins "
                "them.",
            )
        )
    for number, text in zip(lines, texts, strict=True):
        markup = _MARKUP_RE.search(text)
        if markup:
            warnings.append(
                ArticleWarning(
                    document.name,
                    number,
                    f"holds HTML ({markup.group(0)!r}), which people would be shown as it is: "
                    "save the article as plain text, or import the page with `simbot add`.",
                )
            )
            break
    for number, text in zip(lines, texts, strict=True):
        if len(text) > MAX_PARAGRAPH:
            warnings.append(
                ArticleWarning(
                    document.name,
                    number,
                    f"a paragraph of {len(text):,} characters (more than {MAX_PARAGRAPH:,}): "
                    "are several paragraphs on one line? Put each on a line of its own.",
                )
            )
    return warnings


def mid_sentence(line: str, following: str) -> bool:
    """Whether ``line`` stops mid-sentence and ``following`` carries the sentence on."""
    return not _ENDS_SENTENCE_RE.search(line) and following[:1].islower()


def shingle_set(text: str) -> set[tuple[str, ...]]:
    """The runs of ``SHINGLE`` folded words of ``text`` (its words alone when it is shorter)."""
    words = folded_words(text)
    if len(words) < SHINGLE:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def similarity(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    """How much of the shorter text the other holds: shared word runs over the fewer runs.

    Over the shorter one, so that an article quoted whole inside a longer page still counts.
    """
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def duplicate_warning(name: str, other: str, share: float) -> ArticleWarning:
    """The warning for ``name`` repeating ``other``."""
    how = "the same text as" if share >= 0.999 else f"{share:.0%} the same as"
    return ArticleWarning(
        name,
        0,
        f"{how} {other}: every quote from it would be cited twice. Remove one of them.",
    )


def nearest(text: str, documents: Iterable[Document]) -> tuple[str, float] | None:
    """The article most like ``text`` and how much alike they are (None without articles)."""
    mine = shingle_set(text)
    scored = [(d.name, similarity(mine, shingle_set(d.text))) for d in documents]
    return max(scored, key=lambda pair: pair[1]) if scored else None


def strict_failure(warnings: Sequence[ArticleWarning]) -> str:
    """The last line of a build or check that ``--strict`` stops."""
    count = len(warnings)
    return f"{count} problem{'s' if count != 1 else ''} with the articles (see above); --strict."
