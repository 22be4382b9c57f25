"""Opinion groups: pluralign's Polis math against red-dwarf (PyPI ``red-dwarf``, the Python
reimplementation of the Polis pipeline), timed in the same run, with each one's adjusted Rand
index against the groups Polis itself assigned.

    .venv/bin/python benches/polis_ratios.py            # the 5 bundled conversations + synthetic
    .venv/bin/python benches/polis_ratios.py --large    # also 1e6 x 1,000 at 2 % (pluralign only)
    .venv/bin/python benches/polis_ratios.py --data DIR # other Polis exports (one folder each)

red-dwarf gets the same votes (latest vote per pair, with its ``modified`` time) and the same
moderated-out statements; its defaults are used (k-means over participants, k by silhouette).
Times are best of ``--k`` runs; peak memory is the process's maximum RSS after the case.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "tests" / "data" / "polis"


def best_of(k: int, fn):  # a bench helper
    best, out = float("inf"), None
    for _ in range(k):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def reddwarf_groups(votes: pl.DataFrame, statements: pl.DataFrame) -> dict:
    from reddwarf.implementations.base import run_pipeline

    rows = (
        votes.with_columns(pl.col("timestamp").dt.epoch("ms").alias("modified"))
        .select("participant_id", "statement_id", "vote", "modified")
        .to_dicts()
    )
    mod = statements.filter(pl.col("moderated") == -1)["statement_id"].to_list()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_pipeline(votes=rows, mod_out_statement_ids=mod, random_state=0)
    df = res.participants_df
    df = df[df["cluster_id"].notna()]
    return dict(zip(df.index.tolist(), df["cluster_id"].astype(int).tolist()))


def ari_against(polis: dict, ours: dict) -> float:
    from pluralign.govern import adjusted_rand_index

    common = [p for p in polis if p in ours]
    if not common:
        return float("nan")
    return adjusted_rand_index([polis[p] for p in common], [ours[p] for p in common])


def conversation_rows(folders: list[Path], k: int) -> list[list[str]]:
    from pluralign.govern import opinion_groups
    from pluralign.prefs import read_polis

    rows = []
    for folder in folders:
        c = read_polis(folder)
        theirs = dict(c.participant_groups.drop_nulls("group_id").iter_rows())
        t_pl, g = best_of(k, lambda c=c: opinion_groups(c.votes, statements=c.statements))
        ours = dict(g.assignments.select("participant_id", "group").iter_rows())
        _, g2 = best_of(
            1, lambda c=c: opinion_groups(c.votes, statements=c.statements, in_conv=c.in_conv)
        )
        ours2 = dict(g2.assignments.select("participant_id", "group").iter_rows())
        try:
            t_rd, rd = best_of(k, lambda c=c: reddwarf_groups(c.votes, c.statements))
            rd_k = len(set(rd.values()))
            rd_cells = [
                f"{t_rd:.3f}",
                f"{t_rd / t_pl:.0f}x",
                str(rd_k),
                f"{ari_against(theirs, rd):.3f}",
            ]
        except ImportError:
            rd_cells = ["-", "-", "-", "-"]
        rows.append(
            [
                folder.name,
                str(len(set(theirs.values()))),
                f"{t_pl:.3f}",
                *rd_cells,
                str(g.k),
                f"{ari_against(theirs, ours):.3f}",
                f"{ari_against(theirs, ours2):.3f}",
            ]
        )
    return rows


def synthetic(n: int, m: int, fill: float, seed: int = 0) -> pl.DataFrame:
    """Votes of three planted opinion groups, 25 % of votes noise, ``fill`` of cells voted."""
    rng = np.random.default_rng(seed)
    nnz = int(n * m * fill)
    key = np.unique(rng.integers(0, n, nnz).astype(np.int64) * m + rng.integers(0, m, nnz))
    rows, cols = key // m, key % m
    prof = rng.choice([-1, 1], size=(3, m))
    grp = rng.integers(0, 3, n)
    v = prof[grp[rows], cols]
    v = np.where(rng.random(len(v)) < 0.25, rng.choice([-1, 0, 1], len(v)), v)
    t0 = np.datetime64("2024-01-01T00:00:00", "ms")
    return pl.DataFrame(
        {
            "statement_id": cols.astype(np.int32),
            "participant_id": rows.astype(np.int64),
            "vote": v.astype(np.int8),
            "timestamp": t0 + np.arange(len(v)).astype("timedelta64[ms]"),
        }
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--k", type=int, default=3, help="runs per case (best is reported)")
    ap.add_argument("--data", type=Path, default=None, help="folder of Polis export folders")
    ap.add_argument("--large", action="store_true", help="also 1e6 x 1,000 at 2 %%")
    a = ap.parse_args()
    from pluralign.govern import opinion_groups

    folders = sorted(
        p
        for p in (a.data or BUNDLED).iterdir()
        if (p / "votes.csv").is_file() and (p / "participants-votes.csv").is_file()
    )
    print(
        "| conversation | Polis k | pluralign s | red-dwarf s | ratio | red-dwarf k | "
        "red-dwarf ARI | pluralign k | pluralign ARI | pluralign ARI (Polis in-conv) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in conversation_rows(folders, a.k):
        print("| " + " | ".join(r) + " |")

    votes = synthetic(2000, 300, 0.25)
    statements = pl.DataFrame(
        {"statement_id": np.arange(300, dtype=np.int32), "moderated": np.ones(300, dtype=np.int8)}
    )
    t_pl, g = best_of(a.k, lambda: opinion_groups(votes))
    t_b, _ = best_of(1, lambda: opinion_groups(votes, bootstrap=50))
    print(
        f"\nsynthetic 2,000 x 300 at 25 %: pluralign {t_pl:.3f} s (k = {g.k}); "
        f"with bootstrap=50 {t_b:.2f} s"
    )
    try:
        t_rd, _ = best_of(a.k, lambda: reddwarf_groups(votes, statements))
        print(f"red-dwarf {t_rd:.3f} s: {t_rd / t_pl:.0f}x")
    except ImportError:
        print("red-dwarf not installed (pip install red-dwarf)")
    if a.large:
        votes = synthetic(1_000_000, 1000, 0.02)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
        t, g = best_of(1, lambda: opinion_groups(votes))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
        print(
            f"1e6 x 1,000 at 2 % ({votes.height:,} votes): {t:.1f} s, k = {g.k}, "
            f"peak RSS {peak:.2f} GB (input ready at {before:.2f} GB)"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
