"""Hypervolume (exact, contributions, Monte-Carlo): known answers, properties against the
coordinate-compression grid reference and inclusion-exclusion, and cross-checks with moocore."""

from __future__ import annotations

import math

import moocore
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pareto_reference import (
    contributions_ref,
    eps_additive_ref,
    eps_mult_min_ref,
    hv_inclusion_exclusion,
    hv_ref,
    igd_plus_ref,
    igd_ref,
    signs,
    to_min,
)
from pareto_strategies import problems
from pluralign import pareto


def approx(x, rel=1e-12, abs=1e-12):
    return pytest.approx(x, rel=rel, abs=abs)


@st.composite
def hv_problems(draw, slack=True, **kw):
    """(points, ref, maximize) with ref weakly dominated by every point; sometimes touching
    (a point equal to ref in an objective adds 0), sometimes with slack."""
    pts, mx = draw(problems(**kw))
    m = pts.shape[1]
    s = -signs(m, mx)  # to minimization space
    q = pts * s
    worst = q.max(axis=0) if pts.shape[0] else np.zeros(m)
    extra = np.array(
        draw(
            st.lists(
                st.sampled_from([0.0, 0.5, 1.0, 3.0] if slack else [0.0]), min_size=m, max_size=m
            )
        )
    )
    ref = (worst + extra) * s  # back to the caller's space
    return pts, ref, mx


# --------------------------------------------------------------------------------------------
# known answers
# --------------------------------------------------------------------------------------------
def test_hypervolume_hand_examples():
    assert pareto.hypervolume([[1, 2], [2, 1]], [0, 0]) == approx(3.0)
    assert isinstance(pareto.hypervolume([[1, 2], [2, 1]], [0, 0]), float)
    dat = np.array([[5, 5], [4, 6], [2, 7], [7, 4]], dtype=float)
    assert pareto.hypervolume(dat, [10, 10], maximize=False) == approx(38.0)
    assert pareto.hypervolume(dat, [0, 0]) == approx(39.0)
    assert pareto.hypervolume(dat, np.array([0.0, 0.0]), maximize=True) == approx(39.0)
    # single point: a box
    assert pareto.hypervolume([[1, 2, 3]], [0, 0, 0]) == approx(6.0)
    assert pareto.hypervolume([[1, 2, 3, 4]], [0, 0, 0, 0]) == approx(24.0)
    assert pareto.hypervolume([[1, 2, 3, 4, 5]], [0, 0, 0, 0, 0]) == approx(120.0)
    # mixed directions: maximize obj 0, minimize obj 1; ref (0, 10)
    assert pareto.hypervolume([[2, 4], [1, 1]], [0, 10], maximize=[True, False]) == approx(
        2 * 6 + 1 * 3
    )


def test_hypervolume_points_touching_ref_add_zero():
    assert pareto.hypervolume([[0, 5]], [0, 0]) == 0.0
    assert pareto.hypervolume([[0, 5], [1, 1]], [0, 0]) == approx(1.0)
    assert pareto.hypervolume([[3, 3, 0]], [0, 0, 0]) == 0.0


def test_hypervolume_dominated_and_duplicate_points_change_nothing():
    base = [[1, 3], [2, 2], [3, 1]]
    hv = pareto.hypervolume(base, [0, 0])
    assert hv == approx(6.0)
    assert pareto.hypervolume(base + [[1, 1], [2, 2], [0.5, 0.5]], [0, 0]) == approx(hv)


def test_hypervolume_empty_set_is_zero():
    assert pareto.hypervolume(np.zeros((0, 3)), [1.0, 1.0, 1.0]) == 0.0


@pytest.mark.parametrize("n", [2, 3, 5, 10, 101, 1000])
def test_linear_front_matches_staircase_closed_form(n):
    """n points evenly spaced on x + y = 1, ref (0, 0), maximize.  The dominated region is a
    staircase: sum_{i>=1} h * (1 - i h) with h = 1/(n-1), i.e. (n - 2) / (2 (n - 1)) -> 1/2."""
    x = np.linspace(0.0, 1.0, n)
    pts = np.column_stack([x, 1.0 - x])
    expected = (n - 2) / (2 * (n - 1))
    assert pareto.hypervolume(pts, [0.0, 0.0]) == approx(expected, rel=1e-12, abs=1e-14)
    # shuffled and in minimization form (1 - x, 1 - y) with ref (1, 1): same staircase
    rng = np.random.default_rng(n)
    perm = rng.permutation(n)
    assert pareto.hypervolume(pts[perm], [0.0, 0.0]) == approx(expected, abs=1e-14)
    assert pareto.hypervolume(1.0 - pts, [1.0, 1.0], maximize=False) == approx(expected, abs=1e-14)
    assert expected < 0.5
    if n >= 1000:
        assert abs(pareto.hypervolume(pts, [0.0, 0.0]) - 0.5) < 1e-3


