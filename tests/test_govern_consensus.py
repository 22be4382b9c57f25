"""Tests for pluralign.govern.consensus: group-informed consensus, bridging, representativeness."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign.errors import InputError, SchemaError
from pluralign.govern import consensus, opinion_groups

# group A = participants 1, 2, 3; group B = participants 4, 5
GROUPS = pl.DataFrame({"participant_id": [1, 2, 3, 4, 5], "group": ["A", "A", "A", "B", "B"]})


def hand_votes() -> pl.DataFrame:
    rows = [
        # statement 10: A all agree, B one agree one disagree
        (10, 1, 1),
        (10, 2, 1),
        (10, 3, 1),
        (10, 4, 1),
        (10, 5, -1),
        # statement 20: A one pass, B both disagree; participant 3 did not vote
        (20, 1, 0),
        (20, 2, -1),
        (20, 4, -1),
        (20, 5, -1),
    ]
    return pl.DataFrame(rows, schema=["statement_id", "participant_id", "vote"], orient="row")


def test_hand_case_statement_table() -> None:
    c = consensus(hand_votes(), GROUPS)
    s = c.statements
    assert s["statement_id"].to_list() == [10, 20]
    assert s["n_votes"].to_list() == [5, 4]
    assert s["n_agree"].to_list() == [4, 0]
    assert s["n_disagree"].to_list() == [1, 3]
    assert s["n_pass"].to_list() == [0, 1]
    # statement 10: P_A = (3+1)/(3+2) = 0.8, P_B = (1+1)/(2+2) = 0.5
    # statement 20: P_A = (0+1)/(2+2) = 0.25, P_B = (0+1)/(2+2) = 0.25
    assert s["gic"].to_list() == pytest.approx([0.4, 0.0625])
    assert s["bridging"].to_list() == pytest.approx([0.5, 0.25])
    assert s["polarization"].to_list() == pytest.approx([0.3, 0.0])
    assert c.groups == ["A", "B"]
    assert c.n_ungrouped_votes == 0
    assert c.top(1)["statement_id"].to_list() == [10]


def test_hand_case_representativeness() -> None:
    r = consensus(hand_votes(), GROUPS).by_group
    a10 = r.filter((pl.col("statement_id") == 10) & (pl.col("group") == "A")).row(0, named=True)
    assert (a10["n_votes"], a10["n_agree"], a10["n_disagree"], a10["n_pass"]) == (3, 3, 0, 0)
    assert a10["p_agree"] == pytest.approx(0.8)
    assert a10["p_agree_rest"] == pytest.approx(0.5)
    assert a10["agree_ratio"] == pytest.approx(1.6)
    # raw rates 3/3 vs 1/2, pooled 4/5: z = 0.5 / sqrt(0.8 * 0.2 * (1/3 + 1/2))
    z = 0.5 / math.sqrt(0.16 * (5 / 6))
    assert a10["z_agree"] == pytest.approx(z)
    assert a10["z_agree"] == pytest.approx(1.3693063937629153)
    assert a10["p_value_agree"] == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert a10["p_value_agree"] == pytest.approx(0.17090352023079747)
    b10 = r.filter((pl.col("statement_id") == 10) & (pl.col("group") == "B")).row(0, named=True)
    assert b10["z_agree"] == pytest.approx(-z)
    # disagreement of B on 10: P = (1+1)/(2+2) = 0.5 vs rest (0+1)/(3+2) = 0.2
    assert b10["disagree_ratio"] == pytest.approx(2.5)
    # statement 20, both groups disagree-or-pass at rate 0 agree: pooled rate 0 -> z = 0, p = 1
    a20 = r.filter((pl.col("statement_id") == 20) & (pl.col("group") == "A")).row(0, named=True)
    assert a20["z_agree"] == 0.0 and a20["p_value_agree"] == 1.0


def test_pseudocount_and_ungrouped_votes() -> None:
    votes = pl.concat(
        [hand_votes(), pl.DataFrame({"statement_id": [10], "participant_id": [9], "vote": [1]})]
    )
    c = consensus(votes, GROUPS, pseudocount=0.5)
    assert c.n_ungrouped_votes == 1
    s10 = c.statements.row(0, named=True)
    assert s10["n_agree"] == 5  # the ungrouped vote counts in the totals
    assert s10["gic"] == pytest.approx((3.5 / 4) * (1.5 / 3))


def test_groups_from_opinion_groups_result() -> None:
    rng = np.random.default_rng(0)
    rows = [
        (s, p, (1 if (p < 15) == (s < 5) else -1))
        for p in range(25)
        for s in range(10)
        if rng.random() > 0.2
    ]
    votes = pl.DataFrame(rows, schema=["statement_id", "participant_id", "vote"], orient="row")
    g = opinion_groups(votes, k=2)
    a = consensus(votes, g)
    b = consensus(votes, g.table())
    assert a.statements.equals(b.statements)
    assert a.by_group.equals(b.by_group)
    # the planted split is perfectly polarizing: each statement is agreed by exactly one group
    assert (a.statements["bridging"] < 0.2).all()
    assert a.representative(0, n=10)["statement_id"].to_list() != []


def reference(votes: pl.DataFrame, groups: pl.DataFrame) -> dict:
    """Slow, obvious per-statement / per-group loops."""
    gof = dict(zip(groups["participant_id"].to_list(), groups["group"].to_list()))
    labels = sorted(set(gof.values()))
    out = {}
    for s in sorted(set(votes["statement_id"].to_list())):
        vs = [(p, v) for st_, p, v in votes.iter_rows() if st_ == s]
        probs = []
        for g in labels:
            inn = [v for p, v in vs if gof.get(p) == g]
            rest = [v for p, v in vs if p in gof and gof[p] != g]
            pa = (inn.count(1) + 1) / (len(inn) + 2)
            pr = (rest.count(1) + 1) / (len(rest) + 2)
            probs.append(pa)
            out[(s, g)] = (len(inn), inn.count(1), pa, pa / pr)
        out[s] = (math.prod(probs), min(probs))
    return out


@st.composite
def random_votes(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame]:
    n = draw(st.integers(2, 12))
    m = draw(st.integers(1, 6))
    cells = draw(
        st.lists(
            st.tuples(st.integers(0, m - 1), st.integers(0, n - 1), st.sampled_from([-1, 0, 1])),
            min_size=1,
            max_size=50,
            unique_by=lambda t: (t[0], t[1]),
        )
    )
    groups = [draw(st.integers(0, 2)) for _ in range(n)]
    return (
        pl.DataFrame(cells, schema=["statement_id", "participant_id", "vote"], orient="row"),
        pl.DataFrame({"participant_id": list(range(n)), "group": groups}),
    )


@settings(max_examples=60, deadline=None)
@given(random_votes(), st.randoms(use_true_random=False))
def test_matches_reference_and_is_order_invariant(data: tuple, rnd) -> None:
    votes, groups = data
    c = consensus(votes, groups)
    ref = reference(votes, groups)
    for row in c.statements.iter_rows(named=True):
        gic, bridging = ref[row["statement_id"]]
        assert row["gic"] == pytest.approx(gic)
        assert row["bridging"] == pytest.approx(bridging)
    for row in c.by_group.iter_rows(named=True):
        n, a, pa, ratio = ref[(row["statement_id"], row["group"])]
        assert (row["n_votes"], row["n_agree"]) == (n, a)
        assert row["p_agree"] == pytest.approx(pa)
        assert row["agree_ratio"] == pytest.approx(ratio)
    # statement order (and any row order) does not change the result
    perm = list(range(votes.height))
    rnd.shuffle(perm)
    d = consensus(votes[perm], groups)
    assert d.statements.equals(c.statements)
    assert d.by_group.equals(c.by_group)


def test_bad_input() -> None:
    with pytest.raises(InputError, match="OpinionGroups result or a polars DataFrame"):
        consensus(hand_votes(), {1: "A"})
    with pytest.raises(SchemaError, match="group"):
        consensus(hand_votes(), GROUPS.rename({"group": "g"}))
    assert consensus(hand_votes(), GROUPS.rename({"group": "g"}), group="g").groups == ["A", "B"]
    with pytest.raises(InputError, match="more than once in the groups"):
        consensus(hand_votes(), pl.concat([GROUPS, GROUPS]))
    with pytest.raises(InputError, match="pseudocount"):
        consensus(hand_votes(), GROUPS, pseudocount=0)
    with pytest.raises(InputError, match="'vote' has value 3"):
        consensus(hand_votes().with_columns(vote=pl.lit(3)), GROUPS)
    with pytest.raises(InputError, match="groups table is empty"):
        consensus(hand_votes(), GROUPS.clear())


@pytest.mark.parametrize("name", ["brexit-consensus", "scoop-hivemind.biodiversity"])
def test_polis_conversation_consistency(name: str) -> None:
    from pathlib import Path

    from pluralign.prefs import read_polis

    folder = Path(__file__).resolve().parent / "data" / "polis" / name
    conv = read_polis(folder)
    g = opinion_groups(conv.votes, statements=conv.statements, seed=0)
    c = consensus(conv.votes, g, statements=conv.statements)
    kept = conv.statements.filter(pl.col("moderated") != -1)["statement_id"]
    assert set(c.statements["statement_id"].to_list()) <= set(kept.to_list())
    assert c.n_ungrouped_votes == 0 and c.groups == list(range(g.k))
    # gic is the product, bridging the minimum, of the per-group smoothed agree rates
    per = c.by_group.group_by("statement_id").agg(
        pl.col("p_agree").product().alias("prod"),
        pl.col("p_agree").min().alias("min"),
        pl.col("n_votes").sum().alias("n"),
    )
    j = c.statements.join(per, on="statement_id")
    assert np.allclose(j["gic"], j["prod"]) and np.allclose(j["bridging"], j["min"])
    assert (j["n"] == j["n_votes"]).all()
    # the top consensus statement is agreed by a majority of every group
    top = c.top(1)["statement_id"][0]
    rows = c.by_group.filter(pl.col("statement_id") == top)
    assert (rows["n_agree"] / rows["n_votes"] > 0.5).all()


def test_reused_vote_matrix_gives_the_same_result_as_a_fresh_one() -> None:
    rng = np.random.default_rng(4)
    n, m = 60, 12
    cells = rng.random((n, m)) < 0.6
    r, c = np.nonzero(cells)
    votes = pl.DataFrame(
        {
            "statement_id": c,
            "participant_id": r * 7 + 3,  # non-contiguous ids
            "vote": rng.choice([-1, 0, 1], len(r)),
        }
    )
    g = opinion_groups(votes, k=2, seed=0)
    same = consensus(votes, g)  # the very same DataFrame: the indexed matrix is reused
    fresh = consensus(votes.clone(), g)  # another object: validated and indexed again
    assert same.statements.equals(fresh.statements)
    assert same.by_group.equals(fresh.by_group)
    # string participant ids take the sort-based coding path and the dict group lookup
    svotes = votes.with_columns(pl.col("participant_id").cast(pl.String))
    gs = opinion_groups(svotes, k=2, seed=0)
    assert consensus(svotes, gs).statements.equals(consensus(svotes.clone(), gs).statements)
    bad = pl.DataFrame({"participant_id": ["3"], "group": [0]})
    assert consensus(votes, bad).n_ungrouped_votes == votes.height  # int ids vs str ids
