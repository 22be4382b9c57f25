"""Reward losses against hand-computed values; the lazy torch import."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

from pluralign.errors import InputError
from pluralign.reward import losses as L

T = torch.tensor


def test_bradley_terry_strict_tie_and_margin() -> None:
    # -log sigmoid(1) = log(1 + e^-1)
    assert L.bradley_terry_loss(T([1.0]), T([0.0])).item() == pytest.approx(
        math.log1p(math.exp(-1)), abs=1e-6
    )
    # a tie targets 0.5: 0.5 * (log(1 + e^-1) + log(1 + e^1))
    tie = L.bradley_terry_loss(T([1.0]), T([0.0]), tie=T([True]))
    assert tie.item() == pytest.approx(
        0.5 * (math.log1p(math.exp(-1)) + math.log1p(math.e)), abs=1e-6
    )
    # a tie between equal rewards is at its minimum, log 2
    assert L.bradley_terry_loss(T([0.3]), T([0.3]), tie=T([True])).item() == pytest.approx(
        math.log(2), abs=1e-6
    )
    # margin 1 on a gap of 2 is the loss of a gap of 1; the margin is ignored on ties
    out = L.bradley_terry_loss(
        T([2.0, 2.0]), T([0.0, 0.0]), tie=T([False, True]), margin=T([1.0, 1.0])
    )
    assert out[0].item() == pytest.approx(math.log1p(math.exp(-1)), abs=1e-6)
    assert out[1].item() == pytest.approx(
        0.5 * (math.log1p(math.exp(-2)) + math.log1p(math.exp(2))), abs=1e-6
    )


def test_regression_masks_nan() -> None:
    loss = L.regression_loss(T([1.0, 2.0, 3.0]), T([1.0, float("nan"), 5.0]))
    assert loss.item() == pytest.approx(2.0)  # mean of 0^2 and 2^2
    pred = T([1.0], requires_grad=True)
    zero = L.regression_loss(pred, T([float("nan")]))
    assert zero.item() == 0.0
    zero.backward()
    assert pred.grad is not None


def test_mean_variance_likelihood() -> None:
    # mu gap 1, variances 0.5 + 0.5 -> z = 1: -log Phi(1) = -log 0.8413447460685429
    lv = T([math.log(0.5)])
    out = L.mean_variance_loss(T([1.0]), lv, T([0.0]), lv)
    assert out.item() == pytest.approx(-math.log(0.8413447460685429), abs=1e-6)
    tie = L.mean_variance_loss(T([1.0]), lv, T([0.0]), lv, tie=T([True]))
    assert tie.item() == pytest.approx(
        -0.5 * math.log(0.8413447460685429) - 0.5 * math.log(1 - 0.8413447460685429), abs=1e-5
    )
    # larger variance -> preference probability nearer 0.5 -> larger loss on a correct pair
    wide = L.mean_variance_loss(T([1.0]), T([2.0]), T([0.0]), T([2.0]))
    assert wide.item() > out.item()


def test_egalitarian_soft_max_of_group_losses() -> None:
    g = T([1.0, 3.0])
    # t = 1: log((e^1 + e^3) / 2)
    assert L.egalitarian_loss(g, 1.0).item() == pytest.approx(
        math.log((math.e + math.e**3) / 2), abs=1e-6
    )
    assert L.egalitarian_loss(g, 1e-3).item() == pytest.approx(3.0 - 1e-3 * math.log(2), abs=1e-5)
    assert L.egalitarian_loss(g, 1e4).item() == pytest.approx(2.0, abs=1e-3)
    with pytest.raises(InputError, match="temperature"):
        L.egalitarian_loss(g, 0.0)


def test_centering() -> None:
    # coef * mean((1+1)^2, (2-2)^2) = 0.5 * 2
    assert L.centering_loss(T([1.0, 2.0]), T([1.0, -2.0]), 0.5).item() == pytest.approx(1.0)


def test_import_without_torch_then_clear_error() -> None:
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import pluralign.reward as r\n"
        "from pluralign.errors import MissingDependencyError\n"
        "try:\n"
        "    r.RewardModel\n"
        "except MissingDependencyError as e:\n"
        "    assert 'pluralign[torch]' in str(e), e\n"
        "    print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert out.stdout.strip() == "ok", out.stderr
