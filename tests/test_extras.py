"""The default install is the core (numpy, polars, pydantic); every optional extra is tested
missing, one subprocess each, with its modules blocked (``sys.modules[name] = None``, which
makes ``import name`` fail exactly as when it is not installed)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# every top-level module an extra brings (pyproject.toml [project.optional-dependencies])
EXTRAS = {
    "report": ["matplotlib", "tqdm"],
    "govern": ["scipy", "threadpoolctl"],
    "torch": ["torch", "transformers", "safetensors"],
    "ray": ["ray", "pyarrow"],
}
ALL_OPTIONAL = sorted({m for ms in EXTRAS.values() for m in ms} | {"sklearn", "pandas"})


def run_blocked(
    blocked: list[str], code: str, cwd: Path, *args: str
) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter where the modules ``blocked`` cannot be imported."""
    prelude = textwrap.dedent(f"""
        import sys
        for _m in {blocked!r}:
            sys.modules[_m] = None  # `import _m` now raises ImportError (ModuleNotFoundError)
    """)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _ok(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_core_works_without_any_extra(tmp_path: Path) -> None:
    from pluralign import data, govern, prefs

    # opinion groups take another path without scipy/threadpoolctl: the same groups
    conv = prefs.read_polis(data.polis_dir())
    sizes = govern.opinion_groups(conv.votes, seed=0).sizes()
    out = _ok(
        run_blocked(
            ALL_OPTIONAL,
            f"SIZES = {sizes!r}\n"
            + textwrap.dedent("""
        import numpy as np
        import polars as pl
        import pluralign
        from pluralign import choice, data, edge, govern, metrics, pareto, prefs, scale, stats
        from pluralign.govern import Context
        from pluralign.scale import TallyState, stream

        assert pareto.front(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])).tolist() == [True, True, False]
        p = choice.Profile.from_rankings([["a", "b"]] * 2 + [["b", "a"]])
        assert choice.schulze(p).winner == "a"
        pairs = prefs.read_pairs(data.hh_rlhf_path())          # content ids without pyarrow
        assert pairs.height == 600 and pairs["chosen_id"].str.len_chars().max() == 16
        ids = prefs.content_ids(pl.Series(["hello", None]))
        assert ids.to_list() == ["a7b6eda801e5347d", None]
        conv = prefs.read_polis(data.polis_dir())
        groups = govern.opinion_groups(conv.votes, seed=0)      # without scipy/threadpoolctl
        assert groups.sizes() == SIZES, (groups.sizes(), SIZES)
        d = edge.Arbiter(Context.builtin("medical_advice")).decide(
            [[0.95, 0.9, 0.6, 0.3], [0.5, 1.0, 1.0, 0.1]], ids=["careful", "reckless"])
        assert d.chosen == "careful"
        bt = stats.bradley_terry(pl.DataFrame({"prompt_id": ["1", "2", "3", "4"],
                                               "chosen_id": ["a", "a", "a", "b"],
                                               "rejected_id": ["b", "b", "b", "a"]}))
        assert round(bt["strength"][0], 4) == 0.5493
        st = stream.aggregate(pl.DataFrame({"prompt_id": ["1"], "chosen_id": ["a"],
                                            "rejected_id": ["b"]}), TallyState())
        assert st.finalize()["n"].to_list() == [1]
        led = govern.Ledger()
        led.append("test", {"x": 1})
        assert led.verify() == 1
        import pluralign.reward, pluralign.report                # importing never fails
        for mod in ("matplotlib", "tqdm", "scipy", "torch", "ray", "pyarrow"):
            assert mod not in sys.modules or sys.modules[mod] is None, mod
        print("core ok")
    """),
            tmp_path,
        )
    )
    assert "core ok" in out


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ("torch", "from pluralign.reward import HFEncoder"),
        ("torch", "import pluralign.reward; pluralign.reward.quick_fit"),
        ("report", "from pluralign.demo import run_demo; run_demo('out')"),
        ("report", "from pluralign.report import figure_png; figure_png(None)"),
        (
            "ray",
            "from pluralign.scale import TallyState, ray as r; r.aggregate(None, TallyState())",
        ),
    ],
)
def test_missing_extra_is_one_line_error_naming_it(extra: str, code: str, tmp_path: Path) -> None:
    proc = run_blocked(
        EXTRAS[extra],
        f"""
        from pluralign.errors import MissingDependencyError
        try:
            {code}
        except MissingDependencyError as e:
            msg = str(e)
            assert "\\n" not in msg, msg
            print("MSG", msg)
        else:
            raise SystemExit("no MissingDependencyError")
    """,
        tmp_path,
    )
    out = _ok(proc)
    assert f"pip install 'pluralign[{extra}]'" in out, out


def test_demo_without_report_extra_says_so_cleanly(tmp_path: Path) -> None:
    proc = run_blocked(
        EXTRAS["report"],
        """
        import sys
        from pluralign.cli import main
        sys.exit(main(sys.argv[1:]))
    """,
        tmp_path,
        "demo",
        "-o",
        str(tmp_path / "demo"),
        "--no-train",
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pluralign demo: error:"), proc.stderr
    assert "pip install 'pluralign[report]'" in lines[0]


def test_progress_bars_are_optional(tmp_path: Path) -> None:
    """Without tqdm, a run that asks for progress bars runs without them."""
    out = _ok(
        run_blocked(
            ["tqdm"],
            """
        from pluralign.report.pipeline import _NoBar, _progress
        assert isinstance(_progress(3, True), _NoBar)
        from pluralign._extras import tqdm_or_none
        assert tqdm_or_none(total=3) is None
        print("ok")
    """,
            tmp_path,
        )
    )
    assert "ok" in out


def test_extras_in_pyproject_match() -> None:
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["dependencies"] == ["numpy>=1.26", "polars>=1.20", "pydantic>=2.6"]
    extras = meta["optional-dependencies"]
    assert set(extras) == {"report", "govern", "torch", "ray", "all", "dev"}
    assert extras["all"] == ["pluralign[report,govern,torch,ray]"]
    named = " ".join(d for k in EXTRAS for d in extras[k])
    for mods in EXTRAS.values():
        for m in mods:
            if m != "pyarrow":  # comes with ray[data]
                assert m in named, m
    assert not any("sentence" in d for ds in extras.values() for d in ds)
    assert not any("minilm" in d.lower() for ds in extras.values() for d in ds)
