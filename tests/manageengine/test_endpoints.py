"""Every native ManageEngine method against the stateful ``FakeManageEngine``, endpoint by endpoint.

Each test calls ``ManageEngineClient`` over a real socket and checks three things: what the fake
received (method, path, query, JSON body, headers, uploaded files), what the client returned
(ids exact as ints, None for queued actions), and what changed in the fake's state. Uploads
complete on the virtual clock, so polling never really sleeps.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple, cast
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from mdmkit.core.errors import (
    APIError,
    InvalidRequestError,
    NotFoundError,
    UploadError,
    ValidationError,
)
from mdmkit.manageengine import ManageEngineClient
from mdmkit.manageengine.models import (
    App,
    BulkActionItem,
    DeviceUser,
    GroupRef,
    ReleaseLabel,
    SummaryCounts,
)
from mdmkit.manageengine.resources._base import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from mdmkit.testing import FakeClock, FakeManageEngine
from mdmkit.testing.manageengine.actions import ACTIONS
from mdmkit.testing.manageengine.records import App as FakeApp
from mdmkit.testing.manageengine.records import Association
from mdmkit.testing.manageengine.records import Device as FakeDevice
from mdmkit.testing.manageengine.state import ManageEngineState
from mdmkit.testing.requestlog import RecordedRequest, UploadedFile
from tests.manageengine.conftest import client_for
from tests.manageengine.endpoints import covers
from tests.support import done, same_moment

pytestmark = pytest.mark.anyio

M = "/api/v1/mdm"
EMSAPI_FILES = "/emsapi/files"
JSON = "application/json"
START = FakeClock().time()  # the virtual time every test starts at
LIMIT_53 = 2**53  # every id of the fake is above it: a float would lose digits
APK = b"PK\x03\x04" + bytes(range(256)) * 8
APK_TYPE = "application/vnd.android.package-archive"
APK_SHA = hashlib.sha256(APK).hexdigest()
Pairs = Sequence[tuple[str, str]]
DeviceOf = Callable[[str], int]
Keeps = Callable[[FakeDevice], bool]
Call = Callable[[ManageEngineClient], Awaitable[object]]
NO_BODY: Any = object()


# -- helpers -----------------------------------------------------------------------------------


def authorized(request: RecordedRequest) -> None:
    """Sent with the client's credentials (redacted by the log) and asking for JSON."""
    assert request.authenticated
    assert request.headers["Authorization"] == "<redacted>"
    assert request.headers["Accept"] == JSON


def received(
    fake: FakeManageEngine,
    method: str,
    path: str,
    *,
    status: int,
    query: Pairs = (),
    json: Any = NO_BODY,
) -> RecordedRequest:
    """The one request of the last step, checked exactly: its JSON body (with its content
    type) or no body and no Content-Type at all."""
    requests = fake.requests.take()
    assert [(r.method, r.path) for r in requests] == [(method, path)]
    (request,) = requests
    assert request.status == status
    assert request.query_pairs == tuple(query)
    assert request.files == {}
    authorized(request)
    if json is NO_BODY:
        assert request.content_type is None
        assert request.body == b""
    else:
        assert request.content_type == JSON
        assert request.json == json
    return request


def pages_received(fake: FakeManageEngine, path: str, queries: Sequence[Pairs]) -> None:
    """One bodiless GET per page, each with exactly these query pairs."""
    requests = fake.requests.take()
    assert [(r.method, r.path, r.status) for r in requests] == [("GET", path, 200)] * len(queries)
    assert [r.query_pairs for r in requests] == [tuple(q) for q in queries]
    for request in requests:
        authorized(request)
        assert (request.content_type, request.body) == (None, b"")


def first_page(limit: int = DEFAULT_PAGE_SIZE, *params: tuple[str, str]) -> list[tuple[str, str]]:
    """The query of a list's first request: the filters, then ``limit`` and ``offset`` 0."""
    return [*params, ("limit", str(limit)), ("offset", "0")]


async def fails(
    call: Awaitable[object], error: type[APIError], status: int, code: str, message: str
) -> APIError:
    """The call raises ``error`` with the fake's status, code and message."""
    with pytest.raises(error) as caught:
        await call
    found = caught.value
    assert (found.status, found.code, found.message) == (status, code, message)
    return found


async def invalid(call: Awaitable[object], message: str, code: str = "COM0014") -> APIError:
    """The fake refuses the arguments: 400, ``ValidationError``."""
    return await fails(call, ValidationError, 400, code, message)


async def not_found(call: Awaitable[object], message: str) -> APIError:
    """The fake knows no such object: 404 COM0008, ``NotFoundError``."""
    return await fails(call, NotFoundError, 404, "COM0008", message)


def create_app(me: ManageEngineClient, file_id: int, **fields: Any) -> Awaitable[App]:
    """``apps.create`` of the enterprise app Field Notes from an uploaded package."""
    return me.apps.create(
        app_name="Field Notes",
        app_type=3,
        app_file=file_id,
        app_category_id=2,
        supported_devices=3,
        **fields,
    )


def exact_id(value: object, expected: int) -> None:
    """An id kept whole: a Python int equal to the fake's, above 2**53."""
    assert type(value) is int
    assert value == expected
    assert expected > LIMIT_53


def device(fake: FakeManageEngine, device_id: int) -> FakeDevice:
    return fake.state.devices[device_id]


def devices_where(fake: FakeManageEngine, test: Callable[[FakeDevice], bool]) -> list[int]:
    return [d.id for d in fake.state.devices.values() if test(d)]


def touched(fake: FakeManageEngine) -> list[int]:
    """The devices that received any action."""
    return devices_where(fake, lambda d: bool(d.commands))


def user_name(state: ManageEngineState, record: FakeDevice) -> str:
    return state.users[record.user_id].name if record.user_id is not None else ""


class Tenant(NamedTuple):
    """The fake, a client on it and the clock they share."""

    fake: FakeManageEngine
    me: ManageEngineClient
    clock: FakeClock


async def ready_file(tenant: Tenant, name: str) -> int:
    """Upload an app package and let the fake finish processing it (the log is cleared)."""
    uploaded = await tenant.me.files.upload(APK, filename=name)
    tenant.clock.advance(tenant.fake.state.upload_delay)
    tenant.fake.requests.take()
    return uploaded.file_id


class Story(NamedTuple):
    """An enterprise app of a story: its id, the Beta and Stable labels, the fake's record."""

    app_id: int
    beta: int
    stable: int
    app: FakeApp


async def enterprise_app(tenant: Tenant) -> Story:
    """An enterprise app approved in Stable (1.0), and a new Beta label (the log is cleared)."""
    fake, me = tenant.fake, tenant.me
    beta = await me.labels.create(channel_name="Beta")
    file_id = await ready_file(tenant, "FieldNotes.apk")
    app = await create_app(me, file_id)
    fake.requests.take()
    record = fake.state.apps[app.app_id]
    return Story(app.app_id, beta.release_label_id, fake.state.stable_label_id, record)


async def beta_version(tenant: Tenant) -> Story:
    """The enterprise app with version 2.0 (not approved) in its Beta label."""
    story = await enterprise_app(tenant)
    file_id = await ready_file(tenant, "FieldNotes-2.apk")
    await tenant.me.apps.update(story.app_id, story.beta, app_file=file_id, app_version="2.0")
    tenant.fake.requests.take()
    return story


@pytest.fixture
def tenant(fake: FakeManageEngine, me: ManageEngineClient, clock: FakeClock) -> Tenant:
    return Tenant(fake, me, clock)


# -- labels, files and apps --------------------------------------------------------------------


@covers("labels.create")
async def test_create_a_beta_label(fake: FakeManageEngine, me: ManageEngineClient) -> None:
    label = await me.labels.create(channel_name="Beta")

    received(fake, "POST", f"{M}/labels", status=200, json={"channel_name": "Beta"})
    record = fake.state.labels[label.release_label_id]
    exact_id(label.release_label_id, record.id)
    assert label == ReleaseLabel(release_label_id=record.id, release_label_name="Beta")
    assert (record.name, record.type, record.created_at) == ("Beta", 2, START)

    await invalid(
        me.labels.create(channel_name="beta"), "channel_name: a release label named beta exists"
    )
    received(fake, "POST", f"{M}/labels", status=400, json={"channel_name": "beta"})
    assert [label.name for label in fake.state.labels.values()] == ["Stable", "Beta"]


