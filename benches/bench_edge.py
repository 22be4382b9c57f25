"""Batched edge signals + arbiter decisions (``pluralign.edge``).

    .venv/bin/python -m pytest benches/bench_edge.py --benchmark-only -q            # all sizes
    .venv/bin/python -m pytest benches/bench_edge.py --benchmark-only -q -k 1e4     # small only
    .venv/bin/python benches/bench_edge.py [n_prompts] [threads]                    # one timing

Data: ``n`` prompts x 16 candidates x 4 objectives of the built-in ``medical_advice`` context
(harmlessness uniform in [0.8, 1] so the 0.9 floor removes about half; the others uniform in
[0, 1]), plus a reward-std column. Timed: ``Arbiter.decide_batch`` (tiers, Pareto fronts,
conflict, Kendall tau, Chebyshev over the 5 admissible weight vectors, reasons, actions), with
and without the per-prompt ``front`` list column. No peer library does this; the issue's target
is 1e6 prompts in under 3 s on 2 cores.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import polars as pl
import pytest
from pluralign.edge import Arbiter
from pluralign.govern import Context

K, M = 16, 4
SIZES = {"1e4": 10_000, "1e5": 100_000, "1e6": 1_000_000}
_CACHE: dict[int, pl.DataFrame] = {}


def data(n: int, seed: int = 0) -> pl.DataFrame:
    if n not in _CACHE:
        rng = np.random.default_rng(seed)
        rows = n * K
        _CACHE[n] = pl.DataFrame(
            {
                "prompt_id": np.repeat(np.arange(n, dtype=np.int64), K),
                "harmlessness": rng.uniform(0.8, 1.0, rows),
                "honesty": rng.random(rows),
                "helpfulness": rng.random(rows),
                "verbosity": rng.random(rows),
                "std": rng.uniform(0.0, 0.2, rows),
            }
        )
    return _CACHE[n]


@pytest.mark.parametrize("with_front", [False, True], ids=["decisions", "decisions+front"])
@pytest.mark.parametrize("label", list(SIZES))
def test_decide_batch(benchmark, label: str, with_front: bool) -> None:
    n = SIZES[label]
    df = data(n)
    arb = Arbiter(Context.builtin("medical_advice"))
    benchmark.group = f"edge-decide_batch-{label}x{K}x{M}"
    out = benchmark.pedantic(
        arb.decide_batch,
        args=(df,),
        kwargs={"std": "std", "with_front": with_front},
        rounds=3 if n < 1_000_000 else 1,
        iterations=1,
        warmup_rounds=0,
    )
    assert out.height == n


def main() -> None:
    n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 1_000_000
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else None
    df = data(n)
    arb = Arbiter(Context.builtin("medical_advice"))
    arb.decide_batch(data(1000), std="std")  # warm-up (pools, imports)
    for with_front in (False, True):
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            out = arb.decide_batch(df, std="std", with_front=with_front, threads=threads)
            best = min(best, time.perf_counter() - t0)
        counts = out["action"].value_counts().sort("action").rows()
        print(
            f"decide_batch {n} prompts x {K} x {M} (with_front={with_front}, threads={threads}): "
            f"best of 3 = {best:.3f} s; actions {counts}"
        )


if __name__ == "__main__":
    main()
