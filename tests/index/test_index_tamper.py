"""A damaged index is refused with one line wherever it would be loaded: ask, start-up, reload.

Every data file, and the manifest, is cut short, bit-flipped, swapped, replaced by a link or a
FIFO; ``Index.load`` (which ``simbot ask``, the bot's start-up and its hot reload all use) must
refuse each with one line that says to rebuild, and never quote from it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from simbot import cli
from simbot.bot.reload import IndexWatcher
from simbot.errors import IndexProblem
from simbot.index.files import CHECKSUM, manifest_checksum
from simbot.index.format import MANIFEST
from simbot.index.reader import Index
from support import INDEX, ROOT, SEEDS

KINDS = sorted(json.loads((INDEX / MANIFEST).read_text("utf-8"))["files"])


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    copied = tmp_path / "index"
    shutil.copytree(INDEX, copied)
    return copied


def _manifest(index_dir: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((index_dir / MANIFEST).read_text("utf-8"))
    return loaded


def _file(index_dir: Path, kind: str) -> Path:
    files = _manifest(index_dir)["files"]
    assert isinstance(files, dict)
    return index_dir / str(files[kind])


def _flip(path: Path, at: float) -> None:
    data = bytearray(path.read_bytes())
    data[min(int(len(data) * at), len(data) - 1)] ^= 0x04
    path.write_bytes(bytes(data))


def _swap(path: Path, index_dir: Path) -> None:
    other = _file(index_dir, KINDS[(KINDS.index(path.name.split("-")[0]) + 1) % len(KINDS)])
    path.write_bytes(other.read_bytes())


def _replace(path: Path, how: Callable[[Path], object]) -> None:
    path.unlink()
    how(path)


DAMAGES: dict[str, Callable[[Path, Path], object]] = {
    "truncated by a byte": lambda p, d: p.write_bytes(p.read_bytes()[:-1]),
    "cut in half": lambda p, d: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "emptied": lambda p, d: p.write_bytes(b""),
    "a bit flipped at the start": lambda p, d: _flip(p, 0.0),
    "a bit flipped in the middle": lambda p, d: _flip(p, 0.5),
    "a bit flipped at the end": lambda p, d: _flip(p, 1.0),
    "a byte added": lambda p, d: p.write_bytes(p.read_bytes() + b"\n"),
    "swapped with another": _swap,
    "a link to a data file": lambda p, d: _replace(p, lambda q: q.symlink_to(_file(d, "terms"))),
    "a link to /dev/urandom": lambda p, d: _replace(p, lambda q: q.symlink_to("/dev/urandom")),
    "a link outside": lambda p, d: _replace(p, lambda q: q.symlink_to(ROOT / "README.md")),
    "a link to itself": lambda p, d: _replace(p, lambda q: q.symlink_to(q.name)),
    "a FIFO": lambda p, d: _replace(p, lambda q: os.mkfifo(q)),
    "a folder": lambda p, d: _replace(p, lambda q: q.mkdir()),
    "missing": lambda p, d: p.unlink(),
}  # fmt: skip


def _assert_refused(index_dir: Path) -> str:
    with pytest.raises(IndexProblem) as caught:
        Index.load(index_dir)
    message = str(caught.value)
    assert "\n" not in message and "simbot index build" in message
    return message


def _assert_ask_refuses(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--index", str(index_dir), "ask", "--json", "who is HIN's director"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("simbot: ") and "simbot index build" in err


@pytest.mark.slow
@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_every_damage_to_every_data_file_is_refused_with_one_line(
    index_dir: Path, kind: str, damage: Callable[[Path, Path], object],
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    damage(_file(index_dir, kind), index_dir)
    _assert_refused(index_dir)
    _assert_ask_refuses(index_dir, capsys)


def _rewrite(index_dir: Path, change: Callable[[dict[str, object]], object], seal: bool) -> None:
    """Changes the manifest; ``seal``: with its checksum made to fit, as a careful hand would."""
    manifest = _manifest(index_dir)
    change(manifest)
    if seal:
        manifest[CHECKSUM] = manifest_checksum(manifest)
    (index_dir / MANIFEST).write_text(json.dumps(manifest), "utf-8")


def _documents(manifest: dict[str, object]) -> list[dict[str, object]]:
    documents = manifest["documents"]
    assert isinstance(documents, list)
    return documents


def _swap_names(manifest: dict[str, object]) -> None:
    a, b = _documents(manifest)[:2]
    a["name"], b["name"] = b["name"], a["name"]


def _swap_name_and_hash(manifest: dict[str, object]) -> None:
    a, b = _documents(manifest)[:2]
    for field in ("name", "sha256"):
        a[field], b[field] = b[field], a[field]


def _swap_entries(manifest: dict[str, object]) -> None:
    documents = _documents(manifest)
    documents[0], documents[1] = documents[1], documents[0]


def _swap_files(manifest: dict[str, object]) -> None:
    files = manifest["files"]
    assert isinstance(files, dict)
    files["postings"], files["weights"] = files["weights"], files["postings"]


MANIFEST_CHANGES: dict[str, Callable[[dict[str, object]], object]] = {
    "aliases null": lambda m: m.update(aliases=None),
    "aliases of a number": lambda m: m.update(aliases={"sim": 3}),
    "documents null": lambda m: m.update(documents=None),
    "no documents": lambda m: m.update(documents=[]),
    "an article name with a folder": lambda m: _documents(m)[0].update(name="../etc/passwd"),
    "an article without a name": lambda m: _documents(m)[0].pop("name"),
    "a paragraph count as text": lambda m: _documents(m)[0].update(paragraphs="23"),
    "article names swapped": _swap_names,
    "article names and hashes swapped": _swap_name_and_hash,
    "article entries swapped": _swap_entries,
    "data files swapped": _swap_files,
    "a data file outside": lambda m: m.update(files={**m["files"], "texts": "../x.txt"}),  # type: ignore[dict-item]
    "avgdl null": lambda m: m.update(avgdl=None),
    "files null": lambda m: m.update(files=None),
    "no checksum": lambda m: m.pop(CHECKSUM),
}  # fmt: skip


#: Refused even when the checksum was refitted to the change: every change but a swap of two
#: names alone, which only the articles themselves could show (`simbot index check` does).
SEALED = [name for name in MANIFEST_CHANGES if name not in {"article names swapped", "no checksum"}]


@pytest.mark.slow
@pytest.mark.slow
@pytest.mark.parametrize("change", MANIFEST_CHANGES.values(), ids=MANIFEST_CHANGES.keys())
def test_a_changed_manifest_is_refused_with_one_line(
    index_dir: Path, change: Callable[[dict[str, object]], object],
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    _rewrite(index_dir, change, seal=False)
    _assert_refused(index_dir)
    _assert_ask_refuses(index_dir, capsys)


@pytest.mark.slow
@pytest.mark.slow
@pytest.mark.parametrize("name", SEALED)
def test_a_manifest_changed_and_resealed_is_still_refused(index_dir: Path, name: str) -> None:
    _rewrite(index_dir, MANIFEST_CHANGES[name], seal=True)
    _assert_refused(index_dir)


def test_index_check_sees_article_names_swapped_and_resealed(index_dir: Path) -> None:
    _rewrite(index_dir, _swap_names, seal=True)
    reasons = Index.load(index_dir).stale_reasons(SEEDS)
    assert any("has changed" in reason for reason in reasons)


def test_aliases_null_is_named_in_the_message(index_dir: Path) -> None:
    # Once passed `index check` and then crashed every `ask`.
    _rewrite(index_dir, lambda m: m.update(aliases=None), seal=True)
    assert '"aliases" must be an object' in _assert_refused(index_dir)


@pytest.mark.slow
def test_every_single_bit_flip_of_the_manifest_is_refused(index_dir: Path) -> None:
    original = (index_dir / MANIFEST).read_bytes()
    for at in range(len(original)):
        data = bytearray(original)
        data[at] ^= 1 << (at % 8)
        (index_dir / MANIFEST).write_bytes(bytes(data))
        with pytest.raises(IndexProblem):
            Index.load(index_dir)


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.write_bytes(b"[" * 100_000 + b"]" * 100_000),
        lambda m: _replace(m, lambda q: os.mkfifo(q)),
        lambda m: _replace(m, lambda q: q.symlink_to("/dev/urandom")),
        lambda m: _replace(m, lambda q: q.mkdir()),
        lambda m: m.write_bytes(b"\xff\xfe{}"),
    ],
    ids=["nested 100,000 deep", "a FIFO", "a link to /dev/urandom", "a folder", "not UTF-8"],
)
def test_a_manifest_that_is_no_manifest_is_refused(
    index_dir: Path, make: Callable[[Path], None]
) -> None:
    make(index_dir / MANIFEST)
    _assert_refused(index_dir)


@pytest.mark.slow
def test_an_index_folder_in_a_loop_of_links_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "index").symlink_to(tmp_path / "loop")
    (tmp_path / "loop").symlink_to(tmp_path / "index")
    result = subprocess.run(
        [sys.executable, "-m", "simbot", "--index", str(tmp_path / "index"), "ask", "what is SIM"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["a FIFO", "a link to /dev/urandom"])
def test_ask_neither_hangs_nor_reads_without_end(index_dir: Path, damage: str) -> None:
    DAMAGES[damage](_file(index_dir, "texts"), index_dir)
    result = subprocess.run(
        [sys.executable, "-m", "simbot", "--index", str(index_dir), "ask", "what is SIM"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.slow
def test_bot_start_up_refuses_a_damaged_index_with_one_line(index_dir: Path) -> None:
    _rewrite(index_dir, _swap_names, seal=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMBOT_")}
    env.update(
        SIMBOT_TELEGRAM_TOKEN="123456789:" + "A" * 35,
        SIMBOT_TELEGRAM_API_URL="http://127.0.0.1:9/bot",
        SIMBOT_INDEX_DIR=str(index_dir),
    )
    result = subprocess.run(
        [sys.executable, "-m", "simbot", "run"],
        cwd=index_dir.parent, capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "simbot index build" in result.stderr


HOT_DAMAGES: dict[str, Callable[[Path], object]] = {
    "texts edited": lambda d: _flip(_file(d, "texts"), 0.5),
    "texts a FIFO": lambda d: DAMAGES["a FIFO"](_file(d, "texts"), d),
    "article names swapped": lambda d: _rewrite(d, _swap_names, seal=False),
    "aliases null": lambda d: _rewrite(d, lambda m: m.update(aliases=None), seal=True),
}


@pytest.mark.slow
@pytest.mark.slow
@pytest.mark.parametrize("damage", HOT_DAMAGES.values(), ids=HOT_DAMAGES.keys())
def test_hot_reload_refuses_a_damaged_index_and_keeps_the_old_one(
    index_dir: Path, damage: Callable[[Path], object]
) -> None:
    watcher = IndexWatcher(index_dir, interval=0)
    old = watcher.answerer
    damage(index_dir)
    manifest = index_dir / MANIFEST
    os.utime(manifest, ns=(manifest.stat().st_mtime_ns + 10**9,) * 2)  # as a rebuild would
    assert not watcher.check()
    assert watcher.answerer is old
    quote = old.answer("Who is HIN's director?").quotes[0]
    assert quote.text in (SEEDS / quote.source).read_text("utf-8")
