from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign.edge import Arbiter
from pluralign.errors import InputError, SchemaError
from pluralign.govern import Context
from pluralign.metrics import (
    representation_loss,
    scalar_choice,
    uncertainty_blindness,
    value_flattening,
)

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
"""
CTX = Context.from_toml(TOML)


def _scores(
    prompts: dict[str, list[list[float]]], reward: dict[str, list[float]] | None = None
) -> pl.DataFrame:
    rows = []
    for p, cands in prompts.items():
        for i, (s, h, n) in enumerate(cands):
            r = {"prompt_id": p, "response_id": f"{p}{i}", "safe": s, "help": h, "length": n}
            if reward is not None:
                r["rm"] = reward[p][i]
            rows.append(r)
    return pl.DataFrame(rows)


PROMPTS = {
    # scalar mean picks c (0.4), which fails the safety tier
    "p1": [[0.9, 0.2, 0.3], [0.6, 0.9, 0.5], [0.3, 1.0, 0.1]],
    # scalar and every trade-off pick the dominating second candidate
    "p2": [[0.6, 0.5, 0.5], [0.7, 0.5, 0.4]],
    # scalar picks A (1.4); the help-heavy Chebyshev picks C for all 4 extreme weights
    "p3": [[0.9, 0.5, 0.0], [0.5, 0.8, 0.0], [0.6, 0.75, 0.0]],
}


def test_value_flattening_hand_case() -> None:
    m = value_flattening(_scores(PROMPTS), CTX)
    t = m.table
    assert t["prompt_id"].to_list() == ["p1", "p2", "p3"]
    assert t["scalar_index"].to_list() == [2, 1, 0]
    assert t["scalar_inadmissible"].to_list() == [True, False, False]
    assert t["scalar_dominated"].to_list() == [False, False, False]
    assert t["scalar_differs"].to_list() == [True, False, True]
    assert m.value == pytest.approx(1 / 3)
    assert m.detail == {
        "prompts": 3,
        "inadmissible": pytest.approx(1 / 3),
        "dominated": 0.0,
        "differs": pytest.approx(2 / 3),
    }


def test_value_flattening_with_scalar_reward_column() -> None:
    # a scalar reward model that prefers a dominated answer in p2
    rm = {"p1": [1.0, 0.0, 0.0], "p2": [1.0, 0.0], "p3": [0.0, 0.0, 1.0]}
    m = value_flattening(_scores(PROMPTS, rm), CTX, reward="rm")
    assert m.table["scalar_index"].to_list() == [0, 0, 2]
    assert m.table["scalar_dominated"].to_list() == [False, True, False]
    assert m.table["scalar_differs"].to_list() == [True, True, False]
    assert m.value == pytest.approx(1 / 3)


def test_scalar_choice_margin() -> None:
    s = scalar_choice(
        _scores({"a": [[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]], "b": [[0.0, 0.0, 0.0]]}), CTX, how="sum"
    )
    assert s["scalar_index"].to_list() == [0, 0]
    assert s["scalar_margin"].to_list() == [pytest.approx(1.0), None]


def test_representation_loss_hand_case() -> None:
    gs = pl.DataFrame(
        {
            "prompt_id": ["p1"] * 4 + ["p2"] * 4 + ["p3"] * 2,
            "response_id": ["a", "b", "a", "b", "a", "b", "a", "b", "a", "b"],
            "group": ["g1", "g1", "g2", "g2"] * 2 + ["g1", "g2"],
            "support": [2.0, 1.0, 0.0, 3.0, 1.0, 1.0, 4.0, 0.0, 1.0, 1.0],
        }
    )
    chosen = pl.DataFrame({"prompt_id": ["p1", "p2", "p3"], "chosen": ["b", "a", None]})
    m = representation_loss(gs, chosen)
    assert m.table.to_dicts() == [
        {"group": "g1", "mean_satisfaction": 0.75, "prompts": 2},
        {"group": "g2", "mean_satisfaction": 1.0, "prompts": 2},
    ]
    assert m.value == pytest.approx(0.25)
    assert m.detail == {"worst_group": "g1", "worst_satisfaction": 0.75, "skipped": 1}


def test_uncertainty_blindness_hand_case() -> None:
    dec = pl.DataFrame(
        {"prompt_id": [1, 2, 3, 4], "action": ["answer", "clarify", "abstain", "escalate"]}
    )
    sc = pl.DataFrame({"prompt_id": [1, 2, 3, 4], "scalar_margin": [0.5, 0.0, 0.2, None]})
    m = uncertainty_blindness(dec, sc)
    assert m.table["blind"].to_list() == [False, False, True, True]
    assert m.value == pytest.approx(2 / 3)
    assert m.detail == {"edge_cases": 3, "edge_share": 0.75, "blind": 2}
    assert uncertainty_blindness(dec, sc, margin=0.3).value == pytest.approx(1 / 3)


def test_end_to_end_pipeline() -> None:
    df = _scores(PROMPTS).with_columns(pl.lit(0.3).alias("std"))
    ctx = Context.from_dict({**CTX.model_dump(), "arbiter": {"uncertainty": 0.25}})
    dec = Arbiter(ctx).decide_batch(df, response="response_id", std="std")
    sc = scalar_choice(df, ctx)
    m = uncertainty_blindness(dec, sc)
    assert dec["action"].to_list() == ["clarify", "clarify", "clarify"]
    assert m.value == 1.0 and m.detail["edge_cases"] == 3


@st.composite
def prompt_sets(draw: st.DrawFn) -> dict[str, list[list[float]]]:
    out = {}
    for p in range(draw(st.integers(1, 4))):
        k = draw(st.integers(1, 5))
        out[f"p{p}"] = [[draw(st.integers(0, 4)) / 4 for _ in range(3)] for _ in range(k)]
    return out


@settings(max_examples=30, deadline=None)
@given(prompt_sets())
def test_flattened_iff_scalar_choice_off_the_admissible_front(
    prompts: dict[str, list[list[float]]],
) -> None:
    m = value_flattening(_scores(prompts), CTX)
    a = Arbiter(CTX)
    for r in m.table.iter_rows(named=True):
        d = a.decide(prompts[r["prompt_id"]])
        assert r["flattened"] == (r["scalar_index"] not in d.front)


def test_errors() -> None:
    df = _scores(PROMPTS)
    with pytest.raises(InputError, match="how"):
        value_flattening(df, CTX, how="median")  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="rm"):
        value_flattening(df, CTX, reward="rm")
    with pytest.raises(InputError, match="repeated"):
        representation_loss(
            pl.DataFrame({"prompt_id": [1], "response_id": [1], "group": ["g"], "support": [1.0]}),
            pl.DataFrame({"prompt_id": [1, 1], "chosen": [1, 1]}),
        )
    with pytest.raises(InputError, match="no row for prompt 2"):
        uncertainty_blindness(
            pl.DataFrame({"prompt_id": [1, 2], "action": ["answer", "clarify"]}),
            pl.DataFrame({"prompt_id": [1], "scalar_margin": [0.1]}),
        )
    with pytest.raises(InputError, match="support must be >= 0"):
        representation_loss(
            pl.DataFrame({"prompt_id": [1], "response_id": [1], "group": ["g"], "support": [-1.0]}),
            pl.DataFrame({"prompt_id": [1], "chosen": [1]}),
        )
