"""A reward function for TRL's online trainers (GRPO ``reward_funcs``; RLOO takes the same).

``trl_reward(model, context=...)`` returns ``f(prompts, completions, **kwargs) -> list[float]``,
the signature ``trl.GRPOTrainer`` calls (plain strings, or conversational lists of
``{"role", "content"}`` messages). The reward vector of each completion becomes one number:

- ``output=``: one output of the model (an objective or the gated mixture); or
- ``context=`` (a :class:`~pluralign.govern.Context`): the context's weights over its objectives
  (``min`` objectives enter negated), minus penalties for its constraint tiers. Tier ``i`` of
  ``T`` costs ``penalty * tier_scale ** (T - 1 - i)`` per unit of shortfall, so an earlier tier
  outweighs every later one: a ``threshold`` tier charges the distance below the threshold; a
  ``tolerance`` tier charges, within the completions of one prompt (a GRPO group), the distance
  below ``best - tolerance`` among the candidates that passed the earlier tiers -- the arbiter's
  lexicographic filter (:func:`pluralign.pareto.lexicographic`) turned into a graded penalty.

Each objective and the penalty are logged separately through TRL's ``log_metric`` (as
``<name>/<objective>``, averaged per logging step) and ``log_extra`` (columns of the completions
table) when the trainer passes them. ``f.last`` holds the last batch's reward vectors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pluralign.errors import InputError
from pluralign.reward.scoring import as_scorer, completion_text, context_weights


def _plan(names: list[str], context: Any, output: str | None) -> tuple[np.ndarray, list[dict]]:
    c = np.zeros(len(names))
    if context is None:
        if output is None:
            if len(names) != 1:
                raise InputError(
                    f"output: the model has outputs {names}; name one, or pass "
                    "context= to scalarize them"
                )
            output = names[0]
        if output not in names:
            raise InputError(f"output {output!r} is not one of the model's outputs {names}")
        c[names.index(output)] = 1.0
        return c, []
    c = context_weights(context, names, output)
    tiers = []
    for t in context.tiers:
        if t.objective not in names:
            raise InputError(
                f"context {context.name!r} has a tier on {t.objective!r}, which "
                f"the model does not output (outputs: {names})"
            )
        tiers.append(
            {
                "j": names.index(t.objective),
                "up": context.objective(t.objective).maximize,
                "threshold": t.threshold,
                "tolerance": t.tolerance,
                "relative": t.relative,
            }
        )
    return c, tiers


def tier_penalties(
    values: np.ndarray, keys: list[Any], tiers: list[dict], penalty: float, tier_scale: float
) -> np.ndarray:
    """Penalty per row of ``values`` (rows x outputs) for the constraint tiers (module
    docstring); ``keys`` groups the rows that compete (one prompt's completions)."""
    n = values.shape[0]
    total = np.zeros(n)
    groups: dict[Any, list[int]] = {}
    for i, k in enumerate(keys):
        groups.setdefault(k, []).append(i)
    for rows_ in groups.values():
        rows = np.asarray(rows_)
        alive = np.ones(len(rows), dtype=bool)
        for i, t in enumerate(tiers):
            lam = penalty * tier_scale ** (len(tiers) - 1 - i)
            v = values[rows, t["j"]] * (1.0 if t["up"] else -1.0)  # larger is better now
            short = np.zeros(len(rows))
            if t["threshold"] is not None:
                thr = t["threshold"] * (1.0 if t["up"] else -1.0)
                short += np.maximum(0.0, thr - v)
                if (short == 0).any():  # arbiter: candidates below a threshold drop out
                    alive &= short == 0
            if t["tolerance"] is not None and alive.any():
                best = v[alive].max()
                tol = t["tolerance"] * (abs(best) if t["relative"] else 1.0)
                gap = np.maximum(0.0, (best - tol) - v)
                short += gap
                alive &= gap == 0
            total[rows] += lam * short
    return total


def trl_reward(
    model: Any,
    *,
    encoder: Any = None,
    context: Any = None,
    output: str | None = None,
    penalty: float = 1.0,
    tier_scale: float = 10.0,
    name: str | None = None,
    batch_size: int = 32,
) -> Any:
    """A TRL reward function (module docstring). ``model``: anything
    :func:`~pluralign.reward.scoring.as_scorer` takes (a RewardModel with ``encoder=``, a
    :func:`~pluralign.reward.hf.load_pretrained` folder, a callable)."""
    for what, v in (("penalty", penalty), ("tier_scale", tier_scale)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) or v < 0:
            raise InputError(f"{what} must be a finite number >= 0, got {v!r}")
    if tier_scale < 1:
        raise InputError(f"tier_scale must be >= 1 (earlier tiers weigh more), got {tier_scale}")
    if name is not None and (not isinstance(name, str) or not name):
        raise InputError(f"name must be a non-empty string, got {name!r}")
    scorer = as_scorer(model, encoder, batch_size=batch_size)
    c, tiers = _plan(scorer.names, context, output)
    fname = name or "pluralign_" + (
        context.name if context is not None else (output or scorer.names[0])
    )

    def reward(prompts: list[Any], completions: list[Any], **kwargs: Any) -> list[float]:
        if len(prompts) != len(completions):
            raise InputError(f"prompts has {len(prompts)} rows, completions {len(completions)}")
        pairs = [
            completion_text(p, r, f"row {i}")
            for i, (p, r) in enumerate(zip(prompts, completions, strict=True))
        ]
        vec = scorer([p for p, _ in pairs], [r for _, r in pairs])
        pen = (
            tier_penalties(vec, [p for p, _ in pairs], tiers, penalty, tier_scale)
            if tiers
            else np.zeros(len(pairs))
        )
        total = vec @ c - pen
        reward.last = {  # type: ignore[attr-defined]
            "vectors": vec,
            "names": scorer.names,
            "penalty": pen,
            "reward": total,
        }
        log_metric, log_extra = kwargs.get("log_metric"), kwargs.get("log_extra")
        for j, nm in enumerate(scorer.names):
            if callable(log_metric):
                log_metric(f"{fname}/{nm}", float(vec[:, j].mean()))
            if callable(log_extra):
                log_extra(f"{fname}/{nm}", vec[:, j].tolist())
        if tiers and callable(log_metric):
            log_metric(f"{fname}/penalty", float(pen.mean()))
        return total.tolist()

    reward.__name__ = reward.__qualname__ = fname
    reward.last = None  # type: ignore[attr-defined]
    return reward


__all__ = ["tier_penalties", "trl_reward"]
