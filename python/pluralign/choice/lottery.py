"""Maximal lotteries: a probability per candidate."""

from __future__ import annotations

from typing import Literal

from ._common import Result
from .profile import Profile, _rule


def maximal_lottery(profile: Profile, payoff: Literal["margins", "majority"] = "margins") -> Result:
    """Maximal lottery (Fishburn 1984): a probability per candidate (``scores``).

    Parameters
    ----------
    profile : Profile
        The weighted ballots.
    payoff : {"margins", "majority"}
        The symmetric zero-sum game whose optimal mixed strategy is the lottery: pairwise margins,
        or the sign of each majority.

    Returns
    -------
    Result
        ``scores`` is each candidate's probability; the winners are its support.

    Raises
    ------
    InputError
        If ``profile`` is not a ``Profile``, or ``payoff`` is neither.
    """
    return _rule("maximal_lottery", profile, lottery_payoff=payoff)
