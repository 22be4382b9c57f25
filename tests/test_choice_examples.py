"""Published worked examples for ``pluralign.choice``: each test names its source and checks the
answer stated there."""

from __future__ import annotations

import numpy as np
import pluralign.choice as ch
import pytest
from choice_reference import kemeny_brute_force

# ---------------------------------------------------------------------------------------------
# Wikipedia, "Schulze method", example with 45 voters (A..E)
# ---------------------------------------------------------------------------------------------

SCHULZE_GROUPS = [
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
]


@pytest.fixture(scope="module")
def schulze_wiki() -> ch.Profile:
    ballots = [list(order) for _, order in SCHULZE_GROUPS]
    return ch.Profile.from_rankings(ballots, weights=[n for n, _ in SCHULZE_GROUPS])


def test_schulze_wikipedia_pairwise_table(schulze_wiki):
    # Wikipedia's matrix of pairwise preferences d[*, *] (rows A..E).
    d = np.array(
        [
            [0, 20, 26, 30, 22],
            [25, 0, 16, 33, 18],
            [19, 29, 0, 17, 24],
            [15, 12, 28, 0, 14],
            [23, 27, 21, 31, 0],
        ],
        dtype=float,
    )
    assert schulze_wiki.candidates == list("ABCDE")
    np.testing.assert_array_equal(schulze_wiki.support(), d)
    np.testing.assert_array_equal(schulze_wiki.margins(), d - d.T)
    assert schulze_wiki.total_weight == 45
    assert schulze_wiki.n_ballots == 8


def test_schulze_wikipedia_winner_and_order(schulze_wiki):
    r = ch.schulze(schulze_wiki, strength="winning_votes")
    assert r.winners == frozenset("E")
    assert r.winner == "E"
    # Wikipedia: "the Schulze ranking is E > A > C > B > D"
    assert r.ranking == [frozenset(x) for x in "EACBD"]
    assert r.tie_break is None
    # with margins as link strength the winner is the same here
    assert ch.schulze(schulze_wiki, strength="margin").winners == frozenset("E")
    # no Condorcet winner in this example (there is a majority cycle)
    assert ch.condorcet_winner(schulze_wiki) is None


# ---------------------------------------------------------------------------------------------
# Tennessee capital (Wikipedia: "Condorcet method", "Ranked pairs", "Kemeny–Young method",
# "Instant-runoff voting", "Coombs' method", "Bucklin voting", "Borda count", "Copeland's method")
# Memphis 42% M>N>C>K, Nashville 26% N>C>K>M, Chattanooga 15% C>K>N>M, Knoxville 17% K>C>N>M
# ---------------------------------------------------------------------------------------------

M, N, C, K = "Memphis", "Nashville", "Chattanooga", "Knoxville"
TENNESSEE = [([M, N, C, K], 42), ([N, C, K, M], 26), ([C, K, N, M], 15), ([K, C, N, M], 17)]


@pytest.fixture(scope="module")
def tennessee() -> ch.Profile:
    return ch.Profile.from_rankings(
        [b for b, _ in TENNESSEE], weights=[w for _, w in TENNESSEE], candidates=[M, N, C, K]
    )


def test_tennessee_plurality_memphis(tennessee):
    r = ch.plurality(tennessee)
    assert r.winners == {M}
    assert r.scores == {M: 42, N: 26, C: 15, K: 17}


def test_tennessee_borda_nashville(tennessee):
    r = ch.borda(tennessee)
    assert r.winners == {N}
    # Wikipedia "Borda count": Memphis 126, Nashville 194, Chattanooga 173, Knoxville 107
    assert r.scores == {M: 126, N: 194, C: 173, K: 107}
    assert r.ranking == [{N}, {C}, {M}, {K}]


