#!/usr/bin/env python
"""Speed ratios of pluralign.pareto against moocore / paretoset / pymoo on the target cases.

    .venv/bin/python benches/ratios.py            # full sizes (n = 1e6; several minutes)
    .venv/bin/python benches/ratios.py --quick    # n / 10 (about a minute); targets are stated
                                                  # for the full sizes, so --quick is a smoke run

Every (case, implementation) runs in a fresh subprocess that builds the data, warms the
implementation up on a tiny input (numba JIT, thread pool), resets the peak-RSS counter
(/proc/self/clear_refs), then times the call with time.perf_counter: best of k runs (fewer when
one run is slow: a run is not started if the runs so far plus one more would pass --budget
seconds). Peak memory = VmHWM after the first call minus VmRSS just before it, i.e. the extra
memory the call needs on top of its input; reported relative to the input size (points plus group
keys). The peak-memory target "below 2x the input size" is checked strictly: (input + extra) /
input < 2.

After timing, each peer's answer is compared with pluralign's (outside the timing).
Prints markdown tables: speed (case | pluralign s | peer s | ratio | target | met?) and memory.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np
from _cases import (
    GROUP_M,
    GROUP_SIZE,
    grouped,
    make,
    moocore_group_loop,
    n_label,
    peer_versions,
    prepare,
    same_result,
    shuffled_ids,
)

# The memory target is judged only where the input is at least this big: below it, page
# granularity, allocator arenas and fixed-size buffers dominate the measured growth.
MEM_MIN_INPUT = 8 * 2**20

PEER_LABEL = {
    ("ranks", "moocore"): "moocore.pareto_rank",
    ("ranks", "pymoo"): "pymoo NonDominatedSorting",
    ("ranks", "pymoo-ens"): "pymoo compiled ENS",
    ("front", "moocore"): "moocore.is_nondominated",
    ("front", "paretoset"): "paretoset (numba BNL)",
    ("front", "pymoo"): "pymoo compiled find_non_dominated",
    ("hv", "moocore"): "moocore.hypervolume",
    ("grouped-ranks", "moocore-loop"): "moocore.pareto_rank, Python loop over groups",
    ("grouped-front", "moocore-loop"): "moocore.is_nondominated, Python loop over groups",
}


# --------------------------------------------------------------------------------------------
# memory helpers (Linux /proc; falls back to getrusage)
# --------------------------------------------------------------------------------------------


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _trim() -> None:
    """Hands the C heap's free pages back to the OS (glibc), so the measured call's allocations
    grow the RSS instead of reusing pages that building the data freed (hiding them from
    VmHWM)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _reset_peak() -> bool:
    _trim()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        return True
    except OSError:
        return False


def _loadavg() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "?"


def _peak_kb() -> int:
    v = _status_kb("VmHWM")
    if v is not None:
        return v
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# --------------------------------------------------------------------------------------------
# child: one implementation on one case
# --------------------------------------------------------------------------------------------


