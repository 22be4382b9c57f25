"""Loading tables from paths or in-memory objects for the readers.

Files are read as bytes first, so that every problem is named with the file and the 1-based
line (and column where known): a UTF-8 byte-order mark is dropped, CRLF line ends are fine,
bytes that are not UTF-8, a truncated or corrupt ``.gz``, a line that is not JSON and a JSON
value of the wrong type (``{"chosen": 5}`` where the column holds text) are an
:class:`InputError` naming ``file, line L, column C``. While a reader runs, row numbers in its
errors (:func:`pluralign.prefs.validate.rows_text`) also give the file's line numbers.
"""

from __future__ import annotations

import contextvars
import csv
import functools
import gzip
import io
import json
import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from .. import _validate as _v
from ..errors import InputError, SchemaError

Source = Any  # str | Path | pl.DataFrame | pl.LazyFrame | Sequence[Mapping] | Mapping[str, list]

_SUFFIXES = (
    ".parquet",
    ".jsonl",
    ".jsonl.gz",
    ".ndjson",
    ".ndjson.gz",
    ".json",
    ".json.gz",
    ".csv",
    ".csv.gz",
    ".tsv",
)
_BOM = b"\xef\xbb\xbf"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class _FileSource:
    """The file a reader is reading, to turn table rows into file lines in its errors."""

    path: Path
    kind: str  # "jsonl", "json", "csv", "tsv" or "parquet"
    data: bytes | None = None
    _lines: list[int] | None = field(default=None, repr=False)

    def row_lines(self) -> list[int] | None:
        """1-based file line of each table row (None when the format has no lines)."""
        if self._lines is None and self.data is not None:
            try:
                self._lines = _row_lines(self.kind, self.data)
            except Exception:  # noqa: BLE001 - only used to decorate an error message
                self._lines = []
        return self._lines or None


_SOURCE: contextvars.ContextVar[_FileSource | None] = contextvars.ContextVar(
    "pluralign_reader_source", default=None
)
_IN_READER: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "pluralign_in_reader", default=False
)


def _remember(src: _FileSource) -> None:
    """Note the file being read, only inside a :func:`reader` (which forgets it after)."""
    if _IN_READER.get():
        _SOURCE.set(src)


def _row_lines(kind: str, data: bytes) -> list[int]:
    if kind == "jsonl":
        return [i for i, ln in enumerate(data.split(b"\n"), 1) if ln.strip()]
    if kind in ("csv", "tsv"):
        text = data.decode("utf-8")
        reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if kind == "tsv" else ",")
        starts, prev = [], 0
        for _ in reader:
            starts.append(prev + 1)
            prev = reader.line_num
        return starts[1:]  # the header is not a row
    if kind == "json":
        text = data.decode("utf-8")
        dec = json.JSONDecoder()
        pos = text.index("[") + 1
        out: list[Any] = []
        ws = re.compile(r"[\s,]*")
        while True:
            pos = ws.match(text, pos).end()  # type: ignore[union-attr]
            if pos >= len(text) or text[pos] == "]":
                return out
            out.append(text.count("\n", 0, pos) + 1)
            _, pos = dec.raw_decode(text, pos)
    return []


def lines_note(rows: Sequence[int]) -> str:
    """``" (file 'x.jsonl', lines 4, 9)"`` for 0-based table rows while a reader reads a file
    with lines; ``""`` otherwise."""
    src = _SOURCE.get()
    if src is None or not rows:
        return ""
    lines = src.row_lines()
    if not lines:
        return f" (file {str(src.path)!r})"
    shown = [str(lines[r]) for r in rows if 0 <= r < len(lines)]
    if not shown:
        return f" (file {str(src.path)!r})"
    return f" (file {str(src.path)!r}, line{'s' if len(shown) > 1 else ''} {', '.join(shown)})"


