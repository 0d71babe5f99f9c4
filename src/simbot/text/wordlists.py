"""The shipped lists (``simbot/data/*.txt``): one reader for one line format.

Every list is UTF-8 text, read a line at a time:

- A line whose first non-blank character is ``#`` is a comment; a blank line is nothing. Each
  file opens with comment lines ``# Format:``, ``# Origin:`` (by hand, or generated and by what)
  and ``# Licence:``, which ``src/simbot/data/README.md`` sums up.
- Every other line is one entry; spaces at either end do not count.
- In a *word list* the entry is the line: a word, or a phrase (``boilerplate.txt``).
- In a *table* the entry is ``key<TAB>value``; where a key may have several values they are
  separated by ``|``, most relevant first (``gp<TAB>general practitioner|family doctor``).
- In a *sectioned* list (``distress_patterns.txt`` alone) a line ``[name flag ...]`` starts a
  section; the entries after it, up to the next one, are the section's, in the shapes above
  (its file header says which section holds which).

A key stands once in a table and an entry once in a word list: a second one would silently
win or be lost, so reading such a list fails, naming the file and the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: Between a table's key and its value.
KEY_SEPARATOR = "\t"
#: Between the values of one key.
VALUE_SEPARATOR = "|"

_SECTION_RE = re.compile(r"\[([\w-]+)((?:\s+[\w-]+)*)\]")


@dataclass(frozen=True, slots=True)
class Section:
    """A section of a sectioned list: its name, its flags and its entries, in order."""

    name: str
    flags: frozenset[str]
    entries: tuple[str, ...]


def file_name(name: str) -> str:
    """The file a list is read from, as messages name it (``data/NAME.txt``)."""
    return f"data/{name}.txt"


def read_text(name: str) -> str:
    """The whole text of a shipped list, comments and all."""
    return resources.files("simbot").joinpath("data", f"{name}.txt").read_text("utf-8")


def parse_entries(text: str) -> list[str]:
    """The entries of a list's text, in order: comments and blank lines left out."""
    return [s for line in text.splitlines() if (s := line.strip()) and not s.startswith("#")]


@cache
def entries(name: str) -> tuple[str, ...]:
    """The entries of the shipped list ``data/NAME.txt``, in order."""
    return tuple(parse_entries(read_text(name)))


@cache
def words(name: str) -> frozenset[str]:
    """A shipped word list."""
    return frozenset(unique(entries(name), file_name(name)))


@cache
def table(name: str) -> dict[str, tuple[str, ...]]:
    """A shipped table: key -> its values, in the file's order."""
    return parse_table(entries(name), file_name(name))


@cache
def pairs(name: str) -> dict[str, str]:
    """A shipped table whose keys have one value each."""
    return single_values(table(name), file_name(name))


def parse_table(lines: Iterable[str], source: str) -> dict[str, tuple[str, ...]]:
    """``key<TAB>value|value`` entries as a dict; a line without both is a mistake."""
    # One pass, no helper calls a line: the synonyms table (30,000 lines) is read on every
    # `simbot ask`, and its parse was a fifth of that command's time.
    found: dict[str, tuple[str, ...]] = {}
    for line in lines:
        key, separator, value = line.partition(KEY_SEPARATOR)
        key = key.strip()
        values = tuple(v.strip() for v in value.split(VALUE_SEPARATOR))
        if not separator or not key or not all(values):
            raise ValueError(f"{source}: not 'key<TAB>value[|value…]': {line!r}")
        if key in found:
            raise _listed_twice(source, key)
        found[key] = values
    return found


def single_values(rows: dict[str, tuple[str, ...]], source: str) -> dict[str, str]:
    """A table as key -> value, where each key must have exactly one."""
    for key, values in rows.items():
        if len(values) != 1:
            raise ValueError(f"{source}: {key!r} has {len(values)} values, this list takes one")
    return {key: values[0] for key, values in rows.items()}


def parse_sections(lines: Iterable[str], source: str) -> list[Section]:
    """The sections of a sectioned list's entries; an entry before the first header is a mistake."""
    sections: list[tuple[str, frozenset[str], list[str]]] = []
    for line in lines:
        if header := _SECTION_RE.fullmatch(line):
            sections.append((header[1], frozenset(header[2].split()), []))
        elif not sections:
            raise ValueError(f"{source}: a line before any [section]: {line!r}")
        else:
            sections[-1][2].append(line)
    return [Section(name, flags, tuple(body)) for name, flags, body in sections]


def unique(
    lines: Iterable[str], source: str, key: Callable[[str], str] = lambda line: line
) -> list[str]:
    """``lines`` as a list, when no two have the same ``key``; else an error naming it."""
    seen: set[str] = set()
    kept: list[str] = []
    for line in lines:
        if (k := key(line)) in seen:
            raise _listed_twice(source, k)
        seen.add(k)
        kept.append(line)
    return kept


def _listed_twice(source: str, key: str) -> ValueError:
    return ValueError(f"{source}: {key!r} is listed twice")
