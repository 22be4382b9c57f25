"""Mergeable states: any partition of the rows, merged in any order, equals the one-machine
result (exact for counts, 1e-9 for floats); serialization round-trips; bad input is refused."""

from __future__ import annotations

import itertools
import pickle
import random
from collections import defaultdict

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign import choice
from pluralign.errors import InputError, SchemaError
from pluralign.scale import (
    BradleyTerryState,
    MergeableState,
    ParetoFrontState,
    ProfileState,
    TallyState,
    VoteMatrixState,
    fold,
    merge_all,
    state_from_bytes,
)
from pluralign.stats import bradley_terry

SETTINGS = settings(max_examples=40, deadline=None)


def comparisons(seed: int, n: int = 120, items: int = 6) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, items, n)
    b = (a + rng.integers(1, items, n)) % items
    return pl.DataFrame(
        {
            "g": rng.choice(["x", "y", "z"], n),
            "chosen_id": a,
            "rejected_id": b,
            "tie": rng.random(n) < 0.15,
            "weight": rng.integers(1, 5, n) / 4.0,
        }
    )


def split(df: pl.DataFrame, cuts: list[int], seed: int) -> list[pl.DataFrame]:
    """Rows shuffled, then cut into contiguous parts (empty parts allowed)."""
    df = df.sample(fraction=1.0, shuffle=True, seed=seed)
    bounds = sorted({min(c, df.height) for c in cuts} | {0, df.height})
    return [df.slice(s, e - s) for s, e in itertools.pairwise(bounds)] + [df.head(0)]


def combine(states: list, seed: int):
    """Merge in a random order, alternating tree merge and left fold."""
    random.Random(seed).shuffle(states)
    if seed % 2:
        return merge_all(states)
    out = states[0]
    for s in states[1:]:
        out = out.merge(s)
    return out


partitions = st.tuples(st.integers(0, 10_000), st.lists(st.integers(0, 130), max_size=6))


# -- tallies -------------------------------------------------------------------------------


def test_tally_hand_example() -> None:
    df = pl.DataFrame(
        {
            "chosen_id": ["a", "b", "a", "a"],
            "rejected_id": ["b", "a", "b", "c"],
            "tie": [False, False, True, False],
        }
    )
    s1 = TallyState().update(df[:2])
    s2 = TallyState().update(df[2:])
    out = s2.merge(s1).finalize()
    assert out.select("item_a", "item_b", "wins_a", "wins_b", "ties", "n").rows() == [
        ("a", "b", 1, 1, 1, 3),
        ("a", "c", 1, 0, 0, 1),
    ]
    assert isinstance(s1, MergeableState)


def tally_reference(df: pl.DataFrame) -> dict:
    ref: dict = defaultdict(lambda: [0, 0, 0, 0.0, 0.0, 0.0])
    for g, c, r, t, w in df.select("g", "chosen_id", "rejected_id", "tie", "weight").rows():
        lo, hi = min(c, r), max(c, r)
        e = ref[(g, lo, hi)]
        k = 2 if t else (0 if c == lo else 1)
        e[k] += 1
        e[3 + k] += w
    return dict(ref)


@SETTINGS
@given(partitions)
def test_tally_any_partition(p: tuple[int, list[int]]) -> None:
    seed, cuts = p
    df = comparisons(seed)
    parts = [TallyState("g").update(x) for x in split(df, cuts, seed)]
    got = combine(parts, seed).finalize()
    whole = TallyState("g").update(df).finalize()
    assert got.select("g", "item_a", "item_b", "wins_a", "wins_b", "ties", "n").equals(
        whole.select("g", "item_a", "item_b", "wins_a", "wins_b", "ties", "n")
    )
    for c in ("weight_a", "weight_b", "weight_ties"):
        np.testing.assert_allclose(got[c].to_numpy(), whole[c].to_numpy(), rtol=0, atol=1e-9)
    ref = tally_reference(df)
    assert len(ref) == got.height
    for row in got.iter_rows(named=True):
        e = ref[(row["g"], row["item_a"], row["item_b"])]
        assert [row["wins_a"], row["wins_b"], row["ties"]] == e[:3]
        assert abs(row["weight_a"] - e[3]) < 1e-9 and abs(row["weight_ties"] - e[5]) < 1e-9


def test_tally_bytes_and_pickle_roundtrip() -> None:
    s = TallyState("g", weight=None).update(comparisons(1))
    b = s.to_bytes()
    assert len(b) < 4000  # compact: a few hundred pairs' counts, zstd Arrow IPC
    for back in (state_from_bytes(b), pickle.loads(pickle.dumps(s))):
        assert back.finalize().equals(s.finalize())
        assert back.n_rows == s.n_rows == 120


