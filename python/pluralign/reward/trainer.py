"""Training and evaluation of :class:`~pluralign.reward.model.RewardModel`.

``RewardTrainer(model, TrainConfig(...)).fit(comparisons=..., ratings=..., embeddings=...)``:
AdamW, linear warm-up then cosine decay (Loshchilov & Hutter, 2017/2019), gradient-norm
clipping, early stopping on a prompt-disjoint eval split, tqdm progress, seeded and
deterministic on CPU, bf16/fp16 autocast on CUDA only, and torch DDP when launched with
``torchrun`` (``RANK``/``WORLD_SIZE`` set: gloo on CPU, nccl on GPU, DistributedSampler).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from pluralign import _validate as _v
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
    passed with ``freeze=False`` or ``lora=...`` (fine-tuned together with the heads).
    ``grad_accum``: micro-batches of ``batch_size`` rows whose gradients are summed before
    one optimiser step (effective batch ``batch_size * grad_accum``; ``steps`` counts optimiser
    steps). Under DDP ``batch_size`` is the global batch, split evenly over the processes, so
    the same config gives the same training with one process or several.

    ``seed`` fixes everything: a fresh model's weights are re-drawn from it at the start of
    ``fit`` (a loaded or already trained model continues from its weights), then the eval
    split and the batch order.
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
    grad_accum: int = 1

    def __post_init__(self) -> None:
        # types first (a complex, a string or an array would pass or break the range checks)
        for name in (
            "lr",
            "weight_decay",
            "warmup_frac",
            "grad_clip",
            "eval_frac",
            "centering",
            "ratings_weight",
            "encoder_lr",
        ):
            _v.number(getattr(self, name), f"TrainConfig.{name}")
        _v.number(self.maxmin_temperature, "TrainConfig.maxmin_temperature", none=True)
        for name in ("batch_size", "epochs", "patience"):
            _v.count(getattr(self, name), f"TrainConfig.{name}", least=-(2**63))
        for name in ("steps", "eval_every"):
            if getattr(self, name) is not None:
                _v.count(getattr(self, name), f"TrainConfig.{name}")
        _v.seed(self.seed, "TrainConfig.seed")
        _v.threads(self.threads)
        _v.text(self.margin_column, "TrainConfig.margin_column", none=True)
        _v.option(self.amp, "TrainConfig.amp", ("none", "bf16", "fp16"))
        _v.option(self.device, "TrainConfig.device", ("auto", "cpu", "cuda"))
        _v.instance(self.progress, bool, "TrainConfig.progress")
        checks = [
            ("lr", self.lr > 0),
            ("batch_size", self.batch_size >= 1),
            ("epochs", self.epochs >= 1),
            ("steps", self.steps is None or self.steps >= 1),
            ("warmup_frac", 0 <= self.warmup_frac < 1),
            ("grad_clip", self.grad_clip > 0),
            ("eval_frac", 0 <= self.eval_frac < 1),
            ("patience", self.patience >= 1),
            ("centering", self.centering >= 0),
            ("maxmin_temperature", self.maxmin_temperature is None or self.maxmin_temperature > 0),
            ("amp", self.amp in ("none", "bf16", "fp16")),
            ("device", self.device in ("auto", "cpu", "cuda")),
            ("threads", self.threads is None or self.threads >= 1),
            ("encoder_lr", self.encoder_lr > 0),
            ("grad_accum", isinstance(self.grad_accum, int) and self.grad_accum >= 1),
            # seeds are offset per epoch: keep them well inside torch's 64-bit range
            (
                "seed",
                isinstance(self.seed, int)
                and not isinstance(self.seed, bool)
                and 0 <= self.seed < 2**62,
            ),
        ]
        for name, ok in checks:
            if not ok:
                raise InputError(f"TrainConfig.{name}={getattr(self, name)!r} is out of range")


def _dist() -> tuple[int, int]:
    return int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))


class _RowIds:
    """Stands in for the embedding matrix when the encoder is fine-tuned: the batch carries row
    numbers, and :class:`_Joint` embeds their texts inside the (DDP-wrapped) forward pass."""

    def __getitem__(self, rows: Any) -> Any:
        return rows


class _Joint(torch.nn.Module):  # type: ignore[name-defined,misc]
    """Encoder + reward model as one module, so DDP all-reduces the encoder's gradients too."""

    def __init__(self, model: RewardModel, encoder: Any, items: list[Any]) -> None:
        super().__init__()
        self.model, self.encoder, self.items = model, encoder, items

    def _embed(self, rows: Any) -> Any:
        if rows is None:
            return None
        out = self.encoder([self.items[i] for i in rows.tolist()])
        wide = getattr(self.encoder, "pair_dim", out.shape[1])
        if out.shape[1] < wide and any(isinstance(t, tuple) for t in self.items):
            out = torch.cat([out] * (wide // out.shape[1]), dim=1)  # texts as wide as pairs
        return out

    def forward(
        self,
        x: Any,
        slot: Any = None,
        gate_x: Any = None,
        context: Any = None,
        also_population: bool = False,
    ) -> Any:
        return self.model(self._embed(x), slot, self._embed(gate_x), context, also_population)


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
        _v.instance(config, TrainConfig, "config", none=True)
        self.model = model
        self.config = config or TrainConfig()
        self.history: list[dict] = []
        self.best_eval: dict | None = None

    # -------------------------------------------------------------- helpers
    @staticmethod
    def _batch(enc: Encoded, rows: np.ndarray, mat: Any, dev: Any) -> dict:
        t = {
            "a": mat[torch.as_tensor(enc.a[rows])],
            "obj": torch.as_tensor(enc.objective[rows]),
            "slot": torch.as_tensor(enc.slot[rows]),
            "lg": torch.as_tensor(enc.loss_group[rows]),
            "w": torch.as_tensor(enc.weight[rows]),
        }
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

    def _with_population(self) -> bool:
        cfg = self.model.config
        return bool(cfg.groups) and cfg.population_head

    def _run_net(self, net: Any, x: Any, slot: Any, px: Any, ctx: Any, obj: Any) -> Any:
        """Each row's (mean, logvar) at its own head slot, and at the population slot when the
        model has one (so the population head learns from grouped rows too)."""
        cfg = self.model.config
        pop = self._with_population()
        res = net(x, slot if cfg.n_slots > 1 else None, px, ctx, pop)
        own, popr = res if pop else (res, None)

        def pick(mv: Any) -> Any:
            mean, logvar = mv
            return _select(mean.float(), None if logvar is None else logvar.float(), obj)

        return pick(own), (pick(popr) if popr is not None else None)

    def _pair_rows(self, m: Any, v: Any, n: int, t: dict) -> Any:
        mc, mr = m[:n], m[n:]
        tie = t["tie"][:, None]
        if self.model.config.gaussian:
            return L.mean_variance_loss(mc, v[:n], mr, v[n:], tie).mean(1)
        margin = t["margin"][:, None] if "margin" in t else None
        return L.bradley_terry_loss(mc, mr, tie, margin).mean(1)

    def _grouped(self, t: dict) -> Any:
        """Weights of the rows that have a group (their own slot is not the population's)."""
        return t["w"] * (t["slot"] != self.model.config.n_slots - 1).to(t["w"].dtype)

    def _row_losses(self, net: Any, t: dict) -> Any:
        """Per-row loss (averaged over ensemble members) for a comparisons batch, and the extra
        terms (centering; the population head's loss on grouped rows)."""
        n = t["a"].shape[0]
        x = torch.cat([t["a"], t["b"]])
        slot = torch.cat([t["slot"], t["slot"]])
        ctx = torch.cat([t["ctx"], t["ctx"]]) if "ctx" in t else None
        px = torch.cat([t["px"], t["px"]]) if "px" in t else None
        obj = torch.cat([t["obj"], t["obj"]])
        (m, v), popr = self._run_net(net, x, slot, px, ctx, obj)
        rows = self._pair_rows(m, v, n, t)
        extra: Any = 0.0
        if self.config.centering:
            extra = L.centering_loss(m[:n], m[n:], self.config.centering)
        if popr is not None:
            pm, pv = popr
            extra = extra + (self._pair_rows(pm, pv, n, t) * self._grouped(t)).sum() / t[
                "w"
            ].sum().clamp_min(1e-12)
        return rows, extra

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
        (m, v), popr = self._run_net(net, t["a"], t["slot"], t.get("px"), t.get("ctx"), t["obj"])
        loss = self._rating_rows(m, v, t, None)
        if popr is not None:
            pm, pv = popr
            loss = loss + self._rating_rows(pm, pv, t, t["slot"] != self.model.config.n_slots - 1)
        return loss

    def _rating_rows(self, m: Any, v: Any, t: dict, rows: Any) -> Any:
        y = t["y"][:, None].expand_as(m)
        if rows is not None:  # only these rows count (NaN labels are masked out)
            y = torch.where(rows[:, None], y, torch.full_like(y, float("nan")))
        if not self.model.config.gaussian:
            return L.regression_loss(m, y)
        mask = ~torch.isnan(y)
        if not bool(mask.any()):
            return m.sum() * 0.0
        nll = 0.5 * (v + (m - torch.nan_to_num(y)) ** 2 / v.exp())
        return nll[mask].mean()

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

    def _fit(
        self, comparisons: Any, embeddings: Any, ratings: Any, eval_comparisons: Any, encoder: Any
    ) -> RewardTrainer:
        cfg, mcfg = self.config, self.model.config
        rank, world = _dist()
        if cfg.batch_size % world:
            raise InputError(
                f"TrainConfig.batch_size={cfg.batch_size} is the global batch and "
                f"must be a multiple of the {world} DDP processes"
            )
        tuned = encoder if getattr(encoder, "frozen", True) is False else None
        items: list[Any] = []
        if tuned is not None:
            from pluralign.reward.encoders import texts_by_id

            ids, items = texts_by_id(
                comparisons,
                ratings,
                eval_comparisons,
                prompt_aware=getattr(tuned, "prompt_aware", True),
                prompts=mcfg.reads_prompt,
            )
            width = tuned.pair_dim if any(isinstance(t, tuple) for t in items) else tuned.dim
            if width != mcfg.input_dim:
                raise InputError(
                    f"encoder width {width} != ModelConfig.input_dim "
                    f"{mcfg.input_dim} (a (prompt, response) pair is "
                    "encoder.pair_dim wide, a text encoder.dim)"
                )
            table = EmbeddingTable(
                {k: i for i, k in enumerate(ids)}, np.zeros((len(ids), 0), np.float32)
            )
        else:
            if embeddings is None:
                if encoder is None:
                    raise InputError(
                        "pass embeddings (id -> vector) or an encoder with text columns"
                    )
                from pluralign.reward.encoders import embeddings_from_texts

                embeddings = embeddings_from_texts(
                    encoder, comparisons, ratings, eval_comparisons, prompts=mcfg.reads_prompt
                )
            table = embedding_table(embeddings, mcfg.input_dim)
        if not getattr(self.model, "trained", True):
            self.model.reset_parameters(cfg.seed)  # the seed alone fixes the initial weights
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
        mat: Any = torch.as_tensor(table.matrix)
        plain: Any = self.model
        if tuned is not None:
            tuned.to(dev)
            tuned.model.train()
            mat = _RowIds()
            plain = _Joint(self.model, tuned, items)
        self._plain = plain
        net: Any = plain
        if ddp:
            net = torch.nn.parallel.DistributedDataParallel(
                plain, device_ids=[dev.index] if dev.type == "cuda" else None
            )

        train = ev = None
        if comparisons is not None:
            enc = encode(comparisons, mcfg, table, "comparisons", cfg.margin_column)
            if eval_comparisons is not None:
                ev = encode(eval_comparisons, mcfg, table, "comparisons", cfg.margin_column)
            train, ev = _split(enc, ev, cfg)
        rat = rat_ev = None
        if ratings is not None:
            rat = encode(ratings, mcfg, table, "ratings")
            if train is None:  # ratings only: they get the eval split and early stopping
                rat, rat_ev = _split(rat, None, cfg)
        main = train if train is not None else rat
        assert main is not None
        per_rank_batch = cfg.batch_size // world
        per_rank = math.ceil(main.n / world)
        micro_per_epoch = max(1, math.ceil(per_rank / per_rank_batch))
        steps_per_epoch = max(1, math.ceil(micro_per_epoch / cfg.grad_accum))
        total = cfg.steps or cfg.epochs * steps_per_epoch
        total = min(total, cfg.epochs * steps_per_epoch) if cfg.steps is None else total
        eval_every = cfg.eval_every or steps_per_epoch

        groups_: list[dict] = [{"params": list(self.model.parameters())}]
        if tuned is not None:
            groups_.append(
                {"params": [p for p in tuned.parameters() if p.requires_grad], "lr": cfg.encoder_lr}
            )
        params = [p for g in groups_ for p in g["params"]]
        use_amp = dev.type == "cuda" and cfg.amp != "none"
        try:  # fused AdamW: the same update in one kernel per step (5% of a MiniLM step on CPU)
            opt = torch.optim.AdamW(
                groups_,
                lr=cfg.lr,
                weight_decay=cfg.weight_decay,
                fused=not use_amp and dev.type in ("cpu", "cuda"),
            )
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

        def order(n: int, seed: int) -> np.ndarray:
            """This process's share of a seeded permutation. The global batch ``s`` is
            ``perm[s*B:(s+1)*B]`` whatever the number of processes (the process ``r`` takes
            ``perm[r::world]``, padded by wrapping around like DistributedSampler)."""
            perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).numpy()
            if world > 1:
                pad = (-n) % world
                perm = np.concatenate([perm, perm[:pad]])[rank::world]
            return perm

        bar: Any = None
        if cfg.progress and rank == 0:
            from pluralign._extras import tqdm_or_none

            bar = tqdm_or_none(total=total, desc="reward fit", leave=False)
        best, best_state, bad, step, epoch = math.inf, None, 0, 0, 0
        best_enc: dict | None = None
        rat_pass = 0
        rat_perm: Any = order(rat.n, cfg.seed + 1_000_003) if rat is not None else None
        rat_pos = 0
        stop = False
        val = ev if ev is not None else rat_ev
        self.model.train()
        while step < total and not stop:
            perm = order(main.n, cfg.seed + epoch)
            micro = [perm[s : s + per_rank_batch] for s in range(0, len(perm), per_rank_batch)]
            for g0 in range(0, len(micro), cfg.grad_accum):
                group = [r for r in micro[g0 : g0 + cfg.grad_accum] if len(r)]
                if not group:
                    break
                opt.zero_grad(set_to_none=True)
                for i, rows in enumerate(group):
                    sync = i == len(group) - 1 or not ddp
                    with (
                        contextlib.nullcontext() if sync else net.no_sync(),
                        torch.autocast(dev.type, dtype=amp_dtype, enabled=use_amp),
                    ):
                        if train is not None:
                            t = self._batch(train, rows, mat, dev)
                            row_loss, extra = self._row_losses(net, t)
                            loss = self._aggregate(row_loss, t) + extra
                            if rat is not None:
                                if rat_pos >= len(rat_perm):
                                    rat_pass += 1
                                    rat_perm = order(rat.n, cfg.seed + 1_000_003 + rat_pass)
                                    rat_pos = 0
                                rr = rat_perm[rat_pos : rat_pos + per_rank_batch]
                                rat_pos += per_rank_batch
                                loss = loss + cfg.ratings_weight * self._ratings_loss(
                                    net, self._batch(rat, rr, mat, dev)
                                )
                        else:
                            assert rat is not None
                            loss = self._ratings_loss(net, self._batch(rat, rows, mat, dev))
                        scaler.scale(loss / len(group)).backward()
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
                    if val is not None:
                        rec.update(self._eval_loss(val, mat, dev))
                        if rec["eval_loss"] < best - 1e-6:
                            best, bad = rec["eval_loss"], 0
                            best_state = {
                                k: v.detach().clone() for k, v in self.model.state_dict().items()
                            }
                            if tuned is not None:
                                best_enc = {
                                    k: v.detach().clone() for k, v in tuned.state_dict().items()
                                }
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
            self.best_eval = min(
                (h for h in self.history if "eval_loss" in h), key=lambda h: h["eval_loss"]
            )
        self.model.trained = True
        self.model.eval()
        return self

    def save(self, path: str | Path) -> Path:
        """Checkpoint: the model (safetensors + config.json) plus ``train.json`` (TrainConfig and
        history). Under DDP only rank 0 writes."""
        out = _v.path(path, "path")
        if _dist()[0] != 0:
            return out
        self.model.save(out)
        (out / "train.json").write_text(
            json.dumps({"train": config_dict(self.config), "history": self.history}, indent=2)
        )
        return out

    @classmethod
    def load(cls, path: str | Path) -> RewardTrainer:
        """A trainer with the model and TrainConfig written by :meth:`save`."""
        p = _v.path(path, "path")
        model = RewardModel.load(p)
        meta = (
            _v.json_file(p / "train.json", "RewardTrainer.load")
            if (p / "train.json").is_file()
            else {"train": {}, "history": []}
        )
        if not (
            isinstance(meta, dict)
            and isinstance(meta.get("train"), dict)
            and set(meta["train"]) <= set(TrainConfig.__dataclass_fields__)
            and isinstance(meta.get("history", []), list)
        ):
            raise InputError(f"{p / 'train.json'} does not hold a pluralign TrainConfig")
        trainer = cls(model, TrainConfig(**meta["train"]))
        trainer.history = list(meta["history"])
        return trainer

    def _eval_loss(self, ev: Encoded, mat: Any, dev: Any) -> dict:
        """Weighted mean loss on the eval split (pairs: BT / Gaussian; ratings: MSE / NLL)."""
        plain: Any = getattr(self, "_plain", self.model)
        plain.eval()
        tot, n = 0.0, 0.0
        chunk = 4096 if plain is self.model else 64
        with torch.inference_mode():
            for s in range(0, ev.n, chunk):
                rows = np.arange(s, min(ev.n, s + chunk))
                t = self._batch(ev, rows, mat, dev)
                if ev.b is None:
                    tot += float(self._ratings_loss(plain, t)) * len(rows)
                    n += len(rows)
                    continue
                rl, _ = self._row_losses(plain, t)
                tot += float((rl * t["w"]).sum())
                n += float(t["w"].sum())
        plain.train()
        return {"eval_loss": tot / max(n, 1e-12)}


def _split(enc: Encoded, ev: Encoded | None, cfg: TrainConfig) -> tuple[Encoded, Encoded | None]:
    """Train and eval parts: the given eval table, else a prompt-disjoint ``eval_frac`` split."""
    if ev is not None:
        return enc, ev
    if cfg.eval_frac > 0 and len({str(p) for p in enc.prompt_ids}) >= 2:
        tr_rows, ev_rows = prompt_split(enc.prompt_ids, cfg.eval_frac, cfg.seed)
        if len(tr_rows) == 0:
            raise InputError("eval split left no training rows; lower eval_frac")
        return subset(enc, tr_rows), subset(enc, ev_rows)
    return enc, None


def config_dict(cfg: TrainConfig) -> dict:
    """The TrainConfig as a JSON-friendly dict (without history)."""
    return asdict(cfg)


__all__ = ["RewardTrainer", "TrainConfig"]
