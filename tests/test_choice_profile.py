"""``pluralign.choice.Profile`` / ``ApprovalProfile``: construction from every input form,
pairwise matrices against a slow Python count, collapsing, weights, exact merge, pickling and
grouped construction."""

from __future__ import annotations

import pickle

import numpy as np
import pluralign.choice as ch
import polars as pl
import pytest
from choice_reference import canonical, profiles, rank_of, support_matrix
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign.errors import InputError


def _collapsed(ballots, weights, candidates):
    """{canonical weak order: total weight} with zero-weight ballots dropped."""
    out: dict = {}
    for b, w in zip(ballots, weights):
        key = canonical(b, candidates)
        out[key] = out.get(key, 0) + w
    return {k: v for k, v in out.items() if v != 0}


def _ballot_map(p: ch.Profile) -> dict:
    """The profile's distinct ballots as {canonical weak order: weight}."""
    out = {}
    for tiers, w in p.ballots():
        key = canonical([sorted(t, key=p.candidates.index) for t in tiers], p.candidates)
        assert key not in out, "ballots() returned the same weak order twice"
        out[key] = w
    return out


# ---------------------------------------------------------------------------------------------
# construction forms agree
# ---------------------------------------------------------------------------------------------


def test_from_rankings_list_forms_agree():
    a = ch.Profile.from_rankings([[["a"], ["b", "c"]], [["c"], ["a"]]])
    b = ch.Profile.from_rankings([["a", ["b", "c"]], ["c", "a"]])
    # a ballot listing all but the unlisted bottom candidate equals one naming it last
    c = ch.Profile.from_rankings([["a", ["b", "c"]], ["c", "a", "b"]])
    assert a.candidates == b.candidates == c.candidates == ["a", "b", "c"]
    assert a.ballots() == b.ballots() == c.ballots()
    np.testing.assert_array_equal(a.support(), b.support())
    np.testing.assert_array_equal(a.support(), c.support())
    assert a.ballots() == [([{"a"}, {"b", "c"}], 1.0), ([{"c"}, {"a"}, {"b"}], 1.0)]


def test_from_rankings_dataframe_equals_lists():
    ballots = [[["x"], ["y", "z"]], [["z"], ["x"]], [["y"]], [["x"], ["y", "z"]]]
    w = [1.0, 2.5, 0.5, 3.0]
    df = pl.DataFrame(
        {"ranking": ballots, "weight": w},
        schema={"ranking": pl.List(pl.List(pl.String)), "weight": pl.Float64},
    )
    p_df = ch.Profile.from_rankings(df)
    p_list = ch.Profile.from_rankings(ballots, weights=w)
    assert p_df.candidates == p_list.candidates == ["x", "y", "z"]
    assert p_df.ballots() == p_list.ballots()
    assert p_df.n_ballots == 3  # ballots 0 and 3 collapse
    assert p_df.total_weight == 7.0
    np.testing.assert_array_equal(p_df.support(), p_list.support())
    np.testing.assert_array_equal(p_df.margins(), p_list.margins())
    # custom column names
    df2 = df.rename({"ranking": "tiers", "weight": "w"})
    p2 = ch.Profile.from_rankings(df2, ranking="tiers", weight="w")
    assert p2.ballots() == p_df.ballots()
    # no weight column: every ballot weighs 1
    p3 = ch.Profile.from_rankings(df.drop("weight"))
    assert p3.total_weight == 4.0
    assert {tuple(map(frozenset, t)): w for t, w in p3.ballots()}[
        (frozenset("x"), frozenset("yz"))
    ] == 2.0


def test_integer_candidates_and_extra_candidates():
    df = pl.DataFrame({"ranking": [[[3], [1]], [[1, 3]]]})
    p = ch.Profile.from_rankings(df, candidates=[1, 2, 3])
    assert p.candidates == [1, 2, 3]
    assert p.n_candidates == 3
    # candidate 2 is never ranked: it sits below every listed candidate
    s = p.support()
    assert s[0, 1] == 2 and s[2, 1] == 2 and s[2, 0] == 1 and s[0, 2] == 0
    assert ch.borda(p).winners == {3}


