"""pluralign.stats.agreement: Krippendorff's published example, kappa hand cases, cross-checks
with the `krippendorff` package on random data, bad input."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign.errors import InputError, SchemaError
from pluralign.stats import agreement

NAN = float("nan")
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section E: 4 observers x 12
# units with missing values; published alphas (3 decimals) per level of measurement.
KRIPP = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_published_example(level: str, published: float) -> None:
    a = agreement(KRIPP, "krippendorff", level)
    assert round(a.value, 3) == published
    assert a.n_units == 11  # the last unit has a single rating, so it is not pairable
    ref = krippendorff.alpha(KRIPP, level_of_measurement=level)
    assert a.value == pytest.approx(ref, abs=1e-12)


def test_krippendorff_long_table_matches_matrix_and_string_ids() -> None:
    rows = [
        (f"obs{r}", f"u{u:02d}", KRIPP[r, u])
        for r in range(4)
        for u in range(12)
        if not math.isnan(KRIPP[r, u])
    ]
    df = pl.DataFrame(rows, schema=["annotator_id", "item", "value"], orient="row")
    for level in ("nominal", "ordinal", "interval", "ratio"):
        assert agreement(df, level=level).value == pytest.approx(
            agreement(KRIPP, level=level).value, abs=1e-14
        )
    # nominal labels may be strings
    lab = df.with_columns(pl.col("value").cast(pl.Int64).cast(pl.String).alias("value"))
    assert agreement(lab).value == pytest.approx(0.743, abs=5e-4)


def test_fleiss_wikipedia_example() -> None:
    # Fleiss (1971) worked example as reproduced on Wikipedia ("Fleiss' kappa"): 10 subjects,
    # 14 raters, 5 categories; kappa = 0.210.
    counts = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    rows = []
    for s, row in enumerate(counts):
        r = 0
        for cat, c in enumerate(row):
            for _ in range(c):
                rows.append((r, s, cat + 1))
                r += 1
    df = pl.DataFrame(rows, schema=["annotator_id", "item", "value"], orient="row")
    a = agreement(df, "fleiss")
    assert round(a.value, 3) == 0.210
    assert a.n_units == 10


def test_cohen_and_percent_hand_case() -> None:
    # Two raters, 4 items: agree on 3 of 4. Labels a: [1,1,0,0], b: [1,1,0,1].
    # p_o = 3/4; marginals a: 1->2/4, 0->2/4; b: 1->3/4, 0->1/4; p_e = 1/2*3/4 + 1/2*1/4 = 1/2.
    # kappa = (3/4 - 1/2) / (1/2) = 0.5
    df = pl.DataFrame(
        {
            "annotator_id": ["a"] * 4 + ["b"] * 4,
            "item": [1, 2, 3, 4] * 2,
            "value": [1, 1, 0, 0, 1, 1, 0, 1],
        }
    )
    assert agreement(df, "cohen").value == pytest.approx(0.5)
    assert agreement(df, "percent").value == pytest.approx(0.75)


@settings(max_examples=40)
@given(
    st.integers(2, 6),
    st.integers(2, 15),
    st.integers(0, 2**31),
    st.floats(0.0, 0.6),
    st.sampled_from(["nominal", "ordinal", "interval", "ratio"]),
)
def test_alpha_matches_krippendorff_package(
    raters: int, units: int, seed: int, missing: float, level: str
) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 5, size=(raters, units)).astype(float)
    x[rng.random(x.shape) < missing] = np.nan
    pairable = (np.sum(~np.isnan(x), axis=0) >= 2).any()
    vals = x[:, np.sum(~np.isnan(x), axis=0) >= 2]
    vals = vals[~np.isnan(vals)]
    if not pairable or len(np.unique(vals)) < 2:
        with pytest.raises(InputError):
            agreement(x, level=level)
        return
    ref = krippendorff.alpha(x, level_of_measurement=level)
    assert agreement(x, level=level).value == pytest.approx(ref, abs=1e-9)


def test_agreement_bad_input() -> None:
    with pytest.raises(InputError, match="metric"):
        agreement(KRIPP, "kendall")
    with pytest.raises(InputError, match="level"):
        agreement(KRIPP, level="cardinal")
    with pytest.raises(SchemaError, match="item"):
        agreement(pl.DataFrame({"annotator_id": [1], "value": [1.0]}))
    df = pl.DataFrame({"annotator_id": ["a", "a"], "item": [1, 1], "value": [1.0, 2.0]})
    with pytest.raises(InputError):
        agreement(df)  # rater a rates item 1 twice
    df = pl.DataFrame({"annotator_id": ["a", "b"], "item": [1, 1], "value": ["x", "y"]})
    with pytest.raises(SchemaError, match="numeric"):
        agreement(df, level="interval")
    df = pl.DataFrame({"annotator_id": ["a", None], "item": [1, 1], "value": [1.0, 2.0]})
    with pytest.raises(InputError, match="annotator_id.*row 1"):
        agreement(df)
    with pytest.raises(InputError, match="2-D"):
        agreement(np.zeros(3))
    with pytest.raises(InputError, match="Cohen"):
        agreement(KRIPP, "cohen")


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_dense_matrix_path_matches_long_table_across_blocks_and_threads(level: str) -> None:
    # 5,000 items span three of the kernel's 2,048-column blocks; an offset of 1e6 checks that
    # the per-item moments (interval) keep their precision.
    rng = np.random.default_rng(7)
    x = rng.integers(1, 6, size=(6, 5000)).astype(float)
    if level == "interval":
        x += 1e6
    x[rng.random(x.shape) < 0.5] = np.nan
    r, u = np.nonzero(~np.isnan(x))
    df = pl.DataFrame({"annotator_id": r, "item": u, "value": x[r, u]})
    long = agreement(df, level=level)
    dense = [agreement(x, level=level, threads=t) for t in (1, 2)]
    assert dense[0] == dense[1]  # identical for any thread count
    assert dense[0].value == pytest.approx(long.value, abs=1e-13)
    assert dense[0].n_units == long.n_units
    assert dense[0].value == pytest.approx(
        krippendorff.alpha(x, level_of_measurement=level), abs=1e-9
    )
    # F-ordered and strided views read the same ratings
    assert agreement(np.asfortranarray(x), level=level).value == pytest.approx(
        dense[0].value, abs=1e-12
    )
    wide = np.full((6, 10000), np.nan)
    wide[:, ::2] = x
    assert agreement(wide[:, ::2], level=level).value == pytest.approx(dense[0].value, abs=1e-12)


def test_dense_matrix_kappas_match_long_table() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, size=(2, 4500)).astype(float)
    x[0, rng.random(4500) < 0.2] = np.nan
    r, u = np.nonzero(~np.isnan(x))
    df = pl.DataFrame({"annotator_id": r, "item": u, "value": x[r, u]})
    for metric in ("cohen", "percent"):
        assert agreement(x, metric).value == pytest.approx(agreement(df, metric).value, abs=1e-14)


def test_dense_matrix_infinite_value_names_the_first_cell() -> None:
    x = np.ones((3, 5000))
    x[2, 4100] = np.inf
    x[1, 4999] = -np.inf
    for level in ("interval", "nominal"):
        with pytest.raises(InputError, match="rater 1 for item 4999"):
            agreement(x, level=level)
    with pytest.raises(InputError, match="rater 1 for item 4999"):
        agreement(x, "fleiss")
