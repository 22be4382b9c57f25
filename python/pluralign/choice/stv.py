"""Single transferable vote (proportional, multi-winner) from ranked ballots."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .. import _core
from ..errors import InputError
from ._common import TieBreak, _tie_break
from .profile import Profile, _profile


@dataclass(frozen=True)
class StvRound:
    """One round of an STV count (numbered from 1).

    ``tallies``: value each candidate holds when the round's decision is taken (candidate id ->
    float; elected candidates hold the quota, excluded ones 0); ``exhausted``: exhausted value
    so far; ``quota`` in force; ``elected`` (highest tally first) or ``eliminated`` this round;
    ``transfers``: the value moved after the decision as ``(from, to, value)`` with
    ``to=None`` for exhausted (empty for Meek, whose ``keep`` factors move value instead);
    ``tie``: whether the tie-break decided this round."""

    number: int
    tallies: dict
    exhausted: float
    quota: float
    elected: list
    eliminated: list
    transfers: list
    keep: dict | None
    tie: bool


@dataclass(frozen=True)
class StvResult:
    """An STV count: who was elected (in order), every round, the total valid weight, the
    exhausted value at the end, and the tie-break applied (None if no tie had to be broken)."""

    rule: str
    elected: list
    rounds: list
    quota: float
    total: float
    exhausted: float
    tie_break: str | None

    @property
    def committee(self) -> frozenset:
        return frozenset(self.elected)

    @property
    def winners(self) -> frozenset:
        return frozenset(self.elected)


_STV_TIE_HELP = (
    "tie_break must be 'backward', 'forward', 'lexicographic', None, a list of candidates or an "
    "int seed"
)


def stv(
    profile: Profile,
    seats: int,
    *,
    quota: Literal["droop", "hare"] = "droop",
    transfer: Literal["wigm", "gregory", "meek"] = "wigm",
    surplus_order: Literal["largest", "simultaneous"] = "largest",
    tie_break: TieBreak = "backward",
) -> StvResult:
    """Single transferable vote (proportional, multi-winner) from ranked ballots.

    In each round every continuing candidate whose tally reaches the quota is elected and
    their surpluses move on; when nobody reaches it the lowest continuing candidate is
    excluded and its ballots move on at their current value; when no more continuing
    candidates are left than seats, they are all elected. Ballots skip elected and excluded
    candidates; a ballot with nobody left is exhausted (counted in every round).

    ``quota``: ``"droop"`` (``floor(total / (seats + 1)) + 1``) or ``"hare"`` (``total /
    seats``), ``total`` the weight of the ballots that rank someone (for Meek both follow the
    exhausted value: ``(total - exhausted) / (seats + 1)`` or ``/ seats``).
    ``transfer``: ``"wigm"`` (default: weighted inclusive Gregory, every ballot moves at its
    value times surplus / tally), ``"gregory"`` (unweighted inclusive Gregory: every ballot
    moves at its original weight times surplus / total original weight held) or ``"meek"``.
    ``tie_break`` (ties for exclusion, or for the last seat): ``"backward"`` (default: the
    most recent earlier round where the tied candidates differ, then the candidate order),
    ``"forward"`` (the earliest such round, then the candidate order), ``"lexicographic"``,
    a list of candidates (earlier preferred: the latest is excluded first), an int seed, or
    ``None`` (a tie is an ``InputError``).

    Ballots must rank strictly; a ballot's unranked rest (its bottom tier when that has
    several candidates) is never transferred to. A ballot leaving out exactly one candidate
    cannot be told apart from one ranking it last, so it counts as ranking it last.
    """
    p = _profile(profile)
    if isinstance(seats, bool) or not isinstance(seats, (int, np.integer)) or seats < 1:
        raise InputError(f"seats must be a positive int, got {seats!r}")
    if seats > p.n_candidates:
        raise InputError(f"seats = {seats} is more than the {p.n_candidates} candidates")
    if quota not in ("droop", "hare"):
        raise InputError(f"quota must be 'droop' or 'hare', got {quota!r}")
    if transfer not in ("wigm", "gregory", "meek"):
        raise InputError(f"transfer must be 'wigm', 'gregory' or 'meek', got {transfer!r}")
    if surplus_order not in ("largest", "simultaneous"):
        raise InputError(
            f"surplus_order must be 'largest' or 'simultaneous', got {surplus_order!r}"
        )
    look = "none"
    tb_kw: dict[str, Any]
    if isinstance(tie_break, str) and tie_break in ("backward", "forward"):
        look, tb_kw = tie_break, {"tb_kind": "lexicographic"}
    else:
        try:
            tb_kw = _tie_break(tie_break, p.candidates)
        except InputError as e:
            raise InputError(f"{_STV_TIE_HELP}; {e}") from None
    c = p.candidates
    try:
        count = _core.choice_stv(
            p._inner, int(seats), quota, transfer, surplus_order, look, **tb_kw
        )
    except InputError as e:
        # the core names candidates by index and distinct ballots by position: use the ids
        def ids(mt: re.Match) -> str:
            return "candidates " + repr([c[int(i)] for i in mt.group(1).split(",")])

        msg = re.sub(r"candidates \[([\d, ]+)\]", ids, str(e))
        msg = re.sub(r"^ballot \d+ ranks", "a ballot ranks", msg)
        raise InputError(msg) from None
    out_rounds = []
    for i, rd in enumerate(count.rounds):
        out_rounds.append(
            StvRound(
                number=i + 1,
                tallies={c[j]: float(v) for j, v in enumerate(rd.tallies)},
                exhausted=float(rd.exhausted),
                quota=float(rd.quota),
                elected=[c[j] for j in rd.elected],
                eliminated=[c[j] for j in rd.eliminated],
                transfers=[
                    (c[a], None if b is None else c[b], float(v)) for a, b, v in rd.transfers
                ],
                keep={c[j]: float(v) for j, v in enumerate(rd.keep)} if rd.keep else None,
                tie=bool(rd.tie),
            )
        )
    return StvResult(
        rule="stv",
        elected=[c[j] for j in count.elected],
        rounds=out_rounds,
        quota=out_rounds[0].quota if out_rounds else float("nan"),
        total=float(count.total),
        exhausted=float(count.exhausted),
        tie_break=count.tie_break,
    )
