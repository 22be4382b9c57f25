"""Hypothesis cross-checks of the approval-based committee rules of ``pluralign.choice`` against
``abcvoting`` (M. Lackner et al.), and of the JR / PJR / EJR checks against brute force.

pluralign's committee rules always return ONE committee (ties broken by the tie-break order,
lexicographic by default), abcvoting with ``resolute=False`` returns every winning committee
(for sequential rules: every committee some tie-breaking produces), so the test asserts that
pluralign's committee is one of abcvoting's. Exact arithmetic is used on abcvoting's side
(``standard-fractions``, ``brute-force``).
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import pluralign.choice as ch
import pytest
from choice_reference import (
    approval_profiles,
    cc_score,
    ejr_holds,
    expand_unit,
    jr_holds,
    pav_score,
    pjr_holds,
    to_abcvoting,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from pluralign import errors

abcrules = pytest.importorskip("abcvoting.abcrules")
abcprops = pytest.importorskip("abcvoting.properties")

# pluralign rule -> (abcvoting rule id, abcvoting algorithm)
RULES = {
    "av": (lambda ap, k: ch.av(ap, k), "av", None),
    "sav": (lambda ap, k: ch.sav(ap, k), "sav", None),
    "pav": (lambda ap, k: ch.pav(ap, k, method="exact"), "pav", "brute-force"),
    "seq_pav": (lambda ap, k: ch.pav(ap, k, method="sequential"), "seqpav", None),
    "cc": (lambda ap, k: ch.chamberlin_courant(ap, k, method="exact"), "cc", "brute-force"),
    "seq_phragmen": (lambda ap, k: ch.seq_phragmen(ap, k), "seqphragmen", "standard-fractions"),
    # MES completed by seq-Phragmén from the leftover budgets, as abcvoting's "equal-shares"
    "equal_shares": (lambda ap, k: ch.equal_shares(ap, k), "equal-shares", "standard-fractions"),
    "equal_shares_av": (
        lambda ap, k: ch.equal_shares(ap, k, completion="av"),
        "equal-shares-with-av-completion",
        "standard-fractions",
    ),
}


def _ours(m, sets, weights) -> ch.ApprovalProfile:
    return ch.ApprovalProfile.from_sets(sets, candidates=list(range(m)), weights=weights)


def _abc_committees(rule_id, algorithm, m, sets, weights, k) -> set[frozenset]:
    prof = to_abcvoting(m, sets, weights)
    kw = {} if algorithm is None else {"algorithm": algorithm}
    return {
        frozenset(int(c) for c in comm)
        for comm in abcrules.compute(rule_id, prof, k, resolute=False, **kw)
    }


@settings(max_examples=200, deadline=None)
@given(data=approval_profiles(max_m=6, max_n=9, max_count=2))
def test_committee_is_one_abcvoting_winner(data):
    m, sets, weights, k = data
    ap = _ours(m, sets, weights)
    bad = []
    for name, (ours_fn, rule_id, algorithm) in RULES.items():
        res = ours_fn(ap, k)
        assert len(res.committee) == k, name
        assert sorted(res.order) == sorted(res.committee), name
        theirs = _abc_committees(rule_id, algorithm, m, sets, weights, k)
        if res.committee not in theirs:
            bad.append(
                f"{name}: pluralign {sorted(res.committee)} not in abcvoting {sorted(map(sorted, theirs))}"
            )
    assert not bad, "; ".join(bad)


@settings(max_examples=150, deadline=None)
@given(data=approval_profiles(max_m=7, max_n=10, max_count=3))
def test_thiele_values_are_optimal(data):
    """PAV / CC exact: the committee's value is the best over all C(m, k) committees."""
    m, sets, weights, k = data
    ap = _ours(m, sets, weights)
    best_pav = max(pav_score(sets, weights, c) for c in itertools.combinations(range(m), k))
    best_cc = max(cc_score(sets, weights, c) for c in itertools.combinations(range(m), k))
    pav = ch.pav(ap, k, method="exact")
    assert pav_score(sets, weights, pav.committee) == best_pav
    assert pav.value == pytest.approx(float(best_pav))
    cc = ch.chamberlin_courant(ap, k, method="exact")
    assert cc_score(sets, weights, cc.committee) == best_cc
    assert cc.value == pytest.approx(best_cc)
    seq = ch.pav(ap, k, method="sequential")
    assert seq.value == pytest.approx(float(pav_score(sets, weights, seq.committee)))
    assert seq.value <= pav.value + 1e-9
    # AV: the committee collects the k largest approval counts
    counts = sorted(
        (sum(w for s, w in zip(sets, weights) if c in s) for c in range(m)), reverse=True
    )
    av = ch.av(ap, k)
    assert sorted((ap.approval_scores()[c] for c in av.committee), reverse=True) == counts[:k]


