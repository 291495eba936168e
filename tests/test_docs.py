"""Every Python example in the README and the docs runs, against the fakes, as a reader would.

A page is one session, as in ``python -m asyncio``: its blocks run in order in one namespace
(top-level ``await`` allowed), so a later block may use what an earlier one defined. Before a
page runs, a FakeSimpleMDM and a FakeManageEngine are started and the variables ``from_env()``
reads point at them; the working directory is a temporary one holding the package files the
examples upload (``Surf.ipa``, ``FieldNotes.apk``). That is all the set-up there is. A block
without top-level ``await`` runs in a worker thread, so a script ending in ``anyio.run(main)``
runs as written. Whatever client a page leaves open is closed at its end.

A block that cannot run here (it talks to a real service) is preceded by the line
``<!-- docs-test: skip: <reason> -->``; each one is reported as a skipped test with its reason,
and ``MAX_SKIPPED`` caps how many there may be.
"""

from __future__ import annotations

import ast
import inspect
import logging
import os
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import attrs
import pytest

from mdmkit import MDM, Fleet
from mdmkit.http.client import NativeClient
from mdmkit.testing import FakeManageEngine, FakeSimpleMDM
from tests import docs_hooks

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
SKIP = re.compile(r"<!-- docs-test: skip: (?P<reason>.+?) -->\s*\n\Z")
MAX_SKIPPED = 6
PACKAGES = {"Surf.ipa": b"PK\x03\x04 an iOS app", "FieldNotes.apk": b"PK\x03\x04 an Android app"}
FAKE_DEVICES = 30


@attrs.frozen
class Block:
    """One fenced Python block: where it is, its code, and why it is skipped (if it is)."""

    page: str
    line: int  # of the first line of code
    code: str
    skip: str | None

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    def compiled(self) -> Any:
        """The code, compiled so that tracebacks show the page and its line numbers."""
        padded = "\n" * (self.line - 1) + self.code
        flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        return compile(padded, self.page, "exec", flags=flags, dont_inherit=True)


def read_blocks(document: Path) -> list[Block]:
    """The Python blocks of one document, in order."""
    text = document.read_text()
    page = str(document.relative_to(ROOT))
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()]
        skip = SKIP.search(before)
        line = before.count("\n") + 2
        found.append(Block(page, line, match.group(1), skip.group("reason") if skip else None))
    return found


BLOCKS = [block for document in DOCUMENTS for block in read_blocks(document)]
PAGES = sorted({block.page for block in BLOCKS if block.skip is None})
SKIPPED = [block for block in BLOCKS if block.skip is not None]


@pytest.mark.parametrize("block", BLOCKS, ids=[block.where for block in BLOCKS])
def test_block_compiles(block: Block) -> None:
    block.compiled()


@pytest.fixture
async def fakes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[FakeSimpleMDM, FakeManageEngine]]:
    """Both fakes running, the environment pointing at them, and a directory of packages."""
    for name, data in PACKAGES.items():
        (tmp_path / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("SIMPLEMDM_", "MANAGEENGINE_")):
            monkeypatch.delenv(name)
    logger = logging.getLogger("mdmkit")  # a page may set its level and add a handler
    level, handlers = logger.level, list(logger.handlers)
    try:
        async with (
            FakeSimpleMDM(devices=FAKE_DEVICES, seed=1) as simplemdm,
            FakeManageEngine(devices=FAKE_DEVICES, seed=1) as manageengine,
        ):
            for name, value in fake_environment(simplemdm, manageengine).items():
                monkeypatch.setenv(name, value)
            yield simplemdm, manageengine
    finally:
        logger.handlers[:] = handlers
        logger.setLevel(level)  # which also forgets the levels cached under the page's


