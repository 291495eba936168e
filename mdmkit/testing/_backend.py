"""The ``anyio_backend`` default of mdmkit's pytest plugin, registered by the plugin last.

Among plugins the fixture registered later wins and entry points load in no fixed order, so
``pytest_plugin`` registers this module from ``pytest_configure``, after anyio's plugin.
"""

from __future__ import annotations

import pytest

__all__ = ["anyio_backend"]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    """asyncio, the only backend aiohttp runs on (anyio's default adds trio whenever trio is
    installed). Module-scoped like anyio's; a conftest fixture of this name overrides it."""
    return "asyncio"
