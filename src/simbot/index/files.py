"""Reading the index's files safely: the manifest's schema, bounded reads, verified hashes.

Everything a quote's text or citation comes from is proved before an index is used: the
manifest has the shape this simbot writes, every data file is a regular file in the index
folder (not a link, a FIFO or a device), no larger than ``MAX_FILE_BYTES``, and holds exactly
the bytes whose SHA-256 its name carries. ``simbot ask``, the bot's start-up and its hot reload
all load through here (``Index.load``), so a damaged index is refused with one line wherever
it would be used. Hashing reads every byte once: about a millisecond for the shipped index, a
few tens of milliseconds at 100,000 paragraphs.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import mmap
import os
import re
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from simbot.errors import IndexProblem

#: No data file of an index is larger (100,000 paragraphs take tens of megabytes); a larger
#: one is not an index file.
MAX_FILE_BYTES = 4 << 30
#: Nor is a manifest larger than this (it lists articles, acronyms and file names).
MAX_MANIFEST_BYTES = 64 << 20
#: Files of at least this many bytes are memory-mapped, smaller ones read.
MAP_FROM = 1 << 16
#: Characters of a data file's name that carry its content's SHA-256.
HASH_CHARS = 16

#: The manifest's field holding the SHA-256 of all its other fields: a hand edit, a damaged
#: byte or a swap of two articles' names in it is seen before any quote is cited by it.
CHECKSUM = "manifest_sha256"
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_DOCUMENT_INTS = ("first", "paragraphs", "offset", "size", "chars")


def rebuild_hint(directory: Path) -> str:
    """The end of every message about a bad index: what to do."""
    return f"rebuild it with `simbot index build` (index folder: {directory})"


def problem(directory: Path, what: str) -> IndexProblem:
    """A damaged index: one line saying what is wrong and what to do."""
    return IndexProblem(f"The index is damaged: {what}; {rebuild_hint(directory)}.")


def read_file(
    directory: Path, name: str, limit: int = MAX_FILE_BYTES, *, mapped: bool = True
) -> bytes | mmap.mmap:
    """The content of ``directory/name``, if it is a regular file of at most ``limit`` bytes.

    Opened without following a link and without waiting on a FIFO, then checked on the open
    file itself (no race between the check and the read). Large files are memory-mapped if
    ``mapped``: a mapping shows later writes to the file, so what must stay as verified is read.
    """
    path = directory / name
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _unreadable(directory, name, exc) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise problem(directory, f"{name} is not a regular file")
        if info.st_size > limit:
            raise problem(
                directory, f"{name} is larger than any index file ({info.st_size:,} bytes)"
            )
        if mapped and info.st_size >= MAP_FROM:
            return mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read(limit + 1)
    except OSError as exc:
        raise _unreadable(directory, name, exc) from exc
    finally:
        os.close(fd)


def _unreadable(directory: Path, name: str, exc: OSError) -> IndexProblem:
    import errno

    if exc.errno == errno.ELOOP:
        return problem(directory, f"{name} is a symbolic link (or in a loop of them)")
    if exc.errno == errno.ENOENT:
        return problem(directory, f"{name} is missing")
    return problem(directory, f"cannot read {name} ({exc.strerror or exc})")


def verify_hash(directory: Path, name: str, data: bytes | mmap.mmap) -> None:
    """Raise ``IndexProblem`` unless ``data`` hashes to what ``name`` says it holds."""
    _, _, rest = name.partition("-")
    if hashlib.sha256(data).hexdigest()[:HASH_CHARS] != rest[:HASH_CHARS]:
        raise problem(directory, f"{name} does not hold what the index wrote (its hash differs)")


def sha256(data: bytes | mmap.mmap | memoryview) -> str:
    """The SHA-256 of ``data``, in hex."""
    return hashlib.sha256(data).hexdigest()


def npy_array(directory: Path, name: str, data: bytes | mmap.mmap) -> Any:
    """The array in a ``.npy`` file's bytes, without a copy (and never a pickle)."""
    try:
        header = io.BytesIO(bytes(data[: 1 << 14]))
        version = np.lib.format.read_magic(header)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(header)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(header)
        if dtype.hasobject:
            raise ValueError("it holds Python objects")
        count = math.prod(shape)
        flat = np.frombuffer(data, dtype=dtype, count=count, offset=header.tell())
        if header.tell() + count * dtype.itemsize != len(data):
            raise ValueError("its size does not match its header")
        return flat.reshape(shape, order="F" if fortran else "C")
    except (ValueError, TypeError, EOFError) as exc:
        raise problem(directory, f"{name} is not a valid array ({exc})") from exc


def manifest_checksum(manifest: Mapping[str, Any]) -> str:
    """The SHA-256 of ``manifest``'s fields but ``CHECKSUM``, as canonical JSON."""
    body = {key: value for key, value in manifest.items() if key != CHECKSUM}
    return sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    )


