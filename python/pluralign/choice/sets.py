"""Majority sets: Condorcet winner and loser, Smith, Schwartz and uncovered sets."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Literal

from .profile import Profile, _set


def condorcet_winner(profile: Profile) -> Hashable | None:
    """The candidate beating every other by a strict majority, if any.

    Parameters
    ----------
    profile : Profile
        The weighted ballots.

    Returns
    -------
    Hashable or None
        The Condorcet winner, or None when there is none.

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``.

    Examples
    --------
    >>> from pluralign.choice import Profile, condorcet_winner
    >>> condorcet_winner(Profile.from_rankings([["a", "b"], ["b", "a"], ["a", "b"]]))
    'a'
    >>> condorcet_winner(Profile.from_rankings([["a", "b"], ["b", "a"]])) is None
    True
    """
    s = _set("condorcet_winner", profile)
    return s[0] if s else None


def condorcet_loser(profile: Profile) -> Hashable | None:
    """The candidate losing to every other by a strict majority, if any.

    Parameters
    ----------
    profile : Profile
        The weighted ballots.

    Returns
    -------
    Hashable or None
        The Condorcet loser, or None when there is none.

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``.
    """
    s = _set("condorcet_loser", profile)
    return s[0] if s else None


def smith_set(profile: Profile) -> frozenset:
    """The smallest set whose members beat everyone outside it.

    Parameters
    ----------
    profile : Profile
        The weighted ballots.

    Returns
    -------
    frozenset
        The Smith set (never empty).

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``.
    """
    return frozenset(_set("smith_set", profile))


def schwartz_set(profile: Profile) -> frozenset:
    """The union of minimal sets undominated from outside (Schwartz 1986).

    Parameters
    ----------
    profile : Profile
        The weighted ballots.

    Returns
    -------
    frozenset
        The Schwartz set (never empty; a subset of the Smith set).

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``.
    """
    return frozenset(_set("schwartz_set", profile))


def uncovered_set(
    profile: Profile, covering: Literal["gillies", "miller", "mckelvey"] = "gillies"
) -> frozenset:
    """Candidates no other candidate covers (Gillies, Miller or McKelvey covering).

    Parameters
    ----------
    profile : Profile
        The weighted ballots.
    covering : {"gillies", "miller", "mckelvey"}
        Which covering relation defines the set.

    Returns
    -------
    frozenset
        The uncovered set (never empty).

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``, or ``covering`` is not one of the
        three.
    """
    return frozenset(_set("uncovered_set", profile, covering=covering))
