"""Social choice: aggregate plural preferences with rules whose properties are known.

Every rule cites the definition it implements (see the Rust core, ``rust/core/src/choice``, and
``docs/choice.md``). Candidates are any hashable ids; results name candidates, not indices.
Profiles are mergeable (``merge``) and picklable, so partial profiles built on many machines add
up exactly.
"""

from __future__ import annotations

import builtins
import random as _random
import re
import typing
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl

from . import _core
from . import _validate as _v
from .errors import InputError, LimitError, SchemaError

__all__ = [
    "ApprovalProfile",
    "CommitteeResult",
    "Profile",
    "Result",
    "StvResult",
    "StvRound",
    "Violation",
    "anti_plurality",
    "approval",
    "av",
    "baldwin",
    "borda",
    "bucklin",
    "chamberlin_courant",
    "check",
    "condorcet_loser",
    "condorcet_winner",
    "coombs",
    "copeland",
    "egalitarian",
    "ejr_violation",
    "equal_shares",
    "instant_runoff",
    "is_ejr",
    "is_jr",
    "is_pjr",
    "jr_violation",
    "kemeny",
    "lex_cc",
    "lex_minimax_av",
    "leximin",
    "llull",
    "majority_judgment",
    "maximal_lottery",
    "maximin_support",
    "minimax",
    "minimax_av",
    "monroe",
    "nanson",
    "nash",
    "pav",
    "phragmen_enestrom",
    "pjr_violation",
    "plurality",
    "positional",
    "random_dictatorship",
    "random_profile",
    "ranked_pairs",
    "ranked_pairs_all",
    "rev_seq_pav",
    "sav",
    "schulze",
    "schwartz_set",
    "score_voting",
    "seq_phragmen",
    "smith_set",
    "split_cycle",
    "stable_voting",
    "star",
    "stv",
    "uncovered_set",
    "utilitarian",
]

TieBreak = None | str | Sequence[Hashable] | int
CommitteeMethod = Literal["auto", "exact", "sequential"]


def _check_candidate(c: Any, where: str) -> None:
    """A candidate id is a hashable scalar: not None / NaN, not a list, set or dict."""
    if c is None or (isinstance(c, float) and np.isnan(c)):
        raise InputError(f"{where}: {c!r} is not a valid candidate id (missing value)")
    if isinstance(c, (list, set, frozenset, dict, tuple, np.ndarray)) or not isinstance(
        c, Hashable
    ):
        raise InputError(
            f"{where}: a {type(c).__name__} ({c!r}) is not a valid candidate id; "
            "ids must be strings or numbers"
        )
    if isinstance(c, complex):
        raise InputError(f"{where}: a complex number ({c!r}) is not a valid candidate id")


def _id_set(ids: Iterable[Any]) -> set[Hashable]:
    """The distinct candidate ids of ballots, each checked (no None, lists, ...)."""
    items = list(ids)
    try:
        out = set(items)
    except TypeError:  # an unhashable id: name it
        for c in items:
            _check_candidate(c, "ballots")
        raise
    for c in out:
        _check_candidate(c, "ballots")
    return out


def _candidate_index(candidates: Sequence[Hashable]) -> dict[Hashable, int]:
    index: dict[Hashable, int] = {}
    if isinstance(candidates, (str, bytes)):
        raise InputError(f"candidates must be a list of ids, got the text {candidates!r}")
    for i, c in enumerate(candidates):
        _check_candidate(c, f"candidates[{i}]")
        if c in index:
            raise InputError(f"candidates lists {c!r} twice")
        index[c] = i
    if not index:
        raise InputError("there are no candidates")
    return index


def _weights_array(weights: Any, n: int) -> np.ndarray | None:
    if weights is None:
        return None
    from . import _validate as _v

    w = np.ascontiguousarray(_v.numeric_array(weights, "weights"))
    if w.ndim != 1 or w.shape[0] != n:
        raise InputError(f"weights must have one value per ballot ({n}), got shape {w.shape}")
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        raise InputError(
            f"weight of ballot {int(bad[0])} is {w[bad[0]]}; weights must be finite and >= 0"
        )
    return w


def _tie_break(tb: TieBreak, candidates: list[Hashable]) -> dict[str, Any]:
    if tb is None:
        return {"tb_kind": "none"}
    if isinstance(tb, bool):
        raise InputError(
            f"tie_break must be None, 'lexicographic', a list of candidates or an int seed; got {tb!r}"
        )
    if isinstance(tb, str):
        if tb != "lexicographic":
            raise InputError(
                f"tie_break must be None, 'lexicographic', a list of candidates or an int seed; got {tb!r}"
            )
        return {"tb_kind": "lexicographic"}
    if isinstance(tb, (int, np.integer)):
        if tb < 0:
            raise InputError(f"tie_break seed must be >= 0, got {tb}")
        return {"tb_kind": "random", "tb_seed": int(tb)}
    order: list[Hashable] = list(tb)  # type: ignore[arg-type]
    index = {c: i for i, c in enumerate(candidates)}
    unknown = [c for c in order if c not in index]
    if unknown:
        raise InputError(f"tie_break order names unknown candidate(s) {unknown}")
    if sorted(index[c] for c in order) != list(range(len(candidates))):
        raise InputError("tie_break order must list every candidate exactly once")
    return {"tb_kind": "order", "tb_order": [index[c] for c in order]}


@dataclass(frozen=True)
class Result:
    """The outcome of a rule: winners, a ranking (tiers, best first) where the rule defines
    one, a score per candidate, and the tie-break applied (None if no tie had to be broken)."""

    rule: str
    winners: frozenset
    ranking: list[frozenset] | None
    scores: dict
    tie_break: str | None

    @property
    def winner(self) -> Hashable:
        """The single winner; InputError when several candidates are tied."""
        if len(self.winners) != 1:
            raise InputError(
                f"{self.rule} has {len(self.winners)} tied winners {sorted(map(str, self.winners))}; "
                "pass tie_break= to pick one"
            )
        return next(iter(self.winners))


def _result(rule: str, out: _core.RuleOutcome, candidates: list[Hashable]) -> Result:
    ranking = out.ranking
    return Result(
        rule=rule,
        winners=frozenset(candidates[i] for i in out.winners),
        ranking=None if ranking is None else [frozenset(candidates[i] for i in t) for t in ranking],
        scores={c: float(s) for c, s in zip(candidates, out.scores)},
        tie_break=out.tie_break,
    )


