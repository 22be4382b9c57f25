"""Test data shared by the opinion-group tests: votes from planted opinion groups."""

from __future__ import annotations

import numpy as np
import polars as pl


def planted(
    n_per: list[int], m: int, *, missing: float, noise: float, seed: int
) -> tuple[pl.DataFrame, np.ndarray]:
    """Votes from len(n_per) planted groups, each with its own random +-1 opinion vector; each
    cell is missing with probability ``missing`` and a random vote with probability ``noise``.
    Returns (votes, the planted group of each participant)."""
    rng = np.random.default_rng(seed)
    profiles = rng.choice([-1, 1], size=(len(n_per), m))
    truth = np.repeat(np.arange(len(n_per)), n_per)
    rows = []
    for p, g in enumerate(truth):
        for s in range(m):
            if rng.random() < missing:
                continue
            v = profiles[g, s] if rng.random() >= noise else rng.choice([-1, 0, 1])
            rows.append((s, p, int(v)))
    votes = pl.DataFrame(rows, schema=["statement_id", "participant_id", "vote"], orient="row")
    return votes, truth
