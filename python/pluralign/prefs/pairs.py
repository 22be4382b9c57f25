"""Ratings → pairwise comparisons (Rust kernels in ``rust/core/src/prefs``).

- :func:`ratings_to_pairs`: every pair of responses rated within the same prompt (and objective /
  annotator, as asked), oriented by score, with the margin.
- :func:`pareto_pairs`: only the pairs where one response Pareto-dominates the other across
  several objectives (at least as good on every objective, strictly better on one).

Both return the canonical comparisons table and a :class:`~pluralign.prefs.DropSummary` that
counts every pair that was not kept and why (nothing is dropped silently).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import polars as pl
import polars.selectors as cs

from .. import _core
from .. import _validate as _v
from .._factorize import factorize
from ..errors import InputError, InternalError, SchemaError
from .transforms import DropSummary
from .validate import rows_text

__all__ = ["pareto_pairs", "ratings_to_pairs", "votes_to_comparisons"]


_HINT = "Rename the columns or pass groups= / score= / response= with your names"


def _no_nulls(df: pl.DataFrame, cols: Sequence[str]) -> None:
    for c in cols:
        n = df[c].null_count()
        if n:
            row = int(df[c].is_null().arg_max() or 0)
            raise InputError(
                f"ratings: column '{c}' is null at row {row} ({n} nulls); drop or fill them"
            )


def _by(df: pl.DataFrame, by: str | Sequence[str] | None, extra: Sequence[str]) -> list[str]:
    if by is None:
        return ["prompt_id"] + [c for c in extra if c in df.columns]
    return [by] if isinstance(by, str) else list(by)


def _grouping(
    df: pl.DataFrame, by: list[str], threads: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(offsets int64, rows uint32): rows of group g are rows[offsets[g]:offsets[g + 1]], groups
    in order of first appearance, rows in input order within a group."""
    n = df.height
    if n >= 2**32 - 1:
        raise InputError(f"{n} rows is above the 2^32 - 1 rows one call supports; split the input")
    if n == 0:
        return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.uint32)
    # Only equality matters here, so keys go in their physical type: Categorical / Enum as
    # their dictionary indices (exporting a dictionary to Arrow costs as much as its distinct
    # values).
    keys = [c.to_physical() for c in df.select(by).rechunk().get_columns()]
    # Already grouped (e.g. sorted by prompt)? Rust reads the key columns in place (Arrow) and
    # returns the runs when every key forms one run; otherwise the keys are factorized and a
    # counting sort groups the rows.
    offsets = _core.prefs_contiguous_groups(keys, threads=threads)
    if offsets is not None:
        return offsets, np.arange(n, dtype=np.uint32)
    codes, n_codes = _row_codes(keys, threads)
    return _core.prefs_rows_by_code(codes, n_codes)


def _row_codes(cols: Sequence[pl.Series], threads: int | None) -> tuple[np.ndarray, int]:
    """One uint32 code per row for the key columns taken together (equal keys, equal codes)
    and the number of codes; only equality matters, so codes need not follow any order."""

    # codes in whatever order is cheapest (sort=None), no values gathered: codes are dense, so
    # their count is the largest + 1 (first-seen numbering and the values were a third of a
    # shuffled 125,000-prompt grouping's time)
    def codes_of(c: pl.Series) -> tuple[np.ndarray, int]:
        _, (k,) = factorize(c, sort=None, threads=threads, values=False)
        return k, int(k.max()) + 1 if len(k) else 0

    codes, size = np.zeros(cols[0].len(), dtype=np.uint32), 1
    for c in cols:
        k, distinct = codes_of(c)
        if size * distinct <= max(4 * len(k), 1 << 16):  # mixed radix, still compact
            codes = codes * np.uint32(distinct) + k
            size *= distinct
        else:  # renumber the (codes, k) pairs that occur
            wide = codes.astype(np.uint64) * np.uint64(distinct) + k
            codes, size = codes_of(pl.Series(wide))
    return codes, size