def test_merge_refuses_other_settings_and_types() -> None:
    with pytest.raises(InputError, match="different settings"):
        TallyState("g").merge(TallyState())
    with pytest.raises(InputError, match="cannot merge a TallyState with a VoteMatrixState"):
        TallyState().merge(VoteMatrixState())
    with pytest.raises(InputError, match="saw no rows"):
        TallyState().finalize()
    with pytest.raises(InputError, match="not a serialized"):
        state_from_bytes(b"garbage")
    with pytest.raises(InputError, match="batch must be"):
        TallyState().update([1, 2, 3])


def test_empty_state_is_the_identity() -> None:
    s = TallyState("g").update(comparisons(3))
    assert s.merge(s.empty()).finalize().equals(s.finalize())
    assert s.empty().merge(s).finalize().equals(s.finalize())


# -- Bradley-Terry sufficient statistics ---------------------------------------------------


@SETTINGS
@given(partitions)
def test_bradley_terry_state_matches_raw_fit(p: tuple[int, list[int]]) -> None:
    seed, cuts = p
    df = comparisons(seed)
    parts = [BradleyTerryState("g").update(x) for x in split(df, cuts, seed)]
    merged = pickle.loads(pickle.dumps(combine(parts, seed)))
    got = merged.finalize(l2=0.1)
    ref = bradley_terry(df, "g", l2=0.1)
    assert got.select("g", "item", "n_comparisons").equals(ref.select("g", "item", "n_comparisons"))
    for c in ("strength", "se", "ci_low", "ci_high"):
        np.testing.assert_allclose(got[c].to_numpy(), ref[c].to_numpy(), rtol=0, atol=1e-9)


def test_bradley_terry_state_ties_drop_prior_and_zero_weights() -> None:
    df = comparisons(7).with_columns(
        pl.when(pl.int_range(pl.len()) % 10 == 0)
        .then(0.0)
        .otherwise(pl.col("weight"))
        .alias("weight")
    )
    s = BradleyTerryState().update(df[:60]).merge(BradleyTerryState().update(df[60:]))
    assert s.n_zero_weight == 12
    got = s.finalize(ties="drop", prior=1.0)
    ref = bradley_terry(df, ties="drop", prior=1.0)
    assert got["n_comparisons"].to_list() == ref["n_comparisons"].to_list()
    np.testing.assert_allclose(got["strength"].to_numpy(), ref["strength"].to_numpy(), atol=1e-9)
    with pytest.raises(InputError, match="bootstrap"):
        s.finalize(bootstrap=10)


def test_bradley_terry_two_items_closed_form() -> None:
    # 3 wins of a over b, 1 of b over a: MLE p_a / p_b = 3, strengths +-ln(3)/2.
    df = pl.DataFrame({"chosen_id": ["a", "a", "b", "a"], "rejected_id": ["b", "b", "a", "b"]})
    s = BradleyTerryState().update(df[:1]).merge(BradleyTerryState().update(df[1:]))
    out = s.finalize()
    np.testing.assert_allclose(
        out["strength"].to_numpy(), [np.log(3) / 2, -np.log(3) / 2], atol=1e-9
    )
    assert out["n_comparisons"].to_list() == [4, 4]


# -- profiles ------------------------------------------------------------------------------


def ballots(seed: int, n: int = 40) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        perm = rng.permutation(4).tolist()
        k = int(rng.integers(1, 4))
        rows.append([[c] for c in perm[:k]])
    return pl.DataFrame({"ranking": rows, "weight": rng.integers(1, 4, n).astype(float)})


@SETTINGS
@given(st.tuples(st.integers(0, 10_000), st.lists(st.integers(0, 45), max_size=5)))
def test_profile_any_partition(p: tuple[int, list[int]]) -> None:
    seed, cuts = p
    df = ballots(seed)
    cands = [0, 1, 2, 3]
    parts = [ProfileState(cands).update(x) for x in split(df, cuts, seed)]
    got = pickle.loads(pickle.dumps(combine(parts, seed))).finalize()
    ref = choice.Profile.from_rankings(df, candidates=cands)
    np.testing.assert_allclose(got.support(), ref.support(), atol=1e-9)
    assert sorted(map(repr, got.ballots())) == sorted(map(repr, ref.ballots()))
    assert choice.schulze(got).winners == choice.schulze(ref).winners


def test_profile_from_comparisons_margins_by_hand() -> None:
    df = pl.DataFrame(
        {"chosen_id": [1, 1, 2, 3], "rejected_id": [2, 2, 1, 1], "tie": [False, False, False, True]}
    )
    s = ProfileState([1, 2, 3], kind="comparisons")
    m = s.empty().update(df[:2]).merge(s.empty().update(df[2:])).margins()
    assert m.tolist() == [[0, 1, 0], [-1, 0, 0], [0, 0, 0]]
    with pytest.raises(InputError, match="kind"):
        ProfileState([1], kind="approval")


# -- vote matrices -------------------------------------------------------------------------


