"""The native client's catalog sections against the fake, one story per endpoint.

Every test checks both ends: what the fake received (method, path, query, form fields,
uploaded files) and what the client gave back, plus the fake's state where the endpoint
changes it. Covered: account, apps, managed configs, assignment groups, custom configuration
profiles, DEP servers, enrollments, logs, profiles, push certificate, scripts, script jobs.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple
from urllib.parse import parse_qsl

import pytest

from mdmkit.core.errors import (
    APIError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    ValidationError,
)
from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.simplemdm.models import (
    Account,
    App,
    CustomConfigurationProfile,
    DepServer,
    Enrollment,
    Licenses,
    ManagedConfig,
    PushCertificate,
    Script,
    ScriptJobDevice,
    Subscription,
)
from mdmkit.testing import FakeClock, FakeSimpleMDM, RateLimited, RecordedRequest, UploadedFile
from tests.simplemdm.endpoints import covers
from tests.support import CLASSIC
from tests.testing.test_fake_simplemdm_sections import ipa

pytestmark = pytest.mark.anyio

API = "/api/v1"
FORM = "application/x-www-form-urlencoded"
OCTETS = "application/octet-stream"
MOBILECONFIG = "application/x-apple-aspen-config"
PKG = b"xar!\x00\x1c\x00\x01" + bytes(range(256)) * 8  # a .pkg is a xar archive
YEAR = 365 * 86_400.0


# -- what the fake received ---------------------------------------------------------------------


def sent(
    fake: FakeSimpleMDM, method: str, path: str, query: dict[str, str] | None = None
) -> RecordedRequest:
    """The one request since the last look, with this method, path (under /api/v1) and query."""
    (request,) = fake.requests.take()
    assert (request.method, request.path, dict(request.query)) == (method, API + path, query or {})
    assert request.authenticated
    return request


def bare(fake: FakeSimpleMDM, method: str, path: str, status: int = 204) -> RecordedRequest:
    """A request without a body, and so without a Content-Type, answered with ``status``."""
    request = sent(fake, method, path)
    assert (request.body, request.content_type, request.status) == (b"", None, status)
    return request


def form(fake: FakeSimpleMDM, method: str, path: str, fields: dict[str, str]) -> RecordedRequest:
    """A form-urlencoded request carrying exactly ``fields``."""
    request = sent(fake, method, path)
    assert request.content_type == FORM
    pairs = parse_qsl(request.body.decode(), keep_blank_values=True, strict_parsing=True)
    assert sorted(pairs) == sorted(fields.items())  # each field once, nothing else
    return request


def multipart(
    fake: FakeSimpleMDM,
    method: str,
    path: str,
    fields: dict[str, str],
    files: dict[str, UploadedFile],
) -> RecordedRequest:
    """A multipart/form-data request carrying exactly these text fields and files."""
    request = sent(fake, method, path)
    assert request.content_type is not None
    assert request.content_type.startswith("multipart/form-data; boundary=")
    assert (dict(request.form), dict(request.files)) == (fields, files)
    return request


def listed(
    fake: FakeSimpleMDM, path: str, cursors: list[str | None], limit: int = 100, **params: str
) -> list[RecordedRequest]:
    """A paged GET: ``limit`` and ``params`` on every page, ``starting_after`` the cursor."""
    requests = fake.requests.take()
    first = {**params, "limit": str(limit)}
    expected = [first | ({} if c is None else {"starting_after": c}) for c in cursors]
    assert [(r.method, r.path, dict(r.query)) for r in requests] == [
        ("GET", API + path, query) for query in expected
    ]
    assert all(r.body == b"" and r.status == 200 for r in requests)
    return requests


def upload(data: bytes, filename: str, content_type: str = OCTETS) -> UploadedFile:
    """How the fake's request log describes an uploaded file."""
    digest = hashlib.sha256(data).hexdigest()
    return UploadedFile(filename=filename, content_type=content_type, size=len(data), sha256=digest)


def guessed(filename: str) -> str:
    """The registered media type of a file name on this system (for .sh, .pem and the like)."""
    return mimetypes.guess_type(filename)[0] or OCTETS


async def nothing(call: Awaitable[object]) -> None:
    """Await a call the server answers without a body: it gives back None."""
    assert await call is None


async def refused(
    fake: FakeSimpleMDM, call: Awaitable[object], cls: type[APIError], status: int, message: str
) -> APIError:
    """The API error ``call`` raises: the fake's status and message, its x-request-id as id."""
    with pytest.raises(cls) as caught:
        await call
    error = caught.value
    answered = fake.requests.last()
    assert (error.status, error.message) == (status, message)
    assert error.request_id is not None
    assert error.request_id == answered.request_id
    assert answered.status == status
    return error


async def missing(fake: FakeSimpleMDM, call: Awaitable[object]) -> None:
    """``call`` gets the fake's 404: a NotFoundError saying "object not found"."""
    await refused(fake, call, NotFoundError, 404, "object not found")


async def rejected(fake: FakeSimpleMDM, call: Awaitable[object], field: str | None) -> None:
    """``call`` fails on its arguments, naming ``field``, before anything is sent."""
    fake.requests.take()
    with pytest.raises(InvalidRequestError) as caught:
        await call
    assert caught.value.field == field
    assert fake.requests.take() == []


