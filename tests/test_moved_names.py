"""Names that moved out of ``pluralign.report.pipeline`` into the library proper: the new homes
give the known answers, the old names still work for one release with a DeprecationWarning."""

from __future__ import annotations

import polars as pl
import pytest
from pluralign import edge, prefs, reward
from pluralign.errors import InputError, SchemaError

VOTES = pl.DataFrame(
    {"statement_id": [1, 2, 3, 1, 2], "participant_id": [7, 7, 7, 8, 8], "vote": [1, -1, 0, 0, 0]}
)


def test_votes_to_comparisons_hand_example() -> None:
    # participant 7: 1 (agree) > 3 (pass) > 2 (disagree): three comparisons; participant 8
    # passed on both: equal votes give none
    got = prefs.votes_to_comparisons(VOTES).sort("chosen_id", "rejected_id")
    assert got.rows() == [(1, 2, 7, 1.0), (1, 3, 7, 1.0), (3, 2, 7, 1.0)]
    assert got.columns == ["chosen_id", "rejected_id", "annotator_id", "weight"]


def test_votes_to_comparisons_rejects_bad_votes() -> None:
    with pytest.raises(SchemaError, match="vote"):
        prefs.votes_to_comparisons(VOTES.drop("vote"))
    with pytest.raises(InputError, match="row 1"):
        prefs.votes_to_comparisons(VOTES.with_columns(pl.Series("vote", [1, 2, 0, 0, 0])))
    with pytest.raises(InputError, match="polars.from_pandas"):
        pd = pytest.importorskip("pandas")
        prefs.votes_to_comparisons(pd.DataFrame({"vote": [1]}))


def test_edge_table_known_answer() -> None:
    # prompt b: one candidate dominates on both objectives, the arbiter answers with it
    scores = pl.DataFrame(
        {
            "prompt_id": ["b", "b"],
            "response_id": ["b1", "b2"],
            "helpful": [1.0, 0.0],
            "harmless": [1.0, 0.0],
        }
    )
    d = edge.edge_table(scores)
    assert d.height == 1
    row = d.row(0, named=True)
    assert row["action"] == "answer" and row["chosen"] == "b1" and row["conflict"] == 0.0
    with pytest.raises(InputError, match="no_such_context"):
        edge.edge_table(scores, context="no_such_context")
    with pytest.raises(SchemaError, match="prompt_id"):
        edge.edge_table(scores.drop("prompt_id"))


@pytest.mark.parametrize(
    ("name", "home"),
    [("votes_to_comparisons", prefs), ("edge_table", edge), ("train_reward", reward)],
)
def test_old_pipeline_names_warn(name: str, home: object) -> None:
    from pluralign.report import pipeline

    with pytest.warns(DeprecationWarning, match=f"pipeline.{name} is deprecated"):
        old = getattr(pipeline, name)
    assert old is getattr(home, name)
    with pytest.raises(AttributeError):
        pipeline.no_such_name  # noqa: B018