# -- the manifest's schema ----------------------------------------------------------------------


def validate_manifest(manifest: Any, directory: Path, file_kinds: Mapping[str, str]) -> None:
    """Raise ``IndexProblem`` naming the first field of ``manifest`` that is not as written.

    ``file_kinds`` maps every data file the format needs to its suffix. Fields this simbot
    does not know are allowed (a later build may add some), the ones it reads are checked.
    """

    def bad(field: str, wanted: str, found: object) -> IndexProblem:
        shown = "null" if found is None else type(found).__name__
        if isinstance(found, int | float | str) and not isinstance(found, bool):
            shown = f"{found!r}"[:40]
        return problem(directory, f"manifest.json: {field} must be {wanted}, not {shown}")

    if not isinstance(manifest, dict):
        raise bad("the manifest", "a JSON object", manifest)
    for field in ("simbot",):
        if not isinstance(manifest.get(field), str):
            raise bad(f'"{field}"', "a string", manifest.get(field))
    for field in ("analyzer", "bm25"):
        if not isinstance(manifest.get(field), dict):
            raise bad(f'"{field}"', "an object", manifest.get(field))
    avgdl = manifest.get("avgdl")
    if not (isinstance(avgdl, int | float) and _number(avgdl)) or not 0 < avgdl < math.inf:
        raise bad('"avgdl"', "a positive number", avgdl)
    for field in ("paragraphs", "terms"):
        if not _count(manifest.get(field)):
            raise bad(f'"{field}"', "a whole number, 0 or more", manifest.get(field))
    _validate_documents(manifest.get("documents"), bad)
    aliases = manifest.get("aliases")
    if not isinstance(aliases, dict):
        raise bad('"aliases"', "an object (acronym -> list of words)", aliases)
    for acronym, words in aliases.items():
        if not (isinstance(words, list) and words and all(isinstance(w, str) for w in words)):
            raise bad(f'"aliases" / "{acronym}"', "a list of words", words)
    _validate_files(manifest.get("files"), file_kinds, bad)
    checksum = manifest.get(CHECKSUM)
    if not (isinstance(checksum, str) and _SHA256_RE.fullmatch(checksum)):
        raise bad(f'"{CHECKSUM}"', "64 hexadecimal digits", checksum)
    if checksum != manifest_checksum(manifest):
        raise problem(directory, "manifest.json was changed after it was written (checksum)")


_Bad = Callable[[str, str, object], IndexProblem]


def _validate_documents(documents: Any, bad: _Bad) -> None:
    if not isinstance(documents, list) or not documents:
        raise bad('"documents"', "a non-empty list", documents)
    names: set[str] = set()
    for n, entry in enumerate(documents):
        where = f'"documents" [{n}]'
        if not isinstance(entry, dict):
            raise bad(where, "an object", entry)
        name = entry.get("name")
        if not (isinstance(name, str) and name and _plain_name(name)) or name in names:
            raise bad(f"{where} name", "a file name of its own, without a folder", name)
        names.add(name)
        if not (isinstance(entry.get("sha256"), str) and _SHA256_RE.fullmatch(entry["sha256"])):
            raise bad(f"{where} sha256", "64 hexadecimal digits", entry.get("sha256"))
        if not isinstance(entry.get("title"), str):
            raise bad(f"{where} title", "a string", entry.get("title"))
        for field in _DOCUMENT_INTS:
            if not _count(entry.get(field)):
                raise bad(f"{where} {field}", "a whole number, 0 or more", entry.get(field))
        if set(entry) - {"name", "sha256", "title", *_DOCUMENT_INTS}:
            raise bad(where, "an article entry of this format", sorted(set(entry))[0])


def _validate_files(files: Any, file_kinds: Mapping[str, str], bad: _Bad) -> None:
    if not isinstance(files, dict):
        raise bad('"files"', "an object (data -> file name)", files)
    for kind, suffix in file_kinds.items():
        name = files.get(kind)
        pattern = rf"{re.escape(kind)}-[0-9a-f]{{{HASH_CHARS}}}{re.escape(suffix)}"
        if not (isinstance(name, str) and re.fullmatch(pattern, name)):
            raise bad(f'"files" / "{kind}"', f"a file name like {kind}-<hash>{suffix}", name)
    for kind, name in files.items():
        if not (isinstance(name, str) and _plain_name(name)):
            raise bad(f'"files" / "{kind}"', "a file name without a folder", name)


def _plain_name(name: str) -> bool:
    """Whether ``name`` names a file in the folder itself (no folder, no parent, not hidden)."""
    return "/" not in name and "\\" not in name and "\x00" not in name and not name.startswith(".")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
