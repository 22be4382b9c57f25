"""``pluralign.choice`` is a package of submodules mirroring ``rust/core/src/choice``; its public
names are exactly those of the single module it replaced."""

from __future__ import annotations

import importlib
import pkgutil

import pluralign.choice

# The public names of python/pluralign/choice.py before it became a package (commit a7eae3f).
OLD_ALL = [
    "ApprovalProfile", "CommitteeResult", "Profile", "Result", "StvResult", "StvRound",
    "Violation", "anti_plurality", "approval", "av", "baldwin", "borda", "bucklin",
    "chamberlin_courant", "check", "condorcet_loser", "condorcet_winner", "coombs", "copeland",
    "egalitarian", "ejr_violation", "equal_shares", "instant_runoff", "is_ejr", "is_jr", "is_pjr",
    "jr_violation", "kemeny", "lex_cc", "lex_minimax_av", "leximin", "llull",
    "majority_judgment", "maximal_lottery", "maximin_support", "minimax", "minimax_av", "monroe",
    "nanson", "nash", "pav", "phragmen_enestrom", "pjr_violation", "plurality", "positional",
    "random_dictatorship", "random_profile", "ranked_pairs", "ranked_pairs_all", "rev_seq_pav",
    "sav", "schulze", "schwartz_set", "score_voting", "seq_phragmen", "smith_set", "split_cycle",
    "stable_voting", "star", "stv", "uncovered_set", "utilitarian",
]  # fmt: skip


def test_public_names_are_unchanged() -> None:
    assert pluralign.choice.__all__ == OLD_ALL
    for name in OLD_ALL:
        assert getattr(pluralign.choice, name) is not None, name
    # names outside __all__ that callers used as pluralign.choice.X still resolve
    for name in ("TieBreak", "CommitteeMethod", "MinimaxStrength", "AXIOMS", "Counterexample"):
        assert hasattr(pluralign.choice, name), name


def test_every_public_name_is_defined_in_a_submodule() -> None:
    subs = {
        m.name
        for m in pkgutil.walk_packages(pluralign.choice.__path__, "pluralign.choice.")
        if not m.ispkg
    }
    assert {
        "pluralign.choice.profile",
        "pluralign.choice.ranked.scoring",
        "pluralign.choice.ranked.condorcet",
        "pluralign.choice.ranked.elimination",
        "pluralign.choice.cardinal",
        "pluralign.choice.committees",
        "pluralign.choice.lottery",
        "pluralign.choice.sets",
        "pluralign.choice.stv",
        "pluralign.choice.kemeny",
    } <= subs
    for name in OLD_ALL:
        obj = getattr(pluralign.choice, name)
        home = importlib.import_module(obj.__module__)
        # defined there (other tests may re-import modules, so compare names, not identity)
        assert obj.__module__ in subs and getattr(home, name).__qualname__ == name, name
