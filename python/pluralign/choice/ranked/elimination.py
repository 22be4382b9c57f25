"""Sequential-elimination rules: instant runoff, Coombs, Baldwin, Nanson, Bucklin."""

from __future__ import annotations

from typing import Literal

from .._common import Result, TieBreak
from ..profile import Profile, _rule


def instant_runoff(profile: Profile, tie_break: TieBreak = None) -> Result:
    """Instant Runoff (Hare): repeatedly eliminate the candidate with fewest first choices."""
    return _rule("instant_runoff", profile, tie_break=tie_break)


def coombs(profile: Profile, tie_break: TieBreak = None) -> Result:
    """Coombs: eliminate the candidate ranked last most often until one has a majority."""
    return _rule("coombs", profile, tie_break=tie_break)


def baldwin(profile: Profile, tie_break: TieBreak = None) -> Result:
    """Baldwin: repeatedly eliminate the lowest Borda score."""
    return _rule("baldwin", profile, tie_break=tie_break)


def nanson(profile: Profile, variant: Literal["strict", "weak"] = "strict") -> Result:
    """Nanson: repeatedly eliminate candidates with Borda score below (``strict``) or at or
    below (``weak``) the average."""
    return _rule("nanson", profile, nanson_variant=variant)


def bucklin(profile: Profile) -> Result:
    """Bucklin: add lower preferences round by round until someone has a majority."""
    return _rule("bucklin", profile)
