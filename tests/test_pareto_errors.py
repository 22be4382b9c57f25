"""Bad input to `pluralign.pareto`: each case asserts the exception type from
`pluralign.errors` and that the message names the offending row / column / parameter."""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import pytest
from pluralign import errors, pareto


def _msg(excinfo) -> str:
    return str(excinfo.value)


def names_row(msg: str, row: int) -> bool:
    return bool(re.search(r"row", msg, re.IGNORECASE)) and bool(
        re.search(rf"(?<![\d.]){row}(?![\d.])", msg)
    )


# --------------------------------------------------------------------------------------------
# the hierarchy
# --------------------------------------------------------------------------------------------
def test_error_hierarchy():
    assert issubclass(errors.InputError, errors.PluralignError)
    assert issubclass(errors.SchemaError, errors.PluralignError)
    assert issubclass(errors.LimitError, errors.PluralignError)
    assert issubclass(errors.InternalError, errors.PluralignError)
    assert issubclass(errors.InputError, ValueError)
    assert issubclass(errors.SchemaError, ValueError)
    assert issubclass(errors.PluralignError, Exception)
    assert not issubclass(errors.InputError, errors.SchemaError)
    assert not issubclass(errors.SchemaError, errors.InputError)
    with pytest.raises(errors.PluralignError, match="boom"):
        raise errors.InputError("boom")


def test_input_error_is_catchable_as_value_error():
    with pytest.raises(ValueError):
        pareto.ranks(np.array([1.0, 2.0, 3.0]))


# --------------------------------------------------------------------------------------------
# shapes
# --------------------------------------------------------------------------------------------
SHAPE_WORDS = re.compile(r"2-?d|two-dim|dimension|shape|ndim|matrix", re.IGNORECASE)

POINTS_FUNCS = [
    ("ranks", lambda p: pareto.ranks(p)),
    ("front", lambda p: pareto.front(p)),
    ("crowding_distance", lambda p: pareto.crowding_distance(p)),
    ("hypervolume", lambda p: pareto.hypervolume(p, [0.0, 0.0])),
    ("hypervolume_contributions", lambda p: pareto.hypervolume_contributions(p, [0.0, 0.0])),
    ("weighted_sum", lambda p: pareto.weighted_sum(p, [0.5, 0.5])),
    ("chebyshev", lambda p: pareto.chebyshev(p, [0.5, 0.5])),
    ("lexicographic", lambda p: pareto.lexicographic(p)),
    ("igd", lambda p: pareto.igd(p, [[0.0, 0.0]])),
]


@pytest.mark.parametrize("name,fn", POINTS_FUNCS, ids=[n for n, _ in POINTS_FUNCS])
@pytest.mark.parametrize(
    "bad", [np.array([1.0, 2.0]), np.ones((2, 2, 2)), np.float64(3.0)], ids=["1d", "3d", "0d"]
)
def test_wrong_dimensionality(name, fn, bad):
    with pytest.raises(errors.InputError) as ei:
        fn(bad)
    assert SHAPE_WORDS.search(_msg(ei)), _msg(ei)


def test_zero_objectives_is_an_error():
    for fn in (pareto.ranks, pareto.front, pareto.crowding_distance):
        with pytest.raises(errors.InputError) as ei:
            fn(np.zeros((3, 0)))
        assert re.search(r"objective|column|0", _msg(ei), re.IGNORECASE)
    with pytest.raises(errors.InputError):
        pareto.hypervolume(np.zeros((3, 0)), [])


def test_empty_rows_are_fine():
    assert pareto.ranks(np.zeros((0, 2))).shape == (0,)
    assert pareto.ranks(np.zeros((0, 2)), groups=np.zeros(0, dtype=np.int64)).shape == (0,)
    assert pareto.ranks(np.zeros((0, 2)), offsets=[0]).shape == (0,)
    assert pareto.crowding_distance(np.zeros((0, 2))).shape == (0,)
    assert pareto.hypervolume_contributions(np.zeros((0, 2)), [0.0, 0.0]).shape == (0,)


