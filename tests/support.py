"""Paths and shared objects for the tests (plain functions; fixtures live in the test files)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from simbot.answer import Answerer
from simbot.provenance import Sources

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
INDEX = ROOT / "index"
DEV = Path(__file__).resolve().parent / "data" / "dev.jsonl"
#: More questions, in chat style, written without sight of the dev set (see data/README.md).
CHAT = DEV.with_name("chat.jsonl")


@cache
def shipped_answerer() -> Answerer:
    """An answerer over the committed index (loaded once for the whole run)."""
    return Answerer.load(INDEX)


def shipped_sources() -> Sources:
    """What the committed index knows of each article (for the citations people see)."""
    return shipped_answerer().index.provenance


def dev_questions(path: Path = DEV) -> list[dict[str, Any]]:
    """The shared development questions, copied into tests/data (or another set's)."""
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
