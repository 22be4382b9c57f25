#!/usr/bin/env python
"""Exact hypervolume at 5-10 objectives: pluralign against hvwfg (WFG, C) and moocore, in one
process, on the issue-22 case.

    .venv/bin/python benches/hv_ratios.py                 # m = 5, 6, 8, 10; ~10 s per hvwfg call
    .venv/bin/python benches/hv_ratios.py --ms 5,8 --target 3
    .venv/bin/python benches/hv_ratios.py --n 5=4000,8=300   # skip the search for n
    .venv/bin/python benches/hv_ratios.py --threads 1        # pluralign single-threaded

Points: n points on the positive unit sphere (|N(0, 1)| rows normalized, seed 0), so all are
mutually non-dominated; minimization with reference point 1.1 in every objective.

For each m the bench first finds the largest n at which ``hvwfg.wfg`` (the WFG reference code;
``hvwfg.hv`` would pick its hv5dr code at m = 5, which aborts with heap corruption on these
inputs) takes about ``--target`` seconds of CPU time: probes grow n geometrically, then the fitted power law
``t ~ n^a`` between the last two probes picks n. Then, at that n, it times pluralign (best of
``--k`` runs, ``--threads`` threads, default: all cores), hvwfg (one run) and moocore (one run). moocore grows much
faster with m than WFG; where its time at n/2 extrapolated to n (x 2^(m-2)) would pass ``--moocore-cap``
seconds it is timed at n/2 only and reported as "> t(n/2)" (its time at n is at least that).
Each moocore run is a child process stopped after ``--moocore-cap`` seconds ("> cap").

Wall time (perf_counter) and process CPU time (all threads) are both printed: on a loaded
machine the CPU-time ratio is the steadier one. Values are compared at 1e-12 relative.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time

import hvwfg
import numpy as np
from pluralign import pareto


def sphere(n: int, m: int, seed: int = 0) -> np.ndarray:
    x = np.abs(np.random.default_rng(seed).standard_normal((n, m)))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    v = fn()
    return v, time.perf_counter() - w, time.process_time() - c


def hvwfg_call(x, ref):
    return hvwfg.wfg(np.ascontiguousarray(x), ref.copy())


def moocore_child(m: int, n: int, cap: float) -> tuple[float | None, float, float]:
    """moocore's volume of ``sphere(n, m)``, timed in a child process that is stopped after
    ``cap`` seconds: (value or None when stopped, wall s, cpu s; both ``cap`` when stopped)."""
    code = (
        "import sys, time, json, numpy as np, moocore\n"
        f"sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r})\n"
        "from hv_ratios import sphere, timed\n"
        f"x = sphere({n}, {m})\n"
        f"v, w, c = timed(lambda: moocore.hypervolume(x, ref=np.full({m}, 1.1)))\n"
        "print(json.dumps([v, w, c]))\n"
    )
    try:
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=cap, check=True
        )
    except subprocess.TimeoutExpired:
        return None, cap, cap
    v, w, c = json.loads(out.stdout.strip().splitlines()[-1])
    return v, w, c


def find_n(m: int, target: float, log) -> int:
    """Largest n (about) where hvwfg takes `target` seconds of CPU time (its wall time on an
    idle machine: it is single-threaded; CPU time keeps the search steady under load)."""
    n = {5: 400, 6: 200, 7: 120, 8: 80, 9: 50, 10: 40}.get(m, 30)
    ref = np.full(m, 1.1)
    probes = []
    while True:
        _, _, t = timed(lambda n=n: hvwfg_call(sphere(n, m), ref))
        probes.append((n, t))
        log(f"  m={m}: hvwfg n={n} {t:.2f} s")
        if t > target / 4 or len(probes) > 12:
            break
        n = int(n * (1.6 if t > target / 16 else 2.5))
    if len(probes) >= 2:
        (n0, t0), (n1, t1) = probes[-2], probes[-1]
        a = math.log(max(t1, 1e-6) / max(t0, 1e-6)) / math.log(n1 / n0)
        a = min(max(a, 1.0), 8.0)
    else:
        n1, t1, a = probes[-1][0], probes[-1][1], 3.0
    return max(2, int(n1 * (target / t1) ** (1 / a)))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ms", default="5,6,8,10")
    ap.add_argument("--target", type=float, default=10.0, help="hvwfg seconds that define n")
    ap.add_argument("--n", default="", help="m=n pairs that skip the search, e.g. 5=4000,8=300")
    ap.add_argument("--k", type=int, default=3, help="pluralign runs (best of)")
    ap.add_argument("--moocore-cap", type=float, default=60.0)
    ap.add_argument("--threads", type=int, default=None, help="pluralign threads (default: all)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    fixed = dict(tuple(map(int, kv.split("="))) for kv in args.n.split(",") if kv)
    log = (lambda s: None) if args.quiet else (lambda s: print(s, flush=True))
    pareto.HV_EXACT_MAX_WORK = math.inf  # the bench measures, it does not refuse
    pareto.hypervolume(sphere(20, 5), np.full(5, 1.1), maximize=False)  # warm the pool
    rows = []
    for m in map(int, args.ms.split(",")):
        n = fixed.get(m) or find_n(m, args.target, log)
        x, ref = sphere(n, m), np.full(m, 1.1)
        best = None
        for _ in range(args.k):
            v_pl, w, c = timed(
                lambda x=x, ref=ref: pareto.hypervolume(
                    x, ref, maximize=False, threads=args.threads
                )
            )
            best = (w, c) if best is None or w < best[0] else best
        v_wfg, w_wfg, c_wfg = timed(lambda x=x, ref=ref: hvwfg_call(x, ref))
        # moocore: extrapolate from n/2 before committing to a run at n; each run in a child
        # process stopped after --moocore-cap seconds (its time is then "> cap")
        half = moocore_child(m, n // 2, args.moocore_cap)
        predicted = half[1] * 2 ** (m - 2)  # its dimension sweep grows about as n^(m-2)
        if half[0] is not None and predicted <= args.moocore_cap:
            v_moo, w_moo, c_moo = moocore_child(m, n, args.moocore_cap)
            moo_lower = v_moo is None
        else:
            v_moo, w_moo, c_moo, moo_lower = None, half[1], half[2], True
        rel_wfg = abs(v_pl - v_wfg) / abs(v_wfg)
        rel_moo = abs(v_pl - v_moo) / abs(v_moo) if v_moo is not None else float("nan")
        rows.append((m, n, best, (w_wfg, c_wfg), (w_moo, c_moo, moo_lower), rel_wfg, rel_moo))
        log(
            f"  m={m} n={n}: pluralign {best[0]:.3f} s, hvwfg {w_wfg:.3f} s, moocore "
            f"{'>' if moo_lower else ''}{w_moo:.3f} s"
        )
    print(
        f"\nload average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores, pluralign threads "
        f"{args.threads or 'all'}; "
        "wall s (cpu s); ratio = peer / pluralign"
    )
    print(
        "| m | n | pluralign | hvwfg.wfg | moocore | vs hvwfg wall (cpu) | vs moocore wall (cpu) "
        "| rel diff hvwfg / moocore |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for m, n, (w, c), (ww, cw), (wm, cm, low), rw, rm in rows:
        lt = ">" if low else ""
        note = " (moocore at n/2)" if low else ""
        print(
            f"| {m} | {n} | {w:.3f} ({c:.3f}) | {ww:.3f} ({cw:.3f}) | {lt}{wm:.3f} ({lt}{cm:.3f}) "
            f"| {ww / w:.2f}x ({cw / c:.2f}x) | {lt}{wm / w:.2f}x ({lt}{cm / c:.2f}x){note} "
            f"| {rw:.1e} / {rm:.1e} |"
        )


if __name__ == "__main__":
    main()
