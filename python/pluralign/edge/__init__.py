"""Edge cases made visible: per-prompt edge signals and the arbiter.

- :func:`edge_signals` (module :mod:`pluralign.edge.signals`): value conflict, plural
  disagreement and epistemic uncertainty per prompt, with an ``edge`` flag and reasons.
- :class:`Arbiter` (module :mod:`pluralign.edge.arbiter`): answer / clarify / abstain /
  escalate per prompt under a :class:`pluralign.govern.Context`, one prompt at a time
  (:meth:`Arbiter.decide`) or batched (:meth:`Arbiter.decide_batch`).
- :func:`edge_table` (module :mod:`pluralign.edge.table`): both for a scores table in one
  call, under a built-in or TOML context (``pluralign edges``).

See ``docs/edge.md`` for the definitions.
"""

from __future__ import annotations

from .arbiter import Action, Arbiter, Decision
from .signals import REASONS, edge_signals, group_signals
from .table import edge_table

__all__ = [
    "REASONS",
    "Action",
    "Arbiter",
    "Decision",
    "edge_signals",
    "edge_table",
    "group_signals",
]
