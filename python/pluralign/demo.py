"""``pluralign demo``: the whole pipeline on the real data shipped inside the package.

Data: a Polis conversation (15-per-hour-seattle, CC BY 4.0, The Computational Democracy Project)
and the first 600 pairs of Anthropic's HH-RLHF harmless-base test split (MIT); see
:mod:`pluralign.data`. The result is a self-contained HTML report (see :mod:`pluralign.report`).
"""

from __future__ import annotations

from pathlib import Path

from . import data
from .report.pipeline import PipelineConfig, PipelineResult, run_pipeline

__all__ = ["MARKER", "demo_config", "run_demo"]


def demo_config(
    out: str | Path = "out/demo",
    *,
    n_pairs: int | None = None,
    train: bool = True,
    epochs: int = 2,
    progress: bool = True,
    debug: bool = False,
    threads: int | None = None,
) -> PipelineConfig:
    """The pipeline configuration of the demo: shipped Polis votes and HH-RLHF pairs."""
    return PipelineConfig(
        out=Path(out),
        polis=data.polis_dir(),
        pairs=data.hh_rlhf_path(),
        n_pairs=n_pairs,
        train=train,
        epochs=epochs,
        progress=progress,
        debug=debug,
        threads=threads,
        title="pluralign demo: $15/hour in Seattle (Polis) and HH-RLHF harmlessness",
        attribution=data.attribution(),
    )


#: written into the output folder by :func:`run_demo`, so the next run knows the folder is its own
MARKER = ".pluralign-demo"
#: what a demo run replaces from its previous run in the same folder (the embeddings cache stays:
#: it is keyed by content and only saves time)
_OWN_FILES = ("ledger.sqlite", "ledger.jsonl")


def run_demo(out: str | Path = "out/demo", **kw: object) -> PipelineResult:
    """Run the demo into ``out`` and return the :class:`~pluralign.report.pipeline.PipelineResult`
    (``.html`` is the report's path). Keyword arguments go to :func:`demo_config`.

    Can be run again and again: a folder that holds an earlier demo run (it has the
    :data:`MARKER` file) gets a fresh decision ledger and its other files overwritten. The
    ledger of a folder the demo did not make is appended to, never removed."""
    folder = Path(out)
    own = (folder / MARKER).is_file()
    if own:
        for name in _OWN_FILES:
            (folder / name).unlink(missing_ok=True)
    if own or not any((folder / name).exists() for name in _OWN_FILES):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / MARKER).write_text(
            "pluralign demo output; `pluralign demo` replaces it\n", encoding="utf-8"
        )
    return run_pipeline(demo_config(out, **kw))  # type: ignore[arg-type]
