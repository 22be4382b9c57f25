"""Larger-than-memory aggregation on one machine: a fold of a mergeable state over the batches
of a polars query run by the streaming engine (``LazyFrame.collect_batches``).

Memory is bounded by one batch (``chunk_size`` rows) plus the state (for a tally: one row per
group and item pair seen), not by the number of input rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import polars as pl

from ..errors import InputError

__all__ = ["aggregate", "batches"]

S = TypeVar("S")


def batches(source: Any, *, chunk_size: int | None = 1_000_000) -> Iterable[pl.DataFrame]:
    """The batches of ``source``: a ``LazyFrame`` runs in polars' streaming engine and yields
    ``chunk_size``-row DataFrames (``collect_batches(maintain_order=False)``); a ``DataFrame``
    is sliced; any other iterable of frames passes through."""
    if chunk_size is not None and (
        not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size < 1
    ):
        raise InputError(f"chunk_size = {chunk_size!r} must be a positive int (or None)")
    if chunk_size is not None:
        chunk_size = min(chunk_size, 2**32)  # larger is one chunk anyway; polars takes 64 bits
    if isinstance(source, pl.LazyFrame):
        return source.collect_batches(chunk_size=chunk_size, maintain_order=False)
    if isinstance(source, pl.DataFrame):
        step = chunk_size or max(source.height, 1)
        return (source.slice(i, step) for i in range(0, source.height, step))
    if isinstance(source, (str, bytes)) or not isinstance(source, Iterable):
        raise InputError(
            f"source must be a polars LazyFrame, DataFrame or an iterable of batches, got "
            f"{type(source).__name__}; for files use pl.scan_parquet(...) / pl.scan_csv(...)"
        )
    return source


def aggregate(source: Any, state: S, *, chunk_size: int | None = 1_000_000) -> S:
    """Fold every batch of ``source`` into ``state`` (an empty state from
    :mod:`pluralign.scale`, e.g. ``TallyState(groups="group")``) and return it.

    The result equals ``state.update(source.collect())`` for every chunk size (the states are
    mergeable: a fold over batches is a left-deep merge). Call ``finalize()`` on it.

    >>> import polars as pl
    >>> from pluralign.scale import TallyState
    >>> lf = pl.LazyFrame({"chosen_id": [1, 2, 1], "rejected_id": [2, 1, 2]})
    >>> aggregate(lf, TallyState(), chunk_size=1).finalize()["wins_a"].to_list()
    [2]
    """
    if not hasattr(state, "update") or not hasattr(state, "merge"):
        raise InputError(f"state must be a pluralign.scale state, got {type(state).__name__}")
    for b in batches(source, chunk_size=chunk_size):
        state.update(b)  # type: ignore[attr-defined]
    return state