def test_from_ranks_matches_from_rankings():
    ranks = np.array([[0, 2, 2, -1], [1, 0, -1, -1], [5, 5, 5, 5]])
    p = ch.Profile.from_ranks(ranks, candidates=["a", "b", "c", "d"], weights=[1, 2, 3])
    q = ch.Profile.from_rankings(
        [["a", ["b", "c"]], ["b", "a"], [["a", "b", "c", "d"]]],
        candidates=["a", "b", "c", "d"],
        weights=[1, 2, 3],
    )
    assert p.ballots() == q.ballots()
    np.testing.assert_array_equal(p.support(), q.support())
    # default candidates are the column indices
    assert ch.Profile.from_ranks(ranks).candidates == [0, 1, 2, 3]


@settings(max_examples=60, deadline=None)
@given(profiles(max_m=6, max_n=12), st.booleans())
def test_from_ranks_random_equals_from_rankings(data, dense):
    m, ballots, counts = data
    ranks = np.full((len(ballots), m), -1, dtype=np.int64)
    for i, b in enumerate(ballots):
        for t, tier in enumerate(b):
            for c in tier:
                # non-dense ranks are fine; dense ranks of strict full ballots are permutations
                # of 0..m (the fast path)
                ranks[i, c] = t if dense else 3 * t + 1
    p = ch.Profile.from_ranks(ranks, weights=counts)
    q = ch.Profile.from_rankings(ballots, candidates=list(range(m)), weights=counts)
    assert p.ballots() == q.ballots()
    np.testing.assert_array_equal(p.support(), q.support())


# ---------------------------------------------------------------------------------------------
# pairwise matrices and collapsing vs a slow count
# ---------------------------------------------------------------------------------------------


@settings(max_examples=120, deadline=None)
@given(profiles(max_m=7, max_n=20, max_count=4), st.booleans())
def test_support_and_margins_match_slow_count(data, fractional):
    m, ballots, counts = data
    weights = [c / 4 for c in counts] if fractional else counts  # dyadic: sums are exact
    cands = list(range(m))
    p = ch.Profile.from_rankings(ballots, candidates=cands, weights=weights)
    s = support_matrix(ballots, weights, cands)
    np.testing.assert_array_equal(p.support(), s)
    np.testing.assert_array_equal(p.margins(), s - s.T)
    assert p.total_weight == sum(weights)
    coll = _collapsed(ballots, weights, cands)
    assert p.n_ballots == len(coll)
    assert _ballot_map(p) == coll


@settings(max_examples=80, deadline=None)
@given(profiles(max_m=5, max_n=12))
def test_support_matches_pref_voting(data):
    pytest.importorskip("pref_voting")
    from choice_reference import to_pref_voting

    m, ballots, counts = data
    p = ch.Profile.from_rankings(ballots, candidates=list(range(m)), weights=counts)
    pv = to_pref_voting(m, ballots, counts)
    for a in range(m):
        for b in range(m):
            if a != b:
                assert p.support()[a, b] == pv.support(a, b)
                assert p.margins()[a, b] == pv.margin(a, b)


def test_identical_ballots_collapse():
    ballots = [["a", "b", "c"]] * 5 + [["b", "a", "c"]] * 3 + [["a", "b"]] * 2
    p = ch.Profile.from_rankings(ballots)
    # ["a","b"] leaves c unlisted, i.e. last: the same weak order as a>b>c
    assert p.n_ballots == 2
    assert p.total_weight == 10
    assert sorted(w for _, w in p.ballots()) == [3.0, 7.0]
    # the first occurrence keeps its place
    assert p.ballots()[0][0] == [{"a"}, {"b"}, {"c"}]


def test_weights_and_zero_weight_ballots():
    p = ch.Profile.from_rankings([["a", "b"], ["b", "a"], ["a", "b"]], weights=[0.5, 0.0, 2.0])
    assert p.n_ballots == 1  # the only b>a ballot weighs 0 and is dropped
    assert p.total_weight == 2.5
    np.testing.assert_array_equal(p.support(), [[0, 2.5], [0, 0]])
    assert ch.plurality(p).scores == {"a": 2.5, "b": 0.0}


