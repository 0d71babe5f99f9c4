"""The unanswered log: a real SQLite file, masked text, no distress, retention, many writers."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from test_bot_private import NOT_IN_ARTICLES, QUESTION, buttons, expected_quotes

from fakebot import FakeBotApi
from simbot.answer.unanswered import (
    DECLINED,
    HELPFUL,
    UNHELPFUL,
    UnansweredLog,
    grouped,
    mask,
    report_lines,
)
from simbot.bot.replies import FEEDBACK_THANKS
from simbot.text.analyzer import Analyzer
from support import ROOT
from support.harness import WAIT, run_bot

DAY = 86400


def test_e_mail_addresses_and_phone_numbers_are_masked() -> None:
    assert mask("write to jo.bloggs+sim@example.co.uk or ring 07700 900123") == (
        "write to [email] or ring [phone]"
    )
    assert mask("call +44 (0)20 7946-0958 now") == "call [phone] now"
    # Years, counts and short numbers are the question's, not a person's.
    kept = "in 2016 and 2018, 23 of 57 trusts, 63,000 people, call 116 123"
    assert mask(kept) == kept


def test_an_entry_is_text_time_and_outcome_only(tmp_path: Path) -> None:
    log = UnansweredLog(tmp_path / "log.sqlite")
    assert log.record(DECLINED, "  who is  jo@example.org? ", now=1_000 * DAY)
    assert log.record(UNHELPFUL, "who runs SIM", ["001_a.txt ¶3", "002_b.txt ¶4–5"], 1_000 * DAY)
    [declined, marked] = log.entries(now=1_000 * DAY)
    assert (declined.at, declined.outcome) == (1_000 * DAY, DECLINED)
    assert declined.question == "who is [email]?"
    assert marked.passages == ("001_a.txt ¶3", "002_b.txt ¶4–5")
    with sqlite3.connect(tmp_path / "log.sqlite") as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(entries)")]
    assert columns == ["id", "at", "outcome", "question", "passages"]  # no user, chat or name
    assert (tmp_path / "log.sqlite").stat().st_mode & 0o077 == 0  # its owner's alone


def test_a_message_that_signals_distress_is_never_kept(tmp_path: Path) -> None:
    log = UnansweredLog(tmp_path / "log.sqlite")
    assert not log.record(DECLINED, "i want to die, what is sim")
    assert not log.record(UNHELPFUL, "im thinking of sucide", ["001_a.txt ¶3"])
    assert log.entries() == []


def test_entries_older_than_the_retention_are_deleted(tmp_path: Path) -> None:
    log = UnansweredLog(tmp_path / "log.sqlite", retention_days=30)
    log.record(DECLINED, "an old question", now=100 * DAY)
    log.record(DECLINED, "a recent one", now=125 * DAY)
    log.record(DECLINED, "today's", now=131 * DAY)
    assert [e.question for e in log.entries(now=131 * DAY)] == ["a recent one", "today's"]
    with sqlite3.connect(tmp_path / "log.sqlite") as connection:
        assert connection.execute("SELECT count(*) FROM entries").fetchone() == (2,)


WRITER = """
import sys
from pathlib import Path
from simbot.answer.unanswered import UnansweredLog
log = UnansweredLog(Path(sys.argv[1]))
for n in range(int(sys.argv[2])):
    log.record("declined", f"process question {n}")
