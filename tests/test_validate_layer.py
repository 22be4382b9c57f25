"""The shared validation layer (``pluralign._validate``): one frame coercion, column checks,
option checks and renamed keywords, as public functions see them."""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from pluralign import _validate as _v
from pluralign import pareto, stats
from pluralign.errors import InputError, SchemaError

FRAME = pl.DataFrame({"chosen_id": ["a", "a", "b"], "rejected_id": ["b", "c", "c"]})


class _ArrowOnly:
    """Any object that exports an Arrow C stream and nothing else."""

    def __init__(self, table: pa.Table) -> None:
        self._t = table

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self._t.__arrow_c_stream__(requested_schema)


@pytest.mark.parametrize(
    "make",
    [lambda d: d, lambda d: d.lazy(), lambda d: d.to_arrow(), lambda d: _ArrowOnly(d.to_arrow())],
    ids=["DataFrame", "LazyFrame", "pyarrow", "arrow_c_stream"],
)
def test_frame_accepts_every_arrow_table(make: object) -> None:
    got = _v.frame(make(FRAME), "t")  # type: ignore[operator]
    assert got.equals(FRAME)
    # and so does every public function that takes a table: the same answer from each kind
    bt = stats.bradley_terry(make(FRAME), l2=0.01)  # type: ignore[operator]
    assert bt.equals(stats.bradley_terry(FRAME, l2=0.01))
    pts = pl.DataFrame({"x": [1.0, 0.0, 0.5], "y": [0.0, 1.0, -0.1]})
    assert pareto.ranks(make(pts), objectives=["x", "y"]).tolist() == [0, 0, 1]  # type: ignore[operator]


def test_frame_names_the_pandas_conversion() -> None:
    pd = pytest.importorskip("pandas")
    with pytest.raises(
        InputError,
        match=r"comparisons is a pandas DataFrame; convert it with "
        r"polars\.from_pandas\(comparisons\)",
    ):
        stats.bradley_terry(pd.DataFrame({"chosen_id": ["a"], "rejected_id": ["b"]}))
    with pytest.raises(InputError, match="must be a polars DataFrame"):
        _v.frame([1, 2], "t")


def test_require_columns_names_missing_and_present() -> None:
    with pytest.raises(
        SchemaError,
        match=r"t: missing column\(s\): \['z'\] not found; the table "
        r"has \['chosen_id', 'rejected_id'\]",
    ):
        _v.require_columns(FRAME, ["chosen_id", "z"], "t")


def test_option_checks_literal_choices() -> None:
    Kind = Literal["margin", "winning"]
    assert _v.option("margin", "strength", Kind) == "margin"
    with pytest.raises(InputError, match="strength must be one of 'margin', 'winning', got 'x'"):
        _v.option("x", "strength", Kind)
    with pytest.raises(InputError, match="one of"):
        _v.option(["margin"], "strength", Kind)  # unhashable: an error, not a TypeError


def test_instance_refuses_bools_for_ints() -> None:
    assert _v.instance(3, int, "k", what="an int") == 3
    with pytest.raises(InputError, match="k must be an int"):
        _v.instance(True, int, "k", what="an int")
    with pytest.raises(InputError, match="k must be an int or None"):
        _v.instance("3", int, "k", none=True)
    assert _v.instance(None, int, "k", none=True) is None
    assert _v.instance(np.True_, (bool, np.bool_), "flag", what="a bool")


def test_renamed_keyword() -> None:
    unset = _v.UNSET
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _v.renamed("f", "groups", "g", "by", unset) == "g"
        assert _v.renamed("f", "groups", None, "by", unset) is None
    with pytest.warns(DeprecationWarning, match="f: by= is deprecated .* use groups=") as rec:
        assert _v.renamed("f", "groups", None, "by", "old") == "old"
    assert rec[0].filename == __file__  # points at the caller, not into pluralign
    with pytest.raises(InputError, match="pass groups= only"):
        _v.renamed("f", "groups", "a", "by", "b")
