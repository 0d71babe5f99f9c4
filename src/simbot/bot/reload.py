"""Hot reload: the bot picks up a rebuilt index without a restart.

``simbot index build`` writes the new data files, atomically replaces ``manifest.json``, then
deletes the data files of the index it replaced. ``IndexWatcher`` holds the ``Answerer`` in use
and, at most once every ``interval`` seconds, looks at the manifest (one ``stat``; the file is read
and hashed only when that changed). A new manifest is loaded in full and swapped in with one
assignment, so an update is answered from the old index or the new one, never a mix: code that
takes ``watcher.answerer`` once keeps a consistent index for as long as it holds it.

A new index that does not load (``IndexProblem``: a damaged manifest, a missing or truncated data
file) is refused with one log line and the old one stays in use; it is tried again only once the
manifest file changes again (a new build, or a ``touch``).

The old index must keep answering after the rebuild has deleted its files. Its arrays and texts
are read or memory-mapped when it loads (a mapping outlives the file's name on POSIX systems);
what ``Index`` reads lazily (the word lists and acronym definitions) ``Index.read_all`` reads
at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from simbot.answer.answerer import Answerer
from simbot.errors import IndexProblem
from simbot.index.reader import MANIFEST, Index

logger = logging.getLogger(__name__)

#: Default seconds between two looks at the manifest (``Settings.index_reload_seconds``).
DEFAULT_INTERVAL = 5.0


@dataclass(frozen=True, slots=True)
class _Seen:
    """What the manifest looked like: its ``stat`` (cheap to compare) and its content's hash."""

    stat: tuple[int, int, int, int] | None  # (device, inode, size, mtime in ns); None: missing
    sha256: str | None


def load_answerer(index_dir: Path, semantic: bool = True) -> Answerer:
    """An answerer over the index in ``index_dir``, read in full (``IndexProblem`` if it cannot).

    ``semantic``: meaning-level matching (``SIMBOT_SEMANTIC``); a reload keeps the old choice.
    """
    return Answerer(Index.load(index_dir).read_all(), semantic=semantic)


class IndexWatcher:
    """The answerer in use, replaced when ``index_dir`` holds a new index.

    ``answerer`` is the current one. ``check()`` looks for a new index if ``interval`` seconds
    have passed since the last look (``interval`` 0: every time) and swaps it in; call it between
    updates. ``clock`` is for tests.
    """

    def __init__(
        self,
        index_dir: Path,
        answerer: Answerer | None = None,
        *,
        interval: float = DEFAULT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.index_dir = index_dir
        self.interval = interval
        self._clock = clock
        self._manifest = index_dir / MANIFEST
        seen = self._look()
        if answerer is None:
            answerer = load_answerer(index_dir)
        else:
            answerer.index.read_all()
        self._answerer = answerer
        #: How many times a new index was swapped in.
        self.generation = 0
        if not _loaded_from(answerer.index, self._manifest):
            seen = _Seen(None, None)  # not the index on disk: the first check loads that one
        # The manifest last looked at, and the one the answerer was loaded from.
        self._seen = self._loaded = seen
        self._last_look = clock()

    @property
    def answerer(self) -> Answerer:
        """The answerer to use now (take it once per update)."""
        return self._answerer

    def check(self) -> bool:
        """Swaps in a new index if one is there; at most one look every ``interval`` seconds.

        Returns whether the answerer changed. Never raises for a bad index: it is refused.
        """
        now = self._clock()
        if now - self._last_look < self.interval:
            return False
        self._last_look = now
        return self.check_now()

    def check_now(self) -> bool:
        """``check`` without waiting for the interval."""
        seen = self._look(self._seen)
        if seen == self._seen:
            return False
        self._seen = seen
        if seen.sha256 == self._loaded.sha256:
            return False  # rewritten with the same content (or back to it after a refusal)
        return self._reload(seen)

    # -- internals ------------------------------------------------------------------------------

    def _look(self, before: _Seen | None = None) -> _Seen:
        """The manifest now; read and hashed only when its ``stat`` differs from ``before``'s."""
        try:
            info = self._manifest.stat()
        except OSError:
            return _Seen(None, None)
        stat = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
        if before is not None and before.stat == stat:
            return before
        try:
            content = self._manifest.read_bytes()
        except OSError:
            return _Seen(None, None)
        return _Seen(stat, hashlib.sha256(content).hexdigest())

    def _reload(self, seen: _Seen) -> bool:
        old = self._answerer
        new, problem = self._try_load()
        if new is None:
            # One line, no traceback: the reason says what is wrong and what to do.
            logger.warning(
                "refused the new index in %s, still answering from the one loaded before: %s",
                self.index_dir,
                problem,
            )
            return False
        # The swap: one assignment. Updates already under way keep the answerer they took.
        self._answerer = new
        self._loaded = seen
        self.generation += 1
        logger.info(
            "loaded the rebuilt index in %s: %d articles, %d paragraphs (was %d articles)",
            self.index_dir,
            len(new.documents),
            len(new.index.paragraphs),
            len(old.documents),
        )
        return True

    def _try_load(self) -> tuple[Answerer | None, str]:
        """The new answerer, or None and why it could not be loaded."""
        try:
            return load_answerer(self.index_dir, self._answerer.semantic), ""
        except IndexProblem as problem:
            return None, str(problem)
        except Exception as error:  # a damaged file can fail in unforeseen ways
            return None, f"{type(error).__name__}: {error}"


def _loaded_from(index: Index, manifest: Path) -> bool:
    """Whether ``manifest`` (the file on disk now) is the one ``index`` was loaded from."""
    try:
        on_disk = json.loads(manifest.read_bytes())
    except (OSError, ValueError):
        return False
    same: bool = on_disk == index.manifest
    return same


__all__ = ["DEFAULT_INTERVAL", "IndexWatcher", "load_answerer"]
