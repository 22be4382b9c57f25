"""Reward models from text in one call: what ``pluralign train`` and the report run.

- :class:`TextEmbedder`: the bundled MiniLM encoder, loaded once per process and reused, with
  an on-disk cache of the embeddings.
- :func:`train_reward`: embed the replies of a comparisons table, each read after its prompt
  (as :func:`~pluralign.reward.quick_fit` does with ``texts=True``), train a scalar ensemble
  model (and a group-conditioned one) on a prompt-disjoint split, save models and metrics.

torch is imported when an embedding or a model is first needed, never at import.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from .. import _validate as _v
from ..errors import InputError
from ._minilm import ATTRIBUTION

__all__ = ["TextEmbedder", "train_reward"]

# max_length -> HFEncoder: loading MiniLM takes seconds, so every run in a process shares one
_ENCODERS: dict[int, Any] = {}


class TextEmbedder:
    """Embed texts with the bundled MiniLM sentence encoder.

    Parameters
    ----------
    max_length : int, default 128
        Tokens kept per text.
    progress : bool, default True
        Progress bars while embedding (and Hugging Face's own bars).

    Attributes
    ----------
    attribution : str
        The encoder's license and attribution, to credit where embeddings are shown.
    used : bool
        Whether this embedder has embedded anything yet.
    """

    attribution: str = ATTRIBUTION

    def __init__(self, *, max_length: int = 128, progress: bool = True) -> None:
        self.max_length = _v.count(max_length, "max_length")
        self.progress = bool(_v.instance(progress, bool, "progress", what="a bool"))
        self.used = False

    def _encoder(self) -> Any:
        enc = _ENCODERS.get(self.max_length)
        if enc is None:
            from .encoders import HFEncoder

            if not self.progress:
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
            enc = _ENCODERS[self.max_length] = HFEncoder(max_length=self.max_length)
        return enc

    def __call__(
        self,
        texts: Sequence[str],
        *,
        prompts: Sequence[str] | None = None,
        cache: str | Path | None = None,
    ) -> np.ndarray:
        """Embeddings of ``texts`` (float32, one row per text; with ``prompts``, each text read
        after its prompt: ``[text alone, text in context]``, twice as wide); ``cache``: an
        ``.npz`` file of embeddings reused across calls (see
        :func:`pluralign.reward.embed_texts`)."""
        from .encoders import embed_texts

        out = embed_texts(
            list(texts),
            self._encoder(),
            prompts=None if prompts is None else list(prompts),
            batch_size=32,
            progress=self.progress,
            cache=cache,
        )
        self.used = True
        return out

    def comparisons(
        self, comparisons: pl.DataFrame, *, cache: str | Path | None = None
    ) -> tuple[pl.DataFrame, list[str], np.ndarray]:
        """``(table, ids, embeddings)`` for the ``chosen``/``rejected`` texts of a comparisons
        table, each read after its ``prompt`` text when the table has one -- what
        :func:`~pluralign.reward.quick_fit` computes with ``texts=True`` (same cache keys).
        ``table`` is ``comparisons`` where a reply id met under several prompts is made one id
        per prompt (``id@<prompt hash>``); train on it with these embeddings."""
        from .encoders import embeddings_from_texts

        df = _one_prompt_per_id(comparisons)
        ids, emb = embeddings_from_texts(
            self._encoder(),
            df,
            None,
            None,
            batch_size=32,
            progress=self.progress,
            cache=cache,
        )
        self.used = True
        return df, list(ids), emb


def train_reward(
    comparisons: Any,
    *,
    out: str | Path,
    epochs: int = 2,
    seed: int = 0,
    groups: str | None = None,
    progress: bool = True,
    max_length: int = 128,
    test_frac: float = 0.2,
    embedder: TextEmbedder | None = None,
) -> dict[str, Any]:
    """Train reward models on a comparisons table with reply texts (``pluralign train``).

    The replies are embedded with the bundled MiniLM encoder, each read after its ``prompt``
    text when the table has one (as :func:`~pluralign.reward.quick_fit` with ``texts=True``;
    cached in ``out/embeddings.npz``), a scalar ensemble model is trained with
    :func:`pluralign.reward.quick_fit` on a prompt-disjoint split and, when ``groups`` names a
    column, a group-conditioned model too.

    Parameters
    ----------
    comparisons : polars.DataFrame
        Canonical comparisons with texts: ``prompt_id``, ``chosen_id``, ``rejected_id``,
        ``chosen``, ``rejected`` (what :func:`pluralign.prefs.read_pairs` returns).
    out : str or Path
        Folder for the models (``out/scalar``, ``out/group_aware``), ``metrics.json`` and the
        embeddings cache.
    epochs : int, default 2
        Training epochs.
    seed : int, default 0
        Seed of the split and of the training.
    groups : str, optional
        Column naming each comparison's group; rows where it is null are dropped (said on
        stderr).
    progress : bool, default True
        Progress bars.
    max_length : int, default 128
        Tokens kept per reply.
    test_frac : float, default 0.2
        Share of prompts held out for the metrics.
    embedder : TextEmbedder, optional
        The embedder to use (default: a new one with ``max_length`` and ``progress``).

    Returns
    -------
    dict
        A summary, name -> value, for printing: pairs, texts embedded, held-out and
        worst-group accuracy per model, where the models and metrics were written.

    Raises
    ------
    SchemaError
        A required column is missing (the message names the ``pluralign prepare`` step).
    InputError
        A bad parameter.
    MissingDependencyError
        torch (the ``torch`` extra) is not installed.
    """
    from . import TrainConfig, quick_fit

    df = _v.frame(comparisons, "comparisons")
    _v.require_columns(
        df,
        ["prompt_id", "chosen_id", "rejected_id", "chosen", "rejected"],
        "comparisons",
        hint="run `pluralign prepare` (pluralign.prefs.read_pairs) "
        "on chosen/rejected text pairs first",
    )
    epochs = _v.count(epochs, "epochs")
    seed = _v.seed(seed)
    if (
        not isinstance(test_frac, (int, float))
        or isinstance(test_frac, bool)
        or not 0.0 <= test_frac < 1.0
    ):
        raise InputError(f"test_frac must be a number in [0, 1), got {test_frac!r}")
    if groups is not None:
        _v.instance(groups, str, "groups", what="a column name (str)")
        if groups not in df.columns:
            raise InputError(
                f"groups names column {groups!r}, which the table lacks (columns: {df.columns})"
            )
        n0 = df.height
        df = df.filter(pl.col(groups).is_not_null()).with_columns(
            pl.col(groups).cast(pl.String).alias("group")
        )
        if df.height < n0:
            print(f"dropped {n0 - df.height} rows with a null {groups!r}", file=sys.stderr)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    embedder = embedder or TextEmbedder(max_length=max_length, progress=progress)
    df, keys, emb = embedder.comparisons(df, cache=out / "embeddings.npz")
    tc = TrainConfig(epochs=epochs, seed=seed, progress=progress)
    models: dict[str, dict[str, Any]] = {"scalar": {"uncertainty": "ensemble"}}
    if groups is not None:
        models["group_aware"] = {"group_conditioned": True}
    summary: dict[str, Any] = {"pairs": df.height, "texts embedded": len(keys)}
    metrics: dict[str, Any] = {}
    for name, kw in models.items():
        fit = quick_fit(df, (keys, emb), test_frac=test_frac, train=tc, seed=seed, **kw)
        fit.model.save(out / name)
        m = fit.metrics or {}
        metrics[name] = {
            k: (v.to_dicts() if isinstance(v, pl.DataFrame) else v) for k, v in m.items()
        }
        summary[f"{name} held-out accuracy"] = (
            f"{m['accuracy']:.3f} on {m['n']} pairs" if m else "no test split"
        )
        if m and m.get("worst_group_accuracy") is not None:
            summary[f"{name} worst-group accuracy"] = f"{m['worst_group_accuracy']:.3f}"
        summary[f"{name} model"] = str(out / name)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1, default=str) + "\n")
    summary["metrics"] = str(out / "metrics.json")
    return summary


def _one_prompt_per_id(df: pl.DataFrame) -> pl.DataFrame:
    """Give a response id met under two different prompt texts one id per prompt
    (``id@<prompt hash>``): read after its prompt, the same reply embeds differently (ids from
    :func:`~pluralign.prefs.read_pairs` hash the reply text alone, and a short reply such as
    "Yes." recurs)."""
    if "prompt" not in df.columns:
        return df
    long = pl.concat(
        [
            df.select(pl.col(c).cast(pl.String).alias("id"), pl.col("prompt"))
            for c in ("chosen_id", "rejected_id")
        ]
    )
    shared = long.group_by("id").agg(pl.col("prompt").n_unique().alias("n")).filter(pl.col("n") > 1)
    if shared.height == 0:
        return df
    bad = shared["id"].to_list()
    tag = pl.col("prompt").hash(seed=0).cast(pl.String).str.slice(0, 12)
    print(
        f"{len(bad)} response ids appear under several prompts; each (prompt, response) gets "
        "its own id",
        file=sys.stderr,
    )
    return df.with_columns(
        pl.when(pl.col(c).cast(pl.String).is_in(bad))
        .then(pl.concat_str([pl.col(c).cast(pl.String), pl.lit("@"), tag]))
        .otherwise(pl.col(c).cast(pl.String))
        .alias(c)
        for c in ("chosen_id", "rejected_id")
    )
