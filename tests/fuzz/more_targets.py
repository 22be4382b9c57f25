"""Fuzz targets of the families added after the first eight (issue 17): opinion groups and
consensus (``groups``), stakeholder assemblies and context profiles (``assembly``), reward
models (``reward``), scale-out states (``scale``) and the command line (``cli``).

Same contract as :func:`harness._targets`: a list of ``Target`` whose ``args`` draws valid
keyword arguments; the worker replaces exactly one of them with a fault. Calls stay cheap
(tiny tables, one-step training) so a 100k-call run finishes in minutes.
"""

from __future__ import annotations

import os
from typing import Any

FAMILIES = ("groups", "assembly", "reward", "scale", "cli")

# Faults for the command line: every argv item is a string, so the faults are strings too
# (numbers out of range, NaN, paths that are folders, missing, not gzip, empty, NUL, ...).
CLI_FAULTS = [
    "-1",
    "0",
    "nan",
    "inf",
    "1e400",
    "99999999999999999999",
    "",
    "x",
    "a\x00b",
    "é☃",
    "a" * 5000,
    ".",
    "missing.csv",
    "bad.csv.gz",
    "bad.jsonl.gz",
    "empty.csv",
    "empty.jsonl",
    "garbage.parquet",
    "notes.txt",
    "bom.jsonl",
    "wrong_cols.csv",
    "floatvotes.csv",
    "nanscores.csv",
    "strscores.csv",
    "dupcols.csv",
    "noperm.csv",
    "--help",
]


def _votes(draw: Any, st: Any, pl: Any, n_p: tuple[int, int] = (4, 16)) -> Any:
    n_p_, n_s = draw(st.integers(*n_p)), draw(st.integers(3, 6))
    rows = [(s, p, draw(st.sampled_from([-1, 0, 1]))) for p in range(n_p_) for s in range(n_s)]
    return pl.DataFrame(rows, schema=["statement_id", "participant_id", "vote"], orient="row")


