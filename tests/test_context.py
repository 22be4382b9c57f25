from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pluralign.errors import InputError, PluralignError, SchemaError
from pluralign.govern import Context
from pluralign.govern.context import AGGREGATION_RULES
from pydantic import ValidationError

BASE = """
name = "t"
[[objectives]]
name = "safe"
[[objectives]]
name = "help"
[[objectives]]
name = "length"
direction = "min"
"""


def test_builtins_load_and_round_trip() -> None:
    names = Context.builtin_names()
    assert {"medical_advice", "creative_writing", "education"} <= set(names)
    for n in names:
        c = Context.builtin(n)
        assert c.name == n
        assert Context.from_toml(c.to_toml()) == c
        assert abs(c.weight_vector().sum() - 1.0) < 1e-12


def test_medical_fields() -> None:
    c = Context.builtin("medical_advice")
    assert c.objective_names == ["harmlessness", "honesty", "helpfulness", "verbosity"]
    assert c.maximize == [True, True, True, False]
    assert [t.objective for t in c.tiers] == ["harmlessness", "honesty"]
    assert c.tiers[0].threshold == 0.9 and c.tiers[0].tolerance is None
    assert c.groups is not None and c.groups.rule == "schulze"
    assert c.arbiter.on_uncertain == "abstain"
    np.testing.assert_allclose(c.weight_vector(), [0.3, 0.3, 0.3, 0.1])


def test_admissible_weights_hand_computed() -> None:
    c = Context.from_toml(BASE + "[weights]\nvalues = { safe = 0.5, help = 0.5 }\nradius = 0.5\n")
    np.testing.assert_allclose(
        c.admissible_weights(),
        [[0.5, 0.5, 0.0], [0.75, 0.25, 0.0], [0.25, 0.75, 0.0], [0.25, 0.25, 0.5]],
    )
    np.testing.assert_allclose(c.admissible_weights().sum(axis=1), 1.0)


def test_defaults_without_weights_are_uniform() -> None:
    c = Context.from_toml(BASE)
    np.testing.assert_allclose(c.weight_vector(), [1 / 3] * 3)
    assert c.admissible_weights().shape == (4, 3)
    np.testing.assert_allclose(c.admissible_weights(), np.full((4, 3), 1 / 3))


def test_from_path(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text(BASE)
    assert Context.from_toml(p).name == "t"
    assert Context.from_toml(str(p)).name == "t"
    with pytest.raises(InputError, match="does not exist"):
        Context.from_toml(str(tmp_path / "nope.toml"))


def test_with_weights_and_decision_only() -> None:
    c = Context.from_toml(BASE + '[weights]\ndecision = "ledger:42"\n')
    with pytest.raises(InputError, match="ledger:42"):
        c.weight_vector()
    c2 = c.with_weights({"safe": 0.25, "help": 0.75}, decision="ledger:42")
    np.testing.assert_allclose(c2.weight_vector(), [0.25, 0.75, 0.0])
    assert c2.weights is not None and c2.weights.decision == "ledger:42"
    with pytest.raises(InputError, match="sum to"):
        c.with_weights({"safe": 0.5, "help": 0.6})


@pytest.mark.parametrize(
    ("extra", "exc", "pattern"),
    [
        (
            '[[tiers]]\nobjective = "nope"\nthreshold = 1.0\n',
            InputError,
            r"tiers\[0\].*unknown objective 'nope'",
        ),
        (
            (
                '[[tiers]]\nobjective = "safe"\nthreshold = 1.0\n[[tiers]]\nobjective = "help"\ntolerance = 0.1\n'
                '[[tiers]]\nobjective = "safe"\ntolerance = 0.1\n'
            ),
            InputError,
            r"tiers\[0\] and tiers\[2\].*cycle",
        ),
        ('[[tiers]]\nobjective = "safe"\n', InputError, "threshold.*or a tolerance"),
        ('[[tiers]]\nobjective = "safe"\ntolerance = -1.0\n', InputError, "tolerance must be"),
        ("[weights]\nvalues = { safe = 0.5, help = 0.4 }\n", InputError, r"weights.*sum to 0\.9"),
        (
            "[weights]\nvalues = { safe = 0.5, bogus = 0.5 }\n",
            InputError,
            "unknown objective.*bogus",
        ),
        ("[weights]\nvalues = { safe = 1.5, help = -0.5 }\n", InputError, "help.*>= 0"),
        ("[weights]\nradius = 0.1\n", InputError, "values, a decision"),
        ('[groups]\nnames = ["a", "a"]\n', InputError, r"groups\.names.*'a' is listed twice"),
        (
            '[groups]\nnames = ["a"]\nrule = "dictator"\n',
            InputError,
            "unknown aggregation rule 'dictator'",
        ),
        ("[arbiter]\ndisagreement = 1.5\n", InputError, r"arbiter\.disagreement"),
        ('[arbiter]\non_uncertain = "panic"\n', InputError, r"arbiter\.on_uncertain"),
        ("[arbiter]\nconflcit = 0.5\n", SchemaError, r"arbiter\.conflcit: unknown field"),
    ],
)
def test_bad_contexts(extra: str, exc: type[Exception], pattern: str) -> None:
    with pytest.raises(exc, match=pattern) as info:
        Context.from_toml(BASE + extra)
    assert not isinstance(info.value, ValidationError)
    assert "context 't'" in str(info.value)


def test_structural_errors() -> None:
    with pytest.raises(SchemaError, match="objectives: required field is missing"):
        Context.from_toml('name = "x"\n')
    with pytest.raises(InputError, match="defined twice"):
        Context.from_toml('name = "x"\n[[objectives]]\nname = "a"\n[[objectives]]\nname = "a"\n')
    with pytest.raises(InputError, match="at least one objective"):
        Context.from_toml('name = "x"\nobjectives = []\n')
    with pytest.raises(InputError, match="invalid TOML"):
        Context.from_toml('name = "x\n[[objectives]]\n')
    with pytest.raises(InputError, match="context name"):
        Context.from_toml('name = "has space"\n[[objectives]]\nname = "a"\n')
    with pytest.raises(InputError, match="direction"):
        Context.from_toml('name = "x"\n[[objectives]]\nname = "a"\ndirection = "up"\n')
    with pytest.raises(InputError, match="no built-in context 'nope'"):
        Context.builtin("nope")
    with pytest.raises(PluralignError):
        Context.from_toml(42)  # type: ignore[arg-type]


def test_rules_exist_in_choice() -> None:
    from pluralign import choice

    for r in AGGREGATION_RULES:
        assert callable(getattr(choice, r)), r


def test_to_toml_escapes_strings() -> None:
    c = Context.from_dict(
        {
            "name": "x",
            "description": 'say "hi"\\ \n\tok',
            "objectives": [{"name": "a"}],
            "weights": {"values": {"a": 1.0}},
        }
    )
    back = Context.from_toml(c.to_toml())
    assert back == c
    assert back.description == 'say "hi"\\ \n\tok'