def at(timestamp: float) -> datetime:
    """A time as the API writes it: UTC, to the millisecond."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def macs(fake: FakeSimpleMDM, count: int) -> list[int]:
    """Ids of the first enrolled Macs (scripts run on macOS only)."""
    found = [d.id for d in fake.state.devices.values() if d.is_macos and d.status == "enrolled"]
    return found[:count]


# -- account --------------------------------------------------------------------------------------


@covers("account.get", "account.update")
async def test_account_show_and_update(sm: SimpleMDMClient, fake: FakeSimpleMDM) -> None:
    assert await sm.account.get() == Account(name="Example Inc.", apple_store_country_code="US")
    bare(fake, "GET", "/account", 200)

    fake.state.account.licenses_total, fake.state.account.licenses_available = 500, 123
    account = await sm.account.get()
    assert account.subscription == Subscription(licenses=Licenses(total=500, available=123))
    fake.requests.take()

    updated = await sm.account.update(name="Acme", apple_store_country_code="AU")
    form(fake, "PATCH", "/account", {"name": "Acme", "apple_store_country_code": "AU"})
    assert (updated.name, updated.apple_store_country_code) == ("Acme", "AU")
    assert (fake.state.account.name, fake.state.account.apple_store_country_code) == ("Acme", "AU")

    await sm.account.update(apple_store_country_code="nz")
    form(fake, "PATCH", "/account", {"apple_store_country_code": "nz"})
    assert fake.state.account.apple_store_country_code == "NZ"
    await rejected(fake, sm.account.update(), "name")
    await rejected(
        fake, sm.account.update(apple_store_country_code="AUS"), "apple_store_country_code"
    )


# -- apps -----------------------------------------------------------------------------------------


def app_of(fake: FakeSimpleMDM, app_id: int) -> App:
    """The App the reference's shapes give for the fake's record."""
    record = fake.state.apps[app_id]
    enterprise = record.app_type == "enterprise"
    return App(
        id=app_id,
        name=record.name,
        bundle_identifier=record.bundle_identifier,
        app_type=record.app_type,
        itunes_store_id=None if enterprise else record.itunes_store_id,
        version=record.version if enterprise else None,
        installation_channels=("standard",),
        platform_support=record.platform_support,
        processing_status="processed",
    )


@covers("apps.list")
async def test_apps_list_follows_the_cursor_and_hides_shared_apps(
    sm: SimpleMDMClient, fake: FakeSimpleMDM
) -> None:
    own = [a.id for a in fake.state.apps.values() if not a.shared]
    shared = [a.id for a in fake.state.apps.values() if a.shared]
    assert (len(own), len(shared)) == (31, 1)

    apps = await sm.apps.list().collect()
    listed(fake, "/apps", [None])
    assert apps == [app_of(fake, i) for i in own]

    paged = await sm.apps.list(limit=10).collect()
    listed(fake, "/apps", [None, "10", "20", "30"], limit=10)
    assert paged == apps

    everything = await sm.apps.list(include_shared=True).collect()
    listed(fake, "/apps", [None], include_shared="true")
    assert [a.id for a in everything] == own + shared
    assert everything[-1].name == "Shared Catalog App"


@covers("apps.get")
async def test_apps_get_one_and_a_missing_one(sm: SimpleMDMClient, fake: FakeSimpleMDM) -> None:
    slack = await sm.apps.get(1)
    bare(fake, "GET", "/apps/1", 200)
    assert slack == app_of(fake, 1)
    assert (slack.name, slack.app_type, slack.itunes_store_id) == (
        "Slack",
        "app store",
        fake.state.apps[1].itunes_store_id,
    )
    assert slack.raw["type"] == "app"

    await missing(fake, sm.apps.get(999))
    bare(fake, "GET", "/apps/999", 404)


@covers("apps.create", "apps.list")
async def test_upload_an_ipa_given_as_bytes(sm: SimpleMDMClient, fake: FakeSimpleMDM) -> None:
    data = ipa("Surf Report", "com.portlandsurfclub.ent.surfreport", "2.2")
    new_id = fake.state.apps.next_id()
    app = await sm.apps.create(binary=data, filename="Surf.ipa")
    request = multipart(fake, "POST", "/apps", {}, {"binary": upload(data, "Surf.ipa")})
    assert request.status == 201
    assert app == App(
        id=new_id,
        name="Surf Report",
        bundle_identifier="com.portlandsurfclub.ent.surfreport",
        app_type="enterprise",
        version="2.2",
        installation_channels=("standard",),
        platform_support="iOS",
        processing_status="processed",
    )
    assert fake.state.apps[new_id].binary == upload(data, "Surf.ipa")
    assert app in await sm.apps.list().collect()


@covers("apps.create")
async def test_upload_a_pkg_from_a_path_with_a_name(
    sm: SimpleMDMClient, fake: FakeSimpleMDM, tmp_path: Path
) -> None:
    path = tmp_path / "Tool.pkg"
    path.write_bytes(PKG)
    app = await sm.apps.create(binary=path, name="Our Tool")
    multipart(fake, "POST", "/apps", {"name": "Our Tool"}, {"binary": upload(PKG, "Tool.pkg")})
    assert (app.name, app.app_type, app.platform_support) == ("Our Tool", "enterprise", "macOS")
    assert fake.state.apps[app.id].binary == upload(PKG, "Tool.pkg")


@pytest.fixture
def open_ipa(tmp_path: Path) -> Iterator[BinaryIO]:
    """An ipa on disk, opened for reading in binary mode."""
    path = tmp_path / "FieldNotes.ipa"
    path.write_bytes(ipa("Field Notes", "com.example.fieldnotes", "3.1"))
    with path.open("rb") as handle:
        yield handle


@covers("apps.create")
async def test_upload_an_ipa_from_an_open_file_resends_it_whole_after_a_429(
    sm: SimpleMDMClient, fake: FakeSimpleMDM, clock: FakeClock, open_ipa: BinaryIO
) -> None:
    data = ipa("Field Notes", "com.example.fieldnotes", "3.1")
    before = len(fake.state.apps)
    fake.faults.add(RateLimited(retry_after=2), route="POST */apps")
    app = await sm.apps.create(binary=open_ipa)
    throttled, accepted = fake.requests.take()
    assert (throttled.fault, throttled.status, accepted.fault, accepted.status) == (
        "RateLimited",
        429,
        None,
        201,
    )
    assert throttled.files == accepted.files == {"binary": upload(data, "FieldNotes.ipa")}
    assert clock.sleeps == [2.0]
    assert (app.name, app.bundle_identifier, app.version) == (
        "Field Notes",
        "com.example.fieldnotes",
        "3.1",
    )
    assert len(fake.state.apps) == before + 1
    assert not open_ipa.closed  # the caller's file stays the caller's


@covers("apps.create")
async def test_upload_file_names_arrive_as_given(sm: SimpleMDMClient, fake: FakeSimpleMDM) -> None:
    """A space or a non-ASCII letter in a file name reaches the server unchanged."""
    app = await sm.apps.create(binary=PKG, filename="Surf Report é.pkg")
    multipart(fake, "POST", "/apps", {}, {"binary": upload(PKG, "Surf Report é.pkg")})
    assert app.name == "Surf Report é"  # the fake names a package after its file


@covers("apps.create")
async def test_add_app_store_apps_by_store_id_and_bundle_id(
    sm: SimpleMDMClient, fake: FakeSimpleMDM
) -> None:
    by_store = await sm.apps.create(app_store_id=1090161858)
    form(fake, "POST", "/apps", {"app_store_id": "1090161858"})
    assert (by_store.app_type, by_store.itunes_store_id) == ("app store", 1090161858)
    assert by_store == app_of(fake, by_store.id)

    by_bundle = await sm.apps.create(bundle_id="com.myCompany.MyApp1")
    form(fake, "POST", "/apps", {"bundle_id": "com.myCompany.MyApp1"})
    assert (by_bundle.app_type, by_bundle.bundle_identifier) == (
        "app store",
        "com.myCompany.MyApp1",
    )
    assert fake.state.apps[by_bundle.id].bundle_identifier == "com.myCompany.MyApp1"


@covers("apps.create")
async def test_apps_create_needs_exactly_one_source(
    sm: SimpleMDMClient, fake: FakeSimpleMDM
) -> None:
    before = len(fake.state.apps)
    await rejected(fake, sm.apps.create(app_store_id=1, bundle_id="com.x"), "bundle_id")
    await rejected(fake, sm.apps.create(bundle_id="com.x", binary=PKG, filename="x.pkg"), "binary")
    await rejected(fake, sm.apps.create(), None)
    await rejected(fake, sm.apps.create(app_store_id=1, name="Renamed"), "name")
    await rejected(fake, sm.apps.create(binary=PKG), "filename")
    assert len(fake.state.apps) == before


@covers("apps.update")
async def test_apps_update_renames_and_replaces_the_binary(
    sm: SimpleMDMClient, fake: FakeSimpleMDM
) -> None:
    surf = fake.add_app("Surf Report", app_type="enterprise", version="2.2")
    renamed = await sm.apps.update(surf.id, name="Surf Report (Field)")
    form(fake, "PATCH", f"/apps/{surf.id}", {"name": "Surf Report (Field)"})
    assert renamed == app_of(fake, surf.id)
    assert fake.state.apps[surf.id].name == "Surf Report (Field)"

    data = ipa("Surf Report", "com.portlandsurfclub.ent.surfreport", "2.3")
    updated = await sm.apps.update(surf.id, binary=data, filename="Surf2.ipa", deploy_to="outdated")
    multipart(
        fake,
        "PATCH",
        f"/apps/{surf.id}",
        {"deploy_to": "outdated"},
        {"binary": upload(data, "Surf2.ipa")},
    )
    assert (updated.version, updated.bundle_identifier) == (
        "2.3",
        "com.portlandsurfclub.ent.surfreport",
    )
    assert fake.state.apps[surf.id].binary == upload(data, "Surf2.ipa")
    assert fake.state.apps[surf.id].deploys == ["none", "outdated"]

    await sm.apps.update(surf.id, deploy_to="all")
    form(fake, "PATCH", f"/apps/{surf.id}", {"deploy_to": "all"})
    assert fake.state.apps[surf.id].deploys[-1] == "all"
    await rejected(fake, sm.apps.update(surf.id), "binary")
    await rejected(fake, sm.apps.update(surf.id, deploy_to="some"), "deploy_to")  # type: ignore[arg-type]


@covers("apps.delete")
async def test_apps_delete_leaves_the_catalog_and_its_groups(
    sm: SimpleMDMClient, fake: FakeSimpleMDM
) -> None:
    groups = [g.id for g in fake.state.assignment_groups.values() if 9 in g.app_ids]
    assert groups == [2]
    await nothing(sm.apps.delete(9))
    bare(fake, "DELETE", "/apps/9")
    assert 9 not in fake.state.apps
    assert 9 not in fake.state.assignment_groups[2].app_ids
    await missing(fake, sm.apps.get(9))
    await missing(fake, sm.apps.delete(9))


@covers("apps.installs")
async def test_apps_installs_lists_one_install_per_device(
    sm: SimpleMDMClient, fake: FakeSimpleMDM
) -> None:
    state = fake.state
    bundle = state.apps[1].bundle_identifier
    expected = [
        item
        for device in state.devices.values()
        for item in state.installed_apps(device)
        if item.identifier == bundle
    ]
    assert len(expected) == 110
    installs = await sm.apps.installs(1).collect()
    listed(fake, "/apps/1/installs", [None, str(expected[99].id)])
    assert [(i.id, i.device_id, i.identifier) for i in installs] == [
        (e.id, e.device_id, bundle) for e in expected
    ]
    newest_first = await sm.apps.installs(1, direction="desc", limit=50).collect()
    cursors = [None, str(expected[60].id), str(expected[10].id)]
    listed(fake, "/apps/1/installs", cursors, limit=50, direction="desc")
    assert newest_first == installs[::-1]
    first = installs[0]
    assert (first.name, first.version, first.managed) == (
        "Slack",
        expected[0].version,
        expected[0].managed,
    )
    assert first.last_seen_at == at(expected[0].last_seen_at)


@covers("apps.update_munki_pkginfo", "apps.delete_munki_pkginfo")
async def test_munki_pkginfo_upload_and_delete(sm: SimpleMDMClient, fake: FakeSimpleMDM) -> None:
    pkginfo = b'<?xml version="1.0"?><plist version="1.0"><dict/></plist>'
    await nothing(sm.apps.update_munki_pkginfo(4, pkginfo, filename="munkipkg.plist"))
    sent_file = upload(pkginfo, "munkipkg.plist", "application/xml")
    request = multipart(fake, "POST", "/apps/4/munki_pkginfo", {}, {"file": sent_file})
    assert request.status == 202
    assert fake.state.apps[4].munki_pkginfo == sent_file

    await nothing(sm.apps.delete_munki_pkginfo(4))
    bare(fake, "DELETE", "/apps/4/munki_pkginfo")
    assert fake.state.apps[4].munki_pkginfo is None


# -- managed app configs --------------------------------------------------------------------------

MINUS_7 = timezone(timedelta(hours=-7))


@covers("managed_configs.create")
@pytest.mark.parametrize(
    ("value_type", "value", "text"),
    [
        ("boolean", True, "1"),
        ("boolean", False, "0"),
        ("date", datetime(2017, 1, 1, 12, 31, 15, tzinfo=MINUS_7), "2017-01-01T12:31:15-07:00"),
        ("float", 0.123, "0.123"),
        ("float array", [0.123, 923.1, 42], "0.123,923.1,42"),
        ("integer", 32, "32"),
        ("integer array", [1, 452, -129], "1,452,-129"),
        ("string", "This is a string", "This is a string"),
        ("string array", ["First string", "Second string"], '"First string","Second string"'),
    ],
)
async def test_managed_config_values_are_sent_in_the_documented_format(
    sm: SimpleMDMClient, fake: FakeSimpleMDM, value_type: Any, value: Any, text: str
) -> None:
    config = await sm.managed_configs.create(1, key="setting", value=value, value_type=value_type)
    request = form(
        fake,
        "POST",
        "/apps/1/managed_configs",
        {"key": "setting", "value": text, "value_type": value_type},
    )
    assert request.status == 201
    assert config == ManagedConfig(id=config.id, key="setting", value=text, value_type=value_type)
    stored = fake.state.apps[1].managed_configs[config.id]
    assert (stored.key, stored.value, stored.value_type) == ("setting", text, value_type)


@covers(
    "managed_configs.list",
    "managed_configs.create",
    "managed_configs.delete",
    "managed_configs.push",
)
async def test_managed_configs_list_delete_and_push(
    sm: SimpleMDMClient, fake: FakeSimpleMDM
) -> None:
    server = await sm.managed_configs.create(
        1, key="serverURL", value="http://example.com", value_type="string"
    )
    users = await sm.managed_configs.create(
        1, key="User IDs", value=[1, 53, 3], value_type="integer array"
    )
    fake.requests.take()
    assert await sm.managed_configs.list(1).collect() == [server, users]
    listed(fake, "/apps/1/managed_configs", [None])
    assert users.value == "1,53,3"

    await nothing(sm.managed_configs.delete(1, server.id))
    bare(fake, "DELETE", f"/apps/1/managed_configs/{server.id}")
    assert list(fake.state.apps[1].managed_configs) == [users.id]
    await missing(fake, sm.managed_configs.delete(1, server.id))
    fake.requests.take()

    await nothing(sm.managed_configs.push(1))
    bare(fake, "POST", "/apps/1/managed_configs/push", 202)
    assert fake.state.apps[1].managed_config_pushes == 1
    await rejected(
        fake,
        sm.managed_configs.create(1, key="k", value=[True], value_type="integer array"),
        "value",
    )
    naive = datetime(2017, 1, 1, 12, 0)
    await rejected(
        fake, sm.managed_configs.create(1, key="k", value=naive, value_type="date"), "value"
    )


# -- assignment groups ----------------------------------------------------------------------------


@covers("assignment_groups.list")
async def test_assignment_groups_list(sm: SimpleMDMClient, fake: FakeSimpleMDM) -> None:
    groups = await sm.assignment_groups.list().collect()
    listed(fake, "/assignment_groups", [None])
    records = list(fake.state.assignment_groups.values())
    assert [(g.id, g.name, g.type, g.app_ids) for g in groups] == [
        (r.id, r.name, "static", tuple(r.app_ids)) for r in records
    ]
    assert [g.device_ids for g in groups] == [tuple(sorted(r.device_ids)) for r in records]

    newest_first = await sm.assignment_groups.list(direction="desc", limit=5).collect()
    listed(fake, "/assignment_groups", [None, "4"], limit=5, direction="desc")
    assert [g.id for g in newest_first] == [8, 7, 6, 5, 4, 3, 2, 1]


@covers("assignment_groups.get")
async def test_assignment_groups_get(sm: SimpleMDMClient, fake: FakeSimpleMDM) -> None:
    engineering = await sm.assignment_groups.get(2)
    bare(fake, "GET", "/assignment_groups/2", 200)
    record = fake.state.assignment_groups[2]
    assert (engineering.id, engineering.name, engineering.type, engineering.group_type) == (
        2,
        "Engineering",
        "static",
        "static",
    )
    assert engineering.app_ids == (1, 9, 17, 25)
    assert engineering.device_ids == tuple(sorted(record.device_ids))
    assert (engineering.device_group_ids, engineering.profile_ids) == ((), ())
    assert (engineering.auto_deploy, engineering.install_type) == (True, "managed")
    await missing(fake, sm.assignment_groups.get(77))


@covers("assignment_groups.create")
async def test_assignment_groups_create(sm: SimpleMDMClient, fake: FakeSimpleMDM) -> None:
    group = await sm.assignment_groups.create(
        name="Communication Apps", auto_deploy=False, priority=3, app_track_location=False
    )
    request = form(
        fake,
        "POST",
        "/assignment_groups",
        {
            "name": "Communication Apps",
            "auto_deploy": "false",
            "priority": "3",
            "app_track_location": "false",
        },
    )
    assert request.status == 201
    assert (group.id, group.name, group.auto_deploy, group.priority) == (
        9,
        "Communication Apps",
        False,
        3,
    )
    assert (group.app_track_location, group.type, group.app_ids, group.device_ids) == (
        False,
        "static",
        (),
        (),
    )
    record = fake.state.assignment_groups[9]
    assert (record.name, record.auto_deploy, record.priority) == ("Communication Apps", False, 3)

    munki = await sm.assignment_groups.create(name="Munki", type="munki", install_type="self_serve")
    form(
        fake,
        "POST",
        "/assignment_groups",
        {"name": "Munki", "type": "munki", "install_type": "self_serve"},
    )
    assert (munki.type, munki.install_type) == ("munki", "self_serve")
    await rejected(fake, sm.assignment_groups.create(name=" "), "name")
    await rejected(fake, sm.assignment_groups.create(name="X", type="odd"), "type")  # type: ignore[arg-type]


@covers("assignment_groups.update", "assignment_groups.delete")
async def test_assignment_groups_update_and_delete(
    sm: SimpleMDMClient, fake: FakeSimpleMDM
) -> None:
    await nothing(
        sm.assignment_groups.update(3, name="Lobby Kiosks", auto_deploy=False, priority=5)
    )
    form(
        fake,
        "PATCH",
        "/assignment_groups/3",
        {"name": "Lobby Kiosks", "auto_deploy": "false", "priority": "5"},
    )
    record = fake.state.assignment_groups[3]
    assert (record.name, record.auto_deploy, record.priority) == ("Lobby Kiosks", False, 5)
    await rejected(fake, sm.assignment_groups.update(3), "name")

    await nothing(sm.assignment_groups.delete(3))
    bare(fake, "DELETE", "/assignment_groups/3")
    assert 3 not in fake.state.assignment_groups
    await missing(fake, sm.assignment_groups.get(3))


class Link(NamedTuple):
    """One assign/unassign pair: ``<section>.assign_<target>`` and ``unassign_<target>``."""

    section: str  # the client attribute, also the path's collection
    target: str  # app, device_group, device or profile
    member: int
    owner: Callable[[FakeSimpleMDM], int]

    def members(self, fake: FakeSimpleMDM, owner: int) -> set[int]:
        """The fake's record of what is assigned to the owner."""
        table: Any = (
            fake.state.assignment_groups
            if self.section == "assignment_groups"
            else fake.state.profiles
        )
        return set(getattr(table[owner], f"{self.target}_ids"))

    async def shown(self, sm: SimpleMDMClient, owner: int) -> bool:
        """Whether the API shows the member assigned (a profile only counts its devices)."""
        if self.section == "assignment_groups":
            group = await sm.assignment_groups.get(owner)
            return self.member in getattr(group, f"{self.target}_ids")
        profile = await sm.profiles.get(owner)  # custom profiles are listed as profiles too
        if self.target == "device_group":
            return self.member in profile.device_group_ids
        return profile.device_count == 1


