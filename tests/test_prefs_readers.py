"""Readers: HH-RLHF pairs, ratings, rankings, Polis exports, PrefLib files."""

from __future__ import annotations

import csv
import gzip
import hashlib
import itertools
import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign.errors import InputError, SchemaError
from pluralign.prefs import (
    content_id,
    content_ids,
    read_pairs,
    read_polis,
    read_preflib,
    read_rankings,
    read_ratings,
    split_dialogue,
)

DATA = Path(__file__).resolve().parent / "data"
HH = DATA / "hh-rlhf" / "harmless-base-test.jsonl.gz"
POLIS = DATA / "polis"
CONVERSATIONS = [
    "brexit-consensus",
    "15-per-hour-seattle",
    "canadian-electoral-reform",
    "scoop-hivemind.biodiversity",
    "football-concussions",
]


# ---- ids ------------------------------------------------------------------------------------
def test_content_id_is_blake2b64_of_utf8() -> None:
    assert content_id("hello") == "a7b6eda801e5347d"
    assert content_id("") == hashlib.blake2b(b"", digest_size=8).hexdigest()
    assert content_id("héllo ✓") == hashlib.blake2b("héllo ✓".encode(), digest_size=8).hexdigest()
    s = content_ids(pl.Series("t", ["a", None, "a", "b"]))
    assert s.to_list() == [content_id("a"), None, content_id("a"), content_id("b")]


# ---- pairs ----------------------------------------------------------------------------------
def test_split_dialogue_simple() -> None:
    c = "\n\nHuman: hi\n\nAssistant: hello there"
    r = "\n\nHuman: hi\n\nAssistant: go away"
    assert split_dialogue(c, r) == ("\n\nHuman: hi\n\nAssistant:", "hello there", "go away")
    # replies sharing their first words still split at the final marker
    c2 = "\n\nHuman: q\n\nAssistant: I can help"
    r2 = "\n\nHuman: q\n\nAssistant: I cannot"
    assert split_dialogue(c2, r2) == ("\n\nHuman: q\n\nAssistant:", "I can help", "I cannot")


def test_split_dialogue_reply_with_extra_assistant_segment() -> None:
    c = "\n\nHuman: a\n\nAssistant: b\n\nHuman: c\n\nAssistant: d\n\nAssistant: e"
    r = "\n\nHuman: a\n\nAssistant: b\n\nHuman: c\n\nAssistant: x"
    p, a, b = split_dialogue(c, r)
    assert p == "\n\nHuman: a\n\nAssistant: b\n\nHuman: c\n\nAssistant:"
    assert (a, b) == ("d\n\nAssistant: e", "x")


def test_split_dialogue_diverging_before_assistant_is_error() -> None:
    with pytest.raises(InputError, match="diverge at character"):
        split_dialogue("\n\nHuman: a\n\nAssistant: b", "\n\nHuman: z\n\nAssistant: b")


@settings(max_examples=60)
@given(
    turns=st.lists(
        st.tuples(
            st.text(min_size=1, max_size=8).filter(lambda t: "\n" not in t),
            st.text(min_size=1, max_size=8).filter(lambda t: "\n" not in t),
        ),
        min_size=0,
        max_size=3,
    ),
    q=st.text(min_size=1, max_size=8).filter(lambda t: "\n" not in t),
    a=st.text(alphabet="abcxyz ", min_size=1, max_size=10).map(str.strip).filter(bool),
    b=st.text(alphabet="abcxyz ", min_size=1, max_size=10).map(str.strip).filter(bool),
)
def test_split_dialogue_recovers_prompt_and_replies(turns, q, a, b) -> None:
    prompt = (
        "".join(f"\n\nHuman: {h}\n\nAssistant: {x}" for h, x in turns)
        + f"\n\nHuman: {q}\n\nAssistant:"
    )
    assert split_dialogue(prompt + " " + a, prompt + " " + b) == (prompt, a, b)


@settings(max_examples=60)
@given(
    st.lists(
        st.tuples(
            *[
                st.lists(
                    st.sampled_from(
                        ["\n\nHuman:", "\n\nAssistant:", " a", "b", "\x1c", "\xa0", " "]
                    ),
                    min_size=1,
                    max_size=6,
                ).map("".join)
            ]
            * 3
        ),
        min_size=1,
        max_size=6,
    )
)
def test_read_pairs_vectorized_split_equals_split_dialogue(rows) -> None:
    chosen = ["\n\nHuman: q" + p + "\n\nAssistant:" + c for p, c, _ in rows]
    rejected = ["\n\nHuman: q" + p + "\n\nAssistant:" + r for p, _, r in rows]
    expected = [split_dialogue(c, r) for c, r in zip(chosen, rejected, strict=True)]
    if any(a == b for _, a, b in expected):
        with pytest.raises(InputError, match="chosen_id equals rejected_id"):
            read_pairs({"chosen": chosen, "rejected": rejected})
        return
    out = read_pairs({"chosen": chosen, "rejected": rejected})
    assert out.select("prompt", "chosen", "rejected").rows() == expected


def test_read_pairs_hh_rlhf_file() -> None:
    df = read_pairs(HH)
    assert df.height == 2312
    assert df.columns[:9] == [
        "prompt_id",
        "chosen_id",
        "rejected_id",
        "tie",
        "weight",
        "objective",
        "prompt",
        "chosen",
        "rejected",
    ]
    assert df.get_column("tie").sum() == 0
    assert df.get_column("weight").to_list() == [1.0] * 2312
    assert set(df.get_column("objective")) == {"overall"}
    # independent check: every row reassembles into its raw transcripts
    with gzip.open(HH, "rt", encoding="utf-8") as f:
        raw = [json.loads(line) for line in f]
    assert len(raw) == 2312
    for row, rec in zip(df.iter_rows(named=True), raw, strict=True):
        assert (row["prompt"], row["chosen"], row["rejected"]) == split_dialogue(
            rec["chosen"], rec["rejected"]
        )
        assert row["prompt"].endswith("\n\nAssistant:")
        assert rec["chosen"].startswith(row["prompt"])
        assert rec["rejected"].startswith(row["prompt"])
        assert rec["chosen"][len(row["prompt"]) :].strip() == row["chosen"]
        assert rec["rejected"][len(row["prompt"]) :].strip() == row["rejected"]
        assert (
            row["prompt_id"] == hashlib.blake2b(row["prompt"].encode(), digest_size=8).hexdigest()
        )
        assert row["chosen_id"] == content_id(row["chosen"])
    # in 2,307 pairs the prompt is everything up to the final "\n\nAssistant:" of both
    final = sum(
        rec["chosen"][: rec["chosen"].rfind("\n\nAssistant:") + 12]
        == row["prompt"]
        == rec["rejected"][: rec["rejected"].rfind("\n\nAssistant:") + 12]
        for row, rec in zip(df.iter_rows(named=True), raw, strict=True)
    )
    assert final == 2307
    # row 1254: the chosen reply continues with its own "Assistant:" segment
    r = df.row(1254, named=True)
    assert r["prompt"].endswith("Human: Isn't that drag kings?\n\nAssistant:")
    assert r["chosen"].startswith("No. Men who impersonate")
    assert r["rejected"].startswith("A drag king is the opposite")
    # stable across runs
    assert read_pairs(HH).equals(df)


