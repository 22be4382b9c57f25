"""The shared id factorizer (``pluralign._factorize`` over ``rust/core/src/factorize.rs``):
codes against a pure-Python reference for every Arrow id layout, and the same results from
``bradley_terry``, ``elo``, ``agreement``, ``tally`` and grouped Pareto ranks whatever the id
type (String, Categorical, Enum, integer, LargeUtf8, Utf8, Utf8View)."""

from __future__ import annotations

from typing import cast

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign import _core, pareto
from pluralign._factorize import factorize, factorize_mapped, plain
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
        # without a prior the ids go to Rust as they are (a Categorical's / Enum's physical ids
        # with a map): l2 keeps every graph finite
        bt_l2 = bradley_terry(df, l2=0.5)
        el = elo(df)
        ta = tally(df).finalize()
        out[k] = (
            bt.drop("item"),
            bt["item"].cast(pl.String).to_list(),
            el.drop("item"),
            ta.drop("item_a", "item_b"),
            ta["item_a"].cast(pl.String).to_list(),
            bt_l2.drop("item"),
            bt_l2["item"].cast(pl.String).to_list(),
        )
        assert bt["item"].dtype == cw[k].dtype and ta["item_a"].dtype == cw[k].dtype
    base = out["int"]
    for k, o in out.items():
        assert o[0].equals(base[0]), k
        assert o[2].equals(base[2]), k
        assert o[3].equals(base[3]), k
        assert o[5].equals(base[5]), k
        if k in ("str", "cat", "enum"):
            assert o[1] == [f"item-{int(x):03d}-é" for x in base[1]], k
            assert o[4] == [f"item-{int(x):03d}-é" for x in base[4]], k
            assert o[6] == [f"item-{int(x):03d}-é" for x in base[6]], k


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


# ---- orders, layouts and sizes of the text path; Categorical / Enum through physical ids -------

# up to 12 bytes (inline in a view), 13..28 (whole in the key), over 28 (arena), sharing
# prefixes and suffixes, non-ASCII, empty
LONG_ALPHABET = [
    *ALPHABET,
    "prefix-shared-by-all-of-these-ids-0001",
    "prefix-shared-by-all-of-these-ids-0002",
    "prefix-shared-by-all-X-these-ids-0001",  # differs only in the middle
    "é" * 14,  # 28 bytes
    "é" * 15,  # 30 bytes
    "abcdefghijklmnopqrstuvwxyz0",  # 27 bytes
]


def first_seen_reference(*cols: list[str]) -> tuple[list[str], list[list[int]]]:
    values = list(dict.fromkeys(v for c in cols for v in c))
    pos = {v: i for i, v in enumerate(values)}
    return values, [[pos[v] for v in c] for c in cols]


@settings(max_examples=60, deadline=None)
@given(
    a=st.lists(st.sampled_from(LONG_ALPHABET), min_size=1, max_size=60),
    b=st.lists(st.sampled_from(LONG_ALPHABET), min_size=1, max_size=60),
)
def test_sorted_first_seen_and_any_order_against_references(a, b):
    sorted_values, sorted_codes = reference(a, b)
    seen_values, seen_codes = first_seen_reference(a, b)
    for name, la in layouts(a):
        lb = dict(layouts(b))[name]
        for sort, want_values, want in (
            (True, sorted_values, sorted_codes),
            (False, seen_values, seen_codes),
            (None, None, seen_codes),
        ):
            codes, first_col, first_row = _core.factorize_ids([la, lb], sort=sort)
            got = [
                (a, b)[c][r] for c, r in zip(first_col.tolist(), first_row.tolist(), strict=True)
            ]
            if want_values is not None:
                assert got == want_values, (name, sort)
                assert [x.tolist() for x in codes] == want, (name, sort)
            else:  # any order: the same values, each code naming its own value
                assert sorted(got) == sorted_values, name
                assert [[got[k] for k in x.tolist()] for x in codes] == [a, b], name


