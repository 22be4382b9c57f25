"""pluralign.prefs.ratings_to_pairs / pareto_pairs: hand cases, slow Python references on random
ratings (hypothesis), summaries, bad input."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign.errors import InputError, SchemaError
from pluralign.prefs import pareto_pairs, ratings_to_pairs


def _ratings(rows: list[tuple[str, str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema=["prompt_id", "response_id", "objective", "score"], orient="row"
    )


def test_ratings_to_pairs_hand_case() -> None:
    df = _ratings(
        [
            ("p1", "r1", "help", 3.0),
            ("p1", "r2", "help", 1.0),
            ("p1", "r3", "help", 3.0),
            ("p1", "r1", "safe", 0.0),
            ("p1", "r2", "safe", 0.5),
            ("p2", "r4", "help", 2.0),
        ]
    )
    pairs, s = ratings_to_pairs(df)
    assert pairs.columns == [
        "prompt_id",
        "objective",
        "chosen_id",
        "rejected_id",
        "tie",
        "weight",
        "margin",
    ]
    assert pairs.rows() == [
        ("p1", "help", "r1", "r2", False, 1.0, 2.0),
        ("p1", "help", "r3", "r2", False, 1.0, 2.0),
        ("p1", "safe", "r2", "r1", False, 1.0, 0.5),
    ]
    assert (s.n_in, s.n_out, dict(s.dropped)) == (4, 3, {"ties": 1, "below_margin": 0})
    pairs, s = ratings_to_pairs(df, min_margin=1.0, ties="keep")
    assert pairs.select("chosen_id", "rejected_id", "tie").rows() == [
        ("r1", "r2", False),
        ("r1", "r3", True),
        ("r3", "r2", False),
    ]
    assert dict(s.dropped) == {"ties": 0, "below_margin": 1}
    # groups=prompt only: r1 and r2 are rated under two objectives, so they would be paired with
    # themselves (issue 17): an error naming them, not a pair (r1, r1)
    with pytest.raises(InputError, match="rated more than once"):
        ratings_to_pairs(df, groups="prompt_id")
    _, s = ratings_to_pairs(df.filter(pl.col("objective") == "help"), groups="prompt_id")
    assert s.n_in == 3


def _pairs_reference(df: pl.DataFrame, by: list[str], min_margin: float, keep: bool):
    groups: dict[tuple, list[tuple[str, float]]] = {}
    for row in df.iter_rows(named=True):
        groups.setdefault(tuple(row[c] for c in by), []).append((row["response_id"], row["score"]))
    out, ties, below = [], 0, 0
    for key, rs in groups.items():
        for (ra, sa), (rb, sb) in itertools.combinations(rs, 2):
            d = sa - sb
            if d == 0:
                if keep:
                    out.append((*key, ra, rb, True, 0.0))
                else:
                    ties += 1
            elif abs(d) < min_margin:
                below += 1
            elif d > 0:
                out.append((*key, ra, rb, False, d))
            else:
                out.append((*key, rb, ra, False, -d))
    return out, ties, below


rating_rows = st.lists(
    st.tuples(
        st.sampled_from(["p1", "p2", "p3"]),
        st.sampled_from(["a", "b"]),
        st.integers(0, 4).map(float),
    ),
    max_size=40,
)


@settings(max_examples=60)
@given(rating_rows, st.sampled_from([0.0, 1.0, 2.5]), st.booleans(), st.booleans())
def test_ratings_to_pairs_matches_reference(rows, min_margin, keep, shuffle_sorted) -> None:
    df = pl.DataFrame(
        [(p, f"r{i}", o, s) for i, (p, o, s) in enumerate(rows)],
        schema={
            "prompt_id": pl.String,
            "response_id": pl.String,
            "objective": pl.String,
            "score": pl.Float64,
        },
        orient="row",
    )
    if shuffle_sorted:  # exercise the contiguous (already grouped) fast path
        df = df.sort("prompt_id", "objective", maintain_order=True)
    pairs, s = ratings_to_pairs(df, min_margin=min_margin, ties="keep" if keep else "drop")
    ref, ties, below = _pairs_reference(df, ["prompt_id", "objective"], min_margin, keep)
    got = pairs.select("prompt_id", "objective", "chosen_id", "rejected_id", "tie", "margin").rows()
    assert got == ref
    assert dict(s.dropped) == {"ties": ties, "below_margin": below}
    assert s.n_out == len(ref)


@pytest.mark.parametrize("dtype", [pl.Int64, pl.UInt32, pl.UInt64, pl.Categorical, "long-text"])
@pytest.mark.parametrize("grouped", [True, False])
def test_ratings_to_pairs_key_types(dtype, grouped) -> None:
    # the already-grouped fast path reads text and int keys in Rust; other key types (and
    # ungrouped rows) go through polars: the pairs must not depend on which path ran
    rng = np.random.default_rng(5)
    pid = np.repeat(np.arange(40), 6) if grouped else rng.integers(0, 40, 240)
    base = pl.DataFrame(
        {
            "prompt_id": pid,
            "response_id": [f"r{i}" for i in range(240)],
            "score": rng.integers(0, 4, 240).astype(float),
        }
    )
    ref, _ = ratings_to_pairs(base.with_columns(pl.col("prompt_id").cast(pl.String)))
    if dtype == "long-text":  # longer than the 12 bytes a utf8_view keeps inline
        keyed = base.with_columns(
            ("a-long-shared-prefix-" + pl.col("prompt_id").cast(pl.String)).alias("prompt_id")
        )
        ref = ref.with_columns(("a-long-shared-prefix-" + pl.col("prompt_id")).alias("prompt_id"))
    elif dtype == pl.Categorical:
        keyed = base.with_columns(pl.col("prompt_id").cast(pl.String).cast(pl.Categorical))
    else:
        keyed = base.with_columns(pl.col("prompt_id").cast(dtype))
    got, _ = ratings_to_pairs(keyed)
    assert got.with_columns(pl.col("prompt_id").cast(pl.String)).equals(ref)


_ID_DTYPES = {
    "int8": pl.Series(np.arange(-120, 120), dtype=pl.Int8),
    "int16": pl.Series(np.arange(240) * 100, dtype=pl.Int16),
    "int32": pl.Series(np.arange(240) - 7, dtype=pl.Int32),
    "uint64": pl.Series(np.arange(240, dtype=np.uint64) + np.uint64(2**63), dtype=pl.UInt64),
    "float32": pl.Series(np.arange(240) / 4, dtype=pl.Float32),
    "date": pl.Series(np.arange(240), dtype=pl.Int32).cast(pl.Date),
    "datetime-tz": pl.Series(np.arange(240) * 10**9, dtype=pl.Int64).cast(
        pl.Datetime("ns", "Europe/Berlin")
    ),
    "decimal": pl.Series([f"{i}.25" for i in range(240)]).cast(pl.Decimal(10, 2)),
    "short+long text": pl.Series(
        [f"r{i}" if i % 2 else f"response-with-a-long-id-{i}" for i in range(240)]
    ),
    "binary": pl.Series([f"b{i}".encode() * (1 + i % 9) for i in range(240)]),
    "categorical": pl.Series([f"c{i}" for i in range(240)], dtype=pl.Categorical),
    "boolean": None,  # two values only: its own case below
}


@pytest.mark.parametrize("name", sorted(_ID_DTYPES))
@pytest.mark.parametrize("layout", ["one-chunk", "sliced", "chunked"])
def test_pairs_keep_id_dtype_and_values(name, layout) -> None:
    # Output columns are gathered in Rust straight from the Arrow buffers (fixed-width values
    # and string/binary views) or, for other types, by polars from row indices: each id keeps its
    # dtype and value, whatever the input's chunks and offset.
    rng = np.random.default_rng(11)
    if name == "boolean":
        ids = pl.Series([True, False] * 120)
        pid = np.repeat(np.arange(120), 2)
    else:
        ids = _ID_DTYPES[name]
        pid = rng.integers(0, 30, 240)
    score = rng.integers(0, 4, 240).astype(float)
    text = pl.Series([f"t{i}" for i in range(240)])
    base = pl.DataFrame({"prompt_id": pid, "response_id": text, "score": score})
    typed = base.with_columns(ids.alias("response_id"))
    if layout == "sliced":
        base, typed = base.slice(17), typed.slice(17)
    elif layout == "chunked":
        typed = pl.concat([typed.slice(0, 100), typed.slice(100)], rechunk=False)
        assert typed.n_chunks() == 2
    for fn in (ratings_to_pairs, lambda d: pareto_pairs(d.rename({"score": "s"}), ["s"])):
        ref, _ = fn(base)
        got, _ = fn(typed)
        assert got.schema["chosen_id"] == ids.dtype
        assert got.schema["rejected_id"] == ids.dtype
        want = ref.with_columns(
            pl.col(c).replace_strict(text, ids, return_dtype=ids.dtype)
            for c in ("chosen_id", "rejected_id")
        )
        assert got.equals(want), name


def test_pareto_pairs_hand_case() -> None:
    df = _ratings(
        [
            ("p", "a", "help", 2.0),
            ("p", "a", "safe", 2.0),
            ("p", "b", "help", 1.0),
            ("p", "b", "safe", 1.0),
            ("p", "c", "help", 3.0),
            ("p", "c", "safe", 0.0),
            ("p", "d", "help", 1.0),
            ("p", "d", "safe", 1.0),
            ("p", "x", "other", 9.0),
        ]
    )
    pairs, s = pareto_pairs(df, ["help", "safe"])
    # a > b, a > d; c vs a, b, d incomparable; b == d
    assert pairs.select("chosen_id", "rejected_id").rows() == [("a", "b"), ("a", "d")]
    assert (s.n_in, s.n_out, dict(s.dropped)) == (6, 2, {"incomparable": 3, "equal": 1})
    # minimizing "safe" flips which pairs are comparable
    pairs, _ = pareto_pairs(df, ["help", "safe"], maximize=[True, False])
    assert pairs.select("chosen_id", "rejected_id").rows() == [("c", "a"), ("c", "b"), ("c", "d")]
    wide = pl.DataFrame({"prompt_id": ["p"] * 2, "response_id": ["u", "v"], "h": [1.0, 2.0]})
    pairs, _ = pareto_pairs(wide, ["h"])
    assert pairs.select("chosen_id", "rejected_id").rows() == [("v", "u")]


@settings(max_examples=50)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["p1", "p2"]), st.integers(0, 2), st.integers(0, 2), st.integers(0, 2)
        ),
        max_size=15,
    )
)
def test_pareto_pairs_matches_reference(rows) -> None:
    df = pl.DataFrame(
        [(p, f"r{i}", x, y, z) for i, (p, x, y, z) in enumerate(rows)],
        schema={
            "prompt_id": pl.String,
            "response_id": pl.String,
            "x": pl.Int64,
            "y": pl.Int64,
            "z": pl.Int64,
        },
        orient="row",
    )
    pairs, s = pareto_pairs(df, ["x", "y", "z"])
    ref, inc, eq = [], 0, 0
    groups: dict[str, list] = {}
    for r in df.iter_rows(named=True):
        groups.setdefault(r["prompt_id"], []).append(r)
    for p, rs in groups.items():
        for a, b in itertools.combinations(rs, 2):
            va, vb = (a["x"], a["y"], a["z"]), (b["x"], b["y"], b["z"])
            ge = all(u >= v for u, v in zip(va, vb, strict=True))
            le = all(u <= v for u, v in zip(va, vb, strict=True))
            if ge and le:
                eq += 1
            elif ge:
                ref.append((p, a["response_id"], b["response_id"]))
            elif le:
                ref.append((p, b["response_id"], a["response_id"]))
            else:
                inc += 1
    assert pairs.select("prompt_id", "chosen_id", "rejected_id").rows() == ref
    assert dict(s.dropped) == {"incomparable": inc, "equal": eq}


def test_pairs_bad_input() -> None:
    df = _ratings([("p", "a", "h", 1.0), ("p", "b", "h", float("nan"))])
    with pytest.raises(InputError, match="row 1"):
        ratings_to_pairs(df)
    with pytest.raises(InputError, match="ties"):
        ratings_to_pairs(df, ties="half")
    with pytest.raises(InputError, match="min_margin"):
        ratings_to_pairs(df, min_margin=-1)
    with pytest.raises(SchemaError, match="score"):
        ratings_to_pairs(df.drop("score"))
    with pytest.raises(SchemaError, match="numeric"):
        ratings_to_pairs(df.with_columns(pl.col("score").cast(pl.String)))
    with pytest.raises(InputError, match="'response_id' is null at row 0"):
        ratings_to_pairs(df.with_columns(pl.lit(None, pl.String).alias("response_id")))
    missing = _ratings([("p", "a", "h", 1.0), ("p", "a", "s", 1.0), ("p", "b", "h", 2.0)])
    with pytest.raises(InputError, match="'b'.*no score for objective 's'"):
        pareto_pairs(missing, ["h", "s"])
    dup = _ratings([("p", "a", "h", 1.0), ("p", "a", "h", 2.0)])
    with pytest.raises(InputError, match="several"):
        pareto_pairs(dup, ["h"])
    with pytest.raises(InputError, match="objective 'zzz'"):
        pareto_pairs(missing, ["zzz"])
