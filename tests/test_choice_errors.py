"""Bad input to ``pluralign.choice`` raises a ``pluralign.errors`` exception of the right type
whose message names the problem (never a panic, a raw polars/numpy error or a wrong answer)."""

from __future__ import annotations

import inspect
import math
import re

import numpy as np
import pluralign.choice as ch
import polars as pl
import pytest
from pluralign.errors import InputError, LimitError, PluralignError, SchemaError

ABC = ["a", "b", "c"]


def _profile() -> ch.Profile:
    return ch.Profile.from_rankings([["a", "b", "c"], ["b", "a", "c"]])


def _approvals() -> ch.ApprovalProfile:
    return ch.ApprovalProfile.from_sets([{"a"}, {"b"}, {"a", "c"}])


# ---------------------------------------------------------------------------------------------
# unknown candidates
# ---------------------------------------------------------------------------------------------


def test_unknown_candidate_in_ballot_list():
    with pytest.raises(InputError, match=r"(?i)unknown candidate 'z'") as e:
        ch.Profile.from_rankings([["a", "b"], ["a", "z"]], candidates=["a", "b"])
    assert "ballot 1" in str(e.value)


def test_unknown_candidate_in_dataframe():
    df = pl.DataFrame({"ranking": [[["a"]], [["b"], ["z"]]]})
    with pytest.raises(InputError, match=r"(?i)unknown candidate 'z'") as e:
        ch.Profile.from_rankings(df, candidates=["a", "b"])
    assert "row 1" in str(e.value) and "ranking" in str(e.value)


def test_unknown_candidate_in_comparisons():
    df = pl.DataFrame({"chosen_id": ["a", "b"], "rejected_id": ["b", "z"]})
    with pytest.raises(InputError, match=r"(?i)unknown candidate 'z'") as e:
        ch.Profile.from_comparisons(df, candidates=["a", "b"])
    assert "rejected_id" in str(e.value)


def test_unknown_candidate_in_approvals_and_committees():
    with pytest.raises(InputError, match=r"(?i)unknown candidate 'z'"):
        ch.ApprovalProfile.from_sets([{"a"}, {"a", "z"}], candidates=["a", "b"])
    ap = _approvals()
    for fn in (ch.is_jr, ch.is_pjr, ch.is_ejr, ch.jr_violation):
        with pytest.raises(InputError, match=r"(?i)unknown.*'z'"):
            fn(ap, ["a", "z"])


def test_unknown_candidate_in_tie_break():
    p = _profile()
    with pytest.raises(InputError, match=r"(?i)unknown.*'z'"):
        ch.instant_runoff(p, tie_break=["a", "b", "z"])
    with pytest.raises(InputError, match=r"(?i)every candidate"):
        ch.instant_runoff(p, tie_break=["a", "b"])
    with pytest.raises(InputError, match=r"(?i)tie_break"):
        ch.instant_runoff(p, tie_break="random")
    with pytest.raises(InputError, match=r"(?i)seed"):
        ch.instant_runoff(p, tie_break=-1)


# ---------------------------------------------------------------------------------------------
# empty profiles
# ---------------------------------------------------------------------------------------------


def test_empty_rankings():
    with pytest.raises(InputError, match=r"(?i)empty|no ballot"):
        ch.Profile.from_rankings([], candidates=ABC)
    # without candidates= there is nothing to infer candidates from either
    with pytest.raises(InputError, match=r"(?i)empty|no ballot|no candidates"):
        ch.Profile.from_rankings([])
    empty = pl.DataFrame({"ranking": []}, schema={"ranking": pl.List(pl.List(pl.String))})
    with pytest.raises(InputError, match=r"(?i)empty|no ballot"):
        ch.Profile.from_rankings(empty, candidates=ABC)
    with pytest.raises(InputError, match=r"(?i)no rows|empty|no ballot"):
        ch.Profile.from_ranks(np.zeros((0, 3), dtype=np.int64))
    with pytest.raises(InputError, match=r"(?i)empty|no approval|no ballot|no voter"):
        ch.ApprovalProfile.from_sets([])


def test_empty_ballot_and_tier():
    with pytest.raises(InputError, match=r"(?i)ballot 1.*empty"):
        ch.Profile.from_rankings([["a"], []])
    with pytest.raises(InputError, match=r"(?i)empty tier"):
        ch.Profile.from_rankings([["a", []]])


