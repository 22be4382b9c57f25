"""The Polis math (pluralign.govern.polis and opinion_groups(method="polis")): hand-checked
pieces, Polis's rules, properties, and Polis's repness on a hand-computed matrix."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from govern_reference import planted
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign.errors import InputError, LimitError
from pluralign.govern import adjusted_rand_index, consensus, opinion_groups, polis


# -- k-means as Polis runs it ----------------------------------------------------------------
def test_first_distinct_rows_in_row_order() -> None:
    x = np.array([[1.0, 1.0], [1.0, 1.0], [0.0, 2.0], [-0.0, 2.0], [3.0, 3.0]])
    assert polis.first_distinct(x, 3).tolist() == [0, 2, 4]
    assert polis.first_distinct(x, 2).tolist() == [0, 2]


def test_kmeans_hand_case_ties_weights_and_empty_clusters() -> None:
    x = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [11.0, 0.0]])
    # from centers 0 and 1: {0} / {1, 10, 11} -> 0, 22/3; then {0, 1} / {10, 11} -> 0.5, 10.5
    labels, centers = polis.kmeans(x, x[:2], max_iter=100, tol=1e-12)
    assert labels.tolist() == [0, 0, 1, 1]
    assert centers.tolist() == [[0.5, 0.0], [10.5, 0.0]]
    # weights move only the centers: (0 * 1 + 1 * 3) / 4
    labels, centers = polis.kmeans(
        x[:3], x[[0, 2]], weights=np.array([1.0, 3.0, 1.0]), max_iter=100, tol=1e-12
    )
    assert centers.tolist() == [[0.75, 0.0], [10.0, 0.0]]
    # a point equidistant from two centers goes to the last one (Clojure's min-key)
    labels, _ = polis.kmeans(
        np.array([[5.0, 0.0]]), np.array([[0.0, 0.0], [10.0, 0.0]]), max_iter=0, drop_empty=False
    )
    assert labels.tolist() == [1]
    # a center that gets no point is dropped
    _, centers = polis.kmeans(x[:2], np.array([[0.0, 0.0], [1.0, 0.0], [100.0, 0.0]]))
    assert centers.tolist() == [[0.0, 0.0], [1.0, 0.0]]


def test_kmeans_stops_when_centers_move_less_than_the_tolerance() -> None:
    # the first step moves the centers by 0.5 and 1/3 (< 1): with tol=1 it stops there
    x = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [11.0, 0.0]])
    _, centers = polis.kmeans(x, np.array([[0.0, 0.0], [11.0, 0.0]]), tol=1.0)
    assert centers.tolist() == [[0.5, 0.0], [10.5, 0.0]]


def test_base_clusters_hand_case() -> None:
    # fewer distinct points than base clusters: each distinct point is its own base cluster and
    # identical participants share one (Polis's first-distinct start)
    x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0], [5.0, 5.0], [1.0, 0.0]])
    labels, centers = polis.base_clusters(x, 100)
    assert labels.tolist() == [0, 1, 0, 2, 1]
    assert centers.tolist() == [[0.0, 0.0], [1.0, 0.0], [5.0, 5.0]]
    # two base clusters from the first two distinct points (0,0) and (1,0): step 1 puts (5,5)
    # with the (1,0)s, center (7/3, 5/3); step 2 moves the (1,0)s to (0,0) (distance 1 against
    # sqrt(41)/3), centers (1/2, 0) and (5, 5); step 3 changes nothing
    labels, centers = polis.base_clusters(x, 2)
    assert labels.tolist() == [0, 0, 0, 1, 0]
    assert centers.tolist() == [[0.5, 0.0], [5.0, 5.0]]


def test_silhouette_over_base_clusters_hand_case() -> None:
    centers = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0]])
    # point 0: a = 1, b = 10 -> 0.9; point 1: a = 1, b = 9 -> 8/9; point 2 alone -> 0
    assert polis.silhouette(centers, np.array([0, 0, 1])) == pytest.approx((0.9 + 8 / 9) / 3)
    assert math.isnan(polis.silhouette(centers, np.array([0, 0, 0])))


def test_max_k_rule() -> None:
    assert [polis.max_k(n) for n in (2, 11, 12, 23, 24, 36, 100)] == [2, 2, 3, 3, 4, 5, 5]
    assert polis.max_k(100, k_max=3) == 3


def test_choose_k_ties_go_up_and_the_margin_holds_k_back() -> None:
    assert polis.choose_k({2: 0.4, 3: 0.5, 4: 0.5}) == 4
    assert polis.choose_k({2: 0.5, 3: float("nan"), 4: 0.3}) == 2
    assert polis.choose_k({2: 0.40, 3: 0.43, 4: 0.5}, margin=0.045) == 4
    assert polis.choose_k({2: 0.40, 3: 0.43, 4: 0.44}, margin=0.045) == 2
    # the margin is measured against the k chosen so far, not against k = 2
    assert polis.choose_k({2: 0.40, 3: 0.46, 4: 0.47}, margin=0.045) == 3
    with pytest.raises(InputError, match="do not split"):
        polis.choose_k({2: float("nan")})


def test_in_conversation_rule() -> None:
    counts = np.array([10, 3, 7, 6, 6])
    # at least min(7, 20) votes; no top-up when enough qualify
    assert polis.in_conversation(counts, 20, greedy=2).tolist() == [True, False, True, False, False]
    # fewer than 7 statements: voting on all of them is enough
    assert polis.in_conversation(counts, 3, greedy=0).tolist() == [True] * 5
    # top-up to `greedy` by vote count, ties in the given order
    got = polis.in_conversation(counts, 20, greedy=3, order=np.array([4, 3, 2, 1, 0]))
    assert got.tolist() == [True, False, True, False, True]


def test_projection_counts_moderated_out_columns_as_seen() -> None:
    scores = np.array([[1.0, 2.0], [3.0, -1.0]])
    out = polis.project(scores, np.array([2, 8]), n_columns=10, n_out_columns=2)
    assert out[0].tolist() == pytest.approx((scores[0] * math.sqrt(10 / 4)).tolist())
    assert out[1].tolist() == pytest.approx(scores[1].tolist())


# -- the pipeline ------------------------------------------------------------------------------
@pytest.mark.parametrize(("sizes", "k"), [([40, 25], 2), ([30, 25, 20], 3)])
def test_planted_groups_recovered(sizes: list[int], k: int) -> None:
    votes, truth = planted(sizes, 24, missing=0.2, noise=0.05, seed=7)
    g = opinion_groups(votes, seed=0)
    assert g.method == "polis" and g.k == k
    got = g.assignments.sort("participant_id")["group"].to_numpy()
    assert adjusted_rand_index(got, truth) == 1.0
    assert g.sizes() == {i: s for i, s in enumerate(sorted(sizes, reverse=True))}
    # every participant is in a base cluster and base clusters never straddle groups
    a = g.assignments
    assert (a["base_cluster"] >= 0).all() and a["clustered"].all()
    assert a.group_by("base_cluster").agg(pl.col("group").n_unique())["group"].max() == 1
    assert g.base_sizes is not None and int(g.base_sizes.sum()) == a.height


def test_sparse_voters_are_not_clustered_but_get_the_nearest_group() -> None:
    votes, _ = planted([20, 20], 12, missing=0.0, noise=0.1, seed=4)
    extra = pl.DataFrame(
        {
            "statement_id": [0, 1, 0, 1],
            "participant_id": [100, 100, 101, 101],
            "vote": [1, 1, -1, -1],
        }
    )
    g = opinion_groups(pl.concat([votes, extra]), seed=0)
    a = g.assignments
    assert sorted(a.filter(~pl.col("clustered"))["participant_id"].to_list()) == [100, 101]
    assert (a.filter(~pl.col("clustered"))["base_cluster"] == -1).all()
    for row in a.filter(~pl.col("clustered")).iter_rows(named=True):
        d = ((g.centroids - np.array([row["x"], row["y"]])) ** 2).sum(axis=1)
        assert row["group"] == int(np.argmin(d))
    # in_conv brings them into the clustering
    forced = opinion_groups(pl.concat([votes, extra]), seed=0, in_conv=[100])
    fa = forced.assignments
    assert fa.filter(pl.col("participant_id") == 100)["clustered"].item()
    assert not fa.filter(pl.col("participant_id") == 101)["clustered"].item()
    assert forced.params["in_conv"] == 1


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 1000), st.integers(0, 50), st.booleans())
def test_row_order_and_statement_labels_change_nothing(
    data_seed: int, seed: int, relabel: bool
) -> None:
    votes, _ = planted([14, 10, 7], 12, missing=0.3, noise=0.3, seed=data_seed)
    a = opinion_groups(votes, seed=seed)
    shuffled = votes.sample(fraction=1.0, shuffle=True, seed=data_seed)
    if relabel:  # statements renamed by a permutation: the same conversation
        perm = np.random.default_rng(data_seed).permutation(12)
        shuffled = shuffled.with_columns(
            pl.col("statement_id").replace_strict(list(range(12)), perm.tolist())
        )
    b = opinion_groups(shuffled, seed=seed)
    assert a.k == b.k
    cols = ["participant_id", "group", "clustered", "base_cluster"]
    assert a.assignments.select(cols).equals(b.assignments.select(cols))
    assert np.allclose(a.assignments["x"], b.assignments["x"], atol=1e-9)
    assert np.allclose(a.centroids, b.centroids, atol=1e-9)


def test_same_for_one_and_two_threads_and_deterministic() -> None:
    votes, _ = planted([300, 200, 100], 30, missing=0.5, noise=0.2, seed=3)
    one = opinion_groups(votes, seed=1, threads=1)
    two = opinion_groups(votes, seed=1, threads=2)
    again = opinion_groups(votes, seed=1, threads=2)
    assert one.assignments.equals(two.assignments) and two.assignments.equals(again.assignments)
    assert one.silhouettes == two.silhouettes


def test_first_vote_order_decides_the_base_cluster_start() -> None:
    votes, _ = planted([30, 20], 10, missing=0.0, noise=0.2, seed=9)
    n = votes["participant_id"].n_unique()
    late_first = votes.with_columns(
        (n - pl.col("participant_id")).cast(pl.Int64).alias("timestamp")
    )
    by_id = opinion_groups(votes, seed=0)
    by_time = opinion_groups(late_first, seed=0)
    # the same participants either way; only Polis's start order changed
    assert by_time.assignments["participant_id"].equals(by_id.assignments["participant_id"])
    order = polis.participant_order(late_first, by_id.assignments["participant_id"])
    assert order.tolist() == list(range(n - 1, -1, -1))


def test_single_group_outcomes_and_bad_input() -> None:
    everyone_passes = pl.DataFrame(
        {
            "statement_id": [s for s in range(8) for _ in range(20)],
            "participant_id": list(range(20)) * 8,
            "vote": [0] * 160,
        }
    )
    g = opinion_groups(everyone_passes)
    assert g.k == 1 and g.sizes() == {0: 20} and g.silhouettes == {}
    identical = everyone_passes.with_columns(vote=pl.lit(1))
    assert opinion_groups(identical).k == 1
    one_statement = pl.DataFrame(
        {"statement_id": [0] * 30, "participant_id": list(range(30)), "vote": [1] * 15 + [-1] * 15}
    )
    g = opinion_groups(one_statement)
    assert g.k == 2 and sorted(g.sizes().values()) == [15, 15]
    with pytest.raises(InputError, match="empty"):
        opinion_groups(everyone_passes.clear())
    with pytest.raises(InputError, match="method"):
        opinion_groups(everyone_passes, method="spectral")
    with pytest.raises(InputError, match="k_margin"):
        opinion_groups(everyone_passes, k_margin=-1)
    with pytest.raises(InputError, match="bootstrap"):
        opinion_groups(everyone_passes, bootstrap=-2)
    with pytest.raises(LimitError, match="threads"):
        opinion_groups(everyone_passes, threads=10**9)
    with pytest.raises(InputError, match="row_order"):
        opinion_groups(everyone_passes, row_order="alphabetical")
    with pytest.raises(LimitError, match="bootstrap"):
        opinion_groups(everyone_passes, bootstrap=10**9)
    with pytest.raises(LimitError, match="n_init"):
        opinion_groups(everyone_passes, n_init=10**9)
    with pytest.raises(InputError, match="k_margin"):
        opinion_groups(everyone_passes, k_margin=float("nan"))
    with pytest.raises(InputError, match="in_conv"):
        opinion_groups(everyone_passes, in_conv="12")
    with pytest.raises(InputError, match="in_conv applies"):
        opinion_groups(everyone_passes, method="kmeans", in_conv=[1])
    with pytest.raises(InputError, match="k = 3 but"):
        opinion_groups(one_statement, k=3)  # 30 participants at 2 distinct places
    floats = one_statement.with_columns(pl.col("vote").cast(pl.Float64))
    assert opinion_groups(floats).sizes() == opinion_groups(one_statement).sizes()
    with pytest.raises(InputError, match="row 0"):
        opinion_groups(floats.with_columns(vote=pl.Series([float("nan")] + [1.0] * 29)))


def test_bootstrap_stability() -> None:
    votes, _ = planted([40, 25], 16, missing=0.2, noise=0.05, seed=2)
    g = opinion_groups(votes, seed=3, bootstrap=12)
    s = g.stability
    assert s is not None and s.resamples == 12 and sum(s.k_counts.values()) == 12
    assert s.k_agreement == 1.0 and s.k_counts == {2: 12}
    # a resample keeps about 63 % of each participant's votes: clear groups stay
    assert all(v > 0.9 for v in s.group_jaccard.values())
    stab = g.assignments["stability"]
    assert stab.mean() > 0.95 and stab.min() >= 0.5 and stab.max() <= 1.0
    again = opinion_groups(votes, seed=3, bootstrap=12)
    assert again.assignments.equals(g.assignments) and again.stability == s
    # noise: groups blur, stability drops
    noisy, _ = planted([40, 25], 16, missing=0.6, noise=0.6, seed=2)
    n = opinion_groups(noisy, seed=3, bootstrap=12)
    assert n.stability is not None and n.assignments["stability"].mean() < stab.mean()


# -- Polis's representative and consensus statements ----------------------------------------------
def _two_groups() -> tuple[pl.DataFrame, pl.DataFrame]:
    # group A = participants 0-2, group B = 3-4; s0 splits them, s1 everyone agrees with
    rows = (
        [(0, p, 1) for p in range(3)] + [(0, p, -1) for p in (3, 4)] + [(1, p, 1) for p in range(5)]
    )
    votes = pl.DataFrame(rows, schema=["statement_id", "participant_id", "vote"], orient="row")
    groups = pl.DataFrame({"participant_id": list(range(5)), "group": [0, 0, 0, 1, 1]})
    return votes, groups


def test_polis_repness_hand_computed() -> None:
    votes, groups = _two_groups()
    c = consensus(votes, groups)
    a = c.representative(0)
    # A on s0: pa = 4/5, pat = 2 sqrt(4) (4/4 - 1/2) = 2, ra = 0.8 / (1/4) = 3.2,
    # rat = (1 - 1/3) / sqrt(5/7 * 2/7 * (1/4 + 1/3))
    assert a.rows() == [
        (
            0,
            "agree",
            3,
            3,
            pytest.approx(0.8),
            pytest.approx(2.0),
            pytest.approx(3.2),
            pytest.approx((2 / 3) / math.sqrt(5 / 7 * 2 / 7 * 7 / 12)),
            True,
        )
    ]
    b = c.representative(1)
    # B on s0: pd = 3/4, pdt = sqrt(3), rd = 0.75 / (1/5) = 3.75, rdt = 0.75 / sqrt(1/7).
    # Best agree is s1 (pat = sqrt(3) > 1.2816) but rat = 0 (pooled rate 1) <= rdt there, so
    # Polis labels it "disagree" too; it still comes first.
    assert b["statement_id"].to_list() == [1, 0]
    assert b["repful_for"].to_list() == ["disagree", "disagree"]
    assert b["best_agree"].to_list() == [True, False]
    s0 = b.row(1, named=True)
    assert s0["p_success"] == pytest.approx(0.75) and s0["p_test"] == pytest.approx(math.sqrt(3))
    assert s0["repness"] == pytest.approx(3.75)
    assert s0["repness_test"] == pytest.approx(0.75 / math.sqrt(1 / 7))
    s1 = b.row(0, named=True)
    assert s1["repness_test"] == pytest.approx((1 / 3 - 1 / 4) / math.sqrt(2 / 7 * 5 / 7 * 7 / 12))
    # consensus over everyone: s1 (5 of 5 agree: p = 6/7, z = sqrt(6)); s0 is 3 of 5 (z < 1.28)
    cons = c.polis_consensus()
    assert cons.rows() == [(1, "agree", 5, 5, pytest.approx(6 / 7), pytest.approx(math.sqrt(6)))]
    with pytest.raises(InputError, match="unknown group"):
        c.representative(7)


def test_repness_at_most_n_and_agrees_first() -> None:
    votes, truth = planted([30, 20], 20, missing=0.1, noise=0.05, seed=1)
    groups = pl.DataFrame({"participant_id": list(range(50)), "group": truth.tolist()})
    c = consensus(votes, groups)
    for g in (0, 1):
        r = c.representative(g, n=5)
        assert 1 <= r.height <= 5
        kinds = r["repful_for"].to_list()
        assert kinds == sorted(kinds)  # "agree" < "disagree"
        assert r["best_agree"].sum() <= 1
