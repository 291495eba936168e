"""Devices, device groups, installed apps and custom attributes, endpoint by endpoint.

Each test calls the native ``SimpleMDMClient`` against the stateful ``FakeSimpleMDM`` over a
real socket and checks three things: what the fake received (method, path, query, body and
its encoding), what the client returned, and what changed in the fake's state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypedDict, cast
from urllib.parse import parse_qsl

import pytest

from mdmkit.core.errors import InvalidRequestError, NotFoundError, ValidationError
from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.testing import FakeClock, FakeSimpleMDM
from mdmkit.testing.requestlog import RecordedRequest
from mdmkit.testing.simplemdm.records import Device as FakeDevice
from mdmkit.testing.simplemdm.records import InstalledApp as FakeInstalledApp
from tests.simplemdm.endpoints import covers
from tests.support import CLASSIC, done, same_moment

pytestmark = pytest.mark.anyio

API = "/api/v1"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
START = FakeClock().time()  # the virtual time every test starts at
Pairs = Sequence[tuple[str, str]]
Attributes = tuple[tuple[str, object], ...]  # (name, value) of a record or a model
DeviceOf = Callable[[str], int]
Call = Callable[[SimpleMDMClient], Awaitable[object]]


# -- helpers -----------------------------------------------------------------------------------


def received(
    fake: FakeSimpleMDM,
    method: str,
    path: str,
    *,
    status: int,
    query: Pairs = (),
    form: Pairs | None = None,
    json: Any = None,
) -> RecordedRequest:
    """The one request of the last step, checked exactly: form pairs in order (repeats kept),
    JSON with its content type, or no body and no Content-Type at all."""
    requests = fake.requests.take()
    assert [(r.method, r.path) for r in requests] == [(method, API + path)]
    (request,) = requests
    assert request.status == status
    assert request.query_pairs == tuple(query)
    assert request.files == {}
    if json is not None:
        assert request.content_type == JSON
        assert request.json == json
    elif form is not None:
        assert request.content_type == FORM
        assert parse_qsl(request.body.decode(), keep_blank_values=True) == list(form)
    else:
        assert request.content_type is None
        assert request.body == b""
    return request


def pages_received(fake: FakeSimpleMDM, path: str, queries: Sequence[Pairs]) -> None:
    """One bodiless GET per page, each with exactly these query pairs."""
    requests = fake.requests.take()
    assert [(r.method, r.path, r.status) for r in requests] == [("GET", API + path, 200)] * len(
        queries
    )
    assert [r.query_pairs for r in requests] == [tuple(q) for q in queries]
    assert all(r.content_type is None and r.body == b"" for r in requests)


def paged(ids: Sequence[int | str], limit: int, *params: tuple[str, str]) -> list[Pairs]:
    """The queries that walk ``ids`` ``limit`` at a time, each page after the last id seen."""
    base = [*params, ("limit", str(limit))]
    cursors = [str(ids[i]) for i in range(limit - 1, len(ids) - 1, limit)]
    return [base, *([*base, ("starting_after", cursor)] for cursor in cursors)]


def device(fake: FakeSimpleMDM, device_id: int) -> FakeDevice:
    return fake.state.devices[device_id]


def apps_on(fake: FakeSimpleMDM, device_id: int) -> list[FakeInstalledApp]:
    return fake.state.installed_apps(device(fake, device_id))


def app_of(fake: FakeSimpleMDM, device_id: int, *, managed: bool) -> FakeInstalledApp:
    return next(a for a in apps_on(fake, device_id) if a.managed is managed)


def fields(obj: object, names: Mapping[str, object]) -> dict[str, object]:
    return {name: getattr(obj, name) for name in names}


# -- devices: inventory ------------------------------------------------------------------------


@covers("devices.list")
async def test_list_devices_walks_every_page_without_awaiting_enrollment(
    fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    devices = await sm.devices.list().collect()

    listed = [d.id for d in fake.state.devices.values() if d.status != "awaiting enrollment"]
    assert len(listed) < len(fake.state.devices)  # the fleet has devices awaiting enrollment
    assert [d.id for d in devices] == listed
    queries = paged(listed, 100)
    assert len(queries) == 3
    pages_received(fake, "/devices", queries)
    first = device(fake, listed[0])
    assert first.gen is not None
    assert (devices[0].name, devices[0].status, devices[0].serial_number) == (
        first.name,
        first.status,
        first.gen.serial_number,
    )


@covers("devices.list")
async def test_list_devices_by_search_and_one_page_backwards(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    tablet = device(fake, device_of("ipados"))
    assert tablet.gen is not None
    serial = tablet.gen.serial_number
    found = await sm.devices.list(search=serial).collect()
    received(fake, "GET", "/devices", status=200, query=[("search", serial), ("limit", "100")])
    assert [d.id for d in found] == [tablet.id]

    device(fake, 199).custom_attribute_values["wifi_password"] = "hunter2"
    page = await sm.devices.list(
        include_awaiting_enrollment=True,
        include_secret_custom_attributes=True,
        limit=50,
        starting_after=200,
        direction="desc",
    )
    received(
        fake,
        "GET",
        "/devices",
        status=200,
        query=[
            ("include_awaiting_enrollment", "true"),
            ("include_secret_custom_attributes", "true"),
            ("limit", "50"),
            ("direction", "desc"),
            ("starting_after", "200"),
        ],
    )
    assert [d.id for d in page] == list(range(199, 149, -1))
    assert (page.has_more, page.cursor) == (True, "150")
    awaiting = {d.id for d in page if d.status == "awaiting enrollment"}
    assert awaiting == {
        d.id for d in fake.state.devices.values() if d.status == "awaiting enrollment"
    } & set(range(150, 200))
    assert awaiting
    assert page.items[0].custom_attribute_values == {"wifi_password": "hunter2"}


@CLASSIC
@covers("devices.get")
async def test_get_device_reads_its_attributes_and_relationships(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    mac = device(fake, device_of("macos"))
    gen = mac.gen
    assert gen is not None

    got = await sm.devices.get(mac.id)

    received(fake, "GET", f"/devices/{mac.id}", status=200)
    assert (got.id, got.name, got.status, got.device_name) == (
        mac.id,
        mac.name,
        "enrolled",
        mac.device_name,
    )
    assert (got.serial_number, got.unique_identifier, got.os_version, got.wifi_mac) == (
        gen.serial_number,
        gen.udid,
        gen.os_version,
        gen.wifi_mac,
    )
    assert same_moment(got.enrolled_at, mac.enrolled_at)
    assert same_moment(got.last_seen_at, mac.last_seen_at)
    assert got.device_group_id == mac.device_group_id is not None
    assert got.is_supervised is gen.supervised
    assert got.filevault_enabled is True
    assert got.firewall is not None
    assert got.firewall.enabled is True
    assert got.os_update is not None
    assert got.os_update.automatic_check_enabled is True
    assert (got.lost_mode_enabled, got.remote_desktop_enabled) == (False, False)
    assert got.raw["type"] == "device"


@covers("devices.get")
async def test_get_device_shows_secret_values_only_when_asked(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    phone = device_of("ios")
    device(fake, phone).custom_attribute_values.update(asset_tag="A-1", wifi_password="hunter2")

    plain = await sm.devices.get(phone)
    received(fake, "GET", f"/devices/{phone}", status=200)
    assert plain.custom_attribute_values == {"asset_tag": "A-1"}

    full = await sm.devices.get(phone, include_secret_custom_attributes=True)
    received(
        fake,
        "GET",
        f"/devices/{phone}",
        status=200,
        query=[("include_secret_custom_attributes", "true")],
    )
    assert full.custom_attribute_values == {"asset_tag": "A-1", "wifi_password": "hunter2"}


@covers("devices.create")
async def test_create_device_in_static_groups_awaits_enrollment(
    fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    new_id = fake.state.devices.next_id()

    created = await sm.devices.create(name="Sara's iPad", static_group_ids=[1, 2])

    received(
        fake,
        "POST",
        "/devices",
        status=201,
        form=[("name", "Sara's iPad"), ("static_group_ids[]", "1"), ("static_group_ids[]", "2")],
    )
    assert (created.id, created.name, created.status) == (
        new_id,
        "Sara's iPad",
        "awaiting enrollment",
    )
    assert created.enrollment_url is not None
    assert created.enrollment_url.startswith("https://a.simplemdm.com/e/?c=")
    assert (created.serial_number, created.model_name, created.device_group_id) == (
        None,
        "Unknown",
        None,
    )
    record = device(fake, new_id)
    assert (record.status, record.enrollment_url) == ("awaiting enrollment", created.enrollment_url)
    assert fake.state.group_ids_of(new_id) == [1, 2]
    enrollments = [e for e in fake.state.enrollments.values() if e.device_id == new_id]
    assert [e.url for e in enrollments] == [created.enrollment_url]


@CLASSIC
@covers("devices.create")
async def test_create_device_in_a_legacy_device_group(
    fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    created = await sm.devices.create(name="Kiosk 9", group_id=3)

    received(fake, "POST", "/devices", status=201, form=[("name", "Kiosk 9"), ("group_id", "3")])
    assert (created.name, created.device_group_id) == ("Kiosk 9", 3)
    assert device(fake, created.id).device_group_id == 3
    assert fake.state.group_ids_of(created.id) == []


@covers("devices.update")
async def test_update_device_renames_it_in_simplemdm_and_on_the_device(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    phone = device_of("ios")
    record = device(fake, phone)

    updated = await sm.devices.update(phone, name="Ashley's iPhone", device_name="iPhone 15")

    received(
        fake,
        "PATCH",
        f"/devices/{phone}",
        status=200,
        form=[("name", "Ashley's iPhone"), ("device_name", "iPhone 15")],
    )
    assert (updated.id, updated.name, updated.device_name) == (
        phone,
        "Ashley's iPhone",
        "iPhone 15",
    )
    assert (record.name, record.device_name) == ("Ashley's iPhone", "iPhone 15")
    assert record.commands == [("set_device_name", {"device_name": "iPhone 15"})]

    renamed = await sm.devices.update(phone, name="Front Desk")
    received(fake, "PATCH", f"/devices/{phone}", status=200, form=[("name", "Front Desk")])
    assert (renamed.name, renamed.device_name) == ("Front Desk", "iPhone 15")
    assert len(record.commands) == 1  # renaming in SimpleMDM only sends the device nothing


@covers("devices.delete")
async def test_delete_device_removes_it_from_the_account(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    phone = device_of("ios")
    assert fake.state.group_ids_of(phone) != []

    await done(sm.devices.delete(phone))

    received(fake, "DELETE", f"/devices/{phone}", status=204)
    assert phone not in fake.state.devices
    assert fake.state.group_ids_of(phone) == []
    with pytest.raises(NotFoundError):
        await sm.devices.get(phone)


@CLASSIC
@covers("devices.profiles")
async def test_device_profiles_lists_direct_assignments_page_by_page(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    mac = device(fake, device_of("macos"))
    for profile_id in (6, 4):
        fake.state.profiles[profile_id].device_ids.add(mac.id)
    assert mac.device_group_id is not None
    fake.state.profiles[2].device_group_ids.add(mac.device_group_id)  # via a group: not listed

    profiles = await sm.devices.profiles(mac.id, limit=1).collect()

    pages_received(fake, f"/devices/{mac.id}/profiles", paged([4, 6], 1))
    assert [(p.id, p.resource_type, p.name) for p in profiles] == [
        (4, "wifi", "Office Wi-Fi"),
        (6, "custom_configuration_profile", "Disable AFP"),
    ]
    assert profiles[1].profile_identifier == fake.state.profiles[6].profile_identifier


@covers("devices.installed_apps")
async def test_device_installed_apps_page_by_page(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    phone = device_of("ios")
    expected = apps_on(fake, phone)
    ids = [a.id for a in expected]

    apps = await sm.devices.installed_apps(phone, limit=5, starting_after=ids[0]).collect()

    queries = paged(ids[1:], 5)
    queries[0] = [("limit", "5"), ("starting_after", str(ids[0]))]
    assert len(queries) == 3
    pages_received(fake, f"/devices/{phone}/installed_apps", queries)
    assert [a.id for a in apps] == ids[1:]
    first, source = apps[0], expected[1]
    assert (first.name, first.identifier, first.version, first.short_version) == (
        source.name,
        source.identifier,
        source.version,
        source.short_version,
    )
    assert (first.bundle_size, first.dynamic_size, first.managed) == (
        source.bundle_size,
        source.dynamic_size,
        source.managed,
    )
    assert same_moment(first.discovered_at, source.discovered_at)


@covers("devices.users", "devices.delete_user")
async def test_delete_a_user_from_a_supervised_mac(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    mac = device(fake, device_of("macos"))
    assert mac.gen is not None
    assert mac.gen.supervised
    on_mac = fake.state.users(mac)

    users = await sm.devices.users(mac.id).collect()

    pages_received(fake, f"/devices/{mac.id}/users", paged([u.id for u in on_mac], 100))
    assert [(u.id, u.username, u.full_name, u.uid, u.user_guid, u.logged_in) for u in users] == [
        (u.id, u.username, u.full_name, u.uid, u.user_guid, u.logged_in) for u in on_mac
    ]
    assert len(users) == 2
    keep, leaving = users

    await done(sm.devices.delete_user(mac.id, leaving.id))

    received(fake, "DELETE", f"/devices/{mac.id}/users/{leaving.id}", status=202)
    assert [u.id for u in fake.state.users(mac)] == [keep.id]
    assert mac.commands == [("delete_user", {"user_id": str(leaving.id)})]
    assert [u.id for u in await sm.devices.users(mac.id).collect()] == [keep.id]


@covers("devices.profiles", "devices.installed_apps", "devices.users")
@pytest.mark.parametrize("listing", ["profiles", "installed_apps", "users"])
async def test_device_sub_lists_page_backwards(
    listing: str, fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    mac = device(fake, device_of("macos"))
    for profile_id in (4, 6):
        fake.state.profiles[profile_id].device_ids.add(mac.id)
    stored = {
        "profiles": [4, 6],
        "installed_apps": [a.id for a in apps_on(fake, mac.id)],
        "users": [u.id for u in fake.state.users(mac)],
    }[listing]

    items = await getattr(sm.devices, listing)(mac.id, direction="desc").collect()

    query = [("limit", "100"), ("direction", "desc")]
    pages_received(fake, f"/devices/{mac.id}/{listing}", [query])
    assert [item.id for item in items] == stored[::-1]
    assert len(stored) > 1


@covers("devices.users")
async def test_users_of_an_iphone_are_refused_as_the_service_does(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    phone = device_of("ios")
    with pytest.raises(ValidationError, match="macOS devices only") as caught:
        await sm.devices.users(phone).collect()
    assert caught.value.status == 422
    (request,) = fake.requests.take()
    assert (request.method, request.path, request.status) == (
        "GET",
        f"{API}/devices/{phone}/users",
        422,
    )


# -- devices: commands -------------------------------------------------------------------------


class Command(NamedTuple):
    """One device command: how it is called, what goes on the wire, what it changes.

    ``given`` is set on the fake's device first; ``then`` is expected on it afterwards (and
    must not hold before); ``shows`` is expected on ``sm.devices.get()`` afterwards.
    """

    method: str
    platform: str
    verb: str
    suffix: str
    kwargs: Attributes = ()
    form: Pairs = ()
    status: int = 202
    given: Attributes = ()
    then: Attributes = ()
    shows: Attributes = ()


class Sends(TypedDict):
    kwargs: Attributes
    form: Pairs


def sends(**fields: str) -> Sends:
    """Text arguments that go on the wire unchanged, in the order given."""
    pairs = tuple(fields.items())
    return {"kwargs": pairs, "form": pairs}


def toggle(feature: str, platform: str, attribute: str, *, shown: bool) -> list[Command]:
    """``enable_<feature>`` (POST) and ``disable_<feature>`` (DELETE) flip one attribute."""
    on: Attributes = ((attribute, True),)
    off: Attributes = ((attribute, False),)
    return [
        Command(f"enable_{feature}", platform, "POST", feature, then=on, shows=on if shown else ()),
        Command(
            f"disable_{feature}",
            platform,
            "DELETE",
            feature,
            given=on,
            then=off,
            shows=off if shown else (),
        ),
    ]


LOST: Attributes = (("lost_mode_enabled", True),)
UNENROLLED: Attributes = (("status", "unenrolled"),)
PHONE = "+1 555 0100"
COMMANDS = [
    Command("push_apps", "ios", "POST", "push_apps"),
    Command("refresh", "ios", "POST", "refresh"),
    Command(
        "restart",
        "macos",
        "POST",
        "restart",
        kwargs=(("rebuild_kernel_cache", True), ("notify_user", False)),
        form=(("rebuild_kernel_cache", "true"), ("notify_user", "false")),
    ),
    Command("shutdown", "macos", "POST", "shutdown"),
    Command(
        "lock",
        "ios",
        "POST",
        "lock",
        **sends(message="Call IT", phone_number=PHONE),
        then=(
            ("lock_count", 1),
            ("last_lock_message", "Call IT"),
            ("last_lock_phone_number", PHONE),
        ),
    ),
    Command("clear_passcode", "ios", "POST", "clear_passcode"),
    Command("clear_firmware_password", "macos", "POST", "clear_firmware_password"),
    Command("rotate_firmware_password", "macos", "POST", "rotate_firmware_password"),
    Command("clear_recovery_lock_password", "macos", "POST", "clear_recovery_lock_password"),
    Command("clear_restrictions_password", "ipados", "POST", "clear_restrictions_password"),
    Command("rotate_recovery_lock_password", "macos", "POST", "rotate_recovery_lock_password"),
    Command("rotate_filevault_key", "macos", "POST", "rotate_filevault_key"),
    Command(
        "set_admin_password",
        "macos",
        "POST",
        "set_admin_password",
        **sends(new_password="AReallyL0ngPasswordW1thNumberz"),
    ),
    Command("rotate_admin_password", "macos", "POST", "rotate_admin_password"),
    Command(
        "wipe",
        "macos",
        "POST",
        "wipe",
        kwargs=(("pin", 654321),),
        form=(("pin", "654321"),),
        given=LOST,
        then=(("wipe_count", 1), ("wiped", True), *UNENROLLED),
        shows=(*UNENROLLED, ("lost_mode_enabled", False)),
    ),
    Command(
        "update_os",
        "macos",
        "POST",
        "update_os",
        **sends(os_update_mode="notify_only", version_type="latest_minor_version"),
    ),
    *toggle("remote_desktop", "macos", "remote_desktop_enabled", shown=True),
    *toggle("bluetooth", "ios", "bluetooth_enabled", shown=False),
    Command(
        "set_time_zone",
        "ios",
        "POST",
        "set_time_zone",
        **sends(time_zone="Europe/Paris"),
        status=204,
        then=(("time_zone", "Europe/Paris"),),
        shows=(("time_zone", "Europe/Paris"),),
    ),
    Command("unenroll", "ipados", "POST", "unenroll", then=UNENROLLED, shows=UNENROLLED),
    Command(
        "enable_lost_mode",
        "ios",
        "POST",
        "lost_mode",
        **sends(message="Please return", phone_number=PHONE),
        then=(
            *LOST,
            ("lost_mode_message", "Please return"),
            ("lost_mode_phone_number", PHONE),
            ("lost_mode_footnote", None),
        ),
        shows=LOST,
    ),
    Command(
        "disable_lost_mode",
        "ios",
        "DELETE",
        "lost_mode",
        given=LOST,
        then=(("lost_mode_enabled", False),),
        shows=(("lost_mode_enabled", False),),
    ),
    Command("lost_mode_play_sound", "ios", "POST", "lost_mode/play_sound", given=LOST),
    Command(
        "lost_mode_update_location",
        "ios",
        "POST",
        "lost_mode/update_location",
        given=LOST,
        then=(("location_updated_at", START),),
        shows=(("location_updated_at", datetime.fromtimestamp(START, UTC)),),
    ),
]


@covers(*(f"devices.{command.method}" for command in COMMANDS))
@pytest.mark.parametrize("command", [pytest.param(c, id=c.method) for c in COMMANDS])
async def test_device_command(
    command: Command, fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    device_id = device_of(command.platform)
    record = device(fake, device_id)
    for name, value in command.given:
        setattr(record, name, value)
    then = dict(command.then)
    if then:
        assert fields(record, then) != then

    await done(getattr(sm.devices, command.method)(device_id, **dict(command.kwargs)))

    path = f"/devices/{device_id}/{command.suffix}"
    received(fake, command.verb, path, status=command.status, form=command.form or None)
    assert record.commands == [(command.method, dict(command.form))]
    assert fields(record, then) == then
    if command.shows:
        shows = dict(command.shows)
        assert fields(await sm.devices.get(device_id), shows) == shows


@covers("devices.lock")
async def test_lock_a_mac_with_its_six_digit_pin(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    mac = device(fake, device_of("macos"))

    await done(
        sm.devices.lock(mac.id, message="Return to IT", phone_number="+1 555 0100", pin="123456")
    )

    form = [("message", "Return to IT"), ("phone_number", "+1 555 0100"), ("pin", "123456")]
    received(fake, "POST", f"/devices/{mac.id}/lock", status=202, form=form)
    assert mac.lock_count == 1
    assert (mac.last_lock_message, mac.last_lock_phone_number) == ("Return to IT", "+1 555 0100")
    assert mac.commands == [("lock", dict(form))]


@covers(
    "devices.enable_lost_mode",
    "devices.lost_mode_play_sound",
    "devices.lost_mode_update_location",
    "devices.disable_lost_mode",
    "devices.get",
)
async def test_lost_mode_from_enable_to_location_to_disable(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, clock: FakeClock, device_of: DeviceOf
) -> None:
    phone = device_of("ios")
    record = device(fake, phone)

    await done(
        sm.devices.enable_lost_mode(
            phone, message="This iPhone is lost", phone_number="+1 555 0100", footnote="Reward"
        )
    )
    received(
        fake,
        "POST",
        f"/devices/{phone}/lost_mode",
        status=202,
        form=[
            ("message", "This iPhone is lost"),
            ("phone_number", "+1 555 0100"),
            ("footnote", "Reward"),
        ],
    )
    assert (
        record.lost_mode_enabled,
        record.lost_mode_message,
        record.lost_mode_phone_number,
        record.lost_mode_footnote,
    ) == (True, "This iPhone is lost", "+1 555 0100", "Reward")
    lost = await sm.devices.get(phone)
    received(fake, "GET", f"/devices/{phone}", status=200)
    assert lost.lost_mode_enabled is True
    assert (lost.location_latitude, lost.location_updated_at) == (None, None)

    await done(sm.devices.lost_mode_play_sound(phone))
    received(fake, "POST", f"/devices/{phone}/lost_mode/play_sound", status=202)

    clock.advance(90)
    await done(sm.devices.lost_mode_update_location(phone))
    received(fake, "POST", f"/devices/{phone}/lost_mode/update_location", status=202)
    located = await sm.devices.get(phone)
    received(fake, "GET", f"/devices/{phone}", status=200)
    assert located.location_updated_at == datetime.fromtimestamp(START + 90, UTC)
    sent = located.raw["attributes"]  # SimpleMDM sends coordinates as strings
    assert located.location_latitude == float(sent["location_latitude"])
    assert located.location_longitude == float(sent["location_longitude"])
    assert located.location_accuracy == float(sent["location_accuracy"])

    await done(sm.devices.disable_lost_mode(phone))
    received(fake, "DELETE", f"/devices/{phone}/lost_mode", status=202)
    assert (await sm.devices.get(phone)).lost_mode_enabled is False
    assert record.command_names() == [
        "enable_lost_mode",
        "lost_mode_play_sound",
        "lost_mode_update_location",
        "disable_lost_mode",
    ]


# -- device groups -----------------------------------------------------------------------------


@CLASSIC
@covers("device_groups.list")
async def test_list_device_groups_and_one_page_backwards(
    fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    groups = await sm.device_groups.list().collect()

    stored = list(fake.state.device_groups.values())
    pages_received(fake, "/device_groups", paged([g.id for g in stored], 100))
    assert [(g.id, g.name) for g in groups] == [(g.id, g.name) for g in stored]
    assert len(groups) == 8

    page = await sm.device_groups.list(limit=3, starting_after=6, direction="desc")
    received(
        fake,
        "GET",
        "/device_groups",
        status=200,
        query=[("limit", "3"), ("direction", "desc"), ("starting_after", "6")],
    )
    assert [g.id for g in page] == [5, 4, 3]
    assert (page.has_more, page.cursor) == (True, "3")


@CLASSIC
@covers("device_groups.get")
async def test_get_device_group(fake: FakeSimpleMDM, sm: SimpleMDMClient) -> None:
    group = await sm.device_groups.get(3)

    received(fake, "GET", "/device_groups/3", status=200)
    assert (group.id, group.name) == (3, fake.state.device_groups[3].name)


@CLASSIC
@covers("device_groups.assign_device")
async def test_assign_device_moves_it_into_the_legacy_group(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    record = device(fake, device_of("ios"))
    target = 5 if record.device_group_id != 5 else 6

    await done(sm.device_groups.assign_device(target, record.id))

    received(fake, "POST", f"/device_groups/{target}/devices/{record.id}", status=202)
    assert record.device_group_id == target
    entry = list(fake.state.logs.values())[-1]
    assert (entry.event_type, entry.device_id, entry.metadata) == (
        "device.changed_group",
        record.id,
        {"device_group_id": target},
    )
    assert (await sm.devices.get(record.id)).device_group_id == target


@CLASSIC
@covers("device_groups.clone")
async def test_clone_device_group_copies_its_settings_but_no_devices(
    fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    source = fake.state.device_groups[2]
    source.custom_attribute_values["full_name"] = "Engineer"
    new_id = fake.state.device_groups.next_id()

    clone = await sm.device_groups.clone(2)

    received(fake, "POST", "/device_groups/2/clone", status=201)
    assert (clone.id, clone.name, clone.device_ids) == (new_id, f"{source.name} (1)", ())
    copy = fake.state.device_groups[new_id]
    assert (copy.name, copy.custom_attribute_values) == (clone.name, {"full_name": "Engineer"})
    assert not any(d.device_group_id == new_id for d in fake.state.devices.values())


# -- installed apps ----------------------------------------------------------------------------


@covers("installed_apps.get")
async def test_get_installed_app(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    source = app_of(fake, device_of("ios"), managed=True)

    app = await sm.installed_apps.get(source.id)

    received(fake, "GET", f"/installed_apps/{source.id}", status=200)
    assert (app.id, app.name, app.identifier, app.version, app.short_version) == (
        source.id,
        source.name,
        source.identifier,
        source.version,
        source.short_version,
    )
    assert (app.bundle_size, app.dynamic_size, app.managed) == (
        source.bundle_size,
        source.dynamic_size,
        True,
    )
    assert same_moment(app.discovered_at, source.discovered_at)
    assert same_moment(app.last_seen_at, source.last_seen_at)


@covers("installed_apps.request_management", "installed_apps.update")
@pytest.mark.parametrize(
    ("method", "managed", "suffix", "recorded"),
    [
        ("request_management", False, "request_management", "request_management"),
        ("update", True, "update", "update_app"),
    ],
)
async def test_installed_app_requests_are_queued_on_the_device(
    method: str,
    managed: bool,
    suffix: str,
    recorded: str,
    fake: FakeSimpleMDM,
    sm: SimpleMDMClient,
    device_of: DeviceOf,
) -> None:
    phone = device_of("ios")
    app = app_of(fake, phone, managed=managed)

    await done(getattr(sm.installed_apps, method)(app.id))

    received(fake, "POST", f"/installed_apps/{app.id}/{suffix}", status=202)
    assert device(fake, phone).commands == [(recorded, {"installed_app_id": str(app.id)})]
    assert app.id in [a.id for a in apps_on(fake, phone)]


@covers("installed_apps.uninstall")
async def test_uninstall_removes_a_managed_app_from_the_device(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    phone = device_of("ios")
    app = app_of(fake, phone, managed=True)

    await done(sm.installed_apps.uninstall(app.id))

    received(fake, "DELETE", f"/installed_apps/{app.id}", status=202)
    assert device(fake, phone).commands == [("uninstall_app", {"installed_app_id": str(app.id)})]
    assert app.id not in [a.id for a in apps_on(fake, phone)]
    assert app.id not in [a.id for a in await sm.devices.installed_apps(phone).collect()]
    with pytest.raises(NotFoundError):
        await sm.installed_apps.get(app.id)


# -- custom attributes -------------------------------------------------------------------------


@covers("custom_attributes.list")
async def test_list_custom_attributes(fake: FakeSimpleMDM, sm: SimpleMDMClient) -> None:
    attributes = await sm.custom_attributes.list().collect()

    stored = list(fake.state.custom_attributes.values())
    pages_received(fake, "/custom_attributes", paged([a.name for a in stored], 100))
    assert [(a.id, a.name, a.default_value) for a in attributes] == [
        (a.name, a.name, a.default_value) for a in stored
    ]
    assert len(attributes) == 4


@covers("custom_attributes.get")
async def test_get_custom_attribute(fake: FakeSimpleMDM, sm: SimpleMDMClient) -> None:
    attribute = await sm.custom_attributes.get("email_address")

    received(fake, "GET", "/custom_attributes/email_address", status=200)
    assert (attribute.id, attribute.name, attribute.default_value) == (
        "email_address",
        "email_address",
        "user@example.org",
    )


@covers("custom_attributes.create")
async def test_create_custom_attribute_names_are_case_insensitive(
    fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    created = await sm.custom_attributes.create(name="Cost_Center", default_value="CC-100")

    received(
        fake,
        "POST",
        "/custom_attributes",
        status=201,
        form=[("name", "Cost_Center"), ("default_value", "CC-100")],
    )
    assert (created.id, created.name, created.default_value) == (
        "cost_center",
        "cost_center",
        "CC-100",
    )
    stored = fake.state.custom_attributes["cost_center"]
    assert (stored.default_value, stored.secret) == ("CC-100", False)

    bare = await sm.custom_attributes.create(name="badge")
    received(fake, "POST", "/custom_attributes", status=201, form=[("name", "badge")])
    assert (bare.id, bare.default_value) == ("badge", None)


@covers("custom_attributes.update")
async def test_update_custom_attribute_default_value(
    fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    await done(sm.custom_attributes.update("full_name", default_value="unknown"))

    received(
        fake,
        "PATCH",
        "/custom_attributes/full_name",
        status=204,
        form=[("default_value", "unknown")],
    )
    assert fake.state.custom_attributes["full_name"].default_value == "unknown"
    assert (await sm.custom_attributes.get("full_name")).default_value == "unknown"


@CLASSIC
@covers("custom_attributes.delete")
async def test_delete_custom_attribute_removes_its_values(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    phone = device(fake, device_of("ios"))
    phone.custom_attribute_values["asset_tag"] = "A-1"
    fake.state.device_groups[1].custom_attribute_values["asset_tag"] = "G-1"

    await done(sm.custom_attributes.delete("asset_tag"))

    received(fake, "DELETE", "/custom_attributes/asset_tag", status=204)
    assert "asset_tag" not in fake.state.custom_attributes
    assert "asset_tag" not in phone.custom_attribute_values
    assert fake.state.device_groups[1].custom_attribute_values == {}


@CLASSIC
@covers("custom_attributes.get_device_values")
async def test_device_values_say_where_each_value_comes_from(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    phone = device(fake, device_of("ios"))
    assert phone.device_group_id is not None
    group = fake.state.device_groups[phone.device_group_id]
    phone.custom_attribute_values["asset_tag"] = "A-1"
    group.custom_attribute_values.update(asset_tag="G-1", full_name="Kiosk")

    values = await sm.custom_attributes.get_device_values(phone.id)

    received(fake, "GET", f"/devices/{phone.id}/custom_attribute_values", status=200)
    assert [(v.id, v.value, v.source, v.secret) for v in values] == [
        ("asset_tag", "A-1", "device", False),  # the device's own value beats its group's
        ("email_address", "user@example.org", "account", False),
        ("full_name", "Kiosk", "group", False),
        ("wifi_password", "", "account", True),
    ]


@covers("custom_attributes.set_device_value")
async def test_set_one_value_on_a_device(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    phone = device_of("ios")

    value = await sm.custom_attributes.set_device_value(phone, "asset_tag", "A-42")

    received(
        fake,
        "PUT",
        f"/devices/{phone}/custom_attribute_values/asset_tag",
        status=200,
        form=[("value", "A-42")],
    )
    assert (value.id, value.value) == ("asset_tag", "A-42")
    assert device(fake, phone).custom_attribute_values == {"asset_tag": "A-42"}
    assert (await sm.devices.get(phone)).custom_attribute_values == {"asset_tag": "A-42"}


@covers("custom_attributes.set_device_values")
async def test_set_several_values_on_a_device_as_json(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    phone = device_of("ios")

    await done(
        sm.custom_attributes.set_device_values(
            phone, {"asset_tag": "A-7", "full_name": "Mia Example"}
        )
    )

    request = received(
        fake,
        "PUT",
        f"/devices/{phone}/custom_attribute_values",
        status=200,
        json={
            "data": [
                {"name": "asset_tag", "value": "A-7"},
                {"name": "full_name", "value": "Mia Example"},
            ]
        },
    )
    assert request.form == {}
    assert device(fake, phone).custom_attribute_values == {
        "asset_tag": "A-7",
        "full_name": "Mia Example",
    }


@covers("custom_attributes.set_value_for_devices")
async def test_set_one_attribute_on_several_devices_as_json(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    phone, mac = device_of("ios"), device_of("macos")

    await done(sm.custom_attributes.set_value_for_devices("asset_tag", {phone: "A-2", mac: "M-1"}))

    request = received(
        fake,
        "PUT",
        "/custom_attribute_values/asset_tag",
        status=200,
        json={
            "data": [
                {"device_id": str(phone), "value": "A-2"},
                {"device_id": str(mac), "value": "M-1"},
            ]
        },
    )
    assert request.form == {}
    assert device(fake, phone).custom_attribute_values == {"asset_tag": "A-2"}
    assert device(fake, mac).custom_attribute_values == {"asset_tag": "M-1"}


@CLASSIC
@covers("custom_attributes.get_group_values")
async def test_group_values_fall_back_to_the_account_default(
    fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    fake.state.device_groups[3].custom_attribute_values["full_name"] = "Kiosk"

    values = await sm.custom_attributes.get_group_values(3)

    received(fake, "GET", "/device_groups/3/custom_attribute_values", status=200)
    assert [(v.id, v.value, v.source, v.secret) for v in values] == [
        ("asset_tag", "", "account", False),
        ("email_address", "user@example.org", "account", False),
        ("full_name", "Kiosk", "group", False),
        ("wifi_password", "", "account", True),
    ]


@CLASSIC
@covers("custom_attributes.set_group_value")
async def test_set_a_group_value_reaches_its_devices(
    fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    member = next(d.id for d in fake.state.devices.values() if d.device_group_id == 3)

    value = await sm.custom_attributes.set_group_value(3, "full_name", "Kiosk")

    received(
        fake,
        "PUT",
        "/device_groups/3/custom_attribute_values/full_name",
        status=200,
        form=[("value", "Kiosk")],
    )
    assert (value.id, value.value) == ("full_name", "Kiosk")
    assert fake.state.device_groups[3].custom_attribute_values == {"full_name": "Kiosk"}
    inherited = await sm.custom_attributes.get_device_values(member)
    assert [(v.value, v.source) for v in inherited if v.id == "full_name"] == [("Kiosk", "group")]


# -- errors ------------------------------------------------------------------------------------


def _missing(verb: str, path: str, call: Call, name: str) -> Any:
    return pytest.param(verb, path, call, id=name)


MISSING = [
    _missing("GET", "/devices/9999", lambda sm: sm.devices.get(9999), "devices.get"),
    _missing("POST", "/devices/9999/lock", lambda sm: sm.devices.lock(9999), "devices.lock"),
    _missing(
        "DELETE", "/devices/1/users/9", lambda sm: sm.devices.delete_user(1, 9), "delete_user"
    ),
    _missing("GET", "/device_groups/99", lambda sm: sm.device_groups.get(99), "groups.get"),
    _missing(
        "POST",
        "/device_groups/1/devices/9999",
        lambda sm: sm.device_groups.assign_device(1, 9999),
        "assign_device",
    ),
    _missing("GET", "/installed_apps/2999", lambda sm: sm.installed_apps.get(2999), "app.get"),
    _missing(
        "GET", "/custom_attributes/nope", lambda sm: sm.custom_attributes.get("nope"), "attr.get"
    ),
    _missing(
        "PUT",
        "/devices/1/custom_attribute_values/nope",
        lambda sm: sm.custom_attributes.set_device_value(1, "nope", "x"),
        "set_device_value",
    ),
]


@covers(
    "devices.get",
    "devices.lock",
    "devices.delete_user",
    "device_groups.get",
    "device_groups.assign_device",
    "installed_apps.get",
    "custom_attributes.get",
    "custom_attributes.set_device_value",
)
@pytest.mark.parametrize(("verb", "path", "call"), MISSING)
async def test_404_is_not_found_error_with_message_and_request_id(
    verb: str, path: str, call: Call, fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    with pytest.raises(NotFoundError) as caught:
        await call(sm)

    requests = fake.requests.take()
    assert [(r.method, r.path, r.status) for r in requests] == [(verb, API + path, 404)]
    error = caught.value
    assert (error.status, error.message) == (404, "object not found")
    assert error.request_id is not None
    assert error.request_id == requests[0].request_id  # the fake's x-request-id header
    assert (error.method, error.url) == (verb, fake.url + path)


class Refusal(NamedTuple):
    """A call the fake answers 422; ``{ios}`` etc. in ``path`` stand for the test's ids."""

    verb: str
    path: str
    call: Callable[[SimpleMDMClient, Mapping[str, int]], Awaitable[object]]
    message: str


