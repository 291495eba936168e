"""``ManageEngine``: the common interface (``mdmkit.core.interface.MDM``) over ManageEngineClient.

Every call goes through ``self.native`` (a ``ManageEngineClient``), so the neutral
services share its auth, limits and retries; ``mapping.py`` turns the answers into neutral
models. What ManageEngine does its own way:

- Apple devices are one platform on the server: ``devices.list(platform=Platform.IPADOS)``
  asks the server for its iOS devices and keeps the iPads client-side (such pages may come
  back short, even empty, while more follow; their ``total`` is None).
- ``devices.get`` fetches the device and its summary at once: the summary names its groups.
  Only managed devices have a summary, and it needs ``MDMOnDemand.MDMDeviceMgmt.READ``: when
  it fails the device still comes back, with ``group_ids_known`` False.
- Adding an app needs two fields the neutral API does not know, ``app_category_id`` and
  ``supported_devices``: give them once as ``upload_defaults`` (``supported_devices``
  defaults to 3, both smartphones and tablets) or per call as keyword arguments of ``upload``
  / ``add_from_store``; any other ``apps.create`` field may be given the same way.
- Assignments are carried by a release label: ``assign`` distributes the app's Stable label
  (else its first). Another channel: ``mdm.native.apps.associate_devices(app_id, label_id,
  device_ids, silent_install=...)`` (or ``associate_groups``). ``unassign`` removes exactly
  that app from exactly those targets. ManageEngine has no endpoint listing where an app is
  distributed, so ``assignments.list`` raises UnsupportedOperation.
"""

from __future__ import annotations

import builtins
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import PurePath
from typing import Any, Self, TypeVar, Unpack

import aiohttp
import anyio

from mdmkit.core.errors import (
    ConfigurationError,
    InvalidRequestError,
    MDMError,
    PermissionDeniedError,
)
from mdmkit.core.interface import (
    MDM,
    AppRef,
    AppService,
    AssignmentService,
    DeviceRef,
    DeviceService,
    GroupRef,
    GroupService,
    Service,
    checked_flag,
)
from mdmkit.core.models import (
    App,
    AppAssignment,
    Capability,
    Device,
    Group,
    InstallMode,
    Platform,
    Vendor,
)
from mdmkit.core.pagination import Paginator
from mdmkit.http.body import DEFAULT_MAX_RESPONSE_SIZE
from mdmkit.http.hooks import RequestHooks
from mdmkit.http.ratelimit import Limiter
from mdmkit.http.retry import RetryPolicy
from mdmkit.http.transport import Timeout
from mdmkit.http.uploads import FileSource
from mdmkit.manageengine import mapping
from mdmkit.manageengine import models as native
from mdmkit.manageengine.auth import TokenStore
from mdmkit.manageengine.client import (
    DEFAULT_MAX_CONCURRENCY,
    ManageEngineClient,
    ManageEngineOptions,
    OnPremisesOptions,
)
from mdmkit.manageengine.resources._base import numeric_ids
from mdmkit.manageengine.resources.apps import Apps
from mdmkit.manageengine.resources.files import UploadStrategy
from mdmkit.manageengine.resources.groups import DEVICE_GROUP

__all__ = [
    "CAPABILITIES",
    "DEFAULT_UPLOAD_FIELDS",
    "ManageEngine",
    "ManageEngineApps",
    "ManageEngineAssignments",
    "ManageEngineDevices",
    "ManageEngineGroups",
]

logger: logging.Logger = logging.getLogger("mdmkit.manageengine")
T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")

CAPABILITIES = frozenset(Capability) - {Capability.ASSIGNMENTS_LIST}
NO_ASSIGNMENT_LIST = (
    "ManageEngine has no endpoint that lists where an app is distributed "
    "(its app counts say how many devices and groups, not which)"
)
DEFAULT_UPLOAD_FIELDS: Mapping[str, Any] = {"supported_devices": 3}
"""The ``apps.create`` fields ``upload`` and ``add_from_store`` send unless told otherwise."""
CREATE_FIELDS = frozenset(
    name
    for name, parameter in inspect.signature(Apps.create).parameters.items()
    if parameter.kind is inspect.Parameter.KEYWORD_ONLY
)
SET_BY_CALL = frozenset({"app_name", "app_type", "app_file", "bundle_identifier"})
"""Fields the neutral calls fill in themselves (never part of ``upload_defaults``)."""
UPLOAD_OPTIONS = frozenset({"strategy", "max_wait"})
"""``apps.create_enterprise``'s own knobs, accepted by ``upload`` as keyword arguments."""


