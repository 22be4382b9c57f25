"""``edge_table``: edge signals and arbiter decisions for a scores table in one call (what
``pluralign edges`` prints)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from .. import _validate as _v
from ..errors import InputError
from ..govern.context import Context
from .arbiter import Arbiter

__all__ = ["edge_table"]


def _context(context: str | Path | Context, objectives: Sequence[str] | None) -> Context:
    if isinstance(context, Context):
        ctx = context
    elif isinstance(context, Path) or (
        isinstance(context, str) and (context.endswith(".toml") or Path(context).exists())
    ):
        if not Path(context).exists():
            raise InputError(f"context file {context} does not exist")
        ctx = Context.from_toml(Path(context))
    elif isinstance(context, str) and context in Context.builtin_names():
        ctx = Context.builtin(context)
    else:
        raise InputError(
            f"context {context!r} is neither a .toml file nor a built-in context "
            f"{Context.builtin_names()}"
        )
    if objectives is not None and list(objectives) != ctx.objective_names:
        raise InputError(
            f"objectives {list(objectives)} differ from the context's "
            f"{ctx.objective_names}; leave objectives out"
        )
    return ctx


def edge_table(
    scores: Any,
    *,
    context: str | Path | Context | None = None,
    objectives: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Edge signals and the arbiter's decision for every prompt of a scores table.

    Parameters
    ----------
    scores : polars.DataFrame
        One row per candidate answer: ``prompt_id``, one numeric column per objective, and
        optionally ``response_id`` (the candidate's id) and ``std`` (its reward uncertainty),
        which are used when present.
    context : str, Path or Context, optional
        A built-in context name (:meth:`pluralign.govern.Context.builtin_names`), a TOML file
        or a :class:`~pluralign.govern.Context`. Without one: a context maximizing
        ``objectives`` with equal weights (radius 0.2) and the default arbiter thresholds.
    objectives : sequence of str, optional
        The objective columns. Default: the context's, or without a context every numeric
        column except ``prompt_id``, ``response_id`` and ``std``.

    Returns
    -------
    polars.DataFrame
        One row per prompt, as :meth:`pluralign.edge.Arbiter.decide_batch` returns it.

    Raises
    ------
    SchemaError
        ``scores`` lacks ``prompt_id`` or an objective column.
    InputError
        An unknown context, objectives that differ from the context's, or no objective column.
    """
    scores = _v.frame(scores, "scores")
    _v.require_columns(scores, ["prompt_id"], "scores")
    if objectives is not None and (
        isinstance(objectives, str) or not all(isinstance(o, str) for o in objectives)
    ):
        raise InputError(f"objectives must be a list of column names, got {objectives!r}")
    if context is not None:
        ctx = _context(context, objectives)
    else:
        if objectives is None:
            objectives = [
                c
                for c, t in scores.schema.items()
                if t.is_numeric() and c not in ("prompt_id", "std", "response_id")
            ]
        if not objectives:
            raise InputError("no objective columns: pass objectives= or context=")
        ctx = Context.from_dict(
            {
                "name": "cli",
                "objectives": [{"name": o, "direction": "max"} for o in objectives],
                "weights": {"values": {o: 1 / len(objectives) for o in objectives}, "radius": 0.2},
            }
        )
    rid = "response_id" if "response_id" in scores.columns else None
    std = "std" if "std" in scores.columns else None
    return Arbiter(ctx).decide_batch(scores, response=rid, std=std)