# --------------------------------------------------------------------------------------------
# non-finite values
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize(
    "fn",
    [
        lambda p: pareto.ranks(p),
        lambda p: pareto.front(p),
        lambda p: pareto.ranks(p, threads=1),
        lambda p: pareto.ranks(p, groups=np.arange(len(p)) % 3),
        lambda p: pareto.crowding_distance(p),
        lambda p: pareto.hypervolume(p, [-10.0, -10.0, -10.0]),
        lambda p: pareto.hypervolume_contributions(p, [-10.0, -10.0, -10.0]),
        lambda p: pareto.weighted_sum(p, [1.0, 1.0, 1.0]),
        lambda p: pareto.chebyshev(p, [1.0, 1.0, 1.0]),
        lambda p: pareto.lexicographic(p),
    ],
    ids=[
        "ranks",
        "front",
        "ranks-t1",
        "ranks-groups",
        "crowding",
        "hv",
        "hvc",
        "wsum",
        "cheb",
        "lex",
    ],
)
def test_non_finite_is_an_error_naming_row_and_objective(fn, value):
    pts = np.arange(60, dtype=float).reshape(20, 3) % 7
    pts[13, 2] = value
    with pytest.raises(errors.InputError) as ei:
        fn(pts)
    msg = _msg(ei)
    assert names_row(msg, 13), msg
    assert re.search(r"objective|column", msg, re.IGNORECASE), msg
    assert re.search(r"(?<![\d.])2(?![\d.])", msg), msg


def test_nan_in_fortran_and_strided_views_reports_the_row_of_the_view():
    base = np.zeros((40, 4))
    base[26, 2] = np.nan  # row 13 of base[::2], column 1 of base[:, ::2]
    with pytest.raises(errors.InputError) as ei:
        pareto.ranks(base[::2][:, ::2])
    assert names_row(_msg(ei), 13), _msg(ei)
    with pytest.raises(errors.InputError) as ei:
        pareto.ranks(np.asfortranarray(base))
    assert names_row(_msg(ei), 26), _msg(ei)


def test_nan_worst_works():
    pts = [[1.0, 1.0], [np.nan, np.nan], [2.0, 2.0]]
    np.testing.assert_array_equal(pareto.ranks(pts, nan="worst"), [1, 2, 0])
    np.testing.assert_array_equal(pareto.front(pts, nan="worst"), [False, False, True])


def test_unknown_nan_policy():
    with pytest.raises(errors.InputError) as ei:
        pareto.ranks([[1.0, 2.0]], nan="ignore-it")
    msg = _msg(ei)
    assert "nan" in msg.lower() and "ignore-it" in msg, msg


# --------------------------------------------------------------------------------------------
# parameters
# --------------------------------------------------------------------------------------------
def test_maximize_length_mismatch():
    pts = [[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]]
    for call in (
        lambda: pareto.ranks(pts, maximize=[True, False]),
        lambda: pareto.front(pts, maximize=[True, False, True, True]),
        lambda: pareto.crowding_distance(pts, maximize=[True]),
        lambda: pareto.hypervolume(pts, [0.0, 0.0, 0.0], maximize=[True, False]),
        lambda: pareto.weighted_sum(pts, [1.0, 1.0, 1.0], maximize=[True, False]),
        lambda: pareto.lexicographic(pts, maximize=[True]),
        lambda: pareto.igd(pts, [[0.0, 0.0, 0.0]], maximize=[True]),
    ):
        with pytest.raises(errors.InputError) as ei:
            call()
        assert "maximize" in _msg(ei), _msg(ei)


def test_threads_zero():
    for call in (
        lambda: pareto.ranks([[1.0, 2.0]], threads=0),
        lambda: pareto.hypervolume([[1.0, 2.0]], [0.0, 0.0], threads=0),
        lambda: pareto.crowding_distance([[1.0, 2.0]], threads=0),
    ):
        with pytest.raises(errors.InputError) as ei:
            call()
        assert "threads" in _msg(ei), _msg(ei)


def test_hypervolume_points_beyond_reference_add_nothing():
    # Behaviour change (issue 21): these used to raise InputError; now, as in moocore, pygmo,
    # optuna and botorch, a point that does not strictly dominate the reference adds nothing.
    pts = [[1.0, 1.0], [2.0, 0.5], [3.0, -1.0], [0.5, 3.0]]
    inside = [[1.0, 1.0], [2.0, 0.5], [0.5, 3.0]]
    assert pareto.hypervolume(pts, [0.0, 0.0]) == pareto.hypervolume(inside, [0.0, 0.0]) == 2.5
    # minimizing, ref (0, 0) is better than every point: nothing is dominated
    assert pareto.hypervolume(pts, [0.0, 0.0], maximize=False) == 0.0
    np.testing.assert_array_equal(
        pareto.hypervolume_contributions(pts, [0.0, 0.0]), [0.25, 0.5, 0.0, 1.0]
    )
    est = pareto.hypervolume_mc(pts, [0.0, 0.0], samples=1000)
    assert est.low <= 2.5 <= est.high
    # validation of values is unchanged: non-finite points still name the row
    with pytest.raises(errors.InputError) as ei:
        pareto.hypervolume([[1.0, 1.0], [np.nan, 1.0]], [0.0, 0.0])
    assert names_row(_msg(ei), 1), _msg(ei)
    with pytest.raises(errors.InputError):
        pareto.hypervolume_contributions([[1.0, np.inf]], [0.0, 0.0], ignore_dominated=True)


