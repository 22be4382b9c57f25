"""The HTML report: data model, rendering, and a real render in headless Chromium (no console
errors, every image loaded, a screenshot saved)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest
from pluralign.errors import InputError
from pluralign.report import (
    Figure,
    Report,
    Section,
    Table,
    figure_png,
    render_html,
    unavailable,
    write_html,
)

ROOT = Path(__file__).resolve().parents[1]
# Debian's package; .ci/run installs it (apt-get install -y chromium).
CHROMIUM = (
    shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
)

# Injected only into the test's copy of the report: records each image's naturalWidth on load.
_PROBE = """<script>
window.addEventListener('load', function () {
  var w = Array.prototype.map.call(document.images, function (i) {
    return i.complete ? i.naturalWidth : -1; });
  document.body.setAttribute('data-image-widths', w.join(','));
});
</script>"""


def _plot(kind: str) -> bytes:
    fig, ax = plt.subplots(figsize=(4, 3))
    if kind == "line":
        ax.plot([0, 1, 2], [2, 0, 1])
    else:
        ax.imshow([[0, 1], [1, 0]], cmap="RdBu")
    return figure_png(fig)


def _sample_report() -> Report:
    return Report(
        "Test <report>",
        "subtitle & more",
        meta={"participants": "3"},
        sections=[
            Section(
                "a",
                "Plots",
                intro="two plots",
                figures=[Figure("line", _plot("line"), "a caption"), Figure("heat", _plot("heat"))],
                tables=[Table("t", ["id", "x"], [[1, 0.5], [2, None]], "cap")],
                notes=["a note <b>not bold</b>"],
            ),
            unavailable("b", "Reward models", "pluralign.reward is not part of this build"),
        ],
        attribution="Data: someone, CC BY 4.0",
    )


def chromium_render(html_path: Path, shot: Path) -> tuple[str, str]:
    """(DOM after load, chromium's stderr) of ``html_path`` with the probe injected; saves a
    full-page screenshot to ``shot``."""
    assert CHROMIUM, "chromium is not installed: apt-get install -y chromium"
    probe = html_path.with_name(html_path.stem + ".probe.html")
    probe.write_text(
        html_path.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"),
        encoding="utf-8",
    )
    base = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={html_path.parent / 'chr'}",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=5000",
    ]
    env = {**os.environ, "HOME": str(html_path.parent)}
    dom = subprocess.run(
        base + ["--dump-dom", probe.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    subprocess.run(
        base + ["--window-size=1280,2400", f"--screenshot={shot}", html_path.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=True,
    )
    return dom.stdout, dom.stderr


def _console_messages(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ":CONSOLE" in ln]


def _widths(dom: str) -> list[int]:
    m = re.search(r'data-image-widths="([^"]*)"', dom)
    assert m, "the load probe did not run"
    return [int(x) for x in m.group(1).split(",") if x]


# -- model and rendering -----------------------------------------------------------------------


def test_render_escapes_and_marks_unavailable() -> None:
    html = render_html(_sample_report())
    assert "<title>Test &lt;report&gt;</title>" in html
    assert "a note &lt;b&gt;not bold&lt;/b&gt;" in html
    assert "Not available in this build: pluralign.reward is not part of this build" in html
    assert html.count('src="data:image/png;base64,') == 2
    # self-contained: nothing is fetched from elsewhere
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html


def test_json_roundtrip_is_exact(tmp_path: Path) -> None:
    r = _sample_report()
    r.to_json(tmp_path / "r.json")
    back = Report.from_json(tmp_path / "r.json")
    assert back == r
    assert render_html(back) == render_html(r)
    assert back.section("a").figures[0].png == r.section("a").figures[0].png
    with pytest.raises(InputError, match="no section 'zzz'"):
        r.section("zzz")


def test_model_rejects_bad_parts() -> None:
    with pytest.raises(InputError, match="PNG"):
        Figure("x", b"GIF89a")
    with pytest.raises(InputError, match="row 1 has 1 cells but there are 2 columns"):
        Table("t", ["a", "b"], [[1, 2], [3]])
    with pytest.raises(InputError, match="not a pluralign report bundle"):
        Report.from_json('{"title": "x", "sections": [{"key": 1}]}')


# -- headless Chromium -------------------------------------------------------------------------


def test_chromium_renders_report_without_errors(tmp_path: Path) -> None:
    path = write_html(_sample_report(), tmp_path / "report.html")
    shot = tmp_path / "shot.png"
    dom, stderr = chromium_render(path, shot)
    assert _console_messages(stderr) == []
    widths = _widths(dom)
    assert len(widths) == 2 and all(w > 0 for w in widths), widths
    assert "Not available in this build" in dom
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000


def test_chromium_probe_detects_broken_image_and_console_errors(tmp_path: Path) -> None:
    # the checks above can fail: a PNG header with no image data does not load, and a script
    # error is reported on the console
    r = Report(
        "broken", sections=[Section("a", "A", figures=[Figure("bad", b"\x89PNG\r\n\x1a\nxx")])]
    )
    path = write_html(r, tmp_path / "report.html")
    path.write_text(path.read_text().replace("</body>", "<script>undefinedCall();</script></body>"))
    dom, stderr = chromium_render(path, tmp_path / "shot.png")
    assert _widths(dom) == [0]
    assert any("undefinedCall" in m for m in _console_messages(stderr))


def test_chromium_renders_pipeline_report(tmp_path: Path) -> None:
    """The report of the real pipeline (shipped Polis votes; no training) renders cleanly; the
    screenshot is kept in out/report-screenshot.png for a person to look at."""
    from pluralign import data
    from pluralign.report.pipeline import PipelineConfig, run_pipeline

    res = run_pipeline(
        PipelineConfig(
            out=tmp_path / "rep",
            polis=data.polis_dir(),
            progress=False,
            train=False,
            attribution=data.attribution(),
        )
    )
    shot = tmp_path / "pipeline.png"
    dom, stderr = chromium_render(res.html, shot)
    assert _console_messages(stderr) == []
    widths = _widths(dom)
    n_figs = sum(len(s.figures) for s in res.report.sections)
    assert n_figs >= 4 and len(widths) == n_figs and all(w > 0 for w in widths), widths
    assert "Computational Democracy Project" in dom
    (ROOT / "out").mkdir(exist_ok=True)
    shutil.copy(shot, ROOT / "out" / "report-screenshot.png")
