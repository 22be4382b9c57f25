"""Reward models with torch: vector, group-aware, context-gated and uncertainty-aware.

torch is optional (``pip install 'pluralign[torch]'``): importing ``pluralign.reward`` always
works; touching any name below imports torch and raises MissingDependencyError without it.

Entry point for the demo / quick use (CPU, seconds)::

    from pluralign.reward import quick_fit, embed_texts
    # comparisons: canonical table (prompt_id, chosen_id, rejected_id[, objective, group, tie])
    # embeddings: (ids, matrix) / dict id -> vector / polars table (id, embedding);
    #   e.g. ids = chosen_id + rejected_id values, matrix = embed_texts(texts) (bundled MiniLM)
    res = quick_fit(comparisons, embeddings, test_frac=0.2, seed=0)
    res.model          # RewardModel: .score(emb) -> polars (<objective>, <objective>_std)
    res.metrics        # evaluate() on the prompt-disjoint held-out split (res.test):
                       #   accuracy, by_group, worst_group_accuracy, ece, ...
    res.model.save("ckpt")  # safetensors + config.json; RewardModel.load("ckpt")

Speed on a busy 2-core CPU: pass ``threads=1`` to ``embed_texts`` and ``TrainConfig`` (several
times faster for these small models there) and a ``cache="....npz"`` to ``embed_texts``.

Texts instead of embeddings: ``quick_fit(comparisons, texts=True)`` embeds the ``chosen`` /
``rejected`` columns, each after its ``prompt`` (prompt-aware, as reward models read them;
``prompt_aware=False`` for responses alone), with the bundled MiniLM (or
``encoder=HFEncoder(path)``, e.g. a decoder LM with ``lora=True``); for ~1,000 texts prefer
``embed_texts(responses, prompts=prompts, cache="emb.npz")`` once and pass ``(ids, matrix)``.

From a comparisons table with texts to saved models and metrics in one call (what
``pluralign train`` runs): ``train_reward(comparisons, out="models", groups="group")``.

Full control: ``RewardModel(ModelConfig(...))``, ``RewardTrainer(model, TrainConfig(...)).fit``,
``evaluate(model, pairs, embeddings=...)``; losses in ``pluralign.reward.losses``.

Interop and evaluation: ``model.save_pretrained(dir, encoder, output=... | context=...)`` writes a
transformers folder (``load_pretrained(dir)`` scores with it); ``trl_reward(model, encoder=...,
context=...)`` is a TRL GRPO reward function; ``evaluate(model, pairs, encoder=...)`` reports
per-subset / per-group / worst-group accuracy, ECE and a RewardBench-style score;
``audit(model, candidates, ballots)`` checks the model's picks for Pareto efficiency and
Condorcet consistency.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ModelConfig": "model",
    "RewardModel": "model",
    "TrainConfig": "trainer",
    "RewardTrainer": "trainer",
    "evaluate": "evaluation",
    "section_scores": "evaluation",
    "audit": "audit",
    "AuditResult": "audit",
    "trl_reward": "trl",
    "save_pretrained": "hf",
    "load_pretrained": "hf",
    "PretrainedReward": "hf",
    "as_scorer": "scoring",
    "HFEncoder": "encoders",
    "embed_texts": "encoders",
    "minilm_path": "encoders",
    "bradley_terry_loss": "losses",
    "regression_loss": "losses",
    "mean_variance_loss": "losses",
    "egalitarian_loss": "losses",
    "centering_loss": "losses",
    "quick_fit": "quick",
    "FitResult": "quick",
    "TextEmbedder": "pipeline",
    "train_reward": "pipeline",
}

__all__ = [
    "AuditResult",
    "FitResult",
    "HFEncoder",
    "ModelConfig",
    "PretrainedReward",
    "RewardModel",
    "RewardTrainer",
    "TextEmbedder",
    "TrainConfig",
    "as_scorer",
    "audit",
    "bradley_terry_loss",
    "centering_loss",
    "egalitarian_loss",
    "embed_texts",
    "evaluate",
    "load_pretrained",
    "mean_variance_loss",
    "minilm_path",
    "quick_fit",
    "regression_loss",
    "save_pretrained",
    "section_scores",
    "train_reward",
    "trl_reward",
]


def __getattr__(name: str) -> Any:
    mod = _EXPORTS.get(name)
    if mod is None:
        raise AttributeError(f"module 'pluralign.reward' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"pluralign.reward.{mod}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_EXPORTS))