def test_hypervolume_reference_length_and_finiteness():
    for ref in ([0.0], [0.0, 0.0, 0.0], [[0.0, 0.0]], [np.nan, 0.0], [-np.inf, 0.0]):
        with pytest.raises(errors.InputError) as ei:
            pareto.hypervolume([[1.0, 1.0]], ref)
        assert "ref" in _msg(ei).lower(), (ref, _msg(ei))


def test_hypervolume_mc_bad_parameters():
    with pytest.raises(errors.InputError) as ei:
        pareto.hypervolume_mc([[1.0, 1.0]], [0.0, 0.0], samples=0)
    assert "samples" in _msg(ei)
    for c in (0.0, 1.0, 1.5, -0.1):
        with pytest.raises(errors.InputError) as ei:
            pareto.hypervolume_mc([[1.0, 1.0]], [0.0, 0.0], confidence=c)
        assert "confidence" in _msg(ei)


def test_weights_bad_parameters():
    with pytest.raises(errors.InputError) as ei:
        pareto.weights(0, 3)
    assert "m" in _msg(ei)
    with pytest.raises(errors.InputError) as ei:
        pareto.weights(3, 0)
    assert "partitions" in _msg(ei)
    with pytest.raises(errors.InputError) as ei:
        pareto.weights_random(3, 10, alpha=0.0)
    assert "alpha" in _msg(ei)
    with pytest.raises(errors.InputError) as ei:
        pareto.weights_random(3, 10, alpha=-1.0)
    assert "alpha" in _msg(ei)


def test_scalarization_weight_shape_mismatch():
    pts = [[1.0, 2.0, 3.0]]
    for call in (
        lambda: pareto.weighted_sum(pts, [0.5, 0.5]),
        lambda: pareto.weighted_sum(pts, [[0.5, 0.5]]),
        lambda: pareto.chebyshev(pts, [1.0, 1.0, 1.0, 1.0]),
        lambda: pareto.chebyshev(pts, np.ones((2, 2, 3))),
    ):
        with pytest.raises(errors.InputError) as ei:
            call()
        assert "weights" in _msg(ei), _msg(ei)
    with pytest.raises(errors.InputError) as ei:
        pareto.chebyshev(pts, [1.0, 1.0, 1.0], ideal=[0.0, 0.0])
    assert "ideal" in _msg(ei)


def test_lexicographic_bad_order_and_tolerances():
    pts = [[1.0, 2.0], [2.0, 1.0]]
    with pytest.raises(errors.InputError) as ei:
        pareto.lexicographic(pts, [0, 2])
    assert "order" in _msg(ei) and "2" in _msg(ei)
    with pytest.raises(errors.InputError) as ei:
        pareto.lexicographic(pts, [0, 1], [0.1, 0.2, 0.3])
    assert "tolerance" in _msg(ei)
    with pytest.raises(errors.InputError) as ei:
        pareto.lexicographic(pts, [0, 1], -0.5)
    assert "tolerance" in _msg(ei) and "-0.5" in _msg(ei)


def test_indicator_bad_kind_and_reference_width():
    with pytest.raises(errors.InputError) as ei:
        pareto.epsilon_indicator([[1.0, 2.0]], [[1.0, 2.0]], kind="huber")
    assert "kind" in _msg(ei) and "huber" in _msg(ei)
    with pytest.raises(errors.InputError) as ei:
        pareto.igd([[1.0, 2.0]], [[1.0, 2.0, 3.0]])
    assert "reference" in _msg(ei)
    with pytest.raises(errors.InputError) as ei:
        pareto.epsilon_indicator([[1.0, 2.0]], [[1.0, -2.0]], kind="multiplicative", maximize=False)
    assert re.search(r"positive|> ?0", _msg(ei)), _msg(ei)


