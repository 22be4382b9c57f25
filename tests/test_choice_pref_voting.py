"""Hypothesis cross-checks of the ranked rules of ``pluralign.choice`` against ``pref_voting``
(W. Holliday & E. Pacuit) and against slow Python references, on random small profiles.

Conventions (see docs/choice.md and rust/core/src/choice):
- winner SETS are compared with ``tie_break=None``: pluralign returns every tied winner and its
  elimination rules remove all candidates tied for elimination at once, which is exactly
  pref_voting's default ("all such candidates are removed");
- weak / truncated ballots go to pref_voting as ``ProfileWithTies`` with
  ``use_extended_strict_preference()`` (listed candidates beat unlisted ones, pluralign's
  reading of truncated ballots); rules pref_voting only defines on linear orders are compared
  on linear profiles, and checked on weak orders against the references in choice_reference.py;
- integer ballot counts serve as pluralign weights and pref_voting ``rcounts``.
"""

from __future__ import annotations

import numpy as np
import pluralign.choice as ch
import pytest
from choice_reference import (
    anti_plurality_scores,
    argmax_set,
    baldwin_winners,
    borda_scores,
    bucklin_winners,
    condorcet_loser,
    condorcet_winner,
    coombs_winners,
    irv_winners,
    kemeny_brute_force,
    linear_profiles,
    minimax_winners,
    nanson_winners,
    plurality_scores,
    profiles,
    schulze_winners,
    smith_set_brute,
    support_matrix,
    to_pref_voting,
)
from hypothesis import example, given, settings
from hypothesis import strategies as st

vm = pytest.importorskip("pref_voting.voting_methods")


def _ours(m, ballots, counts) -> ch.Profile:
    return ch.Profile.from_rankings(ballots, candidates=list(range(m)), weights=counts)


def _set(xs) -> frozenset:
    return frozenset(int(x) for x in xs)


# ---------------------------------------------------------------------------------------------
# margin-based rules and majority sets: weak orders with truncation (ProfileWithTies)
# ---------------------------------------------------------------------------------------------

MARGIN_RULES = {
    "copeland": (lambda p: ch.copeland(p).winners, lambda q: vm.copeland(q)),
    "llull": (lambda p: ch.llull(p).winners, lambda q: vm.llull(q)),
    "minimax": (lambda p: ch.minimax(p).winners, lambda q: vm.minimax(q)),
    "schulze_margin": (lambda p: ch.schulze(p).winners, lambda q: vm.beat_path(q)),
    "split_cycle": (lambda p: ch.split_cycle(p).winners, lambda q: vm.split_cycle(q)),
    "stable_voting": (lambda p: ch.stable_voting(p).winners, lambda q: vm.stable_voting(q)),
    # pref_voting maximizes the sum of margins, pluralign the sum of supports: the same orders
    # (support(a,b) + support(b,a) does not depend on the order).
    "kemeny": (lambda p: ch.kemeny(p).winners, lambda q: vm.kemeny_young(q)),
    "smith_set": (ch.smith_set, lambda q: vm.smith_set(q)),
    "schwartz_set": (ch.schwartz_set, lambda q: vm.schwartz_set(q)),
    # pref_voting's uc_gill: a beats b and everyone beating a beats b (Gillies 1959)
    "uncovered_gillies": (lambda p: ch.uncovered_set(p, "gillies"), lambda q: vm.uc_gill(q)),
    # pref_voting's uc_bordes: a beats b and everyone weakly beating a weakly beats b; by
    # contraposition that is "a beats everyone b beats", Miller's (downward) covering.
    "uncovered_miller": (lambda p: ch.uncovered_set(p, "miller"), lambda q: vm.uc_bordes(q)),
    # McKelvey 1986: both (Duggan 2013); pref_voting writes it as strict + weak left covering
    "uncovered_mckelvey": (lambda p: ch.uncovered_set(p, "mckelvey"), lambda q: vm.uc_mckelvey(q)),
}

