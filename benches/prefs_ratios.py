#!/usr/bin/env python
"""Speed ratios of pluralign.prefs / pluralign.stats against their peers on the target cases of
the preference-data issue ("Speed" section), printed as one table.

    .venv/bin/python benches/prefs_ratios.py                 # the sizes below (minutes)
    .venv/bin/python benches/prefs_ratios.py --quick         # 1/10 sizes: a smoke run
    .venv/bin/python benches/prefs_ratios.py --r2p-prompts 1000000 --kripp-items 100000
    .venv/bin/python benches/prefs_ratios.py --ids --k 3     # integer vs string/categorical ids
    .venv/bin/python benches/prefs_ratios.py --ids --ids-cases more  # disagreement, r2p, Profile
    .venv/bin/python benches/prefs_ratios.py --ids --id-form uuid    # 36-byte uuids (or md5 hex)
    .venv/bin/python benches/prefs_ratios.py --ids --id-form uuid --id-layout own  # own bytes

Cases (targets from the issue):

- ``ratings_to_pairs``: N prompts x 8 responses x 4 objectives (string ids, integer scores
  0..4, so ~20% ties are dropped) vs the best pure-polars implementation we could write (a lazy
  self-join on (prompt_id, objective) filtered to k < k', then oriented). Target: >= 3x faster at
  <= the peer's peak memory. Issue size 1e6 prompts (1.1e8 output pairs, ~9 GB of output alone);
  the default here is smaller, the printed table says which size ran.
- ``bradley_terry``: 1e6 comparisons over 1,000 items (from a BT model) vs choix
  ``ilsr_pairwise`` and ``opt_pairwise``; both fit to tol 1e-8; strengths compared after
  centering (target >= 50x, equal to 1e-6).
- ``agreement``: Krippendorff's alpha, interval, R raters x U items, 95% missing, vs the
  ``krippendorff`` package on the same raters x items matrix (target >= 10x, equal to 1e-9).
- ``tally``: 1e7 comparisons over 100 groups and 50 items per group (target < 1 s); the
  pure-polars group-by is timed alongside for reference.

Every (case, implementation) runs in a fresh subprocess that builds the data (outside the
timing), warms up on a tiny input, resets the peak-RSS counter, then times best of k calls.
Peak memory = VmHWM during the first call minus VmRSS just before it (the extra memory the call
needs on top of its input), with the /proc helpers of ``benches/ratios.py``. With ``--ids``
all variants share one process, which first runs each case once on a small input (the process's
first call pays one-time costs, thread pool and allocator arenas, whichever variant makes it).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from ratios import _loadavg, _peak_kb, _reset_peak, _status_kb

R_RESPONSES, R_OBJECTIVES = 8, 4
OBJECTIVES = ["helpfulness", "harmlessness", "honesty", "concision"]


# --------------------------------------------------------------------------------------------
# data and implementations (shared with bench_prefs.py)
# --------------------------------------------------------------------------------------------


def ratings_data(n_prompts: int, seed: int = 0):
    """n_prompts x 8 responses x 4 objectives, grouped by (prompt, objective)."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    n = n_prompts * R_RESPONSES * R_OBJECTIVES
    pid = np.repeat(np.arange(n_prompts), R_RESPONSES * R_OBJECTIVES)
    obj = np.tile(np.repeat(np.arange(R_OBJECTIVES), R_RESPONSES), n_prompts)
    resp = np.tile(np.arange(R_RESPONSES), n_prompts * R_OBJECTIVES)
    p = pl.Series(pid).cast(pl.String)
    return pl.DataFrame(
        {
            "prompt_id": "p" + p,
            "response_id": "p" + p + "-r" + pl.Series(resp).cast(pl.String),
            "objective": pl.Series(np.array(OBJECTIVES)[obj]),
            "score": rng.integers(0, 5, n).astype(np.float64),
        }
    )


