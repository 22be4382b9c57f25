"""The documentation site builds without a warning: the guides in docs/ and the API reference
that mkdocstrings generates from the numpydoc docstrings (``make docs``, ``mkdocs.yml``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mkdocs_strict_build(tmp_path: Path) -> None:
    site = tmp_path / "site"
    r = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    # the reference is generated from the docstrings: parameters, returns and raises sections
    for needle in (
        "read_table",
        "votes_to_comparisons",
        "edge_table",
        "train_reward",
        "bradley_terry",
        "MissingDependencyError",
    ):
        assert needle in api, needle
    assert "Parameters" in api and "Raises" in api
