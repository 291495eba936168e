"""The checks every backend shares, run before anything is sent."""

from __future__ import annotations

import pytest

from mdmkit.core.errors import InvalidRequestError, UnsupportedOperation
from mdmkit.core.interface import object_id
from mdmkit.core.models import (
    AppAssignment,
    Capability,
    Device,
    InstallMode,
    Target,
    TargetKind,
    Vendor,
)
from tests.core.stub import StubMDM

pytestmark = pytest.mark.anyio


def device(source: str, id: str = "7") -> Device:
    return Device(id=id, vendor=Vendor.SIMPLEMDM, source=source)


def test_object_id() -> None:
    assert object_id(121, "device") == "121"
    assert object_id("108870000001000001", "device") == "108870000001000001"
    assert object_id(device("a"), "device", source="a") == "7"
    with pytest.raises(InvalidRequestError, match="belongs to 'b', not 'a'"):
        object_id(device("b"), "device", source="a")
    for bad in ("1/wipe", "..", "", "a%2F", True, 1.5, None):
        with pytest.raises(InvalidRequestError):
            object_id(bad, "device")


async def test_models_from_another_backend_are_refused() -> None:
    mdm = StubMDM("a")
    with pytest.raises(InvalidRequestError, match="belongs to 'b'"):
        await mdm.devices.lock(device("b"))
    assert mdm.devices.calls == []


async def test_assign_needs_a_target_and_a_real_install_mode() -> None:
    mdm = StubMDM("a")
    with pytest.raises(InvalidRequestError, match="at least one device or group"):
        await mdm.assignments.assign("app")
    with pytest.raises(InvalidRequestError, match="install"):
        await mdm.assignments.assign("app", devices=["1"], install="automatic")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="not strings"):
        await mdm.assignments.assign("app", devices="123")
    assert mdm.assignments.done == []
    made = await mdm.assignments.assign("app", devices=[1, device("a", "2")])
    assert [a.target.id for a in made] == ["1", "2"]
    assert mdm.assignments.done == [("assign", "app", ["1", "2"], [])]


async def test_unassign_takes_an_assignment_or_an_app_with_targets() -> None:
    mdm = StubMDM("a")
    assignment = AppAssignment(
        app_id="9",
        target=Target(TargetKind.GROUP, "g1"),
        install=InstallMode.AUTOMATIC,
        vendor=Vendor.SIMPLEMDM,
        source="a",
    )
    await mdm.assignments.unassign(assignment)
    await mdm.assignments.unassign("9", devices=["3"])
    assert mdm.assignments.done == [("unassign", "9", [], ["g1"]), ("unassign", "9", ["3"], [])]
    with pytest.raises(InvalidRequestError, match="not both"):
        await mdm.assignments.unassign(assignment, devices=["3"])
    foreign = AppAssignment(
        app_id="9",
        target=Target(TargetKind.DEVICE, "1"),
        install=InstallMode.AUTOMATIC,
        vendor=Vendor.SIMPLEMDM,
        source="b",
    )
    with pytest.raises(InvalidRequestError, match="belongs to 'b'"):
        await mdm.assignments.unassign(foreign)


async def test_a_missing_capability_raises_unsupported_operation() -> None:
    mdm = StubMDM("a", capabilities=frozenset(Capability) - {Capability.ASSIGNMENTS_LIST})
    assert not mdm.supports(Capability.ASSIGNMENTS_LIST)
    with pytest.raises(UnsupportedOperation) as info:
        mdm.assignments.list()
    assert (info.value.vendor, info.value.capability) == ("simplemdm", "assignments.list")


async def test_the_mdm_is_an_async_context_manager() -> None:
    async with StubMDM("a") as mdm:
        assert repr(mdm) == "<StubMDM 'a' stub://>"
    assert mdm.closed
