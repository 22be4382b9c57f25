"""Shared data generators, peer adapters and peer caps for the pareto benchmarks.

Used by ``bench_pareto.py`` (pytest-benchmark) and ``ratios.py`` (standalone ratio table).

Directions: pluralign maximizes by default; every peer is called in its own convention for the
same maximization problem (moocore ``maximise=True``, paretoset ``sense=["max"] * m``, pymoo
minimizes only, so it gets ``-X``, negated once outside the timed call).

Duplicates: pluralign keeps equal vectors on the same front, so peers are called with the matching
option (moocore ``keep_weakly=True``, paretoset ``distinct=False``). The generated data has no
duplicates anyway (continuous random values).
"""

from __future__ import annotations

import functools
import math

import numpy as np

SIZES = {"1e4": 10_000, "1e5": 100_000, "1e6": 1_000_000}
OBJECTIVES = (2, 3, 5, 8)
DISTS = ("uniform", "onefront")
GROUP_SIZE = 16  # candidates per prompt in the grouped cases
GROUP_M = 4  # objectives in the grouped cases


def n_label(n: int) -> str:
    e = round(math.log10(n))
    return f"1e{e}" if 10**e == n else f"{n:.0e}".replace("+0", "").replace("+", "")


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------


def uniform(n: int, m: int, seed: int = 0) -> np.ndarray:
    """Uniform random points in [0, 1]^m (C-contiguous float64)."""
    return np.random.default_rng(seed).random((n, m))


def one_front(n: int, m: int, seed: int = 0) -> np.ndarray:
    """Points on the simplex sum = 1 (Dirichlet(1) rows): mutually non-dominated (worst case for
    first-front algorithms whose cost grows with the front size)."""
    return np.random.default_rng(seed).dirichlet(np.ones(m), size=n)


def make(dist: str, n: int, m: int, seed: int = 0) -> np.ndarray:
    if dist == "uniform":
        return uniform(n, m, seed)
    if dist == "onefront":
        return one_front(n, m, seed)
    raise ValueError(dist)


@functools.lru_cache(maxsize=6)
def cached(dist: str, n: int, m: int) -> np.ndarray:
    x = make(dist, n, m)
    x.setflags(write=False)
    return x


def grouped(n_groups: int, k: int = GROUP_SIZE, m: int = GROUP_M, seed: int = 0):
    """``n_groups`` prompts x ``k`` candidates x ``m`` objectives, uniform scores.

    Returns (points (n_groups*k, m), offsets (n_groups+1,) int64, ids (n,) int64 contiguous)."""
    x = np.random.default_rng(seed).random((n_groups * k, m))
    offsets = np.arange(0, n_groups * k + 1, k, dtype=np.int64)
    ids = np.repeat(np.arange(n_groups, dtype=np.int64), k)
    return x, offsets, ids


