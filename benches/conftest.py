"""pytest-benchmark setup for the pluralign benches.

Run:  .venv/bin/python -m pytest benches --benchmark-only -q
      (small cases only: add  -k "1e4")

Every case is a benchmark group holding pluralign and each peer side by side; at the end of the
run a summary prints, per group, each peer's min time divided by pluralign's min time.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))

from _cases import MINS as _MINS


def pytest_collect_file(file_path, parent):
    """Collect ``bench_*.py`` (pyproject's pytest config only collects ``test_*.py``)."""
    if file_path.suffix == ".py" and file_path.name.startswith("bench_"):
        if parent.session.isinitpath(file_path):
            return None  # named on the command line: pytest collects it itself (no duplicates)
        return pytest.Module.from_parent(parent, path=file_path)
    return None


@pytest.fixture(scope="session")
def pareto():
    """pluralign.pareto, warmed up (thread pool started) outside any timing."""
    pp = pytest.importorskip("pluralign.pareto", reason="pluralign not built (run `make build`)")
    x = np.random.default_rng(0).random((256, 3))
    pp.ranks(x)
    pp.front(x)
    pp.hypervolume(x, np.zeros(3))
    return pp


@pytest.fixture(scope="session")
def warm_peers():
    """JIT-compile paretoset's numba kernels (and import the peers) outside any timing."""
    x = np.random.default_rng(0).random((256, 3))
    try:
        from paretoset import paretoset

        paretoset(x, sense=["max"] * 3, distinct=False)
        paretoset(x, sense=["max"] * 3, distinct=True)
    except ImportError:
        pass
    try:
        import moocore

        moocore.pareto_rank(x)
    except ImportError:
        pass
    return True


def pytest_terminal_summary(terminalreporter):
    if not _MINS:
        return
    tr = terminalreporter
    tr.section("other / pluralign (min time ratio; > 1 means pluralign is faster)")
    for group in sorted(_MINS):
        row = _MINS[group]
        base_impl = "pluralign" if "pluralign" in row else "pluralign-offsets"
        base = row.get(base_impl)
        parts = []
        for impl, t in sorted(row.items()):
            if impl == base_impl:
                parts.append(f"{impl} {t:.4g}s")
            elif base:
                parts.append(f"{impl} {t:.4g}s ({t / base:.2f}x)")
            else:
                parts.append(f"{impl} {t:.4g}s")
        tr.write_line(f"{group}: " + ", ".join(parts))
