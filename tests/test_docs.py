"""The README's tour, every Python block of docs/*.md and the docstring examples run and give
the answers they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pluralign.choice
import pluralign.pareto
import pluralign.prefs._ids
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))


def _blocks(path: Path, lang: str = "python") -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", path.read_text(), flags=re.DOTALL)


def _readme_blocks() -> list[str]:
    return _blocks(README)


def _expected(line: str) -> str | None:
    m = re.search(r"#\s*(.+)$", line)
    return m.group(1).split(":")[0].strip() if m else None


@pytest.mark.parametrize("block", range(len(_readme_blocks())))
def test_readme_block_runs_and_matches_its_comments(block: int) -> None:
    code = _readme_blocks()[block]
    ns: dict = {}
    exec(code, ns)  # noqa: S102 - our own README; the whole block must run
    checked = 0
    for line in code.splitlines():
        stripped = line.split("#")[0].rstrip()
        expected = _expected(line)
        # A one-line expression with a literal answer in its comment is checked.
        if (
            stripped
            and expected is not None
            and not re.match(r"^\s*\w+\s*=", stripped)
            and stripped.count("(") == stripped.count(")")
            and expected[:1] in "[('-0123456789"
        ):
            value = eval(stripped, ns)
            assert repr(value) == expected, f"{stripped} -> {value!r}, README says {expected}"
            checked += 1
    assert checked > 0


def test_every_doc_has_its_python_blocks_tested() -> None:
    # pareto.md documents the API in prose and tables only; every other page shows code.
    assert {d.name for d in DOCS if _blocks(d)} >= {
        "choice.md",
        "edge.md",
        "govern.md",
        "prefs.md",
        "reward.md",
        "scale.md",
        "stats.md",
    }


@pytest.mark.parametrize("doc", [d.name for d in DOCS if _blocks(d)])
def test_doc_blocks_run(doc: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Python blocks of one page run in order in one namespace (a page builds on its earlier
    blocks), in a scratch folder where ``tests/data`` is the repository's test data."""
    (tmp_path / "tests").symlink_to(ROOT / "tests", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    ns: dict = {"__name__": f"docs_{doc[:-3]}"}
    for i, code in enumerate(_blocks(ROOT / "docs" / doc)):
        try:
            exec(compile(code, f"docs/{doc} block {i}", "exec"), ns)  # noqa: S102 - our docs
        except Exception as e:
            raise AssertionError(f"docs/{doc}, Python block {i} failed: {e!r}\n{code}") from e


def test_choice_doc_signatures_match_the_code() -> None:
    """docs/choice.md lists signatures in ``text`` blocks: the parameters shown are the real
    ones, in order, and the documented Result fields exist."""
    import dataclasses
    import inspect

    checked = 0
    for code in _blocks(ROOT / "docs" / "choice.md", "text"):
        for line in code.splitlines():
            m = re.match(r"^(?:(\w+)\.)?(\w+)\((.*?)\)\s*(->.*?)?\s*(#.*)?$", line)
            if m:
                owner = getattr(pluralign.choice, m.group(1)) if m.group(1) else pluralign.choice
                fn = getattr(owner, m.group(2))
                shown = [a.split("=")[0].strip() for a in m.group(3).split(",")]
                shown = [a for a in shown if a not in ("*", "...")]
                real = [n for n in inspect.signature(fn).parameters if n != "cls"]
                assert real[: len(shown)] == shown or (
                    "..." in m.group(3) and set(shown) <= set(real)
                ), line
                checked += 1
            f = re.match(r"^    (\w+): ", line)
            if f and "class Result" in code:
                names = {x.name for x in dataclasses.fields(pluralign.choice.Result)}
                assert f.group(1) in names, line
                checked += 1
    assert checked >= 10


@pytest.mark.parametrize("doc", [d.name for d in DOCS if _blocks(d, "toml")])
def test_doc_toml_blocks_are_valid_contexts(doc: str) -> None:
    import tomllib

    for code in _blocks(ROOT / "docs" / doc, "toml"):
        tomllib.loads(code)


# At least this many examples per module (a package counts its submodules): doctest finds only
# what a module defines itself, so a split that re-exports must not silently run fewer.
MIN_DOCTESTS = {"pluralign.pareto": 8, "pluralign.choice": 6, "pluralign.prefs._ids": 1}


@pytest.mark.parametrize("module", [pluralign.pareto, pluralign.choice, pluralign.prefs._ids])
def test_docstring_examples(module) -> None:
    mods = [module]
    if hasattr(module, "__path__"):
        mods += [
            importlib.import_module(m.name)
            for m in pkgutil.walk_packages(module.__path__, module.__name__ + ".")
        ]
    attempted = 0
    for m in mods:
        result = doctest.testmod(m, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, m.__name__
        attempted += result.attempted
    assert attempted >= MIN_DOCTESTS[module.__name__]