LINEAR_RULES = {
    "plurality": (lambda p: ch.plurality(p).winners, lambda q: vm.plurality(q)),
    "borda": (lambda p: ch.borda(p).winners, lambda q: vm.borda(q)),
    "anti_plurality": (lambda p: ch.anti_plurality(p).winners, lambda q: vm.anti_plurality(q)),
    "instant_runoff": (lambda p: ch.instant_runoff(p).winners, lambda q: vm.instant_runoff(q)),
    "coombs": (lambda p: ch.coombs(p).winners, lambda q: vm.coombs(q)),
    "baldwin": (lambda p: ch.baldwin(p).winners, lambda q: vm.baldwin(q)),
    # pluralign's nanson "strict" eliminates scores strictly below the mean (Schwartz), which is
    # pref_voting's strict_nanson; "weak" (at or below the mean, Nanson 1882) is weak_nanson.
    "nanson_strict": (lambda p: ch.nanson(p).winners, lambda q: vm.strict_nanson(q)),
    "nanson_weak": (lambda p: ch.nanson(p, variant="weak").winners, lambda q: vm.weak_nanson(q)),
    # pref_voting.bucklin: at the first level where someone has a strict majority, the winners
    # are those with the largest count (NOT simplified_bucklin, which returns everyone above
    # the majority threshold).
    "bucklin": (lambda p: ch.bucklin(p).winners, lambda q: vm.bucklin(q)),
}


def _compare(rules: dict, p: ch.Profile, q, tag: str) -> None:
    bad = []
    for name, (ours_fn, theirs_fn) in rules.items():
        ours = ours_fn(p)
        theirs = _set(theirs_fn(q))
        if ours != theirs:
            bad.append(f"{name}: pluralign {sorted(ours)} vs pref_voting {sorted(theirs)}")
    assert not bad, f"{tag}: " + "; ".join(bad)


@settings(max_examples=200, deadline=None)
@given(data=profiles(max_m=6, max_n=15))
def test_margin_rules_match_pref_voting_on_weak_orders(data):
    m, ballots, counts = data
    p = _ours(m, ballots, counts)
    q = to_pref_voting(m, ballots, counts)
    _compare(MARGIN_RULES, p, q, "weak orders")
    # Condorcet winner / loser (pref_voting's `condorcet` returns everyone when there is none)
    cw, cl = q.condorcet_winner(), q.condorcet_loser()
    assert ch.condorcet_winner(p) == (None if cw is None else int(cw))
    assert ch.condorcet_loser(p) == (None if cl is None else int(cl))
    assert _set(vm.condorcet(q)) == (
        frozenset([int(cw)]) if cw is not None else frozenset(range(m))
    )
    # pref_voting's symmetric Borda (#below - #above) is an affine function of the tie-aware
    # Borda score (2 * score - (m - 1) per ballot): same winners.
    assert ch.borda(p).winners == _set(vm.borda_for_profile_with_ties(q))
    # On weak orders pluralign's IRV splits a ballot over its top remaining tier: pref_voting's
    # score_method="split". Exhausted truncated ballots: pluralign spreads them over all
    # remaining (unlisted) candidates, which shifts every tally equally; pref_voting drops them.
    assert ch.instant_runoff(p).winners == _set(vm.instant_runoff(q, score_method="split"))


@settings(max_examples=200, deadline=None)
@given(data=linear_profiles(max_m=6, max_n=15))
def test_rules_match_pref_voting_on_linear_orders(data):
    m, ballots, counts = data
    p = _ours(m, ballots, counts)
    q = to_pref_voting(m, ballots, counts)
    _compare(LINEAR_RULES, p, q, "linear orders")
    _compare(MARGIN_RULES, p, q, "linear orders (pref_voting Profile)")


@settings(max_examples=150, deadline=None)
@given(data=profiles(max_m=5, max_n=12))
def test_ranked_pairs_all_matches_pref_voting(data):
    """pref_voting's ``ranked_pairs`` returns the winners under SOME tie-breaking of equal
    margins (Zavist & Tideman 1989 stacks), i.e. pluralign's ``ranked_pairs_all``; the fixed
    tie-break winners must be among them."""
    m, ballots, counts = data
    p = _ours(m, ballots, counts)
    q = to_pref_voting(m, ballots, counts)
    theirs = _set(vm.ranked_pairs(q, algorithm="from_stacks"))
    assert ch.ranked_pairs_all(p).winners == theirs
    mg = p.margins()
    no_zero_margin = all(mg[a, b] != 0 for a in range(m) for b in range(m) if a != b)
    for tb in ("lexicographic", list(reversed(range(m)))):
        fixed = ch.ranked_pairs(p, tie_break=tb).winners
        assert fixed and fixed <= theirs
        # with a tie-break even zero-margin pairs are locked: always one winner
        assert len(fixed) == 1
    # without a tie-break zero-margin pairs stay unlocked, so only then can several stay unbeaten
    if no_zero_margin:
        assert len(ch.ranked_pairs(p, tie_break=None).winners) == 1


