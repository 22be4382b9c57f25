"""Hypothesis strategies for objective matrices with many ties and duplicate rows."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

# A small value set makes ties, duplicate rows and weak dominance frequent.
SMALL_INTS = [0, 1, 2, 3]
TIE_VALUES = [-1.5, 0.0, 0.5, 1.0, 2.0, 3.25]


@st.composite
def maximize_flags(draw, m: int):
    """Either one bool for every objective or a per-objective list (mixed directions)."""
    if draw(st.booleans()):
        return draw(st.booleans())
    return draw(st.lists(st.booleans(), min_size=m, max_size=m))


@st.composite
def matrices(draw, min_n=0, max_n=40, min_m=2, max_m=6, values=None):
    """An (n, m) float64 matrix drawn from a small value set.  Rows are picked (with
    repetition) from k <= n distinct-ish base rows, so exact duplicate rows are common."""
    m = draw(st.integers(min_m, max_m))
    n = draw(st.integers(min_n, max_n))
    vals = values if values is not None else draw(st.sampled_from([SMALL_INTS, TIE_VALUES]))
    elements = st.sampled_from([float(v) for v in vals])
    if n == 0:
        return np.zeros((0, m), dtype=np.float64)
    k = draw(st.integers(1, n))
    base = draw(hnp.arrays(np.float64, (k, m), elements=elements))
    if k == n:
        return base
    idx = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, k - 1)))
    return np.ascontiguousarray(base[idx])


@st.composite
def problems(draw, **kw):
    """(points, maximize) pairs."""
    p = draw(matrices(**kw))
    return p, draw(maximize_flags(p.shape[1]))


def float_matrix(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    """Continuous random points (for cross-checks against moocore on larger inputs)."""
    return rng.standard_normal((n, m))
