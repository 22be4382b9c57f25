"""``quick_fit``: one call from a comparisons table to a trained, evaluated reward model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from pluralign.errors import InputError, SchemaError
from pluralign.reward.data import embedding_table, prompt_split
from pluralign.reward.evaluation import evaluate
from pluralign.reward.model import ModelConfig, RewardModel
from pluralign.reward.trainer import RewardTrainer, TrainConfig


@dataclass
class FitResult:
    """What :func:`quick_fit` returns: the model, its trainer, the split and the test metrics."""

    model: RewardModel
    trainer: RewardTrainer
    train: pl.DataFrame
    test: pl.DataFrame | None
    metrics: dict | None = field(default=None)


def quick_fit(
    comparisons: pl.DataFrame,
    embeddings: Any = None,
    *,
    texts: bool = False,
    encoder: Any = None,
    prompt_aware: bool = True,
    test_frac: float = 0.2,
    group_conditioned: bool = False,
    uncertainty: str = "none",
    hidden: tuple[int, ...] = (256,),
    train: TrainConfig | None = None,
    seed: int = 0,
) -> FitResult:
    """Train a reward model on ``comparisons`` and evaluate it on held-out prompts.

    ``embeddings``: mapping id -> vector (dict, ``(ids, matrix)`` or a polars table ``id`` +
    ``embedding``) covering ``chosen_id``/``rejected_id``. With ``texts=True`` the text columns
    ``chosen``/``rejected`` are embedded by ``encoder`` (default: the bundled MiniLM, frozen),
    each together with its ``prompt`` text when the table has one (``prompt_aware``, default;
    ``False`` embeds responses alone, as before, for comparison).
    Objectives come from the ``objective`` column (default "overall"); with
    ``group_conditioned=True`` one head per value of the ``group`` column (plus population).
    ``test_frac`` of the prompts (prompt-disjoint) is held out; ``metrics`` is
    :func:`~pluralign.reward.evaluate` on it (None when ``test_frac == 0``).
    """
    from pluralign import _validate as _v

    if not isinstance(comparisons, pl.DataFrame):
        raise InputError("comparisons must be a polars DataFrame")
    if not isinstance(prompt_aware, bool):
        raise InputError(f"prompt_aware must be True or False, got {prompt_aware!r}")
    _v.number(test_frac, "test_frac", lo=0, hi=1, hi_open=True)
    _v.seed(seed)
    _v.instance(train, TrainConfig, "train", none=True)
    _v.instance(texts, bool, "texts")
    _v.instance(group_conditioned, bool, "group_conditioned")
    if not isinstance(hidden, (list, tuple)):
        raise InputError(f"hidden must be a tuple of layer widths, got {hidden!r}")
    if comparisons.height == 0:
        raise InputError("comparisons table is empty: nothing to train on")
    if embeddings is None:
        if not texts:
            raise InputError("pass embeddings=... or texts=True (embed the text columns)")
        from pluralign.reward.encoders import embeddings_from_texts

        embeddings = embeddings_from_texts(encoder, comparisons, None, None, prompt_aware)
    table = embedding_table(embeddings)
    if "objective" in comparisons.columns:
        objectives = sorted({str(o) for o in comparisons["objective"].drop_nulls().to_list()})
    else:
        objectives = ["overall"]
    groups: list[str] = []
    if group_conditioned:
        if "group" not in comparisons.columns:
            raise SchemaError("group_conditioned=True needs a 'group' column in comparisons")
        groups = sorted({str(g) for g in comparisons["group"].drop_nulls().to_list()})
    model = RewardModel(
        ModelConfig(
            input_dim=table.matrix.shape[1],
            objectives=objectives,
            hidden=list(hidden),
            groups=groups,
            uncertainty=uncertainty,
        )
    )
    if "prompt_id" not in comparisons.columns:
        raise SchemaError("comparisons lack column 'prompt_id'")
    test_df = None
    train_df = comparisons
    if test_frac > 0:
        tr, te = prompt_split(comparisons["prompt_id"].to_list(), test_frac, seed)
        train_df, test_df = comparisons[tr], comparisons[te]
        if train_df.height == 0:
            raise InputError("test split left no training rows: lower test_frac")
    cfg = train or TrainConfig(seed=seed)
    trainer = RewardTrainer(model, cfg).fit(train_df, table)
    metrics = evaluate(model, test_df, table) if test_df is not None and test_df.height else None
    return FitResult(model, trainer, train_df, test_df, metrics)


__all__ = ["FitResult", "quick_fit"]
