"""Issue 20's traps: the seed fixes the initial weights, ratings-only fits get an eval split and
early stopping, the population head learns from grouped rows, prompt-aware text tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

torch = pytest.importorskip("torch")

from pluralign.errors import InputError
from pluralign.reward import ModelConfig, RewardModel, RewardTrainer, TrainConfig, evaluate
from pluralign.reward.encoders import texts_by_id


def _pairs(n: int, seed: int, w: np.ndarray, groups: tuple[str, ...] = ()) -> tuple:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2 * n, len(w))).astype(np.float32)
    u = x @ w
    ids = np.array([f"{seed}_{k}" for k in range(2 * n)])
    first = u[0::2] > u[1::2]
    df = pl.DataFrame(
        {
            "prompt_id": [f"{seed}p{k}" for k in range(n)],
            "chosen_id": np.where(first, ids[0::2], ids[1::2]),
            "rejected_id": np.where(first, ids[1::2], ids[0::2]),
        }
    )
    if groups:
        df = df.with_columns(pl.Series("group", [groups[k % len(groups)] for k in range(n)]))
    return df, list(ids), x


def _weights(m: RewardModel) -> torch.Tensor:
    return torch.cat([v.flatten() for v in m.state_dict().values()])


def test_train_seed_fixes_the_initial_weights(tmp_path: Path) -> None:
    w = np.array([1.0, -2.0, 0.5, 0.0])
    df, ids, x = _pairs(200, 0, w)
    out = []
    for global_seed, train_seed in ((1, 7), (2, 7), (1, 8)):
        torch.manual_seed(global_seed)  # the global RNG differs between the first two runs
        m = RewardModel(ModelConfig(input_dim=4, hidden=[8]))
        RewardTrainer(
            m, TrainConfig(epochs=2, batch_size=32, seed=train_seed, progress=False, threads=1)
        ).fit(df, (ids, x))
        out.append(_weights(m))
    assert torch.equal(out[0], out[1])
    assert not torch.allclose(out[0], out[2])
    # a loaded (trained) model continues from its weights instead of being re-drawn
    m.save(tmp_path / "ckpt")
    loaded = RewardModel.load(tmp_path / "ckpt")
    assert loaded.trained
    before = _weights(loaded).clone()
    RewardTrainer(loaded, TrainConfig(lr=1e-9, steps=1, eval_frac=0, progress=False)).fit(
        df, (ids, x)
    )
    torch.testing.assert_close(_weights(loaded), before, atol=1e-6, rtol=0)


def test_ratings_only_fit_has_eval_split_and_early_stopping() -> None:
    rng = np.random.default_rng(0)
    n = 600
    x = rng.normal(size=(n, 5)).astype(np.float32)
    y = x @ np.array([1.0, 0.5, -1.0, 0.0, 2.0]) + rng.normal(scale=0.3, size=n)
    ids = [f"r{i}" for i in range(n)]
    ratings = pl.DataFrame(
        {"prompt_id": [f"p{i // 3}" for i in range(n)], "response_id": ids, "score": y}
    )
    m = RewardModel(ModelConfig(input_dim=5, hidden=[]))
    tr = RewardTrainer(
        m,
        TrainConfig(
            lr=0.05, epochs=200, batch_size=32, eval_frac=0.2, patience=2, progress=False, threads=1
        ),
    ).fit(ratings=ratings, embeddings=(ids, x))
    assert all("eval_loss" in h for h in tr.history)
    assert tr.best_eval is not None
    assert len(tr.history) < 200  # stopped early
    # the best eval MSE is close to the noise variance (0.09), far below the variance of y
    assert tr.best_eval["eval_loss"] < 0.2 < float(np.var(y))
    mu, _ = m.predict(x)
    assert np.corrcoef(mu[:, 0], y)[0, 1] > 0.95


def test_population_head_learns_when_every_row_has_a_group() -> None:
    w = np.array([2.0, -1.0, 0.5, 1.0, 0.0, -0.5])
    df, ids, x = _pairs(800, 0, w, groups=("a", "b"))
    test, tid, tx = _pairs(300, 1, w, groups=("a", "b"))
    assert df["group"].null_count() == 0
    m = RewardModel(ModelConfig(input_dim=6, hidden=[16], groups=["a", "b"]))
    RewardTrainer(m, TrainConfig(lr=0.01, epochs=5, batch_size=32, progress=False, threads=1)).fit(
        df, (ids, x)
    )
    emb = (ids + tid, np.concatenate([x, tx]))
    # the population head (rows without a group) ranks as well as the group heads
    pooled = evaluate(m, test.drop("group"), emb)["accuracy"]
    grouped = evaluate(m, test, emb)["accuracy"]
    assert grouped > 0.9 and pooled > 0.9


def test_texts_by_id_prompt_aware_pairs() -> None:
    df = pl.DataFrame(
        {
            "prompt_id": ["p1", "p2"],
            "prompt": ["q1", "q2"],
            "chosen_id": ["a", "b"],
            "chosen": ["A", "B"],
            "rejected_id": ["c", "d"],
            "rejected": ["C", "D"],
        }
    )
    ids, items = texts_by_id(df, None, None)
    assert dict(zip(ids, items, strict=True)) == {
        "a": ("q1", "A"),
        "b": ("q2", "B"),
        "c": ("q1", "C"),
        "d": ("q2", "D"),
    }
    ids, items = texts_by_id(df, None, None, prompt_aware=False, prompts=True)
    assert dict(zip(ids, items, strict=True)) == {
        "a": "A",
        "b": "B",
        "c": "C",
        "d": "D",
        "p1": "q1",
        "p2": "q2",
    }
    clash = df.with_columns(pl.Series("chosen_id", ["a", "a"]), pl.Series("chosen", ["A", "A"]))
    with pytest.raises(InputError, match="two different prompts"):
        texts_by_id(clash, None, None)
    with pytest.raises(InputError, match="'prompt' is not a string"):
        texts_by_id(df.with_columns(pl.Series("prompt", ["q1", None])), None, None)


def test_prompt_input_learns_a_prompt_dependent_preference() -> None:
    # half the prompts want a high first feature, half a low one: the response alone says
    # nothing (accuracy ~0.5); response + prompt embedding does
    rng = np.random.default_rng(0)

    def data(n: int, tag: str) -> tuple:
        sign = rng.choice([-1.0, 1.0], size=n)
        p = np.stack([sign, rng.normal(size=n)], 1).astype(np.float32)
        r = rng.normal(size=(2 * n, 2)).astype(np.float32)
        first = sign * (r[0::2, 0] - r[1::2, 0]) > 0
        rid = np.array([f"{tag}r{k}" for k in range(2 * n)])
        df = pl.DataFrame(
            {
                "prompt_id": [f"{tag}p{k}" for k in range(n)],
                "chosen_id": np.where(first, rid[0::2], rid[1::2]),
                "rejected_id": np.where(first, rid[1::2], rid[0::2]),
            }
        )
        return df, [*rid, *df["prompt_id"]], np.concatenate([r, p])

    train, i1, x1 = data(1500, "a")
    test, i2, x2 = data(400, "b")
    emb = (i1 + i2, np.concatenate([x1, x2]))
    accs = {}
    for aware in (False, True):
        m = RewardModel(ModelConfig(input_dim=2, hidden=[16], prompt_input=aware))
        RewardTrainer(
            m, TrainConfig(lr=0.01, epochs=15, batch_size=32, progress=False, threads=1)
        ).fit(train, emb)
        accs[aware] = evaluate(m, test, emb)["accuracy"]
    assert accs[False] < 0.6 and accs[True] > 0.9, accs
    m = RewardModel(ModelConfig(input_dim=2, prompt_input=True))
    with pytest.raises(InputError, match="prompt_embeddings"):
        m.predict(x2[:3])
    assert m.predict(x2[:3], prompt_embeddings=x2[:3])[0].shape == (3, 1)


def test_hostile_settings_are_named() -> None:
    with pytest.raises(InputError, match="seed"):
        TrainConfig(seed=-1)
    with pytest.raises(InputError, match="seed"):
        TrainConfig(seed=2**63)
    with pytest.raises(InputError, match="seed"):
        RewardModel(ModelConfig(input_dim=2)).reset_parameters("x")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="grad_accum"):
        TrainConfig(grad_accum=1.5)  # type: ignore[arg-type]


def test_minilm_pair_embedding_is_response_alone_and_in_context(tmp_path: Path) -> None:
    from pluralign.reward import HFEncoder, embed_texts

    enc = HFEncoder(normalize=True)
    assert enc.pooling == "mean" and enc.pair_features == "both" and enc.pair_dim == 768
    texts = ["Sure, here is how to do it.", "No."]
    prompts = ["How do I bake bread? Please explain the steps.", "Can you help me?"]
    cache = tmp_path / "emb.npz"
    x = embed_texts(texts, enc, prompts=prompts, cache=cache, progress=False)
    assert x.shape == (2, 768)
    np.testing.assert_allclose(x[:, :384], embed_texts(texts, enc, progress=False), atol=1e-6)
    with torch.inference_mode():
        direct = enc(list(zip(prompts, texts, strict=True))).numpy()
    np.testing.assert_allclose(x, direct, atol=1e-5)
    # the in-context half differs from the response alone and depends on the prompt; the
    # first half does not
    assert not np.allclose(x[:, :384], x[:, 384:], atol=1e-3)
    other = embed_texts(
        texts, enc, prompts=["Tell me a story.", "Tell me a story."], progress=False
    )
    np.testing.assert_allclose(other[:, :384], x[:, :384], atol=1e-6)
    assert not np.allclose(other[:, 384:], x[:, 384:], atol=1e-3)
    # cached: same numbers, and a prompt-free text is still the plain embedding
    np.testing.assert_array_equal(
        embed_texts(texts, enc, prompts=prompts, cache=cache, progress=False), x
    )
