"""Run :mod:`pluralign.scale` aggregations over a Ray Dataset (optional extra ``ray``).

:func:`aggregate`: every block becomes one partial state (``Dataset.map_batches`` with
``batch_format="pyarrow"``, ``batch_size=None`` so a task handles a whole block and ships one
compact state, not its rows); the partial states are then merged on the driver as they stream
in (``merge="driver"``, memory: two states) or as a balanced tree of Ray tasks
(``merge="tree"``, for states that are expensive to merge). Because ``merge`` is associative and
commutative, the result does not depend on the blocking or on the order tasks finish.

:func:`pareto_ranks`: per-group non-dominated sorting as a map. A group's rows must meet in one
call, so the dataset is grouped first with ``Dataset.groupby(by).map_groups`` (Ray shuffles
rows by key; the function then sees each group whole). ``map_batches`` alone would be wrong:
Ray's blocks split groups arbitrarily.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, TypeVar

import numpy as np

from .. import _validate as _v
from ..errors import InputError
from ._states import as_frame, state_from_bytes

__all__ = ["aggregate", "pareto_ranks"]

S = TypeVar("S")


def _ray() -> Any:
    from .._extras import require

    ray = require("ray", extra="ray", what="pluralign.scale.ray")
    require("ray.data", extra="ray", what="pluralign.scale.ray")
    return ray


def _partial(batch: Any, proto: bytes) -> Any:
    import pyarrow as pa

    st = state_from_bytes(proto)
    st.update(as_frame(batch))
    return pa.table({"state": pa.array([st.to_bytes()], type=pa.large_binary())})


def _merge_bytes(a: bytes, b: bytes) -> bytes:
    return state_from_bytes(a).merge(state_from_bytes(b)).to_bytes()  # type: ignore[no-any-return]


def aggregate(
    ds: Any,
    state: S,
    *,
    merge: Literal["driver", "tree"] = "driver",
    num_cpus: float | None = None,
    concurrency: int | None = None,
) -> S:
    """Aggregate a Ray Dataset into ``state`` (an empty state from :mod:`pluralign.scale`,
    e.g. ``TallyState(groups="group")``): one partial state per block, then a merge.

    Parameters
    ----------
    ds
        a ``ray.data.Dataset`` whose rows follow the columns the state reads.
    state
        the empty state whose settings (group columns, column names) are used; it is
        not modified, the merged state is returned.
    merge
        ``"driver"`` folds the partial states on the driver as they arrive;
        ``"tree"`` merges them pairwise in Ray tasks (depth log2(blocks)).
    num_cpus, concurrency
        passed to ``map_batches`` (per-task CPUs, number of tasks).

    Returns
    -------
    out
        the merged state (call ``finalize()``).
    """
    ray = _ray()
    if merge not in ("driver", "tree"):
        raise InputError(f'merge must be "driver" or "tree", got {merge!r}')
    if not hasattr(state, "to_bytes") or not hasattr(state, "empty"):
        raise InputError(f"state must be a pluralign.scale state, got {type(state).__name__}")
    proto = state.empty().to_bytes()  # type: ignore[attr-defined]
    kw: dict[str, Any] = {}
    if num_cpus is not None:
        kw["num_cpus"] = num_cpus
    if concurrency is not None:
        kw["concurrency"] = concurrency
    parts = ds.map_batches(
        _partial,
        batch_format="pyarrow",
        batch_size=None,
        fn_kwargs={"proto": proto},
        zero_copy_batch=True,
        **kw,
    )
    out = state.empty()  # type: ignore[attr-defined]
    if merge == "driver":
        for b in parts.iter_batches(batch_format="pyarrow", batch_size=None):
            for blob in b.column("state").to_pylist():
                out = out.merge(state_from_bytes(blob))
        return out  # type: ignore[no-any-return]
    blobs = [
        blob
        for b in parts.iter_batches(batch_format="pyarrow", batch_size=None)
        for blob in b.column("state").to_pylist()
    ]
    if not blobs:
        return out  # type: ignore[no-any-return]
    merge_task = ray.remote(_merge_bytes)
    level = [ray.put(b) for b in blobs]
    while len(level) > 1:
        nxt = [merge_task.remote(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return out.merge(state_from_bytes(ray.get(level[0])))  # type: ignore[no-any-return]


def _ranks_group(
    batch: Any, objectives: list[str], maximize: Any, column: str, first_only: bool
) -> Any:
    import pyarrow as pa

    from ..pareto import front, ranks

    df = as_frame(batch)
    fn = front if first_only else ranks
    r = fn(df, objectives=objectives, maximize=maximize, threads=1)
    arr = pa.array(np.asarray(r, dtype=bool if first_only else np.int64))
    tbl = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
    return tbl.append_column(column, arr)


def pareto_ranks(
    ds: Any,
    objectives: Sequence[str],
    groups: str | Sequence[str] | None = None,
    *,
    maximize: bool | Sequence[bool] = True,
    column: str = "pareto_rank",
    first_only: bool = False,
    num_partitions: int | None = None,
    by: Any = _v.UNSET,
) -> Any:
    """Per-group Pareto ranks (non-dominated sorting, 0 = first front) as a new column, or with
    ``first_only=True`` a boolean "non-dominated" column, computed per ``groups`` group (``by=`` is its old name, deprecated; e.g. per
    ``prompt_id``) over a Ray Dataset. Rows come back grouped by key (order inside a group
    kept); the other columns pass through.

    Groups are formed with ``ds.groupby(groups, num_partitions).map_groups(...,
    batch_format="pyarrow")`` so every group is ranked whole.
    """
    by = _v.renamed("pareto_ranks", "groups", groups, "by", by)
    _ray()
    objs = list(objectives)
    if not objs:
        raise InputError("objectives is empty: name at least one score column")
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    if not keys:
        raise InputError(
            "groups is empty: pareto_ranks ranks inside groups (e.g. groups='prompt_id')"
        )
    missing = [c for c in keys + objs if c not in ds.columns()]
    if missing:
        from ..errors import SchemaError

        raise SchemaError(f"dataset lacks column(s) {missing}; it has {ds.columns()}")
    if column in ds.columns():
        raise InputError(f"column '{column}' already exists; pass column=<another name>")
    mx = maximize if isinstance(maximize, bool) else [bool(m) for m in maximize]
    grouped = ds.groupby(keys if len(keys) > 1 else keys[0], num_partitions=num_partitions)
    return grouped.map_groups(
        _ranks_group,
        batch_format="pyarrow",
        fn_kwargs={"objectives": objs, "maximize": mx, "column": column, "first_only": first_only},
    )
