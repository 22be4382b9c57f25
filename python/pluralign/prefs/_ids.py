"""Stable content ids.

An id is the BLAKE2b hash (``hashlib.blake2b``, 8-byte digest, no key, no salt, no personalization)
of the UTF-8 bytes of the text, written as 16 lower-case hex digits. It depends only on the text:
it is the same on every run, machine, Python and pluralign version (polars' ``hash`` is not: it is
seeded and may change between releases, so it is never used for ids).

Reference: RFC 7693 (BLAKE2); ``hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import polars as pl

DIGEST_SIZE = 8


def content_id(text: str) -> str:
    """The stable id of ``text``: BLAKE2b-64 of its UTF-8 bytes as 16 hex digits.

    >>> content_id("hello")
    'a7b6eda801e5347d'
    """
    if not isinstance(text, str):
        raise TypeError(f"content_id expects a str, got {type(text).__name__}")
    return hashlib.blake2b(text.encode("utf-8"), digest_size=DIGEST_SIZE).hexdigest()


def _hash_all(texts: list[str]) -> list[str]:
    b2 = hashlib.blake2b
    return [b2(t.encode("utf-8"), digest_size=DIGEST_SIZE).hexdigest() for t in texts]


def map_unique(
    s: pl.Series,
    fn: Callable[[str], str] | None = None,
    *,
    batch: Callable[[list[str]], list[str]] | None = None,
) -> pl.Series:
    """Apply a Python ``str -> str`` function (or a ``list -> list`` ``batch`` function) once per
    distinct value of ``s``; nulls stay null."""
    s = s.cast(pl.String)
    uniq = s.drop_nulls().unique()
    keys = uniq.to_list()
    vals = batch(keys) if batch is not None else [fn(t) for t in keys]  # type: ignore[misc]
    table = pl.DataFrame({"_k": uniq, "_v": pl.Series(vals, dtype=pl.String)})
    out = s.to_frame("_k").join(table, on="_k", how="left", maintain_order="left")
    return out.get_column("_v").alias(s.name)


def content_ids(texts: pl.Series, threads: int | None = None) -> pl.Series:
    """:func:`content_id` of every value of a string Series (nulls stay null).

    Hashed in Rust, in parallel, reading the Arrow string buffers in place (no copy of the
    texts); equal to ``hashlib.blake2b(text.encode(), digest_size=8).hexdigest()`` per value.
    """
    import numpy as np

    from pluralign import _core

    s = texts if texts.dtype == pl.String else texts.cast(pl.String)
    hexes = _core.prefs_content_ids(s.rechunk(), threads=threads)
    width = DIGEST_SIZE * 2
    # The n x 16 hex digits become fixed-width byte strings, one binary column, then text
    # (a cast of ASCII, no per-value Python objects).
    fixed = np.ascontiguousarray(hexes, dtype=np.uint8).reshape(-1, width).view(f"S{width}")
    out = pl.Series(s.name, fixed.ravel(), dtype=pl.Binary).cast(pl.String)
    if s.null_count():
        out = pl.select(pl.when(s.is_not_null()).then(out)).to_series().alias(s.name)
    return out
