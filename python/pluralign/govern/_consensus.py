"""Consensus across opinion groups: what bridges the groups, and what represents each one.

Definitions (Polis; Small et al., 2021, and the ``polis-math`` code):

- **group-informed consensus** of a statement: the product over opinion groups of the
  Laplace-smoothed probability that a member of the group agrees,
  ``P_g(agree) = (A_g + 1) / (S_g + 2)`` with ``A_g`` agrees and ``S_g`` votes seen (agree,
  disagree or pass) in group g. A statement scores high only if every group tends to agree.
- **bridging score**: the smoothed agree probability of the *least* agreeing group,
  ``min_g P_g(agree)`` (a max-min notion of bridging: the statement is only as bridging as
  its most reluctant group); ``polarization`` is ``max_g - min_g`` of the same probabilities.
- **representativeness** of a statement for group g: the ratio of the smoothed agree rate in g
  to the smoothed agree rate of everyone outside g (``ra`` in Polis), with a two-proportion
  z-test of the raw rates (pooled standard error; two-sided p-value). The same is reported for
  disagreement.
- **Polis's representative statements** (:meth:`Consensus.representative`) and **consensus
  statements** (:meth:`Consensus.polis_consensus`): Polis's own selection rules
  (``repness.clj``), see :mod:`pluralign.govern.polis`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from pluralign import _validate as _v
from pluralign.errors import InputError, SchemaError

from . import polis
from .groups import OpinionGroups, VoteMatrix, vote_matrix_for

__all__ = ["Consensus", "consensus"]


def group_table(groups: Any, group: str = "group") -> pl.DataFrame:
    """Normalize ``groups`` (an :class:`OpinionGroups` or a DataFrame with ``participant_id``
    and a group column) to a two-column (participant_id, group) table without duplicates."""
    if isinstance(groups, OpinionGroups):
        return groups.table()
    if not isinstance(groups, pl.DataFrame):
        raise InputError(
            "groups must be an OpinionGroups result or a polars DataFrame with columns "
            f"'participant_id' and '{group}', got {type(groups).__name__}"
        )
    missing = [c for c in ("participant_id", group) if c not in groups.columns]
    if missing:
        raise SchemaError(
            f"groups table lacks column(s) {missing} (it has {groups.columns}); pass group= to "
            "name the group column"
        )
    t = groups.select("participant_id", pl.col(group).alias("group"))
    nulls = t["group"].is_null() | t["participant_id"].is_null()
    if nulls.any():
        row = int(nulls.arg_true()[0])
        raise InputError(f"groups table has a null participant_id or {group} in row {row}")
    dup = t["participant_id"].is_duplicated()
    if dup.any():
        row = int(dup.arg_true()[0])
        raise InputError(
            f"participant {t['participant_id'][row]!r} appears more than once in the groups "
            f"table (row {row}); each participant belongs to one group"
        )
    return t


def participant_groups(
    vm: VoteMatrix, groups: Any, group: str = "group"
) -> tuple[np.ndarray, list[Hashable]]:
    """Group index per participant of ``vm`` (-1 = no group) and the sorted group labels."""
    t = group_table(groups, group)
    labels = sorted(set(t["group"].to_list()), key=lambda x: (str(type(x)), x))
    index = {g: i for i, g in enumerate(labels)}
    if vm.participant_ids is not None and vm.participant_ids.dtype == t["participant_id"].dtype:
        # vectorized: join the group codes onto the participants (in vm order)
        codes = pl.DataFrame(
            {
                "group": pl.Series(labels, dtype=t["group"].dtype),
                "_gid": np.arange(len(labels), dtype=np.int64),
            }
        )
        looked = pl.DataFrame({"participant_id": vm.participant_ids}).join(
            t.join(codes, on="group", how="left"),
            on="participant_id",
            how="left",
            maintain_order="left",
        )
        return looked["_gid"].fill_null(-1).to_numpy().astype(np.int64), labels
    lookup = dict(zip(t["participant_id"].to_list(), (index[g] for g in t["group"].to_list())))
    gid = np.array([lookup.get(p, -1) for p in vm.participants], dtype=np.int64)
    return gid, labels


def _ztest(
    a1: np.ndarray, n1: np.ndarray, a2: np.ndarray, n2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two-proportion z-test (pooled); z and two-sided p. NaN where a side has no votes."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = a1 / n1, a2 / n2
        pooled = (a1 + a2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = np.where(se > 0, (p1 - p2) / np.where(se > 0, se, 1.0), 0.0)
    z = np.where((n1 > 0) & (n2 > 0), z, np.nan)
    p = np.array([math.erfc(abs(v) / math.sqrt(2)) if np.isfinite(v) else np.nan for v in z])
    return z, p


@dataclass(frozen=True)
class Consensus:
    """Result of :func:`consensus`.

    ``statements``: one row per statement (sorted by ``statement_id``): ``n_votes``,
    ``n_agree``, ``n_disagree``, ``n_pass`` (all voters), ``gic`` (group-informed consensus),
    ``bridging`` (min over groups of the smoothed agree probability), ``polarization``.
    ``by_group``: one row per (statement, group): counts in the group, ``p_agree`` /
    ``p_disagree`` (smoothed, in group), ``p_agree_rest`` / ``p_disagree_rest`` (smoothed,
    outside), ``agree_ratio`` / ``disagree_ratio`` (representativeness), ``z_agree``,
    ``p_value_agree``, ``z_disagree``, ``p_value_disagree``.
    ``n_ungrouped_votes``: votes by participants absent from ``groups`` (counted in the
    statement totals, not in any group).
    """

    statements: pl.DataFrame
    by_group: pl.DataFrame
    groups: list[Hashable]
    n_ungrouped_votes: int
    n_votes_excluded: int
    # Polis's per-(group, statement) statistics (polis.repness_stats) and the all-voter
    # agree / disagree / seen counts, in the order of statements["statement_id"]
    _polis: dict[str, np.ndarray] | None = field(default=None, repr=False, compare=False)
    _totals: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(
        default=None, repr=False, compare=False
    )

    def _group(self, group: Any) -> None:
        # an array or a list would fail `in` ambiguously; a group label is one hashable value
        if isinstance(group, (np.ndarray, list, tuple, set, dict)) or not isinstance(
            group, Hashable
        ):
            raise InputError(f"group must be one group label, got {type(group).__name__}")
        if group not in self.groups:
            raise InputError(f"unknown group {group!r}; groups are {self.groups}")

    def top(self, n: int = 10, by: str = "gic") -> pl.DataFrame:
        """The ``n`` statements with the highest ``by`` (ties by statement_id)."""
        n = min(_v.count(n, "n"), self.statements.height)  # polars' head() takes at most 2**63
        _v.option(by, "by", self.statements.columns)
        return self.statements.sort([by, "statement_id"], descending=[True, False]).head(n)

    def representative(self, group: Hashable, n: int = 5) -> pl.DataFrame:
        """Polis's representative statements of ``group`` (``repness.clj
        select-rep-comments``): at most ``n``, the best-agree statement first, then by
        ``repness * repness_test * p_success * p_test``; agrees listed before disagrees.

        A statement qualifies when the group agrees (or disagrees) significantly more than the
        other groups together *and* more often than not (both one-sided z > 1.2816, with
        Polis's pseudocount of 1 on each count); ``repful_for`` says which. Columns:
        ``statement_id``, ``repful_for``, ``n_success``, ``n_trials``, ``p_success``,
        ``p_test``, ``repness``, ``repness_test``, ``best_agree``. "The other groups" are the
        other groups of ``groups`` (Polis counts only clustered participants: pass
        ``OpinionGroups.assignments.filter(pl.col("clustered"))`` for its exact figures)."""
        self._group(group)
        n = _v.count(n, "n")
        assert self._polis is not None
        rows = polis.select_representative(self._polis, self.groups.index(group), n)
        ids = self.statements["statement_id"].to_list()
        return pl.DataFrame(
            [
                {
                    "statement_id": ids[r["column"]],
                    "repful_for": r["repful_for"],
                    "n_success": r["n_success"],
                    "n_trials": r["n_trials"],
                    "p_success": r["p_success"],
                    "p_test": r["p_test"],
                    "repness": r["repness"],
                    "repness_test": r["repness_test"],
                    "best_agree": bool(r.get("best_agree", False)),
                }
                for r in rows
            ],
            schema={
                "statement_id": self.statements["statement_id"].dtype,
                "repful_for": pl.String,
                "n_success": pl.Int64,
                "n_trials": pl.Int64,
                "p_success": pl.Float64,
                "p_test": pl.Float64,
                "repness": pl.Float64,
                "repness_test": pl.Float64,
                "best_agree": pl.Boolean,
            },
        )

    def polis_consensus(self, n: int = 5) -> pl.DataFrame:
        """Polis's consensus statements over all voters (``repness.clj consensus-stats``):
        up to ``n`` that most voters agree with (smoothed ``p_success > 1/2`` and a one-sided
        z > 1.2816), by ``p_success * p_test``, then likewise up to ``n`` for disagreement.
        Columns: ``statement_id``, ``direction`` (agree / disagree), ``n_success``,
        ``n_trials``, ``p_success``, ``p_test``."""
        n = _v.count(n, "n")
        assert self._totals is not None
        sel = polis.select_consensus(*self._totals, n=n)
        ids = self.statements["statement_id"].to_list()
        return pl.DataFrame(
            [
                {
                    "statement_id": ids[r["column"]],
                    "direction": d,
                    "n_success": r["n_success"],
                    "n_trials": r["n_trials"],
                    "p_success": r["p_success"],
                    "p_test": r["p_test"],
                }
                for d in ("agree", "disagree")
                for r in sel[d]
            ],
            schema={
                "statement_id": self.statements["statement_id"].dtype,
                "direction": pl.String,
                "n_success": pl.Int64,
                "n_trials": pl.Int64,
                "p_success": pl.Float64,
                "p_test": pl.Float64,
            },
        )

    def distinctive(self, group: Hashable, n: int = 5, alpha: float = 0.05) -> pl.DataFrame:
        """Statements that group ``group`` agrees with significantly more than everyone outside
        it (two-sided ``p_value_agree < alpha`` and ``agree_ratio > 1``), highest ratio first
        (pluralign's simpler test; :meth:`representative` is Polis's)."""
        self._group(group)
        n = min(_v.count(n, "n"), self.by_group.height)
        _v.number(alpha, "alpha", lo=0, hi=1)
        return (
            self.by_group.filter(
                (pl.col("group") == group)
                & (pl.col("p_value_agree") < alpha)
                & (pl.col("agree_ratio") > 1)
            )
            .sort(["agree_ratio", "statement_id"], descending=[True, False])
            .head(n)
        )


def consensus(
    votes: pl.DataFrame,
    groups: Any,
    *,
    statements: pl.DataFrame | None = None,
    group: str = "group",
    pseudocount: float = 1.0,
) -> Consensus:
    """Group-informed consensus, bridging and per-group representativeness of each statement.

    ``votes``: the canonical votes table (``statement_id``, ``participant_id``, ``vote`` in
    {-1, 0, 1}). ``groups``: an :class:`~pluralign.govern.OpinionGroups` or a DataFrame with
    ``participant_id`` and a ``group`` column. ``pseudocount`` is the Laplace smoothing
    (``(A + c) / (S + 2c)``; Polis uses 1). Definitions in the module docstring. Votes on
    statements with ``moderated == -1`` in ``statements`` are excluded. The output does not
    depend on the row order of ``votes``.
    """
    c = _v.number(pseudocount, "pseudocount", lo=0, lo_open=True)
    _v.text(group, "group")
    vm = vote_matrix_for(votes, statements, groups)
    gid, labels = participant_groups(vm, groups, group)
    if not labels:
        raise InputError("groups table is empty: consensus needs at least one group")
    _, m = vm.shape
    k = len(labels)
    vg = gid[vm.rows]
    grouped = vg >= 0
    # one integer bincount per table: key = (vote + 1) * size + cell, vote + 1 in {0, 1, 2}
    kind = vm.vals.astype(np.int64) + 1
    slot = {"disagree": 0, "pass": 1, "agree": 2}
    tot = np.bincount(kind * m + vm.cols, minlength=3 * m).reshape(3, m).astype(float)
    total = {name: tot[j] for name, j in slot.items()}
    cell = np.where(grouped, vg * m + vm.cols, 0)
    grp = np.bincount((kind * (k * m) + cell)[grouped], minlength=3 * k * m)
    grp = grp.reshape(3, k, m).astype(float)
    per = {name: grp[j] for name, j in slot.items()}
    seen = per["agree"] + per["disagree"] + per["pass"]  # k x m
    all_agree, all_dis = per["agree"].sum(axis=0), per["disagree"].sum(axis=0)
    all_seen = seen.sum(axis=0)
    p_agree = (per["agree"] + c) / (seen + 2 * c)
    p_dis = (per["disagree"] + c) / (seen + 2 * c)
    rest_seen = all_seen[None, :] - seen
    rest_agree = all_agree[None, :] - per["agree"]
    rest_dis = all_dis[None, :] - per["disagree"]
    p_agree_rest = (rest_agree + c) / (rest_seen + 2 * c)
    p_dis_rest = (rest_dis + c) / (rest_seen + 2 * c)
    z_a, pv_a = _ztest(per["agree"].ravel(), seen.ravel(), rest_agree.ravel(), rest_seen.ravel())
    z_d, pv_d = _ztest(per["disagree"].ravel(), seen.ravel(), rest_dis.ravel(), rest_seen.ravel())
    n_votes = total["agree"] + total["disagree"] + total["pass"]
    table = pl.DataFrame(
        {
            "statement_id": vm.statements,
            "n_votes": n_votes.astype(np.int64),
            "n_agree": total["agree"].astype(np.int64),
            "n_disagree": total["disagree"].astype(np.int64),
            "n_pass": total["pass"].astype(np.int64),
            "gic": np.prod(p_agree, axis=0),
            "bridging": p_agree.min(axis=0),
            "polarization": p_agree.max(axis=0) - p_agree.min(axis=0),
        }
    )
    by_group = pl.DataFrame(
        {
            "statement_id": [s for _ in labels for s in vm.statements],
            "group": [g for g in labels for _ in range(m)],
            "n_votes": seen.ravel().astype(np.int64),
            "n_agree": per["agree"].ravel().astype(np.int64),
            "n_disagree": per["disagree"].ravel().astype(np.int64),
            "n_pass": per["pass"].ravel().astype(np.int64),
            "p_agree": p_agree.ravel(),
            "p_agree_rest": p_agree_rest.ravel(),
            "agree_ratio": (p_agree / p_agree_rest).ravel(),
            "z_agree": z_a,
            "p_value_agree": pv_a,
            "p_disagree": p_dis.ravel(),
            "p_disagree_rest": p_dis_rest.ravel(),
            "disagree_ratio": (p_dis / p_dis_rest).ravel(),
            "z_disagree": z_d,
            "p_value_disagree": pv_d,
        }
    ).sort(["statement_id", "group"])
    return Consensus(
        statements=table,
        by_group=by_group,
        groups=labels,
        n_ungrouped_votes=int((~grouped).sum()),
        n_votes_excluded=vm.n_excluded,
        _polis=polis.repness_stats(per["agree"], per["disagree"], seen),
        _totals=(total["agree"], total["disagree"], n_votes),
    )
