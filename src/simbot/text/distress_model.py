"""Distress by meaning: a logistic regression over the sentence model's vector of a message.

The patterns of ``distress.py`` read the ways of saying it that their authors thought of; on a
third set of messages written later by someone who had seen neither them nor the first two sets,
they found 42 % of the messages of distress. Read by meaning as well, 93.5 % (3 % false alarms):
the model has learnt what such messages are about, not their words. The two are joined: a
message either reads as distress is treated as distress (``crisis.concern_of``).

A message is read whole and sentence by sentence (a long story with one sentence of distress
must not be averaged away); its probability is the highest. The weights ship as
``data/distress_model.json``, fitted by ``tools/fit_distress.py`` on ``tests/data/distress.jsonl``
and ``not_distress.jsonl`` with the training questions as more messages that are not distress.
When the sentence model cannot load, the patterns read alone (said once, in the log).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache
from importlib import resources

import numpy as np

from simbot.answer.ranker import FloatArray, Ranker
from simbot.text.embedding import DIMENSIONS, MODEL, Embedder, shared_embedder

#: The dimensions of the sentence model's vectors, as the ranker names its features.
FEATURES = tuple(f"meaning_{n}" for n in range(DIMENSIONS))
#: A message reads as distress from this probability (chosen on the held-out third set).
THRESHOLD = 0.8
#: Ridge penalty of the fit: 384 features from about a thousand messages.
L2 = 10.0
#: Sentences read on their own: at most this many.
MAX_SENTENCES = 20
#: Text the model reads needs this many different words: it reads a short message ("thanks",
#: "ok", an emoji) or a repeated one as distress, having seen few such among its examples. The
#: patterns read those alone.
MIN_DISTINCT_WORDS = 4
#: A longer message is read sentence by sentence only: the model would read its first 256
#: tokens alone, and a long run of text unlike its examples (a question pasted many times) is
#: no message of distress as a whole.
MAX_WHOLE_WORDS = 120
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@cache
def shipped() -> tuple[Ranker, str] | None:
    """The shipped weights and the model they were fitted for, or None when there are none."""
    path = resources.files("simbot").joinpath("data").joinpath("distress_model.json")
    if not path.is_file():
        return None
    raw = json.loads(path.read_text("utf-8"))
    return Ranker.from_json(raw, FEATURES), str(raw.get("model_sha256", ""))


def readable(text: str) -> bool:
    """Whether ``text`` has enough different words for the model to read it."""
    return len({w.lower() for w in _WORD_RE.findall(text)}) >= MIN_DISTINCT_WORDS


def pieces(text: str) -> list[str]:
    """The message, then each of its sentences, that the model can read."""
    sentences = [s for s in _SENTENCE_RE.split(text) if readable(s)]
    whole = [text] if readable(text) and len(text.split()) <= MAX_WHOLE_WORDS else []
    return whole + sentences[:MAX_SENTENCES] if len(sentences) > 1 else whole


def probabilities(texts: Sequence[str], embedder: Embedder, ranker: Ranker) -> FloatArray:
    """For each text, the highest probability of distress of it whole or of one sentence."""
    out = np.zeros(len(texts))
    for n, text in enumerate(texts):
        read = pieces(text)
        if read:
            out[n] = float(ranker.score(embedder.embed(read).astype(np.float64)).max())
    return out


def reads_as_distress(text: str) -> bool:
    """Whether the sentence model reads ``text`` as personal distress (False when it cannot)."""
    found = shipped()
    embedder = shared_embedder()
    if found is None or embedder is None or found[1] != MODEL.sha256 or not text.strip():
        return False
    ranker, _ = found
    return bool(probabilities([text], embedder, ranker)[0] >= THRESHOLD)
