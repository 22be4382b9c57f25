#!/usr/bin/env python
"""Speed ratios of pluralign.choice against svvamp / pref_voting / abcvoting on the target cases
of the social-choice issue ("Speed" section).

    .venv/bin/python benches/choice_ratios.py            # full sizes (several minutes)
    .venv/bin/python benches/choice_ratios.py --quick    # n / 10 for the 1e6-ranking cases, no
                                                         # 60 s capped runs; a smoke run

Every (case, implementation) runs in a fresh subprocess that builds the data (outside the timing),
warms the implementation up on a tiny input (numba JIT of pref_voting, pluralign's thread pool),
resets the peak-RSS counter (/proc/self/clear_refs), then times the call with time.perf_counter:
best of k runs (fewer when one run is slow: a run is not started if the runs so far plus one more
would pass --budget seconds). Peak memory = VmHWM after the first call minus VmRSS just before it,
i.e. the extra memory the call needs on top of its input. The target "peak memory at most 2x the
input" is checked as (input + extra) / input <= 2.

Before any timing, pluralign and each peer are checked to agree on small instances (margins,
Kemeny winners, IRV winners, committees); after timing, each peer's answer on the timed instance is
compared with pluralign's (the "guard" note).

Peers that cannot do the full size in reasonable time are measured at a smaller size and
extrapolated (linearly in n for profiles; by m! * m(m-1)/2 for brute-force Kemeny); such rows say
so explicitly. pref_voting's Kemeny at m = 10 is also run with a hard cap (--cap, 60 s) to show
whether it finishes.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _choice_cases import (
    COMMITTEE_K,
    COMMITTEE_M,
    COMMITTEE_N,
    COMMITTEE_TASKS,
    KEMENY_VOTERS,
    M_RANK,
    PEER_LABEL,
    RULE_LABEL,
    Case,
    agreement_checks,
    compare,
    n_label,
    normalize,
    peer_versions,
)
from ratios import _peak_kb, _reset_peak, _status_kb  # /proc memory helpers, one copy

# the memory target is judged only where the input is at least this big (below it, page
# granularity, allocator arenas and fixed-size buffers dominate the measured growth)
MEM_MIN_INPUT = 8 * 2**20

SVVAMP_IRV_NOTE = "svvamp's Profile() only stores the array: its time is the whole IRV count"

WARM_SIZE = {"margins": 200, "irv": 200, "kemeny": 5}


# --------------------------------------------------------------------------------------------
# memory helpers (Linux /proc; falls back to getrusage)
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# child: one implementation on one case
# --------------------------------------------------------------------------------------------


class _Capped(Exception):
    pass


def _child(spec: dict) -> dict:
    task, impl, size, threads = spec["task"], spec["impl"], spec["size"], spec.get("threads")
    # warm-up on a tiny instance of the same task (JIT, thread pool, imports)
    warm_size = WARM_SIZE.get(task, 200)
    Case(task, warm_size).fn(impl, threads=threads)()

    case = Case(task, size)
    fn = case.fn(impl, threads=threads)
    input_bytes = case.input_bytes(impl)
    case.drop_unused(impl)
    gc.collect()

    cap = spec.get("cap")
    if cap:

        def _alarm(signum, frame):
            raise _Capped()

        signal.signal(signal.SIGALRM, _alarm)

    exact = _reset_peak()
    before_kb = _status_kb("VmRSS") if exact else _peak_kb()
    times = []
    t0 = time.perf_counter()
    if cap:
        signal.setitimer(signal.ITIMER_REAL, cap)
    try:
        result = fn()
    except _Capped:
        return {"capped": cap, "elapsed": time.perf_counter() - t0}
    finally:
        if cap:
            signal.setitimer(signal.ITIMER_REAL, 0)
    times.append(time.perf_counter() - t0)
    extra_kb = max(0, _peak_kb() - (before_kb or 0))
    k, budget = spec["k"], spec["budget"]
    while len(times) < k and sum(times) + min(times) <= budget:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {
        "times": times,
        "best": min(times),
        "input_bytes": int(input_bytes),
        "extra_bytes": int(extra_kb) * 1024,
        "peak_exact": exact,
        "result": normalize(task, impl, result),
    }


def run_child(spec: dict, timeout: float) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", json.dumps(spec)]
    try:
        p = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"subprocess timeout after {timeout:.0f} s"}
    if p.returncode != 0:
        tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
        return {"error": f"exit {p.returncode}: " + " | ".join(tail)}
    return json.loads(p.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------------
# formatting
# --------------------------------------------------------------------------------------------


def fmt_s(t):
    if t is None or (isinstance(t, float) and math.isnan(t)):
        return "—"
    if t < 0.01:
        return f"{t:.5f}"
    return f"{t:.4f}" if t < 10 else f"{t:.1f}"


def fmt_ratio(r, approx=False):
    if r is None:
        return "—"
    t = (
        f"{r:.2g}".replace("e+0", "e").replace("e+", "e")
        if r >= 1e4
        else (f"{r:.0f}" if r >= 100 else f"{r:.1f}" if r >= 10 else f"{r:.2f}")
    )
    return ("~" if approx else "") + t + "x"


def target_text(tg):
    if tg is None:
        return "—"
    kind, v = tg
    return {"ratio>=": f">= {v:g}x", "abs<": f"< {v:g} s", "mem<=": f"<= {v:g}x input"}[kind]


def met(tg, value):
    if tg is None:
        return "—"
    if value is None:
        return "n/a"
    kind, v = tg
    ok = value < v if kind == "abs<" else value >= v if kind == "ratio>=" else value <= v
    return "yes" if ok else "**NO**"


def fmt_dur(sec: float) -> str:
    if sec < 120:
        return f"{sec:.0f} s"
    if sec < 7200:
        return f"{sec / 60:.1f} min"
    return f"{sec / 3600:.1f} h"


def brute_force_factor(m_from: int, m_to: int) -> float:
    """Work of brute-force Kemeny: m! orders x m(m-1)/2 pairs each."""
    return (math.factorial(m_to) * m_to * (m_to - 1)) / (
        math.factorial(m_from) * m_from * (m_from - 1)
    )


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="n / 10, no capped runs: a smoke run")
    ap.add_argument("--threads", type=int, default=None, help="pluralign threads (default: all)")
    ap.add_argument("--k", type=int, default=None, help="best of k runs (default 5, quick 3)")
    ap.add_argument("--budget", type=float, default=None, help="seconds of repeats (20, quick 5)")
    ap.add_argument("--cap", type=float, default=60.0, help="cap for the Kemeny m=10 peer runs")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per subprocess")
    ap.add_argument("--skip-checks", action="store_true", help="skip the small agreement checks")
    ap.add_argument("--json", default=None, help="also write raw results here")
    ap.add_argument(
        "--only",
        default="",
        help="comma-separated sections: margins,kemeny,irv,committees (default all)",
    )
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        print(json.dumps(_child(json.loads(args.child))))
        return 0

    k = args.k or (3 if args.quick else 5)
    if args.budget is None:
        args.budget = 5.0 if args.quick else 20.0
    big = 100_000 if args.quick else 1_000_000
    pv_n = big // 10  # pref_voting profiles: about 2 s per 1e4 rankings, so measured at n/10
    t_start = time.perf_counter()
    load_start = os.getloadavg() if hasattr(os, "getloadavg") else None

    def log(*a):
        print(*a, file=sys.stderr, flush=True)

    raw = []

    def want(section: str) -> bool:
        return not args.only or section in args.only.split(",")

    def go(task, size, impl, cap=None):
        spec = {"task": task, "size": size, "impl": impl, "threads": args.threads, "k": k}
        spec["budget"] = args.budget
        if cap:
            spec["cap"] = cap
        t0 = time.perf_counter()
        r = run_child(spec, args.timeout)
        r["spec"] = spec
        raw.append(r)
        if "error" in r:
            what = r["error"]
        elif "capped" in r:
            what = f"did not finish within the {r['capped']:g} s cap"
        else:
            what = f"best {fmt_s(r['best'])} s of {len(r['times'])}"
        log(f"  {task} {size} {impl:<16} {what}   [{time.perf_counter() - t0:.1f} s wall]")
        return r

    # ---------------------------------------------------------------- agreement (small)
    checks = []
    if not args.skip_checks:
        log("agreement checks on small instances ...")
        t0 = time.perf_counter()
        checks = agreement_checks()
        log(
            f"  {sum(c[1] is None for c in checks)}/{len(checks)} agree "
            f"[{time.perf_counter() - t0:.1f} s]"
        )

    speed, mem = [], []

    def guard(task, impl, r_peer, r_pp):
        if "result" not in r_peer or "result" not in r_pp:
            return "guard n/a"
        why = compare(task, impl, r_peer["result"], r_pp["result"])
        return "guard ok" if why is None else f"guard **MISMATCH**: {why}"

    def mem_row(label, r, judged):
        if "best" not in r:
            mem.append((label, "—", "—", "—", "—"))
            return
        inp, extra = r["input_bytes"], r["extra_bytes"]
        total = (inp + extra) / inp
        if not judged:
            ok = "— (no target)"
        elif inp < MEM_MIN_INPUT:
            ok = "— (small input)"
        else:
            ok = met(("mem<=", 2.0), total)
        mem.append((label, f"{inp / 2**20:.1f}", f"{extra / 2**20:.1f}", f"{total:.2f}x", ok))

    def err(r):
        return r.get("error") or (f"capped at {r['capped']:g} s" if "capped" in r else None)

    # ---------------------------------------------------------------- 1. profile + margins
    if want("margins"):
        log(f"profile + margins, {n_label(big)} rankings x {M_RANK}")
        base = f"profile + margins, {n_label(big)} x {M_RANK}"
        pp = go("margins", big, "pluralign")
        t_pp = pp.get("best")
        speed.append(
            (
                f"{base}: pluralign Profile.from_ranks(int64 ranks).margins()",
                fmt_s(t_pp),
                "—",
                "—",
                target_text(("abs<", 0.5)),
                met(("abs<", 0.5), t_pp),
                err(pp) or "natural numpy path, the timed one",
            )
        )
        mem_row(f"{base} pluralign from_ranks", pp, judged=True)

        df = go("margins", big, "pluralign-df")
        mem_row(f"{base} pluralign from_rankings(DataFrame)", df, judged=False)
        t_df = df.get("best")
        speed.append(
            (
                f"{base}: {PEER_LABEL[('margins', 'pluralign-df')]}",
                fmt_s(t_pp),
                fmt_s(t_df),
                fmt_ratio(t_df / t_pp if t_df and t_pp else None),
                "—",
                "—",
                "; ".join(
                    x
                    for x in (
                        guard("margins", "pluralign-df", df, pp),
                        err(df),
                        "context: the polars rankings-table path",
                    )
                    if x
                ),
            )
        )
        if t_df is not None:
            speed.append(
                (
                    f"{base}: pluralign DataFrame path alone",
                    fmt_s(t_df),
                    "—",
                    "—",
                    target_text(("abs<", 0.5)),
                    met(("abs<", 0.5), t_df),
                    "same target applied to the DataFrame path, for information",
                )
            )

        sv = go("margins", big, "svvamp")
        mem_row(f"{base} svvamp", sv, judged=False)
        t_sv = sv.get("best")
        ratio = t_sv / t_pp if t_sv and t_pp else None
        speed.append(
            (
                f"{base}: vs {PEER_LABEL[('margins', 'svvamp')]}",
                fmt_s(t_pp),
                fmt_s(t_sv),
                fmt_ratio(ratio),
                target_text(("ratio>=", 10.0)),
                met(("ratio>=", 10.0), ratio),
                "; ".join(x for x in (guard("margins", "svvamp", sv, pp), err(sv)) if x),
            )
        )

        pv = go("margins", pv_n, "pref_voting")
        pp_small = go("margins", pv_n, "pluralign")
        mem_row(f"profile + margins, {n_label(pv_n)} x {M_RANK} pref_voting", pv, judged=False)
        t_pv, t_pps = pv.get("best"), pp_small.get("best")
        ratio = t_pv / t_pps if t_pv and t_pps else None
        speed.append(
            (
                (
                    f"profile + margins, {n_label(pv_n)} x {M_RANK}: vs "
                    f"{PEER_LABEL[('margins', 'pref_voting')]} (measured, same n)"
                ),
                fmt_s(t_pps),
                fmt_s(t_pv),
                fmt_ratio(ratio),
                "—",
                "—",
                "; ".join(
                    x
                    for x in (
                        guard("margins", "pref_voting", pv, pp_small),
                        err(pv),
                        "context for the extrapolated row below",
                    )
                    if x
                ),
            )
        )
        t_pv_x = t_pv * (big / pv_n) if t_pv else None
        ratio = t_pv_x / t_pp if t_pv_x and t_pp else None
        speed.append(
            (
                f"{base}: vs {PEER_LABEL[('margins', 'pref_voting')]}",
                fmt_s(t_pp),
                f"~{fmt_s(t_pv_x)} (extrapolated)" if t_pv_x else "—",
                fmt_ratio(ratio, approx=True),
                target_text(("ratio>=", 100.0)),
                met(("ratio>=", 100.0), ratio),
                f"**pref_voting not run at n={n_label(big)}: measured at n={n_label(pv_n)} "
                f"({fmt_s(t_pv)} s) and extrapolated linearly x{big // pv_n}** (its Profile() does a "
                "Python loop with np.where per voter and candidate)"
                + (f"; {err(pv)}" if err(pv) else ""),
            )
        )

    # ---------------------------------------------------------------- 2. Kemeny
    if want("kemeny"):
        log(f"exact Kemeny ({KEMENY_VOTERS} rankings)")
        kp = {}
        for m in (8, 10, 16):
            kp[m] = go("kemeny", m, "pluralign")
            mem_row(f"kemeny m={m} pluralign", kp[m], judged=False)
        for m, lim in ((10, 0.1), (16, 5.0)):
            t = kp[m].get("best")
            speed.append(
                (
                    f"exact Kemeny m={m} ({KEMENY_VOTERS} voters, profile prebuilt): pluralign",
                    fmt_s(t),
                    "—",
                    "—",
                    target_text(("abs<", lim)),
                    met(("abs<", lim), t),
                    err(kp[m]) or "DP over subsets; no Condorcet winner, one SCC",
                )
            )
        for peer in ("pref_voting", "svvamp"):
            r8 = go("kemeny", 8, peer)
            t8 = r8.get("best")
            label = PEER_LABEL[("kemeny", peer)]
            t_pp8 = kp[8].get("best")
            ratio = t8 / t_pp8 if t8 and t_pp8 else None
            speed.append(
                (
                    f"exact Kemeny m=8: vs {label}",
                    fmt_s(t_pp8),
                    fmt_s(t8),
                    fmt_ratio(ratio),
                    "—",
                    "—",
                    "; ".join(
                        x
                        for x in (
                            guard("kemeny", peer, r8, kp[8]),
                            err(r8),
                            "measured directly (context)",
                        )
                        if x
                    ),
                )
            )
            f = brute_force_factor(8, 10)
            t10x = t8 * f if t8 else None
            t_pp10 = kp[10].get("best")
            ratio = t10x / t_pp10 if t10x and t_pp10 else None
            note = (
                f"**extrapolated from m=8 ({fmt_s(t8)} s) x 10!·45/(8!·28) = x{f:.0f}, est. "
                f"{fmt_dur(t10x)}**"
                if t10x
                else (err(r8) or "")
            )
            if not args.quick:
                rc = go("kemeny", 10, peer, cap=args.cap)
                if "capped" in rc:
                    note += (
                        f"; a real m=10 run was stopped at the {args.cap:g} s cap (did not finish)"
                    )
                elif "best" in rc:
                    note += (
                        f"; a real m=10 run finished in {fmt_s(rc['best'])} s "
                        f"({guard('kemeny', peer, rc, kp[10])})"
                    )
                elif "error" in rc:
                    note += f"; the m=10 run failed: {rc['error']}"
            else:
                note += "; (--quick: no capped m=10 run)"
            speed.append(
                (
                    f"exact Kemeny m=10: vs {label}",
                    fmt_s(t_pp10),
                    f"~{fmt_s(t10x)} (extrapolated)" if t10x else "—",
                    fmt_ratio(ratio, approx=True),
                    "—",
                    "—",
                    note,
                )
            )

    # ---------------------------------------------------------------- 3. IRV
    if want("irv"):
        log(f"instant runoff, {n_label(big)} rankings x {M_RANK}")
        base = f"Instant Runoff, {n_label(big)} x {M_RANK}"
        ie = go("irv", big, "pluralign")
        ir = go("irv", big, "pluralign-rule")
        isv = go("irv", big, "svvamp")
        mem_row(f"{base} pluralign end to end", ie, judged=False)
        mem_row(f"{base} svvamp", isv, judged=False)
        t_sv = isv.get("best")
        for r, what in (
            (ie, "end to end from the rank array (from_ranks + instant_runoff)"),
            (ir, "rule only, pluralign profile prebuilt"),
        ):
            t = r.get("best")
            ratio = t_sv / t if t_sv and t else None
            speed.append(
                (
                    f"{base}: pluralign {what} vs svvamp RuleIRV",
                    fmt_s(t),
                    fmt_s(t_sv),
                    fmt_ratio(ratio),
                    target_text(("ratio>=", 10.0)),
                    met(("ratio>=", 10.0), ratio),
                    "; ".join(
                        x
                        for x in (guard("irv", "svvamp", isv, r), err(r), err(isv), SVVAMP_IRV_NOTE)
                        if x
                    ),
                )
            )

    # ---------------------------------------------------------------- 4. committees
    if want("committees"):
        log(f"committees, {COMMITTEE_N} voters x {COMMITTEE_M} candidates, k = {COMMITTEE_K}")
        for task in COMMITTEE_TASKS:
            base = f"{RULE_LABEL[task]}, {COMMITTEE_N} x {COMMITTEE_M}, k={COMMITTEE_K}"
            rp = go(task, COMMITTEE_N, "pluralign")
            ra = go(task, COMMITTEE_N, "abcvoting")
            mem_row(f"{task} pluralign", rp, judged=False)
            t, ta = rp.get("best"), ra.get("best")
            speed.append(
                (
                    f"{base}: pluralign",
                    fmt_s(t),
                    "—",
                    "—",
                    target_text(("abs<", 1.0)),
                    met(("abs<", 1.0), t),
                    err(rp) or "approval profile prebuilt",
                )
            )
            ratio = ta / t if ta and t else None
            speed.append(
                (
                    f"{base}: vs {PEER_LABEL[(task, 'abcvoting')]}",
                    fmt_s(t),
                    fmt_s(ta),
                    fmt_ratio(ratio),
                    target_text(("ratio>=", 10.0)),
                    met(("ratio>=", 10.0), ratio),
                    "; ".join(x for x in (guard(task, "abcvoting", ra, rp), err(ra)) if x),
                )
            )

    # ---------------------------------------------------------------- report
    vers = peer_versions()
    try:
        import pluralign
        import pluralign._core as core

        built = time.strftime("%Y-%m-%d %H:%M", time.localtime(os.path.getmtime(core.__file__)))
        vers["pluralign"] = f"{getattr(pluralign, '__version__', '?')} (_core built {built})"
    except Exception:  # noqa: BLE001
        vers["pluralign"] = "?"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print()
    print(f"## pluralign.choice speed ratios ({'--quick: a smoke run' if args.quick else 'full'})")
    print()
    print(
        f"{os.cpu_count()} cores ({cpu}); python {platform.python_version()}; "
        + ", ".join(f"{k_} {v}" for k_, v in vers.items())
        + f"; pluralign threads={args.threads or 'default (all)'}, peers single-threaded; "
        f"best of {k} (fewer when slow, budget {args.budget:g} s)"
    )
    if load_start is not None:
        load_end = os.getloadavg()
        print()
        print(
            f"Machine load (1-min load average) at start {load_start[0]:.2f}, at end "
            f"{load_end[0]:.2f} on {os.cpu_count()} cores: other work on the machine slows the "
            "timed calls (multi-threaded pluralign calls most)."
        )
    if args.quick:
        print()
        print(
            f"**--quick: 1e6-ranking cases run at n={n_label(big)}; targets are stated for the "
            "full sizes, so met? is indicative only.**"
        )
    if checks:
        bad = [c for c in checks if c[1] is not None]
        print()
        print(f"Agreement on small instances: {len(checks) - len(bad)}/{len(checks)} checks agree.")
        for what, why in bad:
            print(f"- **DISAGREE** {what}: {why}")
    print()
    print("| case | pluralign s | peer s | ratio (peer/pluralign) | target | met? | notes |")
    print("| --- | ---: | ---: | ---: | --- | --- | --- |")
    for row in speed:
        print("| " + " | ".join(str(x) for x in row) + " |")
    print()
    print("Peak memory of the call on top of its input (VmHWM after the first call − VmRSS before")
    print("it, in a fresh process); target (profile + margins): (input + extra) / input <= 2,")
    print(f"judged on the pluralign from_ranks row (input >= {MEM_MIN_INPUT // 2**20} MiB).")
    print()
    print("| run | input MiB | extra MiB | (input+extra)/input | <= 2x? |")
    print("| --- | ---: | ---: | ---: | --- |")
    for row in mem:
        print("| " + " | ".join(row) + " |")
    if checks:
        print()
        print("<details><summary>agreement checks</summary>")
        print()
        for what, why in checks:
            print(f"- {'ok' if why is None else '**DISAGREE** ' + why}: {what}")
        print()
        print("</details>")
    print()
    print(f"total wall time {time.perf_counter() - t_start:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"raw": raw, "checks": checks}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
