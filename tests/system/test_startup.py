"""A fast start: ``simbot ask`` loads only what answering needs (no timings, only imports)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from support import ROOT

# Runs the command in a fresh interpreter, then lists the modules it imported.
_PROBE = """
import json, sys
from simbot.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _modules_after(*args: str) -> set[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SIMBOT_")}
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        cwd=ROOT, capture_output=True, text=True, env=environment, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["code"] == 0, result.stdout
    return set(report["modules"])


def _roots(modules: set[str]) -> set[str]:
    return {m.partition(".")[0] for m in modules}


@pytest.mark.slow
def test_ask_never_imports_the_telegram_stack() -> None:
    modules = _modules_after("ask", "Who is HIN's director?")
    assert not _roots(modules) & {"telegram", "httpx", "aiohttp", "tornado"}
    assert not any(m.startswith("simbot.bot") for m in modules)


@pytest.mark.slow
def test_asking_about_the_articles_words_needs_no_stemmer() -> None:
    # Every word of this question, and of its synonyms, is known to the shipped index.
    modules = _modules_after("ask", "--json", "was SIM safe when NHS England endorsed it?")
    assert "nltk" not in _roots(modules)
    assert "rank_bm25" not in _roots(modules)


@pytest.mark.slow
def test_a_new_word_still_gets_its_stem() -> None:
    modules = _modules_after("ask", "--json", "what about zwiebelkuchenesque questions?")
    assert "nltk" in _roots(modules)


@pytest.mark.slow
def test_ask_skips_pydantic_settings_when_nothing_is_configured() -> None:
    from simbot import defaults

    modules = _modules_after("ask", "Who is HIN's director?")
    # (_modules_after clears SIMBOT_* variables; a .env file or a secrets folder still count.)
    configured = (ROOT / ".env").exists() or defaults.SECRETS_DIR.is_dir()
    assert ("pydantic_settings" in _roots(modules)) == configured


def test_the_folders_ask_assumes_are_the_settings_defaults() -> None:
    from simbot import defaults, settings

    fields = settings.Settings.model_fields
    assert fields["index_dir"].default == defaults.INDEX_DIR
    assert settings.load_settings.__defaults__ == (defaults.SECRETS_DIR,)
