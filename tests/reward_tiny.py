"""Tiny decoder LMs built from a config (no download) for the reward interop tests.

A byte-level BPE tokenizer trained on a few sentences (any text encodes) and a 2-layer Llama or
GPT-2 with random weights, saved to a folder that ``HFEncoder`` / ``transformers`` load.
"""

from __future__ import annotations

from pathlib import Path

CORPUS = [
    "Hello there.",
    "The quick brown fox jumps over the lazy dog.",
    "Human: how do I bake bread? Assistant: Mix flour, water, yeast and salt.",
    "A longer probe sentence, so that the batch needs padding.",
] * 4


def tiny_decoder(path: Path, arch: str = "llama", seed: int = 0) -> Path:
    """Write a tiny ``arch`` ("llama" or "gpt2") decoder + tokenizer to ``path``."""
    import tokenizers
    import torch
    import transformers

    tok = tokenizers.Tokenizer(tokenizers.models.BPE())
    tok.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = tokenizers.decoders.ByteLevel()
    trainer = tokenizers.trainers.BpeTrainer(
        vocab_size=320,
        special_tokens=["<pad>", "<eos>"],
        initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(CORPUS, trainer)
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>", bos_token="<eos>"
    )
    common = {
        "vocab_size": tok.get_vocab_size(),
        "pad_token_id": 0,
        "eos_token_id": 1,
        "bos_token_id": 1,
    }
    if arch == "llama":
        cfg = transformers.LlamaConfig(
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            max_position_embeddings=128,
            **common,
        )
    else:
        cfg = transformers.GPT2Config(n_embd=32, n_layer=2, n_head=4, n_positions=128, **common)
    torch.manual_seed(seed)
    model = transformers.AutoModelForCausalLM.from_config(cfg)
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    fast.save_pretrained(path)
    return path
