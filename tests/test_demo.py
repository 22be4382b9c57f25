"""``pluralign demo`` end to end on the shipped data, into a temporary folder."""

from __future__ import annotations

import gzip
import json
from importlib import resources
from pathlib import Path

import polars as pl
import pytest
from pluralign import data
from pluralign.cli import main
from pluralign.report import Report


def test_shipped_data_and_attribution() -> None:
    root = Path(str(resources.files("pluralign.data")))
    for f in (
        "README.md",
        "polis/ATTRIBUTION.txt",
        "polis/POLIS_README.md",
        "hh_rlhf/LICENSE",
        "hh_rlhf/ATTRIBUTION.txt",
        "hh_rlhf/HH_README.md",
    ):
        assert (root / f).is_file(), f
    for f in ("comments.csv", "votes.csv", "participants-votes.csv", "summary.csv"):
        assert (data.polis_dir() / f).is_file(), f
    with gzip.open(data.hh_rlhf_path(), "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    assert len(rows) == 600 and all(set(r) == {"chosen", "rejected"} for r in rows)
    text = data.attribution()
    assert "CC BY 4.0" in text and "The Computational Democracy Project" in text
    assert "MIT License" in text and "Anthropic" in text
    shared = Path(__file__).resolve().parent / "data"
    # the shipped copies are unchanged slices of the originals in tests/data
    src = shared / "polis" / data.POLIS_CONVERSATION / "votes.csv"
    assert (data.polis_dir() / "votes.csv").read_bytes() == src.read_bytes()
    with gzip.open(shared / "hh-rlhf" / "harmless-base-test.jsonl.gz", "rt") as fh:
        first = [json.loads(next(fh)) for _ in range(600)]
    assert first == rows


def test_demo_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    code = main(["demo", "-o", str(out), "--pairs", "120", "--epochs", "1", "--quiet"])
    stdout = capsys.readouterr().out
    assert code == 0
    assert f"report: {(out / 'report.html').resolve()}" in stdout
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Computational Democracy Project" in html
    rep = Report.from_json(out / "report.json")
    status = {s.key: (s.available, s.missing) for s in rep.sections}
    # parts whose APIs are in this build must be there; anything else must say why it is not
    for key in (
        "groups",
        "rankings",
        "pareto",
        "consensus",
        "constitution",
        "reward",
        "uncertainty",
        "edges",
        "ledger",
    ):
        assert status[key][0], (key, status[key][1])
    for key, (ok, why) in status.items():
        assert ok or why, key
    # the votes table is the latest vote per (statement, participant) on unhidden statements
    votes = pl.read_parquet(out / "votes.parquet")
    assert votes.select("statement_id", "participant_id").is_duplicated().sum() == 0
    # rankings: Schulze and ranked pairs agree on the Condorcet winner, statement 12
    ranks = pl.read_parquet(out / "rankings.parquet")
    top = ranks.filter(pl.col("Schulze") == 1)["statement_id"].to_list()
    assert top == [12]
    assert ranks.filter(pl.col("ranked pairs") == 1)["statement_id"].to_list() == [12]
    # group-aware reward model: the worst-off group is served at least as well as by a scalar one
    reward = rep.section("reward").tables[0]
    worst = {r[0]: r[-2] for r in reward.rows}
    assert worst["group-aware"] >= worst["scalar"]
    # ledger: one verified constitution entry naming the chosen statements
    from pluralign.govern import Ledger

    entries = Ledger.load(out / "ledger.sqlite").entries
    # the JSON-lines export re-verifies without the database
    assert Ledger.verify_jsonl((out / "ledger.jsonl").read_text()) == len(entries)
    assert [e.kind for e in entries] == ["constitution", "arbiter_policy"]
    assert len(entries[0].payload["chosen"]) == 5
    # the arbiter's pick over the statements is on the Pareto front it reports
    arb = entries[1].payload
    assert arb["action"] in ("answer", "clarify") and set(arb["front"]) <= set(
        pl.read_parquet(out / "pareto_statements.parquet")
        .filter(pl.col("front") == 0)["statement_id"]
        .to_list()
    )
    if arb["chosen"] is not None:
        assert arb["chosen"] in arb["front"]
    # every answered HH prompt names one of its two replies
    dec = pl.read_parquet(out / "hh_decisions.parquet")
    answered = dec.filter(pl.col("action") == "answer")
    assert answered["chosen_label"].is_in(["chosen", "rejected"]).all()
    assert (
        dec.filter(pl.col("action") != "answer")["chosen"].null_count()
        == dec.filter(pl.col("action") != "answer").height
    )
    # the bundled MiniLM embedded the texts: the report credits it (Apache-2.0)
    assert "all-MiniLM-L6-v2" in html and "Apache License 2.0" in html
    # run again into the same folder: it replaces its own output (a fresh ledger), no refusal
    assert (
        main(["demo", "-o", str(out), "--pairs", "120", "--epochs", "1", "--quiet", "--no-train"])
        == 0
    )
    again = Ledger.load(out / "ledger.sqlite").entries
    assert [e.kind for e in again] == ["constitution", "arbiter_policy"]
    assert Ledger.verify_jsonl((out / "ledger.jsonl").read_text()) == 2


def test_demo_keeps_a_ledger_it_did_not_make(tmp_path: Path) -> None:
    from pluralign.demo import MARKER, run_demo
    from pluralign.errors import InputError
    from pluralign.govern import Ledger

    out = tmp_path / "mine"
    out.mkdir()
    led = Ledger(out / "ledger.sqlite")
    led.append("mine", {"x": 1}, actor="user")
    with pytest.raises(InputError, match="exists"):
        led.export_jsonl(out / "ledger.sqlite")  # the library never overwrites unless asked
    run_demo(out, n_pairs=60, train=False, progress=False)
    kinds = [e.kind for e in Ledger.load(out / "ledger.sqlite").entries]
    assert kinds[0] == "mine" and len(kinds) == 3  # appended to, not replaced
    assert not (out / MARKER).exists()
