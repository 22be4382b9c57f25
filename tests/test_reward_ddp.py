"""DDP: two CPU processes (torchrun, gloo) train exactly as one process does (same seed, same
global batch), with frozen embeddings and with a LoRA-tuned decoder encoder."""

from __future__ import annotations

import json
import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

WORKER = r"""
import json, os, sys
import numpy as np, polars as pl, torch
torch.set_num_threads(1)
from pluralign.reward import ModelConfig, RewardModel, RewardTrainer, TrainConfig, evaluate

def pairs(n, seed, w):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2 * n, 8)).astype(np.float32)
    u = x @ w
    ids = np.array([f"{seed}_{k}" for k in range(2 * n)])
    first = u[0::2] > u[1::2]
    return pl.DataFrame({"prompt_id": [f"{seed}p{k}" for k in range(n)],
                         "chosen_id": np.where(first, ids[0::2], ids[1::2]),
                         "rejected_id": np.where(first, ids[1::2], ids[0::2])}), list(ids), x

w = np.random.default_rng(42).normal(size=8)
train, i1, x1 = pairs(1200, 0, w)
test, i2, x2 = pairs(400, 1, w)
emb = (i1 + i2, np.concatenate([x1, x2]))
model = RewardModel(ModelConfig(input_dim=8, hidden=[16]))
RewardTrainer(model, TrainConfig(lr=0.01, epochs=6, batch_size=32, eval_frac=0.1,
                                 progress=False)).fit(train, emb)
acc = evaluate(model, test, emb)["accuracy"]
import torch.distributed as dist
world = dist.get_world_size() if dist.is_initialized() else 1
rank = dist.get_rank() if dist.is_initialized() else 0
if rank == 0:
    json.dump({"acc": acc, "world": world,
               "w": [v.flatten().tolist() for k, v in model.state_dict().items()
                     if not k.endswith("head.bias")]}, open(sys.argv[1], "w"))
if dist.is_initialized():
    dist.destroy_process_group()
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def test_torchrun_two_processes_match_one(tmp_path: Path) -> None:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    # one process: run the same script in this interpreter (torch is already imported here)
    argv = sys.argv
    try:
        sys.argv = [str(script), str(one)]
        runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv = argv
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    assert torchrun is not None, "torchrun not found next to the Python interpreter"
    proc = subprocess.run(
        [torchrun, "--standalone", "--nproc_per_node=2", str(script), str(two)],
        env=_env(),
        timeout=180,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    r1, r2 = json.loads(one.read_text()), json.loads(two.read_text())
    assert r1["world"] == 1 and r2["world"] == 2
    assert r1["acc"] > 0.9
    assert abs(r1["acc"] - r2["acc"]) <= 0.03
    _same(r1["w"], r2["w"])


def _same(a: list, b: list) -> None:
    # the same weights (the head bias, which cancels in BT, is left out by the workers)
    np.testing.assert_allclose(
        np.concatenate([np.ravel(x) for x in a]),
        np.concatenate([np.ravel(x) for x in b]),
        atol=1e-5,
        rtol=0,
    )


TUNED = r"""
import json, sys
import numpy as np, polars as pl, torch
torch.set_num_threads(1)
from pluralign.reward import HFEncoder, ModelConfig, RewardModel, RewardTrainer, TrainConfig
good = ["Thanks, happy to help!", "Great question, here is a clear answer.",
        "Sure, I explained it kindly.", "Glad you asked, this works well."]
bad = ["Go away, stupid.", "I hate this, you are dumb.", "Whatever, figure it out.",
       "That is an idiotic question."]
n = 20
df = pl.DataFrame({"prompt_id": [f"p{i}" for i in range(n)],
                   "prompt": [f"Question {i}: can you help?" for i in range(n)],
                   "chosen_id": [f"g{i}" for i in range(n)],
                   "rejected_id": [f"b{i}" for i in range(n)],
                   "chosen": [good[i % 4] for i in range(n)],
                   "rejected": [bad[(i + 1) % 4] for i in range(n)]})
enc = HFEncoder(sys.argv[2], lora=True)
model = RewardModel(ModelConfig(input_dim=enc.dim, hidden=[8]))
tr = RewardTrainer(model, TrainConfig(lr=1e-2, encoder_lr=1e-2, epochs=2, batch_size=8,
                                      eval_frac=0.2, progress=False)).fit(df, encoder=enc)
import torch.distributed as dist
world = dist.get_world_size() if dist.is_initialized() else 1
if not dist.is_initialized() or dist.get_rank() == 0:
    w = [v.flatten().tolist() for k, v in model.state_dict().items()
         if not k.endswith("head.bias")]
    w += [p.detach().flatten().tolist() for k, p in enc.named_parameters() if "lora_" in k]
    json.dump({"world": world, "w": w, "history": tr.history}, open(sys.argv[1], "w"))
if dist.is_initialized():
    dist.destroy_process_group()
"""


def test_torchrun_lora_encoder_matches_one_process(tmp_path: Path) -> None:
    from test_reward_decoder import make_tiny_decoder

    tiny = make_tiny_decoder(tmp_path / "tiny")
    script = tmp_path / "tuned.py"
    script.write_text(TUNED)
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    env = _env()
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    for out, cmd in (
        (one, [sys.executable, str(script)]),
        (
            two,
            [
                shutil.which("torchrun", path=str(Path(sys.executable).parent)),
                "--standalone",
                "--nproc_per_node=2",
                str(script),
            ],
        ),
    ):
        proc = subprocess.run(
            [*cmd, str(out), str(tiny)],
            env=env,
            timeout=300,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
    r1, r2 = json.loads(one.read_text()), json.loads(two.read_text())
    assert r1["world"] == 1 and r2["world"] == 2
    assert len(r1["history"]) == len(r2["history"]) >= 2
    for h1, h2 in zip(r1["history"], r2["history"], strict=True):
        assert abs(h1["eval_loss"] - h2["eval_loss"]) <= 1e-5
    _same(r1["w"], r2["w"])
