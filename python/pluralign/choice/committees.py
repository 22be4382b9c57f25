"""Approval profiles, approval-based committee rules and proportionality checks (JR/PJR/EJR)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from .. import _core
from .._factorize import factorize
from ..errors import InputError
from ._common import (
    CommitteeMethod,
    Result,
    TieBreak,
    _candidate_codes,
    _candidate_index,
    _check_candidate,
    _id_set,
    _sorted_ids,
    _tie_break,
    _weights_array,
)


def _series_sets(
    s: pl.Series, candidates: Sequence[Hashable] | None
) -> tuple[np.ndarray, np.ndarray, list[Hashable]] | None:
    """(values, offsets, candidates) of a polars list Series of approval sets, through the
    shared factorizer (no Python loop over ballots); None when it is not a list Series or has
    something to report (a null ballot or id, an invalid, unknown or repeated candidate): the
    per-ballot path then names it."""
    if s.len() == 0 or s.null_count() or not isinstance(s.dtype, pl.List):
        return None
    lens = s.list.len().to_numpy()
    vals = s.filter(pl.Series(lens > 0)).explode()  # (an empty list would explode to a null)
    if vals.null_count():
        return None
    distinct, codes = factorize(vals)
    try:  # ids are matched as Python matches them, like the per-ballot path
        (values,), keys = _candidate_codes(distinct, codes, candidates, cast=False)
    except InputError:
        return None
    if (values < 0).any():
        return None
    ballot = np.repeat(np.arange(len(lens), dtype=np.int64), lens)
    key = np.sort(ballot * len(keys) + values)
    if (key[1:] == key[:-1]).any():
        return None
    offsets = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    return values, offsets, keys


class ApprovalProfile:
    """Weighted approval ballots (identical ballots collapsed), for committee rules."""

    def __init__(self, inner: Any, candidates: Sequence[Hashable]):
        self._inner = inner
        self.candidates: list[Hashable] = list(candidates)

    @classmethod
    def from_sets(
        cls, ballots: Any, *, candidates: Sequence[Hashable] | None = None, weights: Any = None
    ) -> ApprovalProfile:
        """From approval sets: a list of iterables of candidate ids, or a polars list Series."""
        if isinstance(ballots, (str, bytes)):
            raise InputError(f"ballots must be a list of approval sets, got the text {ballots!r}")
        if isinstance(ballots, Mapping) or not isinstance(ballots, (Iterable, pl.Series)):
            raise InputError(
                f"ballots must be a list of approval sets or a polars list Series, "
                f"got {type(ballots).__name__}"
            )
        if isinstance(ballots, pl.Series):
            fast = _series_sets(ballots, candidates)
            if fast is not None:
                codes, starts, keys = fast
                wts = _weights_array(weights, ballots.len())
                return cls(_core._ApprovalProfile.from_flat(len(keys), codes, starts, wts), keys)
            rows = ballots.to_list()
        else:
            rows = []
            for b, r in enumerate(ballots):
                if isinstance(r, (str, bytes)):
                    raise InputError(
                        f"approval ballot {b} is the text {r!r}, not a set of ids (it would "
                        f"become its characters); write {{{r!r}}} or [{r!r}]"
                    )
                if r is None:
                    raise InputError(f"approval ballot {b} is null")
                if isinstance(r, Mapping) or not isinstance(r, Iterable):
                    raise InputError(
                        f"approval ballot {b} must be a set or list of ids, got "
                        f"{type(r).__name__} {r!r}"
                    )
                rows.append(list(r))
        if not rows:
            raise InputError("no approval ballots: a profile needs at least one voter")
        if candidates is None:
            candidates = _sorted_ids(_id_set(c for r in rows for c in (r or [])))
        index = _candidate_index(candidates)
        values: list[int] = []
        offsets = [0]
        for b, r in enumerate(rows):
            if r is None:
                raise InputError(f"approval ballot {b} is null")
            start = len(values)
            for c in r:
                try:
                    known = c in index
                except TypeError:  # unhashable
                    known = False
                if not known:
                    _check_candidate(c, f"approval ballot {b}")
                    raise InputError(f"approval ballot {b} names unknown candidate {c!r}")
                if index[c] in values[start:]:
                    raise InputError(f"approval ballot {b} approves candidate {c!r} more than once")
                values.append(index[c])
            offsets.append(len(values))
        w = _weights_array(weights, len(rows))
        inner = _core._ApprovalProfile.from_flat(
            len(index), np.asarray(values, dtype=np.int64), np.asarray(offsets, dtype=np.int64), w
        )
        return cls(inner, list(index))

    @classmethod
    def from_matrix(
        cls, approvals: Any, *, candidates: Sequence[Hashable] | None = None, weights: Any = None
    ) -> ApprovalProfile:
        """From an n x m 0/1 (or bool) matrix."""
        a = np.asarray(approvals)
        if a.ndim != 2 or a.shape[0] == 0:
            raise InputError(
                f"approvals must be a non-empty voters x candidates matrix, got shape {a.shape}"
            )
        if not np.isin(a, (0, 1)).all():
            raise InputError("approvals must contain only 0/1 (or bool) values")
        cands = list(range(a.shape[1])) if candidates is None else list(candidates)
        if len(cands) != a.shape[1]:
            raise InputError(
                f"candidates has {len(cands)} ids but approvals has {a.shape[1]} columns"
            )
        _candidate_index(cands)
        w = _weights_array(weights, a.shape[0])
        return cls(
            _core._ApprovalProfile.from_matrix(np.ascontiguousarray(a, dtype=np.uint8), w), cands
        )

    @property
    def n_candidates(self) -> int:
        return self._inner.n_candidates

    @property
    def n_ballots(self) -> int:
        return self._inner.n_ballots

    @property
    def total_weight(self) -> float:
        return self._inner.total_weight

    def approval_scores(self) -> dict:
        return dict(zip(self.candidates, self._inner.approval_scores()))

    def ballots(self) -> list[tuple[frozenset, float]]:
        return [(frozenset(self.candidates[i] for i in s), w) for s, w in self._inner.ballots()]

    def merge(self, other: ApprovalProfile) -> ApprovalProfile:
        if not isinstance(other, ApprovalProfile) or other.candidates != self.candidates:
            raise InputError("can only merge an ApprovalProfile with the same candidates")
        return ApprovalProfile(self._inner.merge(other._inner), self.candidates)

    def __getstate__(self) -> dict:
        return {"parts": self._inner.to_parts(), "candidates": self.candidates}

    def __setstate__(self, state: dict) -> None:
        self._inner = _core._ApprovalProfile.from_parts(*state["parts"])
        self.candidates = state["candidates"]

    def __repr__(self) -> str:
        return f"ApprovalProfile({self.n_candidates} candidates, {self.n_ballots} distinct ballots)"


@dataclass(frozen=True)
class CommitteeResult:
    """A committee: its members, the order seats were filled, per-candidate scores, the rule's
    objective value where it has one, and the tie-break that decided a seat, if any."""

    rule: str
    committee: frozenset
    order: list
    scores: dict
    value: float | None
    tie_break: str | None


def _approval_profile(ap: Any) -> ApprovalProfile:
    if not isinstance(ap, ApprovalProfile):
        raise InputError(f"expected a pluralign.choice.ApprovalProfile, got {type(ap).__name__}")
    return ap


def _check_k(k: Any) -> None:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise InputError(f"k must be a non-negative int, got {k!r}")


def _committee(
    name: str, ap: ApprovalProfile, k: int, tie_break: TieBreak = None, **kw: Any
) -> CommitteeResult:
    ap = _approval_profile(ap)
    _check_k(k)
    if k > ap.n_candidates:
        raise InputError(f"k = {k} is larger than the number of candidates ({ap.n_candidates})")
    c = ap.candidates
    r = _core.committee_rule(ap._inner, name, int(k), **kw, **_tie_break(tie_break, c))
    return CommitteeResult(
        name,
        frozenset(c[i] for i in r.committee),
        [c[i] for i in r.order],
        {x: float(s) for x, s in zip(c, r.scores)},
        r.value,
        r.tie_break,
    )


def approval(ap: ApprovalProfile, tie_break: TieBreak = None) -> Result:
    """Approval voting (single winner): the most approved candidate(s)."""
    ap = _approval_profile(ap)
    r = _core.committee_rule(ap._inner, "approval", 1, **_tie_break(tie_break, ap.candidates))
    c = ap.candidates
    return Result(
        "approval",
        frozenset(c[i] for i in r.committee),
        None,
        dict(zip(c, map(float, r.scores))),
        r.tie_break,
    )


def av(ap: ApprovalProfile, k: int, tie_break: TieBreak = None) -> CommitteeResult:
    """Approval Voting committee: the k most approved candidates."""
    return _committee("av", ap, k, tie_break=tie_break)


def sav(ap: ApprovalProfile, k: int, tie_break: TieBreak = None) -> CommitteeResult:
    """Satisfaction Approval Voting: each voter splits one vote over their approved candidates."""
    return _committee("sav", ap, k, tie_break=tie_break)


def _thiele_method(ap: ApprovalProfile, k: int, method: str) -> str:
    if method == "auto":
        from math import comb

        return "exact" if comb(ap.n_candidates, k) * max(ap.n_ballots, 1) <= 2e7 else "sequential"
    if method not in ("exact", "sequential"):
        raise InputError(f"method must be 'auto', 'exact' or 'sequential', got {method!r}")
    return method


def pav(
    ap: ApprovalProfile, k: int, method: CommitteeMethod = "auto", tie_break: TieBreak = None
) -> CommitteeResult:
    """Proportional Approval Voting (Thiele weights 1, 1/2, 1/3, ...): exact for small
    instances (``auto``), sequential PAV for large ones."""
    ap = _approval_profile(ap)
    _check_k(k)  # before _thiele_method sizes the exact search with it
    return _committee("pav", ap, k, tie_break, method=_thiele_method(ap, k, method))


def chamberlin_courant(
    ap: ApprovalProfile, k: int, method: CommitteeMethod = "auto", tie_break: TieBreak = None
) -> CommitteeResult:
    """Approval Chamberlin–Courant: maximize the weight of voters with an approved member."""
    ap = _approval_profile(ap)
    _check_k(k)
    return _committee("chamberlin_courant", ap, k, tie_break, method=_thiele_method(ap, k, method))


def seq_phragmen(ap: ApprovalProfile, k: int, tie_break: TieBreak = None) -> CommitteeResult:
    """Sequential Phragmén: spread the load of each seat over its supporters."""
    return _committee("seq_phragmen", ap, k, tie_break=tie_break)


def equal_shares(
    ap: ApprovalProfile, k: int, completion: str | None = "seq_phragmen", tie_break: TieBreak = None
) -> CommitteeResult:
    """Method of Equal Shares (Peters & Skowron 2020). Seats the budget cannot buy are filled by
    ``completion``: ``"seq_phragmen"`` (as abcvoting's ``equal-shares``), ``"av"``,
    ``"increment"`` (rerun with the budget of a virtual committee of size k+1, k+2, ... until k
    seats are bought; Peters, Pierczyński & Skowron 2021), or ``None`` (may return < k members)."""
    return _committee(
        "equal_shares", ap, k, tie_break, completion="none" if completion is None else completion
    )


def rev_seq_pav(ap: ApprovalProfile, k: int, tie_break: TieBreak = None) -> CommitteeResult:
    """Reverse sequential PAV: start from all candidates and repeatedly remove the one whose
    removal lowers the PAV score least (ties: the latest in the tie-break order goes)."""
    return _committee("rev_seq_pav", ap, k, tie_break=tie_break)


def phragmen_enestrom(ap: ApprovalProfile, k: int, tie_break: TieBreak = None) -> CommitteeResult:
    """Phragmén–Eneström: voters start with their weight as budget, a seat costs total / k;
    the candidate whose supporters hold the most budget is elected and their budgets shrink
    by ``(support - price) / support`` (to 0 when they cannot afford it)."""
    return _committee("phragmen_enestrom", ap, k, tie_break=tie_break)


def minimax_av(ap: ApprovalProfile, k: int, tie_break: TieBreak = None) -> CommitteeResult:
    """Minimax Approval Voting: the committee minimizing the largest Hamming distance to a
    ballot. Exact search over all committees (LimitError above 2e9 ballot-committee checks)."""
    return _committee("minimax_av", ap, k, tie_break=tie_break)


def lex_minimax_av(ap: ApprovalProfile, k: int, tie_break: TieBreak = None) -> CommitteeResult:
    """Lexicographic Minimax AV: minimize the largest Hamming distance to a voter, then the
    second largest, and so on. Integer weights (a ballot of weight w is w voters); exact
    search (LimitError above 2e9 steps)."""
    return _committee("lex_minimax_av", ap, k, tie_break=tie_break)


def lex_cc(ap: ApprovalProfile, k: int, tie_break: TieBreak = None) -> CommitteeResult:
    """Lexicographic Chamberlin–Courant (abcvoting ``lexcc``): maximize the weight of voters
    with at least one approved member, then with at least two, ..., up to k. Exact by branch
    and bound, no MIP solver (LimitError when the search has not finished within 2e9
    ballot-node steps). Ties: the first optimal committee in tie-break order. Value: the
    Chamberlin–Courant score (weight of voters with >= 1 member)."""
    return _committee("lex_cc", ap, k, tie_break=tie_break)


def maximin_support(ap: ApprovalProfile, k: int, tie_break: TieBreak = None) -> CommitteeResult:
    """Maximin support method: add, one at a time, the candidate maximizing the maximin
    support of the committee (exact; LimitError above k = 24)."""
    return _committee("maximin_support", ap, k, tie_break=tie_break)


def monroe(ap: ApprovalProfile, k: int, tie_break: TieBreak = None) -> CommitteeResult:
    """Monroe: split the voters into k equal districts, one per member, maximizing the voters
    who approve their member. Integer weights (a ballot of weight w is w voters); exact search
    over all committees with a max-flow per committee (LimitError above 2e9 steps)."""
    return _committee("monroe", ap, k, tie_break=tie_break)


@dataclass(frozen=True)
class Violation:
    """A group of voters (weight ``group_weight``) commonly approving ``candidates`` (``ell``
    of them) that the committee under-represents."""

    ell: int
    candidates: frozenset
    group_weight: float


def _violation(which: str, ap: ApprovalProfile, committee: Iterable[Hashable]) -> Violation | None:
    ap = _approval_profile(ap)
    index = {c: i for i, c in enumerate(ap.candidates)}
    members = list(committee)
    unknown = [c for c in members if c not in index]
    if unknown:
        raise InputError(f"committee names unknown candidate(s) {unknown}")
    repeated = sorted({str(c) for c in members if members.count(c) > 1})
    if repeated:
        raise InputError(f"committee lists candidate(s) {repeated} twice (duplicates)")
    v = _core.committee_check(ap._inner, which, [index[c] for c in members])
    if v is None:
        return None
    return Violation(v.ell, frozenset(ap.candidates[i] for i in v.candidates), v.group_weight)


def jr_violation(ap: ApprovalProfile, committee: Iterable[Hashable]) -> Violation | None:
    """A witness that the committee violates Justified Representation, or None."""
    return _violation("jr", ap, committee)


def pjr_violation(ap: ApprovalProfile, committee: Iterable[Hashable]) -> Violation | None:
    """A witness that the committee violates Proportional Justified Representation, or None."""
    return _violation("pjr", ap, committee)


def ejr_violation(ap: ApprovalProfile, committee: Iterable[Hashable]) -> Violation | None:
    """A witness that the committee violates Extended Justified Representation, or None."""
    return _violation("ejr", ap, committee)


def is_jr(ap: ApprovalProfile, committee: Iterable[Hashable]) -> bool:
    return jr_violation(ap, committee) is None


def is_pjr(ap: ApprovalProfile, committee: Iterable[Hashable]) -> bool:
    return pjr_violation(ap, committee) is None


def is_ejr(ap: ApprovalProfile, committee: Iterable[Hashable]) -> bool:
    return ejr_violation(ap, committee) is None
