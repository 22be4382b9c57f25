"""Schema and value checks for the canonical preference tables (see the design's data contract).

``validate(df, kind)`` returns the table with defaults filled in (never changing a given value)
or raises :class:`~pluralign.errors.SchemaError` (a column is missing or has the wrong type) /
:class:`~pluralign.errors.InputError` (a value is invalid; the message names the rows, 0-based).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from .. import _validate as _v
from ..errors import InputError, SchemaError

KINDS = ("comparisons", "ratings", "rankings", "votes", "scores")
_MAX_SHOWN = 5
DType = Any  # a polars DataType instance or class


_HINT = "Rename your columns or use the matching pluralign.prefs reader"


def rows_text(mask: pl.Series) -> str:
    """``"rows 3, 8 (and 2 more)"`` for the True positions of a boolean mask (0-based)."""
    idx = mask.fill_null(True).arg_true().to_list()
    shown = ", ".join(str(i) for i in idx[:_MAX_SHOWN])
    more = f" (and {len(idx) - _MAX_SHOWN} more)" if len(idx) > _MAX_SHOWN else ""
    from ._io import lines_note  # while a reader reads a file: its 1-based lines too

    return f"row{'s' if len(idx) > 1 else ''} {shown}{more}{lines_note(idx[:_MAX_SHOWN])}"


def _is_id_dtype(dt: DType) -> bool:
    return dt in (pl.String, pl.Categorical) or dt.is_integer() or isinstance(dt, pl.Enum)


def _check_id(df: pl.DataFrame, kind: str, col: str) -> None:
    dt = df.schema[col]
    if not _is_id_dtype(dt):
        raise SchemaError(f"{kind}: column {col!r} must hold ids (string or integer), got {dt}")
    s = df.get_column(col)
    if s.null_count():
        raise InputError(
            f"{kind}: column {col!r} is null at {rows_text(s.is_null())}; every row needs an id"
        )


def _fill_default(df: pl.DataFrame, col: str, value: object, dtype: DType) -> pl.DataFrame:
    if col not in df.columns:
        return df.with_columns(pl.lit(value, dtype=dtype).alias(col))
    return df


def _check_weight(df: pl.DataFrame, kind: str, col: str = "weight") -> pl.DataFrame:
    df = _fill_default(df, col, 1.0, pl.Float64)
    dt = df.schema[col]
    if not (dt.is_numeric() and dt != pl.Boolean):
        raise SchemaError(f"{kind}: column {col!r} must be numeric, got {dt}")
    w = df.get_column(col).cast(pl.Float64)
    bad = w.is_null() | w.is_nan() | w.is_infinite() | (w < 0)
    if bad.any():
        raise InputError(
            f"{kind}: column {col!r} must be finite and >= 0; invalid at "
            f"{rows_text(bad)} (values {w.filter(bad).head(3).to_list()})"
        )
    return df.with_columns(w.alias(col))


def _comparisons(df: pl.DataFrame) -> pl.DataFrame:
    k = "comparisons"
    _v.require_columns(df, ["prompt_id", "chosen_id", "rejected_id"], k, hint=_HINT)
    for c in ("prompt_id", "chosen_id", "rejected_id"):
        _check_id(df, k, c)
    if df.schema["chosen_id"] != df.schema["rejected_id"]:
        raise SchemaError(
            f"{k}: columns 'chosen_id' ({df.schema['chosen_id']}) and 'rejected_id' "
            f"({df.schema['rejected_id']}) must have the same type"
        )
    df = _fill_default(df, "tie", False, pl.Boolean)
    if df.schema["tie"] != pl.Boolean:
        raise SchemaError(f"{k}: column 'tie' must be boolean, got {df.schema['tie']}")
    if df.get_column("tie").null_count():
        raise InputError(
            f"{k}: column 'tie' is null at {rows_text(df.get_column('tie').is_null())}"
        )
    df = _check_weight(df, k)
    df = _fill_default(df, "objective", "overall", pl.String)
    if df.schema["objective"] not in (pl.String, pl.Categorical) and not isinstance(
        df.schema["objective"], pl.Enum
    ):
        raise SchemaError(f"{k}: column 'objective' must be a string, got {df.schema['objective']}")
    if df.get_column("objective").null_count():
        raise InputError(
            f"{k}: column 'objective' is null at {rows_text(df.get_column('objective').is_null())}"
        )
    same = df.get_column("chosen_id") == df.get_column("rejected_id")
    if same.any():
        raise InputError(
            f"{k}: chosen_id equals rejected_id at {rows_text(same)}; a response "
            f"cannot be compared with itself (drop these rows)"
        )
    return df


def _ratings(df: pl.DataFrame) -> pl.DataFrame:
    k = "ratings"
    _v.require_columns(df, ["prompt_id", "response_id", "score"], k, hint=_HINT)
    for c in ("prompt_id", "response_id"):
        _check_id(df, k, c)
    df = _fill_default(df, "objective", "overall", pl.String)
    if df.get_column("objective").null_count():
        raise InputError(
            f"{k}: column 'objective' is null at {rows_text(df.get_column('objective').is_null())}"
        )
    dt = df.schema["score"]
    if not (dt.is_numeric() and dt != pl.Boolean):
        raise SchemaError(f"{k}: column 'score' must be numeric, got {dt}")
    s = df.get_column("score").cast(pl.Float64)
    bad = s.is_null() | s.is_nan() | s.is_infinite()
    if bad.any():
        raise InputError(
            f"{k}: column 'score' is null, NaN or infinite at {rows_text(bad)}; "
            f"drop or impute these ratings first"
        )
    return df.with_columns(s.alias("score"))


def _rankings(df: pl.DataFrame) -> pl.DataFrame:
    k = "rankings"
    _v.require_columns(df, ["voter_id", "ranking"], k, hint=_HINT)
    _check_id(df, k, "voter_id")
    dt = df.schema["ranking"]
    if not (
        isinstance(dt, pl.List) and isinstance(dt.inner, pl.List) and _is_id_dtype(dt.inner.inner)
    ):
        raise SchemaError(
            f"{k}: column 'ranking' must be list[list[id]] (a list of tiers, each a "
            f"list of string or integer candidate ids), got {dt}"
        )
    df = _check_weight(df, k)
    r = df.get_column("ranking")
    empty = r.is_null() | (r.list.len() == 0)
    if empty.any():
        raise InputError(
            f"{k}: empty ranking at {rows_text(empty)}; a ballot must rank at least one candidate"
        )
    ex = df.select(pl.int_range(pl.len()).alias("_row"), pl.col("ranking")).explode("ranking")
    tier_bad = ex.get_column("ranking").is_null() | (ex.get_column("ranking").list.len() == 0)
    if tier_bad.any():
        rows = ex.filter(tier_bad).get_column("_row").unique(maintain_order=True)
        raise InputError(
            f"{k}: ballot with an empty tier at rows {rows.head(5).to_list()}; remove empty tiers"
        )
    ex = ex.explode("ranking")
    if ex.get_column("ranking").null_count():
        rows = ex.filter(pl.col("ranking").is_null()).get_column("_row").unique(maintain_order=True)
        raise InputError(f"{k}: null candidate id in ballots at rows {rows.head(5).to_list()}")
    dup = ex.filter(pl.struct("_row", "ranking").is_duplicated())
    if dup.height:
        first = dup.row(0, named=True)
        rows = dup.get_column("_row").unique(maintain_order=True)
        raise InputError(
            f"{k}: ballot at row {first['_row']} lists candidate {first['ranking']!r} "
            f"more than once (duplicate candidates at rows {rows.head(5).to_list()})"
        )
    return df


def _votes(df: pl.DataFrame) -> pl.DataFrame:
    k = "votes"
    _v.require_columns(df, ["statement_id", "participant_id", "vote"], k, hint=_HINT)
    for c in ("statement_id", "participant_id"):
        _check_id(df, k, c)
    dt = df.schema["vote"]
    if not (dt.is_integer() or dt.is_float()):
        raise SchemaError(f"{k}: column 'vote' must be an integer in {{-1, 0, 1}}, got {dt}")
    v = df.get_column("vote")
    bad = v.is_null() | ~v.is_in([-1, 0, 1])
    if bad.any():
        raise InputError(
            f"{k}: column 'vote' must be -1 (disagree), 0 (pass) or 1 (agree); "
            f"invalid at {rows_text(bad)} (values {v.filter(bad).head(3).to_list()})"
        )
    dup = df.select("statement_id", "participant_id").is_duplicated()
    if dup.any():
        raise InputError(
            f"{k}: participant voted more than once on a statement at "
            f"{rows_text(dup)}; keep one vote per (statement_id, participant_id), "
            f"e.g. the latest (read_polis does this)"
        )
    return df.with_columns(v.cast(pl.Int8).alias("vote"))


def _scores(df: pl.DataFrame, objectives: Sequence[str] | None) -> pl.DataFrame:
    k = "scores"
    if objectives is None:
        objectives = [c for c, t in df.schema.items() if t.is_float()]
        if not objectives:
            raise SchemaError(
                f"{k}: no float column found; the table has {df.columns}. Pass "
                f"objectives=[...] naming the score columns"
            )
    _v.require_columns(df, list(objectives), k, hint=_HINT)
    out = []
    for c in objectives:
        dt = df.schema[c]
        if not (dt.is_numeric() and dt != pl.Boolean):
            raise SchemaError(f"{k}: objective column {c!r} must be numeric, got {dt}")
        s = df.get_column(c).cast(pl.Float64)
        bad = s.is_null() | s.is_nan() | s.is_infinite()
        if bad.any():
            raise InputError(
                f"{k}: column {c!r} is null, NaN or infinite at {rows_text(bad)}; "
                f"scores must be finite (drop or impute first)"
            )
        out.append(s.alias(c))
    return df.with_columns(out)


def validate(
    df: pl.DataFrame, kind: str, *, objectives: Sequence[str] | None = None
) -> pl.DataFrame:
    """Check a canonical preference table and fill its defaults.

    ``kind`` is one of ``"comparisons"``, ``"ratings"``, ``"rankings"``, ``"votes"``,
    ``"scores"`` (columns as in the data contract, docs/prefs.md). Defaults filled when the column
    is absent: ``tie=False``, ``weight=1.0``, ``objective="overall"``; given values are never
    changed (weights and scores are cast to Float64, votes to Int8). ``objectives`` (scores only)
    names the objective columns; by default every float column.

    Raises :class:`SchemaError` naming a missing or mistyped column and :class:`InputError`
    naming the offending rows (0-based): null ids, ``chosen_id == rejected_id``, negative/NaN
    weights, null/NaN scores, votes outside {-1, 0, 1} or repeated per participant and statement,
    empty rankings or tiers, a candidate listed twice in one ballot.
    """
    if not isinstance(df, pl.DataFrame):
        raise InputError(f"validate: expected a polars DataFrame, got {type(df).__name__}")
    if not isinstance(kind, str):
        raise InputError(f"validate: kind must be a string such as 'comparisons', got {kind!r}")
    if kind == "comparisons":
        return _comparisons(df)
    if kind == "ratings":
        return _ratings(df)
    if kind == "rankings":
        return _rankings(df)
    if kind == "votes":
        return _votes(df)
    if kind == "scores":
        return _scores(df, objectives)
    raise InputError(f"validate: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
