"""Issue 17: hostile but realistic input gets a pluralign error (or the right answer), never a
hang, an abort, a foreign exception or a silent change. One regression test per class."""

from __future__ import annotations

import time

import numpy as np
import polars as pl
import pytest
from pluralign import choice, edge, pareto
from pluralign.errors import InputError, LimitError, PluralignError
from pluralign.govern import Context


def quick(fn, limit: float = 120.0):
    """Run ``fn``; fail if it has not returned or raised after ``limit`` seconds.

    A hang detector, not a timing: every call here would otherwise run for hours (or allocate
    terabytes) and is refused up front in well under a second, so the bound is far from any
    speed the machine could have."""
    t0 = time.perf_counter()
    try:
        return fn()
    finally:
        assert time.perf_counter() - t0 < limit, "the call did not return: a hang"


# -- sizes that would explode are refused before allocating -----------------------------------


def test_weights_random_huge_n_is_a_limit_error() -> None:
    with pytest.raises(LimitError, match="1000000000000.*limit"):
        quick(lambda: pareto.weights_random(3, 10**12))
    with pytest.raises(LimitError, match="limit"):
        quick(lambda: pareto.weights_random(10**6, 10**3))
    with pytest.raises(LimitError):
        quick(lambda: pareto.weights_random(3, 2**80))  # beyond u64: no OverflowError


def test_weights_random_tiny_alpha_terminates_on_the_simplex() -> None:
    for alpha in (1e-30, 1e-300, 5e-324):
        w = quick(lambda a=alpha: pareto.weights_random(4, 200, alpha=a, seed=3))
        assert w.shape == (200, 4) and np.all(np.isfinite(w)) and np.all(w >= 0)
        np.testing.assert_allclose(w.sum(axis=1), 1.0)
    # alpha = 1 keeps its stream (no fallback): a pinned value
    assert (
        pareto.weights_random(3, 2, seed=0).tolist() == pareto.weights_random(3, 2, seed=0).tolist()
    )
    for bad in (0.0, -1.0, float("nan"), float("inf"), "1", True, 1 + 0j):
        with pytest.raises(InputError, match="alpha"):
            pareto.weights_random(3, 2, alpha=bad)


def test_weights_lattice_count_is_exact() -> None:
    w = pareto.weights(64, 2)  # C(65, 63) = 2080, once wrongly refused as 31,966,749,880
    assert w.shape == (2080, 64)
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    with pytest.raises(LimitError, match="limit"):
        quick(lambda: pareto.weights(10**7, 3))
    with pytest.raises(LimitError):
        quick(lambda: pareto.weights(2, 2**70))


def test_hypervolume_mc_huge_samples_is_a_limit_error() -> None:
    pts = [[1.0, 2.0], [2.0, 1.0]]
    with pytest.raises(LimitError, match="samples=9223372036854775808.*limit of 1000000000"):
        quick(lambda: pareto.hypervolume_mc(pts, [0, 0], samples=2**63))
    for bad_seed in (-1, 2**64, 1.5, "0"):
        with pytest.raises(InputError, match="seed"):
            pareto.hypervolume_mc(pts, [0, 0], samples=10, seed=bad_seed)
    est = pareto.hypervolume_mc(pts, [0, 0], samples=10_000, seed=2**64 - 1)
    assert 2.5 < est.value < 3.5


def test_exact_hypervolume_work_is_bounded() -> None:
    rng = np.random.default_rng(0)
    x = np.abs(rng.normal(size=(2000, 10)))
    x /= np.linalg.norm(x, axis=1, keepdims=True)  # all 2000 on the front
    with pytest.raises(
        LimitError, match="2000 non-dominated points in 10 objectives.*HV_EXACT_MAX_WORK"
    ):
        quick(lambda: pareto.hypervolume(x, [0] * 10))
    with pytest.raises(LimitError):
        quick(lambda: pareto.hypervolume_contributions(x, [0] * 10))
    # dominated points do not count: 60 front points + 1940 dominated ones run
    y = np.vstack([x[:60], x[60:] * 0.01])
    assert quick(lambda: pareto.hypervolume(y, [0] * 10), 30) > 0
    # m <= 3 is never refused
    z = np.abs(rng.normal(size=(20_000, 3)))
    assert pareto.hypervolume(z, [0, 0, 0]) > 0


