"""Positional scoring rules (Rust: `ranked/positional.rs`): plurality, Borda, anti-plurality, random
dictatorship."""

from __future__ import annotations

from collections.abc import Sequence

from .._common import Result
from ..profile import Profile, _rule


def plurality(profile: Profile) -> Result:
    """Plurality: one point for each top choice (a top tier of k candidates gives each 1/k).

    Parameters
    ----------
    profile : Profile
        The weighted ballots.

    Returns
    -------
    Result
        Winners (all tied top scorers), the ranking by score and ``scores`` per candidate: the
        weight of the ballots ranking it first.

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``.

    Examples
    --------
    >>> from pluralign.choice import Profile, plurality
    >>> p = Profile.from_rankings([["a", "b", "c"], ["b", "a", "c"], ["a", "c", "b"]])
    >>> plurality(p).scores
    {'a': 2.0, 'b': 1.0, 'c': 0.0}
    """
    return _rule("plurality", profile)


def borda(profile: Profile) -> Result:
    """Borda count (tie-aware: a tier shares the average of the positions it spans, Black 1976);
    equivalently wins plus half-ties against every other candidate.

    Parameters
    ----------
    profile : Profile
        The weighted ballots.

    Returns
    -------
    Result
        Winners (all tied top scorers), the ranking by score and ``scores`` per candidate (``m - 1``
        points for a first place, 0 for a last, times the ballot weight).

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``.
    """
    return _rule("borda", profile)


def anti_plurality(profile: Profile) -> Result:
    """Anti-plurality (veto): the fewer ballots rank a candidate last, the better.

    Parameters
    ----------
    profile : Profile
        The weighted ballots.

    Returns
    -------
    Result
        Winners (all tied top scorers), the ranking by score and ``scores`` per candidate: the
        total weight minus the weight of the ballots ranking it last.

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``.
    """
    return _rule("anti_plurality", profile)


def positional(profile: Profile, scores: Sequence[float]) -> Result:
    """A positional scoring rule with ``scores[k]`` for position k (tiers share the average).

    Parameters
    ----------
    profile : Profile
        The weighted ballots.
    scores : sequence of float
        One finite score per position, first place first (``m`` entries for ``m`` candidates).

    Returns
    -------
    Result
        Winners (all tied top scorers), the ranking by score and ``scores`` per candidate.

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``, or ``scores`` does not have one
        finite entry per candidate.
    """
    return _rule("positional", profile, scores=[float(s) for s in scores])


def random_dictatorship(profile: Profile) -> Result:
    """Random dictatorship: the probability that a random ballot's top choice wins.

    Parameters
    ----------
    profile : Profile
        The weighted ballots.

    Returns
    -------
    Result
        Winners (all tied top scorers), the ranking by score and ``scores`` per candidate: its
        winning probability (a top tier of k candidates gives each 1/k of the ballot's weight).

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``.
    """
    return _rule("random_dictatorship", profile)
