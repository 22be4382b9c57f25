"""Reward-model training on small synthetic problems with known answers (CPU, seconds)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

torch = pytest.importorskip("torch")
from pluralign.errors import InputError, SchemaError
from pluralign.reward import (
    ModelConfig,
    RewardModel,
    RewardTrainer,
    TrainConfig,
    evaluate,
    quick_fit,
)
from scipy.stats import spearmanr

torch.set_num_threads(1)  # tiny models: threads only add contention on a shared CPU


def _cfg(**kw) -> TrainConfig:
    base = {"lr": 0.05, "epochs": 5, "batch_size": 128, "eval_frac": 0.0, "progress": False}
    base.update(kw)
    return TrainConfig(**base)


# ----------------------------------------------------------------- value flattening
G = 20
GRID = np.arange(G) / G  # 0, 0.05, ..., 0.95; four points are >= 0.8


def _p_win(k: int, m: int) -> float:
    """P(u(a_k) > u(a_m)), ties split, under the hidden-context utility of the issue."""

    def outcomes(x: float) -> list[tuple[float, float]]:
        return [(x, 1.0)] if x < 0.8 else [(2 * x, 0.5), (0.0, 0.5)]

    return sum(
        p * q * (1.0 if x > y else 0.5 if x == y else 0.0)
        for x, p in outcomes(GRID[k])
        for y, q in outcomes(GRID[m])
    )


def _hidden_context_data(n: int = 6000, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    i, j = rng.integers(0, G, n), rng.integers(0, G, n)
    i, j = i[i != j], j[i != j]

    def util(k: np.ndarray) -> np.ndarray:
        x = GRID[k]
        return np.where(x >= 0.8, np.where(rng.random(len(k)) < 0.5, 2 * x, 0.0), x)

    ui, uj = util(i), util(j)
    win = np.where(ui == uj, rng.random(len(i)) < 0.5, ui > uj)
    return pl.DataFrame(
        {
            "prompt_id": np.arange(len(i)),
            "chosen_id": np.where(win, i, j).astype(str),
            "rejected_id": np.where(win, j, i).astype(str),
        }
    )


def test_value_flattening_bt_follows_borda_and_mean_variance_flags_it() -> None:
    df = _hidden_context_data()
    emb = ([str(k) for k in range(G)], np.eye(G, dtype=np.float32))  # one parameter per point
    borda = np.array([np.mean([_p_win(k, m) for m in range(G) if m != k]) for k in range(G)])
    expected_utility = GRID.copy()  # E u(a) = a everywhere (2a/2 above 0.8)

    bt = RewardModel(ModelConfig(input_dim=G, hidden=[]))
    RewardTrainer(bt, _cfg(epochs=10, batch_size=256)).fit(df, emb)
    mu, sd = bt.predict(np.eye(G))
    rho_borda = spearmanr(mu[:, 0], borda).statistic
    rho_eu = spearmanr(mu[:, 0], expected_utility).statistic
    assert rho_borda > 0.95
    assert rho_eu < 0.85 and rho_eu < rho_borda - 0.15
    assert np.all(sd == 0)  # a plain BT head claims no uncertainty at all

    mv = RewardModel(ModelConfig(input_dim=G, hidden=[], uncertainty="gaussian"))
    RewardTrainer(mv, _cfg(epochs=10, batch_size=256)).fit(df, emb)
    _, sd = mv.predict(np.eye(G))
    high, low = sd[GRID >= 0.8, 0], sd[GRID < 0.8, 0]
    assert high.mean() >= 5 * low.mean()
    assert high.min() > low.max()


# -------------------------------------------------------------- representation loss
D = 6
_W_SHARED = np.array([0.0, 0.0, 1.0, 0.0, 0.0, 0.0])
_W_A = np.array([1.0, 0.0, 0.0, 0.0, 0.0, 0.0])
_W_B = np.array([math.cos(math.radians(150)), math.sin(math.radians(150)), 0, 0, 0, 0])


def _two_groups(n: int, seed: int) -> tuple[pl.DataFrame, list[str], np.ndarray]:
    """70% group A / 30% group B; they agree on 'helpful' and disagree on 'style'."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2 * n, D)).astype(np.float32)
    ids = np.array([f"s{seed}_{k}" for k in range(2 * n)])
    group = np.where(rng.random(n) < 0.7, "A", "B")
    objective = np.where(rng.random(n) < 0.5, "helpful", "style")
    w = np.where(
        (objective == "helpful")[:, None], _W_SHARED, np.where((group == "A")[:, None], _W_A, _W_B)
    )
    first = ((x[0::2] - x[1::2]) * w).sum(1) > 0
    df = pl.DataFrame(
        {
            "prompt_id": [f"s{seed}p{k}" for k in range(n)],
            "chosen_id": np.where(first, ids[0::2], ids[1::2]),
            "rejected_id": np.where(first, ids[1::2], ids[0::2]),
            "objective": objective,
            "group": group,
        }
    )
    return df, list(ids), x


