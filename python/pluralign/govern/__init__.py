"""Participation and governance: context profiles, opinion groups, bridging consensus,
proportional constitutions, stakeholder ballots and a tamper-evident decision ledger.

Names are resolved lazily from their submodules (PEP 562), so importing one part of
``pluralign.govern`` does not import the others.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> submodule that defines it. Add a line here when a submodule gains a public name.
_EXPORTS: dict[str, str] = {
    "Context": "context",
    "Objective": "context",
    "Tier": "context",
    "Weights": "context",
    "ArbiterThresholds": "context",
    "OpinionGroups": "groups",
    "adjusted_rand_index": "groups",
    "opinion_groups": "groups",
    "Consensus": "_consensus",
    "consensus": "_consensus",
    "Constitution": "_constitution",
    "compare_rules": "_constitution",
    "constitution": "_constitution",
    "Ledger": "ledger",
    "LedgerEntry": "ledger",
    "LedgerHead": "ledger",
    "LedgerIntegrityError": "ledger",
    "LedgerKeyError": "ledger",
    "Assembly": "assembly",
    "AssemblyDecision": "assembly",
    "aggregate_weights": "assembly",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pluralign.govern' has no attribute {name!r}")
    sub = importlib.import_module(f"{__name__}.{module}")
    from .._validate import guard_module

    guard_module(sub)  # the boundary: a dependency's panic becomes InternalError
    value = getattr(sub, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
