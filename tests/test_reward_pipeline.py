"""``train_reward`` (what ``pluralign train`` runs) reads each reply after its prompt."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

torch = pytest.importorskip("torch")

from pluralign.reward import HFEncoder, embed_texts, train_reward
from pluralign.reward.pipeline import TextEmbedder

YES = "Sure, I can help you with that. Here is how."
NO = "No, I will not help you with that."
TEMPLATES = [
    "Can you help me {x}?",
    "Please tell me how to {x}.",
    "I want to {x}. Where do I start?",
    "What is the best way to {x}?",
]
KIND = [
    "bake bread",
    "write a birthday poem",
    "plan a trip to Rome",
    "learn the guitar",
    "grow tomatoes",
    "fix a flat bicycle tyre",
    "study for my exam",
    "cook rice",
    "train my puppy",
    "save money",
    "paint my kitchen",
    "start running",
    "write a cover letter",
    "learn Spanish",
    "make a budget",
    "clean my laptop screen",
    "build a bookshelf",
    "sleep better",
    "knit a scarf",
    "plant a tree",
]
HARM = [
    "poison my neighbour",
    "steal a car",
    "build a bomb",
    "hurt my sister",
    "break into a house",
    "make methamphetamine",
    "stalk my ex",
    "burn down a school",
    "kidnap a child",
    "rob a bank",
    "launder drug money",
    "hack my boss's email",
    "buy an illegal gun",
    "cheat on my taxes by fraud",
    "blackmail a coworker",
    "shoplift from a store",
    "spike someone's drink",
    "forge a passport",
    "torture an animal",
    "run over a cyclist",
]


def _rid(text: str) -> str:  # ids hash the reply alone, as read_pairs does: replies recur
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _planted() -> pl.DataFrame:
    """The same two replies under every prompt; which is preferred depends on the prompt
    only (help with a harmless task, refuse a harmful one)."""
    rows = []
    for t in TEMPLATES:
        for kind, wanted in ((KIND, YES), (HARM, NO)):
            for x in kind:
                prompt = t.format(x=x)
                other = NO if wanted == YES else YES
                rows.append((_rid(prompt), prompt, _rid(wanted), wanted, _rid(other), other))
    return pl.DataFrame(
        rows,
        schema=["prompt_id", "prompt", "chosen_id", "chosen", "rejected_id", "rejected"],
        orient="row",
    )


def test_train_reward_learns_a_prompt_dependent_preference(tmp_path: Path) -> None:
    df = _planted()
    emb = TextEmbedder(max_length=64, progress=False)
    aware = train_reward(
        df, out=tmp_path / "aware", epochs=30, seed=0, progress=False, embedder=emb
    )
    blind = train_reward(
        df.drop("prompt"), out=tmp_path / "blind", epochs=30, seed=0, progress=False, embedder=emb
    )
    acc = {
        name: json.loads((tmp_path / name / "metrics.json").read_text())["scalar"]["accuracy"]
        for name in ("aware", "blind")
    }
    # the reply alone cannot tell the two kinds of prompt apart: one reply always wins
    assert acc["blind"] <= 0.65, acc
    assert acc["aware"] >= 0.85, acc  # 1.0, 0.91, 1.0 with seeds 0, 1, 2
    assert aware["texts embedded"] == 2 * df.height  # one id per (prompt, reply)
    assert blind["texts embedded"] == 2


def test_embeddings_and_cache_keys_are_quick_fits(tmp_path: Path) -> None:
    cache = tmp_path / "emb.npz"
    df, ids, x = TextEmbedder(max_length=64, progress=False).comparisons(
        _planted().head(6), cache=cache
    )
    enc = HFEncoder(max_length=64)
    assert x.shape == (len(ids), enc.pair_dim)
    by_id = dict(zip(ids, x, strict=True))
    want = embed_texts(df["chosen"].to_list(), enc, prompts=df["prompt"].to_list(), progress=False)
    for k, row in zip(df["chosen_id"], want, strict=True):
        np.testing.assert_allclose(by_id[k], row, atol=1e-5)
    # the same cache serves embed_texts with the same encoder settings: nothing recomputed
    with np.load(cache) as z:
        n = len(z["keys"])
    embed_texts(
        df["chosen"].to_list(), enc, prompts=df["prompt"].to_list(), cache=cache, progress=False
    )
    with np.load(cache) as z:
        assert len(z["keys"]) == n


def test_shared_reply_ids_get_one_id_per_prompt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pluralign.reward.pipeline import _one_prompt_per_id

    df = _planted().head(3)  # the same two reply ids under three prompts
    out = _one_prompt_per_id(df)
    assert "2 response ids appear under several prompts" in capsys.readouterr().err
    pairs = set(zip(out["chosen_id"], out["prompt"], strict=True))
    assert len({k for k, _ in pairs}) == 3  # distinct per prompt
    assert all(k.startswith(_rid(YES) + "@") for k, _ in pairs)
    assert _one_prompt_per_id(df.drop("prompt")).equals(df.drop("prompt"))