def fake_environment(simplemdm: FakeSimpleMDM, manageengine: FakeManageEngine) -> dict[str, str]:
    """The variables ``SimpleMDM.from_env()`` and ``ManageEngine.from_env()`` read."""
    return {
        "SIMPLEMDM_API_KEY": simplemdm.api_key,
        "SIMPLEMDM_BASE_URL": simplemdm.url,
        "MANAGEENGINE_CLIENT_ID": manageengine.client_id,
        "MANAGEENGINE_CLIENT_SECRET": manageengine.client_secret,
        "MANAGEENGINE_REFRESH_TOKEN": manageengine.refresh_token,
        "MANAGEENGINE_BASE_URL": manageengine.base_url,
        "MANAGEENGINE_ACCOUNTS_URL": manageengine.accounts_url,
    }


async def run_block(block: Block, namespace: dict[str, Any]) -> None:
    """Run one block in the page's namespace: awaited if it awaits, else in a thread."""
    code = block.compiled()
    if code.co_flags & inspect.CO_COROUTINE:
        result = eval(code, namespace)
        if inspect.iscoroutine(result):
            await result
    else:
        await anyio.to_thread.run_sync(exec, code, namespace)


async def close_clients(namespace: dict[str, Any]) -> None:
    """Close what a page left open (a session-style page keeps its client in a variable)."""
    for value in namespace.values():
        if isinstance(value, MDM | NativeClient | Fleet):
            await value.aclose()


def describe(error: BaseException) -> str:
    """The error, and those inside an exception group."""
    if isinstance(error, BaseExceptionGroup):
        return "; ".join(describe(inner) for inner in error.exceptions)
    return f"{type(error).__name__}: {error}"


def page_blocks(page: str) -> Iterator[Block]:
    return (block for block in BLOCKS if block.page == page and block.skip is None)


@pytest.mark.anyio
@pytest.mark.parametrize("page", PAGES)
async def test_page_runs_against_the_fakes(
    page: str, fakes: tuple[FakeSimpleMDM, FakeManageEngine]
) -> None:
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    try:
        for block in page_blocks(page):
            with anyio.fail_after(60):
                try:
                    await run_block(block, namespace)
                except Exception as error:
                    pytest.fail(f"{block.where}: {describe(error)}")
    finally:
        await close_clients(namespace)
    for fake in fakes:
        assert fake.errors == [], f"{page}: a fake handler crashed"


@pytest.mark.parametrize(
    "block", SKIPPED or [None], ids=[block.where for block in SKIPPED] or ["none"]
)
def test_skipped_block(block: Block | None) -> None:
    """One skipped test per marked block, so the report names each and its reason."""
    if block is None:
        return
    pytest.skip(f"{block.where}: {block.skip}")


def test_few_blocks_are_skipped() -> None:
    assert len(SKIPPED) <= MAX_SKIPPED, [block.where for block in SKIPPED]


def test_a_skip_marker_needs_to_touch_its_block() -> None:
    text = "<!-- docs-test: skip: a reason -->\n"
    assert SKIP.search(text) is not None
    assert SKIP.search(text + "\nsome prose\n") is None


def test_the_readme_example_names_only_public_api() -> None:
    import mdmkit

    first = next(block for block in BLOCKS if block.page == "README.md")
    for imported in re.findall(r"from mdmkit import (.+)", first.code):
        for name in imported.split(","):
            assert name.strip() in mdmkit.__all__


def test_the_reference_table_lists_every_public_name() -> None:
    import mdmkit

    table = docs_hooks.names_table()
    for name in mdmkit.__all__:
        if name != "__version__":
            assert f"| [`{name}`][" in table
    page = (ROOT / "docs" / "reference" / "mdmkit.md").read_text()
    assert docs_hooks.MARKER in page


def test_the_build_fails_on_a_public_name_missing_from_the_reference() -> None:
    everything = {
        f"{package}.{name}"
        for package in docs_hooks.PACKAGES
        for name in docs_hooks.public_names(package)
    }
    assert docs_hooks.undocumented(everything) == []
    assert docs_hooks.undocumented(everything - {"mdmkit.testing.FakeClock"}) == [
        "mdmkit.testing.FakeClock"
    ]
    # an entry under the defining module counts as well
    moved = everything - {"mdmkit.Device"} | {"mdmkit.core.models.Device"}
    assert docs_hooks.undocumented(moved) == []
