"""The ``pluralign`` command line.

``pluralign demo`` runs the whole pipeline on data shipped with the package and writes an HTML
report; ``prepare``, ``aggregate``, ``pareto``, ``edges``, ``govern``, ``train`` and ``report``
do the steps one at a time on your own files (:data:`pluralign.prefs.TABLE_FORMATS`). Every
subcommand has ``--help``.

One convention for all of them: ``-o/--output`` names the result (a table file, ``-`` for
standard output, or a folder for ``demo``, ``govern``, ``train`` and ``report``; ``--out`` is
its old name), ``-`` as an input table reads CSV from standard input, a table with no
``--output`` is printed as a readable table on a terminal and as CSV otherwise, and
``--quiet`` silences the notes (progress bars are shown only on a terminal anyway). Notes go to
standard error whenever the table itself goes to standard output.

User errors (bad files, columns, values, a feature this build lacks) exit with code 2 and a
one-line message naming the problem; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from . import __version__, choice, edge, govern, pareto, prefs, reward, stats
from .errors import InputError, PluralignError
from .prefs import TABLE_FORMATS as _TABLE_IN

__all__ = ["build_parser", "main"]


# names that moved to pluralign.prefs (kept one release)
_MOVED = ("read_table", "write_table")


def __getattr__(name: str) -> Any:
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(
        f"pluralign.cli.{name} is deprecated and will be removed in the next release; "
        f"use pluralign.prefs.{name}",
        DeprecationWarning,
        stacklevel=2,
    )
    return prefs.read_table if name == "read_table" else prefs.write_table


def _split(v: str | None) -> list[str] | None:
    return [x.strip() for x in v.split(",") if x.strip()] if v else None


def _note(args: argparse.Namespace, msg: str, *, result: bool = False) -> None:
    """A line for the reader: on stdout, unless the table itself goes there (then on stderr,
    so that ``pluralign aggregate x.csv | ...`` pipes clean CSV). ``--quiet`` drops the notes
    about the work (files read and written) but not the ``result`` lines."""
    if getattr(args, "quiet", False) and not result:
        return
    table_on_stdout = getattr(args, "table_on_stdout", False)
    print(msg, file=sys.stderr if table_on_stdout else sys.stdout)


def _progress(args: argparse.Namespace) -> bool:
    """Progress bars: on a terminal only, and not with ``--quiet``."""
    return not args.quiet and sys.stderr.isatty()


def _out(args: argparse.Namespace, df: pl.DataFrame, what: str) -> None:
    if args.output and args.output != "-":
        prefs.write_table(df, args.output)
        _note(args, f"wrote {df.height} {what} to {args.output}")
    elif args.output is None and sys.stdout.isatty():
        with pl.Config(tbl_rows=30, tbl_cols=12, fmt_str_lengths=60):
            print(df)
    else:  # piped, or `-o -`: the whole table as CSV
        prefs.write_table(df, "-")


def _input_table(args: argparse.Namespace, hint: str) -> pl.DataFrame:
    """The input table (``-`` = CSV on stdin); a folder is a Polis export (its votes)."""
    if args.input != "-" and Path(args.input).is_dir():
        conv = prefs.read_polis(Path(args.input))
        _note(args, f"read the votes of Polis conversation {conv.name} ({conv.votes.height} votes)")
        return conv.votes
    df = prefs.read_table(args.input)
    if (
        {"chosen", "rejected"} <= set(df.columns)
        and not {"chosen_id", "rejected_id"} & set(df.columns)
        and args.input != "-"
    ):
        # TRL-style text pairs: what `pluralign prepare --kind pairs` reads
        df = prefs.read_pairs(Path(args.input))
        _note(args, f"read {df.height} chosen/rejected text pairs as comparisons ({hint})")
    return df


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
        conv = prefs.read_polis(src)
        out = conv.votes
        _note(
            args,
            f"read Polis conversation {conv.name}: {out.height} votes by "
            f"{out.get_column('participant_id').n_unique()} participants on "
            f"{conv.statements.height} statements ({conv.superseded} superseded votes dropped: "
            "the latest vote counts)",
        )
        if args.statements:
            prefs.write_table(conv.statements, args.statements)
            _note(args, f"wrote {conv.statements.height} statements to {args.statements}")
        what = "votes"
    elif kind == "pairs":
        out = prefs.read_pairs(src)
        what = "comparisons"
    elif kind == "ratings":
        out = prefs.read_ratings(src)
        what = "ratings"
    else:
        out = prefs.read_rankings(src)
        what = "rankings"
    if args.limit is not None:
        if args.limit < 1:
            raise InputError(f"--limit must be >= 1, got {args.limit}")
        n0 = out.height
        out = out.head(args.limit)
        if n0 > out.height:
            _note(args, f"kept the first {out.height} of {n0} rows (--limit)")
    _out(args, out, what)
    return 0


# ---------------------------------------------------------------------------------------------
# aggregate

# rule name -> function of a Profile (bradley_terry fits the comparisons themselves)
_RULES: dict[str, Callable[..., Any]] = {
    "schulze": choice.schulze,
    "ranked_pairs": choice.ranked_pairs,
    "copeland": choice.copeland,
    "minimax": choice.minimax,
    "split_cycle": choice.split_cycle,
    "borda": choice.borda,
    "plurality": choice.plurality,
    "instant_runoff": choice.instant_runoff,
    "kemeny": choice.kemeny,
}
_RANKED = (*_RULES, "bradley_terry")
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


def _why_no_winner(prof: choice.Profile) -> str:
    """Why there is no Condorcet winner, said as what it is: a majority cycle among the top
    candidates (the Smith set), a tie, or candidates that were never compared."""
    cands = list(prof.candidates)
    sup = prof.support()
    top = sorted(cands.index(c) for c in choice.smith_set(prof))
    beats = {i: [j for j in top if sup[i, j] > sup[j, i]] for i in top}
    # a directed cycle of strict majorities inside the top set (depth-first search)
    state: dict[int, int] = {}
    path: list[int] = []

    def cycle_from(i: int) -> list[int] | None:
        state[i] = 1
        path.append(i)
        for j in beats[i]:
            if state.get(j) == 1:
                return path[path.index(j) :] + [j]
            if j not in state:
                found = cycle_from(j)
                if found:
                    return found
        path.pop()
        state[i] = 2
        return None

    for i in top:
        if i not in state:
            cyc = cycle_from(i)
            if cyc:
                return "none (majority cycle: " + " > ".join(str(cands[k]) for k in cyc) + ")"
    ties = [(a, b) for n, a in enumerate(top) for b in top[n + 1 :] if sup[a, b] == sup[b, a]]
    unseen = [(a, b) for a, b in ties if sup[a, b] == 0]
    parts = []
    if len(ties) > len(unseen):
        parts.append(
            "tie between "
            + ", ".join(f"{cands[a]} and {cands[b]}" for a, b in ties if (a, b) not in unseen)
        )
    if unseen:
        parts.append(
            "never compared: " + ", ".join(f"{cands[a]} and {cands[b]}" for a, b in unseen)
        )
    return f"none ({'; '.join(parts)})"


def _cmd_aggregate(args: argparse.Namespace) -> int:
    df = _input_table(args, "as `pluralign prepare --kind pairs` would")
    rules = _split(args.rules) or ["schulze", "ranked_pairs", "copeland", "minimax"]
    unknown = [r for r in rules if r not in _RANKED]
    if unknown:
        raise InputError(f"--rules: unknown rule(s) {unknown}; choose from {list(_RANKED)}")
    cols = set(df.columns)
    if {"statement_id", "participant_id", "vote"} <= cols:
        df = prefs.votes_to_comparisons(df)
        cols = set(df.columns)
        _note(args, f"votes turned into {df.height} pairwise comparisons (agree > pass > disagree)")
    if "ranking" in cols:
        prof = choice.Profile.from_rankings(df, threads=args.threads)
        comps = None
    elif {"chosen_id", "rejected_id"} <= cols:
        prof = choice.Profile.from_comparisons(df)
        comps = df
        ballot_only = [r for r in rules if r not in _PAIRWISE_OK]
        if ballot_only:
            raise InputError(
                f"rules {ballot_only} need full ballots (a 'ranking' column); with "
                f"pairwise comparisons use {sorted(_PAIRWISE_OK)}"
            )
    else:
        raise InputError(
            f"{args.input}: need a rankings table (column 'ranking'), comparisons "
            "(columns 'chosen_id', 'rejected_id'), chosen/rejected text pairs, "
            "votes ('statement_id', 'participant_id', 'vote') or a Polis export "
            f"folder; it has {sorted(cols)}. For ratings or text rankings run "
            f"`pluralign prepare {args.input} --kind ratings|rankings -o "
            "table.parquet` first"
        )
    cands = prof.candidates
    table: dict[str, Any] = {"candidate": [str(c) for c in cands]}
    for r in rules:
        if r == "bradley_terry":
            if comps is None:
                raise InputError("bradley_terry needs pairwise comparisons, not rankings")
            bt = stats.bradley_terry(comps, l2=args.l2)
            s = dict(zip(bt.get_column("item").to_list(), bt.get_column("strength").to_list()))
            order = sorted(cands, key=lambda c: (-s.get(c, -np.inf), str(c)))
            bt_pos = {c: i + 1 for i, c in enumerate(order)}
            table[f"{r}_rank"] = [bt_pos[c] for c in cands]
            table[f"{r}_score"] = [s.get(c) for c in cands]
            continue
        res = _RULES[r](prof)
        pos = _positions(res.ranking, cands)
        table[f"{r}_rank"] = [pos.get(c) for c in cands]
        table[f"{r}_score"] = [res.scores.get(c) for c in cands]
    out = pl.DataFrame(table)
    first = f"{rules[0]}_rank"
    out = out.sort(first, nulls_last=True)
    if comps is not None:
        w = choice.condorcet_winner(prof)
        _note(
            args, f"Condorcet winner: {w if w is not None else _why_no_winner(prof)}", result=True
        )
    _out(args, out, "candidates")
    return 0


# ---------------------------------------------------------------------------------------------
# pareto


def _cmd_pareto(args: argparse.Namespace) -> int:
    df = prefs.read_table(args.input)
    objectives = _split(args.objectives)
    if objectives is None:
        objectives = [c for c, t in df.schema.items() if t.is_numeric() and c != args.group]
    maximize: bool | list[bool] = True
    if args.minimize:
        mins = set(_split(args.minimize) or [])
        unknown = mins - set(objectives)
        if unknown:
            raise InputError(
                f"--minimize names column(s) {sorted(unknown)} that are not objectives {objectives}"
            )
        maximize = [c not in mins for c in objectives]
    kw = {"maximize": maximize, "objectives": objectives, "nan": args.nan, "threads": args.threads}
    if args.group:
        r = pareto.ranks(df, groups=args.group, **kw)
    else:
        r = pareto.ranks(df, **kw)
    out = df.with_columns(pl.Series("pareto_rank", r), pl.Series("nondominated", r == 0))
    _out(args, out, "rows with pareto_rank and nondominated")
    return 0


# ---------------------------------------------------------------------------------------------
# edges / train (APIs of pluralign.edge and pluralign.reward)


def _cmd_edges(args: argparse.Namespace) -> int:
    df = prefs.read_table(args.input)
    out = edge.edge_table(df, context=args.context, objectives=_split(args.objectives))
    _out(args, out, "rows with edge signals and arbiter decisions")
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    df = _input_table(args, "as `pluralign prepare --kind pairs` would")
    summary = reward.train_reward(
        df,
        out=Path(args.output),
        epochs=args.epochs,
        seed=args.seed,
        groups=args.group,
        progress=_progress(args),
    )
    for k, v in summary.items():
        _note(args, f"{k}: {v}", result=True)
    return 0


# ---------------------------------------------------------------------------------------------
# govern


def _cmd_govern(args: argparse.Namespace) -> int:
    src = args.input
    statements = None
    if src != "-" and Path(src).is_dir():
        conv = prefs.read_polis(Path(src))
        votes, statements = conv.votes, conv.statements
    else:
        votes = prefs.read_table(src)
    opinion_groups, consensus, constitution = (
        govern.opinion_groups,
        govern.consensus,
        govern.constitution,
    )
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    g = opinion_groups(
        votes,
        args.groups,
        seed=args.seed,
        statements=statements,
        method=args.method,
        bootstrap=args.bootstrap,
    )
    prefs.write_table(g.assignments, out / "groups.parquet")
    print(
        f"opinion groups ({g.method}): k = {g.k} (silhouette {g.silhouette:.2f}), sizes "
        f"{g.sizes()}, {int(g.assignments['clustered'].sum())} clustered "
        f"-> {out / 'groups.parquet'}"
    )
    if g.stability is not None:
        s = g.stability
        jac = ", ".join(f"{k}: {v:.2f}" for k, v in s.group_jaccard.items())
        shaky = int((g.assignments["stability"] < 0.6).sum())
        print(
            f"stability over {s.resamples} resamples: k {s.k_counts}, group Jaccard {{{jac}}}, "
            f"{shaky} participants in their group in < 60% of resamples"
        )
    c = consensus(votes, g.table(), statements=statements)
    prefs.write_table(c.statements, out / "consensus.parquet")
    prefs.write_table(c.by_group, out / "consensus_by_group.parquet")
    top = c.top(5).get_column("statement_id").to_list()
    print(f"bridging consensus: top statements {top} -> {out / 'consensus.parquet'}")
    con = constitution(votes, args.k, args.rule, groups=g.table(), statements=statements)
    decision = {
        "rule": con.rule,
        "k": con.k,
        "chosen": con.chosen,
        "jr": con.jr,
        "ejr": con.ejr,
        "n_participants": con.n_participants,
        "source": str(src),
    }
    (out / "constitution.json").write_text(json.dumps(decision, default=str, indent=1) + "\n")
    prefs.write_table(con.coverage, out / "constitution_coverage.parquet")
    print(
        f"constitution ({con.rule}, k = {con.k}): {con.chosen}; JR {con.jr}, EJR {con.ejr} "
        f"-> {out / 'constitution.json'}"
    )
    if args.ledger:
        led = govern.Ledger(args.ledger)
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
        path = write_html(rep, Path(args.output) / "report.html")
        print(f"report: {path}")
        return 0
    cfg = PipelineConfig(
        out=Path(args.output),
        polis=Path(args.votes) if args.votes else None,
        pairs=Path(args.pairs) if args.pairs else None,
        n_pairs=args.limit,
        train=not args.no_train,
        epochs=args.epochs,
        seed=args.seed,
        min_votes=args.min_votes,
        committee_size=args.k,
        progress=_progress(args),
        debug=args.debug,
        threads=args.threads,
    )
    res = run_pipeline(cfg)
    _summary(res)
    return 0


def _summary(res: Any) -> None:
    avail = [s for s in res.report.sections if s.key != "notes"]
    missing = [s for s in avail if not s.available]
    print(f"report: {res.html.resolve()}")
    print(
        f"sections: {len(avail) - len(missing)} of {len(avail)} available; tables and "
        f"report.json in {res.html.parent}"
    )
    for s in missing:
        print(f"  not available: {s.title}: {s.missing}")


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    res = run_demo(
        args.output,
        n_pairs=args.pairs,
        train=not args.no_train,
        epochs=args.epochs,
        progress=_progress(args),
        debug=args.debug,
        threads=args.threads,
    )
    for k, v in res.timings.items():
        print(f"  {k}: {v:.1f} s")
    _summary(res)
    return 0


# ---------------------------------------------------------------------------------------------


class _OldOut(argparse.Action):
    """``--out``, the old name of ``-o/--output``: works for one release, with a warning."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        print(
            "pluralign: warning: --out is deprecated and will be removed in the next release; "
            "use -o/--output",
            file=sys.stderr,
        )
        setattr(namespace, self.dest, values)


