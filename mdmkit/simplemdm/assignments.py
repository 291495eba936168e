"""App assignments over SimpleMDM's assignment groups.

SimpleMDM assigns apps through assignment groups, which pair apps with devices and groups:

- a static or dynamic group (New Groups Experience) takes an app directly: the group is both
  the target and the carrier;
- a device or a legacy device group needs a carrier: an assignment group mdmkit creates per
  app and install mode, named ``"mdmkit: <app name> (<app id>)"`` and found again by that
  name, holding just that app and the devices and device groups it was assigned to.

Undoing an assignment never takes more than asked: when the only way would also remove other
apps (or profiles) from a target, or the app from other targets, it raises and explains.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from typing import TypeVar

import anyio
import attrs

from mdmkit.core.errors import InvalidRequestError
from mdmkit.core.interface import MDM, AppRef, AssignmentService
from mdmkit.core.models import AppAssignment, InstallMode, Target, TargetKind
from mdmkit.core.pagination import Page, Paginator
from mdmkit.simplemdm.mapping import (
    ASSIGNMENT_GROUP,
    DEVICE_GROUP,
    Experience,
    assignment,
    assignments_of,
    carrier_app_id,
    carrier_name,
    group_id,
    install_of,
    native_id,
    nge_kind,
    parse_group_id,
    targets_of,
)
from mdmkit.simplemdm.models import AssignmentGroup
from mdmkit.simplemdm.neutral import Backed, Listing, already_so, chained, paired

__all__ = ["SimpleMDMAssignments", "Step", "plan_unassign"]

T = TypeVar("T")


# -- undoing assignments -----------------------------------------------------------------------


@attrs.frozen
class Step:
    """One native call of an unassign: ``assignment_groups.<action>(group, member)``."""

    action: str  # "unassign_app", "unassign_device" or "unassign_device_group"
    group: int
    member: int


def _describe(targets: Iterable[Target]) -> str:
    return ", ".join(f"{t.kind.value} {t.id}" for t in targets)


def _removal(group: AssignmentGroup, target: Target) -> Step:
    if target.kind is TargetKind.DEVICE:
        return Step("unassign_device", group.id, int(target.id))
    return Step("unassign_device_group", group.id, parse_group_id(target.id)[1])


def _not_assigned(
    app: int, missing: Sequence[Target], groups: Sequence[AssignmentGroup], experience: Experience
) -> str:
    text = f"app {app} is not assigned to {_describe(missing)}"
    for target in missing:
        if target.kind is not TargetKind.DEVICE:
            continue
        through = [
            group_id(ASSIGNMENT_GROUP, g.id)
            for g in groups
            if nge_kind(g, experience) is not None
            and app in g.app_ids
            and int(target.id) in g.device_ids
        ]
        if through:
            text += (
                f"; it reaches device {target.id} through group {', '.join(through)}: "
                "unassign it from the group"
            )
    return text


def _collateral(
    app: int, group: AssignmentGroup, asked: Sequence[Target], experience: Experience
) -> str:
    others = [a for a in group.app_ids if a != app]
    carried = [f"apps {', '.join(map(str, others))}"] if others else []
    if group.profile_ids:
        carried.append(f"profiles {', '.join(map(str, group.profile_ids))}")
    remaining = [t for t in targets_of(group, experience) if t not in asked]
    return (
        f"cannot unassign app {app} from {_describe(asked)}: assignment group "
        f'"{group.name}" ({group.id}) also carries {" and ".join(carried)} and targets '
        f"{_describe(remaining)}, so undoing this would remove more than asked (taking the "
        "target out of the group removes the other apps from it; taking the app out of the "
        "group removes it from the other targets). Split the group in SimpleMDM first."
    )


def plan_unassign(
    app: int,
    targets: Sequence[Target],
    groups: Sequence[AssignmentGroup],
    experience: Experience,
) -> builtins.list[Step]:
    """The native calls that undo ``app`` on ``targets`` and nothing else, or an
    ``InvalidRequestError`` (before anything is changed) saying why that cannot be done."""
    asked: dict[int, builtins.list[Target]] = {}
    missing: builtins.list[Target] = []
    for target in targets:
        holders = [g for g in groups if app in g.app_ids and target in targets_of(g, experience)]
        missing += [] if holders else [target]
        for holder in holders:
            asked.setdefault(holder.id, []).append(target)
    if missing:
        field = "devices" if missing[0].kind is TargetKind.DEVICE else "groups"
        raise InvalidRequestError(_not_assigned(app, missing, groups, experience), field=field)
    steps: builtins.list[Step] = []
    for group in groups:
        wanted = asked.get(group.id)
        if wanted is None:
            continue
        only_this_app = set(group.app_ids) == {app} and not group.profile_ids
        own_group = nge_kind(group, experience) is not None
        if not own_group and only_this_app:
            steps += [_removal(group, target) for target in wanted]
        elif own_group or all(t in wanted for t in targets_of(group, experience)):
            steps.append(Step("unassign_app", group.id, app))
        else:
            raise InvalidRequestError(_collateral(app, group, wanted, experience), field="app")
    return steps


# -- the service -------------------------------------------------------------------------------


class SimpleMDMAssignments(Backed, AssignmentService):
    """``mdm.assignments`` on SimpleMDM: apps to devices and groups through assignment groups.

    ``install=AUTOMATIC`` makes the carrier auto-deploy and pushes its apps right away.
    ``ON_DEMAND`` makes the app available only: SimpleMDM then installs it when apps are
    pushed later (``assignment_groups.push_apps``) or, on macOS, from Munki self-serve; there
    is no iOS self-service catalog. A static or dynamic group keeps its own auto-deploy
    setting, which the returned assignment's ``install`` reports.
    """

    def __init__(self, mdm: MDM) -> None:
        super().__init__(mdm)
        self._carrier_lock = anyio.Lock()

    def list(self, *, app: AppRef | None = None) -> Paginator[AppAssignment]:
        """Every assignment (of one ``app``), read from every assignment group: a static or
        dynamic group is one target; a group that carries apps (every one on a classic
        account) gives one per device group and device it carries them to."""
        apps = None if app is None else [native_id(self._id(app, "app"), "app")]
        source = self._source
        groups = self._native.assignment_groups

        async def fetch(cursor: str | None) -> Page[tuple[AssignmentGroup, Experience]]:
            experience = await self._experience()
            return paired(await groups.list(starting_after=cursor), experience)

        def convert(pair: tuple[AssignmentGroup, Experience]) -> builtins.list[AppAssignment]:
            return assignments_of(pair[0], pair[1], source=source, apps=apps)

        return chained(Listing(ASSIGNMENT_GROUP, fetch, convert))

    async def _nge_group(self, ident: int, experience: Experience) -> AssignmentGroup:
        group = await self._native.assignment_groups.get(ident)
        if nge_kind(group, experience) is None:
            raise InvalidRequestError(
                f'assignment group {ident} ("{group.name}") carries apps; it is not a static '
                "or dynamic group to assign to",
                field="groups",
            )
        return group

    async def _direct(
        self, idents: builtins.list[int]
    ) -> builtins.list[tuple[AssignmentGroup, Target]]:
        """The static or dynamic groups named, each its own target (the account's experience
        says which groups those are: it is read only when a group is named)."""
        if not idents:
            return []
        experience = await self._experience()
        groups = [await self._nge_group(ident, experience) for ident in idents]
        return [(group, targets_of(group, experience)[0]) for group in groups]

    async def _all_groups(self) -> builtins.list[AssignmentGroup]:
        return await self._native.assignment_groups.list().collect()

    async def _carrier(self, app: int, install: InstallMode) -> AssignmentGroup:
        """The group carrying ``app`` to devices with ``install``, created on first use."""
        async with self._carrier_lock:
            found = [
                g
                for g in await self._all_groups()
                if carrier_app_id(g) == app and install_of(g) is install
            ]
            if found:
                return min(found, key=lambda g: g.id)
            name = (await self._native.apps.get(app)).name
            return await self._native.assignment_groups.create(
                name=carrier_name(name, app), auto_deploy=install is InstallMode.AUTOMATIC
            )

    async def _assign(
        self,
        app: str,
        devices: builtins.list[str],
        groups: builtins.list[str],
        install: InstallMode,
        channel: str | None,
    ) -> builtins.list[AppAssignment]:
        if channel is not None:
            raise InvalidRequestError(
                "SimpleMDM apps have no release channels: drop channel", field="channel"
            )
        app_id = native_id(app, "app")
        device_ids = list(dict.fromkeys(native_id(d, "devices") for d in devices))
        group_ids = list(dict.fromkeys(parse_group_id(g) for g in groups))
        legacy = [ident for kind, ident in group_ids if kind == DEVICE_GROUP]
        # read (and make the carrier) first: a wrong group or a missing app changes nothing
        direct = await self._direct([i for kind, i in group_ids if kind == ASSIGNMENT_GROUP])
        needed = bool(device_ids or legacy)
        carrier = (await self._carrier(app_id, install)).id if needed else None
        native = self._native.assignment_groups
        carried: dict[Target, int] = {}  # each target and the group that carries the app to it
        for group, target in direct:
            await already_so(native.assign_app(group.id, app_id))
            carried[target] = group.id
        if carrier is not None:
            await already_so(native.assign_app(carrier, app_id))
            for device in device_ids:
                await already_so(native.assign_device(carrier, device))
                carried[Target(TargetKind.DEVICE, str(device))] = carrier
            for device_group in legacy:
                await already_so(native.assign_device_group(carrier, device_group))
                carried[Target(TargetKind.GROUP, group_id(DEVICE_GROUP, device_group))] = carrier
        touched = list(dict.fromkeys(carried.values()))
        if install is InstallMode.AUTOMATIC:
            for ident in touched:
                await native.push_apps(ident)
        now = {ident: await native.get(ident) for ident in touched}
        order = [Target(TargetKind.DEVICE, str(d)) for d in device_ids]
        order += [Target(TargetKind.GROUP, group_id(kind, i)) for kind, i in group_ids]
        return [assignment(app_id, t, now[carried[t]], source=self._source) for t in order]

    async def _unassign(
        self, app: str, devices: builtins.list[str], groups: builtins.list[str]
    ) -> None:
        app_id = native_id(app, "app")
        targets = [Target(TargetKind.DEVICE, str(native_id(d, "devices"))) for d in devices]
        for value in groups:
            kind, ident = parse_group_id(value)
            targets.append(Target(TargetKind.GROUP, group_id(kind, ident)))
        experience = await self._experience()
        carriers = await self._all_groups()
        steps = plan_unassign(app_id, list(dict.fromkeys(targets)), carriers, experience)
        native = self._native.assignment_groups
        for step in steps:
            await already_so(getattr(native, step.action)(step.group, step.member))
