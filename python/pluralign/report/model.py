"""The data a report is made of: sections of figures, tables and notes."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["Figure", "Report", "Section", "Table", "figure_png", "table_from_frame", "unavailable"]

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass
class Figure:
    """One plot: PNG bytes plus a title and a caption that says how to read it."""

    title: str
    png: bytes
    caption: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.png, bytes | bytearray) or not bytes(self.png).startswith(
            _PNG_MAGIC
        ):
            raise InputError(f"figure {self.title!r}: png must be the bytes of a PNG image")


@dataclass
class Table:
    """A small table (shown in full; callers cut long tables and say so in ``caption``)."""

    title: str
    columns: list[str]
    rows: list[list[Any]]
    caption: str = ""

    def __post_init__(self) -> None:
        for i, r in enumerate(self.rows):
            if len(r) != len(self.columns):
                raise InputError(
                    f"table {self.title!r}: row {i} has {len(r)} cells but there are "
                    f"{len(self.columns)} columns"
                )


@dataclass
class Section:
    """One part of the report. ``available=False`` marks a part that could not run in this build
    or on this data; ``missing`` says why (shown instead of the content)."""

    key: str
    title: str
    intro: str = ""
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    available: bool = True
    missing: str = ""


@dataclass
class Report:
    """A whole report: title, key facts (``meta``), sections in order and data attribution."""

    title: str
    subtitle: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    attribution: str = ""

    def section(self, key: str) -> Section:
        """The section with this key (InputError naming the keys there are otherwise)."""
        for s in self.sections:
            if s.key == key:
                return s
        raise InputError(
            f"report has no section {key!r}; sections: {[s.key for s in self.sections]}"
        )

    def to_json(self, path: str | Path | None = None) -> str:
        """JSON text of the report (PNG bytes as base64); written to ``path`` when given."""
        d = asdict(self)
        for s in d["sections"]:
            for f in s["figures"]:
                f["png"] = base64.b64encode(f["png"]).decode("ascii")
        text = json.dumps(d, default=_json_default, indent=1)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    @classmethod
    def from_json(cls, text_or_path: str | Path) -> Report:
        """Rebuild a report saved with :meth:`to_json` (a path or the JSON text itself)."""
        p = Path(text_or_path) if not str(text_or_path).lstrip().startswith("{") else None
        text = p.read_text(encoding="utf-8") if p is not None else str(text_or_path)
        try:
            d = json.loads(text)
            sections = []
            for s in d.pop("sections"):
                figs = [
                    Figure(f["title"], base64.b64decode(f["png"]), f.get("caption", ""))
                    for f in s.pop("figures")
                ]
                tabs = [Table(**t) for t in s.pop("tables")]
                sections.append(Section(figures=figs, tables=tabs, **s))
            return cls(sections=sections, **d)
        except (KeyError, TypeError, ValueError) as e:
            where = p if p is not None else "the JSON text"
            raise InputError(f"{where} is not a pluralign report bundle ({e})") from None


def _json_default(o: Any) -> Any:
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    return str(o)


def figure_png(fig: Any, dpi: int = 110) -> bytes:
    """Render a matplotlib figure to PNG bytes and close it (so pipelines do not leak figures)."""
    from .._extras import require

    plt = require("matplotlib.pyplot", extra="report", what="figure_png")

    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    finally:
        plt.close(fig)
    return buf.getvalue()


def table_from_frame(
    df: Any, title: str, *, max_rows: int = 30, caption: str = "", digits: int = 3
) -> Table:
    """A :class:`Table` from a polars DataFrame: floats rounded to ``digits``; when the frame is
    longer than ``max_rows`` the first rows are kept and the caption says how many were left out."""
    n = df.height
    head = df.head(max_rows)
    rows = []
    for r in head.iter_rows():
        rows.append([round(v, digits) if isinstance(v, float) else v for v in r])
    if n > max_rows:
        extra = f"showing the first {max_rows} of {n} rows"
        caption = f"{caption} ({extra})" if caption else extra.capitalize()
    return Table(title, list(df.columns), rows, caption)


def unavailable(key: str, title: str, why: str, intro: str = "") -> Section:
    """A section marked as not available, saying why (e.g. which API this build lacks)."""
    return Section(key=key, title=title, intro=intro, available=False, missing=why)
