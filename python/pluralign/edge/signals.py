"""Edge signals: per prompt, how contested or uncertain is the choice among its candidates?

One batched call over a **scores** table (one row per candidate: a prompt id column plus one
float column per objective of the :class:`~pluralign.govern.Context`) gives one row per prompt
with one column per signal (definitions in ``docs/edge.md``):

value conflict (computed in Rust, segmented per prompt)
    ``conflict``: share of candidate pairs that are Pareto-incomparable (each better on some
    objective); ``rank_corr``: the smallest Kendall tau-b between the candidate orders of any two
    objectives (null when undefined: fewer than 2 candidates, 1 objective, or constant
    objectives); ``tradeoff_choices``: how many different candidates the Chebyshev trade-off
    picks over the extreme points of the context's admissible weights (> 1 means the best
    candidate depends on the weights).
plural disagreement (from an optional long ``group_support`` table: prompt, response, group,
support >= 0; each group's support normalized to a distribution over the prompt's candidates)
    ``disagreement``: the largest Jensen-Shannon divergence (base 2, in [0, 1]) between two
    groups; ``polarization``: ``1 - sum_c min_g p_g(c)``, the share of support mass the groups
    do not hold in common (total variation distance for two groups); ``winners_differ``: no
    candidate is a favourite (ties included) of every group.
epistemic uncertainty
    ``uncertainty``: reward standard deviation (the ``std`` column) of the candidate the trade-off
    chooses; ``interval_width`` and ``agreement`` pass through from an optional per-prompt table
    (e.g. Bradley-Terry interval widths and Krippendorff's alpha from :mod:`pluralign.stats`).

``edge`` is true when any reason fires; ``reasons`` lists them (codes in :data:`REASONS`),
compared with the context's :class:`~pluralign.govern.context.ArbiterThresholds` using ``>=``
(``<`` for agreement), so raising a threshold never adds a reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from .. import _validate as _v
from .._edge_batch import Batch as _Batch
from .._edge_batch import run_kernel as _run_kernel
from .._edge_batch import scores_frame as _as_scores
from ..errors import InputError, SchemaError
from ..govern.context import Context

__all__ = ["REASONS", "edge_signals", "group_signals"]

#: Reason codes, in the order they are listed.
REASONS: dict[str, str] = {
    "no_admissible": "no candidate satisfies the hard constraint tiers",
    "value_conflict": "many candidate pairs are Pareto-incomparable (objectives pull apart)",
    "weight_sensitive": "the best candidate changes across the admissible trade-off weights",
    "group_disagreement": "stakeholder groups' preferences diverge (Jensen-Shannon)",
    "polarization": "stakeholder groups hold little support in common",
    "split_winners": "stakeholder groups favour different candidates",
    "uncertain_reward": "the chosen candidate's reward standard deviation is high",
    "wide_interval": "the preference confidence interval is wide",
    "low_agreement": "annotators agree too little",
}


def group_signals(
    group_support: pl.DataFrame,
    *,
    prompt_id: str = "prompt_id",
    response: str = "response_id",
    group: str = "group",
    support: str = "support",
    groups: Sequence[str] | None = None,
    response_id: Any = _v.UNSET,
) -> pl.DataFrame:
    """Plural-disagreement signals per prompt from a long table of group support.

    ``group_support`` has one row per (prompt, response, group) with ``support >= 0`` (a vote
    share, an approval count, a mean rating shifted to be >= 0, ...). Each group's support over
    the prompt's responses is normalized to a distribution ``p_g``; groups with zero total
    support on a prompt are left out of that prompt. Returns ``prompt_id``, ``n_groups``,
    ``disagreement`` (largest pairwise Jensen-Shannon divergence, base 2, Lin 1991),
    ``polarization`` (``1 - sum_c min_g p_g(c)``) and ``winners_differ`` (no candidate is a
    top choice, ties included, of every group); prompts with fewer
    than two groups get 0 / 0 / false.
    """
    response_id = _v.renamed(
        "group_signals", "response", response, "response_id", response_id, default="response_id"
    )
    if not isinstance(group_support, pl.DataFrame):
        raise InputError(
            f"group_support must be a polars DataFrame, got {type(group_support).__name__}"
        )
    _v.require_columns(group_support, [prompt_id, response_id, group, support], "group_support")
    for c in (prompt_id, response_id, group):
        if group_support[c].null_count():
            row = int(group_support[c].is_null().arg_max() or 0)
            raise InputError(f"group_support: column '{c}' is null at row {row}")
    _v.finite_columns(group_support, [support], "group_support", nonneg=True)
    names = (
        list(groups)
        if groups is not None
        else sorted(group_support[group].unique().cast(pl.String).to_list())
    )
    if groups is not None:
        unknown = group_support.filter(~pl.col(group).cast(pl.String).is_in(names))
        if unknown.height:
            raise InputError(
                f"group_support: group {unknown[group][0]!r} (row of prompt {unknown[prompt_id][0]!r}) "
                f"is not one of the context's groups {names}"
            )
    g = pl.col(group).cast(pl.String)
    s = pl.col(support).cast(pl.Float64)
    wide = group_support.group_by([prompt_id, response_id], maintain_order=True).agg(
        [s.filter(g == name).sum().alias(f"__s{i}") for i, name in enumerate(names)]
    )
    G = len(names)
    tot = [pl.col(f"__s{i}").sum().over(prompt_id) for i in range(G)]
    wide = wide.with_columns(
        [
            pl.when(tot[i] > 0).then(pl.col(f"__s{i}") / tot[i]).otherwise(None).alias(f"__p{i}")
            for i in range(G)
        ]
    )

    wide = wide.with_columns(
        pl.all_horizontal(
            [
                (pl.col(f"__p{i}") == pl.col(f"__p{i}").max().over(prompt_id)).fill_null(True)
                for i in range(G)
            ]
        ).alias("__alltop")
    )

    def xlogx_ratio(p: pl.Expr, m: pl.Expr) -> pl.Expr:
        return pl.when(p > 0).then(p * (p / m).log(2)).otherwise(0.0)

    aggs: list[pl.Expr] = [
        pl.sum_horizontal(
            [pl.col(f"__p{i}").is_not_null().any().cast(pl.Int64) for i in range(G)]
        ).alias("n_groups")
    ]
    js_cols = []
    for a in range(G):
        for b in range(a + 1, G):
            pa, pb = pl.col(f"__p{a}"), pl.col(f"__p{b}")
            m = (pa + pb) / 2
            js = (0.5 * xlogx_ratio(pa, m) + 0.5 * xlogx_ratio(pb, m)).sum()
            both = pa.is_not_null().any() & pb.is_not_null().any()
            aggs.append(pl.when(both).then(js).otherwise(None).alias(f"__js{a}_{b}"))
            js_cols.append(f"__js{a}_{b}")
    common = pl.min_horizontal([pl.col(f"__p{i}") for i in range(G)]).sum()
    aggs.append(common.alias("__common"))
    aggs.append(pl.col("__alltop").any().alias("__shared_top"))
    per = wide.group_by(prompt_id, maintain_order=True).agg(aggs)
    two = pl.col("n_groups") >= 2
    per = per.select(
        pl.col(prompt_id),
        pl.col("n_groups"),
        pl.when(two)
        .then(pl.max_horizontal([pl.col(c) for c in js_cols]) if js_cols else pl.lit(0.0))
        .otherwise(0.0)
        .clip(0.0, 1.0)
        .alias("disagreement"),
        pl.when(two)
        .then(1.0 - pl.col("__common"))
        .otherwise(0.0)
        .clip(0.0, 1.0)
        .alias("polarization"),
        pl.when(two).then(~pl.col("__shared_top")).otherwise(False).alias("winners_differ"),
    )
    return per


def _per_prompt(
    b: _Batch,
    prompt_id: str,
    response_id: str | None,
    std: str | None,
) -> pl.DataFrame:
    starts = b.offsets[:-1]
    has = b.chosen >= 0
    chosen_row = np.where(has, starts + np.maximum(b.chosen, 0), 0)
    cols: dict[str, Any] = {
        "n_candidates": np.diff(b.offsets),
        "n_admissible": b.n_admissible,
        "n_front": b.n_front,
        "chosen_index": pl.Series(np.where(has, b.chosen, 0)).set(pl.Series(~has), None)
        if (~has).any()
        else b.chosen,
        "conflict": b.conflict,
        "rank_corr": pl.Series(b.min_tau).fill_nan(None),
        "tradeoff_choices": b.n_choices,
    }
    out = b.prompts.with_columns([pl.Series(k, v) for k, v in cols.items()])
    mask = pl.Series(has)
    if response_id is not None:
        rid = b.table.get_column(response_id).gather(pl.Series(chosen_row))
        out = out.with_columns(pl.when(mask).then(rid).otherwise(None).alias("chosen_id"))
    if std is not None:
        sd = b.table.get_column(std).cast(pl.Float64).gather(pl.Series(chosen_row))
        out = out.with_columns(pl.when(mask).then(sd).otherwise(None).alias("uncertainty"))
    else:
        out = out.with_columns(pl.lit(None, pl.Float64).alias("uncertainty"))
    return out


def _reason_exprs(context: Context) -> list[tuple[str, pl.Expr]]:
    t = context.arbiter

    def ge(col: str, thr: float | None) -> pl.Expr:
        if thr is None:
            return pl.lit(False)
        return (pl.col(col) >= thr).fill_null(False)

    return [
        ("no_admissible", pl.col("n_admissible") == 0),
        ("value_conflict", ge("conflict", t.conflict)),
        ("weight_sensitive", pl.col("tradeoff_choices") > 1),
        ("group_disagreement", ge("disagreement", t.disagreement)),
        ("polarization", ge("polarization", t.polarization)),
        ("split_winners", pl.col("winners_differ").fill_null(False)),
        ("uncertain_reward", ge("uncertainty", t.uncertainty)),
        ("wide_interval", ge("interval_width", t.interval_width)),
        (
            "low_agreement",
            pl.lit(False)
            if t.min_agreement is None
            else (pl.col("agreement") < t.min_agreement).fill_null(False),
        ),
    ]


_CODES = list(REASONS)
_UNCERTAIN_MASK = sum(
    1 << _CODES.index(c) for c in ("uncertain_reward", "wide_interval", "low_agreement")
)
_DISAGREE_MASK = sum(1 << _CODES.index(c) for c in ("group_disagreement", "polarization"))
_LUT: pl.Series | None = None


def _reason_lists(mask: np.ndarray) -> pl.Series:
    """``reasons`` list column from a bitmask per prompt (bit i = ``_CODES[i]``), by gathering
    from a table of all 2^9 lists: much faster than building lists row by row."""
    global _LUT
    if _LUT is None:
        _LUT = pl.Series(
            "reasons",
            [[c for i, c in enumerate(_CODES) if m >> i & 1] for m in range(1 << len(_CODES))],
            dtype=pl.List(pl.String),
        )
    return _LUT.gather(pl.Series(mask.astype(np.uint32))).alias("reasons")


def _reason_mask(out: pl.DataFrame, context: Context) -> np.ndarray:
    exprs = _reason_exprs(context)
    flags = out.select([e.alias(f"__r{i}") for i, (_, e) in enumerate(exprs)])
    mask = np.zeros(out.height, dtype=np.uint32)
    for i in range(len(exprs)):
        mask |= flags.get_column(f"__r{i}").to_numpy().astype(np.uint32) << i
    return mask


def _finish(out: pl.DataFrame, context: Context) -> tuple[pl.DataFrame, np.ndarray]:
    mask = _reason_mask(out, context)
    return out.with_columns(pl.Series("edge", mask != 0), _reason_lists(mask)), mask


def _attach_extras(
    out: pl.DataFrame,
    prompt_id: str,
    group_support: pl.DataFrame | None,
    group_kw: dict[str, Any],
    prompt_signals: pl.DataFrame | None,
) -> pl.DataFrame:
    if group_support is not None:
        gs = group_signals(group_support, prompt_id=prompt_id, **group_kw)
        if gs[prompt_id].dtype != out[prompt_id].dtype:
            raise SchemaError(
                f"group_support.{prompt_id} has type {gs[prompt_id].dtype} but scores.{prompt_id} "
                f"has {out[prompt_id].dtype}; cast one of them"
            )
        out = out.join(gs, on=prompt_id, how="left", maintain_order="left")
    else:
        out = out.with_columns(
            pl.lit(None, pl.Int64).alias("n_groups"),
            pl.lit(None, pl.Float64).alias("disagreement"),
            pl.lit(None, pl.Float64).alias("polarization"),
            pl.lit(None, pl.Boolean).alias("winners_differ"),
        )
    extra = ["interval_width", "agreement"]
    if prompt_signals is not None:
        if not isinstance(prompt_signals, pl.DataFrame):
            raise InputError("prompt_signals must be a polars DataFrame")
        have = [c for c in extra if c in prompt_signals.columns]
        _v.require_columns(prompt_signals, [prompt_id], "prompt_signals")
        if not have:
            raise SchemaError(
                f"prompt_signals needs a column 'interval_width' and/or 'agreement'; columns are "
                f"{prompt_signals.columns}"
            )
        if prompt_signals[prompt_id].n_unique() != prompt_signals.height:
            raise InputError(
                f"prompt_signals has repeated {prompt_id} values; give one row per prompt"
            )
        _v.finite_columns(prompt_signals.drop_nulls(have), have, "prompt_signals")
        ps = prompt_signals.select(prompt_id, *[pl.col(c).cast(pl.Float64) for c in have])
        out = out.join(ps, on=prompt_id, how="left", maintain_order="left")
    for c in extra:
        if c not in out.columns:
            out = out.with_columns(pl.lit(None, pl.Float64).alias(c))
    return out


def edge_signals(
    scores: pl.DataFrame,
    context: Context,
    *,
    prompt_id: str = "prompt_id",
    response: str | None = None,
    std: str | None = None,
    group_support: pl.DataFrame | None = None,
    group: str = "group",
    support: str = "support",
    prompt_signals: pl.DataFrame | None = None,
    threads: int | None = None,
    response_id: Any = _v.UNSET,
) -> pl.DataFrame:
    """Edge signals for every prompt of ``scores`` (one row per candidate) under ``context``.

    Returns one row per prompt (order of first appearance when each prompt's rows are
    contiguous, otherwise sorted by ``prompt_id``) with ``n_candidates``, ``n_admissible``,
    ``n_front``, ``chosen_index`` (position of the trade-off choice within the prompt's rows,
    null when nothing is admissible), ``chosen_id`` (when ``response``, the column of candidate
    ids, is given; ``response_id=`` is its old name, deprecated),
    ``conflict``, ``rank_corr``, ``tradeoff_choices``, ``uncertainty``, ``n_groups``,
    ``disagreement``, ``polarization``, ``winners_differ``, ``interval_width``, ``agreement``,
    ``edge`` and ``reasons`` (see the module docstring and ``docs/edge.md``).

    ``group_support`` (columns ``prompt_id``, ``response_id``, ``group``, ``support``) needs
    ``response``; ``prompt_signals`` has ``prompt_id`` and ``interval_width`` and/or
    ``agreement``.
    """
    response_id = _v.renamed("edge_signals", "response", response, "response_id", response_id)
    return _signals(
        scores,
        context,
        prompt_id,
        response_id,
        std,
        group_support,
        group,
        support,
        prompt_signals,
        threads,
    )[0]


def _signals(
    scores: pl.DataFrame,
    context: Context,
    prompt_id: str,
    response_id: str | None,
    std: str | None,
    group_support: pl.DataFrame | None,
    group: str,
    support: str,
    prompt_signals: pl.DataFrame | None,
    threads: int | None,
) -> tuple[pl.DataFrame, _Batch]:
    if not isinstance(context, Context):
        raise InputError(
            f"context must be a pluralign.govern.Context, got {type(context).__name__}"
        )
    scores = _as_scores(scores, context, prompt_id)
    if response_id is not None:
        _v.require_columns(scores, [response_id], "scores")
    if std is not None:
        _v.require_columns(scores, [std], "scores")
        _v.finite_columns(scores, [std], "scores", nonneg=True)
    if group_support is not None and response_id is None:
        raise InputError(
            "group_support is matched to candidates by response id: pass response_id='...'"
        )
    b = _run_kernel(scores, context, prompt_id, threads)
    out = _per_prompt(b, prompt_id, response_id, std)
    group_kw: dict[str, Any] = {
        "response": response_id,
        "group": group,
        "support": support,
        "groups": context.groups.names if context.groups is not None else None,
    }
    out = _attach_extras(out, prompt_id, group_support, group_kw, prompt_signals)
    out, mask = _finish(out, context)
    b.mask = mask
    return out, b