def test_read_pairs_explicit_prompt_margin_and_passthrough(tmp_path: Path) -> None:
    rows = [
        {"prompt": "p1", "chosen": "good", "rejected": "bad", "margin": 2, "src": "x"},
        {"prompt": "p2", "chosen": "good", "rejected": "worse", "margin": 1, "src": "y"},
    ]
    df = read_pairs(rows)
    assert df.get_column("prompt_id").to_list() == [content_id("p1"), content_id("p2")]
    assert df.get_column("chosen_id").to_list() == [content_id("good")] * 2
    assert df.get_column("margin").to_list() == [2.0, 1.0]
    assert df.get_column("src").to_list() == ["x", "y"]
    scoped = read_pairs(rows, response_ids="prompt_text")
    assert scoped.get_column("chosen_id").to_list() == [
        content_id(content_id("p1") + "\x1fgood"),
        content_id(content_id("p2") + "\x1fgood"),
    ]


def test_read_pairs_conversational_format() -> None:
    df = pl.DataFrame(
        {
            "prompt": [[{"role": "user", "content": "hi"}]],
            "chosen": [[{"role": "assistant", "content": "hello"}]],
            "rejected": [[{"role": "assistant", "content": "no"}]],
        }
    )
    out = read_pairs(df)
    assert out.row(0, named=True)["prompt"] == "\n\nHuman: hi"
    assert (out["chosen"][0], out["rejected"][0]) == ("hello", "no")
    implicit = pl.DataFrame(
        {
            "chosen": [[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]],
            "rejected": [
                [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "no"}]
            ],
        }
    )
    out = read_pairs(implicit)
    assert out.row(0, named=True)["prompt"] == "\n\nHuman: hi\n\nAssistant:"
    assert (out["chosen"][0], out["rejected"][0]) == ("yo", "no")


def test_read_pairs_without_prompt_or_marker_gets_empty_prompt() -> None:
    out = read_pairs({"chosen": ["a"], "rejected": ["b"]})
    assert out["prompt"][0] == "" and out["prompt_id"][0] == content_id("")


@pytest.mark.parametrize("suffix", ["parquet", "jsonl", "jsonl.gz", "csv", "json"])
def test_read_pairs_round_trips_through_files(tmp_path: Path, suffix: str) -> None:
    df = read_pairs(
        {"prompt": ["p", "q"], "chosen": ["a", "c"], "rejected": ["b", "d"], "margin": [0.5, 1.5]}
    )
    path = tmp_path / f"pairs.{suffix}"
    if suffix == "parquet":
        df.write_parquet(path)
    elif suffix == "jsonl":
        df.write_ndjson(path)
    elif suffix == "jsonl.gz":
        path.write_bytes(gzip.compress(df.write_ndjson().encode()))
    elif suffix == "json":
        df.write_json(path)
    else:
        df.write_csv(path)
    assert read_pairs(path).equals(df)


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(st.text(max_size=6), st.text(max_size=6), st.text(max_size=6)).filter(
            lambda t: t[1] != t[2]
        ),
        min_size=1,
        max_size=8,
    )
)
def test_read_pairs_round_trip_property(rows) -> None:
    src = pl.DataFrame(
        {
            "prompt": [r[0] for r in rows],
            "chosen": [r[1] for r in rows],
            "rejected": [r[2] for r in rows],
        },
        schema={"prompt": pl.String, "chosen": pl.String, "rejected": pl.String},
    )
    once = read_pairs(src)
    assert read_pairs(once).equals(once)
    assert once.get_column("chosen_id").to_list() == [content_id(r[1]) for r in rows]


def test_read_pairs_bad_input(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="'rejected'"):
        read_pairs({"chosen": ["a"]})
    with pytest.raises(InputError, match="row 1"):
        read_pairs({"prompt": ["p", "p"], "chosen": ["a", "b"], "rejected": ["c", "b"]})
    with pytest.raises(InputError, match="'chosen' is null at row 0"):
        read_pairs(
            pl.DataFrame(
                {"chosen": [None], "rejected": ["x"]},
                schema={"chosen": pl.String, "rejected": pl.String},
            )
        )
    with pytest.raises(InputError, match="row 1"):
        read_pairs(
            {
                "chosen": ["\n\nHuman: a\n\nAssistant: b", "plain"],
                "rejected": ["\n\nHuman: a\n\nAssistant: c", "text"],
            }
        )
    with pytest.raises(InputError, match="row 0"):
        read_pairs(
            {
                "chosen": ["\n\nHuman: a\n\nAssistant: b"],
                "rejected": ["\n\nHuman: z\n\nAssistant: b"],
            }
        )
    with pytest.raises(SchemaError, match="'chosen' must hold text"):
        read_pairs({"chosen": [1], "rejected": [2]})
    with pytest.raises(InputError, match="does not exist"):
        read_pairs(tmp_path / "nope.jsonl")
    (tmp_path / "x.xlsx").write_text("")
    with pytest.raises(InputError, match="unknown file type"):
        read_pairs(tmp_path / "x.xlsx")
    with pytest.raises(InputError, match="dialogue"):
        read_pairs({"chosen": ["a"], "rejected": ["b"]}, dialogue="weird")


# ---- ratings --------------------------------------------------------------------------------
HELPSTEER = pl.DataFrame(
    {
        "prompt": ["p1", "p1", "p2"],
        "response": ["r1", "r2", "r3"],
        "helpfulness": [3, 4, 1],
        "correctness": [3, 4, 2],
        "coherence": [4, 4, 3],
    }
)


