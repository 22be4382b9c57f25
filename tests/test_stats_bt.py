"""pluralign.stats.bradley_terry / elo: hand cases, cross-checks with choix and a slow scipy
maximum-likelihood reference, disconnected graphs, bad input."""

from __future__ import annotations

import math

import choix
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign.errors import InputError, SchemaError
from pluralign.stats import bradley_terry, elo
from scipy.optimize import minimize


def _cmp(pairs: list[tuple[object, object]], **extra: list[object]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "prompt_id": [f"p{i}" for i in range(len(pairs))],
            "chosen_id": [a for a, _ in pairs],
            "rejected_id": [b for _, b in pairs],
            **extra,
        }
    )


def test_two_items_closed_form() -> None:
    # a beats b 3 times, b beats a once: MLE p_a / p_b = 3, so theta = +-ln(3)/2.
    df = _cmp([("a", "b")] * 3 + [("b", "a")])
    r = bradley_terry(df)
    assert r["item"].to_list() == ["a", "b"]
    assert r["strength"].to_list() == pytest.approx([math.log(3) / 2, -math.log(3) / 2], abs=1e-10)
    # Fisher information of d = theta_a - theta_b: 4 * 3/4 * 1/4 = 0.75; each theta = +-d/2,
    # so se(theta_a) = sqrt(1/0.75) / 2.
    assert r["se"].to_list() == pytest.approx([math.sqrt(1 / 0.75) / 2] * 2, rel=1e-8)
    z = 1.959963984540054
    assert r["ci_low"][0] == pytest.approx(math.log(3) / 2 - z * r["se"][0], rel=1e-9)
    assert r["n_comparisons"].to_list() == [4, 4]


def test_ties_half_and_weights() -> None:
    # A tie counts as half a win each way: wins a = 1 + 0.5, b = 0.5 + 1 -> equal strengths.
    df = _cmp([("a", "b"), ("a", "b"), ("b", "a")], tie=[False, True, False])
    r = bradley_terry(df)
    assert r["strength"].to_list() == pytest.approx([0.0, 0.0], abs=1e-12)
    # ties="drop": 1 win each way -> also equal, and only 2 comparisons used per item
    r = bradley_terry(df, ties="drop")
    assert r["n_comparisons"].to_list() == [2, 2]
    # weight 3 on a's win is the same as three copies of it
    w = bradley_terry(_cmp([("a", "b"), ("b", "a")], weight=[3.0, 1.0]))
    c = bradley_terry(_cmp([("a", "b")] * 3 + [("b", "a")]))
    assert w["strength"].to_list() == pytest.approx(c["strength"].to_list(), abs=1e-10)


def _nll_reference(n: int, wins: np.ndarray, l2: float) -> np.ndarray:
    """Slow reference: minimize the penalized negative log-likelihood with scipy (BFGS),
    then center."""

    def f(t: np.ndarray) -> tuple[float, np.ndarray]:
        d = t[:, None] - t[None, :]
        ls = -np.logaddexp(0.0, -d)  # log sigmoid
        val = -(wins * ls).sum() + 0.5 * l2 * (t**2).sum()
        s = 1.0 / (1.0 + np.exp(-d))
        g = -((wins * (1 - s)).sum(1) - (wins * (1 - s)).sum(0)) + l2 * t
        return val, g

    res = minimize(
        f, np.zeros(n), jac=True, method="BFGS", options={"gtol": 1e-11, "maxiter": 5000}
    )
    return res.x - res.x.mean()


