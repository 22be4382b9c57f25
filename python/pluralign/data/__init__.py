"""Real public data shipped inside the package for ``pluralign demo`` and examples.

Each data set keeps its license and attribution beside it (see ``README.md`` in this folder):

- a Polis conversation (``15-per-hour-seattle``), CC BY 4.0, attribution to The Computational
  Democracy Project;
- the first 600 pairs of Anthropic's HH-RLHF harmless-base test split (Bai et al., 2022), MIT.

The functions return paths (``importlib.resources``), so they work from a wheel and an editable
install alike.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["POLIS_CONVERSATION", "attribution", "hh_rlhf_path", "polis_dir"]

POLIS_CONVERSATION = "15-per-hour-seattle"


def _root() -> Path:
    return Path(str(resources.files(__name__)))


def polis_dir() -> Path:
    """Folder of the shipped Polis export: ``comments.csv``, ``votes.csv``,
    ``participants-votes.csv`` and ``summary.csv`` (the Polis open-data format)."""
    return _root() / "polis" / POLIS_CONVERSATION


def hh_rlhf_path() -> Path:
    """Gzipped JSON lines with ``chosen`` / ``rejected`` transcripts: the first 600 pairs of
    HH-RLHF harmless-base test (Bai et al., 2022, arXiv:2204.05862)."""
    return _root() / "hh_rlhf" / "harmless-base-test-600.jsonl.gz"


def attribution() -> str:
    """The attribution statements of every shipped data set, as one text (for reports)."""
    parts = [
        (_root() / d / "ATTRIBUTION.txt").read_text(encoding="utf-8") for d in ("polis", "hh_rlhf")
    ]
    return "\n\n".join(p.strip() for p in parts)
