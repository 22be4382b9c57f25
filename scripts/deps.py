"""Print the project's runtime dependencies plus the requested extras, for `pip install`.

Used by the Makefile so the venv is set up from pyproject.toml, the one list of dependencies.
"""

import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]
deps = list(project["dependencies"])
for extra in sys.argv[1:]:
    for name in extra.split(","):
        deps += project["optional-dependencies"][name]
print(" ".join(deps))
