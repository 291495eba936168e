"""``MDM``: the common interface every backend offers, as four services.

``mdm.devices``, ``mdm.apps``, ``mdm.groups`` and ``mdm.assignments`` take a neutral model or
its id. The checks every backend shares (is the capability there, are the arguments sound,
does the object belong to this backend) live here, once, and run before anything is sent.
"""

from __future__ import annotations

import abc
import builtins
import copy
import inspect
from collections.abc import Iterable
from typing import Any, Literal, Protocol, Self, TypeAlias

from mdmkit.core.bulk import BulkResult, ProgressCallback, run_bulk
from mdmkit.core.closing import AsyncClosing
from mdmkit.core.errors import ConfigurationError, InvalidRequestError, UnsupportedOperation
from mdmkit.core.ids import checked_id
from mdmkit.core.models import (
    App,
    AppAssignment,
    AppChannel,
    Capability,
    Device,
    Group,
    InstallMode,
    Platform,
    Vendor,
)
from mdmkit.core.pagination import Paginator

__all__ = [
    "DEVICE_ACTIONS",
    "MDM",
    "AppRef",
    "AppService",
    "AssignmentService",
    "DeviceAction",
    "DeviceRef",
    "DeviceService",
    "GroupRef",
    "GroupService",
    "NativeBackend",
    "checked_action",
    "checked_flag",
]

DeviceRef: TypeAlias = Device | str | int
AppRef: TypeAlias = App | str | int
GroupRef: TypeAlias = Group | str | int

DeviceAction: TypeAlias = Literal[
    "lock",
    "wipe",
    "restart",
    "shutdown",
    "refresh",
    "clear_passcode",
    "enable_lost_mode",
    "disable_lost_mode",
]
"""The neutral device actions ``devices.run`` accepts: a misspelt one fails the type check."""

# The capability each device action needs (its keys are DeviceAction's values, in order).
DEVICE_ACTIONS: dict[DeviceAction, Capability] = {
    "lock": Capability.DEVICES_LOCK,
    "wipe": Capability.DEVICES_WIPE,
    "restart": Capability.DEVICES_RESTART,
    "shutdown": Capability.DEVICES_SHUTDOWN,
    "refresh": Capability.DEVICES_REFRESH,
    "clear_passcode": Capability.DEVICES_CLEAR_PASSCODE,
    "enable_lost_mode": Capability.DEVICES_LOST_MODE,
    "disable_lost_mode": Capability.DEVICES_LOST_MODE,
}


def checked_action(action: object) -> DeviceAction:
    """``action`` if it names a device action; anything else is an InvalidRequestError.

    The type checker catches a misspelt literal; this catches one computed at run time.
    """
    for known in DEVICE_ACTIONS:
        if action == known:
            return known
    raise InvalidRequestError(
        f"unknown action {action!r}; expected one of {', '.join(DEVICE_ACTIONS)}",
        field="action",
    )


def object_id(value: object, field: str, *, source: str | None = None) -> str:
    """The id of a neutral model (checked to belong to ``source``) or of an id given as such."""
    if isinstance(value, Device | App | Group):
        if source is not None and value.source != source:
            raise InvalidRequestError(
                f"{field} {value.id!r} belongs to {value.source!r}, not {source!r}", field=field
            )
        return value.id
    return checked_id(value, field)


def checked_flag(value: object, field: str) -> bool:
    """``value`` if it is a bool; anything else (1, "yes", None) is refused, naming ``field``."""
    if not isinstance(value, bool):
        raise InvalidRequestError(f"{field} must be True or False, got {value!r}", field=field)
    return value


class Service:
    """What every service shares: its backend, and the capability check."""

    def __init__(self, mdm: MDM) -> None:
        self._mdm = mdm

    def _require(self, capability: Capability, detail: str = "") -> None:
        if capability not in self._mdm.capabilities:
            raise UnsupportedOperation(self._mdm.vendor.value, capability.value, detail)

    def _id(self, value: object, field: str) -> str:
        return object_id(value, field, source=self._mdm.name)


