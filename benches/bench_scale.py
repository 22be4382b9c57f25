"""Scale-out measurements.

``python benches/bench_scale.py`` (standalone): the speed-up of ``pluralign.scale.ray.aggregate``
(a grouped pairwise tally) from 1 to 2 Ray workers. Each setting runs in a fresh subprocess
with ``ray.init(num_cpus=k)``; the data (``--rows``, default 4e6, in ``--blocks`` blocks, default 8) is put in the
object store before timing; best of ``--repeat`` runs; the result is checked against the
one-process tally.

``pytest benches/bench_scale.py --benchmark-only``: the streaming fold
(``pluralign.scale.stream.aggregate`` over ``collect_batches``) against the same tally
computed in one polars ``group_by`` (the peer), on 2e6 rows.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap

import numpy as np
import polars as pl

_CHILD = textwrap.dedent("""
    import json, sys, time
    import numpy as np, polars as pl, ray
    from pluralign.scale import TallyState
    from pluralign.scale import ray as pray

    k, rows, repeat, blocks = (int(x) for x in sys.argv[1:5])
    ray.init(num_cpus=k, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PLURALIGN_NUM_THREADS": "1", "POLARS_MAX_THREADS": "1"}})
    ray.data.DataContext.get_current().enable_progress_bars = False
    rng = np.random.default_rng(0)
    a = rng.integers(0, 200, rows)
    df = pl.DataFrame({"group": rng.integers(0, 8, rows), "chosen_id": a,
                       "rejected_id": (a + rng.integers(1, 200, rows)) % 200,
                       "weight": rng.random(rows)})
    ds = ray.data.from_arrow(df.to_arrow()).repartition(blocks).materialize()
    pray.aggregate(ds, TallyState("group"))  # warm-up: workers started, modules imported
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        st = pray.aggregate(ds, TallyState("group"))
        times.append(time.perf_counter() - t0)
    ref = TallyState("group", threads=1).update(df).finalize()
    ok = st.finalize().drop("weight_a", "weight_b", "weight_ties").equals(
        ref.drop("weight_a", "weight_b", "weight_ties"))
    print(json.dumps({"workers": k, "best_s": min(times), "times": times, "exact": ok}))
    ray.shutdown()
""")


def ray_speedup(rows: int, repeat: int, blocks: int) -> list[dict]:
    out = []
    for k in (1, 2):
        r = subprocess.run(
            [sys.executable, "-c", _CHILD, str(k), str(rows), str(repeat), str(blocks)],
            check=False,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if r.returncode:
            raise SystemExit(r.stderr[-3000:])
        out.append(json.loads(r.stdout.strip().splitlines()[-1]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=4_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--blocks", type=int, default=8)
    a = ap.parse_args()
    res = ray_speedup(a.rows, a.repeat, a.blocks)
    print(f"{a.rows:,} rows in {a.blocks} blocks")
    print(f"| Ray workers (num_cpus) | best of {a.repeat} (s) | speed-up | exact |")
    print("| --- | --- | --- | --- |")
    for r in res:
        print(
            f"| {r['workers']} | {r['best_s']:.2f} | {res[0]['best_s'] / r['best_s']:.2f}x "
            f"| {r['exact']} |"
        )


# -- pytest-benchmark: streaming fold vs one polars group_by --------------------------------


def _frame(n: int = 2_000_000) -> pl.DataFrame:
    rng = np.random.default_rng(1)
    a = rng.integers(0, 200, n)
    return pl.DataFrame(
        {
            "group": rng.integers(0, 8, n),
            "chosen_id": a,
            "rejected_id": (a + rng.integers(1, 200, n)) % 200,
        }
    )


def test_stream_tally(benchmark) -> None:  # type: ignore[no-untyped-def]
    from pluralign.scale import TallyState
    from pluralign.scale.stream import aggregate

    lf = _frame().lazy()
    st = benchmark(
        lambda: aggregate(lf, TallyState("group", tie=None, weight=None), chunk_size=250_000)
    )
    assert int(st.finalize()["n"].sum()) == 2_000_000


def test_polars_group_by_peer(benchmark) -> None:  # type: ignore[no-untyped-def]
    df = _frame()

    def peer() -> pl.DataFrame:
        lo = pl.min_horizontal("chosen_id", "rejected_id")
        hi = pl.max_horizontal("chosen_id", "rejected_id")
        return df.group_by("group", lo.alias("a"), hi.alias("b")).agg(
            (pl.col("chosen_id") == lo).sum().alias("wins_a"), pl.len().alias("n")
        )

    out = benchmark(peer)
    assert int(out["n"].sum()) == 2_000_000


if __name__ == "__main__":
    main()
