"""One way to score (prompt, response) texts with whatever the caller calls a reward model.

:func:`as_scorer` turns each accepted model into a :class:`Scorer`, which the TRL reward
callable, :func:`~pluralign.reward.evaluation.evaluate` and
:func:`~pluralign.reward.audit.audit` share:

- a :class:`~pluralign.reward.model.RewardModel` with its
  :class:`~pluralign.reward.encoders.HFEncoder` (``encoder=``, or ``model.encoder``): every
  output (objectives, then the gated mixture);
- a :class:`~pluralign.reward.hf.PretrainedReward` (a folder loaded by ``load_pretrained``): its
  one exported output;
- any callable ``f(prompts, responses)`` returning one score per row (a list or 1-D array,
  output ``"reward"``), or, when ``f.output_names`` lists several outputs, a 2-D array with one
  column per output or a dict ``{output: scores}`` in that order -- e.g. fixed scores for a
  hand-checked case, or a judge.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from pluralign.errors import InputError


def to_text(x: Any, where: str) -> str:
    """A prompt or completion as text: strings pass; TRL conversational lists of
    ``{"role", "content"}`` messages are rendered as HH-RLHF turns (``"\\n\\nHuman: ..."``,
    ``"\\n\\nAssistant: ..."``), the format pluralign's readers split."""
    if isinstance(x, str):
        return x
    if isinstance(x, Sequence) and all(isinstance(m, dict) for m in x):
        parts = []
        for m in x:
            role, content = m.get("role"), m.get("content")
            if not isinstance(content, str):
                raise InputError(
                    f"{where}: message content must be a string, got {type(content).__name__}"
                )
            tag = {"user": "Human", "assistant": "Assistant", "system": "System"}.get(str(role))
            if tag is None:
                raise InputError(f"{where}: unknown message role {role!r}")
            parts.append(f"\n\n{tag}: {content}")
        return "".join(parts)
    raise InputError(
        f"{where}: expected a string or a list of {{'role', 'content'}} messages, "
        f"got {type(x).__name__}"
    )


def completion_text(prompt: Any, completion: Any, where: str) -> tuple[str, str]:
    """(prompt text, response text) for one TRL row; a conversational prompt ends with the
    assistant marker and the response is the completion's content."""
    if isinstance(prompt, str) and isinstance(completion, str):
        return prompt, completion
    p = to_text(prompt, where)
    if not isinstance(completion, str):
        if (
            not isinstance(completion, Sequence)
            or len(completion) != 1
            or not isinstance(completion[0], dict)
        ):
            raise InputError(
                f"{where}: a conversational completion is a list with one assistant message"
            )
        completion = completion[0].get("content")
        if not isinstance(completion, str):
            raise InputError(f"{where}: completion content must be a string")
    return p + "\n\nAssistant:", " " + completion


class Scorer:
    """``scorer(prompts, responses, groups=None)`` -> float64 array ``(n, len(names))``."""

    def __init__(self, names: list[str], fn: Callable[..., np.ndarray]) -> None:
        self.names, self._fn = names, fn

    def __call__(
        self, prompts: list[str], responses: list[str], groups: list[Any] | None = None
    ) -> np.ndarray:
        if len(prompts) != len(responses):
            raise InputError(f"prompts has {len(prompts)} rows, responses {len(responses)}")
        for what, xs in (("prompts", prompts), ("responses", responses)):
            for i, t in enumerate(xs):
                if not isinstance(t, str):
                    raise InputError(f"{what}[{i}] is not a string ({type(t).__name__})")
        out = np.asarray(self._fn(list(prompts), list(responses), groups), dtype=np.float64)
        if out.shape != (len(prompts), len(self.names)):
            raise InputError(
                f"the model returned scores of shape {out.shape}, expected "
                f"{(len(prompts), len(self.names))}"
            )
        bad = ~np.isfinite(out).all(1)
        if bad.any():
            raise InputError(f"the model returned NaN or inf for row {int(np.flatnonzero(bad)[0])}")
        return out

    def index(self, output: str | None, what: str = "output") -> int:
        """Column of ``output`` (default: the only output, or the gated mixture)."""
        if output is None:
            if len(self.names) == 1:
                return 0
            raise InputError(f"{what}: the model has outputs {self.names}; name one")
        if output not in self.names:
            raise InputError(f"{what} {output!r} is not one of the model's outputs {self.names}")
        return self.names.index(output)