REFUSALS = {
    "delete_user on an iPhone": Refusal(
        "DELETE",
        "/devices/{ios}/users/1",
        lambda sm, ids: sm.devices.delete_user(ids["ios"], 1),
        "deleting users is available for supervised macOS devices only",
    ),
    "delete_user on an unsupervised Mac": Refusal(
        "DELETE",
        "/devices/{plain_mac}/users/1",
        lambda sm, ids: sm.devices.delete_user(ids["plain_mac"], 1),
        "deleting users is available for supervised macOS devices only",
    ),
    "lock a Mac without a pin": Refusal(
        "POST",
        "/devices/{mac}/lock",
        lambda sm, ids: sm.devices.lock(ids["mac"], message="locked"),
        "pin is required for macOS devices and must be a 6-digit number",
    ),
    "update_os on a Mac without a mode": Refusal(
        "POST",
        "/devices/{mac}/update_os",
        lambda sm, ids: sm.devices.update_os(ids["mac"]),
        "os_update_mode is required for macOS devices",
    ),
    "update an unmanaged app": Refusal(
        "POST",
        "/installed_apps/{unmanaged}/update",
        lambda sm, ids: sm.installed_apps.update(ids["unmanaged"]),
        "the app must be managed",
    ),
    "uninstall an unmanaged app": Refusal(
        "DELETE",
        "/installed_apps/{unmanaged}",
        lambda sm, ids: sm.installed_apps.uninstall(ids["unmanaged"]),
        "the app must be managed",
    ),
    "create an attribute twice": Refusal(
        "POST",
        "/custom_attributes",
        lambda sm, ids: sm.custom_attributes.create(name="Email_Address"),
        "name has already been taken",
    ),
}


