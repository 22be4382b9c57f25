"""The ``pluralign`` command line.

``pluralign demo`` runs the whole pipeline on data shipped with the package and writes an HTML
report; ``prepare``, ``aggregate``, ``pareto``, ``edges``, ``govern``, ``train`` and ``report``
do the steps one at a time on your own files (``.parquet``, ``.csv``, ``.jsonl``; ``.jsonl.gz``
in). Every subcommand has ``--help``.

User errors (bad files, columns, values, a feature this build lacks) exit with code 2 and a
one-line message naming the problem; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from . import __version__, pareto
from .errors import InputError, MissingDependencyError, PluralignError

__all__ = ["build_parser", "main", "read_table", "write_table"]

_TABLE_IN = ".parquet, .csv, .jsonl/.ndjson (optionally .gz)"


def read_table(path: str | Path) -> pl.DataFrame:
    """Read a table by its extension (parquet, csv, json lines, gzipped json lines);
    InputError for a missing file or an unknown extension."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"input file {path} does not exist")
    if p.is_dir():
        raise InputError(f"{path} is a folder; expected a table file ({_TABLE_IN})")
    name = p.name.lower()
    if name.endswith(".parquet"):
        return pl.read_parquet(p)
    if name.endswith(".csv"):
        return pl.read_csv(p)
    if name.endswith((".jsonl", ".ndjson")):
        return pl.read_ndjson(p)
    if name.endswith((".jsonl.gz", ".ndjson.gz")):
        import gzip

        with gzip.open(p, "rb") as f:
            return pl.read_ndjson(f.read())
    raise InputError(f"{path}: unknown file type; use {_TABLE_IN}")


def write_table(df: pl.DataFrame, path: str | Path) -> None:
    """Write a table by its extension (parquet, csv, jsonl); nested columns are JSON-encoded
    for csv. Parent folders are created."""
    p = Path(path)
    name = p.name.lower()
    if not name.endswith((".parquet", ".csv", ".jsonl", ".ndjson")):
        raise InputError(f"{path}: unknown output type; use .parquet, .csv or .jsonl")
    p.parent.mkdir(parents=True, exist_ok=True)
    if name.endswith(".parquet"):
        df.write_parquet(p)
    elif name.endswith(".csv"):
        nested = [c for c, t in df.schema.items() if t.is_nested()]
        if nested:
            df = df.with_columns(pl.col(c).map_elements(
                lambda v: json.dumps(v.to_list() if hasattr(v, "to_list") else v, default=str),
                return_dtype=pl.String) for c in nested)
        df.write_csv(p)
    else:
        df.write_ndjson(p)


def _api(module: str, name: str) -> Any:
    """``pluralign.<module>.<name>``, or MissingDependencyError saying this build lacks it."""
    try:
        return getattr(importlib.import_module(f"pluralign.{module}"), name)
    except (ImportError, AttributeError):
        raise MissingDependencyError(
            f"pluralign.{module}.{name} is not available in this build") from None


def _split(v: str | None) -> list[str] | None:
    return [x.strip() for x in v.split(",") if x.strip()] if v else None


def _out(args: argparse.Namespace, df: pl.DataFrame, what: str) -> None:
    if args.output:
        write_table(df, args.output)
        print(f"wrote {df.height} {what} to {args.output}")
    else:
        with pl.Config(tbl_rows=30, tbl_cols=12, fmt_str_lengths=60):
            print(df)


# ---------------------------------------------------------------------------------------------
# prepare