@pytest.mark.parametrize(
    "rule",
    [
        ch.plurality,
        ch.borda,
        ch.anti_plurality,
        ch.instant_runoff,
        ch.coombs,
        ch.bucklin,
        ch.copeland,
        ch.minimax,
        ch.schulze,
        ch.ranked_pairs,
        ch.ranked_pairs_all,
        ch.kemeny,
        ch.baldwin,
        ch.nanson,
        ch.split_cycle,
        ch.stable_voting,
        ch.maximal_lottery,
        ch.random_dictatorship,
    ],
)
def test_rules_on_a_profile_without_weight(rule):
    # every ballot has weight 0: the profile holds no preference at all
    p = ch.Profile.from_rankings([["a", "b"], ["b", "a"]], weights=[0, 0])
    assert p.total_weight == 0
    with pytest.raises(InputError, match=r"(?i)empty"):
        rule(p)


def test_empty_comparisons():
    empty = pl.DataFrame(
        {"chosen_id": [], "rejected_id": []},
        schema={"chosen_id": pl.String, "rejected_id": pl.String},
    )
    # either the constructor or the rule must say the profile is empty -- not a raw polars error
    with pytest.raises(InputError, match=r"(?i)empty|no comparison"):
        ch.copeland(ch.Profile.from_comparisons(empty, candidates=["a", "b"]))


def test_committee_rules_on_empty_approvals():
    ap = ch.ApprovalProfile.from_sets([{"a"}, {"b"}], weights=[0, 0], candidates=["a", "b"])
    for fn in (ch.seq_phragmen, ch.equal_shares, ch.pav, ch.av):
        with pytest.raises(InputError, match=r"(?i)empty|no .*weight"):
            fn(ap, 1)


# ---------------------------------------------------------------------------------------------
# weights
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf, -math.inf])
def test_bad_weights(bad):
    pat = re.compile(
        r"(?i)weight.*(ballot|row|voter|comparison) 1|(ballot|row|voter|comparison) 1.*weight"
    )
    with pytest.raises(InputError, match=pat):
        ch.Profile.from_rankings([["a", "b"], ["b", "a"]], weights=[1.0, bad])
    df = pl.DataFrame({"ranking": [[["a"], ["b"]], [["b"], ["a"]]], "weight": [1.0, bad]})
    with pytest.raises(InputError, match=pat):
        ch.Profile.from_rankings(df)
    with pytest.raises(InputError, match=pat):
        ch.Profile.from_ranks(np.array([[0, 1], [1, 0]]), weights=[1.0, bad])
    cmp = pl.DataFrame({"chosen_id": ["a", "b"], "rejected_id": ["b", "a"], "weight": [1.0, bad]})
    with pytest.raises(InputError, match=pat):
        ch.Profile.from_comparisons(cmp)
    with pytest.raises(InputError, match=pat):
        ch.ApprovalProfile.from_sets([{"a"}, {"b"}], weights=[1.0, bad])
    with pytest.raises(InputError, match=pat):
        ch.ApprovalProfile.from_matrix(np.array([[1, 0], [0, 1]]), weights=[1.0, bad])


def test_weights_of_wrong_length():
    with pytest.raises(InputError, match=r"(?i)one .*per ballot|weights"):
        ch.Profile.from_rankings([["a", "b"]], weights=[1.0, 2.0])


# ---------------------------------------------------------------------------------------------
# committee size
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule", [ch.av, ch.sav, ch.pav, ch.chamberlin_courant, ch.seq_phragmen, ch.equal_shares]
)
def test_k_larger_than_candidate_count(rule):
    with pytest.raises(InputError, match=r"k = 4.*3|3.*k = 4"):
        rule(_approvals(), 4)


@pytest.mark.parametrize("k", [-1, 1.5, "2", True])
def test_k_not_a_count(k):
    with pytest.raises(InputError, match=r"(?i)\bk\b"):
        ch.av(_approvals(), k)


# ---------------------------------------------------------------------------------------------
# stated size bounds
# ---------------------------------------------------------------------------------------------


def _reversal_profile(m: int) -> ch.Profile:
    # two opposite ballots: every margin is 0 (maximally tied)
    return ch.Profile.from_ranks(np.array([list(range(m)), list(range(m - 1, -1, -1))]))


