"""``simbot add``: one article's text and metadata out of a file or a web page.

What comes out is an article as ``seeds/`` holds them: one paragraph a line, nothing but the
article's own words. Web pages (``.html``, ``.htm`` and ``http(s)`` addresses) go through
trafilatura, which keeps the main text and drops navigation, comments and boilerplate, and
reads the headline, site name and date the page states; Word files through python-docx; plain
text and Markdown are rejoined where they were hard-wrapped. Nothing is written here: the command
line shows the result, checks it against the articles already there, and then writes it.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from simbot import __version__
from simbot.errors import SimbotError
from simbot.index.provenance import (
    MAX_VALUE,
    SOURCES_FILE,
    Provenance,
    ProvenanceError,
    parse_sources,
)

#: A page larger than this is refused (an article is tens of kilobytes; this is a mistake).
MAX_BYTES = 5 * 1024 * 1024
#: Seconds to wait for a web server, by default.
TIMEOUT = 20.0
#: Text shorter than this is not an article (a page of links, a cookie banner).
MIN_ARTICLE_CHARS = 200
SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx")

# Sentence ends, a heading's colon, or a closing quote or bracket after them.
_ENDS_SENTENCE_RE = re.compile(r"[.!?:;…\"”’')\]]\s*$")
_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MD_LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARK_RE = re.compile(r"(\*\*|__|\*|`)")
_MD_PREFIX_RE = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+(?=\S))")


class ImportProblem(SimbotError):
    """An article could not be imported; the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class Imported:
    """An article as it will be written: its paragraphs and what is known of it."""

    origin: str  # the file or address it came from
    paragraphs: tuple[str, ...]
    provenance: Provenance

    @property
    def text(self) -> str:
        """The article file's text: one paragraph a line."""
        return "".join(f"{p}\n" for p in self.paragraphs)


