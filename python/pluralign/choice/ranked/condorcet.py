"""Condorcet-consistent ranked rules built on the pairwise majority graph."""

from __future__ import annotations

import typing
from typing import Literal

from ... import _validate as _v
from ...errors import InputError
from .._common import Result, TieBreak
from ..profile import Profile, _rule


def copeland(profile: Profile, alpha: float = 0.5) -> Result:
    """Copeland: pairwise wins plus ``alpha`` per pairwise tie (alpha=1 is Llull).

    Parameters
    ----------
    profile : Profile
        The weighted ballots.
    alpha : float
        Points for a pairwise tie, in [0, 1].

    Returns
    -------
    Result
        ``scores`` are the Copeland scores; the winners have the highest.

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``, or ``alpha`` is outside [0, 1].
    """
    if not 0 <= alpha <= 1:
        raise InputError(f"alpha must be in [0, 1], got {alpha}")
    return _rule("copeland", profile, alpha=float(alpha))


def llull(profile: Profile) -> Result:
    """Llull: Copeland with a full point for ties.

    Parameters
    ----------
    profile : Profile
        The weighted ballots.

    Returns
    -------
    Result
        ``scores`` are the Llull scores; the winners have the highest.

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``.
    """
    return _rule("llull", profile)


MinimaxStrength = Literal["margin", "winning", "pairwise_opposition"]
# the kernel's names of the strengths (it predates the shared vocabulary of schulze)
_MINIMAX_KERNEL = {
    "margin": "margins",
    "winning": "winning_votes",
    "winning_votes": "winning_votes",
    "pairwise_opposition": "pairwise_opposition",
}


def minimax(profile: Profile, strength: MinimaxStrength = "margin") -> Result:
    """Minimax (Simpson–Kramer): the candidate whose worst defeat is smallest.

    ``strength`` measures a defeat as in :func:`schulze`: ``"margin"`` (default),
    ``"winning"`` (also ``"winning_votes"``) or ``"pairwise_opposition"`` (the opponent's
    support, defeat or not). ``"margins"`` is the old name of ``"margin"`` (deprecated).

    Parameters
    ----------
    profile : Profile
        The weighted ballots.
    strength : {"margin", "winning", "pairwise_opposition"}
        How a defeat is measured (``"winning_votes"`` is accepted for ``"winning"``).

    Returns
    -------
    Result
        The winner(s) and ``scores``.

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``, or ``strength`` is not one of the
        accepted names.
    """
    if strength == "margins":
        import warnings

        warnings.warn(
            'minimax: strength="margins" is deprecated and will be removed in the next '
            'release; use strength="margin"',
            DeprecationWarning,
            stacklevel=_v._outside_stacklevel(),
        )
        strength = "margin"
    _v.option(strength, "strength", (*typing.get_args(MinimaxStrength), "winning_votes"))
    return _rule("minimax", profile, minimax_strength=_MINIMAX_KERNEL[strength])


def schulze(
    profile: Profile,
    strength: Literal["margin", "margins", "winning", "winning_votes", "ratio"] = "margin",
) -> Result:
    """Schulze beat-path method (Schulze 2011).

    ``strength`` measures a link ``a -> b`` (only where a majority prefers a to b):
    ``"margin"`` (default; also ``"margins"``) ``support(a,b) - support(b,a)``,
    ``"winning"`` (also ``"winning_votes"``; Schulze's own default) ``support(a,b)``,
    ``"ratio"`` ``support(a,b) / support(b,a)`` (infinite when nobody prefers b to a).
    On linear orders without ties all three give the same winners; they differ when ballots
    are truncated or have ties.

    Parameters
    ----------
    profile : Profile
        The weighted ballots.
    strength : {"margin", "margins", "winning", "winning_votes", "ratio"}
        How the strength of a link is measured.

    Returns
    -------
    Result
        The winner(s) and the Schulze ranking.

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``, or ``strength`` is not one of the
        accepted names.
    """
    return _rule("schulze", profile, schulze_strength=strength)


def ranked_pairs(profile: Profile, tie_break: TieBreak = "lexicographic") -> Result:
    """Ranked Pairs (Tideman 1987) with a fixed tie-breaking order (Zavist & Tideman 1989) for
    equal margins; with a tie-break, pairs with zero margin are locked last in its order, so
    the result is a linear order. ``tie_break=None`` leaves zero-margin pairs unlocked.

    Parameters
    ----------
    profile : Profile
        The weighted ballots.
    tie_break : None, "lexicographic", sequence of candidates or int
        The order in which pairs of equal margin are locked: the candidates' order
        (``"lexicographic"``, default), an explicit order (every candidate once), or one drawn
        from an int seed.

    Returns
    -------
    Result
        The winner(s) and the ranking of the locked graph.

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``, or ``tie_break`` is not one of the
        accepted forms.
    """
    return _rule("ranked_pairs", profile, tie_break=tie_break)


def ranked_pairs_all(profile: Profile) -> Result:
    """Ranked Pairs winners over all tie-breaking orders (LimitError above 10 candidates with
    tied margins).

    Parameters
    ----------
    profile : Profile
        The weighted ballots.

    Returns
    -------
    Result
        The candidates that win under some tie-breaking order.

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``.
    LimitError
        If more than 10 candidates have tied margins.
    """
    return _rule("ranked_pairs_all", profile)


def split_cycle(profile: Profile) -> Result:
    """Split Cycle (Holliday & Pacuit 2023).

    Parameters
    ----------
    profile : Profile
        The weighted ballots.

    Returns
    -------
    Result
        The undefeated candidates (winners).

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``.
    """
    return _rule("split_cycle", profile)


def stable_voting(profile: Profile) -> Result:
    """Stable Voting (Holliday & Pacuit 2023); LimitError above 20 candidates.

    Parameters
    ----------
    profile : Profile
        The weighted ballots.

    Returns
    -------
    Result
        The winner(s).

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``.
    LimitError
        If there are more than 20 candidates.
    """
    return _rule("stable_voting", profile)