def test_read_ratings_wide_helpsteer_shape() -> None:
    out = read_ratings(HELPSTEER)
    assert out.height == 9
    assert out.columns == ["prompt_id", "response_id", "objective", "score", "prompt", "response"]
    assert out.get_column("objective").to_list() == ["helpfulness", "correctness", "coherence"] * 3
    assert out.get_column("score").to_list() == [3.0, 3.0, 4.0, 4.0, 4.0, 4.0, 1.0, 2.0, 3.0]
    assert out.get_column("response_id").to_list()[::3] == [
        content_id(r) for r in ("r1", "r2", "r3")
    ]
    sub = read_ratings(HELPSTEER, objectives=["coherence"])
    assert sub.get_column("score").to_list() == [4.0, 4.0, 3.0]
    assert "helpfulness" in sub.columns  # not an objective: passes through


def test_read_ratings_long_and_annotator() -> None:
    df = pl.DataFrame(
        {
            "prompt_id": ["a", "a"],
            "response_id": ["x", "y"],
            "objective": ["help", "help"],
            "score": [1, 5],
            "worker": ["w1", "w2"],
        }
    )
    out = read_ratings(df, annotator="worker")
    assert out.columns == ["prompt_id", "response_id", "objective", "score", "annotator_id"]
    assert out.get_column("score").dtype == pl.Float64
    wide_back = read_ratings(out)  # long round trip
    assert wide_back.equals(out)


def test_read_ratings_missing_scores() -> None:
    df = HELPSTEER.with_columns(pl.Series("coherence", [4, None, 3]))
    with pytest.raises(InputError, match=r"row 1.*'coherence'"):
        read_ratings(df)
    with pytest.warns(UserWarning, match="left out 1"):
        out = read_ratings(df, missing="skip")
    assert out.height == 8


def test_read_ratings_bad_input() -> None:
    with pytest.raises(SchemaError, match="prompt_id"):
        read_ratings({"response": ["r"], "help": [1]})
    with pytest.raises(SchemaError, match="'nothere'"):
        read_ratings(HELPSTEER, objectives=["nothere"])
    with pytest.raises(SchemaError, match="no numeric objective"):
        read_ratings({"prompt": ["p"], "response": ["r"], "note": ["n"]})
    with pytest.raises(SchemaError, match="'label' must be numeric"):
        read_ratings({"prompt": ["p"], "response": ["r"], "label": ["n"]}, objectives=["label"])
    with pytest.raises(InputError, match="format"):
        read_ratings(HELPSTEER, format="tall")


# ---- ratings: raw UltraFeedback (openbmb/UltraFeedback) -------------------------------------
def _uf_ann(help_: str, hon: str, inst: str, truth: str | None) -> dict:
    ann = {
        "helpfulness": {
            "Rating": help_,
            "Rationale": "why h",
            "Rationale For Rating": "rh",
            "Type": ["1", "2"],
        },
        "honesty": {"Rating": hon, "Rationale": "why o"},
        "instruction_following": {"Rating": inst, "Rationale": "why i"},
    }
    if truth is not None:  # a completion missing one annotation: the key is absent
        ann["truthfulness"] = {
            "Rating": truth,
            "Rationale": "why t",
            "Rationale For Rating": "rt",
            "Type": ["0"],
        }
    return ann


def _uf_comp(model: str, text: str, ann: dict, overall: float, fine: float) -> dict:
    return {
        "model": model,
        "response": text,
        "custom_system_prompt": f"sys {model}",
        "principle": "helpfulness",
        "fine-grained_score": fine,
        "overall_score": overall,
        "critique": f"crit {text}",
        "annotations": ann,
    }


UF_ROWS = [
    {
        "source": "evol",
        "instruction": "What is 2+2?",
        "models": ["alpaca", "llama"],
        "completions": [
            _uf_comp("alpaca", "4", _uf_ann("5", "4", "5", "5"), 8.5, 4.75),
            _uf_comp("llama", "Five", _uf_ann("1", "N/A", "2", "1"), 2.0, 1.25),
        ],
    },
    {
        "source": "sharegpt",
        "instruction": "Name a colour.",
        "models": ["gpt", "alpaca", "llama"],
        "completions": [
            _uf_comp("gpt", "Blue", _uf_ann("4", "5", "4", None), 7.0, 4.5),
            _uf_comp("alpaca", "4", _uf_ann("1", "3", "1", "2"), 1.0, 1.75),
            _uf_comp("llama", "Red", _uf_ann("3", "3", "3", "3"), 6.0, 3.0),
        ],
    },
    {
        "source": "flan",
        "instruction": "Say hi",
        "models": ["gpt"],
        "completions": [_uf_comp("gpt", "Hi!", _uf_ann("2", "2", "2", "2"), 4.0, 2.0)],
    },
]
UF_OBJS = [
    "helpfulness",
    "honesty",
    "instruction_following",
    "truthfulness",
    "overall_score",
    "fine-grained_score",
]
# (prompt, response, model, objective, score), written out by hand from UF_ROWS, missing="skip":
# the 'N/A' honesty of "Five" and the absent truthfulness of "Blue" are left out.
UF_EXPECTED = [
    ("What is 2+2?", "4", "alpaca", "helpfulness", 5.0),
    ("What is 2+2?", "4", "alpaca", "honesty", 4.0),
    ("What is 2+2?", "4", "alpaca", "instruction_following", 5.0),
    ("What is 2+2?", "4", "alpaca", "truthfulness", 5.0),
    ("What is 2+2?", "4", "alpaca", "overall_score", 8.5),
    ("What is 2+2?", "4", "alpaca", "fine-grained_score", 4.75),
    ("What is 2+2?", "Five", "llama", "helpfulness", 1.0),
    ("What is 2+2?", "Five", "llama", "instruction_following", 2.0),
    ("What is 2+2?", "Five", "llama", "truthfulness", 1.0),
    ("What is 2+2?", "Five", "llama", "overall_score", 2.0),
    ("What is 2+2?", "Five", "llama", "fine-grained_score", 1.25),
    ("Name a colour.", "Blue", "gpt", "helpfulness", 4.0),
    ("Name a colour.", "Blue", "gpt", "honesty", 5.0),
    ("Name a colour.", "Blue", "gpt", "instruction_following", 4.0),
    ("Name a colour.", "Blue", "gpt", "overall_score", 7.0),
    ("Name a colour.", "Blue", "gpt", "fine-grained_score", 4.5),
    ("Name a colour.", "4", "alpaca", "helpfulness", 1.0),
    ("Name a colour.", "4", "alpaca", "honesty", 3.0),
    ("Name a colour.", "4", "alpaca", "instruction_following", 1.0),
    ("Name a colour.", "4", "alpaca", "truthfulness", 2.0),
    ("Name a colour.", "4", "alpaca", "overall_score", 1.0),
    ("Name a colour.", "4", "alpaca", "fine-grained_score", 1.75),
    ("Name a colour.", "Red", "llama", "helpfulness", 3.0),
    ("Name a colour.", "Red", "llama", "honesty", 3.0),
    ("Name a colour.", "Red", "llama", "instruction_following", 3.0),
    ("Name a colour.", "Red", "llama", "truthfulness", 3.0),
    ("Name a colour.", "Red", "llama", "overall_score", 6.0),
    ("Name a colour.", "Red", "llama", "fine-grained_score", 3.0),
    ("Say hi", "Hi!", "gpt", "helpfulness", 2.0),
    ("Say hi", "Hi!", "gpt", "honesty", 2.0),
    ("Say hi", "Hi!", "gpt", "instruction_following", 2.0),
    ("Say hi", "Hi!", "gpt", "truthfulness", 2.0),
    ("Say hi", "Hi!", "gpt", "overall_score", 4.0),
    ("Say hi", "Hi!", "gpt", "fine-grained_score", 2.0),
]
UF_SOURCE = {
    "What is 2+2?": ("evol", ["alpaca", "llama"]),
    "Name a colour.": ("sharegpt", ["gpt", "alpaca", "llama"]),
    "Say hi": ("flan", ["gpt"]),
}


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _check_uf_output(out: pl.DataFrame) -> None:
    assert out.columns == [
        "prompt_id",
        "response_id",
        "objective",
        "score",
        "prompt",
        "response",
        "source",
        "models",
        "model",
        "custom_system_prompt",
        "principle",
        "critique",
    ]
    assert out.get_column("score").dtype == pl.Float64
    assert out.select("prompt", "response", "model", "objective", "score").rows() == UF_EXPECTED
    for row in out.iter_rows(named=True):
        assert row["prompt_id"] == content_id(row["prompt"])
        assert row["response_id"] == content_id(row["response"])
        assert (row["source"], row["models"]) == UF_SOURCE[row["prompt"]]
        assert row["custom_system_prompt"] == f"sys {row['model']}"
        assert row["principle"] == "helpfulness"
        assert row["critique"] == f"crit {row['response']}"
    # the same text "4" under two prompts is one response id (response_ids="text")
    ids = out.filter(pl.col("response") == "4").get_column("response_id").unique()
    assert ids.to_list() == [content_id("4")]


