"""The simbot command, run as a person or a script runs it."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simbot.answer.answerer import Answer, Answerer
from simbot.asking import answer_lines
from support import DEV, INDEX, ROOT, SEEDS, dev_questions, shipped_answerer
from support.processes import run_simbot


@pytest.mark.slow
def test_ask_prints_quotes_and_citations() -> None:
    result = run_simbot("ask", "Who is HIN's director?")
    assert result.returncode == 0, result.stderr
    assert "Paul Jennings" in result.stdout
    # What is known of the article, then the file and paragraph that make the quote checkable.
    assert "— Disability News Service — " in result.stdout
    assert ", ¶6 · 003_45802413ed8e2aa3.txt, ¶6" in result.stdout


@pytest.mark.slow
def test_ask_json_follows_the_contract() -> None:
    result = run_simbot("ask", "--json", "what did tim kendall ask trusts to do")
    data = json.loads(result.stdout)
    assert data["question"] == "what did tim kendall ask trusts to do"
    assert data["answered"] is True
    assert 1 <= len(data["passages"]) <= 5
    for passage in data["passages"]:
        assert passage["text"] in (SEEDS / passage["source"]).read_text("utf-8")


@pytest.mark.slow
def test_ask_json_lines_answers_every_line_in_order() -> None:
    questions = [q["question"] for q in dev_questions()] + ["", "🎉"]
    result = run_simbot("ask", "--json", "-", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [json.loads(line)["question"] for line in lines] == questions


@pytest.mark.slow
def test_ask_without_a_question_reads_a_prompt() -> None:
    result = run_simbot("ask", stdin="what's NSUN\nbanana bread recipe\n")
    assert result.returncode == 0
    assert "National Survivor User Network" in result.stdout
    assert "couldn't find that in my sources" in result.stdout


@pytest.mark.slow
def test_missing_index_is_one_line_without_traceback(tmp_path: Path) -> None:
    result = run_simbot("ask", "what is SIM", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "simbot index build" in result.stderr and "SIMBOT_INDEX_DIR" in result.stderr


@pytest.mark.slow
def test_settings_point_at_the_folders(tmp_path: Path) -> None:
    env = {"SIMBOT_INDEX_DIR": str(INDEX), "SIMBOT_SEEDS_DIR": str(SEEDS)}
    result = run_simbot("index", "check", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_index_build_and_check(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    (seeds / "README.md").write_text("not an article", "utf-8")
    built = run_simbot("index", "build", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "read 5 articles" in built.stdout and "142 paragraphs" in built.stdout
    assert "skipped README.md" in built.stdout
    assert run_simbot("index", "check", cwd=tmp_path).returncode == 0
    (seeds / "005_new.txt").write_text("A new article.\n", "utf-8")
    stale = run_simbot("index", "check", cwd=tmp_path)
    assert stale.returncode == 1
    assert "005_new.txt is new" in stale.stderr


@pytest.mark.slow
def test_index_build_with_a_bad_article_keeps_the_old_index(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    assert run_simbot("index", "build", cwd=tmp_path).returncode == 0
    (seeds / "bad.txt").write_bytes(b"\xff\xfe\x00oops")
    result = run_simbot("index", "build", cwd=tmp_path)
    assert result.returncode == 2
    assert "bad.txt" in result.stderr and "Traceback" not in result.stderr
    assert run_simbot("ask", "what's NSUN", cwd=tmp_path).returncode == 0


@pytest.mark.slow
def test_index_build_of_an_empty_folder_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    result = run_simbot("index", "build", cwd=tmp_path)
    assert result.returncode == 2
    assert "no articles found" in result.stderr


@pytest.mark.slow
def test_eval_prints_scores_and_fails_under_a_bar() -> None:
    result = run_simbot("eval", str(DEV))
    assert result.returncode == 0, result.stderr
    assert "hit@1" in result.stdout and "by kind:" in result.stdout and "verbatim:" in result.stdout
    failing = run_simbot("eval", str(DEV), "--min-hit1", "1.01")
    assert failing.returncode == 1
    assert "FAILED: hit@1" in failing.stderr


@pytest.mark.slow
@pytest.mark.parametrize("content", ["not json\n", '{"no_question": 1}\n'])
def test_eval_of_a_malformed_question_set_names_the_line(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, "utf-8")
    result = run_simbot("eval", str(path))
    assert result.returncode == 2
    assert "bad.jsonl, line 1" in result.stderr


@pytest.mark.slow
def test_a_malformed_setting_names_its_variable() -> None:
    result = run_simbot("ask", "what is SIM", env={"SIMBOT_RATE_LIMIT_COUNT": "lots"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "SIMBOT_RATE_LIMIT_COUNT" in result.stderr


@pytest.mark.slow
def test_a_question_that_once_crashed_the_batch_is_answered_and_the_batch_goes_on() -> None:
    result = run_simbot("ask", "--json", "-", stdin="pplſ who is the director\nthe next question\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == ["pplſ who is the director", "the next question"]


class _FailingAnswerer(Answerer):
    """Fails on one question, as any unforeseen bug in the answer path would."""

    def answer(self, question: str, limit: int = 3) -> Answer:
        if question == "boom":
            raise KeyError(question)
        return super().answer(question, limit)


def test_a_question_that_fails_gets_its_own_error_object_and_the_batch_goes_on() -> None:
    answerer = _FailingAnswerer(shipped_answerer().index)
    out, err = io.StringIO(), io.StringIO()
    lines = io.BytesIO(b"what is SIM\nboom\nwho is HIN's director\n")
    answer_lines(answerer, lines, as_json=True, limit=3, out=out, err=err)
    objects = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [o["question"] for o in objects] == ["what is SIM", "boom", "who is HIN's director"]
    assert objects[0]["answered"] and objects[2]["answered"]
    failed = objects[1]
    assert failed["answered"] is False and failed["passages"] == []
    assert failed["reason"] == "error" and "KeyError" in failed["error"]
    assert err.getvalue().count("\n") == 1 and "line 2" in err.getvalue()


def _simbot_bytes(*args: str, stdin: bytes, **env: str) -> subprocess.CompletedProcess[bytes]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SIMBOT_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "simbot", *args],
        cwd=ROOT, input=stdin, capture_output=True, env=environment, timeout=120,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    "env",
    [{"LC_ALL": "C.UTF-8"}, {"LC_ALL": "C"}, {"PYTHONIOENCODING": "utf-8:strict"},
     {"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "latin-1"}],
)  # fmt: skip
def test_invalid_utf8_on_stdin_is_replaced_per_line_and_said(env: dict[str, str]) -> None:
    stdin = b"what is SIM\n\xff\xfewho is \xc3 the director\nwho is HIN\xe2\x80\x99s director\n"
    result = _simbot_bytes("ask", "--json", "-", stdin=stdin, **env)
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 0, err
    assert "Traceback" not in err
    lines = result.stdout.decode("utf-8").splitlines()  # strict: the output is valid UTF-8
    questions = [json.loads(line)["question"] for line in lines]
    assert questions == ["what is SIM", "\ufffd\ufffdwho is \ufffd the director",
                         "who is HIN’s director"]  # fmt: skip
    assert err.count("\n") == 1 and "line 2" in err and "UTF-8" in err


@pytest.mark.slow
def test_a_line_is_one_question_whatever_it_holds() -> None:
    # Only "\n" ends a line: a lone "\r", a form feed or U+2028 inside a question do not.
    stdin = "one\rtwo\nthree\x0cfour\nfive\u2028six\r\nseven".encode()
    result = _simbot_bytes("ask", "--json", "-", stdin=stdin)
    assert result.returncode == 0
    questions = [json.loads(line)["question"] for line in result.stdout.decode().splitlines()]
    assert questions == ["one\rtwo", "three\x0cfour", "five\u2028six", "seven"]
