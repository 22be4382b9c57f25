"""Render a :class:`~pluralign.report.Report` to one self-contained HTML file.

Everything is inline: CSS in a ``<style>`` element, plots as ``data:image/png;base64`` URIs, no
scripts and no external links to load, so the file opens offline and in sandboxed viewers.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from .model import Report, Section, Table

__all__ = ["render_html", "write_html"]

_CSS = """
:root { --ink:#1d2330; --muted:#5d6677; --line:#e3e6ec; --bg:#f6f7f9; --card:#ffffff;
        --accent:#3558c9; --warn:#a15c00; --warnbg:#fff6e6; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color:var(--ink); background:var(--bg); }
header { background:#1d2330; color:#fff; padding:28px 40px 22px; }
header h1 { margin:0 0 4px; font-size:26px; font-weight:650; letter-spacing:.2px; }
header p { margin:0; color:#c9cfdb; }
.meta { display:flex; flex-wrap:wrap; gap:10px; margin-top:16px; }
.meta div { background:rgba(255,255,255,.08); border-radius:8px; padding:6px 12px; }
.meta b { display:block; font-size:18px; color:#fff; }
.meta span { font-size:12px; color:#aeb6c6; text-transform:uppercase; letter-spacing:.5px; }
nav { display:flex; flex-wrap:wrap; gap:4px 16px; padding:10px 40px; background:#fff; border-bottom:1px solid var(--line); position:sticky;
      top:0; z-index:2; font-size:13px; }
nav a { color:var(--accent); text-decoration:none; white-space:nowrap; }
nav a.off { color:var(--muted); }
main { max-width:1180px; margin:0 auto; padding:24px 40px 60px; }
section { background:var(--card); border:1px solid var(--line); border-radius:12px;
          padding:20px 24px; margin:0 0 22px; }
section h2 { margin:0 0 6px; font-size:20px; }
section .intro { color:var(--muted); margin:0 0 14px; max-width:900px; }
.figs { display:grid; grid-template-columns:repeat(auto-fill, minmax(420px, 1fr)); gap:18px; }
figure.solo { max-width:640px; }
figure { margin:0; }
figure img { width:100%; height:auto; border:1px solid var(--line); border-radius:8px; }
figcaption { font-size:13px; color:var(--muted); margin-top:6px; }
figcaption b { color:var(--ink); }
table { border-collapse:collapse; width:100%; font-size:13px; margin:6px 0 4px; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line);
         vertical-align:top; }
th { background:#f0f2f6; font-weight:600; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
.tbl { margin-top:16px; overflow-x:auto; }
.tbl h3 { font-size:15px; margin:0 0 2px; }
.tbl p { font-size:13px; color:var(--muted); margin:2px 0 0; }
ul.notes { margin:12px 0 0; padding-left:20px; color:var(--ink); font-size:14px; }
.missing { background:var(--warnbg); color:var(--warn); border-radius:8px; padding:10px 14px; }
footer { max-width:1180px; margin:0 auto; padding:0 40px 40px; color:var(--muted);
         font-size:12px; white-space:pre-wrap; }
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _cell(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return f"<td>{_e('' if v is None else v)}</td>"
    if isinstance(v, int | float):
        text = f"{v:.3g}" if isinstance(v, float) and v != 0 and abs(v) < 1e-3 else str(v)
        return f'<td class="num">{_e(text)}</td>'
    if isinstance(v, list | tuple):
        return f"<td>{_e(', '.join(map(str, v)))}</td>"
    return f"<td>{_e(v)}</td>"


def _table(t: Table) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in t.columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in r) + "</tr>" for r in t.rows)
    cap = f"<p>{_e(t.caption)}</p>" if t.caption else ""
    return (
        f'<div class="tbl"><h3>{_e(t.title)}</h3><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>{cap}</div>"
    )


def _section(s: Section) -> str:
    parts = [f'<section id="{_e(s.key)}"><h2>{_e(s.title)}</h2>']
    if s.intro:
        parts.append(f'<p class="intro">{_e(s.intro)}</p>')
    if not s.available:
        parts.append(f'<p class="missing">Not available in this build: {_e(s.missing)}</p>')
        parts.append("</section>")
        return "".join(parts)
    if s.figures:
        parts.append('<div class="figs">')
        solo = ' class="solo"' if len(s.figures) == 1 else ""
        for f in s.figures:
            b64 = base64.b64encode(f.png).decode("ascii")
            cap = f": {_e(f.caption)}" if f.caption else ""
            parts.append(
                f'<figure{solo}><img alt="{_e(f.title)}" src="data:image/png;base64,{b64}">'
                f"<figcaption><b>{_e(f.title)}</b>{cap}</figcaption></figure>"
            )
        parts.append("</div>")
    parts.extend(_table(t) for t in s.tables)
    if s.notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in s.notes) + "</ul>")
    parts.append("</section>")
    return "".join(parts)


def render_html(report: Report) -> str:
    """The report as one HTML document (UTF-8 text, no external resources)."""
    meta = "".join(f"<div><b>{_e(v)}</b><span>{_e(k)}</span></div>" for k, v in report.meta.items())
    nav = "".join(
        f'<a href="#{_e(s.key)}"{"" if s.available else " class=off"}>{_e(s.title)}</a>'
        for s in report.sections
    )
    body = "".join(_section(s) for s in report.sections)
    foot = f"<footer>{_e(report.attribution)}</footer>" if report.attribution else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(report.title)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{_e(report.title)}</h1><p>{_e(report.subtitle)}</p>"
        f'<div class="meta">{meta}</div></header><nav>{nav}</nav><main>{body}</main>{foot}'
        "</body></html>\n"
    )


def write_html(report: Report, path: str | Path) -> Path:
    """Write :func:`render_html` to ``path`` (parent folders created); returns the path."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(render_html(report), encoding="utf-8")
    return p