def new_group(fake: FakeSimpleMDM) -> int:
    return fake.add_assignment_group("Linked").id


LINKS = [
    Link("assignment_groups", "app", 3, new_group),
    Link("assignment_groups", "device_group", 2, new_group),
    Link("assignment_groups", "device", 5, new_group),
    Link("assignment_groups", "profile", 1, new_group),
    Link("profiles", "device_group", 3, lambda fake: 3),
    Link("profiles", "device", 7, lambda fake: 3),
    Link("custom_configuration_profiles", "device_group", 4, lambda fake: 6),
    Link("custom_configuration_profiles", "device", 8, lambda fake: 6),
]


@CLASSIC
@covers(
    "assignment_groups.assign_app",
    "assignment_groups.unassign_app",
    "assignment_groups.assign_device_group",
    "assignment_groups.unassign_device_group",
    "assignment_groups.assign_device",
    "assignment_groups.unassign_device",
    "assignment_groups.assign_profile",
    "assignment_groups.unassign_profile",
    "profiles.assign_device_group",
    "profiles.unassign_device_group",
    "profiles.assign_device",
    "profiles.unassign_device",
    "custom_configuration_profiles.assign_device_group",
    "custom_configuration_profiles.unassign_device_group",
    "custom_configuration_profiles.assign_device",
    "custom_configuration_profiles.unassign_device",
)
@pytest.mark.parametrize("link", LINKS, ids=lambda link: f"{link.section}.{link.target}")
async def test_assign_then_unassign_and_409_when_already_so(
    sm: SimpleMDMClient, fake: FakeSimpleMDM, link: Link
) -> None:
    owner = link.owner(fake)
    path = f"/{link.section}/{owner}/{link.target}s/{link.member}"
    resource = getattr(sm, link.section)
    assign = getattr(resource, f"assign_{link.target}")
    unassign = getattr(resource, f"unassign_{link.target}")
    assert link.member not in link.members(fake, owner)
    assert not await link.shown(sm, owner)
    fake.requests.take()

    await nothing(assign(owner, link.member))
    bare(fake, "POST", path)
    assert link.member in link.members(fake, owner)
    assert await link.shown(sm, owner)
    fake.requests.take()
    await refused(fake, assign(owner, link.member), ConflictError, 409, "already assigned")
    bare(fake, "POST", path, 409)

    await nothing(unassign(owner, link.member))
    bare(fake, "DELETE", path)
    assert link.member not in link.members(fake, owner)
    assert not await link.shown(sm, owner)
    fake.requests.take()
    await refused(fake, unassign(owner, link.member), ConflictError, 409, "not assigned")
    bare(fake, "DELETE", path, 409)


