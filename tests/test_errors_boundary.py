"""The Rust boundary maps each core error variant onto its `pluralign.errors` class."""

from __future__ import annotations

import numpy as np
import pytest

from pluralign import _core, errors, pareto

# What each `CoreError` variant must become (rust/py/src/errors.rs::to_py).
EXPECTED = {
    "Input": errors.InputError,
    "NonFinite": errors.InputError,
    "Limit": errors.LimitError,
    "Schema": errors.SchemaError,
    "Internal": errors.InternalError,
}


def test_every_core_variant_maps_to_its_class() -> None:
    samples = dict(_core._error_samples())
    # a variant added in Rust (the sample list there is exhaustive) must be listed here too
    assert set(samples) == set(EXPECTED)
    for variant, exc in samples.items():
        assert type(exc) is EXPECTED[variant], variant
        assert isinstance(exc, errors.PluralignError)
    assert "row 1, objective 2" in str(samples["NonFinite"])
    assert "a bug, please report it" in str(samples["Internal"])


def test_classes_are_the_public_ones_end_to_end() -> None:
    with pytest.raises(errors.InputError, match="not finite"):
        pareto.ranks(np.array([[0.0, np.nan]]))
    with pytest.raises(errors.InternalError, match="deliberate test panic"):
        _core._panic_for_tests()