def test_random_profile_huge_is_a_limit_error() -> None:
    with pytest.raises(LimitError, match="n=1000000000000 is above the limit"):
        quick(lambda: choice.random_profile(10**12, 3))
    with pytest.raises(InputError, match="m must be"):
        choice.random_profile(3, 0)
    with pytest.raises(InputError, match="seed"):
        choice.random_profile(3, 3, seed="x")


def test_thread_counts_are_bounded() -> None:
    pts = np.random.default_rng(1).random((50, 2))
    want = pareto.ranks(pts)
    for bad in (10**9, 10**30, 2**64):
        with pytest.raises(LimitError, match="threads"):
            quick(lambda b=bad: pareto.ranks(pts, threads=b))
    with pytest.raises(LimitError, match="threads=1000 is above the limit"):
        pareto.ranks(pts, threads=1000)  # over 8 x cores (1000 > 64 on a small machine)
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(InputError, match="threads"):
            pareto.ranks(pts, threads=bad)
    for k in range(1, 17):  # many distinct sizes: results equal, threads do not pile up
        assert np.array_equal(pareto.ranks(pts, threads=k), want)
    import threading

    assert threading.active_count() < 50


def test_decide_batch_with_a_huge_prompt_is_a_limit_error() -> None:
    arb = edge.Arbiter(Context.builtin("medical_advice"))
    n = 100_000
    m = len(Context.builtin("medical_advice").objectives)
    rng = np.random.default_rng(0)
    cols = {f"o{j}": rng.random(n) for j in range(m)}
    names = [o.name for o in Context.builtin("medical_advice").objectives]
    df = pl.DataFrame(
        {"prompt_id": np.zeros(n, dtype=np.int64), **{names[j]: cols[f"o{j}"] for j in range(m)}}
    )
    with pytest.raises(LimitError, match="100000 candidates.*limit"):
        quick(lambda: arb.decide_batch(df))


# -- dtypes and ids are checked before they reach polars or Rust -------------------------------


def test_object_dtype_group_ids() -> None:
    pts = np.random.default_rng(2).random((4, 2))
    with pytest.raises(InputError, match="groups"):
        pareto.ranks(pts, groups=np.array([1, "a", object(), 2], dtype=object))
    with pytest.raises(InputError, match="groups.*row 1"):
        pareto.ranks(pts, groups=np.array(["a", None, "b", "a"], dtype=object))
    lists = np.empty(4, dtype=object)
    lists[:] = [[1], [2], [1], [2]]
    with pytest.raises(InputError, match="groups: the id at row 0 is a list"):
        pareto.ranks(pts, groups=lists)
    # strings in an object array are fine and equal to the same ids as str dtype
    ok = pareto.ranks(pts, groups=np.array(["a", "b", "a", "b"], dtype=object))
    assert np.array_equal(ok, pareto.ranks(pts, groups=["a", "b", "a", "b"]))


def test_complex_and_text_arrays_are_refused() -> None:
    pts = np.random.default_rng(3).random((4, 2))
    with pytest.raises(InputError, match="complex"):
        pareto.ranks(pts + 1j)
    with pytest.raises(InputError, match="complex"):
        pareto.hypervolume(pts.astype(complex), [0, 0])
    with pytest.raises(InputError, match="text"):
        pareto.ranks(np.array([["1", "2"], ["3", "4"]]))
    with pytest.raises(InputError, match="object"):
        pareto.ranks(np.array([[1, 2], [3, 4]], dtype=object))
    with pytest.raises(InputError, match="complex"):
        pareto.ranks(pts, groups=np.array([1, 2, 1, 2]) + 0j)


