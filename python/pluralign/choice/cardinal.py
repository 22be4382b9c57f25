"""Cardinal and welfare rules over score / utility tables."""

from __future__ import annotations

import builtins
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import polars as pl

from .. import _core
from ..errors import InputError, SchemaError
from ._common import Result, TieBreak, _candidate_index, _result, _tie_break, _weights_array


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
            from .. import _validate as _v

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
