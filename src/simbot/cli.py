"""The ``simbot`` command: build and check the index, ask, score question sets, run the bot.

A thin layer over the library. Every failure a person can act on is one line on standard error
and a non-zero exit, never a traceback. The Telegram stack is imported only by ``simbot run``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

from simbot.errors import CorpusError, SimbotError

if TYPE_CHECKING:
    from simbot.answer.answerer import Answerer
    from simbot.evaluate import Report
    from simbot.index.corpus import Corpus
    from simbot.settings import Settings

#: Exit codes: 1 for "checked, and not good" (stale index, scores under the bar), 2 for errors.
EXIT_FAILED = 1
EXIT_ERROR = 2


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
    ask.add_argument("--limit", type=int, default=3, help="at most this many quotes (1 to 5)")

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
    add.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for a server")
    for field in ("headline", "publisher", "date", "url"):
        add.add_argument(f"--{field}", help=f"the article's {field} (instead of what is found)")

    report = commands.add_parser(
        "report", help="what went unanswered (needs SIMBOT_UNANSWERED_DB)"
    )
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
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "health":  # first: it reads the settings itself, and never exits 2
        from simbot.health import main as health

        return health()
    if args.command == "ask" and not _configured():
        # Every setting has its default, and answering reads only the index folder: skip
        # pydantic-settings, a sixth of a second of `simbot ask`.
        return _ask(args.index or DEFAULT_INDEX_DIR, args.question, args.json, args.limit, True)
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
        return _ask(settings.index_dir, args.question, args.json, args.limit, settings.semantic)
    if args.command == "eval":
        return _eval(settings, args)
    if args.command == "add":
        return _add(settings, args)
    if args.command == "report":
        return _report(settings, args.top)
    from simbot.bot.application import run

    return run(settings)


#: The defaults of ``Settings.index_dir`` and the secrets folder (a test holds them equal),
#: for `simbot ask`, which needs no more than the index folder.
DEFAULT_INDEX_DIR = Path("index")
SECRETS_DIR = Path("/run/secrets")


def _configured() -> bool:
    """Whether anything could set a setting: a SIMBOT_* variable, a .env file, secrets."""
    return (
        any(name.upper().startswith("SIMBOT_") for name in os.environ)
        or Path(".env").exists()
        or SECRETS_DIR.is_dir()
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
    from simbot.index.reader import build_and_save

    corpus, stop = _article_warnings(settings.seeds_dir, strict)
    if stop:
        return EXIT_FAILED
    # A progress bar for a person watching; logs and pipes get only the report.
    progress = _ProgressLine(sys.stderr) if sys.stderr.isatty() else None
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
    return 0


class _ProgressLine:
    """``indexing [#######        ] 45,000/100,000 paragraphs`` on one terminal line."""

    WIDTH = 24
    EVERY = 0.1  # seconds between redraws

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.stage = ""
        self.shown = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage == self.stage and done < total and now - self.shown < self.EVERY:
            return
        self.stage, self.shown = stage, now
        line = f"{stage}..."
        if total:
            filled = self.WIDTH * done // total
            bar = "#" * filled + " " * (self.WIDTH - filled)
            line = f"{stage:<17} [{bar}] {done:,}/{total:,} paragraphs"
        self.stream.write(f"\r{line}\033[K")
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _index_check(settings: Settings, strict: bool = False) -> int:
    from simbot.index.reader import Index

    index = Index.load(settings.index_dir)
    reasons = index.stale_reasons(settings.seeds_dir)
    try:
        if _article_warnings(settings.seeds_dir, strict)[1]:
            return EXIT_FAILED
    except CorpusError:
        pass  # an article that cannot be read: the reasons below say it has changed or is new
    if reasons:
        for reason in reasons:
            print(f"out of date: {reason}", file=sys.stderr)
        print("rebuild it with `simbot index build`", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"{settings.index_dir} is up to date: {len(index.documents)} articles, "
        f"{len(index.paragraphs)} paragraphs"
    )
    return 0


def _add(settings: Settings, args: argparse.Namespace) -> int:
    """Import an article, show it, refuse a duplicate, write it with its metadata, rebuild."""
    from simbot.index.article_checks import NEAR_DUPLICATE, check_document, nearest
    from simbot.index.corpus import (
        Corpus,
        Document,
        is_article_name,
        load_corpus,
        opening_words,
        split_paragraphs,
    )
    from simbot.index.importer import article_name, import_article, with_metadata, write_article
    from simbot.index.reader import build_and_save

    seeds = settings.seeds_dir
    first = not seeds.is_dir() or not any(is_article_name(p) for p in seeds.iterdir())
    corpus = Corpus(()) if first else load_corpus(seeds)  # the first article: nothing to compare
    given = {f: getattr(args, f) for f in ("headline", "publisher", "date", "url")}
    imported = with_metadata(import_article(args.source, args.timeout), **given)
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
        return EXIT_FAILED
    text = imported.text
    draft = Document(name, text, "", split_paragraphs(name, text))
    for warning in check_document(draft):
        print(f"warning: {warning}", file=sys.stderr)
    if not args.yes:
        if not sys.stdin.isatty():
            print("simbot: not added: confirm with --yes (no terminal to ask on).", file=sys.stderr)
            return EXIT_ERROR
        if input(f"Add it to {settings.seeds_dir}? [y/N] ").strip().lower() not in {"y", "yes"}:
            print("not added")
            return EXIT_FAILED

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
    return 0


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
    return 0


def _ask(index_dir: Path, words: list[str], as_json: bool, limit: int, semantic: bool) -> int:
    from simbot.answer.answerer import Answerer

    answerer = Answerer.load(index_dir, semantic)
    _utf8_output(sys.stdout, as_json)
    if words == ["-"]:
        answer_lines(answerer, _lines(sys.stdin.buffer), as_json, limit, sys.stdout, sys.stderr)
        return 0
    if words:
        # Bytes of the arguments that are not UTF-8 reach Python as lone surrogates.
        answer_lines(answerer, [os.fsencode(" ".join(words))], as_json, limit, sys.stdout,
                     sys.stderr)  # fmt: skip
        return 0
    return _prompt(answerer, as_json, limit)


#: A line of standard input longer than this is cut (questions are cut far shorter anyway).
MAX_LINE_BYTES = 1 << 16
# Characters that str.splitlines() and some JSON Lines readers take for line ends, which
# json.dumps leaves as they are: escaped, an answer is one line for every reader.
_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}
_LINE_BREAKS_RE = re.compile("[\u2028\u2029\x85]")


