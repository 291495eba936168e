"""``Fleet``: several MDM backends (two tenants of one vendor included) as one.

Lists merge concurrently: every member is read at once and pages are handed on as they
arrive, so the first devices show up before the slowest backend finishes, and each member
stays one page deep. Gets and actions go to the backend named by the object's ``source``.
Use it as ``async with Fleet(sm, me) as fleet:``; closing it closes its members.
"""

from __future__ import annotations

import builtins
import contextlib
import inspect
from collections.abc import AsyncGenerator, Callable, Iterable
from types import TracebackType
from typing import Any, Self, TypeVar

import anyio
import anyio.abc
from anyio.streams.memory import MemoryObjectSendStream

from mdmkit.core.bulk import BulkResult, Outcome, ProgressCallback, task_group
from mdmkit.core.errors import ConfigurationError, InvalidRequestError, UnsupportedOperation
from mdmkit.core.interface import (
    DEVICE_ACTIONS,
    MDM,
    AppRef,
    DeviceAction,
    DeviceRef,
    GroupRef,
    checked_action,
    checked_flag,
)
from mdmkit.core.models import (
    App,
    AppAssignment,
    AppChannel,
    Capability,
    Device,
    Group,
    InstallMode,
    Platform,
)
from mdmkit.core.pagination import Page, Paginator, StreamedPaginator

__all__ = ["Fleet", "MergedPaginator"]

T = TypeVar("T")
U = TypeVar("U")
Ref = Device | App | Group | AppAssignment | tuple[str, str | int]


class MergedPaginator(StreamedPaginator[T]):
    """Items of several paginators, interleaved as their pages arrive.

    A merged listing cannot resume from a cursor (each page's ``cursor`` is None); list a
    member on its own to page through it resumably.
    """

    def __init__(self, fleet: Fleet, sources: builtins.list[tuple[str, Paginator[T]]]) -> None:
        super().__init__(self._merged, listing="a merged Fleet listing")
        self._fleet = fleet
        self._sources = sources

    def map(self, convert: Callable[[T], U]) -> Paginator[U]:
        return MergedPaginator(self._fleet, [(n, p.map(convert)) for n, p in self._sources])

    async def _merged(self) -> AsyncGenerator[Page[T], None]:
        """Pages from every member, in the order they arrive."""
        group = self._fleet.task_group()
        send, receive = anyio.create_memory_object_stream[tuple[str, Page[T] | Exception]]()
        scopes = [anyio.CancelScope() for _ in self._sources]
        for scope, (name, pager) in zip(scopes, self._sources, strict=True):
            group.start_soon(_produce, scope, name, pager, send.clone())
        send.close()
        active = {name for name, _ in self._sources}
        try:
            async with receive:
                async for name, item in receive:
                    if isinstance(item, Exception):
                        item.add_note(f"raised while listing fleet member {name!r}")
                        raise item
                    if not item.has_more:
                        active.discard(name)
                    yield Page(items=item.items, has_more=bool(active), total=None)
                    del item  # not held while the next page is received
        finally:
            for scope in scopes:
                scope.cancel()


async def _produce(
    scope: anyio.CancelScope,
    name: str,
    pager: Paginator[T],
    send: MemoryObjectSendStream[tuple[str, Page[T] | Exception]],
) -> None:
    """Read one member's pages into the stream; a failure goes through the stream too."""
    with scope:
        async with send:
            try:
                async for page in pager.pages():
                    await send.send((name, page))
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                return  # the reader stopped early
            except Exception as error:
                with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                    await send.send((name, error))


class _FleetService:
    """What the fleet's services share: finding the member an object belongs to."""

    def __init__(self, fleet: Fleet) -> None:
        self._fleet = fleet

    def _route(self, ref: object, field: str) -> tuple[MDM, Any]:
        """The member that owns ``ref``, and the ref to hand it (the model, or the bare id)."""
        if isinstance(ref, Device | App | Group | AppAssignment):
            return self._fleet.member(ref.source), ref
        if isinstance(ref, tuple) and len(ref) == 2 and isinstance(ref[0], str):
            return self._fleet.member(ref[0]), ref[1]
        raise InvalidRequestError(
            f"a Fleet needs the {field} object (or a (source, id) pair) to know which backend "
            f"it belongs to; got {ref!r}",
            field=field,
        )

    def _merged(
        self, capability: Capability, list_of: Callable[[MDM], Paginator[T]]
    ) -> Paginator[T]:
        lacking = [m for m in self._fleet.members.values() if capability not in m.capabilities]
        if lacking:
            names = ", ".join(f"{m.name} ({m.vendor.value})" for m in lacking)
            raise UnsupportedOperation(names, capability.value, "list the other members one by one")
        return MergedPaginator(
            self._fleet, [(m.name, list_of(m)) for m in self._fleet.members.values()]
        )


