"""The ``pluralign`` command line.

User errors (bad files, columns, values) exit with code 2 and a one-line message naming the
problem; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from . import __version__, pareto
from .errors import InputError, PluralignError


def _read_table(path: str) -> pl.DataFrame:
    p = Path(path)
    if not p.exists():
        raise InputError(f"input file {path} does not exist")
    name = p.name.lower()
    if name.endswith(".parquet"):
        return pl.read_parquet(p)
    if name.endswith(".csv"):
        return pl.read_csv(p)
    if name.endswith((".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")):
        return pl.read_ndjson(p)
    raise InputError(f"{path}: unknown file type; use .parquet, .csv or .jsonl(.gz)")


def _write_table(df: pl.DataFrame, path: str) -> None:
    name = path.lower()
    if name.endswith(".parquet"):
        df.write_parquet(path)
    elif name.endswith(".csv"):
        df.write_csv(path)
    elif name.endswith((".jsonl", ".ndjson")):
        df.write_ndjson(path)
    else:
        raise InputError(f"{path}: unknown output type; use .parquet, .csv or .jsonl")


def _cmd_pareto(args: argparse.Namespace) -> int:
    df = _read_table(args.input)
    objectives = args.objectives.split(",") if args.objectives else None
    if objectives is None:
        objectives = [c for c, t in df.schema.items() if t.is_numeric() and c != args.group]
    maximize: bool | list[bool] = True
    if args.minimize:
        mins = set(args.minimize.split(","))
        unknown = mins - set(objectives)
        if unknown:
            raise InputError(f"--minimize names column(s) {sorted(unknown)} that are not objectives {objectives}")
        maximize = [c not in mins for c in objectives]
    kw = {"maximize": maximize, "objectives": objectives, "nan": args.nan, "threads": args.threads}
    if args.group:
        r = pareto.ranks(df, groups=args.group, **kw)
    else:
        r = pareto.ranks(df, **kw)
    out = df.with_columns(pl.Series("pareto_rank", r), pl.Series("nondominated", r == 0))
    if args.output:
        _write_table(out, args.output)
        print(f"wrote {out.height} rows with pareto_rank and nondominated to {args.output}")
    else:
        print(out)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    # A short Pareto example until the full pipeline demo lands: candidate answers to one
    # prompt scored on three objectives (higher is better).
    names = ["harmless", "helpful", "honest"]
    scores = np.array(
        [
            [0.95, 0.40, 0.90],
            [0.70, 0.90, 0.80],
            [0.99, 0.20, 0.95],
            [0.60, 0.95, 0.60],
            [0.80, 0.70, 0.85],
            [0.65, 0.60, 0.70],
            [0.50, 0.50, 0.50],
        ]
    )
    df = pl.DataFrame(scores, schema=names).with_row_index("candidate")
    r = pareto.ranks(df, objectives=names)
    cd = pareto.crowding_distance(df, r, objectives=names)
    hv = pareto.hypervolume(df, ref=[0, 0, 0], objectives=names)
    contrib = pareto.hypervolume_contributions(df, ref=[0, 0, 0], objectives=names)
    safe = pareto.lexicographic(df, order=["harmless", "helpful"], tolerances=[0.2, 0.0], objectives=names)
    w = np.array([1 / 3, 1 / 3, 1 / 3])
    ws = pareto.weighted_sum(df, w, objectives=names)
    ch = pareto.chebyshev(df, w, objectives=names)
    out = df.with_columns(
        pl.Series("front", r),
        pl.Series("crowding", cd),
        pl.Series("hv_contribution", contrib),
        pl.Series("weighted_sum", ws),
        pl.Series("chebyshev", ch),
        pl.Series("safety_first", safe),
    )
    with pl.Config(tbl_rows=20, tbl_cols=20, float_precision=3):
        print(out)
    print(f"\nhypervolume of the candidates (ref 0,0,0): {hv:.4f}")
    print(f"weighted sum picks candidate {int(np.argmax(ws))}, Chebyshev picks {int(np.argmin(ch))}, "
          f"safety-first (harmless within 0.2 of best, then helpful) keeps {np.flatnonzero(safe).tolist()}")
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        path = Path(args.out) / "pareto_demo.csv"
        out.write_csv(path)
        print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="pluralign", description="Pluralistic alignment toolkit.")
    ap.add_argument("--version", action="version", version=f"pluralign {__version__}")
    ap.add_argument("--debug", action="store_true", help="show full tracebacks for errors")
    sub = ap.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="run the demo on data shipped with the package")
    d.add_argument("--out", help="folder to write results into")
    d.set_defaults(func=_cmd_demo)

    p = sub.add_parser("pareto", help="Pareto ranks of the rows of a table")
    p.add_argument("input", help="table with one numeric column per objective (.parquet, .csv, .jsonl)")
    p.add_argument("-o", "--output", help="where to write the table with pareto_rank / nondominated")
    p.add_argument("--objectives", help="comma-separated objective columns (default: all numeric)")
    p.add_argument("--minimize", help="comma-separated objectives to minimize (default: maximize all)")
    p.add_argument("--group", help="column whose values define independent groups (e.g. prompt_id)")
    p.add_argument("--nan", choices=["error", "worst"], default="error", help="what to do with NaN/inf")
    p.add_argument("--threads", type=int, default=None, help="threads to use (default: all cores)")
    p.set_defaults(func=_cmd_pareto)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    try:
        return int(args.func(args))
    except (PluralignError, pl.exceptions.PolarsError, OSError) as e:
        if args.debug:
            raise
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        print(f"pluralign {args.command}: error: {msg}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
