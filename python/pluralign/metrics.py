"""Failure-mode metrics: what a scalar alignment pipeline gets wrong, measured on the same data.

The *scalar pipeline* is the usual baseline: collapse each candidate's reward vector into one
number (the mean, or sum, of its objectives, minimized objectives negated) and answer with the
argmax, always. The *pluralistic pipeline* is :class:`pluralign.edge.Arbiter` under a
:class:`pluralign.govern.Context`. Three failures (the names follow the pluralistic-alignment
position papers the project implements, e.g. Sorensen et al. 2024; definitions in
``docs/edge.md``):

- :func:`value_flattening`: how often the scalar choice violates a hard constraint, is
  Pareto-dominated by an admissible candidate, or differs from every admissible trade-off
  (the Chebyshev choices over the extreme points of the context's admissible weights).
- :func:`representation_loss`: per stakeholder group, the satisfaction of the chosen outcome
  (the group's support for it divided by its support for its favourite), and the gap between
  the best- and worst-served group.
- :func:`uncertainty_blindness`: among the edge cases (prompts the arbiter does not simply
  answer), the share the scalar pipeline answers with confidence (scalar margin > a bound).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl

from . import _core
from . import _validate as _v
from ._edge_batch import run_kernel as _run_kernel
from ._edge_batch import scores_frame as _as_scores
from .errors import InputError
from .govern.context import Context

__all__ = [
    "Metric",
    "representation_loss",
    "scalar_choice",
    "uncertainty_blindness",
    "value_flattening",
]


@dataclass(frozen=True)
class Metric:
    """A failure-mode metric: the headline ``value``, a per-prompt (or per-group) table, and
    the parts it is made of in ``detail``."""

    name: str
    value: float
    table: pl.DataFrame
    detail: dict[str, Any] = field(default_factory=dict)


def _scalar(
    b_table: pl.DataFrame, context: Context, offsets: np.ndarray, how: str, reward: str | None
) -> tuple[np.ndarray, np.ndarray]:
    if reward is not None:
        u = b_table.get_column(reward).cast(pl.Float64).to_numpy()
    else:
        objs = context.objective_names
        x = np.column_stack([b_table.get_column(c).cast(pl.Float64).to_numpy() for c in objs])
        sign = np.where(np.array(context.maximize), 1.0, -1.0)
        u = (x * sign).sum(axis=1)
        if how == "mean":
            u = u / len(objs)
    n_p = len(offsets) - 1
    idx = np.full(n_p, -1, dtype=np.int64)
    margin = np.full(n_p, np.nan)
    for_sizes = np.diff(offsets)
    # vectorized per-prompt argmax (first row on ties) and top-2 margin
    prompt_of_row = np.repeat(np.arange(n_p), for_sizes)
    order = np.lexsort((np.arange(len(u)), -u, prompt_of_row))
    starts = offsets[:-1]
    nonempty = for_sizes > 0
    first = order[starts[nonempty]]
    idx[nonempty] = first - starts[nonempty]
    two = for_sizes >= 2
    second = order[starts[two] + 1]
    margin[two] = u[order[starts[two]]] - u[second]
    return idx, margin


def _reward_col(scores: pl.DataFrame, reward: str | None) -> None:
    if reward is not None:
        _v.require_columns(scores, [reward], "scores")
        _v.finite_columns(scores, [reward], "scores")


def scalar_choice(
    scores: pl.DataFrame,
    context: Context,
    *,
    prompt_id: str = "prompt_id",
    how: Literal["mean", "sum"] = "mean",
    reward: str | None = None,
) -> pl.DataFrame:
    """The scalar pipeline's choice per prompt: argmax of the mean (or sum) of the objectives
    (minimized ones negated), or of the column ``reward`` (e.g. a scalar reward model's score);
    first row on ties. Returns ``prompt_id``, ``scalar_index``
    (position within the prompt's rows) and ``scalar_margin`` (best minus second-best scalar
    reward; null with one candidate). Prompts are ordered as in
    :func:`pluralign.edge.edge_signals`."""
    if not isinstance(how, str) or how not in ("mean", "sum"):
        raise InputError(f"how must be 'mean' or 'sum', got {how!r}")
    scores = _as_scores(scores, context, prompt_id)
    _reward_col(scores, reward)
    b = _run_kernel(scores, context, prompt_id, 1)
    idx, margin = _scalar(b.table, context, b.offsets, how, reward)
    return b.prompts.with_columns(
        pl.Series("scalar_index", idx), pl.Series("scalar_margin", margin).fill_nan(None)
    )


def value_flattening(
    scores: pl.DataFrame,
    context: Context,
    *,
    prompt_id: str = "prompt_id",
    how: Literal["mean", "sum"] = "mean",
    reward: str | None = None,
    threads: int | None = None,
) -> Metric:
    """Value flattening: the share of prompts whose scalar choice is *flattened* (violates the
    constraint tiers or is Pareto-dominated by an admissible candidate).

    ``detail``: ``inadmissible`` / ``dominated`` rates, ``differs`` (the share of prompts with an
    admissible candidate where the scalar choice is none of the Chebyshev trade-off choices
    over the extreme points of the admissible weights), ``prompts``. ``table`` has one row per
    prompt with the flags. The scalar choice is the argmax of the mean / sum of the objectives
    (never dominated, but possibly inadmissible) or of the column ``reward``.
    """
    if not isinstance(how, str) or how not in ("mean", "sum"):
        raise InputError(f"how must be 'mean' or 'sum', got {how!r}")
    scores = _as_scores(scores, context, prompt_id)
    _reward_col(scores, reward)
    b = _run_kernel(scores, context, prompt_id, threads)
    idx, _ = _scalar(b.table, context, b.offsets, how, reward)
    starts = b.offsets[:-1]
    has = idx >= 0
    row = np.where(has, starts + np.maximum(idx, 0), 0)
    inadm = has & ~b.admissible[row]
    dominated = has & b.admissible[row] & ~b.front[row]
    # Chebyshev choices for each extreme admissible weight vector, one kernel call each
    picks = []
    cols = [b.table.get_column(c).cast(pl.Float64).rechunk() for c in context.objective_names]
    index = {n: j for j, n in enumerate(context.objective_names)}
    tiers = context.tiers
    for wrow in context.admissible_weights():
        out = _core.edge_batch(
            cols,
            context.maximize,
            b.offsets,
            [index[t.objective] for t in tiers],
            [np.nan if t.threshold is None else float(t.threshold) for t in tiers],
            [np.nan if t.tolerance is None else float(t.tolerance) for t in tiers],
            [bool(t.relative) for t in tiers],
            np.ascontiguousarray(wrow[None, :]),
            threads,
        )
        picks.append(out.chosen)
    picks_arr = np.column_stack(picks)
    any_adm = b.n_admissible > 0
    differs = any_adm & has & ~(picks_arr == idx[:, None]).any(axis=1)
    flattened = inadm | dominated
    table = b.prompts.with_columns(
        pl.Series("scalar_index", idx),
        pl.Series("scalar_inadmissible", inadm),
        pl.Series("scalar_dominated", dominated),
        pl.Series("scalar_differs", differs),
        pl.Series("flattened", flattened),
    )
    n = len(idx)
    rate = float(flattened.mean()) if n else 0.0
    n_adm = int(any_adm.sum())
    return Metric(
        "value_flattening",
        rate,
        table,
        {
            "prompts": n,
            "inadmissible": float(inadm.mean()) if n else 0.0,
            "dominated": float(dominated.mean()) if n else 0.0,
            "differs": float(differs.sum() / n_adm) if n_adm else 0.0,
        },
    )


def representation_loss(
    group_support: pl.DataFrame,
    decisions: pl.DataFrame | None = None,
    *,
    prompt_id: str = "prompt_id",
    response: str = "response_id",
    group: str = "group",
    support: str = "support",
    chosen: str = "chosen",
    chosen_col: Any = _v.UNSET,
    response_id: Any = _v.UNSET,
) -> Metric:
    """Representation loss of the outcomes in ``decisions`` (columns ``prompt_id`` and
    ``chosen``, the chosen response id; prompts with a null choice are skipped and counted).

    ``group_support`` has one row per (prompt, response, group): columns ``prompt_id``,
    ``response`` (default ``"response_id"``), ``group`` and ``support``. Old names, kept one
    release with a DeprecationWarning: the table as ``chosen=``, ``chosen_col=`` for the column
    ``chosen=``, ``response_id=`` for ``response=``.

    Satisfaction of group g at a prompt = ``support_g(chosen) / max_c support_g(c)`` (0 when the
    group gave the chosen response no support; prompts where g supports nothing are skipped for
    g). ``table``: per group ``mean_satisfaction`` and ``prompts``; ``value``: the worst-group
    gap (best group's mean minus worst group's); ``detail``: ``worst_group``,
    ``worst_satisfaction``, ``skipped`` prompts.
    """
    if decisions is None and not isinstance(chosen, str):  # the table under its old keyword
        decisions = _v.renamed("representation_loss", "decisions", None, "chosen", chosen)
        chosen = "chosen"
    chosen_col = _v.renamed(
        "representation_loss", "chosen", chosen, "chosen_col", chosen_col, default="chosen"
    )
    response_id = _v.renamed(
        "representation_loss",
        "response",
        response,
        "response_id",
        response_id,
        default="response_id",
    )
    if decisions is None:
        raise InputError(
            "representation_loss needs decisions (a table with prompt_id and the "
            "chosen response per prompt)"
        )
    table = decisions
    for df, what, cols in (
        (group_support, "group_support", [prompt_id, response_id, group, support]),
        (table, "decisions", [prompt_id, chosen_col]),
    ):
        if not isinstance(df, pl.DataFrame):
            raise InputError(f"{what} must be a polars DataFrame, got {type(df).__name__}")
        _v.require_columns(df, cols, what)
    _v.finite_columns(group_support, [support], "group_support", nonneg=True)
    if table[prompt_id].n_unique() != table.height:
        raise InputError(f"decisions has repeated {prompt_id} values; give one choice per prompt")
    skipped = int(table[chosen_col].null_count())
    ch = table.filter(pl.col(chosen_col).is_not_null()).select(
        prompt_id, pl.col(chosen_col).alias(response_id)
    )
    if ch.height and ch[response_id].dtype != group_support[response_id].dtype:
        raise InputError(
            f"decisions.{chosen_col} has type {ch[response_id].dtype} but group_support.{response_id} has "
            f"{group_support[response_id].dtype}; cast one of them"
        )
    gs = group_support.with_columns(pl.col(support).cast(pl.Float64))
    best = (
        gs.group_by([prompt_id, group])
        .agg(pl.col(support).max().alias("__best"))
        .filter(pl.col("__best") > 0)
    )
    got = (
        gs.join(ch, on=[prompt_id, response_id], how="inner")
        .group_by([prompt_id, group])
        .agg(pl.col(support).sum().alias("__got"))
    )
    sat = (
        best.join(ch.select(prompt_id), on=prompt_id, how="inner")
        .join(got, on=[prompt_id, group], how="left")
        .with_columns(
            (pl.col("__got").fill_null(0.0) / pl.col("__best")).clip(0.0, 1.0).alias("satisfaction")
        )
    )
    per_group = (
        sat.group_by(group)
        .agg(pl.col("satisfaction").mean().alias("mean_satisfaction"), pl.len().alias("prompts"))
        .sort(group)
    )
    if per_group.height == 0:
        return Metric(
            "representation_loss",
            0.0,
            per_group,
            {"worst_group": None, "worst_satisfaction": None, "skipped": skipped},
        )
    worst = per_group.sort(["mean_satisfaction", group]).row(0, named=True)
    gap = float(
        per_group.select(
            pl.col("mean_satisfaction").max() - pl.col("mean_satisfaction").min()
        ).item()
    )
    return Metric(
        "representation_loss",
        gap,
        per_group,
        {
            "worst_group": worst[group],
            "worst_satisfaction": float(worst["mean_satisfaction"]),
            "skipped": skipped,
        },
    )


def uncertainty_blindness(
    decisions: pl.DataFrame,
    scalar: pl.DataFrame,
    *,
    prompt_id: str = "prompt_id",
    margin: float = 0.0,
) -> Metric:
    """Uncertainty blindness: among the edge cases (``decisions`` rows, from
    :meth:`pluralign.edge.Arbiter.decide_batch`, whose ``action`` is not ``answer``), the share
    the scalar pipeline answers with confidence (``scalar_margin > margin`` in ``scalar``, from
    :func:`scalar_choice`; a single candidate counts as confident). ``detail``: ``edge_cases``,
    ``edge_share`` (edge cases / prompts), ``blind`` (count)."""
    _v.require_columns(decisions, [prompt_id, "action"], "decisions")
    _v.require_columns(scalar, [prompt_id, "scalar_margin"], "scalar")
    if not np.isfinite(margin):
        raise InputError(f"margin must be finite, got {margin}")
    j = decisions.select(prompt_id, "action").join(
        scalar.select(prompt_id, "scalar_margin"), on=prompt_id, how="left", maintain_order="left"
    )
    missing = j.filter(
        pl.col("scalar_margin").is_null() & ~pl.col(prompt_id).is_in(scalar[prompt_id].implode())
    )
    if missing.height:
        raise InputError(
            f"scalar has no row for prompt {missing[prompt_id][0]!r}; compute both on the same scores"
        )
    table = j.with_columns(
        (pl.col("action") != "answer").alias("edge_case"),
        (pl.col("scalar_margin").fill_null(float("inf")) > margin).alias("scalar_confident"),
    ).with_columns((pl.col("edge_case") & pl.col("scalar_confident")).alias("blind"))
    n_edge = int(table["edge_case"].sum())
    blind = int(table["blind"].sum())
    return Metric(
        "uncertainty_blindness",
        blind / n_edge if n_edge else 0.0,
        table,
        {
            "edge_cases": n_edge,
            "edge_share": n_edge / table.height if table.height else 0.0,
            "blind": blind,
        },
    )