class FleetDevices(_FleetService):
    """``fleet.devices``: every member's devices; actions go to each device's own backend."""

    def list(
        self,
        *,
        platform: Platform | None = None,
        search: str | None = None,
        parallel: bool = False,
    ) -> Paginator[Device]:
        """Every member's devices, merged as they arrive; ``parallel``: each member reads its
        own list with several pages in flight (``MDM.devices.list(parallel=True)``)."""
        wanted = {"parallel": True} if checked_flag(parallel, "parallel") else {}
        return self._merged(
            Capability.DEVICES_LIST,
            lambda m: m.devices.list(platform=platform, search=search, **wanted),
        )

    async def get(self, device: DeviceRef | tuple[str, str | int]) -> Device:
        member, ref = self._route(device, "device")
        return await member.devices.get(ref)

    async def lock(self, device: Ref, **arguments: Any) -> None:
        member, ref = self._route(device, "device")
        await member.devices.lock(ref, **arguments)

    async def wipe(self, device: Ref, **arguments: Any) -> None:
        member, ref = self._route(device, "device")
        await member.devices.wipe(ref, **arguments)

    async def restart(self, device: Ref) -> None:
        member, ref = self._route(device, "device")
        await member.devices.restart(ref)

    async def shutdown(self, device: Ref) -> None:
        member, ref = self._route(device, "device")
        await member.devices.shutdown(ref)

    async def refresh(self, device: Ref) -> None:
        member, ref = self._route(device, "device")
        await member.devices.refresh(ref)

    async def clear_passcode(self, device: Ref) -> None:
        member, ref = self._route(device, "device")
        await member.devices.clear_passcode(ref)

    async def enable_lost_mode(self, device: Ref, **arguments: Any) -> None:
        member, ref = self._route(device, "device")
        await member.devices.enable_lost_mode(ref, **arguments)

    async def disable_lost_mode(self, device: Ref) -> None:
        member, ref = self._route(device, "device")
        await member.devices.disable_lost_mode(ref)

    async def run(
        self,
        action: DeviceAction,
        devices: Iterable[Ref],
        *,
        concurrency: int | None = None,
        on_progress: ProgressCallback | None = None,
        **arguments: Any,
    ) -> BulkResult[None]:
        """One action on devices of several backends: one outcome per device, in input order.

        Each backend runs its share under its own limits; a backend that lacks the action
        gets an ``UnsupportedOperation`` outcome for each of its devices, sending nothing.
        """
        action = checked_action(action)
        targets = list(devices)
        shares: dict[str, list[int]] = {}
        for index, device in enumerate(targets):
            member, _ = self._route(device, "device")
            shares.setdefault(member.name, []).append(index)
        for name in shares:  # bad arguments are refused once, before any backend starts
            member = self._fleet.member(name)
            if DEVICE_ACTIONS[action] in member.capabilities:
                member.devices._check_action(action, arguments)
        outcomes: list[Outcome[None] | None] = [None] * len(targets)
        done = 0

        async def relay(outcome: Outcome[Any], _done: int, _total: int) -> None:
            nonlocal done
            done += 1
            if on_progress is not None:
                reported = on_progress(outcome, done, len(targets))
                if inspect.isawaitable(reported):
                    await reported

        async def run_share(name: str, indices: builtins.list[int]) -> None:
            member = self._fleet.member(name)
            refs = [self._route(targets[i], "device")[1] for i in indices]
            if DEVICE_ACTIONS[action] not in member.capabilities:
                error = UnsupportedOperation(member.vendor.value, DEVICE_ACTIONS[action].value)
                for i in indices:
                    refused: Outcome[None] = Outcome(i, targets[i], error=error)
                    outcomes[i] = refused
                    await relay(refused, 0, 0)
                return
            result = await member.devices.run(
                action, refs, concurrency=concurrency, on_progress=relay, **arguments
            )
            for i, outcome in zip(indices, result, strict=True):
                outcomes[i] = Outcome(i, targets[i], value=outcome.value, error=outcome.error)

        async with task_group() as group:  # a raising on_progress stops the run, as itself
            for name, indices in shares.items():
                group.start_soon(run_share, name, indices)
        return BulkResult(tuple(o for o in outcomes if o is not None))


class FleetApps(_FleetService):
    """``fleet.apps``: every member's catalog; new apps go to the member you name."""

    def list(self, *, include_shared: bool = False) -> Paginator[App]:
        checked_flag(include_shared, "include_shared")
        return self._merged(
            Capability.APPS_LIST, lambda m: m.apps.list(include_shared=include_shared)
        )

    async def get(self, app: AppRef | tuple[str, str | int]) -> App:
        member, ref = self._route(app, "app")
        return await member.apps.get(ref)

    async def upload(self, source: Any, *, member: str, **options: Any) -> App:
        return await self._fleet.member(member).apps.upload(source, **options)

    async def add_from_store(self, identifier: str | int, *, member: str, **options: Any) -> App:
        return await self._fleet.member(member).apps.add_from_store(identifier, **options)

    async def delete(self, app: AppRef | tuple[str, str | int]) -> None:
        member, ref = self._route(app, "app")
        await member.apps.delete(ref)