@settings(max_examples=150, deadline=None)
@given(data=approval_profiles(max_m=6, max_n=8, max_count=2), seed=st.integers(0, 2**16))
def test_weights_equal_copies(data, seed):
    """Integer weights are the same as repeating the ballot: after collapsing identical ballots
    the profiles are equal, so every rule returns the same committee."""
    m, sets, weights, k = data
    a = _ours(m, sets, weights)
    b = ch.ApprovalProfile.from_sets(expand_unit(sets, weights), candidates=list(range(m)))
    assert a.ballots() == b.ballots()
    for name, (fn, _, _) in RULES.items():
        assert fn(a, k) == fn(b, k), name
    # a tie-break order changes the chosen committee only among tied ones
    order = list(range(m))
    import random

    random.Random(seed).shuffle(order)
    r = ch.seq_phragmen(a, k, tie_break=order)
    assert r.committee in _abc_committees("seqphragmen", "standard-fractions", m, sets, weights, k)


@settings(max_examples=150, deadline=None)
@given(
    data=approval_profiles(max_m=6, max_n=8, max_count=1), pick=st.randoms(use_true_random=False)
)
def test_jr_pjr_ejr_match_brute_force_and_abcvoting(data, pick):
    m, sets, weights, k = data
    ap = _ours(m, sets, weights)
    committee = sorted(pick.sample(range(m), k))
    jr = ch.is_jr(ap, committee)
    pjr = ch.is_pjr(ap, committee)
    ejr = ch.is_ejr(ap, committee)
    assert jr == jr_holds(sets, weights, committee, k)
    assert ejr == ejr_holds(sets, weights, committee, k)
    assert pjr == pjr_holds(sets, weights, committee, k)
    prof = to_abcvoting(m, sets, weights)
    assert jr == abcprops.check_JR(prof, committee)
    assert pjr == abcprops.check_PJR(prof, committee, algorithm="brute-force")
    assert ejr == abcprops.check_EJR(prof, committee, algorithm="brute-force")
    # EJR => PJR => JR
    assert (not ejr or pjr) and (not pjr or jr)
    # a reported violation is a real witness
    n = sum(weights)
    for fn in (ch.jr_violation, ch.pjr_violation, ch.ejr_violation):
        v = fn(ap, committee)
        if v is None:
            continue
        assert len(v.candidates) == v.ell >= 1
        assert v.group_weight >= v.ell * n / k - 1e-9
        supporters = [w for s, w in zip(sets, weights) if v.candidates <= set(s)]
        assert sum(supporters) >= v.group_weight - 1e-9


@settings(max_examples=150, deadline=None)
@given(data=approval_profiles(max_m=7, max_n=10, max_count=3))
def test_proportionality_guarantees(data):
    """PAV and MES satisfy EJR; seq-Phragmén satisfies PJR; all three satisfy JR
    (Lackner & Skowron 2023, Table 4.1; weighted voters included)."""
    m, sets, weights, k = data
    ap = _ours(m, sets, weights)
    pav = ch.pav(ap, k, method="exact").committee
    assert ch.is_ejr(ap, pav) and ejr_holds(sets, weights, pav, k)
    mes = ch.equal_shares(ap, k).committee
    assert len(mes) == k
    assert ch.is_ejr(ap, mes) and ejr_holds(sets, weights, mes, k)
    ph = ch.seq_phragmen(ap, k).committee
    assert ch.is_pjr(ap, ph) and ch.is_jr(ap, ph)
    # MES without completion buys at most k seats, each within the voters' budgets
    bare = ch.equal_shares(ap, k, completion=None)
    assert len(bare.committee) <= k
    assert bare.committee <= mes


@settings(max_examples=100, deadline=None)
@given(data=approval_profiles(max_m=6, max_n=8, max_count=2, allow_empty=True))
def test_empty_ballots_count_towards_n(data):
    """Voters who approve nobody still count in n (quota n/k, MES budgets), as in abcvoting."""
    m, sets, weights, k = data
    if not any(sets):
        return
    ap = _ours(m, sets, weights)
    assert ap.total_weight == sum(weights)
    for name in ("seq_phragmen", "equal_shares", "pav"):
        fn, rule_id, algorithm = RULES[name]
        assert fn(ap, k).committee in _abc_committees(rule_id, algorithm, m, sets, weights, k), name
    committee = ch.av(ap, k).committee
    assert ch.is_jr(ap, committee) == jr_holds(sets, weights, committee, k)
    assert ch.is_ejr(ap, committee) == ejr_holds(sets, weights, committee, k)


