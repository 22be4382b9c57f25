"""pluralign.prefs.tally: hand case, slow reference on random comparisons, merge laws, pickling,
bad input."""

from __future__ import annotations

import pickle
from collections import defaultdict

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign.errors import InputError, SchemaError
from pluralign.prefs import Tally, tally


def _cmp(rows: list[tuple[str, str, str, bool, float]]) -> pl.DataFrame:
    schema = {
        "group": pl.String,
        "chosen_id": pl.String,
        "rejected_id": pl.String,
        "tie": pl.Boolean,
        "weight": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def test_tally_hand_case() -> None:
    df = _cmp(
        [
            ("g1", "b", "a", False, 1.0),
            ("g1", "a", "b", False, 2.0),
            ("g1", "a", "b", True, 0.5),
            ("g1", "b", "a", False, 1.0),
            ("g2", "c", "a", False, 1.0),
        ]
    )
    t = tally(df, groups="group")
    out = t.finalize()
    assert out.columns == [
        "group",
        "item_a",
        "item_b",
        "wins_a",
        "wins_b",
        "ties",
        "weight_a",
        "weight_b",
        "weight_ties",
        "n",
    ]
    assert out.rows() == [
        ("g1", "a", "b", 1, 2, 1, 2.0, 2.0, 0.5, 4),
        ("g2", "a", "c", 0, 1, 0, 0.0, 1.0, 0.0, 1),
    ]
    # without by: one table over everything
    assert tally(df).finalize().select("item_a", "item_b", "n").rows() == [
        ("a", "b", 4),
        ("a", "c", 1),
    ]


def _reference(rows, by_group: bool):
    acc: dict[tuple, list[float]] = defaultdict(lambda: [0, 0, 0, 0.0, 0.0, 0.0])
    for g, c, r, t, w in rows:
        a, b = sorted((c, r))
        e = acc[((g,) if by_group else ()) + (a, b)]
        if t:
            e[2] += 1
            e[5] += w
        elif c == a:
            e[0] += 1
            e[3] += w
        else:
            e[1] += 1
            e[4] += w
    return {k: v for k, v in acc.items()}


comparison_rows = st.lists(
    st.tuples(
        st.sampled_from(["g1", "g2", "g3"]),
        st.sampled_from(["a", "b", "c", "d"]),
        st.sampled_from(["a", "b", "c", "d"]),
        st.booleans(),
        st.sampled_from([0.5, 1.0, 2.0]),
    ).filter(lambda r: r[1] != r[2]),
    max_size=50,
)


@settings(max_examples=60)
@given(comparison_rows, st.integers(0, 50), st.integers(0, 50))
def test_tally_matches_reference_and_merges(rows, cut1, cut2) -> None:
    df = _cmp(rows)
    t = tally(df, groups="group")
    got = {(r[0], r[1], r[2]): [r[3], r[4], r[5], r[6], r[7], r[8]] for r in t.finalize().rows()}
    ref = _reference(rows, True)
    assert got.keys() == ref.keys()
    for k in ref:
        assert got[k][:3] == ref[k][:3]
        assert got[k][3:] == pytest.approx(ref[k][3:], abs=1e-12)
    # merging batch tallies equals the tally of the whole, in any grouping/order
    i, j = sorted((min(cut1, len(rows)), min(cut2, len(rows))))
    parts = [
        tally(df[:i], groups="group"),
        tally(df[i:j], groups="group"),
        tally(df[j:], groups="group"),
    ]
    assert parts[0].merge(parts[1]).merge(parts[2]) == t
    assert parts[2].merge(parts[0], parts[1]) == t
    assert parts[0].merge(parts[1].merge(parts[2])) == t
    assert tally([df[:i], df[i:]], groups="group") == t
    # pickles round trip
    assert pickle.loads(pickle.dumps(t)) == t


def test_tally_multiple_by_and_int_ids() -> None:
    df = pl.DataFrame(
        {
            "group": ["x", "x", "y", "y"],
            "objective": ["h", "s", "h", "h"],
            "chosen_id": [1, 2, 3, 1],
            "rejected_id": [2, 1, 1, 3],
        }
    )
    out = tally(df, groups=["group", "objective"]).finalize()
    assert out.select("group", "objective", "item_a", "item_b", "wins_a", "wins_b").rows() == [
        ("x", "h", 1, 2, 1, 0),
        ("x", "s", 1, 2, 0, 1),
        ("y", "h", 1, 3, 1, 1),
    ]
    assert out["weight_a"].to_list() == [1.0, 0.0, 1.0]  # default weight 1


def test_tally_bad_input() -> None:
    with pytest.raises(InputError, match="row 1"):
        tally(_cmp([("g", "a", "b", False, 1.0), ("g", "a", "a", False, 1.0)]))
    with pytest.raises(InputError, match="weight"):
        tally(_cmp([("g", "a", "b", False, float("inf"))]))
    with pytest.raises(SchemaError, match="group2"):
        tally(_cmp([("g", "a", "b", False, 1.0)]), groups="group2")
    with pytest.raises(SchemaError, match="Boolean"):
        tally(_cmp([("g", "a", "b", False, 1.0)]).with_columns(pl.lit(1).alias("tie")))
    t1 = tally(_cmp([("g", "a", "b", False, 1.0)]), groups="group")
    t2 = tally(_cmp([("g", "a", "b", False, 1.0)]))
    with pytest.raises(InputError, match="grouped by"):
        t1.merge(t2)
    with pytest.raises(InputError, match="not a serialized Tally"):
        Tally.from_bytes(pl.DataFrame({"a": [1]}).serialize())