def _cmd_prepare(args: argparse.Namespace) -> int:
    src = Path(args.input)
    if not src.exists():
        raise InputError(f"input {args.input} does not exist")
    kind = args.kind
    if kind == "auto":
        kind = "polis" if src.is_dir() else "pairs"
    if kind == "polis":
        conv = _api("prefs", "read_polis")(src)
        out = conv.votes
        print(f"read Polis conversation {conv.name}: {out.height} votes by "
              f"{out.get_column('participant_id').n_unique()} participants on "
              f"{conv.statements.height} statements ({conv.superseded} superseded votes dropped: "
              "the latest vote counts)")
        if args.statements:
            write_table(conv.statements, args.statements)
            print(f"wrote {conv.statements.height} statements to {args.statements}")
        what = "votes"
    elif kind == "pairs":
        out = _api("prefs", "read_pairs")(src)
        what = "comparisons"
    elif kind == "ratings":
        out = _api("prefs", "read_ratings")(src)
        what = "ratings"
    else:
        out = _api("prefs", "read_rankings")(src)
        what = "rankings"
    if args.limit is not None:
        if args.limit < 1:
            raise InputError(f"--limit must be >= 1, got {args.limit}")
        n0 = out.height
        out = out.head(args.limit)
        if n0 > out.height:
            print(f"kept the first {out.height} of {n0} rows (--limit)")
    _out(args, out, what)
    return 0


# ---------------------------------------------------------------------------------------------
# aggregate

_RANKED = ("schulze", "ranked_pairs", "copeland", "minimax", "split_cycle", "borda", "plurality",
           "instant_runoff", "kemeny", "bradley_terry")
_PAIRWISE_OK = {"schulze", "ranked_pairs", "copeland", "minimax", "split_cycle", "bradley_terry"}


def _positions(ranking: list[frozenset] | None, cands: list[Any]) -> dict[Any, int | None]:
    if ranking is None:
        return dict.fromkeys(cands)
    pos: dict[Any, int | None] = {}
    k = 1
    for tier in ranking:
        for c in tier:
            pos[c] = k
        k += len(tier)
    return pos


def _cmd_aggregate(args: argparse.Namespace) -> int:
    from . import choice
    from .report.pipeline import votes_to_comparisons

    df = read_table(args.input)
    rules = _split(args.rules) or ["schulze", "ranked_pairs", "copeland", "minimax"]
    unknown = [r for r in rules if r not in _RANKED]
    if unknown:
        raise InputError(f"--rules: unknown rule(s) {unknown}; choose from {list(_RANKED)}")
    cols = set(df.columns)
    if {"statement_id", "participant_id", "vote"} <= cols:
        df = votes_to_comparisons(df)
        cols = set(df.columns)
        print(f"votes turned into {df.height} pairwise comparisons (agree > pass > disagree)")
    if "ranking" in cols:
        prof = choice.Profile.from_rankings(df, threads=args.threads)
        comps = None
    elif {"chosen_id", "rejected_id"} <= cols:
        prof = choice.Profile.from_comparisons(df)
        comps = df
        ballot_only = [r for r in rules if r not in _PAIRWISE_OK]
        if ballot_only:
            raise InputError(f"rules {ballot_only} need full ballots (a 'ranking' column); with "
                             f"pairwise comparisons use {sorted(_PAIRWISE_OK)}")
    else:
        raise InputError(f"{args.input}: need a rankings table (column 'ranking'), comparisons "
                         "(columns 'chosen_id', 'rejected_id') or votes ('statement_id', "
                         f"'participant_id', 'vote'); it has {sorted(cols)}")
    cands = prof.candidates
    table: dict[str, Any] = {"candidate": [str(c) for c in cands]}
    for r in rules:
        if r == "bradley_terry":
            if comps is None:
                raise InputError("bradley_terry needs pairwise comparisons, not rankings")
            bt = _api("stats", "bradley_terry")(comps, l2=args.l2)
            s = dict(zip(bt.get_column("item").to_list(), bt.get_column("strength").to_list()))
            order = sorted(cands, key=lambda c: (-s.get(c, -np.inf), str(c)))
            bt_pos = {c: i + 1 for i, c in enumerate(order)}
            table[f"{r}_rank"] = [bt_pos[c] for c in cands]
            table[f"{r}_score"] = [s.get(c) for c in cands]
            continue
        res = getattr(choice, r)(prof)
        pos = _positions(res.ranking, cands)
        table[f"{r}_rank"] = [pos.get(c) for c in cands]
        table[f"{r}_score"] = [res.scores.get(c) for c in cands]
    out = pl.DataFrame(table)
    first = f"{rules[0]}_rank"
    out = out.sort(first, nulls_last=True)
    if comps is not None:
        w = choice.condorcet_winner(prof)
        print(f"Condorcet winner: {w if w is not None else 'none (majority cycle)'}")
    _out(args, out, "candidates")
    return 0