def as_scorer(model: Any, encoder: Any = None, *, batch_size: int = 32) -> Scorer:
    """A :class:`Scorer` for ``model`` (see the module docstring)."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InputError(f"batch_size must be an int >= 1, got {batch_size!r}")
    if isinstance(model, Scorer):
        return model
    if _is_pretrained_reward(model):

        def hf(p: list[str], r: list[str], g: Any) -> np.ndarray:
            return model.score(p, r, batch_size)[:, None]

        return Scorer(model.output_names, hf)
    if _is_reward_model(model):
        return _reward_model_scorer(model, encoder, batch_size)
    if callable(model):
        return _callable_scorer(model)
    raise InputError(
        "model must be a RewardModel (with encoder=), a PretrainedReward "
        f"(load_pretrained), or a callable f(prompts, responses); got "
        f"{type(model).__name__}"
    )


# The model kinds are told by class identity, not isinstance, so that this module imports
# neither model.py nor hf.py (both use it: no import cycle, and torch stays unimported).
def _is_reward_model(model: Any) -> bool:
    cls = type(model)
    return cls.__name__ == "RewardModel" and cls.__module__ == "pluralign.reward.model"


def _is_pretrained_reward(model: Any) -> bool:
    cls = type(model)
    return cls.__name__ == "PretrainedReward" and cls.__module__ == "pluralign.reward.hf"


def _reward_model_scorer(model: Any, encoder: Any, batch_size: int) -> Scorer:
    from pluralign.reward.encoders import embed_texts

    enc = encoder if encoder is not None else getattr(model, "encoder", None)
    if enc is None:
        raise InputError(
            "encoder: a RewardModel scores embeddings; pass the HFEncoder it was "
            "trained with (encoder=...)"
        )
    cfg = model.config

    def fn(p: list[str], r: list[str], groups: Any) -> np.ndarray:
        # as training embeds them: (prompt, response) pairs unless the encoder is prompt-free
        x = embed_texts(
            r,
            enc,
            batch_size=batch_size,
            progress=False,
            prompts=p if getattr(enc, "prompt_aware", True) else None,
        )
        kw: dict[str, Any] = {}
        if cfg.reads_prompt:  # a prompt gate or prompt_input: the prompt alone, [p, p] for
            # an encoder whose pairs are [alone, in context] (as training widens it)
            pe = embed_texts(p, enc, batch_size=batch_size, progress=False)
            width = cfg.gate_input_dim or cfg.input_dim
            kw["prompt_embeddings"] = np.hstack([pe] * max(width // pe.shape[1], 1))
        if cfg.gate == "context":
            raise InputError(
                "a context-gated model needs a context per row: score it with "
                "RewardModel.predict(..., contexts=...)"
            )
        if cfg.groups and groups is not None:
            kw["groups"] = groups
        return model.predict(x, **kw)[0]

    return Scorer(list(cfg.output_names), fn)


def _callable_scorer(f: Callable[..., Any]) -> Scorer:
    names = [str(n) for n in getattr(f, "output_names", None) or ["reward"]]

    def fn(p: list[str], r: list[str], g: Any) -> np.ndarray:
        out = f(p, r)
        if isinstance(out, dict):
            if [str(k) for k in out] != names:
                raise InputError(
                    f"the model returned outputs {list(out)}, but declares output_names {names}"
                )
            return np.column_stack([np.asarray(v, dtype=np.float64) for v in out.values()])
        a = np.asarray(out, dtype=np.float64)
        return a[:, None] if a.ndim == 1 else a

    return Scorer(names, fn)


def score_rows(
    model: Any,
    table: Any,
    response: str,
    *,
    encoder: Any = None,
    embeddings: Any = None,
    group: str | None = None,
    batch_size: int = 32,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Scores ``(n, outputs)``, their standard deviations (zeros unless the model reports
    them) and the output names for the responses in column ``response`` of ``table``.

    Text: the ``prompt`` column and the ``response`` column. With ``embeddings`` (a
    RewardModel only): the id column ``<response>_id`` (and ``prompt_id`` for a prompt gate,
    ``context`` for a context gate) looked up in the mapping."""
    import polars as pl

    from pluralign.errors import SchemaError

    groups = (
        table[group].cast(pl.String).to_list()
        if group is not None and group in table.columns
        else None
    )
    if embeddings is None:
        for col in ("prompt", response):
            if col not in table.columns:
                raise SchemaError(
                    f"the table lacks the text column {col!r} (or pass "
                    "embeddings= for a RewardModel)"
                )
        scorer = as_scorer(model, encoder, batch_size=batch_size)
        out = scorer(table["prompt"].to_list(), table[response].to_list(), groups)
        return out, np.zeros_like(out), scorer.names
    from pluralign.reward.data import embedding_table

    if not _is_reward_model(model):
        raise InputError("embeddings= works with a RewardModel; other models score text")
    cfg = model.config
    tab = embedding_table(embeddings, cfg.input_dim)
    kw: dict[str, Any] = {}
    if cfg.groups and groups is not None:
        kw["groups"] = groups  # an unknown group is an error, a null one the population head
    if cfg.reads_prompt:
        kw["prompt_embeddings"] = tab.matrix[tab.rows(table["prompt_id"].to_list(), "prompt_id")]
    if cfg.gate == "context":
        if "context" not in table.columns:
            raise SchemaError("the table lacks the 'context' column a context-gated model needs")
        kw["contexts"] = table["context"].to_list()
    col = response + "_id"
    if col not in table.columns:
        raise SchemaError(f"the table lacks column {col!r} (needed with embeddings=)")
    mean, sd = model.predict(tab.matrix[tab.rows(table[col].to_list(), col)], **kw)
    return mean.astype(np.float64), sd.astype(np.float64), list(cfg.output_names)


def context_weights(context: Any, names: list[str], output: Any = None) -> np.ndarray:
    """A :class:`~pluralign.govern.Context`'s weights over the outputs ``names`` (``min``
    objectives negated; outputs the context does not weigh get 0)."""
    from pluralign.govern import Context

    if output is not None:
        raise InputError("pass output= or context=, not both")
    if not isinstance(context, Context):
        raise InputError(
            f"context must be a pluralign.govern.Context, got {type(context).__name__}"
        )
    c = np.zeros(len(names))
    for name, w, up in zip(
        context.objective_names, context.weight_vector(), context.maximize, strict=True
    ):
        if w == 0:
            continue
        if name not in names:
            raise InputError(
                f"context {context.name!r} weighs objective {name!r}, which the "
                f"model does not output (outputs: {names})"
            )
        c[names.index(name)] = w if up else -w
    return c


__all__ = ["Scorer", "as_scorer", "completion_text", "context_weights", "score_rows", "to_text"]
