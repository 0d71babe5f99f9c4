"""The packages' import directions, read from the source: text -> index -> answer -> bot / cli.

A lower part never imports a higher one, the bot never imports the command line, and the command
line reaches the bot only through ``simbot.bot.application.run`` (``simbot run``). Imports made
inside functions and under ``TYPE_CHECKING`` count too: they are part of the design as well.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "simbot"

#: The layers, lowest first. Each may import its own layer and those below, never above.
LAYERS = {"text": 0, "index": 1, "answer": 2, "bot": 3}
#: Top-level modules anyone may import: they import only each other (and libraries).
SHARED = {"simbot", "simbot.defaults", "simbot.errors", "simbot.messages", "simbot.redact",
          "simbot.settings"}  # fmt: skip
#: Top-level front ends, above every layer: nothing in a package imports them.
FRONTS = {"simbot.cli", "simbot.asking", "simbot.evaluate", "simbot.health", "simbot.__main__"}
#: What the command line may import from the bot: the entry point of `simbot run`, nothing else.
CLI_INTO_BOT = {("simbot.bot.application", "run")}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, known: set[str]) -> Iterator[tuple[str, str]]:
    """``(module, name)`` for every simbot import in ``path`` (name "" for ``import m``)."""
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("simbot"):
                    yield alias.name, ""
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("simbot"):
            assert node.level == 0, f"{path}: relative import"
            for alias in node.names:
                # `from simbot.index import files`: the module simbot.index.files.
                sub = f"{node.module}.{alias.name}"
                yield (sub, "") if sub in known else (node.module, alias.name)


def layer(module: str) -> int | None:
    """The layer of ``module`` (None for a top-level module)."""
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def test_every_module_belongs_to_a_layer_or_the_top() -> None:
    for module in modules():
        assert layer(module) is not None or module in SHARED | FRONTS, (
            f"{module}: put it in a package (text, index, answer, bot) or name it in test_layout"
        )


def test_packages_say_what_they_do_and_import_nothing() -> None:
    for name in LAYERS:
        init = PACKAGE / name / "__init__.py"
        tree = ast.parse(init.read_text("utf-8"))
        assert ast.get_docstring(tree), f"{init}: say what the package does"
        assert "must not import" in " ".join((ast.get_docstring(tree) or "").split()), init
        assert not [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)], init


@pytest.mark.parametrize("module", sorted(modules()))
def test_imports_go_down_only(module: str) -> None:
    known = set(modules())
    path = modules()[module]
    mine = layer(module)
    for target, name in imports(path, known):
        theirs = layer(target)
        where = f"{module} imports {target}{'.' + name if name else ''}"
        if target in SHARED:
            continue
        assert module not in SHARED, f"{where}: shared modules import only each other"
        if target in FRONTS:
            assert module in FRONTS, f"{where}: only the front ends import each other"
            continue
        assert theirs is not None, where
        if module == "simbot.cli" and theirs == LAYERS["bot"]:
            assert (target, name) in CLI_INTO_BOT, f"{where}: the command line starts the bot only"
            continue
        if mine is not None:
            assert theirs <= mine, f"{where}: upward, against text -> index -> answer -> bot"


def test_the_rules_can_fail() -> None:
    """The checks above see an upward import when there is one (the rule is not vacuous)."""
    known = set(modules())
    found = list(imports(PACKAGE / "index" / "reader.py", known))
    assert ("simbot.text.analyzer", "Analyzer") in found
    assert (layer("simbot.text.analyzer"), layer("simbot.index.reader")) == (0, 1)
    assert layer("simbot.bot.context") == 3 and layer("simbot.cli") is None


# -- the map: docs/ARCHITECTURE.md ----------------------------------------------------------------

ROOT = SRC.parent
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
_PATH_RE = re.compile(r"\bsrc/simbot/[\w/]+\.py\b")


def test_every_module_the_architecture_names_exists() -> None:
    named = set(_PATH_RE.findall(ARCHITECTURE.read_text("utf-8")))
    assert named, "ARCHITECTURE.md names no module"
    assert not [p for p in sorted(named) if not (ROOT / p).is_file()]


def test_the_architecture_names_every_module() -> None:
    named = set(_PATH_RE.findall(ARCHITECTURE.read_text("utf-8")))
    modules = {str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py") if p.name != "__init__.py"}
    assert not sorted(modules - named), "say in docs/ARCHITECTURE.md what these modules do"


def test_the_readme_points_to_the_architecture() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "docs/ARCHITECTURE.md" in readme
    for package in LAYERS:
        assert f"src/simbot/{package}/" in readme