# ---------------------------------------------------------------------------------------------
# pareto


def _cmd_pareto(args: argparse.Namespace) -> int:
    df = read_table(args.input)
    objectives = _split(args.objectives)
    if objectives is None:
        objectives = [c for c, t in df.schema.items() if t.is_numeric() and c != args.group]
    maximize: bool | list[bool] = True
    if args.minimize:
        mins = set(_split(args.minimize) or [])
        unknown = mins - set(objectives)
        if unknown:
            raise InputError(
                f"--minimize names column(s) {sorted(unknown)} that are not objectives {objectives}")
        maximize = [c not in mins for c in objectives]
    kw = {"maximize": maximize, "objectives": objectives, "nan": args.nan, "threads": args.threads}
    if args.group:
        r = pareto.ranks(df, groups=args.group, **kw)
    else:
        r = pareto.ranks(df, **kw)
    out = df.with_columns(pl.Series("pareto_rank", r), pl.Series("nondominated", r == 0))
    if args.output:
        write_table(out, args.output)
        print(f"wrote {out.height} rows with pareto_rank and nondominated to {args.output}")
    else:
        print(out)
    return 0


# ---------------------------------------------------------------------------------------------
# edges / train (APIs of pluralign.edge and pluralign.reward)


def _cmd_edges(args: argparse.Namespace) -> int:
    from .report import pipeline

    df = read_table(args.input)
    out = pipeline.edge_table(df, context=args.context, objectives=_split(args.objectives))
    _out(args, out, "rows with edge signals and arbiter decisions")
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from .report import pipeline

    df = read_table(args.input)
    summary = pipeline.train_reward(df, out=Path(args.out), epochs=args.epochs, seed=args.seed,
                                    groups=args.group, progress=not args.quiet)
    for k, v in summary.items():
        print(f"{k}: {v}")
    return 0


# ---------------------------------------------------------------------------------------------
# govern


def _cmd_govern(args: argparse.Namespace) -> int:
    from .report.pipeline import _read_polis_dir

    src = Path(args.input)
    if not src.exists():
        raise InputError(f"input {args.input} does not exist")
    statements = None
    if src.is_dir():
        votes, statements, _ = _read_polis_dir(src)
    else:
        votes = read_table(src)
    opinion_groups = _api("govern", "opinion_groups")
    consensus = _api("govern", "consensus")
    constitution = _api("govern", "constitution")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    g = opinion_groups(votes, args.groups, seed=args.seed, statements=statements,
                       method=args.method, bootstrap=args.bootstrap)
    write_table(g.assignments, out / "groups.parquet")
    print(f"opinion groups ({g.method}): k = {g.k} (silhouette {g.silhouette:.2f}), sizes "
          f"{g.sizes()}, {int(g.assignments['clustered'].sum())} clustered "
          f"-> {out / 'groups.parquet'}")
    if g.stability is not None:
        s = g.stability
        jac = ", ".join(f"{k}: {v:.2f}" for k, v in s.group_jaccard.items())
        shaky = int((g.assignments["stability"] < 0.6).sum())
        print(f"stability over {s.resamples} resamples: k {s.k_counts}, group Jaccard {{{jac}}}, "
              f"{shaky} participants in their group in < 60% of resamples")
    c = consensus(votes, g.table(), statements=statements)
    write_table(c.statements, out / "consensus.parquet")
    write_table(c.by_group, out / "consensus_by_group.parquet")
    top = c.top(5).get_column("statement_id").to_list()
    print(f"bridging consensus: top statements {top} -> {out / 'consensus.parquet'}")
    con = constitution(votes, args.k, args.rule, groups=g.table(), statements=statements)
    decision = {"rule": con.rule, "k": con.k, "chosen": con.chosen, "jr": con.jr, "ejr": con.ejr,
                "n_participants": con.n_participants, "source": str(src)}
    (out / "constitution.json").write_text(json.dumps(decision, default=str, indent=1) + "\n")
    write_table(con.coverage, out / "constitution_coverage.parquet")
    print(f"constitution ({con.rule}, k = {con.k}): {con.chosen}; JR {con.jr}, EJR {con.ejr} "
          f"-> {out / 'constitution.json'}")
    if args.ledger:
        Ledger = _api("govern", "Ledger")
        led = Ledger(args.ledger)
        e = led.append("constitution", decision, actor=args.actor)
        print(f"ledger {args.ledger}: entry {e.index}, hash {e.hash[:16]}…")
    return 0


