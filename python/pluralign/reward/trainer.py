"""Training and evaluation of :class:`~pluralign.reward.model.RewardModel`.

``RewardTrainer(model, TrainConfig(...)).fit(comparisons=..., ratings=..., embeddings=...)``:
AdamW, linear warm-up then cosine decay (Loshchilov & Hutter, 2017/2019), gradient-norm
clipping, early stopping on a prompt-disjoint eval split, tqdm progress, seeded and
deterministic on CPU, bf16/fp16 autocast on CUDA only, and torch DDP when launched with
``torchrun`` (``RANK``/``WORLD_SIZE`` set: gloo on CPU, nccl on GPU, DistributedSampler).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from pluralign import _validate as V
from pluralign.errors import InputError
from pluralign.reward import losses as L
from pluralign.reward._deps import require
from pluralign.reward.data import (
    EmbeddingTable,
    Encoded,
    embedding_table,
    encode,
    prompt_split,
    subset,
)
from pluralign.reward.model import RewardModel

torch = require("torch")


@dataclass
class TrainConfig:
    """Optimisation settings (all have defaults that train the demo in seconds on a CPU).

    ``steps`` caps the optimiser steps (``None``: ``epochs`` full passes). ``eval_frac`` holds
    out that fraction of prompts (prompt-disjoint) for early stopping when no eval table is
    given; ``patience`` evaluations without improvement stop training (``eval_every`` steps
    apart, default once per epoch) and the best weights are restored. ``maxmin_temperature``
    turns on MaxMin / egalitarian training across the ``group`` column. ``centering`` is the
    reward-centering coefficient. ``margin_column`` names a comparisons column used as BT margin.
    ``amp`` ("none", "bf16", "fp16") applies on CUDA only. ``device``: "auto", "cpu", "cuda".
    ``threads``: torch CPU threads during ``fit`` (restored after; None leaves torch's setting);
    1 is fastest for small heads on a busy machine. ``encoder_lr``: learning rate of an encoder
    passed with ``freeze=False`` (fine-tuned together with the heads).
    """

    lr: float = 1e-3
    weight_decay: float = 0.01
    batch_size: int = 64
    epochs: int = 10
    steps: int | None = None
    warmup_frac: float = 0.05
    grad_clip: float = 1.0
    eval_frac: float = 0.1
    eval_every: int | None = None
    patience: int = 3
    seed: int = 0
    maxmin_temperature: float | None = None
    centering: float = 0.0
    ratings_weight: float = 1.0
    margin_column: str | None = None
    amp: str = "none"
    device: str = "auto"
    progress: bool = True
    threads: int | None = None
    encoder_lr: float = 2e-5

    def __post_init__(self) -> None:
        # types first (a complex, a string or an array would pass or break the range checks)
        for name in ("lr", "weight_decay", "warmup_frac", "grad_clip", "eval_frac", "centering",
                     "ratings_weight", "encoder_lr"):
            V.number(getattr(self, name), f"TrainConfig.{name}")
        V.number(self.maxmin_temperature, "TrainConfig.maxmin_temperature", none=True)
        for name in ("batch_size", "epochs", "patience"):
            V.count(getattr(self, name), f"TrainConfig.{name}", least=-(2**63))
        for name in ("steps", "eval_every"):
            if getattr(self, name) is not None:
                V.count(getattr(self, name), f"TrainConfig.{name}")
        V.seed(self.seed, "TrainConfig.seed")
        V.threads(self.threads)
        V.text(self.margin_column, "TrainConfig.margin_column", none=True)
        V.option(self.amp, "TrainConfig.amp", ("none", "bf16", "fp16"))
        V.option(self.device, "TrainConfig.device", ("auto", "cpu", "cuda"))
        V.instance(self.progress, bool, "TrainConfig.progress")
        checks = [("lr", self.lr > 0), ("batch_size", self.batch_size >= 1),
                  ("epochs", self.epochs >= 1), ("steps", self.steps is None or self.steps >= 1),
                  ("warmup_frac", 0 <= self.warmup_frac < 1), ("grad_clip", self.grad_clip > 0),
                  ("eval_frac", 0 <= self.eval_frac < 1), ("patience", self.patience >= 1),
                  ("centering", self.centering >= 0),
                  ("maxmin_temperature", self.maxmin_temperature is None
                   or self.maxmin_temperature > 0),
                  ("amp", self.amp in ("none", "bf16", "fp16")),
                  ("device", self.device in ("auto", "cpu", "cuda")),
                  ("threads", self.threads is None or self.threads >= 1),
                  ("encoder_lr", self.encoder_lr > 0)]
        for name, ok in checks:
            if not ok:
                raise InputError(f"TrainConfig.{name}={getattr(self, name)!r} is out of range")


def _dist() -> tuple[int, int]:
    return int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))


class _TextLookup:
    """Stands in for the embedding matrix when the encoder is fine-tuned: rows -> encoder(texts)."""

    def __init__(self, encoder: Any, texts: list[str]) -> None:
        self.encoder, self.texts = encoder, texts

    def __getitem__(self, rows: Any) -> Any:
        return self.encoder([self.texts[i] for i in rows.tolist()])


def _select(mean: Any, logvar: Any, obj: Any) -> tuple[Any, Any]:
    """Pick each row's objective: (B, K, O) -> (B, K)."""
    idx = obj.view(-1, 1, 1).expand(-1, mean.shape[1], 1)
    m = mean.gather(2, idx)[..., 0]
    v = None if logvar is None else logvar.gather(2, idx)[..., 0]
    return m, v


class RewardTrainer:
    """Fit a :class:`RewardModel` on comparisons and/or ratings (see module docstring)."""

    def __init__(self, model: RewardModel, config: TrainConfig | None = None) -> None:
        if not isinstance(model, RewardModel):
            raise InputError("RewardTrainer needs a pluralign.reward.RewardModel")
        V.instance(config, TrainConfig, "config", none=True)
        self.model = model
        self.config = config or TrainConfig()
        self.history: list[dict] = []
        self.best_eval: dict | None = None

    # -------------------------------------------------------------- helpers
    @staticmethod
    def _batch(enc: Encoded, rows: np.ndarray, mat: Any, dev: Any) -> dict:
        t = {"a": mat[torch.as_tensor(enc.a[rows])],
             "obj": torch.as_tensor(enc.objective[rows]),
             "slot": torch.as_tensor(enc.slot[rows]),
             "lg": torch.as_tensor(enc.loss_group[rows]),
             "w": torch.as_tensor(enc.weight[rows])}
        if enc.b is not None and enc.tie is not None:
            t["b"] = mat[torch.as_tensor(enc.b[rows])]
            t["tie"] = torch.as_tensor(enc.tie[rows])
        if enc.target is not None:
            t["y"] = torch.as_tensor(enc.target[rows])
        if enc.context is not None:
            t["ctx"] = torch.as_tensor(enc.context[rows])
        if enc.prompt is not None:
            t["px"] = mat[torch.as_tensor(enc.prompt[rows])]
        if enc.margin is not None:
            t["margin"] = torch.as_tensor(enc.margin[rows])
        return {k: v.to(dev) for k, v in t.items()}

    def _row_losses(self, net: Any, t: dict) -> Any:
        """Per-row loss (averaged over ensemble members) for a comparisons batch."""
        cfg = self.model.config
        n = t["a"].shape[0]
        x = torch.cat([t["a"], t["b"]])
        slot = torch.cat([t["slot"], t["slot"]])
        ctx = torch.cat([t["ctx"], t["ctx"]]) if "ctx" in t else None
        px = torch.cat([t["px"], t["px"]]) if "px" in t else None
        mean, logvar = net(x, slot if cfg.n_slots > 1 else None, px, ctx)
        obj = torch.cat([t["obj"], t["obj"]])
        m, v = _select(mean.float(), None if logvar is None else logvar.float(), obj)
        mc, mr = m[:n], m[n:]
        tie = t["tie"][:, None]
        if cfg.gaussian:
            rows = L.mean_variance_loss(mc, v[:n], mr, v[n:], tie)
        else:
            margin = t["margin"][:, None] if "margin" in t else None
            rows = L.bradley_terry_loss(mc, mr, tie, margin)
        extra = L.centering_loss(mc, mr, self.config.centering) if self.config.centering else 0.0
        return rows.mean(1), extra

    def _aggregate(self, rows: Any, t: dict) -> Any:
        w = t["w"]
        tc = self.config.maxmin_temperature
        if tc is None:
            return (rows * w).sum() / w.sum().clamp_min(1e-12)
        lg = t["lg"]
        per = []
        for g in torch.unique(lg):
            if int(g) < 0:
                continue
            mask = lg == g
            per.append((rows[mask] * w[mask]).sum() / w[mask].sum().clamp_min(1e-12))
        if not per:
            return (rows * w).sum() / w.sum().clamp_min(1e-12)
        return L.egalitarian_loss(torch.stack(per), tc)

    def _ratings_loss(self, net: Any, t: dict) -> Any:
        cfg = self.model.config
        mean, logvar = net(t["a"], t["slot"] if cfg.n_slots > 1 else None,
                           t.get("px"), t.get("ctx"))
        m, v = _select(mean.float(), None if logvar is None else logvar.float(), t["obj"])
        y = t["y"][:, None].expand_as(m)
        if cfg.gaussian:
            mask = ~torch.isnan(y)
            if not bool(mask.any()):
                return m.sum() * 0.0
            nll = 0.5 * (v + (m - torch.nan_to_num(y)) ** 2 / v.exp())
            return nll[mask].mean()
        return L.regression_loss(m, y)

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        comparisons: pl.DataFrame | None = None,
        embeddings: Any = None,
        *,
        ratings: pl.DataFrame | None = None,
        eval_comparisons: pl.DataFrame | None = None,
        encoder: Any = None,
    ) -> RewardTrainer:
        """Train in place; returns self (``history`` holds per-evaluation metrics).

        ``embeddings`` maps ids to vectors (see :mod:`pluralign.reward.data`); with ``encoder``
        (an :class:`~pluralign.reward.encoders.HFEncoder` or a local model path) the text columns
        ``prompt``/``chosen``/``rejected`` (``response`` for ratings) are embedded instead.
        """
        cfg = self.config
        if comparisons is None and ratings is None:
            raise InputError("fit needs comparisons and/or ratings")
        before = torch.get_num_threads()
        if cfg.threads is not None:
            torch.set_num_threads(cfg.threads)
        try:
            return self._fit(comparisons, embeddings, ratings, eval_comparisons, encoder)
        finally:
            torch.set_num_threads(before)

    def _fit(self, comparisons: Any, embeddings: Any, ratings: Any, eval_comparisons: Any,
             encoder: Any) -> RewardTrainer:
        cfg, mcfg = self.config, self.model.config
        rank, world = _dist()
        tuned = encoder if getattr(encoder, "frozen", True) is False else None
        if tuned is not None:
            from pluralign.reward.encoders import texts_by_id

            if world > 1:
                raise InputError("fine-tuning the encoder under DDP is not supported: embed with "
                                 "a frozen encoder, or train in one process")
            if tuned.dim != mcfg.input_dim:
                raise InputError(f"encoder width {tuned.dim} != ModelConfig.input_dim "
                                 f"{mcfg.input_dim}")
            ids, texts = texts_by_id(comparisons, ratings, eval_comparisons)
            table = EmbeddingTable({k: i for i, k in enumerate(ids)},
                                   np.zeros((len(ids), 0), np.float32))
        else:
            if embeddings is None:
                if encoder is None:
                    raise InputError("pass embeddings (id -> vector) or an encoder with text "
                                     "columns")
                from pluralign.reward.encoders import embeddings_from_texts

                embeddings = embeddings_from_texts(encoder, comparisons, ratings,
                                                   eval_comparisons)
            table = embedding_table(embeddings, mcfg.input_dim)
        torch.manual_seed(cfg.seed)
        if cfg.device == "auto":
            dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        else:
            dev = torch.device(cfg.device)
        ddp = world > 1
        if ddp:
            import torch.distributed as dist

            if not dist.is_initialized():
                backend = "nccl" if dev.type == "cuda" else "gloo"
                dist.init_process_group(backend=backend)
            if dev.type == "cuda":
                dev = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
                torch.cuda.set_device(dev)
        self.model.to(dev)
        net: Any = self.model
        if ddp:
            net = torch.nn.parallel.DistributedDataParallel(
                self.model, device_ids=[dev.index] if dev.type == "cuda" else None)
        mat: Any = torch.as_tensor(table.matrix)
        self._tuned = tuned
        if tuned is not None:
            tuned.to(dev)
            tuned.model.train()
            mat = _TextLookup(tuned, texts)

        train = ev = None
        if comparisons is not None:
            enc = encode(comparisons, mcfg, table, "comparisons", cfg.margin_column)
            if eval_comparisons is not None:
                train, ev = enc, encode(eval_comparisons, mcfg, table, "comparisons",
                                        cfg.margin_column)
            elif cfg.eval_frac > 0 and len({str(p) for p in enc.prompt_ids}) >= 2:
                tr_rows, ev_rows = prompt_split(enc.prompt_ids, cfg.eval_frac, cfg.seed)
                if len(tr_rows) == 0:
                    raise InputError("eval split left no training rows; lower eval_frac")
                train, ev = subset(enc, tr_rows), subset(enc, ev_rows)
            else:
                train = enc
        rat = encode(ratings, mcfg, table, "ratings") if ratings is not None else None
        main = train if train is not None else rat
        assert main is not None
        per_rank = math.ceil(main.n / world)
        steps_per_epoch = max(1, math.ceil(per_rank / cfg.batch_size))
        total = cfg.steps or cfg.epochs * steps_per_epoch
        total = min(total, cfg.epochs * steps_per_epoch) if cfg.steps is None else total
        eval_every = cfg.eval_every or steps_per_epoch

        groups_: list[dict] = [{"params": list(self.model.parameters())}]
        if tuned is not None:
            groups_.append({"params": [p for p in tuned.parameters() if p.requires_grad],
                            "lr": cfg.encoder_lr})
        params = [p for g in groups_ for p in g["params"]]
        use_amp = dev.type == "cuda" and cfg.amp != "none"
        try:  # fused AdamW: the same update in one kernel per step (5% of a MiniLM step on CPU)
            opt = torch.optim.AdamW(groups_, lr=cfg.lr, weight_decay=cfg.weight_decay,
                                    fused=not use_amp and dev.type in ("cpu", "cuda"))
        except (RuntimeError, TypeError):  # a torch or device without the fused kernel
            opt = torch.optim.AdamW(groups_, lr=cfg.lr, weight_decay=cfg.weight_decay)
        warm = int(cfg.warmup_frac * total)

        def lr_at(step: int) -> float:
            if step < warm:
                return (step + 1) / warm
            prog = (step - warm) / max(1, total - warm)
            return 0.5 * (1.0 + math.cos(math.pi * min(1.0, prog)))

        sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
        amp_dtype = torch.bfloat16 if cfg.amp == "bf16" else torch.float16
        scaler = torch.amp.GradScaler("cuda", enabled=use_amp and cfg.amp == "fp16")
        gen = torch.Generator().manual_seed(cfg.seed)
        rat_gen = torch.Generator().manual_seed((cfg.seed + 1) % 2**64)

        def order(n: int, g: Any, epoch: int) -> np.ndarray:
            if ddp:
                from torch.utils.data import DistributedSampler

                items: Any = range(n)
                s: Any = DistributedSampler(items, num_replicas=world, rank=rank, shuffle=True,
                                            seed=cfg.seed)
                s.set_epoch(epoch)
                return np.fromiter(iter(s), dtype=np.int64)
            return torch.randperm(n, generator=g).numpy()

        bar: Any = None
        if cfg.progress and rank == 0:
            from pluralign._extras import tqdm_or_none

            bar = tqdm_or_none(total=total, desc="reward fit", leave=False)
        best, best_state, bad, step, epoch = math.inf, None, 0, 0, 0
        best_enc: dict | None = None
        rat_perm: Any = order(rat.n, rat_gen, 0) if rat is not None else None
        rat_pos = 0
        stop = False
        self.model.train()
        while step < total and not stop:
            perm = order(main.n, gen, epoch)
            for s in range(0, max(len(perm), 1), cfg.batch_size):
                rows = perm[s:s + cfg.batch_size]
                if len(rows) == 0:
                    break
                with torch.autocast(dev.type, dtype=amp_dtype, enabled=use_amp):
                    if train is not None:
                        t = self._batch(train, rows, mat, dev)
                        row_loss, extra = self._row_losses(net, t)
                        loss = self._aggregate(row_loss, t) + extra
                        if rat is not None:
                            if rat_pos >= len(rat_perm):
                                rat_perm, rat_pos = order(rat.n, rat_gen, epoch + 1), 0
                            rr = rat_perm[rat_pos:rat_pos + cfg.batch_size]
                            rat_pos += cfg.batch_size
                            loss = loss + cfg.ratings_weight * self._ratings_loss(
                                net, self._batch(rat, rr, mat, dev))
                    else:
                        assert rat is not None
                        loss = self._ratings_loss(net, self._batch(rat, rows, mat, dev))
                opt.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.unscale_(opt)
                torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
                scaler.step(opt)
                scaler.update()
                sched.step()
                step += 1
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=float(loss.detach()))
                if step % eval_every == 0 or step == total:
                    rec: dict[str, Any] = {"step": step, "train_loss": float(loss.detach())}
                    if ev is not None:
                        rec.update(self._eval_loss(ev, mat, dev))
                        if rec["eval_loss"] < best - 1e-6:
                            best, bad = rec["eval_loss"], 0
                            best_state = {k: v.detach().clone()
                                          for k, v in self.model.state_dict().items()}
                            if tuned is not None:
                                best_enc = {k: v.detach().clone()
                                            for k, v in tuned.state_dict().items()}
                        else:
                            bad += 1
                            if bad >= cfg.patience:
                                stop = True
                    self.history.append(rec)
                if step >= total or stop:
                    break
            epoch += 1
        if bar is not None:
            bar.close()
        if tuned is not None:
            tuned.model.eval()
            if best_enc is not None:
                tuned.load_state_dict(best_enc)
        if best_state is not None:
            self.model.load_state_dict(best_state)
            self.best_eval = min((h for h in self.history if "eval_loss" in h),
                                 key=lambda h: h["eval_loss"])
        self.model.eval()
        return self

    def save(self, path: str | Path) -> Path:
        """Checkpoint: the model (safetensors + config.json) plus ``train.json`` (TrainConfig and
        history). Under DDP only rank 0 writes."""
        out = V.path(path, "path")
        if _dist()[0] != 0:
            return out
        self.model.save(out)
        (out / "train.json").write_text(json.dumps({"train": config_dict(self.config),
                                                    "history": self.history}, indent=2))
        return out

    @classmethod
    def load(cls, path: str | Path) -> RewardTrainer:
        """A trainer with the model and TrainConfig written by :meth:`save`."""
        p = V.path(path, "path")
        model = RewardModel.load(p)
        meta = V.json_file(p / "train.json", "RewardTrainer.load") \
            if (p / "train.json").is_file() else {"train": {}, "history": []}
        if not (isinstance(meta, dict) and isinstance(meta.get("train"), dict)
                and set(meta["train"]) <= set(TrainConfig.__dataclass_fields__)
                and isinstance(meta.get("history", []), list)):
            raise InputError(f"{p / 'train.json'} does not hold a pluralign TrainConfig")
        trainer = cls(model, TrainConfig(**meta["train"]))
        trainer.history = list(meta["history"])
        return trainer

    def _eval_loss(self, ev: Encoded, mat: Any, dev: Any) -> dict:
        tuned = getattr(self, "_tuned", None)
        if tuned is not None:
            tuned.model.eval()
        self.model.eval()
        tot, n = 0.0, 0.0
        with torch.inference_mode():
            for s in range(0, ev.n, 4096):
                rows = np.arange(s, min(ev.n, s + 4096))
                t = self._batch(ev, rows, mat, dev)
                rl, _ = self._row_losses(self.model, t)
                tot += float((rl * t["w"]).sum())
                n += float(t["w"].sum())
        self.model.train()
        if tuned is not None:
            tuned.model.train()
        return {"eval_loss": tot / max(n, 1e-12)}


