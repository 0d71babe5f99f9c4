"""``simbot ask``: questions in, exactly one answer out for each, as text or JSON Lines.

Whatever a line of input holds (bytes that are not UTF-8, line breaks JSON leaves alone, a
question that makes the engine fail), it gets one answer, in order, and the batch goes on.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

from simbot.answer.answerer import DEFAULT_QUOTES, Answerer
from simbot.answer.render import to_json, to_text
from simbot.errors import ExitCode


def ask(index_dir: Path, words: list[str], as_json: bool, limit: int | None, semantic: bool) -> int:
    """``simbot ask``: the question in ``words``, one a line from standard input (``["-"]``), or
    a prompt; returns the exit code."""
    answerer = Answerer.load(index_dir, semantic)
    limit = DEFAULT_QUOTES if limit is None else limit
    _utf8_output(sys.stdout, as_json)
    if words == ["-"]:
        answer_lines(answerer, _lines(sys.stdin.buffer), as_json, limit, sys.stdout, sys.stderr)
        return ExitCode.OK
    if words:
        # Bytes of the arguments that are not UTF-8 reach Python as lone surrogates.
        answer_lines(answerer, [os.fsencode(" ".join(words))], as_json, limit, sys.stdout,
                     sys.stderr)  # fmt: skip
        return ExitCode.OK
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
            return ExitCode.OK
        if question.strip().lower() in {"quit", "exit"}:
            return ExitCode.OK
        line = question.encode("utf-8", "surrogateescape")  # stdin's undecodable bytes
        answer_lines(answerer, [line], as_json, limit, sys.stdout, sys.stderr)
        if interactive:
            print()
