"""pluralign.choice against svvamp, pref_voting and abcvoting, in the same run.

    .venv/bin/python -m pytest benches/bench_choice.py --benchmark-only -q          # all (long)
    .venv/bin/python -m pytest benches/bench_choice.py --benchmark-only -q -k quick # small cases
    .venv/bin/python -m pytest benches/bench_choice.py --benchmark-only -q -k "kemeny"

Each benchmark group is one case with pluralign and every peer side by side (see
``_choice_cases.py`` for exactly what each implementation is asked to do):

- ``margins n=... x 20``: profile + margin matrix from n random rankings of 20 candidates
  (pluralign ``Profile.from_ranks`` on an int64 rank array, and the DataFrame path
  ``pluralign-df``; svvamp ``Profile(...).matrix_duels_rk``; pref_voting
  ``Profile(...).margin_matrix``).
- ``kemeny m=...``: exact Kemeny-Young winners, 1,001 voters, profile prebuilt.
- ``irv n=... x 20``: Instant Runoff, end to end from the arrays (``pluralign``) and on a prebuilt
  profile (``pluralign-rule``); svvamp ``RuleIRV``.
- ``mes`` / ``seqphragmen`` / ``seqpav 2000 x 300 k=20``: approval committees vs abcvoting
  (``algorithm="fastest"``, ``resolute=True``).

Parameter ids containing ``quick`` are the small cases. A peer that would take about a minute or
more on a case is skipped on that case only, with the reason (and the estimate) in the parameter id
(``...-SKIP:<reason>``); ``choice_ratios.py`` measures those at a smaller size and extrapolates.
Before timing, every test asserts that pluralign and the peers agree on small instances of its
task; after timing, each peer's answer on the timed case is compared with pluralign's.
"""

from __future__ import annotations

import functools

import pytest
from _cases import record
from _choice_cases import (
    COMMITTEE_K,
    COMMITTEE_M,
    COMMITTEE_N,
    COMMITTEE_TASKS,
    KEMENY_VOTERS,
    M_RANK,
    PEERS,
    Case,
    agreement_checks,
    compare,
    n_label,
    normalize,
)

# rounds per (task, size) for the peers; pluralign gets PP_ROUNDS (its calls are short)
PP_ROUNDS = 5
PEER_ROUNDS = {
    ("margins", 10_000): 3,
    ("margins", 100_000): 1,
    ("margins", 1_000_000): 1,
    ("kemeny", 8): 1,
    ("irv", 100_000): 3,
    ("irv", 1_000_000): 1,
    **{(t, COMMITTEE_N): 1 for t in COMMITTEE_TASKS},
}

SKIP = {
    ("margins", "pref_voting", 1_000_000): "pref_voting-Profile-python-loop(2s-per-1e4,est-3min)",
    ("kemeny", "pref_voting", 10): "brute-force-10!-orders(1.5s-at-m8,est-3.7min)",
    ("kemeny", "svvamp", 10): "brute-force-10!-orders(est-over-1min)",
    ("kemeny", "pref_voting", 16): "brute-force-16!-orders(est-years)",
    ("kemeny", "svvamp", 16): "brute-force-16!-orders(est-years)",
}

QUICK = {("margins", 10_000), ("kemeny", 8), ("irv", 100_000)}


@pytest.fixture(scope="session")
def choice():
    """pluralign.choice, warmed up (thread pool started) outside any timing."""
    pc = pytest.importorskip("pluralign.choice", reason="pluralign.choice not built")
    Case("margins", 200).fn("pluralign")()
    return pc


@pytest.fixture(scope="session")
def agreement(choice):
    """Small-instance agreement checks, run once before the first timing."""
    return agreement_checks()


def _assert_agree(agreement, task):
    bad = [f"{what}: {why}" for what, why in agreement if what.startswith(task) and why]
    assert not bad, "pluralign and a peer disagree on a small instance: " + "; ".join(bad)


@functools.lru_cache(maxsize=2)
def _case(task: str, size: int) -> Case:
    return Case(task, size)


@functools.lru_cache(maxsize=8)
def _reference(task: str, size: int, impl: str = "pluralign"):
    return normalize(task, impl, _case(task, size).fn(impl)())


def _params(task: str, sizes: dict):
    out = []
    for label, size in sizes.items():
        for impl in ("pluralign", *PEERS[task]):
            pid = f"{task}-{label}-{impl}"
            if (task, size) in QUICK:
                pid += "-quick"
            marks = ()
            reason = SKIP.get((task, impl, size))
            if reason:
                pid += f"-SKIP:{reason}"
                marks = (pytest.mark.skip(reason=reason),)
            out.append(pytest.param(size, impl, id=pid, marks=marks))
    return out


def _run(benchmark, agreement, task, size, impl, group):
    _assert_agree(agreement, task)
    case = _case(task, size)
    fn = case.fn(impl)  # builds prebuilt profiles / DataFrames outside the timing
    benchmark.group = group
    benchmark.extra_info.update(task=task, impl=impl, size=size)
    rounds = PP_ROUNDS if impl.startswith("pluralign") else PEER_ROUNDS.get((task, size), 3)
    got = benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=0)
    record(benchmark, impl)
    if impl != "pluralign":  # correctness guard, outside the timing
        why = compare(task, impl, normalize(task, impl, got), _reference(task, size))
        assert why is None, why


@pytest.mark.parametrize(
    "size,impl", _params("margins", {"1e4": 10_000, "1e5": 100_000, "1e6": 1_000_000})
)
def test_margins(benchmark, choice, agreement, size, impl):
    """Profile + margin matrix from n random rankings of 20 candidates (target at 1e6: < 0.5 s,
    >= 10x svvamp, >= 100x pref_voting)."""
    _run(benchmark, agreement, "margins", size, impl, f"margins n={n_label(size)} x {M_RANK}")


@pytest.mark.parametrize("size,impl", _params("kemeny", {"m8": 8, "m10": 10, "m16": 16}))
def test_kemeny(benchmark, choice, agreement, size, impl):
    """Exact Kemeny-Young, 1,001 voters (target: m=10 < 0.1 s, m=16 < 5 s)."""
    _run(benchmark, agreement, "kemeny", size, impl, f"kemeny m={size} ({KEMENY_VOTERS} voters)")


@pytest.mark.parametrize("size,impl", _params("irv", {"1e5": 100_000, "1e6": 1_000_000}))
def test_irv(benchmark, choice, agreement, size, impl):
    """Instant Runoff on n random rankings of 20 candidates (target at 1e6: >= 10x svvamp)."""
    _run(benchmark, agreement, "irv", size, impl, f"irv n={n_label(size)} x {M_RANK}")


def _committee_params():
    return [
        pytest.param(
            task, impl, id=f"{task}-{COMMITTEE_N}x{COMMITTEE_M}-k{COMMITTEE_K}-{impl}-quick"
        )
        for task in COMMITTEE_TASKS
        for impl in ("pluralign", *PEERS[task])
    ]


@pytest.mark.parametrize("task,impl", _committee_params())
def test_committee(benchmark, choice, agreement, task, impl):
    """Approval committees, 2,000 voters x 300 candidates, k = 20 (target: < 1 s, >= 10x
    abcvoting)."""
    _run(
        benchmark,
        agreement,
        task,
        COMMITTEE_N,
        impl,
        f"{task} {COMMITTEE_N} x {COMMITTEE_M} k={COMMITTEE_K}",
    )
