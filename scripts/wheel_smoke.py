"""Smoke test of an installed pluralign wheel (run by scripts/wheel-check.sh in a clean venv,
from outside the source tree, with ``python -I``): the package is the installed one, the
metadata and license files are there, only the core dependencies came with it, the README's
tour gives the answers it shows, and every module imports and does one real thing."""

from __future__ import annotations

import importlib
import importlib.metadata as md
import pkgutil
import re
import sys
from pathlib import Path

import numpy as np
import pluralign
import polars as pl

readme = Path(sys.argv[1])
src = readme.parent
here = Path(pluralign.__file__).resolve()
assert src not in here.parents, f"pluralign imported from the checkout: {here}"
print(f"pluralign {pluralign.__version__} from {here.parent}")

# -- metadata, licenses, dependencies ----------------------------------------------------------
dist = md.distribution("pluralign")
meta = dist.metadata
assert meta["License-Expression"] == "MIT", meta["License-Expression"]
assert meta["Version"] == pluralign.__version__
classifiers = meta.get_all("Classifier") or []
for v in ("3.11", "3.12", "3.13"):
    assert f"Programming Language :: Python :: {v}" in classifiers, v
files = {str(f) for f in dist.files or []}
lic = {f for f in files if ".dist-info/licenses/" in f}
for need in ("LICENSE", "hh_rlhf/LICENSE", "polis/ATTRIBUTION.txt", "hh_rlhf/ATTRIBUTION.txt"):
    assert any(f.endswith(need) for f in lic), (need, sorted(lic))
for need in (
    "pluralign/data/hh_rlhf/LICENSE",
    "pluralign/data/polis/ATTRIBUTION.txt",
    "pluralign/py.typed",
    "pluralign/_core.pyi",
):
    assert any(f.endswith(need) for f in files), need
installed = {d.metadata["Name"].lower().replace("_", "-") for d in md.distributions()}
for heavy in (
    "pyarrow",
    "matplotlib",
    "tqdm",
    "scipy",
    "threadpoolctl",
    "torch",
    "ray",
    "sentence-transformers",
    "transformers",
):
    assert heavy not in installed, f"{heavy} came with the default install"
requires = [r for r in (dist.requires or []) if "extra ==" not in r]
print("default dependencies:", ", ".join(requires))

# -- the README's tour ---------------------------------------------------------------------------
blocks = re.findall(r"```python\n(.*?)```", readme.read_text(), flags=re.DOTALL)
checked = 0
for i, code in enumerate(blocks):
    ns: dict = {}
    exec(compile(code, f"README block {i}", "exec"), ns)  # noqa: S102
    for line in code.splitlines():
        stripped = line.split("#")[0].rstrip()
        m = re.search(r"#\s*(.+)$", line)
        expected = m.group(1).split(":")[0].strip() if m else None
        if (
            stripped
            and expected is not None
            and not re.match(r"^\s*\w+\s*=", stripped)
            and stripped.count("(") == stripped.count(")")
            and expected[:1] in "[('-0123456789"
        ):
            value = eval(stripped, ns)
            assert repr(value) == expected, f"README: {stripped} -> {value!r}, not {expected}"
            checked += 1
assert checked >= 10, checked
print(f"README tour: {len(blocks)} blocks, {checked} answers checked")

# -- every module imports; extras-only modules fail with MissingDependencyError ------------------
from pluralign.errors import MissingDependencyError

needs_extra = []
modules = [
    m.name
    for m in pkgutil.walk_packages(pluralign.__path__, "pluralign.")
    if m.name != "pluralign.__main__"
]  # that one runs the CLI
for name in modules:
    try:
        importlib.import_module(name)
    except MissingDependencyError as e:
        assert "\n" not in str(e) and "pip install 'pluralign[" in str(e), (name, str(e))
        needs_extra.append(name)
print(f"modules: {len(modules)} imported, extras-only: {', '.join(needs_extra)}")

# -- one real call per module --------------------------------------------------------------------
from pluralign import choice, data, edge, govern, metrics, pareto, prefs, report, reward, stats
from pluralign.scale import TallyState, stream

pts = np.array([[0.9, 0.2], [0.6, 0.6], [0.2, 0.9], [0.5, 0.5]])
assert pareto.ranks(pts).tolist() == [0, 0, 0, 1]
ap = choice.ApprovalProfile.from_sets([{"x", "y"}] * 6 + [{"z"}] * 4)
assert sorted(choice.equal_shares(ap, 2).committee) == ["x", "z"]
pairs = prefs.read_pairs(data.hh_rlhf_path())
assert pairs.height == 600
bt = stats.bradley_terry(pairs.head(50).with_columns(pl.lit("overall").alias("objective")), l2=0.1)
assert bt.height > 0
conv = prefs.read_polis(data.polis_dir())
groups = govern.opinion_groups(conv.votes, seed=0)
assert (
    len(groups.sizes()) >= 2
    and sum(groups.sizes().values()) <= conv.votes["participant_id"].n_unique()
)
ctx = govern.Context.builtin("medical_advice")
d = edge.Arbiter(ctx).decide([[0.95, 0.9, 0.6, 0.3], [0.5, 1.0, 1.0, 0.1]], ids=["a", "b"])
assert d.chosen == "a"
names = [o.name for o in ctx.objectives]
sig = edge.edge_signals(
    pl.DataFrame(
        {
            "prompt_id": [1, 1, 2, 2],
            "response_id": list("wxyz"),
            **{n: [0.95, 0.9, 0.5, 0.99][:: k % 2 * 2 - 1] for k, n in enumerate(names)},
        }
    ),
    ctx,
    response="response_id",
)
assert sig.height == 2
assert [m for m in dir(metrics) if not m.startswith("_")]
st = stream.aggregate(pairs.select("prompt_id", "chosen_id", "rejected_id"), TallyState())
assert st.finalize()["n"].sum() == 600
led = govern.Ledger()
led.append("smoke", {"ok": True}, actor="wheel-check")
assert led.verify() == 1
rep = report.Report("smoke", "wheel-check")
html = report.render_html(rep)
assert "<html" in html.lower()
for name, fn in (
    ("reward.HFEncoder", lambda: reward.HFEncoder),
    ("report.figure_png", lambda: report.figure_png(None)),
    (
        "scale.ray.aggregate",
        lambda: importlib.import_module("pluralign.scale.ray").aggregate(None, TallyState()),
    ),
):
    try:
        fn()
    except MissingDependencyError as e:
        assert "pip install 'pluralign[" in str(e), str(e)
    else:
        raise AssertionError(f"{name} worked without its extra")
print("smoke test of every module: ok")