# -------------------------------------------------------------------------- evaluation


def _ece(p: np.ndarray, n_bins: int) -> float:
    """Expected calibration error (Guo et al., 2017) of binary preference probabilities.

    Confidence ``c = max(p, 1-p)``, correctness ``p > 0.5`` (the chosen side is the truth);
    ``ECE = sum_b |B_b|/N * |acc(B_b) - conf(B_b)|`` over ``n_bins`` equal-width bins of
    ``c`` in [0.5, 1].
    """
    if len(p) == 0:
        return float("nan")
    conf = np.maximum(p, 1 - p)
    correct = (p > 0.5).astype(float)
    edges = np.linspace(0.5, 1.0, n_bins + 1)
    b = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, n_bins - 1)
    ece = 0.0
    for k in range(n_bins):
        m = b == k
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(ece)


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho: Pearson correlation of average ranks (ties share their mean rank)."""
    ra = pl.Series(a).rank("average").to_numpy().astype(float)
    rb = pl.Series(np.asarray(b, dtype=float)).rank("average").to_numpy().astype(float)
    if len(ra) < 2 or ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def evaluate(
    model: RewardModel,
    comparisons: pl.DataFrame,
    embeddings: Any = None,
    *,
    encoder: Any = None,
    ground_truth: pl.DataFrame | None = None,
    n_bins: int = 10,
) -> dict:
    """Pairwise accuracy per objective and per group, worst-group accuracy, ECE, Spearman.

    Ties are excluded from accuracy and ECE. Accuracy counts a pair correct when
    ``r_chosen > r_rejected`` (mean over ensemble members). The preference probability is
    ``sigmoid(diff)`` (``Phi(diff / sd)`` for a Gaussian head). ``ground_truth``: a table with a
    ``response_id`` column and one score column per objective; the Spearman rank correlation of
    the model's mean reward with each is reported.

    Returns ``{"accuracy", "n", "by_objective": DataFrame, "by_group": DataFrame,
    "worst_group_accuracy", "ece", "spearman": {objective: rho}}``.
    """
    V.instance(model, RewardModel, "model")
    V.count(n_bins, "n_bins", most=10**6)
    mcfg = model.config
    if embeddings is None:
        if encoder is None:
            raise InputError("pass embeddings (id -> vector) or an encoder with text columns")
        from pluralign.reward.encoders import embeddings_from_texts

        embeddings = embeddings_from_texts(encoder, comparisons, None, None)
    table = embedding_table(embeddings, mcfg.input_dim)
    enc = encode(comparisons, mcfg, table, "comparisons")
    dev = next(model.parameters()).device
    mat = torch.as_tensor(table.matrix)
    diffs, scales = [], []
    model.eval()
    with torch.inference_mode():
        for s in range(0, enc.n, 4096):
            rows = np.arange(s, min(enc.n, s + 4096))
            t = RewardTrainer._batch(enc, rows, mat, dev)
            n = len(rows)
            x = torch.cat([t["a"], t["b"]])
            slot = torch.cat([t["slot"], t["slot"]]) if mcfg.n_slots > 1 else None
            ctx = torch.cat([t["ctx"], t["ctx"]]) if "ctx" in t else None
            px = torch.cat([t["px"], t["px"]]) if "px" in t else None
            mean, logvar = model(x, slot, px, ctx)
            m, v = _select(mean.float(), None if logvar is None else logvar.float(),
                           torch.cat([t["obj"], t["obj"]]))
            d = (m[:n] - m[n:]).mean(1)
            diffs.append(d.cpu().numpy())
            if v is not None:
                scales.append((v[:n].exp() + v[n:].exp()).mean(1).sqrt().cpu().numpy())
    diff = np.concatenate(diffs)
    if scales:
        prob = torch.special.ndtr(torch.as_tensor(diff / np.concatenate(scales),
                                                  dtype=torch.float64)).numpy()
    else:
        prob = 1.0 / (1.0 + np.exp(-diff))
    assert enc.tie is not None
    keep = ~enc.tie
    correct = (diff > 0).astype(float)
    obj_names = mcfg.output_names
    frame = pl.DataFrame({
        "objective": [obj_names[i] for i in enc.objective[keep]],
        "group": [enc.loss_group_names[g] if g >= 0 else None for g in enc.loss_group[keep]],
        "correct": correct[keep],
    })
    by_obj = (frame.group_by("objective").agg(pl.len().alias("n"),
                                              pl.col("correct").mean().alias("accuracy"))
              .sort("objective"))
    by_group = (frame.filter(pl.col("group").is_not_null())
                .group_by("group").agg(pl.len().alias("n"),
                                       pl.col("correct").mean().alias("accuracy"))
                .sort("group"))
    out: dict[str, Any] = {
        "n": int(keep.sum()),
        "accuracy": float(correct[keep].mean()) if keep.any() else float("nan"),
        "by_objective": by_obj,
        "by_group": by_group,
        "worst_group_accuracy": (float(by_group["accuracy"].to_numpy().min())
                                 if by_group.height else None),
        "ece": _ece(prob[keep], n_bins),
        "spearman": {},
    }
    if ground_truth is not None:
        if "response_id" not in ground_truth.columns:
            raise InputError("ground_truth needs a 'response_id' column")
        rows = table.rows(ground_truth["response_id"].to_list(), "ground_truth.response_id")
        mu, _ = model.predict(table.matrix[rows])
        for j, name in enumerate(obj_names):
            if name in ground_truth.columns:
                out["spearman"][name] = _spearman(mu[:, j], ground_truth[name].to_numpy())
    return out


def config_dict(cfg: TrainConfig) -> dict:
    """The TrainConfig as a JSON-friendly dict (without history)."""
    return asdict(cfg)


__all__ = ["RewardTrainer", "TrainConfig", "evaluate"]
