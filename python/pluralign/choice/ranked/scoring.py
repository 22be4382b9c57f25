"""Positional scoring rules (Rust: `ranked/positional.rs`): plurality, Borda, anti-plurality, random
dictatorship."""

from __future__ import annotations

from collections.abc import Sequence

from .._common import Result
from ..profile import Profile, _rule


def plurality(profile: Profile) -> Result:
    """Plurality: one point for each top choice (a top tier of k candidates gives each 1/k).

    >>> from pluralign.choice import Profile, plurality
    >>> p = Profile.from_rankings([["a", "b", "c"], ["b", "a", "c"], ["a", "c", "b"]])
    >>> plurality(p).scores
    {'a': 2.0, 'b': 1.0, 'c': 0.0}
    """
    return _rule("plurality", profile)


def borda(profile: Profile) -> Result:
    """Borda count (tie-aware: a tier shares the average of the positions it spans, Black 1976);
    equivalently wins plus half-ties against every other candidate."""
    return _rule("borda", profile)


def anti_plurality(profile: Profile) -> Result:
    """Anti-plurality (veto): minus the weight of ballots ranking the candidate last."""
    return _rule("anti_plurality", profile)


def positional(profile: Profile, scores: Sequence[float]) -> Result:
    """A positional scoring rule with ``scores[k]`` for position k (tiers share the average)."""
    return _rule("positional", profile, scores=[float(s) for s in scores])


def random_dictatorship(profile: Profile) -> Result:
    """Random dictatorship: the probability that a random ballot's top choice wins."""
    return _rule("random_dictatorship", profile)
