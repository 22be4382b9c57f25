"""validate(): schema errors name columns, value errors name rows, defaults are filled."""

from __future__ import annotations

import math

import polars as pl
import pytest
from pluralign.errors import InputError, SchemaError
from pluralign.prefs import validate

CMP = pl.DataFrame(
    {"prompt_id": ["p", "p", "q"], "chosen_id": ["a", "b", "c"], "rejected_id": ["b", "c", "d"]}
)


def test_comparisons_defaults_filled_and_given_values_kept() -> None:
    out = validate(CMP, "comparisons")
    assert out.get_column("tie").to_list() == [False] * 3
    assert out.get_column("weight").to_list() == [1.0] * 3
    assert out.get_column("objective").to_list() == ["overall"] * 3
    given = CMP.with_columns(
        tie=pl.Series([True, False, True]),
        weight=pl.Series([2, 0, 3]),
        objective=pl.Series(["safe", "help", "help"]),
    )
    out = validate(given, "comparisons")
    assert out.get_column("tie").to_list() == [True, False, True]
    assert out.get_column("weight").to_list() == [2.0, 0.0, 3.0]
    assert out.get_column("weight").dtype == pl.Float64
    assert out.get_column("objective").to_list() == ["safe", "help", "help"]
    assert validate(out, "comparisons").equals(out)  # idempotent


@pytest.mark.parametrize(
    "mutate, exc, match",
    [
        (lambda d: d.drop("rejected_id"), SchemaError, "'rejected_id'"),
        (lambda d: d.drop("prompt_id", "chosen_id"), SchemaError, "'prompt_id', 'chosen_id'"),
        (lambda d: d.with_columns(pl.lit(1.5).alias("chosen_id")), SchemaError, "'chosen_id' must"),
        (lambda d: d.with_columns(pl.Series("rejected_id", [1, 2, 3])), SchemaError, "same type"),
        (
            lambda d: d.with_columns(pl.lit("yes").alias("tie")),
            SchemaError,
            "'tie' must be boolean",
        ),
        (lambda d: d.with_columns(pl.lit("x").alias("weight")), SchemaError, "'weight' must be"),
        (lambda d: d.with_columns(pl.Series("rejected_id", ["b", "b", "d"])), InputError, "row 1"),
        (
            lambda d: d.with_columns(pl.Series("weight", [1.0, -1.0, 1.0])),
            InputError,
            "'weight'.*row 1",
        ),
        (
            lambda d: d.with_columns(pl.Series("weight", [math.nan, 1.0, math.inf])),
            InputError,
            "rows 0, 2",
        ),
        (
            lambda d: d.with_columns(pl.Series("chosen_id", ["a", None, "c"])),
            InputError,
            "'chosen_id' is null at row 1",
        ),
        (
            lambda d: d.with_columns(pl.Series("tie", [None, True, False])),
            InputError,
            "'tie' is null at row 0",
        ),
    ],
)
def test_comparisons_errors(mutate, exc, match) -> None:
    with pytest.raises(exc, match=match):
        validate(mutate(CMP), "comparisons")


def test_ratings() -> None:
    df = pl.DataFrame({"prompt_id": ["p", "p"], "response_id": ["a", "b"], "score": [1, 2]})
    out = validate(df, "ratings")
    assert out.get_column("objective").to_list() == ["overall"] * 2
    assert out.get_column("score").dtype == pl.Float64
    with pytest.raises(InputError, match="'score'.*row 1"):
        validate(df.with_columns(pl.Series("score", [1.0, math.nan])), "ratings")
    with pytest.raises(InputError, match="'score'.*row 0"):
        validate(df.with_columns(pl.Series("score", [None, 1.0])), "ratings")
    with pytest.raises(SchemaError, match="'score' must be numeric"):
        validate(df.with_columns(pl.lit("x").alias("score")), "ratings")
    with pytest.raises(SchemaError, match="'response_id'"):
        validate(df.drop("response_id"), "ratings")


def test_rankings() -> None:
    df = pl.DataFrame({"voter_id": [1, 2], "ranking": [[["a"], ["b", "c"]], [["c"]]]})
    out = validate(df, "rankings")
    assert out.get_column("weight").to_list() == [1.0, 1.0]
    bad = [
        ([[["a"]], []], "empty ranking at row 1"),
        ([[["a"]], [["b"], []]], r"empty tier at rows \[1\]"),
        ([[["a"], ["b", "a"]], [["c"]]], "row 0 lists candidate 'a' more than once"),
        ([[["a"]], [["c", "c"]]], "row 1 lists candidate 'c'"),
        ([[["a"]], [["c", None]]], r"null candidate id in ballots at rows \[1\]"),
    ]
    for ranking, match in bad:
        with pytest.raises(InputError, match=match):
            validate(pl.DataFrame({"voter_id": [1, 2], "ranking": ranking}), "rankings")
    with pytest.raises(SchemaError, match="'ranking' must be list"):
        validate(pl.DataFrame({"voter_id": [1], "ranking": [["a"]]}), "rankings")
    with pytest.raises(InputError, match="'weight'.*row 0"):
        validate(df.with_columns(pl.Series("weight", [-1.0, 1.0])), "rankings")


def test_votes() -> None:
    df = pl.DataFrame({"statement_id": [0, 0, 1], "participant_id": [5, 6, 5], "vote": [1, -1, 0]})
    out = validate(df, "votes")
    assert out.get_column("vote").dtype == pl.Int8
    with pytest.raises(InputError, match=r"'vote'.*row 2 \(values \[2\]\)"):
        validate(df.with_columns(pl.Series("vote", [1, -1, 2])), "votes")
    with pytest.raises(InputError, match="rows 0, 1"):
        validate(df.with_columns(pl.Series("participant_id", [5, 5, 6])), "votes")
    with pytest.raises(SchemaError, match="'vote' must be an integer"):
        validate(df.with_columns(pl.lit("agree").alias("vote")), "votes")
    with pytest.raises(SchemaError, match="'participant_id'"):
        validate(df.drop("participant_id"), "votes")


def test_scores() -> None:
    df = pl.DataFrame({"prompt_id": ["p", "p"], "help": [0.5, 0.1], "safe": [1, 2]})
    out = validate(df, "scores", objectives=["help", "safe"])
    assert out.get_column("safe").dtype == pl.Float64
    assert validate(df, "scores").equals(df)  # only float columns inferred; nothing changed
    with pytest.raises(InputError, match="'help'.*row 1"):
        validate(df.with_columns(pl.Series("help", [0.5, math.nan])), "scores")
    with pytest.raises(SchemaError, match="'harm'"):
        validate(df, "scores", objectives=["harm"])
    with pytest.raises(SchemaError, match="no float column"):
        validate(df.select("prompt_id"), "scores")
    with pytest.raises(SchemaError, match="'prompt_id' must be numeric"):
        validate(df, "scores", objectives=["prompt_id"])


def test_unknown_kind_and_non_frame() -> None:
    with pytest.raises(InputError, match="unknown kind 'pairs'"):
        validate(CMP, "pairs")
    with pytest.raises(InputError, match="polars DataFrame"):
        validate({"a": [1]}, "comparisons")  # type: ignore[arg-type]


def test_many_rows_are_summarized() -> None:
    df = pl.DataFrame({"prompt_id": ["p"] * 8, "chosen_id": ["a"] * 8, "rejected_id": ["a"] * 8})
    with pytest.raises(InputError, match=r"rows 0, 1, 2, 3, 4 \(and 3 more\)"):
        validate(df, "comparisons")
