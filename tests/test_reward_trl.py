"""trl_reward: a GRPO reward function scalarizing the reward vector by a govern.Context."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from pluralign.errors import InputError
from pluralign.govern import Context
from pluralign.reward import HFEncoder, ModelConfig, RewardModel, trl_reward
from reward_tiny import tiny_decoder


def _table(scores: dict[str, list[float]]) -> object:
    """A model whose reward vectors are fixed by the response text ("r0", "r1", ...)."""

    def f(prompts: list[str], responses: list[str]) -> dict[str, list[float]]:
        idx = [int(r.strip()[1:]) for r in responses]
        return {k: [v[i] for i in idx] for k, v in scores.items()}

    f.output_names = list(scores)  # type: ignore[attr-defined]
    return f


CTX = Context.from_dict(
    {
        "name": "clinic",
        "objectives": [{"name": "safe"}, {"name": "helpful"}, {"name": "long", "direction": "min"}],
        "tiers": [
            {"objective": "safe", "threshold": 0.5},
            {"objective": "helpful", "tolerance": 0.1},
        ],
        "weights": {"values": {"safe": 0.2, "helpful": 0.6, "long": 0.2}},
    }
)


def test_context_weights_and_tier_penalties_hand_checked() -> None:
    model = _table(
        {
            "safe": [0.9, 0.3, 0.8, 0.6],
            "helpful": [0.5, 0.9, 0.45, 0.1],
            "long": [1.0, 0.0, 2.0, 0.0],
        }
    )
    f = trl_reward(model, context=CTX, penalty=1.0, tier_scale=10.0)
    assert f.__name__ == "pluralign_clinic"
    logged: dict[str, float] = {}
    extra: dict[str, list[float]] = {}
    # one prompt, four completions (one GRPO group)
    out = f(
        prompts=["q"] * 4,
        completions=["r0", "r1", "r2", "r3"],
        log_metric=logged.__setitem__,
        log_extra=extra.__setitem__,
        trainer_state=None,
    )
    base = [
        0.2 * s + 0.6 * h - 0.2 * n
        for s, h, n in [(0.9, 0.5, 1.0), (0.3, 0.9, 0.0), (0.8, 0.45, 2.0), (0.6, 0.1, 0.0)]
    ]
    # tier 1 (x10): r1 is 0.2 below the safety threshold and drops out;
    # tier 2 (x1): best helpful among r0, r2, r3 is 0.5, so the bar is 0.4: r3 is 0.3 short
    pen = [0.0, 10 * 0.2, 0.0, 0.3]
    np.testing.assert_allclose(out, np.array(base) - pen, atol=1e-12)
    assert logged["pluralign_clinic/safe"] == pytest.approx(np.mean([0.9, 0.3, 0.8, 0.6]))
    assert logged["pluralign_clinic/penalty"] == pytest.approx(np.mean(pen))
    assert extra["pluralign_clinic/long"] == [1.0, 0.0, 2.0, 0.0]
    np.testing.assert_allclose(f.last["penalty"], pen)


def test_tiers_compare_completions_of_the_same_prompt_only() -> None:
    model = _table({"safe": [0.9, 0.9], "helpful": [1.0, 0.2], "long": [0.0, 0.0]})
    f = trl_reward(model, context=CTX)
    out = f(["a", "b"], ["r0", "r1"])  # different prompts: each is its own best
    np.testing.assert_allclose(out, [0.2 * 0.9 + 0.6 * 1.0, 0.2 * 0.9 + 0.6 * 0.2])


def test_conversational_format_and_one_output() -> None:
    seen = {}

    def judge(prompts: list[str], responses: list[str]) -> list[float]:
        seen["p"], seen["r"] = prompts, responses
        return [float(len(r)) for r in responses]

    f = trl_reward(judge)
    out = f(
        prompts=[[{"role": "user", "content": "hi"}]],
        completions=[[{"role": "assistant", "content": "hello"}]],
    )
    assert seen["p"] == ["\n\nHuman: hi\n\nAssistant:"] and seen["r"] == [" hello"]
    assert out == [6.0]


def test_bad_input() -> None:
    model = _table({"safe": [1.0], "helpful": [1.0]})
    with pytest.raises(InputError, match="weighs objective 'long'"):
        trl_reward(model, context=CTX)
    with pytest.raises(InputError, match="name one"):
        trl_reward(model)
    with pytest.raises(InputError, match="'x' is not one of"):
        trl_reward(model, output="x")
    with pytest.raises(InputError, match="penalty"):
        trl_reward(model, output="safe", penalty=float("nan"))
    with pytest.raises(InputError, match="tier_scale"):
        trl_reward(model, output="safe", tier_scale=0.5)
    with pytest.raises(InputError, match="batch_size"):
        trl_reward(model, output="safe", batch_size=0)
    with pytest.raises(InputError, match="govern.Context"):
        trl_reward(model, context={"name": "x"})
    f = trl_reward(model, output="safe")
    with pytest.raises(InputError, match="completions 2"):
        f(["a"], ["r0", "r0"])
    with pytest.raises(InputError, match="row 0"):
        f([[{"role": "robot", "content": "x"}]], [[{"role": "assistant", "content": "r0"}]])
    nan = trl_reward(lambda p, r: [float("nan")] * len(p))
    with pytest.raises(InputError, match="NaN"):
        nan(["a"], ["b"])


def test_runs_inside_a_grpo_step(tmp_path: Path) -> None:
    trl = pytest.importorskip("trl")
    datasets = pytest.importorskip("datasets")
    folder = tiny_decoder(tmp_path / "tiny", "gpt2")
    enc = HFEncoder(folder)
    torch.manual_seed(0)
    rm = RewardModel(ModelConfig(input_dim=32, objectives=["safe", "helpful", "long"], hidden=[8]))
    reward = trl_reward(rm, encoder=enc, context=CTX)
    policy = transformers.AutoModelForCausalLM.from_pretrained(folder, local_files_only=True)
    tok = transformers.AutoTokenizer.from_pretrained(folder, local_files_only=True)
    data = datasets.Dataset.from_dict({"prompt": ["Hello there.", "The quick brown fox"] * 2})
    args = trl.GRPOConfig(
        output_dir=str(tmp_path / "out"),
        max_steps=1,
        per_device_train_batch_size=4,
        num_generations=2,
        max_completion_length=4,
        logging_steps=1,
        report_to=[],
        use_cpu=True,
        bf16=False,
        save_strategy="no",
        dataloader_num_workers=0,
        seed=0,
    )
    trainer = trl.GRPOTrainer(
        model=policy, reward_funcs=[reward], args=args, train_dataset=data, processing_class=tok
    )
    trainer.train()
    log = trainer.state.log_history[0]
    for name in ("safe", "helpful", "long", "penalty"):
        assert np.isfinite(log[f"pluralign_clinic/{name}"])
    assert reward.last["vectors"].shape == (4, 3)
    np.testing.assert_allclose(
        log["rewards/pluralign_clinic/mean"], np.mean(reward.last["reward"]), rtol=1e-5, atol=1e-6
    )
