"""pluralign.pareto against moocore, paretoset and pymoo, in the same run.

    .venv/bin/python -m pytest benches --benchmark-only -q                 # everything (long)
    .venv/bin/python -m pytest benches --benchmark-only -q -k "1e4"        # small cases only
    .venv/bin/python -m pytest benches --benchmark-only -q -k "front and onefront and m5"

Each benchmark group is one case (task, data, m, n) with pluralign and every peer side by side.
Data: ``uniform`` = uniform random in [0,1]^m; ``onefront`` = Dirichlet(1) rows (on the simplex,
every point non-dominated: the worst case for first-front kernels). All problems are maximized;
peers get the same problem in their own convention (see ``_cases.py``).

A peer that would take about a minute or more on a case is skipped on that case only, with the
reason in the parameter id (``...-SKIP:<reason>``). After timing, each peer's answer is compared
with pluralign's (outside the timing): a cheap correctness guard.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from _cases import (
    DISTS,
    GROUP_M,
    GROUP_SIZE,
    OBJECTIVES,
    PEERS,
    SIZES,
    cached,
    grouped,
    moocore_group_loop,
    n_label,
    prepare,
    record,
    same_result,
    shuffled_ids,
    skip_reason,
)

# few rounds for the big cases (iterations=1, no warmup rounds: warm-up is done once per session)
ROUNDS = {10_000: 10, 100_000: 3, 1_000_000: 1}


def _params(task: str, dists=DISTS, objectives=OBJECTIVES, sizes=SIZES):
    out = []
    for dist in dists:
        for m in objectives:
            for label, n in sizes.items():
                for impl in ("pluralign", *PEERS[task]):
                    reason = skip_reason(task, impl, dist, m, n)
                    pid = f"{task}-{dist}-m{m}-{label}-{impl}"
                    marks = ()
                    if reason:
                        pid += f"-SKIP:{reason}"
                        marks = (pytest.mark.skip(reason=reason),)
                    out.append(pytest.param(dist, m, n, impl, id=pid, marks=marks))
    return out


@functools.lru_cache(maxsize=4)
def _reference(task: str, dist: str, m: int, n: int):
    """pluralign's answer on the case, computed outside any timing."""
    return prepare("pluralign", task, cached(dist, n, m))()


def _run(benchmark, task, dist, m, n, impl):
    x = cached(dist, n, m)
    fn = prepare(impl, task, x)
    benchmark.group = f"{task} {dist} m={m} n={n_label(n)}"
    benchmark.extra_info.update(task=task, impl=impl, data=dist, m=m, n=n)
    got = benchmark.pedantic(fn, rounds=ROUNDS[n], iterations=1, warmup_rounds=0)
    record(benchmark, impl)
    if impl == "pluralign":
        if dist == "onefront" and task == "ranks":
            assert not np.asarray(got).any(), "one-front data: every rank must be 0"
        if dist == "onefront" and task == "front":
            assert np.asarray(got).all(), "one-front data: every point is non-dominated"
    else:
        same_result(task, got, _reference(task, dist, m, n))


@pytest.mark.parametrize("dist,m,n,impl", _params("ranks"))
def test_ranks(benchmark, pareto, warm_peers, dist, m, n, impl):
    """All fronts (non-dominated sorting): pluralign.pareto.ranks vs moocore.pareto_rank,
    pymoo NonDominatedSorting (public API) and pymoo's compiled ENS."""
    _run(benchmark, "ranks", dist, m, n, impl)


@pytest.mark.parametrize("dist,m,n,impl", _params("front"))
def test_front(benchmark, pareto, warm_peers, dist, m, n, impl):
    """First front: pluralign.pareto.front vs moocore.is_nondominated, paretoset.paretoset and
    pymoo's compiled find_non_dominated."""
    _run(benchmark, "front", dist, m, n, impl)


@pytest.mark.parametrize("dist,m,n,impl", _params("hv", objectives=(2, 3)))
def test_hypervolume(benchmark, pareto, warm_peers, dist, m, n, impl):
    """Exact 2-D/3-D hypervolume, reference point 0 (maximization): vs moocore.hypervolume."""
    _run(benchmark, "hv", dist, m, n, impl)


# --------------------------------------------------------------------------------------------
# grouped (segmented) kernels: G prompts x 16 candidates x 4 objectives in one call
# --------------------------------------------------------------------------------------------