@pytest.mark.parametrize(
    "rule",
    [
        lambda p: ch.copeland(p),
        lambda p: ch.llull(p),
        lambda p: ch.schulze(p),
        lambda p: ch.schulze(p, strength="winning_votes"),
        lambda p: ch.ranked_pairs(p),
        lambda p: ch.ranked_pairs_all(p),
        lambda p: ch.kemeny(p),
        lambda p: ch.minimax(p),
        lambda p: ch.minimax(p, strength="winning_votes"),
        lambda p: ch.minimax(p, strength="pairwise_opposition"),
        lambda p: ch.split_cycle(p),
        lambda p: ch.stable_voting(p),
        lambda p: ch.baldwin(p),
        lambda p: ch.nanson(p),
        lambda p: ch.nanson(p, variant="weak"),
        lambda p: ch.coombs(p),
        lambda p: ch.bucklin(p),
    ],
    ids=[
        "copeland",
        "llull",
        "schulze",
        "schulze_wv",
        "ranked_pairs",
        "ranked_pairs_all",
        "kemeny",
        "minimax",
        "minimax_wv",
        "minimax_po",
        "split_cycle",
        "stable_voting",
        "baldwin",
        "nanson",
        "nanson_weak",
        "coombs",
        "bucklin",
    ],
)
def test_tennessee_condorcet_rules_nashville(tennessee, rule):
    # Nashville is the Condorcet winner; every Condorcet-consistent rule, Coombs (Memphis has
    # the most last places and goes first, then Nashville has 68%) and Bucklin (Nashville
    # reaches 68% in round 2) pick it.
    assert rule(tennessee).winners == {N}


def test_tennessee_condorcet_winner_and_loser(tennessee):
    assert ch.condorcet_winner(tennessee) == N
    assert ch.condorcet_loser(tennessee) == M
    assert ch.smith_set(tennessee) == {N}
    assert ch.schwartz_set(tennessee) == {N}
    for cov in ("gillies", "miller", "mckelvey"):
        assert ch.uncovered_set(tennessee, covering=cov) == {N}


def test_tennessee_copeland_scores(tennessee):
    # Wikipedia "Copeland's method": N 3 wins, C 2, K 1, M 0
    assert ch.copeland(tennessee).scores == {N: 3, C: 2, K: 1, M: 0}


def test_tennessee_ranked_pairs_order(tennessee):
    # Wikipedia "Ranked pairs": lock C>K (83), N>C (68), N>K (68), then N>M, C>M, K>M (58):
    # Nashville > Chattanooga > Knoxville > Memphis
    r = ch.ranked_pairs(tennessee)
    assert r.ranking == [{N}, {C}, {K}, {M}]


def test_tennessee_kemeny_ranking(tennessee):
    # Wikipedia "Kemeny–Young method": the best ranking is Nashville > Chattanooga > Knoxville >
    # Memphis with a ranking score of 393.
    r = ch.kemeny(tennessee)
    assert r.ranking == [{N}, {C}, {K}, {M}]
    assert r.scores[N] == 393
    best, winners, orders = kemeny_brute_force(tennessee.support(), tennessee.candidates)
    assert best == 393
    assert winners == {N}
    assert orders == [(N, C, K, M)]


def test_tennessee_irv_knoxville(tennessee):
    # Wikipedia "Instant-runoff voting": Chattanooga (15) is eliminated first, then Nashville
    # (26), and Knoxville beats Memphis 58 to 42.
    r = ch.instant_runoff(tennessee)
    assert r.winners == {K}
    assert r.ranking == [{K}, {M}, {N}, {C}]
    assert r.tie_break is None


# ---------------------------------------------------------------------------------------------
# The Bradley–Terry-vs-majority example of the issue
# ---------------------------------------------------------------------------------------------


def test_bt_vs_majority_condorcet_winner_is_not_borda_winner():
    """3 voters a>b>c and 2 voters b>c>a. ``a`` beats b 3:2 and c 3:2, so ``a`` is the Condorcet
    winner and Copeland and Schulze pick it, while Borda (a 6, b 7, c 2) ranks ``b`` first: a
    score/average-based aggregate can overrule a majority."""
    p = ch.Profile.from_rankings([["a", "b", "c"]] * 3 + [["b", "c", "a"]] * 2)
    assert p.n_ballots == 2
    assert ch.condorcet_winner(p) == "a"
    np.testing.assert_array_equal(
        p.margins(), np.array([[0, 1, 1], [-1, 0, 5], [-1, -5, 0]], dtype=float)
    )
    assert ch.copeland(p).winners == {"a"}
    assert ch.schulze(p).winners == {"a"}
    assert ch.schulze(p, strength="winning_votes").winners == {"a"}
    b = ch.borda(p)
    assert b.winners == {"b"}
    assert b.ranking[0] == {"b"}
    assert b.scores == {"a": 6, "b": 7, "c": 2}


# ---------------------------------------------------------------------------------------------
# Kemeny
# ---------------------------------------------------------------------------------------------