def test_read_ratings_ultrafeedback_jsonl(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "uf.jsonl", UF_ROWS)
    # default missing="error": the 'N/A' rating and the absent one are reported, not zeroed
    with pytest.raises(
        InputError,
        match=r"2 missing rating\(s\).*1 'N/A' rating\(s\) and 1 absent"
        r".*prompt row 0, completion 1: 'honesty' is 'N/A'",
    ):
        read_ratings(path)
    with pytest.warns(
        UserWarning,
        match=r"left out 2 missing .* of 36 \(UltraFeedback: 1 'N/A' "
        r"rating\(s\) and 1 absent",
    ):
        out = read_ratings(path, missing="skip")
    assert out.height == 34
    _check_uf_output(out)
    with pytest.warns(UserWarning, match="left out 2"):
        explicit = read_ratings(path, format="ultrafeedback", missing="skip")
    assert explicit.equals(out)


def test_read_ratings_ultrafeedback_options(tmp_path: Path) -> None:
    path = tmp_path / "uf.jsonl.gz"
    with gzip.open(path, "wt") as f:
        f.writelines(json.dumps(r) + "\n" for r in UF_ROWS)
    # a subset of objectives, in the order asked; nothing missing among them -> no warning
    sub = read_ratings(path, objectives=["overall_score", "helpfulness"])
    assert sub.select("response", "objective", "score").rows() == [
        ("4", "overall_score", 8.5),
        ("4", "helpfulness", 5.0),
        ("Five", "overall_score", 2.0),
        ("Five", "helpfulness", 1.0),
        ("Blue", "overall_score", 7.0),
        ("Blue", "helpfulness", 4.0),
        ("4", "overall_score", 1.0),
        ("4", "helpfulness", 1.0),
        ("Red", "overall_score", 6.0),
        ("Red", "helpfulness", 3.0),
        ("Hi!", "overall_score", 4.0),
        ("Hi!", "helpfulness", 2.0),
    ]
    # only the chosen objectives are checked: honesty's 'N/A' does not matter here
    with pytest.warns(
        UserWarning,
        match=r"left out 1 .* of 6 \(UltraFeedback: 0 'N/A' rating\(s\) "
        r"and 1 absent",
    ):
        tr = read_ratings(
            path,
            objectives=["truthfulness"],
            missing="skip",
            annotator="model",
            response_ids="prompt_text",
        )
    assert tr.columns[:5] == ["prompt_id", "response_id", "objective", "score", "annotator_id"]
    assert tr.select("annotator_id", "score").rows() == [
        ("alpaca", 5.0),
        ("llama", 1.0),
        ("alpaca", 2.0),
        ("llama", 3.0),
        ("gpt", 2.0),
    ]
    assert tr.get_column("response_id").to_list()[2] == content_id(
        content_id("Name a colour.") + "\x1f" + "4"
    )
    # some dumps name the prompt column 'prompt'
    renamed = [{("prompt" if k == "instruction" else k): v for k, v in r.items()} for r in UF_ROWS]
    with pytest.warns(UserWarning, match="left out 2"):
        _check_uf_output(read_ratings(renamed, missing="skip"))


UF_RATING = pl.Struct({"Rating": pl.String, "Rationale": pl.String})
UF_TYPED = pl.Struct(
    {
        "Rating": pl.String,
        "Rationale": pl.String,
        "Rationale For Rating": pl.String,
        "Type": pl.List(pl.String),
    }
)
UF_SCHEMA = {
    "source": pl.String,
    "instruction": pl.String,
    "models": pl.List(pl.String),
    "completions": pl.List(
        pl.Struct(
            {
                "annotations": pl.Struct(
                    {
                        "helpfulness": UF_TYPED,
                        "honesty": UF_RATING,
                        "instruction_following": UF_RATING,
                        "truthfulness": UF_TYPED,
                    }
                ),
                "critique": pl.String,
                "custom_system_prompt": pl.String,
                "fine-grained_score": pl.Float64,
                "model": pl.String,
                "overall_score": pl.Float64,
                "principle": pl.String,
                "response": pl.String,
            }
        )
    ),
}