def targets(family: str, Target: Any) -> list[Any]:
    import numpy as np
    import polars as pl
    from hypothesis import strategies as st

    if family == "groups":
        from pluralign import govern, prefs

        polis_dir = os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..", "data", "polis", "15-per-hour-seattle"
        )
        base_votes = pl.DataFrame(
            [
                (s, p, (1 if (p < 6) == (s < 3) else -1) if (p + s) % 5 else 0)
                for p in range(12)
                for s in range(6)
            ],
            schema=["statement_id", "participant_id", "vote"],
            orient="row",
        )
        groups_tbl = pl.DataFrame({"participant_id": list(range(12)), "group": [0] * 6 + [1] * 6})
        cons = govern.consensus(base_votes, groups_tbl)

        def og(draw: Any) -> dict[str, Any]:
            return {
                "votes": _votes(draw, st, pl),
                "k": draw(st.sampled_from([None, 2])),
                "seed": draw(st.integers(0, 5)),
                "n_init": draw(st.integers(1, 3)),
                "min_votes": draw(st.sampled_from([None, 1, 3])),
                "base_k": draw(st.integers(2, 20)),
                "k_margin": draw(st.floats(0, 0.1)),
                "row_order": draw(st.sampled_from(["time", "statement", "id"])),
                "threads": draw(st.sampled_from([None, 1])),
                "k_range": (2, draw(st.integers(2, 4))),
            }

        def ogk(draw: Any) -> dict[str, Any]:
            return {
                "votes": _votes(draw, st, pl),
                "method": "kmeans",
                "k": draw(st.sampled_from([None, 2])),
                "seed": draw(st.integers(0, 5)),
                "scale": draw(st.booleans()),
                "silhouette_sample": draw(st.integers(10, 100)),
                "kmeans_sample": draw(st.integers(10, 100)),
                "n_init": draw(st.integers(1, 3)),
            }

        def ogb(draw: Any) -> dict[str, Any]:
            return {
                "votes": _votes(draw, st, pl),
                "bootstrap": draw(st.integers(1, 2)),
                "in_conv": draw(st.sampled_from([None, [0, 1]])),
                "statements": pl.DataFrame(
                    {"statement_id": list(range(6)), "moderated": [1, -1, 0, 1, 1, 0]}
                ),
            }

        return [
            Target(
                "govern.opinion_groups",
                lambda a: govern.opinion_groups(**a),
                og,
                frozenset({"in_conv"}),
            ),
            Target("govern.opinion_groups[kmeans]", lambda a: govern.opinion_groups(**a), ogk),
            Target(
                "govern.opinion_groups[bootstrap]",
                lambda a: govern.opinion_groups(**a),
                ogb,
                frozenset({"in_conv"}),
            ),
            Target(
                "govern.consensus",
                lambda a: govern.consensus(**a),
                lambda d: {
                    "votes": base_votes,
                    "groups": groups_tbl,
                    "pseudocount": d(st.floats(0.1, 3)),
                    "group": "group",
                },
            ),
            Target(
                "govern.Consensus.top",
                lambda a: cons.top(**a),
                lambda d: {
                    "n": d(st.integers(1, 8)),
                    "by": d(st.sampled_from(["gic", "bridging"])),
                },
            ),
            Target(
                "govern.Consensus.representative",
                lambda a: cons.representative(**a),
                lambda d: {"group": d(st.sampled_from([0, 1])), "n": d(st.integers(1, 5))},
                frozenset({"group"}),
            ),
            Target(
                "govern.Consensus.polis_consensus",
                lambda a: cons.polis_consensus(**a),
                lambda d: {"n": d(st.integers(1, 5))},
            ),
            Target(
                "govern.Consensus.distinctive",
                lambda a: cons.distinctive(**a),
                lambda d: {
                    "group": d(st.sampled_from([0, 1])),
                    "n": d(st.integers(1, 5)),
                    "alpha": d(st.floats(0.01, 0.5)),
                },
                frozenset({"group"}),
            ),
            Target(
                "govern.adjusted_rand_index",
                lambda a: govern.adjusted_rand_index(**a),
                lambda d: {
                    "a": (x := d(st.lists(st.integers(0, 3), min_size=2, max_size=8))),
                    "b": d(st.permutations(x)),
                },
            ),
            Target(
                "govern.compare_rules",
                lambda a: govern.compare_rules(**a),
                lambda d: {
                    "votes": base_votes,
                    "k": d(st.integers(1, 4)),
                    "rules": d(st.sampled_from([("mes",), ("av", "pav")])),
                    "groups": groups_tbl,
                },
            ),
            Target(
                "prefs.read_polis",
                lambda a: prefs.read_polis(**a),
                lambda d: {"folder": polis_dir, "name": d(st.sampled_from([None, "x"]))},
            ),
        ]

    if family == "assembly":
        from pluralign.govern import Assembly, Context, aggregate_weights

        ctx = Context.builtin("medical_advice")
        objs = ctx.objective_names
        raw = ctx.model_dump()

        def ballot(draw: Any) -> dict[str, Any]:
            perm = draw(st.permutations(objs))
            return {
                "stakeholder": draw(st.sampled_from(["ann", "bo"])),
                "group": draw(st.sampled_from(list(ctx.groups.names))),
                "ranking": [[o] for o in perm],
                "scores": {o: draw(st.floats(0.1, 5)) for o in objs},
                "replace": True,
            }

        def submit(a: dict[str, Any]) -> Any:
            asm = Assembly(ctx)
            return asm.submit(**a)

        def decide(a: dict[str, Any]) -> Any:
            asm = Assembly(ctx)
            asm.submit(
                "ann", group="patients", ranking=[[o] for o in objs], scores={o: 1.0 for o in objs}
            )
            asm.submit(
                "bo",
                group="clinicians",
                ranking=[[o] for o in reversed(objs)],
                scores={objs[0]: 1.0},
            )
            return asm.decide(**a)

        def from_dict(a: dict[str, Any]) -> Any:
            return Context.from_dict(dict(a))

        def objective_field(a: dict[str, Any]) -> Any:
            # one objective's fields (name, direction, description...) carry the fault
            data = dict(raw)
            data["objectives"] = [dict(a)] + list(raw["objectives"][1:])
            return Context.from_dict(data)

        return [
            Target(
                "govern.Assembly",
                lambda a: Assembly(**a),
                lambda d: {"context": ctx, "group_weights": None, "ledger": None},
            ),
            Target("govern.Assembly.submit", submit, ballot),
            Target(
                "govern.Assembly.decide",
                decide,
                lambda d: {
                    "actor": d(st.sampled_from([None, "chair"])),
                    "order_rule": d(st.sampled_from([None, "schulze", "borda"])),
                    "weight_rule": d(st.sampled_from([None, "median", "mean", "nash"])),
                    "record_ballots": d(st.booleans()),
                },
            ),
            Target(
                "govern.aggregate_weights",
                lambda a: aggregate_weights(**a),
                lambda d: {
                    "scores": np.abs(
                        np.array(d(st.lists(st.floats(0.1, 3), min_size=6, max_size=6))).reshape(
                            2, 3
                        )
                    ),
                    "voter_weights": np.array([1.0, 2.0]),
                    "rule": d(st.sampled_from(["median", "mean", "nash"])),
                    "tol": d(st.sampled_from([1e-12, 1e-6])),
                    "max_iter": d(st.integers(1, 200)),
                },
            ),
            Target("govern.Context.from_dict", from_dict, lambda d: dict(raw)),
            Target(
                "govern.Context.from_dict[objective]",
                objective_field,
                lambda d: dict(raw["objectives"][0]),
            ),
            Target(
                "govern.Context.from_toml",
                lambda a: Context.from_toml(**a),
                lambda d: {"source": ctx.to_toml()},
            ),
            Target(
                "govern.Context.builtin",
                lambda a: Context.builtin(**a),
                lambda d: {"name": d(st.sampled_from(Context.builtin_names()))},
            ),
            Target(
                "govern.Context.with_weights",
                lambda a: ctx.with_weights(**a),
                lambda d: {
                    "values": {o: 1 / len(objs) for o in objs},
                    "decision": d(st.sampled_from([None, "d1"])),
                },
            ),
            Target(
                "govern.Context.objective",
                lambda a: ctx.objective(**a),
                lambda d: {"name": d(st.sampled_from(objs))},
            ),
        ]

    if family == "reward":
        import torch
        from pluralign import prefs
        from pluralign.reward import (
            ModelConfig,
            RewardModel,
            RewardTrainer,
            TrainConfig,
            evaluate,
            quick_fit,
        )

        torch.set_num_threads(1)
        ids = [f"r{i}" for i in range(8)]
        rng = np.random.default_rng(0)
        emb = (ids, rng.normal(size=(8, 4)))
        comps = pl.DataFrame(
            {
                "prompt_id": [f"p{i % 4}" for i in range(8)],
                "chosen_id": ids[:4] * 2,
                "rejected_id": ids[4:] * 2,
            }
        )
        model = RewardModel(ModelConfig(input_dim=4, hidden=[]))
        quiet = {"progress": False, "threads": 1, "epochs": 1, "batch_size": 8}
        # warm-up outside the timed calls: the first optimiser step imports torch._dynamo
        # (tens of seconds on a loaded machine), which would count as a hang
        RewardTrainer(RewardModel(ModelConfig(input_dim=4, hidden=[])), TrainConfig(**quiet)).fit(
            comps, emb
        )

        def mcfg(draw: Any) -> dict[str, Any]:
            return {
                "input_dim": draw(st.integers(1, 8)),
                "objectives": draw(st.sampled_from([["overall"], ["a", "b"]])),
                "hidden": draw(st.sampled_from([[], [4]])),
                "dropout": draw(st.floats(0, 0.5)),
                "groups": draw(st.sampled_from([[], ["g1", "g2"]])),
                "uncertainty": draw(st.sampled_from(["none", "gaussian"])),
                "gate": "none",
                "n_members": None,
            }

        def tcfg(draw: Any) -> dict[str, Any]:
            return {
                "lr": draw(st.floats(1e-4, 1e-1)),
                "weight_decay": draw(st.floats(0, 0.1)),
                "batch_size": draw(st.integers(1, 64)),
                "epochs": draw(st.integers(1, 3)),
                "steps": draw(st.sampled_from([None, 5])),
                "warmup_frac": draw(st.floats(0, 0.5)),
                "grad_clip": draw(st.floats(0.1, 2)),
                "eval_frac": draw(st.floats(0, 0.5)),
                "eval_every": None,
                "patience": draw(st.integers(1, 3)),
                "seed": draw(st.integers(0, 9)),
                "maxmin_temperature": None,
                "centering": draw(st.floats(0, 0.1)),
                "ratings_weight": draw(st.floats(0, 2)),
                "margin_column": None,
                "amp": "none",
                "device": "cpu",
                "progress": False,
                "threads": draw(st.sampled_from([None, 1])),
                "encoder_lr": draw(st.floats(1e-6, 1e-3)),
            }

        def fit(a: dict[str, Any]) -> Any:
            m = RewardModel(ModelConfig(input_dim=4, hidden=[]))
            return RewardTrainer(m, a.pop("config")).fit(**a)

        def ratings(draw: Any) -> dict[str, Any]:
            n = draw(st.integers(1, 4))
            return {
                "source": [
                    {"prompt": f"q{i}", "response": f"a{i}", "helpfulness": draw(st.floats(0, 5))}
                    for i in range(n)
                ],
                "format": "wide",
                "objectives": ["helpfulness"],
                "missing": "error",
            }

        def pairs(draw: Any) -> dict[str, Any]:
            n = draw(st.integers(1, 4))
            return {
                "source": [
                    {
                        "prompt": f"q{i}",
                        "chosen": f"c{i}",
                        "rejected": f"r{i}",
                        "margin": draw(st.floats(0, 2)),
                    }
                    for i in range(n)
                ],
                "objective": "overall",
                "dialogue": draw(st.sampled_from(["auto", "none"])),
                "response_ids": draw(st.sampled_from(["text", "prompt_text"])),
            }

        return [
            Target("reward.ModelConfig", lambda a: ModelConfig(**a), mcfg),
            Target("reward.TrainConfig", lambda a: TrainConfig(**a), tcfg),
            Target(
                "reward.RewardModel",
                lambda a: RewardModel(**a),
                lambda d: {"config": ModelConfig(input_dim=d(st.integers(1, 6)), hidden=[])},
            ),
            Target(
                "reward.RewardModel.score",
                lambda a: model.score(**a),
                lambda d: {"embeddings": rng.normal(size=(d(st.integers(1, 5)), 4)), "ids": None},
                frozenset({"ids"}),
            ),
            Target(
                "reward.RewardModel.predict",
                lambda a: model.predict(**a),
                lambda d: {
                    "embeddings": rng.normal(size=(3, 4)),
                    "batch_size": d(st.integers(1, 8)),
                },
            ),
            Target(
                "reward.RewardTrainer.fit",
                fit,
                lambda d: {
                    "comparisons": comps,
                    "embeddings": emb,
                    "config": TrainConfig(**quiet, seed=d(st.integers(0, 3))),
                },
            ),
            Target(
                "reward.evaluate",
                lambda a: evaluate(**a),
                lambda d: {
                    "model": model,
                    "comparisons": comps,
                    "embeddings": emb,
                    "n_bins": d(st.integers(1, 10)),
                },
            ),
            Target(
                "reward.quick_fit",
                lambda a: quick_fit(**a),
                lambda d: {
                    "comparisons": comps,
                    "embeddings": emb,
                    "test_frac": d(st.sampled_from([0.0, 0.25])),
                    "hidden": (),
                    "train": TrainConfig(**quiet),
                    "seed": d(st.integers(0, 3)),
                },
            ),
            Target("prefs.read_ratings", lambda a: prefs.read_ratings(**a), ratings),
            Target("prefs.read_pairs[options]", lambda a: prefs.read_pairs(**a), pairs),
        ]

    if family == "scale":
        from pluralign import scale
        from pluralign.scale import stream

        def comps(draw: Any) -> Any:
            n = draw(st.integers(1, 8))
            return pl.DataFrame(
                {
                    "group": [f"g{i % 2}" for i in range(n)],
                    "chosen_id": [f"a{i % 3}" for i in range(n)],
                    "rejected_id": [f"b{i % 2}" for i in range(n)],
                    "weight": [1.0 + i for i in range(n)],
                }
            )

        def scores(draw: Any) -> Any:
            n = draw(st.integers(1, 8))
            return pl.DataFrame(
                {
                    "prompt_id": [i % 2 for i in range(n)],
                    "a": draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)),
                    "b": draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)),
                }
            )

        def tally(a: dict[str, Any]) -> Any:
            batch = a.pop("batch")
            return scale.TallyState(**a).update(batch).finalize()

        def bt(a: dict[str, Any]) -> Any:
            batch, l2 = a.pop("batch"), a.pop("l2")
            return scale.BradleyTerryState(**a).update(batch).finalize(l2=l2)

        def profile(a: dict[str, Any]) -> Any:
            batch = a.pop("batch")
            return scale.ProfileState(**a).update(batch).finalize()

        def votes(a: dict[str, Any]) -> Any:
            batch = a.pop("batch")
            return scale.VoteMatrixState(**a).update(batch).votes()

        def front(a: dict[str, Any]) -> Any:
            batch = a.pop("batch")
            return scale.ParetoFrontState(**a).update(batch).finalize()

        def roundtrip(a: dict[str, Any]) -> Any:
            return scale.state_from_bytes(a["data"])

        good_bytes = (
            scale.TallyState()
            .update(pl.DataFrame({"chosen_id": [1, 2], "rejected_id": [2, 1]}))
            .to_bytes()
        )

        return [
            Target(
                "scale.TallyState",
                tally,
                lambda d: {
                    "batch": comps(d),
                    "by": d(st.sampled_from([None, "group"])),
                    "weight": d(st.sampled_from([None, "weight"])),
                    "threads": d(st.sampled_from([None, 1])),
                },
            ),
            Target(
                "scale.BradleyTerryState",
                bt,
                lambda d: {
                    "batch": comps(d),
                    "by": d(st.sampled_from([None, "group"])),
                    "l2": d(st.floats(0.01, 1)),
                    "threads": None,
                },
            ),
            Target(
                "scale.ProfileState",
                profile,
                lambda d: {
                    "batch": comps(d),
                    "candidates": ["a0", "a1", "a2", "b0", "b1"],
                    "kind": "comparisons",
                },
                frozenset({"candidates"}),
            ),
            Target(
                "scale.VoteMatrixState",
                votes,
                lambda d: {"batch": _votes(d, st, pl, (1, 5)), "vote": "vote", "timestamp": None},
            ),
            Target(
                "scale.ParetoFrontState",
                front,
                lambda d: {
                    "batch": scores(d),
                    "objectives": ["a", "b"],
                    "by": d(st.sampled_from([None, "prompt_id"])),
                    "maximize": d(st.sampled_from([True, [True, False]])),
                },
            ),
            Target(
                "scale.state_from_bytes",
                roundtrip,
                lambda d: {
                    "data": d(
                        st.sampled_from(
                            [good_bytes, good_bytes[:-1], good_bytes[:5], good_bytes + b"x"]
                        )
                    )
                },
            ),
            Target(
                "scale.stream.aggregate",
                lambda a: stream.aggregate(**a).finalize(),
                lambda d: {
                    "source": comps(d).lazy(),
                    "state": scale.TallyState(),
                    "chunk_size": d(st.sampled_from([None, 1, 3])),
                },
            ),
            Target(
                "scale.merge_all",
                lambda a: scale.merge_all(**a).finalize(),
                lambda d: {
                    "states": [
                        scale.TallyState().update(comps(d)),
                        scale.TallyState().update(comps(d)),
                    ]
                },
            ),
            Target("scale.as_frame", lambda a: scale.as_frame(**a), lambda d: {"batch": comps(d)}),
            Target(
                "scale.group_codes",
                lambda a: scale.group_codes(**a),
                lambda d: {"df": comps(d), "by": ["group"]},
            ),
        ]

    if family == "cli":
        return _cli_targets(Target, st, pl)
    raise ValueError(f"unknown family {family!r}")


