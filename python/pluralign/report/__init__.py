"""Self-contained HTML reports: one file, plots embedded as base64 PNG, no network access.

A report is plain data (:class:`Report` holding :class:`Section` objects with figures, tables and
notes), so a pipeline fills in what it computed and a part that could not run becomes a clearly
marked *not available* section instead of a missing or faked one. :func:`render_html` turns the
data into HTML; :meth:`Report.to_json` / :meth:`Report.from_json` save and reload it (the
``pluralign report`` command renders a saved bundle).
"""

from __future__ import annotations

from .model import Figure, Report, Section, Table, figure_png, table_from_frame, unavailable
from .render import render_html, write_html

__all__ = [
    "Figure",
    "Report",
    "Section",
    "Table",
    "figure_png",
    "render_html",
    "table_from_frame",
    "unavailable",
    "write_html",
]