def test_uint64_ids_and_offsets_beyond_int64() -> None:
    pts = np.random.default_rng(4).random((4, 2))
    big = np.array([2**63 + 5, 1, 2**63 + 5, 1], dtype=np.uint64)
    assert np.array_equal(
        pareto.ranks(pts, groups=big), pareto.ranks(pts, groups=np.array([7, 1, 7, 1]))
    )
    with pytest.raises(InputError, match="offsets.*wrap"):
        pareto.ranks(pts, offsets=np.array([0, 2**63 + 1], dtype=np.uint64))


def test_no_panic_escapes_as_base_exception() -> None:
    pts = np.random.default_rng(5).random((3, 2))
    weird = [
        np.array([{1}, {2}, {3}], dtype=object),
        np.array([b"a", "b", 3], dtype=object),
        np.array([1.0, float("nan"), 2.0]),
        np.array([1 + 2j, 3, 4], dtype=object),
    ]
    for g in weird:
        try:
            pareto.ranks(pts, groups=g)
        except PluralignError:
            pass


def test_uint64_ranks_beyond_int64_are_refused_not_wrapped() -> None:
    r = np.array([[0, 1], [1, 2**63 + 3]], dtype=np.uint64)
    with pytest.raises(InputError, match="ranks.*wrap"):
        choice.Profile.from_ranks(r)
    ok = choice.Profile.from_ranks(np.array([[0, 1], [1, 0]], dtype=np.uint64))
    assert ok.candidates == [0, 1]


def test_none_is_not_a_candidate() -> None:
    with pytest.raises(InputError, match="None.*not a valid candidate"):
        choice.Profile.from_rankings([["a", None, "b"], ["b", "a"]])
    with pytest.raises(InputError, match="candidates\\[1\\]"):
        choice.Profile.from_rankings([["a", "b"]], candidates=["a", None, "b"])
    with pytest.raises(InputError, match="not a valid candidate"):
        choice.ApprovalProfile.from_sets([{"a", None}, {"b"}])
    with pytest.raises(InputError, match="nan is not a valid candidate"):
        choice.Profile.from_rankings([["a", float("nan")]])
    with pytest.raises(InputError, match="dict"):
        choice.Profile.from_rankings([["a", [{"x": 1}]]])


def test_a_string_is_not_an_approval_set() -> None:
    with pytest.raises(InputError, match="ballot 1 is the text 'xyz'"):
        choice.ApprovalProfile.from_sets([{"x"}, "xyz"])
    with pytest.raises(InputError, match="text"):
        choice.ApprovalProfile.from_sets("xyz")
    with pytest.raises(InputError, match="ballot 0 must be a set"):
        choice.ApprovalProfile.from_sets([5])
    ap = choice.ApprovalProfile.from_sets([{"xyz"}, ["xyz", "w"]])
    assert sorted(ap.candidates) == ["w", "xyz"]


def test_choice_weights_are_checked() -> None:
    for bad in ([1 + 1j, 1], ["a", "b"], [object(), 1]):
        with pytest.raises(InputError, match="weights"):
            choice.Profile.from_rankings([["a"], ["b"]], weights=bad)


def test_a_dependency_panic_becomes_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from pluralign.errors import InternalError

    panic = pl.exceptions.PanicException
    assert not issubclass(panic, Exception)  # it would pass `except Exception` in user code

    def boom(*a, **k):
        raise panic("index out of bounds")

    monkeypatch.setattr(pareto._core, "pareto_ranks", boom)
    with pytest.raises(InternalError, match="ranks: a dependency panicked"):
        pareto.ranks(np.zeros((2, 2)))
    monkeypatch.setattr(choice._core._Profile, "from_nested", boom, raising=False)
    with pytest.raises(InternalError, match="from_rankings"):
        choice.Profile.from_rankings([["a", "b"]])


