"""Loss functions for reward models (all torch tensors, reduction to a per-row or scalar loss).

- :func:`bradley_terry_loss`: Bradley & Terry (1952) pairwise likelihood
  ``P(chosen > rejected) = sigmoid(r_c - r_r - margin)``; a tie targets probability 0.5
  (binary cross-entropy against 0.5), the margin form follows Touvron et al. (2023, Llama 2).
- :func:`regression_loss`: squared error on ratings with NaN labels masked out.
- :func:`mean_variance_loss`: the mean-variance ("distributional") preference likelihood of
  Siththaranjan, Laidlaw & Hadfield-Menell (2023, "Distributional Preference Learning"):
  ``P(chosen > rejected) = Phi((mu_c - mu_r) / sqrt(var_c + var_r))``.
- :func:`egalitarian_loss`: MaxMin / egalitarian aggregation of per-group losses
  (Chakraborty et al., 2024, "MaxMin-RLHF"): ``t * log(mean_g exp(L_g / t))``, which tends to
  ``max_g L_g`` as ``t -> 0`` and to the mean as ``t -> inf``.
- :func:`centering_loss`: reward centering of Eisenstein et al. (2023, "Helping or Herding?"):
  ``coef * mean((r_c + r_r)^2)`` keeps the rewards of each pair near zero mean.
"""

from __future__ import annotations

import math
from typing import Any

from pluralign.errors import InputError
from pluralign.reward._deps import require

torch = require("torch")
F = torch.nn.functional

Tensor = Any


def bradley_terry_loss(
    r_chosen: Tensor,
    r_rejected: Tensor,
    tie: Tensor | None = None,
    margin: Tensor | None = None,
) -> Tensor:
    """Per-row Bradley-Terry negative log-likelihood.

    ``-log sigmoid(r_c - r_r - margin)`` for a strict preference and
    ``-0.5 log p - 0.5 log(1 - p)`` with ``p = sigmoid(r_c - r_r)`` for a tie (target 0.5; the
    margin is not applied to ties). Returns a tensor with the shape of ``r_chosen``.
    """
    diff = r_chosen - r_rejected
    if margin is not None:
        diff = diff - margin if tie is None else diff - torch.where(tie, 0.0, 1.0) * margin
    target = torch.ones_like(diff)
    if tie is not None:
        target = torch.where(tie, torch.full_like(diff, 0.5), target)
    return F.binary_cross_entropy_with_logits(diff, target, reduction="none")


def regression_loss(pred: Tensor, target: Tensor) -> Tensor:
    """Mean squared error over the non-NaN entries of ``target`` (NaN labels are masked).

    Returns 0 (with a gradient path) when every label is NaN.
    """
    mask = ~torch.isnan(target)
    if not bool(mask.any()):
        return pred.sum() * 0.0
    return ((pred[mask] - target[mask]) ** 2).mean()


def _log_ndtr(x: Tensor) -> Tensor:
    return torch.special.log_ndtr(x)


def mean_variance_loss(
    mu_chosen: Tensor,
    logvar_chosen: Tensor,
    mu_rejected: Tensor,
    logvar_rejected: Tensor,
    tie: Tensor | None = None,
) -> Tensor:
    """Per-row NLL of the mean-variance preference model (Siththaranjan et al., 2023).

    ``p = Phi((mu_c - mu_r) / sqrt(exp(logvar_c) + exp(logvar_r)))``; loss ``-log p`` for a strict
    preference, ``-0.5 log p - 0.5 log(1-p)`` for a tie.
    """
    scale = torch.sqrt(torch.exp(logvar_chosen) + torch.exp(logvar_rejected))
    z = (mu_chosen - mu_rejected) / scale
    nll_win = -_log_ndtr(z)
    if tie is None:
        return nll_win
    nll_lose = -_log_ndtr(-z)
    return torch.where(tie, 0.5 * nll_win + 0.5 * nll_lose, nll_win)


def egalitarian_loss(group_losses: Tensor, temperature: float) -> Tensor:
    """Soft maximum of per-group losses: ``t * log(mean_g exp(L_g / t))`` (MaxMin training).

    ``temperature`` must be > 0; small values approach the worst group's loss.
    """
    if not (temperature > 0 and math.isfinite(temperature)):
        raise InputError(f"egalitarian temperature must be a positive number, got {temperature}")
    g = group_losses.shape[0]
    return temperature * (torch.logsumexp(group_losses / temperature, dim=0) - math.log(g))


def centering_loss(r_chosen: Tensor, r_rejected: Tensor, coef: float = 0.01) -> Tensor:
    """Reward-centering penalty ``coef * mean((r_c + r_r)^2)`` (Eisenstein et al., 2023)."""
    return coef * ((r_chosen + r_rejected) ** 2).mean()


__all__ = [
    "bradley_terry_loss",
    "centering_loss",
    "egalitarian_loss",
    "mean_variance_loss",
    "regression_loss",
]
