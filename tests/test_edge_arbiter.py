from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign.edge import Arbiter, Decision
from pluralign.errors import InputError, SchemaError
from pluralign.govern import Context

TOML = """
name = "t"
[[objectives]]
name = "safe"
[[objectives]]
name = "help"
[[objectives]]
name = "length"
direction = "min"
[[tiers]]
objective = "safe"
threshold = 0.5
[weights]
values = { safe = 0.2, help = 0.6, length = 0.2 }
radius = 0.2
[groups]
names = ["g1", "g2"]
[arbiter]
conflict = 0.9
disagreement = 0.3
uncertainty = 0.2
on_uncertain = "{unc}"
on_disagreement = "{dis}"
"""


def ctx(unc: str = "clarify", dis: str = "clarify", **arbiter: float | None) -> Context:
    c = Context.from_toml(TOML.replace("{unc}", unc).replace("{dis}", dis))
    if arbiter:
        data = c.model_dump()
        data["arbiter"].update(arbiter)
        c = Context.from_dict(data)
    return c


# candidates: safe, help, length (min)
CANDS = [
    [0.9, 0.2, 0.3],  # a: safe, unhelpful
    [0.6, 0.9, 0.5],  # b: helpful, longer
    [0.3, 1.0, 0.1],  # c: unsafe -> inadmissible
    [0.6, 0.8, 0.6],  # d: dominated by b
]
IDS = ["a", "b", "c", "d"]


def test_answer_hand_case() -> None:
    d = Arbiter(ctx()).decide(CANDS, ids=IDS)
    assert isinstance(d, Decision)
    assert d.admissible == ["a", "b", "d"]
    assert d.front == ["a", "b"]
    # ideal over admissible (gains): safe .9, help .9, -length -.3; nadir .6, .2, -.6
    # a: max(.2*0, .6*.7/.7, .2*0) = .6 ; b: max(.2*.3/.3, 0, .2*.2/.3) = .2  -> b
    assert d.action == "answer" and d.chosen == "b"
    assert "no_admissible" not in d.codes


def test_escalate_when_nothing_admissible() -> None:
    d = Arbiter(ctx()).decide([[0.1, 0.4, 0.6], [0.4, 0.5, 0.5]], ids=["x", "y"])
    assert d.action == "escalate" and d.chosen is None
    assert d.admissible == [] and d.front == []
    assert d.codes == ["no_admissible"]
    assert d.reasons[0].startswith("no_admissible: no candidate satisfies")


@pytest.mark.parametrize("unc", ["clarify", "abstain"])
def test_uncertain(unc: str) -> None:
    a = Arbiter(ctx(unc=unc))
    # std of the chosen candidate (b) decides; the others' std does not matter
    d = a.decide(CANDS, ids=IDS, std=[0.9, 0.2, 0.9, 0.9])
    assert d.action == unc and d.chosen is None
    assert "uncertain_reward" in d.codes
    d = a.decide(CANDS, ids=IDS, std=[0.9, 0.19, 0.9, 0.9])
    assert d.action == "answer" and d.chosen == "b"


def test_interval_and_agreement() -> None:
    a = Arbiter(ctx(interval_width=0.5, min_agreement=0.4))
    assert a.decide(CANDS, interval_width=0.5).codes == ["wide_interval"]
    assert a.decide(CANDS, interval_width=0.49).action == "answer"
    d = a.decide(CANDS, agreement=0.3)
    assert d.codes == ["low_agreement"] and d.action == "clarify"
    assert a.decide(CANDS, agreement=0.4).action == "answer"


def test_disagreement_clarify_and_overton() -> None:
    groups = {"g1": [1.0, 0.0, 5.0, 0.0], "g2": [0.0, 3.0, 0.0, 1.0]}
    d = Arbiter(ctx()).decide(CANDS, ids=IDS, groups=groups)
    assert d.action == "clarify" and d.chosen is None and d.overton is None
    assert {"group_disagreement", "split_winners", "polarization"} >= set(d.codes) - {
        "weight_sensitive"
    }
    assert d.signals["disagreement"] == pytest.approx(1.0)
    d = Arbiter(ctx(dis="overton")).decide(CANDS, ids=IDS, groups=groups)
    assert d.action == "clarify"
    # g1's favourite overall is the inadmissible c, so its admissible favourite a is offered
    assert d.overton == ["a", "b"]
    # agreeing groups: no clarification
    same = {"g1": [0.0, 1.0, 0.0, 0.0], "g2": [0.1, 0.9, 0.0, 0.0]}
    d = Arbiter(ctx(dis="overton")).decide(CANDS, ids=IDS, groups=same)
    assert d.action == "answer" and d.overton is None and "split_winners" not in d.codes