"""


@pytest.mark.slow
def test_several_writers_and_a_second_process_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    other = subprocess.Popen([sys.executable, "-c", WRITER, str(path), "150"])
    log = UnansweredLog(path)

    def write(thread: int) -> None:
        for n in range(40):
            log.record(UNHELPFUL, f"thread {thread} question {n}", [f"00{thread}.txt ¶{n}"])

    threads = [threading.Thread(target=write, args=(t,)) for t in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert other.wait(timeout=120) == 0
    entries = UnansweredLog(path).entries()
    assert len(entries) == 6 * 40 + 150
    assert len({e.question for e in entries}) == len(entries)


def test_the_report_groups_wordings_and_counts_unhelpful_passages() -> None:
    terms = Analyzer().terms
    groups = grouped(
        ["who runs SIM?", "who runs sim", "Who is running SIM", "weather in paris", "who runs sim"],
        terms,
    )
    assert [(g.count, g.wordings[0]) for g in groups] == [
        (4, "who runs sim"), (1, "weather in paris"),
    ]  # fmt: skip
    log_lines = report_lines([], terms)
    assert log_lines == ["0 entries: 0 questions declined, 0 answers marked helpful, 0 unhelpful"]


def simbot(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SIMBOT_")} | env
    return subprocess.run(
        [sys.executable, "-m", "simbot", *args], cwd=ROOT, env=environment,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_simbot_report_prints_what_went_unanswered(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    log = UnansweredLog(path)
    for question in ("what is the weather in paris", "Weather in Paris?", "who won the cup"):
        log.record(DECLINED, question)
    log.record(UNHELPFUL, "who runs sim", ["001_a.txt ¶3"])
    log.record(UNHELPFUL, "who leads sim", ["001_a.txt ¶3", "002_b.txt ¶1"])
    log.record(HELPFUL, "who runs sim", ["001_a.txt ¶3"])
    done = simbot("report", env={"SIMBOT_UNANSWERED_DB": str(path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "6 entries: 3 questions declined, 1 answers marked helpful, 2 unhelpful",
        "",
        "most frequent unanswered questions:",
        "     2  what is the weather in paris (and 1 other wording)",
        "     1  who won the cup",
        "",
        "passages most often marked unhelpful:",
        "     2  001_a.txt ¶3",
        "     1  002_b.txt ¶1",
    ]


@pytest.mark.slow
@pytest.mark.parametrize("setting", ["", "missing.sqlite", "not-sqlite.txt"])
def test_report_without_a_log_is_one_line(tmp_path: Path, setting: str) -> None:
    (tmp_path / "not-sqlite.txt").write_text("hello, I am not a database" * 100, "utf-8")
    env = {"SIMBOT_UNANSWERED_DB": str(tmp_path / setting)} if setting else {}
    done = simbot("report", env=env)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr


@pytest.mark.slow
async def test_the_bot_keeps_declined_questions_and_marks(api: FakeBotApi, tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    async with run_bot(api, unanswered_db=path, unanswered_days=7) as bot:
        await bot.replies(api.private_message_update(NOT_IN_ARTICLES))
        # Support alone: what it asks of the articles ("the weather") they do not answer.
        await bot.replies(api.private_message_update("I want to die. What is the weather?"))
        [answer] = await bot.replies(api.private_message_update(QUESTION))
        marks = [b for b in buttons(answer) if b["text"] in {"👍", "👎"}]
        assert [b["text"] for b in marks] == ["👍", "👎"]
        press = api.callback_query_update(answer, button_text="👎")
        since = api.call_count
        api.queue_update(press)
        answered = await api.wait_for("answerCallbackQuery", since=since, timeout=WAIT)
        assert answered.params["text"] == FEEDBACK_THANKS
        edited = await api.wait_for("editMessageReplyMarkup", since=since, timeout=WAIT)
        assert "👎" not in str(edited.params)
        await bot.settle()
    entries = UnansweredLog(path, 7).entries()
    assert [(e.outcome, e.question) for e in entries] == [
        (DECLINED, NOT_IN_ARTICLES),
        (UNHELPFUL, QUESTION),
    ]  # fmt: skip  (the message that signalled distress is not there)
    # The passages that answer showed: file and paragraphs, read back from its citations.
    spans = [(q.source, q.paragraph, q.last_paragraph) for q in expected_quotes(QUESTION)[:3]]
    assert entries[1].passages == tuple(
        f"{source} ¶{first}" + (f"–{last}" if last > first else "") for source, first, last in spans
    )


@pytest.mark.slow
@pytest.mark.slow
async def test_without_the_setting_there_are_no_marks_and_no_file(api: FakeBotApi) -> None:
    async with run_bot(api) as bot:
        [answer] = await bot.replies(api.private_message_update(QUESTION))
        assert not [b for b in buttons(answer) if b["text"] in {"👍", "👎"}]