def reader(what: str) -> Callable[[F], F]:
    """Decorate a reader: errors raised after it loaded a file name that file."""

    def deco(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            token = _SOURCE.set(None)
            active = _IN_READER.set(True)
            try:
                return fn(*args, **kwargs)
            except (InputError, SchemaError) as e:
                src = _SOURCE.get()
                msg = str(e)
                if src is None or str(src.path) in msg or type(e) not in (InputError, SchemaError):
                    raise
                prefix = f"{what}: "
                body = msg.removeprefix(prefix)
                raise type(e)(f"{what}: file {str(src.path)!r}: {body}") from None
            finally:
                _SOURCE.reset(token)
                _IN_READER.reset(active)

        return wrapper  # type: ignore[return-value]

    return deco


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
    if isinstance(source, (pl.DataFrame, pl.LazyFrame)) or hasattr(source, "__arrow_c_stream__"):
        return _v.frame(source, what)  # polars, pyarrow Table, Arrow-capable frames
    if isinstance(source, (str, Path)):
        return _read_path(Path(source), what)
    try:
        if type(source).__module__.split(".")[0] == "pandas":
            # the readers take a pandas table as a source, like a file (documented)
            return pl.from_pandas(source)
        if isinstance(source, Mapping):
            return pl.DataFrame(dict(source))
        if isinstance(source, Sequence) and not isinstance(source, (bytes, bytearray)):
            if source and not all(isinstance(r, Mapping) for r in source):
                raise InputError(f"{what}: a list source must hold one dict per row")
            return pl.DataFrame(list(source))
    except (pl.exceptions.PolarsError, TypeError, ValueError, OverflowError) as e:
        if isinstance(e, (InputError, SchemaError)):
            raise
        raise InputError(
            f"{what}: cannot build a table from the {type(source).__name__}: {e}"
        ) from None
    raise InputError(
        f"{what}: cannot read a {type(source).__name__}; pass a polars DataFrame, a list of row "
        f"dicts or a path ending in one of {', '.join(_SUFFIXES)}"
    )


def _line_col(data: bytes, pos: int) -> tuple[int, int]:
    """1-based line and column (in characters) of byte offset ``pos``."""
    start = data.rfind(b"\n", 0, pos) + 1
    return data.count(b"\n", 0, pos) + 1, len(data[start:pos].decode("utf-8", "replace")) + 1


def _read_bytes(path: Path, what: str, gz: bool, *, check_utf8: bool = True) -> bytes:
    try:
        if gz:
            with gzip.open(path, "rb") as f:
                data = f.read()
        else:
            data = path.read_bytes()
    except (EOFError, gzip.BadGzipFile, zlib.error) as e:
        raise InputError(
            f"{what}: file {str(path)!r}: the gzip data is truncated or corrupt "
            f"({e}); re-download or re-compress the file"
        ) from None
    except OSError as e:
        raise InputError(f"{what}: cannot read {str(path)!r}: {e}") from None
    data = data.removeprefix(_BOM)
    if check_utf8:
        _check_utf8(data, path, what)
    return data


def _check_utf8(data: bytes, path: Path, what: str) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        line, col = _line_col(data, e.start)
        raise InputError(
            f"{what}: file {str(path)!r}, line {line}, column {col}: bytes "
            f"{data[e.start : e.end]!r} are not UTF-8 text; re-encode the file as UTF-8"
        ) from None


def _json_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "text"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "an object"
    return "null"


def _jsonl_error(data: bytes, path: Path, what: str, err: Exception) -> InputError:
    """The first bad line of a JSON-lines file polars refused, as an InputError."""
    seen: dict[str, tuple[str, int]] = {}
    for lineno, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw.decode("utf-8"))  # str: bytes would be sniffed as UTF-16
        except json.JSONDecodeError as e:
            return InputError(
                f"{what}: file {str(path)!r}, line {lineno}, column {e.colno}: "
                f"not valid JSON ({e.msg})"
            )
        except RecursionError:
            return InputError(f"{what}: file {str(path)!r}, line {lineno}: JSON nested too deeply")
        if not isinstance(row, dict):
            return InputError(
                f"{what}: file {str(path)!r}, line {lineno}: expected one JSON "
                f"object per line, got {_json_kind(row)}"
            )
        for k, v in row.items():
            kind = _json_kind(v)
            if kind == "null":
                continue
            if k in seen and seen[k][0] != kind:
                return InputError(
                    f"{what}: file {str(path)!r}, line {lineno}: field {k!r} holds {kind} but "
                    f"line {seen[k][1]} has {seen[k][0]}; one field must hold one type"
                )
            seen.setdefault(k, (kind, lineno))
    return InputError(f"{what}: could not parse {str(path)!r} as JSON lines: {err}")


