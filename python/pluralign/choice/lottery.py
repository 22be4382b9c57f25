"""Maximal lotteries: a probability per candidate."""

from __future__ import annotations

from typing import Literal

from ._common import Result
from .profile import Profile, _rule


def maximal_lottery(profile: Profile, payoff: Literal["margins", "majority"] = "margins") -> Result:
    """Maximal lottery (Fishburn 1984): a probability per candidate (``scores``)."""
    return _rule("maximal_lottery", profile, lottery_payoff=payoff)