def _pair_frame(
    df: pl.DataFrame,
    by: list[str],
    response: str,
    kernel: Callable[[list[pl.Series | None], list[bool]], _core.PairTableOutcome | None],
    with_margin: bool,
) -> tuple[pl.DataFrame, _core.PairTableOutcome]:
    """Run a pair kernel and build the comparisons table (the ``groups`` columns, ``chosen_id``,
    ``rejected_id``, ``tie``, ``weight``, and ``margin`` if asked) plus the kernel's counts.

    ``kernel(columns, first)`` gathers each output column from the pair's first (or second) row
    while it lists the pairs: numeric and temporal columns cross as Arrow both ways without
    copies, so no pair-index arrays or separate gathers are needed. For other column types
    (boolean, nested...) it returns None, and the row indices are asked for and gathered by
    polars instead, as they are at once for text, Categorical and Enum columns.
    """
    keys = [c for c in by if c != response]
    names = keys + ["chosen_id", "rejected_id"]
    r = None
    # Categorical / Enum columns are gathered by polars (the result keeps their dictionary),
    # and so are text columns: polars gathers string views in parallel, 18 ms faster than the
    # kernel's own gather on 2.8e6 pairs of 1e6 shuffled ratings (and 13 ms slower for
    # integers, which the kernel keeps). A selector finds them without building Python dtypes
    # (an Enum's checks its categories).
    by_index = cs.categorical() | cs.enum() | cs.string() | cs.binary()
    if not set(df.select(by_index).columns) & {*keys, response}:
        cols: list[pl.Series | None] = [
            *(df[c].rechunk() for c in keys),
            *[df[response].rechunk()] * 2,
        ]
        r = kernel(cols, [True] * len(keys) + [True, False])
    if r is not None:
        del cols
        out = pl.DataFrame([pl.Series(c).alias(n) for c, n in zip(r.columns, names, strict=True)])
    else:
        r = kernel([None, None], [True, False])
        if r is None:  # row indices are always gathered in Rust
            raise InternalError("the pair kernel returned no row indices")
        first, second = (pl.Series(c, dtype=pl.UInt32) for c in r.columns)
        # one select: polars gathers the columns in parallel
        out = df.select(
            [pl.col(c).gather(first) for c in keys]
            + [
                pl.col(response).gather(first).alias("chosen_id"),
                pl.col(response).gather(second).alias("rejected_id"),
            ]
        )
        del first, second
    tie = r.tie
    # Constant columns stay scalar (polars materializes them only when needed).
    out = out.with_columns(
        pl.Series("tie", tie, dtype=pl.Boolean) if tie.any() else pl.lit(False).alias("tie"),
        pl.lit(1.0, dtype=pl.Float64).alias("weight"),
    )
    del tie
    if with_margin:
        out = out.with_columns(pl.Series("margin", r.margin, dtype=pl.Float64))
    return out, r