@settings(max_examples=150, deadline=None)
@given(data=profiles(max_m=6, max_n=15))
def test_rules_match_slow_references_on_weak_orders(data):
    m, ballots, counts = data
    p = _ours(m, ballots, counts)
    cands = list(range(m))
    s = support_matrix(ballots, counts, cands)
    assert ch.condorcet_winner(p) == condorcet_winner(s, cands)
    assert ch.condorcet_loser(p) == condorcet_loser(s, cands)
    assert ch.smith_set(p) == smith_set_brute(s, cands)
    # Minimax with the three strength measures of Tideman (2006), Schulze with both link
    # strengths (pref_voting's defaults cover only margins)
    for strength, ref in (
        ("margin", "margins"),
        ("winning", "winning_votes"),
        ("pairwise_opposition", "pairwise_opposition"),
    ):
        assert ch.minimax(p, strength=strength).winners == minimax_winners(s, cands, ref), strength
    for strength in ("margin", "winning_votes", "winning", "ratio"):
        assert ch.schulze(p, strength=strength).winners == schulze_winners(s, cands, strength), (
            strength
        )


def _ratio(q):
    def f(a, b):
        against = q.support(b, a)
        return q.support(a, b) / against if against > 0 else float("inf")

    return f


@settings(max_examples=300, deadline=None)
@given(data=profiles(max_m=6, max_n=15))
def test_schulze_strengths_match_pref_voting(data):
    # pref_voting's beat_path takes the link strength as a function: support(a, b) is winning
    # votes, support(a, b) / support(b, a) the ratio (Schulze 2011, section 2.1)
    m, ballots, counts = data
    p = _ours(m, ballots, counts)
    q = to_pref_voting(m, ballots, counts)
    for strength, fn in (
        ("margin", None),
        ("winning", q.support),
        ("winning_votes", q.support),
        ("ratio", _ratio(q)),
    ):
        theirs = _set(vm.beat_path(q, strength_function=fn))
        assert ch.schulze(p, strength=strength).winners == theirs, strength


@settings(max_examples=200, deadline=None)
@given(data=profiles(max_m=6, max_n=15))
# found by this test: an exact tie 14/3 = 14/3 that float sums of 2/3 split (see
# test_choice_examples.py::test_anti_plurality_exact_tie_with_thirds)
@example(data=(4, [[[1], [0]], [[0]], [[1]]], [3, 1, 1]))
def test_positional_scores_match_exact_reference_on_weak_orders(data):
    """Tie-aware positional scores (a tier shares the average of its positions; Black 1976),
    against an exact (Fraction) reference: exact ties must come out as ties."""
    m, ballots, counts = data
    p = _ours(m, ballots, counts)
    cands = list(range(m))
    for rule, ref in (
        (ch.borda, borda_scores),
        (ch.plurality, plurality_scores),
        (ch.anti_plurality, anti_plurality_scores),
    ):
        r = rule(p)
        want = ref(ballots, counts, cands)  # exact (Fractions)
        assert r.scores == pytest.approx({c: float(v) for c, v in want.items()}), rule.__name__
        # exact ties must be reported as ties even when float sums round differently
        assert r.winners == argmax_set(want), (rule.__name__, r.scores)
    # random dictatorship: the probability that a weighted random ballot's top tier wins
    rd = ch.random_dictatorship(p)
    pl_scores = plurality_scores(ballots, counts, cands)
    tot = sum(counts)
    assert rd.scores == pytest.approx({c: float(v / tot) for c, v in pl_scores.items()})
    assert rd.winners == frozenset(c for c, v in pl_scores.items() if v > 0)