def test_threads_do_not_change_results():
    rng = np.random.default_rng(3)
    ranks = np.argsort(rng.random((5000, 6)), axis=1)
    w = rng.integers(1, 5, size=5000)
    p1 = ch.Profile.from_ranks(ranks, weights=w, threads=1)
    p2 = ch.Profile.from_ranks(ranks, weights=w, threads=2)
    assert p1.ballots() == p2.ballots()
    np.testing.assert_array_equal(p1.support(), p2.support())
    assert ch.instant_runoff(p1).winners == ch.instant_runoff(p2).winners


# ---------------------------------------------------------------------------------------------
# merge, pickling, grouping
# ---------------------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(profiles(max_m=5, max_n=12, max_count=4), profiles(max_m=5, max_n=12, max_count=4))
def test_merge_equals_concatenated_build(d1, d2):
    m = max(d1[0], d2[0])
    cands = list(range(m))
    b1, w1 = d1[1], [c / 2 for c in d1[2]]
    b2, w2 = d2[1], [c / 2 for c in d2[2]]
    p1 = ch.Profile.from_rankings(b1, candidates=cands, weights=w1)
    p2 = ch.Profile.from_rankings(b2, candidates=cands, weights=w2)
    merged = p1.merge(p2)
    whole = ch.Profile.from_rankings(b1 + b2, candidates=cands, weights=w1 + w2)
    assert merged.ballots() == whole.ballots()
    assert merged.n_ballots == whole.n_ballots
    assert merged.total_weight == whole.total_weight
    np.testing.assert_array_equal(merged.support(), whole.support())
    np.testing.assert_array_equal(merged.margins(), whole.margins())
    assert ch.borda(merged) == ch.borda(whole)
    # the operands are unchanged
    assert p1.ballots() == ch.Profile.from_rankings(b1, candidates=cands, weights=w1).ballots()


def test_merge_many_partials_is_exact():
    rng = np.random.default_rng(0)
    ranks = np.argsort(rng.random((3000, 5)), axis=1)
    w = rng.integers(1, 4, size=3000) / 8
    whole = ch.Profile.from_ranks(ranks, weights=w)
    parts = [
        ch.Profile.from_ranks(ranks[i : i + 250], weights=w[i : i + 250])
        for i in range(0, 3000, 250)
    ]
    acc = parts[0]
    for q in parts[1:]:
        acc = acc.merge(q)
    assert acc.ballots() == whole.ballots()
    np.testing.assert_array_equal(acc.support(), whole.support())


def test_pairwise_only_merge():
    df = pl.DataFrame({"chosen_id": ["a", "b"], "rejected_id": ["b", "c"]})
    p = ch.Profile.from_comparisons(df, candidates=["a", "b", "c"])
    q = ch.Profile.from_comparisons(df.reverse(), candidates=["a", "b", "c"])
    np.testing.assert_array_equal(p.merge(q).support(), 2 * p.support())


def test_pickle_round_trip():
    ballots = [["a", ["b", "c"]], ["c", "a"], ["b"], ["a", ["b", "c"]]]
    p = ch.Profile.from_rankings(
        ballots, weights=[1, 2.25, 3, 0.5], candidates=["a", "b", "c", "d"]
    )
    q = pickle.loads(pickle.dumps(p))
    assert isinstance(q, ch.Profile)
    assert q.candidates == p.candidates
    assert q.ballots() == p.ballots()
    assert q.total_weight == p.total_weight
    np.testing.assert_array_equal(q.support(), p.support())
    for rule in (ch.borda, ch.schulze, ch.instant_runoff, ch.kemeny):
        assert rule(q) == rule(p)
    # a pickled profile still merges with the original
    np.testing.assert_array_equal(q.merge(p).support(), 2 * p.support())
    # pairwise-only profiles pickle too
    cmp = ch.Profile.from_comparisons(pl.DataFrame({"chosen_id": [1, 2], "rejected_id": [2, 3]}))
    cmp2 = pickle.loads(pickle.dumps(cmp))
    assert cmp2.pairwise_only
    np.testing.assert_array_equal(cmp2.support(), cmp.support())
    # approval profiles
    ap = ch.ApprovalProfile.from_sets([{"a"}, {"a", "b"}, {"a"}], weights=[1, 2, 3])
    ap2 = pickle.loads(pickle.dumps(ap))
    assert ap2.candidates == ap.candidates and ap2.ballots() == ap.ballots()
    assert ch.pav(ap2, 1) == ch.pav(ap, 1)


