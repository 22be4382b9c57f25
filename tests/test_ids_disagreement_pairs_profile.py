"""Id columns of every type give the same results in ``disagreement``, ``ratings_to_pairs`` and
the ``Profile`` builders (all factorized by the shared Rust factorizer): integer, String,
Categorical and Enum ids on random data equal each other and a small Python reference, and the
result's id columns keep the input's type (Categorical / Enum with the input's dictionary)."""

from __future__ import annotations

import math
import random
from collections import defaultdict

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign import _core
from pluralign.choice import ApprovalProfile, Profile
from pluralign.errors import InputError
from pluralign.prefs import ratings_to_pairs
from pluralign.prefs.pairs import _grouping
from pluralign.stats import disagreement

KINDS = ("int", "str", "cat", "enum")


def name(x: int) -> str:
    """A text id that sorts like its integer (zero-padded), so all kinds give one order."""
    return f"id-{x:04d}"


def as_kind(values: list[int], kind: str, universe: list[int]) -> pl.Series:
    """Integer ids as a Series of the given kind; Enum categories in reversed text order, so an
    Enum column that sorts in category order differs from one sorted by text."""
    if kind == "int":
        return pl.Series(values, dtype=pl.Int64)
    s = pl.Series([name(v) for v in values], dtype=pl.String)
    if kind == "cat":
        return s.cast(pl.Categorical)
    if kind == "enum":
        return s.cast(pl.Enum([name(v) for v in sorted(set(universe), reverse=True)]))
    return s


def back(s: pl.Series) -> list[int]:
    """The integer ids behind a result column of any kind."""
    if s.dtype == pl.Int64:
        return s.to_list()
    return [int(v.split("-")[1]) for v in s.cast(pl.String).to_list()]


# --------------------------------------------------------------------------------------------
# disagreement
# --------------------------------------------------------------------------------------------


def disagreement_reference(rows, with_groups: bool, weighted: bool) -> dict[int, dict]:
    """Per item: n, entropy, majority, majority_share (and the between-group columns), from
    the definitions in the docstring, with dictionaries."""
    per_item: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    per_group: dict[int, dict[int, dict[int, float]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(float))
    )
    for item, group, label, w in rows:
        w = w if weighted else 1.0
        per_item[item][label] += w
        per_group[item][group][label] += w

    def h(d: dict[int, float]) -> float:
        t = sum(d.values())
        return -sum(v / t * math.log(v / t) for v in d.values() if v > 0)

    out = {}
    for item, d in per_item.items():
        t = sum(d.values())
        top = max(d.values())
        r = {
            "n": t,
            "entropy": h(d),
            "majority": min(k for k, v in d.items() if v == top),
            "majority_share": top / t,
        }
        if with_groups:
            gs = list(per_group[item].values())
            mix: dict[int, float] = defaultdict(float)
            for g in gs:
                tg = sum(g.values())
                for k, v in g.items():
                    mix[k] += v / tg / len(gs)
            r["n_groups"] = len(gs)
            r["js_divergence"] = max(0.0, h(mix) - sum(h(g) for g in gs) / len(gs))
            modes = {frozenset(k for k, v in g.items() if v == max(g.values())) for g in gs}
            r["majorities_differ"] = len(modes) > 1
        out[item] = r
    return out


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 7),
            st.integers(0, 3),
            st.integers(0, 3),
            st.sampled_from([0.0, 0.5, 1.0, 2.0]),
        ),
        min_size=1,
        max_size=80,
    ),
    with_groups=st.booleans(),
    weighted=st.booleans(),
)
def test_disagreement_every_id_kind_equals_reference(rows, with_groups, weighted) -> None:
    items, groups, labels, weights = (list(c) for c in zip(*rows, strict=True))
    totals: dict[tuple[int, int], float] = defaultdict(float)
    for i, g, _, w in rows:
        totals[(i, g if with_groups else 0)] += w if weighted else 1.0
    zero = min(totals.values()) <= 0
    want = {} if zero else disagreement_reference(rows, with_groups, weighted)
    for kind in KINDS:
        df = pl.DataFrame(
            {
                "item": as_kind(items, kind, items),
                "group": as_kind(groups, kind, groups),
                "vote": as_kind(labels, kind, labels),
                "w": weights,
            }
        )
        args = (df, "item", "group" if with_groups else None)
        if zero:  # an item (or item and group) of total weight 0 has no label shares
            with pytest.raises(InputError, match="has total weight 0 in column 'w'"):
                disagreement(*args, weight="w" if weighted else None)
            continue
        r = disagreement(*args, weight="w" if weighted else None)
        # the result's id and majority columns have the input's type (and dictionary)
        assert r["item"].dtype == df["item"].dtype
        assert r["majority"].dtype == df["vote"].dtype
        got_items = back(r["item"])
        # sorted by item: by value, text by code point, an Enum in its category order
        assert got_items == (sorted(want, reverse=True) if kind == "enum" else sorted(want))
        for item, majority, row in zip(
            got_items, back(r["majority"]), r.iter_rows(named=True), strict=True
        ):
            w = want[item]
            assert row["n"] == pytest.approx(w["n"], rel=1e-12)
            assert row["entropy"] == pytest.approx(w["entropy"], abs=1e-12)
            assert row["majority_share"] == pytest.approx(w["majority_share"], rel=1e-12)
            if kind == "enum":  # ties go to the smallest label: the first category
                d = defaultdict(float)
                for i, _, lab, wt in rows:
                    if i == item:
                        d[lab] += wt if weighted else 1.0
                assert majority == max(k for k, v in d.items() if v == max(d.values()))
            else:
                assert majority == w["majority"]
            if with_groups:
                assert row["n_groups"] == w["n_groups"]
                assert row["js_divergence"] == pytest.approx(w["js_divergence"], abs=1e-12)
                assert row["majorities_differ"] == w["majorities_differ"]


