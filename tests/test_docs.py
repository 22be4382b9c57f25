"""The README's tour and the docstring examples run and give the answers they show."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pluralign.choice
import pluralign.pareto
import pluralign.prefs._ids
import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


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
        if (stripped and expected is not None and not re.match(r"^\s*\w+\s*=", stripped)
                and stripped.count("(") == stripped.count(")") and expected[:1] in "[('-0123456789"):
            value = eval(stripped, ns)
            assert repr(value) == expected, f"{stripped} -> {value!r}, README says {expected}"
            checked += 1
    assert checked > 0


@pytest.mark.parametrize("module", [pluralign.pareto, pluralign.choice, pluralign.prefs._ids])
def test_docstring_examples(module) -> None:
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