@covers(
    "devices.delete_user",
    "devices.lock",
    "devices.update_os",
    "installed_apps.update",
    "installed_apps.uninstall",
    "custom_attributes.create",
)
@pytest.mark.parametrize("refusal", list(REFUSALS.values()), ids=list(REFUSALS))
async def test_422_is_validation_error_and_changes_nothing(
    refusal: Refusal, fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: DeviceOf
) -> None:
    phone = device_of("ios")
    ids = {
        "ios": phone,
        "mac": device_of("macos"),
        "plain_mac": next(
            d.id
            for d in fake.state.devices.values()
            if d.is_macos and d.status == "enrolled" and d.gen is not None and not d.gen.supervised
        ),
        "unmanaged": app_of(fake, phone, managed=False).id,
    }

    with pytest.raises(ValidationError) as caught:
        await refusal.call(sm, ids)

    path = refusal.path.format(**ids)
    requests = fake.requests.take()
    assert [(r.method, r.path, r.status) for r in requests] == [(refusal.verb, API + path, 422)]
    assert (caught.value.status, caught.value.message) == (422, refusal.message)
    assert caught.value.request_id == requests[0].request_id
    assert [d.id for d in fake.state.devices.values() if d.commands or d.lock_count] == []
    assert len(fake.state.custom_attributes) == 4


