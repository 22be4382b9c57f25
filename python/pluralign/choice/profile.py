"""Weighted preference profiles (weak orders) and running a ranked kernel on one."""

from __future__ import annotations

import random as _random
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from .. import _core
from .. import _validate as _v
from .._factorize import factorize
from ..errors import InputError, LimitError, SchemaError
from ._common import (
    Result,
    TieBreak,
    _candidate_codes,
    _candidate_index,
    _check_candidate,
    _id_set,
    _result,
    _sorted_ids,
    _tie_break,
    _weights_array,
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
    s: pl.Series, candidates: Sequence[Hashable] | None, column: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Hashable]]:
    """Flatten a list[list[id]] column without a Python loop over ballots: (values, tier
    offsets, ballot offsets, candidates)."""
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

    def unknown(pos: int) -> InputError:
        tier = int(np.searchsorted(np.cumsum(tlens.to_numpy()), pos, side="right"))
        row = int(np.searchsorted(np.cumsum(lens.to_numpy()), tier, side="right"))
        return InputError(f"column '{column}': row {row} ranks unknown candidate {vals[pos]!r}")

    if vals.null_count():
        raise unknown(int(vals.is_null().arg_max() or 0))
    distinct, codes = factorize(vals)
    (values,), keys = _candidate_codes(distinct, codes, candidates)
    if (values < 0).any():
        raise unknown(int(np.argmax(values < 0)))
    tier_off = np.concatenate([[0], np.cumsum(tlens.to_numpy())]).astype(np.int64)
    ballot_off = np.concatenate([[0], np.cumsum(lens.to_numpy())]).astype(np.int64)
    _check_no_repeats(values, tier_off[ballot_off], keys, column)
    return values, tier_off, ballot_off, keys


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
            values, toff, boff, keys = _series_arrays(s, candidates, ranking)
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
            keys = list(index)
            n = len(ballots)
        if n == 0:
            raise InputError("rankings is empty: a profile needs at least one ballot")
        w = _weights_array(weights, n)
        from .. import _validate as _v

        threads = _v.threads(threads)  # a negative count would overflow the unsigned conversion
        return cls(_core._Profile.from_nested(len(keys), values, toff, boff, w, threads), keys)

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
            from .. import _validate as _v

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
        distinct, ab = factorize(a, b)
        codes, keys = _candidate_codes(distinct, ab, candidates)
        for name, s, c in ((chosen, a, codes[0]), (rejected, b, codes[1])):
            if (c < 0).any():
                raise InputError(
                    f"column '{name}': unknown candidate {s[int(np.argmax(c < 0))]!r} "
                    "(not in candidates)"
                )
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
        values, toff, boff, keys = _series_arrays(s, candidates, ranking)
        distinct, (gc,) = factorize(g)
        found = distinct.to_list()
        labels = _sorted_ids(found)
        order = {id(lab): i for i, lab in enumerate(labels)}  # by identity: NaN is a label too
        codes = np.fromiter((order[id(v)] for v in found), np.int64, len(found))[gc]
        w = (
            rankings.get_column(weight).cast(pl.Float64).to_numpy()
            if weight in rankings.columns
            else None
        )
        w = _weights_array(w, rankings.height)
        inners = _core._Profile.from_nested_grouped(
            len(keys),
            values,
            toff,
            boff,
            np.ascontiguousarray(codes, dtype=np.int64),
            len(labels),
            w,
            threads,
        )
        return {lab: cls(p, keys) for lab, p in zip(labels, inners, strict=True)}

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


def _profile(p: Any) -> Profile:
    if not isinstance(p, Profile):
        raise InputError(f"expected a pluralign.choice.Profile, got {type(p).__name__}")
    return p


def _rule(name: str, p: Profile, tie_break: TieBreak = None, **kw: Any) -> Result:
    p = _profile(p)
    out = _core.choice_rule(p._inner, name, **kw, **_tie_break(tie_break, p.candidates))
    return _result(name, out, p.candidates)


def _set(name: str, profile: Profile, **kw: Any) -> list[Hashable]:
    p = _profile(profile)
    return [p.candidates[i] for i in _core.choice_set(p._inner, name, **kw)]


def random_profile(
    n: int, m: int, *, seed: int = 0, ties: bool = False, truncate: bool = False
) -> Profile:
    """An impartial-culture profile (uniform random rankings), optionally with random ties and
    truncation, for axiom checks and tests. ``n * m`` is limited to 10**7 (a LimitError)."""
    from .. import _validate as _v

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
