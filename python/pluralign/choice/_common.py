"""What every rule module shares: candidate-id checks, tie-break options, the Result class."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from .. import _core
from ..errors import InputError

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
    from .. import _validate as _v

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


def _sorted_ids(values: Iterable[Any]) -> list[Hashable]:
    vals = list(values.to_list() if isinstance(values, pl.Series) else values)
    try:
        return sorted(vals)
    except TypeError:
        return sorted(vals, key=lambda v: (type(v).__name__, str(v)))


def _candidate_codes(
    distinct: pl.Series,
    codes: Sequence[np.ndarray],
    candidates: Sequence[Hashable] | None,
    cast: bool = True,
) -> tuple[list[np.ndarray], list[Hashable]]:
    """The factorizer's codes (into ``distinct``) as int64 indices into the candidate list (the
    given one, else the sorted distinct ids), -1 for an id not among the candidates. Only the
    distinct ids are looked up in Python, never the rows. With ``cast``, an id also matches a
    candidate of another type that polars casts to it (1 for "1")."""
    vals = distinct.to_list()
    index = _candidate_index(_sorted_ids(vals) if candidates is None else candidates)

    def at(v: Any) -> int:
        try:
            return index.get(v, -1)
        except TypeError:  # unhashable: not a candidate
            return -1

    lut = np.fromiter((at(v) for v in vals), dtype=np.int64, count=len(vals))
    miss = np.flatnonzero(lut < 0)
    if cast and miss.size and candidates is not None:
        # ids equal to a candidate after polars casts it to the column's type (1 for "1")
        # match, as they did when polars replaced the ids
        keys = list(index)
        try:
            found = distinct.gather(miss).replace_strict(
                keys, list(range(len(keys))), default=None, return_dtype=pl.Int64
            )
            lut[miss] = found.fill_null(-1).to_numpy()
        except pl.exceptions.PolarsError:  # no cast between the types: unknown ids
            pass
    return [lut[c] for c in codes], list(index)
