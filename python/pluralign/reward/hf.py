"""Hugging Face interop: export a reward model (encoder + head) as a ``transformers`` folder.

``save_pretrained(model, folder, encoder=..., output=...)`` writes one scalar output of a
:class:`~pluralign.reward.model.RewardModel` -- one objective, the gated mixture, or a
:class:`~pluralign.govern.Context`'s weighted scalarization -- as a folder that
``transformers.AutoModelForSequenceClassification.from_pretrained`` loads:

- **standard architecture** (e.g. ``LlamaForSequenceClassification``,
  ``Qwen2ForSequenceClassification``, ``GPT2ForSequenceClassification``) when the encoder is a
  decoder with last-token pooling and the chosen output is linear in the pooled vector (no hidden
  layers, no prompt gate). Those classes have no bias on their ``score`` layer: the head's bias is
  folded into the final LayerNorm's bias where the backbone has one (GPT-2's ``ln_f``); otherwise
  ``architecture="auto"`` picks the custom one below (exact), and ``architecture="standard"``
  drops the constant and records it as ``pluralign_score_offset`` in ``config.json`` (a constant
  changes no preference probability, ranking or GRPO advantage; :func:`load_pretrained` adds it
  back).
- **custom architecture** otherwise: :mod:`pluralign.reward.hf_modeling` is copied beside the
  weights and ``trust_remote_code=True`` loads it, as multi-objective reward models on the Hub do.

A LoRA adapter (a ``peft`` model inside the encoder) is merged into the exported weights. Every
export is checked before it returns: the saved model must give the pluralign scores on probe
texts (1e-4 in float32), or :class:`~pluralign.errors.InternalError` is raised.

Beside the transformers files, ``pluralign_reward.json`` (the ModelConfig, the chosen output,
the encoder settings) and ``pluralign_head.safetensors`` (the whole head, every output) let
:meth:`RewardModel.from_pretrained` read the head back exactly.
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from pluralign.errors import InputError, InternalError
from pluralign.reward._deps import require
from pluralign.reward.scoring import _is_reward_model, context_weights

torch = require("torch")

META = "pluralign_reward.json"
HEAD = "pluralign_head.safetensors"
_PROBES = ["Hello there.", "x", "A longer probe sentence, so that the batch needs padding."]
_PAIRS = [("How do I bake bread?", "Mix flour, water, yeast and salt."), ("hi", "Hello.")]
_FINAL_NORMS = ("ln_f", "norm", "final_layer_norm", "final_layernorm")


# ------------------------------------------------------------------------------ the head


def _combination(
    model: Any, output: str | None, context: Any, gate_context: str | None
) -> tuple[np.ndarray | None, str, dict]:
    """The weights ``c`` over the objectives that give the chosen output (None: prompt gate)."""
    cfg = model.config
    objs = cfg.objectives
    if context is not None:
        c = context_weights(context, objs, output)
        return (
            c,
            f"context:{context.name}",
            {"kind": "context", "context": context.name, "weights": c.tolist()},
        )
    if output is None:
        if cfg.gate != "none":
            output = cfg.gated_name
        elif len(objs) == 1:
            output = objs[0]
        else:
            raise InputError(
                f"output: the model has {len(objs)} objectives {objs}; name one "
                "(output=...) or pass context= to scalarize them"
            )
    if output in objs:
        c = np.zeros(len(objs))
        c[objs.index(output)] = 1.0
        return c, output, {"kind": "objective", "objective": output}
    if cfg.gate != "none" and output == cfg.gated_name:
        if cfg.gate == "prompt":
            return None, output, {"kind": "gated", "gate": "prompt"}
        if gate_context is None:
            raise InputError(
                f"gate_context: the gated output of a context-gated model needs the "
                f"context id, one of {cfg.contexts}"
            )
        if gate_context not in cfg.contexts:
            raise InputError(f"gate_context {gate_context!r} is not one of {cfg.contexts}")
        with torch.no_grad():
            logits = model.gate.weight[cfg.contexts.index(gate_context)].float()
            c = torch.softmax(logits, -1).cpu().numpy().astype(np.float64)
        return (
            c,
            output,
            {
                "kind": "gated",
                "gate": "context",
                "gate_context": gate_context,
                "weights": c.tolist(),
            },
        )
    raise InputError(f"output {output!r} is not one of the model's outputs {cfg.output_names}")


def _slot(model: Any, group: str | None) -> int:
    cfg = model.config
    if not cfg.groups:
        if group is not None:
            raise InputError("group: this model is not group-conditioned")
        return 0
    if group is None:
        if not cfg.population_head:
            raise InputError(f"group: the model has no population head; pick one of {cfg.groups}")
        return len(cfg.groups)
    if group not in cfg.groups:
        raise InputError(f"group {group!r} is not one of {cfg.groups}")
    return cfg.groups.index(group)


def _member_parts(model: Any, slot: int, c: np.ndarray | None) -> list[dict]:
    """Per ensemble member: trunk Linear layers and the output layer reduced to the output."""
    cfg = model.config
    parts = []
    for m in model.members:
        lin = [layer for layer in m.trunk if isinstance(layer, torch.nn.Linear)]
        s, o, p = m.shape
        w = m.head.weight.detach().double().view(s, o, p, -1)[slot, :, 0]  # (O, width)
        b = m.head.bias.detach().double().view(s, o, p)[slot, :, 0]  # (O,)
        if c is not None:
            ct = torch.as_tensor(c, dtype=torch.float64)
            w, b = (ct @ w)[None, :], (ct @ b)[None]
        parts.append({"trunk": lin, "w": w, "b": b})
    assert len(parts) == cfg.n_members
    return parts


# --------------------------------------------------------------------------- the encoder


def _base_model(encoder: Any) -> Any:
    """The encoder's transformer with any LoRA adapter merged (a copy; the encoder is untouched)."""
    net = encoder.model
    if hasattr(net, "merge_and_unload"):  # a peft model
        return copy.deepcopy(net).merge_and_unload()
    return net