def _style_by_group(model: RewardModel, test: pl.DataFrame, emb) -> dict[str, float]:
    ev = evaluate(model, test.filter(pl.col("objective") == "style"), emb)
    return dict(zip(ev["by_group"]["group"], ev["by_group"]["accuracy"], strict=True))


def test_representation_loss_group_heads_and_maxmin() -> None:
    train, ids_tr, x_tr = _two_groups(3000, 0)
    test, ids_te, x_te = _two_groups(1500, 1)
    emb = (ids_tr + ids_te, np.concatenate([x_tr, x_te]))
    objectives = ["helpful", "style"]

    pooled = RewardModel(ModelConfig(input_dim=D, objectives=objectives, hidden=[]))
    RewardTrainer(pooled, _cfg()).fit(train, emb)
    acc_pooled = _style_by_group(pooled, test, emb)
    assert acc_pooled["B"] <= 0.6  # the minority is flattened away
    assert acc_pooled["A"] >= 0.8

    grouped = RewardModel(
        ModelConfig(input_dim=D, objectives=objectives, hidden=[], groups=["A", "B"])
    )
    RewardTrainer(grouped, _cfg()).fit(train, emb)
    acc_grouped = _style_by_group(grouped, test, emb)
    assert min(acc_grouped.values()) >= 0.9
    helpful = evaluate(grouped, test.filter(pl.col("objective") == "helpful"), emb)
    assert helpful["accuracy"] >= 0.9

    maxmin = RewardModel(ModelConfig(input_dim=D, objectives=objectives, hidden=[]))
    RewardTrainer(maxmin, _cfg(maxmin_temperature=0.05)).fit(
        train.filter(pl.col("objective") == "style"), emb
    )
    acc_maxmin = _style_by_group(maxmin, test, emb)
    assert min(acc_maxmin.values()) > min(acc_pooled.values()) + 0.15


# ------------------------------------------------------------------------ ensembles
def _linear_pairs(n: int, d: int, seed: int, w: np.ndarray | None = None):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2 * n, d)).astype(np.float32)
    w = rng.normal(size=d) if w is None else w
    u = x @ w
    ids = [f"{seed}_{k}" for k in range(2 * n)]
    first = u[0::2] > u[1::2]
    df = pl.DataFrame(
        {
            "prompt_id": [f"{seed}p{k}" for k in range(n)],
            "chosen_id": np.where(first, np.array(ids)[0::2], np.array(ids)[1::2]),
            "rejected_id": np.where(first, np.array(ids)[1::2], np.array(ids)[0::2]),
        }
    )
    return df, ids, x, w