# ---------------------------------------------------------------------------------------------
# report / demo


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import Report, write_html
    from .report.pipeline import PipelineConfig, run_pipeline

    if args.bundle:
        if args.votes or args.pairs:
            raise InputError("give either --bundle or --votes/--pairs, not both")
        rep = Report.from_json(Path(args.bundle)) if Path(args.bundle).exists() else None
        if rep is None:
            raise InputError(f"bundle {args.bundle} does not exist")
        path = write_html(rep, Path(args.out) / "report.html")
        print(f"report: {path}")
        return 0
    cfg = PipelineConfig(out=Path(args.out), polis=Path(args.votes) if args.votes else None,
                         pairs=Path(args.pairs) if args.pairs else None, n_pairs=args.limit,
                         train=not args.no_train, epochs=args.epochs, seed=args.seed,
                         min_votes=args.min_votes, committee_size=args.k,
                         progress=not args.quiet, debug=args.debug, threads=args.threads)
    res = run_pipeline(cfg)
    _summary(res)
    return 0


def _summary(res: Any) -> None:
    avail = [s for s in res.report.sections if s.key != "notes"]
    missing = [s for s in avail if not s.available]
    print(f"report: {res.html.resolve()}")
    print(f"sections: {len(avail) - len(missing)} of {len(avail)} available; tables and "
          f"report.json in {res.html.parent}")
    for s in missing:
        print(f"  not available: {s.title}: {s.missing}")


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    res = run_demo(args.out, n_pairs=args.pairs, train=not args.no_train, epochs=args.epochs,
                   progress=not args.quiet, debug=args.debug, threads=args.threads)
    for k, v in res.timings.items():
        print(f"  {k}: {v:.1f} s")
    _summary(res)
    return 0


