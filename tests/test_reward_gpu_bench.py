"""benches/reward_gpu.py: the CPU smoke run (tiny Llama from a config) prints its table; without
a GPU the default CUDA run says so and exits with status 3."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("trl")
pytest.importorskip("peft")

BENCH = Path(__file__).resolve().parents[1] / "benches" / "reward_gpu.py"


def _bench() -> object:
    spec = importlib.util.spec_from_file_location("reward_gpu", BENCH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_cpu_smoke_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _bench().main(
        [
            "--device",
            "cpu",
            "--tiny",
            "--quick",
            "--max-length",
            "64",
            "--json",
            str(tmp_path / "r.json"),
        ]
    )
    table = capsys.readouterr().out
    assert "| pluralign |" in table and "| trl |" in table
    for name in ("pluralign", "trl"):
        r = out["results"][name]
        assert r["pairs_per_s"] > 0 and r["peak_mib"] is None and 0 < r["loss"] < 5
    assert out["results"]["trl"]["time_ratio_vs_trl"] == 1.0
    assert (tmp_path / "r.json").is_file()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_without_a_gpu_it_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        _bench().main(["--tiny"])
    assert exc.value.code == 3
    assert "no CUDA GPU" in capsys.readouterr().err
