from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign.edge import REASONS, edge_signals, group_signals
from pluralign.errors import InputError, SchemaError
from pluralign.govern import Context
from scipy.spatial.distance import jensenshannon

CTX = Context.from_toml(
    """
name = "s"
[[objectives]]
name = "a"
[[objectives]]
name = "b"
[arbiter]
conflict = 0.5
disagreement = 0.3
polarization = 0.6
uncertainty = 0.2
interval_width = 0.4
min_agreement = 0.5
"""
)


def _long(prompt: str, table: dict[str, list[float]]) -> list[dict]:
    return [
        {"prompt_id": prompt, "response_id": f"r{i}", "group": g, "support": v}
        for g, vals in table.items()
        for i, v in enumerate(vals)
    ]


def test_group_signals_hand_values() -> None:
    rows = (
        _long("opposed", {"x": [1, 0], "y": [0, 1]})
        + _long("half", {"x": [1, 1], "y": [2, 0]})
        + _long("same", {"x": [3, 1], "y": [6, 2]})
        + _long("one_group", {"x": [1, 0], "y": [0, 0]})
    )
    out = group_signals(pl.DataFrame(rows))
    d = {r["prompt_id"]: r for r in out.iter_rows(named=True)}
    assert d["opposed"]["disagreement"] == pytest.approx(1.0)
    assert d["opposed"]["polarization"] == pytest.approx(1.0)
    assert d["opposed"]["winners_differ"] is True
    # p = (.5, .5), q = (1, 0): JS = 1.5 - 0.75 log2 3 / ... computed by hand: 0.311278
    assert d["half"]["disagreement"] == pytest.approx(0.311278, abs=1e-6)
    assert d["half"]["polarization"] == pytest.approx(0.5)
    # x's favourites tie (r0, r1) and include y's r0, so the winners do not differ
    assert d["half"]["winners_differ"] is False
    assert d["same"]["disagreement"] == pytest.approx(0.0, abs=1e-12)
    assert d["same"]["polarization"] == pytest.approx(0.0, abs=1e-12)
    assert d["one_group"]["n_groups"] == 1
    assert (
        d["one_group"]["disagreement"],
        d["one_group"]["polarization"],
        d["one_group"]["winners_differ"],
    ) == (0.0, 0.0, False)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 4), st.integers(1, 5), st.data())
def test_group_signals_match_scipy(n_groups: int, k: int, data: st.DataObject) -> None:
    table = {
        f"g{g}": data.draw(
            st.lists(st.integers(0, 5), min_size=k, max_size=k).filter(lambda v: sum(v) > 0)
        )
        for g in range(n_groups)
    }
    out = group_signals(pl.DataFrame(_long("p", table))).row(0, named=True)
    dists = [np.array(v, dtype=float) / sum(v) for v in table.values()]
    js = max(jensenshannon(p, q, base=2) ** 2 for i, p in enumerate(dists) for q in dists[i + 1 :])
    assert out["disagreement"] == pytest.approx(js, abs=1e-9)
    assert out["polarization"] == pytest.approx(1 - np.min(dists, axis=0).sum(), abs=1e-12)
    tops = [set(np.flatnonzero(p == p.max())) for p in dists]
    assert out["winners_differ"] == (not set.intersection(*tops))


def test_edge_signals_columns_and_reasons() -> None:
    scores = pl.DataFrame(
        {
            # prompt 2 comes first and the prompts are interleaved: output is sorted by prompt
            "prompt_id": [2, 1, 2, 1, 1],
            "response_id": ["r0", "r0", "r1", "r1", "r2"],
            "a": [0.0, 1.0, 1.0, 0.0, 0.5],
            "b": [0.0, 0.0, 1.0, 1.0, 0.5],
            "std": [0.0, 0.5, 0.1, 0.5, 0.1],
        }
    )
    ps = pl.DataFrame({"prompt_id": [1, 2], "interval_width": [0.5, None], "agreement": [0.9, 0.1]})
    out = edge_signals(scores, CTX, response="response_id", std="std", prompt_signals=ps)
    assert out["prompt_id"].to_list() == [1, 2]
    r1, r2 = out.to_dicts()
    # prompt 1: (1,0), (0,1), (.5,.5): every pair incomparable, tau = -1, Chebyshev picks r2
    assert r1["conflict"] == 1.0 and r1["rank_corr"] == pytest.approx(-1.0)
    assert r1["chosen_index"] == 2 and r1["chosen_id"] == "r2" and r1["uncertainty"] == 0.1
    assert r1["n_front"] == 3
    assert r1["reasons"] == ["value_conflict", "wide_interval"]
    # prompt 2: r1 dominates r0
    assert r2["conflict"] == 0.0 and r2["rank_corr"] == pytest.approx(1.0)
    assert r2["chosen_id"] == "r1" and r2["n_front"] == 1 and r2["tradeoff_choices"] == 1
    assert r2["reasons"] == ["low_agreement"] and r2["edge"] is True
    assert set(REASONS) >= set(r1["reasons"]) | set(r2["reasons"])


def test_weight_sensitive() -> None:
    ctx = Context.from_dict(
        {**CTX.model_dump(), "weights": {"values": {"a": 0.5, "b": 0.5}, "radius": 0.8}}
    )
    s = pl.DataFrame({"prompt_id": [0, 0, 0], "a": [1.0, 0.0, 0.6], "b": [0.0, 1.0, 0.6]})
    r = edge_signals(s, ctx).row(0, named=True)
    # w = (.5,.5) -> the balanced one; the extreme weights (.9,.1) / (.1,.9) pick the extremes
    assert (
        r["chosen_index"] == 2 and r["tradeoff_choices"] == 3 and "weight_sensitive" in r["reasons"]
    )
    assert math.isclose(r["conflict"], 1.0)


def test_errors() -> None:
    s = pl.DataFrame({"prompt_id": [0, 0], "a": [1.0, 0.0], "b": [0.0, 1.0]})
    with pytest.raises(SchemaError, match=r"\['b'\] not found"):
        edge_signals(s.drop("b"), CTX)
    with pytest.raises(SchemaError, match="'b' has type String"):
        edge_signals(s.with_columns(pl.col("b").cast(pl.String)), CTX)
    with pytest.raises(InputError, match="column 'a'.*row 1"):
        edge_signals(s.with_columns(pl.Series("a", [1.0, math.inf])), CTX)
    with pytest.raises(InputError, match="column 'a'.*row 0"):
        edge_signals(s.with_columns(pl.Series("a", [None, 1.0])), CTX)
    with pytest.raises(InputError, match="polars DataFrame"):
        edge_signals({"a": [1]}, CTX)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="repeated"):
        edge_signals(
            s, CTX, prompt_signals=pl.DataFrame({"prompt_id": [0, 0], "agreement": [1.0, 1.0]})
        )
    with pytest.raises(SchemaError, match="interval_width"):
        edge_signals(s, CTX, prompt_signals=pl.DataFrame({"prompt_id": [0], "alpha": [1.0]}))
    with pytest.raises(InputError, match="threads"):
        edge_signals(s, CTX, threads=0)
    with pytest.raises(SchemaError, match="support"):
        group_signals(pl.DataFrame({"prompt_id": [0], "response_id": [0], "group": ["x"]}))