def _cli_files(pl: Any) -> None:
    """Write the valid input files (and the broken ones the faults name) into the worker's
    scratch folder (its cwd)."""
    import gzip
    import json

    rows = [
        {"prompt": f"q{i}", "chosen": f"good {i}", "rejected": f"bad {i}", "group": i % 2}
        for i in range(6)
    ]
    with open("pairs.jsonl", "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    pl.DataFrame(
        [
            (s, p, (1 if (p < 6) == (s < 3) else -1) if (p + s) % 5 else 0)
            for p in range(12)
            for s in range(6)
        ],
        schema=["statement_id", "participant_id", "vote"],
        orient="row",
    ).write_csv("votes.csv")
    pl.DataFrame(
        {
            "prompt_id": [0, 0, 1, 1],
            "helpfulness": [0.1, 0.9, 0.5, 0.4],
            "harmlessness": [0.9, 0.1, 0.5, 0.6],
            "honesty": [0.5, 0.5, 0.2, 0.8],
            "verbosity": [0.3, 0.6, 0.1, 0.9],
        }
    ).write_csv("scores.csv")
    pl.DataFrame(
        {
            "voter_id": [0, 1, 2],
            "ranking": [[["a"], ["b"], ["c"]], [["b"], ["a", "c"]], [["c"], ["a"], ["b"]]],
        }
    ).write_ndjson("rankings.jsonl")
    pl.DataFrame({"chosen_id": ["a", "b", "a"], "rejected_id": ["b", "c", "c"]}).write_csv(
        "comparisons.csv"
    )
    with open("bad.csv.gz", "wb") as f:
        f.write(b"prompt_id,a\n0,1\n")
    with open("bad.jsonl.gz", "wb") as f:
        f.write(gzip.compress(b'{"chosen": "a", "rejected": "b"}\n')[:-6])
    open("empty.csv", "w").close()
    open("empty.jsonl", "w").close()
    with open("garbage.parquet", "wb") as f:
        f.write(b"PAR1\x00\x01garbage")
    with open("notes.txt", "w") as f:
        f.write("hello\n")
    with open("bom.jsonl", "wb") as f:
        f.write(b'\xef\xbb\xbf{"chosen": "a", "rejected": "b"}\n')
    with open("wrong_cols.csv", "w") as f:
        f.write("foo,bar\n1,2\n")
    with open("floatvotes.csv", "w") as f:
        f.write("statement_id,participant_id,vote\n0,0,0.5\n1,0,1\n0,1,-1\n")
    with open("nanscores.csv", "w") as f:
        f.write("prompt_id,helpfulness,harmlessness,honesty\n0,NaN,0.1,0.2\n0,0.3,0.2,0.1\n")
    with open("strscores.csv", "w") as f:
        f.write("prompt_id,helpfulness,harmlessness,honesty\n0,high,0.1,0.2\n0,low,0.2,0.1\n")
    with open("dupcols.csv", "w") as f:
        f.write("a,a\n1,2\n")
    with open("noperm.csv", "w") as f:
        f.write("a,b\n1,2\n")
    os.chmod("noperm.csv", 0)


