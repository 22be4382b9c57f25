"""Pairwise win tallies as a mergeable, picklable state (the scale-out building block).

``tally(comparisons, groups=[...])`` sums, per group and unordered item pair ``(item_a, item_b)``
with ``item_a < item_b``, the comparisons won by each side and the ties, as counts and as
summed weights. The counting runs in Rust (``rust/core/src/prefs``) on integer codes from the
shared Rust id factorizer. Tallies of disjoint batches :meth:`Tally.merge` into exactly the tally of the
union (counts are integers; weight sums are equal up to floating-point rounding), so the same
code runs as a fold over files on one machine or as ``map_batches`` + merge on a cluster.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

import numpy as np
import polars as pl

from .. import _core
from .. import _validate as _v
from .._factorize import Codes, factorize_mapped, plain
from ..errors import InputError, SchemaError

__all__ = ["Tally", "tally"]

_COUNTS = ("wins_a", "wins_b", "ties", "weight_a", "weight_b", "weight_ties")


class Tally:
    """Per-group pairwise counts; build with :func:`tally`, combine with :meth:`merge`.

    The state is a polars table with the ``by`` columns, ``item_a`` < ``item_b`` and the sums
    ``wins_a``, ``wins_b``, ``ties`` (counts) and ``weight_a``, ``weight_b``, ``weight_ties``.
    It pickles to compact zstd-compressed Arrow IPC bytes (:meth:`to_bytes`).
    """

    __slots__ = ("_by", "_state")

    def __init__(self, by: Sequence[str], state: pl.DataFrame) -> None:
        self._by = list(by)
        self._state = state

    @property
    def by(self) -> list[str]:
        """The group columns."""
        return list(self._by)

    def __len__(self) -> int:
        return self._state.height

    def __repr__(self) -> str:
        return f"Tally(by={self._by}, pairs={self._state.height})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tally):
            return NotImplemented
        return self._by == other._by and self.finalize().equals(other.finalize())

    __hash__ = None  # type: ignore[assignment]

    def merge(self, *others: Tally) -> Tally:
        """The tally of all comparisons seen by ``self`` and ``others`` (associative and
        commutative: counts add exactly, weights add as floats)."""
        for o in others:
            if not isinstance(o, Tally):
                raise InputError(f"merge expects Tally objects, got {type(o).__name__}")
            if o._by != self._by:
                raise InputError(f"cannot merge tallies grouped by {self._by} and {o._by}")
        parts = [self._state] + [o._state for o in others]
        if len(parts) == 1:
            return Tally(self._by, self._state)
        try:
            state = pl.concat(parts, how="vertical")
        except (pl.exceptions.SchemaError, pl.exceptions.ShapeError) as e:
            raise SchemaError(f"cannot merge tallies with different column types: {e}") from None
        keys = self._by + ["item_a", "item_b"]
        state = state.group_by(keys).agg([pl.col(c).sum() for c in _COUNTS])
        return Tally(self._by, state)

    def __add__(self, other: Tally) -> Tally:
        return self.merge(other)

    def finalize(self) -> pl.DataFrame:
        """The table of counts, sorted by group and pair, with ``n = wins_a + wins_b + ties``."""
        keys = self._by + ["item_a", "item_b"]
        return self._state.sort(keys, nulls_last=True).with_columns(
            (pl.col("wins_a") + pl.col("wins_b") + pl.col("ties")).alias("n")
        )

    def to_bytes(self) -> bytes:
        """Compact serialization (Arrow IPC, zstd)."""
        buf = io.BytesIO()
        self._state.with_columns(
            pl.lit(None, dtype=pl.String).alias("_by_" + ",".join(self._by))
        ).write_ipc(buf, compression="zstd")
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Tally:
        """Inverse of :meth:`to_bytes`."""
        try:
            df = pl.read_ipc(io.BytesIO(data))
        except (pl.exceptions.PolarsError, OSError, ValueError):
            raise InputError("these bytes are not a serialized Tally") from None
        tag = [c for c in df.columns if c.startswith("_by_")]
        if len(tag) != 1:
            raise InputError("these bytes are not a serialized Tally")
        by = [c for c in tag[0][4:].split(",") if c]
        return cls(by, df.drop(tag[0]))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Tally.from_bytes, (self.to_bytes(),))


class _Codes:
    """Integer codes of one or more same-typed columns (the shared Rust factorizer,
    :mod:`pluralign._factorize`; a Categorical's / Enum's as its physical ids with a map), and
    the way back to values in the input's type."""

    def __init__(self, *cols: pl.Series, sort: bool = True, threads: int | None = None) -> None:
        values, self.codes = factorize_mapped(*cols, sort=sort, threads=threads)
        self.values = cast(pl.Series, values)
        self.size = len(self.values)

    def decode(self, codes: np.ndarray, name: str) -> pl.Series:
        return self.values.gather(pl.Series(codes.astype(np.uint32, copy=False))).alias(name)