def test_kemeny_condorcet_cycle_all_rotations_optimal():
    # One voter each a>b>c, b>c>a, c>a>b: the three rotations all score 5 and are optimal, so
    # every candidate tops an optimal ranking.
    p = ch.Profile.from_rankings([["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"]])
    r = ch.kemeny(p)
    assert r.winners == {"a", "b", "c"}
    assert r.scores == {"a": 5, "b": 5, "c": 5}
    # tie_break=None reports that several optimal rankings exist (lexicographic pick)
    assert r.tie_break is not None
    assert r.ranking == [{"a"}, {"b"}, {"c"}]
    assert ch.kemeny(p, tie_break=["c", "a", "b"]).ranking == [{"c"}, {"a"}, {"b"}]


def test_kemeny_majority_cycle_drops_weakest_link():
    # 4 a>b>c, 3 b>c>a, 2 c>a>b: majority cycle a>b (margin 3), b>c (5), c>a (1). The Kemeny
    # ranking reverses only the weakest majority, giving a>b>c with agreement
    # support(a,b) + support(a,c) + support(b,c) = 6 + 4 + 7 = 17 (b>c>a: 15, c>a>b: 13).
    ballots = [["a", "b", "c"]] * 4 + [["b", "c", "a"]] * 3 + [["c", "a", "b"]] * 2
    p = ch.Profile.from_rankings(ballots)
    best, _winners, orders = kemeny_brute_force(p.support(), p.candidates)
    assert best == 17
    assert orders == [("a", "b", "c")]
    r = ch.kemeny(p)
    assert r.winners == {"a"}
    assert r.ranking == [{"a"}, {"b"}, {"c"}]
    assert r.scores["a"] == best
    assert r.tie_break is None


# ---------------------------------------------------------------------------------------------
# Approval committees: Lackner & Skowron, "Multi-Winner Voting with Approval Preferences"
# (Springer 2023) and the abcvoting survey examples
# ---------------------------------------------------------------------------------------------


def _ls_example1() -> ch.ApprovalProfile:
    # abcvoting examples/abcsurvey/example01.py: 12 voters, candidates a..h, k = 4
    sets = (
        [{"a", "b"}] * 3
        + [{"a", "c"}] * 3
        + [{"a", "d"}] * 2
        + [{"b", "c", "f"}, {"e"}, {"f"}, {"g"}]
    )
    return ch.ApprovalProfile.from_sets(sets, candidates=list("abcdefgh"))


def test_ls_survey_example1_rules():
    p = _ls_example1()
    # AV: {a,b,c,d} and {a,b,c,f} tie (d and f have 2 approvals); lexicographic picks d
    r = ch.av(p, 4)
    assert r.committee == set("abcd")
    assert r.tie_break is not None
    assert ch.av(p, 4, tie_break=list("fabcdegh")).committee == set("abcf")
    # Chamberlin–Courant: {a,e,f,g} (covers all 12 voters)
    cc = ch.chamberlin_courant(p, 4)
    assert cc.committee == set("aefg")
    assert cc.value == 12
    # PAV: {a,b,c,f}
    assert ch.pav(p, 4).committee == set("abcf")
    assert ch.pav(p, 4, method="exact").committee == set("abcf")
    # seq-Phragmén: {a,b,c,d}
    assert ch.seq_phragmen(p, 4).committee == set("abcd")
    assert ch.approval(p).winners == {"a"}


def test_ls_survey_example1_against_abcvoting():
    abc = pytest.importorskip("abcvoting.abcrules")
    from choice_reference import to_abcvoting

    p = _ls_example1()
    idx = {c: i for i, c in enumerate(p.candidates)}
    sets = [[0, 1]] * 3 + [[0, 2]] * 3 + [[0, 3]] * 2 + [[1, 2, 5], [4], [5], [6]]
    ap = to_abcvoting(8, sets, [1] * 12)
    for ours, rule, kw in [
        (ch.av(p, 4), "av", {}),
        (ch.sav(p, 4), "sav", {}),
        (ch.pav(p, 4), "pav", {"algorithm": "brute-force"}),
        (ch.chamberlin_courant(p, 4), "cc", {"algorithm": "brute-force"}),
        (ch.seq_phragmen(p, 4), "seqphragmen", {"algorithm": "standard-fractions"}),
        (ch.equal_shares(p, 4), "equal-shares", {"algorithm": "standard-fractions"}),
        (ch.pav(p, 4, method="sequential"), "seqpav", {}),
    ]:
        theirs = {frozenset(c) for c in abc.compute(rule, ap, 4, resolute=False, **kw)}
        assert frozenset(idx[c] for c in ours.committee) in theirs, rule


