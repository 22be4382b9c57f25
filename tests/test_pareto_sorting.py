"""Non-dominated sorting (`ranks`, `front`, `is_nondominated`), grouped variants and crowding
distance, checked against slow references (tests/pareto_reference.py) and against moocore."""

from __future__ import annotations

import math

import moocore
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pareto_reference import (
    crowding_ref,
    dominance_matrix,
    front_ref,
    grouped,
    nan_worst,
    offsets_to_ids,
    ranks_min,
    ranks_ref,
)
from pareto_strategies import float_matrix, problems
from pluralign import pareto

INF = math.inf


def eq(a, b):
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


# --------------------------------------------------------------------------------------------
# known answers
# --------------------------------------------------------------------------------------------
def test_ranks_hand_example_maximize():
    pts = [[1, 2], [2, 1], [0, 0], [1, 1]]
    r = pareto.ranks(pts)
    assert isinstance(r, np.ndarray)
    assert r.dtype == np.int64
    assert r.shape == (4,)
    eq(r, [0, 0, 2, 1])
    f = pareto.front(pts)
    assert f.dtype == np.bool_
    eq(f, [True, True, False, False])


def test_ranks_hand_example_minimize():
    pts = [[1, 2], [2, 1], [0, 0], [1, 1]]
    eq(pareto.ranks(pts, maximize=False), [2, 2, 0, 1])
    eq(pareto.front(pts, maximize=False), [False, False, True, False])


def test_ranks_mixed_directions_hand_example():
    # maximize objective 0, minimize objective 1: (2,1) beats everything,
    # (2,2) beats (1,2) (equal on obj 1, better on obj 0).
    pts = [[2, 1], [1, 2], [2, 2]]
    eq(pareto.ranks(pts, maximize=[True, False]), [0, 2, 1])
    eq(pareto.ranks(pts, maximize=np.array([True, False])), [0, 2, 1])
    eq(pareto.ranks(pts, maximize=[False, True]), [2, 0, 1])


def test_duplicates_share_a_front():
    pts = [[1, 1], [0, 0], [1, 1], [0, 0], [2, 0]]
    # (1,1) x2 and (2,0) are mutually non-dominated, the duplicated (0,0) come next
    eq(pareto.ranks(pts), [0, 1, 0, 1, 0])
    eq(pareto.front(pts), [True, False, True, False, True])


def test_all_identical_rows_are_one_front():
    pts = np.full((7, 3), 2.5)
    eq(pareto.ranks(pts), np.zeros(7, dtype=np.int64))
    eq(pareto.front(pts), np.ones(7, dtype=bool))


def test_chain_gives_one_point_per_front():
    pts = np.array([[i, 2 * i, -i + 10] for i in range(6)], dtype=float)
    # maximize all: neither objective order agrees, every point is incomparable
    eq(pareto.ranks(pts), np.zeros(6, dtype=np.int64))
    # maximize, maximize, minimize: a strict chain, the largest i first
    eq(pareto.ranks(pts, maximize=[True, True, False]), [5, 4, 3, 2, 1, 0])


def test_single_objective_ranks_are_dense_order():
    eq(pareto.ranks([[3.0], [1.0], [3.0], [2.0]]), [0, 2, 0, 1])
    eq(pareto.ranks([[3.0], [1.0], [3.0], [2.0]], maximize=False), [2, 0, 2, 1])


def test_weak_dominance_counts():
    # (1,1) dominates (1,0): equal in one objective, better in the other
    eq(pareto.ranks([[1, 0], [1, 1]]), [1, 0])
    eq(pareto.front([[1, 0], [1, 1]]), [False, True])


def test_single_point_and_empty_input():
    eq(pareto.ranks([[4.0, 5.0]]), [0])
    r = pareto.ranks(np.zeros((0, 3)))
    assert r.shape == (0,) and r.dtype == np.int64
    f = pareto.front(np.zeros((0, 3)))
    assert f.shape == (0,) and f.dtype == np.bool_


def test_is_nondominated_is_front():
    pts = [[1, 2], [2, 1], [0, 0], [1, 1], [2, 1]]
    eq(pareto.is_nondominated(pts), pareto.front(pts))
    eq(pareto.is_nondominated(pts, maximize=False), [False, False, True, False, False])


def test_huge_finite_values_are_fine():
    big = np.finfo(np.float64).max
    eq(pareto.ranks([[big, -big], [-big, big], [0.0, 0.0]]), [0, 0, 0])
    eq(pareto.ranks([[big, big], [-big, -big]]), [0, 1])


