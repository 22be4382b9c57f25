"""Streaming fold over polars' LazyFrame.collect_batches: same result as in memory, and on 2e7
rows the peak memory stays bounded (measured in a subprocess from /proc/self/status VmHWM)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from pluralign.errors import InputError
from pluralign.scale import BradleyTerryState, ParetoFrontState, TallyState, VoteMatrixState
from pluralign.scale.stream import aggregate, batches

N_ROWS = 20_000_000
N_FILES = 20
ITEMS = 40
# Held in memory at once, the 2e7 rows below take 2e7 * (2 + 2 + 1) bytes = 100 MB as parquet
# decodes them (int16 ids, int8 group), and the streaming engine plus the state need far less.
RSS_BOUND_MB = 90


@pytest.mark.parametrize("chunk", [1, 7, 50, None])
def test_stream_equals_in_memory(chunk: int | None) -> None:
    rng = np.random.default_rng(5)
    n = 300
    a = rng.integers(0, 8, n)
    df = pl.DataFrame(
        {
            "g": rng.integers(0, 3, n),
            "chosen_id": a,
            "rejected_id": (a + rng.integers(1, 8, n)) % 8,
            "weight": rng.random(n),
        }
    )
    lf = df.lazy().filter(pl.col("weight") > 0.1)  # a real query, run by the streaming engine
    kept = df.filter(pl.col("weight") > 0.1)
    got = aggregate(lf, TallyState("g"), chunk_size=chunk).finalize()
    ref = TallyState("g").update(kept).finalize()
    assert got.drop("weight_a", "weight_b", "weight_ties").equals(
        ref.drop("weight_a", "weight_b", "weight_ties")
    )
    np.testing.assert_allclose(got["weight_a"].to_numpy(), ref["weight_a"].to_numpy(), atol=1e-9)
    bt = aggregate(kept, BradleyTerryState("g"), chunk_size=chunk).finalize(l2=0.5)
    from pluralign.stats import bradley_terry

    np.testing.assert_allclose(
        bt["strength"].to_numpy(),
        bradley_terry(kept, "g", l2=0.5)["strength"].to_numpy(),
        atol=1e-9,
    )
    fr = aggregate(
        lf.with_columns(pl.col("chosen_id").cast(pl.Float64).alias("s")),
        ParetoFrontState(["s", "weight"], "g"),
        chunk_size=chunk,
    ).finalize()
    assert fr.equals(
        ParetoFrontState(["s", "weight"], "g")
        .update(kept.with_columns(pl.col("chosen_id").cast(pl.Float64).alias("s")))
        .finalize()
    )


def test_stream_votes_and_bad_sources() -> None:
    v = pl.LazyFrame({"statement_id": [1, 2, 1], "participant_id": [1, 1, 2], "vote": [1, 0, -1]})
    assert aggregate(v, VoteMatrixState(), chunk_size=1).votes().rows() == [
        (1, 1, 1),
        (1, 2, -1),
        (2, 1, 0),
    ]
    with pytest.raises(InputError, match="chunk_size"):
        list(batches(v, chunk_size=0))
    with pytest.raises(InputError, match="LazyFrame"):
        aggregate("file.parquet", TallyState())
    with pytest.raises(InputError, match="pluralign.scale state"):
        aggregate(v, object())


def _write_files(tmp: Path) -> np.ndarray:
    """20 parquet files of 1e6 rows; returns the expected (ITEMS x ITEMS) win-count matrix."""
    per = N_ROWS // N_FILES
    wins = np.zeros((ITEMS, ITEMS), dtype=np.int64)
    for f in range(N_FILES):
        rng = np.random.default_rng(f)
        a = rng.integers(0, ITEMS, per).astype(np.int16)
        b = ((a + rng.integers(1, ITEMS, per)) % ITEMS).astype(np.int16)
        wins += np.bincount(a.astype(np.int64) * ITEMS + b, minlength=ITEMS * ITEMS).reshape(
            ITEMS, ITEMS
        )
        pl.DataFrame(
            {"chosen_id": a, "rejected_id": b, "g": ((a + b) % 3).astype(np.int8)}
        ).write_parquet(tmp / f"part-{f:02d}.parquet", row_group_size=250_000)
    return wins


_CHILD = textwrap.dedent("""
    import json, sys
    import polars as pl
    from pluralign.scale import TallyState
    from pluralign.scale.stream import aggregate

    def hwm():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0

    src = sys.argv[1]
    # warm-up on one file: imports, the polars engine and the kernels are loaded before the baseline
    aggregate(pl.scan_parquet(src + "/part-00.parquet").head(100_000), TallyState("g"))
    base = hwm()
    st = aggregate(pl.scan_parquet(src + "/*.parquet"), TallyState("g", tie=None, weight=None),
                   chunk_size=250_000)
    t = st.finalize()
    print(json.dumps({"base": base, "peak": hwm(), "n_rows": st.n_rows,
                      "rows": t.select("g", "item_a", "item_b", "wins_a", "wins_b").rows()}))
""")


def test_stream_20m_rows_bounded_memory(tmp_path: Path) -> None:
    wins = _write_files(tmp_path)
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PLURALIGN_NUM_THREADS": "2", "POLARS_MAX_THREADS": "2", "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr[-3000:]
    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert r["n_rows"] == N_ROWS
    # exact counts: every (lo, hi) pair's wins from the generator's own bincount
    # the group (a + b) % 3 is symmetric, so every pair lies in exactly one group
    assert len(r["rows"]) == ITEMS * (ITEMS - 1) // 2
    assert all(g == (lo + hi) % 3 for g, lo, hi, _, _ in r["rows"])
    got = np.zeros((ITEMS, ITEMS), dtype=np.int64)
    for _g, lo, hi, wa, wb in r["rows"]:
        got[lo, hi] += wa
        got[hi, lo] += wb
    np.testing.assert_array_equal(got, wins)
    growth = r["peak"] - r["base"]
    print(
        f"streamed {N_ROWS:,} rows: VmHWM {r['base']:.0f} -> {r['peak']:.0f} MiB "
        f"(+{growth:.0f} MiB, bound {RSS_BOUND_MB} MiB)"
    )
    assert growth < RSS_BOUND_MB
