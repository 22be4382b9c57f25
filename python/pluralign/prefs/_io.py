"""Loading tables from paths or in-memory objects for the readers."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from ..errors import InputError, SchemaError

Source = Any  # str | Path | pl.DataFrame | pl.LazyFrame | Sequence[Mapping] | Mapping[str, list]

_SUFFIXES = (".parquet", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json", ".json.gz",
             ".csv", ".csv.gz", ".tsv")


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for s in sorted(_SUFFIXES, key=len, reverse=True):
        if name.endswith(s):
            return s
    return path.suffix.lower()


def load_table(source: Source, what: str) -> pl.DataFrame:
    """Return ``source`` as an eager polars DataFrame.

    ``source`` is a DataFrame, a LazyFrame, a pandas DataFrame, any object exporting Arrow data
    (``__arrow_c_stream__``: pyarrow tables, ...), a list of row dicts, a dict of columns, or a path to a
    ``.parquet``, ``.jsonl``/``.ndjson`` (optionally ``.gz``), ``.json`` (an array of objects,
    optionally ``.gz``), ``.csv`` (optionally ``.gz``) or ``.tsv`` file. ``what`` names the reader
    in error messages.
    """
    if isinstance(source, pl.DataFrame):
        return source
    if isinstance(source, pl.LazyFrame):
        return source.collect()
    if isinstance(source, (str, Path)):
        return _read_path(Path(source), what)
    if type(source).__module__.split(".")[0] == "pandas":
        return pl.from_pandas(source)
    if hasattr(source, "__arrow_c_stream__"):  # pyarrow Table, Arrow-capable frames
        return pl.DataFrame(source)
    if isinstance(source, Mapping):
        return pl.DataFrame(dict(source))
    if isinstance(source, Sequence) and not isinstance(source, (bytes, bytearray)):
        if source and not all(isinstance(r, Mapping) for r in source):
            raise InputError(f"{what}: a list source must hold one dict per row")
        return pl.DataFrame(list(source))
    raise InputError(
        f"{what}: cannot read a {type(source).__name__}; pass a polars DataFrame, a list of row "
        f"dicts or a path ending in one of {', '.join(_SUFFIXES)}"
    )


def _read_path(path: Path, what: str) -> pl.DataFrame:
    if not path.exists():
        raise InputError(f"{what}: file {str(path)!r} does not exist")
    if path.is_dir():
        raise InputError(f"{what}: {str(path)!r} is a folder, expected a file")
    suf = _suffix(path)
    try:
        if suf == ".parquet":
            return pl.read_parquet(path)
        if suf in (".jsonl", ".ndjson"):
            return pl.read_ndjson(path)
        if suf in (".jsonl.gz", ".ndjson.gz"):
            with gzip.open(path, "rb") as f:
                return pl.read_ndjson(io.BytesIO(f.read()))
        if suf in (".json", ".json.gz"):
            opener = gzip.open if suf.endswith(".gz") else open
            with opener(path, "rb") as f:
                data = json.loads(f.read())
            if not isinstance(data, list):
                raise InputError(f"{what}: {str(path)!r} must hold a JSON array of row objects")
            return pl.DataFrame(data)
        if suf in (".csv", ".csv.gz"):
            return pl.read_csv(path)
        if suf == ".tsv":
            return pl.read_csv(path, separator="\t")
    except (pl.exceptions.PolarsError, OSError, ValueError) as e:
        if isinstance(e, (InputError, SchemaError)):
            raise
        raise InputError(f"{what}: could not parse {str(path)!r} as {suf}: {e}") from None
    raise InputError(
        f"{what}: unknown file type {path.name!r}; expected one of {', '.join(_SUFFIXES)}"
    )