def _ballot_arrays(
    ballots: Sequence[Any], index: dict[Hashable, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flatten Python ballots (lists of tiers; a tier is an id or a collection of ids)."""
    values: list[int] = []
    tier_off = [0]
    ballot_off = [0]
    for b, ballot in enumerate(ballots):
        if isinstance(ballot, (str, bytes)) or not isinstance(ballot, Iterable):
            raise InputError(f"ballot {b} must be a list of tiers, got {ballot!r}")
        tiers = list(ballot)
        if not tiers:
            raise InputError(f"ballot {b} is empty; a ranking needs at least one candidate")
        ballot_start = len(values)
        for tier in tiers:
            members = (
                [tier]
                if isinstance(tier, (str, bytes)) or not isinstance(tier, Iterable)
                else list(tier)
            )
            if not members:
                raise InputError(f"ballot {b} has an empty tier")
            for c in members:
                try:
                    known = c in index
                except TypeError:  # unhashable
                    known = False
                if not known:
                    _check_candidate(c, f"ballot {b}")
                    raise InputError(
                        f"ballot {b} ranks unknown candidate {c!r}; candidates are {list(index)}"
                    )
                if index[c] in values[ballot_start:]:
                    raise InputError(f"ballot {b} lists candidate {c!r} more than once")
                values.append(index[c])
            tier_off.append(len(values))
        ballot_off.append(len(tier_off) - 1)
    return (
        np.asarray(values, dtype=np.int64),
        np.asarray(tier_off, dtype=np.int64),
        np.asarray(ballot_off, dtype=np.int64),
    )


def _series_arrays(
    s: pl.Series, index: dict[Hashable, int], column: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flatten a list[list[id]] column without a Python loop over ballots."""
    if not (isinstance(s.dtype, pl.List) and isinstance(s.dtype.inner, pl.List)):
        raise SchemaError(f"column '{column}' must be list[list[candidate]] (tiers), got {s.dtype}")
    if s.null_count():
        raise InputError(f"column '{column}' is null at row {int(s.is_null().arg_max() or 0)}")
    lens = s.list.len()
    if (lens == 0).any():
        raise InputError(
            f"column '{column}': ranking at row {int((lens == 0).arg_max() or 0)} is empty"
        )
    tiers = s.explode()
    tlens = tiers.list.len()
    if tiers.null_count() or (tlens == 0).any():
        bad_tier = int(((tlens == 0) | tiers.is_null()).arg_max() or 0)
        row = int(np.searchsorted(np.cumsum(lens.to_numpy()), bad_tier, side="right"))
        raise InputError(f"column '{column}': ranking at row {row} has an empty or null tier")
    vals = tiers.explode()
    keys = list(index)
    try:
        codes = vals.replace_strict(
            keys, list(range(len(keys))), default=None, return_dtype=pl.Int64
        )
    except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError) as e:
        raise InputError(
            f"column '{column}': candidate ids do not match candidates=: {e}"
        ) from None
    if codes.null_count():
        pos = int(codes.is_null().arg_max() or 0)
        tier = int(np.searchsorted(np.cumsum(tlens.to_numpy()), pos, side="right"))
        row = int(np.searchsorted(np.cumsum(lens.to_numpy()), tier, side="right"))
        raise InputError(f"column '{column}': row {row} ranks unknown candidate {vals[pos]!r}")
    tier_off = np.concatenate([[0], np.cumsum(tlens.to_numpy())]).astype(np.int64)
    ballot_off = np.concatenate([[0], np.cumsum(lens.to_numpy())]).astype(np.int64)
    values = np.ascontiguousarray(codes.to_numpy(), dtype=np.int64)
    _check_no_repeats(values, tier_off[ballot_off], keys, column)
    return values, tier_off, ballot_off


def _check_no_repeats(
    values: np.ndarray, starts: np.ndarray, keys: list[Hashable], what: str
) -> None:
    """InputError naming the first ballot that lists a candidate twice."""
    per_ballot = np.diff(starts)
    ballot = np.repeat(np.arange(len(per_ballot), dtype=np.int64), per_ballot)
    key = np.sort(ballot * len(keys) + values)
    dup = np.flatnonzero(key[1:] == key[:-1])
    if dup.size:
        k = int(key[dup[0]])
        raise InputError(
            f"{what}: ballot {k // len(keys)} lists candidate {keys[k % len(keys)]!r} more than once"
        )


def _df_column(df: pl.DataFrame, name: str, what: str) -> pl.Series:
    if name not in df.columns:
        raise SchemaError(f"{what}: column '{name}' not found; columns are {df.columns}")
    return df.get_column(name)


class Profile:
    """A weighted preference profile over ``candidates`` (identical ballots collapsed).

    Build it with :meth:`from_rankings`, :meth:`from_ranks`, :meth:`from_comparisons` or
    :meth:`by`; combine partial profiles with :meth:`merge`.
    """

    def __init__(self, inner: Any, candidates: Sequence[Hashable]):
        self._inner = inner
        self.candidates: list[Hashable] = list(candidates)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_rankings(
        cls,
        rankings: pl.DataFrame | Sequence[Any],
        *,
        candidates: Sequence[Hashable] | None = None,
        weights: Any = None,
        ranking: str = "ranking",
        weight: str = "weight",
        threads: int | None = None,
    ) -> Profile:
        """From ballots as tiers (best first; unlisted candidates rank below listed ones)."""
        if isinstance(rankings, pl.DataFrame):
            s = _df_column(rankings, ranking, "rankings")
            if candidates is None:
                candidates = _sorted_ids(s.explode().explode().drop_nulls().unique())
            index = _candidate_index(candidates)
            values, toff, boff = _series_arrays(s, index, ranking)
            if weights is None and weight in rankings.columns:
                weights = rankings.get_column(weight).cast(pl.Float64).to_numpy()
            n = rankings.height
        else:
            if isinstance(rankings, (str, bytes, Mapping)) or not isinstance(rankings, Iterable):
                raise InputError(
                    f"rankings must be a polars DataFrame or a list of ballots, got "
                    f"{type(rankings).__name__}"
                )
            ballots = list(rankings)
            if candidates is None:
                seen = _id_set(
                    c
                    for b in ballots
                    if isinstance(b, Iterable) and not isinstance(b, (str, bytes))
                    for t in b
                    for c in (
                        [t] if isinstance(t, (str, bytes)) or not isinstance(t, Iterable) else t
                    )
                )
                candidates = _sorted_ids(seen)
            index = _candidate_index(candidates)
            values, toff, boff = _ballot_arrays(ballots, index)
            n = len(ballots)
        if n == 0:
            raise InputError("rankings is empty: a profile needs at least one ballot")
        w = _weights_array(weights, n)
        from . import _validate as _v

        threads = _v.threads(threads)  # a negative count would overflow the unsigned conversion
        return cls(
            _core._Profile.from_nested(len(index), values, toff, boff, w, threads), list(index)
        )

    @classmethod
    def from_ranks(
        cls,
        ranks: Any,
        *,
        candidates: Sequence[Hashable] | None = None,
        weights: Any = None,
        threads: int | None = None,
    ) -> Profile:
        """From an n x m array: ``ranks[i, c]`` is the rank voter i gives candidate c (smaller is
        better, equal values tie, negative = unranked, below every ranked candidate)."""
        try:
            r = np.asarray(ranks)
        except (TypeError, ValueError) as e:
            raise InputError(
                f"ranks must be a 2-D integer array (voters x candidates): {e}"
            ) from None
        if r.ndim != 2 or not (np.issubdtype(r.dtype, np.integer) or r.size == 0):
            raise InputError(
                f"ranks must be a 2-D integer array (voters x candidates), got {r.dtype} {r.shape}"
            )
        if r.dtype.kind == "u":  # beyond int64 a rank would wrap to a negative (unranked) value
            from . import _validate as _v

            r = _v.numeric_array(r, "ranks", dtype=np.int64)
        if r.shape[0] == 0:
            raise InputError("ranks has no rows: a profile needs at least one ballot")
        cands = list(range(r.shape[1])) if candidates is None else list(candidates)
        if len(cands) != r.shape[1]:
            raise InputError(f"candidates has {len(cands)} ids but ranks has {r.shape[1]} columns")
        _candidate_index(cands)
        w = _weights_array(weights, r.shape[0])
        inner = _core._Profile.from_rank_matrix(np.ascontiguousarray(r, dtype=np.int64), w, threads)
        return cls(inner, cands)

    @classmethod
    def from_comparisons(
        cls,
        comparisons: pl.DataFrame,
        *,
        candidates: Sequence[Hashable] | None = None,
        chosen: str = "chosen_id",
        rejected: str = "rejected_id",
        weight: str = "weight",
    ) -> Profile:
        """A pairwise-only profile from comparisons (``chosen`` beat ``rejected``; rows with
        ``tie`` true add no support). Margin-based rules work on it; ballot rules raise."""
        if not isinstance(comparisons, pl.DataFrame):
            raise InputError("comparisons must be a polars DataFrame")
        a = _df_column(comparisons, chosen, "comparisons")
        b = _df_column(comparisons, rejected, "comparisons")
        w = (
            comparisons.get_column(weight).cast(pl.Float64)
            if weight in comparisons.columns
            else pl.repeat(1.0, comparisons.height, eager=True)
        )
        if comparisons.height == 0:
            raise InputError("comparisons is empty: a profile needs at least one comparison")
        keep = pl.Series([True] * comparisons.height, dtype=pl.Boolean)
        if "tie" in comparisons.columns:
            keep = ~comparisons.get_column("tie").fill_null(False)
        a, b, w = a.filter(keep), b.filter(keep), w.filter(keep)
        for name, s in ((chosen, a), (rejected, b)):
            if s.null_count():
                raise InputError(
                    f"column '{name}' is null at row {int(s.is_null().arg_max() or 0)}"
                )
        if candidates is None:
            candidates = _sorted_ids(pl.concat([a, b]).unique())
        index = _candidate_index(candidates)
        keys = list(index)
        codes = []
        for name, s in ((chosen, a), (rejected, b)):
            c = s.replace_strict(keys, list(range(len(keys))), default=None, return_dtype=pl.Int64)
            if c.null_count():
                pos = int(c.is_null().arg_max() or 0)
                raise InputError(
                    f"column '{name}': unknown candidate {s[pos]!r} (not in candidates)"
                )
            codes.append(np.ascontiguousarray(c.to_numpy(), dtype=np.int64))
        wa = _weights_array(w.to_numpy(), len(w))
        return cls(_core._Profile.from_comparisons(len(keys), codes[0], codes[1], wa), keys)

    @classmethod
    def by(
        cls,
        rankings: pl.DataFrame,
        groups: str | None = None,
        *,
        candidates: Sequence[Hashable] | None = None,
        ranking: str = "ranking",
        weight: str = "weight",
        threads: int | None = None,
        group: Any = _v.UNSET,
    ) -> dict[Any, Profile]:
        """One profile per value of the ``groups`` column, parsed in one pass; all share the
        candidate list (``group=`` is the old name of ``groups=``, deprecated)."""
        group = _v.renamed("Profile.by", "groups", groups, "group", group)
        if not isinstance(group, str):
            raise InputError(f"Profile.by: groups must be a column name (str), got {group!r}")
        if not isinstance(rankings, pl.DataFrame):
            raise InputError("Profile.by needs a polars DataFrame")
        s = _df_column(rankings, ranking, "rankings")
        g = _df_column(rankings, group, "rankings")
        if g.null_count():
            raise InputError(f"column '{group}' is null at row {int(g.is_null().arg_max() or 0)}")
        if candidates is None:
            candidates = _sorted_ids(s.explode().explode().drop_nulls().unique())
        index = _candidate_index(candidates)
        values, toff, boff = _series_arrays(s, index, ranking)
        labels = _sorted_ids(g.unique())
        codes = g.replace_strict(labels, list(range(len(labels))), return_dtype=pl.Int64).to_numpy()
        w = (
            rankings.get_column(weight).cast(pl.Float64).to_numpy()
            if weight in rankings.columns
            else None
        )
        w = _weights_array(w, rankings.height)
        inners = _core._Profile.from_nested_grouped(
            len(index),
            values,
            toff,
            boff,
            np.ascontiguousarray(codes, dtype=np.int64),
            len(labels),
            w,
            threads,
        )
        return {lab: cls(p, list(index)) for lab, p in zip(labels, inners)}

    # -- data ---------------------------------------------------------------------------
    @property
    def n_candidates(self) -> int:
        return self._inner.n_candidates

    @property
    def n_ballots(self) -> int | None:
        """Distinct ballots (None for a pairwise-only profile)."""
        return self._inner.n_ballots

    @property
    def total_weight(self) -> float:
        return self._inner.total_weight

    @property
    def pairwise_only(self) -> bool:
        return self._inner.pairwise_only

    def support(self) -> np.ndarray:
        """``support[a, b]``: total weight of ballots ranking a strictly above b."""
        m = self.n_candidates
        return self._inner.support().reshape(m, m)

    def margins(self) -> np.ndarray:
        """``margins[a, b] = support[a, b] - support[b, a]``."""
        m = self.n_candidates
        return self._inner.margins().reshape(m, m)

    def ballots(self) -> list[tuple[list[frozenset], float]]:
        """Distinct ballots as (tiers, weight); the last tier holds unlisted candidates."""
        c = self.candidates
        return [
            ([frozenset(c[i] for i in t) for t in tiers], w) for tiers, w in self._inner.ballots()
        ]

    def merge(self, other: Profile) -> Profile:
        """The profile of both ballot sets (exact; candidates must be the same list)."""
        if not isinstance(other, Profile):
            raise InputError(f"can only merge a Profile, got {type(other).__name__}")
        if other.candidates != self.candidates:
            raise InputError(
                "profiles have different candidates; build both with the same candidates="
            )
        return Profile(self._inner.merge(other._inner), self.candidates)

    def __getstate__(self) -> dict:
        return {"parts": self._inner.to_parts(), "candidates": self.candidates}

    def __setstate__(self, state: dict) -> None:
        self._inner = _core._Profile.from_parts(*state["parts"])
        self.candidates = state["candidates"]

    def __repr__(self) -> str:
        kind = "pairwise-only" if self.pairwise_only else f"{self.n_ballots} distinct ballots"
        return (
            f"Profile({self.n_candidates} candidates, {kind}, total weight {self.total_weight:g})"
        )


def _sorted_ids(values: Iterable[Any]) -> list[Hashable]:
    vals = list(values.to_list() if isinstance(values, pl.Series) else values)
    try:
        return sorted(vals)
    except TypeError:
        return sorted(vals, key=lambda v: (type(v).__name__, str(v)))


def _profile(p: Any) -> Profile:
    if not isinstance(p, Profile):
        raise InputError(f"expected a pluralign.choice.Profile, got {type(p).__name__}")
    return p


def _rule(name: str, p: Profile, tie_break: TieBreak = None, **kw: Any) -> Result:
    p = _profile(p)
    out = _core.choice_rule(p._inner, name, **kw, **_tie_break(tie_break, p.candidates))
    return _result(name, out, p.candidates)


# -- ranked rules -----------------------------------------------------------------------
def plurality(profile: Profile) -> Result:
    """Plurality: one point for each top choice (a top tier of k candidates gives each 1/k)."""
    return _rule("plurality", profile)


def borda(profile: Profile) -> Result:
    """Borda count (tie-aware: a tier shares the average of the positions it spans, Black 1976);
    equivalently wins plus half-ties against every other candidate."""
    return _rule("borda", profile)


def anti_plurality(profile: Profile) -> Result:
    """Anti-plurality (veto): minus the weight of ballots ranking the candidate last."""
    return _rule("anti_plurality", profile)


def positional(profile: Profile, scores: Sequence[float]) -> Result:
    """A positional scoring rule with ``scores[k]`` for position k (tiers share the average)."""
    return _rule("positional", profile, scores=[float(s) for s in scores])


def random_dictatorship(profile: Profile) -> Result:
    """Random dictatorship: the probability that a random ballot's top choice wins."""
    return _rule("random_dictatorship", profile)


def copeland(profile: Profile, alpha: float = 0.5) -> Result:
    """Copeland: pairwise wins plus ``alpha`` per pairwise tie (alpha=1 is Llull)."""
    if not 0 <= alpha <= 1:
        raise InputError(f"alpha must be in [0, 1], got {alpha}")
    return _rule("copeland", profile, alpha=float(alpha))


def llull(profile: Profile) -> Result:
    """Llull: Copeland with a full point for ties."""
    return _rule("llull", profile)


MinimaxStrength = Literal["margin", "winning", "pairwise_opposition"]
# the kernel's names of the strengths (it predates the shared vocabulary of schulze)
_MINIMAX_KERNEL = {
    "margin": "margins",
    "winning": "winning_votes",
    "winning_votes": "winning_votes",
    "pairwise_opposition": "pairwise_opposition",
}


def minimax(profile: Profile, strength: MinimaxStrength = "margin") -> Result:
    """Minimax (Simpson–Kramer): the candidate whose worst defeat is smallest.

    ``strength`` measures a defeat as in :func:`schulze`: ``"margin"`` (default),
    ``"winning"`` (also ``"winning_votes"``) or ``"pairwise_opposition"`` (the opponent's
    support, defeat or not). ``"margins"`` is the old name of ``"margin"`` (deprecated)."""
    if strength == "margins":
        import warnings

        warnings.warn(
            'minimax: strength="margins" is deprecated and will be removed in the next '
            'release; use strength="margin"',
            DeprecationWarning,
            stacklevel=_v._outside_stacklevel(),
        )
        strength = "margin"
    _v.option(strength, "strength", (*typing.get_args(MinimaxStrength), "winning_votes"))
    return _rule("minimax", profile, minimax_strength=_MINIMAX_KERNEL[strength])


def schulze(
    profile: Profile,
    strength: Literal["margin", "margins", "winning", "winning_votes", "ratio"] = "margin",
) -> Result:
    """Schulze beat-path method (Schulze 2011).

    ``strength`` measures a link ``a -> b`` (only where a majority prefers a to b):
    ``"margin"`` (default; also ``"margins"``) ``support(a,b) - support(b,a)``,
    ``"winning"`` (also ``"winning_votes"``; Schulze's own default) ``support(a,b)``,
    ``"ratio"`` ``support(a,b) / support(b,a)`` (infinite when nobody prefers b to a).
    On linear orders without ties all three give the same winners; they differ when ballots
    are truncated or have ties."""
    return _rule("schulze", profile, schulze_strength=strength)


def ranked_pairs(profile: Profile, tie_break: TieBreak = "lexicographic") -> Result:
    """Ranked Pairs (Tideman 1987) with a fixed tie-breaking order (Zavist & Tideman 1989) for
    equal margins; with a tie-break, pairs with zero margin are locked last in its order, so
    the result is a linear order. ``tie_break=None`` leaves zero-margin pairs unlocked."""
    return _rule("ranked_pairs", profile, tie_break=tie_break)


def ranked_pairs_all(profile: Profile) -> Result:
    """Ranked Pairs winners over all tie-breaking orders (LimitError above 10 candidates with
    tied margins)."""
    return _rule("ranked_pairs_all", profile)


def kemeny(
    profile: Profile, method: Literal["exact", "local_search"] = "exact", tie_break: TieBreak = None
) -> Result:
    """Kemeny–Young: the ranking(s) maximizing agreement with the ballots. ``exact`` is dynamic
    programming over subsets (LimitError above 20 candidates); ``local_search`` is a heuristic."""
    return _rule("kemeny", profile, tie_break=tie_break, kemeny_method=method)


def instant_runoff(profile: Profile, tie_break: TieBreak = None) -> Result:
    """Instant Runoff (Hare): repeatedly eliminate the candidate with fewest first choices."""
    return _rule("instant_runoff", profile, tie_break=tie_break)


@dataclass(frozen=True)
class StvRound:
    """One round of an STV count (numbered from 1).

    ``tallies``: value each candidate holds when the round's decision is taken (candidate id ->
    float; elected candidates hold the quota, excluded ones 0); ``exhausted``: exhausted value
    so far; ``quota`` in force; ``elected`` (highest tally first) or ``eliminated`` this round;
    ``transfers``: the value moved after the decision as ``(from, to, value)`` with
    ``to=None`` for exhausted (empty for Meek, whose ``keep`` factors move value instead);
    ``tie``: whether the tie-break decided this round."""

    number: int
    tallies: dict
    exhausted: float
    quota: float
    elected: list
    eliminated: list
    transfers: list
    keep: dict | None
    tie: bool


@dataclass(frozen=True)
class StvResult:
    """An STV count: who was elected (in order), every round, the total valid weight, the
    exhausted value at the end, and the tie-break applied (None if no tie had to be broken)."""

    rule: str
    elected: list
    rounds: list
    quota: float
    total: float
    exhausted: float
    tie_break: str | None

    @property
    def committee(self) -> frozenset:
        return frozenset(self.elected)

    @property
    def winners(self) -> frozenset:
        return frozenset(self.elected)


_STV_TIE_HELP = (
    "tie_break must be 'backward', 'forward', 'lexicographic', None, a list of candidates or an "
    "int seed"
)


def stv(
    profile: Profile,
    seats: int,
    *,
    quota: Literal["droop", "hare"] = "droop",
    transfer: Literal["wigm", "gregory", "meek"] = "wigm",
    surplus_order: Literal["largest", "simultaneous"] = "largest",
    tie_break: TieBreak = "backward",
) -> StvResult:
    """Single transferable vote (proportional, multi-winner) from ranked ballots.

    In each round every continuing candidate whose tally reaches the quota is elected and
    their surpluses move on; when nobody reaches it the lowest continuing candidate is
    excluded and its ballots move on at their current value; when no more continuing
    candidates are left than seats, they are all elected. Ballots skip elected and excluded
    candidates; a ballot with nobody left is exhausted (counted in every round).

    ``quota``: ``"droop"`` (``floor(total / (seats + 1)) + 1``) or ``"hare"`` (``total /
    seats``), ``total`` the weight of the ballots that rank someone (for Meek both follow the
    exhausted value: ``(total - exhausted) / (seats + 1)`` or ``/ seats``).
    ``transfer``: ``"wigm"`` (default: weighted inclusive Gregory, every ballot moves at its
    value times surplus / tally), ``"gregory"`` (unweighted inclusive Gregory: every ballot
    moves at its original weight times surplus / total original weight held) or ``"meek"``.
    ``tie_break`` (ties for exclusion, or for the last seat): ``"backward"`` (default: the
    most recent earlier round where the tied candidates differ, then the candidate order),
    ``"forward"`` (the earliest such round, then the candidate order), ``"lexicographic"``,
    a list of candidates (earlier preferred: the latest is excluded first), an int seed, or
    ``None`` (a tie is an ``InputError``).

    Ballots must rank strictly; a ballot's unranked rest (its bottom tier when that has
    several candidates) is never transferred to. A ballot leaving out exactly one candidate
    cannot be told apart from one ranking it last, so it counts as ranking it last.
    """
    p = _profile(profile)
    if isinstance(seats, bool) or not isinstance(seats, (int, np.integer)) or seats < 1:
        raise InputError(f"seats must be a positive int, got {seats!r}")
    if seats > p.n_candidates:
        raise InputError(f"seats = {seats} is more than the {p.n_candidates} candidates")
    if quota not in ("droop", "hare"):
        raise InputError(f"quota must be 'droop' or 'hare', got {quota!r}")
    if transfer not in ("wigm", "gregory", "meek"):
        raise InputError(f"transfer must be 'wigm', 'gregory' or 'meek', got {transfer!r}")
    if surplus_order not in ("largest", "simultaneous"):
        raise InputError(
            f"surplus_order must be 'largest' or 'simultaneous', got {surplus_order!r}"
        )
    look = "none"
    tb_kw: dict[str, Any]
    if isinstance(tie_break, str) and tie_break in ("backward", "forward"):
        look, tb_kw = tie_break, {"tb_kind": "lexicographic"}
    else:
        try:
            tb_kw = _tie_break(tie_break, p.candidates)
        except InputError as e:
            raise InputError(f"{_STV_TIE_HELP}; {e}") from None
    c = p.candidates
    try:
        count = _core.choice_stv(
            p._inner, int(seats), quota, transfer, surplus_order, look, **tb_kw
        )
    except InputError as e:
        # the core names candidates by index and distinct ballots by position: use the ids
        def ids(mt: re.Match) -> str:
            return "candidates " + repr([c[int(i)] for i in mt.group(1).split(",")])

        msg = re.sub(r"candidates \[([\d, ]+)\]", ids, str(e))
        msg = re.sub(r"^ballot \d+ ranks", "a ballot ranks", msg)
        raise InputError(msg) from None
    out_rounds = []
    for i, rd in enumerate(count.rounds):
        out_rounds.append(
            StvRound(
                number=i + 1,
                tallies={c[j]: float(v) for j, v in enumerate(rd.tallies)},
                exhausted=float(rd.exhausted),
                quota=float(rd.quota),
                elected=[c[j] for j in rd.elected],
                eliminated=[c[j] for j in rd.eliminated],
                transfers=[
                    (c[a], None if b is None else c[b], float(v)) for a, b, v in rd.transfers
                ],
                keep={c[j]: float(v) for j, v in enumerate(rd.keep)} if rd.keep else None,
                tie=bool(rd.tie),
            )
        )
    return StvResult(
        rule="stv",
        elected=[c[j] for j in count.elected],
        rounds=out_rounds,
        quota=out_rounds[0].quota if out_rounds else float("nan"),
        total=float(count.total),
        exhausted=float(count.exhausted),
        tie_break=count.tie_break,
    )


def coombs(profile: Profile, tie_break: TieBreak = None) -> Result:
    """Coombs: eliminate the candidate ranked last most often until one has a majority."""
    return _rule("coombs", profile, tie_break=tie_break)


def baldwin(profile: Profile, tie_break: TieBreak = None) -> Result:
    """Baldwin: repeatedly eliminate the lowest Borda score."""
    return _rule("baldwin", profile, tie_break=tie_break)


def nanson(profile: Profile, variant: Literal["strict", "weak"] = "strict") -> Result:
    """Nanson: repeatedly eliminate candidates with Borda score below (``strict``) or at or
    below (``weak``) the average."""
    return _rule("nanson", profile, nanson_variant=variant)


def bucklin(profile: Profile) -> Result:
    """Bucklin: add lower preferences round by round until someone has a majority."""
    return _rule("bucklin", profile)


def split_cycle(profile: Profile) -> Result:
    """Split Cycle (Holliday & Pacuit 2023)."""
    return _rule("split_cycle", profile)


def stable_voting(profile: Profile) -> Result:
    """Stable Voting (Holliday & Pacuit 2023); LimitError above 20 candidates."""
    return _rule("stable_voting", profile)


def maximal_lottery(profile: Profile, payoff: Literal["margins", "majority"] = "margins") -> Result:
    """Maximal lottery (Fishburn 1984): a probability per candidate (``scores``)."""
    return _rule("maximal_lottery", profile, lottery_payoff=payoff)


def _set(name: str, profile: Profile, **kw: Any) -> list[Hashable]:
    p = _profile(profile)
    return [p.candidates[i] for i in _core.choice_set(p._inner, name, **kw)]


def condorcet_winner(profile: Profile) -> Hashable | None:
    """The candidate beating every other by a strict majority, if any."""
    s = _set("condorcet_winner", profile)
    return s[0] if s else None


def condorcet_loser(profile: Profile) -> Hashable | None:
    """The candidate losing to every other by a strict majority, if any."""
    s = _set("condorcet_loser", profile)
    return s[0] if s else None


def smith_set(profile: Profile) -> frozenset:
    """The smallest set whose members beat everyone outside it."""
    return frozenset(_set("smith_set", profile))


def schwartz_set(profile: Profile) -> frozenset:
    """The union of minimal sets undominated from outside (Schwartz 1986)."""
    return frozenset(_set("schwartz_set", profile))


def uncovered_set(
    profile: Profile, covering: Literal["gillies", "miller", "mckelvey"] = "gillies"
) -> frozenset:
    """Candidates no other candidate covers (Gillies, Miller or McKelvey covering)."""
    return frozenset(_set("uncovered_set", profile, covering=covering))


# -- cardinal rules ---------------------------------------------------------------------
def _cardinal(
    name: str,
    utilities: Any,
    candidates: Sequence[Hashable] | None,
    weights: Any,
    tie_break: TieBreak,
    range: tuple[float, float] | None = None,
) -> Result:
    if isinstance(utilities, pl.DataFrame):
        cands: list[Hashable] = list(utilities.columns) if candidates is None else list(candidates)
        for c in utilities.columns:
            if not utilities.schema[c].is_numeric():
                raise SchemaError(
                    f"utilities column '{c}' has type {utilities.schema[c]}; must be numeric"
                )
        arr = utilities.to_numpy().astype(np.float64)
    else:
        try:
            from . import _validate as _v

            arr = _v.numeric_array(utilities, "utilities")
        except (TypeError, ValueError) as e:
            raise InputError(
                f"utilities must be a numeric voters x candidates matrix: {e}"
            ) from None
        cands = (
            list(builtins.range(arr.shape[1]))
            if candidates is None and arr.ndim == 2
            else list(candidates or [])
        )
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InputError(
            f"utilities must be a non-empty voters x candidates matrix, got shape {arr.shape}"
        )
    if len(cands) != arr.shape[1]:
        raise InputError(
            f"candidates has {len(cands)} ids but utilities has {arr.shape[1]} columns"
        )
    _candidate_index(cands)
    bad = np.argwhere(~np.isfinite(arr))
    if bad.size:
        i, j = (int(v) for v in bad[0])
        raise InputError(
            f"utilities row {i} (voter), candidate {cands[j]!r}: value {arr[i, j]} is not finite"
        )
    w = _weights_array(weights, arr.shape[0])
    out = _core.cardinal_rule(
        np.ascontiguousarray(arr), name, w, range, **_tie_break(tie_break, cands)
    )
    return _result(name, out, cands)


def score_voting(
    utilities: Any,
    *,
    candidates: Sequence[Hashable] | None = None,
    weights: Any = None,
    range: tuple[float, float] | None = None,
    tie_break: TieBreak = None,
) -> Result:
    """Score (range) voting: highest total score; ``range=(lo, hi)`` validates the scores."""
    return _cardinal("score_voting", utilities, candidates, weights, tie_break, range)


def utilitarian(
    utilities: Any,
    *,
    candidates: Sequence[Hashable] | None = None,
    weights: Any = None,
    tie_break: TieBreak = None,
) -> Result:
    """Utilitarian welfare: the candidate with the largest total utility."""
    return _cardinal("utilitarian", utilities, candidates, weights, tie_break)


def nash(
    utilities: Any,
    *,
    candidates: Sequence[Hashable] | None = None,
    weights: Any = None,
    tie_break: TieBreak = None,
) -> Result:
    """Nash welfare: the largest product of utilities (utilities must be >= 0)."""
    return _cardinal("nash", utilities, candidates, weights, tie_break)


def egalitarian(
    utilities: Any,
    *,
    candidates: Sequence[Hashable] | None = None,
    weights: Any = None,
    tie_break: TieBreak = None,
) -> Result:
    """Egalitarian (maximin) welfare: the largest minimum utility."""
    return _cardinal("egalitarian", utilities, candidates, weights, tie_break)


def leximin(
    utilities: Any,
    *,
    candidates: Sequence[Hashable] | None = None,
    weights: Any = None,
    tie_break: TieBreak = None,
) -> Result:
    """Leximin: maximin, ties broken by the second-smallest utility, and so on."""
    return _cardinal("leximin", utilities, candidates, weights, tie_break)


def star(
    utilities: Any,
    *,
    candidates: Sequence[Hashable] | None = None,
    weights: Any = None,
    tie_break: TieBreak = None,
) -> Result:
    """STAR voting: the two highest score totals go to an automatic runoff."""
    return _cardinal("star", utilities, candidates, weights, tie_break)


def majority_judgment(
    utilities: Any,
    *,
    candidates: Sequence[Hashable] | None = None,
    weights: Any = None,
    tie_break: TieBreak = None,
) -> Result:
    """Majority judgment (Balinski & Laraki): highest median grade, majority-gauge tie-break."""
    return _cardinal("majority_judgment", utilities, candidates, weights, tie_break)


# -- approval committees ----------------------------------------------------------------
class ApprovalProfile:
    """Weighted approval ballots (identical ballots collapsed), for committee rules."""

    def __init__(self, inner: Any, candidates: Sequence[Hashable]):
        self._inner = inner
        self.candidates: list[Hashable] = list(candidates)

    @classmethod
    def from_sets(
        cls, ballots: Any, *, candidates: Sequence[Hashable] | None = None, weights: Any = None
    ) -> ApprovalProfile:
        """From approval sets: a list of iterables of candidate ids, or a polars list Series."""
        if isinstance(ballots, (str, bytes)):
            raise InputError(f"ballots must be a list of approval sets, got the text {ballots!r}")
        if isinstance(ballots, Mapping) or not isinstance(ballots, (Iterable, pl.Series)):
            raise InputError(
                f"ballots must be a list of approval sets or a polars list Series, "
                f"got {type(ballots).__name__}"
            )
        if isinstance(ballots, pl.Series):
            rows = ballots.to_list()
        else:
            rows = []
            for b, r in enumerate(ballots):
                if isinstance(r, (str, bytes)):
                    raise InputError(
                        f"approval ballot {b} is the text {r!r}, not a set of ids (it would "
                        f"become its characters); write {{{r!r}}} or [{r!r}]"
                    )
                if r is None:
                    raise InputError(f"approval ballot {b} is null")
                if isinstance(r, Mapping) or not isinstance(r, Iterable):
                    raise InputError(
                        f"approval ballot {b} must be a set or list of ids, got "
                        f"{type(r).__name__} {r!r}"
                    )
                rows.append(list(r))
        if not rows:
            raise InputError("no approval ballots: a profile needs at least one voter")
        if candidates is None:
            candidates = _sorted_ids(_id_set(c for r in rows for c in (r or [])))
        index = _candidate_index(candidates)
        values: list[int] = []
        offsets = [0]
        for b, r in enumerate(rows):
            if r is None:
                raise InputError(f"approval ballot {b} is null")
            start = len(values)
            for c in r:
                try:
                    known = c in index
                except TypeError:  # unhashable
                    known = False
                if not known:
                    _check_candidate(c, f"approval ballot {b}")
                    raise InputError(f"approval ballot {b} names unknown candidate {c!r}")
                if index[c] in values[start:]:
                    raise InputError(f"approval ballot {b} approves candidate {c!r} more than once")
                values.append(index[c])
            offsets.append(len(values))
        w = _weights_array(weights, len(rows))
        inner = _core._ApprovalProfile.from_flat(
            len(index), np.asarray(values, dtype=np.int64), np.asarray(offsets, dtype=np.int64), w
        )
        return cls(inner, list(index))

    @classmethod
    def from_matrix(
        cls, approvals: Any, *, candidates: Sequence[Hashable] | None = None, weights: Any = None
    ) -> ApprovalProfile:
        """From an n x m 0/1 (or bool) matrix."""
        a = np.asarray(approvals)
        if a.ndim != 2 or a.shape[0] == 0:
            raise InputError(
                f"approvals must be a non-empty voters x candidates matrix, got shape {a.shape}"
            )
        if not np.isin(a, (0, 1)).all():
            raise InputError("approvals must contain only 0/1 (or bool) values")
        cands = list(range(a.shape[1])) if candidates is None else list(candidates)
        if len(cands) != a.shape[1]:
            raise InputError(
                f"candidates has {len(cands)} ids but approvals has {a.shape[1]} columns"
            )
        _candidate_index(cands)
        w = _weights_array(weights, a.shape[0])
        return cls(
            _core._ApprovalProfile.from_matrix(np.ascontiguousarray(a, dtype=np.uint8), w), cands
        )

    @property
    def n_candidates(self) -> int:
        return self._inner.n_candidates

    @property
    def n_ballots(self) -> int:
        return self._inner.n_ballots

    @property
    def total_weight(self) -> float:
        return self._inner.total_weight

    def approval_scores(self) -> dict:
        return dict(zip(self.candidates, self._inner.approval_scores()))

    def ballots(self) -> list[tuple[frozenset, float]]:
        return [(frozenset(self.candidates[i] for i in s), w) for s, w in self._inner.ballots()]

    def merge(self, other: ApprovalProfile) -> ApprovalProfile:
        if not isinstance(other, ApprovalProfile) or other.candidates != self.candidates:
            raise InputError("can only merge an ApprovalProfile with the same candidates")
        return ApprovalProfile(self._inner.merge(other._inner), self.candidates)

    def __getstate__(self) -> dict:
        return {"parts": self._inner.to_parts(), "candidates": self.candidates}

    def __setstate__(self, state: dict) -> None:
        self._inner = _core._ApprovalProfile.from_parts(*state["parts"])
        self.candidates = state["candidates"]

    def __repr__(self) -> str:
        return f"ApprovalProfile({self.n_candidates} candidates, {self.n_ballots} distinct ballots)"


@dataclass(frozen=True)
class CommitteeResult:
    """A committee: its members, the order seats were filled, per-candidate scores, the rule's
    objective value where it has one, and the tie-break that decided a seat, if any."""

    rule: str
    committee: frozenset
    order: list
    scores: dict
    value: float | None
    tie_break: str | None


def _approval_profile(ap: Any) -> ApprovalProfile:
    if not isinstance(ap, ApprovalProfile):
        raise InputError(f"expected a pluralign.choice.ApprovalProfile, got {type(ap).__name__}")
    return ap


def _check_k(k: Any) -> None:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise InputError(f"k must be a non-negative int, got {k!r}")


def _committee(
    name: str, ap: ApprovalProfile, k: int, tie_break: TieBreak = None, **kw: Any
) -> CommitteeResult:
    ap = _approval_profile(ap)
    _check_k(k)
    if k > ap.n_candidates:
        raise InputError(f"k = {k} is larger than the number of candidates ({ap.n_candidates})")
    c = ap.candidates
    r = _core.committee_rule(ap._inner, name, int(k), **kw, **_tie_break(tie_break, c))
    return CommitteeResult(
        name,
        frozenset(c[i] for i in r.committee),
        [c[i] for i in r.order],
        {x: float(s) for x, s in zip(c, r.scores)},
        r.value,
        r.tie_break,
    )


def approval(ap: ApprovalProfile, tie_break: TieBreak = None) -> Result:
    """Approval voting (single winner): the most approved candidate(s)."""
    ap = _approval_profile(ap)
    r = _core.committee_rule(ap._inner, "approval", 1, **_tie_break(tie_break, ap.candidates))
    c = ap.candidates
    return Result(
        "approval",
        frozenset(c[i] for i in r.committee),
        None,
        dict(zip(c, map(float, r.scores))),
        r.tie_break,
    )


def av(ap: ApprovalProfile, k: int, tie_break: TieBreak = None) -> CommitteeResult:
    """Approval Voting committee: the k most approved candidates."""
    return _committee("av", ap, k, tie_break=tie_break)


def sav(ap: ApprovalProfile, k: int, tie_break: TieBreak = None) -> CommitteeResult:
    """Satisfaction Approval Voting: each voter splits one vote over their approved candidates."""
    return _committee("sav", ap, k, tie_break=tie_break)


def _thiele_method(ap: ApprovalProfile, k: int, method: str) -> str:
    if method == "auto":
        from math import comb

        return "exact" if comb(ap.n_candidates, k) * max(ap.n_ballots, 1) <= 2e7 else "sequential"
    if method not in ("exact", "sequential"):
        raise InputError(f"method must be 'auto', 'exact' or 'sequential', got {method!r}")
    return method


def pav(
    ap: ApprovalProfile, k: int, method: CommitteeMethod = "auto", tie_break: TieBreak = None
) -> CommitteeResult:
    """Proportional Approval Voting (Thiele weights 1, 1/2, 1/3, ...): exact for small
    instances (``auto``), sequential PAV for large ones."""
    ap = _approval_profile(ap)
    _check_k(k)  # before _thiele_method sizes the exact search with it
    return _committee("pav", ap, k, tie_break, method=_thiele_method(ap, k, method))


def chamberlin_courant(
    ap: ApprovalProfile, k: int, method: CommitteeMethod = "auto", tie_break: TieBreak = None
) -> CommitteeResult:
    """Approval Chamberlin–Courant: maximize the weight of voters with an approved member."""
    ap = _approval_profile(ap)
    _check_k(k)
    return _committee("chamberlin_courant", ap, k, tie_break, method=_thiele_method(ap, k, method))


def seq_phragmen(ap: ApprovalProfile, k: int, tie_break: TieBreak = None) -> CommitteeResult:
    """Sequential Phragmén: spread the load of each seat over its supporters."""
    return _committee("seq_phragmen", ap, k, tie_break=tie_break)


def equal_shares(
    ap: ApprovalProfile, k: int, completion: str | None = "seq_phragmen", tie_break: TieBreak = None
) -> CommitteeResult:
    """Method of Equal Shares (Peters & Skowron 2020). Seats the budget cannot buy are filled by
    ``completion``: ``"seq_phragmen"`` (as abcvoting's ``equal-shares``), ``"av"``,
    ``"increment"`` (rerun with the budget of a virtual committee of size k+1, k+2, ... until k
    seats are bought; Peters, Pierczyński & Skowron 2021), or ``None`` (may return < k members)."""
    return _committee(
        "equal_shares", ap, k, tie_break, completion="none" if completion is None else completion
    )


def rev_seq_pav(ap: ApprovalProfile, k: int, tie_break: TieBreak = None) -> CommitteeResult:
    """Reverse sequential PAV: start from all candidates and repeatedly remove the one whose
    removal lowers the PAV score least (ties: the latest in the tie-break order goes)."""
    return _committee("rev_seq_pav", ap, k, tie_break=tie_break)


def phragmen_enestrom(ap: ApprovalProfile, k: int, tie_break: TieBreak = None) -> CommitteeResult:
    """Phragmén–Eneström: voters start with their weight as budget, a seat costs total / k;
    the candidate whose supporters hold the most budget is elected and their budgets shrink
    by ``(support - price) / support`` (to 0 when they cannot afford it)."""
    return _committee("phragmen_enestrom", ap, k, tie_break=tie_break)


def minimax_av(ap: ApprovalProfile, k: int, tie_break: TieBreak = None) -> CommitteeResult:
    """Minimax Approval Voting: the committee minimizing the largest Hamming distance to a
    ballot. Exact search over all committees (LimitError above 2e9 ballot-committee checks)."""
    return _committee("minimax_av", ap, k, tie_break=tie_break)


def lex_minimax_av(ap: ApprovalProfile, k: int, tie_break: TieBreak = None) -> CommitteeResult:
    """Lexicographic Minimax AV: minimize the largest Hamming distance to a voter, then the
    second largest, and so on. Integer weights (a ballot of weight w is w voters); exact
    search (LimitError above 2e9 steps)."""
    return _committee("lex_minimax_av", ap, k, tie_break=tie_break)


def lex_cc(ap: ApprovalProfile, k: int, tie_break: TieBreak = None) -> CommitteeResult:
    """Lexicographic Chamberlin–Courant (abcvoting ``lexcc``): maximize the weight of voters
    with at least one approved member, then with at least two, ..., up to k. Exact by branch
    and bound, no MIP solver (LimitError when the search has not finished within 2e9
    ballot-node steps). Ties: the first optimal committee in tie-break order. Value: the
    Chamberlin–Courant score (weight of voters with >= 1 member)."""
    return _committee("lex_cc", ap, k, tie_break=tie_break)


def maximin_support(ap: ApprovalProfile, k: int, tie_break: TieBreak = None) -> CommitteeResult:
    """Maximin support method: add, one at a time, the candidate maximizing the maximin
    support of the committee (exact; LimitError above k = 24)."""
    return _committee("maximin_support", ap, k, tie_break=tie_break)


def monroe(ap: ApprovalProfile, k: int, tie_break: TieBreak = None) -> CommitteeResult:
    """Monroe: split the voters into k equal districts, one per member, maximizing the voters
    who approve their member. Integer weights (a ballot of weight w is w voters); exact search
    over all committees with a max-flow per committee (LimitError above 2e9 steps)."""
    return _committee("monroe", ap, k, tie_break=tie_break)


@dataclass(frozen=True)
class Violation:
    """A group of voters (weight ``group_weight``) commonly approving ``candidates`` (``ell``
    of them) that the committee under-represents."""

    ell: int
    candidates: frozenset
    group_weight: float


def _violation(which: str, ap: ApprovalProfile, committee: Iterable[Hashable]) -> Violation | None:
    ap = _approval_profile(ap)
    index = {c: i for i, c in enumerate(ap.candidates)}
    members = list(committee)
    unknown = [c for c in members if c not in index]
    if unknown:
        raise InputError(f"committee names unknown candidate(s) {unknown}")
    repeated = sorted({str(c) for c in members if members.count(c) > 1})
    if repeated:
        raise InputError(f"committee lists candidate(s) {repeated} twice (duplicates)")
    v = _core.committee_check(ap._inner, which, [index[c] for c in members])
    if v is None:
        return None
    return Violation(v.ell, frozenset(ap.candidates[i] for i in v.candidates), v.group_weight)


def jr_violation(ap: ApprovalProfile, committee: Iterable[Hashable]) -> Violation | None:
    """A witness that the committee violates Justified Representation, or None."""
    return _violation("jr", ap, committee)


def pjr_violation(ap: ApprovalProfile, committee: Iterable[Hashable]) -> Violation | None:
    """A witness that the committee violates Proportional Justified Representation, or None."""
    return _violation("pjr", ap, committee)


def ejr_violation(ap: ApprovalProfile, committee: Iterable[Hashable]) -> Violation | None:
    """A witness that the committee violates Extended Justified Representation, or None."""
    return _violation("ejr", ap, committee)


def is_jr(ap: ApprovalProfile, committee: Iterable[Hashable]) -> bool:
    return jr_violation(ap, committee) is None


def is_pjr(ap: ApprovalProfile, committee: Iterable[Hashable]) -> bool:
    return pjr_violation(ap, committee) is None


def is_ejr(ap: ApprovalProfile, committee: Iterable[Hashable]) -> bool:
    return ejr_violation(ap, committee) is None


# -- axioms -----------------------------------------------------------------------------
def random_profile(
    n: int, m: int, *, seed: int = 0, ties: bool = False, truncate: bool = False
) -> Profile:
    """An impartial-culture profile (uniform random rankings), optionally with random ties and
    truncation, for axiom checks and tests. ``n * m`` is limited to 10**7 (a LimitError)."""
    from . import _validate as _v

    n = _v.count(n, "n", 0, 10**7)
    m = _v.count(m, "m", 1, 10**7)
    if n * m > 10**7:
        raise LimitError(
            f"random_profile({n}, {m}) would draw {n * m} ranked candidates, above "
            "the limit of 10**7; use fewer voters (n) or candidates (m)"
        )
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise InputError(f"seed must be an int, got {seed!r}")
    rng = _random.Random(int(seed))
    ballots = []
    for _ in range(n):
        order = list(range(m))
        rng.shuffle(order)
        if truncate:
            order = order[: rng.randint(1, m)]
        tiers: list[list[int]] = []
        for c in order:
            if ties and tiers and rng.random() < 0.3:
                tiers[-1].append(c)
            else:
                tiers.append([c])
        ballots.append(tiers)
    return Profile.from_rankings(ballots, candidates=list(range(m)))


AXIOMS = (
    "condorcet_winner",
    "condorcet_loser",
    "pareto",
    "monotonicity",
    "anonymity",
    "neutrality",
)


@dataclass(frozen=True)
class Counterexample:
    """A profile on which ``rule`` violates ``axiom``, with what went wrong."""

    axiom: str
    profile: Profile
    detail: str
    other: Profile | None = field(default=None)


def _rebuild(ballots: list[tuple[list[frozenset], float]], candidates: list[Hashable]) -> Profile:
    tiers = [[sorted(t, key=candidates.index) for t in b if t] for b, _w in ballots]
    return Profile.from_rankings(tiers, candidates=candidates, weights=[w for _b, w in ballots])


def _winners(rule: Callable[[Profile], Result], p: Profile) -> frozenset:
    return rule(p).winners


def _check_one(
    rule: Callable[[Profile], Result], p: Profile, axiom: str, rng: _random.Random
) -> Counterexample | None:
    w = _winners(rule, p)
    c = p.candidates
    if axiom == "condorcet_winner":
        cw = condorcet_winner(p)
        if cw is not None and w != frozenset([cw]):
            return Counterexample(
                axiom, p, f"Condorcet winner {cw!r} but the rule picks {sorted(map(str, w))}"
            )
    elif axiom == "condorcet_loser":
        cl = condorcet_loser(p)
        if cl is not None and cl in w:
            return Counterexample(axiom, p, f"Condorcet loser {cl!r} is among the winners")
    elif axiom == "pareto":
        sup = p.support()
        total = p.total_weight
        for b in w:
            for a in range(len(c)):
                if a != c.index(b) and sup[a, c.index(b)] >= total - 1e-9 * max(total, 1):
                    return Counterexample(
                        axiom, p, f"every ballot prefers {c[a]!r} to winner {b!r}"
                    )
    elif axiom == "anonymity":
        ballots = p.ballots()
        rng.shuffle(ballots)
        q = _rebuild(ballots, c)
        if _winners(rule, q) != w:
            return Counterexample(axiom, p, "reordering the ballots changed the winners", q)
    elif axiom == "neutrality":
        perm = list(range(len(c)))
        rng.shuffle(perm)
        rename = {c[i]: c[perm[i]] for i in range(len(c))}
        q = _rebuild(
            [([frozenset(rename[x] for x in t) for t in b], wt) for b, wt in p.ballots()], c
        )
        if _winners(rule, q) != frozenset(rename[x] for x in w):
            return Counterexample(
                axiom, p, f"renaming candidates by {rename} did not rename the winners", q
            )
    elif axiom == "monotonicity":
        ballots = p.ballots()
        for win in sorted(w, key=c.index):
            for k, (tiers, wt) in enumerate(ballots):
                pos = next(i for i, t in enumerate(tiers) if win in t)
                if pos == 0:
                    continue
                lifted = [set(t) for t in tiers]
                lifted[pos].discard(win)
                lifted[pos - 1].add(win)
                new = list(ballots)
                new[k] = ([frozenset(t) for t in lifted if t], wt)
                q = _rebuild(new, c)
                if win not in _winners(rule, q):
                    return Counterexample(
                        axiom, p, f"raising winner {win!r} on ballot {k} made it lose", q
                    )
    else:
        raise InputError(f"unknown axiom {axiom!r}; choose from {AXIOMS}")
    return None


def check(
    rule: Callable[[Profile], Result],
    profiles: Profile | Iterable[Profile] | Callable[[int], Profile],
    axioms: Sequence[str] = AXIOMS,
    *,
    samples: int = 200,
    seed: int = 0,
) -> list[Counterexample]:
    """Search for counterexamples to ``axioms`` for ``rule``.

    ``profiles`` is one Profile, an iterable of Profiles (exhaustive search over what it
    yields), or a generator ``f(seed) -> Profile`` called ``samples`` times (sampled search,
    e.g. ``lambda s: random_profile(7, 4, seed=s)``). Returns one counterexample per violated
    axiom (the first found), or an empty list.
    """
    for a in axioms:
        if a not in AXIOMS:
            raise InputError(f"unknown axiom {a!r}; choose from {AXIOMS}")
    if isinstance(profiles, Profile):
        source: Iterable[Profile] = [profiles]
    elif callable(profiles):
        source = (profiles(seed + i) for i in range(samples))
    else:
        source = profiles
    rng = _random.Random(seed)
    found: dict[str, Counterexample] = {}
    for p in source:
        for a in axioms:
            if a in found:
                continue
            ce = _check_one(rule, _profile(p), a, rng)
            if ce is not None:
                found[a] = ce
        if len(found) == len(axioms):
            break
    return [found[a] for a in axioms if a in found]