def _encoder_settings(encoder: Any) -> dict:
    keys = ("pooling", "max_length", "normalize")
    out = {k: getattr(encoder, k) for k in keys if hasattr(encoder, k)}
    out["truncation_side"] = encoder.tokenizer.truncation_side
    out["prompt_aware"] = bool(getattr(encoder, "prompt_aware", True))
    for k in ("template", "prompt_template"):
        if isinstance(getattr(encoder, k, None), str):
            out[k] = getattr(encoder, k)
    return out


# ------------------------------------------------------------------------------- export


def save_pretrained(
    model: Any,
    path: str | Path,
    encoder: Any = None,
    *,
    output: str | None = None,
    context: Any = None,
    group: str | None = None,
    gate_context: str | None = None,
    architecture: str = "auto",
) -> Path:
    """Write ``model`` + ``encoder`` as a transformers folder for one output (module docstring).

    ``output``: an objective or the gated mixture's name (default: the only objective, or the
    gated mixture); ``context``: a :class:`~pluralign.govern.Context` whose weights scalarize
    the objectives (``min`` objectives enter negated); ``group``: the group head of a
    group-conditioned model (default: the population head); ``gate_context``: the context id
    of a ``gate="context"`` model; ``architecture``: "auto", "standard" or "custom".
    """
    if not _is_reward_model(model):
        raise InputError(
            f"model must be a pluralign.reward.RewardModel, got {type(model).__name__}"
        )
    encoder = encoder if encoder is not None else getattr(model, "encoder", None)
    if encoder is None or not hasattr(encoder, "tokenizer") or not hasattr(encoder, "model"):
        raise InputError(
            "encoder: pass the HFEncoder the model was trained on (its "
            "transformer becomes the backbone of the exported model)"
        )
    if architecture not in ("auto", "standard", "custom"):
        raise InputError(
            f"architecture must be 'auto', 'standard' or 'custom', got {architecture!r}"
        )
    both = _reads_both(encoder)
    width = int(encoder.model.config.hidden_size) * (2 if both else 1)
    if width != model.config.input_dim:
        raise InputError(
            f"encoder width {width} != the model's input_dim "
            f"{model.config.input_dim} (a prompt-aware encoder with "
            "pair_features='both' gives pairs twice its hidden size)"
        )
    if not isinstance(path, (str, Path)) or (Path(path).exists() and not Path(path).is_dir()):
        raise InputError(f"path must name a folder (new or existing), got {path!r}")
    c, out_name, spec = _combination(model, output, context, gate_context)
    slot = _slot(model, group)
    parts = _member_parts(model, slot, c)
    pooling = getattr(encoder, "pooling", "mean")
    normalize = bool(getattr(encoder, "normalize", False))
    base = _base_model(encoder)
    linear = c is not None and not model.config.hidden
    std_ok = linear and pooling == "last" and not normalize and not both
    if architecture == "standard" and not std_ok:
        raise InputError(
            "architecture='standard' needs last-token pooling, no normalisation, "
            "pair_features='context', a linear head (hidden=[]) and no prompt "
            "gate; use 'auto' or 'custom'"
        )
    probe = _probe_scores(model, encoder, slot, c, out_name)
    built = None
    if std_ok and architecture in ("auto", "standard"):
        built = _standard(base, encoder, parts, force=architecture == "standard")
        if (
            built is not None
            and architecture == "auto"
            and not _matches(built[0], encoder, probe, built[1])
        ):
            built = None  # e.g. a tokenizer whose padding id also ends texts: go custom
    if built is None:
        built = (_custom(base, encoder, model, parts, pooling, normalize), 0.0)
    hf_model, offset = built
    got = _exported_scores(hf_model, encoder, c is None)
    if not np.allclose(got + offset, probe, atol=_tol(hf_model), rtol=_tol(hf_model)):
        raise InternalError(
            f"the exported model does not reproduce the pluralign scores "
            f"(max difference {np.abs(got + offset - probe).max():.3g}); "
            "please report this with the encoder's model type"
        )
    if offset:
        hf_model.config.pluralign_score_offset = float(offset)
    hf_model.config.id2label = {0: out_name}
    hf_model.config.label2id = {out_name: 0}
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    hf_model.save_pretrained(out)
    encoder.tokenizer.save_pretrained(out)
    st = require("safetensors.torch")
    st.save_file(
        {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}, str(out / HEAD)
    )
    meta = {
        "format": "pluralign.reward.hf/1",
        "model": asdict(model.config),
        "output": out_name,
        "spec": spec,
        "group": group,
        "slot": slot,
        "encoder": _encoder_settings(encoder),
        "architecture": "custom"
        if hf_model.config.model_type == "pluralign_reward"
        else "standard",
        "score_offset": float(offset),
    }
    (out / META).write_text(json.dumps(meta, indent=2))
    return out