def votes(seed: int, n: int = 150) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "statement_id": rng.integers(0, 5, n),
            "participant_id": rng.choice(["p1", "p2", "p3", "p4", "p5", "p6"], n),
            "vote": rng.integers(-1, 2, n),
            "ts": rng.permutation(n),  # distinct timestamps: the latest vote is unambiguous
        }
    )


@SETTINGS
@given(st.tuples(st.integers(0, 10_000), st.lists(st.integers(0, 160), max_size=6)))
def test_vote_matrix_any_partition(p: tuple[int, list[int]]) -> None:
    seed, cuts = p
    df = votes(seed)
    parts = [VoteMatrixState(timestamp="ts").update(x) for x in split(df, cuts, seed)]
    got = pickle.loads(pickle.dumps(combine(parts, seed)))
    assert got.finalize().equals(VoteMatrixState(timestamp="ts").update(df).finalize())
    # reference: the vote with the largest timestamp per pair, counts per value
    latest: dict = {}
    counts: dict = defaultdict(lambda: [0, 0, 0])
    for s, pid, v, t in df.rows():
        if (s, pid) not in latest or t > latest[(s, pid)][0]:
            latest[(s, pid)] = (t, v)
        counts[(s, pid)][{1: 0, -1: 1, 0: 2}[v]] += 1
    assert {(s, pid): v for s, pid, v in got.votes().rows()} == {
        k: v for k, (_, v) in latest.items()
    }
    assert {(r[0], r[1]): list(r[2:5]) for r in got.finalize().rows()} == dict(counts)


def test_vote_matrix_errors_and_hand_example() -> None:
    df = pl.DataFrame(
        {"statement_id": [1, 1, 2], "participant_id": ["a", "b", "a"], "vote": [1, -1, 0]}
    )
    s = VoteMatrixState().update(df)
    assert s.statement_totals().rows() == [(1, 1, 1, 0), (2, 0, 0, 1)]
    dup = s.merge(VoteMatrixState().update(df[:1]))
    with pytest.raises(InputError, match="timestamp="):
        dup.votes()
    with pytest.raises(InputError, match="row 1"):
        VoteMatrixState().update(df.with_columns(pl.Series("vote", [1, 2, 0])))
    with pytest.raises(SchemaError, match="participant_id"):
        VoteMatrixState().update(df.drop("participant_id"))


# -- Pareto fronts -------------------------------------------------------------------------


def scores(seed: int, n: int = 120) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "prompt_id": rng.integers(0, 4, n),
            "response_id": np.arange(n),
            "helpful": rng.integers(0, 6, n).astype(float),  # small grid: many ties and duplicates
            "harmless": rng.integers(0, 6, n).astype(float),
            "honest": rng.integers(0, 3, n).astype(float),
        }
    )


def front_reference(df: pl.DataFrame, objs: list[str], maximize: list[bool]) -> set:
    sgn = np.where(maximize, 1.0, -1.0)
    keep = set()
    for _, sub in df.group_by("prompt_id"):
        pts = sub.select(objs).to_numpy() * sgn
        ids = sub["response_id"].to_list()
        for i, p in enumerate(pts):
            if not any(np.all(q >= p) and np.any(q > p) for q in pts):
                keep.add(ids[i])
    return keep


@SETTINGS
@given(
    st.tuples(
        st.integers(0, 10_000),
        st.lists(st.integers(0, 130), max_size=6),
        st.lists(st.booleans(), min_size=3, max_size=3),
    )
)
def test_pareto_front_any_partition(p: tuple[int, list[int], list[bool]]) -> None:
    seed, cuts, mx = p
    df = scores(seed)
    objs = ["helpful", "harmless", "honest"]
    proto = ParetoFrontState(objs, "prompt_id", keep=["response_id"], maximize=mx)
    parts = [proto.empty().update(x) for x in split(df, cuts, seed)]
    got = pickle.loads(pickle.dumps(combine(parts, seed))).finalize()
    assert got.equals(proto.empty().update(df).finalize())
    assert set(got["response_id"].to_list()) == front_reference(df, objs, mx)


def test_pareto_front_by_hand() -> None:
    df = pl.DataFrame(
        {
            "prompt_id": [1, 1, 1, 2, 2],
            "a": [1.0, 2.0, 0.0, 5.0, 5.0],
            "b": [2.0, 1.0, 0.0, 1.0, 1.0],
        }
    )
    s = fold([df[:2], df[2:]], ParetoFrontState(["a", "b"], "prompt_id"))
    assert s.finalize().rows() == [(1, 1.0, 2.0), (1, 2.0, 1.0), (2, 5.0, 1.0), (2, 5.0, 1.0)]
    with pytest.raises(InputError, match="null at row 0"):
        ParetoFrontState(["a"], "prompt_id").update(
            pl.DataFrame({"prompt_id": [None, 1], "a": [1.0, 2.0]})
        )
    with pytest.raises(InputError):
        ParetoFrontState(["a"]).update(pl.DataFrame({"a": [float("nan")]}))