def test_physical_categorical_sorts_by_text_and_keeps_its_dtype():
    # categories created in an order unlike the text order
    pl.Series(["zz-late", "mm-mid", "aa-early"], dtype=pl.Categorical)
    a = pl.Series("a", ["mm-mid", "aa-early", "zz-late", "mm-mid"], dtype=pl.Categorical)
    b = pl.Series("b", ["aa-early", "new-one"], dtype=pl.Categorical)
    values, (ca, cb) = factorize(a, b)
    assert values.dtype == a.dtype and values.name == "a"
    assert values.to_list() == ["aa-early", "mm-mid", "new-one", "zz-late"]
    assert ca.tolist() == [1, 0, 3, 1] and cb.tolist() == [0, 2]
    values, (ca, cb) = factorize(a, b, sort=False)
    assert values.to_list() == ["mm-mid", "aa-early", "zz-late", "new-one"]
    assert ca.tolist() == [0, 1, 2, 0] and cb.tolist() == [1, 3]
    none, (cn, _) = factorize(a, b, sort=None, values=False)
    assert none is None and cn.tolist() == [0, 1, 2, 0]
    e = pl.Enum(["zz", "b", "a"])
    values, (c,) = factorize(pl.Series(["a", "zz", "a", "b"], dtype=e), sort=False)
    assert values.to_list() == ["a", "zz", "b"] and values.dtype == e
    assert c.tolist() == [0, 1, 0, 2]
    with pytest.raises(InputError, match="outside"):
        _core.factorize_remap([np.array([3], dtype=np.uint32)], np.arange(3, dtype=np.uint32))


MIXED = ["p{}", "prompt-identifier-{}", "a-long-shared-prefix-for-every-id-{}-x", "é{}"]
# hash-like ids of one length (32-byte hex, 36-byte uuid) that differ only in the middle,
# where the factorizer's 32-byte keys hold none of their bytes
HASHES = ["0123456789ab{:08x}cdef0123456789ab", "01234567-89ab-{:08x}-cdef-0123456789"]


@pytest.mark.parametrize(
    ("n_distinct", "kinds"),
    [(50, MIXED), (20_000, MIXED), (60_000, MIXED), (300, HASHES), (120_000, HASHES)],
)
def test_large_columns_every_order_layout_and_thread_count(n_distinct, kinds):
    """Few (merged block tables) and many (radix partitions) distinct values, mixed id lengths
    (view-inline, whole in the key, arena) or long hash-like ids, chunked columns and pyarrow
    layouts."""
    rng = np.random.default_rng(n_distinct)
    ids = rng.integers(0, n_distinct, 300_000)
    text = [kinds[i % len(kinds)].format(i) for i in range(n_distinct)]
    s = pl.Series("p", np.array(text, dtype=object)[ids], dtype=pl.String)
    chunked = pl.concat([s[:100_000], s[100_000:]], rechunk=False)
    large = pa.array(s.to_list(), pa.large_string())
    dense = s.rank("dense").cast(pl.Int64).to_numpy() - 1
    seen = pl.DataFrame({"s": s}).with_row_index().group_by("s").agg(pl.col("index").min())
    order = seen.sort("index")["s"].to_list()
    pos = {v: i for i, v in enumerate(order)}
    seen_codes = np.array([pos[v] for v in s.to_list()])
    for col in (s, chunked, large):
        for threads in (1, 2):
            (c,), _, _ = _core.factorize_ids([col], sort=True, threads=threads)
            np.testing.assert_array_equal(c, dense)
            (c,), _, _ = _core.factorize_ids([col], sort=False, threads=threads)
            np.testing.assert_array_equal(c, seen_codes)
            (c,), _, fr = _core.factorize_ids([col], sort=None, threads=threads)
            if threads == 1:
                any1 = c
            np.testing.assert_array_equal(c, any1)  # any order: fixed by the values
            # the same partition as the dense codes, and each code's first row holds it
            assert len(fr) == dense.max() + 1
            np.testing.assert_array_equal(dense[fr.astype(np.int64)][c], dense)