def test_read_ratings_ultrafeedback_parquet(tmp_path: Path) -> None:
    # the Hugging Face parquet layout: nested struct columns, completion fields in name order
    df = pl.DataFrame(UF_ROWS, schema=UF_SCHEMA)
    df.write_parquet(tmp_path / "uf.parquet")
    back = pl.read_parquet(tmp_path / "uf.parquet")
    assert back.schema == df.schema
    with pytest.warns(UserWarning, match=r"left out 2 .* 1 'N/A' rating\(s\) and 1 absent"):
        out = read_ratings(tmp_path / "uf.parquet", missing="skip")
    assert out.columns[6:] == [
        "source",
        "models",
        "critique",
        "custom_system_prompt",
        "model",
        "principle",
    ]
    _check_uf_output(
        out.select(
            [
                "prompt_id",
                "response_id",
                "objective",
                "score",
                "prompt",
                "response",
                "source",
                "models",
                "model",
                "custom_system_prompt",
                "principle",
                "critique",
            ]
        )
    )


def test_read_ratings_ultrafeedback_bad_input(tmp_path: Path) -> None:
    no_text = pl.DataFrame(
        {"instruction": ["p"], "completions": [[{"model": "m", "text": "x", "overall_score": 1.0}]]}
    )
    with pytest.raises(SchemaError, match="lack the field 'response'"):
        read_ratings(no_text)
    with pytest.raises(SchemaError, match="lack the field 'response'"):
        read_ratings(no_text, format="ultrafeedback")
    assert read_ratings(no_text, response="text").get_column("score").to_list() == [1.0]
    rows = json.loads(json.dumps(UF_ROWS))
    rows[1]["completions"][2]["annotations"]["honesty"]["Rating"] = "good"
    path = _write_jsonl(tmp_path / "bad.jsonl", rows)
    for missing in ("error", "skip"):
        with pytest.raises(
            InputError,
            match=r"'honesty' Rating 'good' at prompt row 1, "
            r"completion 2 is not a number or 'N/A'",
        ):
            read_ratings(path, missing=missing)
    rows[1]["completions"][2]["annotations"]["honesty"]["Rating"] = "3"
    rows[2]["completions"][0]["response"] = None
    with pytest.raises(InputError, match=r"'response' is null at prompt row 2, completion 0"):
        read_ratings(_write_jsonl(tmp_path / "null.jsonl", rows), missing="skip")
    with pytest.raises(SchemaError, match=r"objective\(s\) \['harmlessness'\] not found"):
        read_ratings(UF_ROWS, objectives=["harmlessness"])
    with pytest.raises(SchemaError, match="'completions' column"):
        read_ratings(HELPSTEER, format="ultrafeedback")
    with pytest.raises(SchemaError, match="list of structs"):
        read_ratings({"instruction": ["p"], "completions": [["a", "b"]]})
    with pytest.raises(InputError, match="'instruction' is null at prompt row 1"):
        read_ratings(
            pl.DataFrame([{**UF_ROWS[0]}, {**UF_ROWS[2], "instruction": None}], schema=UF_SCHEMA)
        )


# ---- rankings -------------------------------------------------------------------------------
def test_read_rankings_forms() -> None:
    nested = read_rankings({"voter_id": ["v1"], "ranking": [[["a"], ["b", "c"]]]})
    assert nested.get_column("ranking").to_list() == [[["a"], ["b", "c"]]]
    assert nested.get_column("weight").to_list() == [1.0]
    flat = read_rankings({"ranking": [["a", "b"], ["b"]], "weight": [2, 1]})
    assert flat.get_column("ranking").to_list() == [[["a"], ["b"]], [["b"]]]
    assert flat.get_column("voter_id").to_list() == [0, 1]
    assert flat.get_column("weight").to_list() == [2.0, 1.0]
    text = read_rankings({"voter": ["x"], "ranking": ["a > b = c > d"]}, voter="voter")
    assert text.get_column("ranking").to_list() == [[["a"], ["b", "c"], ["d"]]]
    long = read_rankings(
        {"voter_id": [1, 1, 1, 2, 2], "cand": ["a", "b", "c", "c", "a"], "rank": [2, 1, 2, 1, 5]},
        candidate="cand",
        rank="rank",
    )
    assert long.get_column("voter_id").to_list() == [1, 2]
    assert long.get_column("ranking").to_list() == [[["b"], ["a", "c"]], [["c"], ["a"]]]


def test_read_rankings_bad_input() -> None:
    with pytest.raises(InputError, match="row 1"):
        read_rankings({"ranking": [["a"], []]})
    with pytest.raises(InputError, match="row 0 lists candidate 'a' more than once"):
        read_rankings({"ranking": ["a > b > a"]})
    with pytest.raises(SchemaError, match="'ranking'"):
        read_rankings({"voter_id": [1]})
    with pytest.raises(SchemaError, match="'ranking' must be"):
        read_rankings({"ranking": [1.5]})
    with pytest.raises(InputError, match="candidate= and rank="):
        read_rankings({"ranking": ["a"]}, candidate="c")
    with pytest.raises(InputError, match="voter 1"):
        read_rankings(
            {"voter_id": [1, 1], "c": ["a", "b"], "r": [1, 2], "weight": [1, 2]},
            candidate="c",
            rank="r",
        )


# ---- PrefLib --------------------------------------------------------------------------------
TOC = """# FILE NAME: 00000-00000001.toc
# TITLE: hand example
# DATA TYPE: toc
# NUMBER ALTERNATIVES: 4
# NUMBER VOTERS: 6
# NUMBER UNIQUE ORDERS: 3
# ALTERNATIVE NAME 1: Apple
# ALTERNATIVE NAME 2: Banana
# ALTERNATIVE NAME 3: Cherry
# ALTERNATIVE NAME 4: Date
3: 1,2,3,4
2: {2,3},1,4
1: 4,{1,2,3}
"""


def test_read_preflib_toc_text_and_file(tmp_path: Path) -> None:
    d = read_preflib(text=TOC)
    assert d.data_type == "toc"
    assert d.alternatives == {1: "Apple", 2: "Banana", 3: "Cherry", 4: "Date"}
    assert d.metadata["TITLE"] == "hand example"
    assert d.rankings.get_column("ranking").to_list() == [
        [[1], [2], [3], [4]],
        [[2, 3], [1], [4]],
        [[4], [1, 2, 3]],
    ]
    assert d.rankings.get_column("weight").to_list() == [3.0, 2.0, 1.0]
    assert d.named().get_column("ranking")[1].to_list() == [
        ["Banana", "Cherry"],
        ["Apple"],
        ["Date"],
    ]
    p = tmp_path / "e.toc"
    p.write_text(TOC)
    assert read_preflib(p).rankings.equals(d.rankings)


