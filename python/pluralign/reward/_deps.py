"""Lazy access to the optional torch stack (``pip install pluralign[torch]``)."""

from __future__ import annotations

import importlib
from types import ModuleType

from pluralign.errors import MissingDependencyError

_HINT = "pluralign.reward needs the torch extra: pip install 'pluralign[torch]'"


def require(module: str = "torch") -> ModuleType:
    """Import ``module`` (torch, transformers, safetensors) or raise MissingDependencyError."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise MissingDependencyError(f"{_HINT} (could not import {module!r}: {exc})") from exc
