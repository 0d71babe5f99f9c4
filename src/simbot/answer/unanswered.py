"""What went unanswered: an opt-in SQLite log of declined questions and 👍 / 👎 marks.

Off unless ``SIMBOT_UNANSWERED_DB`` names a file. It keeps a question's text, the time and the
outcome (declined, helpful, unhelpful, and for a mark the passages it was given), nothing else:
no user or chat id, no name. E-mail addresses and phone numbers in a question are masked before
it is written; a question that signals distress is never written at all; entries older than
``SIMBOT_UNANSWERED_DAYS`` are deleted on every write. ``simbot report`` reads it.

Every write is one short transaction on its own connection, in WAL mode with a busy timeout, so
several handlers of one process and other processes (replicas pointed at one file on shared
storage) can write at once without losing an entry.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from simbot.text.crisis import signals_distress

DECLINED = "declined"
HELPFUL = "helpful"
UNHELPFUL = "unhelpful"
OUTCOMES = (DECLINED, HELPFUL, UNHELPFUL)
#: Seconds a writer waits for another to finish before giving up.
BUSY_TIMEOUT = 30.0
#: Questions are stored up to this many characters.
MAX_TEXT = 1000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,          -- seconds since 1970, UTC
    outcome TEXT NOT NULL,        -- declined | helpful | unhelpful
    question TEXT NOT NULL,       -- masked: no e-mail addresses, no phone numbers
    passages TEXT NOT NULL DEFAULT ''  -- a mark's passages: "file ¶N" a line
);
CREATE INDEX IF NOT EXISTS entries_at ON entries (at);
"""
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A run of digits, spaces, dots, dashes and brackets, perhaps after "+": a phone number when it
# holds at least seven digits (so years, counts and "23 of 57" are left alone).
_PHONE_RE = re.compile(r"(?<![\w+])\+?\d[\d ().-]{5,}\d(?!\w)")


def mask(text: str) -> str:
    """``text`` with e-mail addresses and phone numbers replaced by ``[email]`` and ``[phone]``."""
    text = _EMAIL_RE.sub("[email]", text)
    return _PHONE_RE.sub(
        lambda m: "[phone]" if sum(c.isdigit() for c in m.group(0)) >= 7 else m.group(0), text
    )


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the log."""

    at: int
    outcome: str
    question: str
    passages: tuple[str, ...]


class UnansweredLog:
    """The log in one SQLite file (created on first use, readable by its owner alone)."""

    def __init__(self, path: Path, retention_days: int = 90) -> None:
        self.path = path
        self.retention_days = retention_days
        self._ready = False

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):
                os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        try:
            if not self._ready:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.executescript(_SCHEMA)
                self._ready = True
            yield connection
        finally:
            connection.close()

    def record(
        self,
        outcome: str,
        question: str,
        passages: Sequence[str] = (),
        now: float | None = None,
    ) -> bool:
        """Write one entry (and delete the expired); False when it must not be kept."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        text = " ".join(question.split())[:MAX_TEXT]
        if not text or signals_distress(text):
            return False  # never a message that signalled distress
        at = int(time.time() if now is None else now)
        with self._connection() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.execute(
                    "INSERT INTO entries (at, outcome, question, passages) VALUES (?, ?, ?, ?)",
                    (at, outcome, mask(text), "\n".join(passages)),
                )
                connection.execute(
                    "DELETE FROM entries WHERE at < ?", (at - self.retention_days * 86400,)
                )
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return True

    def entries(self, now: float | None = None) -> list[Entry]:
        """Every entry still kept, oldest first."""
        if not self.path.is_file():
            return []
        oldest = int(time.time() if now is None else now) - self.retention_days * 86400
        with self._connection() as connection:
            rows = connection.execute(
                "SELECT at, outcome, question, passages FROM entries WHERE at >= ? ORDER BY id",
                (oldest,),
            ).fetchall()
        return [Entry(a, o, q, tuple(p.split("\n")) if p else ()) for a, o, q, p in rows]


@cache
def open_log(path: Path | None, retention_days: int) -> UnansweredLog | None:
    """The log at ``path`` (one object per file and process), or None when it is off."""
    return UnansweredLog(path, retention_days) if path is not None else None


# -- the report -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Group:
    """Questions that ask the same thing in other words, the most frequent wording first."""

    count: int
    wordings: tuple[str, ...]


def grouped(questions: Sequence[str], terms: Callable[[str], Sequence[str]]) -> list[Group]:
    """``questions`` grouped by what they ask: the same terms (stems, stopwords left out), or
    mostly the same (two thirds of the smaller set), most frequent group first."""
    counts = Counter(" ".join(q.split()).lower() for q in questions)
    groups: list[tuple[set[str], Counter[str]]] = []
    for wording, count in counts.most_common():
        key = set(terms(wording))
        for group_terms, wordings in groups:
            shared = len(key & group_terms)
            if key == group_terms or (key and shared >= 2 / 3 * min(len(key), len(group_terms))):
                wordings[wording] += count
                break
        else:
            groups.append((key, Counter({wording: count})))
    found = [Group(sum(w.values()), tuple(text for text, _ in w.most_common())) for _, w in groups]
    return sorted(found, key=lambda g: (-g.count, g.wordings[0]))


def report_lines(
    entries: Sequence[Entry], terms: Callable[[str], Sequence[str]], top: int = 20
) -> list[str]:
    """What ``simbot report`` prints: declined questions by frequency, unhelpful passages."""
    declined = [e.question for e in entries if e.outcome == DECLINED]
    marks = Counter(e.outcome for e in entries if e.outcome != DECLINED)
    lines = [
        f"{len(entries)} entries: {len(declined)} questions declined, "
        f"{marks[HELPFUL]} answers marked helpful, {marks[UNHELPFUL]} unhelpful"
    ]
    groups = grouped(declined, terms)
    if groups:
        lines += ["", "most frequent unanswered questions:"]
        for group in groups[:top]:
            others = len(group.wordings) - 1
            also = f" (and {others} other wording{'s' if others != 1 else ''})" if others else ""
            lines.append(f"  {group.count:>4}  {group.wordings[0]}{also}")
    unhelpful = Counter(p for e in entries if e.outcome == UNHELPFUL for p in e.passages)
    if unhelpful:
        lines += ["", "passages most often marked unhelpful:"]
        lines += [f"  {count:>4}  {passage}" for passage, count in unhelpful.most_common(top)]
    return lines
