"""Stakeholder assemblies: decide a context's priority order and trade-off weights by a known
voting rule, and record the decision in a :class:`~pluralign.govern.Ledger`.

Stakeholders belong to the context's groups. Each submits a ballot over the context's
objectives: a **ranking** (priority order, best first; tiers for ties) and/or **scores**
(non-negative importance per objective, normalized to sum 1). With ``group_weights`` each group
carries its given total weight, split equally among its members who voted (so a group's say does
not depend on how many of its members turn up); otherwise every ballot weighs 1.

- The **order** is aggregated by a ranked rule of :mod:`pluralign.choice`: the context's
  ``groups.rule`` when it is a ranked rule, else Schulze (Schulze, 2011).
- The **weights** are aggregated by ``"median"`` (weighted coordinate-wise median, then
  renormalized to sum 1), ``"mean"`` (weighted mean: utilitarian), or ``"nash"`` (the weight
  vector ``w`` on the simplex maximizing the Nash welfare ``sum_i v_i log(s_i . w)``, where
  ``s_i`` are voter i's normalized scores: the fractional-budgeting Nash solution of Fain, Goel &
  Munagala, 2016, computed by the multiplicative fixed point ``w_j <- w_j sum_i v_i s_ij /
  (s_i . w) / sum_i v_i``, which increases the objective monotonically; Cover, 1984).
  The default follows the context's rule: ``nash`` -> ``"nash"``, ``utilitarian`` /
  ``score_voting`` -> ``"mean"``, otherwise ``"median"``.

:meth:`Assembly.decide` returns the updated :class:`~pluralign.govern.context.Context`
(constraint tiers reordered by the decided priority, weights replaced and tagged with the
ledger entry's hash) plus who voted, the rules used and the ledger entry.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pluralign import _validate as _v
from pluralign import choice
from pluralign.errors import InputError

from .context import Context
from .ledger import Ledger, LedgerEntry, canonical_json

__all__ = ["RANKED_RULES", "Assembly", "AssemblyDecision", "aggregate_weights"]

# :mod:`pluralign.choice` rules that can aggregate priority rankings, by name
_RANKED: dict[str, Any] = {
    "plurality": choice.plurality,
    "borda": choice.borda,
    "anti_plurality": choice.anti_plurality,
    "copeland": choice.copeland,
    "llull": choice.llull,
    "minimax": choice.minimax,
    "schulze": choice.schulze,
    "ranked_pairs": choice.ranked_pairs,
    "kemeny": choice.kemeny,
    "instant_runoff": choice.instant_runoff,
    "coombs": choice.coombs,
    "baldwin": choice.baldwin,
    "nanson": choice.nanson,
    "bucklin": choice.bucklin,
    "split_cycle": choice.split_cycle,
    "stable_voting": choice.stable_voting,
}
#: :mod:`pluralign.choice` rules that can aggregate priority rankings.
RANKED_RULES: frozenset[str] = frozenset(_RANKED)
WEIGHT_RULES = ("median", "mean", "nash")


def _weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """Lower weighted median: the smallest x with cumulative weight >= half the total; when the
    cumulative weight hits exactly half, the mean of that value and the next."""
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    cum = np.cumsum(ws)
    half = cum[-1] / 2
    i = int(np.searchsorted(cum, half - 1e-12 * cum[-1]))
    if math.isclose(cum[i], half, rel_tol=1e-12) and i + 1 < len(xs):
        return float((xs[i] + xs[i + 1]) / 2)
    return float(xs[i])


def aggregate_weights(
    scores: np.ndarray,
    voter_weights: np.ndarray | None = None,
    rule: str = "median",
    *,
    tol: float = 1e-12,
    max_iter: int = 100_000,
) -> np.ndarray:
    """Aggregate n x m score ballots (rows normalized to sum 1) into one weight vector.

    ``rule``: ``"median"`` (weighted coordinate-wise median, renormalized), ``"mean"``
    (weighted mean) or ``"nash"`` (maximize ``sum_i v_i log(s_i . w)`` over the simplex; see the
    module docstring). Rows must be non-negative with a positive sum.
    """
    _v.option(rule, "rule", WEIGHT_RULES)
    _v.number(tol, "tol", lo=0, lo_open=True)
    _v.count(max_iter, "max_iter", most=10**8)
    s = _v.numeric_array(scores, "scores")
    if s.ndim != 2 or s.shape[0] == 0 or s.shape[1] == 0:
        raise InputError(f"scores must be a non-empty n x m array, got shape {s.shape}")
    if not np.isfinite(s).all() or (s < 0).any():
        raise InputError("scores must be finite and >= 0")
    sums = s.sum(axis=1)
    if (sums <= 0).any():
        raise InputError(f"score ballot {int(np.argmin(sums))} is all zero; give some weight")
    s = s / sums[:, None]
    v = (
        np.ones(len(s))
        if voter_weights is None
        else _v.numeric_array(voter_weights, "voter_weights")
    )
    if v.shape != (len(s),) or not np.isfinite(v).all() or (v < 0).any() or v.sum() <= 0:
        raise InputError("voter weights must be finite, >= 0, one per ballot, not all zero")
    if rule == "mean":
        return v @ s / v.sum()
    if rule == "median":
        med = np.array([_weighted_median(s[:, j], v) for j in range(s.shape[1])])
        if med.sum() <= 0:  # every coordinate's median is 0: fall back to the mean
            return v @ s / v.sum()
        return med / med.sum()
    if rule == "nash":
        vn = v / v.sum()
        w = np.full(s.shape[1], 1.0 / s.shape[1])
        for _ in range(max_iter):
            u = s @ w
            new = w * ((vn / u) @ s)
            new /= new.sum()
            if np.abs(new - w).max() < tol:
                w = new
                break
            w = new
        return w
    raise InputError(f"weight rule must be one of {list(WEIGHT_RULES)}, got {rule!r}")


@dataclass(frozen=True)
class AssemblyDecision:
    """The outcome of :meth:`Assembly.decide`: the updated ``context``, the aggregated
    ``order`` (tiers of objective names, highest priority first; None without ranking ballots)
    and ``weights`` (None without score ballots), the rules used, who voted (``voters``:
    stakeholder id -> group), the per-ballot weights used, and the ledger ``entry``."""

    context: Context
    order: list[list[str]] | None
    weights: dict[str, float] | None
    order_rule: str | None
    weight_rule: str | None
    voters: dict[str, str | None]
    ballot_weights: dict[str, float]
    ballots_sha256: str
    order_result: choice.Result | None
    entry: LedgerEntry


class Assembly:
    """Stakeholder ballots over one context's objectives.

    ``context``: a :class:`~pluralign.govern.context.Context`. ``group_weights``: optional
    total weight per stakeholder group (names must be the context's groups). ``ledger``: where
    decisions are recorded (a new in-memory :class:`Ledger` by default).
    """

    def __init__(
        self,
        context: Context,
        *,
        group_weights: Mapping[str, float] | None = None,
        ledger: Ledger | None = None,
    ):
        if not isinstance(context, Context):
            raise InputError(
                f"context must be a pluralign.govern.Context, got {type(context).__name__}"
            )
        self.context = context
        self.objectives: list[str] = context.objective_names
        self.group_names: list[str] | None = (
            list(context.groups.names) if context.groups is not None else None
        )
        _v.instance(ledger, Ledger, "ledger", none=True)
        if group_weights is not None:
            gw = dict(_v.instance(group_weights, Mapping, "group_weights"))
            if self.group_names is None:
                raise InputError("group_weights given but the context defines no groups")
            unknown = [g for g in gw if g not in self.group_names]
            if unknown:
                raise InputError(
                    f"group_weights names unknown group(s) {unknown}; groups are {self.group_names}"
                )
            for g, x in gw.items():
                if isinstance(x, bool) or not (
                    isinstance(x, (int, float)) and math.isfinite(x) and x >= 0
                ):
                    raise InputError(f"group weight of {g!r} must be finite and >= 0, got {x!r}")
            self.group_weights: dict[str, float] | None = {g: float(x) for g, x in gw.items()}
        else:
            self.group_weights = None
        self.ledger = ledger if ledger is not None else Ledger()
        self._ballots: dict[str, dict[str, Any]] = {}

    # -- ballots -------------------------------------------------------------------------
    def _ranking(self, ranking: Sequence[Any], who: str) -> list[list[str]]:
        tiers: list[list[str]] = []
        seen: set[str] = set()
        if isinstance(ranking, (str, bytes, Mapping)) or not isinstance(
            ranking, (Sequence, np.ndarray)
        ):
            raise InputError(
                f"ranking of {who!r} must be a list of tiers (objective names or "
                f"lists of them), got {type(ranking).__name__}"
            )
        for tier in ranking:
            if not isinstance(tier, (str, list, tuple)):
                raise InputError(
                    f"ranking of {who!r}: a tier must be an objective name or a list "
                    f"of them, got {type(tier).__name__}"
                )
            members = [tier] if isinstance(tier, str) else list(tier)
            if not members:
                raise InputError(f"ranking of {who!r} has an empty tier")
            for o in members:
                if not isinstance(o, str) or o not in self.objectives:
                    raise InputError(
                        f"ranking of {who!r} names unknown objective {o!r}; objectives are "
                        f"{self.objectives}"
                    )
                if o in seen:
                    raise InputError(f"ranking of {who!r} lists objective {o!r} twice")
                seen.add(o)
            tiers.append(sorted(members, key=self.objectives.index))
        if not tiers:
            raise InputError(f"ranking of {who!r} is empty")
        return tiers

    def _scores(self, scores: Mapping[str, float], who: str) -> dict[str, float]:
        out: dict[str, float] = {}
        _v.instance(scores, Mapping, f"scores of {who!r}")
        for o, x in dict(scores).items():
            if not isinstance(o, str) or o not in self.objectives:
                raise InputError(
                    f"scores of {who!r} name unknown objective {o!r}; objectives are "
                    f"{self.objectives}"
                )
            if (
                isinstance(x, bool)
                or not isinstance(x, (int, float, np.number))
                or not math.isfinite(x)
                or x < 0
            ):
                raise InputError(f"score of {who!r} for {o!r} must be finite and >= 0, got {x!r}")
            out[o] = float(x)
        total = math.fsum(out.values())
        if total <= 0:
            raise InputError(f"scores of {who!r} are all zero (or empty); give some weight")
        return {o: out.get(o, 0.0) / total for o in self.objectives}

    def submit(
        self,
        stakeholder: str,
        *,
        group: str | None = None,
        ranking: Sequence[Any] | None = None,
        scores: Mapping[str, float] | None = None,
        replace: bool = False,
    ) -> None:
        """Record one stakeholder's ballot: ``ranking`` (tiers of objective names, highest
        priority first; unlisted objectives rank last) and/or ``scores`` (objective -> weight
        >= 0; unlisted objectives get 0; normalized to sum 1). ``group`` must be one of the
        context's groups when it defines groups. A second ballot from the same stakeholder
        raises unless ``replace=True``."""
        if not isinstance(stakeholder, str) or not stakeholder:
            raise InputError(f"stakeholder must be a non-empty string, got {stakeholder!r}")
        if stakeholder in self._ballots and not replace:
            raise InputError(
                f"stakeholder {stakeholder!r} already voted; pass replace=True to change the ballot"
            )
        _v.instance(replace, bool, "replace")
        _v.text(group, "group", none=True)
        if self.group_names is not None:
            if group not in self.group_names:
                raise InputError(
                    f"stakeholder {stakeholder!r}: group must be one of {self.group_names}, got "
                    f"{group!r}"
                )
        elif group is not None:
            raise InputError(f"the context defines no groups, but {stakeholder!r} gave {group!r}")
        if ranking is None and scores is None:
            raise InputError(f"stakeholder {stakeholder!r} gave neither a ranking nor scores")
        self._ballots[stakeholder] = {
            "group": group,
            "ranking": None if ranking is None else self._ranking(ranking, stakeholder),
            "scores": None if scores is None else self._scores(scores, stakeholder),
        }

    @property
    def ballots(self) -> dict[str, dict[str, Any]]:
        """stakeholder -> {"group", "ranking", "scores"} (normalized)."""
        return {k: dict(v) for k, v in self._ballots.items()}

    def _ballot_weights(self, ids: list[str]) -> dict[str, float]:
        if self.group_weights is None:
            return dict.fromkeys(ids, 1.0)
        count: dict[str | None, int] = {}
        for s in ids:
            g = self._ballots[s]["group"]
            count[g] = count.get(g, 0) + 1
        out = {}
        for s in ids:
            g = self._ballots[s]["group"]
            out[s] = self.group_weights.get(g, 0.0) / count[g]
        return out

    # -- the decision --------------------------------------------------------------------
    def _default_rules(self) -> tuple[str, str]:
        rule = self.context.groups.rule if self.context.groups is not None else None
        order_rule = rule if rule in RANKED_RULES else "schulze"
        weight_rule = {"nash": "nash", "utilitarian": "mean", "score_voting": "mean"}.get(
            rule or "", "median"
        )
        return order_rule, weight_rule

    def decide(
        self,
        *,
        actor: str | None = None,
        order_rule: str | None = None,
        weight_rule: str | None = None,
        record_ballots: bool = True,
        **rule_kwargs: Any,
    ) -> AssemblyDecision:
        """Aggregate the ballots, append the decision to the ledger, return the updated context.

        The ledger payload holds the context name, the rules, the order, the weights, the
        voters with their groups and ballot weights, the SHA-256 of the canonical JSON of the
        ballot set and (``record_ballots``) the ballots themselves. ``rule_kwargs`` go to the
        ranked rule (e.g. ``strength="winning_votes"`` for Schulze)."""
        if not self._ballots:
            raise InputError("no ballots submitted; call submit(...) first")
        _v.text(actor, "actor", none=True)
        _v.text(order_rule, "order_rule", none=True)
        _v.text(weight_rule, "weight_rule", none=True)
        _v.instance(record_ballots, bool, "record_ballots")
        d_order, d_weight = self._default_rules()
        order_rule = order_rule or d_order
        weight_rule = weight_rule or d_weight
        if order_rule not in RANKED_RULES:
            raise InputError(
                f"order_rule must be one of {sorted(RANKED_RULES)}, got {order_rule!r}"
            )
        if weight_rule not in WEIGHT_RULES:
            raise InputError(
                f"weight_rule must be one of {list(WEIGHT_RULES)}, got {weight_rule!r}"
            )
        ids = sorted(self._ballots)
        bw = self._ballot_weights(ids)
        if sum(bw.values()) <= 0:
            raise InputError("every ballot has weight 0 under group_weights")
        ranked = [s for s in ids if self._ballots[s]["ranking"] is not None]
        scored = [s for s in ids if self._ballots[s]["scores"] is not None]
        order = result = None
        used_order_rule = used_weight_rule = None
        if ranked and sum(bw[s] for s in ranked) > 0:
            profile = choice.Profile.from_rankings(
                [self._ballots[s]["ranking"] for s in ranked],
                candidates=self.objectives,
                weights=[bw[s] for s in ranked],
            )
            result = _RANKED[order_rule](profile, **rule_kwargs)
            order = _order_from_result(result, self.objectives)
            used_order_rule = order_rule
        weights = None
        if scored and sum(bw[s] for s in scored) > 0:
            mat = np.array(
                [[self._ballots[s]["scores"][o] for o in self.objectives] for s in scored]
            )
            w = aggregate_weights(mat, np.array([bw[s] for s in scored]), weight_rule)
            weights = {o: float(x) for o, x in zip(self.objectives, w)}
            used_weight_rule = weight_rule
        ballots = {s: self._ballots[s] for s in ids}
        digest = hashlib.sha256(canonical_json(ballots)).hexdigest()
        payload: dict[str, Any] = {
            "context": self.context.name,
            "order_rule": used_order_rule,
            "weight_rule": used_weight_rule,
            "order": order,
            "weights": weights,
            "voters": {s: self._ballots[s]["group"] for s in ids},
            "ballot_weights": bw,
            "group_weights": self.group_weights,
            "ballots_sha256": digest,
        }
        if record_ballots:
            payload["ballots"] = ballots
        entry = self.ledger.append("assembly.decision", payload, actor=actor)
        context = _updated_context(self.context, order, weights, entry.hash)
        return AssemblyDecision(
            context=context,
            order=order,
            weights=weights,
            order_rule=used_order_rule,
            weight_rule=used_weight_rule,
            voters=payload["voters"],
            ballot_weights=bw,
            ballots_sha256=digest,
            order_result=result,
            entry=entry,
        )


def _order_from_result(result: choice.Result, objectives: list[str]) -> list[list[str]]:
    if result.ranking is not None:
        tiers = [sorted(t, key=objectives.index) for t in result.ranking]
        listed = {o for t in tiers for o in t}
        rest = [o for o in objectives if o not in listed]
        return tiers + ([rest] if rest else [])
    groups: dict[float, list[Hashable]] = {}
    for o in objectives:
        groups.setdefault(result.scores.get(o, 0.0), []).append(o)
    return [list(map(str, groups[s])) for s in sorted(groups, reverse=True)]


def _updated_context(
    context: Context, order: list[list[str]] | None, weights: dict[str, float] | None, decision: str
) -> Context:
    data = context.model_dump()
    if order is not None and data.get("tiers"):
        rank = {o: i for i, tier in enumerate(order) for o in tier}
        data["tiers"] = sorted(data["tiers"], key=lambda t: rank.get(t["objective"], len(rank)))
    if weights is not None:
        total = math.fsum(weights.values())
        values = {o: x / total for o, x in weights.items()}
        radius = context.weights.radius if context.weights is not None else 0.25
        data["weights"] = {"values": values, "decision": decision, "radius": radius}
    return Context.from_dict(data)
