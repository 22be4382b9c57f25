"""STV: pluralign.choice.stv against VoteKit and pyrankvote, in the same run.

    .venv/bin/python -m pytest benches/bench_choice_stv.py --benchmark-only -q
    .venv/bin/python benches/bench_choice_stv.py            # ratio table (largest sizes, ~2 min)
    .venv/bin/python benches/bench_choice_stv.py --quick    # small sizes only

Data: n voters, 20 candidates, 5 seats; each voter ranks the candidates by a random utility
(Gumbel noise plus a popularity trend, so the count has real surpluses and exclusions) and
truncates the ranking at a uniform random length (never leaving out exactly one candidate).

What each implementation is asked to do:
- ``pluralign``: ``Profile.from_ranks`` on the int64 rank matrix, then
  ``stv(p, 5, surplus_order="simultaneous")`` (Droop, weighted inclusive Gregory, VoteKit's order
  of surplus transfers); ``pluralign-rule``: ``stv`` on the prebuilt profile.
- ``votekit``: ``STV(PreferenceProfile(...), m=5)`` (Droop, ``fractional_transfer``: the same
  count), profile built from the ballots inside the timing; ``votekit-rule`` excludes the build.
- ``pyrankvote``: ``single_transferable_vote`` from its ``Ballot`` objects (a different count:
  quota total / (seats + 1), bulk exclusions), ballots built inside the timing.

VoteKit takes about 10 s at 1e4 voters and grows linearly: it is run at 1e4 (suite) and 5e4
(script, the largest size it finishes within 60 s). After timing, the elected sets are compared.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pytest

M, SEATS = 20, 5
ORDER = "simultaneous"  # VoteKit's order of surplus transfers (the default "largest" is Scotland's)


def data(n: int, m: int = M, seed: int = 0) -> np.ndarray:
    """n x m int64 rank matrix (-1 = unranked)."""
    rng = np.random.default_rng(seed)
    util = rng.gumbel(size=(n, m)) + np.linspace(2.0, 0.0, m)
    order = np.argsort(-util, axis=1)
    ranks = np.empty((n, m), dtype=np.int64)
    ranks[np.arange(n)[:, None], order] = np.arange(m)
    length = rng.integers(1, m + 1, size=n)
    length[length == m - 1] = m
    ranks[ranks >= length[:, None]] = -1
    return ranks


def ballots_of(ranks: np.ndarray) -> list[list[int]]:
    out = []
    for row in ranks:
        k = int((row >= 0).sum())
        out.append([int(c) for c in np.argsort(np.where(row < 0, 1 << 30, row))[:k]])
    return out


def run_pluralign(ranks):
    import pluralign.choice as ch

    return ch.stv(ch.Profile.from_ranks(ranks), SEATS, surplus_order=ORDER).elected


def votekit_profile(ballots):
    from votekit import Ballot
    from votekit.pref_profile import PreferenceProfile

    names = [f"c{i}" for i in range(M)]
    return PreferenceProfile(
        ballots=[
            Ballot(ranking=tuple(frozenset({names[c]}) for c in b), weight=1) for b in ballots
        ],
        candidates=tuple(names),
    )


def run_votekit_rule(profile):
    from votekit.elections import STV

    e = STV(profile, m=SEATS)
    return [int(c[1:]) for s in e.get_elected() for c in s]


def run_votekit(ballots):
    return run_votekit_rule(votekit_profile(ballots))


def run_pyrankvote(ballots):
    import pyrankvote
    from pyrankvote import Ballot, Candidate

    cands = [Candidate(f"c{i}") for i in range(M)]
    pb = [Ballot(ranked_candidates=[cands[c] for c in b]) for b in ballots]
    res = pyrankvote.single_transferable_vote(cands, pb, number_of_seats=SEATS)
    return [int(c.name[1:]) for c in res.get_winners()]


SIZES = {
    "votekit": [10_000],
    "pyrankvote": [10_000, 100_000, 1_000_000],
    "pluralign": [10_000, 100_000, 1_000_000],
}


def _cases():
    for impl, sizes in SIZES.items():
        for n in sizes:
            yield pytest.param(impl, n, id=f"stv-{impl}-n{n:.0e}")
    for n in (10_000, 1_000_000):
        yield pytest.param("pluralign-rule", n, id=f"stv-pluralign-rule-n{n:.0e}")
    yield pytest.param("votekit-rule", 10_000, id="stv-votekit-rule-n1e+04")


@pytest.mark.parametrize("impl,n", list(_cases()))
def test_stv(benchmark, impl, n):
    pytest.importorskip("pluralign.choice")
    import pluralign.choice as ch

    benchmark.group = f"stv n={n:.0e} x {M}, {SEATS} seats"
    ranks = data(n)
    expected = set(run_pluralign(ranks))
    once = {"rounds": 1, "iterations": 1}
    if impl == "pluralign":
        got = benchmark.pedantic(run_pluralign, args=(ranks,), rounds=3, iterations=1)
    elif impl == "pluralign-rule":
        p = ch.Profile.from_ranks(ranks)
        got = benchmark.pedantic(
            lambda: ch.stv(p, SEATS, surplus_order=ORDER).elected, rounds=5, iterations=1
        )
    elif impl == "votekit":
        pytest.importorskip("votekit")
        got = benchmark.pedantic(run_votekit, args=(ballots_of(ranks),), **once)
    elif impl == "votekit-rule":
        pytest.importorskip("votekit")
        prof = votekit_profile(ballots_of(ranks))
        got = benchmark.pedantic(run_votekit_rule, args=(prof,), **once)
    else:
        pytest.importorskip("pyrankvote")
        got = benchmark.pedantic(run_pyrankvote, args=(ballots_of(ranks),), **once)
    assert set(got) == expected, (impl, got, expected)


def _time(fn, *args, repeat=1):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    import pluralign.choice as ch

    rows = []
    run_pluralign(data(1000))  # warm up the thread pool
    vk_sizes = [10_000] if args.quick else [10_000, 50_000]
    pr_sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    for n in sorted(set(vk_sizes + pr_sizes)):
        ranks = data(n)
        t_pp, el = _time(run_pluralign, ranks, repeat=3)
        p = ch.Profile.from_ranks(ranks)
        t_rule, _ = _time(lambda p=p: ch.stv(p, SEATS, surplus_order=ORDER).elected, repeat=5)
        ballots = ballots_of(ranks)
        if n in vk_sizes:
            prof = votekit_profile(ballots)
            t_vk, el_vk = _time(run_votekit_rule, prof)
            t_build = _time(votekit_profile, ballots)[0]
            same = set(el_vk) == set(el)
            rows.append((n, "votekit (same count)", t_build + t_vk, t_vk, t_pp, t_rule, same))
        if n in pr_sizes:
            t_pr, el_pr = _time(run_pyrankvote, ballots)
            same = set(el_pr) == set(el)
            rows.append((n, "pyrankvote (other count)", t_pr, float("nan"), t_pp, t_rule, same))
    print(f"\nSTV, {M} candidates, {SEATS} seats, best of 3/5 for pluralign, 1 run for peers\n")
    print(
        "| n | peer | peer total s | peer count s | pluralign s (from ranks) | pluralign rule s "
        "| ratio total | ratio count | same elected |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for n, peer, tot, cnt, pp, rule, same in rows:
        rc = "" if np.isnan(cnt) else f"{cnt / rule:,.0f}x"
        cs = "" if np.isnan(cnt) else f"{cnt:.3f}"
        print(
            f"| {n:.0e} | {peer} | {tot:.3f} | {cs} | {pp:.4f} | {rule:.4f} | {tot / pp:,.0f}x "
            f"| {rc} | {same} |"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
