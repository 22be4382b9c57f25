"""The arbiter: answer, clarify, abstain or escalate, with the reasons.

For one prompt's candidates (reward vectors on the context's objectives), in order:

1. **Constraint tiers** (lexicographic, priority order): hard thresholds remove candidates,
   tolerances keep the near-best survivors. Nothing left -> ``escalate``.
2. **Pareto front** of the admissible candidates: a dominated candidate is never chosen.
3. **Trade-off**: the front member with the smallest range-normalized weighted Chebyshev
   distance to the ideal point (Miettinen 1999, ch. 3.4: every Pareto-optimal point, also on
   non-convex parts of the front, is reachable by some weights), using the context's weights.
4. **Uncertainty** (reward std / interval width / annotator agreement beyond the thresholds)
   -> ``on_uncertain`` (``clarify`` or ``abstain``), no candidate chosen.
5. **Plural disagreement** (groups' Jensen-Shannon divergence or polarization beyond the
   thresholds) -> ``clarify``; with ``on_disagreement = "overton"`` the decision also carries
   the Overton set: the admissible candidates some group supports most (ties all included;
   Sorensen et al. 2024, "A Roadmap to Pluralistic Alignment").
6. Otherwise ``answer`` with the trade-off choice. Value conflict and weight sensitivity are
   reported as reasons but do not block an answer: the context's weights exist to settle them.

Every threshold check uses ``>=`` (``<`` for agreement), so raising a threshold can only move a
decision towards ``answer``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl

from .. import _validate as _v
from ..errors import InputError, SchemaError
from ..govern.context import Context
from .signals import _DISAGREE_MASK, _UNCERTAIN_MASK, REASONS, _signals

__all__ = ["Action", "Arbiter", "Decision"]

Action = Literal["answer", "clarify", "abstain", "escalate"]


@dataclass(frozen=True)
class Decision:
    """What the arbiter decided for one prompt, and why.

    ``chosen`` is the answered candidate (an id from ``ids``, else its position), ``None``
    unless ``action == "answer"``; ``front`` the admissible Pareto front, ``admissible`` the
    candidates that pass the constraint tiers, ``overton`` one favourite candidate per group
    (only when the context asks for an Overton set and groups disagree), ``reasons`` one
    human-readable line per reason code in ``codes``, ``signals`` the raw signal values."""

    action: Action
    chosen: Any
    front: list[Any]
    admissible: list[Any]
    reasons: list[str]
    codes: list[str]
    signals: dict[str, Any] = field(default_factory=dict)
    overton: list[Any] | None = None


_ACTIONS = pl.Series("action", ["answer", "clarify", "abstain", "escalate"])


def _actions(mask: np.ndarray, context: Context) -> tuple[pl.Series, np.ndarray]:
    """Action per prompt from the reason bitmask: escalate > uncertainty > disagreement >
    answer. Also returns the "sent to clarify by disagreement" flags."""
    uncertain = (mask & _UNCERTAIN_MASK) != 0
    disagree = (mask & _DISAGREE_MASK) != 0
    code = np.zeros(mask.shape[0], dtype=np.uint32)
    code[disagree] = 1
    code[uncertain] = 1 if context.arbiter.on_uncertain == "clarify" else 2
    code[(mask & 1) != 0] = 3
    return _ACTIONS.gather(pl.Series(code)), disagree & (code == 1)


def _front_lists(b: Any, response_id: str | None) -> pl.Series:
    """Per prompt, the list of front members (ids, or positions within the prompt), built
    from the kernel's contiguous row order (prompts in order, one list each)."""
    rows = np.flatnonzero(b.front)
    counts = np.asarray(b.n_front, dtype=np.int64)
    prompt_of = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    if response_id is None:
        values = pl.Series("front", rows - b.offsets[:-1][prompt_of], dtype=pl.Int64)
    else:
        values = b.table.get_column(response_id).gather(pl.Series(rows)).alias("front")
    lists = (
        pl.DataFrame({"_prompt": prompt_of})
        .with_columns(values)
        .group_by("_prompt", maintain_order=True)
        .agg("front")
    )
    if lists.height != len(counts):  # a prompt without front members gets an empty list
        lists = (
            pl.DataFrame({"_prompt": np.arange(len(counts), dtype=np.int64)})
            .join(lists, on="_prompt", how="left", maintain_order="left")
            .with_columns(pl.col("front").fill_null(pl.lit([], dtype=lists["front"].dtype)))
        )
    return lists.get_column("front")


