"""pluralign.stats.disagreement: hand cases for entropy, JSD and majority flags, a slow Python
reference on random votes, bad input."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign.errors import InputError, SchemaError
from pluralign.stats import disagreement


def test_entropy_hand_cases() -> None:
    df = pl.DataFrame(
        {
            "statement_id": [1, 1, 1, 1, 2, 2, 2, 3, 3, 3],
            "vote": [1, 1, -1, -1, 1, 1, 1, 1, 0, -1],
        }
    )
    r = disagreement(df, item="statement_id")
    assert r["statement_id"].to_list() == [1, 2, 3]
    assert r["entropy"].to_list() == pytest.approx([math.log(2), 0.0, math.log(3)])
    assert r["n"].to_list() == [4.0, 3.0, 3.0]
    assert r["majority"].to_list() == [-1, 1, -1]  # ties go to the smallest label
    assert r["majority_share"].to_list() == pytest.approx([0.5, 1.0, 1 / 3])


def test_js_divergence_and_majorities() -> None:
    df = pl.DataFrame(
        {
            "item": ["x"] * 4 + ["y"] * 4 + ["z"] * 4,
            "group": ["A", "A", "B", "B"] * 3,
            "vote": [1, 1, -1, -1, 1, 1, 1, 1, 1, -1, 1, 1],
        }
    )
    r = disagreement(df, groups="group")
    # x: A all 1, B all -1 -> disjoint distributions, JSD = ln 2, majorities differ
    # y: identical -> 0
    # z: A = (1/2, 1/2), B = (0, 1) over (-1, 1): m = (1/4, 3/4);
    #    JSD = H(m) - (H(A) + H(B)) / 2 = H(1/4, 3/4) - ln2 / 2
    hz = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75)) - math.log(2) / 2
    assert r["js_divergence"].to_list() == pytest.approx([math.log(2), 0.0, hz])
    # z: A's modes {-1, 1}, B's mode {1} -> differ
    assert r["majorities_differ"].to_list() == [True, False, True]
    assert r["n_groups"].to_list() == [2, 2, 2]


def _jsd_reference(dists: list[Counter[int]]) -> float:
    labels = sorted(set().union(*dists))
    ps = [np.array([d[k] for k in labels], dtype=float) / sum(d.values()) for d in dists]

    def h(p: np.ndarray) -> float:
        p = p[p > 0]
        return float(-(p * np.log(p)).sum())

    return h(sum(ps) / len(ps)) - sum(h(p) for p in ps) / len(ps)


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(-1, 1)), min_size=1, max_size=60
    )
)
def test_matches_slow_reference(rows: list[tuple[int, int, int]]) -> None:
    df = pl.DataFrame(rows, schema=["item", "group", "vote"], orient="row")
    r = disagreement(df, groups="group")
    for row in r.iter_rows(named=True):
        votes = [v for i, _, v in rows if i == row["item"]]
        c = Counter(votes)
        p = np.array(list(c.values()), dtype=float) / len(votes)
        assert row["entropy"] == pytest.approx(float(-(p * np.log(p)).sum()), abs=1e-12)
        groups = sorted({g for i, g, _ in rows if i == row["item"]})
        dists = [Counter(v for i, g, v in rows if i == row["item"] and g == gg) for gg in groups]
        assert row["n_groups"] == len(groups)
        assert row["js_divergence"] == pytest.approx(_jsd_reference(dists), abs=1e-12)
        modes = [frozenset(k for k, n in d.items() if n == max(d.values())) for d in dists]
        assert row["majorities_differ"] == (len(set(modes)) > 1)


def test_disagreement_bad_input() -> None:
    with pytest.raises(SchemaError, match="label"):
        disagreement(pl.DataFrame({"item": [1], "opinion": [1]}))
    with pytest.raises(SchemaError, match="grp"):
        disagreement(pl.DataFrame({"item": [1], "vote": [1]}), groups="grp")
    with pytest.raises(InputError, match="'vote'.*row 1"):
        disagreement(pl.DataFrame({"item": [1, 1], "vote": [1, None]}))
    with pytest.raises(InputError, match="'w' row 0"):
        disagreement(pl.DataFrame({"item": [1], "vote": [1], "w": [-1.0]}), weight="w")