def _sphere_octant(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    p = np.abs(rng.standard_normal((n, 3)))
    return p / np.linalg.norm(p, axis=1, keepdims=True)


def test_spherical_front_minimize_tends_to_one_minus_pi_over_six():
    """Points on the unit sphere in the positive octant, minimization, ref (1, 1, 1): the
    dominated volume is the unit cube minus (at most) the ball octant, so HV < 1 - pi/6 and
    approaches it from below.  For uniformly random points the gap shrinks like c / sqrt(n)
    with c ~= 0.75..0.85 (measured with moocore over several seeds for n = 100..5000); we
    allow 1.5 / sqrt(n)."""
    limit = 1.0 - math.pi / 6.0
    pts = _sphere_octant(5000, seed=0)
    values = []
    for n in (100, 500, 2000, 5000):
        hv = pareto.hypervolume(pts[:n], [1.0, 1.0, 1.0], maximize=False)
        assert hv == approx(moocore.hypervolume(pts[:n], ref=[1.0, 1.0, 1.0]), rel=1e-10)
        assert 0.0 < limit - hv < 1.5 / math.sqrt(n)
        values.append(hv)
    # nested sets: more points, strictly more volume, closer to the limit from below
    assert values == sorted(values) and len(set(values)) == len(values)


def test_spherical_front_maximize_tends_to_pi_over_six():
    """Same sphere, maximize with ref 0: the dominated region lies inside the ball octant,
    HV < pi/6 and approaches it from below."""
    limit = math.pi / 6.0
    pts = _sphere_octant(3000, seed=1)
    hv = pareto.hypervolume(pts, [0.0, 0.0, 0.0])
    assert hv == approx(moocore.hypervolume(pts, ref=[0.0, 0.0, 0.0], maximise=True), rel=1e-10)
    assert 0.0 < limit - hv < 1.5 / math.sqrt(3000)


# --------------------------------------------------------------------------------------------
# properties vs the exact grid reference
# --------------------------------------------------------------------------------------------
@given(hv_problems(max_n=40, min_m=2, max_m=6))
def test_hypervolume_matches_grid_reference(prob):
    pts, ref, mx = prob
    expected = hv_ref(pts, ref, mx)
    got = pareto.hypervolume(pts, ref, maximize=mx)
    assert isinstance(got, float)
    assert got == approx(expected, rel=1e-12, abs=1e-12)
    assert pareto.hypervolume(pts, ref, maximize=mx, threads=1) == got
    assert pareto.hypervolume(pts, ref, maximize=mx, threads=2) == got


@given(hv_problems(max_n=8, min_m=2, max_m=4))
def test_hypervolume_matches_inclusion_exclusion(prob):
    pts, ref, mx = prob
    got = pareto.hypervolume(pts, ref, maximize=mx)
    assert got == approx(hv_inclusion_exclusion(pts, ref, mx), rel=1e-10, abs=1e-10)


@given(hv_problems(min_n=1, max_n=30, min_m=2, max_m=5), st.randoms(use_true_random=False))
def test_hypervolume_invariances(prob, rnd):
    pts, ref, mx = prob
    hv = pareto.hypervolume(pts, ref, maximize=mx)
    perm = list(range(len(pts)))
    rnd.shuffle(perm)
    assert pareto.hypervolume(pts[perm], ref, maximize=mx) == approx(hv)
    # layouts: Fortran order, strided rows, strided columns, lists
    assert pareto.hypervolume(np.asfortranarray(pts), ref, maximize=mx) == approx(hv)
    big = np.repeat(pts, 2, axis=0)
    assert pareto.hypervolume(big[::2], ref, maximize=mx) == approx(hv)
    wide = np.zeros((pts.shape[0], 2 * pts.shape[1]))
    wide[:, ::2] = pts
    assert pareto.hypervolume(wide[:, ::2], ref, maximize=mx) == approx(hv)
    assert pareto.hypervolume(pts.tolist(), list(ref), maximize=mx) == approx(hv)
    # only the first front matters
    f = pareto.front(pts, maximize=mx)
    assert pareto.hypervolume(pts[f], ref, maximize=mx) == approx(hv)
    # a translated problem has the same volume
    assert pareto.hypervolume(pts + 1000.0, ref + 1000.0, maximize=mx) == approx(hv, rel=1e-9)
    # moving the reference point away never shrinks the volume
    s = signs(pts.shape[1], mx)
    assert pareto.hypervolume(pts, ref - s, maximize=mx) >= hv


@pytest.mark.parametrize("m", [2, 3, 4, 5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hypervolume_matches_moocore_random(m, seed):
    rng = np.random.default_rng(1000 * m + seed)
    n = {2: 400, 3: 300, 4: 120, 5: 40}[m]
    pts = rng.random((n, m))
    mx = [bool(b) for b in rng.integers(0, 2, m)]
    for maximize in (True, False, mx):
        s = signs(m, maximize)
        ref = np.where(s > 0, pts.min(axis=0) - 0.1, pts.max(axis=0) + 0.1)
        expected = moocore.hypervolume(pts, ref=ref, maximise=maximize)
        got = pareto.hypervolume(pts, ref, maximize=maximize)
        assert got == approx(expected, rel=1e-9, abs=1e-12)
        assert pareto.hypervolume(pts, ref, maximize=maximize, threads=2) == got


@pytest.mark.parametrize(("m", "n"), [(4, 6_000), (5, 4_500)])
def test_hypervolume_past_one_block_of_slabs_matches_moocore(m, n):
    """More non-dominated points than one parallel block of top-level slabs (2,048): later
    blocks start from the rows still active before them. Against moocore, and the same bits
    for 1, 2 and 3 threads; in maximization with a Fortran-ordered copy too."""
    rng = np.random.default_rng(m)
    p = np.abs(rng.standard_normal((n, m)))
    pts = p / np.linalg.norm(p, axis=1, keepdims=True)
    ref = np.full(m, 1.1)
    expected = moocore.hypervolume(pts, ref=ref)
    got = pareto.hypervolume(pts, ref, maximize=False, threads=1)
    assert got == approx(expected, rel=1e-12)
    for threads in (2, 3):
        assert pareto.hypervolume(pts, ref, maximize=False, threads=threads) == got
    flipped = np.asfortranarray(-pts)
    assert pareto.hypervolume(flipped, -ref, threads=2) == approx(expected, rel=1e-12)


def test_hypervolume_6d_matches_moocore():
    rng = np.random.default_rng(6)
    pts = rng.random((25, 6))
    expected = moocore.hypervolume(pts, ref=np.full(6, 1.0))
    assert pareto.hypervolume(pts, np.full(6, 1.0), maximize=False) == approx(expected, rel=1e-9)
    # points on a simplex-like front (all mutually non-dominated)
    w = rng.dirichlet(np.ones(6), size=25)
    expected = moocore.hypervolume(w, ref=np.zeros(6), maximise=True)
    assert pareto.hypervolume(w, np.zeros(6)) == approx(expected, rel=1e-9)


@st.composite
def coarse_problems(draw, min_m=4, max_m=6, max_n=60):
    """Minimization points on a coarse grid against ref = 1 everywhere: ties, duplicates,
    dominated points, points equal to the reference in some objective and points beyond it
    (those add 0) are all common; enough rows that the 4-D sweep sees sets past
    inclusion-exclusion size."""
    m = draw(st.integers(min_m, max_m))
    n = draw(st.integers(1, max_n))
    cells = draw(
        st.lists(
            st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0, 1.25]), min_size=m, max_size=m),
            min_size=n,
            max_size=n,
        )
    )
    return np.array(cells, dtype=float), np.ones(m)


