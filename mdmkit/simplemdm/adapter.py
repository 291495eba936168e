"""``SimpleMDM``: the common interface (``mdmkit.core.interface.MDM``) over ``SimpleMDMClient``.

Every call goes through the native client (``sm.native``), so auth, limits, retries and the
argument checks are the native ones. Neutral ids are strings: a device's or an app's is its
SimpleMDM id; a group's says which kind it is, ``"device_group:<id>"`` (legacy device group)
or ``"assignment_group:<id>"`` (static or dynamic group).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, Self, Unpack

import aiohttp
import anyio

from mdmkit.core.errors import ConfigurationError, InvalidRequestError, UnsupportedOperation
from mdmkit.core.interface import (
    MDM,
    AppRef,
    AppService,
    DeviceRef,
    DeviceService,
    GroupRef,
    GroupService,
    checked_flag,
)
from mdmkit.core.models import (
    App,
    Capability,
    Device,
    Group,
    GroupKind,
    Platform,
    Vendor,
)
from mdmkit.core.pagination import Page, Paginator
from mdmkit.http.body import DEFAULT_MAX_RESPONSE_SIZE
from mdmkit.http.hooks import RequestHooks
from mdmkit.http.params import check_digits, check_text
from mdmkit.http.ratelimit import Limiter
from mdmkit.http.retry import RetryPolicy
from mdmkit.http.transport import Timeout
from mdmkit.simplemdm import models as native
from mdmkit.simplemdm.assignments import SimpleMDMAssignments
from mdmkit.simplemdm.client import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_CONCURRENCY,
    SimpleMDMClient,
    SimpleMDMOptions,
)
from mdmkit.simplemdm.mapping import (
    ASSIGNMENT_GROUP,
    DEVICE_GROUP,
    Experience,
    native_id,
    nge_kind,
    platform_of,
    to_app,
    to_assignment_group,
    to_device,
    to_device_group,
)
from mdmkit.simplemdm.neutral import (
    Backed,
    ExperienceProbe,
    Listing,
    already_so,
    chained,
    paired,
)

__all__ = ["SimpleMDM"]

_MOBILE = frozenset({Platform.IOS, Platform.IPADOS, Platform.TVOS})


def _device_pages(
    client: SimpleMDMClient, search: str | None = None
) -> Callable[[str | None], Paginator[native.Device]]:
    """Device pages from a cursor on: awaiting enrollment included, as a neutral list wants."""
    return lambda cursor: client.devices.list(
        search=search, include_awaiting_enrollment=True, starting_after=cursor
    )


class SimpleMDMDevices(Backed, DeviceService):
    """``mdm.devices`` on SimpleMDM: the native device list and commands, one for one."""

    def _device_id(self, device: DeviceRef) -> int:
        return native_id(self._id(device, "device"), "device")

    def _neutral(self, device: native.Device) -> Device:
        return to_device(device, source=self._source)

    def list(
        self,
        *,
        platform: Platform | None = None,
        search: str | None = None,
        parallel: bool = False,
    ) -> Paginator[Device]:
        """Every device, awaiting enrollment included; ``search`` is SimpleMDM's (name, UDID,
        serial, IMEI, MAC or phone number). SimpleMDM has no platform filter: ``platform`` is
        applied here, so every device is still read. ``parallel``: from both ends at once."""
        if platform is not None and not isinstance(platform, Platform):
            raise InvalidRequestError(
                f"platform must be a Platform, got {platform!r}", field="platform"
            )
        if checked_flag(parallel, "parallel"):
            pager = self._native.devices.list(
                search=search, include_awaiting_enrollment=True, parallel=True
            ).map(self._neutral)
            return pager if platform is None else pager.filter(lambda d: d.platform is platform)

        def convert(device: native.Device) -> list[Device]:
            found = self._neutral(device)
            return [found] if platform is None or found.platform is platform else []

        return chained(Listing("device", _device_pages(self._native, search), convert))

    async def get(self, device: DeviceRef) -> Device:
        """One device."""
        return self._neutral(await self._native.devices.get(self._device_id(device)))

    async def _platform(self, device: DeviceRef) -> Platform:
        """The device's platform: from the model when given one, else read from SimpleMDM."""
        if isinstance(device, Device):
            return device.platform
        found = await self._native.devices.get(self._device_id(device))
        return platform_of(found.product_name, found.model_name)

    async def lock(
        self,
        device: DeviceRef,
        *,
        message: str | None = None,
        phone_number: str | None = None,
        pin: str | None = None,
    ) -> None:
        """Lock the device. A Mac needs a 6-digit ``pin``; iPhone, iPad and Apple TV refuse
        one. Given an id, the device is read first to know which it is (nothing is sent to a
        device with the wrong pin); given a Device, its ``platform`` decides."""
        ident = self._device_id(device)
        code = None if pin is None else check_digits(pin, "pin", count=6)
        platform = await self._platform(device)
        if platform is Platform.MACOS and code is None:
            raise InvalidRequestError(
                f"device {ident} is a Mac: locking it needs a 6-digit pin", field="pin"
            )
        if platform in _MOBILE and code is not None:
            raise InvalidRequestError(
                f"device {ident} is {platform.value}: only Macs take a lock pin", field="pin"
            )
        await self._native.devices.lock(ident, message=message, phone_number=phone_number, pin=code)

    async def wipe(self, device: DeviceRef, *, pin: str | None = None) -> None:
        """Erase the device. A ``pin`` is for Macs only: Macs without a T2 chip need one, T2
        and Apple silicon Macs refuse one (passed through as given); iOS devices refuse one."""
        ident = self._device_id(device)
        code = None if pin is None else check_digits(pin, "pin", count=6)
        if code is not None and (platform := await self._platform(device)) in _MOBILE:
            raise InvalidRequestError(
                f"device {ident} is {platform.value}: only Macs take a wipe pin", field="pin"
            )
        await self._native.devices.wipe(ident, pin=code)

    async def restart(self, device: DeviceRef) -> None:
        """Restart the device."""
        await self._native.devices.restart(self._device_id(device))

    async def shutdown(self, device: DeviceRef) -> None:
        """Shut the device down."""
        await self._native.devices.shutdown(self._device_id(device))

    async def refresh(self, device: DeviceRef) -> None:
        """Ask the device for its inventory (SimpleMDM may answer 429 when asked too often)."""
        await self._native.devices.refresh(self._device_id(device))

    async def clear_passcode(self, device: DeviceRef) -> None:
        """Unlock the device and remove its passcode."""
        await self._native.devices.clear_passcode(self._device_id(device))

    async def enable_lost_mode(
        self,
        device: DeviceRef,
        *,
        message: str | None = None,
        phone_number: str | None = None,
        footnote: str | None = None,
    ) -> None:
        """Put the device in lost mode (a message or a phone number is required)."""
        ident = self._device_id(device)
        await self._native.devices.enable_lost_mode(
            ident, message=message, phone_number=phone_number, footnote=footnote
        )

    async def disable_lost_mode(self, device: DeviceRef) -> None:
        """Take the device out of lost mode."""
        await self._native.devices.disable_lost_mode(self._device_id(device))


