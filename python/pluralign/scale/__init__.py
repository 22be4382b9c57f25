"""Scale-out: mergeable partial states, and the same aggregations as a bounded-memory polars
fold (:mod:`pluralign.scale.stream`) or over a Ray Dataset (:mod:`pluralign.scale.ray`, needs
the optional ``ray`` extra).

Every state follows :class:`MergeableState`: ``update(batch)`` (in place), ``merge(other)``
(associative and commutative, returns a new state), ``to_bytes()`` / :func:`state_from_bytes`
(also used by ``pickle``), ``finalize()``. See ``docs/scale.md``.
"""

from __future__ import annotations

from ._states import (
    BradleyTerryState,
    MergeableState,
    ParetoFrontState,
    ProfileState,
    TallyState,
    VoteMatrixState,
    as_frame,
    fold,
    group_codes,
    merge_all,
    state_from_bytes,
)

__all__ = [
    "BradleyTerryState",
    "MergeableState",
    "ParetoFrontState",
    "ProfileState",
    "TallyState",
    "VoteMatrixState",
    "as_frame",
    "fold",
    "group_codes",
    "merge_all",
    "state_from_bytes",
]
