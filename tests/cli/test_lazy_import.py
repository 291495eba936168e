"""``import mdmkit`` pays for nothing a program does not use, and ``mdmkit --help`` loads no
HTTP, model or terminal library; the lazy names are the same objects as before."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import mdmkit

HEAVY = ("aiohttp", "rich", "attrs", "cattrs", "authlib", "anyio", "typing")


def loaded_after(code: str) -> list[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def heavy(modules: list[str]) -> list[str]:
    return [
        m
        for m in modules
        if m.split(".")[0] in HEAVY or m.startswith(("mdmkit.core", "mdmkit.http"))
    ]


def test_import_mdmkit_loads_only_the_version() -> None:
    loaded = loaded_after("import mdmkit")
    assert [m for m in loaded if m.startswith("mdmkit")] == ["mdmkit", "mdmkit._version"]
    assert heavy(loaded) == []


def test_mdmkit_help_loads_no_http_models_or_terminal_library() -> None:
    loaded = loaded_after(
        "from mdmkit.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert heavy(loaded) == []
    assert "mdmkit.cli.app" in loaded  # the probe did build the whole parser


def test_a_public_name_loads_its_module_on_first_use() -> None:
    loaded = loaded_after("import mdmkit\nmdmkit.Platform")
    assert "mdmkit.core.models" in loaded
    assert "aiohttp" not in loaded  # a model does not need the HTTP engine


@pytest.mark.parametrize("name", sorted(set(mdmkit.__all__) - {"__version__"}))
def test_every_public_name_is_the_object_its_home_module_defines(name: str) -> None:
    value = getattr(mdmkit, name)
    home = importlib.import_module(mdmkit._WHERE[name])
    assert value is getattr(home, name)


def test_star_import_dir_and_subpackages() -> None:
    namespace: dict[str, object] = {}
    exec("from mdmkit import *", namespace)
    assert set(mdmkit.__all__) <= set(namespace)
    assert set(mdmkit.__all__) <= set(dir(mdmkit))
    assert mdmkit.simplemdm.SimpleMDM is mdmkit.SimpleMDM
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = mdmkit.Nope


def test_the_type_checking_imports_name_the_same_homes_as_the_lazy_table() -> None:
    """What mypy and IDEs see (the TYPE_CHECKING imports) is exactly what runs lazily."""
    tree = ast.parse(Path(mdmkit.__file__).read_text())
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    )
    seen = {
        alias.name: node.module
        for node in block.body
        if isinstance(node, ast.ImportFrom) and node.module != "typing"
        for alias in node.names
    }
    assert seen == mdmkit._WHERE
    assert set(seen) | {"__version__"} == set(mdmkit.__all__)
