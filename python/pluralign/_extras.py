"""Optional dependencies: import one, or raise a one-line MissingDependencyError naming the
extra that provides it (``pip install 'pluralign[report]'``)."""

from __future__ import annotations

import importlib
from types import ModuleType

from pluralign.errors import MissingDependencyError

#: top-level module -> the extra of pyproject.toml that installs it
EXTRA_OF = {
    "matplotlib": "report",
    "tqdm": "report",
    "torch": "torch",
    "transformers": "torch",
    "safetensors": "torch",
    "ray": "ray",
    "pyarrow": "ray",
    "scipy": "govern",
    "threadpoolctl": "govern",
}


def require(module: str, *, extra: str | None = None, what: str | None = None) -> ModuleType:
    """Import ``module`` or raise MissingDependencyError naming the extra to install.

    ``what`` says which feature needs it (default: the module name)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        name = extra or EXTRA_OF.get(top, top)
        need = what or "this feature"
        raise MissingDependencyError(
            f"{need} needs {top!r}, which is not installed: pip install 'pluralign[{name}]'"
        ) from exc


def tqdm_or_none(**kw: object) -> object | None:
    """A ``tqdm.auto`` progress bar, or None when tqdm (the ``report`` extra) is not installed:
    progress bars are a nicety, never a reason to fail."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(**kw)


__all__ = ["EXTRA_OF", "require", "tqdm_or_none"]
