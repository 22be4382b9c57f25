"""Single transferable vote: hand-checked counts (fractional surplus transfers, exhausted
ballots, ties at exclusion, the three transfer methods) and a hypothesis cross-check against
VoteKit's STV on random truncated profiles.

VoteKit (``votekit.elections.STV``, default ``fractional_transfer``, ``simultaneous=True``)
implements the same count as ``stv(..., transfer="wigm", surplus_order="simultaneous")``: Droop quota
``floor(total / (seats + 1)) + 1``, everyone at the quota elected in one round, their ballots
moving on at ``value * surplus / tally``, the lowest excluded otherwise. Where they differ:
- VoteKit floors the Hare quota (``int(total / seats)``), pluralign uses ``total / seats``: the
  cross-check runs Hare only when ``seats`` divides the total;
- ties for exclusion: VoteKit compares first-place votes of the original profile, then picks at
  random; ``tie_break="forward"`` compares round 1 first too, then later rounds, then the
  candidate order. Cases where VoteKit falls back to chance are skipped;
- candidates nobody ranks: VoteKit refuses the election when fewer candidates received votes
  than seats; pluralign keeps them as continuing candidates (they fill seats that would
  otherwise stay empty). Those cases are skipped;
- the order of candidates elected in the same round with equal tallies is arbitrary in
  VoteKit; the sets are compared;
- exact ties reached through different float sums are ties here (relative 1e-9) but broken by
  rounding noise in VoteKit: skipped.
pluralign's default ``surplus_order="largest"`` (one surplus per round, Scottish rules) is not
what VoteKit does; see test_surplus_order_largest_first_vs_simultaneous.
pyrankvote's ``single_transferable_vote`` is a different count (quota ``total / (seats + 1)``,
several candidates excluded at once when they cannot catch up), so it is not a cross-check.
"""

from __future__ import annotations

import contextlib
import io

import pluralign.choice as ch
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pluralign import errors

approx = pytest.approx


def _transfers(rd) -> dict:
    return {(a, b): v for a, b, v in rd.transfers}


def test_surplus_transfer_with_fractions_and_exhausted_ballots():
    # 12 ballots, 2 seats: Droop quota floor(12 / 3) + 1 = 5.
    ballots = [["a", "b"]] * 7 + [["a"]] * 2 + [["c", "d"]] * 2 + [["d", "c"]]
    r = ch.stv(ch.Profile.from_rankings(ballots), 2)
    assert r.quota == 5 and r.total == 12
    r1, r2, r3, r4 = r.rounds
    # round 1: a has 9 >= 5, surplus 4, every a ballot moves at 4/9 of its value:
    # 7 * 4/9 = 28/9 to b, the 2 truncated ones 8/9 exhausted
    assert r1.tallies == {"a": 9, "b": 0, "c": 2, "d": 1}
    assert r1.elected == ["a"] and r1.eliminated == []
    t = _transfers(r1)
    assert t[("a", "b")] == approx(28 / 9, abs=1e-12)
    assert t[("a", None)] == approx(8 / 9, abs=1e-12)
    # round 2: a holds the quota, b 28/9, c 2, d 1: nobody at the quota, d (lowest) goes
    assert r2.tallies["a"] == 5 and r2.tallies["b"] == approx(28 / 9)
    assert r2.exhausted == approx(8 / 9)
    assert r2.eliminated == ["d"] and _transfers(r2) == {("d", "c"): 1.0}
    # round 3: b 3.11 vs c 3, two continuing for one seat: c goes; its ballots (c>d, d>c)
    # have nobody left and exhaust
    assert r3.tallies["c"] == 3 and r3.eliminated == ["c"]
    assert _transfers(r3) == {("c", None): 3.0}
    # round 4: b is the only one left for the last seat
    assert r4.elected == ["b"] and r4.exhausted == approx(8 / 9 + 3)
    assert r.elected == ["a", "b"] and r.committee == {"a", "b"} == r.winners
    assert r.exhausted == approx(8 / 9 + 3)
    assert r.tie_break is None


THREE_WAY_TIE = (
    [["a"]] * 6
    + [["b", "a"]] * 5
    + [["c", "b"]] * 4
    + [["e", "c", "b"]] * 2
    + [["d", "b"]]
    + [["d"]] * 2
)