def tally(
    comparisons: pl.DataFrame | Iterable[pl.DataFrame],
    groups: str | Sequence[str] | None = None,
    *,
    chosen: str = "chosen_id",
    rejected: str = "rejected_id",
    tie: str | None = "tie",
    weight: str | None = "weight",
    threads: int | None = None,
    by: Any = _v.UNSET,
) -> Tally:
    """Pairwise win counts per group (``groups``, e.g. ``["group", "objective"]``; the old
    name ``by=`` still works for one release, with a DeprecationWarning) as a mergeable
    :class:`Tally`.

    Every row counts once towards the unordered pair ``{chosen, rejected}`` of its group: as a
    win of ``chosen`` (``wins_a`` if ``chosen`` is the smaller id, else ``wins_b``) or, when
    ``tie`` is true, as a tie; its ``weight`` (default 1) adds to the matching weight sum.
    Passing an iterable of DataFrames folds them batch by batch (``tally`` each, then merge).

    Raises
    ------
    SchemaError
        missing columns, chosen/rejected of different types, non-bool ``tie``,
        non-numeric ``weight``.
    InputError
        nulls, ``chosen == rejected`` (naming the row), negative or non-finite
        weights.
    """
    by = _v.renamed("tally", "groups", groups, "by", by)
    by_cols = _v.column_names(by, "groups")
    if len(set(by_cols)) != len(by_cols):
        raise InputError(f"groups names a column twice: {by_cols}")
    if not isinstance(comparisons, (pl.DataFrame, pl.LazyFrame)):
        if isinstance(comparisons, (str, bytes, Mapping, np.ndarray)) or not isinstance(
            comparisons, Iterable
        ):
            raise InputError(
                f"comparisons must be a polars DataFrame or an iterable of "
                f"DataFrames, got {type(comparisons).__name__}"
            )
        comparisons = list(comparisons)
        bad = next(
            (
                i
                for i, b in enumerate(comparisons)
                if not isinstance(b, (pl.DataFrame, pl.LazyFrame))
            ),
            None,
        )
        if bad is not None:
            raise InputError(
                f"comparisons batch {bad} is a {type(comparisons[bad]).__name__}, "
                "not a polars DataFrame"
            )
        batches = [
            tally(
                b,
                by_cols,
                chosen=chosen,
                rejected=rejected,
                tie=tie,
                weight=weight,
                threads=threads,
            )
            for b in comparisons
        ]
        if not batches:
            raise InputError("tally got an empty iterable of batches")
        return batches[0].merge(*batches[1:])
    df = comparisons.collect() if isinstance(comparisons, pl.LazyFrame) else comparisons
    need = by_cols + [chosen, rejected]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise SchemaError(f"comparisons lack column(s) {missing}; they have {df.columns}")
    for c in need:
        if df[c].null_count():
            row = int(df[c].is_null().arg_max() or 0)
            raise InputError(f"comparisons: column '{c}' is null at row {row}; drop or fill nulls")
    if df[chosen].dtype != df[rejected].dtype:
        raise SchemaError(
            f"'{chosen}' ({df[chosen].dtype}) and '{rejected}' ({df[rejected].dtype}) must have "
            "the same type"
        )
    tv = None
    if tie is not None and tie in df.columns:
        if df[tie].dtype != pl.Boolean:
            raise SchemaError(f"column '{tie}' has type {df[tie].dtype}; it must be Boolean")
        if df[tie].null_count():
            raise InputError(f"column '{tie}' has nulls; fill them with False")
        tv = np.ascontiguousarray(df[tie].to_numpy(), dtype=np.bool_)
    wv = None
    if weight is not None and weight in df.columns:
        if not df[weight].dtype.is_numeric():
            raise SchemaError(f"column '{weight}' has type {df[weight].dtype}; it must be numeric")
        if df[weight].null_count():
            raise InputError(f"column '{weight}' has nulls; fill them (e.g. with 1.0)")
        wv = np.ascontiguousarray(df[weight].cast(pl.Float64).to_numpy(), dtype=np.float64)
    # items in their order (item_a < item_b); groups by equality only (finalize sorts them)
    items = _Codes(df[chosen], df[rejected], threads=threads)
    if items.size >= 2**32:
        raise InputError("more than 2^32 distinct items; split the input")
    w, lo = items.codes
    # Group code: mixed radix over the per-column codes.
    enc = [_Codes(df[c], sort=False, threads=threads) for c in by_cols]
    radix = 1
    for e in enc:
        radix *= max(e.size, 1)
    gu = None
    g32: Codes
    if not enc:
        g32 = np.zeros(df.height, dtype=np.uint32)
    elif len(enc) == 1:
        g32 = enc[0].codes[0]
    elif radix < 2**32:
        first = enc[0].codes[0]
        # mapped ids become a fresh array in plain(); only codes of our own need a copy
        g32 = plain(first) if isinstance(first, tuple) else first.copy()
        for e in enc[1:]:
            g32 *= np.uint32(e.size)
            g32 += plain(e.codes[0])
    else:
        g = np.zeros(df.height, dtype=np.uint64)
        for e in enc:
            g = g * np.uint64(e.size) + plain(e.codes[0]).astype(np.uint64)
        gu, inv = np.unique(g, return_inverse=True)
        g32 = inv.astype(np.uint32)
        del g, inv
    r = _core.prefs_tally(
        g32,
        w,
        lo,
        tie=tv,
        weight=wv,
        threads=threads,
    )
    # the per-row codes are done with: freed before the result is built (4 bytes a row and
    # column of peak memory otherwise; mapped ids are views of the input and free nothing)
    del w, lo, g32, tv
    items.codes = []
    for e in enc:
        e.codes = []
    cols: dict[str, pl.Series] = {}
    if len(enc) == 1:
        cols[by_cols[0]] = enc[0].decode(r.group, by_cols[0])
    elif enc:
        gcode = np.asarray(r.group).astype(np.uint64)
        if gu is not None:
            gcode = gu[gcode]
        for c, e in reversed(list(zip(by_cols, enc, strict=True))):
            size = np.uint64(e.size)
            cols[c] = e.decode(gcode % size, c)
            gcode = gcode // size
    # the result arrays are wrapped as they are (int64 and float64 from Rust: no copies)
    state = pl.DataFrame(
        [cols[c] for c in by_cols]
        + [
            items.decode(r.lo, "item_a"),
            items.decode(r.hi, "item_b"),
            pl.Series("wins_a", r.n_lo),
            pl.Series("wins_b", r.n_hi),
            pl.Series("ties", r.n_tie),
            pl.Series("weight_a", r.w_lo),
            pl.Series("weight_b", r.w_hi),
            pl.Series("weight_ties", r.w_tie),
        ]
    )
    return Tally(by_cols, state)