INVALID: dict[str, tuple[Call, str]] = {
    "lock pin of 5 digits": (lambda sm: sm.devices.lock(1, pin="12345"), "pin"),
    "wipe pin with letters": (lambda sm: sm.devices.wipe(1, pin="12ab56"), "pin"),
    "unknown os_update_mode": (
        lambda sm: sm.devices.update_os(1, os_update_mode=cast(Any, "later")),
        "os_update_mode",
    ),
    "lost mode without message or phone": (lambda sm: sm.devices.enable_lost_mode(1), "message"),
    "update without a name": (lambda sm: sm.devices.update(1), "name"),
    "static_group_ids as a string": (
        lambda sm: sm.devices.create(name="x", static_group_ids="12"),
        "static_group_ids",
    ),
    "device id with a slash": (lambda sm: sm.devices.get("1/wipe"), "device_id"),
    # ids inside request bodies are checked like path ids
    "group_id with a slash": (
        lambda sm: sm.devices.create(name="x", group_id="1/wipe"),
        "group_id",
    ),
    "a static group id with ..": (
        lambda sm: sm.devices.create(name="x", static_group_ids=[1, "../1"]),
        "static_group_ids",
    ),
    "a bulk device id with CR LF": (
        lambda sm: sm.custom_attributes.set_value_for_devices("asset_tag", {"1\r\n": "x"}),
        "device_id",
    ),
    "script_id with a query": (
        lambda sm: sm.script_jobs.create(script_id="1?x=1", device_ids=[1]),
        "script_id",
    ),
    "device_ids with a hash": (
        lambda sm: sm.script_jobs.create(script_id=1, device_ids=[1, "2#"]),
        "device_ids",
    ),
    "group_ids with a percent": (
        lambda sm: sm.script_jobs.create(script_id=1, group_ids=["1%2F"]),
        "group_ids",
    ),
    "assignment_group_ids negative": (
        lambda sm: sm.script_jobs.create(script_id=1, assignment_group_ids=[-1]),
        "assignment_group_ids",
    ),
    # query flags are booleans, not truthy values
    "include_awaiting_enrollment as text": (
        lambda sm: sm.devices.list(include_awaiting_enrollment=cast(Any, "no")).collect(),
        "include_awaiting_enrollment",
    ),
    "include_secret_custom_attributes as 1": (
        lambda sm: sm.devices.get(1, include_secret_custom_attributes=cast(Any, 1)),
        "include_secret_custom_attributes",
    ),
    "include_shared as text": (
        lambda sm: sm.apps.list(include_shared=cast(Any, "true")).collect(),
        "include_shared",
    ),
    # form booleans are booleans and a priority an integer, before anything is sent
    "restart flag as text": (
        lambda sm: sm.devices.restart(1, rebuild_kernel_cache=cast(Any, "yes")),
        "rebuild_kernel_cache",
    ),
    "restart flag as 1": (
        lambda sm: sm.devices.restart(1, notify_user=cast(Any, 1)),
        "notify_user",
    ),
    "auto_deploy as text": (
        lambda sm: sm.assignment_groups.create(name="x", auto_deploy=cast(Any, "no")),
        "auto_deploy",
    ),
    "app_track_location as 0": (
        lambda sm: sm.assignment_groups.create(name="x", app_track_location=cast(Any, 0)),
        "app_track_location",
    ),
    "priority as a bool": (
        lambda sm: sm.assignment_groups.create(name="x", priority=cast(Any, True)),
        "priority",
    ),
    "priority as a float": (
        lambda sm: sm.assignment_groups.update(1, priority=cast(Any, 1.5)),
        "priority",
    ),
    "priority past 32 bits": (
        lambda sm: sm.assignment_groups.create(name="x", priority=10**30),
        "priority",
    ),
    "profile flag as 1": (
        lambda sm: sm.custom_configuration_profiles.create(
            name="x", mobileconfig=b"<plist/>", filename="x.mobileconfig", user_scope=cast(Any, 1)
        ),
        "user_scope",
    ),
    "variable_support as text": (
        lambda sm: sm.scripts.create(
            name="x", content="#!/bin/sh\necho", variable_support=cast(Any, "true")
        ),
        "variable_support",
    ),
    "page size over 100": (lambda sm: sm.devices.list(limit=101).collect(), "limit"),
    "blank time zone": (lambda sm: sm.devices.set_time_zone(1, time_zone=" "), "time_zone"),
    "attribute name with a space": (
        lambda sm: sm.custom_attributes.create(name="cost center"),
        "name",
    ),
    "no values for a device": (
        lambda sm: sm.custom_attributes.set_device_values(1, {}),
        "values",
    ),
    "no devices for a value": (
        lambda sm: sm.custom_attributes.set_value_for_devices("asset_tag", {}),
        "values",
    ),
}


