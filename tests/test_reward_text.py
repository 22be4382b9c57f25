"""Real text: the bundled MiniLM encoder, and frozen-embedding reward models on HH-RLHF."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

torch = pytest.importorskip("torch")

from pluralign.errors import InputError
from pluralign.reward import HFEncoder, TrainConfig, embed_texts, quick_fit

HH = Path(__file__).resolve().parent / "data" / "hh-rlhf" / "harmless-base-test.jsonl.gz"
TEXTS = [
    "The cat sat on the mat.",
    "I can't help with that request.",
    "Here is how to bake bread: mix flour, water, salt and yeast.",
]


@pytest.fixture(scope="module")
def minilm() -> HFEncoder:
    return HFEncoder(normalize=True, truncation_side="left")


# sentence-transformers' own SentenceTransformer(<the pinned MiniLM folder>).encode(TEXTS)
# (sentence-transformers 5, CPU), recorded once so the tests need not install it: the first 8
# components of each embedding, and the projection of each on a fixed random direction.
ST_FIRST8 = np.array(
    [
        [0.130237, -0.015773, -0.036717, 0.057986, -0.059792, 0.033054, 0.030124, 0.028927],
        [-0.069134, 0.016485, -0.067283, -0.068795, -0.024222, 0.056626, 0.020059, 0.046815],
        [0.022222, 0.00004, 0.034437, -0.051981, -0.10688, 0.022564, -0.039781, 0.01191],
    ]
)
ST_PROJ = np.array([0.238164, 0.035427, -0.963178])  # @ default_rng(0).standard_normal(384)


def test_minilm_matches_sentence_transformers(minilm: HFEncoder) -> None:
    ours = embed_texts(TEXTS, minilm, progress=False)
    assert ours.shape == (3, 384) and ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(ours[:, :8], ST_FIRST8, atol=2e-5)
    proj = ours.astype(np.float64) @ np.random.default_rng(0).standard_normal(384)
    np.testing.assert_allclose(proj, ST_PROJ, atol=1e-4)


def test_minilm_is_the_pinned_upstream_model(tmp_path: Path) -> None:
    from pluralign.errors import IntegrityError
    from pluralign.reward import _minilm, minilm_path

    path = minilm_path()
    assert (
        _minilm.SHA256["model.safetensors"]
        == "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    )
    for name, digest in _minilm.SHA256.items():
        assert _minilm.sha256_file(path / name) == digest
    # A copy with one changed byte in the weights is refused before anything loads it.
    bad = tmp_path / "model"
    bad.mkdir()
    for name in _minilm.SHA256:
        data = (path / name).read_bytes()
        if name == "model.safetensors":
            data = data[:-1] + bytes([data[-1] ^ 1])
        (bad / name).write_bytes(data)
    with pytest.raises(IntegrityError, match="model.safetensors has SHA-256"):
        _minilm.verify(bad)
    (bad / "model.safetensors").write_bytes((path / "model.safetensors").read_bytes())
    _minilm.verify(bad)  # the upstream files again
    (bad / "vocab.txt").unlink()
    with pytest.raises(IntegrityError, match="missing"):
        _minilm.verify(bad)


def test_embed_cache_and_last_token_pooling(minilm: HFEncoder, tmp_path: Path) -> None:
    cache = tmp_path / "emb.npz"
    a = embed_texts(TEXTS, minilm, cache=cache, progress=False)
    assert cache.is_file()
    b = embed_texts(TEXTS[::-1], minilm, cache=cache, progress=False)
    np.testing.assert_array_equal(a[::-1], b)
    with np.load(cache) as z:
        assert len(z["keys"]) == 3
    last = HFEncoder(minilm.path, pooling="last")
    out = last.encode(TEXTS[:2])
    with torch.inference_mode():
        tok = last.tokenizer(TEXTS[1], return_tensors="pt")
        hid = last.model(**tok).last_hidden_state[0, -1].numpy()
    np.testing.assert_allclose(out[1], hid, atol=1e-5)  # padded batch == unpadded last token
    with pytest.raises(InputError, match="texts\\[1\\]"):
        embed_texts(["ok", None], minilm, progress=False)
    with pytest.raises(InputError, match="not a local folder"):
        HFEncoder(tmp_path / "nope")


def _hh_pairs(n: int) -> tuple[pl.DataFrame, list[str], list[str]]:
    """The first n HH-RLHF harmless test pairs: prompt = dialogue before the last answer."""
    recs, ids, texts = [], [], []
    with gzip.open(HH, "rt") as fh:
        for i, line in zip(range(n), fh, strict=False):
            row = json.loads(line)
            cut_c, cut_r = (
                row["chosen"].rfind("\n\nAssistant:"),
                row["rejected"].rfind("\n\nAssistant:"),
            )
            prompt = row["chosen"][:cut_c]
            chosen = row["chosen"][cut_c + 12 :].strip()
            rejected = row["rejected"][cut_r + 12 :].strip()
            if prompt != row["rejected"][:cut_r] or chosen == rejected:
                continue
            recs.append((f"hh{i}", f"hh{i}c", f"hh{i}r"))
            ids += [f"hh{i}c", f"hh{i}r"]
            texts += [chosen, rejected]
    df = pl.DataFrame(recs, schema=["prompt_id", "chosen_id", "rejected_id"], orient="row")
    return df, ids, texts


def test_hh_rlhf_frozen_minilm_above_chance(minilm: HFEncoder) -> None:
    torch.set_num_threads(1)
    df, ids, texts = _hh_pairs(400)
    assert df.height == 400
    x = embed_texts(texts, minilm, batch_size=32, progress=False, threads=1)
    accs = []
    for seed in range(3):  # three prompt-disjoint splits, fixed seeds
        res = quick_fit(
            df,
            (ids, x),
            test_frac=0.3,
            seed=seed,
            hidden=(),
            train=TrainConfig(
                lr=1e-2, epochs=20, batch_size=32, eval_frac=0.15, seed=seed, progress=False
            ),
        )
        assert set(res.train["prompt_id"]).isdisjoint(res.test["prompt_id"])
        accs.append(res.metrics["accuracy"])
    print(f"HH-RLHF harmless held-out accuracy per split: {accs}")
    assert np.mean(accs) > 0.55


def test_fine_tune_encoder_with_heads(minilm: HFEncoder) -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    from pluralign.reward import ModelConfig, RewardModel, RewardTrainer, evaluate

    good = [
        "Thanks, happy to help!",
        "Great question, here is a clear answer.",
        "Sure, I explained it kindly.",
        "Glad you asked, this works well.",
    ]
    bad = [
        "Go away, stupid.",
        "I hate this, you are dumb.",
        "Whatever, figure it out.",
        "That is an idiotic question.",
    ]
    df = pl.DataFrame(
        {
            "prompt_id": [f"p{i}" for i in range(8)],
            "chosen_id": [f"g{i % 4}" for i in range(8)],
            "rejected_id": [f"b{(i + 1) % 4}" for i in range(8)],
            "chosen": [good[i % 4] for i in range(8)],
            "rejected": [bad[(i + 1) % 4] for i in range(8)],
        }
    )
    frozen_before = {k: v.clone() for k, v in minilm.state_dict().items()}
    tuned = HFEncoder(minilm.path, freeze=False)
    before = {k: v.clone() for k, v in tuned.state_dict().items()}
    model = RewardModel(ModelConfig(input_dim=tuned.dim, hidden=[]))
    RewardTrainer(
        model,
        TrainConfig(lr=1e-2, encoder_lr=1e-4, steps=4, batch_size=4, eval_frac=0, progress=False),
    ).fit(df, encoder=tuned)
    after = tuned.state_dict()
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    assert len(changed) > 10  # the transformer itself was trained, not only the head
    assert not tuned.model.training
    ev = evaluate(model, df, encoder=tuned)
    assert ev["accuracy"] == 1.0
    # a frozen encoder passed to fit is only used to embed: its weights do not move
    m2 = RewardModel(ModelConfig(input_dim=minilm.dim, hidden=[]))
    RewardTrainer(m2, TrainConfig(steps=2, batch_size=4, eval_frac=0, progress=False)).fit(
        df, encoder=minilm
    )
    assert all(torch.equal(frozen_before[k], v) for k, v in minilm.state_dict().items())