@covers("files.upload", "files.status", "apps.create", "apps.get")
async def test_upload_a_package_wait_for_it_and_create_the_app(
    fake: FakeManageEngine, me: ManageEngineClient, clock: FakeClock
) -> None:
    uploaded = await me.files.upload(APK, filename="FieldNotes.apk")

    (upload,) = fake.requests.take()
    assert (upload.method, upload.path, upload.status, upload.query_pairs) == (
        "POST",
        EMSAPI_FILES,
        200,
        (),
    )
    authorized(upload)
    assert upload.headers["Module"] == "MDM_APP_MGMT"
    assert upload.content_type is not None
    assert upload.content_type.startswith("multipart/form-data; boundary=")
    assert upload.files == {
        "file": UploadedFile(
            filename="FieldNotes.apk", content_type=APK_TYPE, size=len(APK), sha256=APK_SHA
        )
    }
    file = fake.state.files[uploaded.file_id]
    exact_id(uploaded.file_id, file.id)
    assert (uploaded.file_name, uploaded.content_type, uploaded.content_length) == (
        "FieldNotes.apk",
        APK_TYPE,
        len(APK),
    )
    assert uploaded.status == "pending"
    assert (file.module, file.sha256, file.uploaded_at) == ("MDM_APP_MGMT", APK_SHA, START)

    status = await me.files.status(file.id)
    received(fake, "GET", f"{M}/files/{file.id}/status", status=200)
    exact_id(status.file_id, file.id)
    assert status.status == "pending"
    assert same_moment(status.expiry_time, START + 3600)

    await invalid(create_app(me, file.id), "app_file: the upload is still being processed")
    fake.requests.take()
    apps_before = len(fake.state.apps)

    clock.advance(fake.state.upload_delay)
    assert (await me.files.status(file.id)).status == "completed"
    received(fake, "GET", f"{M}/files/{file.id}/status", status=200)

    app = await create_app(me, file.id, description="Notes from the field", prevent_backup=True)

    create = received(
        fake,
        "POST",
        f"{M}/apps",
        status=200,
        json={
            "app_name": "Field Notes",
            "app_type": 3,
            "app_file": file.id,
            "app_category_id": 2,
            "supported_devices": 3,
            "description": "Notes from the field",
            "prevent_backup": True,
        },
    )
    assert f'"app_file":{file.id},'.encode() in create.body  # a JSON number, every digit
    assert type(create.json["app_file"]) is int
    assert len(fake.state.apps) == apps_before + 1
    stored = fake.state.apps[app.app_id]
    exact_id(app.app_id, stored.id)
    assert (app.app_name, app.app_type, app.platform_type, app.bundle_identifier) == (
        "Field Notes",
        3,
        2,  # an apk is an Android app
        "com.example.fieldnotes",
    )
    assert (app.app_category_id, app.supported_devices, app.description) == (
        2,
        3,
        "Notes from the field",
    )
    assert (app.prevent_backup, app.is_app_paid) == (True, False)
    stable = fake.state.stable_label_id
    assert app.release_labels == (
        ReleaseLabel(
            release_label_id=stable,
            release_label_name="Stable",
            release_label_type=1,
            app_version="1.0",
        ),
    )
    exact_id(app.release_labels[0].release_label_id, stable)
    assert same_moment(app.added_time, START + 5)
    version = stored.versions[stable]
    assert (version.app_file, version.approved, version.version) == (file.id, True, "1.0")

    got = await me.apps.get(app.app_id)
    received(fake, "GET", f"{M}/apps/{app.app_id}", status=200)
    assert got == app
    exact_id(got.raw["app_id"], stored.id)


