"""What meaning-level matching costs: model load, embedding at build time, the answer path.

    .venv/bin/python benchmarks/semantic.py [--paragraphs 1000] [--scale 100000]

- **load**: the model and tokenizer, checksums included, in this process (median of 3);
- **build**: embedding ``--paragraphs`` paragraphs made from the shipped articles' own (each
  made distinct, so none is reused), as ``simbot index build`` embeds them; seconds per 1,000;
- **answer path** over the shipped index, every question of ``tests/data/dev.jsonl`` and
  ``chat.jsonl`` five times: ``Answerer.answer`` with ``SIMBOT_SEMANTIC`` off and on, and
  ``Answerer.candidates`` (BM25's candidates joined with the nearest by meaning, with their
  features: the path a learned ranker will take), p50 and p99;
- **at scale**: what of the ``candidates`` path grows with the corpus (every paragraph's cosine,
  the nearest, the candidates' ranks by meaning) over ``--scale`` random unit vectors; the
  rest is the shipped-index figure, and BM25's share at scale is ``benchmarks/run.py``'s.

It prints a Markdown table and writes ``benchmarks/results/semantic.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def _timed_ms(call: Callable[[str], object], questions: list[str], rounds: int) -> list[float]:
    for question in questions[:5]:
        call(question)  # warm up
    times = []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            call(question)
            times.append((time.perf_counter() - started) * 1000)
    return times


def _at_scale(size: int, questions: list[str]) -> list[float]:
    """What grows with the corpus in ``candidates``: every cosine, the nearest, their ranks.

    As ``Answerer._candidates`` computes them, over ``size`` random unit vectors, for 50
    candidates; the question's own embedding is in the shipped-index figures.
    """
    from simbot.answer.answerer import MEANING_CANDIDATES
    from simbot.text.embedding import DIMENSIONS, RANKED, ranks_by_meaning

    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((size, DIMENSIONS)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    asked = rng.standard_normal((len(questions), DIMENSIONS)).astype(np.float32)

    def step(n: int) -> None:
        cosines = np.asarray(vectors @ asked[n], dtype=np.float64)
        ranks = ranks_by_meaning(cosines)
        nearest = list(ranks)[:MEANING_CANDIDATES]
        for pid in [*nearest, *rng.integers(0, size, 40).tolist()]:
            ranks.get(pid, RANKED + 1)

    times = []
    for _ in range(2):
        for n in range(len(questions)):
            started = time.perf_counter()
            step(n)
            times.append((time.perf_counter() - started) * 1000)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--paragraphs", type=int, default=1000)
    parser.add_argument("--scale", type=int, default=100_000)
    args = parser.parse_args(argv)

    from simbot.answer.answerer import Answerer
    from simbot.index.reader import Index
    from simbot.text.embedding import load_embedder
    from support import CHAT, DEV, dev_questions

    loads = []
    for _ in range(3):
        started = time.perf_counter()
        load_embedder()
        loads.append(time.perf_counter() - started)
    load_s = statistics.median(loads)

    index = Index.load(ROOT / "index")
    shipped = [index.paragraph_text(pid) for pid in range(len(index.paragraphs))]
    texts = [f"{shipped[n % len(shipped)]} ({n})" for n in range(args.paragraphs)]
    builder = load_embedder(threads=0)  # as `simbot index build` loads it: every core
    started = time.perf_counter()
    builder.embed(texts)
    per_thousand_s = (time.perf_counter() - started) / len(texts) * 1000

    questions = [q["question"] for path in (DEV, CHAT) for q in dev_questions(path)]
    lexical = Answerer(index, semantic=False)
    meaning = Answerer(Index.load(ROOT / "index"), semantic=True)
    rows = {
        "answer, SIMBOT_SEMANTIC=off": _timed_ms(lexical.answer, questions, 5),
        "answer, SIMBOT_SEMANTIC=on": _timed_ms(meaning.answer, questions, 5),
        "candidates with features": _timed_ms(meaning.candidates, questions, 5),
    }
    rows[f"meaning's share at {args.scale:,} paragraphs"] = _at_scale(args.scale, questions)

    paths = {
        name: {"p50": _percentile(ms, 50), "p99": _percentile(ms, 99)} for name, ms in rows.items()
    }
    results = {
        "load_average": os.getloadavg()[0],
        "cpus": os.cpu_count(),
        "model_load_s": load_s,
        "embed_s_per_1000_paragraphs": per_thousand_s,
        "paths_ms": paths,
    }
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")
    print(f"model load (checksums included): {load_s * 1000:.0f} ms")
    print(f"embedding at build time: {per_thousand_s:.1f} s per 1,000 paragraphs")
    print("\n| path | p50 | p99 |\n|---|---:|---:|")
    for name, figures in paths.items():
        print(f"| {name} | {figures['p50']:.2f} ms | {figures['p99']:.2f} ms |")
    out = ROOT / "benchmarks" / "results" / "semantic.json"
    out.write_text(json.dumps(results, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
