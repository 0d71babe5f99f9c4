"""The distress recogniser against the three sets written for it, blind (see data/README.md).

Recall: the share of messages of personal distress (or worry for someone close) read as such.
False alarms: the share of messages on the same subjects, not personal distress, read as such.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from simbot.text.crisis import concern_of
from simbot.text.distress import Concern

DATA = Path(__file__).resolve().parents[1] / "data"

#: The bars of issue 9.
MIN_RECALL = 0.97
MAX_FALSE_ALARMS = 0.05


def messages(name: str) -> list[dict[str, str]]:
    lines = (DATA / f"{name}.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def report(name: str, missed: list[dict[str, str]], total: int) -> str:
    by_kind = Counter(m["kind"] for m in missed)
    lines = [f"{name}: {len(missed)} of {total} misread; by kind {dict(by_kind)}"]
    lines += [f"  [{m['writer']}/{m['kind']}] {m['text']}" for m in missed]
    return "\n".join(lines)


def test_the_sets_were_written_by_three_writers_and_are_large_enough() -> None:
    distress, not_distress = messages("distress"), messages("not_distress")
    assert {m["writer"] for m in distress} == {m["writer"] for m in not_distress} == {"a", "b", "c"}
    assert len(distress) >= 200 and len(not_distress) >= 150


@pytest.mark.slow
def test_recall_and_false_alarms_meet_the_bars() -> None:
    distress, not_distress = messages("distress"), messages("not_distress")
    missed = [m for m in distress if concern_of(m["text"]) is not Concern.PERSONAL]
    alarms = [m for m in not_distress if concern_of(m["text"]) is Concern.PERSONAL]
    recall = 1 - len(missed) / len(distress)
    false_alarms = len(alarms) / len(not_distress)
    print(
        f"recall {recall:.3f} ({len(distress) - len(missed)}/{len(distress)}), "
        f"false alarms {false_alarms:.3f} ({len(alarms)}/{len(not_distress)})"
    )
    for writer in ("a", "b", "c"):
        mine = [m for m in distress if m["writer"] == writer]
        theirs = [m for m in not_distress if m["writer"] == writer]
        print(
            f"  writer {writer}: recall "
            f"{1 - sum(m in missed for m in mine) / len(mine):.3f}, false alarms "
            f"{sum(m in alarms for m in theirs) / len(theirs):.3f}"
        )
    assert recall >= MIN_RECALL, report("missed", missed, len(distress))
    assert false_alarms <= MAX_FALSE_ALARMS, report("false alarms", alarms, len(not_distress))


@pytest.mark.slow
def test_the_shipped_meaning_weights_are_a_refit_of_the_sets() -> None:
    import subprocess
    import sys

    tool = Path(__file__).resolve().parents[2] / "tools" / "fit_distress.py"
    done = subprocess.run(
        [sys.executable, str(tool), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
