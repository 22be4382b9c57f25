"""Hugging Face classes for pluralign reward models whose head is not a standard one.

This file is copied next to the weights by ``save_pretrained`` (as multi-objective reward models
on the Hub ship theirs), so it must stay self-contained: torch and transformers only, no
pluralign import. ``AutoModelForSequenceClassification.from_pretrained(folder,
trust_remote_code=True)`` loads it; pluralign itself loads such a folder with these classes
directly, without running the copied file.

The model: any ``AutoModel`` backbone, pooled ("mean" over the attention mask, or "last": the
last non-padding token), optionally L2-normalised, then an ensemble of MLP members averaged.
Each member maps the pooled vector to ``num_labels`` logits, or, for a prompt-gated mixture, to
one reward per objective that a softmax gate over the pooled *prompt* mixes (pass
``prompt_input_ids`` and ``prompt_attention_mask`` then).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import SequenceClassifierOutput


class PluralignRewardConfig(PretrainedConfig):
    """``base_config``: the backbone's config as a dict; ``hidden``: member trunk widths;
    ``n_members``; ``n_heads``: outputs per member (``num_labels``, or the objectives a prompt
    gate mixes); ``gate_hidden``: width of the gate MLP (0: no gate); ``response_sep_id``: with
    mean pooling, a text holding this token twice or more ("prompt <sep> response <sep>") is
    averaged over the response's tokens only (after the first one, special tokens left out),
    as pluralign's encoder pools a (prompt, response) pair."""

    model_type = "pluralign_reward"

    def __init__(
        self,
        base_config: dict | None = None,
        pooling: str = "last",
        normalize: bool = False,
        hidden: list[int] | None = None,
        n_members: int = 1,
        n_heads: int = 1,
        gate_hidden: int = 0,
        response_sep_id: int | None = None,
        special_ids: list[int] | None = None,
        **kwargs: Any,
    ) -> None:
        self.base_config = dict(base_config or {})
        self.pooling = pooling
        self.normalize = bool(normalize)
        self.hidden = [int(h) for h in (hidden or [])]
        self.n_members = int(n_members)
        self.n_heads = int(n_heads)
        self.gate_hidden = int(gate_hidden)
        self.response_sep_id = None if response_sep_id is None else int(response_sep_id)
        self.special_ids = [int(i) for i in (special_ids or [])]
        super().__init__(**kwargs)

    def backbone_config(self) -> Any:
        cfg = dict(self.base_config)
        return AutoConfig.for_model(cfg.pop("model_type"), **cfg)


class _Member(nn.Module):
    def __init__(self, width: int, hidden: list[int], n_out: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for h in hidden:
            layers += [nn.Linear(width, h), nn.GELU()]
            width = h
        self.trunk = nn.Sequential(*layers)
        self.out = nn.Linear(width, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.trunk(x))


class PluralignRewardModel(PreTrainedModel):
    config_class = PluralignRewardConfig
    base_model_prefix = "backbone"
    supports_gradient_checkpointing = True

    def __init__(self, config: PluralignRewardConfig) -> None:
        super().__init__(config)
        self.backbone = AutoModel.from_config(config.backbone_config())
        width = int(self.backbone.config.hidden_size)
        self.members = nn.ModuleList(
            [_Member(width, config.hidden, config.n_heads) for _ in range(config.n_members)]
        )
        self.gate = None
        if config.gate_hidden:
            self.gate = nn.Sequential(
                nn.Linear(width, config.gate_hidden),
                nn.GELU(),
                nn.Linear(config.gate_hidden, config.n_heads),
            )
        self.post_init()

    def _init_weights(self, module: nn.Module) -> None:
        # the weights always come from the checkpoint; nothing to initialise here
        return

    def pool(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        hidden = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        if self.config.pooling == "mean":
            if self.config.response_sep_id is not None:
                attention_mask = self._response_mask(input_ids, attention_mask)
            m = attention_mask.unsqueeze(-1).to(hidden.dtype)
            out = (hidden * m).sum(1) / m.sum(1).clamp_min(1e-9)
        else:  # the rightmost attended token: right or left padding alike
            idx = torch.arange(attention_mask.shape[1], device=hidden.device)
            last = (idx * attention_mask.to(idx.dtype)).argmax(-1)
            out = hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
        if self.config.normalize:
            out = nn.functional.normalize(out, dim=-1)
        return out

    def _response_mask(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        sep = (ids == self.config.response_sep_id) & (mask > 0)
        after = sep.long().cumsum(1) >= 1
        after &= ~sep  # strictly after the first separator, never a separator itself
        special = torch.zeros_like(sep)
        for i in self.config.special_ids:
            special |= ids == i
        resp = after & ~special & (mask > 0)
        use = (sep.sum(1) >= 2) & resp.any(1)
        return torch.where(use[:, None], resp.to(mask.dtype), mask)

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        prompt_input_ids: torch.Tensor | None = None,
        prompt_attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        return_dict: bool | None = None,
        **kwargs: Any,
    ) -> SequenceClassifierOutput:
        if input_ids is None:
            raise ValueError("PluralignRewardModel needs input_ids")
        x = self.pool(input_ids, attention_mask)
        out = torch.stack([m(x) for m in self.members], 0).mean(0)
        if self.gate is not None:
            if prompt_input_ids is None:
                raise ValueError(
                    "this reward model gates on the prompt: pass prompt_input_ids "
                    "and prompt_attention_mask (the prompt tokenized alone)"
                )
            w = torch.softmax(self.gate(self.pool(prompt_input_ids, prompt_attention_mask)), -1)
            out = (out * w).sum(-1, keepdim=True)
        return SequenceClassifierOutput(logits=out)


__all__ = ["PluralignRewardConfig", "PluralignRewardModel"]
