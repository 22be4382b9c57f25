"""Preference data: readers, validation and transforms (polars in and out).

See ``docs/prefs.md``. Canonical tables (comparisons, ratings, rankings, votes, scores) follow the
data contract in the project design; every reader returns a validated canonical table.
"""

from __future__ import annotations

from ._ids import content_id, content_ids
from ._io import TABLE_FORMATS, read_table, write_table
from .pairs import pareto_pairs, ratings_to_pairs, votes_to_comparisons
from .readers import (
    PolisConversation,
    PreflibData,
    read_pairs,
    read_polis,
    read_preflib,
    read_rankings,
    read_ratings,
    split_dialogue,
)
from .tally import Tally, tally
from .transforms import DropSummary, dedupe, split
from .validate import validate

__all__ = [
    "TABLE_FORMATS",
    "DropSummary",
    "PolisConversation",
    "PreflibData",
    "Tally",
    "content_id",
    "content_ids",
    "dedupe",
    "pareto_pairs",
    "ratings_to_pairs",
    "read_pairs",
    "read_polis",
    "read_preflib",
    "read_rankings",
    "read_ratings",
    "read_table",
    "split",
    "split_dialogue",
    "tally",
    "validate",
    "votes_to_comparisons",
    "write_table",
]