# --------------------------------------------------------------------------------------------
# properties vs the reference
# --------------------------------------------------------------------------------------------
@given(problems())
def test_ranks_match_peeling_reference(prob):
    pts, mx = prob
    expected = ranks_ref(pts, mx)
    got = pareto.ranks(pts, maximize=mx)
    assert got.dtype == np.int64
    eq(got, expected)
    eq(pareto.ranks(pts, maximize=mx, threads=1), expected)
    eq(pareto.ranks(pts, maximize=mx, threads=2), expected)


@given(problems())
def test_front_matches_all_pairs_reference(prob):
    pts, mx = prob
    expected = front_ref(pts, mx)
    got = pareto.front(pts, maximize=mx)
    assert got.dtype == np.bool_
    eq(got, expected)
    eq(pareto.front(pts, maximize=mx, threads=1), expected)
    eq(pareto.front(pts, maximize=mx, threads=2), expected)
    eq(pareto.is_nondominated(pts, maximize=mx), expected)
    eq(got, pareto.ranks(pts, maximize=mx) == 0)


@given(problems(min_n=1), st.randoms(use_true_random=False))
def test_ranks_are_permutation_equivariant(prob, rnd):
    pts, mx = prob
    perm = list(range(pts.shape[0]))
    rnd.shuffle(perm)
    perm = np.array(perm)
    eq(pareto.ranks(pts[perm], maximize=mx), pareto.ranks(pts, maximize=mx)[perm])


@given(problems(min_n=1))
def test_fronts_are_a_valid_layering(prob):
    """Definition check independent of the reference: inside a front nobody dominates anybody,
    and every point of front k > 0 is dominated by some point of front k - 1."""
    pts, mx = prob
    r = pareto.ranks(pts, maximize=mx)
    q = nan_worst(pts, mx)
    assert r.min() == 0
    assert set(np.unique(r)) == set(range(r.max() + 1))  # no empty front
    dom = dominance_matrix(q)  # dom[i, j]: j dominates i
    for i in range(len(q)):
        for j in np.flatnonzero(dom[i]):
            assert r[j] < r[i]
        if r[i] > 0:
            assert np.any(dom[i] & (r == r[i] - 1))


@given(problems(min_n=1, max_n=25))
def test_layout_and_dtype_do_not_change_the_answer(prob):
    pts, mx = prob
    expected = ranks_ref(pts, mx)
    eq(pareto.ranks(np.asfortranarray(pts), maximize=mx), expected)
    eq(pareto.ranks(pts.tolist(), maximize=mx), expected)
    eq(pareto.ranks(pts[::-1], maximize=mx), expected[::-1])
    # strided views: every other row, every other column (fresh references for those)
    big = np.repeat(pts, 2, axis=0)
    big[1::2] = 99.0
    eq(pareto.ranks(big[::2], maximize=mx), expected)
    wide = np.zeros((pts.shape[0], 2 * pts.shape[1]))
    wide[:, ::2] = pts
    eq(pareto.ranks(wide[:, ::2], maximize=mx), expected)
    eq(pareto.front(wide[:, ::2], maximize=mx), expected == 0)


def test_negative_stride_views():
    # a reversed view has a negative row stride; for a single row numpy even flags it as
    # C-contiguous, so a "copy if not contiguous" check does not catch it
    one = np.array([[0.0, 0.0]])
    eq(pareto.ranks(one[::-1]), [0])
    eq(pareto.front(one[::-1]), [True])
    assert pareto.hypervolume(np.array([[1.0, 2.0]])[::-1], [0.0, 0.0]) == 2.0
    pts = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
    eq(pareto.ranks(pts[::-1]), [0, 1, 1])
    eq(pareto.ranks(pts[:, ::-1]), [1, 1, 0])
    eq(pareto.ranks(pts[::-2, ::-1]), [0, 1])


def test_integer_and_float32_arrays():
    pts = np.array([[1, 2], [2, 1], [0, 0], [1, 1]], dtype=np.int64)
    eq(pareto.ranks(pts), [0, 0, 2, 1])
    eq(pareto.ranks(pts.astype(np.int32)), [0, 0, 2, 1])
    eq(pareto.ranks(pts.astype(np.float32)), [0, 0, 2, 1])