def _no_vendor_options(operation: str, options: dict[str, Any]) -> None:
    if options:
        names = ", ".join(sorted(options))
        raise InvalidRequestError(
            f"{operation} takes no SimpleMDM-specific options, got {names}", field=names
        )


class SimpleMDMApps(Backed, AppService):
    """``mdm.apps`` on SimpleMDM: the app catalog."""

    def _app_id(self, app: AppRef) -> int:
        return native_id(self._id(app, "app"), "app")

    def _neutral(self, app: native.App) -> App:
        return to_app(app, source=self._source)

    def list(self, *, include_shared: bool = False) -> Paginator[App]:
        """Every app in the account's catalog; ``include_shared`` adds the shared catalog's
        apps assigned in the account (kind SHARED), as ``include_shared=true`` does."""
        shared = checked_flag(include_shared, "include_shared")
        return self._native.apps.list(include_shared=shared or None).map(self._neutral)

    async def get(self, app: AppRef) -> App:
        """One app."""
        return self._neutral(await self._native.apps.get(self._app_id(app)))

    async def upload(
        self, source: Any, *, name: str | None = None, filename: str | None = None, **vendor: Any
    ) -> App:
        """Upload an ipa or pkg (a path, bytes with ``filename``, or a binary file object)."""
        _no_vendor_options("upload", vendor)
        created = await self._native.apps.create(binary=source, name=name, filename=filename)
        return self._neutral(created)

    async def add_from_store(
        self, identifier: str | int, *, name: str | None = None, **vendor: Any
    ) -> App:
        """Add an App Store app by its store id (digits) or its bundle id. SimpleMDM names
        store apps itself, so ``name`` is refused."""
        _no_vendor_options("add_from_store", vendor)
        if name is not None:
            raise InvalidRequestError("SimpleMDM names store apps itself: drop name", field="name")
        if isinstance(identifier, bool) or not isinstance(identifier, str | int):
            raise InvalidRequestError(
                f"identifier must be a store id or a bundle id, got {identifier!r}",
                field="identifier",
            )
        text = str(identifier).strip()
        if text.isascii() and text.isdigit():
            created = await self._native.apps.create(app_store_id=text)
        else:
            created = await self._native.apps.create(bundle_id=check_text(text, "identifier"))
        return self._neutral(created)

    async def delete(self, app: AppRef) -> None:
        """Remove the app from the catalog (devices keep it installed)."""
        await self._native.apps.delete(self._app_id(app))


