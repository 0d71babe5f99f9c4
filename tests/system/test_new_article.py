"""Adding an article the README's way leaves the tests green: they run on their own five.

The README's maintainer steps are: put the article in ``seeds/`` (with its metadata), run
``simbot index build``, ``simbot index check`` and ``simbot eval``, and commit. Here they are
followed in a copy of the project, and then the tests that once hard-coded "5 articles, 142
paragraphs" (the corpus, the index, the command line, the README's transcripts, the dev floor,
provenance) are run in that copy.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT

NEW_NAME = "005_new_article.txt"
NEW_ARTICLE = """\
Campaigners have welcomed a decision by a mental health trust to end its use of a police-led scheme.
The trust said it had listened to people who use its services and to the StopSIM coalition.
A spokesperson for the trust said: “We will now work with service-users to design crisis support.”
"""
NEW_SOURCES = f"""
["{NEW_NAME}"]
headline = "Campaigners welcome end of police-led scheme"
publisher = "Test Publisher"
date = "2024-01-31"
url = "https://example.org/news/end-of-scheme"
"""
#: The tests that count articles or paragraphs, or compare output with the README.
AFFECTED = [
    "tests/index/test_corpus.py", "tests/index/test_index.py", "tests/system/test_cli.py",
    "tests/system/test_docs.py", "tests/answer/test_answer.py", "tests/index/test_provenance.py",
]  # fmt: skip
#: Only these files may read the project's own seeds/ and index/ (support names them).
READS_SHIPPED = {"support/__init__.py", "index/test_index.py", "system/test_new_article.py"}


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SIMBOT_")}


def _simbot(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simbot", *args],
        cwd=project, env=_environment(), capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def _project_copy(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    junk = shutil.ignore_patterns(".git", ".*venv", "__pycache__", "*.egg-info", ".*cache")
    shutil.copytree(ROOT, project, ignore=junk)
    return project


@pytest.mark.slow
def test_an_added_article_leaves_the_tests_green(tmp_path: Path) -> None:
    project = _project_copy(tmp_path)
    seeds = project / "seeds"
    (seeds / NEW_NAME).write_text(NEW_ARTICLE, "utf-8")
    with (seeds / "sources.toml").open("a", encoding="utf-8") as metadata:
        metadata.write(NEW_SOURCES)

    built = _simbot(project, "index", "build")
    assert built.returncode == 0, built.stderr
    articles = len(list(seeds.glob("*.txt")))
    assert f"read {articles} articles" in built.stdout
    checked = _simbot(project, "index", "check")
    assert checked.returncode == 0, checked.stderr
    asked = _simbot(project, "ask", "which trust ended its use of the police-led scheme")
    assert "Test Publisher, 31 January 2024 — Campaigners welcome end of police-led scheme" in (
        asked.stdout
    )
    assert f"{NEW_NAME}, ¶1" in asked.stdout
    scored = _simbot(project, "eval", "tests/data/dev.jsonl")
    assert scored.returncode == 0 and "hit@1" in scored.stdout, scored.stderr

    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *AFFECTED],
        cwd=project, env=_environment(), capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout[-4000:]


def test_only_the_index_check_reads_the_projects_own_articles() -> None:
    # A test reading ROOT / "seeds" (or the committed index) breaks when an article is added.
    shipped = re.compile(r"""ROOT\s*/\s*["'](?:seeds|index)["']|SHIPPED_(?:SEEDS|INDEX)""")
    tests = ROOT / "tests"
    for path in sorted(tests.rglob("*.py")):
        if path.relative_to(tests).as_posix() not in READS_SHIPPED:
            assert not shipped.search(path.read_text("utf-8")), (
                f"{path.name} reads the project's seeds/ or index/: use support.SEEDS and INDEX, "
                "the tests' own copy of the five articles"
            )