def test_mes_budget_rho_values_exact():
    # Peters & Skowron's rho: with 4 voters approving {a} and budget k/n each, a costs 1 and
    # is bought at rho = 1/4; the single {b} voter cannot afford b alone (budget 2/5 < 1).
    ap = ch.ApprovalProfile.from_sets([{"a"}] * 4 + [{"b"}])
    r = ch.equal_shares(ap, 2, completion=None)
    assert r.committee == {"a"}
    assert r.scores["a"] == pytest.approx(Fraction(1, 4))
    assert r.scores["b"] == float("inf")
    full = ch.equal_shares(ap, 2)
    assert full.committee == {"a", "b"}


@settings(max_examples=150, deadline=None)
@given(data=approval_profiles(max_m=6, max_n=9, max_count=2))
def test_mes_increment_completion_matches_abcvoting(data):
    # abcvoting computes increment completion resolutely, breaking ties by candidate index: the
    # same as our lexicographic tie-break
    m, sets, weights, k = data
    ap = _ours(m, sets, weights)
    res = ch.equal_shares(ap, k, completion="increment", tie_break="lexicographic")
    assert len(res.committee) == k
    prof = to_abcvoting(m, sets, weights)
    (theirs,) = abcrules.compute(
        "equal-shares-with-increment-completion",
        prof,
        k,
        resolute=True,
        algorithm="standard-fractions",
    )
    assert res.committee == frozenset(int(c) for c in theirs)


def test_mes_increment_completion_fills_the_committee_by_larger_budgets():
    # 2 voters {a,b}, 2 voters {c}; k = 3: each voter's budget 3/4, {a,b} voters hold 1.5
    # (buy a), {c} voters hold 1.5 (buy c); 0.5 left on the {a,b} side cannot buy b. With the
    # budget of k' = 4 (1 per voter) the {a,b} voters can buy both a and b.
    ap = ch.ApprovalProfile.from_sets([{"a", "b"}, {"a", "b"}, {"c"}, {"c"}])
    assert ch.equal_shares(ap, 3, completion=None).committee == {"a", "c"}
    res = ch.equal_shares(ap, 3, completion="increment")
    assert res.committee == {"a", "b", "c"}
    assert "increment completion" in res.tie_break


# ---------------------------------------------------------------------------------------------
# rules added for issue 21: reverse sequential PAV, Phragmén–Eneström, Minimax AV, maximin
# support and Monroe. abcvoting defines Monroe only for unit weights, so its profile gets one
# voter per unit of weight (pluralign collapses them back into weights).
# ---------------------------------------------------------------------------------------------
MORE_RULES = {
    "rev_seq_pav": (ch.rev_seq_pav, "revseqpav", None, False),
    "phragmen_enestrom": (ch.phragmen_enestrom, "phragmen-enestroem", "standard-fractions", False),
    "minimax_av": (ch.minimax_av, "minimaxav", "brute-force", False),
    "lex_minimax_av": (ch.lex_minimax_av, "lexminimaxav", "brute-force", True),
    "maximin_support": (ch.maximin_support, "maximin-support", "nx-max-flow", False),
    "monroe": (ch.monroe, "monroe", "brute-force", True),
}


@pytest.mark.parametrize("name", list(MORE_RULES))
@settings(max_examples=160, deadline=None)
@given(data=approval_profiles(max_m=6, max_n=8, max_count=2))
def test_more_committee_rules_match_abcvoting(name, data):
    m, sets, weights, k = data
    ours_fn, rule_id, algorithm, unit = MORE_RULES[name]
    res = ours_fn(_ours(m, sets, weights), k)
    assert len(res.committee) == k and sorted(res.order) == sorted(res.committee)
    if unit:
        sets, weights = expand_unit(sets, weights), [1] * sum(weights)
    theirs = _abc_committees(rule_id, algorithm, m, sets, weights, k)
    assert res.committee in theirs, (sorted(res.committee), sorted(map(sorted, theirs)))