def test_kemeny_above_20_candidates_is_a_limit_error():
    p = _reversal_profile(21)
    with pytest.raises(LimitError, match=r"20") as e:
        ch.kemeny(p)
    assert "21" in str(e.value) and "local_search" in str(e.value)
    assert isinstance(e.value, PluralignError)
    # the heuristic is allowed above the bound and says it is one
    r = ch.kemeny(p, method="local_search")
    assert len(r.winners) == 1 and r.tie_break


def test_stable_voting_above_20_candidates_is_a_limit_error():
    with pytest.raises(LimitError, match=r"20"):
        ch.stable_voting(_reversal_profile(21))


def test_ranked_pairs_all_above_10_with_tied_margins_is_a_limit_error():
    with pytest.raises(LimitError, match=r"10") as e:
        ch.ranked_pairs_all(_reversal_profile(11))
    assert "11" in str(e.value)
    # a fixed tie-break has no bound
    assert ch.ranked_pairs(_reversal_profile(11)).winners


def test_ranked_pairs_all_without_ties_has_no_bound():
    # 14 candidates, a beats b for a < b with pairwise margins all distinct: the answer is
    # unique, so the bound does not apply
    m = 14
    pairs = [(a, b) for a in range(m) for b in range(a + 1, m)]
    df = pl.DataFrame(
        {
            "chosen_id": [a for a, _ in pairs],
            "rejected_id": [b for _, b in pairs],
            "weight": [float(i + 1) for i in range(len(pairs))],
        }
    )
    p = ch.Profile.from_comparisons(df, candidates=list(range(m)))
    assert ch.ranked_pairs_all(p).winners == {0}


# ---------------------------------------------------------------------------------------------
# malformed ballots and tables
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ballot",
    [["a", "b", "a"], [["a", "a"], "b"], ["a", ["b", "a"]]],
    ids=["two tiers", "same tier", "tier and bare"],
)
def test_duplicate_candidate_in_a_ballot(ballot):
    with pytest.raises(InputError, match=r"(?i)more than once|twice|duplicate") as e:
        ch.Profile.from_rankings([["a", "b"], ballot], candidates=ABC)
    msg = str(e.value)
    assert "ballot 1" in msg
    # the message must name the candidate as the caller knows it ('a'), not an internal index
    assert "'a'" in msg, msg


def test_duplicate_candidate_in_a_dataframe_ballot():
    df = pl.DataFrame({"ranking": [[["a"], ["b"]], [["b"], ["a", "b"]]]})
    with pytest.raises(InputError, match=r"(?i)more than once|twice|duplicate") as e:
        ch.Profile.from_rankings(df)
    assert re.search(r"(ballot|row) 1", str(e.value))
    assert "'b'" in str(e.value), str(e.value)


def test_duplicate_candidate_in_approvals_and_candidates():
    with pytest.raises(InputError, match=r"(?i)twice|more than once|duplicate") as e:
        ch.ApprovalProfile.from_sets([["a"], ["b", "b"]])
    assert "ballot 1" in str(e.value) and "'b'" in str(e.value), str(e.value)
    with pytest.raises(InputError, match=r"(?i)'a' twice|duplicate"):
        ch.Profile.from_rankings([["a"]], candidates=["a", "b", "a"])
    with pytest.raises(InputError, match=r"(?i)twice|duplicate"):
        ch.is_jr(_approvals(), ["a", "a"])


def test_schema_errors():
    with pytest.raises(SchemaError, match=r"'ranking'"):
        ch.Profile.from_rankings(pl.DataFrame({"rank": [[["a"]]]}))
    with pytest.raises(SchemaError, match=r"(?i)'ranking'.*list\[list"):
        ch.Profile.from_rankings(pl.DataFrame({"ranking": [["a", "b"]]}))
    with pytest.raises(SchemaError, match=r"'ranking'"):
        ch.Profile.from_rankings(pl.DataFrame({"ranking": ["a"]}))
    with pytest.raises(SchemaError, match=r"'chosen_id'"):
        ch.Profile.from_comparisons(pl.DataFrame({"chosen": ["a"], "rejected_id": ["b"]}))
    with pytest.raises(SchemaError, match=r"'group'"):
        ch.Profile.by(pl.DataFrame({"ranking": [[["a"]]]}), "group")
    # SchemaError and InputError are ValueErrors too
    assert issubclass(SchemaError, ValueError) and issubclass(InputError, ValueError)


