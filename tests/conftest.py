"""Shared test setup: anyio's pytest plugin on the asyncio backend (aiohttp needs asyncio)."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
