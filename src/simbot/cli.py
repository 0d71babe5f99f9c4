"""The ``simbot`` command: build and check the index, ask, score question sets, run the bot.

A thin layer over the library. Every failure a person can act on is one line on standard error
and a non-zero exit, never a traceback. The Telegram stack is imported only by ``simbot run``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from simbot import defaults
from simbot.errors import CorpusError, ExitCode, SimbotError

if TYPE_CHECKING:
    from simbot.evaluate import Report
    from simbot.index.corpus import Corpus
    from simbot.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``simbot``."""
    parser = argparse.ArgumentParser(
        prog="simbot",
        description="Answers questions about the SIM scheme and the StopSIM campaign "
        "with verbatim, cited passages from news articles.",
    )
    from simbot import __version__

    parser.add_argument("--version", action="version", version=f"simbot {__version__}")
    parser.add_argument(
        "--seeds", type=Path, help="folder of articles (default: SIMBOT_SEEDS_DIR or ./seeds)"
    )
    parser.add_argument(
        "--index", type=Path, help="folder of the index (default: SIMBOT_INDEX_DIR or ./index)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    index = commands.add_parser("index", help="build or check the index")
    index_commands = index.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action, text in (
        ("build", "rebuild the index from the articles"),
        ("check", "exit non-zero if the index is missing or out of date"),
    ):
        sub = index_commands.add_parser(action, help=text)
        sub.add_argument("--seeds", type=Path, default=argparse.SUPPRESS, help="folder of articles")
        sub.add_argument(
            "--index", type=Path, default=argparse.SUPPRESS, help="folder of the index"
        )
        sub.add_argument(
            "--strict",
            action="store_true",
            help="treat the articles' warnings (hard-wrapped text, markup, duplicates, "
            "overlong paragraphs, missing metadata) as errors",
        )

    ask = commands.add_parser("ask", help="answer a question (no question: an interactive prompt)")
    ask.add_argument("question", nargs="*", help='the question, or "-" to read one per line')
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--limit", type=int, help="at most this many quotes (1 to 5)")

    evaluate = commands.add_parser("eval", help="score a question set (JSON Lines)")
    evaluate.add_argument("file", type=Path)
    evaluate.add_argument("--json", action="store_true", help="print the scores as JSON")
    evaluate.add_argument("--min-hit1", type=float, default=0.0, help="fail under this hit@1")
    evaluate.add_argument("--min-hit3", type=float, default=0.0, help="fail under this hit@3")
    evaluate.add_argument(
        "--min-accuracy", type=float, default=0.0, help="fail under this accuracy"
    )

    add = commands.add_parser(
        "add", help="import an article (.txt, .md, .html, .docx or an http(s) address)"
    )
    add.add_argument("source", help="the file or address of the article")
    add.add_argument("--yes", action="store_true", help="add it without asking")
    add.add_argument("--timeout", type=float, help="seconds to wait for a server")
    for field in ("headline", "publisher", "date", "url"):
        add.add_argument(f"--{field}", help=f"the article's {field} (instead of what is found)")

    report = commands.add_parser("report", help="what went unanswered (needs SIMBOT_UNANSWERED_DB)")
    report.add_argument("--top", type=int, default=20, help="at most this many lines a list")

    commands.add_parser("run", help="start the Telegram bot (needs SIMBOT_TELEGRAM_TOKEN)")
    commands.add_parser("health", help="exit 0 if the bot configured here can work, else 1")
    return parser  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``simbot`` with ``argv``; return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except SimbotError as exc:
        print(f"simbot: {exc}", file=sys.stderr)
        return ExitCode.ERROR
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.OK


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "health":  # first: it reads the settings itself, and never exits 2
        from simbot.health import main as health

        return health()
    if args.command == "ask" and not _configured():
        from simbot.asking import ask

        # Every setting has its default, and answering reads only the index folder: skip
        # pydantic-settings, a sixth of a second of `simbot ask`.
        return ask(args.index or defaults.INDEX_DIR, args.question, args.json, args.limit, True)
    from simbot.settings import load_settings

    settings = load_settings()
    if args.seeds is not None:
        settings.seeds_dir = args.seeds
    if args.index is not None:
        settings.index_dir = args.index
    if args.command == "index":
        if args.action == "build":
            return _index_build(settings, args.strict)
        return _index_check(settings, args.strict)
    if args.command == "ask":
        from simbot.asking import ask

        return ask(settings.index_dir, args.question, args.json, args.limit, settings.semantic)
    if args.command == "eval":
        return _eval(settings, args)
    if args.command == "add":
        return _add(settings, args)
    if args.command == "report":
        return _report(settings, args.top)
    from simbot.bot.application import run

    return run(settings)


def _configured() -> bool:
    """Whether anything could set a setting: a SIMBOT_* variable, a .env file, secrets."""
    return (
        any(name.upper().startswith("SIMBOT_") for name in os.environ)
        or Path(".env").exists()
        or defaults.SECRETS_DIR.is_dir()
    )


def _article_warnings(seeds_dir: Path, strict: bool) -> tuple[Corpus, bool]:
    """The articles of ``seeds_dir``, their warnings printed; whether ``strict`` stops here."""
    from simbot.index.article_checks import check_corpus, strict_failure
    from simbot.index.corpus import load_corpus

    corpus = load_corpus(seeds_dir)
    warnings = check_corpus(corpus)
    for warning in warnings:
        print(f"{'error' if strict else 'warning'}: {warning}", file=sys.stderr)
    if strict and warnings:
        print(f"simbot: {strict_failure(warnings)}", file=sys.stderr)
    return corpus, strict and bool(warnings)


def _index_build(settings: Settings, strict: bool = False) -> int:
    from simbot.index.build import build_and_save

    corpus, stop = _article_warnings(settings.seeds_dir, strict)
    if stop:
        return ExitCode.FAILED
    # A progress bar for a person watching; logs and pipes get only the report.
    progress = _ProgressBars(sys.stderr) if sys.stderr.isatty() else None
    try:
        report = build_and_save(
            settings.seeds_dir, settings.index_dir, progress, corpus, semantic=settings.semantic
        )
    finally:
        if progress:
            progress.close()
    for notice in report.skipped:
        print(f"skipped {notice}")
    print(
        f"read {report.documents} articles from {settings.seeds_dir}: {report.paragraphs} "
        f"paragraphs ({report.duplicates} repeat another word for word), {report.terms} terms"
    )
    if report.aliases:
        print("acronyms learnt: " + ", ".join(a.upper() for a in report.aliases))
    if report.boilerplate:
        print(f"boilerplate, never an answer: {report.boilerplate} paragraphs")
    if report.semantic.startswith("off: "):
        print(f"meaning-level matching {report.semantic}: the index holds no paragraph vectors")
    elif report.semantic:
        print(
            f"paragraph vectors by {report.semantic}: {report.embedded} embedded, "
            f"{report.reused} reused"
        )
    print(f"wrote the index to {settings.index_dir}")
    return ExitCode.OK


class _ProgressBars:
    """The build's progress for a person watching: one tqdm bar a stage, on one terminal line."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.stage = ""
        self.bar: Any = None  # tqdm.tqdm (not typed)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            # Imported here: only a build on a terminal draws bars.
            from tqdm import tqdm

            self.close()
            self.stage = stage
            self.bar = tqdm(
                desc=f"{stage:<17}", total=total or None, initial=done, unit=" paragraphs",
                file=self.stream, leave=False, dynamic_ncols=True, mininterval=0.1,
            )  # fmt: skip
        self.bar.update(done - self.bar.n)  # tqdm redraws at most every ``mininterval`` s

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()  # leave=False: the line is cleared
            self.bar = None


def _index_check(settings: Settings, strict: bool = False) -> int:
    from simbot.index.reader import Index

    index = Index.load(settings.index_dir)
    reasons = index.stale_reasons(settings.seeds_dir)
    try:
        if _article_warnings(settings.seeds_dir, strict)[1]:
            return ExitCode.FAILED
    except CorpusError:
        pass  # an article that cannot be read: the reasons below say it has changed or is new
    if reasons:
        for reason in reasons:
            print(f"out of date: {reason}", file=sys.stderr)
        print("rebuild it with `simbot index build`", file=sys.stderr)
        return ExitCode.FAILED
    print(
        f"{settings.index_dir} is up to date: {len(index.documents)} articles, "
        f"{len(index.paragraphs)} paragraphs"
    )
    return ExitCode.OK


def _add(settings: Settings, args: argparse.Namespace) -> int:
    """Import an article, show it, refuse a duplicate, write it with its metadata, rebuild."""
    from simbot.index.article_checks import NEAR_DUPLICATE, check_document, nearest
    from simbot.index.build import build_and_save
    from simbot.index.corpus import (
        Corpus,
        Document,
        is_article_name,
        load_corpus,
        opening_words,
        split_paragraphs,
    )
    from simbot.index.importer import (
        TIMEOUT,
        article_name,
        import_article,
        with_metadata,
        write_article,
    )

    seeds = settings.seeds_dir
    first = not seeds.is_dir() or not any(is_article_name(p) for p in seeds.iterdir())
    corpus = Corpus(()) if first else load_corpus(seeds)  # the first article: nothing to compare
    given = {f: getattr(args, f) for f in ("headline", "publisher", "date", "url")}
    timeout = TIMEOUT if args.timeout is None else args.timeout
    imported = with_metadata(import_article(args.source, timeout), **given)
    name = article_name(settings.seeds_dir, imported.text)
    known = imported.provenance
    print(f"from {imported.origin}: {len(imported.paragraphs)} paragraphs, as {name}")
    print(f"  begins: {opening_words(imported.paragraphs[0], 120)}")
    for field in ("headline", "publisher", "date", "url"):
        print(f"  {field + ':':<10} {getattr(known, field) or '(not known)'}")

    same_url = [n for n, p in corpus.sources.items() if known.url and p.url == known.url]
    alike = nearest(imported.text, corpus.documents)
    duplicate = f"it has the same address as {same_url[0]}" if same_url else ""
    if not duplicate and alike and alike[1] >= NEAR_DUPLICATE:
        duplicate = f"it is {alike[1]:.0%} the same text as {alike[0]}"
    if duplicate:
        print(f"simbot: not added: {duplicate}, already in {settings.seeds_dir}.", file=sys.stderr)
        return ExitCode.FAILED
    text = imported.text
    draft = Document(name, text, "", split_paragraphs(name, text))
    for warning in check_document(draft):
        print(f"warning: {warning}", file=sys.stderr)
    if not args.yes:
        if not sys.stdin.isatty():
            print("simbot: not added: confirm with --yes (no terminal to ask on).", file=sys.stderr)
            return ExitCode.ERROR
        if input(f"Add it to {settings.seeds_dir}? [y/N] ").strip().lower() not in {"y", "yes"}:
            print("not added")
            return ExitCode.FAILED

    metadata = settings.seeds_dir / "sources.toml"
    before = metadata.read_bytes() if metadata.is_file() else None
    settings.seeds_dir.mkdir(parents=True, exist_ok=True)
    write_article(settings.seeds_dir, name, imported)
    try:
        report = build_and_save(settings.seeds_dir, settings.index_dir, semantic=settings.semantic)
    except BaseException:
        # The index was not rebuilt: take the article out again, so seeds/ and index/ agree.
        (settings.seeds_dir / name).unlink(missing_ok=True)
        if before is None:
            metadata.unlink(missing_ok=True)
        else:
            metadata.write_bytes(before)
        raise
    print(f"added {settings.seeds_dir / name} and its entry in {metadata}")
    print(
        f"rebuilt the index: {report.documents} articles, {report.paragraphs} paragraphs; "
        "now run `simbot eval tests/data/dev.jsonl`, then `git add -A seeds index`"
    )
    return ExitCode.OK


def _report(settings: Settings, top: int) -> int:
    """Prints the most frequent declined questions and the passages most often marked 👎."""
    import sqlite3

    from simbot.answer.unanswered import UnansweredLog, report_lines
    from simbot.text.analyzer import Analyzer

    if settings.unanswered_db is None:
        raise SimbotError(
            "no unanswered log: set SIMBOT_UNANSWERED_DB to the SQLite file the bot writes."
        )
    if not settings.unanswered_db.is_file():
        raise SimbotError(f"{settings.unanswered_db}: no such file (has the bot written it yet?).")
    log = UnansweredLog(settings.unanswered_db, settings.unanswered_days)
    try:
        entries = log.entries()
    except sqlite3.Error as exc:  # not an SQLite file, or not ours, or damaged
        raise SimbotError(f"{settings.unanswered_db}: cannot be read ({exc}).") from exc
    for line in report_lines(entries, Analyzer().terms, top):
        print(line)
    return ExitCode.OK


def _eval(settings: Settings, args: argparse.Namespace) -> int:
    from simbot.answer.answerer import Answerer
    from simbot.evaluate import evaluate, load_questions

    answerer = Answerer.load(settings.index_dir, settings.semantic)
    report = evaluate(load_questions(args.file), answerer.answer, settings.seeds_dir)
    summary = report.summary()
    if args.json:
        print(json.dumps(summary))
    else:
        _print_report(report)
    bars = {"hit@1": args.min_hit1, "hit@3": args.min_hit3, "accuracy": args.min_accuracy}
    failed = [
        f"{name} {summary[name]:.3f} < {bar}" for name, bar in bars.items() if summary[name] < bar
    ]
    if report.verbatim_failures:
        failed.append(f"{len(report.verbatim_failures)} passages are not verbatim")
    for reason in failed:
        print(f"FAILED: {reason}", file=sys.stderr)
    return ExitCode.FAILED if failed else 0


def _print_report(report: Report) -> None:
    s = report.summary()
    print(
        f"{s['questions']} questions: hit@1 {s['hit@1']:.3f}  hit@3 {s['hit@3']:.3f}  "
        f"MRR@5 {s['mrr@5']:.3f}  accuracy {s['accuracy']:.3f}"
    )
    exact = s["passages"] - s["not_verbatim"]
    print(f"verbatim: {exact}/{s['passages']} passages are exact substrings of their files")
    print("\nby kind:")
    for kind, outcomes in report.by_kind().items():
        answerable = [o for o in outcomes if o.question.answerable]
        line = f"  {kind or '-':<11} {len(outcomes):>3} questions"
        line += f"  accuracy {report.accuracy(outcomes):.2f}"
        if answerable:
            line += f"  hit@1 {report.hit_at(1, answerable):.2f}"
            line += f"  hit@3 {report.hit_at(3, answerable):.2f}"
        print(line)
    for failure in report.verbatim_failures:
        print(f"NOT VERBATIM: {failure}")
    missed = [o for o in report.outcomes if not o.correct]
    if missed:
        print("\nmissed:")
    for outcome in missed:
        q = outcome.question
        got = (
            "abstained"
            if not outcome.answer.answered
            else (f"right passage at rank {outcome.rank}" if outcome.rank else "no right passage")
        )
        expected = "an answer" if q.answerable else "abstention"
        print(f"  {q.id} [{q.kind}] {q.question!r}: wanted {expected}, got {got}")  # fmt: skip
