"""Fill a fresh :class:`ManageEngineState` from a generated fleet: a believable tenant.

Users (one per device owner, plus a shared user for room devices), devices, the Stable
release label, the app repository (each app with an approved Stable version; every third app
distributed to a device group), device groups from the fleet's groups plus a user group and
an empty tag group, and a few profiles per platform.
"""

from __future__ import annotations

from mdmkit.testing.fleetgen import AWAITING_ENROLLMENT, ENROLLED, Fleet, GeneratedDevice
from mdmkit.testing.manageengine.records import (
    CORPORATE,
    DEVICE_GROUP,
    MANAGED,
    PENDING,
    PERSONAL,
    REMOVED,
    STABLE,
    TAG_GROUP,
    USER_GROUP,
    App,
    AppVersion,
    Association,
    Device,
    Group,
    Label,
    Profile,
    User,
    platform_id,
)
from mdmkit.testing.manageengine.state import (
    APP_BASE,
    COLLECTION_BASE,
    GROUP_BASE,
    PROFILE_BASE,
    USER_BASE,
    ManageEngineState,
)

__all__ = ["CATEGORIES", "build_state", "new_device"]

DAY = 86_400.0
CATEGORIES = {
    1: "Business",
    2: "Productivity",
    3: "Utilities",
    4: "Education",
    5: "Social Networking",
    6: "Communication",
    7: "Finance",
}
_STATUS = {ENROLLED: MANAGED, AWAITING_ENROLLMENT: PENDING}
SHARED_USER = ("Shared Devices", "shared.devices@example.com")
_PROFILES = (
    ("Passcode Policy", "Six-digit passcode, 15 minute auto-lock", 1, 110, ("passcodepolicy",)),
    ("Corporate Wi-Fi", "WPA2 Enterprise for the offices", 1, 110, ("wifi",)),
    ("Android Restrictions", "Camera and USB restrictions", 2, 110, ("restrictions",)),
    ("Work Profile", "Android Enterprise work profile", 2, 110, ("workprofile", "wifi")),
    ("Kiosk Mode", "Single-app kiosk for the lobby", 2, 1, ("kiosk",)),
    ("BitLocker", "Encrypt the system drive", 3, 110, ("bitlocker",)),
    ("Windows Update", "Defer feature updates 30 days", 3, 1, ("windowsupdate",)),
    ("Chrome Policies", "Managed browser settings", 4, 1, ("chromepolicy",)),
)


def new_device(gen: GeneratedDevice, user_id: int | None, now: float) -> Device:
    """A :class:`Device` for a generated device (status and quirks derived from it).

    A device that never enrolled was registered (added for enrollment) 1-30 days before ``now``.
    """
    registered = gen.enrolled_at
    if registered is None:
        registered = now - (gen.salt % 30 + 1) * DAY
    return Device(
        gen.id,
        gen,
        gen.name,
        user_id,
        _STATUS.get(gen.status, REMOVED),
        CORPORATE if gen.dep or (gen.salt >> 40) & 1 else PERSONAL,
        registered,
        gen.last_seen_at,
        removed_as_text=bool((gen.salt >> 50) & 1),
    )


def build_state(fleet: Fleet, *, upload_delay: float = 0.0) -> ManageEngineState:
    """A state holding the fleet plus a small, realistic tenant around it."""
    state = ManageEngineState(fleet, upload_delay=upload_delay)
    now = fleet.now
    state.labels.add(state.stable_label_id, Label(state.stable_label_id, "Stable", STABLE, now))
    _add_users_and_devices(state, fleet)
    _add_groups(state, fleet)
    _add_apps(state, fleet)
    for n, (name, description, platform, status, payloads) in enumerate(_PROFILES, start=1):
        profile = Profile(
            PROFILE_BASE + n,
            name,
            description,
            platform,
            status,
            payloads,
            COLLECTION_BASE + n,
            version=1 + n % 3,
            created_at=now - (200 - n) * DAY,
            modified_at=now - (20 - n) * DAY,
        )
        state.profiles.add(profile.id, profile)
    return state


def _add_users_and_devices(state: ManageEngineState, fleet: Fleet) -> None:
    by_email: dict[str, int] = {}
    for gen in fleet.devices:
        name, email = (gen.owner_name, gen.owner_email)
        if name is None or email is None:
            name, email = SHARED_USER
        user_id = by_email.get(email)
        if user_id is None:
            user_id = by_email[email] = USER_BASE + len(by_email) + 1
            state.users.add(user_id, User(user_id, name, email, gen.phone_number or ""))
        device = new_device(gen, user_id, fleet.now)
        state.devices.add(device.id, device)


def _add_groups(state: ManageEngineState, fleet: Fleet) -> None:
    now = fleet.now
    for group in fleet.groups:
        gid = GROUP_BASE + group.index + 1
        members = {g.id for g in fleet.devices if group.index in g.groups}
        record = Group(gid, group.name, DEVICE_GROUP, member_ids=members)
        record.created_at, record.modified_at = now - 300 * DAY, now - 3 * DAY
        state.groups.add(gid, record)
    gid = state.groups.next_id(GROUP_BASE + 1)
    managers = Group(gid, "Managers", USER_GROUP, member_ids=set(list(state.users)[:5]))
    managers.created_at = managers.modified_at = now - 100 * DAY
    state.groups.add(gid, managers)
    tag = Group(gid + 1, "Lost Devices", TAG_GROUP, created_at=now - 50 * DAY)
    state.groups.add(tag.id, tag)


def _add_apps(state: ManageEngineState, fleet: Fleet) -> None:
    now = fleet.now
    device_groups = [g.id for g in state.groups.values() if g.group_type == DEVICE_GROUP]
    for gen in fleet.apps:
        app_id = APP_BASE + gen.index + 1
        store = gen.kind == "store"
        app = App(
            app_id,
            gen.name,
            (2 if gen.index % 9 == 4 else 1) if store else 3,
            platform_id(gen.platform),
            gen.bundle_id,
            category_id=gen.index % len(CATEGORIES) + 1,
            store_id=str(gen.store_id) if gen.store_id else None,
            added_at=now - (400 - gen.index) * DAY,
            modified_at=now - (100 - gen.index) * DAY,
        )
        stable = state.stable_label_id
        app.versions[stable] = AppVersion(
            stable, gen.version, approved=True, added_at=app.added_at, modified_at=app.modified_at
        )
        if gen.index % 3 == 0 and device_groups:
            group = device_groups[gen.index // 3 % len(device_groups)]
            app.groups[group] = Association(stable, at=app.modified_at)
        state.apps.add(app_id, app)
        state.catalog[gen.index] = app_id
