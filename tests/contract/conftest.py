"""One neutral contract, three backends: the SimpleMDM fake, the ManageEngine fake, a Fleet.

``Backend`` gives the tests what differs per backend (where the fake keeps its state, what a
lock looks like on the wire) so that every test reads the same for all three.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest

from mdmkit.core.fleet import Fleet
from mdmkit.core.interface import MDM
from mdmkit.core.models import App, Device, DeviceStatus, Platform
from mdmkit.manageengine import ManageEngine
from mdmkit.simplemdm import SimpleMDM
from mdmkit.testing import FakeClock, FakeManageEngine, FakeSimpleMDM

UPLOAD_DEFAULTS = {"app_category_id": 1, "supported_devices": 3}


def simplemdm_on(fake: FakeSimpleMDM, clock: FakeClock, **options: Any) -> SimpleMDM:
    return fake.mdm(clock=clock.time, sleep=clock.sleep, **options)


def manageengine_on(fake: FakeManageEngine, clock: FakeClock, **options: Any) -> ManageEngine:
    """A Cloud ManageEngine on the fake, sleeping on the virtual clock."""
    options.setdefault("upload_defaults", UPLOAD_DEFAULTS)
    return fake.mdm(clock=clock.time, sleep=clock.sleep, **options)


@attrs.define
class Backend:
    """A backend under test (an MDM or a Fleet) and the fakes behind it."""

    kind: str
    mdm: Any  # an MDM, or a Fleet (same four services)
    simplemdm: FakeSimpleMDM | None = None
    manageengine: FakeManageEngine | None = None

    @property
    def members(self) -> list[MDM]:
        return list(self.mdm.members.values()) if isinstance(self.mdm, Fleet) else [self.mdm]

    def fake_device(self, device: Device) -> Any:
        """The fake's record of a neutral device (lock counts, lost mode, commands)."""
        if device.vendor.value == "simplemdm":
            assert self.simplemdm is not None
            return self.simplemdm.state.devices[int(device.id)]
        assert self.manageengine is not None
        return self.manageengine.state.devices[int(device.id)]

    def fake_requests(self, device: Device) -> Any:
        fake = self.simplemdm if device.vendor.value == "simplemdm" else self.manageengine
        assert fake is not None
        return fake.requests

    def assigned_targets(self, app: App) -> set[tuple[str, str]]:
        """(kind, neutral target id) pairs the fake says ``app`` is assigned to."""
        if app.vendor.value == "simplemdm":
            assert self.simplemdm is not None
            found: set[tuple[str, str]] = set()
            for group in self.simplemdm.state.assignment_groups.values():
                if int(app.id) not in group.app_ids:
                    continue
                if group.type in ("static", "dynamic") and not group.name.startswith("mdmkit: "):
                    found.add(("group", f"assignment_group:{group.id}"))
                else:
                    found |= {("device", str(d)) for d in group.device_ids}
                    found |= {("group", f"device_group:{g}") for g in group.device_group_ids}
            return found
        assert self.manageengine is not None
        record = self.manageengine.state.apps[int(app.id)]
        return {("device", str(d)) for d in record.devices} | {
            ("group", str(g)) for g in record.groups
        }

    def package(self, app_vendor: str) -> str:
        """A package file name the vendor accepts for an in-house app."""
        return "FieldNotes.ipa" if app_vendor == "simplemdm" else "FieldNotes.apk"

    async def lockable(self, count: int = 1) -> list[Device]:
        """Enrolled phones (no PIN needed to lock them), spread over every member."""
        found: list[Device] = []
        per_member = max(1, count // len(self.members))
        for member in self.members:
            taken = 0
            async for device in member.devices.list():
                if device.status is DeviceStatus.ENROLLED and device.platform in (
                    Platform.IOS,
                    Platform.IPADOS,
                    Platform.ANDROID,
                ):
                    found.append(device)
                    taken += 1
                    if taken == per_member:
                        break
        return found[:count]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["simplemdm", "manageengine", "fleet"])
async def backend(request: pytest.FixtureRequest, clock: FakeClock) -> AsyncIterator[Backend]:
    kind: str = request.param
    async with (
        FakeSimpleMDM(devices=60, seed=3, clock=clock) as sm_fake,
        FakeManageEngine(devices=60, seed=3, clock=clock, upload_delay=5.0) as me_fake,
    ):
        if kind == "simplemdm":
            async with simplemdm_on(sm_fake, clock) as sm:
                yield Backend(kind, sm, simplemdm=sm_fake)
        elif kind == "manageengine":
            async with manageengine_on(me_fake, clock) as me:
                yield Backend(kind, me, manageengine=me_fake)
        else:
            async with Fleet(
                simplemdm_on(sm_fake, clock), manageengine_on(me_fake, clock)
            ) as fleet:
                yield Backend(kind, fleet, simplemdm=sm_fake, manageengine=me_fake)
        assert sm_fake.errors == []
        assert me_fake.errors == []
