"""Opinion groups + consensus (``pluralign.govern``) on synthetic Polis-style conversations.

    .venv/bin/python -m pytest benches/bench_govern.py --benchmark-only -q            # all sizes
    .venv/bin/python -m pytest benches/bench_govern.py --benchmark-only -q -k polis   # small only
    .venv/bin/python benches/bench_govern.py [n_participants] [n_statements] [density]

Data: ``n`` participants in 3 latent opinion groups (sizes 50/30/20 %) voting on ``m``
statements; each participant votes on Binomial(m, ``density``) distinct statements (at least
one); a group agrees with a statement with probability 0.15, 0.5 or 0.85 (drawn per
statement and group), disagrees with most of the rest and passes 10 % of the time. Timed:
``opinion_groups(votes)`` (k chosen by silhouette in 2..5) followed by
``consensus(votes, groups)``. The issue's targets: 2,000 x 300 (Polis-sized, 25 % filled) under
1 s; 1e6 x 1,000 at 2 % filled under 60 s.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import polars as pl
import pytest
from pluralign.govern import consensus, opinion_groups

SIZES = {"polis-2000x300": (2_000, 300, 0.25), "1e6x1000-2pct": (1_000_000, 1_000, 0.02)}
_CACHE: dict[tuple[int, int, float], pl.DataFrame] = {}


def synthetic_votes(n: int, m: int, density: float, seed: int = 0) -> pl.DataFrame:
    """The synthetic conversation described in the module docstring (canonical votes table)."""
    key = (n, m, density)
    if key in _CACHE:
        return _CACHE[key]
    rng = np.random.default_rng(seed)
    group = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    p_agree = rng.choice([0.15, 0.5, 0.85], size=(3, m))
    per = np.maximum(rng.binomial(m, density, size=n), 1)  # votes per participant
    rows = np.repeat(np.arange(n, dtype=np.int64), per)
    # distinct statements per participant without a per-participant loop: a random start and a
    # random stride coprime with m walk through per[i] different statements
    strides = rng.choice(
        [s for s in range(1, m) if np.gcd(s, m) == 1][: max(1, m // 7)] or [1], size=n
    )
    local = np.arange(len(rows)) - np.repeat(np.cumsum(per) - per, per)
    cols = (np.repeat(rng.integers(0, m, size=n), per) + local * np.repeat(strides, per)) % m
    u = rng.random(len(rows))
    pa = p_agree[group[rows], cols]
    vote = np.where(u < 0.1, 0, np.where(rng.random(len(rows)) < pa, 1, -1)).astype(np.int64)
    df = pl.DataFrame({"statement_id": cols, "participant_id": rows, "vote": vote})
    _CACHE[key] = df
    return df


def groups_and_consensus(votes: pl.DataFrame, seed: int = 0):
    g = opinion_groups(votes, seed=seed)
    return g, consensus(votes, g)


@pytest.mark.parametrize("label", list(SIZES))
def test_groups_consensus(benchmark, label: str) -> None:
    n, m, density = SIZES[label]
    votes = synthetic_votes(n, m, density)
    benchmark.group = f"govern-groups+consensus-{label}"
    g, c = benchmark.pedantic(
        groups_and_consensus,
        args=(votes,),
        rounds=3 if n < 100_000 else 1,
        iterations=1,
        warmup_rounds=0,
    )
    assert g.assignments.height == n and c.statements.height == m


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
    m = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    density = float(sys.argv[3]) if len(sys.argv) > 3 else 0.25
    t0 = time.perf_counter()
    votes = synthetic_votes(n, m, density)
    t1 = time.perf_counter()
    g, c = groups_and_consensus(votes)
    t2 = time.perf_counter()
    print(
        f"{n} x {m}, {votes.height} votes ({votes.height / (n * m):.1%} filled): data "
        f"{t1 - t0:.2f} s, opinion_groups + consensus {t2 - t1:.2f} s; k = {g.k}, "
        f"sizes {g.sizes()}"
    )