class Arbiter:
    """Decides per prompt under a :class:`~pluralign.govern.Context` (see the module doc)."""

    def __init__(self, context: Context) -> None:
        if not isinstance(context, Context):
            raise InputError(
                f"Arbiter needs a pluralign.govern.Context, got {type(context).__name__}"
            )
        context.weight_vector()  # weights given only as an unresolved decision reference fail here
        self.context = context

    def __repr__(self) -> str:
        return f"Arbiter(context={self.context.name!r})"

    # -- batched ---------------------------------------------------------------------------
    def decide_batch(
        self,
        scores: pl.DataFrame,
        *,
        prompt_id: str = "prompt_id",
        response: str | None = None,
        std: str | None = None,
        group_support: pl.DataFrame | None = None,
        group: str = "group",
        support: str = "support",
        prompt_signals: pl.DataFrame | None = None,
        with_front: bool = True,
        threads: int | None = None,
        response_id: Any = _v.UNSET,
    ) -> pl.DataFrame:
        """Decisions for every prompt of ``scores`` (one row per candidate) in one call.

        Returns the columns of :func:`pluralign.edge.edge_signals` plus ``action``, ``chosen``
        (the answered candidate's id, or its position within the prompt's rows without
        ``response``, the column of candidate ids (``response_id=`` is its old name,
        deprecated); null unless ``action == "answer"``), ``front`` (list of the admissible
        Pareto front, when ``with_front``) and ``overton`` (list, only for prompts sent to
        ``clarify`` by group disagreement when the context asks for an Overton set).
        """
        response_id = _v.renamed(
            "Arbiter.decide_batch", "response", response, "response_id", response_id
        )
        ctx = self.context
        out, b = _signals(
            scores,
            ctx,
            prompt_id,
            response_id,
            std,
            group_support,
            group,
            support,
            prompt_signals,
            threads,
        )
        assert b.mask is not None
        action, by_disagreement = _actions(b.mask, ctx)
        out = out.with_columns(action)
        pick = "chosen_id" if response_id is not None else "chosen_index"
        out = out.with_columns(
            pl.when(pl.col("action") == "answer").then(pl.col(pick)).otherwise(None).alias("chosen")
        )
        if with_front:
            out = out.with_columns(_front_lists(b, response_id))
        if group_support is not None and ctx.arbiter.on_disagreement == "overton":
            assert response_id is not None
            adm = b.table.filter(pl.Series(b.admissible)).select(prompt_id, response_id)
            if group_support[response_id].dtype != adm[response_id].dtype:
                raise SchemaError(
                    f"group_support.{response_id} has type {group_support[response_id].dtype} but "
                    f"scores.{response_id} has {adm[response_id].dtype}; cast one of them"
                )
            fav = (
                group_support.join(adm, on=[prompt_id, response_id], how="inner")
                .filter(pl.col(support) > 0)
                .filter(pl.col(support) == pl.col(support).max().over([prompt_id, group]))
                .group_by(prompt_id)
                .agg(pl.col(response_id).unique().sort().alias("__overton"))
            )
            disagree = pl.Series(by_disagreement)
            out = (
                out.join(fav, on=prompt_id, how="left", maintain_order="left")
                .with_columns(
                    pl.when(pl.lit(disagree))
                    .then(pl.col("__overton"))
                    .otherwise(None)
                    .alias("overton")
                )
                .drop("__overton")
            )
        return out

    # -- one prompt ------------------------------------------------------------------------
    def decide(
        self,
        candidates: Any,
        *,
        ids: Sequence[Any] | None = None,
        std: Sequence[float] | None = None,
        groups: Mapping[str, Sequence[float]] | None = None,
        interval_width: float | None = None,
        agreement: float | None = None,
    ) -> Decision:
        """Decide for one prompt.

        ``candidates``: a polars DataFrame with one column per context objective (one row per
        candidate), a mapping objective -> values, or a (k x m) array in the context's objective
        order. ``ids`` names the candidates (default: positions 0..k-1). ``std``: reward std per
        candidate; ``groups``: group -> support per candidate (>= 0); ``interval_width`` /
        ``agreement``: per-prompt uncertainty signals.
        """
        ctx = self.context
        objs = ctx.objective_names
        if isinstance(candidates, pl.DataFrame):
            _missing = [c for c in objs if c not in candidates.columns]
            if _missing:
                raise SchemaError(
                    f"candidates: objective column(s) {_missing} not found; columns are {candidates.columns}"
                )
            df = candidates.select(objs)
        elif isinstance(candidates, Mapping):
            _missing = [c for c in objs if c not in candidates]
            if _missing:
                raise SchemaError(
                    f"candidates: objective(s) {_missing} missing; got {list(candidates)}"
                )
            try:
                df = pl.DataFrame(
                    {c: _v.numeric_array(candidates[c], f"candidates[{c!r}]") for c in objs}
                )
            except (TypeError, ValueError) as e:
                raise InputError(
                    f"candidates: values must be numbers of equal length: {e}"
                ) from None
        else:
            try:
                arr = _v.numeric_array(candidates, "candidates")
            except (TypeError, ValueError) as e:
                raise InputError(f"candidates must be numeric (k x {len(objs)}): {e}") from None
            if arr.ndim != 2 or arr.shape[1] != len(objs):
                raise InputError(
                    f"candidates must have shape (k, {len(objs)}) with columns {objs}, got {arr.shape}"
                )
            df = pl.DataFrame({c: arr[:, j] for j, c in enumerate(objs)})
        k = df.height
        if k == 0:
            raise InputError("candidates is empty; the arbiter needs at least one candidate")
        id_list = list(range(k)) if ids is None else list(ids)
        if len(id_list) != k:
            raise InputError(f"ids has {len(id_list)} entries for {k} candidates")
        try:
            distinct = len(set(id_list))
        except TypeError:
            raise InputError("ids must be hashable scalars (strings or numbers)") from None
        if distinct != k:
            raise InputError("ids must be unique")
        df = df.with_columns(
            pl.lit(0).alias("__prompt"), pl.Series("__rid", list(range(k)), pl.Int64)
        )
        std_col = None
        if std is not None:
            sd = _v.numeric_array(std, "std")
            if sd.shape != (k,):
                raise InputError(
                    f"std must have one value per candidate ({k}), got shape {sd.shape}"
                )
            df = df.with_columns(pl.Series("__std", sd))
            std_col = "__std"
        gs = None
        if groups is not None:
            rows: dict[str, list[Any]] = {
                "__prompt": [],
                "__rid": [],
                "__group": [],
                "__support": [],
            }
            for gname, vals in groups.items():
                v = _v.numeric_array(vals, f"groups[{gname!r}]")
                if v.shape != (k,):
                    raise InputError(
                        f"groups[{gname!r}] must have one support value per candidate ({k})"
                    )
                rows["__prompt"] += [0] * k
                rows["__rid"] += list(range(k))
                rows["__group"] += [str(gname)] * k
                rows["__support"] += v.tolist()
            gs = pl.DataFrame(
                rows,
                schema={
                    "__prompt": pl.Int32,
                    "__rid": pl.Int64,
                    "__group": pl.String,
                    "__support": pl.Float64,
                },
            )
        ps = None
        if interval_width is not None or agreement is not None:
            ps = pl.DataFrame(
                {"__prompt": [0], "interval_width": [interval_width], "agreement": [agreement]},
                schema={
                    "__prompt": pl.Int32,
                    "interval_width": pl.Float64,
                    "agreement": pl.Float64,
                },
            )
        out = self.decide_batch(
            df,
            prompt_id="__prompt",
            response="__rid",
            std=std_col,
            group_support=gs,
            group="__group",
            support="__support",
            prompt_signals=ps,
            with_front=True,
            threads=1,
        )
        row = out.row(0, named=True)
        _, b = _signals(df, ctx, "__prompt", "__rid", None, None, "__group", "__support", None, 1)
        adm = [id_list[i] for i in np.flatnonzero(b.admissible)]
        codes = list(row["reasons"])
        chosen = None if row["chosen"] is None else id_list[int(row["chosen"])]
        overton = row.get("overton")
        sig = {
            k2: row[k2]
            for k2 in (
                "n_admissible",
                "n_front",
                "conflict",
                "rank_corr",
                "tradeoff_choices",
                "uncertainty",
                "disagreement",
                "polarization",
                "winners_differ",
                "interval_width",
                "agreement",
            )
        }
        return Decision(
            action=row["action"],
            chosen=chosen,
            front=[id_list[int(i)] for i in sorted(row["front"])],
            admissible=adm,
            reasons=[_explain(c, sig, ctx) for c in codes],
            codes=codes,
            signals=sig,
            overton=None if overton is None else [id_list[int(i)] for i in sorted(overton)],
        )


def _explain(code: str, sig: dict[str, Any], ctx: Context) -> str:
    t = ctx.arbiter
    detail = {
        "no_admissible": f"{len(ctx.tiers)} constraint tier(s) leave no candidate",
        "value_conflict": f"conflict {sig['conflict']:.3g} >= {t.conflict}",
        "weight_sensitive": f"{sig['tradeoff_choices']} different choices over the admissible weights",
        "group_disagreement": f"Jensen-Shannon divergence {sig['disagreement']} >= {t.disagreement}",
        "polarization": f"polarization {sig['polarization']} >= {t.polarization}",
        "split_winners": "group favourites differ",
        "uncertain_reward": f"reward std {sig['uncertainty']} >= {t.uncertainty}",
        "wide_interval": f"interval width {sig['interval_width']} >= {t.interval_width}",
        "low_agreement": f"agreement {sig['agreement']} < {t.min_agreement}",
    }[code]
    return f"{code}: {REASONS[code]} ({detail})"