class DeviceService(Service, abc.ABC):
    """``mdm.devices``: inventory and actions, one device or many."""

    @abc.abstractmethod
    def list(
        self,
        *,
        platform: Platform | None = None,
        search: str | None = None,
        parallel: bool = False,
    ) -> Paginator[Device]:
        """Every device (of one ``platform``, or matching ``search``), page by page.

        ``parallel=True`` reads the whole list with several pages in flight (from both ends of
        a cursor list, or several offsets at once), in no particular order and without
        cursors to resume from; docs/performance.md says what a concurrent change can do."""

    @abc.abstractmethod
    async def get(self, device: DeviceRef) -> Device:
        """One device."""

    @abc.abstractmethod
    async def lock(
        self,
        device: DeviceRef,
        *,
        message: str | None = None,
        phone_number: str | None = None,
        pin: str | None = None,
    ) -> None:
        """Lock the device with ``message`` and ``phone_number``; Macs need a 6-digit ``pin``."""

    @abc.abstractmethod
    async def wipe(self, device: DeviceRef, *, pin: str | None = None) -> None:
        """Erase the device to factory settings."""

    @abc.abstractmethod
    async def restart(self, device: DeviceRef) -> None:
        """Restart the device."""

    @abc.abstractmethod
    async def shutdown(self, device: DeviceRef) -> None:
        """Shut the device down."""

    @abc.abstractmethod
    async def refresh(self, device: DeviceRef) -> None:
        """Ask the device to report its inventory again."""

    @abc.abstractmethod
    async def clear_passcode(self, device: DeviceRef) -> None:
        """Remove the device's passcode."""

    @abc.abstractmethod
    async def enable_lost_mode(
        self,
        device: DeviceRef,
        *,
        message: str | None = None,
        phone_number: str | None = None,
        footnote: str | None = None,
    ) -> None:
        """Put the device in lost mode (a message or a phone number is required)."""

    @abc.abstractmethod
    async def disable_lost_mode(self, device: DeviceRef) -> None:
        """Take the device out of lost mode."""

    def _concurrency(self) -> int:
        return self._mdm.max_concurrency

    def _check_action(self, action: DeviceAction, arguments: dict[str, Any]) -> None:
        self._require(DEVICE_ACTIONS[checked_action(action)])
        try:
            inspect.signature(getattr(self, action)).bind("device", **arguments)
        except TypeError as exc:
            raise InvalidRequestError(f"{action}: {exc}", field="arguments") from None

    async def run(
        self,
        action: DeviceAction,
        devices: Iterable[DeviceRef],
        *,
        concurrency: int | None = None,
        on_progress: ProgressCallback | None = None,
        **arguments: Any,
    ) -> BulkResult[None]:
        """Run one action on many devices: one outcome per device, in input order.

        At most ``concurrency`` calls run at once (default: the client's limit, which every
        call shares anyway); one device failing never stops the others.
        """
        self._check_action(action, arguments)
        method = getattr(self, action)
        targets = list(devices)

        async def one(device: DeviceRef) -> None:
            await method(device, **arguments)

        return await run_bulk(
            one, targets, concurrency=concurrency or self._concurrency(), on_progress=on_progress
        )


class AppService(Service, abc.ABC):
    """``mdm.apps``: the app catalog."""

    @abc.abstractmethod
    def list(self, *, include_shared: bool = False) -> Paginator[App]:
        """Every app in the catalog. ``include_shared`` also lists the apps of a catalog the
        vendor keeps apart for all its customers (SimpleMDM's shared catalog, kind SHARED);
        a vendor without one lists the same apps either way."""

    @abc.abstractmethod
    async def get(self, app: AppRef) -> App:
        """One app."""

    @abc.abstractmethod
    async def upload(
        self, source: Any, *, name: str | None = None, filename: str | None = None, **vendor: Any
    ) -> App:
        """Add an in-house app from a package (a path, bytes with ``filename``, or a file)."""

    @abc.abstractmethod
    async def add_from_store(
        self, identifier: str | int, *, name: str | None = None, **vendor: Any
    ) -> App:
        """Add a store app by its store id or bundle identifier."""

    @abc.abstractmethod
    async def delete(self, app: AppRef) -> None:
        """Remove an app from the catalog."""


class GroupService(Service, abc.ABC):
    """``mdm.groups``: groups of devices, and their members."""

    @abc.abstractmethod
    def list(self) -> Paginator[Group]:
        """Every group."""

    @abc.abstractmethod
    async def get(self, group: GroupRef) -> Group:
        """One group."""

    @abc.abstractmethod
    def members(self, group: GroupRef) -> Paginator[Device]:
        """The devices in a group."""

    @abc.abstractmethod
    async def create(self, name: str) -> Group:
        """A new static group."""

    @abc.abstractmethod
    async def add_device(self, group: GroupRef, device: DeviceRef) -> None:
        """Put a device in a group."""

    @abc.abstractmethod
    async def remove_device(self, group: GroupRef, device: DeviceRef) -> None:
        """Take a device out of a group."""