@covers("apps.create")
async def test_create_a_store_app_for_android(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    app = await me.apps.create(
        app_name="Slack",
        app_type=1,
        app_category_id=6,
        supported_devices=1,
        platform_type=2,
        app_store_country_code="GB",
        bundle_identifier="com.Slack",
    )

    received(
        fake,
        "POST",
        f"{M}/apps",
        status=200,
        json={
            "app_name": "Slack",
            "app_type": 1,
            "app_category_id": 6,
            "supported_devices": 1,
            "platform_type": 2,
            "app_store_country_code": "GB",
            "bundle_identifier": "com.Slack",
        },
    )
    stored = fake.state.apps[app.app_id]
    assert (stored.name, stored.app_type, stored.platform_type, stored.country_code) == (
        "Slack",
        1,
        2,
        "GB",
    )
    assert (app.app_type, app.platform_type, app.country_code, app.bundle_identifier) == (
        1,
        2,
        "GB",
        "com.Slack",
    )
    assert (app.app_category, app.supported_devices, app.is_app_paid) == (
        "Communication",
        1,
        False,
    )
    assert app.store_url == f"https://apps.example.com/app/id{app.app_id}"


@covers("apps.list")
async def test_list_apps_page_by_page_and_by_search(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    stored = list(fake.state.apps.values())
    assert len(stored) == 38

    apps = await me.apps.list(limit=20).collect()

    pages_received(fake, f"{M}/apps", [first_page(20), [("limit", "20"), ("offset", "20")]])
    assert [a.app_id for a in apps] == [a.id for a in stored]
    assert all(type(a.app_id) is int for a in apps)
    assert [(a.app_name, a.app_type, a.version) for a in apps] == [
        (a.name, a.app_type, a.version) for a in stored
    ]

    word = stored[3].name.split()[0]
    page = await me.apps.list(search=word.upper())
    pages_received(fake, f"{M}/apps", [first_page(DEFAULT_PAGE_SIZE, ("search", word.upper()))])
    expected = [a.id for a in stored if word.lower() in a.name.lower()]
    assert 0 < len(expected) < len(stored)
    assert [a.app_id for a in page] == expected
    assert (page.total, page.has_more) == (len(expected), False)


@covers("apps.update")
async def test_update_puts_version_two_in_the_beta_label(tenant: Tenant) -> None:
    fake, me = tenant.fake, tenant.me
    app_id, beta, stable, app = await enterprise_app(tenant)
    file_id = await ready_file(tenant, "FieldNotes-2.apk")

    updated = await me.apps.update(
        app_id,
        beta,
        app_file=file_id,
        app_version="2.0",
        description="Beta build",
        force_update_in_label=True,
    )

    received(
        fake,
        "PUT",
        f"{M}/apps/{app_id}/labels/{beta}",
        status=200,
        json={
            "app_version": "2.0",
            "description": "Beta build",
            "app_file": file_id,
            "force_update_in_label": True,
        },
    )
    exact_id(updated.release_label_id, beta)
    exact_id(updated.app_file, file_id)
    assert (updated.app_id, updated.release_label_display_name, updated.version) == (
        app_id,
        "Beta",
        "2.0",
    )
    assert (updated.is_delete_applicable, updated.is_multiple_app_version_available) == (
        True,
        True,
    )
    assert {label.release_label_id: label.app_version for label in updated.release_labels} == {
        stable: "1.0",
        beta: "2.0",
    }
    app = fake.state.apps[app_id]
    version = app.versions[beta]
    assert (version.version, version.app_file, version.approved) == ("2.0", file_id, False)
    assert (app.description, app.approved) == ("Beta build", app.versions[stable])

    await invalid(
        me.apps.update(app_id, beta, app_version="2.1"),
        "force_update_in_label must be true to update the app in a label that has it",
    )
    received(
        fake, "PUT", f"{M}/apps/{app_id}/labels/{beta}", status=400, json={"app_version": "2.1"}
    )
    assert version.version == "2.0"

    renamed = await me.apps.update(
        app_id, beta, app_name="Field Notes Beta", app_version="2.1", force_update_in_label=True
    )
    received(
        fake,
        "PUT",
        f"{M}/apps/{app_id}/labels/{beta}",
        status=200,
        json={"app_name": "Field Notes Beta", "app_version": "2.1", "force_update_in_label": True},
    )
    assert (renamed.app_name, renamed.version, renamed.app_file) == (
        "Field Notes Beta",
        "2.1",
        file_id,
    )
    assert (version.version, version.app_file) == ("2.1", file_id)


@covers("apps.approve")
async def test_approve_beta_retires_stable_and_moves_its_installs(
    tenant: Tenant, device_of: DeviceOf
) -> None:
    fake, me = tenant.fake, tenant.me
    app_id, beta, stable, app = await beta_version(tenant)
    phone = device_of("android")
    app.devices[phone] = Association(stable)

    await done(
        me.apps.approve(
            app_id,
            beta,
            silent_install=True,
            retire_old_version=True,
            notify_user_via_email=False,
            version_label="Beta",
            distribute_update=True,
        )
    )

    received(
        fake,
        "POST",
        f"{M}/apps/{app_id}/labels/{beta}/approve",
        status=204,
        json={
            "silent_install": True,
            "retire_old_version": True,
            "notify_user_via_email": False,
            "version_label": "Beta",
            "distribute_update": True,
        },
    )
    assert list(app.versions) == [beta]
    assert (app.approved, app.approvals, app.version) == (app.versions[beta], 1, "2.0")
    assert app.devices_in(beta) == {phone}
    got = await me.apps.get(app_id)
    assert [(label.release_label_id, label.app_version) for label in got.release_labels] == [
        (beta, "2.0")
    ]


@covers("apps.approve")
async def test_approve_keeps_the_old_version_when_not_retired(tenant: Tenant) -> None:
    fake, me = tenant.fake, tenant.me
    app_id, beta, stable, app = await beta_version(tenant)

    await done(
        me.apps.approve(
            app_id, beta, silent_install=False, retire_old_version=False, notify_user_via_email=True
        )
    )

    received(
        fake,
        "POST",
        f"{M}/apps/{app_id}/labels/{beta}/approve",
        status=204,
        json={"silent_install": False, "retire_old_version": False, "notify_user_via_email": True},
    )
    assert [(label, v.approved) for label, v in app.versions.items()] == [
        (stable, False),
        (beta, True),
    ]


@covers(
    "apps.associate_devices",
    "apps.associate_groups",
    "apps.disassociate_device",
    "apps.disassociate_group",
)
async def test_who_gets_which_label(tenant: Tenant, device_of: DeviceOf) -> None:
    fake, me = tenant.fake, tenant.me
    app_id, beta, stable, app = await beta_version(tenant)
    phone, tablet = devices_where(
        fake, lambda d: d.platform == "android" and d.managed_status == 2
    )[:2]
    group = next(iter(fake.state.groups.values()))

    await done(
        me.apps.associate_devices(
            app_id, beta, [phone, str(tablet)], silent_install=False, notify_user_via_email=True
        )
    )

    received(
        fake,
        "POST",
        f"{M}/apps/{app_id}/labels/{beta}/devices",
        status=202,
        json={
            "device_ids": [phone, tablet],
            "silent_install": False,
            "notify_user_via_email": True,
        },
    )
    assert app.devices_in(beta) == {phone, tablet}
    association = app.devices[phone]
    assert (association.silent_install, association.notify_user_via_email) == (False, True)
    assert (app, "2.0") in fake.state.installed_apps(device(fake, phone))

    await done(me.apps.associate_groups(app_id, stable, [group.id]))

    received(
        fake,
        "POST",
        f"{M}/apps/{app_id}/labels/{stable}/groups",
        status=202,
        json={"group_ids": [group.id]},
    )
    assert app.groups_in(stable) == {group.id}
    member = next(m for m in sorted(group.member_ids) if device(fake, m).managed_status == 2)
    assert (app, "1.0") in fake.state.installed_apps(device(fake, member))

    await done(me.apps.associate_devices(app_id, stable, [tablet]))
    received(
        fake,
        "POST",
        f"{M}/apps/{app_id}/labels/{stable}/devices",
        status=202,
        json={"device_ids": [tablet]},
    )
    assert (app.devices_in(beta), app.devices_in(stable)) == ({phone}, {tablet})

    await done(me.apps.disassociate_device(app_id, phone))
    received(fake, "DELETE", f"{M}/apps/{app_id}/devices/{phone}", status=204)
    assert set(app.devices) == {tablet}

    await done(me.apps.disassociate_group(app_id, group.id))
    received(fake, "DELETE", f"{M}/apps/{app_id}/groups/{group.id}", status=204)
    assert app.groups == {}

    await not_found(
        me.apps.disassociate_device(app_id, phone),
        "Association of the app with this device not found",
    )
    received(fake, "DELETE", f"{M}/apps/{app_id}/devices/{phone}", status=404)


@covers("apps.associate_devices", "apps.associate_groups")
async def test_associate_refuses_unknown_targets_and_changes_nothing(tenant: Tenant) -> None:
    fake, me = tenant.fake, tenant.me
    app_id, beta, _, app = await beta_version(tenant)
    unknown = max(fake.state.devices) + 1

    await invalid(
        me.apps.associate_devices(app_id, beta, [unknown]), f"device_ids: unknown device {unknown}"
    )
    received(
        fake,
        "POST",
        f"{M}/apps/{app_id}/labels/{beta}/devices",
        status=400,
        json={"device_ids": [unknown]},
    )

    label = await me.labels.create(channel_name="Nightly")
    fake.requests.take()
    group = next(iter(fake.state.groups))
    await invalid(
        me.apps.associate_groups(app_id, label.release_label_id, [group]),
        "The app has no version in this release label",
    )
    received(
        fake,
        "POST",
        f"{M}/apps/{app_id}/labels/{label.release_label_id}/groups",
        status=400,
        json={"group_ids": [group]},
    )
    assert (app.devices, app.groups) == ({}, {})


@covers("apps.delete_version", "apps.delete")
async def test_delete_a_version_then_the_app(tenant: Tenant, device_of: DeviceOf) -> None:
    fake, me = tenant.fake, tenant.me
    app_id, beta, stable, app = await beta_version(tenant)
    phone = device_of("android")
    app.devices[phone] = Association(beta)

    await invalid(
        me.apps.delete_version(app_id, stable), "The approved app version cannot be deleted"
    )
    received(fake, "DELETE", f"{M}/apps/{app_id}/labels/{stable}/delete", status=400)
    assert list(app.versions) == [stable, beta]

    await done(me.apps.delete_version(app_id, beta))
    received(fake, "DELETE", f"{M}/apps/{app_id}/labels/{beta}/delete", status=204)
    assert list(app.versions) == [stable]
    assert app.devices == {}  # the version's installs went with it

    await done(me.apps.delete(app_id))
    received(fake, "DELETE", f"{M}/apps/{app_id}", status=204)
    assert app_id not in fake.state.apps

    await not_found(me.apps.get(app_id), "App not found")
    received(fake, "GET", f"{M}/apps/{app_id}", status=404)


@covers("apps.create_enterprise", "files.wait")
async def test_create_enterprise_uploads_waits_and_creates_in_one_call(
    fake: FakeManageEngine, me: ManageEngineClient, clock: FakeClock
) -> None:
    beta = (await me.labels.create(channel_name="Beta")).release_label_id
    fake.requests.take()

    app = await me.apps.create_enterprise(
        APK,
        filename="FieldNotes.apk",
        app_name="Field Notes",
        release_label_id=beta,
        app_category_id=2,
        supported_devices=3,
    )

    requests = fake.requests.take()
    (file,) = fake.state.files.values()
    status_path = f"{M}/files/{file.id}/status"
    assert [(r.method, r.path, r.status) for r in requests] == [
        ("POST", EMSAPI_FILES, 200),
        ("GET", status_path, 200),  # at 0 s: pending
        ("GET", status_path, 200),  # 2 s
        ("GET", status_path, 200),  # 4 s
        ("GET", status_path, 200),  # 6 s: completed
        ("POST", f"{M}/apps", 200),
    ]
    for request in requests:
        authorized(request)
    assert clock.sleeps == [2.0, 2.0, 2.0]
    upload, create = requests[0], requests[-1]
    assert upload.headers["Module"] == "MDM_APP_MGMT"
    assert upload.files["file"].sha256 == APK_SHA
    assert create.json == {
        "app_name": "Field Notes",
        "app_type": 3,
        "app_file": file.id,
        "app_category_id": 2,
        "supported_devices": 3,
        "release_label_id": beta,
    }
    stored = fake.state.apps[app.app_id]
    exact_id(app.app_id, stored.id)
    assert (stored.name, stored.versions[beta].app_file, app.platform_type) == (
        "Field Notes",
        file.id,
        2,
    )
    assert [label.release_label_id for label in app.release_labels] == [beta]


@covers("apps.create_enterprise")
async def test_create_enterprise_with_the_legacy_upload_needs_no_polling(
    fake: FakeManageEngine, clock: FakeClock
) -> None:
    async with client_for(fake, clock, upload_strategy="legacy") as legacy:
        app = await legacy.apps.create_enterprise(
            APK,
            filename="FieldNotes.apk",
            app_name="Field Notes",
            app_category_id=2,
            supported_devices=3,
        )

    requests = fake.requests.take()
    (file,) = fake.state.files.values()
    assert [(r.method, r.path, r.status) for r in requests] == [
        ("POST", f"{M}/files", 200),
        ("POST", f"{M}/apps", 200),
    ]
    upload = requests[0]
    authorized(upload)
    assert upload.headers["Content-Disposition"] == 'attachment; filename="FieldNotes.apk"'
    assert "Module" not in upload.headers
    assert (upload.content_type, upload.body, upload.files) == (APK_TYPE, APK, {})
    assert (file.name, file.module, file.sha256) == ("FieldNotes.apk", None, APK_SHA)
    assert clock.sleeps == []
    assert requests[1].json["app_file"] == file.id
    exact_id(app.app_id, next(reversed(list(fake.state.apps))))


@covers("files.wait")
async def test_wait_returns_at_once_for_a_processed_file(tenant: Tenant) -> None:
    fake, me, clock = tenant
    file_id = await ready_file(tenant, "FieldNotes.apk")

    status = await me.files.wait(file_id)

    received(fake, "GET", f"{M}/files/{file_id}/status", status=200)
    exact_id(status.file_id, file_id)
    assert status.status == "completed"
    assert clock.sleeps == []


class WaitFailure(NamedTuple):
    """An upload ``files.wait`` gives up on, and how."""

    filename: str
    wait: Mapping[str, float]
    sleeps: list[float]
    status: str
    message: str  # {id} is the file id
    refusal: str  # why an app cannot be created from the file then


WAIT_FAILURES = {
    "corrupt package": WaitFailure(
        "FieldNotes-corrupt.apk",
        {"interval": 1.0},
        [1.0] * 5,
        "failed",
        "file {id} failed processing",
        "app_file: the upload failed",
    ),
    "max_wait passed": WaitFailure(
        "FieldNotes.apk",
        {"max_wait": 3.0, "interval": 2.0},
        [2.0],
        "pending",
        "file {id} was still 'pending' after 3s",
        "app_file: the upload is still being processed",
    ),
}


@covers("files.wait", "files.upload")
@pytest.mark.parametrize("case", list(WAIT_FAILURES.values()), ids=list(WAIT_FAILURES))
async def test_wait_raises_upload_error(
    case: WaitFailure, fake: FakeManageEngine, me: ManageEngineClient, clock: FakeClock
) -> None:
    uploaded = await me.files.upload(APK, filename=case.filename)
    fake.requests.take()

    with pytest.raises(UploadError) as caught:
        await me.files.wait(uploaded.file_id, **case.wait)

    polls = [()] * (len(case.sleeps) + 1)  # one status request, then one after every sleep
    pages_received(fake, f"{M}/files/{uploaded.file_id}/status", polls)
    assert clock.sleeps == case.sleeps
    assert (caught.value.file_id, caught.value.status) == (str(uploaded.file_id), case.status)
    assert str(caught.value) == case.message.format(id=uploaded.file_id)
    assert fake.state.files[uploaded.file_id].status(clock.now) == (
        3 if case.status == "failed" else 1
    )

    await invalid(create_app(me, uploaded.file_id), case.refusal)
    assert len(fake.state.apps) == 38


@covers("files.upload")
async def test_upload_in_another_module_and_a_refused_file_type(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    uploaded = await me.files.upload(png, filename="icon.png", module="MDM_PROFILES_IMAGES")

    (upload,) = fake.requests.take()
    assert upload.headers["Module"] == "MDM_PROFILES_IMAGES"
    assert upload.files["file"] == UploadedFile(
        filename="icon.png",
        content_type="image/png",
        size=len(png),
        sha256=hashlib.sha256(png).hexdigest(),
    )
    assert fake.state.files[uploaded.file_id].module == "MDM_PROFILES_IMAGES"

    await invalid(
        me.files.upload(b"notes", filename="notes.txt"),
        "File type .txt is not allowed for MDM_APP_MGMT",
        code="400",  # the /emsapi shape: {"errorCode": "400", "errorMsg": ...}
    )
    (refused,) = fake.requests.take()
    assert (refused.path, refused.status) == (EMSAPI_FILES, 400)
    assert len(fake.state.files) == 1


# -- devices: inventory ------------------------------------------------------------------------


@covers("devices.list")
async def test_list_devices_follows_paging_next_through_the_fleet(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    pages = [page async for page in me.devices.list(limit=50).pages()]

    pages_received(
        fake,
        f"{M}/devices",
        [first_page(50), [("limit", "50"), ("offset", "50")], [("limit", "50"), ("offset", "100")]],
    )
    assert [len(page) for page in pages] == [50, 50, 20]
    assert [(page.total, page.has_more) for page in pages] == [
        (120, True),
        (120, True),
        (120, False),
    ]
    assert pages[0].cursor == f"{fake.base_url}{M}/devices?limit=50&offset=50"
    listed = [d.device_id for page in pages for d in page]
    assert listed == list(fake.state.devices)  # every device once, in order
    assert all(type(i) is int and i > LIMIT_53 for i in listed)
    item, record = pages[2].items[0], device(fake, listed[100])
    assert (item.device_name, item.platform_type, item.serial_number, item.managed_status) == (
        record.name,
        record.platform_type,
        record.gen.serial_number,
        record.managed_status,
    )


class Filter(NamedTuple):
    """A filter of ``devices.list``: its arguments, the query sent and the devices it keeps."""

    kwargs: dict[str, Any]
    query: Pairs
    keeps: Keeps


def one(name: str, value: object, keeps: Keeps, sent: str | None = None) -> Filter:
    """One filter ``name=value``, sent as ``sent`` (by default the value as it is)."""
    return Filter({name: value}, [(name, str(value) if sent is None else sent)], keeps)


def _by_search(state: ManageEngineState) -> Filter:
    def keeps(d: FakeDevice) -> bool:
        return "nguyen" in d.name.lower() or "nguyen" in user_name(state, d).lower()

    return one("search", "NGUYEN", keeps)


def _by_group(state: ManageEngineState) -> Filter:
    group = next(iter(state.groups.values()))
    return one("group_id", group.id, lambda d: d.id in group.member_ids)


def _by_user_group(state: ManageEngineState) -> Filter:
    group = next(g for g in state.groups.values() if g.holds_users)
    return one("group_id", str(group.id), lambda d: d.user_id in group.member_ids)


def _by_imei(state: ManageEngineState) -> Filter:
    imei = next(d.gen.imei for d in state.devices.values() if d.gen.imei)
    return one("imei", imei, lambda d: d.gen.imei == imei)


def _by_serial(state: ManageEngineState) -> Filter:
    serial = list(state.devices.values())[7].gen.serial_number
    return one("serial_number", serial, lambda d: d.gen.serial_number == serial)


def _by_email(state: ManageEngineState) -> Filter:
    user = state.users[list(state.devices.values())[3].user_id or 0]
    return one("email", user.email, lambda d: d.user_id == user.id)


FILTERS: dict[str, Callable[[ManageEngineState], Filter]] = {
    "search": _by_search,
    "platforms": lambda s: one(
        "platform",
        ["ios", "Android"],
        lambda d: d.platform_type in ("ios", "android"),
        "iOS,Android",
    ),
    "platform": lambda s: one("platform", "WINDOWS", lambda d: d.platform == "windows", "Windows"),
    "group_id": _by_group,
    "user group_id": _by_user_group,
    "exclude_removed": lambda s: one("exclude_removed", True, lambda d: not d.is_removed, "true"),
    "include_all": lambda s: one("include_all", True, lambda d: True, "true"),
    "imei": _by_imei,
    "serial_number": _by_serial,
    "owned_by": lambda s: one("owned_by", "Personal", lambda d: d.owned_by == 2),
    "device_type": lambda s: one(
        "device_type",
        ["tablet", "Desktop"],
        lambda d: d.device_type in ("Tablet", "Desktop"),
        "Tablet,Desktop",
    ),
    "email": _by_email,
    "combined": lambda s: Filter(
        {"platform": "android", "owned_by": "Corporate", "exclude_removed": True},
        [("platform", "Android"), ("exclude_removed", "true"), ("owned_by", "Corporate")],
        lambda d: d.platform == "android" and d.owned_by == 1 and not d.is_removed,
    ),
}


@covers("devices.list")
@pytest.mark.parametrize("make", list(FILTERS.values()), ids=list(FILTERS))
async def test_list_devices_by_filter(
    make: Callable[[ManageEngineState], Filter], fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    case = make(fake.state)

    page = await me.devices.list(**case.kwargs, limit=200)

    pages_received(fake, f"{M}/devices", [first_page(200, *case.query)])
    expected = devices_where(fake, case.keeps)
    assert len(expected) > 0
    if "include_all" not in case.kwargs:
        assert len(expected) < len(fake.state.devices)
    assert [d.device_id for d in page] == expected
    assert (page.total, page.has_more) == (len(expected), False)


@covers("devices.get")
async def test_get_device_keeps_its_id_and_reads_the_quirks(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    record = next(
        d
        for d in fake.state.devices.values()
        if d.platform == "android" and d.gen.imei and d.removed_as_text and not d.is_removed
    )
    gen = record.gen

    got = await me.devices.get(str(record.id))

    received(fake, "GET", f"{M}/devices/{record.id}", status=200)
    exact_id(got.device_id, record.id)
    assert got.raw["is_removed"] == "false"  # the service's string ...
    assert got.is_removed is False  # ... read as a boolean
    assert got.imei == (gen.imei,)
    assert (got.device_name, got.platform_type, got.platform_type_id, got.device_type) == (
        record.name,
        "android",
        2,
        record.device_type,
    )
    assert (got.serial_number, got.udid, got.os_version, got.model) == (
        gen.serial_number,
        gen.udid,
        gen.os_version,
        gen.model.model_name,
    )
    assert (got.owned_by, got.managed_status, got.is_lost_mode_enabled) == (
        record.owned_by,
        2,
        False,
    )
    user = fake.state.users[record.user_id or 0]
    assert got.user == DeviceUser(user_id=user.id, user_name=user.name, user_email=user.email)
    exact_id(got.user.user_id, user.id)
    assert got.summary == SummaryCounts(
        profile_count=fake.state.profile_count(record),
        app_count=len(fake.state.installed_apps(record)),
        doc_count=0,
        group_count=len(fake.state.group_ids_of(record)),
    )
    assert got.network["wifi_mac"] == gen.wifi_mac
    assert got.security["play_protect"] is True
    assert (got.battery_level, got.device_capacity) == (gen.battery_level, gen.capacity)
    assert same_moment(got.last_contact_time, record.last_contact_at)
    assert same_moment(got.registered_time, record.registered_at)
    assert got.asset_tag is None

    removed = next(d for d in fake.state.devices.values() if d.removed_as_text and d.is_removed)
    wifi_only = next(d for d in fake.state.devices.values() if not d.gen.imei)
    gone, tablet = await me.devices.get(removed.id), await me.devices.get(wifi_only.id)
    assert (gone.raw["is_removed"], gone.is_removed, gone.managed_status) == ("true", True, 4)
    assert tablet.imei == ()


@covers("devices.update")
async def test_update_device_name_and_asset_fields(
    fake: FakeManageEngine, me: ManageEngineClient, device_of: DeviceOf
) -> None:
    record = device(fake, device_of("ipados"))
    bought = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    warranty = datetime(2027, 2, 28, tzinfo=UTC)

    updated = await me.devices.update(
        record.id,
        name="Front Desk iPad",
        asset_tag="A-1042",
        asset_owner="Facilities",
        office="Berlin",
        purchase_date=bought,
        purchase_price=499.5,
        purchase_type="Owned",
        warranty_expiration_date=warranty,
    )

    received(
        fake,
        "PUT",
        f"{M}/devices/{record.id}",
        status=200,
        json={
            "name": "Front Desk iPad",
            "asset_tag": "A-1042",
            "asset_owner": "Facilities",
            "office": "Berlin",
            "purchase_date": 1709285400000,
            "purchase_price": 499.5,
            "purchase_type": "Owned",
            "warranty_expiration_date": 1803772800000,
        },
    )
    assert record.name == "Front Desk iPad"
    assert record.asset == {
        "asset_tag": "A-1042",
        "asset_owner": "Facilities",
        "office": "Berlin",
        "purchase_date": 1709285400000,
        "purchase_price": 499.5,
        "purchase_type": "Owned",
        "warranty_expiration_date": 1803772800000,
    }
    exact_id(updated.device_id, record.id)
    assert (updated.device_name, updated.asset_tag, updated.asset_owner, updated.office) == (
        "Front Desk iPad",
        "A-1042",
        "Facilities",
        "Berlin",
    )
    assert (updated.purchase_date, updated.warranty_expiration_date) == (bought, warranty)
    assert (updated.purchase_price, updated.purchase_type) == (499.5, "Owned")

    again = await me.devices.update(record.id, description="Lobby")
    received(fake, "PUT", f"{M}/devices/{record.id}", status=200, json={"description": "Lobby"})
    assert (again.description, again.asset_tag, again.device_name) == (
        "Lobby",
        "A-1042",
        "Front Desk iPad",
    )


@covers("devices.summary")
async def test_device_summary_counts_and_groups(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    record = next(d for d in fake.state.devices.values() if len(fake.state.group_ids_of(d)) > 1)

    summary = await me.devices.summary(record.id)

    received(fake, "GET", f"{M}/devices/{record.id}/summary", status=200)
    exact_id(summary.device_id, record.id)
    groups = [fake.state.groups[g] for g in fake.state.group_ids_of(record)]
    assert summary.group == tuple(GroupRef(group_id=g.id, group_name=g.name) for g in groups)
    assert all(type(ref.group_id) is int for ref in summary.group)
    assert summary.raw["app_count"] == str(len(fake.state.installed_apps(record)))
    assert (summary.app_count, summary.group_count, summary.doc_count) == (
        len(fake.state.installed_apps(record)),
        len(groups),
        0,
    )
    assert (summary.profile_count, summary.platform_type, summary.device_name) == (
        fake.state.profile_count(record),
        record.platform_type_id,
        record.name,
    )
    assert summary.agent_version == f"5.2.{record.gen.salt % 900}"
    assert same_moment(summary.last_contact_time, record.last_contact_at)


@covers("devices.installed_apps")
async def test_installed_apps_include_associated_ones(
    fake: FakeManageEngine, me: ManageEngineClient, device_of: DeviceOf
) -> None:
    record = device(fake, device_of("android"))
    app = next(
        a
        for a in fake.state.apps.values()
        if a.platform_type == 2 and (a, a.version) not in fake.state.installed_apps(record)
    )
    app.devices[record.id] = Association(fake.state.stable_label_id)
    expected = fake.state.installed_apps(record)
    assert (app, app.version) in expected

    apps = await me.devices.installed_apps(record.id).collect()

    pages_received(fake, f"{M}/devices/{record.id}/apps", [first_page()])
    assert [(a.app_id, a.app_name, a.app_version, a.identifier, a.platform_type) for a in apps] == [
        (a.id, a.name, version, a.bundle_identifier, a.platform_type) for a, version in expected
    ]
    assert all(type(a.app_id) is int for a in apps)


@covers("devices.available_actions")
async def test_available_actions_say_what_applies_and_what_was_sent(
    fake: FakeManageEngine, me: ManageEngineClient, device_of: DeviceOf
) -> None:
    record = device(fake, device_of("android"))

    actions = await me.devices.available_actions(record.id)

    received(fake, "GET", f"{M}/devices/{record.id}/actions", status=200)
    assert [(a.name, a.localized_name, a.is_enabled) for a in actions] == [
        (a.name, a.title, "android" in a.platforms) for a in ACTIONS.values()
    ]
    assert {a.status_code for a in actions} == {None}

    await me.devices.lock(record.id)
    fake.requests.take()
    after = {a.name: a for a in await me.devices.available_actions(record.id)}
    assert (after["lock"].status_code, after["lock"].status_description) == (1, "Initiated")
    assert after["scan"].status_code is None


# -- devices: actions --------------------------------------------------------------------------


class Action(NamedTuple):
    """One device action: how it is called, the JSON it sends, what it changes on the device.

    ``given`` is set on the fake's device first; ``then`` is expected on it afterwards.
    """

    method: str  # also the action's name
    platform: str
    kwargs: Mapping[str, Any] = {}
    body: Mapping[str, Any] = {}
    given: Mapping[str, Any] = {}
    then: Mapping[str, Any] = {}


PHONE = "+1 555 0100"
WIPED = {"wiped": True, "wipe_count": 1, "managed_status": 4}
ACTION_CASES = [
    Action(
        "lock",
        "macos",
        kwargs={
            "lock_message": "Call IT",
            "phone_number": PHONE,
            "unlock_pin": 123456,
            "email_sent_to_user": True,
        },
        body={
            "lock_message": "Call IT",
            "phone_number": PHONE,
            "unlock_pin": "123456",
            "email_sent_to_user": True,
        },
        then={"lock_count": 1, "last_lock_message": "Call IT", "last_lock_phone_number": PHONE},
    ),
    Action(
        "complete_wipe",
        "android",
        kwargs={"wipe_sd_card": True, "wipe_but_retain_mdm": False, "wipe_lock_pin": "0420"},
        body={"wipe_sd_card": True, "wipe_but_retain_mdm": False, "wipe_lock_pin": "0420"},
        given={"lost_mode_enabled": True},
        then={**WIPED, "lost_mode_enabled": False},
    ),
    Action(
        "corporate_wipe",
        "windows",
        then={"corporate_wiped": True, "managed_status": 4},
    ),
    Action("restart", "windows"),
    Action("shutdown", "macos"),
    Action("scan", "ios"),
    Action("remote_alarm", "android"),
    Action(
        "enable_lost_mode",
        "ios",
        kwargs={"lock_message": "Found me?", "phone_number": PHONE, "send_email_to_user": True},
        body={"lock_message": "Found me?", "phone_number": PHONE, "send_email_to_user": True},
        then={
            "lost_mode_enabled": True,
            "lost_mode_message": "Found me?",
            "lost_mode_phone_number": PHONE,
        },
    ),
    Action(
        "disable_lost_mode",
        "android",
        given={"lost_mode_enabled": True},
        then={"lost_mode_enabled": False},
    ),
    Action("clear_passcode", "ipados"),
    Action("fetch_location", "android", then={"location_requested_at": START}),
]


@covers(*(f"devices.{case.method}" for case in ACTION_CASES))
@pytest.mark.parametrize("case", [pytest.param(c, id=c.method) for c in ACTION_CASES])
async def test_device_action(
    case: Action, fake: FakeManageEngine, me: ManageEngineClient, device_of: DeviceOf
) -> None:
    record = device(fake, device_of(case.platform))
    for name, value in case.given.items():
        setattr(record, name, value)
    assert all(getattr(record, name) != value for name, value in case.then.items())

    await done(getattr(me.devices, case.method)(record.id, **case.kwargs))

    received(
        fake,
        "POST",
        f"{M}/devices/{record.id}/actions/{case.method}",
        status=202,
        json=case.body,
    )
    assert record.commands == [(case.method, case.body)]
    assert {name: getattr(record, name) for name in case.then} == case.then
    assert touched(fake) == [record.id]


@covers("devices.run_action")
async def test_run_any_action_by_name_with_its_fields(
    fake: FakeManageEngine, me: ManageEngineClient, device_of: DeviceOf
) -> None:
    kiosk = device(fake, device_of("android"))

    await done(me.devices.run_action(str(kiosk.id), "pause_kiosk", re_enter_time=15, note=None))

    received(
        fake,
        "POST",
        f"{M}/devices/{kiosk.id}/actions/pause_kiosk",
        status=202,
        json={"re_enter_time": 15},
    )
    assert kiosk.commands == [("pause_kiosk", {"re_enter_time": 15})]

    await done(me.devices.run_action(kiosk.id, "scheduled_restart"))
    received(fake, "POST", f"{M}/devices/{kiosk.id}/actions/scheduled_restart", status=202, json={})
    assert kiosk.command_names() == ["pause_kiosk", "scheduled_restart"]
    assert touched(fake) == [kiosk.id]


class Refused(NamedTuple):
    """An action the fake refuses: the device it is sent to, and the typed error's details."""

    platform: str
    action: str
    error: type[Exception]
    status: int
    code: str
    message: str


REFUSED = {
    "remote_alarm on an iPhone": Refused(
        "ios",
        "remote_alarm",
        ValidationError,
        400,
        "COM0014",
        "Action not applicable: remote_alarm is not supported on ios",
    ),
    "lost mode on Windows": Refused(
        "windows",
        "enable_lost_mode",
        ValidationError,
        400,
        "COM0014",
        "Action not applicable: enable_lost_mode is not supported on windows",
    ),
    "scan a removed device": Refused(
        "removed",
        "scan",
        ValidationError,
        400,
        "COM0014",
        "Action not applicable: the device is removed",
    ),
    "an action the server lacks": Refused(
        "android", "self_destruct", NotFoundError, 404, "COM0008", "Action not found"
    ),
}


@covers("devices.run_action", "devices.remote_alarm", "devices.enable_lost_mode", "devices.scan")
@pytest.mark.parametrize("refused", list(REFUSED.values()), ids=list(REFUSED))
async def test_an_action_that_does_not_apply_raises_and_changes_nothing(
    refused: Refused, fake: FakeManageEngine, me: ManageEngineClient, device_of: DeviceOf
) -> None:
    if refused.platform == "removed":
        target = devices_where(fake, lambda d: d.is_removed)[0]
    else:
        target = device_of(refused.platform)

    with pytest.raises(refused.error) as caught:
        await me.devices.run_action(target, refused.action)

    received(
        fake,
        "POST",
        f"{M}/devices/{target}/actions/{refused.action}",
        status=refused.status,
        json={},
    )
    error = caught.value
    assert isinstance(error, ValidationError | NotFoundError)
    assert (error.status, error.code, error.message) == (
        refused.status,
        refused.code,
        refused.message,
    )
    assert (error.method, error.url) == (
        "POST",
        f"{fake.base_url}{M}/devices/{target}/actions/{refused.action}",
    )
    assert touched(fake) == []


@covers("devices.run_bulk_action")
async def test_bulk_restart_reports_per_device(
    fake: FakeManageEngine, me: ManageEngineClient, device_of: DeviceOf
) -> None:
    phone = device_of("ios")
    removed = devices_where(fake, lambda d: d.is_removed)[0]
    unknown = max(fake.state.devices) + 1
    group = next(
        g for g in fake.state.groups.values() if g.group_type == 6 and len(g.member_ids) > 3
    )
    members = fake.state.devices_of_group(group)
    targets = list(dict.fromkeys([phone, removed, unknown, *members]))

    result = await me.devices.run_bulk_action(
        "restart", device_ids=[phone, str(removed), unknown], group_ids=[group.id]
    )

    received(
        fake,
        "POST",
        f"{M}/actions/restart",
        status=200,
        json={"device_ids": [phone, removed, unknown], "group_ids": [group.id]},
    )
    ran = [t for t in targets if t in fake.state.devices and not device(fake, t).is_removed]
    skipped = [t for t in targets if t not in ran]
    assert removed in skipped
    assert unknown in skipped
    assert result.success_list == tuple(
        BulkActionItem(device_id=t, status="success", remarks="Command initiated") for t in ran
    )
    assert [(item.device_id, item.status) for item in result.na_list] == [
        (t, "not_applicable") for t in skipped
    ]
    remarks = {item.device_id: item.remarks for item in result.na_list}
    assert remarks[unknown] == "Device not found"
    assert remarks[removed] == "Action not applicable: the device is removed"
    assert (result.total_count, result.success_count, result.not_applicable_count) == (
        len(targets),
        len(ran),
        len(skipped),
    )
    assert all(type(item.device_id) is int for item in (*result.success_list, *result.na_list))
    assert touched(fake) == sorted(ran)
    assert all(device(fake, t).commands == [("restart", {})] for t in ran)


@covers("devices.run_bulk_action")
async def test_bulk_lost_mode_on_a_group_only_and_an_action_that_cannot_bulk(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    group = next(g for g in fake.state.groups.values() if g.holds_users)
    reached = fake.state.devices_of_group(group)

    result = await me.devices.run_bulk_action("disable_lost_mode", group_ids=[str(group.id)])

    received(
        fake, "POST", f"{M}/actions/disable_lost_mode", status=200, json={"group_ids": [group.id]}
    )
    assert result.total_count == len(reached) > 0
    assert sorted(i.device_id for i in (*result.success_list, *result.na_list)) == sorted(reached)
    assert touched(fake) == sorted(i.device_id for i in result.success_list)

    await invalid(
        me.devices.run_bulk_action("scan", device_ids=[reached[0]]),
        "Action scan cannot be run on several devices",
    )
    received(fake, "POST", f"{M}/actions/scan", status=400, json={"device_ids": [reached[0]]})


# -- groups, users and profiles ----------------------------------------------------------------


@covers("groups.list")
async def test_list_groups_page_by_page(fake: FakeManageEngine, me: ManageEngineClient) -> None:
    stored = list(fake.state.groups.values())

    groups = await me.groups.list(limit=4).collect()

    pages_received(
        fake,
        f"{M}/groups",
        [first_page(4), [("limit", "4"), ("offset", "4")], [("limit", "4"), ("offset", "8")]],
    )
    assert [(g.group_id, g.name, g.group_type, g.member_count) for g in groups] == [
        (g.id, g.name, g.group_type, len(g.member_ids)) for g in stored
    ]
    assert {g.group_type for g in groups} == {6, 7, 11}
    assert all(g.member_ids == () for g in groups)  # members only when asked for


@covers("groups.create", "groups.get", "groups.add_members", "groups.remove_member")
async def test_a_device_group_from_creation_to_members(
    fake: FakeManageEngine, me: ManageEngineClient, device_of: DeviceOf
) -> None:
    first, second = device_of("android"), device_of("ios")

    group = await me.groups.create(name="Field Team", description="Tablets in the field")

    received(
        fake,
        "POST",
        f"{M}/groups",
        status=200,
        json={"name": "Field Team", "group_type": 6, "description": "Tablets in the field"},
    )
    record = fake.state.groups[group.group_id]
    exact_id(group.group_id, record.id)
    assert (group.name, group.group_type, group.domain, group.member_count) == (
        "Field Team",
        6,
        "MDM",
        0,
    )
    assert (record.name, record.description, record.member_ids) == (
        "Field Team",
        "Tablets in the field",
        set(),
    )

    await done(me.groups.add_members(group.group_id, [first, str(second)]))

    received(
        fake,
        "POST",
        f"{M}/groups/{record.id}/members",
        status=202,
        json={"member_ids": [first, second]},
    )
    assert record.member_ids == {first, second}
    assert record.id in fake.state.group_ids_of(device(fake, first))

    got = await me.groups.get(record.id, include_members=True)

    received(fake, "GET", f"{M}/groups/{record.id}", status=200, query=[("include", "members")])
    assert got.member_ids == tuple(sorted([first, second]))
    assert all(type(m) is int for m in got.member_ids)
    assert (got.group_id, got.member_count, got.description) == (
        record.id,
        2,
        "Tablets in the field",
    )

    await done(me.groups.remove_member(record.id, first))
    received(fake, "DELETE", f"{M}/groups/{record.id}/members/{first}", status=204)
    assert record.member_ids == {second}

    plain = await me.groups.get(str(record.id))
    received(fake, "GET", f"{M}/groups/{record.id}", status=200)
    assert (plain.member_ids, plain.member_count) == ((), 1)

    await not_found(me.groups.remove_member(record.id, first), "Group member not found")
    received(fake, "DELETE", f"{M}/groups/{record.id}/members/{first}", status=404)


@covers("groups.create", "groups.add_members")
async def test_a_user_group_holds_users(fake: FakeManageEngine, me: ManageEngineClient) -> None:
    user = list(fake.state.users.values())[10]

    group = await me.groups.create(name="Field Leads", group_type=7, domain="CORP")
    received(
        fake,
        "POST",
        f"{M}/groups",
        status=200,
        json={"name": "Field Leads", "group_type": 7, "domain": "CORP"},
    )
    assert (group.group_type, group.domain) == (7, "CORP")

    await done(me.groups.add_members(group.group_id, [user.id]))
    fake.requests.take()
    record = fake.state.groups[group.group_id]
    assert record.member_ids == {user.id}
    assert fake.state.devices_of_group(record) == devices_where(
        fake, lambda d: d.user_id == user.id
    )

    a_device = next(iter(fake.state.devices))
    await invalid(
        me.groups.add_members(group.group_id, [a_device]), f"member_ids: unknown user {a_device}"
    )
    received(
        fake,
        "POST",
        f"{M}/groups/{group.group_id}/members",
        status=400,
        json={"member_ids": [a_device]},
    )
    assert record.member_ids == {user.id}

    await invalid(
        me.groups.create(name="field leads", group_type=7), "name: a group named field leads exists"
    )
    received(fake, "POST", f"{M}/groups", status=400, json={"name": "field leads", "group_type": 7})


@covers("groups.delete")
async def test_delete_group_ends_its_app_associations(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    group = next(
        g
        for g in fake.state.groups.values()
        if any(g.id in a.groups for a in fake.state.apps.values())
    )
    members = set(group.member_ids)
    assert members

    await done(me.groups.delete(group.id))

    received(fake, "DELETE", f"{M}/groups/{group.id}", status=204)
    assert group.id not in fake.state.groups
    assert all(group.id not in a.groups for a in fake.state.apps.values())
    assert members <= set(fake.state.devices)  # its devices stay

    await not_found(me.groups.get(group.id), "Group not found")
    received(fake, "GET", f"{M}/groups/{group.id}", status=404)


@covers("users.list")
async def test_list_users_follows_the_skip_token(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    stored = list(fake.state.users.values())
    assert len(stored) == 113

    pages = [page async for page in me.users.list(limit=30).pages()]

    requests = fake.requests.take()
    assert [(r.method, r.path, r.status) for r in requests] == [("GET", f"{M}/users", 200)] * 3
    for request in requests:
        authorized(request)
    assert requests[0].query_pairs == tuple(first_page(30))
    for page, request in zip(pages, requests[1:], strict=False):
        assert page.cursor is not None
        assert page.cursor.startswith(f"{fake.base_url}{M}/users?")
        assert "skip-token" in request.query
        assert request.query_pairs == tuple(parse_qsl(urlsplit(page.cursor).query))
    assert [len(page) for page in pages] == [30, 50, 33]  # the token carries no page size
    assert [page.total for page in pages] == [113] * 3
    assert pages[-1].has_more is False
    users = [u for page in pages for u in page]
    assert [u.user_id for u in users] == [u.id for u in stored]  # every user once
    assert [(u.name, u.email_address, u.domain) for u in users] == [
        (u.name, u.email, u.domain) for u in stored
    ]

    found = await me.users.list(search="NGUYEN").collect()
    pages_received(fake, f"{M}/users", [first_page(DEFAULT_PAGE_SIZE, ("search", "NGUYEN"))])
    expected = [u.id for u in stored if "nguyen" in u.name.lower() or "nguyen" in u.email]
    assert 0 < len(expected) < len(stored)
    assert [u.user_id for u in found] == expected


@covers("users.get")
async def test_get_user(fake: FakeManageEngine, me: ManageEngineClient) -> None:
    stored = list(fake.state.users.values())[1]

    user = await me.users.get(str(stored.id))

    received(fake, "GET", f"{M}/users/{stored.id}", status=200)
    exact_id(user.user_id, stored.id)
    assert (user.name, user.user_name, user.email_address, user.phone_number, user.domain) == (
        stored.name,
        stored.name,
        stored.email,
        stored.phone_number,
        "MDM",
    )


@covers("profiles.list")
async def test_list_profiles(fake: FakeManageEngine, me: ManageEngineClient) -> None:
    stored = list(fake.state.profiles.values())

    page = await me.profiles.list()

    pages_received(fake, f"{M}/profiles", [first_page()])
    assert (page.total, page.has_more) == (8, False)
    assert [
        (p.profile_id, p.profile_name, p.platform_type, p.profile_status_id, p.profile_status)
        for p in page
    ] == [(p.id, p.name, p.platform_type, p.status_id, p.status) for p in stored]
    first, record = page.items[0], stored[0]
    exact_id(first.profile_id, record.id)
    exact_id(first.collection_id, record.collection_id)
    assert (first.profile_description, first.profile_version, first.is_moved_to_trash) == (
        record.description,
        record.version,
        False,
    )
    assert same_moment(first.creation_time, record.created_at)
    assert same_moment(first.last_modified_time, record.modified_at)
    assert {p.platform_type for p in page} == {1, 2, 3, 4}


# -- errors ------------------------------------------------------------------------------------

UNKNOWN = 108_870_000_009_999_999  # an 18-digit id no object has


def _missing(path: str, call: Call, kind: str, name: str, query: Pairs = ()) -> Any:
    return pytest.param(path, query, call, kind, id=name)


MISSING = [
    _missing(f"/devices/{UNKNOWN}", lambda me: me.devices.get(UNKNOWN), "Device", "devices.get"),
    _missing(
        f"/devices/{UNKNOWN}/summary",
        lambda me: me.devices.summary(UNKNOWN),
        "Device",
        "devices.summary",
    ),
    _missing(
        f"/devices/{UNKNOWN}/actions",
        lambda me: me.devices.available_actions(UNKNOWN),
        "Device",
        "devices.available_actions",
    ),
    _missing(
        f"/devices/{UNKNOWN}/apps",
        lambda me: me.devices.installed_apps(UNKNOWN).collect(),
        "Device",
        "devices.installed_apps",
        first_page(),
    ),
    _missing(f"/apps/{UNKNOWN}", lambda me: me.apps.get(UNKNOWN), "App", "apps.get"),
    _missing(f"/groups/{UNKNOWN}", lambda me: me.groups.get(UNKNOWN), "Group", "groups.get"),
    _missing(f"/users/{UNKNOWN}", lambda me: me.users.get(UNKNOWN), "User", "users.get"),
    _missing(
        f"/files/{UNKNOWN}/status", lambda me: me.files.status(UNKNOWN), "File", "files.status"
    ),
]


@covers(
    "devices.get",
    "devices.summary",
    "devices.available_actions",
    "devices.installed_apps",
    "apps.get",
    "groups.get",
    "users.get",
    "files.status",
)
@pytest.mark.parametrize(("path", "query", "call", "kind"), MISSING)
async def test_404_is_not_found_error_with_the_fakes_code(
    path: str, query: Pairs, call: Call, kind: str, fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    error = await not_found(call(me), f"{kind} not found")

    received(fake, "GET", M + path, status=404, query=query)
    url = fake.base_url + M + path + (f"?{urlencode(query)}" if query else "")
    assert (error.method, error.url) == ("GET", url)
    assert error.request_id is None  # ManageEngine sends none
    assert error.request_id is None  # ManageEngine sends none


INVALID: dict[str, tuple[Call, str]] = {
    "app_type 4": (
        lambda me: me.apps.create(app_name="x", app_type=4, app_category_id=1, supported_devices=3),
        "app_type",
    ),
    "enterprise app without app_file": (
        lambda me: me.apps.create(app_name="x", app_type=3, app_category_id=1, supported_devices=3),
        "app_file",
    ),
    "supported_devices 4": (
        lambda me: me.apps.create(app_name="x", app_type=1, supported_devices=4),
        "supported_devices",
    ),
    "blank app_name": (lambda me: me.apps.create(app_name=" ", app_type=1), "app_name"),
    "enterprise upload without app_name": (
        lambda me: me.apps.create_enterprise(APK, filename="a.apk", app_name=""),
        "app_name",
    ),
    "update without a field": (lambda me: me.apps.update(1, 2), "app_name"),
    "empty device_ids": (lambda me: me.apps.associate_devices(1, 2, []), "device_ids"),
    "empty group_ids": (lambda me: me.apps.associate_groups(1, 2, []), "group_ids"),
    "device_ids as a string": (lambda me: me.apps.associate_devices(1, 2, "12"), "device_ids"),
    "app id with a slash": (lambda me: me.apps.delete("1/labels"), "app_id"),
    "blank channel_name": (lambda me: me.labels.create(channel_name=" "), "channel_name"),
    "bytes without a filename": (lambda me: me.files.upload(APK), "filename"),
    "unknown module": (
        lambda me: me.files.upload(APK, filename="a.apk", module="MDM_GAMES"),
        "module",
    ),
    "unknown strategy": (
        lambda me: me.files.upload(APK, filename="a.apk", strategy=cast(Any, "ftp")),
        "strategy",
    ),
    "wait for no time": (lambda me: me.files.wait(1, max_wait=0), "max_wait"),
    "unknown platform filter": (
        lambda me: me.devices.list(platform=["iOS", "BlackBerry"]).collect(),
        "platform",
    ),
    "unknown device_type filter": (
        lambda me: me.devices.list(device_type="Watch").collect(),
        "device_type",
    ),
    "unknown owner filter": (
        lambda me: me.devices.list(owned_by=cast(Any, "Rented")).collect(),
        "owned_by",
    ),
    "limit 0": (lambda me: me.devices.list(limit=0).collect(), "limit"),
    "limit 201": (lambda me: me.users.list(limit=MAX_PAGE_SIZE + 1).collect(), "limit"),
    "device id with a slash": (lambda me: me.devices.get("1/actions"), "device_id"),
    "update without a field ": (lambda me: me.devices.update(1), "name"),
    "purchase_date without a zone": (
        lambda me: me.devices.update(1, purchase_date=datetime(2024, 3, 1)),
        "purchase_date",
    ),
    "bad action name": (lambda me: me.devices.run_action(1, "Lock!"), "action"),
    "unlock_pin with letters": (lambda me: me.devices.lock(1, unlock_pin="12ab"), "unlock_pin"),
    "wipe_lock_pin with letters": (
        lambda me: me.devices.complete_wipe(1, wipe_lock_pin="pin"),
        "wipe_lock_pin",
    ),
    "bulk action without targets": (
        lambda me: me.devices.run_bulk_action("restart", device_ids=[]),
        "device_ids",
    ),
    "bulk action with a bad name": (
        lambda me: me.devices.run_bulk_action("re start", device_ids=[1]),
        "action",
    ),
    "group_type 0": (lambda me: me.groups.create(name="x", group_type=0), "group_type"),
    "blank group name": (lambda me: me.groups.create(name=""), "name"),
    "no members": (lambda me: me.groups.add_members(1, []), "member_ids"),
    "member id with a slash": (lambda me: me.groups.remove_member(1, "2/3"), "member_id"),
}


@covers(
    "apps.create",
    "apps.create_enterprise",
    "apps.update",
    "apps.associate_devices",
    "apps.associate_groups",
    "apps.delete",
    "labels.create",
    "files.upload",
    "files.wait",
    "devices.list",
    "devices.get",
    "devices.update",
    "devices.run_action",
    "devices.lock",
    "devices.complete_wipe",
    "devices.run_bulk_action",
    "groups.create",
    "groups.add_members",
    "groups.remove_member",
    "users.list",
)
@pytest.mark.parametrize(("call", "field"), list(INVALID.values()), ids=list(INVALID))
async def test_bad_arguments_are_refused_before_anything_is_sent(
    call: Call, field: str, fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        await call(me)

    assert caught.value.field == field
    assert fake.requests.all() == []


@covers("files.upload")
async def test_a_legacy_upload_escapes_a_quote_in_the_file_name(
    fake: FakeManageEngine, clock: FakeClock
) -> None:
    async with client_for(fake, clock, upload_strategy="legacy") as legacy:
        uploaded = await legacy.files.upload(APK, filename='Field "Notes".apk')

    (upload,) = fake.requests.take()
    assert upload.headers["Content-Disposition"] == 'attachment; filename="Field %22Notes%22.apk"'
    assert uploaded.file_name == "Field %22Notes%22.apk"  # as browsers send it: not cut at '"'