def test_read_preflib_old_layout(tmp_path: Path) -> None:
    old = "3\n1,Alice\n2,Bob\n3,Carol\n6,6,3\n3,1,2,3\n2,2,{1,3}\n1,3,2,1\n"
    p = tmp_path / "old.toc"
    p.write_text(old)
    d = read_preflib(p)
    assert d.data_type == "toc"
    assert d.alternatives == {1: "Alice", 2: "Bob", 3: "Carol"}
    assert d.rankings.get_column("ranking").to_list() == [
        [[1], [2], [3]],
        [[2], [1, 3]],
        [[3], [2], [1]],
    ]
    assert d.rankings.get_column("weight").to_list() == [3.0, 2.0, 1.0]
    with pytest.raises(InputError, match="ties are not allowed in soc"):
        read_preflib(text=old, data_type="soc")
    with pytest.raises(InputError, match="header says 5 voters"):
        read_preflib(text="2\n1,a\n2,b\n5,5,1\n3,1,2\n", data_type="soc")


def test_read_preflib_soi_and_choice_profile() -> None:
    from pluralign import choice

    soi = (
        "# DATA TYPE: soi\n# NUMBER ALTERNATIVES: 3\n# ALTERNATIVE NAME 1: x\n"
        "# ALTERNATIVE NAME 2: y\n# ALTERNATIVE NAME 3: z\n4: 1\n3: 2,3\n2: 3,2,1\n"
    )
    d = read_preflib(text=soi)
    assert d.rankings.get_column("ranking").to_list() == [[[1]], [[2], [3]], [[3], [2], [1]]]
    # plurality: 1 has 4 first places, 2 has 3, 3 has 2
    res = choice.plurality(choice.Profile.from_rankings(d.rankings, candidates=[1, 2, 3]))
    assert res.winner == 1


@pytest.mark.parametrize(
    "text, match",
    [
        (
            "# DATA TYPE: soc\n# NUMBER ALTERNATIVES: 3\n1: 1,2\n",
            "line 3: soc orders must rank all 3",
        ),
        ("# DATA TYPE: soi\n# NUMBER ALTERNATIVES: 3\n1: {1,2}\n", "line 3: ties are not allowed"),
        ("# DATA TYPE: toi\n# NUMBER ALTERNATIVES: 3\n1: 1,4\n", r"line 3: alternative\(s\) \[4\]"),
        (
            "# DATA TYPE: toi\n# NUMBER ALTERNATIVES: 3\n1: 1,1\n",
            "line 3: alternative 1 listed twice",
        ),
        ("# DATA TYPE: toi\n# NUMBER ALTERNATIVES: 3\n# NUMBER VOTERS: 5\n2: 1\n", "5 voters"),
        ("# DATA TYPE: toi\n# NUMBER ALTERNATIVES: 3\n2: 1,{2\n", "line 3: '{' without"),
        ("# DATA TYPE: toi\n# NUMBER ALTERNATIVES: 3\nx: 1\n", "line 3: count 'x'"),
        ("# DATA TYPE: toi\n# NUMBER ALTERNATIVES: 3\n2: 1,b\n", "line 3: 'b' is not"),
        ("# NUMBER ALTERNATIVES: 3\n2: 1\n", "unknown data type"),
        ("# DATA TYPE: toi\n# NUMBER ALTERNATIVES: x\n1: 1\n", "'NUMBER ALTERNATIVES: x'"),
        ("3\n1,a\n", "announces 3 alternatives"),
        ("2\n1,a\n2,b\n3,3\n3,1,2\n", "line 4: expected 'voters"),
    ],
)
def test_read_preflib_bad_input(text: str, match: str) -> None:
    with pytest.raises(InputError, match=match):
        read_preflib(text=text)


CAT = """# FILE NAME: 00026-00000099.cat
# TITLE: hand example
# DESCRIPTION:
# DATA TYPE: cat
# MODIFICATION TYPE: original
# NUMBER ALTERNATIVES: 4
# NUMBER VOTERS: 7
# NUMBER UNIQUE PREFERENCES: 3
# NUMBER CATEGORIES: 2
# CATEGORY NAME 1: Yes
# CATEGORY NAME 2: No
# ALTERNATIVE NAME 1: Ann
# ALTERNATIVE NAME 2: Bo
# ALTERNATIVE NAME 3: Cy
# ALTERNATIVE NAME 4: Di
4: {1,3},{2,4}
2: {},{1,2,3,4}
1: 2,{1}
"""


def test_read_preflib_cat_categories_rankings_and_approvals(tmp_path: Path) -> None:
    from pluralign import choice

    p = tmp_path / "hand.cat"
    p.write_text(CAT)
    d = read_preflib(p)
    assert d.data_type == "cat"
    assert d.categories == {1: "Yes", 2: "No"}
    assert d.metadata["NUMBER CATEGORIES"] == "2" and d.metadata["TITLE"] == "hand example"
    assert d.alternatives == {1: "Ann", 2: "Bo", 3: "Cy", 4: "Di"}
    assert d.categorical is not None
    assert d.categorical.get_column("categories").to_list() == [
        [[1, 3], [2, 4]],
        [[], [1, 2, 3, 4]],
        [[2], [1]],
    ]
    # rankings: the non-empty categories as tiers (3 and 4 are uncategorised on the last line)
    assert d.rankings.get_column("ranking").to_list() == [
        [[1, 3], [2, 4]],
        [[1, 2, 3, 4]],
        [[2], [1]],
    ]
    assert d.rankings.get_column("weight").to_list() == [4.0, 2.0, 1.0]
    # approval ballots: Ann and Cy approved by 4, nobody by the 2, Bo by 1
    ap = d.approval_profile()
    assert ap.candidates == [1, 2, 3, 4]
    assert choice.av(ap, 2).committee == {1, 3}
    assert choice.av(ap, 2).scores == {1: 4.0, 2: 1.0, 3: 4.0, 4: 0.0}
    # both categories approved: everyone listed approves everything they categorised
    assert choice.av(d.approval_profile(2), 1).scores == {1: 7.0, 2: 7.0, 3: 6.0, 4: 6.0}
    assert d.approval_profile(named=True).candidates == ["Ann", "Bo", "Cy", "Di"]
    with pytest.raises(InputError, match=r"approved must be in 1\.\.2"):
        d.approval_profile(3)
    with pytest.raises(InputError, match="categorical"):
        read_preflib(text=TOC).approval_profile()


