"""Proportional "constitutions": choose k statements a conversation's participants agree with.

Each participant's agree votes (vote == 1) are an approval ballot over the statements; a
committee rule from :mod:`pluralign.choice` picks k statements. Proportional rules (Method of
Equal Shares, Peters & Skowron 2020; sequential Phragmén, Phragmén 1894 / Brill et al. 2017;
Proportional Approval Voting, Thiele 1895) give every cohesive group of participants a share of
the chosen statements in proportion to its size; approval voting (AV, the k most agreed
statements) is the majoritarian contrast. The result reports, per opinion group, how many
members approve at least one chosen statement and the mean number approved, and whether the
choice satisfies Justified Representation and Extended Justified Representation (Aziz et al.,
2017, "Justified representation in approval-based committee voting").
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from pluralign import choice
from pluralign.errors import InputError

from ._consensus import participant_groups
from .groups import OpinionGroups, vote_matrix_for

__all__ = ["RULES", "Constitution", "compare_rules", "constitution"]

#: rule name -> how it is computed (all deterministic: ties broken lexicographically).
RULES: dict[str, str] = {
    "mes": "Method of Equal Shares completed by seq-Phragmén (choice.equal_shares)",
    "phragmen": "sequential Phragmén (choice.seq_phragmen)",
    "pav": "Proportional Approval Voting (choice.pav; exact when small, else sequential)",
    "av": "approval voting: the k most agreed statements (choice.av)",
}


def _run_rule(rule: str, ap: choice.ApprovalProfile, k: int) -> choice.CommitteeResult:
    if rule == "mes":
        return choice.equal_shares(ap, k, completion="seq_phragmen", tie_break="lexicographic")
    if rule == "phragmen":
        return choice.seq_phragmen(ap, k, tie_break="lexicographic")
    if rule == "pav":
        return choice.pav(ap, k, tie_break="lexicographic")
    if rule == "av":
        return choice.av(ap, k, tie_break="lexicographic")
    raise InputError(f"rule must be one of {sorted(RULES)}, got {rule!r}")


@dataclass(frozen=True)
class Constitution:
    """Result of :func:`constitution`.

    ``chosen``: the k statement ids in the order the rule filled the seats. ``coverage``: one
    row per opinion group (plus ``group = None`` for participants without a group, if any) and a
    final row ``group = "all"``: ``n_members``, ``share_covered`` (fraction of members who agree
    with at least one chosen statement), ``mean_approved`` (mean number of chosen statements a
    member agrees with). ``jr`` / ``ejr``: whether the choice satisfies (E)JR for the approval
    profile; ``ejr`` is None when not checked. ``result``: the :class:`choice.CommitteeResult`.
    """

    rule: str
    k: int
    chosen: list[Hashable]
    coverage: pl.DataFrame
    jr: bool
    ejr: bool | None
    result: choice.CommitteeResult
    n_participants: int
    n_votes_excluded: int

    def smallest_group(self) -> dict[str, Any]:
        """The coverage row of the smallest opinion group (ties: first listed)."""
        rows = self.coverage.filter(pl.col("group") != "all").filter(pl.col("group").is_not_null())
        if rows.height == 0:
            raise InputError("no opinion groups in this constitution")
        return rows.sort("n_members", maintain_order=True).row(0, named=True)


def constitution(
    votes: pl.DataFrame,
    k: int,
    rule: Literal["mes", "phragmen", "pav", "av"] = "mes",
    *,
    groups: Any = None,
    statements: pl.DataFrame | None = None,
    check_ejr: bool = True,
) -> Constitution:
    """Choose ``k`` statements from the agree-approvals with a committee rule.

    ``rule``: ``"mes"`` (Method of Equal Shares, completed by seq-Phragmén), ``"phragmen"``
    (sequential Phragmén), ``"pav"`` (Proportional Approval Voting) or ``"av"`` (approval
    voting, for contrast). Voters are all participants in ``votes``; their ballot is the set of
    statements they agreed with (pass and disagree are non-approval). Candidates are the voted-on
    statements; statements with ``moderated == -1`` in ``statements`` are excluded.
    ``groups``: an :class:`OpinionGroups` or (participant_id, group) table for the coverage
    report; when None, :func:`~pluralign.govern.opinion_groups` (seed 0) is computed.
    Ties are broken lexicographically by statement id (documented, deterministic).
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InputError(f"k must be a positive int, got {k!r}")
    if not isinstance(rule, str) or rule not in RULES:
        raise InputError(f"rule must be one of {sorted(RULES)}, got {rule!r}")
    if not isinstance(check_ejr, bool):
        raise InputError(f"check_ejr must be a bool, got {check_ejr!r}")
    vm = vote_matrix_for(votes, statements, groups)
    n, m = vm.shape
    if k > m:
        raise InputError(f"k = {k} but only {m} statement(s) can be chosen; lower k")
    if groups is None:
        from .groups import opinion_groups

        groups = opinion_groups(votes, statements=statements)
    elif not isinstance(groups, (OpinionGroups, pl.DataFrame)):
        raise InputError(
            f"groups must be an OpinionGroups, a DataFrame or None, got {type(groups).__name__}"
        )
    gid, labels = participant_groups(vm, groups)
    approve = np.zeros((n, m), dtype=np.uint8)
    agree = vm.vals == 1
    approve[vm.rows[agree], vm.cols[agree]] = 1
    ap = choice.ApprovalProfile.from_matrix(approve, candidates=vm.statements)
    res = _run_rule(rule, ap, int(k))
    chosen = list(res.order)
    index = {s: i for i, s in enumerate(vm.statements)}
    n_approved = approve[:, [index[s] for s in chosen]].sum(axis=1)
    rows = [_coverage_row(name, n_approved[gid == j]) for j, name in enumerate(labels)]
    if (gid < 0).any():
        rows.append(_coverage_row(None, n_approved[gid < 0]))
    rows.append(_coverage_row("all", n_approved))
    coverage = pl.DataFrame(
        {
            "group": [str(r[0]) if r[0] is not None else None for r in rows],
            "n_members": [r[1] for r in rows],
            "share_covered": [r[2] for r in rows],
            "mean_approved": [r[3] for r in rows],
        }
    )
    return Constitution(
        rule=rule,
        k=int(k),
        chosen=chosen,
        coverage=coverage,
        jr=choice.is_jr(ap, chosen),
        ejr=choice.is_ejr(ap, chosen) if check_ejr else None,
        result=res,
        n_participants=n,
        n_votes_excluded=vm.n_excluded,
    )