def _cli_targets(Target: Any, st: Any, pl: Any) -> list[Any]:
    import contextlib
    import io

    from pluralign.cli import main

    _cli_files(pl)

    def run(command: list[str], opts: dict[str, Any]) -> Any:
        argv = list(command)
        for k, v in opts.items():
            if k.startswith("_pos"):
                argv.append(v)
            elif v is True:
                argv.append(k)
            elif v is not None and v is not False:
                argv += [k, v]
        if any(not isinstance(x, str) for x in argv):
            raise TypeError("fault injected into the harness's own arguments")
        out, err = io.StringIO(), io.StringIO()
        code: Any = None
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as e:
                code = e.code
        msg = err.getvalue()
        if code in (0, None):
            return code
        lines = [ln for ln in msg.splitlines() if ln.strip()]
        if "Traceback" in msg or not lines or "error:" not in lines[-1]:
            # an unclean failure: show the last lines so the report names the leak
            raise CliLeak(f"exit {code}: {' | '.join(lines[-3:])[:300]}")
        from pluralign.errors import InputError

        raise InputError(lines[-1])  # a clean one-line error: the promised outcome

    def cmd(name: str, draw_opts: Any) -> Any:
        return Target(f"cli {name}", lambda a, n=name: run([n], a), draw_opts)

    return [
        cmd(
            "prepare",
            lambda d: {
                "_pos": "pairs.jsonl",
                "--kind": d(st.sampled_from(["auto", "pairs"])),
                "-o": d(st.sampled_from(["o.csv", "o.parquet", "o.jsonl"])),
                "--limit": d(st.sampled_from([None, "2"])),
            },
        ),
        cmd(
            "aggregate",
            lambda d: {
                "_pos": d(st.sampled_from(["rankings.jsonl", "comparisons.csv"])),
                "-o": "agg.csv",
                "--rules": d(st.sampled_from(["copeland", "minimax,copeland"])),
                "--l2": d(st.sampled_from(["0.01", "1"])),
                "--threads": d(st.sampled_from([None, "1"])),
            },
        ),
        cmd(
            "pareto",
            lambda d: {
                "_pos": "scores.csv",
                "-o": "front.csv",
                "--objectives": d(st.sampled_from([None, "helpfulness,honesty"])),
                "--minimize": d(st.sampled_from([None, "honesty"])),
                "--group": d(st.sampled_from([None, "prompt_id"])),
                "--nan": d(st.sampled_from(["error", "worst"])),
                "--threads": d(st.sampled_from([None, "1"])),
            },
        ),
        cmd(
            "edges",
            lambda d: {
                "_pos": "scores.csv",
                "-o": "edges.csv",
                "--context": d(st.sampled_from([None, "medical_advice"])),
                "--objectives": None,
            },
        ),
        cmd(
            "govern",
            lambda d: {
                "_pos": "votes.csv",
                "--out": "gov",
                "--k": d(st.sampled_from(["1", "3"])),
                "--rule": d(st.sampled_from(["mes", "av"])),
                "--groups": d(st.sampled_from([None, "2"])),
                "--seed": d(st.sampled_from(["0", "3"])),
                "--method": d(st.sampled_from(["polis", "kmeans"])),
                "--ledger": d(st.sampled_from([None, "led.sqlite"])),
            },
        ),
    ]


class CliLeak(Exception):
    """A CLI call that failed without a clean one-line error (a traceback, an empty message)."""
