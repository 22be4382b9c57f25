"""Reward models: one trunk, composable heads (vector, group-conditioned, gated, uncertainty).

A :class:`RewardModel` maps an embedding (of a response, or of prompt + response) to rewards:

- **vector head**: one reward per objective (``objectives``);
- **group-conditioned head**: a reward per (group, objective) over the shared trunk, plus an
  optional population head used for rows without a group (pluralistic reward modelling,
  Sorensen et al., 2024, "A Roadmap to Pluralistic Alignment");
- **context-gated mixture** (ArmoRM, Wang et al., 2024, "Interpretable Preferences via
  Multi-Objective Reward Modeling and Mixture-of-Experts"): a softmax gate over the objectives,
  conditioned on the prompt embedding (``gate="prompt"``) or an explicit context id
  (``gate="context"``); the mixed reward is an extra output named ``gated_name`` and the gate
  weights are returned by :meth:`RewardModel.gate_weights`;
- **uncertainty**: a deep ensemble of ``n_members`` independently initialised trunks + heads
  (Lakshminarayanan et al., 2017) and/or a mean-variance Gaussian head (each output is a mean
  and a log-variance). :meth:`RewardModel.score` returns mean and standard deviation per output.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pluralign import _validate as _v
from pluralign.errors import InputError
from pluralign.reward._deps import require

torch = require("torch")
nn = torch.nn

_UNCERTAINTY = ("none", "ensemble", "gaussian", "ensemble+gaussian")
_GATES = ("none", "prompt", "context")


# widths and ensemble sizes beyond this would allocate far more than any CPU/GPU holds
_MAX_WIDTH = 1 << 20


@dataclass
class ModelConfig:
    """Shape of a :class:`RewardModel` (JSON-serialisable; saved next to the weights).

    input_dim: embedding width. objectives: names of the reward outputs. hidden: trunk widths
    (``()`` gives a linear model, e.g. one parameter per grid point on one-hot inputs).
    groups: group names for a group-conditioned head (empty: not group-conditioned).
    population_head: with groups, also learn a population reward used when the group is null.
    gate: "none", "prompt" or "context"; contexts: names for ``gate="context"``;
    prompt_input: the trunk reads ``[response embedding, prompt embedding]`` (the ``prompt_id``
    embedding), for precomputed embeddings that carry the prompt separately; a linear model
    (``hidden=[]``) cannot use it (the prompt part cancels in ``r_chosen - r_rejected``).
    gate_input_dim: width of the prompt embedding (default input_dim); gated_name: name of the
    mixed output. uncertainty: "none", "ensemble", "gaussian" or "ensemble+gaussian";
    n_members: ensemble size (default 5 for ensembles, else 1).
    """

    input_dim: int
    objectives: list[str] = field(default_factory=lambda: ["overall"])
    hidden: list[int] = field(default_factory=lambda: [256])
    dropout: float = 0.0
    groups: list[str] = field(default_factory=list)
    population_head: bool = True
    gate: str = "none"
    contexts: list[str] = field(default_factory=list)
    gate_input_dim: int | None = None
    prompt_input: bool = False
    gated_name: str = "gated"
    uncertainty: str = "none"
    n_members: int | None = None

    def __post_init__(self) -> None:
        # names stay strings and widths ints (a str() / int() cast would turn bytes, floats or
        # a bare string into something else silently); the model's size is bounded
        self.objectives = _v.strings(self.objectives, "ModelConfig.objectives") or []
        self.groups = _v.strings(self.groups, "ModelConfig.groups") or []
        self.contexts = _v.strings(self.contexts, "ModelConfig.contexts") or []
        if not isinstance(self.hidden, (list, tuple)):
            raise InputError(f"ModelConfig.hidden must be a list of widths, got {self.hidden!r}")
        self.hidden = [
            _v.count(h, "ModelConfig.hidden width", most=_MAX_WIDTH) for h in self.hidden
        ]
        self.input_dim = _v.count(self.input_dim, "ModelConfig.input_dim", most=_MAX_WIDTH)
        if self.gate_input_dim is not None:
            self.gate_input_dim = _v.count(
                self.gate_input_dim, "ModelConfig.gate_input_dim", most=_MAX_WIDTH
            )
        _v.number(self.dropout, "ModelConfig.dropout", lo=0, hi=1, hi_open=True)
        _v.instance(self.population_head, bool, "ModelConfig.population_head")
        _v.text(self.gated_name, "ModelConfig.gated_name")
        _v.option(self.uncertainty, "ModelConfig.uncertainty", _UNCERTAINTY)
        _v.option(self.gate, "ModelConfig.gate", _GATES)
        if self.n_members is not None:
            self.n_members = _v.count(self.n_members, "ModelConfig.n_members", most=1024)
        if not self.objectives:
            raise InputError("ModelConfig.objectives is empty: name at least one objective")
        for name, values in (
            ("objectives", self.objectives),
            ("groups", self.groups),
            ("contexts", self.contexts),
        ):
            if len(set(values)) != len(values):
                raise InputError(f"ModelConfig.{name} has duplicates: {values}")
        if any(h < 1 for h in self.hidden):
            raise InputError(f"ModelConfig.hidden widths must be >= 1, got {self.hidden}")
        if self.uncertainty not in _UNCERTAINTY:
            raise InputError(
                f"ModelConfig.uncertainty must be one of {_UNCERTAINTY}, got {self.uncertainty!r}"
            )
        if self.gate not in _GATES:
            raise InputError(f"ModelConfig.gate must be one of {_GATES}, got {self.gate!r}")
        if self.gate == "context" and not self.contexts:
            raise InputError("gate='context' needs ModelConfig.contexts (the context names)")
        if self.gate != "none" and self.gated_name in self.objectives:
            raise InputError(f"gated_name {self.gated_name!r} clashes with an objective name")
        if self.n_members is None:
            self.n_members = 5 if self.uncertainty.startswith("ensemble") else 1
        if self.n_members < 1 or (self.n_members > 1 and not self.uncertainty.startswith("ens")):
            raise InputError(
                f"n_members={self.n_members}: use n_members > 1 only with "
                "uncertainty='ensemble' (and >= 1 always)"
            )
        if not 0.0 <= self.dropout < 1.0:
            raise InputError(f"ModelConfig.dropout must be in [0, 1), got {self.dropout}")

    @property
    def reads_prompt(self) -> bool:
        """Whether rows need a prompt embedding (prompt gate or prompt input)."""
        return self.gate == "prompt" or bool(self.prompt_input)

    @property
    def gaussian(self) -> bool:
        return self.uncertainty.endswith("gaussian")

    @property
    def output_names(self) -> list[str]:
        """Objectives, then the gated mixture when a gate is configured."""
        return self.objectives + ([self.gated_name] if self.gate != "none" else [])

    @property
    def n_slots(self) -> int:
        """Head slots: one per group plus the population slot (or 1 without groups)."""
        if not self.groups:
            return 1
        return len(self.groups) + (1 if self.population_head else 0)


class _Member(nn.Module):  # type: ignore[name-defined,misc]
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        layers: list[Any] = []
        width = cfg.input_dim + ((cfg.gate_input_dim or cfg.input_dim) if cfg.prompt_input else 0)
        for h in cfg.hidden:
            layers += [nn.Linear(width, h), nn.GELU()]
            if cfg.dropout > 0:
                layers.append(nn.Dropout(cfg.dropout))
            width = h
        self.trunk = nn.Sequential(*layers)
        self.p = 2 if cfg.gaussian else 1
        self.shape = (cfg.n_slots, len(cfg.objectives), self.p)
        self.head = nn.Linear(width, int(np.prod(self.shape)))

    def forward(self, x: Any) -> Any:
        return self.head(self.trunk(x)).view(x.shape[0], *self.shape)


class RewardModel(nn.Module):  # type: ignore[name-defined,misc]
    """Reward model over embeddings; see the module docstring for the heads.

    ``forward(x, slot=None, gate_x=None, context=None)`` returns ``(mean, logvar)`` with shape
    ``(batch, members, outputs)`` (``logvar`` is None without a Gaussian head). ``slot`` is the
    group index per row (``len(groups)`` = population head).
    """

    def __init__(self, config: ModelConfig) -> None:
        _v.instance(config, ModelConfig, "config")
        super().__init__()
        self.config = config
        self.members = nn.ModuleList([_Member(config) for _ in range(config.n_members or 1)])
        n_obj = len(config.objectives)
        if config.gate == "prompt":
            d = config.gate_input_dim or config.input_dim
            self.gate = nn.Sequential(nn.Linear(d, 64), nn.GELU(), nn.Linear(64, n_obj))
        elif config.gate == "context":
            self.gate = nn.Embedding(len(config.contexts), n_obj)
            nn.init.zeros_(self.gate.weight)
        else:
            self.gate = None
        # False until trained or loaded: RewardTrainer.fit then draws the weights from
        # TrainConfig.seed, so that the seed alone fixes the result
        self.trained = False

    # ------------------------------------------------------------------ core
    def _gate_logits(self, gate_x: Any, context: Any) -> Any:
        cfg = self.config
        if cfg.gate == "prompt":
            if gate_x is None:
                raise InputError("this model gates on the prompt: pass prompt embeddings")
            return self.gate(gate_x)
        if context is None:
            raise InputError("this model gates on the context id: pass a context per row")
        return self.gate(context)

    def forward(
        self,
        x: Any,
        slot: Any = None,
        gate_x: Any = None,
        context: Any = None,
        also_population: bool = False,
    ) -> Any:
        """``(mean, logvar)``; with ``also_population`` a second pair from the population head
        (one trunk pass for both: training uses it so the population head learns from every
        row, grouped or not)."""
        if self.config.prompt_input:
            if gate_x is None:
                raise InputError(
                    "this model reads the prompt (prompt_input=True): pass prompt embeddings"
                )
            x = torch.cat([x, gate_x], dim=1)
        raw = torch.stack([m(x) for m in self.members], dim=1)  # (B, K, S, O, P)
        out = self._outputs(raw, slot, gate_x, context)
        if also_population:
            return out, self._outputs(raw, None, gate_x, context)
        return out

    def _outputs(self, raw: Any, slot: Any, gate_x: Any, context: Any) -> Any:
        cfg = self.config
        out = raw
        if cfg.n_slots > 1:
            if slot is None:
                if not cfg.population_head:
                    raise InputError(
                        "group-conditioned model without population head: "
                        "pass a group for every row"
                    )
                slot = torch.full(
                    (raw.shape[0],), cfg.n_slots - 1, dtype=torch.long, device=raw.device
                )
            idx = slot.view(-1, 1, 1, 1, 1).expand(-1, out.shape[1], 1, *out.shape[3:])
            out = out.gather(2, idx)
        out = out[:, :, 0]  # (B, K, O, P)
        mean = out[..., 0]
        logvar = out[..., 1].clamp(-12.0, 12.0) if cfg.gaussian else None
        if cfg.gate != "none":
            w = torch.softmax(self._gate_logits(gate_x, context), dim=-1)  # (B, O)
            mixed = (mean * w[:, None, :]).sum(-1, keepdim=True)
            mean = torch.cat([mean, mixed], dim=-1)
            if logvar is not None:
                mvar = (logvar.exp() * (w[:, None, :] ** 2)).sum(-1, keepdim=True)
                logvar = torch.cat([logvar, mvar.clamp_min(1e-12).log()], dim=-1)
        return mean, logvar

    def reset_parameters(self, seed: int) -> RewardModel:
        """Re-draw every weight from ``seed`` (the global torch RNG is left untouched)."""
        from pluralign import _validate

        seed = _validate.seed(seed, "seed")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            for mod in self.modules():
                if mod is not self and hasattr(mod, "reset_parameters"):
                    mod.reset_parameters()
            if self.config.gate == "context":
                nn.init.zeros_(self.gate.weight)
        self.trained = False
        return self

    # ------------------------------------------------------------- inference
    def _device(self) -> Any:
        return next(self.parameters()).device

    def _prep(self, embeddings: Any, groups: Any, contexts: Any, prompt_embeddings: Any) -> dict:
        from pluralign.reward.data import as_matrix

        cfg = self.config
        x = as_matrix(embeddings, "embeddings", cfg.input_dim)
        n = x.shape[0]
        dev = self._device()
        kw: dict[str, Any] = {"x": torch.as_tensor(x, device=dev)}
        if cfg.groups and groups is not None:
            kw["slot"] = torch.as_tensor(
                _lookup(groups, cfg.groups, "group", n, allow_null=cfg.population_head), device=dev
            )
        if cfg.gate == "context":
            if contexts is None:
                raise InputError("this model gates on the context: pass contexts=[...]")
            kw["context"] = torch.as_tensor(
                _lookup(contexts, cfg.contexts, "context", n), device=dev
            )
        if cfg.reads_prompt:
            if prompt_embeddings is None:
                raise InputError(
                    "this model reads the prompt (gate='prompt' or "
                    "prompt_input=True): pass prompt_embeddings=..."
                )
            p = as_matrix(
                prompt_embeddings, "prompt_embeddings", cfg.gate_input_dim or cfg.input_dim
            )
            if p.shape[0] != n:
                raise InputError(f"prompt_embeddings has {p.shape[0]} rows, embeddings {n}")
            kw["gate_x"] = torch.as_tensor(p, device=dev)
        return kw

    def predict(
        self,
        embeddings: Any,
        groups: Any = None,
        contexts: Any = None,
        prompt_embeddings: Any = None,
        batch_size: int = 4096,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation per output, numpy arrays of shape ``(n, outputs)``.

        The standard deviation combines the ensemble spread and the Gaussian head's variance
        (law of total variance); it is zero for a plain vector head.
        """
        batch_size = _v.count(batch_size, "batch_size")
        kw = self._prep(embeddings, groups, contexts, prompt_embeddings)
        was_training = self.training
        self.eval()
        means, stds = [], []
        n = kw["x"].shape[0]
        with torch.inference_mode():
            for s in range(0, n, batch_size):
                part = {k: v[s : s + batch_size] for k, v in kw.items()}
                mean, logvar = self(**part)
                mu = mean.mean(1)
                var = mean.var(1, unbiased=False) if mean.shape[1] > 1 else torch.zeros_like(mu)
                if logvar is not None:
                    var = var + logvar.exp().mean(1)
                means.append(mu.float().cpu().numpy())
                stds.append(var.sqrt().float().cpu().numpy())
        self.train(was_training)
        return np.concatenate(means) if means else np.zeros(
            (0, len(self.config.output_names))
        ), np.concatenate(stds) if stds else np.zeros((0, len(self.config.output_names)))

    def score(
        self,
        embeddings: Any,
        groups: Any = None,
        contexts: Any = None,
        prompt_embeddings: Any = None,
        ids: Any = None,
    ) -> Any:
        """Scores table (polars): one ``<output>`` and one ``<output>_std`` column per output.

        ``ids`` (optional) becomes a leading ``id`` column. Use :meth:`predict` for numpy.
        """
        import polars as pl

        mu, sd = self.predict(embeddings, groups, contexts, prompt_embeddings)
        cols: dict[str, Any] = {}
        if ids is not None:
            cols["id"] = _v.id_series(ids, "ids")
            if len(cols["id"]) != len(mu):
                raise InputError(f"ids has {len(cols['id'])} values, embeddings {len(mu)} rows")
        for j, name in enumerate(self.config.output_names):
            cols[name] = mu[:, j]
            cols[f"{name}_std"] = sd[:, j]
        return pl.DataFrame(cols)

    def gate_weights(self, prompt_embeddings: Any = None, contexts: Any = None) -> Any:
        """Gate weights over the objectives (polars table, one column per objective)."""
        import polars as pl

        from pluralign.reward.data import as_matrix

        cfg = self.config
        if cfg.gate == "none":
            raise InputError("this model has no gate (ModelConfig.gate='none')")
        dev = self._device()
        with torch.inference_mode():
            if cfg.gate == "prompt":
                if prompt_embeddings is None:
                    raise InputError("gate='prompt': pass prompt_embeddings")
                p = as_matrix(
                    prompt_embeddings, "prompt_embeddings", cfg.gate_input_dim or cfg.input_dim
                )
                logits = self.gate(torch.as_tensor(p, device=dev))
                extra: dict[str, Any] = {}
            else:
                names = list(cfg.contexts) if contexts is None else [str(c) for c in contexts]
                idx = _lookup(names, cfg.contexts, "context", len(names))
                logits = self.gate(torch.as_tensor(idx, device=dev))
                extra = {"context": names}
            w = torch.softmax(logits, -1).float().cpu().numpy()
        return pl.DataFrame({**extra, **{o: w[:, j] for j, o in enumerate(cfg.objectives)}})

    # ----------------------------------------------------------- checkpoints
    def save(self, path: str | Path) -> Path:
        """Write ``model.safetensors`` + ``config.json`` into the directory ``path``."""
        st = require("safetensors.torch")
        out = _v.path(path, "path")
        if out.exists() and not out.is_dir():
            raise InputError(
                f"{str(out)!r} is a file; save writes a folder (config.json + model.safetensors)"
            )
        out.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().cpu().contiguous() for k, v in self.state_dict().items()}
        st.save_file(state, str(out / "model.safetensors"))
        (out / "config.json").write_text(
            json.dumps({"format": "pluralign.reward/1", "model": asdict(self.config)}, indent=2)
        )
        return out

    @classmethod
    def load(cls, path: str | Path, device: str | None = None) -> RewardModel:
        """Load a model written by :meth:`save` (exact round trip of weights and config)."""
        st = require("safetensors.torch")
        p = _v.path(path, "path")
        if not (p / "config.json").is_file() or not (p / "model.safetensors").is_file():
            raise InputError(
                f"{p} is not a pluralign reward checkpoint (needs config.json and "
                "model.safetensors, as written by RewardModel.save)"
            )
        meta = _v.json_file(p / "config.json", "RewardModel.load")
        fields = meta.get("model") if isinstance(meta, dict) else None
        if not isinstance(fields, dict) or not set(fields) <= set(ModelConfig.__dataclass_fields__):
            raise InputError(
                f"{p / 'config.json'} does not hold a pluralign ModelConfig "
                "(a 'model' object with its fields)"
            )
        model = cls(ModelConfig(**fields))
        model.load_state_dict(st.load_file(str(p / "model.safetensors")))
        model.trained = True
        return model.to(device) if device else model

    def save_pretrained(self, path: str | Path, encoder: Any = None, **kw: Any) -> Path:
        """Export with ``encoder`` as a transformers folder for one output
        (:func:`pluralign.reward.hf.save_pretrained`: ``output=``, ``context=``, ``group=``)."""
        from pluralign.reward.hf import save_pretrained

        return save_pretrained(self, path, encoder, **kw)

    @classmethod
    def from_pretrained(cls, path: str | Path, device: str | None = None) -> RewardModel:
        """The whole head (every output) of a folder written by :meth:`save_pretrained`; the
        backbone is scored with :func:`pluralign.reward.load_pretrained`."""
        from pluralign.reward.hf import read_head

        fields, state = read_head(path)
        model = cls(ModelConfig(**fields))
        model.load_state_dict(state)
        model.trained = True
        model.eval()
        return model.to(device) if device else model


def _lookup(values: Any, names: list[str], what: str, n: int, allow_null: bool = False) -> Any:
    """Map names to indices; null -> population slot (len(names)) when allowed."""
    vals = list(values) if not isinstance(values, str) else [values] * n
    if len(vals) != n:
        raise InputError(f"{what}s has {len(vals)} entries, expected {n}")
    index = {g: i for i, g in enumerate(names)}
    out = np.empty(n, dtype=np.int64)
    for i, v in enumerate(vals):
        if v is None:
            if not allow_null:
                raise InputError(f"row {i}: {what} is null; this model needs a {what} per row")
            out[i] = len(names)
            continue
        j = index.get(str(v))
        if j is None:
            raise InputError(f"row {i}: unknown {what} {v!r}; the model knows {names}")
        out[i] = j
    return out


__all__ = ["ModelConfig", "RewardModel"]
