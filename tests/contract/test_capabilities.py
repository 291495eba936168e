"""What each backend cannot do is declared, and calling it raises UnsupportedOperation."""

from __future__ import annotations

import pytest

from mdmkit.core.errors import UnsupportedOperation
from mdmkit.core.models import Capability
from tests.contract.conftest import Backend

pytestmark = pytest.mark.anyio

LACKS = {"simplemdm": set(), "manageengine": {Capability.ASSIGNMENTS_LIST}}


async def test_declared_capabilities(backend: Backend) -> None:
    for member in backend.members:
        assert set(Capability) - member.capabilities == LACKS[member.vendor.value]


async def test_every_missing_capability_raises(backend: Backend) -> None:
    for member in backend.members:
        for capability in LACKS[member.vendor.value]:
            assert capability is Capability.ASSIGNMENTS_LIST  # the only gap today
            with pytest.raises(UnsupportedOperation) as info:
                await member.assignments.list().collect()
            assert info.value.vendor == member.vendor.value
            assert info.value.capability == capability.value
