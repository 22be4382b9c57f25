"""The ``pluralign`` command line: each subcommand on small files with known answers, and bad
input -> exit code 2 with a one-line message."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from pluralign import data
from pluralign.cli import build_parser, main
from pluralign.prefs import read_table, write_table


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def assert_user_error(code: int, err: str, *needles: str) -> None:
    assert code == 2
    lines = [x for x in err.strip().splitlines() if x.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for n in needles:
        assert n in lines[0], lines[0]


# -- aggregate ---------------------------------------------------------------------------------


def test_aggregate_comparisons_known_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a beats b 3-0, b beats c 2-1, a beats c 2-0: a is the Condorcet winner, order a > b > c.
    rows = [("a", "b")] * 3 + [("b", "c")] * 2 + [("c", "b")] + [("a", "c")] * 2
    src = tmp_path / "comps.csv"
    pl.DataFrame(
        {"chosen_id": [r[0] for r in rows], "rejected_id": [r[1] for r in rows]}
    ).write_csv(src)
    out = tmp_path / "agg.parquet"
    code, stdout, _ = run(["aggregate", str(src), "-o", str(out)], capsys)
    assert code == 0
    assert "Condorcet winner: a" in stdout
    df = pl.read_parquet(out)
    assert df.get_column("candidate").to_list() == ["a", "b", "c"]
    for rule in ("schulze", "ranked_pairs", "copeland"):
        assert df.get_column(f"{rule}_rank").to_list() == [1, 2, 3], rule
    # minimax ranks by the worst defeat margin: b loses to a by 3, c's worst defeat is 2 -> c > b
    assert df.get_column("minimax_rank").to_list() == [1, 3, 2]
    # Copeland scores: a wins 2 pairs, b 1, c 0
    assert df.get_column("copeland_score").to_list() == [2.0, 1.0, 0.0]


def test_aggregate_rankings_borda(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 3 voters a>b>c, 2 voters c>b>a: Borda a=6, b=5, c=4; plurality a=3, c=2, b=0.
    ballots = [[["a"], ["b"], ["c"]]] * 3 + [[["c"], ["b"], ["a"]]] * 2
    src = tmp_path / "rank.parquet"
    pl.DataFrame({"voter_id": list(range(5)), "ranking": ballots}).write_parquet(src)
    out = tmp_path / "agg.csv"
    code, _, _ = run(["aggregate", str(src), "--rules", "borda,plurality", "-o", str(out)], capsys)
    assert code == 0
    df = pl.read_csv(out)
    got = dict(zip(df["candidate"], df["borda_score"]))
    assert got == {"a": 6.0, "b": 5.0, "c": 4.0}
    assert dict(zip(df["candidate"], df["plurality_score"])) == {"a": 3.0, "b": 0.0, "c": 2.0}


def test_aggregate_votes_become_comparisons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # statement 1 is agreed by all three participants, 2 passed, 3 disagreed: order 1 > 2 > 3
    votes = pl.DataFrame(
        {
            "statement_id": [1, 2, 3] * 3,
            "participant_id": [p for p in (10, 11, 12) for _ in range(3)],
            "vote": [1, 0, -1] * 3,
        }
    )
    src = tmp_path / "votes.jsonl"
    votes.write_ndjson(src)
    code, stdout, err = run(["aggregate", str(src), "--rules", "schulze"], capsys)
    assert code == 0
    # stdout is not a terminal here: the table is CSV there, the notes go to stderr
    assert "votes turned into 9 pairwise comparisons" in err
    assert "Condorcet winner: 1" in err
    table = pl.read_csv(io.BytesIO(stdout.encode()))
    assert table.select("candidate", "schulze_rank").rows() == [(1, 1), (2, 2), (3, 3)]


def test_aggregate_bad_rule_and_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "x.csv"
    pl.DataFrame({"a": [1], "b": [2]}).write_csv(src)
    code, _, err = run(["aggregate", str(src)], capsys)
    assert_user_error(code, err, "pluralign aggregate: error:", "chosen_id")
    pl.DataFrame({"chosen_id": ["a"], "rejected_id": ["b"]}).write_csv(src)
    code, _, err = run(["aggregate", str(src), "--rules", "schulze,nosuch"], capsys)
    assert_user_error(code, err, "unknown rule", "nosuch")
    code, _, err = run(["aggregate", str(src), "--rules", "borda"], capsys)
    assert_user_error(code, err, "need full ballots")


# -- pareto ------------------------------------------------------------------------------------


def test_pareto_subcommand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "s.csv"
    pl.DataFrame(
        {
            "prompt_id": [0, 0, 0, 1, 1],
            "helpful": [1.0, 0.0, 0.5, 1.0, 2.0],
            "harmless": [0.0, 1.0, 0.4, 1.0, 2.0],
        }
    ).write_csv(src)
    out = tmp_path / "r.parquet"
    code, _, _ = run(["pareto", str(src), "--group", "prompt_id", "-o", str(out)], capsys)
    assert code == 0
    df = pl.read_parquet(out)
    # prompt 0: (1,0), (0,1), (0.5,0.4) are mutually non-dominated; prompt 1: (2,2) dominates (1,1)
    assert df["pareto_rank"].to_list() == [0, 0, 0, 1, 0]
    code, _, _ = run(
        [
            "pareto",
            str(src),
            "--objectives",
            "helpful,harmless",
            "--minimize",
            "harmless",
            "-o",
            str(out),
        ],
        capsys,
    )
    assert code == 0
    # maximize helpful, minimize harmless over all rows: (1,0) dominates (0.5,0.4), (0,1), (1,1)
    assert pl.read_parquet(out)["pareto_rank"].to_list() == [0, 2, 1, 1, 0]


def test_pareto_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["pareto", str(tmp_path / "missing.csv")], capsys)
    assert_user_error(code, err, "does not exist")
    bad = tmp_path / "x.xlsx"
    bad.write_text("nope")
    code, _, err = run(["pareto", str(bad)], capsys)
    assert_user_error(code, err, "unknown file type")
    src = tmp_path / "s.csv"
    pl.DataFrame({"a": [1.0, float("nan")], "b": [0.0, 1.0]}).write_csv(src)
    code, _, err = run(["pareto", str(src)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    code, _, err = run(["pareto", str(src), "--minimize", "zzz"], capsys)
    assert_user_error(code, err, "zzz")


def test_debug_shows_traceback(tmp_path: Path) -> None:
    from pluralign.errors import InputError

    with pytest.raises(InputError, match="does not exist"):
        main(["--debug", "pareto", str(tmp_path / "missing.csv")])


# -- prepare -----------------------------------------------------------------------------------


def test_prepare_pairs_hh(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "pairs.jsonl.gz"
    with gzip.open(data.hh_rlhf_path(), "rt") as f:
        lines = [next(f) for _ in range(5)]
    with gzip.open(src, "wt") as f:
        f.writelines(lines)
    out = tmp_path / "comps.parquet"
    code, stdout, _ = run(["prepare", str(src), "-o", str(out), "--limit", "3"], capsys)
    assert code == 0, stdout
    df = pl.read_parquet(out)
    assert df.height == 3
    assert {"prompt_id", "chosen_id", "rejected_id", "prompt", "chosen", "rejected"} <= set(
        df.columns
    )
    first = json.loads(lines[0])
    # the prompt is the shared dialogue prefix, the replies are the final assistant turns
    assert first["chosen"].startswith(df["prompt"][0])
    assert first["chosen"].endswith(df["chosen"][0])


def test_prepare_polis_bundled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "votes.parquet"
    st = tmp_path / "statements.csv"
    code, stdout, _ = run(
        ["prepare", str(data.polis_dir()), "-o", str(out), "--statements", str(st)], capsys
    )
    assert code == 0
    v = pl.read_parquet(out)
    raw = pl.read_csv(data.polis_dir() / "votes.csv")
    # the latest vote of each (statement, voter) pair is kept: one row per distinct pair
    assert v.height == raw.select("comment-id", "voter-id").unique().height
    assert set(v["vote"].unique().to_list()) <= {-1, 0, 1}
    assert pl.read_csv(st).height == 54
    assert "superseded" in stdout


def test_prepare_missing_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["prepare", str(tmp_path / "nope.jsonl")], capsys)
    assert_user_error(code, err, "pluralign prepare: error:", "does not exist")


# -- govern ------------------------------------------------------------------------------------


def test_govern_bundled_polis_with_ledger(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pluralign.govern import Ledger

    led = tmp_path / "ledger.sqlite"
    code, stdout, _ = run(
        [
            "govern",
            str(data.polis_dir()),
            "-o",
            str(tmp_path / "g"),
            "--k",
            "3",
            "--ledger",
            str(led),
        ],
        capsys,
    )
    assert code == 0, stdout
    decision = json.loads((tmp_path / "g" / "constitution.json").read_text())
    assert decision["rule"] == "mes" and decision["k"] == 3 and len(decision["chosen"]) == 3
    assert decision["jr"] is True  # Equal Shares satisfies EJR, hence JR
    groups = pl.read_parquet(tmp_path / "g" / "groups.parquet")
    assert groups["group"].n_unique() >= 2
    entries = Ledger.load(led).entries
    assert len(entries) == 1 and entries[0].kind == "constitution"
    assert entries[0].payload["chosen"] == decision["chosen"]


def test_govern_bad_votes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "v.csv"
    pl.DataFrame({"statement_id": [1], "participant_id": [1], "vote": [5]}).write_csv(src)
    code, _, err = run(["govern", str(src), "-o", str(tmp_path / "g")], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "pluralign govern: error:" in err


# -- report ------------------------------------------------------------------------------------


def test_report_votes_only_and_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rep"
    code, stdout, _ = run(
        ["report", "--votes", str(data.polis_dir()), "-o", str(out), "--quiet"], capsys
    )
    assert code == 0, stdout
    html = (out / "report.html").read_text()
    assert "Pareto front of statements" in html and "data:image/png;base64," in html
    # pairs were not given: those sections say so instead of showing anything
    assert "no preference pairs were given" in html
    again = tmp_path / "again"
    code, stdout, _ = run(
        ["report", "--bundle", str(out / "report.json"), "-o", str(again)], capsys
    )
    assert code == 0
    assert (again / "report.html").read_text() == html


def test_report_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["report", "-o", str(tmp_path)], capsys)
    assert_user_error(code, err, "nothing to analyse")
    code, _, err = run(["report", "--votes", str(tmp_path / "nope"), "-o", str(tmp_path)], capsys)
    assert_user_error(code, err, "does not exist")
    bad = tmp_path / "b.json"
    bad.write_text('{"title": 1}')
    code, _, err = run(["report", "--bundle", str(bad), "-o", str(tmp_path)], capsys)
    assert_user_error(code, err, "not a pluralign report bundle")


# -- tables, help, entry points ----------------------------------------------------------------


def test_table_roundtrip(tmp_path: Path) -> None:
    df = pl.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    for ext in ("parquet", "csv", "jsonl"):
        p = tmp_path / f"t.{ext}"
        write_table(df, p)
        assert read_table(p).equals(df), ext
    nested = pl.DataFrame({"r": [[["a"], ["b"]]]})
    write_table(nested, tmp_path / "n.csv")
    assert json.loads(pl.read_csv(tmp_path / "n.csv")["r"][0]) == [["a"], ["b"]]


def test_old_table_io_names_warn_and_still_work(tmp_path: Path) -> None:
    from pluralign import cli

    df = pl.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    with pytest.warns(DeprecationWarning, match="pluralign.cli.write_table is deprecated"):
        old_write = cli.write_table
    with pytest.warns(DeprecationWarning, match=r"use pluralign\.prefs\.read_table"):
        old_read = cli.read_table
    assert old_write is write_table and old_read is read_table
    old_write(df, tmp_path / "t.csv")
    assert old_read(tmp_path / "t.csv").equals(df)


@pytest.mark.parametrize(
    "cmd", ["demo", "prepare", "aggregate", "pareto", "edges", "govern", "train", "report"]
)
def test_help_explains_every_option(cmd: str, capsys: pytest.CaptureFixture[str]) -> None:
    ap = build_parser()
    sub = next(a for a in ap._actions if a.dest == "command").choices[cmd]
    for action in sub._actions:
        assert action.help, f"{cmd}: option {action.option_strings or action.dest} has no help"
    with pytest.raises(SystemExit) as e:
        main([cmd, "--help"])
    assert e.value.code == 0
    assert cmd in capsys.readouterr().out


def test_module_entry_point_exit_code(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "pluralign", "pareto", str(tmp_path / "none.csv")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 2
    assert (
        r.stderr.strip()
        == f"pluralign pareto: error: input file {tmp_path / 'none.csv'} does not exist"
    )
    np.testing.assert_equal(r.stdout, "")


# -- edges / train -----------------------------------------------------------------------------


def test_edges_known_answer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # prompt a: the two candidates trade helpfulness against harmlessness (Pareto-incomparable:
    # conflict 1.0) and their reward std 0.5 is above the default threshold 0.25: the arbiter
    # does not answer (default on_uncertain = clarify); prompt b: one candidate dominates and
    # the model is sure, the arbiter answers with it
    scores = pl.DataFrame(
        {
            "prompt_id": ["a", "a", "b", "b"],
            "response_id": ["a1", "a2", "b1", "b2"],
            "helpful": [1.0, 0.0, 1.0, 0.0],
            "harmless": [0.0, 1.0, 1.0, 0.0],
            "std": [0.5, 0.5, 0.01, 0.01],
        }
    )
    src = tmp_path / "scores.parquet"
    scores.write_parquet(src)
    out = tmp_path / "dec.parquet"
    code, _, err = run(["edges", str(src), "-o", str(out)], capsys)
    assert code == 0, err
    d = pl.read_parquet(out).sort("prompt_id")
    a, b = d.row(0, named=True), d.row(1, named=True)
    assert a["conflict"] == 1.0 and a["edge"]
    # and the Chebyshev pick flips within the admissible weights (equal weights, radius 0.2)
    assert set(a["reasons"]) == {"value_conflict", "weight_sensitive", "uncertain_reward"}
    assert a["action"] == "clarify" and a["chosen"] is None
    assert b["conflict"] == 0.0 and not b["edge"]
    assert b["action"] == "answer" and b["chosen"] == "b1"


def test_edges_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "s.csv"
    pl.DataFrame({"x": [1.0]}).write_csv(src)
    code, _, err = run(["edges", str(src)], capsys)
    assert_user_error(code, err, "prompt_id")
    pl.DataFrame({"prompt_id": [1], "x": [1.0]}).write_csv(src)
    code, _, err = run(["edges", str(src), "--context", "no_such_context"], capsys)
    assert_user_error(code, err, "no_such_context")


def test_train_scalar_and_group_aware(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pluralign.prefs import read_pairs

    pairs = read_pairs(data.hh_rlhf_path()).head(40)
    pairs = pairs.with_columns(pl.Series("annotator_group", ["x", "y"] * 20))
    src = tmp_path / "pairs.parquet"
    pairs.write_parquet(src)
    out = tmp_path / "models"
    code, stdout, err = run(
        [
            "train",
            str(src),
            "-o",
            str(out),
            "--group",
            "annotator_group",
            "--epochs",
            "1",
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) == {"scalar", "group_aware"}
    for m in metrics.values():
        assert 0.0 <= m["accuracy"] <= 1.0 and m["n"] > 0
    assert {r["group"] for r in metrics["group_aware"]["by_group"]} <= {"x", "y"}
    assert (out / "scalar").is_dir() and (out / "group_aware").is_dir()
    assert "scalar held-out accuracy" in stdout


def test_train_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "c.csv"
    pl.DataFrame({"chosen_id": ["a"], "rejected_id": ["b"]}).write_csv(src)
    code, _, err = run(["train", str(src), "-o", str(tmp_path / "m")], capsys)
    assert_user_error(code, err, "prompt_id", "pluralign prepare")


# -- one convention for every subcommand -------------------------------------------------------


def _comparisons_csv(tmp_path: Path, rows: list[tuple[str, str]]) -> Path:
    src = tmp_path / "comps.csv"
    pl.DataFrame(
        {"chosen_id": [r[0] for r in rows], "rejected_id": [r[1] for r in rows]}
    ).write_csv(src)
    return src


@pytest.mark.parametrize(
    ("rows", "why"),
    [
        # a > b > c > a, each 2-1: a majority cycle, said with its members
        (
            [("a", "b")] * 2
            + [("b", "a")]
            + [("b", "c")] * 2
            + [("c", "b")]
            + [("c", "a")] * 2
            + [("a", "c")],
            "none (majority cycle: a > b > c > a)",
        ),
        # a and b split 1-1, both beat c: a tie, not a cycle
        ([("a", "b"), ("b", "a"), ("a", "c"), ("b", "c")], "none (tie between a and b)"),
        # a and b both beat c but never met
        ([("a", "c"), ("b", "c")], "none (never compared: a and b)"),
    ],
)
def test_aggregate_says_why_there_is_no_condorcet_winner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: list, why: str
) -> None:
    src = _comparisons_csv(tmp_path, rows)
    code, stdout, err = run(["aggregate", str(src), "-o", str(tmp_path / "o.csv")], capsys)
    assert code == 0, err
    assert f"Condorcet winner: {why}" in stdout
    if "cycle" not in why:
        assert "cycle" not in stdout


def test_output_option_everywhere_and_old_out_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ap = build_parser()
    subs = next(a for a in ap._actions if a.dest == "command").choices
    for name, sub in subs.items():
        opts = {o for a in sub._actions for o in a.option_strings}
        assert {"-o", "--output", "--out", "--quiet"} <= opts, name
    src = tmp_path / "pts.csv"
    pl.DataFrame({"x": [1.0, 0.0, 0.5], "y": [0.0, 1.0, -1.0]}).write_csv(src)
    code, _, err = run(["pareto", str(src), "--out", str(tmp_path / "old.csv")], capsys)
    assert code == 0
    assert "--out is deprecated" in err and "-o/--output" in err
    code, _, err = run(["pareto", str(src), "--output", str(tmp_path / "new.csv")], capsys)
    assert code == 0 and "deprecated" not in err
    assert pl.read_csv(tmp_path / "old.csv").equals(pl.read_csv(tmp_path / "new.csv"))
    assert pl.read_csv(tmp_path / "new.csv")["pareto_rank"].to_list() == [0, 0, 1]
    code, _, err = run(["govern", str(src)], capsys)
    assert_user_error(code, err, "-o/--output is required")


@pytest.mark.parametrize("ext", ["csv.gz", "jsonl.gz"])
def test_compressed_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str], ext: str) -> None:
    src = tmp_path / "pts.csv"
    pl.DataFrame({"x": [1.0, 0.0, 0.5], "y": [0.0, 1.0, -1.0]}).write_csv(src)
    out = tmp_path / f"r.{ext}"
    code, _, err = run(["pareto", str(src), "-o", str(out)], capsys)
    assert code == 0, err
    with gzip.open(out, "rt") as f:
        text = f.read()
    df = (
        pl.read_csv(io.StringIO(text))
        if ext.startswith("csv")
        else pl.read_ndjson(io.StringIO(text))
    )
    assert df["pareto_rank"].to_list() == [0, 0, 1]
    assert read_table(out).equals(df)


def test_stdin_and_stdout_dash_and_quiet(tmp_path: Path) -> None:
    csv = "chosen_id,rejected_id\na,b\na,b\nb,c\na,c\n"
    r = subprocess.run(
        [sys.executable, "-m", "pluralign", "aggregate", "-", "-o", "-", "--rules", "copeland"],
        input=csv,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    table = pl.read_csv(io.StringIO(r.stdout))  # clean CSV: the notes are on stderr
    assert table.select("candidate", "copeland_rank").rows() == [("a", 1), ("b", 2), ("c", 3)]
    assert "Condorcet winner: a" in r.stderr
    src = tmp_path / "pts.csv"
    pl.DataFrame({"x": [1.0, 0.0]}).write_csv(src)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "pluralign",
            "pareto",
            str(src),
            "-o",
            str(tmp_path / "o.parquet"),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0 and r.stdout == "" and r.stderr == ""
    r = subprocess.run(
        [sys.executable, "-m", "pluralign", "pareto", str(src), "-o", str(tmp_path / "o.parquet")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.stdout.startswith("wrote 2 rows")


def test_aggregate_reads_raw_pairs_and_polis_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pluralign import prefs

    # raw chosen/rejected text pairs, as `prepare` reads them: same result as after `prepare`
    code, _, err = run(
        [
            "aggregate",
            str(data.hh_rlhf_path()),
            "-o",
            str(tmp_path / "raw.csv"),
            "--rules",
            "copeland",
        ],
        capsys,
    )
    assert code == 0, err
    prepared = tmp_path / "pairs.parquet"
    prefs.read_pairs(data.hh_rlhf_path()).write_parquet(prepared)
    assert (
        run(
            ["aggregate", str(prepared), "-o", str(tmp_path / "prep.csv"), "--rules", "copeland"],
            capsys,
        )[0]
        == 0
    )
    assert pl.read_csv(tmp_path / "raw.csv").equals(pl.read_csv(tmp_path / "prep.csv"))
    # a Polis export folder: its votes
    code, stdout, err = run(
        ["aggregate", str(data.polis_dir()), "-o", str(tmp_path / "p.csv"), "--rules", "schulze"],
        capsys,
    )
    assert code == 0, err
    assert "votes turned into" in stdout
    # ratings need a prepare step, and the message says which
    src = tmp_path / "ratings.csv"
    pl.DataFrame({"prompt": ["p"], "response": ["r"], "score": [1.0]}).write_csv(src)
    code, _, err = run(["aggregate", str(src)], capsys)
    assert_user_error(code, err, f"pluralign prepare {src} --kind ratings")


def test_train_reads_raw_pairs_as_prepare_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the first 40 raw HH-RLHF lines (chosen/rejected dialogues), no `prepare` step
    with gzip.open(data.hh_rlhf_path(), "rt", encoding="utf-8") as f:
        lines = [next(f) for _ in range(40)]
    src = tmp_path / "raw.jsonl"
    src.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "models"
    code, stdout, err = run(["train", str(src), "-o", str(out), "--epochs", "1"], capsys)
    assert code == 0, err
    assert "pairs: 40" in stdout
    assert set(json.loads((out / "metrics.json").read_text())) == {"scalar"}
