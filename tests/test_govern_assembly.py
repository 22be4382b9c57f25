"""Tests for pluralign.govern.Assembly: stakeholder ballots decide a context's order and weights."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign.errors import InputError
from pluralign.govern import Assembly, Context, Ledger, aggregate_weights


def five_objectives(rule: str = "schulze") -> Context:
    return Context.from_dict(
        {
            "name": "toy",
            "objectives": [{"name": n} for n in "abcde"],
            "tiers": [{"objective": "a", "threshold": 0.1}, {"objective": "e", "threshold": 0.2}],
            "weights": {"values": {n: 0.2 for n in "abcde"}, "radius": 0.1},
            "groups": {"names": ["g1", "g2"], "rule": rule},
        }
    )


# Schulze's method, worked example (Wikipedia "Schulze method", 45 voters): ranking E A C B D.
SCHULZE_EXAMPLE = [
    (5, "acbed"),
    (5, "adecb"),
    (8, "bedac"),
    (3, "cabed"),
    (7, "caebd"),
    (2, "cbade"),
    (7, "dceba"),
    (8, "ebadc"),
]


def test_schulze_worked_example_orders_objectives_and_reorders_tiers() -> None:
    asm = Assembly(five_objectives())
    v = 0
    for count, order in SCHULZE_EXAMPLE:
        for _ in range(count):
            asm.submit(f"s{v:02d}", group="g1" if v % 2 else "g2", ranking=list(order))
            v += 1
    d = asm.decide(actor="chair")
    assert d.order_rule == "schulze"
    assert d.order == [["e"], ["a"], ["c"], ["b"], ["d"]]
    assert d.weights is None and d.weight_rule is None
    # tiers follow the decided priority: e before a
    assert [t.objective for t in d.context.tiers] == ["e", "a"]
    assert d.context.weights == five_objectives().weights  # no score ballots: unchanged
    assert len(d.voters) == 45 and d.entry.actor == "chair"
    assert d.entry.payload["order"] == [["e"], ["a"], ["c"], ["b"], ["d"]]
    assert asm.ledger.verify() == 1


def test_context_rule_picks_the_ranked_rule() -> None:
    asm = Assembly(five_objectives(rule="borda"))
    asm.submit("x", group="g1", ranking=["b", "a"])
    asm.submit("y", group="g2", ranking=["b", "c"])
    d = asm.decide()
    assert d.order_rule == "borda"
    assert d.order[0] == ["b"]


def test_median_weights_hand_case_and_group_weights() -> None:
    ctx = Context.builtin("medical_advice")
    asm = Assembly(ctx, group_weights={"patients": 1, "clinicians": 1, "caregivers": 1})
    asm.submit("p1", group="patients", scores={"helpfulness": 2, "harmlessness": 1})
    asm.submit("c1", group="clinicians", scores={"harmlessness": 1, "honesty": 1})
    asm.submit("c2", group="clinicians", scores={"harmlessness": 1})
    d = asm.decide()
    # ballot weights: p1 carries its group's 1, c1 and c2 share the clinicians' 1
    assert d.ballot_weights == {"c1": 0.5, "c2": 0.5, "p1": 1.0}
    # weighted medians: harmlessness of (1/3 w1, 1/2 w.5, 1 w.5) -> cumulative weight hits
    # half at 1/3 exactly -> (1/3 + 1/2) / 2; helpfulness of (0 w.5, 0 w.5, 2/3 w1) -> 1/3;
    # honesty of (0 w1, 0 w.5, 1/2 w.5) -> 0; verbosity 0. Renormalized to sum 1.
    h, p = 5 / 12, 1 / 3
    assert d.weight_rule == "median"
    assert d.weights == pytest.approx(
        {"harmlessness": h / (h + p), "honesty": 0.0, "helpfulness": p / (h + p), "verbosity": 0.0}
    )
    assert d.context.weights.values == pytest.approx(d.weights)
    assert d.context.weights.decision == d.entry.hash
    assert d.context.weights.radius == ctx.weights.radius
    assert d.order is None


def test_equal_say_per_group_regardless_of_turnout() -> None:
    ctx = five_objectives()
    asm = Assembly(ctx, group_weights={"g1": 1, "g2": 1})
    for i in range(3):
        asm.submit(f"many{i}", group="g1", scores={"a": 1})
    asm.submit("one", group="g2", scores={"b": 1})
    d = asm.decide(weight_rule="mean")
    assert d.weights == pytest.approx({"a": 0.5, "b": 0.5, "c": 0, "d": 0, "e": 0})
    plain = Assembly(ctx)
    for i in range(3):
        plain.submit(f"many{i}", group="g1", scores={"a": 1})
    plain.submit("one", group="g2", scores={"b": 1})
    assert plain.decide(weight_rule="mean").weights["a"] == pytest.approx(0.75)


def test_nash_weights_single_minded_voters_get_proportional_shares() -> None:
    s = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert aggregate_weights(s, np.array([2.0, 1.0]), "nash") == pytest.approx([2 / 3, 1 / 3])
    assert aggregate_weights(s, None, "nash") == pytest.approx([0.5, 0.5])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 6), st.integers(2, 5))
def test_nash_weights_satisfy_kkt(seed: int, n: int, m: int) -> None:
    rng = np.random.default_rng(seed)
    s = rng.random((n, m)) + 0.05
    v = rng.random(n) + 0.1
    w = aggregate_weights(s, v, "nash", tol=1e-13)
    s = s / s.sum(axis=1, keepdims=True)
    grad = ((v / v.sum()) / (s @ w)) @ s  # d/dw_j of sum_i v_i log(s_i . w), normalized
    assert w.sum() == pytest.approx(1.0)
    # optimality on the simplex: grad_j <= 1 everywhere, = 1 where w_j > 0
    assert (grad <= 1 + 1e-6).all()
    assert np.allclose(grad[w > 1e-6], 1.0, atol=1e-5)
    # and no random point of the simplex does better
    obj = lambda x: (v * np.log(s @ x)).sum()
    for x in rng.dirichlet(np.ones(m), size=50):
        assert obj(w) >= obj(x) - 1e-9


def test_decisions_are_chained_in_a_shared_ledger(tmp_path) -> None:
    led = Ledger(tmp_path / "gov.jsonl")
    asm = Assembly(five_objectives(), ledger=led)
    asm.submit("x", group="g1", ranking=["a"], scores={"a": 1, "b": 1})
    d1 = asm.decide()
    asm.submit("x", group="g1", ranking=["b"], scores={"b": 1}, replace=True)
    d2 = asm.decide(record_ballots=False)
    assert d2.entry.prev == d1.entry.hash
    assert "ballots" in d1.entry.payload and "ballots" not in d2.entry.payload
    assert d1.ballots_sha256 != d2.ballots_sha256
    assert Ledger.load(tmp_path / "gov.jsonl").verify() == 2


def test_bad_ballots() -> None:
    asm = Assembly(five_objectives())
    with pytest.raises(InputError, match="unknown objective 'z'"):
        asm.submit("x", group="g1", ranking=["a", "z"])
    with pytest.raises(InputError, match="twice"):
        asm.submit("x", group="g1", ranking=["a", ["b", "a"]])
    with pytest.raises(InputError, match="group must be one of"):
        asm.submit("x", group="nobody", ranking=["a"])
    with pytest.raises(InputError, match="all zero"):
        asm.submit("x", group="g1", scores={"a": 0})
    with pytest.raises(InputError, match="finite and >= 0"):
        asm.submit("x", group="g1", scores={"a": -1})
    with pytest.raises(InputError, match="neither"):
        asm.submit("x", group="g1")
    with pytest.raises(InputError, match="no ballots"):
        asm.decide()
    asm.submit("x", group="g1", ranking=["a"])
    with pytest.raises(InputError, match="already voted"):
        asm.submit("x", group="g1", ranking=["b"])
    with pytest.raises(InputError, match="order_rule"):
        asm.decide(order_rule="nash")
    with pytest.raises(InputError, match="unknown group"):
        Assembly(five_objectives(), group_weights={"g3": 1})
    with pytest.raises(InputError, match="Context"):
        Assembly({"objectives": ["a"]})