_TABLE_OUT = (
    "output table (.parquet, .csv, .csv.gz, .jsonl, .jsonl.gz; - = CSV on stdout); "
    "default: a readable table on a terminal, CSV otherwise"
)
_TABLE_ARG = f"input table ({_TABLE_IN}; - = CSV on stdin)"


def _output(
    p: argparse.ArgumentParser, help: str, *, default: str | None = None, required: bool = False
) -> None:
    p.add_argument("-o", "--output", default=default, help=help)
    p.add_argument("--out", dest="output", action=_OldOut, help="old name of --output (deprecated)")
    p.add_argument(
        "--quiet",
        action="store_true",
        help="no notes about the work and no progress bars (bars appear only on a terminal anyway)",
    )
    p.set_defaults(output_required=required, table_output=default is None and not required)


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of the ``pluralign`` command (one subparser per step)."""
    ap = argparse.ArgumentParser(
        prog="pluralign",
        description="Pluralistic alignment toolkit: preference data, social choice, Pareto fronts, "
        "reward models, edge cases and governance. Start with `pluralign demo`.",
    )
    ap.add_argument("--version", action="version", version=f"pluralign {__version__}")
    ap.add_argument(
        "--debug",
        action="store_true",
        help="show the full traceback of an error instead of a one-line message",
    )
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    F = argparse.ArgumentDefaultsHelpFormatter

    d = sub.add_parser(
        "demo",
        formatter_class=F,
        help="run the whole pipeline on data shipped with the package",
        description="Run every step on the shipped data (a Polis conversation and "
        "600 HH-RLHF pairs) and write a self-contained HTML report.",
    )
    _output(d, "folder for the report and tables", default="out/demo")
    d.add_argument(
        "--pairs",
        type=int,
        default=None,
        help="use only the first N preference pairs (default: all 600)",
    )
    d.add_argument("--no-train", action="store_true", help="skip training the reward models")
    d.add_argument("--epochs", type=int, default=2, help="reward model training epochs")
    d.add_argument("--threads", type=int, default=None, help="threads (default: all cores)")
    d.set_defaults(func=_cmd_demo)

    p = sub.add_parser(
        "prepare",
        formatter_class=F,
        help="convert a public format into a canonical table",
        description="Read preference data (TRL/HH-RLHF pairs, ratings, rankings, a "
        "Polis export folder) and write the canonical table.",
    )
    p.add_argument("input", help=f"a file ({_TABLE_IN}) or a Polis export folder")
    _output(p, _TABLE_OUT)
    p.add_argument(
        "--kind",
        choices=["auto", "pairs", "polis", "ratings", "rankings"],
        default="auto",
        help="input kind; auto = polis for a folder, pairs for a file",
    )
    p.add_argument("--statements", help="(polis) also write the statements table here")
    p.add_argument("--limit", type=int, default=None, help="keep only the first N rows")
    p.set_defaults(func=_cmd_prepare)

    a = sub.add_parser(
        "aggregate",
        formatter_class=F,
        help="rank candidates with several voting rules",
        description="Aggregate rankings (column 'ranking'), pairwise comparisons "
        "('chosen_id', 'rejected_id') or Polis-like votes "
        "('statement_id', 'participant_id', 'vote') with social-choice "
        "rules; one row per candidate with each rule's rank and score.",
    )
    a.add_argument(
        "input",
        help=f"{_TABLE_ARG}: rankings, comparisons, chosen/rejected text "
        "pairs or votes, or a Polis export folder",
    )
    _output(a, _TABLE_OUT)
    a.add_argument(
        "--rules",
        default="schulze,ranked_pairs,copeland,minimax",
        help=f"comma-separated rules from {', '.join(_RANKED)}",
    )
    a.add_argument(
        "--l2",
        type=float,
        default=0.01,
        help="(bradley_terry) Gaussian prior precision on log-strengths",
    )
    a.add_argument("--threads", type=int, default=None, help="threads (default: all cores)")
    a.set_defaults(func=_cmd_aggregate)

    q = sub.add_parser(
        "pareto",
        formatter_class=F,
        help="Pareto ranks of the rows of a table",
        description="Non-dominated sorting: adds pareto_rank (0 = on the front) "
        "and nondominated to every row.",
    )
    q.add_argument("input", help=f"{_TABLE_ARG} with one numeric column per objective")
    _output(q, _TABLE_OUT)
    q.add_argument("--objectives", help="comma-separated objective columns (default: all numeric)")
    q.add_argument(
        "--minimize", help="comma-separated objectives to minimize (default: maximize all)"
    )
    q.add_argument("--group", help="column whose values define independent groups (e.g. prompt_id)")
    q.add_argument(
        "--nan", choices=["error", "worst"], default="error", help="what to do with NaN/inf"
    )
    q.add_argument("--threads", type=int, default=None, help="threads to use (default: all cores)")
    q.set_defaults(func=_cmd_pareto)

    e = sub.add_parser(
        "edges",
        formatter_class=F,
        help="edge signals and arbiter decisions for scored candidates",
        description="Score each row (a candidate answer with one column per "
        "objective, grouped by prompt_id) for conflict, disagreement "
        "and uncertainty, and let the arbiter decide answer / clarify / "
        "abstain / escalate, with the reason.",
    )
    e.add_argument(
        "input", help=f"scores ({_TABLE_ARG}): prompt_id plus one numeric column per objective"
    )
    _output(e, _TABLE_OUT)
    e.add_argument(
        "--context", default=None, help="context profile name (e.g. medical_advice) or a .toml file"
    )
    e.add_argument(
        "--objectives", help="comma-separated objective columns (default: the context's)"
    )
    e.set_defaults(func=_cmd_edges)

    g = sub.add_parser(
        "govern",
        formatter_class=F,
        help="opinion groups, bridging consensus and a proportional constitution",
        description="From participatory votes: find opinion groups, rank "
        "statements by group-informed consensus, choose k statements "
        "with a proportional rule and optionally record the decision "
        "in a tamper-evident ledger.",
    )
    g.add_argument(
        "input",
        help="a Polis export folder or a votes table "
        f"(statement_id, participant_id, vote; {_TABLE_IN}; - = CSV on "
        "stdin)",
    )
    _output(g, "folder for groups, consensus and constitution (required)", required=True)
    g.add_argument("--k", type=int, default=5, help="number of statements to choose")
    g.add_argument(
        "--rule",
        choices=["mes", "phragmen", "pav", "av"],
        default="mes",
        help="committee rule (mes = Method of Equal Shares)",
    )
    g.add_argument(
        "--groups",
        type=int,
        default=None,
        help="number of opinion groups (default: chosen by silhouette)",
    )
    g.add_argument("--seed", type=int, default=0, help="seed of the k-means restarts")
    g.add_argument(
        "--method",
        choices=["polis", "kmeans"],
        default="polis",
        help="polis = the Polis math; kmeans = k-means over all participants",
    )
    g.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        help="resamples for the stability of the groups (0 = off)",
    )
    g.add_argument(
        "--ledger", help="append the decision to this SQLite ledger file (created if missing)"
    )
    g.add_argument("--actor", default="pluralign govern", help="who made the decision (ledger)")
    g.set_defaults(func=_cmd_govern)

    t = sub.add_parser(
        "train",
        formatter_class=F,
        help="train scalar and group-aware reward models (needs torch)",
        description="Train reward models on comparisons (with text) on CPU with "
        "the bundled MiniLM encoder, and report per-group accuracy.",
    )
    t.add_argument(
        "input",
        help=f"comparisons with prompt/chosen/rejected text ({_TABLE_ARG}): "
        "the canonical table or raw chosen/rejected pairs",
    )
    _output(t, "folder for the models and metrics (required)", required=True)
    t.add_argument("--group", default=None, help="column naming each comparison's group")
    t.add_argument("--epochs", type=int, default=2, help="training epochs")
    t.add_argument("--seed", type=int, default=0, help="random seed")
    t.set_defaults(func=_cmd_train)

    r = sub.add_parser(
        "report",
        formatter_class=F,
        help="the HTML report on your own files",
        description="Run the demo pipeline on your votes and/or preference pairs "
        "and write report.html (plus report.json and the tables), or "
        "re-render a saved report.json with --bundle.",
    )
    r.add_argument("--votes", help="a Polis export folder or a votes table")
    r.add_argument("--pairs", help="preference pairs (chosen/rejected text; jsonl, parquet, csv)")
    r.add_argument("--bundle", help="a report.json written by an earlier run: render it again")
    _output(r, "output folder", default="out/report")
    r.add_argument("--limit", type=int, default=None, help="use only the first N pairs")
    r.add_argument(
        "--min-votes", type=int, default=30, help="drop statements with fewer votes than this"
    )
    r.add_argument("--k", type=int, default=5, help="size of the proportional constitution")
    r.add_argument("--no-train", action="store_true", help="skip training the reward models")
    r.add_argument("--epochs", type=int, default=2, help="reward model training epochs")
    r.add_argument("--seed", type=int, default=0, help="random seed")
    r.add_argument("--threads", type=int, default=None, help="threads (default: all cores)")
    r.set_defaults(func=_cmd_report)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pluralign`` console script; returns the exit code."""
    ap = build_parser()
    args = ap.parse_args(argv)
    # argument values no subcommand can use: NUL (only reachable in-process; paths would raise
    # ValueError) and ints beyond 64 bits (polars / numpy would raise OverflowError)
    for k, v in vars(args).items():
        bad = (
            "contains a NUL byte"
            if isinstance(v, str) and "\x00" in v
            else f"= {v} is out of range"
            if isinstance(v, int) and not isinstance(v, bool) and not -(2**63) <= v < 2**63
            else None
        )
        if bad:
            print(
                f"pluralign {args.command}: error: --{k.replace('_', '-')} {bad}", file=sys.stderr
            )
            return 2
    if args.output_required and args.output is None:
        print(
            f"pluralign {args.command}: error: -o/--output is required (the folder to write to)",
            file=sys.stderr,
        )
        return 2
    args.table_on_stdout = args.table_output and args.output in (None, "-")
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