def _field_problem(fields: Mapping[str, Any], allowed: frozenset[str]) -> tuple[str, str] | None:
    """The first field at fault among extra ``apps.create`` fields, and why; else None."""
    taken = sorted(set(fields) & (SET_BY_CALL - allowed))
    if taken:
        return taken[0], f"{', '.join(taken)}: set by the call itself (use name= or the identifier)"
    unknown = sorted(set(fields) - CREATE_FIELDS - allowed)
    if unknown:
        known = ", ".join(sorted(CREATE_FIELDS - SET_BY_CALL))
        return unknown[0], f"unknown apps.create field {', '.join(unknown)}; expected among {known}"
    return None


def _upload_defaults(given: Mapping[str, Any] | None) -> dict[str, Any]:
    fields = {**DEFAULT_UPLOAD_FIELDS, **(given or {})}
    problem = _field_problem(fields, frozenset())
    if problem:
        raise ConfigurationError(f"upload_defaults: {problem[1]}")
    return fields


def _platform(value: object) -> Platform | None:
    if value is None or isinstance(value, Platform):
        return value
    if isinstance(value, str) and value in Platform.__members__.values():
        return Platform(value)
    known = ", ".join(p.value for p in Platform)
    raise InvalidRequestError(
        f"platform must be a Platform ({known}), got {value!r}", field="platform"
    )


async def _both(
    first: Callable[[], Awaitable[A]], second: Callable[[], Awaitable[B]]
) -> tuple[A, B]:
    """Two calls at once; the first error cancels the other call and is raised as it is."""
    results: list[Any] = [None, None]
    errors: list[Exception] = []

    async with anyio.create_task_group() as group:

        async def run(index: int, call: Callable[[], Awaitable[Any]]) -> None:
            try:
                results[index] = await call()
            except Exception as exc:
                errors.append(exc)
                group.cancel_scope.cancel()

        group.start_soon(run, 0, first)
        group.start_soon(run, 1, second)
    if errors:
        raise errors[0]
    return results[0], results[1]


class _Section(Service):
    """What the four services share: the native client and the backend's name."""

    def __init__(self, mdm: ManageEngine) -> None:
        super().__init__(mdm)
        self._native = mdm.native
        self._source = mdm.name

    def _device(self, item: native.Device) -> Device:
        return mapping.device(item, self._source)

    def _group(self, item: native.Group) -> Group:
        return mapping.group(item, self._source)

    def _app(self, item: native.App) -> App:
        return mapping.app(item, self._source)


