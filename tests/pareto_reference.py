"""Slow, obviously-correct reference implementations for `pluralign.pareto`.

Everything here follows docs/pareto.md literally and favours clarity over speed: all-pairs
dominance, fronts by repeated peeling, hypervolume by an exact coordinate-compressed grid,
indicators by their textbook formulas.  Only meant for small inputs in tests.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np


# --------------------------------------------------------------------------------------------
# direction handling
# --------------------------------------------------------------------------------------------
def signs(m: int, maximize: bool | Sequence[bool] = True) -> np.ndarray:
    """+1 for a maximized objective, -1 for a minimized one."""
    if isinstance(maximize, (bool, np.bool_)):
        flags = [bool(maximize)] * m
    else:
        flags = [bool(x) for x in maximize]
        assert len(flags) == m
    return np.array([1.0 if f else -1.0 for f in flags])


def to_min(points, maximize: bool | Sequence[bool] = True) -> np.ndarray:
    """Flip into 'minimize everything' space (maximized objectives are negated)."""
    p = np.array(points, dtype=np.float64)
    assert p.ndim == 2
    return p * -signs(p.shape[1], maximize)


def nan_worst(points, maximize: bool | Sequence[bool] = True) -> np.ndarray:
    """Minimization-space copy where every non-finite value is the worst possible (+inf)."""
    q = to_min(points, maximize)
    q[~np.isfinite(q)] = np.inf
    return q


# --------------------------------------------------------------------------------------------
# dominance, fronts, ranks
# --------------------------------------------------------------------------------------------
def dominance_matrix(q: np.ndarray) -> np.ndarray:
    """D[i, j] = True when row j dominates row i (minimization), for all pairs at once."""
    le = np.all(q[None, :, :] <= q[:, None, :], axis=2)  # q[j] <= q[i] everywhere
    lt = np.any(q[None, :, :] < q[:, None, :], axis=2)  # q[j] < q[i] somewhere
    return le & lt


def front_min(q: np.ndarray) -> np.ndarray:
    """All-pairs non-dominated mask, minimization space."""
    return ~dominance_matrix(q).any(axis=1)


def ranks_min(q: np.ndarray) -> np.ndarray:
    """Non-dominated sorting by peeling: remove the first front, repeat."""
    n = q.shape[0]
    dom = dominance_matrix(q)
    ranks = np.full(n, -1, dtype=np.int64)
    remaining = np.ones(n, dtype=bool)
    r = 0
    while remaining.any():
        # non-dominated among the remaining rows
        nd = remaining & ~(dom[:, remaining].any(axis=1))
        ranks[nd] = r
        remaining &= ~nd
        r += 1
    return ranks


def ranks_ref(points, maximize=True) -> np.ndarray:
    return ranks_min(to_min(points, maximize))


def front_ref(points, maximize=True) -> np.ndarray:
    q = to_min(points, maximize)
    if q.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    return front_min(q)


def grouped(fn, points, ids, **kw) -> np.ndarray:
    """Apply fn independently inside each group of `ids` (any hashable labels), input order."""
    p = np.asarray(points, dtype=np.float64)
    ids = list(ids)
    out = None
    for g in dict.fromkeys(ids):
        idx = np.array([i for i, x in enumerate(ids) if x == g], dtype=np.int64)
        res = fn(p[idx], **kw)
        if out is None:
            out = np.zeros(p.shape[0], dtype=res.dtype)
        out[idx] = res
    if out is None:
        out = np.zeros(0, dtype=np.int64)
    return out


def offsets_to_ids(offsets) -> list[int]:
    ids: list[int] = []
    for g in range(len(offsets) - 1):
        ids.extend([g] * (offsets[g + 1] - offsets[g]))
    return ids


# --------------------------------------------------------------------------------------------
# crowding distance (NSGA-II, as specified)
# --------------------------------------------------------------------------------------------
def crowding_ref(points, ranks=None, maximize=True) -> np.ndarray:
    """Per front, per objective: sort by (value, row index); the two extremes get inf, the
    others add (next - prev) / (max - min); an objective with max == min inside the front
    adds 0 (to every point of the front, extremes included); fronts <= 2 points: all inf.

    "value" is the value as given (the magnitudes do not depend on the direction; only the
    tie order of equal values could, and docs/pareto.md says "sorted by value")."""
    p = np.asarray(points, dtype=np.float64)
    n, m = p.shape
    if ranks is None:
        ranks = ranks_min(to_min(p, maximize))
    ranks = np.asarray(ranks)
    cd = np.zeros(n, dtype=np.float64)
    for r in np.unique(ranks):
        idx = np.flatnonzero(ranks == r)
        if idx.size <= 2:
            cd[idx] = np.inf
            continue
        for j in range(m):
            vals = p[idx, j]
            order = sorted(range(idx.size), key=lambda k: (vals[k], idx[k]))
            lo, hi = vals[order[0]], vals[order[-1]]
            if hi == lo:
                continue
            cd[idx[order[0]]] = np.inf
            cd[idx[order[-1]]] = np.inf
            for t in range(1, idx.size - 1):
                i = idx[order[t]]
                cd[i] += (vals[order[t + 1]] - vals[order[t - 1]]) / (hi - lo)
    return cd


# --------------------------------------------------------------------------------------------
# hypervolume: exact, by coordinate compression
# --------------------------------------------------------------------------------------------
def hv_min(q: np.ndarray, ref: np.ndarray) -> float:
    """Exact hypervolume in minimization space.  Per axis, the unique coordinates of the
    points plus the reference cut space into grid cells; point p dominates every cell whose
    lower corner is >= p on every axis.  Volume = sum of the dominated cells' volumes."""
    q = np.asarray(q, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if q.shape[0] == 0:
        return 0.0
    m = q.shape[1]
    assert np.all(q <= ref), "reference point must be weakly dominated by every point"
    coords = [np.unique(np.append(q[:, j], ref[j])) for j in range(m)]
    widths = [np.diff(c) for c in coords]  # cell k on axis j spans coords[j][k]..[k+1]
    grid = np.zeros(tuple(len(w) for w in widths), dtype=bool)
    for p in q:
        start = tuple(int(np.searchsorted(coords[j], p[j])) for j in range(m))
        grid[tuple(slice(s, None) for s in start)] = True
    vol = grid.astype(np.float64)
    for j in range(m):
        shape = [1] * m
        shape[j] = len(widths[j])
        vol = vol * widths[j].reshape(shape)
    return float(vol.sum())


def hv_ref(points, ref, maximize=True) -> float:
    s = -signs(len(ref), maximize)
    q = np.asarray(points, dtype=np.float64).reshape(-1, len(ref)) * s
    return hv_min(q, np.asarray(ref, dtype=np.float64) * s)


def hv_inclusion_exclusion(points, ref, maximize=True) -> float:
    """Second, independent exact formula (only for n <= ~10): inclusion-exclusion over the
    boxes [p, ref]; the intersection of boxes is [componentwise max, ref]."""
    s = -signs(len(ref), maximize)
    q = np.asarray(points, dtype=np.float64).reshape(-1, len(ref)) * s
    r = np.asarray(ref, dtype=np.float64) * s
    total = 0.0
    n = q.shape[0]
    for k in range(1, n + 1):
        for sub in itertools.combinations(range(n), k):
            corner = q[list(sub)].max(axis=0)
            total += (-1) ** (k + 1) * float(np.prod(np.maximum(r - corner, 0.0)))
    return total


def contributions_ref(points, ref, maximize=True) -> np.ndarray:
    """Exclusive contribution HV(S) - HV(S minus row i), straight from the definition."""
    p = np.asarray(points, dtype=np.float64)
    full = hv_ref(p, ref, maximize)
    out = np.zeros(p.shape[0])
    for i in range(p.shape[0]):
        out[i] = full - hv_ref(np.delete(p, i, axis=0), ref, maximize)
    return out


# --------------------------------------------------------------------------------------------
# weights and scalarizations
# --------------------------------------------------------------------------------------------
def das_dennis_ref(m: int, partitions: int) -> np.ndarray:
    """All vectors of non-negative multiples of 1/partitions summing to 1, lexicographic
    (ascending) order of rows."""
    rows = [c for c in itertools.product(range(partitions + 1), repeat=m) if sum(c) == partitions]
    rows.sort()
    return np.array(rows, dtype=np.float64).reshape(-1, m) / partitions


def weighted_sum_ref(points, w, maximize=True) -> np.ndarray:
    p = np.asarray(points, dtype=np.float64)
    s = signs(p.shape[1], maximize)
    w = np.asarray(w, dtype=np.float64)
    if w.ndim == 1:
        return np.array([sum(w[j] * s[j] * row[j] for j in range(len(row))) for row in p])
    return np.stack([weighted_sum_ref(p, wk, maximize) for wk in w], axis=1)


def default_ideal(points, maximize=True) -> np.ndarray:
    p = np.asarray(points, dtype=np.float64)
    s = signs(p.shape[1], maximize)
    return np.where(s > 0, p.max(axis=0), p.min(axis=0))


def chebyshev_ref(points, w, ideal=None, maximize=True, rho=0.0) -> np.ndarray:
    p = np.asarray(points, dtype=np.float64)
    z = default_ideal(p, maximize) if ideal is None else np.asarray(ideal, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if w.ndim == 1:
        out = []
        for row in p:
            d = np.abs(z - row)
            out.append(max(w[j] * d[j] for j in range(len(d))) + rho * sum(d))
        return np.array(out)
    return np.stack([chebyshev_ref(p, wk, z, maximize, rho) for wk in w], axis=1)


def lexicographic_ref(points, order=None, tolerances=0.0, maximize=True, relative=False):
    p = np.asarray(points, dtype=np.float64)
    n, m = p.shape
    s = signs(m, maximize)
    order = list(range(m)) if order is None else list(order)
    tols = [tolerances] * len(order) if np.ndim(tolerances) == 0 else list(tolerances)
    keep = np.ones(n, dtype=bool)
    for level, j in enumerate(order):
        vals = p[:, j] * s[j]  # higher is better
        best = vals[keep].max()
        tol = tols[level] * abs(best) if relative else tols[level]
        keep &= vals >= best - tol
    return keep


# --------------------------------------------------------------------------------------------
# quality indicators (minimization space after flipping)
# --------------------------------------------------------------------------------------------
def eps_additive_ref(points, reference, maximize=True) -> float:
    a = to_min(points, maximize)
    r = to_min(reference, maximize)
    return max(min(max(a[i] - r[k]) for i in range(len(a))) for k in range(len(r)))


def eps_mult_min_ref(points, reference) -> float:
    """Multiplicative epsilon, minimization, positive values."""
    a = np.asarray(points, dtype=np.float64)
    r = np.asarray(reference, dtype=np.float64)
    return max(min(max(a[i] / r[k]) for i in range(len(a))) for k in range(len(r)))


def igd_ref(points, reference, maximize=True) -> float:
    a = to_min(points, maximize)
    r = to_min(reference, maximize)
    return float(np.mean([min(np.sqrt(np.sum((x - rr) ** 2)) for x in a) for rr in r]))


def igd_plus_ref(points, reference, maximize=True) -> float:
    a = to_min(points, maximize)
    r = to_min(reference, maximize)
    return float(
        np.mean([min(np.sqrt(np.sum(np.maximum(x - rr, 0.0) ** 2)) for x in a) for rr in r])
    )
