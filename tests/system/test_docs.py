"""The README runs: its commands print what it says, and its settings table is complete.

The convention (the README says it too, in "Set up"):

* A ```` ```console ```` block is a transcript. Each line starting with ``$ `` is a ``simbot``
  command (``simbot`` or ``.venv/bin/simbot``, after optional ``NAME=value`` words); the lines
  under it, up to the next ``$ `` or the end of the block, are what it prints (standard output
  and error, as a terminal shows them). Every one of them is run here, in README order, in one
  temporary copy of the project (so ``simbot index build`` writes there, and later commands see
  what it wrote), with the installed ``simbot``, no ``SIMBOT_*`` variable and no token, and must
  exit 0 and print exactly its lines (trailing spaces aside).
* A ```` ```sh ```` block is for the reader to type and is not run: installing (the set-up
  commands, which CI runs in ``.ci/run``), a token (``simbot run``) or Docker. Any other
  ``simbot`` command belongs in a transcript, with its output; a test enforces it, unless the
  line ends with a comment saying why it cannot be run here (``# needs the benchmark corpus``).

When the output changes on purpose (a new article, better ranking), run
``UPDATE_README=1 .venv/bin/python -m pytest tests/system/test_docs.py``: the transcripts are
rewritten with what the commands print now; read the diff before committing it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from pydantic.fields import FieldInfo

from simbot.settings import Settings
from support import INDEX, ROOT, SEEDS

README = ROOT / "README.md"
CI = ROOT / ".ci" / "run"

#: Sections the README has, in this order (issue 4); others may sit between them.
SECTIONS = [
    "Set up",
    "Configuration",
    "Running the Telegram bot",
    "Adding an article",
    "Docker",
    "How answers are made and scored",
]

#: Defaults longer than this are not put in the table, but quoted in full below it.
SHORT_DEFAULT = 40


# -- reading the README --------------------------------------------------------------------------


@dataclass
class Block:
    """A fenced code block: its language, its lines, and where they are in the README."""

    language: str
    lines: list[str]
    first_line: int  # 0-based index in the README of the block's first content line
    section: str  # the ## heading above it ("" before the first)


@dataclass
class Transcript:
    """One ``$ command`` of a console block and the output the README shows for it."""

    command: str
    expected: list[str]
    block: Block
    output_lines: range = field(default_factory=lambda: range(0))  # README line indexes


def read_readme() -> list[str]:
    return README.read_text("utf-8").splitlines()


def blocks(lines: list[str]) -> list[Block]:
    found: list[Block] = []
    section = ""
    current: Block | None = None
    for number, line in enumerate(lines):
        if current is not None:
            if line.strip() == "```":
                found.append(current)
                current = None
            else:
                current.lines.append(line)
        elif line.startswith("```"):
            current = Block(line[3:].strip(), [], number + 1, section)
        elif line.startswith("## "):
            section = line[3:].strip()
    assert current is None, "the README ends inside a code block"
    return found


def headings(lines: list[str]) -> list[str]:
    # Code blocks never hold a "## " line in this README; keep it that way.
    return [line[3:].strip() for line in lines if line.startswith("## ")]


def transcripts(lines: list[str]) -> list[Transcript]:
    found: list[Transcript] = []
    for block in blocks(lines):
        if block.language != "console":
            continue
        assert block.lines and block.lines[0].startswith("$ "), (
            f"README line {block.first_line + 1}: a console block starts with a `$ ` command"
        )
        for offset, line in enumerate(block.lines):
            index = block.first_line + offset
            if line.startswith("$ "):
                found.append(Transcript(line[2:], [], block, range(index + 1, index + 1)))
            else:
                current = found[-1]
                current.expected.append(line)
                current.output_lines = range(current.output_lines.start, index + 1)
    return found


def sh_commands(block: Block) -> list[str]:
    """The commands of a sh block, continuation lines joined."""
    text = "\n".join(block.lines).replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip()]


def section(lines: list[str], title: str) -> list[str]:
    start = lines.index(f"## {title}")
    end = next((n for n in range(start + 1, len(lines)) if lines[n].startswith("## ")), len(lines))
    return lines[start + 1 : end]


# -- running a transcript -----------------------------------------------------------------------


def simbot_command() -> list[str]:
    """The installed ``simbot`` of the Python running the tests."""
    installed = shutil.which("simbot", path=str(Path(sys.executable).parent))
    return [installed] if installed else [sys.executable, "-m", "simbot"]


def argv_and_environment(command: str) -> tuple[list[str], dict[str, str]]:
    words = shlex.split(command)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMBOT_")}
    env["PYTHONUTF8"] = "1"
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
        name, _, value = words.pop(0).partition("=")
        assert name != "SIMBOT_TELEGRAM_TOKEN", "a transcript needs no token"
        env[name] = value
    assert words and words[0] in {"simbot", ".venv/bin/simbot"}, (
        f"`$ {command}`: a transcript runs simbot (and no shell)"
    )
    return simbot_command() + words[1:], env


def run(command: str, workspace: Path) -> tuple[int, list[str]]:
    argv, env = argv_and_environment(command)
    done = subprocess.run(
        argv,
        cwd=workspace,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    return done.returncode, trimmed(done.stdout.splitlines())


def trimmed(lines: list[str]) -> list[str]:
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of what the commands read and write: the articles, the index, the question sets.

    The articles are the tests' fixed five (and their index), not the project's ``seeds/``: the
    README shows what simbot prints for the five articles it ships with, and an article a
    maintainer adds does not make it wrong.
    """
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(SEEDS, root / "seeds")
    shutil.copytree(INDEX, root / "index")
    shutil.copytree(ROOT / "tests" / "data", root / "tests" / "data", ignore=_the_seeds_copy)
    return root