def test_disagreement_categorical_result_reuses_the_dictionary() -> None:
    df = pl.DataFrame(
        {"item": ["b", "a", "b", "c"], "vote": ["no", "yes", "yes", "no"]},
        schema={"item": pl.Categorical, "vote": pl.Enum(["yes", "no"])},
    )
    r = disagreement(df)
    assert r["item"].to_list() == ["a", "b", "c"]
    assert r["item"].dtype == pl.Categorical
    assert r["majority"].dtype == pl.Enum(["yes", "no"])
    assert r["majority"].to_list() == ["yes", "yes", "no"]  # b ties: "yes" is the first category
    # the gathered columns mix with the input's column (one dictionary)
    assert r["item"].append(df["item"]).cast(pl.String).to_list()[3:] == ["b", "a", "b", "c"]


def test_disagreement_zero_weight_names_the_ids() -> None:
    df = pl.DataFrame(
        {"item": ["x", "y", "y"], "vote": [1, 0, 1], "w": [1.0, 0.0, 0.0]},
        schema_overrides={"item": pl.Categorical},
    )
    with pytest.raises(InputError, match=r"item 'y' has total weight 0"):
        disagreement(df, weight="w")


def test_disagreement_several_item_columns() -> None:
    df = pl.DataFrame(
        {
            "a": ["p", "p", "q", "q", "p"],
            "b": [2, 1, 1, 1, 2],
            "vote": [1, 1, 0, 1, 0],
        }
    )
    r = disagreement(df, ["a", "b"])
    assert r.select("a", "b").rows() == [("p", 1), ("p", 2), ("q", 1)]
    assert r["majority"].to_list() == [1, 0, 0]
    assert r["n"].to_list() == [1.0, 2.0, 2.0]


# --------------------------------------------------------------------------------------------
# ratings_to_pairs
# --------------------------------------------------------------------------------------------


def pairs_reference(rows, ties: str, min_margin: float) -> list[tuple]:
    """(prompt, chosen, rejected, tie, margin) in group order of first appearance, then row
    order (i < j) within a group."""
    groups: dict[int, list[tuple[int, float]]] = {}
    for prompt, response, score in rows:
        groups.setdefault(prompt, []).append((response, score))
    out = []
    for prompt, members in groups.items():
        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                (a, sa), (b, sb) = members[i], members[j]
                d = sa - sb
                if d == 0:
                    if ties == "keep":
                        out.append((prompt, a, b, True, 0.0))
                elif abs(d) >= min_margin:
                    out.append((prompt, *((a, b) if d > 0 else (b, a)), False, abs(d)))
    return out


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3)), min_size=1, max_size=60),
    st.sampled_from(["drop", "keep"]),
    st.sampled_from([0.0, 1.5]),
)
def test_ratings_to_pairs_every_id_kind_equals_reference(cells, ties, min_margin) -> None:
    # unique responses, rows in random order (the general grouping, not the sorted fast path)
    rows = [(p, 100 + r, float(s)) for r, (p, s) in enumerate(cells)]
    random.Random(len(rows)).shuffle(rows)
    prompts, responses, scores = (list(c) for c in zip(*rows, strict=True))
    want = pairs_reference(rows, ties, min_margin)
    for kind in KINDS:
        df = pl.DataFrame(
            {
                "prompt_id": as_kind(prompts, kind, prompts),
                "response_id": as_kind(responses, kind, responses),
                "score": scores,
            }
        )
        out, summary = ratings_to_pairs(df, ties=ties, min_margin=min_margin)
        assert out.columns == ["prompt_id", "chosen_id", "rejected_id", "tie", "weight", "margin"]
        for c, src in (("prompt_id", "prompt_id"), ("chosen_id", "response_id")):
            assert out[c].dtype == df[src].dtype
        assert out["rejected_id"].dtype == df["response_id"].dtype
        got = list(
            zip(
                back(out["prompt_id"]),
                back(out["chosen_id"]),
                back(out["rejected_id"]),
                out["tie"].to_list(),
                out["margin"].to_list(),
                strict=True,
            )
        )
        assert got == want
        assert summary.n_out == len(want)


