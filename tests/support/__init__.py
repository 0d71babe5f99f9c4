"""Paths and shared objects for the tests (plain functions; fixtures are in conftest.py and
the test files). ``support.harness`` runs the bot against the fake Bot API, ``support.processes``
runs ``simbot`` commands, ``support.hostile_lines`` makes hostile input.

The tests run on their own fixed copy of the five articles (``tests/data/seeds``) and an index
built from it once per run (here, on first import: some tests read it as they are collected),
so that adding an article to the project's ``seeds/`` (and rebuilding ``index/``) changes no
test's expectations. A test that needs an index of its own to change takes a copy of this one
(the ``index_copy`` fixture) rather than building it again. ``SHIPPED_SEEDS`` and
``SHIPPED_INDEX`` are the project's own folders, for the tests that check the committed index is
current.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from simbot.answer.answerer import Answerer
from simbot.index.build import build_and_save
from simbot.index.provenance import Sources

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
#: The project's articles and committed index (what a maintainer adds to and ships).
SHIPPED_SEEDS = ROOT / "seeds"
SHIPPED_INDEX = ROOT / "index"
#: The tests' fixed copy of the five articles, and where their index is built for this run.
SEEDS = DATA / "seeds"
INDEX = Path(tempfile.mkdtemp(prefix="simbot-tests-")) / "index"
atexit.register(shutil.rmtree, INDEX.parent, ignore_errors=True)
if SHIPPED_INDEX.is_dir():
    # Built over a copy of the committed index, as `simbot index build` rebuilds one: the vectors
    # of paragraphs it holds too are reused (by content and model), not embedded again.
    shutil.copytree(SHIPPED_INDEX, INDEX)
build_and_save(SEEDS, INDEX)
DEV = DATA / "dev.jsonl"
#: More questions, in chat style, written without sight of the dev set (see data/README.md).
CHAT = DEV.with_name("chat.jsonl")


@cache
def shipped_answerer() -> Answerer:
    """An answerer over the tests' index of the five articles (loaded once for the whole run)."""
    return Answerer.load(INDEX)


def shipped_sources() -> Sources:
    """What the tests' index knows of each article (for the citations people see)."""
    return shipped_answerer().index.provenance


def dev_questions(path: Path = DEV) -> list[dict[str, Any]]:
    """The shared development questions, copied into tests/data (or another set's)."""
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