@settings(max_examples=40)
@given(st.integers(3, 7), st.integers(0, 40), st.integers(0, 2**31))
def test_matches_choix_and_scipy(n: int, extra: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    data = [(i, (i + 1) % n) for i in range(n)]  # a cycle: strongly connected
    data += [(i, (i + 2) % n) for i in range(n)] if n > 3 else []
    for _ in range(extra):
        a, b = rng.choice(n, 2, replace=False)
        data.append((int(a), int(b)))
    df = _cmp(data)
    r = bradley_terry(df, standard_errors=False)
    ref = choix.ilsr_pairwise(n, data, tol=1e-12, max_iter=10_000)
    ref = ref - ref.mean()
    assert r["strength"].to_numpy() == pytest.approx(ref, abs=1e-6)
    mm = bradley_terry(df, method="mm", standard_errors=False, tol=1e-12, max_iter=100_000)
    assert mm["strength"].to_numpy() == pytest.approx(ref, abs=1e-6)
    # with a prior: scipy reference of the penalized likelihood
    wins = np.zeros((n, n))
    for a, b in data:
        wins[a, b] += 1
    pen = bradley_terry(df, l2=0.7, standard_errors=False)
    assert pen["strength"].to_numpy() == pytest.approx(_nll_reference(n, wins, 0.7), abs=1e-5)


def test_disconnected_graph_names_components_unless_prior() -> None:
    df = _cmp([("a", "b"), ("b", "a"), ("x", "y"), ("y", "x")])
    with pytest.raises(InputError, match=r"disconnected components.*'a', 'b'.*'x', 'y'"):
        bradley_terry(df)
    r = bradley_terry(df, l2=1.0)
    assert r["strength"].to_list() == pytest.approx([0.0] * 4, abs=1e-12)
    r = bradley_terry(df, prior=1.0)
    assert r.height == 4 and np.isfinite(r["strength"].to_numpy()).all()
    # an item that never loses has no finite MLE either
    with pytest.raises(InputError, match="prior"):
        bradley_terry(_cmp([("a", "b"), ("a", "b")]))
    # prior pulls a 2-0 record towards 0 but keeps its sign
    r = bradley_terry(_cmp([("a", "b"), ("a", "b")]), prior=1.0)
    assert 0 < r["strength"][0] < 2


def test_by_groups_and_bootstrap() -> None:
    pairs = [("a", "b")] * 3 + [("b", "a"), ("b", "c"), ("c", "b"), ("a", "c"), ("c", "a")]
    df = pl.concat([_cmp(pairs).with_columns(pl.lit(g).alias("group")) for g in ("g1", "g2")])
    r = bradley_terry(df, groups="group")
    assert r.columns == ["group", "item", "strength", "se", "ci_low", "ci_high", "n_comparisons"]
    assert r["group"].to_list() == ["g1"] * 3 + ["g2"] * 3
    one = bradley_terry(_cmp(pairs))
    assert r["strength"].to_list()[:3] == pytest.approx(one["strength"].to_list(), abs=1e-12)
    b1 = bradley_terry(_cmp(pairs), bootstrap=50, seed=3, l2=0.1)
    b2 = bradley_terry(_cmp(pairs), bootstrap=50, seed=3, l2=0.1, threads=1)
    assert b1.equals(b2)  # seeded, thread-count independent
    assert (b1["ci_low"] <= b1["ci_high"]).all()


def test_bt_bad_input() -> None:
    with pytest.raises(SchemaError, match="rejected_id"):
        bradley_terry(pl.DataFrame({"chosen_id": ["a"]}))
    with pytest.raises(InputError, match="itself"):
        bradley_terry(_cmp([("a", "a"), ("a", "b")]))
    with pytest.raises(InputError, match="weight"):
        bradley_terry(_cmp([("a", "b"), ("b", "a")], weight=[-1.0, 1.0]))
    with pytest.raises(InputError, match="chosen_id.*row 1"):
        bradley_terry(_cmp([("a", "b"), (None, "a")]))
    with pytest.raises(SchemaError, match="same type"):
        bradley_terry(pl.DataFrame({"chosen_id": [1, 2], "rejected_id": ["a", "b"]}))
    with pytest.raises(InputError, match="ties"):
        bradley_terry(_cmp([("a", "b"), ("b", "a")]), ties="ignore")
    with pytest.raises(InputError, match="method"):
        bradley_terry(_cmp([("a", "b"), ("b", "a")]), method="lbfgs")


def test_elo_hand_case() -> None:
    # Two equal players: E = 0.5, winner gains k/2.
    r = elo(_cmp([("a", "b")]), k=32, initial=1500)
    assert r["rating"].to_list() == pytest.approx([1516.0, 1484.0])
    # second game b beats a: E_b = 1/(1+10^(32/400))
    r = elo(_cmp([("a", "b"), ("b", "a")]), k=32, initial=1500)
    e_b = 1 / (1 + 10 ** (32 / 400))
    assert r["rating"][1] == pytest.approx(1484 + 32 * (1 - e_b))
    assert r["games"].to_list() == [2.0, 2.0]
    r = elo(_cmp([("a", "b")], tie=[True]), k=32)
    assert r["rating"].to_list() == pytest.approx([1000.0, 1000.0])
    with pytest.raises(InputError, match="k ="):
        elo(_cmp([("a", "b")]), k=-1)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 9),
    st.integers(0, 60),
    st.integers(0, 2**31),
    st.booleans(),
    st.sampled_from([0.0, 0.4]),
    st.sampled_from(["newton", "mm"]),
)
def test_many_comparisons_per_pair_match_weighted_path_and_choix(
    n: int, extra: int, seed: int, with_ties: bool, l2: float, method: str
) -> None:
    # At least one comparison per pair of items: the fit runs on dense pair counts; the same
    # rows with an explicit unit weight column take the sparse path, which must agree, and
    # without ties or prior both are choix's ML estimate.
    rng = np.random.default_rng(seed)
    pairs = [(i, j) if rng.random() < 0.5 else (j, i) for i in range(n) for j in range(i + 1, n)]
    pairs += [(i, (i + 1) % n) for i in range(n)] + [((i + 1) % n, i) for i in range(n)]
    for _ in range(extra):
        a, b = rng.choice(n, 2, replace=False)
        pairs.append((int(a), int(b)))
    names = [f"item-{k:02d}" for k in range(n)]
    tie = (rng.random(len(pairs)) < 0.2).tolist() if with_ties else [False] * len(pairs)
    df = _cmp([(names[a], names[b]) for a, b in pairs], tie=tie)
    kw = {"l2": l2, "method": method, "tol": 1e-12, "max_iter": 100_000}
    fits = {}
    for ties in ("half", "drop"):
        try:
            dense = bradley_terry(df, ties=ties, **kw)  # type: ignore[arg-type]
        except InputError as e:  # dropping ties can leave no finite estimate: both paths say so
            with pytest.raises(InputError) as e2:
                bradley_terry(df.with_columns(weight=pl.lit(1.0)), ties=ties, **kw)  # type: ignore[arg-type]
            assert str(e) == str(e2.value)
            continue
        sparse = bradley_terry(df.with_columns(weight=pl.lit(1.0)), ties=ties, **kw)  # type: ignore[arg-type]
        assert dense["item"].to_list() == names
        assert dense["n_comparisons"].to_list() == sparse["n_comparisons"].to_list()
        for col in ("strength", "se", "ci_low", "ci_high"):
            assert dense[col].to_numpy() == pytest.approx(sparse[col].to_numpy(), abs=1e-8)
        fits[ties] = dense
    if not with_ties and l2 == 0.0:
        ref = choix.ilsr_pairwise(n, pairs, tol=1e-12, max_iter=10_000)
        assert fits["half"]["strength"].to_numpy() == pytest.approx(ref - ref.mean(), abs=1e-6)
    # a prior: the virtual draws are not counted as comparisons
    p = bradley_terry(df, prior=1.0, standard_errors=False)
    assert p["n_comparisons"].to_list() == fits["half"]["n_comparisons"].to_list()


def test_ids_of_any_type_give_the_same_fit() -> None:
    rng = np.random.default_rng(5)
    a = rng.integers(0, 30, 3000)
    b = (a + rng.integers(1, 30, 3000)) % 30
    ints = pl.DataFrame({"chosen_id": a, "rejected_id": b})
    strs = ints.select(pl.all().cast(pl.String).str.zfill(2))
    ref = bradley_terry(ints)
    for df in (strs, strs.with_columns(pl.all().cast(pl.Categorical))):
        r = bradley_terry(df)
        assert r["strength"].to_numpy() == pytest.approx(ref["strength"].to_numpy(), abs=1e-12)
        assert r["n_comparisons"].to_list() == ref["n_comparisons"].to_list()
    assert bradley_terry(strs)["item"].dtype == pl.String