def test_null_rankings():
    with pytest.raises(InputError, match=r"(?i)null.*row 1|row 1.*null"):
        ch.Profile.from_rankings(pl.DataFrame({"ranking": [[["a"]], None]}))
    with pytest.raises(InputError, match=r"(?i)row 0"):
        ch.Profile.from_rankings(pl.DataFrame({"ranking": [[["a", None]]]}))


def test_bad_ranks_arrays():
    with pytest.raises(InputError, match=r"(?i)integer"):
        ch.Profile.from_ranks(np.array([[0.5, 1.0]]))
    with pytest.raises(InputError, match=r"(?i)2-D"):
        ch.Profile.from_ranks(np.array([0, 1]))
    with pytest.raises(InputError, match=r"(?i)candidates"):
        ch.Profile.from_ranks(np.array([[0, 1]]), candidates=["a"])


def test_comparison_of_a_candidate_with_itself():
    with pytest.raises(InputError, match=r"(?i)itself"):
        ch.Profile.from_comparisons(
            pl.DataFrame({"chosen_id": ["a", "b"], "rejected_id": ["b", "b"]})
        )


@pytest.mark.parametrize(
    "rule", [ch.plurality, ch.borda, ch.instant_runoff, ch.coombs, ch.bucklin, ch.anti_plurality]
)
def test_ballot_rules_on_a_pairwise_only_profile(rule):
    p = ch.Profile.from_comparisons(pl.DataFrame({"chosen_id": ["a"], "rejected_id": ["b"]}))
    with pytest.raises(InputError, match=r"(?i)whole ballots|comparisons"):
        rule(p)


# ---------------------------------------------------------------------------------------------
# parameters and results
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda p: ch.copeland(p, alpha=2), "alpha"),
        (lambda p: ch.minimax(p, strength="foo"), "foo"),
        (lambda p: ch.schulze(p, strength="foo"), "foo"),
        (lambda p: ch.nanson(p, variant="foo"), "foo"),
        (lambda p: ch.uncovered_set(p, covering="foo"), "foo"),
        (lambda p: ch.kemeny(p, method="foo"), "foo"),
        (lambda p: ch.maximal_lottery(p, payoff="foo"), "foo"),
        (lambda p: ch.positional(p, [1.0]), "score"),
    ],
)
def test_bad_parameters(call, word):
    with pytest.raises(InputError, match=word):
        call(_profile())


def test_winner_of_a_tie_and_merge_mismatch():
    p = ch.Profile.from_rankings([["a", "b"], ["b", "a"]])
    with pytest.raises(InputError, match=r"(?i)tied") as e:
        _ = ch.borda(p).winner
    assert "tie_break" in str(e.value)
    with pytest.raises(InputError, match=r"(?i)candidates"):
        p.merge(ch.Profile.from_rankings([["a", "c"]]))
    with pytest.raises(InputError, match=r"(?i)candidates"):
        _approvals().merge(ch.ApprovalProfile.from_sets([{"x"}]))


def test_committee_parameters():
    ap = _approvals()
    with pytest.raises(InputError, match="foo"):
        ch.pav(ap, 1, method="foo")
    with pytest.raises(InputError, match="foo"):
        ch.equal_shares(ap, 1, completion="foo")
    with pytest.raises(InputError, match=r"(?i)0/1"):
        ch.ApprovalProfile.from_matrix(np.array([[2, 0]]))


def test_cardinal_input_errors_name_the_cell():
    with pytest.raises(InputError, match=r"row 1") as e:
        ch.score_voting(np.array([[1.0, 2.0], [0.0, math.nan]]))
    msg = str(e.value)
    # a suggested fix must be something the function accepts
    for kw in re.findall(r"pass (\w+)=", msg):
        assert kw in inspect.signature(ch.score_voting).parameters, msg
    with pytest.raises(InputError, match=r"(?i)negative|>= 0"):
        ch.nash(np.array([[1.0, -1.0]]))
    with pytest.raises(InputError, match=r"(?i)range"):
        ch.score_voting(np.array([[1.0, 7.0]]), range=(0, 5))


def test_errors_are_never_raw():
    """Garbage of the wrong kind still gets a pluralign error, not a TypeError from deep inside."""
    for call in (
        lambda: ch.borda("not a profile"),
        lambda: ch.av([{"a"}], 1),
        lambda: ch.Profile.from_rankings(["abc"]),
        lambda: ch.Profile.from_comparisons([("a", "b")]),
    ):
        with pytest.raises(PluralignError):
            call()