# ---------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of the ``pluralign`` command (one subparser per step)."""
    ap = argparse.ArgumentParser(
        prog="pluralign",
        description="Pluralistic alignment toolkit: preference data, social choice, Pareto fronts, "
                    "reward models, edge cases and governance. Start with `pluralign demo`.")
    ap.add_argument("--version", action="version", version=f"pluralign {__version__}")
    ap.add_argument("--debug", action="store_true",
                    help="show the full traceback of an error instead of a one-line message")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    F = argparse.ArgumentDefaultsHelpFormatter

    d = sub.add_parser("demo", formatter_class=F,
                       help="run the whole pipeline on data shipped with the package",
                       description="Run every step on the shipped data (a Polis conversation and "
                                   "600 HH-RLHF pairs) and write a self-contained HTML report.")
    d.add_argument("--out", default="out/demo", help="folder for the report and tables")
    d.add_argument("--pairs", type=int, default=None,
                   help="use only the first N preference pairs (default: all 600)")
    d.add_argument("--no-train", action="store_true", help="skip training the reward models")
    d.add_argument("--epochs", type=int, default=2, help="reward model training epochs")
    d.add_argument("--threads", type=int, default=None, help="threads (default: all cores)")
    d.add_argument("--quiet", action="store_true", help="no progress bars")
    d.set_defaults(func=_cmd_demo)

    p = sub.add_parser("prepare", formatter_class=F,
                       help="convert a public format into a canonical table",
                       description="Read preference data (TRL/HH-RLHF pairs, ratings, rankings, a "
                                   "Polis export folder) and write the canonical table.")
    p.add_argument("input", help=f"a file ({_TABLE_IN}) or a Polis export folder")
    p.add_argument("-o", "--output", help="output table (.parquet, .csv, .jsonl); default: print")
    p.add_argument("--kind", choices=["auto", "pairs", "polis", "ratings", "rankings"],
                   default="auto", help="input kind; auto = polis for a folder, pairs for a file")
    p.add_argument("--statements", help="(polis) also write the statements table here")
    p.add_argument("--limit", type=int, default=None, help="keep only the first N rows")
    p.set_defaults(func=_cmd_prepare)

    a = sub.add_parser("aggregate", formatter_class=F,
                       help="rank candidates with several voting rules",
                       description="Aggregate rankings (column 'ranking'), pairwise comparisons "
                                   "('chosen_id', 'rejected_id') or Polis-like votes "
                                   "('statement_id', 'participant_id', 'vote') with social-choice "
                                   "rules; one row per candidate with each rule's rank and score.")
    a.add_argument("input", help=f"table ({_TABLE_IN})")
    a.add_argument("-o", "--output", help="output table; default: print")
    a.add_argument("--rules", default="schulze,ranked_pairs,copeland,minimax",
                   help=f"comma-separated rules from {', '.join(_RANKED)}")
    a.add_argument("--l2", type=float, default=0.01,
                   help="(bradley_terry) Gaussian prior precision on log-strengths")
    a.add_argument("--threads", type=int, default=None, help="threads (default: all cores)")
    a.set_defaults(func=_cmd_aggregate)

    q = sub.add_parser("pareto", formatter_class=F, help="Pareto ranks of the rows of a table",
                       description="Non-dominated sorting: adds pareto_rank (0 = on the front) "
                                   "and nondominated to every row.")
    q.add_argument("input", help="table with one numeric column per objective")
    q.add_argument("-o", "--output", help="where to write the table with pareto_rank / nondominated")
    q.add_argument("--objectives", help="comma-separated objective columns (default: all numeric)")
    q.add_argument("--minimize", help="comma-separated objectives to minimize (default: maximize all)")
    q.add_argument("--group", help="column whose values define independent groups (e.g. prompt_id)")
    q.add_argument("--nan", choices=["error", "worst"], default="error", help="what to do with NaN/inf")
    q.add_argument("--threads", type=int, default=None, help="threads to use (default: all cores)")
    q.set_defaults(func=_cmd_pareto)

    e = sub.add_parser("edges", formatter_class=F,
                       help="edge signals and arbiter decisions for scored candidates",
                       description="Score each row (a candidate answer with one column per "
                                   "objective, grouped by prompt_id) for conflict, disagreement "
                                   "and uncertainty, and let the arbiter decide answer / clarify / "
                                   "abstain / escalate, with the reason.")
    e.add_argument("input", help="scores table: prompt_id plus one numeric column per objective")
    e.add_argument("-o", "--output", help="output table; default: print")
    e.add_argument("--context", default=None,
                   help="context profile name (e.g. medical_advice) or a .toml file")
    e.add_argument("--objectives", help="comma-separated objective columns (default: the context's)")
    e.set_defaults(func=_cmd_edges)

    g = sub.add_parser("govern", formatter_class=F,
                       help="opinion groups, bridging consensus and a proportional constitution",
                       description="From participatory votes: find opinion groups, rank "
                                   "statements by group-informed consensus, choose k statements "
                                   "with a proportional rule and optionally record the decision "
                                   "in a tamper-evident ledger.")
    g.add_argument("input", help="a Polis export folder or a votes table "
                                 "(statement_id, participant_id, vote)")
    g.add_argument("--out", required=True, help="folder for groups, consensus and constitution")
    g.add_argument("--k", type=int, default=5, help="number of statements to choose")
    g.add_argument("--rule", choices=["mes", "phragmen", "pav", "av"], default="mes",
                   help="committee rule (mes = Method of Equal Shares)")
    g.add_argument("--groups", type=int, default=None,
                   help="number of opinion groups (default: chosen by silhouette)")
    g.add_argument("--seed", type=int, default=0, help="seed of the k-means restarts")
    g.add_argument("--method", choices=["polis", "kmeans"], default="polis",
                   help="polis = the Polis math; kmeans = k-means over all participants")
    g.add_argument("--bootstrap", type=int, default=0,
                   help="resamples for the stability of the groups (0 = off)")
    g.add_argument("--ledger", help="append the decision to this SQLite ledger file (created if missing)")
    g.add_argument("--actor", default="pluralign govern", help="who made the decision (ledger)")
    g.set_defaults(func=_cmd_govern)

    t = sub.add_parser("train", formatter_class=F,
                       help="train scalar and group-aware reward models (needs torch)",
                       description="Train reward models on comparisons (with text) on CPU with "
                                   "the bundled MiniLM encoder, and report per-group accuracy.")
    t.add_argument("input", help="comparisons table with prompt/chosen/rejected text")
    t.add_argument("--out", required=True, help="folder for the models and metrics")
    t.add_argument("--group", default=None, help="column naming each comparison's group")
    t.add_argument("--epochs", type=int, default=2, help="training epochs")
    t.add_argument("--seed", type=int, default=0, help="random seed")
    t.add_argument("--quiet", action="store_true", help="no progress bars")
    t.set_defaults(func=_cmd_train)

    r = sub.add_parser("report", formatter_class=F,
                       help="the HTML report on your own files",
                       description="Run the demo pipeline on your votes and/or preference pairs "
                                   "and write report.html (plus report.json and the tables), or "
                                   "re-render a saved report.json with --bundle.")
    r.add_argument("--votes", help="a Polis export folder or a votes table")
    r.add_argument("--pairs", help="preference pairs (chosen/rejected text; jsonl, parquet, csv)")
    r.add_argument("--bundle", help="a report.json written by an earlier run: render it again")
    r.add_argument("--out", default="out/report", help="output folder")
    r.add_argument("--limit", type=int, default=None, help="use only the first N pairs")
    r.add_argument("--min-votes", type=int, default=30,
                   help="drop statements with fewer votes than this")
    r.add_argument("--k", type=int, default=5, help="size of the proportional constitution")
    r.add_argument("--no-train", action="store_true", help="skip training the reward models")
    r.add_argument("--epochs", type=int, default=2, help="reward model training epochs")
    r.add_argument("--seed", type=int, default=0, help="random seed")
    r.add_argument("--threads", type=int, default=None, help="threads (default: all cores)")
    r.add_argument("--quiet", action="store_true", help="no progress bars")
    r.set_defaults(func=_cmd_report)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pluralign`` console script; returns the exit code."""
    ap = build_parser()
    args = ap.parse_args(argv)
    try:
        return int(args.func(args))
    except (PluralignError, pl.exceptions.PolarsError, OSError, json.JSONDecodeError) as e:
        if args.debug:
            raise
        text = str(e).strip()
        msg = text.splitlines()[0] if text else type(e).__name__
        print(f"pluralign {args.command}: error: {msg}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
