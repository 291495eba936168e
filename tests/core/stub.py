"""An in-memory MDM for testing the core without HTTP: pages, delays and failures on demand."""

from __future__ import annotations

import builtins
from typing import Any

import anyio

from mdmkit.core.errors import NotFoundError
from mdmkit.core.interface import (
    MDM,
    AppRef,
    AppService,
    AssignmentService,
    DeviceRef,
    DeviceService,
    GroupRef,
    GroupService,
)
from mdmkit.core.models import (
    App,
    AppAssignment,
    Capability,
    Device,
    Group,
    InstallMode,
    Platform,
    Target,
    TargetKind,
    Vendor,
)
from mdmkit.core.pagination import Page, Paginator


def paged(
    items: builtins.list[Any],
    size: int,
    delay: float = 0.0,
    counter: builtins.list[int] | None = None,
) -> Paginator[Any]:
    async def fetch(cursor: str | None) -> Page[Any]:
        if counter is not None:
            counter.append(int(cursor or 0))
        await anyio.sleep(delay)
        start = int(cursor or 0)
        chunk = items[start : start + size]
        more = start + size < len(items)
        return Page(items=chunk, has_more=more, cursor=str(start + size) if more else None)

    return Paginator(fetch)


class StubDevices(DeviceService):
    def __init__(self, mdm: StubMDM) -> None:
        super().__init__(mdm)
        self.stub = mdm
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def list(
        self,
        *,
        platform: Platform | None = None,
        search: str | None = None,
        parallel: bool = False,  # a stub's pages come the same way either way
    ) -> Paginator[Device]:
        if self.stub.list_error is not None:
            error = self.stub.list_error

            async def fail(cursor: str | None) -> Page[Device]:
                raise error

            return Paginator(fail)
        return paged(self.stub.device_list, self.stub.page_size, self.stub.delay, self.stub.fetches)

    async def get(self, device: DeviceRef) -> Device:
        wanted = self._id(device, "device")
        for item in self.stub.device_list:
            if item.id == wanted:
                return item
        raise NotFoundError("object not found", status=404)

    async def _act(self, name: str, device: DeviceRef, **arguments: Any) -> None:
        device_id = self._id(device, "device")
        if device_id in self.stub.failing:
            raise self.stub.failing[device_id]
        await anyio.sleep(self.stub.delay)
        self.calls.append((name, device_id, arguments))

    async def lock(
        self,
        device: DeviceRef,
        *,
        message: str | None = None,
        phone_number: str | None = None,
        pin: str | None = None,
    ) -> None:
        await self._act("lock", device, message=message)

    async def wipe(self, device: DeviceRef, *, pin: str | None = None) -> None:
        await self._act("wipe", device)

    async def restart(self, device: DeviceRef) -> None:
        await self._act("restart", device)

    async def shutdown(self, device: DeviceRef) -> None:
        await self._act("shutdown", device)

    async def refresh(self, device: DeviceRef) -> None:
        await self._act("refresh", device)

    async def clear_passcode(self, device: DeviceRef) -> None:
        await self._act("clear_passcode", device)

    async def enable_lost_mode(
        self,
        device: DeviceRef,
        *,
        message: str | None = None,
        phone_number: str | None = None,
        footnote: str | None = None,
    ) -> None:
        await self._act("enable_lost_mode", device, message=message)

    async def disable_lost_mode(self, device: DeviceRef) -> None:
        await self._act("disable_lost_mode", device)


class StubApps(AppService):
    def list(self, *, include_shared: bool = False) -> Paginator[App]:
        return paged([], 10)

    async def get(self, app: AppRef) -> App:
        return App(id=self._id(app, "app"), vendor=Vendor.SIMPLEMDM, source=self._mdm.name)

    async def upload(
        self, source: Any, *, name: str | None = None, filename: str | None = None, **vendor: Any
    ) -> App:
        return App(id="new", name=name, vendor=Vendor.SIMPLEMDM, source=self._mdm.name)

    async def add_from_store(
        self, identifier: str | int, *, name: str | None = None, **vendor: Any
    ) -> App:
        return App(id=str(identifier), vendor=Vendor.SIMPLEMDM, source=self._mdm.name)

    async def delete(self, app: AppRef) -> None:
        self._id(app, "app")


class StubGroups(GroupService):
    def list(self) -> Paginator[Group]:
        return paged([Group(id="g1", vendor=Vendor.SIMPLEMDM, source=self._mdm.name)], 10)

    async def get(self, group: GroupRef) -> Group:
        return Group(id=self._id(group, "group"), vendor=Vendor.SIMPLEMDM, source=self._mdm.name)

    def members(self, group: GroupRef) -> Paginator[Device]:
        return paged([], 10)

    async def create(self, name: str) -> Group:
        return Group(id=name, name=name, vendor=Vendor.SIMPLEMDM, source=self._mdm.name)

    async def add_device(self, group: GroupRef, device: DeviceRef) -> None:
        self._id(group, "group")

    async def remove_device(self, group: GroupRef, device: DeviceRef) -> None:
        self._id(group, "group")


class StubAssignments(AssignmentService):
    def __init__(self, mdm: StubMDM) -> None:
        super().__init__(mdm)
        self.done: list[tuple[str, str, list[str], list[str]]] = []

    def list(self, *, app: AppRef | None = None) -> Paginator[AppAssignment]:
        self._require(Capability.ASSIGNMENTS_LIST)
        return paged([], 10)

    async def _assign(
        self,
        app: str,
        devices: builtins.list[str],
        groups: builtins.list[str],
        install: InstallMode,
        channel: str | None,
    ) -> builtins.list[AppAssignment]:
        self.done.append(("assign", app, devices, groups))
        return [
            AppAssignment(
                app_id=app,
                target=Target(TargetKind.DEVICE, d),
                install=install,
                vendor=Vendor.SIMPLEMDM,
                source=self._mdm.name,
            )
            for d in devices
        ]

    async def _unassign(
        self, app: str, devices: builtins.list[str], groups: builtins.list[str]
    ) -> None:
        self.done.append(("unassign", app, devices, groups))


class StubNative:
    """The native client a StubMDM stands on: nothing to open or close."""

    name = "stub"
    base_url = "stub://"
    max_concurrency = 3

    async def __aenter__(self) -> StubNative:
        return self

    async def aclose(self) -> None:
        pass


class StubMDM(MDM):
    """``count`` devices named ``<name>-<i>``, listed ``page_size`` at a time after ``delay``."""

    def __init__(
        self,
        name: str,
        count: int = 5,
        *,
        page_size: int = 2,
        delay: float = 0.0,
        capabilities: frozenset[Capability] | None = None,
    ) -> None:
        self.vendor = Vendor.SIMPLEMDM
        self.name = name
        self.capabilities = capabilities if capabilities is not None else frozenset(Capability)
        self.native = StubNative()
        self.page_size = page_size
        self.delay = delay
        self.failing: dict[str, Exception] = {}
        self.list_error: Exception | None = None
        self.fetches: list[int] = []  # the offset of every device page fetched
        self.closed = False
        self.device_list = [
            Device(id=f"{name}-{i}", name=f"device {i}", vendor=Vendor.SIMPLEMDM, source=name)
            for i in range(count)
        ]
        self.devices: StubDevices = StubDevices(self)
        self.apps = StubApps(self)
        self.groups = StubGroups(self)
        self.assignments: StubAssignments = StubAssignments(self)

    @property
    def max_concurrency(self) -> int:
        return 3

    async def __aenter__(self) -> StubMDM:
        return self

    async def aclose(self) -> None:
        self.closed = True