def polars_pairs(df):
    """Pure-polars ratings_to_pairs(by=[prompt_id, objective], ties="drop")."""
    import polars as pl

    key = ["prompt_id", "objective"]
    d = df.lazy().with_columns(pl.int_range(pl.len()).over(key).alias("_k"))
    j = d.join(d, on=key, suffix="_r").filter(
        (pl.col("_k") < pl.col("_k_r")) & (pl.col("score") != pl.col("score_r"))
    )
    a = pl.col("score") > pl.col("score_r")
    return j.select(
        *key,
        pl.when(a)
        .then(pl.col("response_id"))
        .otherwise(pl.col("response_id_r"))
        .alias("chosen_id"),
        pl.when(a)
        .then(pl.col("response_id_r"))
        .otherwise(pl.col("response_id"))
        .alias("rejected_id"),
        pl.lit(False).alias("tie"),
        pl.lit(1.0).alias("weight"),
        (pl.col("score") - pl.col("score_r")).abs().alias("margin"),
    ).collect()


def bt_data(n_cmp: int, n_items: int, seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    theta = rng.normal(0, 1, n_items)
    a = rng.integers(0, n_items, n_cmp)
    b = (a + rng.integers(1, n_items, n_cmp)) % n_items
    p = 1 / (1 + np.exp(theta[b] - theta[a]))
    win = rng.random(n_cmp) < p
    return np.where(win, a, b), np.where(win, b, a)


def kripp_data(raters: int, items: int, missing: float = 0.95, seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, size=(raters, items)).astype(np.float64)
    x[rng.random((raters, items)) < missing] = np.nan
    return x


def tally_data(n: int, groups: int = 100, items: int = 50, seed: int = 0):
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    a = rng.integers(0, items, n)
    b = (a + rng.integers(1, items, n)) % items
    return pl.DataFrame(
        {
            "group": rng.integers(0, groups, n),
            "chosen_id": a,
            "rejected_id": b,
            "tie": rng.random(n) < 0.1,
            "weight": np.ones(n),
        }
    )


def polars_tally(df):
    import polars as pl

    lo = pl.min_horizontal("chosen_id", "rejected_id").alias("item_a")
    hi = pl.max_horizontal("chosen_id", "rejected_id").alias("item_b")
    a_won = (pl.col("chosen_id") < pl.col("rejected_id")) & ~pl.col("tie")
    b_won = (pl.col("chosen_id") > pl.col("rejected_id")) & ~pl.col("tie")
    return (
        df.lazy()
        .group_by("group", lo, hi)
        .agg(
            a_won.sum().alias("wins_a"),
            b_won.sum().alias("wins_b"),
            pl.col("tie").sum().alias("ties"),
            pl.col("weight").filter(a_won).sum().alias("weight_a"),
            pl.col("weight").filter(b_won).sum().alias("weight_b"),
            pl.col("weight").filter(pl.col("tie")).sum().alias("weight_ties"),
        )
        .collect()
    )


def make(task: str, impl: str, size: dict, threads=None):
    """(fn, input_bytes, summarize) for one task and implementation at a size."""
    import numpy as np
    import polars as pl

    if task == "r2p":
        df = ratings_data(size["prompts"])
        nbytes = df.estimated_size()
        if impl == "pluralign":
            from pluralign.prefs import ratings_to_pairs

            return (
                lambda: ratings_to_pairs(df, by=["prompt_id", "objective"], threads=threads),
                nbytes,
                lambda r: {"rows": r[0].height, "margin": float(r[0]["margin"].sum())},
            )
        return (
            lambda: polars_pairs(df),
            nbytes,
            lambda r: {"rows": r.height, "margin": float(r["margin"].sum())},
        )
    if task == "bt":
        w, lo = bt_data(size["cmp"], size["items"])
        n = size["items"]
        if impl.startswith("pluralign"):
            from pluralign.stats import bradley_terry

            df = pl.DataFrame({"chosen_id": w, "rejected_id": lo})
            if impl in ("pluralign-str", "pluralign-cat"):  # the ids real data has: strings
                names = np.array([f"model-{i:06d}-{(i * 7919) % 100003:x}" for i in range(n)])
                df = pl.DataFrame({"chosen_id": names[w], "rejected_id": names[lo]})
                if impl == "pluralign-cat":
                    df = df.with_columns(pl.all().cast(pl.Categorical))
            se = impl == "pluralign+se"
            return (
                lambda: bradley_terry(df, tol=1e-8, standard_errors=se, threads=threads),
                df.estimated_size(),
                lambda r: {"theta": (r["strength"] - r["strength"].mean()).to_list()},
            )
        import choix

        data = list(zip(w.tolist(), lo.tolist(), strict=True))
        f = choix.ilsr_pairwise if impl == "choix-ilsr" else choix.opt_pairwise
        kw = {"tol": 1e-8}
        return (
            lambda: f(n, data, **kw),
            w.nbytes + lo.nbytes,
            lambda r: {"theta": (np.asarray(r) - np.mean(r)).tolist()},
        )
    if task == "kripp":
        x = kripp_data(size["raters"], size["items"])
        if impl == "pluralign":
            from pluralign.stats import agreement

            return (
                lambda: agreement(x, "krippendorff", "interval", threads=threads),
                x.nbytes,
                lambda r: {"alpha": r.value},
            )
        if impl == "pluralign-long":
            from pluralign.stats import agreement

            r_, u_ = np.nonzero(~np.isnan(x))
            df = pl.DataFrame({"annotator_id": r_, "item": u_, "value": x[r_, u_]})
            del r_, u_
            return (
                lambda: agreement(df, "krippendorff", "interval", threads=threads),
                df.estimated_size(),
                lambda r: {"alpha": r.value},
            )
        import krippendorff

        return (
            lambda: krippendorff.alpha(x, level_of_measurement="interval"),
            x.nbytes,
            lambda r: {"alpha": float(r)},
        )
    if task == "tally":
        df = tally_data(size["cmp"])
        if impl == "pluralign":
            from pluralign.prefs import tally

            return (
                lambda: tally(df, groups="group", threads=threads),
                df.estimated_size(),
                lambda r: {"pairs": len(r), "ties": int(r.finalize()["ties"].sum())},
            )
        return (
            lambda: polars_tally(df),
            df.estimated_size(),
            lambda r: {"pairs": r.height, "ties": int(r["ties"].sum())},
        )
    raise ValueError(task)


TINY = {
    "r2p": {"prompts": 50},
    "bt": {"cmp": 2000, "items": 20},
    "kripp": {"raters": 100, "items": 50},
    "tally": {"cmp": 1000},
}


# --------------------------------------------------------------------------------------------
# id types, in one process: integer vs string vs Categorical vs Enum ids on the same data
# --------------------------------------------------------------------------------------------


# how integer ids become text (--id-form): "prefixed" = prefix + number (8-14 bytes: held whole
# by a view), "md5" = 32-byte hex digests (content hashes), "uuid" = 36-byte uuids (response ids)
ID_FORM = "prefixed"
# how equal text ids sit in memory (--id-layout): "shared" = equal values at the same bytes (as
# polars builds a column from a mapping, a join or Parquet's dictionary pages: the view of a row
# is the view of its value), "own" = every row its own copy of its bytes (as from CSV or a
# Python list)
ID_LAYOUT = "shared"


def _id_text(ids, prefix: str):
    """The text of each of the (distinct) integer ids, in the form of ``ID_FORM``."""
    import hashlib
    import uuid

    digest = [hashlib.md5(f"{prefix}{i}".encode()).digest() for i in ids.tolist()]
    if ID_FORM == "md5":
        return [d.hex() for d in digest]
    return [str(uuid.UUID(bytes=d)) for d in digest]


def _nbytes(df) -> int:
    """The memory a frame's columns hold. polars' ``estimated_size`` counts a String column's
    bytes, not its 16-byte views (1e6 short ids: 4.6 MB estimated, 16 MB held), so text columns
    are measured from their Arrow buffers (string_view, as polars keeps them)."""
    import polars as pl

    total = 0
    for c in df.iter_columns() if isinstance(df, pl.DataFrame) else [df]:
        if c.dtype in (pl.String, pl.Binary):
            a = c.to_arrow(compat_level=pl.CompatLevel.newest())
            chunks = getattr(a, "chunks", [a])
            total += sum(b.size for ch in chunks for b in ch.buffers() if b is not None)
        else:
            total += c.estimated_size()
    return total


def _id_variants(df, cols, prefix: str):
    """The frame with integer ids and the same ids as String, Categorical and Enum."""
    import polars as pl

    if ID_FORM == "prefixed":
        s = df.with_columns([(pl.lit(prefix) + pl.col(c).cast(pl.String)).alias(c) for c in cols])
    else:
        distinct = pl.concat([df[c] for c in cols]).unique().to_numpy()
        text = _id_text(distinct, prefix)
        s = df.with_columns(
            [pl.col(c).replace_strict(distinct, text, return_dtype=pl.String) for c in cols]
        )
    if ID_LAYOUT == "own" and ID_FORM != "prefixed":
        # rebuilt from Python strings: each row's bytes copied into the new column
        s = s.with_columns([pl.Series(c, s[c].to_list(), dtype=pl.String) for c in cols])
    values = pl.concat([s[c] for c in cols]).unique().sort()
    return {
        "int": df,
        "str": s,
        "cat": s.with_columns([pl.col(c).cast(pl.Categorical) for c in cols]),
        "enum": s.with_columns([pl.col(c).cast(pl.Enum(values)) for c in cols]),
    }


def ids_cases(n: int, threads, want: str | None = None):
    """(case, {variant: (fn, input_bytes)}) for the four id-heavy calls (only the one whose
    label starts with ``want`` when given: the others' data is not built)."""
    import numpy as np

    rng = np.random.default_rng(0)  # the Pareto case's (the only one drawing from it)
    out = []
    if want in (None, "bradley_terry"):
        out += _bt_case(n, threads)
    if want in (None, "tally"):
        out += _tally_case(n, threads)
    if want in (None, "agreement"):
        out += _agreement_case(n, threads)
    if want in (None, "pareto.ranks"):
        out += _pareto_case(n, threads, rng)
    return out


def _bt_case(n: int, threads):
    import choix
    import polars as pl
    from pluralign.stats import bradley_terry

    w, lo = bt_data(n, 1000)
    bt = _id_variants(
        pl.DataFrame({"chosen_id": w, "rejected_id": lo}), ["chosen_id", "rejected_id"], "model-"
    )
    out = [
        (
            f"bradley_terry {n:,} cmp, 1,000 items",
            {
                k: (
                    lambda d=d: bradley_terry(d, tol=1e-8, standard_errors=False, threads=threads),
                    _nbytes(d),
                )
                for k, d in bt.items()
            },
        )
    ]
    data = list(zip(w.tolist(), lo.tolist(), strict=True))
    out[0][1]["choix-ilsr"] = (
        lambda: choix.ilsr_pairwise(1000, data, tol=1e-8),
        w.nbytes + lo.nbytes,
    )
    return out


def _tally_case(n: int, threads):
    from pluralign.prefs import tally

    ta = tally_data(n)
    tv = _id_variants(ta, ["group", "chosen_id", "rejected_id"], "id-")
    return [
        (
            f"tally {n:,} cmp, 100 groups x 50 items",
            {
                k: (lambda d=d: tally(d, groups="group", threads=threads), _nbytes(d))
                for k, d in tv.items()
            },
        )
    ]


def _agreement_case(n: int, threads):
    import numpy as np
    import polars as pl
    from pluralign.stats import agreement

    x = kripp_data(1000, n // 50)  # 5% of 1000 x n/50 cells rated: ~n ratings
    r_, u_ = np.nonzero(~np.isnan(x))
    ag = _id_variants(
        pl.DataFrame({"annotator_id": r_, "item": u_, "value": x[r_, u_]}),
        ["annotator_id", "item"],
        "u-",
    )
    return [
        (
            f"agreement (alpha, interval) {len(r_):,} ratings",
            {
                k: (
                    lambda d=d: agreement(d, "krippendorff", "interval", threads=threads),
                    _nbytes(d),
                )
                for k, d in ag.items()
            },
        )
    ]


def _pareto_case(n: int, threads, rng):
    import polars as pl
    from pluralign import pareto

    g = n // 8
    pts = pl.DataFrame(
        {"prompt_id": rng.integers(0, g, n), **{f"o{j}": rng.random(n) for j in range(3)}}
    )
    pv = _id_variants(pts, ["prompt_id"], "prompt-")
    return [
        (
            f"pareto.ranks groups= {n:,} rows, {g:,} prompts (shuffled), 3 objectives",
            {
                k: (
                    lambda d=d: pareto.ranks(
                        d, groups="prompt_id", objectives=["o0", "o1", "o2"], threads=threads
                    ),
                    _nbytes(d),
                )
                for k, d in pv.items()
            },
        )
    ]


def _nested_variants(df, col: str, prefix: str):
    """The frame with a list[list[int]] id column and the same ids as String, Categorical, Enum."""
    import polars as pl

    el = pl.element().list.eval(pl.lit(prefix) + pl.element().cast(pl.String))
    s = df.with_columns(pl.col(col).list.eval(el))
    values = s[col].explode().explode().unique().sort()
    return {
        "int": df,
        "str": s,
        "cat": s.with_columns(pl.col(col).cast(pl.List(pl.List(pl.Categorical)))),
        "enum": s.with_columns(pl.col(col).cast(pl.List(pl.List(pl.Enum(values))))),
    }


def ids_cases_more(n: int, threads):
    """(case, {variant: (fn, input_bytes)}) for disagreement, ratings_to_pairs and the Profile
    builders (the other users of the shared id factorizer)."""
    import numpy as np
    import polars as pl
    from pluralign.choice import ApprovalProfile, Profile
    from pluralign.prefs import ratings_to_pairs
    from pluralign.stats import disagreement

    rng = np.random.default_rng(1)
    out = []
    votes = pl.DataFrame(
        {
            "statement_id": rng.integers(0, n // 100, n),
            "group": rng.integers(0, 8, n),
            "vote": rng.integers(-1, 2, n),
        }
    )
    dv = _id_variants(votes, ["statement_id", "group"], "s-")
    out.append(
        (
            f"disagreement groups= {n:,} votes, {n // 100:,} statements, 8 groups",
            {
                k: (
                    lambda d=d: disagreement(d, "statement_id", "group", label="vote"),
                    _nbytes(d),
                )
                for k, d in dv.items()
            },
        )
    )
    g = n // 8  # 8 responses per prompt, rows shuffled (grouping is needed)
    perm = rng.permutation(n)
    ratings = pl.DataFrame(
        {
            "prompt_id": np.repeat(np.arange(g), 8)[perm],
            "response_id": np.arange(n)[perm],
            "score": rng.integers(0, 5, n).astype(np.float64),
        }
    )
    rv = _id_variants(ratings, ["prompt_id", "response_id"], "p-")
    out.append(
        (
            f"ratings_to_pairs {n:,} ratings, {g:,} prompts x 8 (shuffled)",
            {
                k: (
                    lambda d=d: ratings_to_pairs(d, "prompt_id", threads=threads),
                    _nbytes(d),
                )
                for k, d in rv.items()
            },
        )
    )
    w, lo = bt_data(n, 1000)
    cv = _id_variants(
        pl.DataFrame({"chosen_id": w, "rejected_id": lo}), ["chosen_id", "rejected_id"], "m-"
    )
    out.append(
        (
            f"Profile.from_comparisons {n:,} cmp, 1,000 candidates",
            {k: (lambda d=d: Profile.from_comparisons(d), _nbytes(d)) for k, d in cv.items()},
        )
    )
    b = n // 4  # ballots ranking 4 of 50 candidates as [[a], [b, c], [d]]: n ids in all
    c = np.argsort(rng.random((b, 50)), axis=1)[:, :4]
    ranking = pl.Series(
        "ranking",
        [[[x[0]], [x[1], x[2]], [x[3]]] for x in c.tolist()],
        dtype=pl.List(pl.List(pl.Int64)),
    )
    ballots = pl.DataFrame({"ranking": ranking, "group": rng.integers(0, 100, b)})
    pv = _nested_variants(ballots, "ranking", "c-")
    out.append(
        (
            f"Profile.from_rankings {b:,} ballots, {n:,} ids, 50 candidates",
            {
                k: (lambda d=d: Profile.from_rankings(d, threads=threads), _nbytes(d))
                for k, d in pv.items()
            },
        )
    )
    groups = _id_variants(ballots.select("group"), ["group"], "g-")
    gv = {k: d.with_columns(groups[k]["group"]) for k, d in pv.items()}
    out.append(
        (
            f"Profile.by {b:,} ballots, 100 groups",
            {
                k: (lambda d=d: Profile.by(d, "group", threads=threads), _nbytes(d))
                for k, d in gv.items()
            },
        )
    )
    # approval sets of 0-7 of 50 candidates (about 0.9 n ids) as a list Series
    lens = rng.integers(0, 8, b)
    top = np.argsort(rng.random((b, 50)), axis=1)[:, :7].tolist()
    sets = pl.Series("a", [t[:k] for t, k in zip(top, lens.tolist(), strict=True)])
    text = sets.list.eval(pl.lit("c-") + pl.element().cast(pl.String))
    values = text.explode().drop_nulls().unique().sort()
    av = {
        "int": sets,
        "str": text,
        "cat": text.cast(pl.List(pl.Categorical)),
        "enum": text.cast(pl.List(pl.Enum(values))),
    }
    out.append(
        (
            f"ApprovalProfile.from_sets {b:,} list Series, {int(lens.sum()):,} ids",
            {k: (lambda s=s: ApprovalProfile.from_sets(s), _nbytes(s)) for k, s in av.items()},
        )
    )
    return out


def ids_main(n: int, k: int, threads, cases: str = "all", only: str = "") -> None:
    import statistics

    print(
        f"# id types in one process — {platform.machine()}, {os.cpu_count()} cores, "
        f"threads={threads or 'all'}, load {_loadavg()}; {k} runs each, interleaved; "
        f"text ids: {ID_FORM}" + ("" if ID_FORM == "prefixed" else f", {ID_LAYOUT} bytes")
    )
    print()
    print("| case | ids | min s | median s | min / int min | extra peak memory (input) |")
    print("|---|---|---|---|---|---|")
    todo = (ids_cases(n, threads) if cases in ("all", "core") else []) + (
        ids_cases_more(n, threads) if cases in ("all", "more") else []
    )
    names = [o for o in only.split(",") if o]
    for label, variants in todo:
        if names and not any(label.startswith(o) for o in names):
            continue
        times = {v: [] for v in variants}
        # peak memory: each variant in a fresh child process (in this one, pages earlier steps
        # freed and the first call's one-time costs blur VmHWM either way)
        mem = {
            v: run_child(
                {
                    "ids_mem": [label, v],
                    "n": n,
                    "threads": threads,
                    "cases": cases,
                    "form": ID_FORM,
                    "layout": ID_LAYOUT,
                },
                timeout=600,
            )
            for v in variants
        }
        # the id variants interleaved, so load changes hit every variant alike; the peer after
        # them (a call right after choix's seconds of Python ran 2-3x slower: it would always
        # be the integer variant's)
        for peer in (False, True):
            for _ in range(k):
                for v, (fn, _) in variants.items():
                    if (v == "choix-ilsr") != peer:
                        continue
                    t0 = time.perf_counter()
                    fn()
                    times[v].append(time.perf_counter() - t0)
        base = min(times["int"])
        for v, ts in times.items():
            ratio = min(ts) / base
            rel = (
                f"{ratio:.2f}x"
                if v != "choix-ilsr"
                else f"{ratio:.1f}x (int is {ratio:.0f}x faster)"
            )
            m = mem[v]
            peak = f"{fmt_mb(m['extra'])} ({fmt_mb(m['input'])})" if "extra" in m else m["error"]
            print(
                f"| {label} | {v} | {min(ts):.4f} | {statistics.median(ts):.4f} | {rel} | {peak} |"
            )
        sys.stdout.flush()


# --------------------------------------------------------------------------------------------
# child process
# --------------------------------------------------------------------------------------------


def _ids_mem_child(spec: dict) -> dict:
    """Extra peak memory of one variant of one --ids case, in this fresh process: the case is
    run once on a small input first (thread pool, allocator arenas), then once at full size."""
    global ID_FORM, ID_LAYOUT
    ID_FORM, ID_LAYOUT = spec["form"], spec["layout"]
    label, v = spec["ids_mem"]

    # labels carry the sizes: a case is known by its first word
    stem = label.split(" ")[0]
    core_stems = ("bradley_terry", "tally", "agreement", "pareto.ranks")

    def variant(n: int):
        if stem in core_stems:
            todo = ids_cases(n, spec["threads"], want=stem)
        else:
            todo = ids_cases_more(n, spec["threads"])
        return next(vs[v] for lab, vs in todo if lab.split(" ")[0] == stem)

    if v != "choix-ilsr":
        variant(100_000)[0]()
    fn, nbytes = variant(spec["n"])
    gc.collect()
    exact = _reset_peak()
    before = _status_kb("VmRSS") if exact else _peak_kb()
    fn()
    return {"extra": max(0, _peak_kb() - (before or 0)) * 1024, "input": nbytes}


def _child(spec: dict) -> dict:
    if "ids_mem" in spec:
        return _ids_mem_child(spec)
    task, impl = spec["task"], spec["impl"]
    make(task, impl, TINY[task], spec.get("threads"))[0]()  # warm-up
    fn, nbytes, summarize = make(task, impl, spec["size"], spec.get("threads"))
    gc.collect()
    exact = _reset_peak()
    before = _status_kb("VmRSS") if exact else _peak_kb()
    t0 = time.perf_counter()
    res = fn()
    times = [time.perf_counter() - t0]
    extra_kb = max(0, _peak_kb() - (before or 0))
    summary = summarize(res)
    del res
    while len(times) < spec["k"] and sum(times) + min(times) <= spec["budget"]:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {
        "times": times,
        "best": min(times),
        "input_bytes": int(nbytes),
        "extra_bytes": extra_kb * 1024,
        "summary": summary,
    }


def run_child(spec: dict, timeout: float) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", json.dumps(spec)]
    try:
        p = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    if p.returncode != 0:
        tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
        return {"error": f"exit {p.returncode}: " + " | ".join(tail)}
    return json.loads(p.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def fmt_s(t: float | None) -> str:
    if t is None:
        return "—"
    return f"{t:.4f}" if t < 10 else f"{t:.1f}"


def fmt_mb(b: int | None) -> str:
    return "—" if b is None else f"{b / 2**20:.0f} MB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--child")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--r2p-prompts", type=int, default=200_000)
    ap.add_argument("--bt-cmp", type=int, default=1_000_000)
    ap.add_argument("--bt-items", type=int, default=1000)
    ap.add_argument(
        "--opt-cmp",
        type=int,
        default=100_000,
        help="size for choix opt_pairwise (it is slow); ratio extrapolated linearly",
    )
    ap.add_argument("--kripp-raters", type=int, default=1000)
    ap.add_argument("--kripp-items", type=int, default=100_000)
    ap.add_argument("--tally-cmp", type=int, default=10_000_000)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument(
        "--only",
        default="",
        help="comma-separated tasks: r2p,bt,kripp,tally (with --ids: case names such as "
        "bradley_terry,tally,agreement,pareto.ranks)",
    )
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--budget", type=float, default=30.0)
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument(
        "--ids",
        action="store_true",
        help="integer vs String / Categorical / Enum ids on the same data, in one "
        "process (bradley_terry with choix, tally, agreement, grouped Pareto ranks)",
    )
    ap.add_argument("--ids-rows", type=int, default=1_000_000)
    ap.add_argument(
        "--id-form",
        choices=["prefixed", "md5", "uuid"],
        default="prefixed",
        help="with --ids: the text ids of the core cases: prefix + number (8-14 bytes), "
        "32-byte md5 hex digests or 36-byte uuids (the 'more' cases keep prefixed ids)",
    )
    ap.add_argument(
        "--id-layout",
        choices=["shared", "own"],
        default="shared",
        help="with --id-form md5 / uuid: equal ids at the same bytes (from a mapping, a join, "
        "Parquet dictionary pages) or every row its own bytes (from CSV, Python lists)",
    )
    ap.add_argument(
        "--ids-cases",
        choices=["all", "core", "more"],
        default="all",
        help="with --ids: core = bradley_terry, tally, agreement, Pareto; more = disagreement, "
        "ratings_to_pairs, Profile / ApprovalProfile builders",
    )
    a = ap.parse_args(argv)
    if a.ids:
        global ID_FORM, ID_LAYOUT
        ID_FORM, ID_LAYOUT = a.id_form, a.id_layout
        ids_main(a.ids_rows // (10 if a.quick else 1), a.k, a.threads, a.ids_cases, a.only)
        return 0
    if a.child:
        print(json.dumps(_child(json.loads(a.child))))
        return 0
    q = 10 if a.quick else 1
    cases = [
        (
            "ratings_to_pairs",
            "r2p",
            {"prompts": a.r2p_prompts // q},
            ["pluralign", "polars-selfjoin"],
            f"{a.r2p_prompts // q:,} prompts x 8 x 4",
        ),
        (
            "bradley_terry",
            "bt",
            {"cmp": a.bt_cmp // q, "items": a.bt_items},
            ["pluralign", "pluralign-str", "pluralign-cat", "pluralign+se", "choix-ilsr"],
            f"{a.bt_cmp // q:,} cmp, {a.bt_items} items",
        ),
        (
            "bradley_terry (opt)",
            "bt",
            {"cmp": a.opt_cmp // q, "items": a.bt_items},
            ["pluralign", "choix-opt"],
            f"{a.opt_cmp // q:,} cmp, {a.bt_items} items",
        ),
        (
            "krippendorff interval",
            "kripp",
            {"raters": a.kripp_raters, "items": a.kripp_items // q},
            ["pluralign", "pluralign-long", "krippendorff"],
            f"{a.kripp_raters} raters x {a.kripp_items // q:,} items, 95% missing",
        ),
        (
            "tally",
            "tally",
            {"cmp": a.tally_cmp // q},
            ["pluralign", "polars-groupby"],
            f"{a.tally_cmp // q:,} cmp, 100 groups",
        ),
    ]
    print(
        f"# pluralign prefs/stats ratios — {platform.machine()}, {os.cpu_count()} cores, "
        f"threads={a.threads or 'all'}, load {_loadavg()}"
    )
    print()
    print(
        "| case | size | implementation | best s | extra peak memory | ratio (peer / pluralign) "
        "| check |"
    )
    print("|---|---|---|---|---|---|---|")
    only = {t for t in a.only.split(",") if t}
    for label, task, size, impls, size_text in cases:
        if only and task not in only:
            continue
        res = {}
        for impl in impls:
            spec = {
                "task": task,
                "impl": impl,
                "size": size,
                "threads": a.threads,
                "k": a.k,
                "budget": a.budget,
            }
            res[impl] = run_child(spec, a.timeout)
        base = res[impls[0]]
        for impl in impls:
            r = res[impl]
            if "error" in r:
                print(f"| {label} | {size_text} | {impl} | — | — | — | {r['error']} |")
                continue
            ratio = "—"
            check = ""
            if impl != impls[0] and "best" in base:
                ratio = f"{r['best'] / base['best']:.1f}x"
            if impl != impls[0] and "summary" in base:
                check = _check(task, base["summary"], r["summary"])
            elif impl == impls[0]:
                check = _describe(task, r["summary"])
            print(
                f"| {label} | {size_text} | {impl} | {fmt_s(r['best'])} | "
                f"{fmt_mb(r['extra_bytes'])} (input {fmt_mb(r['input_bytes'])}) | {ratio} | "
                f"{check} |"
            )
        sys.stdout.flush()
    return 0


def _describe(task: str, s: dict) -> str:
    if task == "r2p":
        return f"{s['rows']:,} pairs"
    if task == "kripp":
        return f"alpha = {s['alpha']:.12f}"
    if task == "tally":
        return f"{s['pairs']:,} (group, pair) rows"
    return ""


def _check(task: str, base: dict, peer: dict) -> str:
    if task == "bt":
        d = max(abs(x - y) for x, y in zip(base["theta"], peer["theta"], strict=True))
        return f"max |Δ strength| = {d:.1e}"
    if task == "kripp":
        return f"|Δ alpha| = {abs(base['alpha'] - peer['alpha']):.1e}"
    same = base == peer
    return "same output" if same else f"DIFFERENT: {base} vs {peer}"


if __name__ == "__main__":
    raise SystemExit(main())
