"""Writing an index atomically: data files first, then the manifest in one rename.

A reader sees the old index or the new one, never half of one, and a failed build leaves the old
index in place. One build writes into a folder at a time (an ``flock`` on it).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from simbot.errors import IndexProblem
from simbot.index.format import MANIFEST, is_data_file_name


def save(files: dict[str, bytes], directory: Path) -> None:
    """Write an index atomically: data files first, then the manifest in one rename.

    ``IndexProblem`` when the folder cannot be written (read-only, a loop of links).
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with _build_lock(directory):
            _remove_temp_files(directory)
            _save(files, directory)
    except OSError as exc:
        raise IndexProblem(
            f"Cannot write the index to {directory}: {exc.strerror or exc}; "
            "make the folder writable, or point --index at another one."
        ) from exc


@contextlib.contextmanager
def _build_lock(directory: Path) -> Iterator[None]:
    """Holds an exclusive lock on the index folder: one build writes into it at a time.

    The kernel drops the lock when its process dies, however it dies; so whoever holds it knows
    that any temporary file in the folder was left by a build that was killed.
    """
    import fcntl

    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _remove_temp_files(directory: Path) -> None:
    """Deletes the temporary files of builds that were killed while writing (``kill -9``)."""
    for path in directory.iterdir():
        name = path.name
        if name.startswith(".") and name.endswith(".tmp") and _is_temp_of_index_file(name):
            with contextlib.suppress(OSError):
                path.unlink()


def _is_temp_of_index_file(name: str) -> bool:
    """Whether ``name`` is ``_write_atomic``'s temporary name for an index file."""
    target = name[1:].rsplit(".", 2)[0]  # ".NAME.RANDOM.tmp" -> "NAME"
    return target == MANIFEST or is_data_file_name(target)


def _save(files: dict[str, bytes], directory: Path) -> None:
    for name, blob in sorted(files.items()):
        if name != MANIFEST:
            _write_atomic(directory / name, blob)
    _write_atomic(directory / MANIFEST, files[MANIFEST])
    keep = set(files)
    for path in directory.iterdir():
        # Data files of the index this one replaces; readers that loaded it hold their data.
        if path.is_file() and path.name not in keep and is_data_file_name(path.name):
            with contextlib.suppress(OSError):
                path.unlink()


def _write_atomic(path: Path, blob: bytes) -> None:
    if path.name != MANIFEST and _holds(path, blob):
        return
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private; an index is read by other users (a container's).
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise


def _holds(path: Path, blob: bytes) -> bool:
    """Whether ``path`` is a regular file (not a link) holding exactly ``blob``."""
    try:
        return path.lstat().st_size == len(blob) and path.is_file() and path.read_bytes() == blob
    except OSError:
        return False