def test_non_iterables_and_bad_numbers_are_named() -> None:
    """Found by the fuzz harness: TypeError / OverflowError leaked from these."""
    from pluralign.govern import Ledger

    with pytest.raises(InputError, match="rankings must be"):
        choice.Profile.from_rankings(None)
    with pytest.raises(InputError, match="ballots must be"):
        choice.ApprovalProfile.from_sets(5)
    with pytest.raises(LimitError, match="m=18446744073709551616"):
        choice.random_profile(0, 2**64)
    with pytest.raises(InputError, match="order must be"):
        pareto.lexicographic([[1.0, 2.0]], order=3)
    with pytest.raises(InputError, match="tolerances"):
        pareto.lexicographic([[1.0, 2.0]], tolerances=1 + 2j)
    with pytest.raises(InputError, match="rho"):
        pareto.chebyshev([[1.0, 2.0]], [0.5, 0.5], rho=[])
    with pytest.raises(InputError, match="payload must be a mapping"):
        Ledger().append("x", "text")


def test_prefs_and_stats_parameters_found_by_fuzzing() -> None:
    from pluralign import prefs, stats
    from pluralign.errors import SchemaError

    comps = pl.DataFrame({"prompt_id": ["p"], "chosen_id": ["a"], "rejected_id": ["b"]})
    with pytest.raises(InputError, match="comparisons must be"):
        prefs.tally(5)
    with pytest.raises(InputError, match="batch 1"):
        prefs.tally([comps, "x"])
    with pytest.raises(InputError, match="kind must be a string"):
        prefs.validate(comps, ["comparisons"])
    with pytest.raises(InputError, match="objectives must be"):
        prefs.pareto_pairs(pl.DataFrame({"prompt_id": ["p"]}), objectives=3)
    df = pl.DataFrame({"prompt_id": ["a", "b"], "x": [1, 2]})
    for bad in (float("nan"), "x", 1.5, True, None):
        with pytest.raises(InputError, match="seed"):
            prefs.split(df, seed=bad)
    assert sum(p.height for p in prefs.split(df, seed=2**100).values()) == 2  # any int
    for bad in ("", 5, None):
        with pytest.raises(InputError, match="separator"):
            prefs.read_rankings([{"voter_id": 1, "ranking": "a > b"}], separator=bad)
    with pytest.raises(InputError, match="empty tier"):  # 'a > > b' no longer loses a tier
        prefs.read_rankings([{"voter_id": 1, "ranking": "a > > b"}])
    with pytest.raises(InputError, match="complex"):
        stats.agreement(np.array([[1, 2], [1, 2]]) + 0j)
    votes = pl.DataFrame({"item": [0, 0], "group": ["g", "h"], "label": [1, -1]})
    with pytest.raises(InputError, match="groups must be a column name"):
        stats.disagreement(votes, groups=0)
    with pytest.raises(SchemaError, match="groups column ''"):
        stats.disagreement(votes, groups="")


def test_ratings_silent_changes_are_errors() -> None:
    from pluralign import prefs
    from pluralign.errors import SchemaError

    r = pl.DataFrame(
        {
            "prompt_id": ["p"] * 3,
            "response_id": ["a", "a", "b"],
            "objective": ["o"] * 3,
            "score": [1.0, 2.0, 0.0],
        }
    )
    with pytest.raises(InputError, match="'a' is rated more than once.*rows 0, 1"):
        prefs.ratings_to_pairs(r)  # once emitted the pair (a, a)
    by_rater = r.with_columns(pl.Series("annotator_id", ["x", "y", "x"]))
    pairs, _ = prefs.ratings_to_pairs(by_rater)
    assert (pairs["chosen_id"] != pairs["rejected_id"]).all()
    long = pl.DataFrame(
        {
            "prompt_id": ["p", "p"],
            "response_id": ["a", "a"],
            "objective": ["safe", "helpful"],
            "score": [1.0, 2.0],
        }
    )
    with pytest.raises(SchemaError, match="'nope'"):  # once ignored
        prefs.read_ratings(long, objectives=["nope"])
    only = prefs.read_ratings(long, objectives=["safe"])
    assert only["objective"].to_list() == ["safe"]


