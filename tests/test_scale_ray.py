"""pluralign.scale.ray against a real local Ray cluster (2 CPUs, started by the test)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from pluralign import pareto
from pluralign.errors import InputError, SchemaError
from pluralign.scale import (
    BradleyTerryState,
    ParetoFrontState,
    ProfileState,
    TallyState,
    VoteMatrixState,
)

ray = pytest.importorskip("ray", reason="the optional extra 'ray' is not installed")
from pluralign.scale import ray as pray


@pytest.fixture(scope="module")
def cluster():
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
        runtime_env={"env_vars": {"PLURALIGN_NUM_THREADS": "1"}},
    )
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    yield ray
    ray.shutdown()


def comparisons(n: int = 5000, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 12, n)
    return pl.DataFrame(
        {
            "group": rng.choice(["left", "right"], n),
            "chosen_id": a,
            "rejected_id": (a + rng.integers(1, 12, n)) % 12,
            "tie": rng.random(n) < 0.1,
            "weight": rng.integers(1, 5, n) / 2.0,
        }
    )


def _ds(df: pl.DataFrame, blocks: int):
    return ray.data.from_arrow(df.to_arrow()).repartition(blocks)


@pytest.mark.parametrize("merge", ["driver", "tree"])
def test_tally_and_bt_on_ray_equal_local(cluster, merge: str) -> None:
    df = comparisons()
    ds = _ds(df, 7)
    got = pray.aggregate(ds, TallyState("group"), merge=merge)
    ref = TallyState("group").update(df)
    assert got.n_rows == df.height
    a, b = got.finalize(), ref.finalize()
    assert a.drop("weight_a", "weight_b", "weight_ties").equals(
        b.drop("weight_a", "weight_b", "weight_ties")
    )
    np.testing.assert_allclose(a["weight_b"].to_numpy(), b["weight_b"].to_numpy(), atol=1e-9)
    bt = pray.aggregate(ds, BradleyTerryState("group"), merge=merge).finalize()
    from pluralign.stats import bradley_terry

    rb = bradley_terry(df, "group")
    assert bt["n_comparisons"].to_list() == rb["n_comparisons"].to_list()
    np.testing.assert_allclose(bt["strength"].to_numpy(), rb["strength"].to_numpy(), atol=1e-9)


def test_votes_profiles_fronts_on_ray(cluster) -> None:
    rng = np.random.default_rng(1)
    n = 600
    v = pl.DataFrame(
        {
            "statement_id": rng.integers(0, 9, n),
            "participant_id": rng.integers(0, 40, n),
            "vote": rng.integers(-1, 2, n),
            "ts": rng.permutation(n),
        }
    )
    got = pray.aggregate(_ds(v, 5), VoteMatrixState(timestamp="ts"), merge="tree")
    assert got.finalize().equals(VoteMatrixState(timestamp="ts").update(v).finalize())
    c = comparisons(800, 2)
    p = pray.aggregate(_ds(c, 4), ProfileState(list(range(12)), kind="comparisons"))
    assert np.array_equal(
        p.margins(), ProfileState(list(range(12)), kind="comparisons").update(c).margins()
    )
    s = c.with_columns(
        pl.col("chosen_id").cast(pl.Float64).alias("u"),
        (pl.col("weight") * pl.col("rejected_id")).alias("w"),
    )
    f = pray.aggregate(_ds(s, 6), ParetoFrontState(["u", "w"], "group")).finalize()
    assert f.equals(ParetoFrontState(["u", "w"], "group").update(s).finalize())


def test_grouped_pareto_ranks_on_ray(cluster) -> None:
    rng = np.random.default_rng(3)
    n = 900
    df = pl.DataFrame(
        {
            "prompt_id": rng.integers(0, 25, n),
            "row": np.arange(n),
            "a": rng.integers(0, 5, n).astype(float),
            "b": rng.integers(0, 5, n).astype(float),
        }
    )
    out = pray.pareto_ranks(
        _ds(df, 8), ["a", "b"], "prompt_id", maximize=[True, False], num_partitions=2
    )
    got = pl.concat([pl.from_arrow(t) for t in ray.get(out.to_arrow_refs())]).sort("row")
    ref = pareto.ranks(
        df, objectives=["a", "b"], maximize=[True, False], groups=df["prompt_id"].to_numpy()
    )
    assert got["row"].to_list() == list(range(n))
    assert got["pareto_rank"].to_list() == ref.tolist()
    # first_only: the per-group function itself (a second shuffle would only add minutes)
    one = df.filter(pl.col("prompt_id") == 0)
    nd = pray._ranks_group(one.to_arrow(), ["a", "b"], [True, False], "nd", True)
    assert nd.column("nd").to_pylist() == (ref[df["prompt_id"].to_numpy() == 0] == 0).tolist()
    with pytest.raises(SchemaError, match="missing_col"):
        pray.pareto_ranks(_ds(df, 2), ["missing_col"], "prompt_id")
    with pytest.raises(InputError, match="already exists"):
        pray.pareto_ranks(_ds(df, 2), ["a"], "prompt_id", column="row")


def test_worker_thread_count_follows_environment(cluster) -> None:
    @ray.remote
    def threads_in_worker() -> int:
        import pluralign

        return pluralign.default_threads()

    @ray.remote(runtime_env={"env_vars": {"PLURALIGN_NUM_THREADS": "3"}})
    def threads_in_other_worker() -> int:
        import pluralign

        return pluralign.default_threads()

    assert ray.get(threads_in_worker.remote()) == 1
    assert ray.get(threads_in_other_worker.remote()) == 3


def test_bad_arguments(cluster) -> None:
    with pytest.raises(InputError, match="merge"):
        pray.aggregate(_ds(comparisons(10), 1), TallyState(), merge="shuffle")
    with pytest.raises(InputError, match="pluralign.scale state"):
        pray.aggregate(_ds(comparisons(10), 1), object())
