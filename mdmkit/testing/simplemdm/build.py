"""Fill a fresh :class:`SimpleMDMState` from a generated fleet: a believable account.

Devices, legacy device groups, assignment groups (NGE static groups, or old standard groups),
the app catalog, a few profiles, custom attributes, scripts, enrollments, a DEP server and logs.
"""

from __future__ import annotations

from mdmkit.testing.fleetgen import AWAITING_ENROLLMENT, ENROLLED, Fleet
from mdmkit.testing.simplemdm.records import (
    AWAITING,
    UNENROLLED,
    App,
    CustomAttribute,
    DepServer,
    Device,
    DeviceGroup,
    Enrollment,
    Profile,
    Script,
)
from mdmkit.testing.simplemdm.records import ENROLLED as SM_ENROLLED
from mdmkit.testing.simplemdm.state import SimpleMDMState

__all__ = ["ENROLL_URL", "build_state", "mobileconfig"]

ENROLL_URL = "https://a.simplemdm.com/e/?c="
DAY = 86_400.0
_STATUS = {ENROLLED: SM_ENROLLED, AWAITING_ENROLLMENT: AWAITING}
_PROFILES = (
    ("apn", "APN"),
    ("app_restrictions", "App Restriction"),
    ("email", "Email Account"),
    ("wifi", "Office Wi-Fi"),
    ("restrictions", "Restrictions"),
    ("custom_configuration_profile", "Disable AFP"),
)
_SCRIPTS = (
    ("Say hi", '#!/bin/bash\necho "Hello!"\n', False),
    ("Report uptime", "#!/bin/sh\nuptime\n", True),
)


def mobileconfig(name: str, identifier: str) -> bytes:
    """A minimal, valid configuration profile plist."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
        '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
        '<plist version="1.0"><dict>'
        "<key>PayloadContent</key><array/>"
        f"<key>PayloadDisplayName</key><string>{name}</string>"
        f"<key>PayloadIdentifier</key><string>{identifier}</string>"
        "<key>PayloadType</key><string>Configuration</string>"
        "<key>PayloadUUID</key><string>6A2E0C1B-3B8C-4B8E-9C55-0A1E2F3D4C5B</string>"
        "<key>PayloadVersion</key><integer>1</integer>"
        "</dict></plist>\n"
    ).encode()


def build_state(fleet: Fleet, *, new_groups: bool = True) -> SimpleMDMState:
    """A state holding the fleet plus a small, realistic account around it."""
    state = SimpleMDMState(fleet)
    state.new_groups = new_groups
    now = fleet.now
    state.push_certificate.expires_at = now + 200 * DAY
    if not new_groups:  # an NGE account has no legacy device groups left
        for group in fleet.groups:
            state.device_groups.add(group.index + 1, DeviceGroup(group.index + 1, group.name))
    _add_devices(state, fleet)
    _add_apps(state, fleet)
    _add_assignment_groups(state, fleet, new_groups)
    _add_profiles(state)
    for name, default, secret in (
        ("email_address", "user@example.org", False),
        ("full_name", "not provided", False),
        ("asset_tag", None, False),
        ("wifi_password", None, True),
    ):
        state.custom_attributes.add(name, CustomAttribute(name, default, secret))
    for n, (name, content, variables) in enumerate(_SCRIPTS, start=1):
        state.scripts.add(n, Script(n, name, content, variables, now - 90 * DAY, now - 30 * DAY))
    first_group = 1 if 1 in state.device_groups else None
    state.enrollments.add(1, Enrollment(1, ENROLL_URL + state.token(), device_group_id=first_group))
    state.enrollments.add(2, Enrollment(2, None, device_group_id=first_group))
    for device in state.devices.values():
        if device.status == AWAITING:
            eid = state.enrollments.next_id()
            enrollment = Enrollment(eid, device.enrollment_url, device_id=device.id)
            enrollment.device_group_id = device.device_group_id
            state.enrollments.add(eid, enrollment)
    if any(d.dep for d in fleet.devices):
        state.dep_servers.add(
            1, DepServer(1, "ABM Server", "Example Inc.", now + 300 * DAY, now - 3600)
        )
    state.log(now - 7 * DAY, "user.signed_in", namespace="admin", source="admin ui")
    for device in list(state.devices.values())[:20]:
        if device.enrolled_at is not None:
            state.log(device.enrolled_at, "device.enrolled", source="device", device=device)
    return state


def _add_devices(state: SimpleMDMState, fleet: Fleet) -> None:
    for gen in fleet.devices:
        status = _STATUS.get(gen.status, UNENROLLED)
        legacy = gen.groups[0] + 1 if gen.groups else None
        device = Device(
            gen.id,
            gen.name,
            status,
            gen,
            device_name=gen.name,
            device_group_id=legacy if legacy in state.device_groups else None,
            enrolled_at=gen.enrolled_at,
            last_seen_at=gen.last_seen_at,
        )
        if status == AWAITING:
            device.enrollment_url = ENROLL_URL + state.token()
            device.device_name = None
        state.devices.add(gen.id, device)


def _add_apps(state: SimpleMDMState, fleet: Fleet) -> None:
    now = fleet.now
    apple = [a for a in fleet.apps if a.platform in ("ios", "macos")]
    for n, gen in enumerate(apple, start=1):
        store = gen.kind == "store"
        state.apps.add(
            n,
            App(
                n,
                gen.name,
                "app store" if store else "enterprise",
                bundle_identifier=gen.bundle_id,
                itunes_store_id=gen.store_id if store else None,
                version=gen.version,
                platform_support="macOS" if gen.platform == "macos" else "iOS",
                created_at=now - (400 - n) * DAY,
                updated_at=now - (100 - n) * DAY,
            ),
        )
    n = state.apps.next_id()
    shared = App(n, "Shared Catalog App", "app store", "com.example.shared", 1_000_001, shared=True)
    state.apps.add(n, shared)


def _add_assignment_groups(state: SimpleMDMState, fleet: Fleet, new_groups: bool) -> None:
    """NGE: one static group per generated group, holding its devices. Classic: one carrier per
    device group (standard, or every third one munki, managed or self-serve), carrying apps to
    that device group and to one device of another group, as real classic groups read."""
    members: dict[int, list[int]] = {g.index: [] for g in fleet.groups}
    for gen in fleet.devices:
        for index in gen.groups:
            members[index].append(gen.id)
    apps = [a.id for a in state.apps.values() if not a.shared]
    count = len(fleet.groups)
    for group in fleet.groups:
        gid = group.index + 1
        record = state.new_assignment_group(group.name)
        record.app_ids = [a for a in apps if count and a % count == group.index]
        if new_groups:
            record.device_ids = set(members[group.index])
        else:
            record.device_group_ids = [gid]
            neighbour = members[(group.index + 1) % count]
            record.device_ids = set(neighbour[:1]) - set(members[group.index])
            if group.index % 3 == 2:
                record.type = "munki"
                record.install_type = "self_serve" if group.index % 2 else "managed"
        state.assignment_groups.add(gid, record)


def _add_profiles(state: SimpleMDMState) -> None:
    for n, (kind, name) in enumerate(_PROFILES, start=1):
        identifier = f"com.unwiredmdm.{state.hex_id(32)}"
        profile = Profile(n, kind, name, identifier, user_scope=kind != "restrictions")
        if profile.is_custom:
            profile.mobileconfig = mobileconfig(name, identifier)
        if n == 2 and 1 in state.device_groups:
            profile.device_group_ids.add(1)
        state.profiles.add(n, profile)