class SimpleMDMGroups(Backed, GroupService):
    """``mdm.groups`` on SimpleMDM: legacy device groups and static or dynamic groups.

    Assignment groups that carry apps (every one on a classic account, and the ones mdmkit
    creates to carry apps) are not groups of devices: they are left out, and refused by id.
    """

    def list(self) -> Paginator[Group]:
        """Legacy device groups (a classic account), then static and dynamic groups (the New
        Groups Experience). The account's experience is read first, once."""
        source = self._source
        sm = self._native

        async def device_groups(cursor: str | None) -> Page[native.DeviceGroup]:
            if await self._experience() is Experience.NEW_GROUPS:
                return Page(items=[], has_more=False)
            return await sm.device_groups.list(starting_after=cursor)

        async def assignment_groups(
            cursor: str | None,
        ) -> Page[tuple[native.AssignmentGroup, Experience]]:
            experience = await self._experience()
            return paired(await sm.assignment_groups.list(starting_after=cursor), experience)

        def group_of(pair: tuple[native.AssignmentGroup, Experience]) -> list[Group]:
            group, experience = pair
            if nge_kind(group, experience) is None:
                return []
            return [to_assignment_group(group, experience, source=source)]

        return chained(
            Listing(
                DEVICE_GROUP,
                device_groups,
                lambda group: [to_device_group(group, source=source)],
            ),
            Listing(ASSIGNMENT_GROUP, assignment_groups, group_of),
        )

    async def _assignment_group(self, ident: int) -> Group:
        experience = await self._experience()
        group = await self._native.assignment_groups.get(ident)
        return to_assignment_group(group, experience, source=self._source)

    async def get(self, group: GroupRef) -> Group:
        """One group."""
        kind, ident = self._group(group)
        if kind == DEVICE_GROUP:
            found = await self._native.device_groups.get(ident)
            return to_device_group(found, source=self._source)
        return await self._assignment_group(ident)

    async def _kind(self, group: GroupRef, kind: str, ident: int) -> GroupKind:
        """The group's kind: from the model when given one, else read from SimpleMDM."""
        if kind == DEVICE_GROUP:
            return GroupKind.LEGACY
        if isinstance(group, Group):
            return group.kind
        return (await self._assignment_group(ident)).kind

    def members(self, group: GroupRef) -> Paginator[Device]:
        """The devices in a group: a legacy device group's (the devices naming it), or a static
        or dynamic group's (its device ids). The group is read first, then the devices."""
        kind, ident = self._group(group)
        source = self._source
        members: list[frozenset[int] | None] = []  # once read; None: match device_group_id

        async def fetch(cursor: str | None) -> Page[native.Device]:
            if not members:
                if kind == DEVICE_GROUP:
                    await self._native.device_groups.get(ident)  # a 404 for no such group
                    members.append(None)
                else:
                    found = await self._assignment_group(ident)
                    members.append(frozenset(found.native.device_ids))
            return await _device_pages(self._native)(cursor)

        def convert(device: native.Device) -> list[Device]:
            wanted = members[0]
            inside = device.device_group_id == ident if wanted is None else device.id in wanted
            return [to_device(device, source=source)] if inside else []

        return chained(Listing("device", fetch, convert))

    async def create(self, name: str) -> Group:
        """A new static group (New Groups Experience). On a classic account a new assignment
        group would carry apps rather than hold devices, and legacy device groups cannot be
        created through the API: UnsupportedOperation, and nothing is created."""
        title = check_text(name, "name")
        experience = await self._experience()
        if experience is Experience.CLASSIC:
            raise self._no_create(
                "this account is on the classic experience (it has device groups)"
            )
        created = await self._native.assignment_groups.create(name=title)
        if nge_kind(created, experience) is not GroupKind.STATIC:  # the account said NGE
            await self._native.assignment_groups.delete(created.id)
            raise self._no_create(
                f"the new assignment group read type {created.type!r}, group_type "
                f"{created.group_type!r}: not a static group, so it was deleted again"
            )
        return to_assignment_group(created, experience, source=self._source)

    @staticmethod
    def _no_create(why: str) -> UnsupportedOperation:
        return UnsupportedOperation(
            Vendor.SIMPLEMDM.value,
            Capability.GROUPS_CREATE.value,
            f"{why}; only the New Groups Experience has groups of devices the API can create "
            "(a new classic assignment group would carry apps, and legacy device groups "
            "cannot be created through the API)",
        )

    async def add_device(self, group: GroupRef, device: DeviceRef) -> None:
        """Put a device in a static group, or move it into a legacy device group (a device is
        in exactly one legacy group, so this takes it out of its previous one). Dynamic groups
        take their members from rules: UnsupportedOperation."""
        kind, ident = self._group(group)
        device_id = native_id(self._id(device, "device"), "device")
        found = await self._kind(group, kind, ident)
        if found is GroupKind.LEGACY:
            await self._native.device_groups.assign_device(ident, device_id)
            return
        self._refuse_dynamic(found, Capability.GROUPS_ADD_DEVICE)
        await already_so(self._native.assignment_groups.assign_device(ident, device_id))

    async def remove_device(self, group: GroupRef, device: DeviceRef) -> None:
        """Take a device out of a static group. A legacy device group cannot be left (move the
        device to another one with ``add_device``); a dynamic group follows its rules."""
        kind, ident = self._group(group)
        device_id = native_id(self._id(device, "device"), "device")
        found = await self._kind(group, kind, ident)
        if found is GroupKind.LEGACY:
            raise UnsupportedOperation(
                Vendor.SIMPLEMDM.value,
                Capability.GROUPS_REMOVE_DEVICE.value,
                "a device is always in exactly one legacy device group; move it to another "
                "group with add_device",
            )
        self._refuse_dynamic(found, Capability.GROUPS_REMOVE_DEVICE)
        await already_so(self._native.assignment_groups.unassign_device(ident, device_id))

    def _refuse_dynamic(self, kind: GroupKind, capability: Capability) -> None:
        if kind is GroupKind.DYNAMIC:
            raise UnsupportedOperation(
                Vendor.SIMPLEMDM.value,
                capability.value,
                "dynamic groups take their members from rules",
            )


