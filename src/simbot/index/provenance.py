"""What is known of each article: headline, publisher, date and URL, from ``seeds/sources.toml``.

The file is written by hand (or by ``simbot add``) and read with the standard library's
``tomllib``. One table per article, named by its file::

    ["001_d018e93c181936db.txt"]
    headline = "Disabled activists demand stronger action over SIM"
    publisher = "Disability News Service"
    date = "2021-05-27"          # YYYY-MM-DD, YYYY-MM or YYYY; leave out when unknown
    url = "https://www.disabilitynewsservice.com/…"

Every key may be left out or empty: nothing is invented to fill a gap, and a citation shows only
what is known. The index records what it read (and the file's hash), so that ``simbot index
check`` notices an edit and the bot shows the same citations whatever machine it runs on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from simbot.errors import CorpusError

#: The metadata file's name in the seeds folder (not an article: the corpus leaves it out).
SOURCES_FILE = "sources.toml"
#: The keys an article's table may hold, in the order a citation shows them.
KEYS = ("headline", "publisher", "date", "url")
#: Longer values are a paste gone wrong (a whole paragraph for a headline).
MAX_VALUE = 300

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip


class ProvenanceError(CorpusError):
    """``sources.toml`` cannot be read, or says something that cannot be right."""


@dataclass(frozen=True, slots=True)
class Provenance:
    """What is known of one article; an empty string is "not known"."""

    headline: str = ""
    publisher: str = ""
    date: str = ""  # ISO: YYYY-MM-DD, YYYY-MM or YYYY
    url: str = ""

    @property
    def empty(self) -> bool:
        """Whether nothing at all is known."""
        return not any((self.headline, self.publisher, self.date, self.url))

    @property
    def date_text(self) -> str:
        """The date for people: ``29 April 2021``, ``April 2021``, ``2021`` or ``''``."""
        parts = self.date.split("-")
        if len(parts) == 3:
            return f"{int(parts[2])} {_MONTHS[int(parts[1]) - 1]} {parts[0]}"
        if len(parts) == 2:
            return f"{_MONTHS[int(parts[1]) - 1]} {parts[0]}"
        return self.date

    @property
    def byline(self) -> str:
        """``Publisher, date`` (either may be missing; ``''`` when both are)."""
        return ", ".join(part for part in (self.publisher, self.date_text) if part)

    def known(self) -> dict[str, str]:
        """The known fields only, for the index's manifest."""
        return {key: value for key, value in asdict(self).items() if value}


#: The article file name -> what is known of it.
Sources = Mapping[str, Provenance]


def sources_path(seeds_dir: Path) -> Path:
    """Where the metadata of the articles in ``seeds_dir`` is kept."""
    return seeds_dir / SOURCES_FILE


def file_sha256(path: Path) -> str:
    """The hash of the metadata file, ``''`` when there is none (the index records it)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return ""
    except OSError as exc:
        raise ProvenanceError(f"{path}: cannot read the file ({exc.strerror or exc}).") from exc


def read_sources(path: Path, articles: Collection[str]) -> dict[str, Provenance]:
    """The metadata in ``path`` for ``articles`` (file names); ``{}`` when there is no file.

    Raises ``ProvenanceError`` naming the file, the article and the key at fault.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ProvenanceError(f"{path}: cannot read the file ({exc.strerror or exc}).") from exc
    try:
        tables = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ProvenanceError(f"{path}: not valid UTF-8 (byte {exc.start}).") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProvenanceError(
            f"{path}: not valid TOML ({exc}); each article is a table such as "
            '["001_name.txt"] with headline, publisher, date and url strings.'
        ) from exc
    return parse_sources(tables, path, articles)


def parse_sources(
    tables: Mapping[str, Any], path: Path, articles: Collection[str]
) -> dict[str, Provenance]:
    """Check the parsed TOML ``tables`` and turn them into ``Provenance`` by article name."""
    found: dict[str, Provenance] = {}
    for name, table in tables.items():
        where = f'{path}, ["{name}"]'
        if not isinstance(table, dict):
            raise ProvenanceError(
                f'{path}: "{name}" is not a table; write it as ["{name}"] above its keys.'
            )
        if name not in articles:
            raise ProvenanceError(
                f"{where}: no article {name} in {path.parent}; fix the name or remove the table."
            )
        unknown = sorted(set(table) - set(KEYS))
        if unknown:
            raise ProvenanceError(
                f"{where}: unknown key {unknown[0]!r} (the keys are {', '.join(KEYS)})."
            )
        values: dict[str, str] = {}
        for key in KEYS:
            value = table.get(key, "")
            if not isinstance(value, str):
                raise ProvenanceError(f'{where}.{key}: must be a string in quotes ("…").')
            value = " ".join(value.split())
            if len(value) > MAX_VALUE:
                raise ProvenanceError(f"{where}.{key}: longer than {MAX_VALUE} characters.")
            values[key] = value
        _check_date(values["date"], f"{where}.date")
        _check_url(values["url"], f"{where}.url")
        found[name] = Provenance(**values)
    return found


def _check_date(value: str, where: str) -> None:
    if not value:
        return
    try:
        if len(value) == 10:
            dt.date.fromisoformat(value)
        elif len(value) == 7:
            dt.date.fromisoformat(value + "-01")
        elif not (len(value) == 4 and value.isdecimal()):
            raise ValueError(value)
    except ValueError:
        raise ProvenanceError(
            f"{where}: {value!r} is not a date: write YYYY-MM-DD (or YYYY-MM, or YYYY), "
            "or leave it empty when it is not known."
        ) from None


def _check_url(value: str, where: str) -> None:
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or " " in value:
        raise ProvenanceError(
            f"{where}: {value!r} is not an http(s) address; leave it empty when it is not known."
        )


def from_manifest(entries: Mapping[str, Mapping[str, str]]) -> dict[str, Provenance]:
    """The metadata an index recorded (unknown keys, from a later simbot, are ignored)."""
    return {
        name: Provenance(**{key: str(fields[key]) for key in KEYS if key in fields})
        for name, fields in entries.items()
    }