def test_tie_at_exclusion():
    # 20 ballots, 1 seat, quota 11. Round 1: a 6, b 5, c 4, d 3, e 2 -> e out (to c);
    # round 2: a 6, b 5, c 6, d 3 -> d out (1 to b, 2 exhausted); round 3: a, b, c all 6.
    p = ch.Profile.from_rankings(THREE_WAY_TIE)
    r = ch.stv(p, 1)  # backward: round 2 had b lowest (5) -> b out, its b>a ballots elect a
    assert [rd.eliminated for rd in r.rounds] == [["e"], ["d"], ["b"], []]
    assert r.rounds[2].tallies == {"a": 6, "b": 6, "c": 6, "d": 0, "e": 0}
    assert [rd.tie for rd in r.rounds] == [False, False, True, False]
    assert r.elected == ["a"] and r.rounds[3].tallies["a"] == 11
    assert r.tie_break.startswith("backward")
    # forward: round 1 had c lowest (4) -> c out, its c>b and e>c>b ballots give b 12
    r = ch.stv(p, 1, tie_break="forward")
    assert r.rounds[2].eliminated == ["c"] and r.elected == ["b"]
    # no look-back: the candidate order alone; the latest in it (c) goes first
    assert ch.stv(p, 1, tie_break="lexicographic").elected == ["b"]
    # a priority order: a is latest of the three -> a out (exhausts); then b and c tie again
    # for the last seat's exclusion, b is later than c -> b out; c is elected
    r = ch.stv(p, 1, tie_break=["c", "b", "a", "d", "e"])
    assert [rd.eliminated for rd in r.rounds] == [["e"], ["d"], ["a"], ["b"], []]
    assert r.elected == ["c"]
    with pytest.raises(errors.InputError, match="round 3.*tied.*tie_break"):
        ch.stv(p, 1, tie_break=None)


def test_gregory_and_wigm_differ_on_a_second_surplus():
    # 20 ballots, 3 seats, quota 6. a (12) passes 6 to b at 1/2 a ballot; b then holds 8 with
    # ballots worth 1/2 (12 a>b>c) and 1 (2 b>d), surplus 2.
    ballots = [["a", "b", "c"]] * 12 + [["b", "d"]] * 2 + [["c"]] * 3 + [["d"]] * 3
    p = ch.Profile.from_rankings(ballots)
    w = ch.stv(p, 3)
    g = ch.stv(p, 3, transfer="gregory")
    for r in (w, g):
        assert _transfers(r.rounds[0]) == {("a", "b"): 6.0}
        assert r.rounds[1].elected == ["b"] and r.rounds[1].tallies["b"] == 8
    # WIGM: every b ballot at value * 2/8: c gets 12 * 1/2 * 1/4 = 1.5, d 2 * 1/4 = 0.5
    assert _transfers(w.rounds[1]) == {("b", "c"): 1.5, ("b", "d"): 0.5}
    # unweighted Gregory: 2 / (12 + 2 original ballots) per ballot: c 12/7, d 2/7
    t = _transfers(g.rounds[1])
    assert t[("b", "c")] == approx(12 / 7) and t[("b", "d")] == approx(2 / 7)
    assert w.elected == g.elected == ["a", "b", "c"]


def test_meek_keep_factors():
    # 6 a>c, 3 b, 2 c; 2 seats. Meek's quota is (11 - exhausted) / 3 = 11/3. a is elected;
    # a keeps k = (11/3) / 6 = 11/18 and passes 6 * 7/18 = 7/3 to c: c 13/3 >= 11/3.
    p = ch.Profile.from_rankings([["a", "c"]] * 6 + [["b"]] * 3 + [["c"]] * 2)
    r = ch.stv(p, 2, transfer="meek")
    assert r.rounds[0].quota == approx(11 / 3) and r.rounds[0].elected == ["a"]
    r2 = r.rounds[1]
    assert r2.keep["a"] == approx(11 / 18, rel=1e-9)
    assert r2.tallies == approx({"a": 11 / 3, "b": 3, "c": 13 / 3}, rel=1e-9)
    assert r2.transfers == [] and r.elected == ["a", "c"]
    # truncated a ballots: what a passes on is exhausted, and the quota follows it down:
    # 6k = (11 - 6(1 - k)) / 3  ->  k = 5/12, quota 2.5, exhausted 3.5; b (3) is elected
    p = ch.Profile.from_rankings([["a"]] * 6 + [["b"]] * 3 + [["c"]] * 2)
    r = ch.stv(p, 2, transfer="meek")
    r2 = r.rounds[1]
    assert r2.keep["a"] == approx(5 / 12, rel=1e-9)
    assert r2.quota == approx(2.5, rel=1e-9) and r2.exhausted == approx(3.5, rel=1e-9)
    assert r.elected == ["a", "b"]
    # WIGM on the same ballots: quota 4, a's surplus of 2 is exhausted, c is excluded
    w = ch.stv(p, 2)
    assert w.quota == 4 and w.elected == ["a", "b"] and w.exhausted == approx(4)


