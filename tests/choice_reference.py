"""Slow, obviously-correct Python references and hypothesis strategies for the
``pluralign.choice`` tests, plus adapters to the peer libraries ``pref_voting`` and
``abcvoting``.

Ballots here are always lists of tiers (lists of candidate ids), best first; candidates a ballot
does not list are tied with each other below every listed candidate (the PrefLib ``.toc`` reading
that ``pluralign.choice`` documents).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Hashable, Sequence
from fractions import Fraction

import numpy as np
from hypothesis import strategies as st

# pref_voting decorates its tallies with numba ``@jit`` (no on-disk cache): compiling them costs
# 10-20 s per process on a small machine, far more than running them in pure Python on the tiny
# profiles these tests use. Disable the JIT unless the caller chose otherwise; this only takes
# effect if numba was not imported yet.
os.environ.setdefault("NUMBA_DISABLE_JIT", "1")

# ---------------------------------------------------------------------------------------------
# ballots
# ---------------------------------------------------------------------------------------------


def norm_tiers(ballot) -> list[list]:
    """``["a", ["b", "c"]]`` -> ``[["a"], ["b", "c"]]``."""
    out = []
    for t in ballot:
        if isinstance(t, (str, bytes)) or not hasattr(t, "__iter__"):
            out.append([t])
        else:
            out.append(list(t))
    return out


def rank_of(ballot, candidates: Sequence[Hashable]) -> dict:
    """Tier index of every candidate (unlisted: number of listed tiers)."""
    tiers = norm_tiers(ballot)
    r = {}
    for i, t in enumerate(tiers):
        for c in t:
            r[c] = i
    for c in candidates:
        r.setdefault(c, len(tiers))
    return r


def canonical(ballot, candidates) -> tuple:
    """A hashable canonical form of a weak order (dense tier index per candidate)."""
    r = rank_of(ballot, candidates)
    levels = sorted(set(r.values()))
    dense = {v: i for i, v in enumerate(levels)}
    return tuple(dense[r[c]] for c in candidates)


def support_matrix(ballots, weights, candidates) -> np.ndarray:
    """``S[a, b]``: total weight of ballots ranking a strictly above b (plain loop)."""
    m = len(candidates)
    s = np.zeros((m, m))
    weights = [1.0] * len(ballots) if weights is None else list(weights)
    for b, w in zip(ballots, weights):
        r = rank_of(b, candidates)
        for i, a in enumerate(candidates):
            for j, c in enumerate(candidates):
                if r[a] < r[c]:
                    s[i, j] += w
    return s


def positional_scores(ballots, weights, candidates, vector) -> dict:
    """Positional scores, exactly (Fractions); a tier spanning positions k..k+t-1 shares their
    average score."""
    weights = [1] * len(ballots) if weights is None else [Fraction(w) for w in weights]
    vector = [Fraction(v) for v in vector]
    out = {c: Fraction(0) for c in candidates}
    for b, w in zip(ballots, weights):
        r = rank_of(b, candidates)
        levels = sorted(set(r.values()))
        pos = 0
        for lv in levels:
            members = [c for c in candidates if r[c] == lv]
            avg = sum(vector[pos : pos + len(members)]) / len(members)  # Fraction
            for c in members:
                out[c] += w * avg
            pos += len(members)
    return out


def borda_scores(ballots, weights, candidates) -> dict:
    m = len(candidates)
    return positional_scores(ballots, weights, candidates, [m - 1 - i for i in range(m)])


def plurality_scores(ballots, weights, candidates) -> dict:
    m = len(candidates)
    return positional_scores(ballots, weights, candidates, [1] + [0] * (m - 1))


def anti_plurality_scores(ballots, weights, candidates) -> dict:
    m = len(candidates)
    return positional_scores(ballots, weights, candidates, [1] * (m - 1) + [0])


def argmax_set(scores: dict, tol: float = 0) -> frozenset:
    """Candidates with the largest score (exact for Fraction / integer scores)."""
    best = max(scores.values())
    return frozenset(c for c, v in scores.items() if v >= best - tol)


def argmin_set(scores: dict, tol: float = 0) -> frozenset:
    best = min(scores.values())
    return frozenset(c for c, v in scores.items() if v <= best + tol)


# ---------------------------------------------------------------------------------------------
# pairwise references
# ---------------------------------------------------------------------------------------------


def margins_from_support(s: np.ndarray) -> np.ndarray:
    return s - s.T


def minimax_winners(s: np.ndarray, candidates, strength: str) -> frozenset:
    """Minimax with the three strength measures of Tideman (2006)."""
    m = len(candidates)
    mg = margins_from_support(s)
    worst = {}
    for c in range(m):
        vals = []
        for b in range(m):
            if b == c:
                continue
            if strength == "margins":
                vals.append(mg[b, c])
            elif strength == "winning_votes":
                vals.append(s[b, c] if mg[b, c] > 0 else 0.0)
            else:  # pairwise_opposition
                vals.append(s[b, c])
        worst[candidates[c]] = max(vals) if vals else 0.0
    return argmin_set(worst)


def schulze_winners(s: np.ndarray, candidates, strength: str) -> frozenset:
    """Schulze (2011) widest paths; links only where a beats b."""
    m = len(candidates)
    mg = margins_from_support(s)
    d = np.zeros((m, m))
    for a in range(m):
        for b in range(m):
            if a != b and mg[a, b] > 0:
                if strength == "margin":
                    d[a, b] = mg[a, b]
                elif strength in ("winning", "winning_votes"):
                    d[a, b] = s[a, b]
                else:  # ratio
                    d[a, b] = s[a, b] / s[b, a] if s[b, a] > 0 else np.inf
    p = d.copy()
    for k in range(m):
        for i in range(m):
            for j in range(m):
                if i != j and i != k and j != k:
                    p[i, j] = max(p[i, j], min(p[i, k], p[k, j]))
    return frozenset(
        candidates[a] for a in range(m) if all(p[a, b] >= p[b, a] for b in range(m) if b != a)
    )


def kemeny_brute_force(s: np.ndarray, candidates) -> tuple[float, frozenset, list[tuple]]:
    """(best agreement score, winners, optimal orders) by enumerating all permutations."""
    m = len(candidates)
    best, orders = -1.0, []
    for perm in itertools.permutations(range(m)):
        sc = sum(s[perm[i], perm[j]] for i in range(m) for j in range(i + 1, m))
        if sc > best + 1e-9:
            best, orders = sc, [perm]
        elif abs(sc - best) <= 1e-9:
            orders.append(perm)
    return (
        best,
        frozenset(candidates[o[0]] for o in orders),
        [tuple(candidates[i] for i in o) for o in orders],
    )


def condorcet_winner(s: np.ndarray, candidates):
    mg = margins_from_support(s)
    m = len(candidates)
    for a in range(m):
        if all(mg[a, b] > 0 for b in range(m) if b != a):
            return candidates[a]
    return None


def condorcet_loser(s: np.ndarray, candidates):
    mg = margins_from_support(s)
    m = len(candidates)
    for a in range(m):
        if all(mg[b, a] > 0 for b in range(m) if b != a):
            return candidates[a]
    return None


def smith_set_brute(s: np.ndarray, candidates) -> frozenset:
    """The smallest non-empty set each member of which beats every outsider (brute force)."""
    mg = margins_from_support(s)
    m = len(candidates)
    for size in range(1, m + 1):
        for sub in itertools.combinations(range(m), size):
            out = [b for b in range(m) if b not in sub]
            if all(mg[a, b] > 0 for a in sub for b in out):
                return frozenset(candidates[a] for a in sub)
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------------
# approval references
# ---------------------------------------------------------------------------------------------


def thiele_score(sets, weights, committee, tw) -> float:
    """Thiele score with weights ``tw(j)`` for the j-th approved member (1-based)."""
    total = 0.0
    for a, w in zip(sets, weights):
        j = len(set(a) & set(committee))
        total += w * sum(tw(i) for i in range(1, j + 1))
    return total


def pav_score(sets, weights, committee) -> Fraction:
    total = Fraction(0)
    for a, w in zip(sets, weights):
        j = len(set(a) & set(committee))
        total += Fraction(w) * sum(Fraction(1, i) for i in range(1, j + 1))
    return total


def cc_score(sets, weights, committee) -> float:
    return sum(w for a, w in zip(sets, weights) if set(a) & set(committee))


def jr_holds(sets, weights, committee, k) -> bool:
    """JR (Aziz et al. 2017), by brute force over single candidates."""
    n = sum(weights)
    com = set(committee)
    for c in {x for a in sets for x in a}:
        g = sum(w for a, w in zip(sets, weights) if c in a and not (set(a) & com))
        if g >= n / k - 1e-12 and g > 0:
            return False
    return True


def _groups_common(sets, weights, ell, eligible, thr):
    """Yield candidate sets T (|T| = ell) whose supporters among ``eligible`` voters weigh >= thr."""
    cands = sorted({x for i in eligible for x in sets[i]})
    for t in itertools.combinations(cands, ell):
        grp = [i for i in eligible if set(t) <= set(sets[i])]
        if grp and sum(weights[i] for i in grp) >= thr - 1e-12:
            yield t, grp


def ejr_holds(sets, weights, committee, k) -> bool:
    """EJR (Aziz et al. 2017) by brute force: no ell-cohesive group whose members all have
    fewer than ell approved committee members."""
    n = sum(weights)
    com = set(committee)
    for ell in range(1, k + 1):
        eligible = [i for i, a in enumerate(sets) if len(set(a) & com) < ell]
        for _t, _grp in _groups_common(sets, weights, ell, eligible, ell * n / k):
            return False
    return True


def pjr_holds(sets, weights, committee, k) -> bool:
    """PJR (Sánchez-Fernández et al. 2017) by brute force over voter subsets (small n only)."""
    n = sum(weights)
    com = set(committee)
    idx = list(range(len(sets)))
    for ell in range(1, k + 1):
        thr = ell * n / k
        for size in range(1, len(idx) + 1):
            for grp in itertools.combinations(idx, size):
                if sum(weights[i] for i in grp) < thr - 1e-12:
                    continue
                common = set.intersection(*(set(sets[i]) for i in grp))
                if len(common) < ell:
                    continue
                union = set().union(*(set(sets[i]) for i in grp))
                if len(union & com) < ell:
                    return False
    return True


# ---------------------------------------------------------------------------------------------
# hypothesis strategies
# ---------------------------------------------------------------------------------------------


@st.composite
def weak_order(draw, m: int, ties: bool = True, truncate: bool = True, min_listed: int = 1):
    """A ballot over candidates 0..m-1: a random order, optionally truncated, optionally with ties."""
    perm = draw(st.permutations(range(m)))
    keep = draw(st.integers(min_listed, m)) if truncate else m
    perm = perm[:keep]
    tiers: list[list[int]] = []
    for c in perm:
        if ties and tiers and draw(st.booleans()):
            tiers[-1].append(c)
        else:
            tiers.append([c])
    return tiers


@st.composite
def profiles(draw, min_m=2, max_m=6, min_n=1, max_n=15, ties=True, truncate=True, max_count=3):
    """(m, ballots, integer counts) — counts double as weights for pluralign and rcounts for
    pref_voting."""
    m = draw(st.integers(min_m, max_m))
    n = draw(st.integers(min_n, max_n))
    ballots = [draw(weak_order(m, ties=ties, truncate=truncate)) for _ in range(n)]
    counts = [draw(st.integers(1, max_count)) for _ in range(n)]
    return m, ballots, counts


def linear_profiles(**kw):
    return profiles(ties=False, truncate=False, **kw)


@st.composite
def approval_profiles(draw, min_m=2, max_m=7, min_n=1, max_n=10, max_count=1, allow_empty=False):
    """(m, approval sets, integer weights, k)."""
    m = draw(st.integers(min_m, max_m))
    n = draw(st.integers(min_n, max_n))
    sets = []
    for _ in range(n):
        s = draw(st.sets(st.integers(0, m - 1), min_size=0 if allow_empty else 1, max_size=m))
        sets.append(sorted(s))
    weights = [draw(st.integers(1, max_count)) for _ in range(n)]
    k = draw(st.integers(1, m))
    return m, sets, weights, k


# ---------------------------------------------------------------------------------------------
# peers
# ---------------------------------------------------------------------------------------------


def to_pref_voting(m, ballots, counts):
    """A pref_voting ``Profile`` (linear orders) or ``ProfileWithTies`` (weak / truncated
    orders, with extended strict preference so listed candidates beat unlisted ones, matching
    pluralign's convention)."""
    linear = all(len(t) == 1 for b in ballots for t in b) and all(
        sum(len(t) for t in b) == m for b in ballots
    )
    if linear:
        from pref_voting.profiles import Profile as PVProfile

        return PVProfile([[t[0] for t in b] for b in ballots], rcounts=list(counts))
    from pref_voting.profiles_with_ties import ProfileWithTies

    rankings = [{c: i for i, t in enumerate(b) for c in t} for b in ballots]
    p = ProfileWithTies(rankings, rcounts=list(counts), candidates=list(range(m)))
    p.use_extended_strict_preference()
    return p


def to_abcvoting(m, sets, weights):
    from abcvoting.preferences import Profile as ABCProfile
    from abcvoting.preferences import Voter

    p = ABCProfile(m)
    for s, w in zip(sets, weights):
        p.add_voter(Voter(s, weight=w))
    return p


def expand_unit(sets, weights):
    """Replace integer weights by copies (abcvoting's brute-force property checks assume unit
    weights)."""
    out = []
    for s, w in zip(sets, weights):
        out.extend([s] * int(w))
    return out


# ---------------------------------------------------------------------------------------------
# elimination rules on weak orders (exact arithmetic; all tied candidates eliminated together)
# ---------------------------------------------------------------------------------------------


def _ranks(ballots, candidates):
    return [rank_of(b, candidates) for b in ballots]


def _tier_tally(ranks, weights, remaining, bottom=False) -> dict:
    """Each ballot's weight split equally over its top (or bottom) tier among ``remaining``."""
    out = {c: Fraction(0) for c in remaining}
    for r, w in zip(ranks, weights):
        vals = [r[c] for c in remaining]
        t = max(vals) if bottom else min(vals)
        tier = [c for c in remaining if r[c] == t]
        for c in tier:
            out[c] += Fraction(w) / len(tier)
    return out


def borda_among(ranks, weights, remaining) -> dict:
    """Tie-aware Borda score restricted to ``remaining``: #beaten + ½ #tied per ballot."""
    out = {c: Fraction(0) for c in remaining}
    for r, w in zip(ranks, weights):
        for c in remaining:
            for b in remaining:
                if b != c:
                    if r[c] < r[b]:
                        out[c] += w
                    elif r[c] == r[b]:
                        out[c] += Fraction(w, 2)
    return out


def irv_winners(ballots, weights, candidates) -> frozenset:
    ranks = _ranks(ballots, candidates)
    remaining = set(candidates)
    while len(remaining) > 1:
        t = _tier_tally(ranks, weights, remaining)
        low = {c for c in remaining if t[c] == min(t.values())}
        if low == remaining:
            break
        remaining -= low
    return frozenset(remaining)


def coombs_winners(ballots, weights, candidates) -> frozenset:
    ranks = _ranks(ballots, candidates)
    total = sum(Fraction(w) for w in weights)
    remaining = set(candidates)
    while len(remaining) > 1:
        first = _tier_tally(ranks, weights, remaining)
        maj = [c for c in remaining if first[c] > total / 2]
        if maj:
            return frozenset(maj)
        last = _tier_tally(ranks, weights, remaining, bottom=True)
        most = {c for c in remaining if last[c] == max(last.values())}
        if most == remaining:
            break
        remaining -= most
    return frozenset(remaining)


def baldwin_winners(ballots, weights, candidates) -> frozenset:
    ranks = _ranks(ballots, candidates)
    remaining = set(candidates)
    while len(remaining) > 1:
        b = borda_among(ranks, weights, remaining)
        low = {c for c in remaining if b[c] == min(b.values())}
        if low == remaining:
            break
        remaining -= low
    return frozenset(remaining)


def nanson_winners(ballots, weights, candidates, variant="strict") -> frozenset:
    ranks = _ranks(ballots, candidates)
    remaining = set(candidates)
    while len(remaining) > 1:
        b = borda_among(ranks, weights, remaining)
        avg = sum(b.values()) / len(b)
        out = {c for c in remaining if (b[c] < avg if variant == "strict" else b[c] <= avg)}
        if not out or out == remaining:
            break
        remaining -= out
    return frozenset(remaining)


def bucklin_winners(ballots, weights, candidates) -> frozenset:
    """At the first level l where some candidate is within the top l positions (fewer than l
    candidates strictly above it) of ballots weighing more than half, the largest counts win."""
    ranks = _ranks(ballots, candidates)
    total = sum(Fraction(w) for w in weights)
    counts = {}
    for level in range(1, len(candidates) + 1):
        counts = {c: Fraction(0) for c in candidates}
        for r, w in zip(ranks, weights):
            for c in candidates:
                if sum(1 for b in candidates if r[b] < r[c]) < level:
                    counts[c] += w
        if max(counts.values()) > total / 2:
            break
    return argmax_set(counts)