def ratings_to_pairs(
    ratings: pl.DataFrame,
    groups: str | Sequence[str] | None = None,
    min_margin: float = 0.0,
    ties: Literal["drop", "keep"] = "drop",
    *,
    score: str = "score",
    response: str = "response_id",
    threads: int | None = None,
    by: Any = _v.UNSET,
) -> tuple[pl.DataFrame, DropSummary]:
    """All pairs of responses rated within each group, as comparisons with their margin.

    Within every group of rows sharing the ``groups`` values (``by=`` is the old name, deprecated) (default: ``prompt_id`` plus
    ``objective`` and ``annotator_id`` where those columns exist), every unordered pair of rows
    ``(a, b)`` with ``d = score_a - score_b`` becomes a comparison: the higher-scored response
    is ``chosen_id``, ``margin = |d|``. Pairs with ``d == 0`` are dropped (``ties="drop"``) or
    kept with ``tie = True`` and margin 0 (``ties="keep"``; the earlier row is listed first);
    pairs with ``0 < |d| < min_margin`` are dropped. This is the standard way multi-attribute
    rating data (HelpSteer, UltraFeedback) is turned into preference pairs.

    Returns
    -------
    out
        ``(pairs, summary)``: the comparisons table (the ``groups`` columns, ``chosen_id``,
        ``rejected_id``, ``tie``, ``weight`` = 1, ``margin``), in group order of first
        appearance and row order within a group; and a :class:`DropSummary` over the
        ``n_in`` candidate pairs with ``dropped = {"ties": ..., "below_margin": ...}``.

    Raises
    ------
    SchemaError
        missing columns or a non-numeric score.
    InputError
        nulls, non-finite scores (naming the row), a bad ``ties`` / ``min_margin``.
    """
    df = _v.frame(ratings, "ratings")
    if ties not in ("drop", "keep"):
        raise InputError(f'ties must be "drop" or "keep", got {ties!r}')
    if not (isinstance(min_margin, (int, float)) and np.isfinite(min_margin) and min_margin >= 0):
        raise InputError(f"min_margin = {min_margin!r} must be a finite number >= 0")
    by = _v.renamed("ratings_to_pairs", "groups", groups, "by", by)
    by_cols = _by(df, by, ("objective", "annotator_id"))
    _v.require_columns(df, by_cols + [score, response], "ratings", hint=_HINT)
    if not df[score].dtype.is_numeric():
        raise SchemaError(f"column '{score}' has type {df[score].dtype} but scores must be numeric")
    _no_nulls(df, by_cols + [score, response])
    offsets, rows = _grouping(df, by_cols, threads)
    s = np.ascontiguousarray(df[score].cast(pl.Float64).to_numpy(), dtype=np.float64)
    out, r = _pair_frame(
        df,
        by_cols,
        response,
        lambda cols, first: _core.prefs_rating_pairs(
            offsets,
            rows,
            s,
            cols,
            first,
            min_margin=float(min_margin),
            keep_ties=ties == "keep",
            threads=threads,
        ),
        with_margin=True,
    )
    same = pl.col("chosen_id") == pl.col("rejected_id")
    if out.select(same.any()).item():  # a response rated twice in one group is paired with itself
        dup = df.select([*by_cols, response]).is_duplicated()
        raise InputError(
            f"ratings_to_pairs: response {out.filter(same)['chosen_id'][0]!r} is rated "
            f"more than once in one group (by {by_cols}) at {rows_text(dup)}; add the column that "
            "tells the ratings apart to groups= (e.g. annotator_id), or aggregate them first"
        )
    summary = DropSummary(
        transform="ratings_to_pairs",
        n_in=int(r.n_considered),
        n_out=out.height,
        dropped={"ties": int(r.n_ties_dropped), "below_margin": int(r.n_below_margin)},
    )
    return out, summary