def test_ensemble_disagrees_more_out_of_distribution() -> None:
    df, ids, x, _ = _linear_pairs(800, 4, 0)
    model = RewardModel(ModelConfig(input_dim=4, hidden=[32], uncertainty="ensemble", n_members=5))
    RewardTrainer(model, _cfg(lr=0.01, epochs=8, batch_size=64)).fit(df, (ids, x))
    _, sd_in = model.predict(x[:500])
    ood = np.random.default_rng(5).normal(size=(500, 4)).astype(np.float32) * 6 + 8
    _, sd_out = model.predict(ood)
    assert sd_out.mean() > 3 * sd_in.mean()
    table = model.score(x[:3], ids=ids[:3])
    assert table.columns == ["id", "overall", "overall_std"]
    assert (table["overall_std"] > 0).all()


# ------------------------------------------------------------- determinism, ratings
def test_training_is_deterministic_on_cpu() -> None:
    df, ids, x, _ = _linear_pairs(300, 5, 3)

    def run() -> dict:
        torch.manual_seed(123)  # model init
        m = RewardModel(
            ModelConfig(
                input_dim=5,
                hidden=[8],
                uncertainty="ensemble",
                n_members=2,
                gate="prompt",
                objectives=["a", "b"],
            )
        )
        df2 = df.with_columns(
            pl.lit("gated").alias("objective"), pl.col("chosen_id").alias("prompt_id")
        )
        RewardTrainer(m, _cfg(epochs=2, batch_size=32, eval_frac=0.2, seed=7)).fit(df2, (ids, x))
        return m.state_dict()

    a, b = run(), run()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_ratings_regression_ignores_nan_labels() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3)).astype(np.float32)
    score = 2 * x[:, 0] - x[:, 2] + 1
    score[::7] = np.nan
    ratings = pl.DataFrame(
        {
            "prompt_id": [f"p{k}" for k in range(400)],
            "response_id": [f"r{k}" for k in range(400)],
            "objective": "quality",
            "score": score,
        }
    )
    model = RewardModel(ModelConfig(input_dim=3, objectives=["quality"], hidden=[]))
    RewardTrainer(model, _cfg(lr=0.05, epochs=30, batch_size=64)).fit(
        ratings=ratings, embeddings=([f"r{k}" for k in range(400)], x)
    )
    w = model.members[0].head.weight.detach().numpy().ravel()
    b = model.members[0].head.bias.detach().numpy().ravel()
    np.testing.assert_allclose(w, [2.0, 0.0, -1.0], atol=0.05)
    np.testing.assert_allclose(b, [1.0], atol=0.05)


def test_context_gate_learns_which_objective_applies() -> None:
    rng = np.random.default_rng(0)
    n = 3000
    x = rng.normal(size=(2 * n, 2)).astype(np.float32)
    ids = np.array([f"r{k}" for k in range(2 * n)])
    context = np.where(rng.random(n) < 0.5, "medical", "creative")
    kind = rng.choice(["safety", "novelty", "gated"], n)
    # experts: safety = x0, novelty = x1; the mixed reward follows safety in "medical"
    use = np.where(
        kind == "safety", 0, np.where(kind == "novelty", 1, np.where(context == "medical", 0, 1))
    )
    diff = x[0::2][np.arange(n), use] - x[1::2][np.arange(n), use]
    first = diff > 0
    df = pl.DataFrame(
        {
            "prompt_id": np.arange(n).astype(str),
            "chosen_id": np.where(first, ids[0::2], ids[1::2]),
            "rejected_id": np.where(first, ids[1::2], ids[0::2]),
            "objective": kind,
            "context": context,
        }
    )
    model = RewardModel(
        ModelConfig(
            input_dim=2,
            objectives=["safety", "novelty"],
            hidden=[],
            gate="context",
            contexts=["medical", "creative"],
        )
    )
    RewardTrainer(model, _cfg(epochs=6)).fit(df, (list(ids), x))
    w = model.gate_weights()
    assert w.columns == ["context", "safety", "novelty"]
    rows = {r["context"]: r for r in w.to_dicts()}
    assert rows["medical"]["safety"] > 0.8 and rows["creative"]["novelty"] > 0.8
    np.testing.assert_allclose(w["safety"] + w["novelty"], 1.0, rtol=1e-6)