def _reads_both(encoder: Any) -> bool:
    """Whether the model reads a pair as ``[response alone, response in context]``."""
    return (
        bool(getattr(encoder, "prompt_aware", True))
        and getattr(encoder, "pair_features", "context") == "both"
    )


def _widen(x: Any, width: int) -> Any:
    """Plain-text embeddings as wide as the model reads them (``[x, x]`` for "both")."""
    return torch.cat([x] * (width // x.shape[1]), dim=1) if x.shape[1] < width else x


def _tol(net: Any) -> float:
    return 1e-4 if next(net.parameters()).dtype == torch.float32 else 5e-2


def _matches(net: Any, encoder: Any, probe: np.ndarray, offset: float) -> bool:
    got = _exported_scores(net, encoder, False)
    return bool(np.allclose(got + offset, probe, atol=_tol(net), rtol=_tol(net)))


def _pairs_as_read(encoder: Any) -> tuple[list[str], list[str], bool]:
    """The probe pairs as the exported model reads them (rendered texts), their prompts, and
    whether the tokenizer adds its special tokens (not after a chat template)."""
    if not getattr(encoder, "prompt_aware", True) or not hasattr(encoder, "format"):
        return [r for _, r in _PAIRS], [r for _, r in _PAIRS], True
    return (
        [encoder.format(p, r) for p, r in _PAIRS],
        [p for p, _ in _PAIRS],
        getattr(encoder, "template", None) != "chat",
    )


def _exported_scores(net: Any, encoder: Any, gated: bool) -> np.ndarray:
    """The exported model on the probe texts, then on the probe pairs."""
    texts, prompts, special = _pairs_as_read(encoder)
    plain = _hf_scores(net, encoder.tokenizer, _PROBES, _PROBES if gated else None)
    pairs = _hf_scores(net, encoder.tokenizer, texts, prompts if gated else None, special=special)
    return np.concatenate([plain, pairs])


def _probe_scores(
    model: Any, encoder: Any, slot: int, c: np.ndarray | None, out_name: str
) -> np.ndarray:
    """What pluralign gives on the probe texts for the chosen output (the export must match)."""
    was, enc_was = model.training, encoder.model.training
    model.eval()
    encoder.model.eval()  # no dropout in the reference scores
    try:
        with torch.inference_mode():
            dev = next(model.parameters()).device
            aware = getattr(encoder, "prompt_aware", True)
            pairs = list(_PAIRS) if aware else [r for _, r in _PAIRS]
            cfg = model.config
            x = (
                torch.cat(
                    [_widen(encoder(_PROBES), cfg.input_dim), _widen(encoder(pairs), cfg.input_dim)]
                )
                .to(dev)
                .float()
            )
            n = x.shape[0]
            kw: dict[str, Any] = {}
            if cfg.n_slots > 1:
                kw["slot"] = torch.full((n,), slot, dtype=torch.long, device=dev)
            if cfg.gate == "prompt":
                gw = int(model.gate[0].in_features)
                kw["gate_x"] = (
                    torch.cat(
                        [_widen(encoder(_PROBES), gw), _widen(encoder([p for p, _ in _PAIRS]), gw)]
                    )
                    .to(dev)
                    .float()
                )
            if cfg.gate == "context":
                kw["context"] = torch.zeros(n, dtype=torch.long, device=dev)
            mean, _ = model(x.to(next(model.parameters()).dtype), **kw)
            mean = mean.double().mean(1).cpu().numpy()  # (n, outputs)
    finally:
        model.train(was)
        encoder.model.train(enc_was)
    if c is None:
        return mean[:, cfg.output_names.index(out_name)]
    return mean[:, : len(cfg.objectives)] @ c


def _standard(base: Any, encoder: Any, parts: list[dict], force: bool) -> tuple[Any, float] | None:
    transformers = require("transformers")
    cfg = copy.deepcopy(base.config)
    cfg.num_labels = 1
    tok = encoder.tokenizer
    cfg.pad_token_id = tok.pad_token_id
    try:
        clf = transformers.AutoModelForSequenceClassification.from_config(cfg)
    except ValueError:  # no sequence-classification class for this model type
        return None
    score = getattr(clf, "score", None)
    body = getattr(clf, clf.base_model_prefix, None)
    if not isinstance(score, torch.nn.Linear) or score.bias is not None or body is None:
        return None
    body.load_state_dict(base.state_dict())
    w = torch.stack([p["w"] for p in parts]).mean(0)  # (1, H)
    b = float(torch.stack([p["b"] for p in parts]).mean())
    offset = 0.0
    if b != 0.0:
        norm = next(
            (
                getattr(body, n)
                for n in _FINAL_NORMS
                if isinstance(getattr(body, n, None), torch.nn.LayerNorm)
                and getattr(body, n).bias is not None
            ),
            None,
        )
        if norm is not None and float((w * w).sum()) > 0:
            # score(h + d) = score(h) + w.d: shift the final LayerNorm's bias along w
            with torch.no_grad():
                d = (b * w[0] / (w * w).sum()).to(norm.bias.dtype)
                norm.bias.add_(d)
        elif force:
            offset = b
        else:
            return None
    with torch.no_grad():
        score.weight.copy_(w.to(score.weight.dtype))
    clf.to(next(base.parameters()).dtype).eval()
    return clf, offset


def _custom(
    base: Any, encoder: Any, model: Any, parts: list[dict], pooling: str, normalize: bool
) -> Any:
    from pluralign.reward.hf_modeling import PluralignRewardConfig, PluralignRewardModel

    mcfg = model.config
    gated = mcfg.gate == "prompt" and parts[0]["w"].shape[0] > 1
    tok = encoder.tokenizer
    sep_id = None
    if pooling == "mean" and getattr(encoder, "prompt_aware", False):
        # the encoder averages a pair's response tokens only; the exported model finds them
        # after the separator of the default "{prompt} [SEP] {response}" template
        sep = tok.sep_token
        if not sep or getattr(encoder, "template", None) != "{prompt} " + sep + " {response}":
            raise InputError(
                "a prompt-aware, mean-pooled encoder can be exported only with "
                "its default '{prompt} <sep> {response}' template (the exported "
                "model finds the response after the separator token)"
            )
        sep_id = int(tok.sep_token_id)
    both = _reads_both(encoder)
    if both and sep_id is None:
        raise InputError(
            "pair_features='both' can be exported only for a mean-pooled encoder "
            "(the exported model finds the response after the separator token)"
        )
    pre, suf = _text_specials(tok) if both else ([], [])
    hcfg = PluralignRewardConfig(
        base_config=base.config.to_dict(),
        pooling=pooling,
        normalize=normalize,
        hidden=list(mcfg.hidden),
        n_members=len(parts),
        n_heads=int(parts[0]["w"].shape[0]),
        gate_hidden=int(model.gate[0].out_features) if gated else 0,
        num_labels=1,
        pad_token_id=tok.pad_token_id,
        response_sep_id=sep_id,
        special_ids=[int(i) for i in tok.all_special_ids],
        pair_features="both" if both else "context",
        response_prefix_ids=pre,
        response_suffix_ids=suf,
        gate_input_dim=int(model.gate[0].in_features) if gated else 0,
    )
    net = PluralignRewardModel(hcfg)
    dtype = next(base.parameters()).dtype
    with torch.no_grad():
        net.backbone.load_state_dict(base.state_dict())
        members: list[Any] = list(net.members)  # _Member modules (mypy sees Module)
        for dst, src in zip(members, parts, strict=True):
            lin = [layer for layer in dst.trunk if isinstance(layer, torch.nn.Linear)]
            for d, s in zip(lin, src["trunk"], strict=True):
                d.weight.copy_(s.weight)
                d.bias.copy_(s.bias)
            dst.out.weight.copy_(src["w"].float())
            dst.out.bias.copy_(src["b"].float())
        if gated and net.gate is not None:
            net.gate.load_state_dict(model.gate.state_dict())
    net.to(dtype).eval()
    PluralignRewardConfig.register_for_auto_class()
    PluralignRewardModel.register_for_auto_class("AutoModelForSequenceClassification")
    return net


def _text_specials(tok: Any) -> tuple[list[int], list[int]]:
    """The special tokens the tokenizer puts before and after a text read alone."""
    bare = list(tok("x", add_special_tokens=False)["input_ids"])
    full = list(tok("x")["input_ids"])
    for i in range(len(full) - len(bare) + 1):
        if full[i : i + len(bare)] == bare:
            return full[:i], full[i + len(bare) :]
    raise InputError(
        "pair_features='both': the tokenizer changes a text's tokens when it adds "
        "its special tokens; export with pair_features='context'"
    )


def _hf_scores(
    net: Any,
    tokenizer: Any,
    texts: list[str],
    prompts: list[str] | None,
    batch_size: int = 16,
    special: bool = True,
) -> np.ndarray:
    """Logit 0 of a sequence-classification model on texts (right padding, no truncation
    beyond the tokenizer's max_length), as TRL calls a reward model."""
    dev = next(net.parameters()).device
    out = []
    with torch.inference_mode():
        for s in range(0, len(texts), batch_size):
            enc = tokenizer(
                texts[s : s + batch_size],
                padding=True,
                truncation=True,
                return_tensors="pt",
                add_special_tokens=special,
            ).to(dev)
            kw: dict[str, Any] = {}
            if prompts is not None:
                pe = tokenizer(
                    prompts[s : s + batch_size], padding=True, truncation=True, return_tensors="pt"
                ).to(dev)
                kw = {
                    "prompt_input_ids": pe["input_ids"],
                    "prompt_attention_mask": pe["attention_mask"],
                }
            logits = net(
                input_ids=enc["input_ids"], attention_mask=enc["attention_mask"], **kw
            ).logits
            out.append(logits[:, 0].double().cpu().numpy())
    return np.concatenate(out) if out else np.zeros(0)


# ------------------------------------------------------------------------------- import


class PretrainedReward:
    """An exported reward model loaded back for scoring text (what :func:`load_pretrained`
    returns). ``model`` and ``tokenizer`` are the transformers objects; ``output`` names the
    exported output; ``meta`` is ``pluralign_reward.json``."""

    def __init__(self, model: Any, tokenizer: Any, meta: dict) -> None:
        self.model, self.tokenizer, self.meta = model, tokenizer, meta
        self.output = str(meta.get("output", "reward"))
        self.offset = float(meta.get("score_offset", 0.0))

    @property
    def output_names(self) -> list[str]:
        return [self.output]

    def format(self, prompt: str, response: str) -> str:
        """The text the model reads for ``(prompt, response)``: the encoder's template, saved
        with the model (``"chat"``: the tokenizer's chat template; default ``prompt\n\n
        response``)."""
        template = str(self.meta.get("encoder", {}).get("template", "{prompt}\n\n{response}"))
        if template == "chat":
            msgs = [{"role": "user", "content": prompt}, {"role": "assistant", "content": response}]
            return str(self.tokenizer.apply_chat_template(msgs, tokenize=False))
        return template.replace("{prompt}", prompt).replace("{response}", response)

    def score_texts(
        self, texts: list[str], prompts: list[str] | None = None, batch_size: int = 16
    ) -> np.ndarray:
        """The exported output for whole texts (``prompts``: only for a prompt-gated model)."""
        gated = self.meta.get("spec", {}).get("gate") == "prompt"
        if gated and prompts is None:
            raise InputError("prompts: this model gates on the prompt; pass the prompts too")
        return (
            _hf_scores(
                self.model,
                self.tokenizer,
                list(texts),
                list(prompts) if gated and prompts is not None else None,
                batch_size,
            )
            + self.offset
        )

    def score(self, prompts: list[str], responses: list[str], batch_size: int = 16) -> np.ndarray:
        """The exported output for ``(prompt, response)`` pairs rendered by :meth:`format`."""
        if len(prompts) != len(responses):
            raise InputError(f"prompts has {len(prompts)} rows, responses {len(responses)}")
        chat = self.meta.get("encoder", {}).get("template") == "chat"
        if self.meta.get("encoder", {}).get("prompt_aware", True):
            texts = [self.format(p, r) for p, r in zip(prompts, responses, strict=True)]
        else:  # trained on responses alone
            texts, chat = list(responses), False
        gated = self.meta.get("spec", {}).get("gate") == "prompt"
        return (
            _hf_scores(
                self.model,
                self.tokenizer,
                texts,
                list(prompts) if gated else None,
                batch_size,
                special=not chat,
            )
            + self.offset
        )


def load_pretrained(path: str | Path, *, device: str | None = None) -> PretrainedReward:
    """Load a folder written by :func:`save_pretrained` for scoring (no remote code runs:
    pluralign's own classes load a custom-architecture folder)."""
    transformers = require("transformers")
    if not isinstance(path, (str, Path)):
        raise InputError(f"path must be a folder path, got {type(path).__name__}")
    p = Path(path)
    if not (p / "config.json").is_file():
        raise InputError(f"{p} is not a transformers folder (no config.json)")
    meta = json.loads((p / META).read_text()) if (p / META).is_file() else {}
    model_type = json.loads((p / "config.json").read_text()).get("model_type")
    if model_type == "pluralign_reward":
        from pluralign.reward.hf_modeling import PluralignRewardModel

        net: Any = PluralignRewardModel.from_pretrained(p, local_files_only=True)
    else:
        net = transformers.AutoModelForSequenceClassification.from_pretrained(
            p, local_files_only=True
        )
        meta.setdefault("score_offset", getattr(net.config, "pluralign_score_offset", 0.0))
    if device:
        net.to(device)
    tok = transformers.AutoTokenizer.from_pretrained(p, local_files_only=True)
    return PretrainedReward(net.eval(), tok, meta)


def read_head(path: str | Path) -> tuple[dict, dict]:
    """The ModelConfig fields and the head's weights stored by :func:`save_pretrained`
    (:meth:`RewardModel.from_pretrained` builds the model from them)."""
    st = require("safetensors.torch")
    p = Path(path)
    if not (p / META).is_file() or not (p / HEAD).is_file():
        raise InputError(
            f"{p} was not written by pluralign's save_pretrained (needs {META} and {HEAD})"
        )
    meta = json.loads((p / META).read_text())
    return meta["model"], st.load_file(str(p / HEAD))


__all__ = ["PretrainedReward", "load_pretrained", "read_head", "save_pretrained"]
