"""Ranked (ordinal) single-winner rules, split as in ``rust/core/src/choice/ranked``."""

from __future__ import annotations

from .condorcet import (
    MinimaxStrength,
    copeland,
    llull,
    minimax,
    ranked_pairs,
    ranked_pairs_all,
    schulze,
    split_cycle,
    stable_voting,
)
from .elimination import baldwin, bucklin, coombs, instant_runoff, nanson
from .scoring import anti_plurality, borda, plurality, positional, random_dictatorship

__all__ = [
    "MinimaxStrength",
    "anti_plurality",
    "baldwin",
    "borda",
    "bucklin",
    "coombs",
    "copeland",
    "instant_runoff",
    "llull",
    "minimax",
    "nanson",
    "plurality",
    "positional",
    "random_dictatorship",
    "ranked_pairs",
    "ranked_pairs_all",
    "schulze",
    "split_cycle",
    "stable_voting",
]
