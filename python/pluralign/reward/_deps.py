"""Lazy access to the optional torch stack (``pip install 'pluralign[torch]'``)."""

from __future__ import annotations

from types import ModuleType

from pluralign._extras import require as _require


def require(module: str = "torch") -> ModuleType:
    """Import ``module`` (torch, transformers, safetensors) or raise MissingDependencyError."""
    return _require(module, extra="torch", what="pluralign.reward")
