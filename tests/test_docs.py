"""Every Python example in the README and docs is valid Python (top-level await allowed)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def blocks() -> list[tuple[str, str]]:
    found = []
    for document in DOCUMENTS:
        for number, code in enumerate(BLOCK.findall(document.read_text()), start=1):
            found.append((f"{document.name}#{number}", code))
    return found


@pytest.mark.parametrize(("where", "code"), blocks(), ids=[w for w, _ in blocks()])
def test_example_compiles(where: str, code: str) -> None:
    compile(code, where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)


def test_the_readme_example_names_only_public_api() -> None:
    import mdmkit

    first = BLOCK.findall((ROOT / "README.md").read_text())[0]
    imported = re.search(r"from mdmkit import (.+)", first)
    assert imported is not None
    for name in imported.group(1).split(", "):
        assert name.strip() in mdmkit.__all__
