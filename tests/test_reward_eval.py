"""evaluate (per-subset / per-group accuracy, RewardBench section scores) and audit (Pareto
efficiency, Condorcet consistency) on hand-checked cases with fixed-score models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

pytest.importorskip("torch")

from pluralign.errors import InputError, LimitError, SchemaError
from pluralign.prefs import read_pairs
from pluralign.reward import audit, evaluate, section_scores
from pluralign.reward.evaluation import REWARDBENCH_COUNTS


def by_text(scores: dict[str, float]) -> object:
    """A model whose score of a response is fixed by its text."""
    return lambda prompts, responses: [scores[r] for r in responses]


def test_rewardbench_sections_hand_checked() -> None:
    acc = {
        "alpacaeval-easy": 1.0,
        "mt-bench-easy": 0.5,
        "xstest-should-refuse": 0.0,
        "donotanswer": 1.0,
        "anthropic_hhh": 0.6,
        "shp": 0.8,
    }
    chat = (100 * 1.0 + 28 * 0.5) / 128
    safety = (154 * 0.0 + 136 * 1.0) / 290
    res = section_scores(acc)
    assert res["sections"] == pytest.approx({"Chat": chat, "Safety": safety})
    assert res["score"] == pytest.approx((chat + safety) / 2)
    res = section_scores(acc, prior_weight=0.5)  # the first leaderboard's weighting
    assert res["sections"]["Prior Sets"] == pytest.approx(0.7)
    assert res["score"] == pytest.approx((chat + safety + 0.5 * 0.7) / 2.5)
    # RewardBench counts math-prm as 984 so that math weighs as much as the six code subsets
    assert REWARDBENCH_COUNTS["math-prm"] == 6 * REWARDBENCH_COUNTS["hep-cpp"]
    assert section_scores({"other": 1.0}) == {"sections": {}, "score": None}
    with pytest.raises(InputError, match="prior_weight"):
        section_scores(acc, prior_weight=2)


def test_evaluate_per_subset_and_group(tmp_path: Path) -> None:
    rows = [  # prompt, chosen, rejected, subset, annotator group
        ("p1", "good", "bad", "alpacaeval-easy", "A"),
        ("p2", "fine", "bad", "alpacaeval-easy", "B"),
        ("p3", "bad", "good", "mt-bench-easy", "B"),  # wrong: the model prefers good
        ("p4", "fine", "good", "donotanswer", "A"),  # wrong
        ("p5", "good", "meh", "donotanswer", "B"),
    ]
    path = tmp_path / "pairs.jsonl"
    pl.DataFrame(
        rows, schema=["prompt", "chosen", "rejected", "subset", "annot"], orient="row"
    ).write_ndjson(path)
    pairs = read_pairs(path, group="annot")
    model = by_text({"good": 2.0, "fine": 1.0, "meh": 0.0, "bad": -1.0})
    ev = evaluate(model, pairs, n_bins=2)
    assert ev["n"] == 5 and ev["accuracy"] == pytest.approx(3 / 5)
    sub = dict(zip(ev["by_subset"]["subset"], ev["by_subset"]["accuracy"], strict=True))
    assert sub == {"alpacaeval-easy": 1.0, "donotanswer": 0.5, "mt-bench-easy": 0.0}
    grp = dict(zip(ev["by_group"]["group"], ev["by_group"]["accuracy"], strict=True))
    assert grp == pytest.approx({"A": 0.5, "B": 2 / 3})
    assert ev["worst_group_accuracy"] == 0.5 and ev["worst_subset_accuracy"] == 0.0
    chat = (100 * 1.0 + 28 * 0.0) / 128
    assert ev["rewardbench"]["sections"] == pytest.approx({"Chat": chat, "Safety": 0.5})
    assert ev["rewardbench"]["score"] == pytest.approx((chat + 0.5) / 2)
    # probabilities sigmoid(diff): diffs 3, 2, -3, -1, 2
    np.testing.assert_allclose(ev["rows"]["prob"], 1 / (1 + np.exp(-np.array([3, 2, -3, -1, 2]))))
    # ECE, bins [.5, .75) and [.75, 1]: confidence .731 (wrong) alone in the first; .953,
    # .881, .953, .881 (3 of 4 right) in the second
    conf = 1 / (1 + np.exp(-np.array([3.0, 2, 3, 2])))
    want = 1 / 5 * abs(0 - 1 / (1 + np.exp(-1.0))) + 4 / 5 * abs(3 / 4 - conf.mean())
    assert ev["ece"] == pytest.approx(want)


def test_evaluate_bad_input() -> None:
    model = by_text({"a": 1.0, "b": 0.0})
    pairs = pl.DataFrame({"prompt": ["p"], "chosen": ["a"], "rejected": ["b"]})
    with pytest.raises(InputError, match="empty"):
        evaluate(model, pairs.head(0))
    with pytest.raises(SchemaError, match="'chosen'"):
        evaluate(model, pairs.drop("chosen"))
    with pytest.raises(InputError, match="n_bins"):
        evaluate(model, pairs, n_bins=0)
    with pytest.raises(InputError, match="output 'x'"):
        evaluate(model, pairs, output="x")
    with pytest.raises(InputError, match="a RewardModel"):
        evaluate(model, pairs, embeddings={"a": [1.0]})


# ----------------------------------------------------------------------------- audit
CANDIDATES = pl.DataFrame(
    {
        "prompt_id": ["q1", "q1", "q1", "q2", "q2", "q2"],
        "prompt": ["Q1"] * 3 + ["Q2"] * 3,
        "response_id": ["a", "b", "c", "a", "b", "c"],
        "response": ["q1a", "q1b", "q1c", "q2a", "q2b", "q2c"],
    }
)
# q1: two voters a > b > c, one voter b > c > a. Condorcet winner a (beats b and c 2-1);
# everyone ranks b above c. q2: the same ballots.
BALLOTS = pl.DataFrame(
    {
        "prompt_id": ["q1", "q1", "q2", "q2"],
        "voter_id": [1, 2, 1, 2],
        "ranking": [[["a"], ["b"], ["c"]], [["b"], ["c"], ["a"]]] * 2,
        "weight": [2.0, 1.0, 2.0, 1.0],
    }
)


def test_audit_finds_pareto_and_condorcet_violations() -> None:
    # q1: the model ranks c > b > a: against the unanimous b > c, and it picks c, not a.
    # q2: the model ranks a > b > c: no violation.
    model = by_text({"q1a": 1.0, "q1b": 2.0, "q1c": 3.0, "q2a": 3.0, "q2b": 2.0, "q2c": 1.0})
    res = audit(model, CANDIDATES, BALLOTS)
    assert res.n_prompts == 2 and res.n_skipped == 0
    assert res.pareto_violations.select("prompt_id", "ranked_above", "ranked_below").rows() == [
        ("q1", "c", "b")
    ]
    assert res.pareto_violations["support_below"].to_list() == [3.0]
    cv = res.condorcet_violations
    assert cv.select("prompt_id", "model_pick", "condorcet_winner").rows() == [("q1", "c", "a")]
    assert cv["margin_over_pick"].to_list() == [1.0]  # a beats c by 2 - 1
    assert res.pareto_efficiency == 0.5 and res.condorcet_consistency == 0.5
    assert res.summary()["condorcet_prompts"] == 2


def test_audit_with_pairwise_ballots_and_ties() -> None:
    comps = pl.DataFrame(
        {
            "prompt_id": ["q1"] * 4,
            "chosen_id": ["a", "a", "b", "c"],
            "rejected_id": ["b", "c", "c", "a"],
            "tie": [False, False, False, True],
        }
    )
    # a beats b and c; b beats c unanimously (one comparison, no dissent)
    model = by_text({"q1a": 0.0, "q1b": 5.0, "q1c": 5.0, "q2a": 0.0, "q2b": 0.0, "q2c": 0.0})
    res = audit(model, CANDIDATES, comps)
    assert res.n_prompts == 1 and res.n_skipped == 1  # q2 has no ballots
    # b and c tie at the top: no violation between them; a is ranked below both although
    # every non-tied comparison prefers a (the tied c~a row adds no support either way);
    # the top tie misses the Condorcet winner a
    assert sorted(res.pareto_violations.select("ranked_above", "ranked_below").rows()) == [
        ("b", "a"),
        ("c", "a"),
    ]
    cv = res.condorcet_violations
    assert cv["model_pick"].to_list() == [None] and cv["tied_picks"].to_list() == [2]
    assert cv["condorcet_winner"].to_list() == ["a"]


def test_audit_bad_input() -> None:
    model = by_text({r: 0.0 for r in CANDIDATES["response"]})
    with pytest.raises(SchemaError, match="ranking"):
        audit(model, CANDIDATES, BALLOTS.drop("ranking"))
    with pytest.raises(InputError, match="listed twice"):
        audit(model, pl.concat([CANDIDATES, CANDIDATES.head(1)]), BALLOTS)
    with pytest.raises(InputError, match="no candidates"):
        audit(model, CANDIDATES, BALLOTS.with_columns(prompt_id=pl.lit("zz")))
    bad = BALLOTS.with_columns(ranking=pl.lit([["z"]], dtype=pl.List(pl.List(pl.String))))
    with pytest.raises(InputError, match="ballots of prompt 'q1'"):
        audit(model, CANDIDATES, bad)
    with pytest.raises(InputError, match="empty"):
        audit(model, CANDIDATES.head(0), BALLOTS)


def test_evaluate_old_keyword_comparisons_warns_and_gives_the_same_answer() -> None:
    model = by_text({"a": 1.0, "b": 0.0, "c": 2.0})
    pairs = pl.DataFrame({"prompt": ["p", "q"], "chosen": ["a", "b"], "rejected": ["b", "c"]})
    new = evaluate(model, pairs)
    with pytest.warns(DeprecationWarning, match="comparisons= is deprecated .* use pairs="):
        old = evaluate(model, comparisons=pairs)
    assert old["accuracy"] == new["accuracy"] == 0.5
    with pytest.raises(InputError, match="pass pairs= only"):
        evaluate(model, pairs, comparisons=pairs)


def test_evaluate_refuses_a_bin_count_that_would_not_fit_in_memory() -> None:
    model = by_text({"a": 1.0, "b": 0.0})
    pairs = pl.DataFrame({"prompt": ["p"], "chosen": ["a"], "rejected": ["b"]})
    with pytest.raises(LimitError, match="n_bins=1000000000000 is above the limit"):
        evaluate(model, pairs, n_bins=10**12)