class AssignmentService(Service, abc.ABC):
    """``mdm.assignments``: which apps go to which devices and groups."""

    @abc.abstractmethod
    def list(self, *, app: AppRef | None = None) -> Paginator[AppAssignment]:
        """Every assignment (of one ``app``)."""

    @abc.abstractmethod
    async def _assign(
        self,
        app: str,
        devices: builtins.list[str],
        groups: builtins.list[str],
        install: InstallMode,
        channel: str | None,
    ) -> builtins.list[AppAssignment]: ...

    @abc.abstractmethod
    async def _unassign(
        self, app: str, devices: builtins.list[str], groups: builtins.list[str]
    ) -> None: ...

    async def assign(
        self,
        app: AppRef,
        *,
        devices: Iterable[DeviceRef] = (),
        groups: Iterable[GroupRef] = (),
        install: InstallMode = InstallMode.AUTOMATIC,
        channel: AppChannel | str | None = None,
    ) -> builtins.list[AppAssignment]:
        """Assign an app to devices and groups; one ``AppAssignment`` per target.

        ``channel`` picks one of ``app.channels`` (a ManageEngine release label, such as
        Beta); without it the app's default channel is used.
        """
        self._require(Capability.ASSIGNMENTS_ASSIGN)
        if not isinstance(install, InstallMode):
            raise InvalidRequestError(
                f"install must be an InstallMode, got {install!r}", field="install"
            )
        app_id, device_ids, group_ids = self._targets(app, devices, groups)
        channel_id = None
        if channel is not None:
            raw = channel.id if isinstance(channel, AppChannel) else channel
            channel_id = object_id(raw, "channel")
        return await self._assign(app_id, device_ids, group_ids, install, channel_id)

    async def unassign(
        self,
        assignment: AppAssignment | AppRef,
        *,
        devices: Iterable[DeviceRef] = (),
        groups: Iterable[GroupRef] = (),
    ) -> None:
        """Undo an assignment: an ``AppAssignment``, or an app with the same targets as ``assign``.

        Raises instead of doing collateral damage when the vendor could only undo it by also
        removing other apps or other targets.
        """
        self._require(Capability.ASSIGNMENTS_UNASSIGN)
        if isinstance(assignment, AppAssignment):
            if any(True for _ in devices) or any(True for _ in groups):
                raise InvalidRequestError(
                    "give an AppAssignment, or an app with devices/groups, not both",
                    field="devices",
                )
            if assignment.source != self._mdm.name:
                raise InvalidRequestError(
                    f"this assignment belongs to {assignment.source!r}, not {self._mdm.name!r}",
                    field="assignment",
                )
            kind = assignment.target.kind.value
            device_ids = [assignment.target.id] if kind == "device" else []
            group_ids = [assignment.target.id] if kind == "group" else []
            await self._unassign(assignment.app_id, device_ids, group_ids)
            return
        app_id, device_ids, group_ids = self._targets(assignment, devices, groups)
        await self._unassign(app_id, device_ids, group_ids)

    def _targets(
        self, app: AppRef, devices: Iterable[DeviceRef], groups: Iterable[GroupRef]
    ) -> tuple[str, builtins.list[str], builtins.list[str]]:
        if isinstance(devices, str | bytes) or isinstance(groups, str | bytes):
            raise InvalidRequestError(
                "devices and groups must be lists, not strings", field="devices"
            )
        app_id = self._id(app, "app")
        device_ids = [self._id(d, "devices") for d in devices]
        group_ids = [self._id(g, "groups") for g in groups]
        if not device_ids and not group_ids:
            raise InvalidRequestError("give at least one device or group", field="devices")
        return app_id, device_ids, group_ids


class NativeBackend(Protocol):
    """What the common interface needs of a vendor's native client (``mdm.native``)."""

    name: str
    """What log lines and hook events call the client (the backend takes its name)."""

    @property
    def base_url(self) -> str:
        """The root every path is relative to."""
        ...

    @property
    def max_concurrency(self) -> int:
        """How many requests the client sends at once."""
        ...

    async def __aenter__(self) -> Any: ...

    async def aclose(self) -> None:
        """Close the client's HTTP session."""
        ...


class MDM(AsyncClosing, abc.ABC):
    """One MDM backend behind the common interface; use it as ``async with``.

    ``name`` defaults to the vendor and tells backends apart (two tenants of one vendor in a
    Fleet); ``native`` is the vendor's complete native client, which this delegates its
    session and limits to.
    """

    vendor: Vendor
    name: str
    capabilities: frozenset[Capability]
    native: NativeBackend
    devices: DeviceService
    apps: AppService
    groups: GroupService
    assignments: AssignmentService

    @staticmethod
    def checked_name(name: str | None, vendor: Vendor) -> str:
        """``name``, or the vendor's when None; an empty name is a ConfigurationError."""
        if name is None:
            return vendor.value
        if not isinstance(name, str) or not name.strip():
            raise ConfigurationError("name must be a non-empty string")
        return name

    def named(self, native: NativeBackend, name: str | None) -> str:
        """The backend's name: ``name``, else the native client's; the client takes it on, so
        its log lines and hook events say the same."""
        chosen = self.checked_name(name if name is not None else native.name, self.vendor)
        native.name = chosen
        return chosen

    def _bind_services(self) -> None:
        """Create the four services, bound to this backend."""
        raise NotImplementedError

    def _view(self, native: Any) -> Self:
        """A copy of this backend over ``native`` (a ``with_options`` view of its client),
        sharing everything else, with its own services bound to it."""
        view = copy.copy(self)
        view.native = native
        view._bind_services()
        return view

    @property
    def max_concurrency(self) -> int:
        """How many requests this backend sends at once (bulk runs default to it)."""
        return self.native.max_concurrency

    def supports(self, capability: Capability) -> bool:
        """Whether this backend can do ``capability``."""
        return capability in self.capabilities

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self.native.base_url}>"

    async def aclose(self) -> None:
        """Close the native client's HTTP session (unless it was the caller's own)."""
        await self.native.aclose()

    async def _enter(self) -> None:
        await self.native.__aenter__()  # the session is made inside the running loop
