"""A slow, obviously-correct Python reference of the Rust edge kernel, and the checks that the
kernel agrees with it on random inputs (other edge tests import ``ref_edge_batch``)."""

from __future__ import annotations

import math
from itertools import combinations, pairwise
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign import _core
from pluralign.errors import InputError


def _kendall_tau_b(x: list[float], y: list[float]) -> float:
    n0 = conc = t1 = t2 = 0
    for a, b in combinations(range(len(x)), 2):
        n0 += 1
        dx, dy = np.sign(x[a] - x[b]), np.sign(y[a] - y[b])
        conc += int(dx * dy)
        t1 += dx == 0
        t2 += dy == 0
    den = (n0 - t1) * (n0 - t2)
    return conc / math.sqrt(den) if den > 0 else math.nan


def ref_prompt(
    gain: np.ndarray,
    maximize: list[bool],
    tiers: list[tuple[int, float, float, bool]],
    w: np.ndarray,
) -> dict[str, Any]:
    """One prompt: ``gain`` k x m already flipped so larger is better."""
    k, m = gain.shape
    keep = [True] * k
    for j, thr, tol, rel in tiers:
        if not math.isnan(thr):
            floor = thr if maximize[j] else -thr
            keep = [kp and gain[i, j] >= floor for i, kp in enumerate(keep)]
        if not math.isnan(tol):
            surv = [gain[i, j] for i in range(k) if keep[i]]
            if surv:
                best = max(surv)
                slack = tol * abs(best) if rel else tol
                keep = [kp and gain[i, j] >= best - slack for i, kp in enumerate(keep)]
    adm = [i for i in range(k) if keep[i]]

    def dominates(a: int, b: int) -> bool:
        return bool(np.all(gain[a] >= gain[b]) and np.any(gain[a] > gain[b]))

    front = [i for i in adm if not any(dominates(o, i) for o in adm)]
    pairs = list(combinations(range(k), 2))
    inc = sum(1 for a, b in pairs if np.any(gain[a] > gain[b]) and np.any(gain[a] < gain[b]))
    conflict = inc / len(pairs) if pairs else 0.0
    taus = [
        _kendall_tau_b(list(gain[:, a]), list(gain[:, b])) for a, b in combinations(range(m), 2)
    ]
    taus = [t for t in taus if not math.isnan(t)]
    min_tau = min(taus) if taus else math.nan
    picks = []
    if adm:
        z = gain[adm].max(axis=0)
        nad = gain[adm].min(axis=0)
        r = z - nad
        for wr in w:

            def dist(i: int, wr: np.ndarray = wr) -> float:
                return max(
                    [
                        wr[j] * (z[j] - gain[i, j]) * (1.0 / r[j]) if r[j] > 0 else 0.0
                        for j in range(m)
                    ]
                )

            # smallest distance, then lexicographically largest gain, then lowest index
            best = min(front, key=lambda i: (dist(i), tuple(-gain[i]), i))
            picks.append(best)
    return {
        "admissible": keep,
        "front": [i in front for i in range(k)],
        "chosen": picks[0] if picks else -1,
        "conflict": conflict,
        "min_tau": min_tau,
        "n_choices": len(set(picks)),
        "n_admissible": len(adm),
        "n_front": len(front),
    }


def ref_edge_batch(
    cols: Any,
    maximize: list[bool],
    offsets: np.ndarray,
    tobj: list[int],
    tthr: list[float],
    ttol: list[float],
    trel: list[bool],
    w: np.ndarray,
    threads: Any = None,
) -> tuple:
    """Same signature and outputs as ``_core.edge_batch``."""
    x = (
        np.column_stack([np.asarray(c, dtype=np.float64) for c in cols])
        if isinstance(cols, list)
        else cols
    )
    gain = np.where(np.array(maximize)[None, :], x, -x)
    tiers = list(zip(tobj, tthr, ttol, trel, strict=True))
    res = [ref_prompt(gain[a:b], maximize, tiers, w) for a, b in pairwise(offsets)]
    return (
        np.array([v for r in res for v in r["admissible"]], dtype=bool),
        np.array([v for r in res for v in r["front"]], dtype=bool),
        np.array([r["n_admissible"] for r in res], dtype=np.int64),
        np.array([r["n_front"] for r in res], dtype=np.int64),
        np.array([r["chosen"] for r in res], dtype=np.int64),
        np.array([r["conflict"] for r in res]),
        np.array([r["min_tau"] for r in res]),
        np.array([r["n_choices"] for r in res], dtype=np.int64),
    )


