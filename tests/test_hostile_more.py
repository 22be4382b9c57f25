"""Issue 17, second round: the classes the fuzz families ``groups``, ``assembly``, ``reward``,
``scale`` and ``cli`` found (tests/fuzz/more_targets.py), one regression test per class, plus
the checks that valid input of the same shapes is still accepted."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from pluralign import govern, prefs, scale, stats
from pluralign.cli import main
from pluralign.errors import InputError, LimitError
from pluralign.govern import Assembly, Context, aggregate_weights

POLIS = Path(__file__).parent / "data" / "polis" / "15-per-hour-seattle"


def _votes() -> pl.DataFrame:
    rows = [(s, p, 1 if (p < 6) == (s < 3) else -1) for p in range(12) for s in range(6)]
    return pl.DataFrame(rows, schema=["statement_id", "participant_id", "vote"], orient="row")


def _groups() -> pl.DataFrame:
    return pl.DataFrame({"participant_id": list(range(12)), "group": [0] * 6 + [1] * 6})


def cli(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    return code, err.getvalue()


# -- an array (or a number) where one option string belongs: no ambiguous-truth ValueError -----


@pytest.mark.parametrize(
    "call",
    [
        lambda a: govern.opinion_groups(_votes(), method=a),
        lambda a: govern.opinion_groups(_votes(), row_order=a),
        lambda a: govern.consensus(_votes(), _groups()).top(by=a),
        lambda a: aggregate_weights(np.ones((2, 3)), rule=a),
        lambda a: Context.builtin(a),
        lambda a: Context.builtin("medical_advice").objective(a),
        lambda a: scale.ProfileState(["a", "b"], kind=a),
        lambda a: prefs.read_pairs([{"chosen": "a", "rejected": "b"}], dialogue=a),
        lambda a: prefs.read_ratings([{"prompt": "p", "response": "r", "x": 1.0}], format=a),
    ],
    ids=[
        "method",
        "row_order",
        "top.by",
        "weight rule",
        "builtin",
        "objective",
        "kind",
        "dialogue",
        "format",
    ],
)
def test_array_as_option_is_an_input_error(call) -> None:
    for bad in (np.array(["a", "b"]), np.zeros(0), 5):
        with pytest.raises(InputError):
            call(bad)


# -- something that is not a path where a path belongs ------------------------------------------


def test_read_polis_refuses_non_paths_and_accepts_path_objects() -> None:
    for bad in (5, np.zeros(3), None, "a\x00b", ""):
        with pytest.raises(InputError, match="folder"):
            prefs.read_polis(bad)
    conv = prefs.read_polis(POLIS)  # a pathlib.Path is fine
    assert conv.votes.height > 0
    with pytest.raises(InputError, match="name"):
        prefs.read_polis(POLIS, name=b"x")


def test_cli_nul_byte_in_an_argument_is_a_clean_error(tmp_path: Path) -> None:
    code, err = cli(["govern", str(tmp_path / "v.csv"), "--out", "a\x00b"])
    assert code == 2 and "NUL" in err and "Traceback" not in err


# -- a number or None where a collection belongs ------------------------------------------------


def test_non_collections_where_a_list_belongs() -> None:
    from pluralign.reward import ModelConfig

    with pytest.raises(InputError, match="states"):
        scale.merge_all(None)
    with pytest.raises(InputError, match="states"):
        scale.merge_all("ab")
    with pytest.raises(InputError, match="by"):
        scale.TallyState(by=5)
    with pytest.raises(InputError, match="hidden"):
        ModelConfig(input_dim=4, hidden=0)
    with pytest.raises(InputError, match="objectives"):
        prefs.read_ratings([{"prompt": "p", "response": "r", "x": 1.0}], objectives=5)
    with pytest.raises(InputError, match="rules"):
        govern.compare_rules(_votes(), 2, rules=5, groups=_groups())
    with pytest.raises(InputError, match="objectives is empty"):
        prefs.read_ratings([{"prompt": "p", "response": "r", "x": 1.0}], objectives=[])


# -- silently accepted before: bytes as a list of names, complex numbers, foreign objects -------


def test_values_that_were_silently_accepted() -> None:
    from pluralign.reward import ModelConfig, TrainConfig

    with pytest.raises(InputError, match="groups"):
        ModelConfig(input_dim=4, groups=b"ab")  # was [ '97', '98' ]
    with pytest.raises(InputError, match="hidden"):
        ModelConfig(input_dim=4, hidden=b"\x04")  # was one layer of width 4
    with pytest.raises(InputError, match="scores"):
        aggregate_weights(np.array([[1 + 1j, 2], [3, 4]]))  # imaginary part was dropped
    with pytest.raises(InputError, match="tol"):
        aggregate_weights(np.ones((2, 2)), rule="nash", tol=1 + 2j)
    with pytest.raises(InputError, match="ledger"):
        Assembly(Context.builtin("medical_advice"), ledger=object())
    with pytest.raises(InputError, match="weight_decay"):
        TrainConfig(weight_decay=1j)
    with pytest.raises(InputError, match="maximize"):
        scale.ParetoFrontState(["a", "b"], maximize=b"\x01\x00")
    with pytest.raises(InputError, match="objectives"):
        ModelConfig(input_dim=4, objectives=np.array([object()], dtype=object))


def test_reward_embeddings_refuse_complex_and_objects() -> None:
    from pluralign.reward import ModelConfig, RewardModel

    m = RewardModel(ModelConfig(input_dim=2, hidden=[]))
    with pytest.raises(InputError, match="complex"):
        m.predict(np.array([[1 + 1j, 2.0]]))
    with pytest.raises(InputError, match="objects"):
        m.predict(np.array([[object(), 1.0]], dtype=object))
    mu, sd = m.predict(np.array([[1.0, 2.0]], dtype=np.float64))  # the valid case still works
    assert mu.shape == (1, 1) and sd.shape == (1, 1)


# -- an object of the wrong class where a pluralign object belongs ------------------------------


def test_wrong_object_types_in_reward() -> None:
    from pluralign.reward import ModelConfig, RewardModel, RewardTrainer, evaluate, quick_fit

    with pytest.raises(InputError, match="config"):
        RewardModel(None)
    m = RewardModel(ModelConfig(input_dim=2, hidden=[]))
    with pytest.raises(InputError, match="config"):
        RewardTrainer(m, {"epochs": 1})
    comps = pl.DataFrame({"prompt_id": ["p"], "chosen_id": ["a"], "rejected_id": ["b"]})
    emb = (["a", "b"], np.eye(2))
    with pytest.raises(InputError, match="model"):
        evaluate(5, comps, emb)
    with pytest.raises(InputError, match="n_bins"):
        evaluate(m, comps, emb, n_bins=[])
    with pytest.raises(InputError, match="train"):
        quick_fit(comps, emb, train=5)
    with pytest.raises(InputError, match="hidden"):
        quick_fit(comps, emb, hidden=1.5)


# -- numbers: NaN / floats / huge ints where counts belong, huge sizes ---------------------------


def test_counts_and_numbers_are_checked_by_type() -> None:
    from pluralign.reward import ModelConfig, RewardModel

    cons = govern.consensus(_votes(), _groups())
    with pytest.raises(InputError, match="n"):
        cons.distinctive(0, n=float("nan"))
    with pytest.raises(InputError, match="alpha"):
        cons.distinctive(0, alpha="0.05")
    with pytest.raises(InputError, match="group"):
        cons.representative(np.zeros(0))
    with pytest.raises(InputError, match="batch_size"):
        RewardModel(ModelConfig(input_dim=2, hidden=[])).predict(np.ones((1, 2)), batch_size=1.5)
    with pytest.raises(LimitError, match="input_dim"):
        ModelConfig(input_dim=10**12)
    with pytest.raises(InputError, match="l2"):
        stats.bradley_terry(pl.DataFrame({"chosen_id": ["a"], "rejected_id": ["b"]}), l2=None)
    with pytest.raises(InputError, match="kmeans_sample"):
        govern.opinion_groups(_votes(), method="kmeans", kmeans_sample=None)
    with pytest.raises(InputError, match="pseudocount"):
        govern.consensus(_votes(), _groups(), pseudocount=True)


def test_numpy_scalars_and_tuples_are_still_accepted() -> None:
    cons = govern.consensus(_votes(), _groups())
    assert cons.top(np.int64(2)).height == 2
    assert cons.distinctive(np.int64(1), n=np.int32(3), alpha=np.float32(0.5)).height <= 3
    st = scale.ParetoFrontState(("a", "b"), maximize=(True, False))
    out = st.update(pl.DataFrame({"a": [1.0, 2.0], "b": [1.0, 0.0]})).finalize()
    assert out.height == 1 and out["a"].to_list() == [2.0]  # (2, 0) dominates (1, 1) here


# -- damaged serialized state --------------------------------------------------------------------


def test_damaged_state_bytes_are_an_input_error() -> None:
    good = scale.TallyState().update(pl.DataFrame({"chosen_id": [1, 2], "rejected_id": [2, 1]}))
    data = good.to_bytes()
    assert scale.state_from_bytes(data).finalize()["n"].to_list() == [2]
    for bad in (data[:12], data[:-3], data[:20] + b"\x00" * 10 + data[30:]):
        with pytest.raises(InputError, match="damaged|not a serialized"):
            scale.state_from_bytes(bad)


# -- files the CLI and the context loader read -------------------------------------------------


def test_binary_context_file_is_an_input_error(tmp_path: Path) -> None:
    p = tmp_path / "ctx"
    p.write_bytes(b"SQLite format 3\x00\xf8\xff" * 10)
    with pytest.raises(InputError, match="not UTF-8"):
        Context.from_toml(str(p))
    pl.DataFrame(
        {
            "prompt_id": [0],
            "harmlessness": [0.1],
            "honesty": [0.2],
            "helpfulness": [0.3],
            "verbosity": [0.4],
        }
    ).write_csv(tmp_path / "s.csv")
    code, err = cli(["edges", str(tmp_path / "s.csv"), "--context", str(p)])
    assert code == 2 and "not UTF-8" in err and "Traceback" not in err


def test_cli_truncated_gzip_is_a_clean_error(tmp_path: Path) -> None:
    p = tmp_path / "s.jsonl.gz"
    p.write_bytes(gzip.compress(b'{"prompt_id": 0, "a": 1.0}\n' * 50)[:-8])
    code, err = cli(["pareto", str(p)])
    assert code == 2 and "gzip" in err and len(err.strip().splitlines()) == 1


def test_cli_int_beyond_64_bits_is_a_clean_error(tmp_path: Path) -> None:
    p = tmp_path / "pairs.jsonl"
    p.write_text(json.dumps({"prompt": "q", "chosen": "a", "rejected": "b"}) + "\n")
    code, err = cli(["prepare", str(p), "--limit", str(10**20)])
    assert code == 2 and "--limit" in err and "out of range" in err
    code, _ = cli(["prepare", str(p), "--limit", "1", "-o", str(tmp_path / "o.csv")])
    assert code == 0 and pl.read_csv(tmp_path / "o.csv").height == 1


# -- the JSON-type check: fast on valid files, still exact on coerced ones ---------------------


@pytest.mark.parametrize("sep", [": ", ":"])
def test_read_pairs_type_check_catches_coercions_in_either_spacing(tmp_path: Path, sep) -> None:
    def row(chosen: str) -> str:
        return (
            "{"
            + f'"prompt"{sep}"q"{", " if sep == ": " else ","}"chosen"{sep}{chosen}'
            + f'{", " if sep == ": " else ","}"rejected"{sep}"r"'
            + "}\n"
        )

    p = tmp_path / "x.jsonl"
    p.write_text(row('"a"') + row('"say \\": \\" and \\":\\""'))  # escaped quotes: valid
    assert prefs.read_pairs(p)["chosen"].to_list() == ["a", 'say ": " and ":"']
    for bad in ("5", "true", '["x"]', '{"inner"' + sep + '"text"}'):
        # the object case holds a string of its own, which a bare count would have matched
        p.write_text(row('"a"') + row(bad))
        with pytest.raises(InputError, match="line 2.*non-text value"):
            prefs.read_pairs(p)


def test_read_pairs_text_that_starts_with_a_bracket_is_valid(tmp_path: Path) -> None:
    p = tmp_path / "x.jsonl"
    rows = [{"prompt": "q", "chosen": "[draft] {x}", "rejected": '{"a": "b"}'}]
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    df = prefs.read_pairs(p)
    assert df["chosen"].to_list() == ["[draft] {x}"]
    assert df["rejected"].to_list() == ['{"a": "b"}']


# -- found by probing by hand (beyond the harness) ---------------------------------------------


def test_bradley_terry_seed_and_threads_are_named_errors() -> None:
    comps = pl.DataFrame({"chosen_id": ["a", "b"], "rejected_id": ["b", "a"]})
    for kw, name in (
        ({"seed": -1}, "seed"),
        ({"seed": 2**70}, "seed"),
        ({"threads": -1}, "threads"),
        ({"threads": True}, "threads"),
    ):
        with pytest.raises(InputError, match=name):
            stats.bradley_terry(comps, bootstrap=2, **kw)


def test_object_dtype_id_columns_are_a_schema_error() -> None:
    from pluralign import edge
    from pluralign.errors import SchemaError

    v = _votes().with_columns(
        participant_id=pl.Series(
            [str(i) if i % 2 else i for i in _votes()["participant_id"]], dtype=pl.Object
        )
    )
    with pytest.raises(SchemaError, match="participant_id.*Object"):
        govern.opinion_groups(v)
    with pytest.raises(SchemaError, match="Object"):
        scale.VoteMatrixState().update(v)
    ctx = Context.builtin("medical_advice")
    sc = pl.DataFrame(
        {
            "prompt_id": pl.Series([0, "a"], dtype=pl.Object),
            **{o: [0.1, 0.2] for o in ctx.objective_names},
        }
    )
    with pytest.raises(SchemaError, match="prompt_id.*Object"):
        edge.Arbiter(ctx).decide_batch(sc)


def test_mixed_type_id_list_is_refused_not_merged() -> None:
    from pluralign import pareto

    pts = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.2, 0.2]])
    with pytest.raises(InputError, match="mixes id types"):
        pareto.ranks(pts, groups=[0, "0", 1, "1"])  # numpy made 0 and "0" one group
    assert pareto.ranks(pts, groups=["0", "0", "1", "1"]).tolist() == [0, 0, 0, 1]


def test_scale_folds_and_votes() -> None:
    from pluralign.scale import stream

    with pytest.raises(InputError, match="batches"):
        scale.fold(None, scale.TallyState())
    with pytest.raises(InputError, match="state"):
        scale.fold([pl.DataFrame({"chosen_id": [1], "rejected_id": [2]})], 5)
    with pytest.raises(InputError, match="chunk_size"):
        stream.aggregate(
            pl.DataFrame({"chosen_id": [1], "rejected_id": [2]}),
            scale.TallyState(),
            chunk_size=True,
        )
    half = pl.DataFrame({"statement_id": [0], "participant_id": [0], "vote": [0.5]})
    with pytest.raises(InputError, match="0.5"):
        scale.VoteMatrixState().update(half)
    whole = half.with_columns(vote=pl.lit(1.0))
    assert scale.VoteMatrixState().update(whole).votes()["vote"].to_list() == [1]
    with pytest.raises(InputError, match="twice"):
        prefs.tally(pl.DataFrame({"g": [1], "chosen_id": [1], "rejected_id": [2]}), by=["g", "g"])


def test_numpy_threads_accepted_by_opinion_groups() -> None:
    a = govern.opinion_groups(_votes(), threads=np.int64(1))
    b = govern.opinion_groups(_votes(), threads=1)
    assert a.assignments["group"].to_list() == b.assignments["group"].to_list()


def test_paths_and_checkpoints(tmp_path: Path) -> None:
    from pluralign.reward import ModelConfig, RewardModel, embed_texts

    with pytest.raises(InputError, match="path"):
        govern.Ledger("a\x00b")
    m = RewardModel(ModelConfig(input_dim=2, hidden=[]))
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(InputError, match="is a file"):
        m.save(f)
    with pytest.raises(InputError, match="path"):
        RewardModel.load(5)
    ck = m.save(tmp_path / "ck")
    (ck / "config.json").write_text("not json")
    with pytest.raises(InputError, match="not readable JSON"):
        RewardModel.load(ck)
    (ck / "config.json").write_text(json.dumps({"model": {"input_dim": 2, "bogus": 1}}))
    with pytest.raises(InputError, match="ModelConfig"):
        RewardModel.load(ck)
    with pytest.raises(InputError, match="one string"):
        embed_texts("hello")  # was embedded character by character
    with pytest.raises(InputError, match="folder"):
        embed_texts(["a"], cache=tmp_path)


def test_profile_threads_and_ari_labels(tmp_path: Path) -> None:
    from pluralign import choice

    with pytest.raises(InputError, match="threads"):
        choice.Profile.from_rankings([["a", "b"]], threads=-1)  # was OverflowError
    objs = np.empty(2, dtype=object)
    objs[:] = [object(), object()]
    with pytest.raises(InputError, match="b"):
        govern.adjusted_rand_index([0, 1], objs)
    assert govern.adjusted_rand_index([0, 0, 1, 1], [1, 1, 0, 0]) == 1.0
    rk = tmp_path / "rankings.jsonl"
    pl.DataFrame({"ranking": [[["a"], ["b"]], [["b"], ["a"]]]}).write_ndjson(rk)
    code, err = cli(["aggregate", str(rk), "--rules", "copeland", "--threads", "-1"])
    assert code == 2 and "threads" in err and len(err.strip().splitlines()) == 1
    assert cli(["aggregate", str(rk), "--rules", "copeland", "--threads", "1"])[0] == 0


def test_sizes_beyond_64_bits_from_the_long_fuzz_run() -> None:
    from pluralign.scale import stream

    cons = govern.consensus(_votes(), _groups())
    assert cons.top(2**64).height == 6  # more than there is: all of it, no OverflowError
    assert cons.distinctive(0, n=2**64).height == cons.distinctive(0, n=100).height
    with pytest.raises(LimitError, match="base_k"):
        govern.opinion_groups(_votes(), base_k=2**64)
    with pytest.raises(InputError, match="rules is empty"):
        govern.compare_rules(_votes(), 2, rules=[], groups=_groups())
    df = pl.DataFrame({"chosen_id": [1, 2], "rejected_id": [2, 1]})
    for src in (df, df.lazy()):
        assert stream.aggregate(src, scale.TallyState(), chunk_size=2**64).finalize()[
            "n"
        ].to_list() == [2]
