"""The exceptions a person may see: each message says what went wrong and what to do."""

from __future__ import annotations


class SimbotError(Exception):
    """A failure a user can act on; front ends print its message, never a traceback."""


class CorpusError(SimbotError):
    """An article in ``seeds/`` cannot be read as an article."""


class IndexProblem(SimbotError):
    """The index is missing, corrupt or out of date."""