def test_read_preflib_cat_matches_preflibtools(tmp_path: Path) -> None:
    # PrefLib's own reader (preflibtools.instances.CategoricalInstance) on the same file
    inst_mod = pytest.importorskip("preflibtools.instances")
    p = tmp_path / "hand.cat"
    p.write_text(CAT)
    inst = inst_mod.CategoricalInstance()
    inst.parse_file(str(p))
    d = read_preflib(p)
    assert d.categories == inst.categories_name
    assert d.alternatives == inst.alternatives_name
    assert d.categorical is not None
    ours = {
        tuple(tuple(c) for c in cats): w
        for cats, w in zip(
            d.categorical.get_column("categories").to_list(), d.categorical.get_column("weight")
        )
    }
    assert ours == {
        tuple(tuple(c) for c in pref): float(n) for pref, n in inst.multiplicity.items()
    }


def test_read_preflib_cat_without_category_headers() -> None:
    # NUMBER CATEGORIES and the names missing: the first line decides, names are the numbers
    d = read_preflib(text="# NUMBER ALTERNATIVES: 2\n1: 1,{},2\n", data_type="cat")
    assert d.categories == {1: "1", 2: "2", 3: "3"}
    assert d.categorical.get_column("categories").to_list() == [[[1], [], [2]]]
    # a line that categorises nothing stays in categorical and the approvals, not in rankings
    d = read_preflib(text="# NUMBER ALTERNATIVES: 2\n3: {},{}\n1: 1,2\n", data_type="cat")
    assert d.rankings.get_column("voter_id").to_list() == [1]
    assert d.categorical.height == 2
    assert d.approval_profile().ballots() == [(frozenset(), 3.0), (frozenset({1}), 1.0)]


def test_read_preflib_errors_name_file_and_line(tmp_path: Path) -> None:
    # one malformed data line per format, in a file: the message names the file and the line
    bad = {
        "soc": "# DATA TYPE: soc\n# NUMBER ALTERNATIVES: 2\n1: 1,2\n1: 2\n",
        "soi": "# DATA TYPE: soi\n# NUMBER ALTERNATIVES: 2\n1: 1\n1: 2,,1\n",
        "toc": "# DATA TYPE: toc\n# NUMBER ALTERNATIVES: 2\n1: {1,2}\n1 {1,2}\n",
        "toi": "# DATA TYPE: toi\n# NUMBER ALTERNATIVES: 2\n1: 1\n1: {1,2}{3}\n",
        "cat": "# DATA TYPE: cat\n# NUMBER ALTERNATIVES: 2\n# NUMBER CATEGORIES: 2\n"
        "1: 1,2\n3: {1,2}\n",
    }
    expected = {
        "soc": "line 4: soc orders must rank all 2",
        "soi": "line 4: empty entry",
        "toc": "line 4: expected 'count: order'",
        "toi": "line 4: missing ','",
        "cat": "line 5: 1 categories, expected 2",
    }
    for ext, body in bad.items():
        p = tmp_path / f"bad.{ext}"
        p.write_text(body)
        with pytest.raises(InputError) as e:
            read_preflib(p)
        assert str(p) in str(e.value) and expected[ext] in str(e.value), str(e.value)
    # header counts name their header line; the text= form says "text"
    with pytest.raises(InputError, match=r"read_preflib: text, line 3: header says 2 voters"):
        read_preflib(text="# DATA TYPE: toi\n# NUMBER ALTERNATIVES: 2\n# NUMBER VOTERS: 2\n1: 1\n")
    with pytest.raises(InputError, match=r"line 8: header says 2 unique preferences"):
        read_preflib(text=CAT.replace("PREFERENCES: 3", "PREFERENCES: 2"))
    with pytest.raises(InputError, match="line 18: alternative 1 listed twice"):
        read_preflib(text=CAT.replace("1: 2,{1}", "1: 1,{1}"))
    with pytest.raises(InputError, match="no header-less layout"):
        read_preflib(text="2\n1,a\n2,b\n1,1,1\n1,1,2\n", data_type="cat")
    # the old header-less layout names the file too
    p = tmp_path / "old.soi"
    p.write_text("2\n1,a\n2,b\n1,1,1\nx,1\n")
    with pytest.raises(InputError, match=r"old\.soi, line 5: count 'x'"):
        read_preflib(p)


# ---- Polis ----------------------------------------------------------------------------------
def _last_votes_reference(path: Path) -> tuple[dict[tuple[int, int], tuple[int, int]], int]:
    """Independent: csv module, keep the vote with the largest (timestamp, file position)."""
    last: dict[tuple[int, int], tuple[int, int, int]] = {}
    n = 0
    with path.open(newline="") as f:
        for i, row in enumerate(csv.DictReader(f)):
            n += 1
            key = (int(row["comment-id"]), int(row["voter-id"]))
            cand = (int(row["timestamp"]), i, int(row["vote"]))
            if key not in last or cand[:2] > last[key][:2]:
                last[key] = cand
    return {k: (v[2], v[0]) for k, v in last.items()}, n


@pytest.mark.parametrize("name", CONVERSATIONS)
def test_read_polis_matches_raw_csv(name: str) -> None:
    folder = POLIS / name
    conv = read_polis(folder)
    assert conv.name == name
    ref, n_raw = _last_votes_reference(folder / "votes.csv")
    v = conv.votes
    assert v.schema == pl.Schema(
        {
            "statement_id": pl.Int64,
            "participant_id": pl.Int64,
            "vote": pl.Int8,
            "timestamp": pl.Datetime("ms", "UTC"),
        }
    )
    assert v.height == len(ref)
    assert conv.superseded == n_raw - len(ref)
    got = {(s, p): (int(x), int(t.timestamp() * 1000 + 0.5)) for s, p, x, t in v.iter_rows()}
    assert got == ref
    # statements: ids, texts and moderation flags as in comments.csv
    with (folder / "comments.csv").open(newline="") as f:
        com = {int(r["comment-id"]): r for r in csv.DictReader(f)}
    st_ = conv.statements
    assert sorted(com) == st_.get_column("statement_id").to_list()
    for sid, text, mod in st_.select("statement_id", "text", "moderated").iter_rows():
        assert text == com[sid]["comment-body"] and mod == int(com[sid]["moderated"])
    # groups: participants-votes.csv group-id ('' -> null); every voter listed
    with (folder / "participants-votes.csv").open(newline="") as f:
        groups = {
            int(r["participant"]): (int(r["group-id"]) if r["group-id"] else None)
            for r in csv.DictReader(f)
        }
    pg = dict(conv.participant_groups.iter_rows())
    assert set(pg) == set(groups) | {p for _, p in ref}
    assert all(pg[p] == groups.get(p) for p in pg)
    assert conv.participant_groups.height == int(conv.metadata["voters"])