@settings(max_examples=150, deadline=None)
@given(data=profiles(max_m=6, max_n=15))
def test_elimination_rules_match_reference_on_weak_orders(data):
    """pref_voting defines Coombs, Baldwin, Nanson and Bucklin on linear orders only; on weak /
    truncated orders they are checked against exact references of the definitions documented
    in rust/core/src/choice/ranked.rs (top / bottom tiers split a ballot's weight; unlisted
    candidates form the bottom tier; Borda is tie-aware; all tied candidates go together)."""
    m, ballots, counts = data
    p = _ours(m, ballots, counts)
    cands = list(range(m))
    got = {
        "instant_runoff": ch.instant_runoff(p).winners,
        "coombs": ch.coombs(p).winners,
        "baldwin": ch.baldwin(p).winners,
        "nanson_strict": ch.nanson(p).winners,
        "nanson_weak": ch.nanson(p, variant="weak").winners,
        "bucklin": ch.bucklin(p).winners,
    }
    want = {
        "instant_runoff": irv_winners(ballots, counts, cands),
        "coombs": coombs_winners(ballots, counts, cands),
        "baldwin": baldwin_winners(ballots, counts, cands),
        "nanson_strict": nanson_winners(ballots, counts, cands, "strict"),
        "nanson_weak": nanson_winners(ballots, counts, cands, "weak"),
        "bucklin": bucklin_winners(ballots, counts, cands),
    }
    bad = {k: (sorted(got[k]), sorted(want[k])) for k in got if got[k] != want[k]}
    assert not bad, f"pluralign vs reference: {bad}"


@settings(max_examples=100, deadline=None)
@given(data=profiles(max_m=6, max_n=12))
def test_kemeny_matches_brute_force(data):
    m, ballots, counts = data
    p = _ours(m, ballots, counts)
    best, winners, orders = kemeny_brute_force(p.support(), p.candidates)
    r = ch.kemeny(p)
    assert r.winners == winners
    # the reported ranking is an optimal linear order, and scores[c] is the best score of an
    # order with c on top (so the winners' score is the optimum)
    assert all(len(t) == 1 for t in r.ranking)
    order = tuple(next(iter(t)) for t in r.ranking)
    assert order in orders
    for c in p.candidates:
        if c in winners:
            assert r.scores[c] == pytest.approx(best)
        else:
            assert r.scores[c] < best - 1e-9
    assert (r.tie_break is None) == (len(orders) == 1)
    # the lexicographically first optimal order
    assert order == min(orders)


@settings(max_examples=100, deadline=None)
@given(data=linear_profiles(max_m=6, max_n=15), perm=st.permutations(range(6)))
def test_elimination_tie_breaks_match_pref_voting(data, perm):
    """pluralign eliminates the tied candidate LATEST in its priority order; pref_voting's
    ``tie_breaker`` lists candidates lowest priority (eliminated first) first: reversed."""
    m, ballots, counts = data
    order = [c for c in perm if c < m]
    p = _ours(m, ballots, counts)
    q = to_pref_voting(m, ballots, counts)
    rev = list(reversed(order))
    r = ch.instant_runoff(p, tie_break=order)
    assert r.winners == _set(vm.instant_runoff(q, tie_breaker=rev))
    assert len(r.winners) == 1
    assert ch.coombs(p, tie_break=order).winners == _set(vm.coombs_tb(q, tie_breaker=rev))
    assert ch.baldwin(p, tie_break=order).winners == _set(vm.baldwin_tb(q, tie_breaker=rev))


