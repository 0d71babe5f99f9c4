"""Lines of any kind for ``simbot ask --json -``: questions, noise, invalid bytes (plain functions).

Shared by ``test_hostile_input.py`` (a few hundred lines) and ``benchmarks/hostile.py`` (10,000).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from support import DEV

REGRESSIONS = Path(__file__).resolve().parents[1] / "data" / "regressions.jsonl"

_PIECES = [
    "who", "is", "HIN's", "director", "SIM", "police", "ppl", "u", "r", "wot", "ﬃ", "ſ", "K",
    "ı", "İ", "\ufdfa", "😀", "<b>", "&amp;", "\u200b", "\u2028", "\x85", "\r", "\x0c", "\x00",
    "\t", "'", "’", "-", "1,000", "٣", "Ⅻ", "ℌ", "\U0001d400", "a&e", "A&E", "NHS", "StopSIM",
]  # fmt: skip


def regression_lines() -> list[bytes]:
    """Every input of ``tests/data/regressions.jsonl`` as a line of standard input (no ``\\n``)."""
    lines = []
    for row in REGRESSIONS.read_text("utf-8").splitlines():
        entry = json.loads(row)
        raw = bytes.fromhex(entry["bytes_hex"]) if "bytes_hex" in entry else entry["text"].encode()
        lines.append(raw.replace(b"\n", b" "))
    return lines


def generated_lines(count: int, seed: int = 10) -> list[bytes]:
    """``count`` lines of every kind (none holds ``\\n``), the same for the same ``seed``."""
    rng = random.Random(seed)
    questions = [json.loads(line)["question"] for line in DEV.read_text("utf-8").splitlines()]
    fixed = regression_lines()
    lines: list[bytes] = []
    for n in range(count):
        kind = n % 8
        if kind == 0:
            line = rng.choice(questions).encode()
        elif kind == 1:
            line = " ".join(rng.choices(_PIECES, k=rng.randint(0, 30))).encode()
        elif kind == 2:
            line = bytes(rng.randrange(256) for _ in range(rng.randint(0, 80)))
        elif kind == 3:
            text = "".join(chr(rng.randrange(0x20, 0x30000)) for _ in range(rng.randint(0, 60)))
            line = text.encode("utf-8", "surrogatepass")  # lone surrogates: invalid UTF-8
        elif kind == 4:
            line = rng.choice(fixed)
        elif kind == 5:
            line = (rng.choice(_PIECES) * rng.randint(1, 3000)).encode()
        elif kind == 6:
            line = b""
        else:
            question = rng.choice(questions).encode()
            at = rng.randrange(len(question) + 1)
            line = question[:at] + bytes([rng.randrange(0x80, 0x100)]) + question[at:]
        lines.append(line.replace(b"\n", b" "))
    return lines