def test_uncertainty_beats_disagreement_and_escalate_beats_all() -> None:
    groups = {"g1": [1.0, 0.0, 0.0, 0.0], "g2": [0.0, 1.0, 0.0, 0.0]}
    d = Arbiter(ctx(unc="abstain")).decide(CANDS, groups=groups, std=[1.0] * 4)
    assert d.action == "abstain"
    d = Arbiter(ctx()).decide([[0.0, 1.0, 0.0]], groups={"g1": [1.0], "g2": [1.0]}, std=[1.0])
    assert d.action == "escalate"


def test_builtin_medical_example() -> None:
    a = Arbiter(Context.builtin("medical_advice"))
    # harmlessness, honesty, helpfulness, verbosity(min)
    d = a.decide(
        [
            [0.95, 0.9, 0.6, 0.3],
            [0.95, 0.7, 0.9, 0.3],
            [0.5, 1.0, 1.0, 0.1],
            [0.92, 0.88, 0.7, 0.2],
        ],
        ids=["careful", "confident", "reckless", "balanced"],
    )
    # honesty tier: best admissible 0.9, tolerance 0.05 -> careful and balanced survive
    assert d.admissible == ["careful", "balanced"]
    assert d.action == "answer" and d.chosen in d.front


# -- properties ---------------------------------------------------------------------------
@st.composite
def candidate_sets(draw: st.DrawFn) -> np.ndarray:
    k = draw(st.integers(1, 7))
    vals = draw(st.lists(st.integers(0, 4), min_size=3 * k, max_size=3 * k))
    return np.array(vals, dtype=np.float64).reshape(k, 3) / 4


def _gain(x: np.ndarray) -> np.ndarray:
    return x * np.array([1.0, 1.0, -1.0])


@settings(max_examples=60, deadline=None)
@given(candidate_sets(), st.randoms(use_true_random=False))
def test_never_dominated_or_violating_and_order_invariant(x: np.ndarray, rnd) -> None:
    a = Arbiter(ctx())
    d = a.decide(x)
    if d.action == "escalate":
        assert (x[:, 0] < 0.5).all()
        return
    assert d.action == "answer"
    c = d.chosen
    assert x[c, 0] >= 0.5
    g = _gain(x)
    for i in range(len(x)):
        if x[i, 0] >= 0.5:
            assert not ((g[i] >= g[c]).all() and (g[i] > g[c]).any()), f"{i} dominates chosen {c}"
    perm = list(range(len(x)))
    rnd.shuffle(perm)
    d2 = a.decide(x[perm])
    assert d2.action == d.action
    np.testing.assert_array_equal(x[perm][d2.chosen], x[c])
    assert sorted(map(tuple, x[perm][d2.front])) == sorted(map(tuple, x[d.front]))
    assert d2.codes == d.codes


ACTION_ORDER = {"answer": 0, "clarify": 1, "abstain": 1, "escalate": 2}


@settings(max_examples=40, deadline=None)
@given(
    candidate_sets(),
    st.lists(st.floats(0, 1), min_size=4, max_size=4),
    st.lists(st.floats(0, 0.5), min_size=4, max_size=4),
    st.lists(st.integers(0, 3), min_size=14, max_size=14),
)
def test_monotone_in_thresholds(
    x: np.ndarray, lo: list[float], bump: list[float], sup: list[int]
) -> None:
    k = len(x)
    std = np.linspace(0, 0.6, k)
    groups = {"g1": [float(s) for s in sup[:k]], "g2": [float(s) for s in sup[7 : 7 + k]]}
    low = {"conflict": lo[0], "disagreement": lo[1], "polarization": lo[2], "uncertainty": lo[3]}
    high = {key: min(1.0, v + b) for (key, v), b in zip(low.items(), bump, strict=True)}
    d_lo = Arbiter(ctx(**low)).decide(x, std=std, groups=groups)
    d_hi = Arbiter(ctx(**high)).decide(x, std=std, groups=groups)
    assert set(d_hi.codes) <= set(d_lo.codes)
    assert ACTION_ORDER[d_hi.action] <= ACTION_ORDER[d_lo.action]
    if d_lo.action == "answer":
        assert d_hi.action == "answer" and d_hi.chosen == d_lo.chosen