# --------------------------------------------------------------------------------------------
# cross-check against moocore on continuous random inputs
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("m", [2, 3, 4, 5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ranks_and_front_match_moocore(m, seed):
    rng = np.random.default_rng(100 * m + seed)
    n = int(rng.integers(50, 400))
    pts = float_matrix(rng, n, m)
    # coarsen half of the columns so that ties show up as well
    pts[:, ::2] = np.round(pts[:, ::2], 1)
    mx = [bool(b) for b in rng.integers(0, 2, m)]
    for maximize in (True, False, mx):
        expected = moocore.pareto_rank(pts, maximise=maximize).astype(np.int64)
        eq(pareto.ranks(pts, maximize=maximize), expected)
        eq(
            pareto.front(pts, maximize=maximize),
            moocore.is_nondominated(pts, maximise=maximize, keep_weakly=True),
        )


def test_large_input_threads_identical():
    rng = np.random.default_rng(7)
    pts = np.round(rng.standard_normal((3000, 3)), 1)
    a = pareto.ranks(pts, threads=1)
    b = pareto.ranks(pts, threads=2)
    c = pareto.ranks(pts)
    eq(a, b)
    eq(a, c)
    eq(a, moocore.pareto_rank(pts, maximise=True))


# Large enough (n >= 4096) for the m = 3 sweep's grid that narrows the front search, with values
# on a small integer grid so that ties and duplicate rows are everywhere.
@settings(max_examples=20)
@given(
    m=st.sampled_from([2, 3]),
    n=st.integers(4096, 12_000),
    levels=st.integers(2, 60),
    seed=st.integers(0, 2**32 - 1),
    maximize=st.booleans(),
)
def test_large_tied_ranks_match_moocore(m, n, levels, seed, maximize):
    rng = np.random.default_rng(seed)
    pts = rng.integers(0, levels, (n, m)).astype(np.float64)
    expected = moocore.pareto_rank(pts, maximise=maximize).astype(np.int64)
    eq(pareto.ranks(pts, maximize=maximize), expected)
    eq(pareto.ranks(pts, maximize=maximize, threads=1), expected)
    eq(pareto.front(pts, maximize=maximize), expected == 0)


@settings(max_examples=4)
@given(
    m=st.sampled_from([2, 3]),
    levels=st.integers(2, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_large_tied_ranks_match_all_pairs_reference(m, levels, seed):
    rng = np.random.default_rng(seed)
    pts = rng.integers(0, levels, (4200, m)).astype(np.float64)
    eq(pareto.ranks(pts, maximize=False), ranks_ref(pts, False))


# --------------------------------------------------------------------------------------------
# grouped variants
# --------------------------------------------------------------------------------------------
@st.composite
def grouped_problems(draw, labels):
    pts, mx = draw(problems(max_n=40))
    n = pts.shape[0]
    ids = draw(st.lists(st.sampled_from(labels), min_size=n, max_size=n))
    return pts, mx, ids


@given(grouped_problems([3, 1, 7, 0, -2]))
def test_grouped_ranks_int_ids_not_adjacent(prob):
    pts, mx, ids = prob
    expected = grouped(ranks_ref, pts, ids, maximize=mx)
    ids_arr = np.array(ids, dtype=np.int64)
    eq(pareto.ranks(pts, maximize=mx, groups=ids_arr), expected)
    eq(pareto.ranks(pts, maximize=mx, groups=ids_arr, threads=1), expected)
    eq(pareto.ranks(pts, maximize=mx, groups=ids_arr, threads=2), expected)
    eq(pareto.front(pts, maximize=mx, groups=ids_arr), expected == 0)
    eq(pareto.ranks(pts, maximize=mx, groups=pl.Series("g", ids, dtype=pl.Int64)), expected)
    eq(pareto.ranks(pts, maximize=mx, groups=ids_arr.astype(np.int16)), expected)
    # sparse ids (hash-like, extremes of int64): the sorting path instead of the counting one
    sparse = {3: 2**63 - 1, 1: -(2**63), 7: 10**17, 0: 0, -2: -(10**12)}
    eq(
        pareto.ranks(pts, maximize=mx, groups=np.array([sparse[i] for i in ids], dtype=np.int64)),
        expected,
    )


@given(grouped_problems(["prompt-b", "prompt-a", "zz", "", "é"]))
def test_grouped_ranks_string_ids(prob):
    pts, mx, ids = prob
    expected = grouped(ranks_ref, pts, ids, maximize=mx)
    eq(pareto.ranks(pts, maximize=mx, groups=np.array(ids)), expected)
    eq(pareto.ranks(pts, maximize=mx, groups=list(ids)), expected)
    eq(pareto.ranks(pts, maximize=mx, groups=pl.Series("g", ids, dtype=pl.String)), expected)
    eq(pareto.front(pts, maximize=mx, groups=list(ids)), expected == 0)


@given(problems(max_n=40), st.data())
def test_offsets_match_per_slice_reference(prob, data):
    pts, mx = prob
    n = pts.shape[0]
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=6)))
    offs = np.array([0, *cuts, n], dtype=np.int64)  # may contain empty groups
    expected = grouped(ranks_ref, pts, offsets_to_ids(offs), maximize=mx)
    eq(pareto.ranks(pts, maximize=mx, offsets=offs), expected)
    eq(pareto.ranks(pts, maximize=mx, offsets=offs.tolist(), threads=1), expected)
    eq(pareto.ranks(pts, maximize=mx, offsets=offs, threads=2), expected)
    eq(pareto.front(pts, maximize=mx, offsets=offs), expected == 0)
    # offsets and the equivalent group ids agree
    eq(pareto.ranks(pts, maximize=mx, groups=np.array(offsets_to_ids(offs))), expected)


def test_grouped_hand_example_interleaved():
    # group "a" = rows 0, 2, 4; group "b" = rows 1, 3
    pts = [[1, 1], [5, 5], [2, 2], [0, 9], [0, 0]]
    ids = ["a", "b", "a", "b", "a"]
    eq(pareto.ranks(pts, groups=ids), [1, 0, 0, 0, 2])
    eq(pareto.front(pts, groups=ids), [False, True, True, True, False])
    # ungrouped, (5,5) dominates everything but (0,9)
    eq(pareto.ranks(pts), [2, 0, 1, 0, 3])


def test_grouped_many_small_groups_matches_loop():
    rng = np.random.default_rng(3)
    n = 5000
    pts = rng.integers(0, 4, (n, 3)).astype(float)
    ids = rng.integers(0, 700, n)
    got = pareto.ranks(pts, groups=ids)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    offs = np.concatenate([[0], np.flatnonzero(np.diff(sorted_ids)) + 1, [n]])
    by_offsets = pareto.ranks(pts[order], offsets=offs)
    expected = np.empty(n, dtype=np.int64)
    expected[order] = by_offsets
    eq(got, expected)
    for g in np.unique(ids)[:50]:
        mask = ids == g
        eq(got[mask], moocore.pareto_rank(pts[mask], maximise=True))


def test_polars_dataframe_input_and_group_column():
    df = pl.DataFrame(
        {
            "prompt_id": ["p2", "p1", "p2", "p1", "p2"],
            "helpful": [1.0, 5.0, 2.0, 0.0, 0.0],
            "harmless": [1, 5, 2, 9, 0],  # integer column is numeric too
            "text": ["a", "b", "c", "d", "e"],
        }
    )
    objs = ["helpful", "harmless"]
    eq(pareto.ranks(df, objectives=objs), [2, 0, 1, 0, 3])
    eq(pareto.ranks(df, objectives=objs, groups="prompt_id"), [1, 0, 0, 0, 2])
    eq(pareto.ranks(df, objectives=objs, groups=df["prompt_id"]), [1, 0, 0, 0, 2])
    eq(pareto.front(df, objectives=objs, groups="prompt_id"), [False, True, True, True, False])
    # objective order and direction follow `objectives`
    eq(
        pareto.ranks(df, objectives=["harmless", "helpful"], maximize=[True, False]),
        ranks_ref(df.select("harmless", "helpful").to_numpy(), [True, False]),
    )
    # default: every column, all numeric
    eq(pareto.ranks(df.select(objs)), [2, 0, 1, 0, 3])


@given(problems(min_n=1, max_n=30))
def test_polars_matches_numpy(prob):
    pts, mx = prob
    cols = [f"obj{j}" for j in range(pts.shape[1])]
    df = pl.DataFrame({c: pts[:, j] for j, c in enumerate(cols)}).with_columns(
        pl.lit("x").alias("label")
    )
    expected = ranks_ref(pts, mx)
    eq(pareto.ranks(df, objectives=cols, maximize=mx), expected)
    eq(pareto.front(df, objectives=cols, maximize=mx), expected == 0)


# --------------------------------------------------------------------------------------------
# nan="worst"
# --------------------------------------------------------------------------------------------
def test_nan_worst_ranks_such_rows_last():
    pts = [[1.0, 1.0], [2.0, 2.0], [np.nan, 0.0], [np.nan, np.nan], [0.5, 0.5]]
    eq(pareto.ranks(pts, nan="worst"), [1, 0, 3, 4, 2])
    eq(pareto.front(pts, nan="worst"), [False, True, False, False, False])
    # minimization: NaN counts as +inf (still the worst); (nan, 0) is then not dominated by
    # anything (nobody is <= 0 in objective 1), while (nan, nan) sits behind everything
    eq(pareto.ranks(pts, nan="worst", maximize=False), [1, 2, 0, 3, 0])


def test_nan_worst_applies_to_infinities_in_both_directions():
    # +inf in a maximized objective is non-finite, so it counts as the worst, not the best
    pts = [[np.inf, 1.0], [0.0, 1.0], [-np.inf, 1.0]]
    eq(pareto.ranks(pts, nan="worst"), [1, 0, 1])
    eq(pareto.ranks(pts, nan="worst", maximize=False), [1, 0, 1])


def test_nan_worst_row_can_still_be_nondominated():
    # worst in objective 0 but strictly best in objective 1
    pts = [[1.0, 2.0], [2.0, 1.0], [np.nan, 3.0]]
    eq(pareto.ranks(pts, nan="worst"), [0, 0, 0])


@given(problems(min_n=1), st.data())
def test_nan_worst_matches_reference(prob, data):
    pts, mx = prob
    n, m = pts.shape
    cells = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, m - 1)), max_size=8))
    bad = data.draw(
        st.lists(
            st.sampled_from([np.nan, np.inf, -np.inf]), min_size=len(cells), max_size=len(cells)
        )
    )
    pts = pts.copy()
    for (i, j), v in zip(cells, bad):
        pts[i, j] = v
    expected = ranks_min(nan_worst(pts, mx))
    eq(pareto.ranks(pts, maximize=mx, nan="worst"), expected)
    eq(pareto.ranks(pts, maximize=mx, nan="worst", threads=2), expected)
    eq(pareto.front(pts, maximize=mx, nan="worst"), expected == 0)