# --------------------------------------------------------------------------------------------
# groups / offsets
# --------------------------------------------------------------------------------------------
PTS5 = np.arange(10, dtype=float).reshape(5, 2)


@pytest.mark.parametrize(
    "offs",
    [[1, 3, 5], [0, 3, 2, 5], [0, 3, 4], [0, 3, 6], [], [0, -1, 5]],
    ids=["not-from-0", "decreasing", "short", "past-end", "empty", "negative"],
)
def test_bad_offsets(offs):
    with pytest.raises(errors.InputError) as ei:
        pareto.ranks(PTS5, offsets=np.array(offs, dtype=np.int64))
    assert "offsets" in _msg(ei), _msg(ei)
    with pytest.raises(errors.InputError):
        pareto.front(PTS5, offsets=offs)


def test_groups_length_mismatch():
    for ids in (np.array([0, 1, 0]), ["a"] * 6, pl.Series(["a", "b"])):
        with pytest.raises(errors.InputError) as ei:
            pareto.ranks(PTS5, groups=ids)
        msg = _msg(ei)
        assert "groups" in msg and "5" in msg, msg


def _grouped(ids=None, **kw):
    """The grouped-ranks binding on PTS5 (minimized, no offsets) with group ids given as
    `ids=` (int64), `codes=` (uint32) or `text=` (an Arrow text column)."""
    from pluralign import _core

    p = pareto._points(PTS5, None)
    mx = [True] * PTS5.shape[1]
    return _core.pareto_grouped(p.arg, mx, "error", None, ids, False, None, **kw)


def test_grouped_binding_codes_are_checked():
    """The factorizer's uint32 codes reach Rust as they are (`codes=`): a wrong length, or
    codes with ids or offsets too, is a named InputError."""
    with pytest.raises(errors.InputError, match="groups has 3 ids but the points have 5 rows"):
        _grouped(codes=np.zeros(3, np.uint32))
    with pytest.raises(errors.InputError, match="exactly one"):
        _grouped(np.zeros(5, np.int64), codes=np.zeros(5, np.uint32))
    # sparse codes (a hash-like range) group like dense ones
    dense = _grouped(codes=np.array([0, 1, 0, 1, 1], np.uint32))
    sparse = _grouped(
        codes=np.array([7, 4_000_000_000, 7, 4_000_000_000, 4_000_000_000], np.uint32)
    )
    np.testing.assert_array_equal(dense, sparse)


def test_groups_and_offsets_together():
    with pytest.raises(errors.InputError) as ei:
        pareto.ranks(PTS5, groups=[0, 0, 1, 1, 1], offsets=[0, 2, 5])
    assert "groups" in _msg(ei) and "offsets" in _msg(ei)


def test_groups_with_nulls():
    with pytest.raises(errors.InputError) as ei:
        pareto.ranks(PTS5, groups=pl.Series("g", ["a", None, "b", "a", "b"]))
    assert names_row(_msg(ei), 1), _msg(ei)


# --------------------------------------------------------------------------------------------
# polars input
# --------------------------------------------------------------------------------------------
def test_polars_null_names_row_and_column():
    df = pl.DataFrame(
        {
            "prompt_id": ["p", "p", "q", "q", "q"],
            "helpful": [1.0, 2.0, 3.0, 4.0, 5.0],
            "harmless": [0.5, 0.1, None, 0.3, 0.2],
        }
    )
    for call in (
        lambda: pareto.ranks(df, objectives=["helpful", "harmless"]),
        lambda: pareto.front(df, objectives=["helpful", "harmless"], groups="prompt_id"),
        lambda: pareto.hypervolume(df, [0.0, 0.0], objectives=["helpful", "harmless"]),
    ):
        with pytest.raises(errors.InputError) as ei:
            call()
        msg = _msg(ei)
        assert "harmless" in msg and names_row(msg, 2), msg
    # nulls in a column that is not selected do not matter
    np.testing.assert_array_equal(pareto.ranks(df, objectives=["helpful"]), [4, 3, 2, 1, 0])


def test_polars_nan_is_a_value_not_a_null():
    df = pl.DataFrame({"a": [1.0, float("nan"), 3.0], "b": [1.0, 1.0, 1.0]})
    with pytest.raises(errors.InputError) as ei:
        pareto.ranks(df)
    assert names_row(_msg(ei), 1)
    np.testing.assert_array_equal(pareto.ranks(df, nan="worst"), [1, 2, 0])


