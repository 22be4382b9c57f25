"""Hugging Face export: save_pretrained -> AutoModelForSequenceClassification gives pluralign's
scores for each output kind (tiny decoders built from a config, no download)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from pluralign.errors import InputError
from pluralign.govern import Context
from pluralign.reward import (
    HFEncoder,
    ModelConfig,
    RewardModel,
    load_pretrained,
)
from reward_tiny import tiny_decoder

PROMPTS = ["Human: how do I bake bread?", "hi", "The fox asks the dog a question."]
RESPONSES = ["Mix flour, water, yeast and salt.", "Hello there.", "x"]


@pytest.fixture(scope="module")
def llama(tmp_path_factory: pytest.TempPathFactory) -> HFEncoder:
    return HFEncoder(tiny_decoder(tmp_path_factory.mktemp("llama") / "m", "llama"))


@pytest.fixture(scope="module")
def gpt2(tmp_path_factory: pytest.TempPathFactory) -> HFEncoder:
    enc = HFEncoder(tiny_decoder(tmp_path_factory.mktemp("gpt2") / "m", "gpt2"))
    assert enc.pooling == "last"  # GPT2LMHeadModel is a causal LM
    return enc


def _model(seed: int = 0, **kw: object) -> RewardModel:
    torch.manual_seed(seed)
    m = RewardModel(ModelConfig(input_dim=32, **kw))  # type: ignore[arg-type]
    with torch.no_grad():  # a clearly non-zero bias: the export must keep it
        for mem in m.members:
            mem.head.bias.add_(0.5)
    return m.eval()


def _ours(model: RewardModel, enc: HFEncoder, **kw: object) -> np.ndarray:
    x = enc.encode(RESPONSES, prompts=PROMPTS)
    return model.predict(x, **kw)[0].astype(np.float64)  # type: ignore[arg-type]


def _hf(folder: Path, enc: HFEncoder, remote: bool, prompt_gate: bool = False) -> np.ndarray:
    net = transformers.AutoModelForSequenceClassification.from_pretrained(
        folder, trust_remote_code=remote, local_files_only=True
    ).eval()
    tok = transformers.AutoTokenizer.from_pretrained(folder, local_files_only=True)
    texts = [enc.format(p, r) for p, r in zip(PROMPTS, RESPONSES, strict=True)]
    batch = tok(texts, padding=True, return_tensors="pt")
    kw = {}
    if prompt_gate:
        pb = tok(PROMPTS, padding=True, return_tensors="pt")
        kw = {"prompt_input_ids": pb["input_ids"], "prompt_attention_mask": pb["attention_mask"]}
    with torch.no_grad():
        return net(**batch, **kw).logits[:, 0].double().numpy()


def _arch(folder: Path) -> str:
    return json.loads((folder / "pluralign_reward.json").read_text())["architecture"]


def test_one_objective_custom_architecture(llama: HFEncoder, tmp_path: Path) -> None:
    # Llama's score layer has no bias and RMSNorm none to fold into: the exact custom file
    m = _model(objectives=["helpful", "harmless"], hidden=[], uncertainty="ensemble", n_members=2)
    out = m.save_pretrained(tmp_path / "rm", llama, output="harmless")
    assert _arch(out) == "custom" and (out / "hf_modeling.py").is_file()
    assert json.loads((out / "config.json").read_text())["auto_map"]
    want = _ours(m, llama)[:, 1]
    np.testing.assert_allclose(_hf(out, llama, remote=True), want, atol=1e-5)
    loaded = load_pretrained(out)  # pluralign's own classes: no remote code
    np.testing.assert_allclose(loaded.score(PROMPTS, RESPONSES), want, atol=1e-5)
    head = RewardModel.from_pretrained(out)  # the whole head, every output
    for k, v in m.state_dict().items():
        assert torch.equal(head.state_dict()[k], v)


def test_standard_architecture_folds_the_bias(gpt2: HFEncoder, tmp_path: Path) -> None:
    m = _model(objectives=["overall"], hidden=[])
    out = m.save_pretrained(tmp_path / "rm", gpt2)
    assert _arch(out) == "standard"
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["architectures"] == ["GPT2ForSequenceClassification"] and "auto_map" not in cfg
    np.testing.assert_allclose(_hf(out, gpt2, remote=False), _ours(m, gpt2)[:, 0], atol=1e-5)


def test_forced_standard_records_the_offset(llama: HFEncoder, tmp_path: Path) -> None:
    m = _model(objectives=["overall"], hidden=[])
    out = m.save_pretrained(tmp_path / "rm", llama, architecture="standard")
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["architectures"] == ["LlamaForSequenceClassification"]
    offset = cfg["pluralign_score_offset"]
    assert offset == pytest.approx(float(m.members[0].head.bias.detach()[0]), abs=1e-6)
    want = _ours(m, llama)[:, 0]
    np.testing.assert_allclose(_hf(out, llama, remote=False) + offset, want, atol=1e-5)
    np.testing.assert_allclose(load_pretrained(out).score(PROMPTS, RESPONSES), want, atol=1e-5)


def test_context_scalarization(llama: HFEncoder, tmp_path: Path) -> None:
    m = _model(objectives=["helpful", "harmless", "verbose"], hidden=[16])
    ctx = Context.from_dict(
        {
            "name": "care",
            "objectives": [
                {"name": "helpful"},
                {"name": "harmless"},
                {"name": "verbose", "direction": "min"},
            ],
            "weights": {"values": {"helpful": 0.5, "harmless": 0.3, "verbose": 0.2}},
        }
    )
    out = m.save_pretrained(tmp_path / "rm", llama, context=ctx)
    v = _ours(m, llama)
    want = 0.5 * v[:, 0] + 0.3 * v[:, 1] - 0.2 * v[:, 2]  # "min" objectives enter negated
    np.testing.assert_allclose(_hf(out, llama, remote=True), want, atol=1e-5)
    assert json.loads((out / "config.json").read_text())["id2label"] == {"0": "context:care"}


def test_prompt_gated_mixture(llama: HFEncoder, tmp_path: Path) -> None:
    m = _model(objectives=["a", "b"], hidden=[8], gate="prompt")
    out = m.save_pretrained(tmp_path / "rm", llama)  # default output: the gated mixture
    x = llama.encode(RESPONSES, prompts=PROMPTS)
    want = m.predict(x, prompt_embeddings=llama.encode(PROMPTS))[0][:, 2]
    np.testing.assert_allclose(_hf(out, llama, remote=True, prompt_gate=True), want, atol=1e-5)
    net = transformers.AutoModelForSequenceClassification.from_pretrained(
        out, trust_remote_code=True, local_files_only=True
    )
    with pytest.raises(ValueError, match="prompt_input_ids"):
        net(input_ids=torch.ones(1, 3, dtype=torch.long))


def test_context_gated_mixture_and_group_head(gpt2: HFEncoder, tmp_path: Path) -> None:
    m = _model(
        objectives=["a", "b"],
        hidden=[],
        gate="context",
        contexts=["med", "edu"],
        groups=["g1", "g2"],
    )
    with torch.no_grad():
        m.gate.weight.copy_(torch.tensor([[0.0, 0.0], [1.0, -1.0]]))
    out = m.save_pretrained(tmp_path / "rm", gpt2, gate_context="edu", group="g2")
    x = gpt2.encode(RESPONSES, prompts=PROMPTS)
    want = m.predict(x, groups=["g2"] * 3, contexts=["edu"] * 3)[0][:, 2]
    assert _arch(out) == "standard"  # a fixed context makes the mixture linear
    np.testing.assert_allclose(_hf(out, gpt2, remote=False), want, atol=1e-5)


def test_lora_is_merged(llama: HFEncoder, tmp_path: Path) -> None:
    pytest.importorskip("peft")
    enc = HFEncoder(llama.path, lora=True)
    with torch.no_grad():  # LoRA B starts at zero: move it so the adapter changes the scores
        for n, p in enc.model.named_parameters():
            if "lora_B" in n:
                p.normal_(0, 0.5)
    m = _model(objectives=["overall"], hidden=[])
    out = m.save_pretrained(tmp_path / "rm", enc)
    want = _ours(m, enc)[:, 0]
    assert np.abs(want - _ours(m, llama)[:, 0]).max() > 1e-3  # the adapter matters
    np.testing.assert_allclose(_hf(out, enc, remote=True), want, atol=1e-5)
    assert any("lora" in n for n, _ in enc.model.named_parameters())  # encoder untouched


def test_bad_export_requests(llama: HFEncoder, tmp_path: Path) -> None:
    m = _model(objectives=["a", "b"], hidden=[])
    with pytest.raises(InputError, match="output: the model has 2 objectives"):
        m.save_pretrained(tmp_path / "x", llama)
    with pytest.raises(InputError, match="'c' is not one of"):
        m.save_pretrained(tmp_path / "x", llama, output="c")
    with pytest.raises(InputError, match="not group-conditioned"):
        m.save_pretrained(tmp_path / "x", llama, output="a", group="g")
    with pytest.raises(InputError, match="architecture must be"):
        m.save_pretrained(tmp_path / "x", llama, output="a", architecture="fast")
    with pytest.raises(InputError, match="encoder: pass the HFEncoder"):
        m.save_pretrained(tmp_path / "x", output="a")
    with pytest.raises(InputError, match="standard' needs"):
        _model(hidden=[4]).save_pretrained(tmp_path / "x", llama, architecture="standard")
    with pytest.raises(InputError, match="encoder width"):
        RewardModel(ModelConfig(input_dim=8, hidden=[])).save_pretrained(tmp_path / "x", llama)
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="path must name a folder"):
        m.save_pretrained(tmp_path / "file", llama, output="a")
    with pytest.raises(InputError, match="which the model does not output"):
        m.save_pretrained(
            tmp_path / "x",
            llama,
            context=Context.from_dict({"name": "c", "objectives": [{"name": "z"}]}),
        )
    with pytest.raises(InputError, match="not a transformers folder"):
        load_pretrained(tmp_path / "missing")
    with pytest.raises(InputError, match="was not written by pluralign"):
        RewardModel.from_pretrained(tmp_path)


def test_evaluate_and_trl_agree_on_the_exported_model(llama: HFEncoder, tmp_path: Path) -> None:
    import polars as pl
    from pluralign.reward import evaluate, trl_reward

    m = _model(objectives=["helpful", "harmless"], hidden=[8])
    out = m.save_pretrained(tmp_path / "rm", llama, output="helpful")
    pairs = pl.DataFrame(
        {
            "prompt_id": ["p0", "p1", "p2"],
            "prompt": PROMPTS,
            "chosen_id": ["c0", "c1", "c2"],
            "chosen": RESPONSES,
            "rejected_id": ["r0", "r1", "r2"],
            "rejected": ["No.", "Go away.", "The lazy dog sleeps."],
        }
    )
    ours = evaluate(m, pairs, encoder=llama, output="helpful")["rows"]
    hf = evaluate(load_pretrained(out), pairs)["rows"]
    for col in ("chosen_score", "rejected_score"):
        np.testing.assert_allclose(hf[col], ours[col], atol=1e-5)
    np.testing.assert_allclose(
        trl_reward(m, encoder=llama, output="helpful")(PROMPTS, RESPONSES),
        ours["chosen_score"],
        atol=1e-5,
    )


def test_mean_pooled_encoder_averages_the_response(tmp_path: Path) -> None:
    # the bundled MiniLM reads a (prompt, response) pair as [response alone, response after
    # the prompt (mean over the response's tokens)]; the exported model finds the response
    # after the [SEP] of "{prompt} [SEP] {response}" and reads it alone too
    enc = HFEncoder()
    assert enc.pair_features == "both" and enc.pair_dim == 2 * enc.dim
    m = RewardModel(ModelConfig(input_dim=enc.pair_dim, objectives=["overall"], hidden=[4]))
    out = m.eval().save_pretrained(tmp_path / "rm", enc)
    assert _arch(out) == "custom"
    want = _ours(m, enc)[:, 0]
    np.testing.assert_allclose(_hf(out, enc, remote=True), want, atol=1e-5)
    assert np.ptp(want) > 1e-3  # not a constant
    x = enc.encode(RESPONSES)
    plain = m.predict(np.hstack([x, x]))[0][:, 0]  # a text alone: [x, x]
    loaded = load_pretrained(out)
    np.testing.assert_allclose(loaded.score_texts(RESPONSES), plain, atol=1e-5)
    np.testing.assert_allclose(loaded.score(PROMPTS, RESPONSES), want, atol=1e-5)
    assert np.abs(plain - want).max() > 1e-4  # the prompt changes the score
    custom = HFEncoder(template="Q: {prompt} A: {response}")
    with pytest.raises(InputError, match="default '\\{prompt\\} <sep> \\{response\\}'"):
        m.save_pretrained(tmp_path / "x", custom)
    with pytest.raises(InputError, match="encoder width 768 != the model's input_dim 384"):
        RewardModel(ModelConfig(input_dim=enc.dim, hidden=[])).save_pretrained(tmp_path / "y", enc)


def test_mean_pooled_both_with_a_prompt_gate(tmp_path: Path) -> None:
    enc = HFEncoder(max_length=64)
    torch.manual_seed(1)
    m = RewardModel(
        ModelConfig(input_dim=enc.pair_dim, objectives=["a", "b"], hidden=[8], gate="prompt")
    ).eval()
    out = m.save_pretrained(tmp_path / "rm", enc)
    x = enc.encode(RESPONSES, prompts=PROMPTS)
    p = enc.encode(PROMPTS)
    want = m.predict(x, prompt_embeddings=np.hstack([p, p]))[0][:, 2]
    np.testing.assert_allclose(_hf(out, enc, remote=True, prompt_gate=True), want, atol=1e-5)


def test_mean_pooled_context_features(tmp_path: Path) -> None:
    # pair_features="context": a pair is the response read after the prompt only, 384 wide
    enc = HFEncoder(pair_features="context", normalize=True)
    assert enc.pair_dim == enc.dim
    torch.manual_seed(2)
    m = RewardModel(
        ModelConfig(
            input_dim=enc.dim,
            objectives=["overall"],
            hidden=[4],
            uncertainty="ensemble",
            n_members=2,
        )
    ).eval()
    out = m.save_pretrained(tmp_path / "rm", enc)
    want = _ours(m, enc)[:, 0]
    np.testing.assert_allclose(_hf(out, enc, remote=True), want, atol=1e-5)
    plain = m.predict(enc.encode(RESPONSES))[0][:, 0]
    np.testing.assert_allclose(load_pretrained(out).score_texts(RESPONSES), plain, atol=1e-5)
