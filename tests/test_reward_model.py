"""RewardModel heads, scoring and checkpoints."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from pluralign.errors import InputError
from pluralign.reward import ModelConfig, RewardModel


def _x(n: int = 6, d: int = 4, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)


def test_group_head_routes_rows_to_their_group() -> None:
    torch.manual_seed(0)
    m = RewardModel(
        ModelConfig(input_dim=4, objectives=["a", "b"], hidden=[5], groups=["g1", "g2"])
    )
    x = _x()
    mu_1, _ = m.predict(x, groups=["g1"] * 6)
    mu_2, _ = m.predict(x, groups=["g2"] * 6)
    mu_pop, _ = m.predict(x)  # no group: population head
    mixed, _ = m.predict(x, groups=["g1", "g2", None, "g1", "g2", None])
    np.testing.assert_array_equal(mixed[[0, 3]], mu_1[[0, 3]])
    np.testing.assert_array_equal(mixed[[1, 4]], mu_2[[1, 4]])
    np.testing.assert_array_equal(mixed[[2, 5]], mu_pop[[2, 5]])
    # a reference computation of slot 1 (g2) from the raw layers
    mem = m.members[0]
    with torch.no_grad():
        raw = mem.head(mem.trunk(torch.tensor(x))).view(6, 3, 2, 1)
    np.testing.assert_allclose(mu_2, raw[:, 1, :, 0].numpy(), rtol=1e-6)


def test_prompt_gate_mixture_is_weighted_sum_of_objectives() -> None:
    torch.manual_seed(0)
    m = RewardModel(
        ModelConfig(
            input_dim=4, objectives=["a", "b", "c"], hidden=[], gate="prompt", gate_input_dim=3
        )
    )
    x, p = _x(), _x(6, 3, 1)
    mu, _ = m.predict(x, prompt_embeddings=p)
    w = m.gate_weights(prompt_embeddings=p)
    assert w.columns == ["a", "b", "c"]
    wn = w.to_numpy()
    np.testing.assert_allclose(wn.sum(1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(mu[:, 3], (mu[:, :3] * wn).sum(1), rtol=1e-5, atol=1e-6)
    assert m.config.output_names == ["a", "b", "c", "gated"]
    with pytest.raises(InputError, match="prompt_embeddings"):
        m.predict(x)


def test_gaussian_ensemble_std_is_total_variance() -> None:
    torch.manual_seed(0)
    m = RewardModel(
        ModelConfig(input_dim=4, hidden=[3], uncertainty="ensemble+gaussian", n_members=3)
    )
    x = _x()
    mu, sd = m.predict(x)
    with torch.no_grad():
        mean, logvar = m(torch.tensor(x))
    means, var = mean[:, :, 0].numpy(), logvar[:, :, 0].exp().numpy()
    np.testing.assert_allclose(mu[:, 0], means.mean(1), rtol=1e-5)
    np.testing.assert_allclose(sd[:, 0] ** 2, means.var(1) + var.mean(1), rtol=1e-4)


@pytest.mark.parametrize(
    "cfg",
    [
        {"objectives": ["x", "y"], "hidden": [7, 5]},
        {"groups": ["a", "b"], "uncertainty": "ensemble", "n_members": 3, "hidden": [4]},
        {
            "gate": "context",
            "contexts": ["c1", "c2"],
            "objectives": ["x", "y"],
            "uncertainty": "gaussian",
        },
    ],
)
def test_save_load_round_trip_exactly(tmp_path, cfg) -> None:
    torch.manual_seed(1)
    m = RewardModel(ModelConfig(input_dim=4, **cfg))
    with torch.no_grad():
        for p in m.parameters():
            p.add_(torch.randn_like(p))  # not the init state
    out = m.save(tmp_path / "ckpt")
    assert json.loads((out / "config.json").read_text())["model"]["input_dim"] == 4
    back = RewardModel.load(out)
    assert back.config == m.config
    sa, sb = m.state_dict(), back.state_dict()
    assert sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)
    ctx = ["c1"] * 5 if m.config.gate == "context" else None
    np.testing.assert_array_equal(
        m.predict(_x(5), contexts=ctx)[0], back.predict(_x(5), contexts=ctx)[0]
    )
    with pytest.raises(InputError, match="not a pluralign reward checkpoint"):
        RewardModel.load(tmp_path)


def test_bad_model_input() -> None:
    m = RewardModel(ModelConfig(input_dim=4, hidden=[]))
    with pytest.raises(InputError, match="width is 5"):
        m.predict(_x(3, 5))
    bad = _x()
    bad[2, 0] = np.inf
    with pytest.raises(InputError, match="row 2"):
        m.predict(bad)
    with pytest.raises(InputError, match="no gate"):
        m.gate_weights()
    with pytest.raises(InputError, match="duplicates"):
        ModelConfig(input_dim=3, objectives=["a", "a"])
    with pytest.raises(InputError, match="contexts"):
        ModelConfig(input_dim=3, gate="context")
    with pytest.raises(InputError, match="n_members"):
        ModelConfig(input_dim=3, n_members=3)