def _child(spec: dict) -> dict:
    task, impl, threads = spec["task"], spec["impl"], spec.get("threads")
    perm = None
    guard = None
    if task.startswith("grouped-"):
        sub = task.split("-", 1)[1]
        g = spec["g"]
        x, offsets, ids = grouped(g)
        if impl == "pluralign-ids-shuffled":
            perm, ids_sh = shuffled_ids(ids)
            x_sh = np.ascontiguousarray(x[perm])
        import pluralign.pareto as pp

        f = pp.ranks if sub == "ranks" else pp.front
        kw = {"maximize": True} if threads is None else {"maximize": True, "threads": threads}
        if impl == "pluralign-offsets":
            fn, input_bytes = (lambda: f(x, offsets=offsets, **kw)), x.nbytes + offsets.nbytes
        elif impl == "pluralign-ids":
            fn, input_bytes = (lambda: f(x, groups=ids, **kw)), x.nbytes + ids.nbytes
        elif impl == "pluralign-ids-shuffled":
            fn, input_bytes = (lambda: f(x_sh, groups=ids_sh, **kw)), x_sh.nbytes + ids_sh.nbytes
        elif impl == "moocore-loop":
            fn, input_bytes = (lambda: moocore_group_loop(sub, x, offsets)), x.nbytes
        else:
            raise ValueError(impl)
        warm = grouped(4)
        if impl.startswith("pluralign"):
            f(warm[0], offsets=warm[1], **kw)
            f(warm[0], groups=warm[2], **kw)
        else:
            moocore_group_loop(sub, warm[0], warm[1])
    else:
        x = make(spec["dist"], spec["n"], spec["m"])
        fn = prepare(impl, task, x, threads=threads if impl == "pluralign" else None)
        input_bytes = x.nbytes
        prepare(impl, task, make(spec["dist"], 64, spec["m"], seed=1), threads=threads)()  # warm-up

    gc.collect()
    exact = _reset_peak()
    before_kb = _status_kb("VmRSS") if exact else _peak_kb()
    times = []
    t0 = time.perf_counter()
    result = fn()
    times.append(time.perf_counter() - t0)
    extra_kb = max(0, _peak_kb() - (before_kb or 0))
    k, budget = spec["k"], spec["budget"]
    while len(times) < k and sum(times) + min(times) <= budget:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)

    if perm is not None:  # back to the original row order for the guard
        r = np.asarray(result)
        in_order = np.empty_like(r)
        in_order[perm] = r
        result = in_order
    if task.startswith("grouped-") and impl.startswith("pluralign"):
        # self-guard: the first 200 groups against moocore, one group at a time
        h = 200 * GROUP_SIZE
        try:
            same_result(sub, np.asarray(result)[:h], moocore_group_loop(sub, x[:h], offsets[:201]))
            guard = "ok (first 200 groups vs moocore)"
        except AssertionError as e:
            guard = f"MISMATCH vs moocore: {e}"
    build = None
    if impl.startswith("pluralign"):
        import pluralign._core as core

        build = time.strftime("%H:%M:%S", time.localtime(os.path.getmtime(core.__file__)))
    out = {
        "build": build,
        "times": times,
        "best": min(times),
        "input_bytes": int(input_bytes),
        "extra_bytes": int(extra_kb) * 1024,
        "peak_exact": exact,
        "guard": guard,
    }
    if np.isscalar(result) or isinstance(result, float):
        out["scalar"] = float(result)
    else:
        np.save(spec["result_path"], np.asarray(result))
    return out


