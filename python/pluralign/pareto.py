"""Vectors, not scalars: Pareto dominance, hypervolume and scalarizations of reward vectors.

Points are a 2-D array (n points x m objectives): a numpy array in any memory layout, a list
of lists, or a polars DataFrame (choose columns with ``objectives=``). Rewards are maximized by
default; pass ``maximize=False`` or one flag per objective (a dict by column name works for
DataFrames). ``q`` dominates ``p`` when it is at least as good everywhere and strictly better
somewhere, so equal vectors share a front.

Non-finite values raise :class:`~pluralign.errors.InputError` naming the row, unless
``nan="worst"``. Kernels run in Rust without the GIL on ``threads`` threads (default: all
cores) and give identical results for any thread count. See ``docs/pareto.md`` for the
definitions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal, NamedTuple

import numpy as np
import polars as pl

from . import _core
from . import _validate as _v
from ._factorize import factorize
from .errors import InputError, LimitError, SchemaError

__all__ = [
    "HypervolumeEstimate",
    "augmented_chebyshev",
    "chebyshev",
    "crowding_distance",
    "epsilon_indicator",
    "front",
    "hypervolume",
    "hypervolume_contributions",
    "hypervolume_mc",
    "igd",
    "igd_plus",
    "is_nondominated",
    "lexicographic",
    "ranks",
    "weighted_sum",
    "weights",
    "weights_random",
]

NanPolicy = Literal["error", "worst"]
Maximize = bool | Sequence[bool] | Mapping[str, bool]


@dataclass(frozen=True)
class _Points:
    """A points argument ready for the Rust core."""

    arg: Any  # float64 2-D numpy array, or a list of Arrow-exportable columns
    n: int
    m: int
    names: list[str] | None


def _points(points: Any, objectives: Sequence[str] | None = None, what: str = "points") -> _Points:
    if isinstance(points, pl.LazyFrame) or (
        hasattr(points, "__arrow_c_stream__") and not isinstance(points, pl.Series)
    ):
        points = _v.frame(points, what)  # pyarrow tables and other Arrow frames as DataFrames
    if isinstance(points, pl.DataFrame):
        names = list(points.columns if objectives is None else objectives)
        missing = [c for c in names if c not in points.columns]
        if missing:
            raise SchemaError(
                f"{what}: objective column(s) {missing} not found; columns are {points.columns}"
            )
        for c in names:
            # this column's dtype only: the whole schema would build every other column's
            # (a large Enum id column's dtype lists all its categories)
            dtype = points.get_column(c).dtype
            if not (dtype.is_numeric() or dtype == pl.Boolean):
                raise SchemaError(
                    f"{what}: column '{c}' has type {dtype} but objectives must be numeric; "
                    "pick numeric columns with objectives=[...]"
                )
        cols = [points.get_column(c).rechunk() for c in names]
        return _Points(cols, points.height, len(names), names)
    if objectives is not None:
        raise InputError(
            f"objectives= selects DataFrame columns, but {what} is a {type(points).__name__}"
        )
    if isinstance(points, (pl.Series, pl.LazyFrame)):
        raise InputError(
            f"{what} must be a 2-D array or a polars DataFrame, got a {type(points).__name__}"
        )
    arr = _v.numeric_array(points, what)
    if arr.ndim != 2:
        raise InputError(
            f"{what} must be 2-D (n points x m objectives), got an array of shape {arr.shape}; "
            "for one point use [point], for one objective use a column (x[:, None])"
        )
    if any(s < 0 or s % arr.itemsize for s in arr.strides):
        arr = np.array(arr, order="C", copy=True)
    return _Points(arr, arr.shape[0], arr.shape[1], None)


def _maximize(maximize: Maximize, p: _Points) -> list[bool]:
    if isinstance(maximize, (bool, np.bool_)):
        return [bool(maximize)] * p.m
    if isinstance(maximize, Mapping):
        if p.names is None:
            raise InputError("maximize given by column name needs a polars DataFrame")
        unknown = [k for k in maximize if k not in p.names]
        if unknown:
            raise InputError(
                f"maximize names unknown objective(s) {unknown}; objectives are {p.names}"
            )
        missing = [c for c in p.names if c not in maximize]
        if missing:
            raise InputError(f"maximize has no direction for objective(s) {missing}")
        return [bool(maximize[c]) for c in p.names]
    flags = list(maximize)
    if len(flags) != p.m:
        raise InputError(
            f"maximize has {len(flags)} flags but the points have {p.m} objectives; "
            "pass one flag per objective or a single bool"
        )
    if not all(isinstance(f, (bool, np.bool_)) for f in flags):
        raise InputError(f"maximize flags must be bools, got {flags}")
    return [bool(f) for f in flags]


_check_threads = _v.threads


def _group_codes(groups: Any, points: Any, n: int) -> np.ndarray | pl.Series:
    """Integer codes of group ids: ints as they are (int64), text as it is (a String /
    Binary Series, grouped in Rust from its buffers), anything else by the shared factorizer
    (its uint32 codes)."""
    if isinstance(groups, str):
        if not isinstance(points, pl.DataFrame):
            raise InputError(f"groups={groups!r} names a column, but points is not a DataFrame")
        if groups not in points.columns:
            raise SchemaError(f"groups column '{groups}' not found; columns are {points.columns}")
        s = points.get_column(groups)
    elif isinstance(groups, pl.Series):
        s = groups
    else:
        arr = _v.id_array(groups, "groups")
        if np.issubdtype(arr.dtype, np.integer) and arr.dtype != np.uint64:
            # integer ids go to Rust as they are (no nulls possible in a numpy int array)
            if arr.shape[0] != n:
                raise InputError(f"groups has {arr.shape[0]} ids but the points have {n} rows")
            return np.ascontiguousarray(arr, dtype=np.int64)
        s = _v.id_series(arr, "groups")
    if s.len() != n:
        raise InputError(f"groups has {s.len()} ids but the points have {n} rows")
    if s.null_count():
        row = int(s.is_null().arg_max() or 0)
        raise InputError(f"groups has a null id at row {row}; every row needs a group")
    dtype = s.dtype  # once: a large Enum's dtype is costly to build
    if dtype.is_integer() and dtype != pl.UInt64:
        return np.ascontiguousarray(s.cast(pl.Int64).to_numpy(), dtype=np.int64)
    if dtype == pl.Categorical or isinstance(dtype, pl.Enum):
        # within one column equal ids have equal physical ids: grouping needs nothing more
        # (as uint32 codes: an int64 copy was 8 bytes a row of extra peak memory)
        return np.ascontiguousarray(s.to_physical().to_numpy(), dtype=np.uint32)
    if dtype in (pl.String, pl.Binary):
        # rows grouped by hashing the text once, no codes made (factorizing, then grouping the
        # codes, cost twice as much)
        return s
    # only equality matters for grouping: codes in any (value-determined) order, handed to Rust
    # as uint32 (an int64 copy was 8 bytes a row of extra peak memory)
    _, (codes,) = factorize(s, sort=None, values=False)
    return codes


def _offsets(offsets: Any) -> np.ndarray:
    try:
        arr = np.asarray(offsets)
    except (TypeError, ValueError) as e:
        raise InputError(f"offsets must be a 1-D integer array: {e}") from None
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise InputError(
            f"offsets must be a 1-D integer array, got dtype {arr.dtype} shape {arr.shape}"
        )
    return np.ascontiguousarray(_v.numeric_array(arr, "offsets", dtype=np.int64))


def _sorted(
    points: Any,
    maximize: Maximize,
    nan: NanPolicy,
    groups: Any,
    offsets: Any,
    objectives: Sequence[str] | None,
    threads: int | None,
    first_only: bool,
) -> np.ndarray:
    p = _points(points, objectives)
    mx = _maximize(maximize, p)
    threads = _check_threads(threads)
    if groups is None and offsets is None:
        fn = _core.pareto_front if first_only else _core.pareto_ranks
        return fn(p.arg, mx, nan, threads)
    if groups is not None and offsets is not None:
        raise InputError("pass groups= (ids) or offsets= (CSR boundaries), not both")
    ids = _group_codes(groups, points, p.n) if groups is not None else None
    offs = _offsets(offsets) if offsets is not None else None
    if isinstance(ids, pl.Series):
        out = _core.pareto_grouped(p.arg, mx, nan, offs, None, first_only, threads, text=ids)
    elif ids is not None and ids.dtype == np.uint32:
        out = _core.pareto_grouped(p.arg, mx, nan, offs, None, first_only, threads, codes=ids)
    else:
        out = _core.pareto_grouped(p.arg, mx, nan, offs, ids, first_only, threads)
    return out.astype(bool) if first_only else out


def ranks(
    points: Any,
    *,
    maximize: Maximize = True,
    nan: NanPolicy = "error",
    groups: Any = None,
    offsets: Any = None,
    objectives: Sequence[str] | None = None,
    threads: int | None = None,
) -> np.ndarray:
    """Non-dominated sorting: the front index of every point (0 = non-dominated).

    With ``groups`` (ids per row, or a column name) or ``offsets`` (CSR boundaries) the fronts
    are computed independently inside each group in one call; results are in row order.

    >>> ranks([[1, 2], [2, 1], [0, 0], [1, 1]]).tolist()
    [0, 0, 2, 1]
    """
    return _sorted(points, maximize, nan, groups, offsets, objectives, threads, False)


def front(
    points: Any,
    *,
    maximize: Maximize = True,
    nan: NanPolicy = "error",
    groups: Any = None,
    offsets: Any = None,
    objectives: Sequence[str] | None = None,
    threads: int | None = None,
) -> np.ndarray:
    """Boolean mask of the non-dominated points (the first front), without sorting the rest.

    >>> front([[1, 2], [2, 1], [0, 0], [1, 1]]).tolist()
    [True, True, False, False]
    """
    return _sorted(points, maximize, nan, groups, offsets, objectives, threads, True)


is_nondominated = front


def crowding_distance(
    points: Any,
    ranks: Any = None,
    *,
    maximize: Maximize = True,
    objectives: Sequence[str] | None = None,
    threads: int | None = None,
) -> np.ndarray:
    """NSGA-II crowding distance of every point inside its front (extremes are ``inf``).

    ``ranks`` defaults to :func:`ranks` of the points with the given ``maximize``.
    """
    p = _points(points, objectives)
    threads = _check_threads(threads)
    if ranks is None:
        r = _core.pareto_ranks(p.arg, _maximize(maximize, p), "error", threads)
    else:
        r = np.asarray(ranks)
        if r.ndim != 1 or not np.issubdtype(r.dtype, np.integer):
            raise InputError(
                f"ranks must be a 1-D integer array, got dtype {r.dtype} shape {r.shape}"
            )
        r = np.ascontiguousarray(r, dtype=np.int64)
    return _core.crowding_distance(p.arg, r, threads)


def _reference(ref: Any, m: int, what: str = "ref") -> list[float]:
    try:
        r = _v.numeric_array(ref, what)
    except (TypeError, ValueError) as e:
        raise InputError(f"{what} must be {m} numbers: {e}") from None
    if r.ndim != 1 or r.shape[0] != m:
        raise InputError(f"{what} must have one value per objective ({m}), got shape {r.shape}")
    return r.tolist()


#: Work limit of the exact hypervolume for m >= 4 objectives: the estimated work
#: ``k ** max(2, (m - 2) / 2)`` (``k`` non-dominated points, ``m`` objectives) above which
#: :func:`hypervolume` / :func:`hypervolume_contributions` raise ``LimitError`` instead of
#: running for hours. Measured (WFG, points on a sphere, one core): m = 8, 800 points, 5.5 s;
#: m = 10, 200 points, 6.5 s; m = 15, 50 points, 14 s; at the limit about a minute. Raise it
#: (``pareto.HV_EXACT_MAX_WORK = ...``) to wait longer, or use :func:`hypervolume_mc`.
HV_EXACT_MAX_WORK = 1e10


def _hv_work(k: int, m: int) -> float:
    return float(k) ** max(2.0, (m - 2) / 2)


def _check_hv_work(p: _Points, mx: list[bool], threads: int | None, name: str) -> None:
    """Refuse an exact hypervolume whose estimated work is above ``HV_EXACT_MAX_WORK``
    (m <= 3 runs in O(n log n) and is never refused). The non-dominated points are counted
    only when all the points together would be refused."""
    if p.m <= 3 or _hv_work(p.n, p.m) <= HV_EXACT_MAX_WORK:
        return
    try:
        k = int(np.count_nonzero(_core.pareto_front(p.arg, mx, "error", threads)))
    except InputError:
        return  # NaN and the like: the kernel itself names the row
    work = _hv_work(k, p.m)
    if work > HV_EXACT_MAX_WORK:
        raise LimitError(
            f"{name}: {k} non-dominated points in {p.m} objectives need about {work:.3g} "
            f"units of work (k ** max(2, (m - 2) / 2)), above the limit of "
            f"pareto.HV_EXACT_MAX_WORK = {HV_EXACT_MAX_WORK:.3g}; use hypervolume_mc (a "
            "Monte-Carlo estimate with an interval), fewer points, or raise "
            "pareto.HV_EXACT_MAX_WORK to wait longer"
        )


def hypervolume(
    points: Any,
    ref: Any,
    *,
    maximize: Maximize = True,
    objectives: Sequence[str] | None = None,
    threads: int | None = None,
) -> float:
    """Exact hypervolume dominated by ``points`` and bounded by the reference point ``ref``.

    A point that does not strictly dominate ``ref`` (equal to or worse than ``ref`` in some
    objective) adds nothing, as in moocore, pygmo, optuna and botorch, so one fixed ``ref``
    can be used over many sets. Two and three objectives use O(n log n) sweeps, more use the
    WFG algorithm.

    >>> hypervolume([[1, 2], [2, 1]], ref=[0, 0])
    3.0
    """
    p = _points(points, objectives)
    mx, threads = _maximize(maximize, p), _check_threads(threads)
    _check_hv_work(p, mx, threads, "hypervolume")
    return _core.hypervolume(p.arg, mx, _reference(ref, p.m), threads)


def hypervolume_contributions(
    points: Any,
    ref: Any,
    *,
    maximize: Maximize = True,
    objectives: Sequence[str] | None = None,
    ignore_dominated: bool = False,
    threads: int | None = None,
) -> np.ndarray:
    """Hypervolume contribution of every point.

    ``ignore_dominated=False`` (default): the exclusive contribution ``HV(S) - HV(S without p)``.
    Dominated points and points that appear more than once contribute 0, but a point dominated
    by one point alone reduces that point's contribution (removing it uncovers the other).

    ``ignore_dominated=True`` (moocore's default): points strictly dominated by another point
    are dropped first, so they get 0 and do not reduce anyone's contribution; duplicated
    points still get 0. On mutually non-dominated points both give the same numbers.

    Points that do not strictly dominate ``ref`` contribute 0 either way.

    >>> hypervolume_contributions([[5, 1], [1, 5], [4, 2], [4, 4]], [6, 6], maximize=False).tolist()
    [1.0, 3.0, 2.0, 0.0]
    >>> hypervolume_contributions([[5, 1], [1, 5], [4, 2], [4, 4]], [6, 6], maximize=False,
    ...                           ignore_dominated=True).tolist()
    [1.0, 3.0, 3.0, 0.0]
    """
    if not isinstance(ignore_dominated, (bool, np.bool_)):
        raise InputError(f"ignore_dominated must be True or False, got {ignore_dominated!r}")
    p = _points(points, objectives)
    mx, threads = _maximize(maximize, p), _check_threads(threads)
    _check_hv_work(p, mx, threads, "hypervolume_contributions")
    return _core.hypervolume_contributions(
        p.arg, mx, _reference(ref, p.m), bool(ignore_dominated), threads
    )


class HypervolumeEstimate(NamedTuple):
    """A Monte-Carlo hypervolume estimate with a Wilson score interval."""

    value: float
    low: float
    high: float
    stderr: float
    samples: int


#: Most samples ``hypervolume_mc`` draws in one call (at ~10-100 ns per sample, minutes).
MAX_MC_SAMPLES = 1_000_000_000


def hypervolume_mc(
    points: Any,
    ref: Any,
    *,
    samples: int = 1_000_000,
    seed: int = 0,
    confidence: float = 0.95,
    maximize: Maximize = True,
    objectives: Sequence[str] | None = None,
    threads: int | None = None,
) -> HypervolumeEstimate:
    """Monte-Carlo hypervolume for many objectives: uniform samples in the box between the
    ideal point and ``ref``; ``value`` is unbiased, ``[low, high]`` a Wilson interval at
    ``confidence``. Reproducible from ``seed`` whatever the thread count."""
    if (
        isinstance(confidence, (bool, np.bool_))
        or not isinstance(confidence, (int, float, np.integer, np.floating))
        or not 0 < confidence < 1
    ):
        raise InputError(f"confidence must be in (0, 1), got {confidence!r}")
    samples = _v.count(
        samples,
        "samples",
        1,
        MAX_MC_SAMPLES,
        hint="the estimate's standard error shrinks as 1/sqrt(samples)",
    )
    seed = _v.seed(seed)
    p = _points(points, objectives)
    est = _core.hypervolume_mc(
        p.arg, _maximize(maximize, p), _reference(ref, p.m), samples, seed, _check_threads(threads)
    )
    hits, n, box = est.hits, est.samples, est.box_volume
    frac = hits / n
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    denom = 1 + z * z / n
    center = (frac + z * z / (2 * n)) / denom
    half = z / denom * np.sqrt(frac * (1 - frac) / n + z * z / (4 * n * n))
    return HypervolumeEstimate(
        value=box * frac,
        low=box * max(0.0, center - half),
        high=box * min(1.0, center + half),
        stderr=box * float(np.sqrt(frac * (1 - frac) / n)),
        samples=n,
    )


def weights(m: int, partitions: int) -> np.ndarray:
    """Das–Dennis simplex lattice: every weight vector with entries in {0, 1/p, ..., 1}
    summing to 1, ``C(p + m - 1, m - 1)`` rows.

    >>> weights(2, 2).tolist()
    [[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]
    """
    return _core.das_dennis(
        _count(m, "m", most=MAX_WEIGHT_VALUES), _count(partitions, "partitions", most=2**62)
    )


def weights_random(m: int, n: int, *, seed: int = 0, alpha: float = 1.0) -> np.ndarray:
    """``n`` weight vectors drawn from Dirichlet(alpha, ..., alpha) (alpha = 1: uniform on
    the simplex), reproducible from ``seed``."""
    m = _count(m, "m", most=MAX_WEIGHT_VALUES)
    n = _count(n, "n", 0, most=MAX_WEIGHT_VALUES)
    if n * m > MAX_WEIGHT_VALUES:
        raise LimitError(
            f"weights_random({m}, {n}) would hold {n * m} values, above the limit of "
            f"{MAX_WEIGHT_VALUES}; draw fewer vectors (n) or draw them in batches with different seeds"
        )
    return _core.dirichlet(m, n, _v.seed(seed), _positive_real(alpha, "alpha"))


#: Most values (vectors x objectives) ``weights`` / ``weights_random`` return (800 MB of f64).
MAX_WEIGHT_VALUES = 100_000_000


def _count(v: Any, name: str, least: int = 1, most: int | None = None) -> int:
    return _v.count(v, name, least, most)


def _real(v: Any, name: str) -> float:
    """A finite real number (bools, complex, text and containers refused)."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise InputError(f"{name} must be a finite number, got {v!r}")
    x = float(v)
    if not np.isfinite(x):
        raise InputError(f"{name} must be a finite number, got {v!r}")
    return x


def _positive_real(v: Any, name: str) -> float:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise InputError(f"{name} must be a finite number > 0, got {v!r}")
    x = float(v)
    if not (np.isfinite(x) and x > 0):
        raise InputError(f"{name} must be a finite number > 0, got {v!r}")
    return x


def _weights(w: Any, m: int) -> tuple[np.ndarray, bool]:
    try:
        arr = _v.numeric_array(w, "weights")
    except (TypeError, ValueError) as e:
        raise InputError(f"weights must be numbers: {e}") from None
    single = arr.ndim == 1
    if single:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != m:
        raise InputError(
            f"weights must have shape ({m},) or (W, {m}) for {m} objectives, got {np.shape(w)}"
        )
    return np.ascontiguousarray(arr), single


def weighted_sum(
    points: Any,
    weights: Any,
    *,
    maximize: Maximize = True,
    objectives: Sequence[str] | None = None,
    threads: int | None = None,
) -> np.ndarray:
    """Weighted-sum utility (higher is better): ``sum_j w_j * f_j``, minimized objectives
    entering with a minus sign. ``weights`` of shape (m,) gives (n,); (W, m) gives (n, W)."""
    p = _points(points, objectives)
    w, single = _weights(weights, p.m)
    out = _core.weighted_sum(p.arg, _maximize(maximize, p), w, _check_threads(threads))
    return out[:, 0] if single else out


def chebyshev(
    points: Any,
    weights: Any,
    *,
    ideal: Any = None,
    maximize: Maximize = True,
    rho: float = 0.0,
    objectives: Sequence[str] | None = None,
    threads: int | None = None,
) -> np.ndarray:
    """Weighted Chebyshev distance to the ideal point (lower is better):
    ``max_j w_j |z_j - f_j| + rho * sum_j |z_j - f_j|``. Unlike the weighted sum it reaches
    points on non-convex parts of a front. ``ideal`` defaults to the best value per objective
    over ``points``."""
    p = _points(points, objectives)
    mx = _maximize(maximize, p)
    w, single = _weights(weights, p.m)
    z = _core.ideal_point(p.arg, mx) if ideal is None else _reference(ideal, p.m, "ideal")
    out = _core.chebyshev(p.arg, w, z, _real(rho, "rho"), _check_threads(threads))
    return out[:, 0] if single else out


def augmented_chebyshev(
    points: Any,
    weights: Any,
    *,
    ideal: Any = None,
    maximize: Maximize = True,
    rho: float = 1e-4,
    objectives: Sequence[str] | None = None,
    threads: int | None = None,
) -> np.ndarray:
    """Augmented Chebyshev distance (``rho > 0`` avoids weakly Pareto-optimal choices)."""
    if not _real(rho, "rho") > 0:
        raise InputError(f"augmented_chebyshev needs rho > 0, got {rho}")
    return chebyshev(
        points,
        weights,
        ideal=ideal,
        maximize=maximize,
        rho=rho,
        objectives=objectives,
        threads=threads,
    )


def lexicographic(
    points: Any,
    order: Sequence[int | str] | None = None,
    tolerances: float | Sequence[float] = 0.0,
    *,
    maximize: Maximize = True,
    relative: bool = False,
    objectives: Sequence[str] | None = None,
) -> np.ndarray:
    """Hierarchical selection (e.g. safety before helpfulness): level by level, keep the
    candidates within ``tolerances[k]`` of the best survivor on objective ``order[k]``.

    >>> lexicographic([[0.95, 0.2], [0.9, 0.9], [0.5, 1.0]], order=[0, 1], tolerances=[0.1, 0]).tolist()
    [False, True, False]
    """
    p = _points(points, objectives)
    mx = _maximize(maximize, p)
    if order is None:
        idx = list(range(p.m))
    else:
        if isinstance(order, (str, bytes)) or not isinstance(order, (Sequence, np.ndarray)):
            raise InputError(
                f"order must be a list of objective indices or column names, got {order!r}"
            )
        idx = []
        for o in order:
            if isinstance(o, str):
                if p.names is None:
                    raise InputError(f"order names objective {o!r}, but points is not a DataFrame")
                if o not in p.names:
                    raise SchemaError(
                        f"order names unknown objective column {o!r}; objectives are {p.names}"
                    )
                idx.append(p.names.index(o))
            elif isinstance(o, (int, np.integer)) and not isinstance(o, bool) and 0 <= o < p.m:
                idx.append(int(o))
            else:
                raise InputError(f"order entry {o!r} is not an objective index in 0..{p.m - 1}")
    if isinstance(tolerances, (int, float, np.number)) and not isinstance(
        tolerances, (complex, np.complexfloating)
    ):
        tol = [_real(tolerances, "tolerances")] * len(idx)
    else:
        if isinstance(tolerances, (str, bytes)) or not isinstance(
            tolerances, (Sequence, np.ndarray)
        ):
            raise InputError(
                f"tolerances must be a number or one number per order entry, got {tolerances!r}"
            )
        tol = [_real(t, "tolerances") for t in tolerances]
    return _core.lexicographic(p.arg, mx, idx, tol, bool(relative))


def _indicator(
    points: Any, reference: Any, maximize: Maximize, kind: str, threads: int | None
) -> float:
    p = _points(points)
    r = _points(reference, what="reference")
    if r.m != p.m:
        raise InputError(f"points have {p.m} objectives but the reference set has {r.m}")
    return _core.indicator(p.arg, r.arg, _maximize(maximize, p), kind, _check_threads(threads))


def epsilon_indicator(
    points: Any,
    reference: Any,
    *,
    maximize: Maximize = True,
    kind: Literal["additive", "multiplicative"] = "additive",
    threads: int | None = None,
) -> float:
    """Epsilon indicator of ``points`` with respect to the ``reference`` set: the smallest
    shift (additive) or factor (multiplicative) that makes ``points`` weakly dominate every
    reference point. Smaller is better."""
    if kind not in ("additive", "multiplicative"):
        raise InputError(f"kind must be 'additive' or 'multiplicative', got {kind!r}")
    return _indicator(points, reference, maximize, f"epsilon_{kind}", threads)


def igd(
    points: Any, reference: Any, *, maximize: Maximize = True, threads: int | None = None
) -> float:
    """Inverted generational distance: mean distance from each reference point to the
    nearest point. Smaller is better."""
    return _indicator(points, reference, maximize, "igd", threads)


def igd_plus(
    points: Any, reference: Any, *, maximize: Maximize = True, threads: int | None = None
) -> float:
    """IGD+: like IGD but only counting how much a point is worse than each reference point
    (weakly Pareto-compliant). Smaller is better."""
    return _indicator(points, reference, maximize, "igd_plus", threads)