def test_hare_quota_and_bad_parameters():
    p = ch.Profile.from_rankings([["a", "b"]] * 5 + [["b"]] * 3 + [["c"]] * 2)
    r = ch.stv(p, 2, quota="hare")
    assert r.quota == 5.0 and r.elected == ["a", "b"]
    for kw, word in (
        ({"seats": 0}, "seats"),
        ({"seats": 4}, "seats"),
        ({"seats": 2.5}, "seats"),
        ({"seats": 2, "quota": "imperiali"}, "quota"),
        ({"seats": 2, "transfer": "random"}, "transfer"),
        ({"seats": 2, "tie_break": "sideways"}, "tie_break"),
        ({"seats": 2, "tie_break": ["a"]}, "tie_break"),
    ):
        with pytest.raises(errors.InputError, match=word):
            ch.stv(p, **kw)
    # ties inside a ranking are refused; a tied unranked rest is fine
    with pytest.raises(errors.InputError, match="equal"):
        ch.stv(ch.Profile.from_rankings([[["a", "b"], "c"]]), 1)
    assert ch.stv(ch.Profile.from_rankings([["a"], ["b"]], candidates=["a", "b", "c"]), 1).elected
    with pytest.raises(errors.InputError):
        ch.stv(ch.Profile.from_comparisons([("a", "b")]), 1)


# ---------------------------------------------------------------------------------------------
# properties on random profiles, all transfer methods
# ---------------------------------------------------------------------------------------------
@st.composite
def stv_profiles(draw, max_m=6, max_n=9):
    m = draw(st.integers(2, max_m))
    n = draw(st.integers(1, max_n))
    ballots, counts = [], []
    for _ in range(n):
        perm = draw(st.permutations(range(m)))
        # truncated ballots, but never leaving out exactly one candidate (a profile reads
        # that as ranking it last, VoteKit as exhausting)
        k = draw(st.sampled_from([k for k in range(1, m + 1) if k != m - 1]))
        ballots.append(list(perm[:k]))
        counts.append(draw(st.integers(1, 9)))
    seats = draw(st.integers(1, m - 1))
    return m, ballots, counts, seats


def _ours(m, ballots, counts):
    return ch.Profile.from_rankings(
        [[[c] for c in b] for b in ballots], candidates=list(range(m)), weights=counts
    )


@settings(max_examples=150, deadline=None)
@given(
    stv_profiles(),
    st.sampled_from(["wigm", "gregory", "meek"]),
    st.sampled_from(["droop", "hare"]),
    st.sampled_from(["largest", "simultaneous"]),
)
def test_count_conserves_value(prob, transfer, quota, order):
    m, ballots, counts, seats = prob
    r = ch.stv(
        _ours(m, ballots, counts), seats, quota=quota, transfer=transfer, surplus_order=order
    )
    assert len(r.elected) == seats == len(set(r.elected))
    assert r.total == sum(counts)
    gone = set()
    for rd in r.rounds:
        # every unit of value is with a candidate or exhausted
        assert sum(rd.tallies.values()) + rd.exhausted == approx(r.total, rel=1e-9)
        assert all(rd.tallies[c] == 0 for c in gone)
        gone |= set(rd.eliminated)
        # something happens in every round: an election, an exclusion or a surplus transfer
        assert rd.elected or rd.eliminated or rd.transfers
    assert not gone & set(r.elected)


