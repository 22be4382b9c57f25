"""pluralign: pluralistic alignment of language models.

Keep human values as vectors (``pluralign.pareto``), keep stakeholder views apart, and make
edge cases visible instead of flattening everything into one scalar reward.
"""

from __future__ import annotations

from . import choice, edge, errors, govern, metrics, pareto, prefs, reward, scale, stats
from ._core import __version__, default_threads

__all__ = [
    "__version__",
    "choice",
    "default_threads",
    "edge",
    "errors",
    "govern",
    "metrics",
    "pareto",
    "prefs",
    "reward",
    "scale",
    "stats",
]