GROUPS = SIZES  # number of groups (prompts): 1e4, 1e5, 1e6 -> 160k .. 16M rows


@functools.lru_cache(maxsize=1)
def _grouped(g: int):
    x, offsets, ids = grouped(g)
    perm, ids_sh = shuffled_ids(ids)
    x_sh = np.ascontiguousarray(x[perm])
    return x, offsets, ids, perm, x_sh, ids_sh


GROUPED_IMPLS = {
    "ranks": ("pluralign-offsets", "pluralign-ids", "pluralign-ids-shuffled", "moocore-loop"),
    "front": (
        "pluralign-offsets",
        "pluralign-ids",
        "pluralign-ids-shuffled",
        "moocore-loop",
        "moocore-within-sets",
    ),
}


def _grouped_skip(impl: str, g: int) -> str | None:
    if impl == "moocore-loop" and g > 100_000:
        return "python-loop-over-groups(0.7-1.3s-per-10k-groups,est-1-2min-at-1M)"
    if impl == "moocore-within-sets" and g > 10_000:
        return "moocore-within-sets-quadratic-in-groups(2.5s-at-10k,148s-at-100k-groups)"
    return None


def _grouped_params(task):
    out = []
    for label, g in GROUPS.items():
        for impl in GROUPED_IMPLS[task]:
            pid = f"grouped-{task}-g{label}x{GROUP_SIZE}x{GROUP_M}-{impl}"
            reason = _grouped_skip(impl, g)
            marks = ()
            if reason:
                pid += f"-SKIP:{reason}"
                marks = (pytest.mark.skip(reason=reason),)
            out.append(pytest.param(g, impl, id=pid, marks=marks))
    return out


def _grouped_case(benchmark, pp, task, g, impl):
    x, offsets, ids, perm, x_sh, ids_sh = _grouped(g)
    fn_pp = pp.ranks if task == "ranks" else pp.front
    if impl == "pluralign-offsets":
        fn = functools.partial(fn_pp, x, maximize=True, offsets=offsets)
    elif impl == "pluralign-ids":
        fn = functools.partial(fn_pp, x, maximize=True, groups=ids)
    elif impl == "pluralign-ids-shuffled":
        fn = functools.partial(fn_pp, x_sh, maximize=True, groups=ids_sh)
    elif impl == "moocore-loop":
        fn = functools.partial(moocore_group_loop, task, x, offsets)
    elif impl == "moocore-within-sets":
        import moocore

        fn = functools.partial(
            moocore.is_nondominated_within_sets, x, ids, maximise=True, keep_weakly=True
        )
    else:
        raise ValueError(impl)
    benchmark.group = f"grouped-{task} {n_label(g)} groups x {GROUP_SIZE} x {GROUP_M}"
    benchmark.extra_info.update(task=f"grouped-{task}", impl=impl, groups=g, n=len(x))
    got = np.asarray(benchmark.pedantic(fn, rounds=ROUNDS[g], iterations=1, warmup_rounds=0))
    record(benchmark, impl)

    # correctness guard, outside the timing
    if impl == "pluralign-ids-shuffled":
        got_in_order = np.empty_like(got)
        got_in_order[perm] = got
        got = got_in_order
    if impl.startswith("pluralign"):
        # against moocore, one group at a time, on the first 200 groups
        h = 200 * GROUP_SIZE
        sub = moocore_group_loop(task, x[:h], offsets[:201])
        same_result(task, got[:h], sub)
    else:
        same_result(task, got, fn_pp(x, maximize=True, offsets=offsets))


@pytest.mark.parametrize("g,impl", _grouped_params("ranks"))
def test_grouped_ranks(benchmark, pareto, warm_peers, g, impl):
    """Per-prompt non-dominated sorting over G prompts x 16 candidates x 4 objectives
    (target: under 1 s at 1M prompts)."""
    _grouped_case(benchmark, pareto, "ranks", g, impl)


@pytest.mark.parametrize("g,impl", _grouped_params("front"))
def test_grouped_front(benchmark, pareto, warm_peers, g, impl):
    """Per-prompt first front over G prompts x 16 candidates x 4 objectives."""
    _grouped_case(benchmark, pareto, "front", g, impl)
