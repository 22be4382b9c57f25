#!/usr/bin/env python
"""GPU check: LoRA reward-model training on a decoder LM, pluralign against TRL (issue 20).

    python benches/reward_gpu.py --model /path/to/Qwen2.5-0.5B      # a local 0.5-1.5B decoder
    python benches/reward_gpu.py --tiny                              # a tiny Llama from a config
    python benches/reward_gpu.py --device cpu --tiny --quick         # the CPU smoke run (tests)

Without a CUDA GPU and ``--device cuda`` (the default) it prints why and exits with status 3.

Both sides train LoRA adapters (rank 8, alpha 16, dropout 0, every linear layer of the
transformer) plus a linear reward head on the same HH-RLHF harmless pairs (bundled with the
tests), with weights loaded in bf16 (``--no-bf16``: fp32) and bf16 autocast, AdamW (lr 1e-4,
weight decay 0.01, 5% warm-up then cosine, clipping 1.0), batch B pairs, S steps, no gradient
checkpointing, no evaluation or saving:

- ``pluralign``: ``RewardTrainer(RewardModel(ModelConfig(hidden=[])), TrainConfig(amp="bf16"))
  .fit(pairs, encoder=HFEncoder(path, lora=True, dtype="bfloat16"))``: last-token pooling,
  prompt-aware pairs rendered by the encoder's template;
- ``trl``: ``trl.RewardTrainer`` on ``AutoModelForSequenceClassification(num_labels=1)`` of the
  same folder with ``peft_config=LoraConfig(..., task_type="SEQ_CLS")``, given exactly the token
  ids pluralign's encoder reads (pre-tokenized, so TRL's preprocessing is not timed).

Only pairs whose two texts fit in ``--max-length`` tokens are used (TRL drops longer ones).
One warm-up run per side (excluded), then ``--repeats`` interleaved rounds, each on a freshly
loaded model, timing only the training call. Reported: median pairs/s (B * S / seconds), peak
GPU memory (``torch.cuda.max_memory_allocated`` during the run; "-" on the CPU), final loss, and
the ratio to TRL. ``--json FILE`` writes the numbers too.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "hh-rlhf" / "harmless-base-test.jsonl.gz"
NO_GPU = 3


def tiny_model(folder: Path) -> Path:
    """A tiny Llama with a byte-level tokenizer, built from a config (no download)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from reward_tiny import tiny_decoder

    return tiny_decoder(folder, "llama")


def load_pairs(enc: Any, n: int, max_length: int) -> tuple[Any, list[list[int]], list[list[int]]]:
    """The first ``n`` HH-RLHF pairs whose two rendered texts fit in ``max_length`` tokens, and
    the token ids the encoder reads for them (TRL's input)."""
    import polars as pl
    from pluralign.prefs import read_pairs

    raw = read_pairs(DATA)
    chat = enc.template == "chat"
    rows, cids, rids = [], [], []
    for r in raw.iter_rows(named=True):
        ids = [
            enc.tokenizer(enc.format(r["prompt"], r[k]), add_special_tokens=not chat)["input_ids"]
            for k in ("chosen", "rejected")
        ]
        if max(len(i) for i in ids) > max_length:
            continue
        i = len(rows)
        rows.append(
            {
                "prompt_id": r["prompt_id"],
                "chosen_id": f"c{i}",
                "rejected_id": f"r{i}",
                "prompt": r["prompt"],
                "chosen": r["chosen"],
                "rejected": r["rejected"],
            }
        )
        cids.append(ids[0])
        rids.append(ids[1])
        if len(rows) == n:
            break
    if len(rows) < n:
        raise SystemExit(f"only {len(rows)} pairs fit in {max_length} tokens (wanted {n})")
    return pl.DataFrame(rows), cids, rids