class SimpleMDM(MDM):
    """SimpleMDM behind the common interface; ``native`` is the complete ``SimpleMDMClient``.

    ``async with SimpleMDM(api_key) as sm:`` (or ``SimpleMDM.from_env()``, or
    ``SimpleMDM.from_client(client)`` around a client you already have). SimpleMDM can do every
    neutral operation; a few cases are refused per object (a dynamic group's members, leaving
    a legacy device group), with ``UnsupportedOperation`` saying why.
    """

    vendor = Vendor.SIMPLEMDM
    name: str
    capabilities: frozenset[Capability] = frozenset(Capability)
    native: SimpleMDMClient
    devices: SimpleMDMDevices
    apps: SimpleMDMApps
    groups: SimpleMDMGroups
    assignments: SimpleMDMAssignments

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        name: str | None = None,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        requests_per_second: float | None = None,
        rate_limiter: Limiter | None = None,
        retry: RetryPolicy | None = None,
        timeout: Timeout | None = None,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        session: aiohttp.ClientSession | None = None,
        allow_insecure: bool = False,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        hooks: RequestHooks | None = None,
    ) -> None:
        client = SimpleMDMClient(
            api_key,
            base_url=base_url,
            max_concurrency=max_concurrency,
            requests_per_second=requests_per_second,
            rate_limiter=rate_limiter,
            retry=retry,
            timeout=timeout,
            max_response_size=max_response_size,
            session=session,
            allow_insecure=allow_insecure,
            clock=clock,
            sleep=sleep,
            hooks=hooks,
            name=self.checked_name(name, self.vendor),
        )
        self._wrap(client, name)

    def _wrap(self, client: SimpleMDMClient, name: str | None) -> None:
        self.native = client
        self.name = self.named(client, name)
        self._probe = ExperienceProbe()
        self._bind_services()

    def _bind_services(self) -> None:
        self.devices = SimpleMDMDevices(self)
        self.apps = SimpleMDMApps(self)
        self.groups = SimpleMDMGroups(self)
        self.assignments = SimpleMDMAssignments(self)

    async def experience(self) -> Experience:
        """Which group model the account is on: CLASSIC (legacy device groups exist; every
        assignment group carries apps) or NEW_GROUPS (the New Groups Experience: static and
        dynamic groups). Read once with ``GET /device_groups?limit=1``, then kept."""
        return await self._probe.get(self.native)

    @classmethod
    def from_client(cls, client: SimpleMDMClient, *, name: str | None = None) -> Self:
        """The common interface over a native client you already have (closing this closes it)."""
        if not isinstance(client, SimpleMDMClient):
            raise ConfigurationError(
                f"client must be a SimpleMDMClient, got {type(client).__name__}"
            )
        mdm = cls.__new__(cls)
        mdm._wrap(client, name)
        return mdm

    @classmethod
    def from_env(cls, *, name: str | None = None, **options: Unpack[SimpleMDMOptions]) -> Self:
        """From ``SIMPLEMDM_API_KEY`` (and ``SIMPLEMDM_BASE_URL`` when set); ``options`` are
        the constructor's."""
        return cls.from_client(SimpleMDMClient.from_env(**options), name=name)

    def with_options(
        self, *, timeout: Timeout | None = None, retry: RetryPolicy | None = None
    ) -> Self:
        """This backend with another ``timeout`` or ``retry`` policy for the calls made through
        it; it shares the session, limits, credentials, hooks and what it learnt of the account
        (see ``SimpleMDMClient.with_options``)."""
        return self._view(self.native.with_options(timeout=timeout, retry=retry))
