"""``simbot ask --json -`` over 10,000 generated lines of any kind (issue 10's "done when").

Checks exactly one JSON line per input line, valid UTF-8, in order, no traceback, and prints
the wall time and the slowest questions' share. Run from the project's root:

    .venv/bin/python benchmarks/hostile.py [COUNT]
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.hostile_lines import generated_lines, regression_lines  # noqa: E402


def main(count: int = 10_000) -> int:
    lines = regression_lines() + generated_lines(count - len(regression_lines()))
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "simbot", "ask", "--json", "-"],
        cwd=ROOT, input=b"".join(line + b"\n" for line in lines), capture_output=True,
        env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"}, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    printed = result.stdout.decode("utf-8").split("\n")
    problems = []
    if result.returncode != 0 or b"Traceback" in result.stderr:
        problems.append(f"exit {result.returncode}, traceback: {b'Traceback' in result.stderr}")
    if printed[-1] != "" or len(printed) - 1 != len(lines):
        problems.append(f"{len(printed) - 1} lines printed for {len(lines)} read")
    for n, (line, raw) in enumerate(zip(printed, lines, strict=False), 1):
        if json.loads(line)["question"] != raw.decode("utf-8", "replace").removesuffix("\r"):
            problems.append(f"line {n}: answers another question")
            break
    notices = result.stderr.count(b"\n")
    print(f"{len(lines):,} lines in {seconds:.1f} s ({seconds / len(lines) * 1000:.2f} ms a line)")
    print(f"{notices:,} notices on stderr (invalid UTF-8 replaced, one a line)")
    print("PASS" if not problems else "FAIL: " + "; ".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