@st.composite
def batches(draw: st.DrawFn) -> tuple:
    m = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(0, 7), min_size=1, max_size=6))
    n = sum(sizes)
    vals = draw(st.lists(st.integers(-3, 3), min_size=n * m, max_size=n * m))
    x = np.array(vals, dtype=np.float64).reshape(n, m) / 2
    maximize = draw(st.lists(st.booleans(), min_size=m, max_size=m))
    nt = draw(st.integers(0, m))
    objs = draw(st.permutations(list(range(m))))[:nt]
    tthr = [draw(st.sampled_from([math.nan, -1.0, 0.0, 0.5])) for _ in objs]
    ttol = [
        draw(st.sampled_from([math.nan, 0.0, 0.5, 1.0])) if not math.isnan(t) else 0.5 for t in tthr
    ]
    trel = [draw(st.booleans()) for _ in objs]
    nw = draw(st.integers(1, 3))
    w = np.array(
        draw(st.lists(st.integers(0, 4), min_size=nw * m, max_size=nw * m)), dtype=np.float64
    )
    w = w.reshape(nw, m) / 4
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return x, maximize, offsets, list(objs), tthr, ttol, trel, np.ascontiguousarray(w)


def _same(a: tuple, b: tuple) -> None:
    names = [
        "admissible",
        "front",
        "n_admissible",
        "n_front",
        "chosen",
        "conflict",
        "min_tau",
        "n_choices",
    ]
    for name, u, v in zip(names, a, b, strict=True):
        if u.dtype.kind == "f":
            np.testing.assert_allclose(u, v, rtol=0, atol=1e-12, err_msg=name)
        else:
            np.testing.assert_array_equal(u, v, err_msg=name)


@settings(max_examples=60, deadline=None)
@given(batches())
def test_kernel_matches_reference(case: tuple) -> None:
    x, maximize, offsets, tobj, tthr, ttol, trel, w = case
    got = _core.edge_batch(np.ascontiguousarray(x), maximize, offsets, tobj, tthr, ttol, trel, w, 1)
    _same(got, ref_edge_batch(x, maximize, offsets, tobj, tthr, ttol, trel, w))
    # thread count and memory layout do not matter
    got2 = _core.edge_batch(np.asfortranarray(x), maximize, offsets, tobj, tthr, ttol, trel, w, 2)
    _same(got, got2)


def test_kernel_hand_case() -> None:
    # prompt 0 from docs/edge.md: a dominated candidate, a balanced one, two extremes
    x = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [0.1, 0.1], [-1.0, 5.0]])
    w = np.array([[0.5, 0.5], [0.9, 0.1]])
    out = _core.edge_batch(
        x, [True, True], np.array([0, 4, 5]), [0], [0.0], [math.nan], [False], w, None
    )
    adm, front, n_adm, n_front, chosen, conflict, tau, n_choices = out
    assert adm.tolist() == [True, True, True, True, False]
    assert front.tolist() == [True, True, False, True, False]
    assert n_adm.tolist() == [4, 0] and n_front.tolist() == [3, 0]
    assert chosen.tolist() == [3, -1]  # Chebyshev picks the balanced candidate at equal weights
    assert n_choices.tolist() == [2, 0]
    assert conflict.tolist() == [0.5, 0.0]
    # objective ranks over 4 candidates: tau-b = (C - D) / sqrt((6 - 1) * (6 - 1)), C=1, D=3
    assert tau[0] == pytest.approx(-2 / 5)
    assert math.isnan(tau[1])


def test_kernel_errors() -> None:
    x = np.array([[0.0, np.nan]])
    w = np.array([[0.5, 0.5]])
    with pytest.raises(InputError, match="not finite"):
        _core.edge_batch(x, [True, True], np.array([0, 1]), [], [], [], [], w, None)
    with pytest.raises(InputError, match="offsets"):
        _core.edge_batch(np.zeros((1, 2)), [True, True], np.array([0, 2]), [], [], [], [], w, None)
    with pytest.raises(InputError, match="weights"):
        _core.edge_batch(
            np.zeros((1, 2)),
            [True, True],
            np.array([0, 1]),
            [],
            [],
            [],
            [],
            np.array([[1.0]]),
            None,
        )
    with pytest.raises(InputError, match="tier 0"):
        _core.edge_batch(
            np.zeros((1, 2)),
            [True, True],
            np.array([0, 1]),
            [5],
            [0.0],
            [math.nan],
            [False],
            w,
            None,
        )
