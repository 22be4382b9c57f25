"""Row-dropping and splitting transforms for preference tables.

Convention for every transform that can drop rows (here :func:`dedupe`; also the pair builders
in ``pluralign.prefs``): it returns ``(table, DropSummary)``. The summary says how many rows came
in, how many went out and, per reason, how many were dropped. Nothing is dropped silently.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl

from .. import _validate as _v
from ..errors import InputError, SchemaError
from ._ids import map_unique
from .validate import rows_text

# Unicode White_Space (what Rust's regex ``\s`` and ``str::trim`` use). Python's ``\s`` also
# matches U+001C..U+001F, which are not White_Space; they are excluded so that the polars fast
# path and this reference agree character for character.
_WS = re.compile(r"[^\S\x1c-\x1f]+")


@dataclass(frozen=True)
class DropSummary:
    """What a transform dropped: ``n_in`` items in, ``n_out`` out, ``dropped[reason] = count``.

    Items are rows (``dedupe``) or candidate pairs (``ratings_to_pairs``, ``pareto_pairs``).

    ``n_dropped == n_in - n_out == sum(dropped.values())``.
    """

    transform: str
    n_in: int
    n_out: int
    dropped: Mapping[str, int] = field(default_factory=dict)

    @property
    def n_dropped(self) -> int:
        """Total rows dropped."""
        return self.n_in - self.n_out

    def as_dict(self) -> dict[str, object]:
        """A plain dict (for logging or JSON)."""
        return {
            "transform": self.transform,
            "n_in": self.n_in,
            "n_out": self.n_out,
            "n_dropped": self.n_dropped,
            "dropped": dict(self.dropped),
        }

    def __str__(self) -> str:
        parts = ", ".join(f"{v} {k}" for k, v in self.dropped.items()) or "nothing"
        return f"{self.transform}: kept {self.n_out} of {self.n_in} rows (dropped {parts})"


def normalize_text(text: str) -> str:
    """Runs of whitespace (Unicode White_Space) collapsed to one space, ends stripped, then
    ``str.casefold`` (Unicode full case folding: ``"Straße"`` -> ``"strasse"``)."""
    return _WS.sub(" ", text).strip(" ").casefold()


def _normalized(s: pl.Series) -> pl.Series:
    """:func:`normalize_text` of every value: vectorized for ASCII text (where case folding is
    lower-casing), one Python call per distinct non-ASCII value."""
    s = s.cast(pl.String)
    fast = s.str.replace_all(r"[\t\n\x0b\x0c\r ]+", " ").str.strip_chars(" ").str.to_lowercase()
    non_ascii = s.str.contains(r"[^\x00-\x7F]")
    if not non_ascii.any():
        return fast
    slow = map_unique(s.filter(non_ascii), normalize_text)
    return fast.scatter(non_ascii.arg_true(), slow)


_DEFAULT_ON = (
    ("prompt", "chosen", "rejected"),
    ("prompt_id", "chosen_id", "rejected_id"),
    ("prompt", "response", "objective", "annotator_id"),
    ("prompt_id", "response_id", "objective", "annotator_id"),
    ("prompt", "response"),
    ("prompt_id", "response_id"),
)


def _default_on(df: pl.DataFrame) -> list[str]:
    for cols in _DEFAULT_ON:
        if all(c in df.columns for c in cols):
            return list(cols)
    raise SchemaError(
        f"dedupe: could not infer the key columns from {df.columns}; pass on=[...] (for "
        f"comparisons the default is prompt/chosen/rejected texts, else their ids)"
    )


def dedupe(
    df: pl.DataFrame, on: str | Sequence[str] | None = None, *, normalize: bool = True
) -> tuple[pl.DataFrame, DropSummary]:
    """Drop duplicate rows, keeping the first occurrence (row order is preserved).

    Rows are duplicates when they are equal on every ``on`` column (default: the
    ``prompt``/``chosen``/``rejected`` texts of a comparisons table, or their ids when the texts
    are absent; for ratings ``prompt``/``response``/``objective``/``annotator_id`` when present).
    With ``normalize=True`` string columns are also compared after normalization (whitespace runs
    collapsed to one space, ends stripped, Unicode case folding as ``str.casefold``), so
    ``"Hello  World"`` and ``"hello world"`` are duplicates. Nulls compare equal to each other.

    Returns ``(table, DropSummary)`` with ``dropped = {"exact_duplicate": a,
    "normalized_duplicate": b}`` (``b`` counts rows that are duplicates only after normalization).
    """
    if not isinstance(df, pl.DataFrame):
        raise InputError(f"dedupe: expected a polars DataFrame, got {type(df).__name__}")
    cols = _default_on(df) if on is None else ([on] if isinstance(on, str) else list(on))
    if not cols:
        raise InputError("dedupe: on= must name at least one column")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SchemaError(
            f"dedupe: column(s) {missing} named in on= not found; the table has {df.columns}"
        )
    exact_dup = ~df.select(pl.struct(cols).is_first_distinct()).to_series()
    n_exact = int(exact_dup.sum())
    if normalize:
        keys = df.select(
            _normalized(df.get_column(c)).alias(c) if df.schema[c] == pl.String else pl.col(c)
            for c in cols
        )
        dup = ~keys.select(pl.struct(cols).is_first_distinct()).to_series()
    else:
        dup = exact_dup
    out = df.filter(~dup)
    n_norm = int(dup.sum()) - n_exact
    summary = DropSummary(
        "dedupe",
        df.height,
        out.height,
        {"exact_duplicate": n_exact, "normalized_duplicate": n_norm},
    )
    return out, summary


def _group_hash(values: tuple, seed: int) -> int:
    parts = []
    for v in values:
        if v is None:
            parts.append("\x00null")
        else:
            parts.append(f"{type(v).__name__}:{v}")
    h = hashlib.blake2b(
        "\x1f".join(parts).encode("utf-8"), digest_size=8, key=str(int(seed)).encode("ascii")
    )
    return int.from_bytes(h.digest(), "big")


def _cut(n: int, fractions: Sequence[float]) -> list[int]:
    """Group counts per split: floor(f*n), remainder to the largest fractional parts."""
    raw = [f * n for f in fractions]
    counts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - counts[i]), i))
    for i in order[: n - sum(counts)]:
        counts[i] += 1
    return counts


def split(
    df: pl.DataFrame,
    groups: str | Sequence[str] = "prompt_id",
    fractions: Mapping[str, float] | None = None,
    *,
    seed: int = 0,
    stratify: str | None = None,
    method: Literal["exact", "hash"] = "exact",
    by: Any = _v.UNSET,
) -> dict[str, pl.DataFrame]:
    """Split ``df`` into named parts so that no ``groups`` group spans two parts (no leakage;
    ``by=`` is the old name of ``groups=``, deprecated).

    Each group (distinct value of the ``groups`` column(s)) gets a key
    ``blake2b(repr of its values, key=str(seed), digest_size=8)``; this depends only on the group's
    values and the seed, so the split is identical across runs, machines and row orders.

    - ``method="exact"`` (default): groups are sorted by key and cut so that each part gets
      ``floor(fraction * n_groups)`` groups, the remainder going to the largest fractional
      parts (within each stratum when ``stratify`` is given).
    - ``method="hash"``: each group goes to the part whose cumulative-fraction interval contains
      ``key / 2**64``; a group's part never changes when other groups are added or removed, but
      part sizes are only proportional in expectation.

    ``fractions`` (default ``{"train": 0.8, "eval": 0.2}``) must be >= 0 and sum to 1; the result
    is a dict in the same order, each part keeping the input row order. ``stratify`` names a
    column constant within each group (e.g. an annotator group); fractions then hold within each
    stratum (``method="exact"`` only; with ``"hash"`` it is checked but, as each group is placed
    on its own, fractions hold per stratum only in expectation). Fractions count groups, not rows.
    """
    if not isinstance(df, pl.DataFrame):
        raise InputError(f"split: expected a polars DataFrame, got {type(df).__name__}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InputError(f"split: seed must be an int (any size), got {seed!r}")
    fr = dict(fractions) if fractions is not None else {"train": 0.8, "eval": 0.2}
    if not fr:
        raise InputError("split: fractions is empty; give e.g. {'train': 0.8, 'eval': 0.2}")
    vals = list(fr.values())
    if any(not isinstance(v, (int, float)) or not (v >= 0) for v in vals):
        raise InputError(f"split: fractions must be numbers >= 0, got {fr}")
    if abs(sum(vals) - 1.0) > 1e-9:
        raise InputError(f"split: fractions must sum to 1, got {sum(vals)} from {fr}")
    if method not in ("exact", "hash"):
        raise InputError(f"split: method must be 'exact' or 'hash', got {method!r}")
    by = _v.renamed("split", "groups", groups, "by", by, default="prompt_id")
    cols = [by] if isinstance(by, str) else list(by)
    need = cols + ([stratify] if stratify is not None else [])
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise SchemaError(f"split: column(s) {missing} not found; the table has {df.columns}")
    null_key = pl.any_horizontal([pl.col(c).is_null() for c in cols])
    nk = df.select(null_key).to_series()
    if nk.any():
        raise InputError(
            f"split: null in group column(s) {cols} at {rows_text(nk)}; every row needs a group key"
        )
    key_rows = df.select(cols).unique(maintain_order=True)
    if stratify is not None:
        per = df.group_by(cols, maintain_order=True).agg(
            pl.col(stratify).n_unique().alias("_n"), pl.col(stratify).first().alias("_s")
        )
        bad = per.filter(pl.col("_n") > 1)
        if bad.height:
            raise InputError(
                f"split: stratify column {stratify!r} varies within group "
                f"{bad.select(cols).row(0)} of {cols}; it must be constant per group"
            )
        key_rows = per.select(*cols, pl.col("_s"))
    keys = [
        _group_hash(row, seed) for row in key_rows.select(cols).iter_rows()
    ]  # seed: checked above
    key_rows = key_rows.with_columns(pl.Series("_key", keys, dtype=pl.UInt64))
    names = list(fr)
    if method == "hash":
        bounds, acc = [], 0.0
        for v in vals:
            acc += v
            bounds.append(acc)
        part = [
            next((i for i, b in enumerate(bounds) if k / 2.0**64 < b), len(vals) - 1) for k in keys
        ]
        key_rows = key_rows.with_columns(pl.Series("_part", part, dtype=pl.Int64))
    else:
        strata = (
            [key_rows] if stratify is None else key_rows.partition_by("_s", maintain_order=True)
        )
        pieces = []
        for g in strata:
            g = g.sort("_key")
            counts = _cut(g.height, vals)
            part = [i for i, c in enumerate(counts) for _ in range(c)]
            pieces.append(g.with_columns(pl.Series("_part", part, dtype=pl.Int64)))
        key_rows = pl.concat(pieces)
    tagged = (
        df.with_row_index("_row")
        .join(key_rows.select(*cols, "_part"), on=cols, how="left", nulls_equal=False)
        .sort("_row")
    )
    return {
        name: tagged.filter(pl.col("_part") == i).drop("_row", "_part")
        for i, name in enumerate(names)
    }