# --------------------------------------------------------------------------------------------
# crowding distance
# --------------------------------------------------------------------------------------------
def test_crowding_hand_example():
    pts = [[0, 3], [1, 2], [2, 1], [3, 0]]
    cd = pareto.crowding_distance(pts)
    assert cd.dtype == np.float64
    np.testing.assert_allclose(cd, [INF, 4 / 3, 4 / 3, INF])
    np.testing.assert_allclose(
        pareto.crowding_distance(pts, maximize=False), [INF, 4 / 3, 4 / 3, INF]
    )


def test_crowding_uneven_spacing_and_second_front():
    # front 0: (0,10) (1,6) (4,5) (10,0); front 1 (two points, all inf): (0,5) (3,3)
    pts = [[0, 10], [1, 6], [4, 5], [10, 0], [0, 5], [3, 3]]
    cd = pareto.crowding_distance(pts)
    # (1,6): obj0 (4-0)/10 + obj1 (10-5)/10 = 0.9 ; (4,5): obj0 (10-1)/10 + obj1 (6-0)/10 = 1.5
    np.testing.assert_allclose(cd, [INF, 0.9, 1.5, INF, INF, INF])


def test_crowding_small_fronts_are_infinite():
    pts = [[1, 1], [0, 0], [-1, -1]]  # three fronts of one point each
    np.testing.assert_array_equal(pareto.crowding_distance(pts), [INF, INF, INF])
    np.testing.assert_array_equal(pareto.crowding_distance([[0, 1], [1, 0]]), [INF, INF])
    assert pareto.crowding_distance(np.zeros((0, 2))).shape == (0,)


