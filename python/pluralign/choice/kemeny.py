"""Kemeny–Young: the rankings that agree most with the ballots."""

from __future__ import annotations

from typing import Literal

from ._common import Result, TieBreak
from .profile import Profile, _rule


def kemeny(
    profile: Profile, method: Literal["exact", "local_search"] = "exact", tie_break: TieBreak = None
) -> Result:
    """Kemeny–Young: the ranking(s) maximizing agreement with the ballots. ``exact`` is dynamic
    programming over subsets (LimitError above 20 candidates); ``local_search`` is a heuristic.

    Parameters
    ----------
    profile : Profile
        The weighted ballots.
    method : {"exact", "local_search"}
        Exact dynamic programming, or a local-search heuristic for larger profiles.
    tie_break : None, "lexicographic", sequence of candidates or int
        Which optimal ranking is reported when there are several: each position takes the
        earliest candidate in the priority order that keeps the ranking optimal. None uses the
        candidates' order and reports that a tie-break was needed; otherwise ``"lexicographic"``,
        an explicit order (every candidate once), or one drawn from an int seed.

    Returns
    -------
    Result
        Exact: the winners are all candidates that top some optimal ranking, ``ranking`` the
        one selected by ``tie_break``, ``scores[c]`` the best Kemeny score with ``c`` on top.

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``, ``method`` is neither, or ``tie_break``
        is not one of the accepted forms.
    LimitError
        If ``method="exact"`` and there are more than 20 candidates.
    """
    return _rule("kemeny", profile, tie_break=tie_break, kemeny_method=method)
