"""The simbot command, run as a person or a script runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import DEV, INDEX, ROOT, SEEDS, dev_questions


def simbot(*args: str, cwd: Path = ROOT, stdin: str | None = None,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """``simbot ARGS`` in ``cwd``; from the project's root, over the tests' five articles."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SIMBOT_")}
    if cwd == ROOT:
        environment |= {"SIMBOT_INDEX_DIR": str(INDEX), "SIMBOT_SEEDS_DIR": str(SEEDS)}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "simbot", *args],
        cwd=cwd, input=stdin, capture_output=True, text=True, env=environment, timeout=120,
    )  # fmt: skip


def test_ask_prints_quotes_and_citations() -> None:
    result = simbot("ask", "Who is HIN's director?")
    assert result.returncode == 0, result.stderr
    assert "Paul Jennings" in result.stdout
    # What is known of the article, then the file and paragraph that make the quote checkable.
    assert "— Disability News Service — " in result.stdout
    assert ", ¶6 · 003_45802413ed8e2aa3.txt, ¶6" in result.stdout


def test_ask_json_follows_the_contract() -> None:
    result = simbot("ask", "--json", "what did tim kendall ask trusts to do")
    data = json.loads(result.stdout)
    assert data["question"] == "what did tim kendall ask trusts to do"
    assert data["answered"] is True
    assert 1 <= len(data["passages"]) <= 5
    for passage in data["passages"]:
        assert passage["text"] in (SEEDS / passage["source"]).read_text("utf-8")


def test_ask_json_lines_answers_every_line_in_order() -> None:
    questions = [q["question"] for q in dev_questions()] + ["", "🎉"]
    result = simbot("ask", "--json", "-", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [json.loads(line)["question"] for line in lines] == questions


def test_ask_without_a_question_reads_a_prompt() -> None:
    result = simbot("ask", stdin="what's NSUN\nbanana bread recipe\n")
    assert result.returncode == 0
    assert "National Survivor User Network" in result.stdout
    assert "couldn't find that in my sources" in result.stdout


def test_missing_index_is_one_line_without_traceback(tmp_path: Path) -> None:
    result = simbot("ask", "what is SIM", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "simbot index build" in result.stderr and "SIMBOT_INDEX_DIR" in result.stderr


def test_settings_point_at_the_folders(tmp_path: Path) -> None:
    env = {"SIMBOT_INDEX_DIR": str(INDEX), "SIMBOT_SEEDS_DIR": str(SEEDS)}
    result = simbot("index", "check", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr


def test_index_build_and_check(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    (seeds / "README.md").write_text("not an article", "utf-8")
    built = simbot("index", "build", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "read 5 articles" in built.stdout and "142 paragraphs" in built.stdout
    assert "skipped README.md" in built.stdout
    assert simbot("index", "check", cwd=tmp_path).returncode == 0
    (seeds / "005_new.txt").write_text("A new article.\n", "utf-8")
    stale = simbot("index", "check", cwd=tmp_path)
    assert stale.returncode == 1
    assert "005_new.txt is new" in stale.stderr


def test_index_build_with_a_bad_article_keeps_the_old_index(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    assert simbot("index", "build", cwd=tmp_path).returncode == 0
    (seeds / "bad.txt").write_bytes(b"\xff\xfe\x00oops")
    result = simbot("index", "build", cwd=tmp_path)
    assert result.returncode == 2
    assert "bad.txt" in result.stderr and "Traceback" not in result.stderr
    assert simbot("ask", "what's NSUN", cwd=tmp_path).returncode == 0


def test_index_build_of_an_empty_folder_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    result = simbot("index", "build", cwd=tmp_path)
    assert result.returncode == 2
    assert "no articles found" in result.stderr


def test_eval_prints_scores_and_fails_under_a_bar() -> None:
    result = simbot("eval", str(DEV))
    assert result.returncode == 0, result.stderr
    assert "hit@1" in result.stdout and "by kind:" in result.stdout and "verbatim:" in result.stdout
    failing = simbot("eval", str(DEV), "--min-hit1", "1.01")
    assert failing.returncode == 1
    assert "FAILED: hit@1" in failing.stderr


@pytest.mark.parametrize("content", ["not json\n", '{"no_question": 1}\n'])
def test_eval_of_a_malformed_question_set_names_the_line(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, "utf-8")
    result = simbot("eval", str(path))
    assert result.returncode == 2
    assert "bad.jsonl, line 1" in result.stderr


def test_a_malformed_setting_names_its_variable() -> None:
    result = simbot("ask", "what is SIM", env={"SIMBOT_RATE_LIMIT_COUNT": "lots"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "SIMBOT_RATE_LIMIT_COUNT" in result.stderr