def test_crowding_constant_objective_adds_zero():
    # one front (objectives 0 and 2 trade off); objective 1 is constant: it adds nothing,
    # not even inf at its "extremes"
    pts = [[0, 7, 3], [1, 7, 2], [2, 7, 1], [3, 7, 0]]
    cd = pareto.crowding_distance(pts)
    np.testing.assert_allclose(cd, [INF, 4 / 3, 4 / 3, INF])
    # the same front in another row order: the constant objective's "extremes" by row index
    # (rows 0 and 3) are interior points; they must not become inf
    pts = [[1, 7, 2], [0, 7, 3], [3, 7, 0], [2, 7, 1]]
    np.testing.assert_allclose(pareto.crowding_distance(pts), [4 / 3, INF, INF, 4 / 3])
    # a front of identical rows: every objective constant, nothing is added
    np.testing.assert_array_equal(pareto.crowding_distance(np.zeros((3, 2))), [0.0, 0.0, 0.0])


@given(problems())
def test_crowding_matches_reference(prob):
    pts, mx = prob
    expected = crowding_ref(pts, None, mx)
    got = pareto.crowding_distance(pts, maximize=mx)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(pareto.crowding_distance(pts, maximize=mx, threads=1), got)
    np.testing.assert_array_equal(pareto.crowding_distance(pts, maximize=mx, threads=2), got)


