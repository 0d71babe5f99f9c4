"""What each part of the answer engine is worth: the question sets scored with parts taken out.

    python tools/ablation.py            # prints the README's ablation table (Markdown)

Rows, each adding to the one before: the lexical engine (BM25, coverage, answer kinds, word
pairs) without the everyday-wording list; with it (``data/paraphrases.txt``); with the learned
ranker; with meaning-level matching (the model's nearest join the candidates, and their rank by
meaning is a feature). Then the whole engine without the list, to show what the list still earns.
Train is scored with the ranker fitted on it (so its figures flatter the learned rows; the 5-fold
figures of ``tools/fit_ranker.py --folds 5`` are the honest ones), chat chooses, dev reports.
"""

from __future__ import annotations

import sys
from pathlib import Path

from simbot.answer.answerer import Answerer
from simbot.evaluate import evaluate, load_questions
from simbot.index.reader import Index

ROOT = Path(__file__).resolve().parent.parent
SETS = ("train", "chat", "dev")
# (row label, learned, semantic, paraphrases): the Answerer's switches for that row.
ROWS = (
    ("lexical, no everyday-wording list", False, False, False),
    ("+ everyday-wording list", False, False, True),
    ("+ learned ranker", True, False, True),
    ("+ meaning (all: shipped)", True, True, True),
    ("all but the list", True, True, False),
)


def main() -> int:
    index = Index.load(ROOT / "index")
    sets = {name: load_questions(ROOT / "tests" / "data" / f"{name}.jsonl") for name in SETS}
    print("| engine | " + " | ".join(f"{s} hit@1 / hit@3 / acc" for s in SETS) + " |")
    print("|---|" + "---|" * len(SETS))
    for label, learned, semantic, paraphrases in ROWS:
        answerer = Answerer(index, learned=learned, semantic=semantic, paraphrases=paraphrases)
        cells = []
        for name in SETS:
            report = evaluate(sets[name], answerer.answer, ROOT / "seeds")
            cells.append(
                f"{report.hit_at(1):.3f} / {report.hit_at(3):.3f} / {report.accuracy():.3f}"
            )
        print(f"| {label} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