def _all_text_values_are_strings(df: pl.DataFrame, data: bytes, text_cols: list[str]) -> bool:
    """The common case, settled by one parallel byte scan (Rust) and the columns' null counts:
    in a flat table every non-null value of a text column is either a JSON string or a coerced
    number / boolean / list / object, and the file's string values are exactly the former. So
    with no object or array value in the file (a coerced one would bring strings of its own)
    the counts agree iff nothing was coerced. False means "not settled", not "bad": the exact
    per-column check decides."""
    if any(dtype.is_nested() for dtype in df.schema.values()):
        return False
    from .. import _core

    strings, nested = _core.prefs_json_value_counts(data)
    texts = sum(df.get_column(c).len() - df.get_column(c).null_count() for c in text_cols)
    return nested == 0 and strings == texts


def _check_text_columns(df: pl.DataFrame, data: bytes, path: Path, what: str) -> None:
    """A JSON number, boolean, list or object where a column holds text is an error (polars
    would store ``{"chosen": 5}`` as the text ``"5"``)."""
    text_cols = [name for name, dtype in df.schema.items() if dtype == pl.String]
    if not text_cols or _all_text_values_are_strings(df, data, text_cols):
        return
    head = data[: data.find(b"\n") if b"\n" in data[: 1 << 16] else 1 << 16]
    for name, dtype in df.schema.items():
        if dtype != pl.String:
            continue
        keys = {json.dumps(name, ensure_ascii=False).encode("utf-8"), json.dumps(name).encode()}
        col = df.get_column(name)
        texts = col.len() - col.null_count()
        # The common case, every value a JSON string, is settled by one fast count of the
        # key followed by a quote (in the spacing the first line uses); only a mismatch runs
        # the regex that finds the offending value.
        seps = [sep for sep in (b": ", b":") if any(k + sep + b'"' in head for k in keys)][:1]
        if seps and sum(data.count(k + seps[0] + b'"') for k in keys) == texts:
            continue
        for key in keys:
            # A literal-prefixed pattern (fast); a match right after a backslash is an escaped
            # quote inside some text, not a key.
            pat = re.compile(re.escape(key) + rb"\s*:\s*[-0-9tf\[{]")
            m = pat.search(data)
            while m is not None and m.start() > 0 and data[m.start() - 1 : m.start()] == b"\\":
                m = pat.search(data, m.end())
            if m is None:
                continue
            at = m.end() - 1
            line, column = _line_col(data, at)
            value = data[at : at + 20].split(b",")[0].split(b"}")[0].decode("utf-8", "replace")
            raise InputError(
                f"{what}: file {str(path)!r}, line {line}, column {column}: field {name!r} holds "
                f"the non-text value {value.strip()} but the column holds text; quote it or fix "
                "the value"
            )


def _csv_error(data: bytes, path: Path, what: str, sep: str, err: Exception) -> InputError:
    text = data.decode("utf-8")
    rd = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    width, prev = None, 0
    try:
        for rec in rd:
            if width is None:
                width = len(rec)
            elif rec and len(rec) != width:
                return InputError(
                    f"{what}: file {str(path)!r}, line {prev + 1}: {len(rec)} "
                    f"fields but the header has {width}"
                )
            prev = rd.line_num
    except csv.Error as e:
        return InputError(f"{what}: file {str(path)!r}, line {rd.line_num}: {e}")
    return InputError(f"{what}: could not parse {str(path)!r} as CSV: {err}")