def test_polars_non_numeric_column_is_a_schema_error():
    df = pl.DataFrame({"helpful": [1.0, 2.0], "label": ["x", "y"], "harmless": [2.0, 1.0]})
    with pytest.raises(errors.SchemaError) as ei:
        pareto.ranks(df)  # default: every column, all must be numeric
    assert "label" in _msg(ei), _msg(ei)
    with pytest.raises(errors.SchemaError) as ei:
        pareto.ranks(df, objectives=["helpful", "label"])
    assert "label" in _msg(ei), _msg(ei)
    with pytest.raises(errors.SchemaError) as ei:
        pareto.hypervolume(df, [0.0, 0.0], objectives=["label", "harmless"])
    assert "label" in _msg(ei), _msg(ei)
    # selecting only numeric columns works
    np.testing.assert_array_equal(pareto.ranks(df, objectives=["helpful", "harmless"]), [0, 0])


def test_polars_missing_column_is_a_schema_error():
    df = pl.DataFrame({"helpful": [1.0, 2.0], "harmless": [2.0, 1.0]})
    with pytest.raises(errors.SchemaError) as ei:
        pareto.ranks(df, objectives=["helpful", "honest"])
    assert "honest" in _msg(ei)
    with pytest.raises(errors.SchemaError) as ei:
        pareto.ranks(df, objectives=["helpful", "harmless"], groups="prompt_id")
    assert "prompt_id" in _msg(ei)
    with pytest.raises(errors.SchemaError) as ei:
        pareto.lexicographic(df, ["helpful", "honest"])
    assert "honest" in _msg(ei)


def test_polars_list_and_date_columns_are_schema_errors():
    df = pl.DataFrame(
        {"a": [1.0, 2.0], "vec": [[1, 2], [3, 4]], "when": pl.Series([0, 1]).cast(pl.Date)}
    )
    for col in ("vec", "when"):
        with pytest.raises(errors.SchemaError) as ei:
            pareto.ranks(df, objectives=["a", col])
        assert col in _msg(ei)


def test_objectives_with_numpy_input_is_rejected_or_ignored_cleanly():
    # objectives= only makes sense for a DataFrame; with a numpy array it must not crash
    # the interpreter or silently pick wrong columns: either an InputError or the same answer
    pts = np.array([[1.0, 2.0], [2.0, 1.0]])
    try:
        out = pareto.ranks(pts, objectives=["a", "b"])
    except errors.PluralignError:
        return
    np.testing.assert_array_equal(out, [0, 0])


def test_text_group_ids_hostile():
    """String / Binary group ids go to Rust as the Arrow column (`text=`): nulls, a wrong
    length, a non-text column and bytes that are not UTF-8 give a named InputError or the
    right groups; 100 kB ids are grouped like short ones."""
    with pytest.raises(errors.InputError, match="null id at row 1"):
        pareto.ranks(PTS5, groups=pl.Series(["a", None, "b", "a", "c"]))
    with pytest.raises(errors.InputError, match="groups has 2 ids but the points have 5 rows"):
        pareto.ranks(PTS5, groups=pl.Series(["a", "b"]))
    with pytest.raises(errors.InputError, match=r"groups column 'g' \(Int64\) is not a text"):
        _grouped(text=pl.Series("g", [1] * 5))
    with pytest.raises(errors.InputError, match="has nulls"):
        _grouped(text=pl.Series("g", ["a", None] * 2 + ["b"]))
    with pytest.raises(errors.InputError, match="exactly one"):
        _grouped(np.zeros(5, np.int64), text=pl.Series(["a"] * 5))
    as_ints = pareto.ranks(PTS5, groups=[0, 1, 0, 2, 1])
    raw = pl.Series([b"\xff\xfe", b"x", b"\xff\xfe", b"y", b"x"], dtype=pl.Binary)
    np.testing.assert_array_equal(pareto.ranks(PTS5, groups=raw), as_ints)
    long = pl.Series(["x" * 100_000, "y", "x" * 100_000, "z", "y"])
    np.testing.assert_array_equal(pareto.ranks(PTS5, groups=long), as_ints)
    empty = pareto.ranks(PTS5[:0], groups=pl.Series([], dtype=pl.String))
    assert empty.shape == (0,)