def import_article(source: str, timeout: float = TIMEOUT) -> Imported:
    """Read the article in ``source`` (a path or an ``http(s)`` address).

    Raises ``ImportProblem`` with one line saying what went wrong.
    """
    if re.match(r"(?i)https?://", source):
        return _from_html(*fetch(source, timeout))
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ImportProblem(
            f"{source}: cannot import a {suffix or 'file without a suffix'}; "
            f"give a {', '.join(SUFFIXES)} file or an http(s) address."
        )
    if not path.is_file():
        raise ImportProblem(f"{source}: no such file.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportProblem(f"{source}: cannot read the file ({exc.strerror or exc}).") from exc
    if len(data) > MAX_BYTES:
        raise ImportProblem(f"{source}: larger than {MAX_BYTES // 2**20} MB: not one article.")
    if suffix in {".html", ".htm"}:
        return _from_html(data, "", source)
    if suffix == ".docx":
        return _from_docx(path)
    return _from_text(_decoded(data, source), source, markdown=suffix == ".md")


# -- the web --------------------------------------------------------------------------------------


def fetch(url: str, timeout: float = TIMEOUT) -> tuple[bytes, str, str]:
    """The HTML of ``url``: ``(bytes, final address, url)``, or an ``ImportProblem``."""
    request = urllib.request.Request(
        url, headers={"User-Agent": f"simbot/{__version__} (article import)", "Accept": "text/html"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            kind = response.headers.get_content_type()
            if kind not in {"text/html", "application/xhtml+xml"}:
                raise ImportProblem(f"{url}: not a web page (the server sent {kind}).")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdecimal() and int(declared) > MAX_BYTES:
                raise ImportProblem(f"{url}: larger than {MAX_BYTES // 2**20} MB: not one article.")
            data = response.read(MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                raise ImportProblem(f"{url}: larger than {MAX_BYTES // 2**20} MB: not one article.")
            return data, response.geturl(), url
    except urllib.error.HTTPError as exc:
        raise ImportProblem(f"{url}: the server answered {exc.code} {exc.reason}.") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise ImportProblem(f"{url}: no answer within {timeout:g} seconds.") from exc
        raise ImportProblem(f"{url}: cannot reach it ({exc.reason}).") from exc
    except TimeoutError as exc:
        raise ImportProblem(f"{url}: no answer within {timeout:g} seconds.") from exc
    except (OSError, ValueError) as exc:
        raise ImportProblem(f"{url}: cannot fetch it ({exc}).") from exc


def _from_html(data: bytes, final_url: str, origin: str) -> Imported:
    import trafilatura

    found: Any = trafilatura.bare_extraction(
        data,
        url=final_url or None,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        # Only a date the page states about itself, not one guessed from its text.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = (getattr(found, "text", None) or "") if found is not None else ""
    title = _one_line(getattr(found, "title", None) or "")
    paragraphs = [_one_line(line) for line in text.splitlines()]
    paragraphs = [p for p in paragraphs if p]
    if paragraphs and title and paragraphs[0] == title:
        paragraphs = paragraphs[1:]  # the headline, kept as metadata
    date = _one_line(getattr(found, "date", None) or "")
    known = Provenance(
        headline=title[:MAX_VALUE],
        publisher=_one_line(getattr(found, "sitename", None) or "")[:MAX_VALUE],
        date=date if _ISO_DATE_RE.fullmatch(date) else "",
        url=final_url if len(final_url) <= MAX_VALUE else "",
    )
    return _article(origin, paragraphs, known, "web page")


# -- files ----------------------------------------------------------------------------------------


def _from_docx(path: Path) -> Imported:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise ImportProblem(f"{path}: not a Word (.docx) document ({exc}).") from exc
    paragraphs: list[str] = []
    headline = _one_line(document.core_properties.title or "")
    for paragraph in document.paragraphs:
        text = _one_line(paragraph.text)
        if not text:
            continue
        style = paragraph.style.name if paragraph.style is not None else ""
        if not paragraphs and not headline and (style or "").startswith(("Title", "Heading")):
            headline = text  # a headline set as the document's title or first heading
            continue
        paragraphs.append(text)
    if paragraphs and paragraphs[0] == headline:
        paragraphs = paragraphs[1:]
    return _article(str(path), paragraphs, Provenance(headline=headline), "document")


def _decoded(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportProblem(
            f"{source}, line {line}: not valid UTF-8 (byte {exc.start}); save it as UTF-8 text."
        ) from exc


def _from_text(text: str, origin: str, markdown: bool) -> Imported:
    lines = [_MD_PREFIX_RE.sub("", line) if markdown else line for line in text.splitlines()]
    if markdown:
        lines = [_MD_MARK_RE.sub("", _MD_LINK_RE.sub(r"\1", line)) for line in lines]
    return _article(origin, rejoined(lines), Provenance(), "file")


def rejoined(lines: list[str]) -> list[str]:
    """Paragraphs out of lines that may be hard-wrapped.

    Where blank lines part the paragraphs and some paragraph runs over several lines (e-mail,
    Markdown), each run of lines is one paragraph. Otherwise each line is one, except that a
    line stopping mid-sentence is joined to the next when that goes on in lower case.
    """
    blocks: list[list[str]] = [[]]
    for line in lines:
        stripped = _one_line(line)
        if stripped:
            blocks[-1].append(stripped)
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    if len(blocks) > 1 and any(len(b) > 1 for b in blocks):
        return [" ".join(b) for b in blocks]
    paragraphs: list[str] = []
    for line in (line for b in blocks for line in b):
        if paragraphs and not _ENDS_SENTENCE_RE.search(paragraphs[-1]) and line[:1].islower():
            paragraphs[-1] += " " + line
        else:
            paragraphs.append(line)
    return paragraphs


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _article(origin: str, paragraphs: list[str], known: Provenance, kind: str) -> Imported:
    if sum(len(p) for p in paragraphs) < MIN_ARTICLE_CHARS:
        raise ImportProblem(
            f"{origin}: no article found in this {kind} "
            f"(under {MIN_ARTICLE_CHARS} characters once navigation and comments are dropped)."
        )
    return Imported(origin, tuple(paragraphs), known)


def with_metadata(imported: Imported, **given: str | None) -> Imported:
    """``imported`` with the metadata a person gave (``--headline`` …) in place of what was found.

    Checked as ``sources.toml`` is, so that what is written there can be read back.
    """
    fields = {key: value for key, value in given.items() if value is not None}
    known = replace(imported.provenance, **fields)
    try:
        [checked] = parse_sources({"new": _as_dict(known)}, Path("--"), {"new"}).values()
    except ProvenanceError as exc:
        raise ImportProblem(str(exc).replace('--, ["new"].', "--")) from exc
    return replace(imported, provenance=checked)


def _as_dict(known: Provenance) -> dict[str, str]:
    return {
        "headline": known.headline,
        "publisher": known.publisher,
        "date": known.date,
        "url": known.url,
    }


# -- writing --------------------------------------------------------------------------------------

_NUMBERED_RE = re.compile(r"(\d+)_")

#: The head of a ``sources.toml`` that ``simbot add`` starts.
SOURCES_HEADER = """\
# What is known of each article in this folder: headline, publisher, date (YYYY-MM-DD) and url.
# Shown in every citation beside the file name; leave unknown values empty, never guess them.
"""


def article_name(seeds_dir: Path, text: str) -> str:
    """A file name like the others': the next number and a digest of the text."""
    import hashlib

    numbers = [
        int(m.group(1))
        for p in seeds_dir.glob("*.txt")
        if (m := _NUMBERED_RE.match(p.name)) is not None
    ]
    number = max(numbers, default=-1) + 1
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return f"{number:03d}_{digest}.txt"


def sources_table(name: str, known: Provenance) -> str:
    """The TOML table of an article (values escaped as TOML basic strings)."""
    import json

    lines = [f"[{json.dumps(name)}]"]
    for key, value in _as_dict(known).items():
        lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def write_article(seeds_dir: Path, name: str, imported: Imported) -> None:
    """The article file and its ``sources.toml`` table, each written whole or not at all."""
    import os
    import tempfile

    metadata = seeds_dir / SOURCES_FILE
    before = metadata.read_text("utf-8") if metadata.is_file() else SOURCES_HEADER
    joined = before if before.endswith("\n") or not before else before + "\n"
    after = f"{joined}\n{sources_table(name, imported.provenance)}"
    for path, text in ((seeds_dir / name, imported.text), (metadata, after)):
        fd, tmp = tempfile.mkstemp(dir=seeds_dir, prefix=f".{path.name}.", suffix=".tmp")
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        Path(tmp).replace(path)
