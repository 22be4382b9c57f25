"""Sequential-elimination rules: instant runoff, Coombs, Baldwin, Nanson, Bucklin."""

from __future__ import annotations

from typing import Literal

from .._common import Result, TieBreak
from ..profile import Profile, _rule


def instant_runoff(profile: Profile, tie_break: TieBreak = None) -> Result:
    """Instant Runoff (Hare): repeatedly eliminate the candidate with fewest first choices.

    Parameters
    ----------
    profile : Profile
        The weighted ballots.
    tie_break : None, "lexicographic", sequence of candidates or int
        How a tie for elimination is broken: None eliminates all tied candidates at once (the
        convention of pref_voting; if that would remove everyone left, they are the tied
        winners); otherwise the tied candidate latest in a priority order goes: the
        candidates' order (``"lexicographic"``), an explicit order (every candidate once), or
        one drawn from an int seed.

    Returns
    -------
    Result
        The winner(s) and the tie-break applied, if any.

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``, or ``tie_break`` is not one of the
        accepted forms.
    """
    return _rule("instant_runoff", profile, tie_break=tie_break)


def coombs(profile: Profile, tie_break: TieBreak = None) -> Result:
    """Coombs: eliminate the candidate ranked last most often until one has a majority.

    Parameters
    ----------
    profile : Profile
        The weighted ballots.
    tie_break : None, "lexicographic", sequence of candidates or int
        How a tie for elimination is broken: None eliminates all tied candidates at once (the
        convention of pref_voting; if that would remove everyone left, they are the tied
        winners); otherwise the tied candidate latest in a priority order goes: the
        candidates' order (``"lexicographic"``), an explicit order (every candidate once), or
        one drawn from an int seed.

    Returns
    -------
    Result
        The winner(s) and the tie-break applied, if any.

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``, or ``tie_break`` is not one of the
        accepted forms.
    """
    return _rule("coombs", profile, tie_break=tie_break)


def baldwin(profile: Profile, tie_break: TieBreak = None) -> Result:
    """Baldwin: repeatedly eliminate the lowest Borda score.

    Parameters
    ----------
    profile : Profile
        The weighted ballots.
    tie_break : None, "lexicographic", sequence of candidates or int
        How a tie for elimination is broken: None eliminates all tied candidates at once (the
        convention of pref_voting; if that would remove everyone left, they are the tied
        winners); otherwise the tied candidate latest in a priority order goes: the
        candidates' order (``"lexicographic"``), an explicit order (every candidate once), or
        one drawn from an int seed.

    Returns
    -------
    Result
        The winner(s) and the tie-break applied, if any.

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``, or ``tie_break`` is not one of the
        accepted forms.
    """
    return _rule("baldwin", profile, tie_break=tie_break)


def nanson(profile: Profile, variant: Literal["strict", "weak"] = "strict") -> Result:
    """Nanson: repeatedly eliminate candidates with Borda score below (``strict``) or at or
    below (``weak``) the average.

    Parameters
    ----------
    profile : Profile
        The weighted ballots.
    variant : {"strict", "weak"}
        Eliminate below the average Borda score, or at or below it.

    Returns
    -------
    Result
        The winner(s).

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``, or ``variant`` is neither.
    """
    return _rule("nanson", profile, nanson_variant=variant)


def bucklin(profile: Profile) -> Result:
    """Bucklin: add lower preferences round by round until someone has a majority.

    Parameters
    ----------
    profile : Profile
        The weighted ballots.

    Returns
    -------
    Result
        The winner(s) and ``scores``.

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``.
    """
    return _rule("bucklin", profile)