def grouping_reference(df: pl.DataFrame, by: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The CSR grouping with a polars group_by (groups in first appearance, rows in order)."""
    g = df.select(by).with_row_index("_r").group_by(by, maintain_order=True).agg(pl.col("_r"))
    lens = g["_r"].list.len().to_numpy()
    offsets = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    return offsets, g["_r"].explode().cast(pl.UInt32).to_numpy()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("distinct", [3, 40, 400])
def test_grouping_over_several_key_columns(kind: str, distinct: int) -> None:
    # 400^3 possible keys over 3,000 rows: the combined codes are renumbered, not mixed radix
    rng = np.random.default_rng(distinct)
    cols = {c: rng.integers(0, distinct, 3000).tolist() for c in ("a", "b", "c")}
    df = pl.DataFrame({c: as_kind(v, kind, v) for c, v in cols.items()})
    for by in (["a"], ["a", "b"], ["a", "b", "c"], ["c", "a"]):
        offsets, rows = _grouping(df, by)
        want_off, want_rows = grouping_reference(df, by)
        np.testing.assert_array_equal(offsets, want_off)
        np.testing.assert_array_equal(rows, want_rows)


def test_grouping_of_float_and_bool_keys() -> None:
    df = pl.DataFrame(
        {
            "f": [0.5, float("nan"), 0.5, -0.0, 0.0, float("nan")],
            "b": [True, False, True, False, False, False],
        }
    )
    for by in (["f"], ["b", "f"]):
        offsets, rows = _grouping(df, by)
        want_off, want_rows = grouping_reference(df, by)
        np.testing.assert_array_equal(offsets, want_off)
        np.testing.assert_array_equal(rows, want_rows)


# --------------------------------------------------------------------------------------------
# Profile builders
# --------------------------------------------------------------------------------------------

ballots_st = st.lists(
    st.permutations(list(range(6))).flatmap(
        lambda order: st.tuples(st.just(order), st.integers(1, 6), st.integers(0, 2))
    ),
    min_size=1,
    max_size=25,
)


def tiers_of(order: list[int], listed: int, tie_at: int) -> list[list[int]]:
    """The first ``listed`` candidates of ``order`` as tiers, the tier at ``tie_at`` holding
    two candidates when there are enough."""
    top = order[:listed]
    tiers = [[c] for c in top]
    if tie_at + 1 < len(tiers):
        tiers[tie_at : tie_at + 2] = [tiers[tie_at] + tiers[tie_at + 1]]
    return tiers


def support_reference(ballots: list[list[list[int]]], cands: list[int]) -> np.ndarray:
    """support[a, b]: ballots ranking a strictly above b (unlisted candidates below all)."""
    pos = {c: i for i, c in enumerate(cands)}
    m = len(cands)
    s = np.zeros((m, m))
    for b in ballots:
        rank = {c: t for t, tier in enumerate(b) for c in tier}
        for x in cands:
            for y in cands:
                if rank.get(x, len(b)) < rank.get(y, len(b)):
                    s[pos[x], pos[y]] += 1
    return s


def ranking_column(ballots: list[list[list[int]]], kind: str, universe: list[int]) -> pl.Series:
    flat = [c for b in ballots for t in b for c in t]
    ids = as_kind(flat, kind, universe)
    it = iter(ids.to_list())
    nested = [[[next(it) for _ in t] for t in b] for b in ballots]
    return pl.Series("ranking", nested, dtype=pl.List(pl.List(ids.dtype)))


def candidates_of(kind: str, cands: list[int]) -> list:
    return cands if kind == "int" else [name(c) for c in cands]


@settings(max_examples=40, deadline=None)
@given(ballots_st, st.booleans())
def test_from_rankings_every_id_kind_equals_reference(spec, given_candidates) -> None:
    ballots = [tiers_of(list(o), k, t) for o, k, t in spec]
    seen = sorted({c for b in ballots for t in b for c in t})
    universe = list(range(7)) if given_candidates else seen
    for kind in KINDS:
        col = ranking_column(ballots, kind, universe)
        cands = candidates_of(kind, universe) if given_candidates else None
        p = Profile.from_rankings(pl.DataFrame([col]), candidates=cands)
        # candidates: the given list, else the distinct ids sorted (an Enum's by its text)
        assert p.candidates == candidates_of(kind, universe)
        np.testing.assert_array_equal(p.support(), support_reference(ballots, universe))
        as_lists = Profile.from_rankings(
            [[[candidates_of(kind, [c])[0] for c in t] for t in b] for b in ballots],
            candidates=candidates_of(kind, universe),
        )
        assert sorted(map(repr, p.ballots())) == sorted(map(repr, as_lists.ballots()))


@settings(max_examples=30, deadline=None)
@given(ballots_st, st.lists(st.integers(0, 2), min_size=25, max_size=25))
def test_profile_by_every_id_kind_equals_per_group_profiles(spec, labels) -> None:
    ballots = [tiers_of(list(o), k, t) for o, k, t in spec]
    labels = labels[: len(ballots)]
    universe = sorted({c for b in ballots for t in b for c in t})
    for kind in KINDS:
        df = pl.DataFrame(
            [ranking_column(ballots, kind, universe), as_kind(labels, kind, labels).alias("g")]
        )
        per = Profile.by(df, "g")
        # labels sorted as Python sorts them (an Enum's by its text)
        assert list(per) == sorted(candidates_of(kind, sorted(set(labels))))
        for lab, p in per.items():
            mine = [
                b
                for b, g in zip(ballots, labels, strict=True)
                if candidates_of(kind, [g])[0] == lab
            ]
            assert p.candidates == candidates_of(kind, universe)
            np.testing.assert_array_equal(p.support(), support_reference(mine, universe))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 5), st.booleans(), st.sampled_from([1.0, 2.5])),
        min_size=1,
        max_size=40,
    ),
    st.booleans(),
)
def test_from_comparisons_every_id_kind_equals_reference(rows, given_candidates) -> None:
    rows = [r for r in rows if r[0] != r[1]] or [(0, 1, False, 1.0)]
    a, b, tie, w = (list(c) for c in zip(*rows, strict=True))
    kept = [r for r in rows if not r[2]]
    seen = sorted({x for r in kept for x in r[:2]})
    universe = list(range(6)) if given_candidates else seen
    if not universe:  # every row a tie: no candidates
        return
    want = np.zeros((len(universe), len(universe)))
    for x, y, _, wt in kept:
        want[universe.index(x), universe.index(y)] += wt
    for kind in KINDS:
        df = pl.DataFrame(
            {
                "chosen_id": as_kind(a, kind, a + b),
                "rejected_id": as_kind(b, kind, a + b),
                "tie": tie,
                "weight": w,
            }
        )
        cands = candidates_of(kind, universe) if given_candidates else None
        p = Profile.from_comparisons(df, candidates=cands)
        assert p.candidates == candidates_of(kind, universe)
        np.testing.assert_array_equal(p.support(), want)


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_candidates_are_named(kind: str) -> None:
    ballots = [[[0], [1, 2]], [[2], [3]]]
    col = ranking_column(ballots, kind, [0, 1, 2, 3])
    bad = candidates_of(kind, [0, 1, 2])
    with pytest.raises(InputError, match=r"row 1 ranks unknown candidate"):
        Profile.from_rankings(pl.DataFrame([col]), candidates=bad)
    cmp = pl.DataFrame(
        {
            "chosen_id": as_kind([0, 3], kind, [0, 1, 3]),
            "rejected_id": as_kind([1, 0], kind, [0, 1, 3]),
        }
    )
    with pytest.raises(InputError, match=r"column 'chosen_id': unknown candidate"):
        Profile.from_comparisons(cmp, candidates=bad)


def test_from_rankings_null_and_repeated_candidates() -> None:
    s = pl.Series("ranking", [[["a"], ["b"]], [["b", None]]], dtype=pl.List(pl.List(pl.String)))
    with pytest.raises(InputError, match=r"row 1 ranks unknown candidate None"):
        Profile.from_rankings(pl.DataFrame([s]))
    s = pl.Series("ranking", [[["a"], ["b", "a"]]], dtype=pl.List(pl.List(pl.Categorical)))
    with pytest.raises(InputError, match=r"ballot 0 lists candidate 'a' more than once"):
        Profile.from_rankings(pl.DataFrame([s]))


def test_candidates_match_the_column_after_a_cast() -> None:
    # as when polars replaced the ids: "1" names the integer id 1
    cmp = pl.DataFrame({"chosen_id": [1, 2], "rejected_id": [2, 3]})
    p = Profile.from_comparisons(cmp, candidates=["1", "2", "3"])
    assert p.candidates == ["1", "2", "3"]
    assert p.support()[0, 1] == 1.0 and p.support()[1, 2] == 1.0
    s = pl.Series("ranking", [[[1], [2, 3]]], dtype=pl.List(pl.List(pl.Int64)))
    p = Profile.from_rankings(pl.DataFrame([s]), candidates=["3", "2", "1"])
    assert p.support()[2, 0] == 1.0 and p.support()[0, 2] == 0.0
    with pytest.raises(InputError, match="unknown candidate 'a'"):
        Profile.from_rankings(pl.DataFrame({"ranking": [[["a"]]]}), candidates=[1, 2])


def test_disagreement_many_items_any_thread_count() -> None:
    # enough items for several parallel chunks; weights not integers
    rng = np.random.default_rng(7)
    n = 20_000
    rows = list(
        zip(
            rng.integers(0, 3000, n).tolist(),
            rng.integers(0, 5, n).tolist(),
            rng.integers(0, 4, n).tolist(),
            rng.choice([0.25, 0.5, 1.0, 3.0], n).tolist(),
            strict=True,
        )
    )
    want = disagreement_reference(rows, True, True)
    items, groups, labels, weights = (np.asarray(c) for c in zip(*rows, strict=True))
    df = pl.DataFrame({"item": items, "group": groups, "vote": labels, "w": weights})
    r = disagreement(df, groups="group", weight="w")
    assert r["item"].to_list() == sorted(want)
    for row in r.iter_rows(named=True):
        w = want[row["item"]]
        assert row["entropy"] == pytest.approx(w["entropy"], abs=1e-12)
        assert row["js_divergence"] == pytest.approx(w["js_divergence"], abs=1e-12)
        assert (row["n_groups"], row["majority"], row["majorities_differ"]) == (
            w["n_groups"],
            w["majority"],
            w["majorities_differ"],
        )
    args = (
        items.astype(np.uint32),
        3000,
        labels.astype(np.uint32),
        groups.astype(np.uint32),
        weights.astype(np.float64),
    )
    one, two = (_core.stats_item_label_stats(*args, threads=t) for t in (1, 2))
    for k in one:
        np.testing.assert_array_equal(one[k], two[k])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sets(st.integers(0, 6), max_size=4), min_size=1, max_size=25),
    st.booleans(),
)
def test_approval_sets_from_a_series_equal_the_per_ballot_path(sets, given_candidates) -> None:
    universe = list(range(8)) if given_candidates else sorted(set().union(*sets))
    if not universe:  # no candidate approved anywhere and none given
        return
    for kind in KINDS:
        flat = [c for s in sets for c in sorted(s)]
        ids = as_kind(flat, kind, universe).to_list()
        it = iter(ids)
        nested = [[next(it) for _ in sorted(s)] for s in sets]
        inner = as_kind([universe[0]], kind, universe).dtype
        series = pl.Series("approvals", nested, dtype=pl.List(inner))
        cands = candidates_of(kind, universe) if given_candidates else None
        a = ApprovalProfile.from_sets(series, candidates=cands)
        b = ApprovalProfile.from_sets(nested, candidates=cands)
        assert a.candidates == b.candidates == candidates_of(kind, universe)
        assert a.approval_scores() == b.approval_scores()
        assert sorted(map(repr, a.ballots())) == sorted(map(repr, b.ballots()))


@pytest.mark.parametrize(
    ("ballots", "candidates"),
    [
        ([[1, 1]], None),
        ([[1], None], None),
        ([[1, None]], None),
        ([[1.0, float("nan")]], None),
        ([[1, 2]], ["1", "2"]),
        ([[1, 2], [3]], [1, 2]),
    ],
)
def test_approval_series_errors_equal_the_per_ballot_path(ballots, candidates) -> None:
    with pytest.raises(InputError) as from_lists:
        ApprovalProfile.from_sets(ballots, candidates=candidates)
    with pytest.raises(InputError) as from_series:
        ApprovalProfile.from_sets(pl.Series(ballots), candidates=candidates)
    assert str(from_series.value) == str(from_lists.value)