def builders(path: Path, args: argparse.Namespace, pairs: Any, cids: list, rids: list) -> dict:
    import torch

    dtype = "bfloat16" if args.bf16 else None
    amp = "bf16" if args.bf16 and args.device == "cuda" else "none"

    def plur(steps: int) -> Any:
        from pluralign.reward import HFEncoder, ModelConfig, RewardModel, RewardTrainer, TrainConfig

        enc = HFEncoder(
            path, lora=True, dtype=dtype, max_length=args.max_length, device=args.device
        )
        model = RewardModel(ModelConfig(input_dim=enc.dim, hidden=[]))
        cfg = TrainConfig(
            lr=args.lr,
            encoder_lr=args.lr,
            weight_decay=0.01,
            batch_size=args.batch,
            steps=steps,
            epochs=10**6,
            warmup_frac=0.05,
            grad_clip=1.0,
            eval_frac=0.0,
            progress=False,
            amp=amp,
            device=args.device,
            seed=0,
        )
        trainer = RewardTrainer(model, cfg)

        def train() -> float:
            trainer.fit(pairs, encoder=enc)
            return float(trainer.history[-1]["train_loss"])

        return train

    def trl_side(steps: int) -> Any:
        import datasets
        import peft
        import transformers
        import trl

        ds = datasets.Dataset.from_dict({"chosen_ids": cids, "rejected_ids": rids})
        tok = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        kw = {"dtype": torch.bfloat16} if args.bf16 else {}
        model = transformers.AutoModelForSequenceClassification.from_pretrained(
            path, num_labels=1, local_files_only=True, **kw
        )
        model.config.pad_token_id = tok.pad_token_id
        lora = peft.LoraConfig(
            r=8, lora_alpha=16, lora_dropout=0.0, target_modules="all-linear", task_type="SEQ_CLS"
        )
        cfg = trl.RewardConfig(
            output_dir=tempfile.mkdtemp(prefix="trl_gpu_"),
            per_device_train_batch_size=args.batch,
            max_steps=steps,
            learning_rate=args.lr,
            weight_decay=0.01,
            warmup_steps=0.05,
            lr_scheduler_type="cosine",
            max_grad_norm=1.0,
            bf16=amp == "bf16",
            fp16=False,
            gradient_checkpointing=False,
            disable_dropout=False,
            use_cpu=args.device == "cpu",
            max_length=args.max_length,
            report_to="none",
            save_strategy="no",
            eval_strategy="no",
            logging_steps=steps,
            disable_tqdm=True,
            seed=0,
            dataloader_num_workers=0,
        )
        trainer = trl.RewardTrainer(
            model=model, args=cfg, train_dataset=ds, processing_class=tok, peft_config=lora
        )

        def train() -> float:
            with contextlib.redirect_stdout(sys.stderr):
                return float(trainer.train().training_loss)

        return train

    return {"pluralign": plur, "trl": trl_side}


def run_once(build: Any, steps: int, device: str) -> tuple[float, float | None, float]:
    import torch

    torch.manual_seed(0)
    if device == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    train = build(steps)
    if device == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    loss = train()
    if device == "cuda":
        torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    peak = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else None
    return dt, peak, loss


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, help="local folder of a decoder LM (0.5-1.5B)")
    ap.add_argument("--tiny", action="store_true", help="a tiny Llama built from a config")
    ap.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    ap.add_argument("--pairs", type=int, default=256)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--no-bf16", dest="bf16", action="store_false")
    ap.add_argument("--quick", action="store_true", help="8 pairs, batch 2, 2 steps, 1 round")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        print(
            "reward_gpu: no CUDA GPU here; nothing measured. Run it on a GPU machine, or "
            "use --device cpu --tiny for the CPU smoke run.",
            file=sys.stderr,
        )
        raise SystemExit(NO_GPU)
    if (args.model is None) == (not args.tiny):
        ap.error("pass exactly one of --model PATH and --tiny")
    if args.quick:
        args.pairs, args.batch, args.steps, args.repeats = 8, 2, 2, 1
    if args.device == "cpu" and args.bf16:
        args.bf16 = False  # bf16 matmuls on a CPU measure the CPU's emulation, not the trainers
    path = (
        args.model
        if args.model is not None
        else tiny_model(Path(tempfile.mkdtemp(prefix="tiny_llama_")) / "model")
    )
    if not (path / "config.json").is_file():
        raise SystemExit(f"--model {path} is not a local transformers folder")
    from pluralign.reward import HFEncoder

    probe = HFEncoder(path, max_length=args.max_length)
    pairs, cids, rids = load_pairs(probe, args.pairs, args.max_length)
    del probe
    build = builders(path, args, pairs, cids, rids)
    for b in build.values():  # warm-up: lazy imports, allocator, kernels
        run_once(b, 1, args.device)
    res: dict[str, list[tuple[float, float | None, float]]] = {k: [] for k in build}
    for _ in range(args.repeats):
        for name, b in build.items():
            res[name].append(run_once(b, args.steps, args.device))
    dev = torch.cuda.get_device_name(0) if args.device == "cuda" else "cpu"
    out: dict[str, Any] = {
        "device": dev,
        "model": str(args.model or "tiny llama"),
        "pairs": args.pairs,
        "batch": args.batch,
        "steps": args.steps,
        "bf16": args.bf16,
        "results": {},
    }
    trl_t = statistics.median(r[0] for r in res["trl"])
    print(
        f"\nreward_gpu on {dev}: {out['model']}, batch {args.batch}, {args.steps} steps, "
        f"bf16={args.bf16}, LoRA r=8, median of {args.repeats}\n"
    )
    print("| trainer | pairs/s | peak GPU MiB | final loss | time / TRL's |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, rows in res.items():
        t = statistics.median(r[0] for r in rows)
        peaks = [r[1] for r in rows if r[1] is not None]
        peak = max(peaks) if peaks else None
        rec = {
            "seconds": t,
            "pairs_per_s": args.batch * args.steps / t,
            "peak_mib": peak,
            "loss": rows[-1][2],
            "time_ratio_vs_trl": t / trl_t,
        }
        out["results"][name] = rec
        print(
            f"| {name} | {rec['pairs_per_s']:.1f} | "
            f"{'-' if peak is None else f'{peak:.0f}'} | {rec['loss']:.4f} | "
            f"{rec['time_ratio_vs_trl']:.2f} |"
        )
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
