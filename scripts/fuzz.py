#!/usr/bin/env python
"""Fault-injection fuzzing of pluralign's public functions (issue 17).

    python scripts/fuzz.py --calls 100000            # split evenly over all families
    python scripts/fuzz.py --calls 2000 --families pareto choice --seed 3

Each family runs in its own subprocess with a memory cap and a per-call timeout (see
tests/fuzz/harness.py); prints the outcome table and examples of every bad outcome, and exits 1
if any call leaked a non-pluralign exception, aborted, hung or was silently accepted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fuzz"))
import harness


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--calls", type=int, default=10_000, help="total generated calls (default 10000)"
    )
    ap.add_argument(
        "--families", nargs="*", default=list(harness.FAMILIES), choices=harness.FAMILIES
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--timeout", type=float, default=30.0, help="seconds per call before it counts as a hang"
    )
    ap.add_argument("--mem-mb", type=int, default=4096, help="address-space cap of each worker")
    a = ap.parse_args(argv)
    per = max(1, a.calls // len(a.families))
    t0 = time.time()
    rep = harness.Report()
    for fam in a.families:
        harness.run_family(fam, per, seed=a.seed, timeout=a.timeout, mem_mb=a.mem_mb, report=rep)
        print(f"{fam}: done ({rep.calls} calls so far, {time.time() - t0:.0f} s)", flush=True)
    print()
    print(f"{rep.calls} calls, {len(a.families)} families, seed {a.seed}, {time.time() - t0:.0f} s")
    print(rep.table())
    print()
    print(rep.family_table())
    if rep.bad_targets:
        print("\nbad outcomes by target:")
        for (outcome, target), n in sorted(rep.bad_targets.items(), key=lambda kv: -kv[1]):
            print(f"  {n:6d}  {outcome:6s}  {target}")
    for outcome, examples in rep.examples.items():
        if examples:
            print(f"\n{outcome}:")
            for e in examples:
                print(f"  {e}")
    return 1 if any(rep.counts.get(o) for o in ("other", "abort", "hang", "silent")) else 0


if __name__ == "__main__":
    sys.exit(main())
