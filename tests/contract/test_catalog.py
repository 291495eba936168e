"""Neutral apps, groups and assignments, the same for SimpleMDM, ManageEngine and a Fleet."""

from __future__ import annotations

from typing import Any

import pytest

from mdmkit.core.errors import APIError, InvalidRequestError, UnsupportedOperation
from mdmkit.core.fleet import Fleet
from mdmkit.core.models import App, AppKind, GroupKind, InstallMode, TargetKind
from tests.contract.conftest import Backend

pytestmark = pytest.mark.anyio


def on_member(backend: Backend) -> dict[str, Any]:
    """Where new objects go: a Fleet needs the member named; a single MDM does not."""
    return {"member": backend.members[0].name} if isinstance(backend.mdm, Fleet) else {}


async def upload(backend: Backend, name: str = "Field Notes") -> App:
    vendor = backend.members[0].vendor.value
    app: App = await backend.mdm.apps.upload(
        b"PK\x03\x04 package", filename=backend.package(vendor), name=name, **on_member(backend)
    )
    return app


async def test_apps_list_get_upload_store_delete(backend: Backend) -> None:
    before = await backend.mdm.apps.list().collect()
    assert before
    assert (await backend.mdm.apps.get(before[0])).id == before[0].id
    app = await upload(backend)
    assert app.kind in (AppKind.ENTERPRISE, AppKind.PACKAGE)
    assert app.name == "Field Notes"
    store = await backend.mdm.apps.add_from_store("com.example.fieldnotes", **on_member(backend))
    assert store.kind is AppKind.STORE
    after = await backend.mdm.apps.list().collect()
    assert {a.id for a in after} == {a.id for a in before} | {app.id, store.id}
    await backend.mdm.apps.delete(app)
    with pytest.raises(APIError):
        await backend.mdm.apps.get(app)


async def test_apps_list_includes_the_shared_catalog_only_when_asked(backend: Backend) -> None:
    own = await backend.mdm.apps.list().collect()
    everything = await backend.mdm.apps.list(include_shared=True).collect()
    added = [a for a in everything if a not in own]
    assert [a for a in everything if a in own] == own
    assert AppKind.SHARED not in {a.kind for a in own}
    if backend.simplemdm is not None:  # SimpleMDM's shared catalog, read as kind SHARED
        shared = [a.id for a in backend.simplemdm.state.apps.values() if a.shared]
        assert [(a.id, a.kind) for a in added] == [(str(i), AppKind.SHARED) for i in shared]
    else:  # ManageEngine keeps no shared catalog apart: the same apps
        assert added == []
    for bad in (1, "true", None):
        with pytest.raises(InvalidRequestError, match="include_shared must be True or False"):
            backend.mdm.apps.list(include_shared=bad)


async def test_groups_create_add_remove_members(backend: Backend) -> None:
    groups = await backend.mdm.groups.list().collect()
    assert groups
    assert (await backend.mdm.groups.get(groups[0])).id == groups[0].id
    group = await backend.mdm.groups.create("Pilot", **on_member(backend))
    assert group.kind is GroupKind.STATIC
    member = next(m for m in backend.members if m.name == group.source)
    device = await member.devices.list().first()
    assert device is not None
    await backend.mdm.groups.add_device(group, device)
    assert [d.id async for d in backend.mdm.groups.members(group)] == [device.id]
    await backend.mdm.groups.remove_device(group, device)
    assert [d.id async for d in backend.mdm.groups.members(group)] == []


async def test_assign_to_a_group_and_devices_then_unassign(backend: Backend) -> None:
    app = await upload(backend)
    member = next(m for m in backend.members if m.name == app.source)
    group = await backend.mdm.groups.create("Field team", **on_member(backend))
    devices = (await member.devices.list().collect())[:2]
    made = await backend.mdm.assignments.assign(app, groups=[group], devices=devices)
    assert {(a.target.kind, a.target.id) for a in made} == {
        (TargetKind.GROUP, group.id),
        *((TargetKind.DEVICE, d.id) for d in devices),
    }
    assert all(a.install is InstallMode.AUTOMATIC and a.app_id == app.id for a in made)
    assert all(a.carrier is not None for a in made)
    assert backend.assigned_targets(app) == {(a.target.kind.value, a.target.id) for a in made}

    on_demand = await backend.mdm.assignments.assign(
        app, devices=devices[:1], install=InstallMode.ON_DEMAND
    )
    assert on_demand[0].install is InstallMode.ON_DEMAND

    group_assignment = next(a for a in made if a.target.kind is TargetKind.GROUP)
    await backend.mdm.assignments.unassign(group_assignment)
    await backend.mdm.assignments.unassign(app, devices=devices)
    assert backend.assigned_targets(app) == set()


async def test_listing_assignments_where_the_vendor_can(backend: Backend) -> None:
    app = await upload(backend)
    group = await backend.mdm.groups.create("Listed", **on_member(backend))
    await backend.mdm.assignments.assign(app, groups=[group])
    if all(m.vendor.value == "simplemdm" for m in backend.members):
        listed = await backend.mdm.assignments.list(app=app).collect()
        assert [(a.target.id, a.app_id) for a in listed] == [(group.id, app.id)]
        everything = await backend.mdm.assignments.list().collect()
        assert (group.id, app.id) in {(a.target.id, a.app_id) for a in everything}
    else:
        with pytest.raises(UnsupportedOperation, match="manageengine"):
            await backend.mdm.assignments.list().collect()