@pytest.mark.parametrize(
    ("n_distinct", "kinds"), [(1_000, HASHES), (1_000, MIXED), (20_000, HASHES)]
)
def test_equal_ids_at_shared_bytes_as_polars_lays_them_out(n_distinct, kinds, tmp_path):
    """Long ids as polars holds them after a gather, a join or a Parquet dictionary page: equal
    values at the very same view (the factorizer remembers codes by view there); one chunk of
    shared views beside one of own bytes; against polars' own ranks and first rows."""
    rng = np.random.default_rng(n_distinct + len(kinds[0]))
    ids = rng.integers(0, n_distinct, 400_000)
    text = pl.Series("p", [kinds[i % len(kinds)].format(i) for i in range(n_distinct)])
    gathered = text.gather(ids)
    joined = pl.DataFrame({"k": ids}).join(
        pl.DataFrame({"k": np.arange(n_distinct), "p": text}), on="k", how="left"
    )["p"]
    pl.DataFrame({"p": gathered}).write_parquet(tmp_path / "ids.parquet")
    from_parquet = pl.read_parquet(tmp_path / "ids.parquet")["p"]
    mixed = pl.concat(
        [gathered[:200_000], pl.Series("p", gathered[200_000:].to_list())], rechunk=False
    )
    dense = gathered.rank("dense").cast(pl.Int64).to_numpy() - 1
    seen = pl.DataFrame({"s": gathered}).with_row_index().group_by("s").agg(pl.col("index").min())
    pos = {v: i for i, v in enumerate(seen.sort("index")["s"].to_list())}
    seen_codes = np.array([pos[v] for v in gathered.to_list()])
    for col in (gathered, joined, from_parquet, mixed):
        assert col.to_list() == gathered.to_list()
        for threads in (1, 2):
            (c,), _, _ = _core.factorize_ids([col], sort=True, threads=threads)
            np.testing.assert_array_equal(c, dense)
            (c,), _, _ = _core.factorize_ids([col], sort=False, threads=threads)
            np.testing.assert_array_equal(c, seen_codes)
    # two columns at shared views of two different dictionaries: codes across both
    other = pl.Series("p", [f"{v}-other" for v in text.to_list()]).gather(ids[::-1])
    both = pl.concat([gathered, other])
    want = both.rank("dense").cast(pl.Int64).to_numpy() - 1
    ca, cb = _core.factorize_ids([gathered, other], sort=True)[0]
    np.testing.assert_array_equal(np.concatenate([ca, cb]), want)


@pytest.mark.parametrize("layout", ["own", "shared"])
def test_sorted_runs_of_long_ids_with_their_own_bytes(layout):
    """A column sorted by a long id (36-byte ids, rows in runs: a ratings table sorted by
    rater), each row its own copy of its bytes (as from CSV or a Python list) or equal values
    at one view: runs are found by value. Neighbouring distinct ids share the length and the
    4-byte prefix a view holds (they differ in one byte, first or last), so only a byte
    comparison tells them apart; against polars' own ranks and first rows."""
    rng = np.random.default_rng(5)
    n_distinct = 3_000
    text = [f"rater-{i:08d}-0000-0000-00000000000{i % 2}" for i in range(n_distinct)]
    runs = rng.integers(1, 400, n_distinct)  # 600,000 rows: many blocks after the first
    ids = np.repeat(np.arange(n_distinct), runs)
    values = pl.Series("p", text).gather(ids)
    if layout == "own":
        values = pl.Series("p", values.to_list())
    dense = values.rank("dense").cast(pl.Int64).to_numpy() - 1
    seen = pl.DataFrame({"s": values}).with_row_index().group_by("s").agg(pl.col("index").min())
    pos = {v: i for i, v in enumerate(seen.sort("index")["s"].to_list())}
    seen_codes = np.array([pos[v] for v in values.to_list()])
    for threads in (1, 2):
        (c,), _, _ = _core.factorize_ids([values], sort=True, threads=threads)
        np.testing.assert_array_equal(c, dense)
        (c,), _, first = _core.factorize_ids([values], sort=False, threads=threads)
        np.testing.assert_array_equal(c, seen_codes)
        np.testing.assert_array_equal(c[first.astype(np.int64)], np.arange(n_distinct))


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 6), st.integers(0, 6), st.booleans()),
        min_size=1,
        max_size=80,
    )
)
def test_tally_by_group_equal_for_every_id_type(rows):
    rows = [r for r in rows if r[1] != r[2]]
    if not rows:
        return
    groups = as_types([r[0] for r in rows], "group")
    cw = as_types([r[1] for r in rows], "chosen_id")
    cl = as_types([r[2] for r in rows], "rejected_id")
    tie = pl.Series("tie", [r[3] for r in rows])
    out = {}
    for k in cw:
        df = pl.DataFrame([groups[k], cw[k], cl[k], tie])
        t = tally(df, groups="group").finalize()
        assert t["group"].dtype == groups[k].dtype and t["item_a"].dtype == cw[k].dtype
        out[k] = t
        # two group columns: codes combined in Python (a Categorical's / Enum's mapped ids
        # turned into codes first); the same tally with a constant second group
        two = tally(df.with_columns(pl.lit("x").alias("g2")), groups=["group", "g2"]).finalize()
        assert two.drop("g2").equals(t), k
    base = out["int"]
    for k, t in out.items():
        assert t.drop("group", "item_a", "item_b").equals(base.drop("group", "item_a", "item_b"))
        for c in ("group", "item_a", "item_b"):
            if k in ("str", "cat", "enum"):
                want = [f"item-{int(x):03d}-é" for x in base[c]]
                assert t[c].cast(pl.String).to_list() == want, (k, c)
            else:
                assert t[c].cast(pl.Int64).to_list() == base[c].to_list(), (k, c)


