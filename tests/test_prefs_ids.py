"""Content ids hashed in Rust from Arrow string columns: equal to hashlib's BLAKE2b-64 for any
text, for every Arrow string layout (utf8, large_utf8, utf8_view) and chunking, nulls kept."""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign import _core
from pluralign.errors import SchemaError
from pluralign.prefs import content_ids


def ref(t: str | None) -> str | None:
    return None if t is None else hashlib.blake2b(t.encode("utf-8"), digest_size=8).hexdigest()


texts = st.lists(
    st.one_of(st.none(), st.text(max_size=300), st.text(min_size=120, max_size=140)), max_size=40
)


@settings(max_examples=200)
@given(texts)
def test_content_ids_match_hashlib(values: list[str | None]) -> None:
    s = pl.Series("t", values, dtype=pl.String)
    assert content_ids(s).to_list() == [ref(v) for v in values]
    assert content_ids(s, threads=1).to_list() == [ref(v) for v in values]


@pytest.mark.parametrize("layout", [pa.string(), pa.large_string(), pa.string_view()])
def test_every_arrow_string_layout_and_chunking(layout: pa.DataType) -> None:
    # 300 bytes cross two BLAKE2b blocks; 12 characters fit inline in a utf8_view
    vals = ["", "short", "x" * 300, None, "héllo ✓", "exactly-12ch"] * 2000
    want = [ref(v) or "" for v in vals]
    chunked = pa.chunked_array(
        [pa.array(vals[:5000], type=layout), pa.array(vals[5000:], type=layout)]
    )
    for col in (pa.array(vals, type=layout), chunked):
        got = _core.prefs_content_ids(col)
        assert got.shape == (len(vals), 16)
        assert [bytes(r).decode() if v is not None else "" for r, v in zip(got, vals)] == [
            w if v is not None else "" for w, v in zip(want, vals)
        ]
        assert not np.any(got[[v is None for v in vals]])  # nulls are zero rows


def test_non_text_column_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="content ids need text"):
        _core.prefs_content_ids(pl.Series("n", [1, 2]))
