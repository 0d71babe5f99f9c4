"""The exceptions a person may see: each message says what went wrong and what to do."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """What every ``simbot`` command exits with."""

    OK = 0
    #: Checked, and not good: an index out of date, scores under the bar, an unhealthy bot.
    FAILED = 1
    #: An error a person can act on, said in one line (``simbot health`` never uses it: Docker
    #: reserves 2).
    ERROR = 2
    #: Stopped with Ctrl-C (128 + SIGINT, as shells report it).
    INTERRUPTED = 130


class SimbotError(Exception):
    """A failure a user can act on; front ends print its message, never a traceback."""


class CorpusError(SimbotError):
    """An article in ``seeds/`` cannot be read as an article."""


class IndexProblem(SimbotError):
    """The index is missing, corrupt or out of date."""
