"""Type stubs of the Rust extension module (see rust/py). Call the documented wrappers in
pluralign.pareto instead of these directly."""

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__version__: str

# A points argument: a float64 2-D numpy array, or a list of Arrow-exportable columns.
Points = npt.NDArray[np.float64] | Sequence[Any]

def default_threads() -> int: ...
def _panic_for_tests() -> None: ...
def pareto_ranks(
    points: Points, maximize: Sequence[bool], nan: str = "error", threads: int | None = None
) -> npt.NDArray[np.int64]: ...
def pareto_front(
    points: Points, maximize: Sequence[bool], nan: str = "error", threads: int | None = None
) -> npt.NDArray[np.bool_]: ...
def pareto_grouped(
    points: Points,
    maximize: Sequence[bool],
    nan: str = "error",
    offsets: npt.NDArray[np.int64] | None = None,
    ids: npt.NDArray[np.int64] | None = None,
    first_only: bool = False,
    threads: int | None = None,
) -> npt.NDArray[np.int64]: ...
def crowding_distance(
    points: Points, ranks: npt.NDArray[np.int64], threads: int | None = None
) -> npt.NDArray[np.float64]: ...
def hypervolume(
    points: Points, maximize: Sequence[bool], reference: Sequence[float], threads: int | None = None
) -> float: ...
def hypervolume_contributions(
    points: Points, maximize: Sequence[bool], reference: Sequence[float], threads: int | None = None
) -> npt.NDArray[np.float64]: ...
def hypervolume_mc(
    points: Points,
    maximize: Sequence[bool],
    reference: Sequence[float],
    samples: int,
    seed: int,
    threads: int | None = None,
) -> tuple[int, int, float]: ...
def weighted_sum(
    points: Points, maximize: Sequence[bool], weights: npt.NDArray[np.float64], threads: int | None = None
) -> npt.NDArray[np.float64]: ...
def chebyshev(
    points: Points,
    weights: npt.NDArray[np.float64],
    ideal: Sequence[float],
    rho: float,
    threads: int | None = None,
) -> npt.NDArray[np.float64]: ...
def ideal_point(points: Points, maximize: Sequence[bool]) -> list[float]: ...
def das_dennis(m: int, partitions: int) -> npt.NDArray[np.float64]: ...
def dirichlet(m: int, n: int, seed: int, alpha: float) -> npt.NDArray[np.float64]: ...
def lexicographic(
    points: Points, maximize: Sequence[bool], order: Sequence[int], tolerances: Sequence[float], relative: bool
) -> npt.NDArray[np.bool_]: ...
def indicator(
    points: Points, reference: Points, maximize: Sequence[bool], kind: str, threads: int | None = None
) -> float: ...
