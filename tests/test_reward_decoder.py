"""Decoder LMs as reward encoders: a tiny Llama built from a config (no download), with the
bundled MiniLM's WordPiece tokenizer; last-token pooling, LoRA, gradient checkpointing,
gradient accumulation, prompt-aware templates and truncation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("peft")

from pluralign.errors import InputError
from pluralign.reward import (
    HFEncoder,
    ModelConfig,
    RewardModel,
    RewardTrainer,
    TrainConfig,
    embed_texts,
    evaluate,
    minilm_path,
)

CHAT = "{% for m in messages %}<{{ m['role'] }}> {{ m['content'] }} {% endfor %}"
GOOD = [
    "Thanks, happy to help!",
    "Great question, here is a clear answer.",
    "Sure, I explained it kindly.",
    "Glad you asked, this works well.",
]
BAD = [
    "Go away, stupid.",
    "I hate this, you are dumb.",
    "Whatever, figure it out.",
    "That is an idiotic question.",
]


def make_tiny_decoder(out: Path, *, chat: bool = True, pad: bool = True) -> Path:
    """A 2-layer, 32-wide Llama with random weights and the MiniLM tokenizer, saved to ``out``."""
    tok = transformers.AutoTokenizer.from_pretrained(minilm_path(verify=False))
    if chat:
        tok.chat_template = CHAT
    tok.eos_token = "[SEP]"
    if not pad:
        tok.pad_token = None
    cfg = transformers.LlamaConfig(
        vocab_size=tok.vocab_size,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        transformers.LlamaForCausalLM(cfg).save_pretrained(out)
    tok.save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_decoder(tmp_path_factory.mktemp("tiny") / "llama")


def pairs(n: int = 8) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "prompt_id": [f"p{i}" for i in range(n)],
            "prompt": [f"Question number {i}: can you help me?" for i in range(n)],
            "chosen_id": [f"g{i}" for i in range(n)],
            "rejected_id": [f"b{i}" for i in range(n)],
            "chosen": [GOOD[i % 4] for i in range(n)],
            "rejected": [BAD[(i + 1) % 4] for i in range(n)],
        }
    )


def test_decoder_defaults_last_token_and_chat(tiny: Path) -> None:
    import os

    env = dict(os.environ)
    enc = HFEncoder(tiny)
    assert dict(os.environ) == env  # no process-wide HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE
    assert enc.decoder and enc.pooling == "last" and enc.template == "chat" and enc.frozen
    assert enc.format("hi", "yo") == "<user> hi <assistant> yo "
    mini = HFEncoder()  # an encoder model: mean pooling, "prompt [SEP] response"
    assert not mini.decoder and mini.pooling == "mean"
    assert mini.format("hi", "yo") == "hi [SEP] yo"
    assert HFEncoder(tiny, template="Q: {prompt}\nA: {response}").format("a", "b") == "Q: a\nA: b"
    with pytest.raises(InputError, match="template"):
        HFEncoder(tiny, template="{prompt} only")
    with pytest.raises(InputError, match="pooling"):
        HFEncoder(tiny, pooling="max")
    with pytest.raises(InputError, match="dtype"):
        HFEncoder(tiny, dtype="int8")
    with pytest.raises(InputError, match="max_length"):
        HFEncoder(tiny, max_length=0)
    with pytest.raises(InputError, match="lora"):
        HFEncoder(tiny, lora="yes")
    with pytest.raises(InputError, match="lora"):
        HFEncoder(tiny, lora={"rank_typo": 4})


@pytest.mark.parametrize("side", ["right", "left"])
def test_last_token_pooling_matches_unpadded(tiny: Path, side: str) -> None:
    enc = HFEncoder(tiny)
    enc.tokenizer.padding_side = side
    texts = ["short", "a much longer text that needs padding of the other one"]
    with torch.inference_mode():
        batch = enc(texts)
        for i, t in enumerate(texts):
            tok = enc.tokenizer(t, return_tensors="pt")
            tok.pop("token_type_ids", None)
            ref = enc.model(**tok).last_hidden_state[0, -1]
            torch.testing.assert_close(batch[i], ref, atol=1e-5, rtol=0)


def test_pad_token_falls_back_to_eos(tmp_path: Path) -> None:
    path = make_tiny_decoder(tmp_path / "nopad", pad=False)
    enc = HFEncoder(path)
    assert enc.tokenizer.pad_token == "[SEP]"
    assert enc(["one", "one two three"]).shape == (2, 32)


def test_left_truncation_keeps_the_response(tiny: Path) -> None:
    enc = HFEncoder(tiny, max_length=24)
    long_prompt = " ".join(f"w{i}" for i in range(200))
    text = enc._fit_pair(long_prompt, "the final answer")
    ids = enc._ids(text)
    assert len(ids) <= 24
    assert text.endswith("<assistant> the final answer ")
    assert "w199" in text and "w0 " not in text  # the end of the prompt survives
    short = enc._fit_pair("hello", "the final answer")
    assert short == enc.format("hello", "the final answer")


def test_lora_trains_adapters_only(tiny: Path) -> None:
    enc = HFEncoder(tiny, lora={"r": 4, "lora_alpha": 8})
    assert not enc.frozen
    base = {k: v.detach().clone() for k, v in enc.named_parameters() if "lora_" not in k}
    lora = {k: v.detach().clone() for k, v in enc.named_parameters() if "lora_" in k}
    assert lora and all(not p.requires_grad for k, p in enc.named_parameters() if k in base)
    model = RewardModel(ModelConfig(input_dim=enc.dim, hidden=[]))
    df = pairs()
    RewardTrainer(
        model,
        TrainConfig(
            lr=1e-2, encoder_lr=1e-2, steps=16, batch_size=4, eval_frac=0, progress=False, threads=1
        ),
    ).fit(df, encoder=enc)
    after = dict(enc.named_parameters())
    assert all(torch.equal(base[k], after[k]) for k in base)  # base weights did not move
    moved = [k for k in lora if not torch.equal(lora[k], after[k])]
    assert len(moved) == len(lora)  # every adapter matrix trained
    assert evaluate(model, df, encoder=enc)["accuracy"] == 1.0


def _loss_and_grads(enc: HFEncoder, head: RewardModel) -> tuple[float, list]:
    df = pairs(4)
    chosen = list(zip(df["prompt"], df["chosen"], strict=True))
    rejected = list(zip(df["prompt"], df["rejected"], strict=True))
    rc = head(enc(chosen))[0][:, 0, 0]
    rr = head(enc(rejected))[0][:, 0, 0]
    loss = -torch.nn.functional.logsigmoid(rc - rr).mean()
    loss.backward()
    return float(loss.detach()), [p.grad.clone() for p in enc.parameters() if p.requires_grad]


@pytest.mark.parametrize("lora", [None, True])
def test_gradient_checkpointing_same_loss_and_grads(tiny: Path, lora: bool | None) -> None:
    out = []
    for gc in (False, True):
        enc = HFEncoder(tiny, freeze=False, lora=lora, gradient_checkpointing=gc)
        head = RewardModel(ModelConfig(input_dim=enc.dim, hidden=[])).reset_parameters(0)
        out.append(_loss_and_grads(enc, head))
    (l0, g0), (l1, g1) = out
    assert abs(l0 - l1) <= 1e-6
    assert len(g0) == len(g1) > 0
    for a, b in zip(g0, g1, strict=True):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)


def test_gradient_accumulation_equals_the_large_batch() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 6)).astype(np.float32)
    ids = [f"r{i}" for i in range(128)]
    u = x @ rng.normal(size=6)
    first = u[0::2] > u[1::2]
    df = pl.DataFrame(
        {
            "prompt_id": [f"p{i}" for i in range(64)],
            "chosen_id": np.where(first, ids[0::2], ids[1::2]),
            "rejected_id": np.where(first, ids[1::2], ids[0::2]),
        }
    )
    weights = []
    for batch, accum in ((16, 1), (8, 2), (4, 4)):
        m = RewardModel(ModelConfig(input_dim=6, hidden=[8]))
        RewardTrainer(
            m,
            TrainConfig(
                batch_size=batch, grad_accum=accum, epochs=3, eval_frac=0, progress=False, threads=1
            ),
        ).fit(df, (ids, x))
        # the head bias cancels in r_chosen - r_rejected: its gradient is rounding noise that
        # Adam scales up, so it is left out of the comparison
        weights.append(
            torch.cat(
                [
                    p.detach().flatten()
                    for k, p in m.named_parameters()
                    if not k.endswith("head.bias")
                ]
            )
        )
    # the (4, 4) and (8, 2) runs see the rows of each 16-row batch in the same order
    torch.testing.assert_close(weights[0], weights[1], atol=1e-6, rtol=0)
    torch.testing.assert_close(weights[0], weights[2], atol=1e-6, rtol=0)
    with pytest.raises(InputError, match="grad_accum"):
        TrainConfig(grad_accum=0)


def test_bf16_encoder_runs(tiny: Path) -> None:
    enc = HFEncoder(tiny, dtype="bfloat16")
    assert next(enc.model.parameters()).dtype == torch.bfloat16
    out = enc([("q", "a"), ("q", "b b")])
    assert out.dtype == torch.float32 and torch.isfinite(out).all()


def test_save_merges_lora(tiny: Path, tmp_path: Path) -> None:
    enc = HFEncoder(tiny, lora=True)
    with torch.no_grad():
        for k, p in enc.named_parameters():
            if "lora_B" in k:
                p.add_(0.05)  # a trained-looking adapter (B starts at zero)
    texts = [("q", "answer one"), ("q", "answer two is longer")]
    ref = enc(texts).detach()
    merged = HFEncoder(enc.save(tmp_path / "merged"))
    assert not merged.lora
    torch.testing.assert_close(merged(texts).detach(), ref, atol=1e-5, rtol=0)


def test_fully_cached_embed_never_loads_the_encoder(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "emb.npz"
    texts, prompts = ["answer a", "answer b"], ["q1", "q2"]
    first = embed_texts(texts, tiny, prompts=prompts, cache=cache, progress=False)
    plain = embed_texts(texts, tiny, cache=cache, progress=False)
    assert not np.allclose(first, plain)  # the prompt changes the embedding

    def refuse(*args: object, **kw: object) -> None:
        raise AssertionError("the encoder was loaded although every text is cached")

    monkeypatch.setattr(HFEncoder, "__init__", refuse)
    again = embed_texts(texts[::-1], tiny, prompts=prompts[::-1], cache=cache, progress=False)
    np.testing.assert_array_equal(again, first[::-1])
    np.testing.assert_array_equal(embed_texts(texts, tiny, cache=cache, progress=False), plain)
    with pytest.raises(AssertionError, match="loaded"):  # a new text does need the model
        embed_texts(["new"], tiny, cache=cache, progress=False)
    with pytest.raises(InputError, match="prompts"):
        embed_texts(texts, tiny, prompts=["one"], cache=cache, progress=False)
