"""Compare pluralign's Polis math with the Polis server's own output for one conversation.

    .venv/bin/python benches/polis_blob_parity.py MATH_BLOB.json VOTES.csv [COMMENTS.csv]

``MATH_BLOB.json`` is a Polis math result (the ``math_main`` JSON the server stores: ``in-conv``,
``pca``, ``base-clusters``, ``group-clusters``, ``repness``, ``consensus``). When it comes from a
*cold start* (all votes in one update, no earlier state), pluralign with
``row_order="statement"``, ``n_init=1``, ``k_margin=0`` runs the same computation and should
agree exactly; a production blob carries the conversation's history and agrees less (see
docs/govern.md). ``VOTES.csv`` is a Polis export (``timestamp, comment-id, voter-id, vote``, agree
= 1); ``COMMENTS.csv`` (``comment-id, moderated``) gives the moderation. Prints one line per
check.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import polars as pl


def load_votes(path: Path) -> pl.DataFrame:
    raw = pl.read_csv(path)
    return (
        raw.with_row_index("_r")
        .sort("timestamp", "_r")
        .unique(["comment-id", "voter-id"], keep="last", maintain_order=True)
        .select(
            pl.col("comment-id").alias("statement_id"),
            pl.col("voter-id").alias("participant_id"),
            pl.col("vote").cast(pl.Int8),
            pl.col("timestamp"),
        )
    )


def main() -> None:
    from pluralign.govern import adjusted_rand_index, consensus, opinion_groups

    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    blob = json.loads(Path(sys.argv[1]).read_text())
    votes = load_votes(Path(sys.argv[2]))
    statements = None
    if len(sys.argv) > 3:
        c = pl.read_csv(sys.argv[3])
        statements = c.select(
            pl.col("comment-id").alias("statement_id"), pl.col("moderated").cast(pl.Int8)
        )
    g = opinion_groups(votes, statements=statements, row_order="statement", n_init=1, k_margin=0.0)
    a = g.assignments
    clustered = a.filter(pl.col("clustered"))
    print("in-conv equal:", set(clustered["participant_id"].to_list()) == set(blob["in-conv"]))
    tids = blob["tids"]
    comps = np.array(blob["pca"]["comps"])
    kept = [t for t in tids if t in g.statements]
    idx = [g.statements.index(t) for t in kept]
    for j in range(2):
        ours, theirs = g.components[j, idx], comps[j, [tids.index(t) for t in kept]]
        cos = abs(ours @ theirs) / np.linalg.norm(ours) / np.linalg.norm(theirs)
        print(f"PCA component {j}: |cos| with Polis's = {cos:.8f}")
    bc = blob["base-clusters"]
    base = {
        p: (b, x, y)
        for b, mem, x, y in zip(bc["id"], bc["members"], bc["x"], bc["y"], strict=True)
        for p in mem
    }
    ob = dict(
        zip(clustered["participant_id"].to_list(), clustered["base_cluster"].to_list(), strict=True)
    )
    common = sorted(set(ob) & set(base))
    print(
        "base clusters: ARI",
        adjusted_rand_index([ob[p] for p in common], [base[p][0] for p in common]),
        "| same ids:",
        all(ob[p] == base[p][0] for p in common),
    )
    xy = dict(
        zip(
            a["participant_id"].to_list(),
            zip(a["x"].to_list(), a["y"].to_list(), strict=True),
            strict=True,
        )
    )
    gmap = {b: gc["id"] for gc in blob["group-clusters"] for b in gc["members"]}
    theirs_g = {p: gmap[base[p][0]] for p in base}
    ours_g = dict(
        zip(clustered["participant_id"].to_list(), clustered["group"].to_list(), strict=True)
    )
    cm = sorted(set(ours_g) & set(theirs_g))
    print(
        f"groups: k {g.k} (Polis {len(blob['group-clusters'])}), ARI",
        adjusted_rand_index([ours_g[p] for p in cm], [theirs_g[p] for p in cm]),
    )
    if all(len(m) == 1 for m in bc["members"]):  # one participant per base cluster: its place
        x = np.array([xy[p] for p in common])
        b = np.array([[base[p][1], base[p][2]] for p in common])
        s = np.sign((x * b).sum(axis=0))
        print("largest projection difference (signs aligned):", float(np.abs(x * s - b).max()))
    groups = pl.DataFrame(
        {"participant_id": list(theirs_g), "group": [theirs_g[p] for p in theirs_g]}
    )
    cons = consensus(votes, groups, statements=statements)
    for gid, rows in blob.get("repness", {}).items():
        ours = cons.representative(int(gid)).to_dicts()
        same = [
            (o["statement_id"], o["repful_for"], o["n_success"], o["n_trials"]) for o in ours
        ] == [(t["tid"], t["repful-for"], t["n-success"], t["n-trials"]) for t in rows]
        close = all(
            abs(o["repness"] - t["repness"]) < 1e-9
            and abs(o["repness_test"] - t["repness-test"]) < 1e-6
            for o, t in zip(ours, rows, strict=False)
        )
        print(f"repness group {gid}: same statements and order {same}, same values {close}")
    pc = cons.polis_consensus()
    for d in ("agree", "disagree"):
        ours = pc.filter(pl.col("direction") == d).to_dicts()
        theirs = blob.get("consensus", {}).get(d, [])
        print(
            f"consensus {d}:",
            [(o["statement_id"], o["n_success"]) for o in ours]
            == [(t["tid"], t["n-success"]) for t in theirs],
        )


if __name__ == "__main__":
    main()
