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


def test_option_strings_name_the_parameter_and_the_allowed_values() -> None:
    x = np.array([[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(errors.InputError, match=r'^nan must be "error" or "worst", got "best"'):
        _core.pareto_ranks(x, [True, True], nan="best")
    with pytest.raises(errors.InputError, match=r"^nan must be .*, got a int"):
        _core.pareto_ranks(x, [True, True], nan=3)
    with pytest.raises(
        errors.InputError, match=r'^kind must be "epsilon_additive", .* or "igd_plus", got "hv"'
    ):
        _core.indicator(x, x, [True, True], "hv")
    with pytest.raises(
        errors.InputError, match=r'^level must be "nominal", "ordinal", "interval" or "ratio"'
    ):
        _core.stats_alpha_dense(x, level="cardinal")


def test_choice_rule_options_are_separate_parameters() -> None:
    from pluralign import choice

    p = choice.Profile.from_rankings([["a", "b", "c"]] * 3 + [["b", "c", "a"]] * 2)
    inner = p._inner
    # each rule reads its own option; the others' defaults do not interfere
    assert _core.choice_rule(inner, "schulze", schulze_strength="winning").winners == [0]
    assert _core.choice_rule(inner, "minimax", minimax_strength="winning_votes").winners == [0]
    with pytest.raises(
        errors.InputError,
        match=r'^strength must be "margins", "winning_votes" or "pairwise_opposition"',
    ):
        _core.choice_rule(inner, "minimax", minimax_strength="margin")
    with pytest.raises(
        errors.InputError, match=r'^payoff must be "margins" or "majority", got "x"'
    ):
        choice.maximal_lottery(p, payoff="x")
    with pytest.raises(
        errors.InputError, match=r'^covering must be "gillies", "miller" or "mckelvey"'
    ):
        choice.uncovered_set(p, covering="smith")
    with pytest.raises(
        errors.InputError, match=r'^quota must be "droop" or "hare", got "imperiali"'
    ):
        _core.choice_stv(inner, 1, quota="imperiali")


def test_results_are_frozen_typed_classes() -> None:
    from pluralign import choice

    p = choice.Profile.from_rankings([["a", "b", "c"]] * 3 + [["b", "c", "a"]] * 2)
    out = _core.choice_rule(p._inner, "borda")
    assert isinstance(out, _core.RuleOutcome)
    # Borda over a > b > c (x3) and b > c > a (x2): a = 6, b = 7, c = 2
    assert (out.winners, out.scores, out.tie_break) == ([1], [6.0, 7.0, 2.0], None)
    with pytest.raises(AttributeError):
        out.winners = [0]  # type: ignore[misc]
    count = _core.choice_stv(p._inner, 1)
    assert isinstance(count.rounds[0], _core.StvRoundOutcome)
    assert count.elected == [0] and count.rounds[0].tallies == [3.0, 2.0, 0.0]


def test_prefs_kernels_return_frozen_typed_classes() -> None:
    rows = np.array([0, 1, 2], dtype=np.uint32)
    offsets = np.array([0, 3], dtype=np.int64)
    # one group of three rated responses: row scores 3, 1, 2; columns None = row indices back
    out = _core.prefs_rating_pairs(
        offsets, rows, np.array([3.0, 1.0, 2.0]), [None, None], [True, False]
    )
    assert isinstance(out, _core.PairTableOutcome)
    first, second = (np.asarray(c).tolist() for c in out.columns)
    got = set(zip(first, second, np.asarray(out.margin).tolist(), strict=True))
    assert got == {(0, 1, 2.0), (0, 2, 1.0), (2, 1, 1.0)}
    assert not np.asarray(out.tie).any()
    assert (out.n_considered, out.n_ties_dropped, out.n_below_margin) == (3, 0, 0)
    with pytest.raises(AttributeError):
        out.n_considered = 0  # type: ignore[misc]
    # objectives (1, 1), (0, 0), (2, 0): rows 0 and 2 dominate row 1 and are incomparable
    par = _core.prefs_pareto_pairs(
        offsets,
        rows,
        [np.array([1.0, 0.0, 2.0]), np.array([1.0, 0.0, 0.0])],
        [True, True],
        [None, None],
        [True, False],
    )
    assert isinstance(par, _core.PairTableOutcome)
    first, second = (np.asarray(c).tolist() for c in par.columns)
    assert set(zip(first, second, strict=True)) == {(0, 1), (2, 1)}
    assert (par.n_considered, par.n_incomparable) == (3, 1)
    # group 0: item 0 beats 1, 1 beats 0 (weight 2), 0 beats 2, and a 0-2 tie
    t = _core.prefs_tally(
        np.zeros(4, dtype=np.uint32),
        np.array([0, 1, 0, 0], dtype=np.uint32),
        np.array([1, 0, 2, 2], dtype=np.uint32),
        tie=np.array([False, False, False, True]),
        weight=np.array([1.0, 2.0, 1.0, 0.5]),
    )
    assert isinstance(t, _core.TallyOutcome)
    cells = {
        (g, lo, hi): (a, b, c, wa, wb, wc)
        for g, lo, hi, a, b, c, wa, wb, wc in zip(
            *(np.asarray(getattr(t, f)).tolist() for f in
              ("group", "lo", "hi", "n_lo", "n_hi", "n_tie", "w_lo", "w_hi", "w_tie")),
            strict=True,
        )
    }  # fmt: skip
    assert cells == {(0, 0, 1): (1, 1, 0, 1.0, 2.0, 0.0), (0, 0, 2): (1, 0, 1, 1.0, 0.0, 0.5)}
    with pytest.raises(AttributeError):
        t.group = None  # type: ignore[misc]