def _votekit(m, ballots, counts, seats, quota):
    from votekit import Ballot
    from votekit.elections import STV
    from votekit.pref_profile import PreferenceProfile

    names = [f"c{i}" for i in range(m)]
    profile = PreferenceProfile(
        ballots=[
            Ballot(ranking=tuple(frozenset({names[c]}) for c in b), weight=w)
            for b, w in zip(ballots, counts)
        ],
        candidates=tuple(names),
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        e = STV(profile, m=seats, quota=quota)
        elected = [names.index(c) for s in e.get_elected() for c in s]
    used_tiebreak = any(s.tiebreaks for s in e.election_states)
    return elected, "unsuccessful" in out.getvalue(), used_tiebreak


@settings(max_examples=300, deadline=None)
@given(stv_profiles(), st.sampled_from(["droop", "hare"]))
def test_wigm_matches_votekit(prob, quota):
    pytest.importorskip("votekit")
    m, ballots, counts, seats = prob
    assume(quota == "droop" or sum(counts) % seats == 0)
    # VoteKit refuses elections where fewer candidates received votes than seats
    assume(len({c for b in ballots for c in b}) >= seats)
    ours = ch.stv(
        _ours(m, ballots, counts),
        seats,
        quota=quota,
        surplus_order="simultaneous",
        tie_break="forward",
    )
    try:
        theirs, by_chance, vk_tie = _votekit(m, ballots, counts, seats, quota)
    except (IndexError, ValueError):
        assume(False)  # VoteKit fails on some profiles where ballots run out
        return
    assume(not by_chance)
    # an exact tie reached through different float sums (14 * 11/18 vs 7 * 11/18 + 2 * 11/18)
    # is a tie here (relative 1e-9) but decided by rounding noise in VoteKit: skip those
    assume(vk_tie or not any(rd.tie for rd in ours.rounds))
    # VoteKit leaves candidates nobody ranks out of the count; pluralign keeps them (at 0), so
    # a tie among zeros that the candidate order broke can differ
    assume(len({c for b in ballots for c in b}) == m or not any(rd.tie for rd in ours.rounds))
    assert set(theirs) == set(ours.elected), (ours.rounds, theirs)


def test_surplus_order_largest_first_vs_simultaneous():
    # 14 ballots, 4 seats, quota floor(14 / 5) + 1 = 3; c (7) and d (6) are elected at once.
    ballots = [list("daebc")] * 6 + [list("cabde")] * 7 + [list("acbed")]
    p = ch.Profile.from_rankings(ballots)
    # largest first: c's surplus 4 (at 4/7) goes to a, who is elected with 5; d's surplus 3
    # (at 1/2) then skips a and goes to e, who reaches the quota: c, d, a, e
    r = ch.stv(p, 4)
    assert [rd.elected for rd in r.rounds] == [["c", "d"], ["a"], ["e"]]
    assert _transfers(r.rounds[0]) == {("c", "a"): pytest.approx(4.0)}
    assert _transfers(r.rounds[1]) == {("d", "e"): pytest.approx(3.0)}
    # simultaneous (VoteKit): both surpluses reach a (8); a's surplus 5 (at 5/8) gives b
    # 5/8 + 4 * 5/8 = 3.125 >= 3 and e only 1.875: c, d, a, b
    s = ch.stv(p, 4, surplus_order="simultaneous")
    assert _transfers(s.rounds[0]) == {
        ("c", "a"): pytest.approx(4.0),
        ("d", "a"): pytest.approx(3.0),
    }
    assert s.rounds[2].tallies["b"] == pytest.approx(3.125)
    assert s.elected == ["c", "d", "a", "b"]
    with pytest.raises(errors.InputError, match="surplus_order"):
        ch.stv(p, 4, surplus_order="smallest")


# ---------------------------------------------------------------------------------------------
# a slow reference count written from the definitions (exact fractions for WIGM and Gregory),
# compared with the Rust count in every mode, including the default largest-surplus-first order
# that VoteKit does not implement
# ---------------------------------------------------------------------------------------------
class _Tie(Exception):
    pass


def _unique(cands, key, lowest):
    best = min(key(c) for c in cands) if lowest else max(key(c) for c in cands)
    tied = [c for c in cands if key(c) == best]
    if len(tied) > 1:
        raise _Tie
    return tied[0]


def stv_reference(m, ballots, counts, seats, quota="droop", transfer="wigm", order="largest"):
    """Elected candidates in order; raises _Tie when a tie-break would be needed."""
    from fractions import Fraction

    papers = [(b, Fraction(w)) for b, w in zip(ballots, counts) if b]
    total = sum(w for _, w in papers)
    q = Fraction(int(total // (seats + 1)) + 1) if quota == "droop" else total / seats
    value = [w for _, w in papers]
    where = [0] * len(papers)  # position on the ballot
    state = ["hopeful"] * m
    held = [Fraction(0)] * m  # value held by elected candidates after their surplus moved
    pile = {c: [] for c in range(m)}
    for i, (b, _) in enumerate(papers):
        pile[b[0]].append(i)
    elected, pending = [], []

    def tally(c):
        if state[c] == "hopeful" or c in pending:
            return sum(value[i] for i in pile[c])
        return held[c] if state[c] == "elected" else Fraction(0)

    def move(c, new_value):
        for i in pile[c]:
            value[i] = new_value(i)
            b = papers[i][0]
            j = where[i] + 1
            while j < len(b) and state[b[j]] != "hopeful":
                j += 1
            where[i] = j
            if j < len(b):
                pile[b[j]].append(i)
        pile[c] = []

    while len(elected) < seats:
        t = [tally(c) for c in range(m)]
        hope = [c for c in range(m) if state[c] == "hopeful"]
        left = seats - len(elected)
        reached = [c for c in hope if t[c] >= q]
        new = []
        if reached or (not pending and len(hope) <= left):
            pool = reached or hope
            pool = sorted(pool, key=lambda c: (-t[c], c))
            if len(pool) > left and t[pool[left - 1]] == t[pool[left]]:
                raise _Tie
            new = pool[:left]
        for c in new:
            state[c] = "elected"
            elected.append(c)
            pending.append(c)
            held[c] = t[c]
        hope = [c for c in range(m) if state[c] == "hopeful"]
        if len(elected) < seats and len(hope) <= seats - len(elected):
            elected += sorted(hope, key=lambda c: (-t[c], c))
        if len(elected) >= seats:
            break
        pending = [c for c in pending if t[c] > q]
        if pending:
            now = (
                pending[:] if order == "simultaneous" else [_unique(pending, t.__getitem__, False)]
            )
            for c in now:
                pending.remove(c)
                surplus = t[c] - q
                if transfer == "wigm":
                    move(c, lambda i, f=surplus / t[c]: value[i] * f)
                else:
                    w = sum(papers[i][1] for i in pile[c])
                    move(c, lambda i, s=surplus / w: papers[i][1] * s)
                held[c] = q
        elif not new:
            c = _unique(hope, t.__getitem__, True)
            state[c] = "excluded"
            move(c, lambda i: value[i])
    return elected


@settings(max_examples=300, deadline=None)
@given(
    stv_profiles(max_m=6, max_n=10),
    st.sampled_from(["droop", "hare"]),
    st.sampled_from(["wigm", "gregory"]),
    st.sampled_from(["largest", "simultaneous"]),
)
def test_count_matches_reference(prob, quota, transfer, order):
    m, ballots, counts, seats = prob
    try:
        expected = stv_reference(m, ballots, counts, seats, quota, transfer, order)
    except _Tie:
        assume(False)
        return
    ours = ch.stv(
        _ours(m, ballots, counts),
        seats,
        quota=quota,
        transfer=transfer,
        surplus_order=order,
        tie_break=None,
    )
    assert set(ours.elected) == set(expected), (ours.rounds, expected)
    # the same rounds elect the same candidates (order inside a round may differ on equal tallies)
    assert len(ours.elected) == len(expected)


def meek_reference(m, ballots, counts, seats, quota="droop"):
    """Meek's method from its definition (floats; _Tie on decisions closer than 1e-7)."""
    total = float(sum(w for b, w in zip(ballots, counts) if b))
    div = seats + 1 if quota == "droop" else seats
    keep = [1.0] * m
    state = ["hopeful"] * m
    elected = []
    near = lambda a, b: abs(a - b) <= 1e-7 * max(1.0, abs(a), abs(b))
    while len(elected) < seats:
        for _ in range(100_000):
            t, ex = [0.0] * m, 0.0
            for b, w in zip(ballots, counts):
                v = float(w)
                for c in b:
                    if state[c] == "hopeful":
                        t[c] += v
                        v = 0.0
                        break
                    if state[c] == "elected":
                        t[c] += v * keep[c]
                        v *= 1 - keep[c]
                ex += v if b else 0.0
            q = (total - ex) / div
            if all(abs(t[c] - q) <= 1e-13 * q for c in elected if t[c] > 0):
                break
            for c in elected:
                if t[c] > 0:
                    keep[c] = min(1.0, keep[c] * q / t[c])
        hope = [c for c in range(m) if state[c] == "hopeful"]
        left = seats - len(elected)
        if any(near(t[c], q) for c in hope):
            raise _Tie
        reached = sorted((c for c in hope if t[c] > q), key=lambda c: -t[c])
        if reached or len(hope) <= left:
            pool = reached or sorted(hope, key=lambda c: -t[c])
            if len(pool) > left and near(t[pool[left - 1]], t[pool[left]]):
                raise _Tie
            for c in pool[:left]:
                state[c] = "elected"
                elected.append(c)
        else:
            low = min(t[c] for c in hope)
            if sum(near(t[c], low) for c in hope) > 1:
                raise _Tie
            c = min(hope, key=lambda c: t[c])
            state[c] = "excluded"
            keep[c] = 0.0
    return elected


@settings(max_examples=200, deadline=None)
@given(stv_profiles(max_m=6, max_n=10), st.sampled_from(["droop", "hare"]))
def test_meek_matches_reference(prob, quota):
    m, ballots, counts, seats = prob
    try:
        expected = meek_reference(m, ballots, counts, seats, quota)
    except _Tie:
        assume(False)
        return
    ours = ch.stv(_ours(m, ballots, counts), seats, quota=quota, transfer="meek")
    assert set(ours.elected) == set(expected), (ours.rounds, expected)