def test_early_stopping_restores_best_eval_weights() -> None:
    df, ids, x, _ = _linear_pairs(400, 5, 2)
    flipped = df.with_columns(
        pl.col("chosen_id").alias("rejected_id"), pl.col("rejected_id").alias("chosen_id")
    )
    model = RewardModel(ModelConfig(input_dim=5, hidden=[]))
    # training labels oppose the eval labels: eval loss only gets worse after the first check
    tr = RewardTrainer(model, _cfg(epochs=50, batch_size=50, eval_every=2, patience=2))
    tr.fit(flipped, (ids, x), eval_comparisons=df)
    evals = [h["eval_loss"] for h in tr.history]
    assert len(tr.history) <= 4  # stopped long before 50 epochs x 8 steps
    assert tr.best_eval["eval_loss"] == min(evals)


# ------------------------------------------------------------------- evaluate()
def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_evaluate_hand_checked() -> None:
    r = [0.0, _logit(0.9), _logit(0.8), _logit(0.7), _logit(0.6)]
    model = RewardModel(ModelConfig(input_dim=5, hidden=[]))
    with torch.no_grad():
        model.members[0].head.weight.copy_(torch.tensor([r]))
        model.members[0].head.bias.zero_()
    emb = {str(k): np.eye(5, dtype=np.float32)[k] for k in range(5)}
    df = pl.DataFrame(
        {
            "prompt_id": ["a", "b", "c", "d", "e"],
            "chosen_id": ["1", "2", "0", "4", "1"],
            "rejected_id": ["0", "0", "3", "0", "2"],
            "tie": [False, False, False, False, True],
            "group": ["A", "A", "B", "B", "B"],
        }
    )
    ev = evaluate(
        model,
        df,
        emb,
        n_bins=5,
        ground_truth=pl.DataFrame({"response_id": ["0", "1", "2", "3", "4"], "overall": r}),
    )
    assert ev["n"] == 4  # the tie is excluded
    assert ev["accuracy"] == 0.75
    assert dict(zip(ev["by_group"]["group"], ev["by_group"]["accuracy"], strict=True)) == {
        "A": 1.0,
        "B": 0.5,
    }
    assert ev["worst_group_accuracy"] == 0.5
    # confidences .9 .8 .7 .6 in their own bins, correct 1 1 0 1
    assert ev["ece"] == pytest.approx((0.1 + 0.2 + 0.7 + 0.4) / 4, abs=1e-6)
    assert ev["spearman"]["overall"] == pytest.approx(1.0)


# ------------------------------------------------------------------ quick_fit, bad input
def test_quick_fit_holds_out_prompts() -> None:
    df, ids, x, _ = _linear_pairs(500, 6, 4)
    res = quick_fit(
        df,
        (ids, x),
        test_frac=0.2,
        hidden=(16,),
        train=TrainConfig(epochs=10, lr=0.01, progress=False),
    )
    assert set(res.train["prompt_id"]).isdisjoint(set(res.test["prompt_id"]))
    assert res.train.height + res.test.height == 500
    assert res.metrics["accuracy"] > 0.85