def test_values_first_met_after_the_first_block_get_their_sorted_place():
    """The block path ranks the first block's values up front; values that only later blocks
    (or a second column) hold must still land in sorted order, and codes match polars."""
    rng = np.random.default_rng(7)
    early = [f"m-{i:03d}" for i in range(0, 600, 2)]  # even ids: all in the first block
    late = [f"m-{i:03d}" for i in range(1, 600, 2)]  # odd ids: only after row 200,000
    a = np.array(early, dtype=object)[rng.integers(0, len(early), 400_000)]
    a[200_000::997] = np.array(late, dtype=object)[rng.integers(0, len(late), len(a[200_000::997]))]
    b = np.array(early + late, dtype=object)[rng.integers(0, 600, 150_000)]
    sa, sb = pl.Series("a", a, dtype=pl.String), pl.Series("b", b, dtype=pl.String)
    both = pl.concat([sa, sb])
    dense = both.rank("dense").cast(pl.Int64).to_numpy() - 1
    for threads in (1, 2):
        values, (ca, cb) = factorize(sa, sb, sort=True, threads=threads)
        assert values.to_list() == sorted(set(both.to_list()))
        np.testing.assert_array_equal(np.concatenate([ca, cb]), dense)
        # one column alone: the odd ids arrive only in later blocks of that column
        values, (ca,) = factorize(sa, sort=True, threads=threads)
        np.testing.assert_array_equal(ca, sa.rank("dense").cast(pl.Int64).to_numpy() - 1)
        assert values.to_list() == sorted(set(sa.to_list()))