def shuffled_ids(ids: np.ndarray, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """A row permutation ``perm`` so that ``ids[perm]`` is not contiguous (rows of a group are
    scattered), plus those permuted ids."""
    perm = np.random.default_rng(seed).permutation(len(ids))
    return perm, ids[perm]


# --------------------------------------------------------------------------------------------
# peers (each returns pluralign's result format: int64 ranks, bool mask or float)
# --------------------------------------------------------------------------------------------


def fronts_to_ranks(fronts, n: int) -> np.ndarray:
    r = np.full(n, -1, dtype=np.int64)
    for i, f in enumerate(fronts):
        r[np.asarray(f, dtype=np.int64)] = i
    return r


def peer_versions() -> dict[str, str]:
    out = {}
    for name in ("numpy", "moocore", "paretoset", "pymoo", "numba"):
        try:
            mod = __import__(name)
            out[name] = getattr(mod, "__version__", "?")
        except Exception as e:  # noqa: BLE001
            out[name] = f"missing ({type(e).__name__})"
    return out


def prepare(impl: str, task: str, x: np.ndarray, threads: int | None = None):
    """Return a zero-argument callable that runs ``impl`` on ``x`` for ``task``.

    Input conversions a user of that peer would have to do (pymoo: negate to minimize) happen
    here, outside the timed call. ``threads`` goes to pluralign only (None: its default, all
    cores); the peers are single-threaded."""
    m = x.shape[1]
    if impl == "pluralign":
        import pluralign.pareto as pp

        kw = {} if threads is None else {"threads": threads}
        if task == "ranks":
            return lambda: pp.ranks(x, maximize=True, **kw)
        if task == "front":
            return lambda: pp.front(x, maximize=True, **kw)
        if task == "hv":
            ref = np.zeros(m)
            return lambda: pp.hypervolume(x, ref, maximize=True, **kw)
    if impl == "moocore":
        import moocore

        if task == "ranks":
            return lambda: moocore.pareto_rank(x, maximise=True)
        if task == "front":
            return lambda: moocore.is_nondominated(x, maximise=True, keep_weakly=True)
        if task == "hv":
            ref = np.zeros(m)
            return lambda: moocore.hypervolume(x, ref=ref, maximise=True)
    if impl == "paretoset" and task == "front":
        from paretoset import paretoset

        sense = ["max"] * m
        return lambda: paretoset(x, sense=sense, distinct=False, use_numba=True)
    if impl == "pymoo":
        neg = np.ascontiguousarray(-x)
        if task == "ranks":
            # pymoo's public API. NOTE: in pymoo 0.6.2 NonDominatedSorting.do calls
            # moocore.pareto_rank (the `method` argument is ignored when no dominator is given).
            from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

            nds = NonDominatedSorting()
            return lambda: np.asarray(nds.do(neg, return_rank=True)[1], dtype=np.int64)
        if task == "front":
            # pymoo's own compiled (Cython) first-front kernel.
            from pymoo.functions import load_function

            fnd = load_function("find_non_dominated")

            def run():
                mask = np.zeros(len(neg), dtype=bool)
                mask[np.asarray(fnd(neg), dtype=np.int64)] = True
                return mask

            return run
    if impl == "pymoo-ens" and task == "ranks":
        # pymoo's own compiled Efficient Non-dominated Sort (ENS-SS), O(m n^2) worst case.
        from pymoo.functions import load_function

        ens = load_function("efficient_non_dominated_sort")
        neg = np.ascontiguousarray(-x)
        n = len(neg)
        return lambda: fronts_to_ranks(ens(neg), n)
    raise ValueError(f"no adapter for impl={impl!r} task={task!r}")


def moocore_group_loop(task: str, x: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """What a moocore user writes for per-prompt fronts: a Python loop over the groups."""
    import moocore

    g = len(offsets) - 1
    if task == "ranks":
        out = np.empty(int(offsets[-1]), dtype=np.int64)
        for i in range(g):
            a, b = offsets[i], offsets[i + 1]
            out[a:b] = moocore.pareto_rank(x[a:b], maximise=True)
    else:
        out = np.empty(int(offsets[-1]), dtype=bool)
        for i in range(g):
            a, b = offsets[i], offsets[i + 1]
            out[a:b] = moocore.is_nondominated(x[a:b], maximise=True, keep_weakly=True)
    return out


PEERS = {
    "ranks": ("moocore", "pymoo", "pymoo-ens"),
    "front": ("moocore", "paretoset", "pymoo"),
    "hv": ("moocore",),
}


def skip_reason(task: str, impl: str, dist: str, m: int, n: int) -> str | None:
    """Why ``impl`` is not run on this case in the pytest suite (None: it runs).

    Caps are for peers that would take about a minute or more on the case; numbers are single
    runs measured on the 2-core dev machine (moocore 0.3.2, paretoset 1.2.5, pymoo 0.6.2).
    Reasons go into pytest parameter ids, so they spell sizes as 10k/100k/1M (never 1eN) to keep
    ``-k 1e4`` selections exact."""
    if impl == "pluralign" or task == "hv":
        return None  # moocore 2-D/3-D HV is O(n log n): 3.2 s at 1M (m=3)
    if impl == "moocore":
        if m >= 8 and n >= 1_000_000:
            if task == "ranks":
                return "moocore-takes-a-minute(58s-uniform,65s-onefront,m8,1M)"
            if dist == "onefront":
                return "moocore-takes-a-minute(65s,m8,1M)"
        return None
    if impl == "paretoset":
        if dist == "onefront" and n > 10_000:
            return "paretoset-quadratic-BNL-on-one-front(1.3s-at-10k,est-minutes-above)"
        if m >= 8 and n > 100_000:
            return "paretoset-BNL-window-is-the-front(2.9s-at-100k-m8,est-100s-at-1M)"
        return None
    if impl == "pymoo":
        if task == "ranks":
            if n >= 1_000_000:
                return "pymoo-capped(NonDominatedSorting-wraps-moocore.pareto_rank,see-moocore-row)"
            return None
        # compiled find_non_dominated: O(n^2) on a front
        if dist == "onefront" and n > 10_000:
            return "pymoo-quadratic-on-one-front(4.4s-at-10k-m5)"
        if n >= 1_000_000 or (m >= 8 and n > 10_000):
            return "pymoo-capped(12s-at-100k-m5-uniform,quadratic-in-front-size)"
        return None
    if impl == "pymoo-ens":
        if dist == "onefront" and n > 10_000:
            return "pymoo-ens-quadratic-on-one-front(4s-at-30k-m5)"
        if n >= 1_000_000 or (m >= 8 and n > 10_000):
            return "pymoo-ens-capped(quadratic,about-7s-at-100k-m5-uniform)"
        return None
    return None


MINS: dict[str, dict[str, float]] = {}  # group -> impl -> min seconds (pytest summary)


def record(benchmark, impl: str) -> None:
    """Remember the min time of a pytest-benchmark run for the ratio summary in conftest."""
    stats = getattr(benchmark, "stats", None)
    if stats is None or getattr(stats, "stats", None) is None:
        return  # --benchmark-disable
    MINS.setdefault(benchmark.group, {})[impl] = stats.stats.min


def same_result(task: str, got, ref) -> None:
    """Assert that a peer's answer equals pluralign's (cheap correctness guard)."""
    if task == "hv":
        assert math.isclose(float(got), float(ref), rel_tol=1e-9, abs_tol=1e-12), (got, ref)
        return
    got = np.asarray(got)
    ref = np.asarray(ref)
    assert got.shape == ref.shape, (got.shape, ref.shape)
    if task == "front":
        bad = np.flatnonzero(got.astype(bool) != ref.astype(bool))
    else:
        bad = np.flatnonzero(got.astype(np.int64) != ref.astype(np.int64))
    assert bad.size == 0, f"{bad.size} rows differ, first rows {bad[:5].tolist()}"
