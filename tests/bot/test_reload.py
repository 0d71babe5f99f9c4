"""Hot reload: a rebuilt index is swapped in between questions; a damaged one is refused."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from simbot.answer.answerer import Answerer
from simbot.bot.reload import IndexWatcher
from simbot.index.build import build, build_and_save
from simbot.index.corpus import load_corpus
from simbot.index.format import MANIFEST
from simbot.index.writer import save
from support import SEEDS, shipped_answerer

#: Every test here builds an index again (seconds each).
pytestmark = pytest.mark.slow

#: An article the shipped ones know nothing of, and questions only it answers.
NEW_ARTICLE = (
    "Quokka Line opens for survivors\n"
    "The Quokka Line, a helpline run by volunteers in Norwich, opened in March to callers who "
    "had been through a SIM scheme.\n"
    "Its founder, Marigold Featherstonehaugh, said callers wanted to be heard rather than "
    "policed.\n"
)
NEW_NAME = "005_quokka.txt"
NEW_QUESTION = "What is the Quokka Line?"
#: Answered by the shipped articles (and misspelt: the answer needs the index's word list).
OLD_QUESTION = "Who is HIN's dirctor?"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    copied = tmp_path / "seeds"
    shutil.copytree(SEEDS, copied)
    return copied


@pytest.fixture
def index_dir(index_copy: Path) -> Path:
    return index_copy  # the index of ``seeds`` as they are copied


def add_article(seeds: Path) -> None:
    (seeds / NEW_NAME).write_text(NEW_ARTICLE, "utf-8")


def sources(answerer: Answerer, question: str) -> list[str]:
    return [quote.source for quote in answerer.answer(question).quotes]


def assert_answers_old_questions(answerer: Answerer) -> None:
    assert sources(answerer, OLD_QUESTION)
    assert sources(answerer, OLD_QUESTION) == sources(shipped_answerer(), OLD_QUESTION)
    assert not answerer.answer(NEW_QUESTION).answered


def test_a_rebuilt_index_is_swapped_in_and_the_old_one_keeps_answering(
    seeds: Path, index_dir: Path
) -> None:
    watcher = IndexWatcher(index_dir, interval=0)
    old = watcher.answerer
    assert_answers_old_questions(old)
    assert not watcher.check(), "nothing was rebuilt"
    old_files = {p.name for p in index_dir.iterdir()}

    add_article(seeds)
    build_and_save(seeds, index_dir)
    assert old_files - {p.name for p in index_dir.iterdir()}, "the rebuild deleted old files"
    assert watcher.check()
    assert watcher.generation == 1
    new = watcher.answerer
    assert new is not old
    assert sources(new, NEW_QUESTION)[0] == NEW_NAME
    assert sources(new, "Who is Marigold Featherstonehaugh?")[0] == NEW_NAME
    assert sources(new, OLD_QUESTION) == sources(shipped_answerer(), OLD_QUESTION)
    # An update that took the old answerer before the swap can still finish with it, although
    # the rebuild deleted the files it was loaded from.
    assert_answers_old_questions(old)
    assert not watcher.check(), "the same index is not loaded twice"


def test_the_manifest_is_looked_at_once_every_interval(seeds: Path, index_dir: Path) -> None:
    clock = Clock()
    watcher = IndexWatcher(index_dir, interval=5.0, clock=clock)
    add_article(seeds)
    build_and_save(seeds, index_dir)
    clock.now += 4.9
    assert not watcher.check()
    assert not watcher.answerer.answer(NEW_QUESTION).answered
    clock.now += 0.2
    assert watcher.check()
    assert watcher.answerer.answer(NEW_QUESTION).answered


def test_a_rebuild_of_the_same_articles_loads_nothing(seeds: Path, index_dir: Path) -> None:
    watcher = IndexWatcher(index_dir, interval=0)
    build_and_save(seeds, index_dir)  # the manifest is written again, with the same bytes
    assert not watcher.check()
    assert watcher.generation == 0


def test_an_answerer_loaded_elsewhere_gives_way_to_the_index_on_disk(
    seeds: Path, index_dir: Path
) -> None:
    add_article(seeds)
    build_and_save(seeds, index_dir)
    watcher = IndexWatcher(index_dir, shipped_answerer(), interval=0)
    assert watcher.answerer is shipped_answerer()
    assert watcher.check()
    assert watcher.answerer.answer(NEW_QUESTION).answered


# -- damaged indexes ----------------------------------------------------------------------------


def _new_files(seeds: Path) -> dict[str, bytes]:
    add_article(seeds)
    files, _ = build(load_corpus(seeds))
    return files


def _file_named(files: dict[str, bytes], prefix: str) -> str:
    [name] = [name for name in files if name.startswith(prefix)]
    return name


def corrupt_manifest(seeds: Path, index_dir: Path) -> None:
    path = index_dir / MANIFEST
    text = path.read_text("utf-8")
    tmp = index_dir / "manifest.tmp"
    tmp.write_text(text[: len(text) // 2], "utf-8")
    tmp.replace(path)  # atomically, as a build does


def truncated(prefix: str, keep: Callable[[bytes], bytes]) -> Callable[[Path, Path], None]:
    """A rebuild (with the new article) whose data file ``prefix-*`` was cut short."""

    def damage(seeds: Path, index_dir: Path) -> None:
        files = _new_files(seeds)
        name = _file_named(files, prefix)
        files[name] = keep(files[name])
        save(files, index_dir)

    return damage


def missing_file(seeds: Path, index_dir: Path) -> None:
    files = _new_files(seeds)
    save(files, index_dir)
    (index_dir / _file_named(files, "postings-")).unlink()


def removed_index(seeds: Path, index_dir: Path) -> None:
    shutil.rmtree(index_dir)


DAMAGE = {
    "manifest cut short": corrupt_manifest,
    "postings cut short": truncated("postings-", lambda blob: blob[: len(blob) // 2]),
    "postings emptied": truncated("postings-", lambda blob: b""),
    "texts cut short": truncated("texts-", lambda blob: blob[:-100]),
    # Read lazily by Index: the damage shows only once the new index is read in full.
    "word list cut short": truncated("words-", lambda blob: blob[: len(blob) // 2]),
    "definitions cut short": truncated("definitions-", lambda blob: blob[:-3]),
    "a data file missing": missing_file,
    "the index removed": removed_index,
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_index_is_refused_logged_once_and_the_old_one_answers(
    seeds: Path,
    index_dir: Path,
    caplog: pytest.LogCaptureFixture,
    damage: Callable[[Path, Path], None],
) -> None:
    watcher = IndexWatcher(index_dir, interval=0)
    old = watcher.answerer
    damage(seeds, index_dir)
    with caplog.at_level(logging.INFO, logger="simbot.bot.reload"):
        assert not watcher.check()
        assert not watcher.check(), "tried again only when the manifest changes again"
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.exc_info is None and "\n" not in record.getMessage()
    assert "refused the new index" in record.getMessage()
    assert str(index_dir) in record.getMessage()
    assert watcher.answerer is old and watcher.generation == 0
    # Still answering, though the damaged build may have deleted the old index's files.
    assert_answers_old_questions(old)

    # Once the index is rebuilt properly, it is taken.
    add_article(seeds)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="simbot.bot.reload"):
        build_and_save(seeds, index_dir)
        assert watcher.check()
    assert sources(watcher.answerer, NEW_QUESTION)[0] == NEW_NAME
    assert ["loaded the rebuilt index" in r.getMessage() for r in caplog.records] == [True]


def test_an_old_index_read_from_mapped_files_answers_after_they_are_deleted(
    seeds: Path, index_dir: Path
) -> None:
    # Big enough that its texts and postings are memory-mapped rather than read (64 KiB on).
    lines = [f"The volunteer rota number {n} covers ward {n} of the hospital." for n in range(4000)]
    big = seeds / "006_rotas.txt"
    big.write_text("Volunteer rotas\n" + "\n".join(lines) + "\n", "utf-8")
    build_and_save(seeds, index_dir)
    mapped = [p for p in index_dir.iterdir() if p.name.startswith(("texts-", "postings-"))]
    assert len(mapped) == 2 and all(p.stat().st_size >= 1 << 16 for p in mapped)
    watcher = IndexWatcher(index_dir, interval=0)
    old = watcher.answerer
    question = "Which ward does volunteer rota number 3210 cover?"

    add_article(seeds)
    build_and_save(seeds, index_dir)
    assert not any(p.exists() for p in mapped), "the rebuild deleted the mapped files"
    assert watcher.check()
    for answerer in (old, watcher.answerer):
        quote = answerer.answer(question).quotes[0]
        assert quote.source == big.name
        assert quote.text == big.read_text("utf-8")[quote.start : quote.end]
        assert "number 3210 covers ward 3210" in quote.text
    assert_answers_old_questions(old)
