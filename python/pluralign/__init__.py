"""pluralign: pluralistic alignment of language models.

Keep human values as vectors (``pluralign.pareto``), keep stakeholder views apart, and make
edge cases visible instead of flattening everything into one scalar reward.
"""

from __future__ import annotations

from . import choice, edge, errors, govern, metrics, pareto, prefs, reward, scale, stats
from ._core import __version__, default_threads
from ._validate import guard_module as _guard_module

# The boundary: a panic of a dependency (polars' PanicException is a BaseException) that an
# input check missed surfaces as pluralign.errors.InternalError from every public function.
for _m in (choice, edge, metrics, pareto, prefs, stats):
    _guard_module(_m)
del _m

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
