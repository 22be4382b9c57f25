"""The import graph of ``python/pluralign`` has no cycle.

Nodes are the package's modules (a package is its ``__init__``). Every ``import`` and
``from ... import`` statement counts, at module level and inside functions, classes and
``if TYPE_CHECKING:`` blocks alike: a function-level import is still a dependency, only a
later one. ``from pkg import name`` points at the submodule ``pkg.name`` when that is a
module, else at ``pkg``. Imports of a package's parent that Python performs implicitly (a
submodule's package ``__init__`` runs first) are not edges: they would make every package
cyclic by construction.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "python" / "pluralign"


def _modules() -> dict[str, Path]:
    mods = {}
    # the Rust extension is a module too: its stub stands for it
    paths = list(ROOT.rglob("*.py")) + list(ROOT.rglob("*.pyi"))
    for path in paths:
        rel = path.relative_to(ROOT.parent).with_suffix("")
        if path.suffix == ".pyi" and path.with_suffix(".py").exists():
            continue
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


def _resolve(module: str, is_pkg: bool, level: int, target: str | None) -> str:
    base = module.split(".")
    if not is_pkg:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def import_graph() -> dict[str, set[str]]:
    """module -> the package modules it imports (see the module docstring for what counts)."""
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        if path.suffix == ".pyi":
            continue
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                src = (
                    _resolve(mod, is_pkg, node.level, node.module)
                    if node.level
                    else node.module or ""
                )
                for a in node.names:
                    sub = f"{src}.{a.name}"
                    targets.append(sub if sub in mods else src)
            for t in targets:
                # `import pluralign.x.y` binds pluralign but depends on pluralign.x.y
                while t and t not in mods and "." in t:
                    t = t.rsplit(".", 1)[0]
                if t in mods and t != mod:
                    graph[mod].add(t)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                return stack[stack.index(m) :] + [m]
            if m not in state:
                found = visit(m)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            found = visit(n)
            if found:
                return found
    return None


def test_finder_sees_a_planted_cycle() -> None:
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(g) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_graph_sees_relative_and_function_level_imports() -> None:
    g = import_graph()
    # module level, relative: prefs.readers imports prefs._io
    assert "pluralign.prefs._io" in g["pluralign.prefs.readers"]
    # two levels up: `from .._edge_batch import ...` in edge.signals
    assert "pluralign._edge_batch" in g["pluralign.edge.signals"]
    # `from . import _core` points at the extension module (its stub), not at the package
    assert "pluralign._core" in g["pluralign.choice"]
    assert "pluralign" not in g["pluralign.choice"]
    # function level: the command line imports the report only when `report` runs
    assert "pluralign.report.pipeline" in g["pluralign.cli"]
    assert len(g) > 40


def test_package_import_graph_is_acyclic() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or [])
