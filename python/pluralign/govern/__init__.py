"""Participation and governance: context profiles, opinion groups, bridging consensus,
proportional constitutions, stakeholder ballots and a tamper-evident decision ledger.

Names are resolved lazily from their submodules (PEP 562), so importing one part of
``pluralign.govern`` does not import the others.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> submodule that defines it. Add a line here when a submodule gains a public name.
_EXPORTS: dict[str, str] = {}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pluralign.govern' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
