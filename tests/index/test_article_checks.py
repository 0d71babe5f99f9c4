"""Build-time checks: faulty articles are named with the line and the fix; --strict stops."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from simbot.index.article_checks import MAX_PARAGRAPH, check_corpus
from simbot.index.corpus import load_corpus
from simbot.index.format import MANIFEST
from support import SEEDS

STORY = (
    "Campaigners have welcomed a decision by a mental health trust to end its use of a "
    "police-led scheme that they said was coercive and unsafe for people in crisis.\n"
    "The trust said it had listened to the people who use its services, and to the coalition "
    "of campaigners who had asked it to stop.\n"
)


def seeds_with(tmp_path: Path, name: str, text: str) -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    (seeds / name).write_text(text, "utf-8")
    with (seeds / "sources.toml").open("a", encoding="utf-8") as metadata:
        metadata.write(f'\n["{name}"]\npublisher = "Test Publisher"\n')
    return seeds


def warnings_of(seeds: Path) -> list[str]:
    return [str(w) for w in check_corpus(load_corpus(seeds))]


def simbot(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMBOT_")}
    return subprocess.run(
        [sys.executable, "-m", "simbot", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_the_shipped_articles_are_clean() -> None:
    assert warnings_of(SEEDS) == []


def test_hard_wrapped_text_is_found_with_its_line(tmp_path: Path) -> None:
    wrapped = "\n\n".join(textwrap.fill(p, 72) for p in STORY.splitlines()) + "\n"
    [warning] = warnings_of(seeds_with(tmp_path, "005_wrapped.txt", wrapped))
    assert warning.startswith("005_wrapped.txt, line 1: a paragraph ends mid-sentence")
    assert "goes on in line 2" in warning and "simbot add" in warning


def test_markup_and_entities_in_a_txt_are_found(tmp_path: Path) -> None:
    text = "Campaigners welcomed it.\n<p>The trust&rsquo;s decision was welcomed.</p>\n"
    [warning] = warnings_of(seeds_with(tmp_path, "005_html.txt", text))
    assert warning.startswith("005_html.txt, line 2: holds HTML ('<p>')")


def test_a_duplicate_under_another_name_is_found(tmp_path: Path) -> None:
    original = (SEEDS / "002_07426c9e770dcb42.txt").read_text("utf-8")
    near = original.replace("huge emotional toll", "great emotional toll") + "One more line.\n"
    seeds = seeds_with(tmp_path, "005_copy.txt", near)
    [warning] = warnings_of(seeds)
    assert warning.startswith("005_copy.txt: ")
    assert "the same as 002_07426c9e770dcb42.txt" in warning


def test_an_overlong_paragraph_is_found(tmp_path: Path) -> None:
    text = STORY + ("Every word of a whole article on one line. " * 80) + "\n"
    [warning] = warnings_of(seeds_with(tmp_path, "005_long.txt", text))
    assert warning.startswith("005_long.txt, line 3: a paragraph of")
    assert f"more than {MAX_PARAGRAPH:,}" in warning


def test_missing_or_empty_metadata_is_found(tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path, "005_story.txt", STORY)
    (seeds / "006_other.txt").write_text("A different story, told in other words.\n", "utf-8")
    path = seeds / "sources.toml"
    path.write_text(path.read_text("utf-8").replace('publisher = "Test Publisher"\n', ""))
    found = warnings_of(seeds)
    assert any(w.startswith("005_story.txt: sources.toml has an empty table") for w in found)
    assert any(w.startswith("006_other.txt: sources.toml has no table") for w in found)
    path.unlink()
    assert [w.split(":")[0] for w in warnings_of(seeds)] == ["sources.toml"]


@pytest.mark.slow
@pytest.mark.parametrize("command", [["index", "build"], ["index", "check"]])
def test_warnings_warn_and_strict_makes_them_errors(tmp_path: Path, command: list[str]) -> None:
    seeds = seeds_with(tmp_path, "005_html.txt", "A line with &amp; in it.\n")
    built = simbot(tmp_path, "index", "build")
    assert built.returncode == 0
    assert "warning: 005_html.txt, line 1: holds HTML" in built.stderr
    manifest = (tmp_path / "index" / MANIFEST).read_bytes()
    (seeds / "005_html.txt").write_text("A line with &lt; in it.\n", "utf-8")
    strict = simbot(tmp_path, *command, "--strict")
    assert strict.returncode == 1
    assert "error: 005_html.txt, line 1: holds HTML ('&lt;')" in strict.stderr
    assert strict.stderr.splitlines()[-1] == (
        "simbot: 1 problem with the articles (see above); --strict."
    )
    assert "Traceback" not in strict.stderr
    assert (tmp_path / "index" / MANIFEST).read_bytes() == manifest  # nothing was written