def run_child(spec: dict, timeout: float) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", json.dumps(spec)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    if p.returncode != 0:
        tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
        return {"error": f"exit {p.returncode}: " + " | ".join(tail)}
    return json.loads(p.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------------------------


def build_cases(quick: bool) -> list[dict]:
    """Each case: data + pluralign + peers, with a speed target per peer (or none)."""
    big = 100_000 if quick else 1_000_000
    pset_front_n = 5_000 if quick else 20_000  # paretoset is quadratic on a single front
    hv_sizes = (10_000, 100_000) if quick else (10_000, 100_000, 1_000_000)
    groups = 100_000 if quick else 1_000_000
    loop_groups = 1_000 if quick else 10_000
    cases = []

    def case(task, dist, n, m, peers, note=""):
        cases.append({"task": task, "dist": dist, "n": n, "m": m, "peers": peers, "note": note})

    # all-front ranks, n = 1e6, m = 3, uniform: >= 15x moocore.pareto_rank (issue 22)
    case(
        "ranks",
        "uniform",
        big,
        3,
        [
            ("moocore", ("ratio>=", 15.0)),
            ("pymoo", None),
            ("pymoo-ens", "skip: quadratic ENS (about 7 s at n=1e5, m=5); est. > 10 min"),
        ],
    )
    # context: other shapes of the all-front problem
    case("ranks", "onefront", big, 3, [("moocore", None)])
    case("ranks", "uniform", big, 5, [("moocore", None)])
    # first front, n = 1e6, m = 5: >= 3x moocore and faster than paretoset, uniform + one front
    case(
        "front",
        "uniform",
        big,
        5,
        [
            ("moocore", ("ratio>=", 3.0)),
            ("paretoset", ("ratio>", 1.0)),
            ("pymoo", "skip: compiled find_non_dominated takes 12 s at n=1e5; est. minutes"),
        ],
    )
    case(
        "front",
        "onefront",
        big,
        5,
        [
            ("moocore", ("ratio>=", 3.0)),
            (
                "paretoset",
                (
                    f"skip: quadratic on one front (1.3-1.7 s at n=1e4, est. "
                    f"{fmt_dur(1.6 * (big / 1e4) ** 2)} here); measured at "
                    f"n={n_label(pset_front_n)} below"
                ),
            ),
        ],
    )
    case(
        "front",
        "onefront",
        pset_front_n,
        5,
        [("paretoset", ("ratio>", 1.0)), ("moocore", None)],
        note="largest n where paretoset's quadratic one-front case finishes in seconds",
    )
    # exact 2-D / 3-D hypervolume on a front: no slower than moocore
    for m in (2, 3):
        for n in hv_sizes:
            case("hv", "onefront", n, m, [("moocore", ("ratio>=", 1.0))])
    # grouped: 1e6 prompts x 16 candidates x 4 objectives, under 1 s
    for impl in ("pluralign-offsets", "pluralign-ids"):
        cases.append({"task": "grouped-ranks", "g": groups, "impl": impl, "target": ("abs<", 1.0)})
    cases.append(
        {"task": "grouped-ranks", "g": groups, "impl": "pluralign-ids-shuffled", "target": None}
    )
    cases.append(
        {"task": "grouped-front", "g": groups, "impl": "pluralign-offsets", "target": None}
    )
    # grouped vs the per-group moocore loop, at a size where the loop takes about a second
    for sub in ("ranks", "front"):
        cases.append(
            {
                "task": f"grouped-{sub}",
                "g": loop_groups,
                "impl": "pluralign-offsets",
                "vs": "moocore-loop",
            }
        )
    return cases


def fmt_dur(sec: float) -> str:
    if sec < 120:
        return f"{sec:.0f} s"
    if sec < 7200:
        return f"{sec / 60:.0f} min"
    return f"{sec / 3600:.1f} h"


def fmt_s(t):
    if t is None or (isinstance(t, float) and math.isnan(t)):
        return "—"
    return f"{t:.4f}" if t < 10 else f"{t:.1f}"


def target_text(tg):
    if tg is None:
        return "—"
    kind, v = tg
    return {"ratio>=": f">= {v:g}x", "ratio>": f"> {v:g}x (faster)", "abs<": f"< {v:g} s"}[kind]


def met(tg, ratio, t):
    if tg is None:
        return "—"
    kind, v = tg
    if kind == "abs<":
        return "yes" if t is not None and t < v else "**NO**"
    if ratio is None:
        return "n/a"
    ok = ratio >= v if kind == "ratio>=" else ratio > v
    return "yes" if ok else "**NO**"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="n / 10: a smoke run of about a minute")
    ap.add_argument("--threads", type=int, default=None, help="pluralign threads (default: all)")
    ap.add_argument("--k", type=int, default=None, help="best of k runs (default 5, quick 3)")
    ap.add_argument(
        "--budget", type=float, default=None, help="seconds of repeats per run (20, quick 5)"
    )
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per subprocess")
    ap.add_argument(
        "--only",
        default="",
        help="comma-separated task[:dist[:m]] filters, e.g. ranks:uniform:3,hv (default all)",
    )
    ap.add_argument("--json", default=None, help="also write raw results here")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        print(json.dumps(_child(json.loads(args.child))))
        return 0

    k = args.k or (3 if args.quick else 5)
    if args.budget is None:
        args.budget = 5.0 if args.quick else 20.0
    tmp = tempfile.mkdtemp(prefix="pluralign-ratios-")
    t_start = time.perf_counter()
    log = lambda *a: print(*a, file=sys.stderr, flush=True)

    speed_rows, mem_rows, raw = [], [], []

    def go(spec, label):
        spec = dict(spec, threads=args.threads, k=k, budget=args.budget)
        spec["result_path"] = os.path.join(tmp, f"r{len(raw)}.npy")
        t0 = time.perf_counter()
        r = run_child(spec, args.timeout)
        r["spec"] = spec
        raw.append(r)
        what = r.get("error") or f"best {fmt_s(r['best'])} s of {len(r['times'])}"
        log(f"  {label:<60} {what}   [{time.perf_counter() - t0:.1f} s wall]")
        return r

    def load(r):
        if "scalar" in r:
            return r["scalar"]
        return np.load(r["spec"]["result_path"])

    def guard(task, r_peer, r_pp):
        if "error" in r_peer or "error" in r_pp:
            return "n/a"
        try:
            same_result(task, load(r_peer), load(r_pp))
            return "ok"
        except AssertionError as e:
            return f"MISMATCH ({e})"

    def mem_row(label, r):
        if "error" in r:
            mem_rows.append((label, "—", "—", "—", "error"))
            return
        inp, extra = r["input_bytes"], r["extra_bytes"]
        total = (inp + extra) / inp
        if inp < MEM_MIN_INPUT:
            ok = "— (small input)"
        else:
            ok = "yes" if total < 2 else "**NO**"
        mem_rows.append((label, f"{inp / 2**20:.1f}", f"{extra / 2**20:.1f}", f"{total:.2f}x", ok))

    load0 = _loadavg()
    log(f"pluralign ratios ({'quick' if args.quick else 'full'}), best of {k}; load {load0}")

    def wanted(c: dict) -> bool:
        if not args.only:
            return True
        for f in args.only.split(","):
            parts = f.split(":")
            keys = [c["task"], c.get("dist"), str(c.get("m"))]
            if all(p == k for p, k in zip(parts, keys)):
                return True
        return False

    for c in filter(wanted, build_cases(args.quick)):
        task = c["task"]
        if task.startswith("grouped-"):
            g, impl = c["g"], c["impl"]
            label = f"{task} {n_label(g)} groups x {GROUP_SIZE} x {GROUP_M}, {impl}"
            r = go({"task": task, "g": g, "impl": impl}, label)
            mem_row(label, r)
            t = r.get("best")
            note = r.get("guard") or ""
            if "vs" in c:
                rp = go({"task": task, "g": g, "impl": c["vs"]}, f"{label} vs {c['vs']}")
                ratio = rp["best"] / t if t and "best" in rp else None
                speed_rows.append(
                    (
                        (
                            f"{task} {n_label(g)} groups x {GROUP_SIZE} x {GROUP_M} ({impl}) "
                            f"vs {PEER_LABEL[(task, c['vs'])]}"
                        ),
                        fmt_s(t),
                        fmt_s(rp.get("best")),
                        f"{ratio:.1f}x" if ratio else "—",
                        "—",
                        "—",
                        f"guard {guard(task.split('-', 1)[1], rp, r)}; self-guard {note}",
                        r.get("build"),
                    )
                )
            else:
                tg = c["target"]
                speed_rows.append(
                    (
                        f"{task} {n_label(g)} groups x {GROUP_SIZE} x {GROUP_M} ({impl})",
                        fmt_s(t) if t is not None else r.get("error", "—"),
                        "—",
                        "—",
                        target_text(tg),
                        met(tg, None, t),
                        f"guard {note}" if note else "",
                        r.get("build"),
                    )
                )
            continue

        dist, n, m = c["dist"], c["n"], c["m"]
        base = f"{task} {dist} m={m} n={n_label(n)}"
        r_pp = go(
            {"task": task, "dist": dist, "n": n, "m": m, "impl": "pluralign"}, f"{base} pluralign"
        )
        mem_row(f"{base} (pluralign)", r_pp)
        t_pp = r_pp.get("best")
        for impl, tg in c["peers"]:
            plabel = PEER_LABEL[(task, impl)]
            if isinstance(tg, str):  # a capped peer: say why, don't run it
                speed_rows.append(
                    (f"{base} vs {plabel}", fmt_s(t_pp), "skipped", "—", "—", "—", tg[6:], None)
                )
                continue
            r = go({"task": task, "dist": dist, "n": n, "m": m, "impl": impl}, f"{base} {impl}")
            mem_row(f"{base} ({impl})", r)
            t = r.get("best")
            ratio = t / t_pp if (t is not None and t_pp) else None
            notes = [f"guard {guard(task, r, r_pp)}"]
            if c.get("note"):
                notes.append(c["note"])
            if "error" in r:
                notes.append(r["error"])
            if "error" in r_pp:
                notes.append("pluralign: " + r_pp["error"])
            speed_rows.append(
                (
                    f"{base} vs {plabel}",
                    fmt_s(t_pp),
                    fmt_s(t),
                    f"{ratio:.2f}x" if ratio is not None else "—",
                    target_text(tg),
                    met(tg, ratio, t),
                    "; ".join(notes),
                    r_pp.get("build"),
                )
            )

    # ---------------------------------------------------------------- report
    vers = peer_versions()
    try:
        import pluralign

        vers["pluralign"] = getattr(pluralign, "__version__", "?")
        import pluralign._core as core

        built = time.strftime("%Y-%m-%d %H:%M", time.localtime(os.path.getmtime(core.__file__)))
        vers["pluralign"] += f" (_core built {built})"
    except Exception:  # noqa: BLE001
        vers["pluralign"] = "?"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print()
    print(
        f"## pluralign.pareto speed ratios ({'--quick: n/10, a smoke run' if args.quick else 'full'})"
    )
    print()
    print(
        f"{os.cpu_count()} cores ({cpu}); python {platform.python_version()}; "
        + ", ".join(f"{k_} {v}" for k_, v in vers.items())
        + f"; pluralign threads={args.threads or 'default (all)'}; best of {k} "
        f"(fewer when slow, budget {args.budget:g} s)"
    )
    builds = sorted({r["build"] for r in raw if r.get("build")})
    if len(builds) > 1:
        print()
        print(
            f"**WARNING: the pluralign extension was rebuilt during this run (builds "
            f"{', '.join(builds)}); rows mix builds.**"
        )
    if args.quick:
        print()
        print(
            "**--quick: sizes are n/10 of the stated targets; the met? column is indicative only.**"
        )
    print()
    print("| case | pluralign s | peer s | ratio (peer/pluralign) | target | met? | notes |")
    print("| --- | ---: | ---: | ---: | --- | --- | --- |")
    for *row, build in speed_rows:
        if len(builds) > 1 and build:
            row[-1] = f"{row[-1]}; pluralign build {build}"
        print("| " + " | ".join(str(x) for x in row) + " |")
    print()
    print("Peak memory of the call on top of its input (VmHWM after the first call − VmRSS before")
    print("it, in a fresh process); target: (input + extra) / input < 2, judged on pluralign rows")
    print(f"with input >= {MEM_MIN_INPUT // 2**20} MiB.")
    print()
    print("| run | input MiB | extra MiB | (input+extra)/input | < 2x? |")
    print("| --- | ---: | ---: | ---: | --- |")
    for label, inp, extra, tot, ok in mem_rows:
        if "pluralign" not in label and not ok.startswith("—"):
            ok = "— (peer)"
        print(f"| {label} | {inp} | {extra} | {tot} | {ok} |")
    print()
    print(
        f"total wall time {time.perf_counter() - t_start:.0f} s; load average (1/5/15 min) "
        f"at start {load0}, at end {_loadavg()} (other work on the machine skews the ratios)"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(raw, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
