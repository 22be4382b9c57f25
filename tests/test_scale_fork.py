"""Fork safety of the Rust thread pools: children forked after a kernel ran in the parent (by
multiprocessing's 'fork' context and by a torch DataLoader with 2 workers) run kernels and
finish with correct results; the pool size follows threads= / PLURALIGN_NUM_THREADS.

The kernels here take numpy input on purpose: polars' own thread pool is not fork-safe (a
forked child that runs a polars query after the parent ran one can hang; polars documents
this and recommends the 'spawn' start method), so code that goes through polars must use
'spawn' / 'forkserver' workers. pluralign's pools rebuild themselves in a forked child.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys

import numpy as np
import pluralign
import pytest
from pluralign import choice, pareto

TIMEOUT = 120


def _points(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random((3000, 3))


def _kernel(seed: int) -> tuple[list[int], list[float]]:
    """Grouped non-dominated sorting on 2 threads plus a voting profile built in Rust."""
    pts = _points(seed)
    r = pareto.ranks(pts, groups=np.arange(len(pts)) % 7, threads=2)
    ranks = np.array([[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 2, 1]])[np.arange(100 + seed) % 4]
    prof = choice.Profile.from_ranks(ranks, threads=2)
    return r.tolist(), prof.margins()[0].tolist()


def _worker_threads(n: str | None) -> int:
    if n is None:
        os.environ.pop("PLURALIGN_NUM_THREADS", None)
    else:
        os.environ["PLURALIGN_NUM_THREADS"] = n
    return pluralign.default_threads()


@pytest.fixture(scope="module")
def parent_ran_kernels():
    """Run the kernels in the parent first so its pools (threads) exist when it forks."""
    return {s: _kernel(s) for s in range(4)}


def test_multiprocessing_fork_children_run_kernels(parent_ran_kernels) -> None:
    ctx = mp.get_context("fork")
    with ctx.Pool(2) as pool:
        res = pool.map_async(_kernel, range(4))
        got = res.get(timeout=TIMEOUT)  # a deadlocked child would hit the timeout
    for s in range(4):
        assert got[s] == parent_ran_kernels[s]


def test_kernel_results_by_hand(parent_ran_kernels) -> None:
    # 100 ballots cycling 0>1>2, 1>2>0, 2>0>1, 0>2>1 (25 each): margin(0, 1) = 75 - 25 = 50,
    # margin(0, 2) = 50 - 50 = 0; with seed 1 one extra 0>1>2 ballot adds 1 to both.
    assert parent_ran_kernels[0][1] == [0.0, 50.0, 0.0]
    assert parent_ran_kernels[1][1] == [0.0, 51.0, 1.0]
    # grouped ranks equal the per-group loop
    pts = _points(2)
    g = np.arange(len(pts)) % 7
    for k in range(7):
        assert (np.asarray(parent_ran_kernels[2][0])[g == k] == pareto.ranks(pts[g == k])).all()


def test_torch_dataloader_workers_run_kernels(parent_ran_kernels) -> None:
    torch = pytest.importorskip("torch")
    from torch.utils.data import DataLoader, Dataset

    class Ranks(Dataset):
        def __len__(self) -> int:
            return 4

        def __getitem__(self, i: int):
            r, w = _kernel(i)
            return torch.tensor(r), torch.tensor(w), torch.tensor(os.getpid())

    loader = DataLoader(
        Ranks(), batch_size=None, num_workers=2, multiprocessing_context="fork", timeout=TIMEOUT
    )
    pids = set()
    for i, (r, w, pid) in enumerate(loader):
        assert r.tolist() == parent_ran_kernels[i][0]
        assert w.tolist() == parent_ran_kernels[i][1]
        pids.add(int(pid))
    assert os.getpid() not in pids and len(pids) == 2


def test_pool_size_follows_worker_environment(parent_ran_kernels) -> None:
    ctx = mp.get_context("fork")
    with ctx.Pool(2) as pool:
        assert pool.map_async(_worker_threads, ["1", "3"]).get(timeout=TIMEOUT) == [1, 3]
    # a fresh interpreter with the variable set, and the explicit threads= path
    out = subprocess.run(
        [sys.executable, "-c", "import pluralign; print(pluralign.default_threads())"],
        env={**os.environ, "PLURALIGN_NUM_THREADS": "5"},
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT,
    )
    assert out.stdout.strip() == "5", out.stderr
    with pytest.raises(pluralign.errors.InputError, match="threads"):
        pareto.ranks(_points(0), threads=0)
