#!/usr/bin/env python3
"""Generate ``src/simbot/data/english_words.txt``: English words, so that spelling leaves them be.

A DEVELOPMENT-TIME tool: simbot only reads the file it writes. A question word that the articles
do not hold is mended only when it is no English word: "surey" becomes "surrey", but "season"
stays "season" (and finds nothing) instead of becoming the articles' "reason".

Source: SCOWL's British and American word lists as Debian ships them (packages ``wbritish`` and
``wamerican``, ``2020.12.07-2``)::

    apt-get install wbritish wamerican
    python tools/make_english_words.py

Kept: lowercase words of letters only (no names, no possessives), at least as long as the
shortest word spelling mends (``simbot.text.spelling.MIN_LENGTH``), sorted, each once.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from simbot.text.spelling import MIN_LENGTH  # noqa: E402

LISTS = (Path("/usr/share/dict/british-english"), Path("/usr/share/dict/american-english"))
OUT = ROOT / "src/simbot/data/english_words.txt"
HEADER = """\
# English words (lowercase, letters only, {min_length} letters or more): words the spelling
# mender leaves as they are. Made by tools/make_english_words.py from SCOWL's British and American
# word lists (Debian packages wbritish and wamerican 2020.12.07-2).
#
# Copyright 2000-2011 by Kevin Atkinson (SCOWL) and the authors of its sources.
# Permission to use, copy, modify, distribute and sell these word lists, the associated scripts,
# the output created from the scripts, and its documentation for any purpose is hereby granted
# without fee, provided that the above copyright notice appears in all copies and that both
# that copyright notice and this permission notice appear in supporting documentation. Kevin
# Atkinson makes no representations about the suitability of this array for any purpose. It is
# provided "as is" without express or implied warranty.
"""


def main() -> None:
    word_re = re.compile(rf"[a-z]{{{MIN_LENGTH},}}")
    words = {
        line.strip()
        for path in LISTS
        for line in path.read_text("utf-8").splitlines()
        if word_re.fullmatch(line.strip())
    }
    OUT.write_text(HEADER.format(min_length=MIN_LENGTH) + "".join(f"{w}\n" for w in sorted(words)))
    print(f"{OUT.relative_to(ROOT)}: {len(words)} words")


if __name__ == "__main__":
    main()