@given(coarse_problems())
def test_hypervolume_4d_to_6d_with_ties_matches_moocore(prob):
    pts, ref = prob
    expected = moocore.hypervolume(pts, ref=ref)
    got = pareto.hypervolume(pts, ref, maximize=False)
    assert got == approx(expected, rel=1e-12, abs=1e-12)
    assert pareto.hypervolume(pts, ref, maximize=False, threads=1) == got
    # maximization of the negated points is the same volume
    assert pareto.hypervolume(-pts, -ref) == approx(expected, rel=1e-12, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(coarse_problems(min_m=7, max_m=9, max_n=40), st.data())
def test_hypervolume_7d_to_9d_deep_levels_match_moocore(prob, data):
    """The levels below the top that hold their sets as row ids of the input raised to a
    floor (issue 22's memory work), read in place through each of the three readers: C order
    with no objective maximized, C order with some (values flipped as they are read), any
    other layout."""
    pts, ref = prob
    m = pts.shape[1]
    expected = moocore.hypervolume(pts, ref=ref)
    got = pareto.hypervolume(pts, ref, maximize=False)
    assert got == approx(expected, rel=1e-12, abs=1e-12)
    mx = data.draw(st.lists(st.booleans(), min_size=m, max_size=m))
    layout = data.draw(st.sampled_from([np.ascontiguousarray, np.asfortranarray]))
    s = np.where(mx, -1.0, 1.0)
    flipped = pareto.hypervolume(layout(pts * s), ref * s, maximize=mx, threads=2)
    assert flipped == approx(expected, rel=1e-12, abs=1e-12)


@given(coarse_problems(max_m=5, max_n=30))
def test_contributions_4d_5d_with_ties_match_moocore(prob):
    pts, ref = prob
    inside = np.all(pts < ref, axis=1)
    got = pareto.hypervolume_contributions(pts, ref, maximize=False)
    assert np.all(got[~inside] == 0)
    if inside.sum() >= 1:
        expected = moocore.hv_contributions(pts[inside], ref=ref, ignore_dominated=False)
        np.testing.assert_allclose(got[inside], expected, rtol=1e-12, atol=1e-12)


def _sphere(n: int, m: int, seed: int) -> np.ndarray:
    x = np.abs(np.random.default_rng(seed).standard_normal((n, m)))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize(("m", "n"), [(4, 80), (6, 40), (7, 30), (8, 24)])
def test_contributions_read_in_place_match_moocore(m, n):
    """m >= 4 reads the caller's rows in place (C order, F order, maximized columns flipped as
    read) and lists the rows that take part by id: sphere points plus dominated ones, repeats
    and points beyond the reference, against moocore with both definitions."""
    rng = np.random.default_rng(90 + m)
    front_pts = _sphere(n, m, m)
    pts = np.vstack(
        [
            front_pts,
            front_pts[: n // 4] + rng.random((n // 4, m)) * 0.05,  # dominated
            front_pts[:3],  # repeats
            np.full((2, m), 1.2),  # beyond the reference
        ]
    )
    rng.shuffle(pts)
    ref = np.full(m, 1.1)
    mx = np.arange(m) % 3 == 1
    s = np.where(mx, -1.0, 1.0)
    for ignore in (False, True):
        expected = moocore.hv_contributions(pts, ref=ref, ignore_dominated=ignore)
        for layout in (np.ascontiguousarray, np.asfortranarray):
            got = pareto.hypervolume_contributions(
                layout(pts), ref, maximize=False, ignore_dominated=ignore, threads=2
            )
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
            flipped = pareto.hypervolume_contributions(
                layout(pts * s), ref * s, maximize=mx, ignore_dominated=ignore, threads=3
            )
            np.testing.assert_allclose(flipped, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("m", "n"), [(4, 600), (5, 400), (6, 150), (8, 40)])
def test_sphere_fronts_match_moocore(m, n):
    """All points non-dominated, as in the issue-22 bench: the 4-D sweep on large sets, the
    5-D top level and the deeper recursion, at 1e-12."""
    pts, ref = _sphere(n, m, m), np.full(m, 1.1)
    expected = moocore.hypervolume(pts, ref=ref)
    got = pareto.hypervolume(pts, ref, maximize=False)
    assert got == approx(expected, rel=1e-12)
    assert pareto.hypervolume(pts, ref, maximize=False, threads=1) == got
    assert pareto.hypervolume(pts, ref, maximize=False, threads=2) == got
    if m <= 5:
        sub = pts[:60]
        expected_c = moocore.hv_contributions(sub, ref=ref, ignore_dominated=False)
        got_c = pareto.hypervolume_contributions(sub, ref, maximize=False)
        np.testing.assert_allclose(got_c, expected_c, rtol=1e-10, atol=1e-14)


def test_hypervolume_polars_input():
    df = pl.DataFrame({"id": ["a", "b", "c", "d"], "x": [5, 4, 2, 7], "y": [5.0, 6, 7, 4]})
    assert pareto.hypervolume(df, [0, 0], objectives=["x", "y"]) == approx(39.0)
    assert pareto.hypervolume(df, [10, 10], objectives=["x", "y"], maximize=False) == approx(38.0)


# --------------------------------------------------------------------------------------------
# contributions
# --------------------------------------------------------------------------------------------
def test_contributions_hand_examples():
    x = np.array([[5, 5], [4, 6], [2, 7], [7, 4]], dtype=float)
    c = pareto.hypervolume_contributions(x, [10, 10], maximize=False)
    assert c.dtype == np.float64
    np.testing.assert_allclose(c, [2, 1, 6, 3])
    # duplicated (5,1) -> 0 each; (4,4) dominated -> 0; (4,2) loses 1 to the dominated (4,4)
    # because removing (4,2) leaves (4,4) covering part of its box
    x = np.array([[5, 1], [1, 5], [4, 2], [4, 4], [5, 1]], dtype=float)
    np.testing.assert_allclose(
        pareto.hypervolume_contributions(x, [6, 6], maximize=False), [0, 3, 2, 0, 0]
    )


@given(hv_problems(max_n=14, min_m=2, max_m=5))
def test_contributions_match_definition(prob):
    pts, ref, mx = prob
    expected = contributions_ref(pts, ref, mx)
    got = pareto.hypervolume_contributions(pts, ref, maximize=mx)
    assert got.shape == (pts.shape[0],)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(
        pareto.hypervolume_contributions(pts, ref, maximize=mx, threads=1), got
    )
    np.testing.assert_array_equal(
        pareto.hypervolume_contributions(pts, ref, maximize=mx, threads=2), got
    )
    dominated = ~pareto.front(pts, maximize=mx)
    assert np.all(got[dominated] == 0)
    q = to_min(pts, mx)
    for i in range(len(q)):
        if np.any(np.all(np.delete(q, i, axis=0) == q[i], axis=1)):
            assert got[i] == 0  # duplicated point


@pytest.mark.parametrize("m", [2, 3, 4])
def test_contributions_match_moocore_random(m):
    rng = np.random.default_rng(40 + m)
    pts = rng.random((60, m))
    expected = moocore.hv_contributions(pts, ref=np.ones(m) * 1.1, ignore_dominated=False)
    got = pareto.hypervolume_contributions(pts, np.ones(m) * 1.1, maximize=False)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------------------------
# Monte-Carlo estimate
# --------------------------------------------------------------------------------------------
def test_mc_estimate_fields_and_ci():
    pts = [[1.0, 2.0], [2.0, 1.0]]  # exact HV 3; box [ideal (2,2), ref (0,0)] has volume 4
    n = 200_000
    est = pareto.hypervolume_mc(pts, [0.0, 0.0], samples=n, seed=0)
    assert est.samples == n
    assert est.low <= est.value <= est.high
    assert est.low <= 3.0 <= est.high
    # normal approximation: stderr = V sqrt(p (1 - p) / N) with p = 3/4
    assert est.stderr == pytest.approx(4.0 * math.sqrt(0.75 * 0.25 / n), rel=0.05)
    assert (est.high - est.low) / 2 == pytest.approx(1.959964 * est.stderr, rel=1e-3)
    assert abs(est.value - 3.0) < 0.02
    wide = pareto.hypervolume_mc(pts, [0.0, 0.0], samples=n, seed=0, confidence=0.99)
    assert (wide.high - wide.low) / 2 == pytest.approx(2.575829 * wide.stderr, rel=1e-3)


def test_mc_reproducible_and_thread_independent():
    rng = np.random.default_rng(5)
    pts = rng.random((30, 3))
    ref = [1.0, 1.0, 1.0]
    a = pareto.hypervolume_mc(pts, ref, maximize=False, samples=50_000, seed=11)
    b = pareto.hypervolume_mc(pts, ref, maximize=False, samples=50_000, seed=11)
    c = pareto.hypervolume_mc(pts, ref, maximize=False, samples=50_000, seed=11, threads=1)
    d = pareto.hypervolume_mc(pts, ref, maximize=False, samples=50_000, seed=11, threads=2)
    e = pareto.hypervolume_mc(pts, ref, maximize=False, samples=50_000, seed=12)
    assert (a.value, a.low, a.high, a.stderr) == (b.value, b.low, b.high, b.stderr)
    assert c.value == a.value == d.value
    assert e.value != a.value


@pytest.mark.parametrize("m", [2, 3, 4])
def test_mc_close_to_exact(m):
    rng = np.random.default_rng(77 + m)
    pts = rng.random((20, m))
    ref = np.zeros(m)
    exact = pareto.hypervolume(pts, ref)
    assert exact == approx(moocore.hypervolume(pts, ref=ref, maximise=True), rel=1e-10)
    est = pareto.hypervolume_mc(pts, ref, samples=400_000, seed=0)
    assert est.low <= exact <= est.high
    # across seeds: every estimate within 5 standard errors (false alarm rate ~ 1e-6 each)
    for seed in range(1, 6):
        e = pareto.hypervolume_mc(pts, ref, samples=100_000, seed=seed)
        assert abs(e.value - exact) < 5 * e.stderr
        assert e.stderr > 0


# --------------------------------------------------------------------------------------------
# other quality indicators: additive / multiplicative epsilon, IGD, IGD+
# --------------------------------------------------------------------------------------------
DAT = np.array([[3.5, 5.5], [3.6, 4.1], [4.1, 3.2], [5.5, 1.5]])
REF_SET = np.array([[1, 6], [2, 5], [3, 4], [4, 3], [5, 2], [6, 1]], dtype=float)


def test_indicator_hand_examples():
    # values from the moocore documentation (minimization)
    assert pareto.epsilon_indicator(DAT, REF_SET, maximize=False) == approx(2.5)
    assert pareto.epsilon_indicator(DAT, REF_SET, maximize=False, kind="additive") == approx(2.5)
    assert pareto.epsilon_indicator(DAT, REF_SET, maximize=False, kind="multiplicative") == approx(
        3.5
    )
    assert pareto.igd(DAT, REF_SET, maximize=False) == approx(1.0627908666722465)
    assert pareto.igd_plus(DAT, REF_SET, maximize=False) == approx(0.9855036468106652)
    assert isinstance(pareto.igd(DAT, REF_SET, maximize=False), float)


def test_igd_plus_is_pareto_compliant_where_igd_is_not():
    # Ishibuchi et al. 2015, example 4: A is better than B, IGD says otherwise, IGD+ agrees
    ref = np.array([10, 0, 6, 1, 2, 2, 1, 6, 0, 10], dtype=float).reshape(-1, 2)
    a = np.array([4, 2, 3, 3, 2, 4], dtype=float).reshape(-1, 2)
    b = np.array([8, 2, 4, 4, 2, 8], dtype=float).reshape(-1, 2)
    assert pareto.igd(a, ref, maximize=False) == approx(3.707092031609239)
    assert pareto.igd(b, ref, maximize=False) == approx(2.59148346584763)
    assert pareto.igd_plus(a, ref, maximize=False) == approx(1.482842712474619)
    assert pareto.igd_plus(b, ref, maximize=False) == approx(2.260112615949154)


def test_indicators_of_a_set_against_itself():
    assert pareto.epsilon_indicator(DAT, DAT) == 0.0
    assert pareto.epsilon_indicator(DAT, DAT, kind="multiplicative", maximize=False) == 1.0
    assert pareto.igd(DAT, DAT) == 0.0
    assert pareto.igd_plus(DAT, DAT) == 0.0
    assert pareto.igd_plus(DAT, DAT, maximize=False) == 0.0


def test_indicator_direction_matters():
    # maximize: a = (2, 2) is better than r = (1, 1) by 1 in every objective -> eps = -1
    assert pareto.epsilon_indicator([[2.0, 2.0]], [[1.0, 1.0]]) == approx(-1.0)
    assert pareto.epsilon_indicator([[2.0, 2.0]], [[1.0, 1.0]], maximize=False) == approx(1.0)
    assert pareto.igd_plus([[2.0, 2.0]], [[1.0, 1.0]]) == 0.0
    assert pareto.igd_plus([[2.0, 2.0]], [[1.0, 1.0]], maximize=False) == approx(math.sqrt(2))
    assert pareto.igd([[2.0, 2.0]], [[1.0, 1.0]]) == approx(math.sqrt(2))


@st.composite
def indicator_problems(draw):
    pts, mx = draw(problems(min_n=1, max_n=20, max_m=5))
    m = pts.shape[1]
    k = draw(st.integers(1, 12))
    ref = np.array(
        [
            [float(draw(st.sampled_from([-1.0, 0.0, 0.5, 1.0, 2.0, 3.0]))) for _ in range(m)]
            for _ in range(k)
        ]
    )
    return pts, ref, mx


@given(indicator_problems())
def test_indicators_match_reference_and_moocore(prob):
    pts, ref, mx = prob
    eps = pareto.epsilon_indicator(pts, ref, maximize=mx)
    assert eps == approx(eps_additive_ref(pts, ref, mx))
    assert eps == approx(moocore.epsilon_additive(pts, ref=ref, maximise=mx))
    g = pareto.igd(pts, ref, maximize=mx)
    assert g == approx(igd_ref(pts, ref, mx))
    assert g == approx(moocore.igd(pts, ref=ref, maximise=mx))
    gp = pareto.igd_plus(pts, ref, maximize=mx)
    assert gp == approx(igd_plus_ref(pts, ref, mx))
    assert gp == approx(moocore.igd_plus(pts, ref=ref, maximise=mx))


@given(indicator_problems())
def test_multiplicative_epsilon_positive_values(prob):
    pts, ref, mx = prob
    a = pts - pts.min() + 0.5  # strictly positive
    r = ref - ref.min() + 0.25
    got = pareto.epsilon_indicator(a, r, maximize=False, kind="multiplicative")
    assert got == approx(eps_mult_min_ref(a, r))
    assert got == approx(moocore.epsilon_mult(a, ref=r, maximise=False))
    # maximization: the factor is r_j / a_j (as in moocore / Zitzler et al.)
    got_max = pareto.epsilon_indicator(a, r, maximize=mx, kind="multiplicative")
    assert got_max == approx(moocore.epsilon_mult(a, ref=r, maximise=mx))


@pytest.mark.parametrize("m", [2, 3, 5])
def test_indicators_match_moocore_random(m):
    rng = np.random.default_rng(300 + m)
    pts = rng.random((150, m))
    ref = rng.random((80, m))
    mx = [bool(b) for b in rng.integers(0, 2, m)]
    for maximize in (True, False, mx):
        assert pareto.epsilon_indicator(pts, ref, maximize=maximize) == approx(
            moocore.epsilon_additive(pts, ref=ref, maximise=maximize)
        )
        assert pareto.igd(pts, ref, maximize=maximize) == approx(
            moocore.igd(pts, ref=ref, maximise=maximize)
        )
        assert pareto.igd_plus(pts, ref, maximize=maximize) == approx(
            moocore.igd_plus(pts, ref=ref, maximise=maximize)
        )
        assert pareto.epsilon_indicator(
            pts + 0.1, ref + 0.1, maximize=maximize, kind="multiplicative"
        ) == approx(moocore.epsilon_mult(pts + 0.1, ref=ref + 0.1, maximise=maximize))


# --------------------------------------------------------------------------------------------
# the peers' convention: points that do not strictly dominate the reference add nothing
# --------------------------------------------------------------------------------------------
@st.composite
def hv_problems_any_ref(draw, max_n=30, min_m=2, max_m=6):
    """(points, ref, maximize) where ref is drawn from the same small value set as the points,
    so dominated points, duplicates, points equal to ref in some objective and points beyond
    ref are all common."""
    pts, mx = draw(problems(max_n=max_n, min_m=min_m, max_m=max_m))
    m = pts.shape[1]
    ref = np.array(
        draw(
            st.lists(st.sampled_from([-1.5, 0.0, 0.5, 1.0, 2.0, 3.0, 3.25]), min_size=m, max_size=m)
        )
    )
    return pts, ref, mx


def _moocore_hv(pts, ref, mx):
    return moocore.hypervolume(pts, ref=ref, maximise=mx) if len(pts) else 0.0


@given(hv_problems_any_ref())
def test_hypervolume_any_reference_matches_moocore(prob):
    pts, ref, mx = prob
    got = pareto.hypervolume(pts, ref, maximize=mx)
    assert got == approx(_moocore_hv(pts, ref, mx), rel=1e-10)
    # and equals the volume of the points that strictly dominate ref
    q, r = to_min(pts, mx), to_min(ref[None, :], mx)[0]
    inside = pts[np.all(q < r, axis=1)]
    assert got == approx(pareto.hypervolume(inside, ref, maximize=mx) if len(inside) else 0.0)
    if pts.shape[1] <= 5 and len(inside) <= 12:
        assert got == approx(hv_ref(inside, ref, mx) if len(inside) else 0.0, rel=1e-10)


@given(hv_problems_any_ref(max_n=16, max_m=5))
def test_contributions_any_reference_match_moocore(prob):
    pts, ref, mx = prob
    if len(pts) == 0:
        return
    for ignore in (False, True):
        expected = moocore.hv_contributions(pts, ref=ref, maximise=mx, ignore_dominated=ignore)
        got = pareto.hypervolume_contributions(pts, ref, maximize=mx, ignore_dominated=ignore)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_contributions_ignore_dominated_hand_example():
    # moocore's documented example: (4, 4) is dominated by (4, 2) alone. The exclusive
    # definition lets it reduce (4, 2)'s contribution from 3 to 2; ignore_dominated drops it.
    x = np.array([[5, 1], [1, 5], [4, 2], [4, 4], [5, 1]], dtype=float)
    np.testing.assert_array_equal(
        pareto.hypervolume_contributions(x, [6, 6], maximize=False, ignore_dominated=True),
        [0, 3, 3, 0, 0],
    )
    np.testing.assert_array_equal(
        pareto.hypervolume_contributions(x, [6, 6], maximize=False), [0, 3, 2, 0, 0]
    )
    # mutually non-dominated points: both definitions agree
    y = np.array([[5, 5], [4, 6], [2, 7], [7, 4]], dtype=float)
    for ignore in (False, True):
        np.testing.assert_array_equal(
            pareto.hypervolume_contributions(y, [10, 10], maximize=False, ignore_dominated=ignore),
            [2, 1, 6, 3],
        )


@pytest.mark.parametrize("m", [2, 3, 4, 5, 6])
def test_hypervolume_fixed_reference_over_sets_matches_moocore(m):
    # a fixed reference over many sets: some points always fall outside
    rng = np.random.default_rng(70 + m)
    ref = np.full(m, 0.8)
    for _ in range(5):
        pts = rng.random(({2: 300, 3: 200, 4: 80, 5: 30, 6: 20}[m], m))
        pts = np.vstack([pts, pts[:5]])  # duplicates
        expected = moocore.hypervolume(pts, ref=ref)
        assert pareto.hypervolume(pts, ref, maximize=False) == approx(expected, rel=1e-9)
        for ignore in (False, True):
            if m >= 5 and not ignore:
                continue  # moocore's naive exclusive path is slow here
            np.testing.assert_allclose(
                pareto.hypervolume_contributions(pts, ref, maximize=False, ignore_dominated=ignore),
                moocore.hv_contributions(pts, ref=ref, ignore_dominated=ignore),
                rtol=1e-9,
                atol=1e-12,
            )


def test_ignore_dominated_must_be_a_bool() -> None:
    from pluralign.errors import InputError

    with pytest.raises(InputError, match="ignore_dominated"):
        pareto.hypervolume_contributions([[1, 2], [2, 1]], [0, 0], ignore_dominated="yes")


# --------------------------------------------------------------------------------------------
# many objectives (the WFG engine): against moocore, and the same answer for any thread count
# --------------------------------------------------------------------------------------------
@given(hv_problems_any_ref(max_n=14, min_m=4, max_m=8))
def test_many_objectives_match_moocore(prob):
    # small value sets: duplicates, dominated points, points on and beyond the reference
    pts, ref, mx = prob
    got = pareto.hypervolume(pts, ref, maximize=mx)
    assert got == approx(_moocore_hv(pts, ref, mx), rel=1e-12)
    assert got == pareto.hypervolume(pts, ref, maximize=mx, threads=1)
    if len(pts) == 0:
        return
    for ignore in (False, True):
        expected = moocore.hv_contributions(pts, ref=ref, maximise=mx, ignore_dominated=ignore)
        got_c = pareto.hypervolume_contributions(pts, ref, maximize=mx, ignore_dominated=ignore)
        np.testing.assert_allclose(got_c, expected, rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(
            got_c,
            pareto.hypervolume_contributions(
                pts, ref, maximize=mx, ignore_dominated=ignore, threads=2
            ),
        )


@pytest.mark.parametrize(("m", "n"), [(4, 300), (5, 200), (6, 120), (8, 40), (10, 18)])
def test_sphere_fronts_match_moocore_to_1e12(m, n):
    # all points mutually non-dominated: the case the issue measures
    x = np.abs(np.random.default_rng(m).standard_normal((n, m)))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    ref = np.full(m, 1.1)
    got = pareto.hypervolume(x, ref, maximize=False)
    assert got == approx(moocore.hypervolume(x, ref=ref), rel=1e-12)
    assert got == pareto.hypervolume(x, ref, maximize=False, threads=1)
    assert got == pareto.hypervolume(x, ref, maximize=False, threads=3)
    # maximization of the mirrored set is the same volume
    assert pareto.hypervolume(-x, -ref) == approx(got, rel=1e-12)
    c = pareto.hypervolume_contributions(x[:30], ref, maximize=False)
    np.testing.assert_allclose(c, moocore.hv_contributions(x[:30], ref=ref), rtol=1e-10, atol=1e-15)
