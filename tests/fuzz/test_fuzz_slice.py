"""A small deterministic slice of the fault-injection fuzz suite (issue 17) for the normal test
run; long runs: ``python scripts/fuzz.py --calls 100000``."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness

CALLS = int(os.environ.get("PLURALIGN_FUZZ_SLICE", "60"))


@pytest.mark.parametrize("family", harness.FAMILIES)
def test_fuzz_slice(family: str) -> None:
    rep = harness.run_family(family, CALLS, seed=17, timeout=60.0, mem_mb=6144)
    assert rep.calls == CALLS
    bad = {
        o: rep.examples.get(o, [])
        for o in ("other", "abort", "hang", "silent")
        if rep.counts.get(o)
    }
    assert not bad, f"{family}: {dict(rep.counts)}\n{bad}"