class ManageEngineDevices(_Section, DeviceService):
    """``mdm.devices`` on ManageEngine."""

    def list(
        self,
        *,
        platform: Platform | None = None,
        search: str | None = None,
        parallel: bool = False,
    ) -> Paginator[Device]:
        """Every device; Apple platforms other than the server's "iOS" are refined client-side.
        ``parallel``: several offset pages at once, once the first page gives the total."""
        wanted = _platform(platform)
        server = mapping.SERVER_PLATFORMS.get(wanted) if wanted is not None else None
        native = self._native.devices.list(search=search, platform=server, parallel=parallel)
        pager = native.map(self._device)
        if wanted is None or wanted in mapping.EXACT_ON_SERVER:
            return pager
        return pager.filter(lambda device: device.platform is wanted)

    def __init__(self, mdm: ManageEngine) -> None:
        super().__init__(mdm)
        self._summaries_denied = False

    async def get(self, device: DeviceRef) -> Device:
        """One device, with ``group_ids`` from its summary (both fetched at once).

        The device comes back whenever ``GET /devices/{id}`` does: when its summary fails
        (none for a pending, removed or retired device; a token without
        ``MDMOnDemand.MDMDeviceMgmt.READ``; any other error) ``group_ids_known`` is False.
        """
        device_id = self._id(device, "device")
        item, summary = await _both(
            lambda: self._native.devices.get(device_id),
            lambda: self._summary(device_id),
        )
        return mapping.device(item, self._source, summary=summary)

    async def _summary(self, device_id: str) -> native.DeviceSummary | None:
        """The device's summary, or None when it cannot be had (never an error)."""
        if self._summaries_denied:
            return None
        try:
            return await self._native.devices.summary(device_id)
        except PermissionDeniedError as exc:
            self._summaries_denied = True  # the token lacks the summary's scope: stop asking
            logger.debug("device summaries are not readable with this token: %s", exc)
        except MDMError as exc:
            logger.debug("no summary for device %s: %s", device_id, exc)
        return None

    async def lock(
        self,
        device: DeviceRef,
        *,
        message: str | None = None,
        phone_number: str | None = None,
        pin: str | None = None,
    ) -> None:
        """The ``lock`` action: ``lock_message``, ``phone_number`` and (Macs) ``unlock_pin``."""
        await self._native.devices.lock(
            self._id(device, "device"),
            lock_message=message,
            phone_number=phone_number,
            unlock_pin=pin,
        )

    async def wipe(self, device: DeviceRef, *, pin: str | None = None) -> None:
        """The ``complete_wipe`` action (``pin`` as ``wipe_lock_pin``)."""
        await self._native.devices.complete_wipe(self._id(device, "device"), wipe_lock_pin=pin)

    async def restart(self, device: DeviceRef) -> None:
        """The ``restart`` action."""
        await self._native.devices.restart(self._id(device, "device"))

    async def shutdown(self, device: DeviceRef) -> None:
        """The ``shutdown`` action."""
        await self._native.devices.shutdown(self._id(device, "device"))

    async def refresh(self, device: DeviceRef) -> None:
        """The ``scan`` action (the device reports its inventory again)."""
        await self._native.devices.scan(self._id(device, "device"))

    async def clear_passcode(self, device: DeviceRef) -> None:
        """The ``clear_passcode`` action."""
        await self._native.devices.clear_passcode(self._id(device, "device"))

    async def enable_lost_mode(
        self,
        device: DeviceRef,
        *,
        message: str | None = None,
        phone_number: str | None = None,
        footnote: str | None = None,
    ) -> None:
        """The ``enable_lost_mode`` action (``message`` as ``lock_message``); no footnote."""
        if footnote is not None:
            raise InvalidRequestError(
                "ManageEngine's lost mode has no footnote (only a message and a phone number)",
                field="footnote",
            )
        if not message and not phone_number:
            raise InvalidRequestError(
                "lost mode needs a message or a phone number", field="message"
            )
        await self._native.devices.enable_lost_mode(
            self._id(device, "device"), lock_message=message, phone_number=phone_number
        )

    async def disable_lost_mode(self, device: DeviceRef) -> None:
        """The ``disable_lost_mode`` action."""
        await self._native.devices.disable_lost_mode(self._id(device, "device"))