@settings(max_examples=40, deadline=None)
@given(
    a=st.lists(st.integers(0, 40), min_size=1, max_size=70),
    b=st.lists(st.integers(0, 40), min_size=1, max_size=30),
    chunked=st.booleans(),
)
def test_mapped_codes_are_the_physical_ids_and_a_map(a, b, chunked):
    """``factorize_mapped`` hands a Categorical's / Enum's own physical ids to Rust with a map
    id -> code: read through the map they are ``factorize``'s codes, in every order, and the
    values are the same; other types come as plain codes."""
    # categories created in an order unlike the text order (a Categorical's physical ids then
    # differ from its text order) and an Enum with categories no row holds
    pl.Series([f"v{i:02d}" for i in range(40, -1, -1)], dtype=pl.Categorical)
    enum = pl.Enum([f"v{i:02d}" for i in range(0, 41, 1)] + ["never-used"])
    ta, tb = [f"v{i:02d}" for i in a], [f"v{i:02d}" for i in b]
    for dtype in (pl.Categorical, enum, pl.String):
        ca, cb = pl.Series("a", ta, dtype=dtype), pl.Series("b", tb, dtype=dtype)
        if chunked:
            ca = pl.concat([ca[: len(ca) // 2], ca[len(ca) // 2 :]], rechunk=False)
        for sort in (True, False, None):
            want_values, want = factorize(ca, cb, sort=sort)
            values, got = factorize_mapped(ca, cb, sort=sort)
            assert values is not None and values.equals(want_values), (dtype, sort)
            # a map has at most one entry a row (or 4,096): a Categorical's ids in a process
            # holding many categories may be too large for one, and come as codes
            mappable = dtype != pl.String and (
                max(int(cast(int, c.to_physical().max())) for c in (ca, cb)) + 1
                <= max(len(ca) + len(cb), 4096)
            )
            for g, w, c in zip(got, want, (ca, cb), strict=True):
                assert plain(g).tolist() == w.tolist(), (dtype, sort)
                assert isinstance(g, tuple) == mappable, (dtype, sort)
                if isinstance(g, tuple):
                    ids, mapping = g
                    assert ids.dtype == c.to_physical().to_numpy().dtype
                    assert ids.tolist() == c.to_physical().to_list()
                    assert mapping.dtype == np.uint32
        none, codes = factorize_mapped(ca, cb, sort=False, values=False)
        assert none is None and [plain(c).tolist() for c in codes] == [
            w.tolist() for w in factorize(ca, cb, sort=False)[1]
        ]


def test_mapped_ids_are_checked_where_they_enter_rust():
    """The private bindings read mapped ids only inside their map, and refuse what a map
    cannot be built from."""
    ids = np.array([0, 1, 5], dtype=np.uint8)
    short_map = np.array([0, 1, 2], dtype=np.uint32)
    with pytest.raises(InputError, match=r"winner: physical id 5 is outside its map of 3"):
        _core.stats_bradley_terry((ids, short_map), np.array([1, 0, 1], dtype=np.uint32), 3)
    with pytest.raises(InputError, match=r"unit: physical id 5"):
        _core.stats_agreement(
            (ids, short_map), ids.astype(np.uint32), np.ones(3), "krippendorff", level="interval"
        )
    with pytest.raises(InputError, match=r"group: physical id 5"):
        _core.prefs_tally(
            (ids, short_map),
            np.array([0, 1, 0], dtype=np.uint32),
            ids[::-1].copy().astype(np.uint32),
        )
    # an id that occurs but has no code in the map (2^32 - 1: "occurs in no column")
    no_code = np.array([0, 1, 2, 3, 4, 2**32 - 1], dtype=np.uint32)
    with pytest.raises(InputError, match=r"winner: row 2 has physical id 5, which has no code"):
        _core.stats_bradley_terry((ids, no_code), np.array([1, 0, 1], dtype=np.uint32), 3)
    with pytest.raises(InputError, match="one width"):
        _core.factorize_map([ids, ids.astype(np.uint16)])
    with pytest.raises(InputError, match="at least one"):
        _core.factorize_map([])
    # ids too sparse for a map: no map (the codes path takes them)
    assert _core.factorize_map([np.array([0, 2**31], dtype=np.uint32)]) is None
    got = _core.factorize_map([np.array([3, 1, 3], dtype=np.uint8)], sort=True)
    assert got is not None
    mapping, first_col, first_row = got
    assert mapping.tolist() == [2**32 - 1, 0, 2**32 - 1, 1]
    assert first_col.tolist() == [0, 0] and first_row.tolist() == [1, 0]


@pytest.mark.parametrize("kind", ["cat", "enum", "str"])
def test_tally_names_the_first_row_where_chosen_is_rejected_for_mapped_ids(kind):
    """With Categorical / Enum ids both columns share one map, and the check that chosen and
    rejected differ compares their physical ids: it must name the same first row as the codes
    do, past the first block and in every id type."""
    rng = np.random.default_rng(3)
    n = 20_000
    a = rng.integers(0, 60, n)
    b = (a + rng.integers(1, 60, n)) % 60
    for bad in (n - 1, 9_000, 17):
        b2 = b.copy()
        b2[bad] = a[bad]
        b2[bad + 1 :: 997] = a[bad + 1 :: 997]  # later repeats: the first one is named
        ta = [f"it-{x:02d}" for x in a]
        tb = [f"it-{x:02d}" for x in b2]
        dtype = {"cat": pl.Categorical, "enum": pl.Enum(sorted(set(ta + tb))), "str": pl.String}
        df = pl.DataFrame(
            {
                "chosen_id": pl.Series(ta, dtype=dtype[kind]),
                "rejected_id": pl.Series(tb, dtype=dtype[kind]),
            }
        )
        with pytest.raises(InputError, match=rf"^row {bad}: chosen and rejected are the same"):
            tally(df)
    ok = pl.DataFrame(
        {
            "chosen_id": pl.Series([f"it-{x:02d}" for x in a], dtype=pl.Categorical),
            "rejected_id": pl.Series([f"it-{x:02d}" for x in b], dtype=pl.Categorical),
        }
    )
    want = tally(ok.with_columns(pl.all().cast(pl.String))).finalize()
    got = tally(ok).finalize()
    assert got.with_columns(pl.col("item_a", "item_b").cast(pl.String)).equals(want)


def _as_dtype(vals: list[str], kind: str) -> pl.Series:
    """The ids ``vals`` as a polars column of one kind: text, integers (each id's position in
    the alphabet), Categorical, Enum, UInt64 past 2**63 (the polars fallback), floats."""
    pos = [LONG_ALPHABET.index(v) for v in vals]
    if kind == "str":
        return pl.Series(vals, dtype=pl.String)
    if kind == "int":
        return pl.Series(pos, dtype=pl.Int64)
    if kind == "cat":
        return pl.Series(vals, dtype=pl.Categorical)
    if kind == "enum":
        return pl.Series(vals, dtype=pl.Enum(list(dict.fromkeys(LONG_ALPHABET))))
    if kind == "u64":
        return pl.Series([2**63 + p for p in pos], dtype=pl.UInt64)
    return pl.Series([p / 4 for p in pos], dtype=pl.Float64)


@settings(max_examples=40, deadline=None)
@given(
    cols=st.lists(
        st.tuples(
            st.lists(st.sampled_from(LONG_ALPHABET), min_size=1, max_size=60),
            st.sampled_from(["str", "int", "cat", "enum", "u64", "float"]),
        ),
        min_size=1,
        max_size=4,
    ),
    sort=st.sampled_from([True, False, None]),
    threads=st.sampled_from([1, 2]),
)
def test_codes_each_are_each_columns_own_codes(cols, sort, threads):
    """Each column factorized on its own, the text and integer ones side by side in one call:
    first-seen codes as the reference numbers them, sorted codes by the values' order, and
    any-order codes naming each row's own value; the same codes as ``factorize_mapped`` of
    the column alone, whatever its neighbours' types."""
    from pluralign._factorize import codes_each

    series = [_as_dtype(vals, kind) for vals, kind in cols]
    got = codes_each(*series, sort=sort, threads=threads)
    assert len(got) == len(series)
    for (vals, kind), s, codes in zip(cols, series, got, strict=True):
        alone = factorize_mapped(s, sort=sort, threads=threads, values=False)[1][0]
        assert plain(codes).tolist() == plain(alone).tolist(), kind
        c = plain(codes).tolist()
        if sort is False:
            assert c == first_seen_reference(vals)[1][0], kind
        # equal codes exactly where the ids are equal
        assert len(set(zip(c, vals, strict=True))) == len(set(c)) == len(set(vals)), kind


def test_codes_each_checks_every_column_and_names_it():
    from pluralign._factorize import codes_each

    ok = pl.Series("rater", ["a", "b"])
    with pytest.raises(InputError, match="'item' has a null at row 1"):
        codes_each(ok, pl.Series("item", ["x", None]))
    with pytest.raises(InputError, match="'item' has a null at row 0"):
        codes_each(pl.Series("item", [None, 3], dtype=pl.Int64), ok)
    # the Rust call refuses a bad group by itself too (nulls, mixed types in a group)
    with pytest.raises(InputError, match="'b' has a null"):
        _core.factorize_ids_each([[ok], [pl.Series("b", ["x", None])]])
    with pytest.raises(SchemaError, match="mix integer and text"):
        _core.factorize_ids_each([[ok, pl.Series("n", [1, 2])]])
    with pytest.raises(InputError, match="at least one column"):
        _core.factorize_ids_each([[ok], []])
    assert _core.factorize_ids_each([]) == []


def test_codes_each_on_long_ids_many_rows_matches_one_at_a_time():
    """1e5-row rater / item columns of 36-byte ids (the agreement layout: rows by rater),
    factorized side by side on 2 threads: the codes each column gets alone, first seen."""
    import uuid

    from pluralign._factorize import codes_each

    rng = np.random.default_rng(3)
    raters = np.repeat(np.arange(100), 1000)
    items = rng.integers(0, 3000, raters.size)
    names = [str(uuid.UUID(int=int(x) * 7919 + 11)) for x in range(3000)]
    rater = pl.Series("rater", [names[r] for r in raters.tolist()])
    item = pl.Series("item", [names[i] for i in items.tolist()])
    got = codes_each(item, rater, sort=False, threads=2)
    for s, codes, ints in ((item, got[0], items), (rater, got[1], raters)):
        assert plain(codes).tolist() == first_seen_reference(ints.tolist())[1][0]
        alone = factorize_mapped(s, sort=False, threads=2, values=False)[1][0]
        assert plain(codes).tolist() == plain(alone).tolist()