def test_read_polis_known_counts() -> None:
    conv = read_polis(POLIS / "brexit-consensus")
    assert (conv.votes.height, conv.superseded, conv.statements.height) == (5303, 9, 50)
    assert conv.metadata["topic"] == "Can there be consensus on Brexit?"


def test_read_polis_hand_folder(tmp_path: Path) -> None:
    (tmp_path / "votes.csv").write_text(
        "timestamp,datetime,comment-id,voter-id,vote\n"
        "10,x,0,7,1\n20,x,0,7,-1\n15,x,1,7,0\n5,x,0,8,1\n20,x,0,8,0\n"
    )
    (tmp_path / "comments.csv").write_text(
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
        '1,x,0,7,1,1,1,"first, statement"\n2,x,1,8,0,0,-1,second\n'
    )
    conv = read_polis(tmp_path, name="hand")
    assert conv.superseded == 2  # 5 raw votes, 3 (statement, voter) pairs
    # (0, 7): the vote at ts 20 (-1) replaces ts 10; (0, 8): ts 20 (0) replaces ts 5
    rows = sorted((s, p, v) for s, p, v, _ in conv.votes.iter_rows())
    assert rows == [(0, 7, -1), (0, 8, 0), (1, 7, 0)]
    assert conv.statements.get_column("text").to_list() == ["first, statement", "second"]
    assert conv.statements.get_column("moderated").to_list() == [1, -1]
    assert conv.participant_groups.get_column("group_id").null_count() == 2


def test_read_polis_same_timestamp_later_row_wins(tmp_path: Path) -> None:
    (tmp_path / "votes.csv").write_text(
        "timestamp,datetime,comment-id,voter-id,vote\n10,x,0,1,1\n10,x,0,1,-1\n"
    )
    (tmp_path / "comments.csv").write_text("comment-id,moderated,comment-body\n0,0,s\n")
    conv = read_polis(tmp_path)
    assert conv.votes.get_column("vote").to_list() == [-1] and conv.superseded == 1


def test_read_polis_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a folder"):
        read_polis(tmp_path / "missing")
    with pytest.raises(InputError, match="no votes.csv"):
        read_polis(tmp_path)
    (tmp_path / "votes.csv").write_text("timestamp,comment-id,voter-id,vote\n1,0,0,2\n")
    (tmp_path / "comments.csv").write_text("comment-id,moderated,comment-body\n0,0,s\n")
    with pytest.raises(InputError, match="'vote'.*row 0"):
        read_polis(tmp_path)
    (tmp_path / "votes.csv").write_text("timestamp,comment-id,vote\n1,0,1\n")
    with pytest.raises(SchemaError, match="voter-id"):
        read_polis(tmp_path)
    (tmp_path / "votes.csv").write_text("timestamp,comment-id,voter-id,vote\n1,0,0,1\n")
    (tmp_path / "comments.csv").write_text("comment-id,moderated,comment-body\n0,5,s\n")
    with pytest.raises(InputError, match="'moderated'.*row 0"):
        read_polis(tmp_path)


# ---- round-trip properties ------------------------------------------------------------------
@st.composite
def ballots(draw, cands: tuple = ("a", "b", "c", "d", "e")) -> list[list[str]]:
    chosen = draw(st.permutations(cands).map(list))[: draw(st.integers(1, len(cands)))]
    cuts = sorted(
        draw(st.sets(st.integers(1, len(chosen) - 1), max_size=len(chosen) - 1))
        if len(chosen) > 1
        else set()
    )
    bounds = [0, *cuts, len(chosen)]
    return [sorted(chosen[i:j]) for i, j in itertools.pairwise(bounds)]


@settings(max_examples=60)
@given(st.lists(ballots(), min_size=1, max_size=6))
def test_read_rankings_text_round_trip(bs) -> None:
    text = [" > ".join(" = ".join(t) for t in b) for b in bs]
    out = read_rankings({"ranking": text})
    assert [[sorted(t) for t in b] for b in out.get_column("ranking").to_list()] == bs
    assert read_rankings(out).equals(out)


@settings(max_examples=60)
@given(
    bs=st.lists(ballots(cands=(1, 2, 3, 4, 5)), min_size=1, max_size=6),
    counts=st.lists(st.integers(1, 9), min_size=6, max_size=6),
)
def test_read_preflib_toi_round_trip(bs, counts) -> None:
    lines = [
        "# DATA TYPE: toi",
        "# NUMBER ALTERNATIVES: 5",
        f"# NUMBER VOTERS: {sum(counts[: len(bs)])}",
        f"# NUMBER UNIQUE ORDERS: {len(bs)}",
    ]
    for b, c in zip(bs, counts, strict=False):
        lines.append(
            f"{c}: "
            + ",".join(str(t[0]) if len(t) == 1 else "{" + ",".join(map(str, t)) + "}" for t in b)
        )
    d = read_preflib(text="\n".join(lines))
    assert d.rankings.get_column("ranking").to_list() == bs
    assert d.rankings.get_column("weight").to_list() == [float(c) for c in counts[: len(bs)]]


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(-5, 5), st.integers(-5, 5)),
        min_size=1,
        max_size=10,
    )
)
def test_read_ratings_wide_long_round_trip(rows) -> None:
    wide = pl.DataFrame(
        {
            "prompt_id": [f"p{r[0]}" for r in rows],
            "response_id": [f"r{i}" for i in range(len(rows))],
            "help": [r[1] for r in rows],
            "safe": [r[2] for r in rows],
        }
    )
    long = read_ratings(wide)
    assert long.height == 2 * len(rows)
    back = long.pivot("objective", index=["prompt_id", "response_id"], values="score")
    assert back.select("prompt_id", "response_id").equals(wide.select("prompt_id", "response_id"))
    assert back.get_column("help").to_list() == [float(r[1]) for r in rows]
    assert back.get_column("safe").to_list() == [float(r[2]) for r in rows]


# ---- docs/prefs.md examples -----------------------------------------------------------------
def test_docs_prefs_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    root = Path(__file__).resolve().parents[1]
    blocks = re.findall(
        r"```python\n(.*?)```", (root / "docs" / "prefs.md").read_text(), flags=re.DOTALL
    )
    assert len(blocks) >= 8
    monkeypatch.chdir(root)
    ns: dict = {}
    for code in blocks:
        exec(code, ns)  # noqa: S102 - our own documentation; its asserts must hold