def _the_seeds_copy(folder: str, names: list[str]) -> list[str]:
    return ["seeds"] if Path(folder).name == "data" else []


# -- the tests ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_every_transcript_prints_what_the_readme_shows(workspace: Path) -> None:
    lines = read_readme()
    found = transcripts(lines)
    assert found, "no console transcript in the README"
    failures: list[str] = []
    replacements: list[tuple[range, list[str]]] = []
    for transcript in found:
        code, output = run(transcript.command, workspace)
        if code != 0:
            failures.append(f"`$ {transcript.command}` exited {code}:\n" + "\n".join(output))
            continue
        if output != trimmed(transcript.expected):
            replacements.append((transcript.output_lines, output))
            failures.append(
                f"`$ {transcript.command}` (README line {transcript.output_lines.start}) "
                "now prints:\n" + "\n".join(output)
            )
    if replacements and os.environ.get("UPDATE_README") == "1":
        for where, output in sorted(replacements, key=lambda r: r[0].start, reverse=True):
            lines[where.start : where.stop] = output
        README.write_text("\n".join(lines) + "\n", "utf-8")
        failures = [f for f in failures if " exited " in f]
    assert not failures, (
        "\n\n".join(failures) + "\n\nIf that is right, run `UPDATE_README=1 .venv/bin/python -m "
        "pytest tests/system/test_docs.py` to write it into README.md."
    )


def test_the_example_answer_comes_first_and_is_a_transcript() -> None:
    lines = read_readme()
    first = blocks(lines)[0]
    assert first.section == "" and first.language == "console"
    [example] = [t for t in transcripts(lines) if t.block.first_line == first.first_line]
    assert shlex.split(example.command)[:2] == ["simbot", "ask"]
    assert example.expected, "the example shows its answer"


def test_the_two_set_up_commands_come_first() -> None:
    lines = read_readme()
    commands = [b for b in blocks(lines) if b.language == "sh"]
    in_set_up = [b for b in commands if b.section == "Set up"]
    assert len(in_set_up) == 2 and commands[:2] == in_set_up
    assert all(len(sh_commands(b)) == 1 for b in in_set_up), "one command each"
    # Everything before them is the example answer, which the first command prints.
    before = [b for b in blocks(lines) if b.first_line < in_set_up[0].first_line]
    assert [b.language for b in before] == ["console"]
    [install_and_ask], [install_and_test] = (sh_commands(b) for b in in_set_up)
    example = transcripts(lines)[0].command.removeprefix("simbot ")
    assert install_and_ask.endswith(f".venv/bin/simbot {example}")
    assert "pip install ." in install_and_ask
    # The second is what CI does: install with the test extra, then the tests.
    ci = CI.read_text("utf-8")
    assert '-e ".[test]"' in install_and_test and '-e ".[test]"' in ci
    assert install_and_test.endswith(".venv/bin/python -m pytest")
    assert re.search(r"^python -m pytest$", ci, re.MULTILINE)