@covers("assignment_groups.push_apps", "assignment_groups.update_apps")
async def test_assignment_groups_push_and_update_apps(
    sm: SimpleMDMClient, fake: FakeSimpleMDM
) -> None:
    await nothing(sm.assignment_groups.push_apps(4))
    bare(fake, "POST", "/assignment_groups/4/push_apps", 202)
    await nothing(sm.assignment_groups.update_apps(4))
    bare(fake, "POST", "/assignment_groups/4/update_apps", 202)
    await nothing(sm.assignment_groups.update_apps(4))
    bare(fake, "POST", "/assignment_groups/4/update_apps", 202)
    record = fake.state.assignment_groups[4]
    assert (record.push_apps_count, record.update_apps_count) == (1, 2)
    await missing(fake, sm.assignment_groups.push_apps(99))


@covers("assignment_groups.sync_profiles")
async def test_sync_profiles_twice_waits_out_the_30_second_window(
    sm: SimpleMDMClient, fake: FakeSimpleMDM, clock: FakeClock
) -> None:
    start = clock.time()
    await nothing(sm.assignment_groups.sync_profiles(1))
    clock.advance(10)
    await nothing(sm.assignment_groups.sync_profiles(1))
    # the second call got 429 with X-RateLimit-Reset = start + 30 (an epoch second); the
    # client's retry slept the 20 s left on the virtual clock and then went through
    requests = fake.requests.take()
    assert [(r.method, r.path, r.body, r.content_type) for r in requests] == [
        ("POST", API + "/assignment_groups/1/sync_profiles", b"", None)
    ] * 3
    assert [r.status for r in requests] == [204, 429, 204]
    assert clock.sleeps == [20.0]
    assert clock.time() == start + 30
    record = fake.state.assignment_groups[1]
    assert (record.sync_profiles_count, record.last_sync_profiles_at) == (2, start + 30)