def test_ls_pav_vs_seq_pav():
    # PAV {a,c} while seq-PAV picks {c,d} (3 ab, 6 ad, 4 b, 5 c, 5 cd; k = 2)
    sets = [{"a", "b"}] * 3 + [{"a", "d"}] * 6 + [{"b"}] * 4 + [{"c"}] * 5 + [{"c", "d"}] * 5
    p = ch.ApprovalProfile.from_sets(sets)
    assert p.n_ballots == 5
    assert p.total_weight == 23
    exact = ch.pav(p, 2, method="exact")
    seq = ch.pav(p, 2, method="sequential")
    assert exact.committee == {"a", "c"}
    assert seq.committee == {"c", "d"}
    # seq-PAV: d has the most approvals (11); then c gains 5 + 5/2 = 7.5 > b 7 > a 6
    assert seq.order == ["d", "c"]
    # PAV scores: {a,c}: 3+6+5+5 = 19; {c,d}: 6+5+5*1.5 = 18.5
    assert exact.value == pytest.approx(19.0)
    assert seq.value == pytest.approx(18.5)


def test_janson_weighted_pav_vs_seq_pav():
    # Janson's example (weighted voters), as in abcvoting's tests: PAV {a,b}, seq-PAV {a,c}
    sets = [
        {"a", "c", "d"},
        {"b", "c", "d"},
        {"b", "c"},
        {"a", "b"},
        {"a", "d"},
        {"a", "c"},
        {"b", "d"},
        {"d"},
        {"c"},
        {"b"},
    ]
    w = [960, 3000, 520, 1620, 1081, 1240, 360, 360, 120, 60]
    p = ch.ApprovalProfile.from_sets(sets, weights=w)
    assert ch.pav(p, 2, method="exact").committee == {"a", "b"}
    assert ch.pav(p, 2, method="sequential").committee == {"a", "c"}


def test_ls_book_example_2_12_mes_vs_phragmen():
    # L&S book Example 2.12 (abcvoting examples/abcbook/example212.py): k = 3; MES buys c
    # (rho = 1/5) then a (rho = 13/40) and completes with d: {a,c,d}; seq-Phragmén: {b,c,d}.
    sets = [{"c", "d"}] * 3 + [{"a", "b"}] * 2 + [{"a", "c"}] * 2 + [{"b", "d"}]
    p = ch.ApprovalProfile.from_sets(sets)
    mes = ch.equal_shares(p, 3)
    assert mes.committee == {"a", "c", "d"}
    assert mes.order[:2] == ["c", "a"]
    assert mes.scores["c"] == pytest.approx(1 / 5)
    assert mes.scores["a"] == pytest.approx(13 / 40)
    assert ch.equal_shares(p, 3, completion=None).committee == {"a", "c"}
    assert ch.seq_phragmen(p, 3).committee == {"b", "c", "d"}


def test_av_violates_jr_proportional_rules_do_not():
    # 6 voters approve {a,b,c}, 4 approve {d,e}; k = 3. AV gives the majority everything and
    # violates JR (the 4 {d,e} voters weigh >= n/k = 10/3); PAV, seq-PAV, seq-Phragmén and MES
    # give the minority a seat (Aziz et al. 2017; L&S ch. 4).
    sets = [{"a", "b", "c"}] * 6 + [{"d", "e"}] * 4
    p = ch.ApprovalProfile.from_sets(sets)
    av = ch.av(p, 3).committee
    assert av == {"a", "b", "c"}
    v = ch.jr_violation(p, av)
    assert v is not None and v.ell == 1 and v.group_weight == 4 and v.candidates <= {"d", "e"}
    assert not ch.is_jr(p, av) and not ch.is_pjr(p, av) and not ch.is_ejr(p, av)
    for comm in (
        ch.pav(p, 3).committee,
        ch.pav(p, 3, method="sequential").committee,
        ch.seq_phragmen(p, 3).committee,
        ch.equal_shares(p, 3).committee,
    ):
        assert len(comm) == 3 and len(comm & {"d", "e"}) == 1
        assert ch.is_jr(p, comm) and ch.is_pjr(p, comm) and ch.is_ejr(p, comm)