def test_more_committee_rules_known_answers():
    # maximin support, abcvoting's documented example: voters {1,3}, {2,0}, {0,3}, {4,3,1};
    # alone, 3 has support 3 (three approvers); with 0 added the committee {3, 0} keeps 2
    ap = ch.ApprovalProfile.from_sets([[1, 3], [2, 0], [0, 3], [4, 3, 1]], candidates=range(5))
    r = ch.maximin_support(ap, 2)
    assert r.order == [3, 0] and r.value == 2.0 and r.scores[3] == 3.0
    # Phragmén–Eneström: 4 voters {a}, 2 voters {b}, k = 2, price 3: a (support 4) first, its
    # voters keep 1/4 of their budget (total 1); then b (support 2) beats a's leftovers
    ap = ch.ApprovalProfile.from_sets([["a"]] * 4 + [["b"]] * 2)
    r = ch.phragmen_enestrom(ap, 2)
    assert r.order == ["a", "b"] and r.scores == {"a": 4.0, "b": 2.0}
    # Minimax AV: {a,b} x2 and {c}: {a,b} is at distance 0/0/3, {a,c} at 2/2/1 -> {a, c}
    ap = ch.ApprovalProfile.from_sets([["a", "b"], ["a", "b"], ["c"]])
    r = ch.minimax_av(ap, 2)
    assert r.committee == {"a", "c"} and r.value == 2
    # lexicographic MAV: distances sorted from largest: {a,b} (3,0,0), {a,c} and {b,c} (2,2,1):
    # the largest decides, {a,c} and {b,c} tie all the way, the first in the order is returned
    assert ch.lex_minimax_av(ap, 2).committee == {"a", "c"}
    # {a}, {b}, {a,b}, k=1: {a} gives distances 0,2,1 and {b} 2,0,1: equal vectors, first wins
    ap2 = ch.ApprovalProfile.from_sets([["a"], ["b"], ["a", "b"]])
    r = ch.lex_minimax_av(ap2, 1)
    assert r.committee == {"a"} and r.value == 2 and r.tie_break is not None
    # Monroe: districts of 2 for voters {a},{a},{b},{c}: a plus one of b, c satisfies 3
    ap = ch.ApprovalProfile.from_sets([["a"], ["a"], ["b"], ["c"]])
    r = ch.monroe(ap, 2)
    assert r.committee == {"a", "b"} and r.value == 3
    with pytest.raises(errors.InputError, match="integer weights"):
        ch.monroe(ch.ApprovalProfile.from_sets([["a"], ["b"]], weights=[0.5, 1]), 1)
    # reverse seq-PAV: 3 x {a,b}, 1 x {c}: removing c costs 1, a or b 3/2 each -> {a, b}
    ap = ch.ApprovalProfile.from_sets([["a", "b"]] * 3 + [["c"]])
    r = ch.rev_seq_pav(ap, 2)
    assert r.committee == {"a", "b"} and r.scores["c"] == 1.0
    assert r.value == pytest.approx(4.5)


# ---------------------------------------------------------------------------------------------
# lexicographic Chamberlin–Courant (abcvoting "lexcc"; abcvoting solves it with gurobi, pulp or
# brute force, pluralign by branch and bound): the optimal committees are exactly abcvoting's,
# so pluralign's must be the first of them in the (lexicographic) tie-break order
# ---------------------------------------------------------------------------------------------
@settings(max_examples=160, deadline=None)
@given(data=approval_profiles(max_m=7, max_n=9, max_count=3))
def test_lex_cc_is_abcvotings_first_optimal_committee(data):
    m, sets, weights, k = data
    res = ch.lex_cc(_ours(m, sets, weights), k)
    theirs = _abc_committees("lexcc", "brute-force", m, sets, weights, k)
    assert sorted(res.committee) == min(sorted(c) for c in theirs)
    assert (res.tie_break is not None) == (len(theirs) > 1)
    assert res.value == cc_score(sets, weights, res.committee)


def test_lex_cc_known_answers_and_limit():
    # {a,b}, {c}, {b,c}, k = 2: {a,c} and {b,c} cover all three voters (CC returns {a,c}, the
    # first), {b,c} also gives the {b,c} voter two members: lex-CC = {b, c}
    ap = ch.ApprovalProfile.from_sets([["a", "b"], ["c"], ["b", "c"]])
    assert ch.chamberlin_courant(ap, 2, method="exact").committee == {"a", "c"}
    r = ch.lex_cc(ap, 2)
    assert r.committee == {"b", "c"} and r.value == 3 and r.tie_break is None
    # {a,b} x2, {c}: covering everyone ({a,c} or {b,c}) beats two members for two voters
    r = ch.lex_cc(ch.ApprovalProfile.from_sets([["a", "b"], ["a", "b"], ["c"]]), 2)
    assert r.committee == {"a", "c"} and r.tie_break is not None
    # 60 candidates, k = 30 and 200 distinct ballots: the search cannot finish, and says so
    sets = [[c for c in range(60) if (c * 7 + i * 13) % 5 < 2] for i in range(200)]
    with pytest.raises(errors.LimitError, match="k = 30"):
        ch.lex_cc(ch.ApprovalProfile.from_sets(sets, candidates=range(60)), 30)
