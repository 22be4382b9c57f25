"""One vocabulary (docs/conventions.md): every renamed keyword still works for one release
under its old name, gives the same answer and warns (DeprecationWarning naming both names)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest
from pluralign import choice, edge, govern, metrics, prefs, stats
from pluralign.errors import InputError
from pluralign.scale import BradleyTerryState, ParetoFrontState, TallyState

CMP = pl.DataFrame(
    {
        "chosen_id": ["a", "a", "b", "c", "a"],
        "rejected_id": ["b", "c", "c", "a", "b"],
        "group": ["x", "x", "y", "y", "y"],
    }
)
VOTES = pl.DataFrame(
    {
        "statement_id": [1, 1, 1, 1, 2, 2],
        "group": ["A", "A", "B", "B", "A", "B"],
        "vote": [1, 1, -1, -1, 1, 1],
    }
)
RATINGS = pl.DataFrame(
    {
        "prompt_id": [1, 1, 1],
        "response_id": ["r1", "r2", "r3"],
        "objective": ["help"] * 3,
        "score": [3.0, 1.0, 2.0],
    }
)
RANKINGS = pl.DataFrame(
    {"ranking": [[["a"], ["b"]], [["b"], ["a"]], [["a"], ["b"]]], "group": ["x", "y", "x"]}
)
CTX = govern.Context.from_dict({"name": "t", "objectives": [{"name": "u", "direction": "max"}]})
SCORES = pl.DataFrame(
    {"prompt_id": [1, 1, 2], "response_id": ["p", "q", "r"], "u": [1.0, 0.0, 0.5]}
)
GS = pl.DataFrame(
    {
        "prompt_id": [1, 1, 1, 1],
        "response_id": ["p", "q", "p", "q"],
        "group": ["g", "g", "h", "h"],
        "support": [3.0, 1.0, 0.0, 2.0],
    }
)
DEC = pl.DataFrame({"prompt_id": [1], "chosen": ["p"], "pick": ["p"]})

Call = Callable[[], Any]

# (what, call with the new name, call with the old name, old keyword)
CASES: list[tuple[str, Call, Call, str]] = [
    (
        "tally",
        lambda: prefs.tally(CMP, groups="group").finalize(),
        lambda: prefs.tally(CMP, by="group").finalize(),
        "by",
    ),
    (
        "bradley_terry",
        lambda: stats.bradley_terry(CMP, groups="group", l2=0.1),
        lambda: stats.bradley_terry(CMP, by="group", l2=0.1),
        "by",
    ),
    (
        "disagreement",
        lambda: stats.disagreement(VOTES, item="statement_id", groups="group"),
        lambda: stats.disagreement(VOTES, by="statement_id", group="group"),
        "by",
    ),
    (
        "ratings_to_pairs",
        lambda: prefs.ratings_to_pairs(RATINGS, groups="prompt_id")[0],
        lambda: prefs.ratings_to_pairs(RATINGS, by="prompt_id")[0],
        "by",
    ),
    (
        "pareto_pairs",
        lambda: prefs.pareto_pairs(RATINGS, ["help"], groups="prompt_id")[0],
        lambda: prefs.pareto_pairs(RATINGS, ["help"], by="prompt_id")[0],
        "by",
    ),
    (
        "split",
        lambda: prefs.split(RATINGS, groups="response_id", fractions={"a": 0.5, "b": 0.5}),
        lambda: prefs.split(RATINGS, by="response_id", fractions={"a": 0.5, "b": 0.5}),
        "by",
    ),
    (
        "TallyState",
        lambda: TallyState(groups="group").update(CMP).finalize(),
        lambda: TallyState(by="group").update(CMP).finalize(),
        "by",
    ),
    (
        "BradleyTerryState",
        lambda: BradleyTerryState(groups="group").update(CMP).finalize(l2=0.1),
        lambda: BradleyTerryState(by="group").update(CMP).finalize(l2=0.1),
        "by",
    ),
    (
        "ParetoFrontState",
        lambda: ParetoFrontState(["u"], groups="prompt_id").update(SCORES).finalize(),
        lambda: ParetoFrontState(["u"], by="prompt_id").update(SCORES).finalize(),
        "by",
    ),
    (
        "Profile.by",
        lambda: {
            k: p.support().tolist() for k, p in choice.Profile.by(RANKINGS, groups="group").items()
        },
        lambda: {
            k: p.support().tolist() for k, p in choice.Profile.by(RANKINGS, group="group").items()
        },
        "group",
    ),
    (
        "minimax",
        lambda: choice.minimax(choice.Profile.from_rankings(RANKINGS), "margin").scores,
        lambda: choice.minimax(choice.Profile.from_rankings(RANKINGS), "margins").scores,
        "margins",
    ),
    (
        "edge_signals",
        lambda: edge.edge_signals(SCORES, CTX, response="response_id"),
        lambda: edge.edge_signals(SCORES, CTX, response_id="response_id"),
        "response_id",
    ),
    (
        "group_signals",
        lambda: edge.group_signals(GS, response="response_id"),
        lambda: edge.group_signals(GS, response_id="response_id"),
        "response_id",
    ),
    (
        "Arbiter.decide_batch",
        lambda: edge.Arbiter(CTX).decide_batch(SCORES, response="response_id"),
        lambda: edge.Arbiter(CTX).decide_batch(SCORES, response_id="response_id"),
        "response_id",
    ),
    (
        "representation_loss",
        lambda: metrics.representation_loss(GS, DEC, chosen="pick").table,
        lambda: metrics.representation_loss(GS, DEC, chosen_col="pick").table,
        "chosen_col",
    ),
    (
        "representation_loss",
        lambda: metrics.representation_loss(GS, decisions=DEC).table,
        lambda: metrics.representation_loss(GS, chosen=DEC).table,
        "chosen",
    ),
    (
        "representation_loss",
        lambda: metrics.representation_loss(GS, DEC, response="response_id").table,
        lambda: metrics.representation_loss(GS, DEC, response_id="response_id").table,
        "response_id",
    ),
]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and a and isinstance(next(iter(a.values())), pl.DataFrame):
        return a.keys() == b.keys() and all(a[k].equals(b[k]) for k in a)
    return a.equals(b) if isinstance(a, pl.DataFrame) else a == b


@pytest.mark.parametrize(
    ("what", "new", "old", "old_name"), CASES, ids=[f"{c[0]}-{c[3]}" for c in CASES]
)
def test_old_name_warns_and_gives_the_same_answer(
    what: str, new: Call, old: Call, old_name: str
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new name is silent
        want = new()
    with pytest.warns(DeprecationWarning, match=rf"{what}: .*{old_name}.* is deprecated") as rec:
        got = old()
    assert _same(got, want)
    assert rec[0].filename == __file__  # the warning points at the caller's line


def test_known_answers_under_the_new_names() -> None:
    # a beats b twice in group x ... per group: x has a>b, a>c; y has b>c, c>a, a>b
    t = prefs.tally(CMP, groups="group").finalize().sort("group", "item_a", "item_b")
    assert t.select("group", "item_a", "item_b", "wins_a", "wins_b").rows() == [
        ("x", "a", "b", 1.0, 0.0),
        ("x", "a", "c", 1.0, 0.0),
        ("y", "a", "b", 1.0, 0.0),
        ("y", "a", "c", 0.0, 1.0),
        ("y", "b", "c", 1.0, 0.0),
    ]
    d = stats.disagreement(VOTES, item="statement_id", groups="group")
    # statement 1: A agrees, B disagrees -> the groups' majorities differ; 2: both agree
    assert d.get_column("majorities_differ").to_list() == [True, False]
    # group g's best is p (chosen: satisfaction 1), h's best is q (p got 0): gap 1
    assert metrics.representation_loss(GS, DEC, chosen="pick").value == pytest.approx(1.0)


def test_passing_both_names_is_an_error() -> None:
    with pytest.raises(InputError, match="pass groups= only"):
        stats.bradley_terry(CMP, groups="group", by="group")
    with pytest.raises(InputError, match="pass response= only"):
        edge.edge_signals(SCORES, CTX, response="response_id", response_id="response_id")
