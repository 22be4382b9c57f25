"""Weight grids and scalarizations: Das-Dennis / Dirichlet weights, weighted sum, (augmented)
Chebyshev and lexicographic selection."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pareto_reference import (
    chebyshev_ref,
    das_dennis_ref,
    default_ideal,
    lexicographic_ref,
    weighted_sum_ref,
)
from pareto_strategies import problems
from pluralign import pareto


# --------------------------------------------------------------------------------------------
# weights
# --------------------------------------------------------------------------------------------
def test_weights_3_2_is_the_six_das_dennis_vectors():
    w = pareto.weights(3, 2)
    expected = np.array(
        [
            [0.0, 0.0, 1.0],
            [0.0, 0.5, 0.5],
            [0.0, 1.0, 0.0],
            [0.5, 0.0, 0.5],
            [0.5, 0.5, 0.0],
            [1.0, 0.0, 0.0],
        ]
    )
    assert w.shape == (6, 3)
    assert w.dtype == np.float64
    # the same six vectors ...
    assert sorted(map(tuple, w.tolist())) == sorted(map(tuple, expected.tolist()))
    # ... in lexicographic order (docs/pareto.md does not say ascending or descending;
    # descending, as in pymoo, starts at the first unit vector)
    assert np.array_equal(w, expected) or np.array_equal(w, expected[::-1]), w


def _same_lattice_in_lex_order(w: np.ndarray, ref: np.ndarray) -> None:
    """`w` equals the ascending-lexicographic reference lattice, or its exact reverse."""
    assert w.shape == ref.shape
    if np.allclose(w, ref, atol=1e-12):
        return
    np.testing.assert_allclose(w, ref[::-1], atol=1e-12)


def test_weights_2_4():
    _same_lattice_in_lex_order(
        pareto.weights(2, 4),
        np.array([[0, 1], [0.25, 0.75], [0.5, 0.5], [0.75, 0.25], [1, 0]], dtype=float),
    )


@given(st.integers(2, 5), st.integers(1, 8))
def test_weights_lattice_properties(m, p):
    w = pareto.weights(m, p)
    assert w.shape == (math.comb(p + m - 1, m - 1), m)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(w >= 0)
    np.testing.assert_allclose(w * p, np.round(w * p), atol=1e-9)  # multiples of 1/p
    assert len(np.unique(np.round(w * p).astype(int), axis=0)) == len(w)
    _same_lattice_in_lex_order(w, das_dennis_ref(m, p))
    # the direction is the same for every (m, p)
    assert pareto.weights(m, p)[0, 0] == pareto.weights(2, 1)[0, 0]


def test_weights_random_rows_and_reproducibility():
    w = pareto.weights_random(4, 1000, seed=3)
    assert w.shape == (1000, 4)
    assert w.dtype == np.float64
    assert np.all(w >= 0)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_array_equal(w, pareto.weights_random(4, 1000, seed=3))
    assert not np.array_equal(w, pareto.weights_random(4, 1000, seed=4))
    np.testing.assert_array_equal(
        pareto.weights_random(4, 10), pareto.weights_random(4, 10, seed=0)
    )
    assert len(np.unique(w, axis=0)) == 1000  # continuous draws


@pytest.mark.parametrize("alpha", [0.3, 1.0, 5.0])
def test_weights_random_is_dirichlet(alpha):
    m, n = 3, 40_000
    w = pareto.weights_random(m, n, seed=1, alpha=alpha)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-12)
    # symmetric Dirichlet: mean 1/m, variance (1/m)(1 - 1/m) / (m alpha + 1)
    np.testing.assert_allclose(w.mean(axis=0), 1 / m, atol=0.01)
    var = (1 / m) * (1 - 1 / m) / (m * alpha + 1)
    np.testing.assert_allclose(w.var(axis=0), var, rtol=0.06)
    # Dir(1,1,1): a single coordinate is Beta(1, 2), P(w_0 < 0.5) = 0.75
    if alpha == 1.0:
        assert abs((w[:, 0] < 0.5).mean() - 0.75) < 0.01


# --------------------------------------------------------------------------------------------
# weighted sum
# --------------------------------------------------------------------------------------------
def test_weighted_sum_hand():
    pts = [[1.0, 2.0], [3.0, 0.0]]
    np.testing.assert_allclose(pareto.weighted_sum(pts, [0.5, 0.5]), [1.5, 1.5])
    np.testing.assert_allclose(
        pareto.weighted_sum(pts, [0.5, 0.5], maximize=[True, False]), [-0.5, 1.5]
    )
    np.testing.assert_allclose(pareto.weighted_sum(pts, [1.0, 0.0], maximize=False), [-1.0, -3.0])
    out = pareto.weighted_sum(pts, [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out, [[1.0, 2.0, 1.5], [3.0, 0.0, 1.5]])


@st.composite
def weight_problems(draw):
    pts, mx = draw(problems(min_n=1, max_n=25))
    m = pts.shape[1]
    two_d = draw(st.booleans())
    k = draw(st.integers(1, 4))
    vals = st.sampled_from([0.0, 0.1, 0.25, 0.5, 1.0, 2.0])
    if two_d:
        w = np.array([[draw(vals) for _ in range(m)] for _ in range(k)])
    else:
        w = np.array([draw(vals) for _ in range(m)])
    return pts, w, mx


@given(weight_problems())
def test_weighted_sum_matches_reference(prob):
    pts, w, mx = prob
    got = pareto.weighted_sum(pts, w, maximize=mx)
    expected = weighted_sum_ref(pts, w, mx)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pareto.weighted_sum(np.asfortranarray(pts), w, maximize=mx), got)


# --------------------------------------------------------------------------------------------
# Chebyshev
# --------------------------------------------------------------------------------------------
def test_chebyshev_reaches_nonconvex_front_point_weighted_sum_cannot():
    pts = np.array([[1.0, 0.0], [0.0, 1.0], [0.4, 0.4]])
    grid = pareto.weights(2, 100)
    ws = pareto.weighted_sum(pts, grid)  # (3, 101), higher is better
    assert ws.shape == (3, 101)
    assert not np.any(np.argmax(ws, axis=0) == 2)  # (0.4, 0.4) is never the weighted-sum pick
    d = pareto.chebyshev(pts, [0.5, 0.5], ideal=[1.0, 1.0])  # lower is better
    np.testing.assert_allclose(d, [0.5, 0.5, 0.3])
    assert int(np.argmin(d)) == 2
    # default ideal is the best value per objective over the points: (1, 1) here too
    np.testing.assert_allclose(pareto.chebyshev(pts, [0.5, 0.5]), [0.5, 0.5, 0.3])


def test_chebyshev_rho_and_augmented():
    pts = [[1.0, 0.0], [0.0, 1.0], [0.4, 0.4]]
    # rho adds rho * sum_j |z_j - f_j|: sums are 1, 1, 1.2
    np.testing.assert_allclose(
        pareto.chebyshev(pts, [0.5, 0.5], rho=0.1), [0.5 + 0.1, 0.5 + 0.1, 0.3 + 0.12]
    )
    np.testing.assert_allclose(
        pareto.augmented_chebyshev(pts, [0.5, 0.5]), [0.5 + 1e-4, 0.5 + 1e-4, 0.3 + 1.2e-4]
    )
    np.testing.assert_allclose(
        pareto.augmented_chebyshev(pts, [0.5, 0.5], rho=0.1),
        pareto.chebyshev(pts, [0.5, 0.5], rho=0.1),
    )


def test_augmented_chebyshev_breaks_weak_pareto_ties():
    # (1, 0.5) and (1, 0.9) have the same plain Chebyshev value with w = (1, 0) ...
    pts = [[1.0, 0.5], [1.0, 0.9]]
    plain = pareto.chebyshev(pts, [1.0, 0.0], ideal=[1.0, 1.0])
    assert plain[0] == plain[1]
    # ... the augmentation prefers the Pareto-better one
    aug = pareto.augmented_chebyshev(pts, [1.0, 0.0], ideal=[1.0, 1.0])
    assert aug[1] < aug[0]


def test_chebyshev_minimize_direction():
    pts = [[1.0, 3.0], [2.0, 2.0]]
    # minimize both: ideal (1, 2); distances max(w*|z - f|)
    np.testing.assert_allclose(pareto.chebyshev(pts, [1.0, 1.0], maximize=False), [1.0, 1.0])
    np.testing.assert_allclose(pareto.chebyshev(pts, [1.0, 0.5], maximize=False), [0.5, 1.0])
    out = pareto.chebyshev(pts, [[1.0, 1.0], [1.0, 0.5]], maximize=False)
    assert out.shape == (2, 2)
    np.testing.assert_allclose(out, [[1.0, 0.5], [1.0, 1.0]])


@given(weight_problems(), st.sampled_from([0.0, 1e-4, 0.5]), st.booleans())
def test_chebyshev_matches_reference(prob, rho, explicit_ideal):
    pts, w, mx = prob
    ideal = default_ideal(pts, mx) + 0.5 * (np.arange(pts.shape[1]) % 2) if explicit_ideal else None
    got = pareto.chebyshev(pts, w, ideal=ideal, maximize=mx, rho=rho)
    expected = chebyshev_ref(pts, w, ideal, mx, rho)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    aug = pareto.augmented_chebyshev(pts, w, ideal=ideal, maximize=mx)
    np.testing.assert_allclose(aug, chebyshev_ref(pts, w, ideal, mx, 1e-4), rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------------------------
# lexicographic
# --------------------------------------------------------------------------------------------
SAFETY_HELP = np.array(
    [
        [0.90, 0.20],
        [0.85, 0.90],
        [0.50, 1.00],
        [0.90, 0.10],
    ]
)


def test_lexicographic_safety_first_then_helpfulness():
    m = pareto.lexicographic(SAFETY_HELP, [0, 1], [0.1, 0.0])
    assert m.dtype == np.bool_
    # safety within 0.1 of 0.9 keeps rows 0, 1, 3; the most helpful of those is row 1
    np.testing.assert_array_equal(m, [False, True, False, False])
    # strict safety: rows 0 and 3 tie at 0.9, row 0 is more helpful
    np.testing.assert_array_equal(
        pareto.lexicographic(SAFETY_HELP, [0, 1], 0.0), [True, False, False, False]
    )
    np.testing.assert_array_equal(pareto.lexicographic(SAFETY_HELP), [True, False, False, False])
    # helpfulness first
    np.testing.assert_array_equal(
        pareto.lexicographic(SAFETY_HELP, [1, 0]), [False, False, True, False]
    )
    # relative tolerance: 10% of 0.9 = 0.09 -> safety >= 0.81 survives
    np.testing.assert_array_equal(
        pareto.lexicographic(SAFETY_HELP, [0, 1], [0.1, 0.0], relative=True),
        [False, True, False, False],
    )
    # a tolerance on the last level keeps near-ties: help within 0.75 of 0.9 keeps 0.2 too
    np.testing.assert_array_equal(
        pareto.lexicographic(SAFETY_HELP, [0, 1], [0.1, 0.75]), [True, True, False, False]
    )
    # only one level
    np.testing.assert_array_equal(
        pareto.lexicographic(SAFETY_HELP, [1], 0.15), [False, True, True, False]
    )


def test_lexicographic_ties_survive_and_minimization():
    pts = [[1.0, 1.0], [1.0, 1.0], [0.0, 2.0]]
    np.testing.assert_array_equal(pareto.lexicographic(pts), [True, True, False])
    # harm is minimized, help maximized
    harm_help = [[0.1, 0.5], [0.3, 0.9], [0.1, 0.4], [0.15, 0.95]]
    np.testing.assert_array_equal(
        pareto.lexicographic(harm_help, [0, 1], [0.05, 0.0], maximize=[False, True]),
        [False, False, False, True],
    )
    np.testing.assert_array_equal(
        pareto.lexicographic(harm_help, [0, 1], 0.0, maximize=[False, True]),
        [True, False, False, False],
    )


def test_lexicographic_polars_names():
    df = pl.DataFrame({"safety": SAFETY_HELP[:, 0], "helpful": SAFETY_HELP[:, 1]})
    np.testing.assert_array_equal(
        pareto.lexicographic(df, ["safety", "helpful"], [0.1, 0.0]), [False, True, False, False]
    )
    np.testing.assert_array_equal(
        pareto.lexicographic(df, ["helpful", "safety"]), [False, False, True, False]
    )
    # extra non-numeric columns: pick the objectives explicitly
    df = df.with_columns(pl.Series("id", ["a", "b", "c", "d"]))
    np.testing.assert_array_equal(
        pareto.lexicographic(df, ["helpful", "safety"], objectives=["safety", "helpful"]),
        [False, False, True, False],
    )


@st.composite
def lex_problems(draw):
    pts, mx = draw(problems(min_n=1, max_n=30, values=[-3, -1, 0, 1, 2, 4]))
    m = pts.shape[1]
    order = draw(st.permutations(list(range(m))))
    order = order[: draw(st.integers(1, m))]
    relative = draw(st.booleans())
    vals = [0.0, 0.25, 0.5] if relative else [0.0, 0.5, 1.0, 2.0]
    if draw(st.booleans()):
        tol = draw(st.sampled_from(vals))
    else:
        tol = [draw(st.sampled_from(vals)) for _ in order]
    return pts, order, tol, mx, relative


@given(lex_problems())
def test_lexicographic_matches_reference(prob):
    pts, order, tol, mx, relative = prob
    got = pareto.lexicographic(pts, order, tol, maximize=mx, relative=relative)
    expected = lexicographic_ref(pts, order, tol, mx, relative)
    np.testing.assert_array_equal(got, expected)
    assert got.any()  # the best survivor always survives