class ManageEngineApps(_Section, AppService):
    """``mdm.apps`` on ManageEngine: the App Repository."""

    def __init__(self, mdm: ManageEngine) -> None:
        super().__init__(mdm)
        self._defaults = mdm.upload_defaults

    def list(self, *, include_shared: bool = False) -> Paginator[App]:
        """Every app, with its release labels as channels. ManageEngine keeps no shared
        catalog apart from the App Repository, so ``include_shared`` lists the same apps."""
        checked_flag(include_shared, "include_shared")
        return self._native.apps.list().map(self._app)

    async def get(self, app: AppRef) -> App:
        """One app."""
        return self._app(await self._native.apps.get(self._id(app, "app")))

    async def upload(
        self, source: Any, *, name: str | None = None, filename: str | None = None, **vendor: Any
    ) -> App:
        """An enterprise app: upload the package, wait for the server, create the app.

        ``name`` defaults to the file name without its extension; ``vendor`` keyword arguments
        are ``apps.create`` fields (over ``upload_defaults``) or ``strategy`` / ``max_wait``.
        """
        fields = self._fields(vendor, UPLOAD_OPTIONS | {"bundle_identifier"})
        file = FileSource.of(source, filename=filename, field="source")
        app_name = name if name is not None else PurePath(file.filename).stem
        created = await self._native.apps.create_enterprise(file, app_name=app_name, **fields)
        return self._app(created)

    async def add_from_store(
        self, identifier: str | int, *, name: str | None = None, **vendor: Any
    ) -> App:
        """A free store app (``app_type=2`` for a paid one) by its bundle identifier.

        ManageEngine's create takes no store id: the identifier goes as ``bundle_identifier``
        (a numeric store id is sent as it is). ``name`` defaults to the identifier; a store
        app other than iOS needs ``platform_type`` (2 Android, 3 Windows).
        """
        if isinstance(identifier, bool) or not isinstance(identifier, str | int):
            raise InvalidRequestError(
                f"identifier must be a bundle identifier, got {identifier!r}", field="identifier"
            )
        bundle = str(identifier).strip()
        if not bundle:
            raise InvalidRequestError("identifier is empty", field="identifier")
        fields = {"app_type": 1, **self._fields(vendor, frozenset({"app_type"}))}
        created = await self._native.apps.create(
            app_name=name if name is not None else bundle, bundle_identifier=bundle, **fields
        )
        return self._app(created)

    async def delete(self, app: AppRef) -> None:
        """Remove the app from the App Repository."""
        await self._native.apps.delete(self._id(app, "app"))

    def _fields(self, vendor: Mapping[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
        """``upload_defaults`` with the call's fields over them, checked before anything is sent."""
        problem = _field_problem(vendor, allowed)
        if problem:
            raise InvalidRequestError(problem[1], field=problem[0])
        fields = {**self._defaults, **vendor}
        if fields.get("app_category_id") is None:
            raise InvalidRequestError(
                "ManageEngine needs app_category_id to add an app: set it once in "
                "upload_defaults={'app_category_id': ...} or pass app_category_id=...",
                field="app_category_id",
            )
        return fields


class ManageEngineGroups(_Section, GroupService):
    """``mdm.groups`` on ManageEngine: device, user and tag groups."""

    def list(self) -> Paginator[Group]:
        """Every group (device, user and tag groups)."""
        return self._native.groups.list().map(self._group)

    async def get(self, group: GroupRef) -> Group:
        """One group."""
        return self._group(await self._native.groups.get(self._id(group, "group")))

    def members(self, group: GroupRef) -> Paginator[Device]:
        """The devices in a group (for a user group: its users' devices)."""
        group_id = self._id(group, "group")
        return self._native.devices.list(group_id=group_id).map(self._device)

    async def create(self, name: str) -> Group:
        """A new device group (``group_type`` 6)."""
        return self._group(await self._native.groups.create(name=name, group_type=DEVICE_GROUP))

    async def add_device(self, group: GroupRef, device: DeviceRef) -> None:
        """Add the device to the group."""
        group_id = self._id(group, "group")
        await self._native.groups.add_members(group_id, [self._id(device, "device")])

    async def remove_device(self, group: GroupRef, device: DeviceRef) -> None:
        """Take the device out of the group."""
        group_id = self._id(group, "group")
        await self._native.groups.remove_member(group_id, self._id(device, "device"))


class ManageEngineAssignments(_Section, AssignmentService):
    """``mdm.assignments`` on ManageEngine: apps distributed through a release label (the
    Stable one unless ``channel`` names another)."""

    def list(self, *, app: AppRef | None = None) -> Paginator[AppAssignment]:
        """Raises UnsupportedOperation: ManageEngine cannot list where an app is distributed."""
        self._require(Capability.ASSIGNMENTS_LIST, NO_ASSIGNMENT_LIST)
        raise NotImplementedError(NO_ASSIGNMENT_LIST)  # _require raised: the capability is absent

    async def _assign(
        self,
        app: str,
        devices: builtins.list[str],
        groups: builtins.list[str],
        install: InstallMode,
        channel: str | None,
    ) -> builtins.list[AppAssignment]:
        numeric_ids(devices, "devices", required=False)  # ManageEngine ids are numbers: check
        numeric_ids(groups, "groups", required=False)  # them before the app is even fetched
        item = await self._native.apps.get(app)
        if channel is None:
            label = mapping.stable_label(item)
            if label is None:
                raise InvalidRequestError(
                    f"app {app} has no release label to distribute", field="app"
                )
        else:
            label = next(
                (x for x in item.release_labels if str(x.release_label_id) == channel), None
            )
            if label is None:
                known = ", ".join(
                    f"{x.release_label_id} ({x.release_label_name})" for x in item.release_labels
                )
                raise InvalidRequestError(
                    f"app {app} has no channel {channel}; its channels: {known}", field="channel"
                )
        silent = install is InstallMode.AUTOMATIC
        label_id = label.release_label_id
        if devices:
            await self._native.apps.associate_devices(app, label_id, devices, silent_install=silent)
        if groups:
            await self._native.apps.associate_groups(app, label_id, groups, silent_install=silent)
        return mapping.assignments(
            app, label, install, self._source, devices=devices, groups=groups
        )

    async def _unassign(
        self, app: str, devices: builtins.list[str], groups: builtins.list[str]
    ) -> None:
        for device_id in devices:
            await self._native.apps.disassociate_device(app, device_id)
        for group_id in groups:
            await self._native.apps.disassociate_group(app, group_id)


class ManageEngine(MDM):
    """ManageEngine MDM (Cloud or on-premises) behind the common interface; ``async with``.

    ``native`` is the complete ``ManageEngineClient``. ``upload_defaults`` are extra
    ``apps.create`` fields for ``apps.upload`` and ``apps.add_from_store``; ManageEngine needs
    ``app_category_id`` (no default) and ``supported_devices`` (default 3).
    """

    vendor = Vendor.MANAGEENGINE
    name: str
    capabilities: frozenset[Capability] = CAPABILITIES
    native: ManageEngineClient
    upload_defaults: Mapping[str, Any]
    devices: ManageEngineDevices
    apps: ManageEngineApps
    groups: ManageEngineGroups
    assignments: ManageEngineAssignments

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        *,
        data_center: str = "us",
        base_url: str | None = None,
        accounts_url: str | None = None,
        token_store: TokenStore | None = None,
        name: str | None = None,
        upload_defaults: Mapping[str, Any] | None = None,
        upload_strategy: UploadStrategy = "emsapi",
        server_aliases: Iterable[str] = (),
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
        defaults = _upload_defaults(upload_defaults)
        client = ManageEngineClient(
            client_id,
            client_secret,
            refresh_token,
            data_center=data_center,
            base_url=base_url,
            accounts_url=accounts_url,
            token_store=token_store,
            upload_strategy=upload_strategy,
            server_aliases=server_aliases,
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
        self._attach(client, name, defaults)

    @classmethod
    def on_premises(
        cls,
        server_url: str,
        api_key: str,
        *,
        name: str | None = None,
        upload_defaults: Mapping[str, Any] | None = None,
        **options: Unpack[OnPremisesOptions],
    ) -> Self:
        """An on-premises MDM Plus server, authenticated by an API key (``options``: the knobs)."""
        defaults = _upload_defaults(upload_defaults)
        client = ManageEngineClient.on_premises(server_url, api_key, **options)
        return cls._around(client, name, defaults)

    @classmethod
    def from_env(
        cls,
        *,
        name: str | None = None,
        upload_defaults: Mapping[str, Any] | None = None,
        **options: Unpack[ManageEngineOptions],
    ) -> Self:
        """Credentials from ``MANAGEENGINE_*`` variables (see ``ManageEngineClient.from_env``)."""
        defaults = _upload_defaults(upload_defaults)
        return cls._around(ManageEngineClient.from_env(**options), name, defaults)

    @classmethod
    def from_client(
        cls,
        client: ManageEngineClient,
        *,
        name: str | None = None,
        upload_defaults: Mapping[str, Any] | None = None,
    ) -> Self:
        """The common interface over a native client you built (closing one closes both)."""
        return cls._around(client, name, _upload_defaults(upload_defaults))

    @classmethod
    def _around(
        cls, client: ManageEngineClient, name: str | None, defaults: dict[str, Any]
    ) -> Self:
        mdm = cls.__new__(cls)
        mdm._attach(client, name, defaults)
        return mdm

    def _attach(
        self, client: ManageEngineClient, name: str | None, defaults: dict[str, Any]
    ) -> None:
        self.native = client
        self.name = self.named(client, name)
        self.upload_defaults = defaults
        self._bind_services()

    def _bind_services(self) -> None:
        self.devices = ManageEngineDevices(self)
        self.apps = ManageEngineApps(self)
        self.groups = ManageEngineGroups(self)
        self.assignments = ManageEngineAssignments(self)

    def with_options(
        self, *, timeout: Timeout | None = None, retry: RetryPolicy | None = None
    ) -> Self:
        """This backend with another ``timeout`` or ``retry`` policy for the calls made through
        it; it shares the session, limits, token cache, hooks and upload defaults (see
        ``ManageEngineClient.with_options``)."""
        return self._view(self.native.with_options(timeout=timeout, retry=retry))