def test_sh_blocks_hold_only_what_a_transcript_cannot() -> None:
    for block in blocks(read_readme()):
        if block.language != "sh":
            continue
        for command in sh_commands(block):
            if command.startswith("docker ") or "pip install" in command:
                continue  # no Docker engine here; installs are CI's
            if re.search(r"\s#\s*\S", command):
                continue  # says why it is not run here
            for used in re.finditer(r"(?:^|[\s/])simbot\s+([a-z]+)", command):
                assert used[1] == "run", (
                    f"`{command}` in a sh block is not tested: show it in a console block, "
                    "with its output"
                )


def test_the_sections_come_in_order() -> None:
    found = headings(read_readme())
    for title in SECTIONS:
        assert title in found, f"the README has no `## {title}` section"
    assert [t for t in found if t in SECTIONS] == SECTIONS
    # Scale-out, once written, goes between Docker and how answers are made.
    for title in found:
        if re.search(r"scal|replica", title, re.IGNORECASE):
            assert found.index("Docker") < found.index(title) < found.index(SECTIONS[-1])


# -- the settings table -------------------------------------------------------------------------


def settings_table() -> dict[str, tuple[str, str]]:
    """``{variable: (default cell, meaning)}`` of the Configuration section's table."""
    rows = [line for line in section(read_readme(), "Configuration") if line.startswith("|")]
    header, rule, *body = rows
    assert [c.strip() for c in header.strip("|").split("|")] == ["variable", "default", "meaning"]
    assert set(rule.replace("|", "").split()) == {"---"}
    table: dict[str, tuple[str, str]] = {}
    for row in body:
        variable, default, meaning = (c.strip() for c in row.strip().strip("|").split("|"))
        names = re.fullmatch(r"`(SIMBOT_[A-Z0-9_]+)`", variable)
        assert names, f"one `SIMBOT_…` variable a row: {row}"
        assert names[1] not in table, f"{names[1]} is in the table twice"
        table[names[1]] = (default, meaning)
    return table


def shown_default(info: FieldInfo) -> str | None:
    """A default as the table shows it (None: unset)."""
    value = info.default
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


@cache
def variables() -> dict[str, FieldInfo]:
    return {f"SIMBOT_{name.upper()}": info for name, info in Settings.model_fields.items()}


def test_every_setting_is_in_the_table() -> None:
    table = settings_table()
    missing = sorted(set(variables()) - set(table))
    assert not missing, f"settings missing from README's Configuration table: {missing}"
    unknown = sorted(set(table) - set(variables()))
    assert not unknown, f"README's Configuration table has no-such settings: {unknown}"


def test_the_table_shows_every_default() -> None:
    readme = README.read_text("utf-8")
    for variable, (cell, meaning) in settings_table().items():
        info = variables()[variable]
        assert meaning, f"{variable}: no meaning"
        assert not info.is_required(), f"{variable}: required settings are not expected"
        default = shown_default(info)
        if default is None:
            assert cell == "—", f"{variable}: unset by default, shown as `—`, not {cell!r}"
        elif len(default) <= SHORT_DEFAULT:
            assert cell == f"`{default}`", f"{variable}: default is `{default}`, not {cell}"
        else:
            assert "`" not in cell, f"{variable}: a long default is quoted below the table"
            assert default in readme, f"{variable}: its default is not quoted in full"


def test_ci_scores_with_the_bars_the_readme_gives() -> None:
    commands = re.findall(r"^simbot eval .*$", CI.read_text("utf-8"), re.MULTILINE)
    barred = [c for c in commands if "--min-" in c]
    text = " ".join(section(read_readme(), "How answers are made and scored"))
    assert barred
    for command in barred:
        assert f"`{command}`" in text
    for command in commands:
        assert command.split()[2] in text


def test_the_secrets_file_name_is_the_one_pydantic_reads(tmp_path: Path) -> None:
    """The README's secrets-file name for the token works (and the unprefixed one does not)."""
    readme = " ".join(section(read_readme(), "Configuration"))
    assert "`simbot_telegram_token`" in readme
    (tmp_path / "simbot_telegram_token").write_text("123:FROMFILE\n", "utf-8")
    (tmp_path / "telegram_api_url").write_text("http://unprefixed.example/bot", "utf-8")
    settings = Settings(_env_file=None, _secrets_dir=tmp_path)  # type: ignore[call-arg]
    assert settings.telegram_token is not None
    assert settings.telegram_token.get_secret_value() == "123:FROMFILE"
    assert settings.telegram_api_url == "https://api.telegram.org/bot"
