"""Kemeny–Young: the rankings that agree most with the ballots."""

from __future__ import annotations

from typing import Literal

from ._common import Result, TieBreak
from .profile import Profile, _rule


def kemeny(
    profile: Profile, method: Literal["exact", "local_search"] = "exact", tie_break: TieBreak = None
) -> Result:
    """Kemeny–Young: the ranking(s) maximizing agreement with the ballots. ``exact`` is dynamic
    programming over subsets (LimitError above 20 candidates); ``local_search`` is a heuristic."""
    return _rule("kemeny", profile, tie_break=tie_break, kemeny_method=method)
