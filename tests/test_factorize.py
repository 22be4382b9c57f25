"""The shared id factorizer (``pluralign._factorize`` over ``rust/core/src/factorize.rs``):
codes against a pure-Python reference for every Arrow id layout, and the same results from
``bradley_terry``, ``elo``, ``agreement``, ``tally`` and grouped Pareto ranks whatever the id
type (String, Categorical, Enum, integer, LargeUtf8, Utf8, Utf8View)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign import _core, pareto
from pluralign._factorize import factorize
from pluralign.errors import InputError, SchemaError
from pluralign.prefs import tally
from pluralign.stats import agreement, bradley_terry, elo

# short (inline in a view), exactly 12 / 13 bytes (the view's inline limit), long, unicode, empty
ALPHABET = [
    "",
    "a",
    "b",
    "é",
    "😀",
    "abcdefghijkl",
    "abcdefghijklm",
    "abcdefghijklmn",
    "long-identifier-number-0001",
    "long-identifier-number-0002",
    "Ω",
    "a\x00",
]

ids_lists = st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=60)


def reference(*cols: list[str]) -> tuple[list[str], list[list[int]]]:
    # UTF-8 byte order is code-point order, which is Python's str order
    values = sorted(set().union(*map(set, cols)))
    pos = {v: i for i, v in enumerate(values)}
    return values, [[pos[v] for v in c] for c in cols]


def layouts(vals: list[str]):
    """The same ids in every Arrow layout the factorizer reads."""
    yield "utf8", pa.array(vals, pa.string())
    yield "large_utf8", pa.array(vals, pa.large_string())
    yield "utf8_view", pa.array(vals, pa.string_view())
    yield "binary", pa.array([v.encode() for v in vals], pa.binary())
    yield "polars_string", pl.Series(vals, dtype=pl.String)
    yield "categorical", pl.Series(vals, dtype=pl.Categorical)
    yield (
        "dictionary_u8",
        pa.array(vals).dictionary_encode().cast(pa.dictionary(pa.uint8(), pa.string())),
    )


@settings(max_examples=60, deadline=None)
@given(a=ids_lists, b=ids_lists)
def test_codes_match_reference_for_every_layout(a, b):
    values, (ca, cb) = reference(a, b)
    for name, _ in layouts(a):
        la = dict(layouts(a))[name]
        lb = dict(layouts(b))[name]
        codes, first_col, first_row = _core.factorize_ids([la, lb])
        assert codes[0].tolist() == ca, name
        assert codes[1].tolist() == cb, name
        got = [(a, b)[c][r] for c, r in zip(first_col.tolist(), first_row.tolist(), strict=True)]
        assert got == values, name


@settings(max_examples=40, deadline=None)
@given(a=ids_lists)
def test_unsorted_codes_are_first_seen_and_values_keep_the_dtype(a):
    for dtype in (pl.String, pl.Categorical):
        s = pl.Series("x", a, dtype=dtype)
        values, (codes,) = factorize(s, sort=False)
        first_seen = list(dict.fromkeys(a))
        assert values.dtype == dtype
        assert values.cast(pl.String).to_list() == first_seen
        assert codes.tolist() == [first_seen.index(v) for v in a]


def test_enum_codes_follow_the_enum_order_and_integers_numeric_order():
    e = pl.Enum(["zz", "b", "a"])
    values, (c1, c2) = factorize(pl.Series(["a", "b"], dtype=e), pl.Series(["zz", "a"], dtype=e))
    assert values.to_list() == ["zz", "b", "a"] and values.dtype == e
    assert c1.tolist() == [2, 1] and c2.tolist() == [0, 2]
    for dtype in (pl.Int8, pl.Int64, pl.UInt32, pl.UInt64):
        values, (c,) = factorize(pl.Series([5, 3, 100, 5], dtype=dtype))
        assert values.to_list() == [3, 5, 100] and values.dtype == dtype
        assert c.tolist() == [1, 0, 2, 1]
    values, (c,) = factorize(pl.Series([-(2**62), 2**62, 0, 2**62]))  # sparse: no table
    assert values.to_list() == [-(2**62), 0, 2**62] and c.tolist() == [0, 2, 1, 2]
    values, (c,) = factorize(pl.Series([2**64 - 1, 1], dtype=pl.UInt64))  # above i64
    assert values.to_list() == [1, 2**64 - 1] and c.tolist() == [1, 0]


def test_chunked_series_and_large_inputs_are_the_same_for_one_and_two_threads():
    rng = np.random.default_rng(1)
    for n_distinct in (997, 60_000):  # few values (merged block tables) and many (buckets)
        ids = rng.integers(0, n_distinct, 400_000)
        s = pl.Series("p", ids).cast(pl.String)
        s = "prompt-identifier-" + s.filter(s.str.len_bytes() > 0)  # long: arena path
        chunked = pl.concat([s[:150_000], s[150_000:]], rechunk=False)
        assert chunked.n_chunks() == 2
        for sort in (True, False):
            r1 = _core.factorize_ids([chunked, s], sort=sort, threads=1)
            r2 = _core.factorize_ids([chunked, s], sort=sort, threads=2)
            for x, y in zip(r1[0], r2[0], strict=True):
                np.testing.assert_array_equal(x, y)
            np.testing.assert_array_equal(r1[1], r2[1])
            np.testing.assert_array_equal(r1[2], r2[2])
            np.testing.assert_array_equal(r1[0][0], r1[0][1])
        values, (codes,) = factorize(s)
        expect = s.rank("dense").cast(pl.Int64).to_numpy() - 1
        np.testing.assert_array_equal(codes, expect)
        assert values.to_list() == sorted(set(s.to_list()))


def test_nulls_and_mixed_types_are_named_errors():
    with pytest.raises(InputError, match=r"'chosen_id'.*row 1"):
        factorize(pl.Series("chosen_id", ["a", None]))
    with pytest.raises(InputError, match=r"'g'.*row 2"):
        _core.factorize_ids([pl.Series("g", ["a", "b", None])])
    with pytest.raises(InputError, match=r"'g'.*row 1"):
        _core.factorize_ids([pl.Series("g", ["x", None], dtype=pl.Categorical)])
    with pytest.raises(InputError, match="row 1"):
        _core.factorize_ids([pa.array(["a", None], pa.large_string())])
    with pytest.raises(SchemaError, match="same type"):
        factorize(pl.Series("a", ["x"]), pl.Series("b", [1]))
    with pytest.raises(SchemaError, match="mix integer and text"):
        _core.factorize_ids([pl.Series("a", ["x"]), pl.Series("b", [1])])
    with pytest.raises(SchemaError, match="ids must be text"):
        _core.factorize_ids([pl.Series("a", [1.5])])
    with pytest.raises(InputError):
        _core.factorize_ids([])
    with pytest.raises(InputError, match="null"):
        bradley_terry(pl.DataFrame({"chosen_id": ["a", None], "rejected_id": ["b", "a"]}))
    with pytest.raises(InputError, match="null"):
        pareto.ranks(
            pl.DataFrame({"g": ["a", None], "x": [1.0, 2.0]}), groups="g", objectives=["x"]
        )


# ---- the same results whatever the id type ----------------------------------------------------

comparisons = st.lists(
    st.tuples(st.integers(0, 7), st.integers(0, 7), st.booleans()), min_size=1, max_size=80
).map(lambda rows: [(a, b, t) for a, b, t in rows if a != b])


def as_types(codes: list[int], name: str):
    """The same ids as integers and as text / Categorical / Enum whose sorted order is the
    integers' order (so the results' row order is comparable)."""
    text = [f"item-{c:03d}-é" for c in codes]
    enum = pl.Enum([f"item-{c:03d}-é" for c in range(10)])
    return {
        "int": pl.Series(name, codes, dtype=pl.Int64),
        "uint8": pl.Series(name, codes, dtype=pl.UInt8),
        "str": pl.Series(name, text, dtype=pl.String),
        "cat": pl.Series(name, text, dtype=pl.Categorical),
        "enum": pl.Series(name, text, dtype=enum),
    }


@settings(max_examples=40, deadline=None)
@given(rows=comparisons)
def test_bt_elo_tally_equal_for_every_id_type(rows):
    if not rows:
        return
    w = [r[0] for r in rows]
    lo = [r[1] for r in rows]
    tie = [r[2] for r in rows]
    cw, cl = as_types(w, "chosen_id"), as_types(lo, "rejected_id")
    out = {}
    for k in cw:
        df = pl.DataFrame([cw[k], cl[k], pl.Series("tie", tie)])
        bt = bradley_terry(df, prior=1.0, standard_errors=False)
        el = elo(df)
        ta = tally(df).finalize()
        out[k] = (
            bt.drop("item"),
            bt["item"].cast(pl.String).to_list(),
            el.drop("item"),
            ta.drop("item_a", "item_b"),
            ta["item_a"].cast(pl.String).to_list(),
        )
        assert bt["item"].dtype == cw[k].dtype and ta["item_a"].dtype == cw[k].dtype
    base = out["int"]
    for k, o in out.items():
        assert o[0].equals(base[0]), k
        assert o[2].equals(base[2]), k
        assert o[3].equals(base[3]), k
        if k in ("str", "cat", "enum"):
            assert o[1] == [f"item-{int(x):03d}-é" for x in base[1]], k
            assert o[4] == [f"item-{int(x):03d}-é" for x in base[4]], k


@settings(max_examples=30, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 9), st.integers(1, 4)),
        min_size=2,
        max_size=60,
        unique_by=lambda t: (t[0], t[1]),
    )
)
def test_agreement_and_grouped_ranks_equal_for_every_id_type(data):
    raters = as_types([d[0] for d in data], "annotator_id")
    items = as_types([d[1] for d in data], "item")
    vals = pl.Series("value", [float(d[2]) for d in data])
    res = {}
    for k in raters:
        df = pl.DataFrame([raters[k], items[k], vals])
        try:
            res[k] = agreement(df, "krippendorff", "interval").value
        except InputError as e:  # undefined coefficient: the same for every id type
            res[k] = str(e)
        pts = pl.DataFrame([items[k], vals, vals.reverse().alias("v2")])
        r = pareto.ranks(pts, groups="item", objectives=["value", "v2"])
        r1 = pareto.ranks(pts, groups="item", objectives=["value", "v2"], threads=1)
        np.testing.assert_array_equal(r, r1)
        res[k, "ranks"] = r.tolist()
    for k in raters:
        assert res[k] == res["int"], k
        assert res[k, "ranks"] == res["int", "ranks"], k