@covers("assignment_groups.clone")
async def test_assignment_groups_clone_copies_apps_profiles_and_devices(
    sm: SimpleMDMClient, fake: FakeSimpleMDM
) -> None:
    fake.state.assignment_groups[5].profile_ids.append(4)
    await nothing(sm.assignment_groups.clone(5))
    bare(fake, "POST", "/assignment_groups/5/clone")
    original, copy = fake.state.assignment_groups[5], fake.state.assignment_groups[9]
    assert (copy.name, copy.type) == ("Support (1)", "static")
    assert (copy.app_ids, copy.profile_ids, copy.device_ids) == (
        original.app_ids,
        [4],
        original.device_ids,
    )
    cloned = await sm.assignment_groups.get(9)
    assert cloned.app_ids == (4, 12, 20, 28)

    old = fake.add_assignment_group("Old style", type="standard")
    fake.requests.take()
    await refused(
        fake,
        sm.assignment_groups.clone(old.id),
        ValidationError,
        422,
        "only static and dynamic groups can be cloned",
    )
    assert len(fake.state.assignment_groups) == 10


# -- profiles and custom configuration profiles ---------------------------------------------------


@covers("profiles.list")
async def test_profiles_list_and_search(sm: SimpleMDMClient, fake: FakeSimpleMDM) -> None:
    profiles = await sm.profiles.list().collect()
    listed(fake, "/profiles", [None])
    assert [(p.id, p.resource_type, p.name) for p in profiles] == [
        (1, "apn", "APN"),
        (2, "app_restrictions", "App Restriction"),
        (3, "email", "Email Account"),
        (4, "wifi", "Office Wi-Fi"),
        (5, "restrictions", "Restrictions"),
        (6, "custom_configuration_profile", "Disable AFP"),
    ]
    assert [p.user_scope for p in profiles] == [True, True, True, True, False, True]

    found = await sm.profiles.list(search="wi-fi").collect()
    listed(fake, "/profiles", [None], search="wi-fi")
    assert [p.name for p in found] == ["Office Wi-Fi"]
    by_type = await sm.profiles.list(search="restrictions").collect()
    assert [p.id for p in by_type] == [2, 5]