class FleetGroups(_FleetService):
    """``fleet.groups``: every member's groups; members and changes go to the group's backend."""

    def list(self) -> Paginator[Group]:
        return self._merged(Capability.GROUPS_LIST, lambda m: m.groups.list())

    async def get(self, group: GroupRef | tuple[str, str | int]) -> Group:
        member, ref = self._route(group, "group")
        return await member.groups.get(ref)

    def members(self, group: GroupRef | tuple[str, str | int]) -> Paginator[Device]:
        member, ref = self._route(group, "group")
        return member.groups.members(ref)

    async def create(self, name: str, *, member: str) -> Group:
        return await self._fleet.member(member).groups.create(name)

    async def add_device(self, group: Ref, device: Ref) -> None:
        member, group_ref = self._route(group, "group")
        await member.groups.add_device(group_ref, self._same_member(member, device))

    async def remove_device(self, group: Ref, device: Ref) -> None:
        member, group_ref = self._route(group, "group")
        await member.groups.remove_device(group_ref, self._same_member(member, device))

    def _same_member(self, member: MDM, device: Ref) -> Any:
        owner, ref = self._route(device, "device")
        if owner is not member:
            raise InvalidRequestError(
                f"the device is on {owner.name!r} and the group on {member.name!r}", field="device"
            )
        return ref


class FleetAssignments(_FleetService):
    """``fleet.assignments``: assignments go to the app's backend."""

    def list(
        self, *, app: AppRef | tuple[str, str | int] | None = None
    ) -> Paginator[AppAssignment]:
        if app is not None:
            member, ref = self._route(app, "app")
            return member.assignments.list(app=ref)
        return self._merged(Capability.ASSIGNMENTS_LIST, lambda m: m.assignments.list())

    async def assign(
        self,
        app: Ref,
        *,
        devices: Iterable[Ref] = (),
        groups: Iterable[Ref] = (),
        install: InstallMode = InstallMode.AUTOMATIC,
        channel: AppChannel | str | None = None,
    ) -> builtins.list[AppAssignment]:
        member, ref = self._route(app, "app")
        return await member.assignments.assign(
            ref,
            devices=[self._unwrap(member, d) for d in devices],
            groups=[self._unwrap(member, g) for g in groups],
            install=install,
            channel=channel,
        )

    async def unassign(
        self, assignment: Ref, *, devices: Iterable[Ref] = (), groups: Iterable[Ref] = ()
    ) -> None:
        member, ref = self._route(assignment, "assignment")
        await member.assignments.unassign(
            ref,
            devices=[self._unwrap(member, d) for d in devices],
            groups=[self._unwrap(member, g) for g in groups],
        )

    def _unwrap(self, member: MDM, ref: Ref) -> Any:
        owner, inner = self._route(ref, "target")
        if owner is not member:
            raise InvalidRequestError(
                f"a target is on {owner.name!r} but the app is on {member.name!r}", field="target"
            )
        return inner


class Fleet:
    """Several MDM backends behind the same four services."""

    def __init__(self, *mdms: MDM) -> None:
        if not mdms:
            raise ConfigurationError("a Fleet needs at least one MDM")
        self.members: dict[str, MDM] = {}
        for mdm in mdms:
            if mdm.name in self.members:
                raise ConfigurationError(
                    f"two members are named {mdm.name!r}: pass name= to tell tenants apart"
                )
            self.members[mdm.name] = mdm
        self.devices: FleetDevices = FleetDevices(self)
        self.apps: FleetApps = FleetApps(self)
        self.groups: FleetGroups = FleetGroups(self)
        self.assignments: FleetAssignments = FleetAssignments(self)
        self._task_group: anyio.abc.TaskGroup | None = None

    def __repr__(self) -> str:
        return f"<Fleet {list(self.members)}>"

    @property
    def capabilities(self) -> dict[str, frozenset[Capability]]:
        """What each member can do, by member name."""
        return {name: mdm.capabilities for name, mdm in self.members.items()}

    def member(self, name: str) -> MDM:
        """The member called ``name`` (an object's ``source``)."""
        try:
            return self.members[name]
        except KeyError:
            raise InvalidRequestError(
                f"no fleet member is named {name!r}; members: {', '.join(self.members)}",
                field="source",
            ) from None

    def task_group(self) -> anyio.abc.TaskGroup:
        """The task group merged listings run in (open while the Fleet is entered)."""
        if self._task_group is None:
            raise ConfigurationError(
                "enter the Fleet with `async with Fleet(...)` to list across it"
            )
        return self._task_group

    async def __aenter__(self) -> Self:
        group = anyio.create_task_group()
        await group.__aenter__()
        self._task_group = group
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        group, self._task_group = self._task_group, None
        try:
            if group is not None:
                group.cancel_scope.cancel()
                if isinstance(exc, Exception):
                    # the body's own error comes out as itself, not inside an ExceptionGroup:
                    # the listings' tasks are only told to stop (a failure of theirs goes to
                    # their reader, in the body, so there is none left to report here)
                    await group.__aexit__(None, None, None)
                else:  # no error, or cancellation and its kin: anyio must see them
                    await group.__aexit__(exc_type, exc, tb)
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Close every member."""
        for mdm in self.members.values():
            await mdm.aclose()