@settings(max_examples=25, deadline=None)
@given(st.lists(candidate_sets(), min_size=1, max_size=5), st.integers(0, 2**31))
def test_batched_equals_one_by_one(sets: list[np.ndarray], seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = []
    for p, x in enumerate(sets):
        for i, v in enumerate(x):
            rows.append(
                {
                    "prompt_id": f"p{p}",
                    "response_id": f"p{p}r{i}",
                    "safe": v[0],
                    "help": v[1],
                    "length": v[2],
                    "std": float(rng.choice([0.0, 0.1, 0.5])),
                }
            )
    df = pl.DataFrame(rows)
    gs = pl.DataFrame(
        [
            {
                "prompt_id": r["prompt_id"],
                "response_id": r["response_id"],
                "group": g,
                "support": float(rng.integers(0, 3)),
            }
            for r in rows
            for g in ("g1", "g2")
        ]
    )
    # interleave prompts so the batched path has to group them
    shuffled = df.sample(fraction=1.0, shuffle=True, seed=seed % 1000)
    a = Arbiter(ctx(dis="overton"))
    out = a.decide_batch(shuffled, response="response_id", std="std", group_support=gs)
    assert out.height == len(sets)
    for r in out.iter_rows(named=True):
        sub = shuffled.filter(pl.col("prompt_id") == r["prompt_id"])
        ids = sub["response_id"].to_list()
        gsub = gs.filter(pl.col("prompt_id") == r["prompt_id"])
        groups = {
            g: [
                gsub.filter((pl.col("group") == g) & (pl.col("response_id") == i))["support"][0]
                for i in ids
            ]
            for g in ("g1", "g2")
        }
        d = a.decide(
            sub.select("safe", "help", "length"), ids=ids, std=sub["std"].to_list(), groups=groups
        )
        assert d.action == r["action"]
        assert d.chosen == r["chosen"]
        assert sorted(d.front) == sorted(r["front"])
        assert d.codes == r["reasons"]
        assert sorted(d.overton or []) == sorted(r["overton"] or [])


# -- errors -------------------------------------------------------------------------------
def test_errors() -> None:
    a = Arbiter(ctx())
    with pytest.raises(SchemaError, match="length"):
        a.decide(pl.DataFrame({"safe": [1.0], "help": [1.0]}))
    with pytest.raises(InputError, match=r"shape \(k, 3\)"):
        a.decide([[1.0, 2.0]])
    with pytest.raises(InputError, match="empty"):
        a.decide(np.zeros((0, 3)))
    with pytest.raises(InputError, match="'help'.*row 1"):
        a.decide(
            pl.DataFrame({"safe": [1.0, 1.0], "help": [1.0, float("nan")], "length": [0.0, 0.0]})
        )
    with pytest.raises(InputError, match="std must have one value"):
        a.decide(CANDS, std=[0.1])
    with pytest.raises(InputError, match="ids must be unique"):
        a.decide(CANDS, ids=["a", "a", "b", "c"])
    with pytest.raises(InputError, match="not one of the context's groups"):
        a.decide(CANDS, groups={"martians": [1, 1, 1, 1]})
    with pytest.raises(InputError, match="support must be >= 0"):
        a.decide(CANDS, groups={"g1": [1, -1, 1, 1]})
    df = pl.DataFrame(
        {"prompt_id": [1, 1], "safe": [1.0, 1.0], "help": [1.0, 0.0], "length": [0.0, 0.0]}
    )
    with pytest.raises(SchemaError, match="prompt_id"):
        a.decide_batch(df.rename({"prompt_id": "pid"}))
    with pytest.raises(InputError, match="response_id"):
        a.decide_batch(df, group_support=pl.DataFrame({"prompt_id": [1]}))
    with pytest.raises(InputError, match="'prompt_id' is null at row 1"):
        a.decide_batch(df.with_columns(pl.Series("prompt_id", [1, None])))
    with pytest.raises(InputError, match="decision 'x'"):
        Arbiter(
            Context.from_toml('name = "c"\n[[objectives]]\nname = "a"\n[weights]\ndecision = "x"\n')
        )
    with pytest.raises(InputError, match="Context"):
        Arbiter("medical_advice")  # type: ignore[arg-type]