def test_bad_input_errors() -> None:
    df, ids, x, _ = _linear_pairs(20, 4, 0)
    model = RewardModel(ModelConfig(input_dim=4, hidden=[], groups=["A"], population_head=False))
    tr = RewardTrainer(model, _cfg(epochs=1))
    with pytest.raises(InputError, match="width is 3 but the model expects 4"):
        tr.fit(df, (ids, x[:, :3]))
    bad = x.copy()
    bad[5, 1] = np.nan
    with pytest.raises(InputError, match="row 5 contains NaN"):
        tr.fit(df, (ids, bad))
    with pytest.raises(InputError, match="empty"):
        tr.fit(df.head(0), (ids, x))
    with pytest.raises(InputError, match="unknown group 'Z'"):
        tr.fit(df.with_columns(group=pl.lit("Z")), (ids, x))
    with pytest.raises(InputError, match="group' is null"):
        tr.fit(df, (ids, x))
    df = df.with_columns(group=pl.lit("A"))
    with pytest.raises(InputError, match="row 0: unknown objective 'harmless'"):
        tr.fit(df.with_columns(objective=pl.lit("harmless")), (ids, x))
    with pytest.raises(InputError, match="has no embedding"):
        tr.fit(df, (ids[:-2], x[:-2]))
    with pytest.raises(SchemaError, match="chosen_id"):
        tr.fit(df.drop("chosen_id"), (ids, x))
    with pytest.raises(InputError, match="uncertainty"):
        ModelConfig(input_dim=4, uncertainty="bayes")
    with pytest.raises(InputError, match="lr"):
        TrainConfig(lr=-1)
    with pytest.raises(InputError, match="unknown group"):
        model.predict(x[:2], groups=["A", "Q"])


def test_rows_without_objective_train_the_default_output() -> None:
    from pluralign.reward.data import embedding_table, encode

    df, ids, x, _ = _linear_pairs(6, 3, 0)
    table = embedding_table((ids, x))
    gated = ModelConfig(input_dim=3, objectives=["a", "b"], gate="context", contexts=["c"])
    enc = encode(df.with_columns(context=pl.lit("c")), gated, table, "comparisons")
    assert enc.objective.tolist() == [2] * 6  # the gated mixture, output index 2
    single = ModelConfig(input_dim=3, objectives=["quality"])
    with_nulls = df.with_columns(objective=pl.Series([None, "quality"] * 3, dtype=pl.String))
    assert encode(with_nulls, single, table, "comparisons").objective.tolist() == [0] * 6
    multi = ModelConfig(input_dim=3, objectives=["a", "b"])
    with pytest.raises(InputError, match="unknown objective 'overall'"):
        encode(df, multi, table, "comparisons")


def test_trainer_checkpoint_round_trip(tmp_path) -> None:
    df, ids, x, _ = _linear_pairs(100, 3, 0)
    model = RewardModel(ModelConfig(input_dim=3, hidden=[4]))
    tr = RewardTrainer(model, _cfg(epochs=2, eval_frac=0.2, seed=5)).fit(df, (ids, x))
    back = RewardTrainer.load(tr.save(tmp_path / "ck"))
    assert back.config == tr.config and back.history == tr.history
    a, b = model.state_dict(), back.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_spearman_matches_scipy() -> None:
    from pluralign.reward.evaluation import _rank_corr as _spearman

    rng = np.random.default_rng(0)
    for _ in range(20):
        a = rng.integers(0, 5, 30).astype(float)  # many ties
        b = a + rng.normal(size=30)
        assert _spearman(a, b) == pytest.approx(spearmanr(a, b).statistic, abs=1e-12)


def test_evaluate_gaussian_probability_is_probit() -> None:
    model = RewardModel(ModelConfig(input_dim=2, hidden=[], uncertainty="gaussian"))
    with torch.no_grad():
        head = model.members[0].head  # rows: mean, log-variance
        head.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 0.0]]))
        head.bias.copy_(torch.tensor([0.0, math.log(0.5)]))
    emb = {"x": [1.0, 0.0], "y": [0.0, 0.0]}
    df = pl.DataFrame({"prompt_id": ["p"], "chosen_id": ["x"], "rejected_id": ["y"]})
    ev = evaluate(model, df, emb)
    # P = Phi((1 - 0) / sqrt(0.5 + 0.5)) = Phi(1) = 0.8413447460685429; ECE = 1 - P
    assert ev["accuracy"] == 1.0
    # (predict returns float32 standard deviations: sqrt(0.5) rounds at ~1e-8)
    assert ev["ece"] == pytest.approx(1 - 0.8413447460685429, abs=1e-7)
