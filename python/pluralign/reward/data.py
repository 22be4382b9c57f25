"""Turn canonical comparisons / ratings tables + embeddings into tensors for training.

Embeddings come as a mapping ``id -> vector`` in one of these forms:

- a ``dict`` (keys are compared as strings);
- a polars DataFrame with an ``id`` column and an ``embedding`` list/array column;
- a tuple ``(ids, matrix)`` with a 2-D numpy array.

Ids are those of the comparisons table (``chosen_id``, ``rejected_id``; ``prompt_id`` for a
prompt-gated model) and of the ratings table (``response_id``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from pluralign.errors import InputError, SchemaError


def as_matrix(values: Any, what: str, width: int | None = None) -> np.ndarray:
    """A float32 C-contiguous 2-D array from numpy / torch / a polars list or array column.

    Raises InputError on ragged rows, NaN/inf (naming the first bad row) or a width mismatch.
    """
    if isinstance(values, pl.DataFrame):
        if values.width != 1:
            raise InputError(f"{what}: pass one embedding column, got columns {values.columns}")
        values = values.to_series()
    if isinstance(values, pl.Series):
        if values.null_count():
            i = int(values.is_null().arg_true()[0])
            raise InputError(f"{what}: row {i} is null")
        if isinstance(values.dtype, pl.List):
            lens = values.list.len()
            if lens.n_unique() > 1:
                i = int((lens != lens[0]).arg_true()[0])
                raise InputError(
                    f"{what}: row {i} has {lens[i]} values, row 0 has {lens[0]}: "
                    "all embeddings must have the same width"
                )
        arr = (
            np.asarray(values.to_list(), dtype=np.float32)
            if len(values)
            else np.zeros((0, width or 0), np.float32)
        )
    elif hasattr(values, "detach"):
        arr = values.detach().cpu().float().numpy()
    else:
        # complex / object / text refused here (a float32 cast would drop or parse them)
        from pluralign._validate import numeric_array

        arr = numeric_array(values, what, dtype=np.float32)
    if arr.ndim == 1 and width is not None and arr.size == width:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise InputError(f"{what}: expected a 2-D array (rows x width), got shape {arr.shape}")
    if width is not None and arr.shape[1] != width:
        raise InputError(
            f"{what}: embedding width is {arr.shape[1]} but the model expects "
            f"{width} (ModelConfig.input_dim); embed with the same encoder"
        )
    bad = ~np.isfinite(arr).all(axis=1)
    if bad.any():
        raise InputError(
            f"{what}: row {int(np.flatnonzero(bad)[0])} contains NaN or inf "
            f"({int(bad.sum())} bad rows); drop or re-embed them"
        )
    return np.ascontiguousarray(arr, dtype=np.float32)


@dataclass
class EmbeddingTable:
    """Ids and their embedding matrix (row ``index[id]``)."""

    index: dict[str, int]
    matrix: np.ndarray

    def rows(self, ids: Any, column: str) -> np.ndarray:
        out = np.empty(len(ids), dtype=np.int64)
        for i, v in enumerate(ids):
            j = self.index.get(str(v)) if v is not None else None
            if j is None:
                raise InputError(
                    f"row {i}: {column} {v!r} has no embedding; add it to the "
                    "embeddings mapping (or pass an encoder and text columns)"
                )
            out[i] = j
        return out


def embedding_table(embeddings: Any, width: int | None = None) -> EmbeddingTable:
    """Normalise the accepted embedding mappings (see module docstring) to an EmbeddingTable."""
    if isinstance(embeddings, EmbeddingTable):
        if width is not None and embeddings.matrix.shape[1] != width:
            as_matrix(embeddings.matrix[:1], "embeddings", width)
        return embeddings
    if isinstance(embeddings, pl.DataFrame):
        for c in ("id", "embedding"):
            if c not in embeddings.columns:
                raise SchemaError(
                    f"embeddings table lacks column {c!r}: pass columns 'id' and "
                    "'embedding' (a list/array of floats)"
                )
        ids = [str(v) for v in embeddings["id"].to_list()]
        mat = as_matrix(embeddings["embedding"], "embeddings", width)
    elif isinstance(embeddings, tuple) and len(embeddings) == 2:
        ids = [str(v) for v in embeddings[0]]
        mat = as_matrix(embeddings[1], "embeddings", width)
    elif isinstance(embeddings, dict):
        ids = [str(k) for k in embeddings]
        mat = (
            as_matrix(list(embeddings.values()), "embeddings", width)
            if ids
            else np.zeros((0, width or 0), np.float32)
        )
    else:
        raise InputError(
            "embeddings must be a dict id -> vector, a polars table with 'id' and "
            f"'embedding' columns, or (ids, matrix); got {type(embeddings).__name__}"
        )
    if len(ids) != mat.shape[0]:
        raise InputError(f"embeddings: {len(ids)} ids but {mat.shape[0]} rows")
    index = {k: i for i, k in enumerate(ids)}
    if len(index) != len(ids):
        raise InputError("embeddings: duplicate ids")
    return EmbeddingTable(index, mat)


def _column(df: pl.DataFrame, name: str, default: Any, dtype: Any) -> np.ndarray:
    if name not in df.columns:
        return np.full(df.height, default, dtype=dtype)
    s = df[name]
    if s.null_count():
        s = s.fill_null(default)
    try:
        return s.cast(pl.Float64 if dtype is np.float32 else pl.Boolean).to_numpy().astype(dtype)
    except Exception as exc:
        raise SchemaError(
            f"column {name!r} must be {'numeric' if dtype is np.float32 else 'bool'}"
            f" (got {s.dtype})"
        ) from exc


def _names(df: pl.DataFrame, column: str, default: str | None) -> list[Any]:
    if column not in df.columns:
        return [default] * df.height
    return [None if v is None else str(v) for v in df[column].to_list()]


def _index(values: list[Any], names: list[str], column: str, *, null: int | None) -> np.ndarray:
    idx = {n: i for i, n in enumerate(names)}
    out = np.empty(len(values), dtype=np.int64)
    for i, v in enumerate(values):
        if v is None:
            if null is None:
                raise InputError(
                    f"row {i}: column {column!r} is null and the model has no default for it"
                )
            out[i] = null
            continue
        j = idx.get(v)
        if j is None:
            raise InputError(
                f"row {i}: unknown {column} {v!r}; the model knows {names} "
                f"(add it to ModelConfig or filter the rows)"
            )
        out[i] = j
    return out


@dataclass
class Encoded:
    """Row-aligned integer/float arrays for a comparisons or ratings table."""

    n: int
    a: np.ndarray  # chosen rows (or rated response rows)
    b: np.ndarray | None  # rejected rows (comparisons only)
    objective: np.ndarray
    slot: np.ndarray  # head slot per row (0 when not group-conditioned)
    loss_group: np.ndarray  # group index for evaluation / MaxMin (-1 = none)
    loss_group_names: list[str]
    context: np.ndarray | None
    prompt: np.ndarray | None
    tie: np.ndarray | None
    weight: np.ndarray
    margin: np.ndarray | None
    target: np.ndarray | None  # ratings
    prompt_ids: list[Any]


def encode(
    df: pl.DataFrame, cfg: Any, table: EmbeddingTable, kind: str, margin_column: str | None = None
) -> Encoded:
    """Validate a comparisons (``kind="comparisons"``) or ratings table against a model config."""
    if not isinstance(df, pl.DataFrame):
        raise InputError(f"{kind} must be a polars DataFrame, got {type(df).__name__}")
    need = (
        ["prompt_id", "chosen_id", "rejected_id"]
        if kind == "comparisons"
        else ["response_id", "score"]
    )
    for c in need:
        if c not in df.columns:
            raise SchemaError(
                f"{kind} table lacks column {c!r} (see the data contract in "
                "DESIGN.md / docs/reward.md)"
            )
    if df.height == 0:
        raise InputError(f"{kind} table is empty: nothing to train or evaluate on")
    n = df.height
    if kind == "comparisons":
        a = table.rows(df["chosen_id"].to_list(), "chosen_id")
        b = table.rows(df["rejected_id"].to_list(), "rejected_id")
        tie = _column(df, "tie", False, bool)
        target = None
    else:
        a = table.rows(df["response_id"].to_list(), "response_id")
        b, tie = None, None
        target = _column(df, "score", np.nan, np.float32)
    # rows without an objective: the gated mixture, the only objective, else "overall"
    if cfg.gate != "none":
        default_obj = cfg.gated_name
    else:
        default_obj = cfg.objectives[0] if len(cfg.objectives) == 1 else "overall"
    objective = _index(
        [default_obj if o is None else o for o in _names(df, "objective", default_obj)],
        cfg.output_names,
        "objective",
        null=None,
    )
    groups = _names(df, "group", None)
    if cfg.groups:
        slot = _index(
            groups, cfg.groups, "group", null=len(cfg.groups) if cfg.population_head else None
        )
    else:
        slot = np.zeros(n, dtype=np.int64)
    gnames = sorted({g for g in groups if g is not None})
    gi = {g: i for i, g in enumerate(gnames)}
    loss_group = np.array([gi[g] if g is not None else -1 for g in groups], dtype=np.int64)
    context = prompt = None
    if cfg.gate == "context":
        if "context" not in df.columns:
            raise SchemaError(f"{kind} table lacks column 'context' needed by gate='context'")
        context = _index(_names(df, "context", None), cfg.contexts, "context", null=None)
    if cfg.reads_prompt:
        if "prompt_id" not in df.columns:
            raise SchemaError(
                f"{kind} table lacks column 'prompt_id': the model reads the "
                "prompt embedding (gate='prompt' or prompt_input=True)"
            )
        prompt = table.rows(df["prompt_id"].to_list(), "prompt_id")
    weight = _column(df, "weight", 1.0, np.float32)
    if (weight < 0).any() or not np.isfinite(weight).all():
        i = int(np.flatnonzero((weight < 0) | ~np.isfinite(weight))[0])
        raise InputError(f"row {i}: column 'weight' must be finite and >= 0, got {weight[i]}")
    margin = None
    if margin_column is not None:
        if margin_column not in df.columns:
            raise SchemaError(f"margin column {margin_column!r} not in the {kind} table")
        margin = _column(df, margin_column, 0.0, np.float32)
    pids = df["prompt_id"].to_list() if "prompt_id" in df.columns else list(range(n))
    return Encoded(
        n,
        a,
        b,
        objective,
        slot,
        loss_group,
        gnames,
        context,
        prompt,
        tie,
        weight,
        margin,
        target,
        pids,
    )


def prompt_split(prompt_ids: list[Any], frac: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Prompt-disjoint split: rows of a random ``frac`` of the prompts go to the second part."""
    uniq = sorted({str(p) for p in prompt_ids})
    rng = np.random.default_rng(seed)
    held = set(rng.permutation(len(uniq))[: max(1, round(frac * len(uniq)))].tolist())
    held_ids = {uniq[i] for i in held}
    mask = np.array([str(p) in held_ids for p in prompt_ids])
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def subset(enc: Encoded, rows: np.ndarray) -> Encoded:
    """The rows ``rows`` of an Encoded table."""

    def take(x: Any) -> Any:
        return None if x is None else x[rows]

    return Encoded(
        len(rows),
        enc.a[rows],
        take(enc.b),
        enc.objective[rows],
        enc.slot[rows],
        enc.loss_group[rows],
        enc.loss_group_names,
        take(enc.context),
        take(enc.prompt),
        take(enc.tie),
        enc.weight[rows],
        take(enc.margin),
        take(enc.target),
        [enc.prompt_ids[i] for i in rows],
    )


__all__ = ["EmbeddingTable", "as_matrix", "embedding_table", "encode", "prompt_split"]
