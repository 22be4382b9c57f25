"""pluralign.prefs / pluralign.stats against their peers, in the same run.

    .venv/bin/python -m pytest benches/bench_prefs.py --benchmark-only -q
    .venv/bin/python -m pytest benches/bench_prefs.py --benchmark-only -q -k quick

Each benchmark group is one case with pluralign and its peers side by side (the data builders
and peer implementations live in ``prefs_ratios.py``, which also prints the full-size table):

- ``r2p``: ratings_to_pairs on N prompts x 8 responses x 4 objectives vs a pure-polars
  self-join.
- ``bt``: Bradley–Terry on M comparisons over 1,000 items vs choix ``ilsr_pairwise``.
- ``kripp``: Krippendorff's alpha (interval), 1,000 raters x U items, 95% missing, vs the
  ``krippendorff`` package.
- ``tally``: pairwise tally of M comparisons over 100 groups vs a pure-polars group-by.

Before timing, each test checks that pluralign and the peer agree on the timed input.
"""

from __future__ import annotations

import numpy as np
import pytest
from _cases import record
from prefs_ratios import make

CASES = [
    ("r2p", {"prompts": 20_000}, "quick", ["pluralign", "polars-selfjoin"]),
    ("r2p", {"prompts": 200_000}, "full", ["pluralign", "polars-selfjoin"]),
    ("bt", {"cmp": 100_000, "items": 1000}, "quick", ["pluralign", "choix-ilsr"]),
    ("bt", {"cmp": 1_000_000, "items": 1000}, "full", ["pluralign", "choix-ilsr"]),
    ("kripp", {"raters": 1000, "items": 10_000}, "quick", ["pluralign", "krippendorff"]),
    ("kripp", {"raters": 1000, "items": 100_000}, "full", ["pluralign", "krippendorff"]),
    ("tally", {"cmp": 1_000_000}, "quick", ["pluralign", "polars-groupby"]),
    ("tally", {"cmp": 10_000_000}, "full", ["pluralign", "polars-groupby"]),
]

PARAMS = [
    pytest.param(
        task, size, impl, id=f"{task}-{kind}-{'-'.join(f'{v}' for v in size.values())}-{impl}"
    )
    for task, size, kind, impls in CASES
    for impl in impls
]

_RESULTS: dict[tuple, dict] = {}


def _agree(task: str, a: dict, b: dict) -> None:
    if task == "bt":
        np.testing.assert_allclose(a["theta"], b["theta"], atol=1e-6)
    elif task == "kripp":
        assert abs(a["alpha"] - b["alpha"]) < 1e-9
    else:
        assert a == b


@pytest.mark.parametrize(("task", "size", "impl"), PARAMS)
def test_prefs(benchmark, task: str, size: dict, impl: str) -> None:
    fn, _, summarize = make(task, impl, size)
    benchmark.group = f"{task} {size}"
    result = benchmark.pedantic(
        fn, rounds=3 if impl.startswith("pluralign") else 1, warmup_rounds=0
    )
    record(benchmark, impl)
    s = summarize(result)
    key = (task, tuple(size.items()))
    if key in _RESULTS:
        _agree(task, _RESULTS[key], s)
    else:
        _RESULTS[key] = s
