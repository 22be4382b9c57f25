"""Approval committee rules added for issue 21 against abcvoting, in the same run.

    .venv/bin/python -m pytest benches/bench_choice_committees.py --benchmark-only -q
    .venv/bin/python benches/bench_choice_committees.py     # ratio table (~30 s)

Data: n voters in 4 parties, m candidates (candidate c belongs to party c mod 4); a voter
approves each candidate of its party with probability 0.6, each other with 0.08, and always
at least one. Unit weights (abcvoting's Monroe needs them). Sizes are chosen so that abcvoting
takes from a fraction of a second to a few seconds.

What each implementation is asked to do: pluralign ``rev_seq_pav`` / ``phragmen_enestrom`` /
``minimax_av`` / ``lex_minimax_av`` / ``maximin_support`` / ``monroe`` / ``lex_cc`` on a prebuilt ``ApprovalProfile`` (building
it takes well under a millisecond at these sizes); abcvoting ``abcrules.compute(rule, profile,
k, resolute=True)`` with the algorithm named in the case (``brute-force`` for the exact rules,
``pulp-highs`` (a MIP per level, solved by HiGHS) for the larger ``lexcc`` case,
``nx-max-flow`` for maximin support, ``float-fractions`` for Phragmén–Eneström, the only one for
reverse sequential PAV). After timing, the committees are compared: equal, or (exact rules with
several optimal committees) equal in the rule's objective.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

CASES = [
    # (pluralign function, abcvoting rule id, algorithm, n, m, k)
    ("rev_seq_pav", "revseqpav", None, 2000, 60, 10),
    ("phragmen_enestrom", "phragmen-enestroem", "float-fractions", 20000, 100, 20),
    ("minimax_av", "minimaxav", "brute-force", 100, 14, 5),
    ("lex_minimax_av", "lexminimaxav", "brute-force", 100, 14, 5),
    ("maximin_support", "maximin-support", "nx-max-flow", 200, 20, 6),
    ("monroe", "monroe", "brute-force", 40, 10, 3),
    ("lex_cc", "lexcc", "brute-force", 100, 14, 5),
    # abcvoting's solver route for lexcc without gurobi: one HiGHS MIP per level (~20-30 s)
    ("lex_cc", "lexcc", "pulp-highs", 200, 30, 6),
]


def data(n: int, m: int, seed: int = 0) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    party = rng.integers(0, 4, n)
    cparty = np.arange(m) % 4
    a = rng.random((n, m)) < np.where(party[:, None] == cparty[None, :], 0.6, 0.08)
    a[np.arange(n), rng.integers(0, m, n)] = True
    return [sorted(np.flatnonzero(r).tolist()) for r in a]


def ours(name, sets, m, k):
    import pluralign.choice as ch

    ap = ch.ApprovalProfile.from_sets(sets, candidates=list(range(m)))
    return ap, getattr(ch, name)


def theirs(rule, alg, sets, m, k):
    from abcvoting import abcrules
    from abcvoting.preferences import Profile, Voter

    prof = Profile(m)
    for s in sets:
        prof.add_voter(Voter(s))
    kw = {} if alg is None else {"algorithm": alg}
    return prof, lambda: frozenset(
        int(c) for c in abcrules.compute(rule, prof, k, resolute=True, **kw)[0]
    )


def same(name, prof, a: frozenset, b: frozenset) -> bool:
    if a == b:
        return True
    from abcvoting import scores

    if name == "minimax_av":
        return scores.minimaxav_score(prof, a) == scores.minimaxav_score(prof, b)
    if name == "lex_minimax_av":
        from abcvoting import misc

        def key(c):
            return sorted((misc.hamming(v.approved, c) for v in prof), reverse=True)

        return key(a) == key(b)
    if name == "monroe":
        return scores.monroescore(prof, a) == scores.monroescore(prof, b)
    if name == "lex_cc":
        k = len(a)

        def vec(c):
            return [scores.thiele_score(f"atleast{ell}", prof, c) for ell in range(1, k + 1)]

        return vec(a) == vec(b)
    return False


@pytest.mark.parametrize("impl", ["pluralign", "abcvoting"])
@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c[0]}-{c[2]}-n{c[3]}-m{c[4]}-k{c[5]}" for c in CASES]
)
def test_committee(benchmark, case, impl):
    pytest.importorskip("abcvoting")
    name, rule, alg, n, m, k = case
    if alg == "pulp-highs":
        pytest.importorskip("pulp")
    benchmark.group = f"{name} n={n} m={m} k={k}"
    sets = data(n, m)
    ap, fn = ours(name, sets, m, k)
    prof, run_theirs = theirs(rule, alg, sets, m, k)
    if impl == "pluralign":
        got = benchmark.pedantic(lambda: frozenset(fn(ap, k).committee), rounds=5, iterations=1)
        assert same(name, prof, got, run_theirs())
    else:
        got = benchmark.pedantic(run_theirs, rounds=1, iterations=1)
        assert same(name, prof, frozenset(fn(ap, k).committee), got)


def main() -> None:
    print("\n| rule | n | m | k | abcvoting s | pluralign s | ratio | same committee (or value) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, rule, alg, n, m, k in CASES:
        sets = data(n, m)
        ap, fn = ours(name, sets, m, k)
        fn(ap, k)
        best = float("inf")
        for _ in range(5):
            t = time.perf_counter()
            r = fn(ap, k)
            best = min(best, time.perf_counter() - t)
        prof, run_theirs = theirs(rule, alg, sets, m, k)
        t = time.perf_counter()
        c = run_theirs()
        ta = time.perf_counter() - t
        ok = same(name, prof, frozenset(r.committee), c)
        print(
            f"| {name} ({rule}, {alg or 'standard'}) | {n} | {m} | {k} | {ta:.3f} | {best:.5f} "
            f"| {ta / best:,.0f}x | {ok} |"
        )


if __name__ == "__main__":
    main()