def json_line(value: object) -> str:
    """``value`` as one line of JSON text, its line end included."""
    text = json.dumps(value, ensure_ascii=False)
    return _LINE_BREAKS_RE.sub(lambda m: _LINE_BREAKS[m.group()], text) + "\n"


def valid_text(raw: bytes) -> tuple[str, bool]:
    """One line of input as text (its line end dropped), and whether bytes that are not
    UTF-8 had to be replaced with U+FFFD."""
    if raw.endswith(b"\n"):
        raw = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace"), True


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    """The lines of ``stream``: only ``\n`` ends one, each cut to ``MAX_LINE_BYTES``."""
    while line := stream.readline(MAX_LINE_BYTES):
        if not line.endswith(b"\n"):
            # Cut (or the last line): drop the rest of it, so that it is still one question.
            while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass
        yield line


def _utf8_output(out: TextIO, as_json: bool) -> None:
    """JSON is always UTF-8 (RFC 8259); text for a person is in the locale's encoding, with
    what it cannot hold replaced rather than failing."""
    if isinstance(out, io.TextIOWrapper):
        if as_json:
            out.reconfigure(encoding="utf-8", errors="strict", newline="\n")
        else:
            out.reconfigure(errors="replace")


def answer_lines(
    answerer: Answerer,
    lines: Iterable[bytes],
    as_json: bool,
    limit: int,
    out: TextIO,
    err: TextIO,
) -> None:
    """Answers one question a line of ``lines``, in order: exactly one answer per line.

    A question whose answering fails gets an answer of its own that says so (and one line on
    ``err``); the questions after it are answered as usual, so one bad line never costs a batch.
    """
    for number, raw in enumerate(lines, 1):
        question, replaced = valid_text(raw)
        if replaced:
            print(f"simbot: line {number}: not valid UTF-8, the bad bytes read as \ufffd",
                  file=err)  # fmt: skip
        try:
            _print_answer(answerer, question, as_json, limit, out)
        except Exception as error:  # any bug in the answer path: this line's answer says so
            reason = f"{type(error).__name__}: {error}"
            print(f"simbot: line {number}: could not answer ({reason})", file=err)
            if as_json:
                failed = {"question": question, "answered": False, "passages": [],
                          "reason": "error", "error": reason}  # fmt: skip
                out.write(json_line(failed))
            else:
                out.write(f"Sorry, something went wrong with this question ({reason}).\n")
        out.flush()


def _print_answer(
    answerer: Answerer, question: str, as_json: bool, limit: int, out: TextIO
) -> None:
    from simbot.answer.render import to_json, to_text

    answer = answerer.answer(question, limit)
    sources = answerer.index.provenance
    if as_json:
        out.write(json_line(to_json(answer, sources)))
    else:
        out.write(to_text(answer, color=out.isatty(), sources=sources) + "\n")


def _prompt(answerer: Answerer, as_json: bool, limit: int) -> int:
    interactive = sys.stdin.isatty()
    if interactive:
        print("Ask about the SIM scheme or the StopSIM campaign (Ctrl-D to quit).")
    while True:
        try:
            question = input("? " if interactive else "")
        except EOFError:
            return 0
        if question.strip().lower() in {"quit", "exit"}:
            return 0
        line = question.encode("utf-8", "surrogateescape")  # stdin's undecodable bytes
        answer_lines(answerer, [line], as_json, limit, sys.stdout, sys.stderr)
        if interactive:
            print()


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
    return EXIT_FAILED if failed else 0


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
