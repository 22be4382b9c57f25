"""The edge kernel over a scores table, shared by :mod:`pluralign.edge.signals` and
:mod:`pluralign.metrics`: scores checked against a context, prompts made contiguous, and one
call of ``_core.edge_batch`` (admissible set, Pareto front, choice, conflict per prompt)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from . import _core
from . import _validate as _v
from ._factorize import factorize
from .errors import InputError, SchemaError
from .govern.context import Context

__all__ = ["Batch", "run_kernel", "scores_frame"]


@dataclass
class Batch:
    """Scores sorted into contiguous prompts plus the kernel's outputs."""

    table: pl.DataFrame  # scores in kernel row order (with __row: original row index)
    offsets: np.ndarray
    prompts: pl.DataFrame  # one row per prompt (prompt id column), kernel order
    admissible: np.ndarray
    front: np.ndarray
    n_admissible: np.ndarray
    n_front: np.ndarray
    chosen: np.ndarray  # local index, -1 none
    conflict: np.ndarray
    min_tau: np.ndarray
    n_choices: np.ndarray
    mask: np.ndarray | None = None  # reason bitmask per prompt (bit i = list(REASONS)[i])


def scores_frame(scores: Any, context: Context, prompt_id: str) -> pl.DataFrame:
    scores = _v.frame(scores, "scores")
    if not isinstance(context, Context):
        raise InputError(
            f"context must be a pluralign.govern.Context (e.g. Context.builtin("
            f"'medical_advice')), got {type(context).__name__}"
        )
    if not isinstance(prompt_id, str):
        raise InputError(f"prompt_id must be a column name (str), got {prompt_id!r}")
    objs = context.objective_names
    _v.require_columns(scores, [prompt_id, *objs], "scores")
    _v.key_columns(scores, [prompt_id], "scores")
    if scores[prompt_id].null_count():
        row = int(scores[prompt_id].is_null().arg_max() or 0)
        raise InputError(
            f"scores: column '{prompt_id}' is null at row {row}; every candidate needs a prompt"
        )
    for c in objs:
        dtype = scores.schema[c]
        if not dtype.is_numeric():
            raise SchemaError(f"scores: column '{c}' has type {dtype}; it must be numeric")
        if scores[c].null_count():
            _v.finite_columns(scores, [c], "scores")
    # non-finite values are found by the kernel; run_kernel re-checks to name the column
    return scores


def _run_starts(codes: np.ndarray) -> np.ndarray:
    """Rows where a run of equal codes begins."""
    return np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])


def run_kernel(
    scores: pl.DataFrame,
    context: Context,
    prompt_id: str,
    threads: int | None,
    weights: np.ndarray | None = None,
) -> Batch:
    threads = _v.threads(threads)
    pid = scores.get_column(prompt_id)
    n = scores.height
    table = scores
    if n == 0:
        starts = np.zeros(0, np.int64)
        contiguous = True
    elif pid.dtype.is_integer():
        a = pid.to_numpy()
        step = np.diff(a)
        starts = np.concatenate([[0], np.flatnonzero(step) + 1])
        contiguous = bool((step >= 0).all()) or pid.n_unique() == len(starts)
    else:
        # text / categorical prompt ids: the shared factorizer (sorted codes), so contiguity
        # and the stable grouping below work on integers
        _, (codes,) = factorize(pid, threads=threads)
        starts = _run_starts(codes)
        contiguous = len(starts) == int(codes.max()) + 1
        if not contiguous:
            order = np.argsort(codes, kind="stable")
            table = scores[order]
            starts = _run_starts(codes[order])
            contiguous = True
    if not contiguous:
        # prompts are not contiguous: group them (stable, so candidate order is kept)
        table = scores.sort(prompt_id, maintain_order=True)
        pid = table.get_column(prompt_id)
        starts = np.flatnonzero((pid != pid.shift(1)).fill_null(True).to_numpy())
    offsets = np.append(starts, n).astype(np.int64)
    objs = context.objective_names
    cols = [table.get_column(c).cast(pl.Float64).rechunk() for c in objs]
    tiers = context.tiers
    index = {name: j for j, name in enumerate(objs)}
    w = np.ascontiguousarray(
        context.admissible_weights() if weights is None else weights, dtype=np.float64
    )
    try:
        out = _core.edge_batch(
            cols,
            context.maximize,
            offsets,
            [index[t.objective] for t in tiers],
            [np.nan if t.threshold is None else float(t.threshold) for t in tiers],
            [np.nan if t.tolerance is None else float(t.tolerance) for t in tiers],
            [bool(t.relative) for t in tiers],
            w,
            threads,
        )
    except InputError:
        _v.finite_columns(scores, objs, "scores")  # names the column and the row of a NaN / inf
        raise
    prompts = table.select(pl.col(prompt_id).gather(pl.Series(starts)))
    return Batch(table, offsets, prompts, *out)