# ---------------------------------------------------------------------------------------------
# properties where pluralign and pref_voting differ in scope
# ---------------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(data=profiles(max_m=6, max_n=15))
def test_properties_on_weak_orders(data):
    m, ballots, counts = data
    p = _ours(m, ballots, counts)
    smith = ch.smith_set(p)

    # Condorcet consistency, also on weak / truncated orders where pref_voting lacks some rules
    cw = ch.condorcet_winner(p)
    if cw is not None:
        for rule in (
            ch.copeland,
            ch.llull,
            ch.minimax,
            ch.schulze,
            ch.ranked_pairs,
            ch.ranked_pairs_all,
            ch.kemeny,
            ch.split_cycle,
            ch.stable_voting,
            ch.baldwin,
            ch.nanson,
            lambda q: ch.nanson(q, variant="weak"),
            ch.maximal_lottery,
        ):
            assert rule(p).winners == {cw}, getattr(rule, "__name__", rule)
        assert smith == ch.schwartz_set(p) == {cw}

    # Classic inclusions: Schwartz ⊆ Smith (Schwartz 1986); the Gillies and Miller uncovered
    # sets ⊆ the McKelvey uncovered set (McKelvey covering asks for both) ⊆ Smith (Duggan 2013);
    # Split Cycle, Schulze, Ranked Pairs, Kemeny and Stable Voting satisfy the Smith criterion
    # (Holliday & Pacuit 2023; Schulze 2011; Tideman 1987; Young & Levenglick 1978).
    assert ch.schwartz_set(p) <= smith
    mck = ch.uncovered_set(p, "mckelvey")
    assert ch.uncovered_set(p, "gillies") <= mck <= smith
    assert ch.uncovered_set(p, "miller") <= mck
    for rule in (ch.split_cycle, ch.schulze, ch.ranked_pairs_all, ch.kemeny, ch.stable_voting):
        w = rule(p).winners
        assert w and w <= smith, rule.__name__

    # Maximal lotteries (Fishburn 1984): p^T M >= 0 for the margin (or sign-of-margin) matrix
    for payoff in ("margins", "majority"):
        r = ch.maximal_lottery(p, payoff=payoff)
        prob = np.array([r.scores[c] for c in p.candidates])
        assert prob.min() >= -1e-12
        assert prob.sum() == pytest.approx(1.0)
        g = p.margins() if payoff == "margins" else np.sign(p.margins())
        assert (prob @ g).min() >= -1e-9
        assert r.winners == frozenset(c for c in p.candidates if r.scores[c] > 1e-12)
        assert r.winners <= smith

    # rankings are partitions of the candidates with the winners on top (Kemeny returns one
    # optimal linear order, whose top is one of possibly several winners)
    for rule in (
        ch.plurality,
        ch.borda,
        ch.anti_plurality,
        ch.copeland,
        ch.minimax,
        ch.schulze,
        ch.ranked_pairs,
        ch.kemeny,
        ch.instant_runoff,
        ch.coombs,
        ch.baldwin,
        ch.nanson,
        ch.bucklin,
    ):
        r = rule(p)
        assert r.ranking is not None, rule.__name__
        flat = [c for t in r.ranking for c in t]
        assert sorted(flat) == p.candidates and all(r.ranking), rule.__name__
        if rule is ch.kemeny:
            assert r.ranking[0] <= r.winners
        else:
            assert r.ranking[0] == r.winners, rule.__name__
        assert set(r.scores) == set(p.candidates)
    for rule in (ch.split_cycle, ch.stable_voting):
        assert rule(p).winners


@settings(max_examples=100, deadline=None)
@given(data=linear_profiles(max_m=5, max_n=15))
def test_maximal_lottery_matches_pref_voting_when_unique(data):
    # With an odd total weight and linear orders there are no pairwise ties and the maximal
    # lottery is unique (Laffond, Laslier & Le Breton 1997), so the probabilities must agree.
    m, ballots, counts = data
    if sum(counts) % 2 == 0:
        counts = counts[:-1] + [counts[-1] + 1]
    pvm = pytest.importorskip("pref_voting.probabilistic_methods")
    r = ch.maximal_lottery(_ours(m, ballots, counts))
    theirs = pvm.maximal_lottery(to_pref_voting(m, ballots, counts))
    for c in range(m):
        assert r.scores[c] == pytest.approx(float(theirs.get(c, 0.0)), abs=1e-7)


@settings(max_examples=100, deadline=None)
@given(data=profiles(max_m=6, max_n=15), seed=st.integers(0, 2**32))
def test_tie_break_picks_one_of_the_tied_winners(data, seed):
    m, ballots, counts = data
    p = _ours(m, ballots, counts)
    for rule in (ch.instant_runoff, ch.coombs, ch.baldwin):
        untied = rule(p).winners
        for tb in ("lexicographic", seed, list(reversed(p.candidates))):
            r = rule(p, tie_break=tb)
            assert len(r.winners) == 1, (rule.__name__, tb)
            if r.tie_break is None:
                # no tie had to be broken: same answer as without a tie-break
                assert r.winners == untied, (rule.__name__, tb)
    # Kemeny: the returned ranking is the optimal one first in the tie-break order
    untied = ch.kemeny(p).winners
    for tb in ("lexicographic", seed, list(reversed(p.candidates))):
        assert ch.kemeny(p, tie_break=tb).ranking[0] <= untied
    # a random tie-break is reproducible
    assert ch.instant_runoff(p, tie_break=seed) == ch.instant_runoff(p, tie_break=seed)