@CLASSIC
@covers("profiles.get")
async def test_profiles_get(sm: SimpleMDMClient, fake: FakeSimpleMDM) -> None:
    profile = await sm.profiles.get(2)
    bare(fake, "GET", "/profiles/2", 200)
    record = fake.state.profiles[2]
    assert (profile.id, profile.resource_type, profile.name) == (
        2,
        "app_restrictions",
        "App Restriction",
    )
    assert (profile.profile_identifier, profile.device_group_ids) == (
        record.profile_identifier,
        (1,),
    )
    assert (profile.group_count, profile.device_count, profile.reinstall_after_os_update) == (
        1,
        0,
        False,
    )
    await missing(fake, sm.profiles.get(60))


def mobileconfig(identifier: str) -> bytes:
    """A small configuration profile naming its PayloadIdentifier."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>'
        f"<key>PayloadIdentifier</key><string>{identifier}</string>"
        "<key>PayloadType</key><string>Configuration</string></dict></plist>"
    ).encode()


@covers("custom_configuration_profiles.list")
async def test_custom_profiles_list_only_uploaded_ones(
    sm: SimpleMDMClient, fake: FakeSimpleMDM
) -> None:
    profiles = await sm.custom_configuration_profiles.list().collect()
    listed(fake, "/custom_configuration_profiles", [None])
    record = fake.state.profiles[6]
    assert profiles == [
        CustomConfigurationProfile(
            id=6,
            name="Disable AFP",
            profile_identifier=record.profile_identifier,
            user_scope=True,
            attribute_support=False,
            escape_attributes=False,
            reinstall_after_os_update=False,
            group_count=0,
            device_count=0,
        )
    ]
    assert await sm.custom_configuration_profiles.list(search="afp").collect() == profiles
    listed(fake, "/custom_configuration_profiles", [None], search="afp")
    assert await sm.custom_configuration_profiles.list(search="wi-fi").collect() == []


@covers(
    "custom_configuration_profiles.create",
    "custom_configuration_profiles.download",
    "custom_configuration_profiles.update",
    "custom_configuration_profiles.delete",
)
async def test_custom_profile_upload_download_replace_delete(
    sm: SimpleMDMClient, fake: FakeSimpleMDM, tmp_path: Path
) -> None:
    data = mobileconfig("com.example.vpn")
    created = await sm.custom_configuration_profiles.create(
        name="VPN",
        mobileconfig=data,
        filename="vpn.mobileconfig",
        user_scope=False,
        attribute_support=True,
        reinstall_after_os_update=True,
    )
    request = multipart(
        fake,
        "POST",
        "/custom_configuration_profiles",
        {
            "name": "VPN",
            "user_scope": "false",
            "attribute_support": "true",
            "reinstall_after_os_update": "true",
        },
        {"mobileconfig": upload(data, "vpn.mobileconfig", MOBILECONFIG)},
    )
    assert request.status == 201
    assert created == CustomConfigurationProfile(
        id=7,
        name="VPN",
        profile_identifier="com.example.vpn",
        user_scope=False,
        attribute_support=True,
        escape_attributes=False,
        reinstall_after_os_update=True,
        group_count=0,
        device_count=0,
    )
    assert fake.state.profiles[7].mobileconfig == data

    assert await sm.custom_configuration_profiles.download(7) == data
    bare(fake, "GET", "/custom_configuration_profiles/7/download", 200)

    replacement = mobileconfig("com.example.vpn2")
    path = tmp_path / "vpn2.mobileconfig"
    path.write_bytes(replacement)
    updated = await sm.custom_configuration_profiles.update(
        7, name="VPN 2", mobileconfig=path, escape_attributes=True
    )
    multipart(
        fake,
        "PATCH",
        "/custom_configuration_profiles/7",
        {"name": "VPN 2", "escape_attributes": "true"},
        {"mobileconfig": upload(replacement, "vpn2.mobileconfig", MOBILECONFIG)},
    )
    assert updated is not None
    assert (updated.name, updated.profile_identifier, updated.escape_attributes) == (
        "VPN 2",
        "com.example.vpn2",
        True,
    )
    assert await sm.custom_configuration_profiles.download(7) == replacement
    fake.requests.take()
    await rejected(fake, sm.custom_configuration_profiles.update(7), "name")

    fake.state.assignment_groups[1].profile_ids.append(7)
    await nothing(sm.custom_configuration_profiles.delete(7))
    bare(fake, "DELETE", "/custom_configuration_profiles/7")
    assert 7 not in fake.state.profiles
    assert fake.state.assignment_groups[1].profile_ids == []
    await missing(fake, sm.custom_configuration_profiles.download(7))
    # a built-in profile is not a custom one
    await missing(fake, sm.custom_configuration_profiles.delete(1))
    assert 1 in fake.state.profiles


# -- DEP servers ----------------------------------------------------------------------------------


@covers("dep_servers.list", "dep_servers.get", "dep_servers.sync")
async def test_dep_servers_list_get_and_sync(
    sm: SimpleMDMClient, fake: FakeSimpleMDM, clock: FakeClock
) -> None:
    record = fake.state.dep_servers[1]
    server = DepServer(
        id=1,
        server_name="ABM Server",
        organization_name="Example Inc.",
        token_expires_at=at(record.token_expires_at),
        last_synced_at=at(clock.time() - 3600),
    )
    assert await sm.dep_servers.list().collect() == [server]
    listed(fake, "/dep_servers", [None])
    assert await sm.dep_servers.get(1) == server
    bare(fake, "GET", "/dep_servers/1", 200)

    clock.advance(120)
    await nothing(sm.dep_servers.sync(1))
    bare(fake, "POST", "/dep_servers/1/sync", 202)
    assert (record.sync_count, record.last_synced_at) == (1, clock.time())
    synced = await sm.dep_servers.get(1)
    assert synced.last_synced_at == at(clock.time())
    await missing(fake, sm.dep_servers.sync(2))


@covers("dep_servers.list_devices", "dep_servers.get_device")
async def test_dep_devices_list_and_get(sm: SimpleMDMClient, fake: FakeSimpleMDM) -> None:
    abm = [d for d in fake.state.devices.values() if d.gen is not None and d.gen.dep]
    assert len(abm) == 128
    devices = await sm.dep_servers.list_devices(1).collect()
    listed(fake, "/dep_servers/1/dep_devices", [None, str(abm[99].id)])
    assert [(d.id, d.serial_number) for d in devices] == [
        (d.id, d.gen.serial_number if d.gen else None) for d in abm
    ]

    last_three = await sm.dep_servers.list_devices(1, limit=3, direction="desc")
    listed(fake, "/dep_servers/1/dep_devices", [None], limit=3, direction="desc")
    assert (list(last_three), last_three.has_more) == (devices[:-4:-1], True)

    record = abm[0]
    assert record.gen is not None
    one = await sm.dep_servers.get_device(1, record.id)
    bare(fake, "GET", f"/dep_servers/1/dep_devices/{record.id}", 200)
    assert one == devices[0]
    assert (one.serial_number, one.device_id, one.profile_status) == (
        record.gen.serial_number,
        record.id if record.status == "enrolled" else None,
        "pushed" if record.status == "enrolled" else "assigned",
    )
    outside = next(d.id for d in fake.state.devices.values() if d.gen and not d.gen.dep)
    await missing(fake, sm.dep_servers.get_device(1, outside))


# -- enrollments ----------------------------------------------------------------------------------


@CLASSIC
@covers("enrollments.list", "enrollments.get")
async def test_enrollments_list_and_get(sm: SimpleMDMClient, fake: FakeSimpleMDM) -> None:
    enrollments = await sm.enrollments.list().collect()
    listed(fake, "/enrollments", [None])
    records = list(fake.state.enrollments.values())
    assert [(e.id, e.url, e.device_id, e.device_group_id) for e in enrollments] == [
        (r.id, r.url, r.device_id, r.device_group_id) for r in records
    ]
    one_time = next(r.device_id for r in records if r.device_id is not None)
    assert fake.state.devices[one_time].status == "awaiting enrollment"

    link = await sm.enrollments.get(1)
    bare(fake, "GET", "/enrollments/1", 200)
    assert link == Enrollment(
        id=1,
        url=records[0].url,
        user_enrollment=False,
        welcome_screen=True,
        authentication=False,
        device_group_id=1,
    )
    account_driven = await sm.enrollments.get(2)
    assert account_driven.url is None


@covers("enrollments.send_invitation", "enrollments.delete")
async def test_enrollments_invite_and_delete(sm: SimpleMDMClient, fake: FakeSimpleMDM) -> None:
    await nothing(sm.enrollments.send_invitation(1, contact="user@example.com"))
    request = form(fake, "POST", "/enrollments/1/invitations", {"contact": "user@example.com"})
    assert request.status == 200
    await sm.enrollments.send_invitation(1, contact="+61400000000")
    form(fake, "POST", "/enrollments/1/invitations", {"contact": "+61400000000"})
    assert fake.state.enrollments[1].invitations == ["user@example.com", "+61400000000"]
    await refused(
        fake,
        sm.enrollments.send_invitation(2, contact="user@example.com"),
        ValidationError,
        422,
        "account driven enrollments do not support invitations",
    )
    await rejected(fake, sm.enrollments.send_invitation(1, contact=""), "contact")

    await nothing(sm.enrollments.delete(1))
    bare(fake, "DELETE", "/enrollments/1")
    assert 1 not in fake.state.enrollments
    await missing(fake, sm.enrollments.get(1))


# -- logs -----------------------------------------------------------------------------------------


@covers("logs.list", "logs.get")
async def test_logs_have_hex_ids_and_filter_by_serial_number(
    sm: SimpleMDMClient, fake: FakeSimpleMDM, clock: FakeClock
) -> None:
    entries = list(fake.state.logs.values())
    logs = await sm.logs.list().collect()
    listed(fake, "/logs", [None])
    assert [log.id for log in logs] == [e.id for e in entries]
    assert all(len(log.id) == 32 and int(log.id, 16) for log in logs)

    paged = await sm.logs.list(limit=7).collect()
    listed(fake, "/logs", [None, entries[6].id, entries[13].id], limit=7)
    assert paged == logs

    enrolled = entries[1]
    serial, device_id = enrolled.serial_number, enrolled.device_id
    assert serial is not None
    assert device_id is not None
    device = fake.state.devices[device_id]
    locked = fake.state.log(clock.time(), "device.lock.enabled", device=device)
    mine = await sm.logs.list(serial_number=serial).collect()
    listed(fake, "/logs", [None], serial_number=serial)
    assert [(log.id, log.event_type) for log in mine] == [
        (enrolled.id, "device.enrolled"),
        (locked.id, "device.lock.enabled"),
    ]

    one = await sm.logs.get(enrolled.id)
    bare(fake, "GET", f"/logs/{enrolled.id}", 200)
    assert one == mine[0]
    assert (one.namespace, one.event_type, one.level, one.source) == (
        "device",
        "device.enrolled",
        "info",
        "device",
    )
    assert one.at == at(enrolled.at).strftime("%m/%d/%y %H:%M:%S")  # "11/06/19 18:27:41"
    related = one.raw["attributes"]["relationships"]["device"]["data"]
    assert related["serial_number"] == serial
    await missing(fake, sm.logs.get("abcde123456"))


# -- push certificate -----------------------------------------------------------------------------


@covers("push_certificate.get", "push_certificate.update", "push_certificate.get_signed_csr")
async def test_push_certificate_show_replace_and_signed_csr(
    sm: SimpleMDMClient, fake: FakeSimpleMDM, clock: FakeClock, tmp_path: Path
) -> None:
    cert = fake.state.push_certificate
    assert await sm.push_certificate.get() == PushCertificate(
        apple_id="devops@example.com", expires_at=at(cert.expires_at)
    )
    bare(fake, "GET", "/push_certificate", 200)

    pem = b"-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n"
    path = tmp_path / "MDM_Certificate.pem"
    path.write_bytes(pem)
    replaced = await sm.push_certificate.update(path, apple_id="admin@example.org")
    sent_file = upload(pem, "MDM_Certificate.pem", guessed("MDM_Certificate.pem"))
    request = multipart(
        fake, "PUT", "/push_certificate", {"apple_id": "admin@example.org"}, {"file": sent_file}
    )
    assert request.status == 200
    assert replaced == PushCertificate(
        apple_id="admin@example.org", expires_at=at(clock.time() + YEAR)
    )
    assert (cert.file, cert.apple_id) == (sent_file, "admin@example.org")

    csr = await sm.push_certificate.get_signed_csr()
    bare(fake, "GET", "/push_certificate/scsr", 200)
    # as in the reference's example: base64 text (with line breaks) of a base64-encoded plist
    plist = base64.b64decode(base64.b64decode(csr))
    assert plist.startswith(b'<?xml version="1.0" encoding="UTF-8"?><plist')
    assert b"<key>PushCertRequestCSR</key>" in plist


# -- scripts and script jobs ----------------------------------------------------------------------

HELLO = '#!/bin/bash\necho "Hello!"'


@covers("scripts.list", "scripts.get")
async def test_scripts_list_and_get(sm: SimpleMDMClient, fake: FakeSimpleMDM) -> None:
    scripts = await sm.scripts.list().collect()
    listed(fake, "/scripts", [None])
    assert [(s.id, s.name, s.variable_support) for s in scripts] == [
        (1, "Say hi", False),
        (2, "Report uptime", True),
    ]
    record = fake.state.scripts[2]
    uptime = await sm.scripts.get(2)
    bare(fake, "GET", "/scripts/2", 200)
    assert uptime == Script(
        id=2,
        name="Report uptime",
        content="#!/bin/sh\nuptime\n",
        variable_support=True,
        created_at=at(record.created_at),
        updated_at=at(record.updated_at),
    )
    assert uptime == scripts[1]


@covers("scripts.create")
async def test_scripts_create_from_text_and_from_a_file(
    sm: SimpleMDMClient, fake: FakeSimpleMDM, clock: FakeClock, tmp_path: Path
) -> None:
    hello = await sm.scripts.create(name="My New Script", content=HELLO, variable_support=True)
    request = multipart(
        fake,
        "POST",
        "/scripts",
        {"name": "My New Script", "variable_support": "1", "file": HELLO},
        {},
    )
    assert request.status == 201
    assert hello == Script(
        id=3,
        name="My New Script",
        content=HELLO,
        variable_support=True,
        created_at=at(clock.time()),
        updated_at=at(clock.time()),
    )
    assert (fake.state.scripts[3].content, fake.state.scripts[3].variable_support) == (HELLO, True)

    body = b"#!/bin/sh\nsw_vers\n"
    path = tmp_path / "os_version.sh"
    path.write_bytes(body)
    from_file = await sm.scripts.create(name="OS version", file=path, variable_support=False)
    multipart(
        fake,
        "POST",
        "/scripts",
        {"name": "OS version", "variable_support": "0"},
        {"file": upload(body, "os_version.sh", guessed("os_version.sh"))},
    )
    assert (from_file.id, from_file.content, from_file.variable_support) == (
        4,
        body.decode(),
        False,
    )
    await rejected(fake, sm.scripts.create(name="No shebang", content="echo hi"), "content")
    await rejected(fake, sm.scripts.create(name="Nothing"), "file")
    await rejected(fake, sm.scripts.create(name="Both", content=HELLO, file=path), "content")
    assert len(fake.state.scripts) == 4


@covers("scripts.update", "scripts.delete")
async def test_scripts_update_and_delete(
    sm: SimpleMDMClient, fake: FakeSimpleMDM, clock: FakeClock
) -> None:
    clock.advance(60)
    goodbye = '#!/bin/bash\necho "Goodbye!"'
    renamed = await sm.scripts.update(
        1, name="My Renamed Script", content=goodbye, variable_support=True
    )
    multipart(
        fake,
        "PATCH",
        "/scripts/1",
        {"name": "My Renamed Script", "variable_support": "1", "file": goodbye},
        {},
    )
    assert (renamed.name, renamed.content, renamed.variable_support) == (
        "My Renamed Script",
        goodbye,
        True,
    )
    assert renamed.updated_at == at(clock.time())
    record = fake.state.scripts[1]
    assert (record.name, record.content, record.variable_support) == (
        "My Renamed Script",
        goodbye,
        True,
    )

    off = await sm.scripts.update(1, variable_support=False)
    multipart(fake, "PATCH", "/scripts/1", {"variable_support": "0"}, {})
    assert (off.variable_support, off.content) == (False, goodbye)
    await rejected(fake, sm.scripts.update(1), "name")

    await nothing(sm.scripts.delete(1))
    bare(fake, "DELETE", "/scripts/1")
    assert 1 not in fake.state.scripts
    await missing(fake, sm.scripts.get(1))


@covers("script_jobs.create", "script_jobs.get", "script_jobs.list", "script_jobs.cancel")
async def test_script_job_runs_on_macs_and_can_be_cancelled(
    sm: SimpleMDMClient, fake: FakeSimpleMDM, clock: FakeClock
) -> None:
    first, second, third = macs(fake, 3)
    job = await sm.script_jobs.create(
        script_id=2,
        device_ids=[first, second, third],
        custom_attribute="asset_tag",
        custom_attribute_regex="\\n",
    )
    request = form(
        fake,
        "POST",
        "/script_jobs",
        {
            "script_id": "2",
            "device_ids": f"{first},{second},{third}",
            "custom_attribute": "asset_tag",
            "custom_attribute_regex": "\\n",
        },
    )
    assert request.status == 201
    pending = tuple(ScriptJobDevice(id=i, status="pending") for i in (first, second, third))
    assert job.devices == pending
    assert (job.id, job.script_name, job.content, job.variable_support) == (
        1,
        "Report uptime",
        "#!/bin/sh\nuptime\n",
        True,
    )
    assert (job.status, job.pending_count, job.success_count, job.errored_count) == (
        "pending",
        3,
        0,
        0,
    )
    assert (job.custom_attribute_id, job.custom_attribute_regex) == ("asset_tag", "\n")
    assert (job.created_by, job.created_at) == ("API (Test API)", at(clock.time()))
    assert job.job_id == fake.state.script_jobs[1].job_id

    assert await sm.script_jobs.get(1) == job
    bare(fake, "GET", "/script_jobs/1", 200)
    assert await sm.script_jobs.list().collect() == [job]
    listed(fake, "/script_jobs", [None])

    await nothing(sm.script_jobs.cancel(1))
    bare(fake, "DELETE", "/script_jobs/1")
    assert fake.state.script_jobs[1].status == "cancelled"
    cancelled = await sm.script_jobs.get(1)
    assert cancelled.status == "cancelled"
    assert {d.status for d in cancelled.devices} == {"cancelled"}
    await missing(fake, sm.script_jobs.cancel(2))


@CLASSIC
@covers("script_jobs.create")
async def test_script_job_targets_groups_and_assignment_groups(
    sm: SimpleMDMClient, fake: FakeSimpleMDM
) -> None:
    state = fake.state
    job = await sm.script_jobs.create(script_id=1, group_ids=[2], assignment_group_ids=[3, 4])
    form(
        fake,
        "POST",
        "/script_jobs",
        {"script_id": "1", "group_ids": "2", "assignment_group_ids": "3,4"},
    )
    in_group = {d.id for d in state.devices.values() if d.device_group_id == 2}
    groups = state.assignment_groups
    assigned = state.devices_of_group(groups[3]) | state.devices_of_group(groups[4])
    expected = {i for i in in_group | assigned if state.devices[i].is_macos}
    assert expected
    assert {d.id for d in job.devices} == expected
    assert job.pending_count == len(expected)
    await rejected(fake, sm.script_jobs.create(script_id=1), "device_ids")
    await rejected(fake, sm.script_jobs.create(script_id=1, device_ids=[]), "device_ids")
    assert len(state.script_jobs) == 1
