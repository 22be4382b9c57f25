"""The exceptions pluralign raises.

Every error names what is wrong (the column, the row, the parameter) and how to fix it.

- ``PluralignError``: base of everything below.
- ``SchemaError``: a table lacks a required column or a column has the wrong type.
- ``InputError``: values, shapes or parameters are invalid (NaN where not allowed, wrong
  length, unknown option, ...).
- ``LimitError``: the problem is larger than a stated bound of an exact algorithm.
- ``MissingDependencyError``: an optional extra (e.g. ``pluralign[torch]``) is not installed;
  the message is one line naming the extra and the ``pip install`` command.
- ``IntegrityError``: a file pluralign checks (the pinned MiniLM weights) does not match its
  recorded SHA-256.
- ``InternalError``: a bug in pluralign (for example a Rust panic caught at the boundary).
"""

from __future__ import annotations


class PluralignError(Exception):
    """Base class of all pluralign errors."""


class SchemaError(PluralignError, ValueError):
    """A table lacks a required column or has a column of the wrong type."""


class InputError(PluralignError, ValueError):
    """Invalid values, shapes or parameters."""


class LimitError(PluralignError, ValueError):
    """The input is above the size an exact algorithm supports."""


class MissingDependencyError(PluralignError, ImportError):
    """An optional dependency is not installed (the message names the extra to install)."""


class IntegrityError(PluralignError, ValueError):
    """A file does not match the SHA-256 pluralign pinned for it."""


class InternalError(PluralignError, RuntimeError):
    """A bug in pluralign; please report it with the input that triggered it."""


__all__ = [
    "InputError",
    "IntegrityError",
    "InternalError",
    "LimitError",
    "MissingDependencyError",
    "PluralignError",
    "SchemaError",
]