def test_context_numbers_are_not_coerced_from_booleans_or_text() -> None:
    import tomllib
    from importlib import resources

    text = resources.files("pluralign").joinpath("contexts", "medical_advice.toml").read_text()
    for bad, what in ((True, "boolean"), ("0.9", "text")):
        d = tomllib.loads(text)
        d["tiers"][0]["threshold"] = bad
        with pytest.raises(
            InputError, match=f"tiers\\[0\\].threshold: must be a number, not the {what}"
        ):
            Context.from_dict(d)
    d = tomllib.loads(text)
    d["tiers"][0]["threshold"] = 1  # an int is a number
    assert Context.from_dict(d).tiers[0].threshold == 1.0


def test_zero_total_weight_is_an_error_not_nan_shares() -> None:
    from pluralign import stats

    d = pl.DataFrame(
        {"item": [0, 0, 1], "group": ["g", "h", "g"], "label": [1, -1, 1], "w": [0.0, 1.0, 1.0]}
    )
    with pytest.raises(InputError, match="item 0, group 'g' has total weight 0"):
        stats.disagreement(d, groups="group", label="label", weight="w")
    out = stats.disagreement(
        d.with_columns(pl.lit(1.0).alias("w")), groups="group", label="label", weight="w"
    )
    assert not out.select(pl.col(pl.Float64).is_nan().any()).row(0)[0]


def test_complex_weights_refs_and_candidates_are_refused() -> None:
    """Found by the 100k fuzz run: complex weights lost their imaginary part."""
    pts = [[1.0, 2.0], [2.0, 1.0]]
    with pytest.raises(InputError, match="weights holds complex"):
        pareto.chebyshev(pts, np.array([0.5, 0.5]) + 1j)
    with pytest.raises(InputError, match="ref holds complex"):
        pareto.hypervolume(pts, np.array([0, 0]) + 0j)
    arb = edge.Arbiter(Context.builtin("medical_advice"))
    with pytest.raises(InputError, match="candidates holds complex"):
        arb.decide(np.ones((2, 4)) + 1j)
    with pytest.raises(InputError, match="ids must be hashable"):
        arb.decide(np.ones((2, 4)) * 0.95, ids=[[1], [2]])


def test_metrics_and_signals_check_context_and_options() -> None:
    from pluralign import metrics

    df = pl.DataFrame(
        {"prompt_id": [0], **{o.name: [0.5] for o in Context.builtin("medical_advice").objectives}}
    )
    for bad in (None, "medical_advice", 5):
        with pytest.raises(InputError, match="context must be a pluralign.govern.Context"):
            metrics.scalar_choice(df, bad)
        with pytest.raises(InputError, match="context must be"):
            edge.edge_signals(df, bad)
    with pytest.raises(InputError, match="how"):
        metrics.value_flattening(df, Context.builtin("medical_advice"), how=np.array(["a", "b"]))


def test_constitution_rule_must_be_a_name() -> None:
    from pluralign import govern

    rows = [(s, p, 1 if (s + p) % 2 else -1) for p in range(6) for s in range(4)]
    v = pl.DataFrame(rows, schema=["statement_id", "participant_id", "vote"], orient="row")
    for bad in ([], {}, np.array(["mes"])):
        with pytest.raises(InputError, match="rule must be one of"):
            govern.constitution(v, 2, bad)
    assert len(govern.constitution(v, 2, "mes").chosen) == 2


def test_pav_and_cc_check_k_before_sizing_the_search() -> None:
    ap = choice.ApprovalProfile.from_sets([{"a", "b"}, {"c"}])
    for rule in (choice.pav, choice.chamberlin_courant):
        for bad in (-1, None, 1.5, [1]):
            with pytest.raises(InputError, match="k must be a non-negative int"):
                rule(ap, bad)
