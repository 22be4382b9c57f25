#!/usr/bin/env python
"""Peak memory of the exact hypervolume (m >= 4, WFG) against the size of its input.

    .venv/bin/python benches/hv_memory.py                       # the issue-22 cases
    .venv/bin/python benches/hv_memory.py --cases 5=44000,6=16000 --threads 1
    .venv/bin/python benches/hv_memory.py --fn contributions --cases 5=2000
    .venv/bin/python benches/hv_memory.py --peer      # hvwfg in the same harness

Each case runs in a fresh child process: it builds ``sphere(n, m)`` (benches/hv_ratios.py),
makes one tiny call first (so the thread pool and the allocator's arenas exist), maps every
page of the extension module (code a tiny call does not run, 0.13 MB at m = 8 and 10, is a
cost of the process, not of the call), resets the peak with ``/proc/self/clear_refs`` and reads
``VmHWM - VmRSS``
around the measured call: the memory the call itself touched beyond what was already
resident. ``(input + extra) / input`` is the ratio issue 22 asks to keep below 2.

The fixed cost (not per input) is printed separately: what the first tiny call adds to a
fresh process (the thread pool's stacks and arenas), and for comparison what a trivial
parallel call on fresh pool threads costs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CHILD = r"""
import json, re, sys
import numpy as np
sys.path.insert(0, {here!r})
from hv_ratios import sphere
from pluralign import pareto


def kb(field):
    with open("/proc/self/status") as f:
        return int(re.search(rf"{{field}}:\s+(\d+)", f.read()).group(1)) * 1024


def call(x):
    ref = np.full(x.shape[1], 1.1)
    if {impl!r} == "hvwfg":
        import hvwfg

        return hvwfg.wfg(np.ascontiguousarray(x), ref)
    if {fn!r} == "hypervolume":
        return pareto.hypervolume(x, ref, maximize=False, threads={threads})
    return float(pareto.hypervolume_contributions(x, ref, maximize=False, threads={threads}).sum())


def touch_code():
    # every page of the extension's mappings, so that code a small call does not run is not
    # counted as the measured call's memory (128 KB of RSS at m = 8 and 10)
    import ctypes

    from pluralign import _core

    for line in open("/proc/self/maps"):
        f = line.split()
        if len(f) >= 6 and f[5] == _core.__file__ and f[1][0] == "r":
            lo, hi = (int(v, 16) for v in f[0].split("-"))
            for a in range(lo, hi, 4096):
                ctypes.string_at(a, 1)


m, n = {m}, {n}
x = sphere(n, m)
fresh = kb("VmRSS")
call(sphere(20, m))  # the pool, allocator arenas
if {impl!r} == "pluralign":
    touch_code()
fixed = kb("VmRSS") - fresh
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
before = kb("VmRSS")
v = call(x)
extra = kb("VmHWM") - before
print(json.dumps(dict(m=m, n=n, input=x.nbytes, extra=extra, fixed=fixed, value=v)))
"""


def child(m: int, n: int, threads: int | None, fn: str, impl: str = "pluralign") -> dict:
    code = CHILD.format(
        here=os.path.dirname(os.path.abspath(__file__)),
        m=m,
        n=n,
        threads=threads,
        fn=fn,
        impl=impl,
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def parse_cases(s: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in (kv.split("=") for kv in s.split(","))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--cases", default="5=20000,6=8000,8=500,10=120,5=44000,6=16000", help="m=n,..."
    )
    ap.add_argument(
        "--threads", type=int, default=None, help="pluralign threads (default: all cores)"
    )
    ap.add_argument("--fn", choices=["hypervolume", "contributions"], default="hypervolume")
    ap.add_argument(
        "--repeat", type=int, default=1, help="children per case; the smallest extra is kept"
    )
    ap.add_argument(
        "--peer",
        action="store_true",
        help="also measure hvwfg (WFG in C, single-threaded) on the same points, same harness",
    )
    a = ap.parse_args()
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(f"{a.fn}, threads={a.threads or os.cpu_count()} (cores {os.cpu_count()}), load {load}")
    print(
        f"{'m':>3} {'n':>7} {'impl':>9} {'input MB':>9} {'extra MB':>9} {'(in+extra)/in':>14} "
        f"{'fixed MB':>9}"
    )
    impls = ["pluralign"] + (["hvwfg"] if a.peer and a.fn == "hypervolume" else [])
    for m, n in parse_cases(a.cases):
        for impl in impls:
            runs = [child(m, n, a.threads, a.fn, impl) for _ in range(a.repeat)]
            r = min(runs, key=lambda r: r["extra"])
            ratio = (r["input"] + r["extra"]) / r["input"]
            print(
                f"{m:>3} {n:>7} {impl:>9} {r['input'] / 1e6:>9.3f} {r['extra'] / 1e6:>9.3f} "
                f"{ratio:>13.2f}x {r['fixed'] / 1e6:>9.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