@settings(max_examples=60, deadline=None)
@given(
    profiles(max_m=5, max_n=15, max_count=3),
    st.lists(st.sampled_from(["g1", "g2", "g3"]), min_size=15, max_size=15),
)
def test_by_group_equals_per_group_construction(data, labels):
    m, ballots, counts = data
    groups = labels[: len(ballots)]
    cands = list(range(m))
    df = pl.DataFrame(
        {"ranking": ballots, "weight": [float(c) for c in counts], "group": groups},
        schema={"ranking": pl.List(pl.List(pl.Int64)), "weight": pl.Float64, "group": pl.String},
    )
    parts = ch.Profile.by(df, "group", candidates=cands)
    assert set(parts) == set(groups)
    for g, p in parts.items():
        sub = df.filter(pl.col("group") == g)
        q = ch.Profile.from_rankings(sub, candidates=cands)
        assert p.candidates == cands
        assert p.ballots() == q.ballots()
        np.testing.assert_array_equal(p.support(), q.support())
    # the groups add up to the whole
    total = None
    for p in parts.values():
        total = p if total is None else total.merge(p)
    np.testing.assert_array_equal(
        total.support(), ch.Profile.from_rankings(df, candidates=cands).support()
    )


def test_from_comparisons_support_and_rules():
    df = pl.DataFrame(
        {
            "chosen_id": ["a", "a", "b", "c", "b", "a"],
            "rejected_id": ["b", "c", "c", "a", "a", "b"],
            "weight": [2.0, 1.0, 3.0, 0.5, 1.0, 1.0],
            "tie": [False, False, False, False, False, True],  # the tie row adds nothing
        }
    )
    p = ch.Profile.from_comparisons(df)
    assert p.pairwise_only
    assert p.n_ballots is None
    assert p.candidates == ["a", "b", "c"]
    np.testing.assert_array_equal(p.support(), [[0, 2, 1], [1, 0, 3], [0.5, 0, 0]])
    np.testing.assert_array_equal(p.margins(), p.support() - p.support().T)
    # margin-based rules work: a beats b (2 vs 1), a beats c (1 vs .5), b beats c
    assert ch.condorcet_winner(p) == "a"
    assert ch.copeland(p).winners == {"a"}
    assert ch.schulze(p).winners == {"a"}
    assert ch.kemeny(p).ranking == [{"a"}, {"b"}, {"c"}]
    assert ch.smith_set(p) == {"a"}
    # whole-ballot rules raise a clear InputError
    for rule in (ch.plurality, ch.borda, ch.instant_runoff, ch.bucklin, ch.coombs):
        with pytest.raises(InputError, match="comparisons|ballots"):
            rule(p)


def test_ranking_support_equals_comparisons_of_its_pairs():
    # a profile's support equals the comparisons profile of all its strict pairs
    ballots = [["a", ["b", "c"], "d"], ["d", "c"]]
    p = ch.Profile.from_rankings(ballots, weights=[2, 1])
    rows = []
    for b, w in zip(ballots, [2, 1]):
        r = rank_of(b, p.candidates)
        for x in p.candidates:
            for y in p.candidates:
                if r[x] < r[y]:
                    rows.append((x, y, float(w)))
    df = pl.DataFrame(rows, schema=["chosen_id", "rejected_id", "weight"], orient="row")
    q = ch.Profile.from_comparisons(df, candidates=p.candidates)
    np.testing.assert_array_equal(p.support(), q.support())
    assert ch.schulze(p).winners == ch.schulze(q).winners


def test_approval_profile_forms_agree():
    a = ch.ApprovalProfile.from_sets([{"a", "c"}, {"b"}, {"c", "a"}])
    b = ch.ApprovalProfile.from_matrix(
        np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]]), candidates=["a", "b", "c"]
    )
    s = pl.Series("approved", [["a", "c"], ["b"], ["a", "c"]])
    c = ch.ApprovalProfile.from_sets(s)
    assert a.candidates == b.candidates == c.candidates == ["a", "b", "c"]
    assert a.ballots() == b.ballots() == c.ballots()
    assert a.n_ballots == 2
    assert a.approval_scores() == {"a": 2, "b": 1, "c": 2}
    ab = a.merge(b)
    assert ab.total_weight == 6
    assert ab.approval_scores() == {"a": 4, "b": 2, "c": 4}