def test_pjr_without_ejr():
    # v1,v2 approve {a,b,x}; v3,v4 approve {a,b,y}; v5,v6 approve {z}; committee {x,y,z}, k = 3.
    # For ell = 2 the group v1..v4 (weight 4 >= 2 * 6 / 3) jointly approves {a,b} while each of
    # them has only one approved member: EJR fails. Together they approve x and y: PJR holds.
    sets = [{"a", "b", "x"}] * 2 + [{"a", "b", "y"}] * 2 + [{"z"}] * 2
    p = ch.ApprovalProfile.from_sets(sets)
    comm = {"x", "y", "z"}
    assert ch.is_jr(p, comm)
    assert ch.is_pjr(p, comm)
    assert not ch.is_ejr(p, comm)
    v = ch.ejr_violation(p, comm)
    assert v.ell == 2 and v.candidates == {"a", "b"} and v.group_weight >= 4
    assert ch.pjr_violation(p, comm) is None


def test_jr_pjr_ejr_match_abcvoting_on_examples():
    props = pytest.importorskip("abcvoting.properties")
    from choice_reference import to_abcvoting

    cases = [
        ([[0, 1, 2]] * 6 + [[3, 4]] * 4, 5, [{0, 1, 2}, {0, 1, 3}, {3, 4, 0}]),
        ([[0, 1, 2]] * 2 + [[0, 1, 3]] * 2 + [[4]] * 2, 5, [{2, 3, 4}, {0, 1, 4}, {2, 3, 0}]),
        (
            [
                [0, 1],
                [0, 1],
                [0, 1],
                [0, 2],
                [0, 2],
                [0, 2],
                [0, 3],
                [0, 3],
                [1, 2, 5],
                [4],
                [5],
                [6],
            ],
            8,
            [{0, 1, 2, 3}, {0, 4, 5, 6}, {0, 1, 2, 5}, {4, 5, 6, 7}],
        ),
    ]
    for sets, m, committees in cases:
        ap = to_abcvoting(m, sets, [1] * len(sets))
        ours = ch.ApprovalProfile.from_sets(sets, candidates=list(range(m)))
        for comm in committees:
            assert ch.is_jr(ours, comm) == props.check_JR(ap, comm), (sets, comm)
            assert ch.is_pjr(ours, comm) == props.check_PJR(ap, comm, algorithm="brute-force"), (
                sets,
                comm,
            )
            assert ch.is_ejr(ours, comm) == props.check_EJR(ap, comm, algorithm="brute-force"), (
                sets,
                comm,
            )


# ---------------------------------------------------------------------------------------------
# exact ties under tie-averaged positional scores
# ---------------------------------------------------------------------------------------------


def test_anti_plurality_exact_tie_with_thirds():
    """3 voters b>a (c, d unlisted: tied last), 1 voter a (b, c, d tied last), 1 voter b.
    With tied positions averaged (docs/choice.md), a scores 3 + 1 + 2/3 = 14/3 and b scores
    3 + 2/3 + 1 = 14/3: an exact tie, so both must win. Summing 2/3 in floating point in a
    different order gives 4.666666666666667 vs 4.666666666666666; the tie must not depend on
    that rounding."""
    p = ch.Profile.from_rankings(
        [["b", "a"], ["a"], ["b"]], weights=[3, 1, 1], candidates=["a", "b", "c", "d"]
    )
    r = ch.anti_plurality(p)
    assert r.scores["a"] == pytest.approx(14 / 3) and r.scores["b"] == pytest.approx(14 / 3)
    assert r.winners == {"a", "b"}
    assert r.ranking[0] == {"a", "b"}


# ---------------------------------------------------------------------------------------------
# textbook axiom facts, found by `check`
# ---------------------------------------------------------------------------------------------