def pareto_pairs(
    ratings: pl.DataFrame,
    objectives: Sequence[str],
    groups: str | Sequence[str] | None = None,
    *,
    maximize: bool | Sequence[bool] = True,
    score: str = "score",
    response: str = "response_id",
    objective: str = "objective",
    threads: int | None = None,
    by: Any = _v.UNSET,
) -> tuple[pl.DataFrame, DropSummary]:
    """The unambiguous pairs: where one response Pareto-dominates another.

    Response ``a`` dominates ``b`` when it is at least as good on every objective in
    ``objectives`` and strictly better on at least one (Pareto 1906; the usual dominance of
    multi-objective optimization). Within each group (default ``prompt_id`` plus
    ``annotator_id`` if present) every dominated pair becomes a comparison ``a`` over ``b``;
    incomparable pairs (each better somewhere) and identical vectors are counted, not kept.

    ``ratings`` is long (``response``, ``objective``, ``score`` columns: one row per response
    and objective) or wide (one column per objective, named as in ``objectives``).

    Returns
    -------
    out
        ``(pairs, summary)``: the comparisons table (the ``groups`` columns, ``chosen_id``,
        ``rejected_id``, ``tie`` = False, ``weight`` = 1) and a :class:`DropSummary` with
        ``dropped = {"incomparable": ..., "equal": ...}``.

    Raises
    ------
    SchemaError
        missing columns; InputError: a response lacking an objective's score,
        duplicate (response, objective) ratings, non-finite scores, nulls.
    """
    df = _v.frame(ratings, "ratings")
    if not isinstance(objectives, str) and (
        not isinstance(objectives, Sequence) or not all(isinstance(o, str) for o in objectives)
    ):
        raise InputError(
            f"objectives must be a column name or a list of column names, got {objectives!r}"
        )
    objs = [objectives] if isinstance(objectives, str) else list(objectives)
    if not objs:
        raise InputError("objectives must name at least one objective")
    if len(set(objs)) != len(objs):
        raise InputError(f"objectives {objs} contain duplicates")
    mx = [bool(maximize)] * len(objs) if isinstance(maximize, bool) else [bool(x) for x in maximize]
    if len(mx) != len(objs):
        raise InputError(f"maximize has {len(mx)} entries for {len(objs)} objectives")
    by = _v.renamed("pareto_pairs", "groups", groups, "by", by)
    by_cols = _by(df, by, ("annotator_id",))
    if objective in df.columns and score in df.columns:
        _v.require_columns(df, by_cols + [response], "ratings", hint=_HINT)
        _no_nulls(df, by_cols + [response, objective, score])
        if not df[score].dtype.is_numeric():
            raise SchemaError(
                f"column '{score}' has type {df[score].dtype}; scores must be numeric"
            )
        long = df.filter(pl.col(objective).cast(pl.String).is_in(objs))
        keys = by_cols + [response]
        dup = long.select(keys + [objective]).is_duplicated()
        if dup.any():
            row = long.filter(dup).row(0, named=True)
            raise InputError(
                f"response {row[response]!r} has several '{objective}' = {row[objective]!r} "
                f"ratings in group {[row[c] for c in by_cols]}; aggregate them first (e.g. mean)"
            )
        wide = long.with_columns(pl.col(objective).cast(pl.String)).pivot(
            on=objective,
            index=keys,
            values=score,
            aggregate_function=None,
        )
        for o in objs:
            if o not in wide.columns:
                raise InputError(
                    f"no ratings for objective {o!r}; objectives present: "
                    f"{sorted(long[objective].cast(pl.String).unique().to_list())}"
                )
            if wide[o].null_count():
                row = wide.filter(pl.col(o).is_null()).row(0, named=True)
                raise InputError(
                    f"response {row[response]!r} (group {[row[c] for c in by_cols]}) has no "
                    f"score for objective {o!r}; every response needs every objective"
                )
    else:
        _v.require_columns(df, by_cols + [response] + objs, "ratings", hint=_HINT)
        _no_nulls(df, by_cols + [response] + objs)
        wide = df
    for o in objs:
        if not wide[o].dtype.is_numeric():
            raise SchemaError(
                f"objective column '{o}' has type {wide[o].dtype}; it must be numeric"
            )
    offsets, rows = _grouping(wide, by_cols, threads)
    cols = [
        np.ascontiguousarray(wide[o].cast(pl.Float64).to_numpy(), dtype=np.float64) for o in objs
    ]
    out, r = _pair_frame(
        wide,
        by_cols,
        response,
        lambda out_cols, first: _core.prefs_pareto_pairs(
            offsets, rows, cols, mx, out_cols, first, threads=threads
        ),
        with_margin=False,
    )
    summary = DropSummary(
        transform="pareto_pairs",
        n_in=int(r.n_considered),
        n_out=out.height,
        dropped={"incomparable": int(r.n_incomparable), "equal": int(r.n_ties_dropped)},
    )
    return out, summary


def votes_to_comparisons(votes: Any) -> pl.DataFrame:
    """Pairwise comparisons implied by participatory votes.

    For each participant and each two statements they both voted on with different votes, the
    statement voted higher (agree 1 > pass 0 > disagree -1) is chosen. Equal votes give no
    comparison.

    Parameters
    ----------
    votes : polars.DataFrame
        A canonical votes table: ``statement_id``, ``participant_id``, ``vote`` in {-1, 0, 1}.

    Returns
    -------
    polars.DataFrame
        Columns ``chosen_id``, ``rejected_id`` (statement ids), ``annotator_id`` (the
        participant) and ``weight`` (1.0).

    Raises
    ------
    SchemaError
        A column is missing.
    InputError
        ``votes`` is not a table, or a vote is not -1, 0 or 1 (the row is named).
    """
    v = _v.frame(votes, "votes")
    _v.require_columns(v, ["statement_id", "participant_id", "vote"], "votes")
    bad = v.with_row_index("_row").filter(
        ~pl.col("vote").is_in([-1, 0, 1]) | pl.col("vote").is_null()
    )
    if bad.height:
        r = bad.row(0, named=True)
        raise InputError(f"votes: column 'vote' must be -1, 0 or 1; row {r.pop('_row')} has {r}")
    v = v.select("statement_id", "participant_id", pl.col("vote").cast(pl.Int8))
    j = v.join(v, on="participant_id", suffix="_b").filter(pl.col("vote") > pl.col("vote_b"))
    return j.select(
        pl.col("statement_id").alias("chosen_id"),
        pl.col("statement_id_b").alias("rejected_id"),
        pl.col("participant_id").alias("annotator_id"),
        pl.lit(1.0).alias("weight"),
    )