@given(problems(), st.data())
def test_crowding_with_given_ranks(prob, data):
    pts, mx = prob
    n = pts.shape[0]
    given_ranks = np.array(
        data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), dtype=np.int64
    )
    expected = crowding_ref(pts, given_ranks, mx)
    got = pareto.crowding_distance(pts, given_ranks, maximize=mx)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    # passing the true ranks is the same as letting it compute them
    true = pareto.ranks(pts, maximize=mx)
    np.testing.assert_array_equal(
        pareto.crowding_distance(pts, true, maximize=mx), pareto.crowding_distance(pts, maximize=mx)
    )


@given(problems(min_n=3, max_n=30, values=list(range(50))))
def test_crowding_interior_points_bounded(prob):
    """A finite crowding distance is a sum of m terms, each (next - prev) / (max - min) in
    [0, 1]; every front with >= 3 points has at least its per-objective extremes infinite."""
    pts, mx = prob
    m = pts.shape[1]
    cd = pareto.crowding_distance(pts, maximize=mx)
    finite = cd[np.isfinite(cd)]
    assert np.all(finite >= 0)
    assert np.all(finite <= m + 1e-12)
    r = pareto.ranks(pts, maximize=mx)
    for k in np.unique(r):
        sel = r == k
        if sel.sum() <= 2:
            assert np.all(np.isinf(cd[sel]))
        elif len(np.unique(pts[sel], axis=0)) > 1:
            assert np.isinf(cd[sel]).sum() >= 2
        else:  # a front of identical rows: every objective is constant, all add 0
            assert np.all(cd[sel] == 0)


@pytest.mark.parametrize("layout", ["shuffled", "sorted", "sorted-but-one"])
def test_grouped_ranks_large_text_ids_match_integer_ids(layout):
    # 200k rows in 20k groups: text ids of every length class (up to 12 bytes, 13-28, longer),
    # in several chunks, String and Binary, grouped in Rust straight from the Arrow buffers;
    # the integer ids of the same groups are the reference
    rng = np.random.default_rng(7)
    n, g = 200_000, 20_000
    ids = rng.integers(0, g, n)
    if layout != "shuffled":
        ids = np.sort(ids)
    if layout == "sorted-but-one":
        ids[-1] = ids[0]  # the first group comes back at the end: not runs any more
    pts = rng.random((n, 3)).round(2)  # ties, so fronts have several points
    text = [
        f"p{i}" if i % 3 == 0 else f"prompt-{i:08d}" if i % 3 == 1 else f"{i:040d}-long-prompt-id"
        for i in ids.tolist()
    ]
    expected = pareto.ranks(pts, groups=ids)
    s = pl.Series("g", text)
    chunked = pl.concat([s[:777], s[777:150_000], s[150_000:]], rechunk=False)
    assert chunked.n_chunks() == 3
    # equal ids at the same bytes (gathered from the distinct values, as after a join): the
    # long ones are coded from the column's buffers rather than copied
    distinct = pl.Series("g", [text[k] for k in np.unique(ids, return_index=True)[1]])
    shared = distinct.gather(np.searchsorted(np.unique(ids), ids))
    assert shared.to_list() == text
    shared_chunked = pl.concat([shared[:100_000], s[100_000:]], rechunk=False)
    for groups in (s, chunked, s.cast(pl.Binary), shared, shared_chunked):
        eq(pareto.ranks(pts, groups=groups), expected)
        eq(pareto.ranks(pts, groups=groups, threads=1), expected)
    eq(pareto.front(pts, groups=chunked), expected == 0)
    df = pl.DataFrame({"prompt_id": s, "a": pts[:, 0], "b": pts[:, 1], "c": pts[:, 2]})
    eq(pareto.ranks(df, groups="prompt_id", objectives=["a", "b", "c"]), expected)
