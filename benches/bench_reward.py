"""pluralign.reward fine-tuning MiniLM against TRL's RewardTrainer, in the same run.

    .venv/bin/python -m pytest benches/bench_reward.py --benchmark-only -q

A small version of ``reward_ratios.py`` (which prints the full table and explains the settings):
64 HH-RLHF harmless pairs (both texts <= 128 tokens), batch 4, 2 optimiser steps, fp32 CPU,
one torch thread, the whole MiniLM fine-tuned on both sides with identical optimiser settings.
Each round loads a fresh model in the (untimed) setup and times only ``fit()`` /
``trainer.train()``; one one-step warm-up run per implementation happens first, outside timing.

Groups: ``reward 1 objective`` (pluralign's single reward head vs TRL) and
``reward 5 objectives`` (pluralign's 5-objective vector head vs the same TRL single-reward
run; the issue's comparison). The conftest summary prints TRL time / pluralign time per group.
Each run's final training loss is checked to be finite and near ln 2 (a sanity guard that both
sides really trained on the same pairs from a near-zero reward start).
"""

from __future__ import annotations

import math
import os

import pytest
from _cases import MINS, record

pytest.importorskip("torch")
pytest.importorskip("trl")

from reward_ratios import load_pairs, make_build

os.environ.setdefault("HF_HUB_OFFLINE", "1")

BATCH, STEPS, MAX_LENGTH, THREADS, PAIRS = 4, 2, 128, 1, 64
G1, G5 = "reward 1 objective", "reward 5 objectives"
CASES = [
    ("pluralign-1obj", G1, "pluralign"),
    ("trl", G1, "trl"),
    ("pluralign-5obj", G5, "pluralign"),
]


@pytest.fixture(scope="module")
def pairs():
    """The shared pairs, with each implementation warmed up once (one step, untimed)."""
    import torch

    torch.set_num_threads(THREADS)
    table, _ = load_pairs(PAIRS, MAX_LENGTH)
    for impl, _, _ in CASES:
        make_build(impl, table, BATCH, 1, MAX_LENGTH, THREADS)()()
    return table


@pytest.mark.parametrize(("impl", "group", "label"), CASES, ids=[c[0] for c in CASES])
def test_reward_train(benchmark, pairs, impl: str, group: str, label: str) -> None:
    build = make_build(impl, pairs, BATCH, STEPS, MAX_LENGTH, THREADS)
    benchmark.group = group
    loss = benchmark.pedantic(
        lambda train: train(),
        setup=lambda: ((build(),), {}),
        rounds=3,
        iterations=1,
        warmup_rounds=0,
    )
    record(benchmark, label)
    if label == "trl" and group in MINS and "trl" in MINS[group]:
        MINS.setdefault(G5, {})["trl"] = MINS[group]["trl"]  # same TRL run, both groups
    assert math.isfinite(loss) and abs(loss - math.log(2)) < 0.1, loss