@covers(
    "devices.lock",
    "devices.wipe",
    "devices.update_os",
    "devices.enable_lost_mode",
    "devices.update",
    "devices.create",
    "devices.get",
    "devices.list",
    "devices.set_time_zone",
    "custom_attributes.create",
    "custom_attributes.set_device_values",
    "custom_attributes.set_value_for_devices",
    "script_jobs.create",
    "apps.list",
    "devices.restart",
    "assignment_groups.create",
    "assignment_groups.update",
    "custom_configuration_profiles.create",
    "scripts.create",
)
@pytest.mark.parametrize(("call", "field"), list(INVALID.values()), ids=list(INVALID))
async def test_bad_arguments_are_refused_before_anything_is_sent(
    call: Call, field: str, fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        await call(sm)

    assert caught.value.field == field
    assert fake.requests.all() == []


@CLASSIC
@covers("devices.create", "script_jobs.create")
async def test_an_id_in_a_form_body_is_sent_as_itself_not_percent_encoded(
    fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    with pytest.raises(ValidationError):  # the fake wants a number; the form shows what went
        await sm.devices.create(name="x", group_id="a b")
    with pytest.raises(ValidationError):
        await sm.script_jobs.create(script_id="é 1", device_ids=[1])
    forms = [r.form for r in fake.requests.take()]
    assert [f.get("group_id") or f.get("script_id") for f in forms] == ["a b", "é 1"]