def _read_path(path: Path, what: str) -> pl.DataFrame:
    if not path.exists():
        raise InputError(f"{what}: file {str(path)!r} does not exist")
    if path.is_dir():
        raise InputError(f"{what}: {str(path)!r} is a folder, expected a file")
    suf = _suffix(path)
    gz = suf.endswith(".gz")
    if suf == ".parquet":
        _remember(_FileSource(path, "parquet"))
        try:
            return pl.read_parquet(path)
        except (pl.exceptions.PolarsError, OSError, ValueError) as e:
            raise InputError(f"{what}: could not read {str(path)!r} as Parquet: {e}") from None
    if suf in (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz"):
        # polars validates UTF-8 itself: the (slower) check that names the line runs only when
        # polars refuses the file
        data = _read_bytes(path, what, gz, check_utf8=False)
        _remember(_FileSource(path, "jsonl", data))
        if not data.strip():
            return pl.DataFrame()
        try:
            df = pl.read_ndjson(io.BytesIO(data))
        except (pl.exceptions.PolarsError, ValueError, OverflowError) as e:
            _check_utf8(data, path, what)
            raise _jsonl_error(data, path, what, e) from None
        _check_text_columns(df, data, path, what)
        return df
    if suf in (".json", ".json.gz"):
        data = _read_bytes(path, what, gz)
        _remember(_FileSource(path, "json", data))
        try:
            rows = json.loads(data.decode("utf-8"))  # str: bytes would be sniffed as UTF-16
        except json.JSONDecodeError as e:
            raise InputError(
                f"{what}: file {str(path)!r}, line {e.lineno}, column {e.colno}: "
                f"not valid JSON ({e.msg})"
            ) from None
        except RecursionError:
            raise InputError(f"{what}: file {str(path)!r}: JSON nested too deeply") from None
        if not isinstance(rows, list):
            raise InputError(f"{what}: {str(path)!r} must hold a JSON array of row objects")
        bad = next((i for i, r in enumerate(rows) if not isinstance(r, dict)), None)
        if bad is not None:
            lines = _FileSource(path, "json", data).row_lines() or []
            at = f", line {lines[bad]}" if bad < len(lines) else ""
            raise InputError(
                f"{what}: file {str(path)!r}{at}: array element {bad} is "
                f"{_json_kind(rows[bad])}, expected an object (one per row)"
            )
        try:
            df = pl.DataFrame(rows, infer_schema_length=None)
        except (pl.exceptions.PolarsError, TypeError, ValueError, OverflowError) as e:
            raise InputError(f"{what}: could not build a table from {str(path)!r}: {e}") from None
        _check_text_columns(df, data, path, what)
        return df
    if suf in (".csv", ".csv.gz", ".tsv"):
        data = _read_bytes(path, what, gz, check_utf8=False)  # polars checks UTF-8 itself
        sep = "\t" if suf == ".tsv" else ","
        _remember(_FileSource(path, "tsv" if suf == ".tsv" else "csv", data))
        try:
            return pl.read_csv(io.BytesIO(data), separator=sep)
        except (pl.exceptions.PolarsError, ValueError, OverflowError) as e:
            _check_utf8(data, path, what)
            raise _csv_error(data, path, what, sep, e) from None
    raise InputError(
        f"{what}: unknown file type {path.name!r}; expected one of {', '.join(_SUFFIXES)}"
    )


# ---------------------------------------------------------------------------------------------
# whole tables in and out: the one reader/writer the command line and the report use

#: what :func:`read_table` reads and :func:`write_table` writes (``-`` is stdin / stdout)
TABLE_FORMATS = ".parquet, .csv, .tsv, .jsonl/.ndjson, .json (.csv, .jsonl, .json optionally .gz)"
_OUT_SUFFIXES = (".parquet", ".csv", ".csv.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")


def read_table(path: str | Path) -> pl.DataFrame:
    """Read a whole table from a file, chosen by its extension.

    Parameters
    ----------
    path : str or Path
        A ``.parquet``, ``.csv``, ``.tsv``, ``.jsonl``/``.ndjson`` or ``.json`` file (text formats
        optionally gzipped, ``.csv.gz`` ...), or ``-`` for CSV on standard input.

    Returns
    -------
    polars.DataFrame
        The table as stored (no canonical columns are required; see the ``read_*`` readers).

    Raises
    ------
    InputError
        The file does not exist, is a folder, has an unknown extension or cannot be parsed
        (the message names the file and the line).
    """
    if isinstance(path, str) and path == "-":
        import sys

        data = sys.stdin.buffer.read().removeprefix(_BOM)
        try:
            return pl.read_csv(io.BytesIO(data)) if data.strip() else pl.DataFrame()
        except (pl.exceptions.PolarsError, ValueError, OverflowError) as e:
            raise _csv_error(data, Path("<stdin>"), "read_table", ",", e) from None
    if not isinstance(path, (str, Path)):
        raise InputError(f"path must be a str or a Path, got {type(path).__name__}")
    p = Path(path)
    if not p.exists():
        raise InputError(f"input file {path} does not exist")
    if p.is_dir():
        raise InputError(f"{path} is a folder; expected a table file ({TABLE_FORMATS})")
    return _read_path(p, "read_table")


def _csv_ready(df: pl.DataFrame) -> pl.DataFrame:
    """Nested columns (lists of tiers, structs) as JSON text: CSV holds flat values only."""
    nested = [c for c, t in df.schema.items() if t.is_nested()]
    if not nested:
        return df
    return df.with_columns(
        pl.col(c).map_elements(
            lambda v: json.dumps(v.to_list() if hasattr(v, "to_list") else v, default=str),
            return_dtype=pl.String,
        )
        for c in nested
    )


def write_table(df: pl.DataFrame, path: str | Path) -> None:
    """Write a table to a file chosen by its extension, creating parent folders.

    Parameters
    ----------
    df : polars.DataFrame
        The table. For CSV, nested columns (e.g. ``ranking``) are written as JSON text.
    path : str or Path
        ``.parquet``, ``.csv``, ``.csv.gz``, ``.jsonl``/``.ndjson`` (optionally ``.gz``), or
        ``-`` for CSV on standard output.

    Raises
    ------
    InputError
        ``df`` is not a polars DataFrame or the extension is not one of the above.
    """
    if not isinstance(df, pl.DataFrame):
        raise InputError(f"df must be a polars DataFrame, got {type(df).__name__}")
    if isinstance(path, str) and path == "-":
        import sys

        sys.stdout.write(_csv_ready(df).write_csv())
        sys.stdout.flush()
        return
    if not isinstance(path, (str, Path)):
        raise InputError(f"path must be a str or a Path, got {type(path).__name__}")
    p = Path(path)
    name = p.name.lower()
    suf = next((s for s in sorted(_OUT_SUFFIXES, key=len, reverse=True) if name.endswith(s)), None)
    if suf is None:
        raise InputError(
            f"{path}: unknown output type; use {', '.join(_OUT_SUFFIXES)} or - "
            "(CSV on standard output)"
        )
    p.parent.mkdir(parents=True, exist_ok=True)
    if suf == ".parquet":
        df.write_parquet(p)
        return
    text = _csv_ready(df).write_csv() if suf.startswith(".csv") else df.write_ndjson()
    data = text.encode("utf-8")
    if suf.endswith(".gz"):
        # mtime=0: the same table gives the same bytes
        with gzip.GzipFile(p, "wb", mtime=0) as f:
            f.write(data)
    else:
        p.write_bytes(data)