def test_check_finds_known_violations_and_none_for_schulze():
    gen = lambda s: ch.random_profile(7, 4, seed=s)
    # plurality and Borda are not Condorcet-consistent (the BT-vs-majority example above)
    ce = ch.check(ch.plurality, gen, ["condorcet_winner"], samples=200)
    assert [c.axiom for c in ce] == ["condorcet_winner"]
    cw = ch.condorcet_winner(ce[0].profile)
    assert cw is not None and ch.plurality(ce[0].profile).winners != {cw}
    assert ch.check(ch.borda, gen, ["condorcet_winner"], samples=200)
    # Schulze is Condorcet-consistent, Pareto-efficient, anonymous and neutral (Schulze 2011)
    assert (
        ch.check(
            ch.schulze,
            gen,
            ["condorcet_winner", "condorcet_loser", "pareto", "anonymity", "neutrality"],
            samples=60,
        )
        == []
    )
    # an explicit counterexample profile is checked exactly
    bt = ch.Profile.from_rankings([["a", "b", "c"]] * 3 + [["b", "c", "a"]] * 2)
    assert [c.axiom for c in ch.check(ch.borda, bt, ["condorcet_winner"])] == ["condorcet_winner"]
    assert ch.check(ch.copeland, bt, ["condorcet_winner"]) == []


def test_float_weights_exact_tie_is_a_tie_in_every_rule():
    """Weights 0.1 + 0.2 for a>b and 0.3 for b>a: in exact arithmetic every tally ties (margin
    0, plurality 0.3 vs 0.3), but 0.1 + 0.2 = 0.30000000000000004 in floating point. The
    Condorcet and elimination rules already treat margins within a tolerance as ties; the
    score-based rules must agree with them instead of electing a by 5.6e-17."""
    p = ch.Profile.from_rankings([["a", "b"], ["a", "b"], ["b", "a"]], weights=[0.1, 0.2, 0.3])
    assert ch.condorcet_winner(p) is None
    for rule in (
        ch.instant_runoff,
        ch.coombs,
        ch.baldwin,
        ch.copeland,
        ch.schulze,
        ch.split_cycle,
        ch.kemeny,
        ch.bucklin,
    ):
        assert rule(p).winners == {"a", "b"}, rule.__name__
    failures = {}
    for rule in (ch.plurality, ch.borda, ch.anti_plurality, ch.minimax):
        if rule(p).winners != {"a", "b"}:
            failures[rule.__name__] = rule(p).scores
    ap = ch.ApprovalProfile.from_sets([{"a"}, {"a"}, {"b"}], weights=[0.1, 0.2, 0.3])
    if ch.approval(ap).winners != {"a", "b"}:
        failures["approval"] = ch.approval(ap).scores
    if ch.av(ap, 1).tie_break is None:
        failures["av (no tie reported)"] = ch.av(ap, 1).scores
    assert not failures, f"exact ties decided by float rounding: {failures}"


def test_kemeny_tie_break_decides_the_winner():
    # a Condorcet cycle a > b > c > a with equal margins: the three rotations are all optimal
    p = ch.Profile.from_rankings([["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"]])
    assert ch.kemeny(p).winners == {"a", "b", "c"}
    r = ch.kemeny(p, tie_break=["c", "b", "a"])
    assert r.winners == {"c"} and r.winner == "c"
    assert r.ranking[0] == {"c"}
    assert r.tie_break is not None


def test_schulze_strengths_differ_on_truncated_ballots():
    # 2 x (1 > 2, rest unranked), 1 x (2 > 3 > 0 > 1), 2 x (3, rest unranked). Supports:
    # 1>2: 2 vs 1, 1>0: 2 vs 1, 3>1: 3 vs 2... links 1->2, 2->3, 3->1 form a cycle with
    #   margins    1, 1, 1          -> all tied: winners {1, 2, 3}
    #   winning    2, 3, 3          -> 2 beats 1 (3 > 2) and 3 (3 > 2), 3 beats 1: winner {2}
    #   ratio      2, 1.5, 1.5      -> 1 beats 2 (2 > 1.5), 2 ~ 3 and 3 ~ 1 tie: winners {1, 3}
    # (0 is beaten by everyone; 2->0 and 3->0 have ratio infinity).
    p = ch.Profile.from_rankings(
        [[1, 2], [2, 3, 0, 1], [3]], candidates=[0, 1, 2, 3], weights=[2, 1, 2]
    )
    s = p.support()
    assert (s[1, 2], s[2, 1], s[2, 3], s[3, 2], s[3, 1], s[1, 3]) == (2, 1, 3, 2, 3, 2)
    assert ch.schulze(p).winners == {1, 2, 3}
    assert ch.schulze(p, strength="margin").winners == {1, 2, 3}
    assert ch.schulze(p, strength="margins").winners == {1, 2, 3}
    assert ch.schulze(p, strength="winning").winners == {2}
    assert ch.schulze(p, strength="winning_votes").winners == {2}
    assert ch.schulze(p, strength="ratio").winners == {1, 3}