def _coverage_row(name: Any, approved: np.ndarray) -> tuple[Any, int, float, float]:
    size = len(approved)
    if size == 0:
        return name, 0, float("nan"), float("nan")
    return name, size, float((approved > 0).mean()), float(approved.mean())


def compare_rules(
    votes: pl.DataFrame,
    k: int,
    rules: Sequence[str] = ("mes", "phragmen", "pav", "av"),
    *,
    groups: Any = None,
    statements: pl.DataFrame | None = None,
    check_ejr: bool = True,
) -> pl.DataFrame:
    """:func:`constitution` for several rules on the same data: one row per (rule, group) with
    the coverage figures and the rule's JR/EJR flags, for side-by-side comparison."""
    from pluralign import _validate as _v

    rules = _v.strings(rules, "rules", single=True)  # a bare int would fail in the loop
    if not rules:
        raise InputError("rules is empty; name at least one rule")
    if groups is None:
        from .groups import opinion_groups

        groups = opinion_groups(votes, statements=statements)
    frames = []
    for r in rules:
        c = constitution(votes, k, r, groups=groups, statements=statements, check_ejr=check_ejr)  # type: ignore[arg-type]
        frames.append(
            c.coverage.with_columns(
                pl.lit(r).alias("rule"),
                pl.lit(c.jr).alias("jr"),
                pl.lit(c.ejr, dtype=pl.Boolean).alias("ejr"),
            ).select("rule", "group", "n_members", "share_covered", "mean_approved", "jr", "ejr")
        )
    return pl.concat(frames)
