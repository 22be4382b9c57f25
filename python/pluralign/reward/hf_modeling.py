"""Hugging Face classes for pluralign reward models whose head is not a standard one.

This file is copied next to the weights by ``save_pretrained`` (as multi-objective reward models
on the Hub ship theirs), so it must stay self-contained: torch and transformers only, no
pluralign import. ``AutoModelForSequenceClassification.from_pretrained(folder,
trust_remote_code=True)`` loads it; pluralign itself loads such a folder with these classes
directly, without running the copied file.

The model: any ``AutoModel`` backbone, pooled ("mean" over the attention mask, or "last": the
last non-padding token), optionally L2-normalised, then an ensemble of MLP members averaged.
With ``pair_features="both"`` the pooled vector of a (prompt, response) text is
``[response read alone, response read after the prompt]`` (a plain text: ``[x, x]``).
Each member maps the pooled vector to ``num_labels`` logits, or, for a prompt-gated mixture, to
one reward per objective that a softmax gate over the pooled *prompt* mixes (pass
``prompt_input_ids`` and ``prompt_attention_mask`` then).
"""

from __future__ import annotations

from typing import Any

try:
    import torch
    from torch import nn
    from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
    from transformers.modeling_outputs import SequenceClassifierOutput
except ImportError as exc:
    # Inside pluralign without its torch extra: the library's named error. This file is also
    # copied into exported folders, where pluralign may be absent: then the ImportError stands.
    try:
        from pluralign.errors import MissingDependencyError
    except ImportError:
        raise exc from None
    raise MissingDependencyError(
        "pluralign.reward needs 'torch' and 'transformers', which are not installed: "
        "pip install 'pluralign[torch]'"
    ) from exc


class PluralignRewardConfig(PretrainedConfig):
    """``base_config``: the backbone's config as a dict; ``hidden``: member trunk widths;
    ``n_members``; ``n_heads``: outputs per member (``num_labels``, or the objectives a prompt
    gate mixes); ``gate_hidden``: width of the gate MLP (0: no gate); ``response_sep_id``: with
    mean pooling, a text holding this token twice or more ("prompt <sep> response <sep>") is
    averaged over the response's tokens only (after the first one, special tokens left out),
    as pluralign's encoder pools a (prompt, response) pair; ``pair_features``: ``"context"``
    (that vector) or ``"both"`` (``[response alone, response in context]``: the backbone runs
    again on the response's tokens wrapped in ``response_prefix_ids`` / ``response_suffix_ids``,
    the special tokens a text alone gets; a plain text is ``[x, x]``); ``gate_input_dim``: the
    gate reads that many leading features of the pooled prompt (0: all)."""

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
        pair_features: str = "context",
        response_prefix_ids: list[int] | None = None,
        response_suffix_ids: list[int] | None = None,
        gate_input_dim: int = 0,
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
        self.pair_features = str(pair_features)
        self.response_prefix_ids = [int(i) for i in (response_prefix_ids or [])]
        self.response_suffix_ids = [int(i) for i in (response_suffix_ids or [])]
        self.gate_input_dim = int(gate_input_dim)
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
        width *= 2 if config.pair_features == "both" else 1
        self.members = nn.ModuleList(
            [_Member(width, config.hidden, config.n_heads) for _ in range(config.n_members)]
        )
        self.gate = None
        if config.gate_hidden:
            self.gate = nn.Sequential(
                nn.Linear(config.gate_input_dim or width, config.gate_hidden),
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
        if self.config.pooling != "mean" or self.config.response_sep_id is None:
            x = self._pool_once(input_ids, attention_mask, attention_mask)
            return torch.cat([x, x], -1) if self.config.pair_features == "both" else x
        pair, resp = self._response(input_ids, attention_mask)
        # a pair whose response was cut away averages the whole text, as the encoder does
        use = pair & resp.any(1)
        ctx = self._pool_once(
            input_ids,
            attention_mask,
            torch.where(use[:, None], resp.to(attention_mask.dtype), attention_mask),
        )
        if self.config.pair_features != "both":
            return ctx
        # the response read alone: its tokens (already in the batch) between the special tokens
        # a text alone gets; a plain text is read as it is
        pre = input_ids.new_tensor(self.config.response_prefix_ids)
        suf = input_ids.new_tensor(self.config.response_suffix_ids)
        seqs = [
            torch.cat([pre, input_ids[i][resp[i]], suf])
            if bool(pair[i])
            else input_ids[i][attention_mask[i] > 0]
            for i in range(input_ids.shape[0])
        ]
        ids = input_ids.new_full(
            (len(seqs), max(len(q) for q in seqs)), int(self.config.pad_token_id or 0)
        )
        mask = torch.zeros_like(ids)
        for i, q in enumerate(seqs):
            ids[i, : len(q)] = q
            mask[i, : len(q)] = 1
        return torch.cat([self._pool_once(ids, mask, mask), ctx], -1)

    def _pool_once(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, keep: torch.Tensor
    ) -> torch.Tensor:
        """One backbone pass; mean over ``keep`` or the last attended token."""
        hidden = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        if self.config.pooling == "mean":
            m = keep.unsqueeze(-1).to(hidden.dtype)
            out = (hidden * m).sum(1) / m.sum(1).clamp_min(1e-9)
        else:  # the rightmost attended token: right or left padding alike
            idx = torch.arange(attention_mask.shape[1], device=hidden.device)
            last = (idx * attention_mask.to(idx.dtype)).argmax(-1)
            out = hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
        if self.config.normalize:
            out = nn.functional.normalize(out, dim=-1)
        return out

    def _response(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Which rows are pairs ("<cls> prompt <sep> response <sep>": the separator twice or
        more), and their response tokens (after the first separator, special tokens left out)."""
        sep = (ids == self.config.response_sep_id) & (mask > 0)
        after = sep.long().cumsum(1) >= 1
        after &= ~sep  # strictly after the first separator, never a separator itself
        special = torch.zeros_like(sep)
        for i in self.config.special_ids:
            special |= ids == i
        pair = sep.sum(1) >= 2
        return pair, after & ~special & (mask > 0) & pair[:, None]

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
            g = self.pool(prompt_input_ids, prompt_attention_mask)
            w = torch.softmax(self.gate(g[:, : self.gate[0].in_features]), -1)
            out = (out * w).sum(-1, keepdim=True)
        return SequenceClassifierOutput(logits=out)


__all__ = ["PluralignRewardConfig", "PluralignRewardModel"]
