"""The fake SimpleMDM's in-memory store: one :class:`Table` per resource plus derived data.

Installed apps and macOS users of generated devices are derived from the device on demand
(deterministic), and only stored once the API changes them, so 100,000 devices stay cheap.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from typing import Any

from mdmkit.testing._table import Table
from mdmkit.testing.fleetgen import Fleet, GeneratedApp, installed_app_indices
from mdmkit.testing.simplemdm.records import (
    Account,
    App,
    AssignmentGroup,
    CustomAttribute,
    DepServer,
    Device,
    DeviceGroup,
    DeviceUser,
    Enrollment,
    InstalledApp,
    LogEntry,
    Profile,
    PushCertificate,
    Script,
    ScriptJob,
)

__all__ = ["APPS_PER_DEVICE", "EventListener", "SimpleMDMState"]

APPS_PER_DEVICE = 1000
"""Installed app ids are ``device_id * APPS_PER_DEVICE + n``: the id finds its device."""

_AGENT = GeneratedApp(
    -1,
    "SimpleMDM",
    "com.unwiredrev.DeviceLink.public",
    "2.1.2",
    "store",
    "ios",
    None,
    19_329_024,
    1.0,
)
"""The SimpleMDM app every enrolled iPhone and iPad has."""

EventListener = Callable[[float, str, dict[str, Any]], object]
"""Told ``(now, event type, data)`` of each change SimpleMDM sends a webhook for."""


class SimpleMDMState:
    """Everything the fake knows. Tests read it; handlers change it."""

    def __init__(self, fleet: Fleet, *, api_key_name: str = "Test API") -> None:
        self.fleet = fleet
        self.api_key_name = api_key_name
        self.account: Account = Account()
        self.push_certificate: PushCertificate = PushCertificate()
        self.devices: Table[int, Device] = Table()
        self.apps: Table[int, App] = Table()
        self.assignment_groups: Table[int, AssignmentGroup] = Table()
        self.device_groups: Table[int, DeviceGroup] = Table()
        self.custom_attributes: Table[str, CustomAttribute] = Table()
        self.profiles: Table[int, Profile] = Table()
        self.scripts: Table[int, Script] = Table()
        self.script_jobs: Table[int, ScriptJob] = Table()
        self.enrollments: Table[int, Enrollment] = Table()
        self.dep_servers: Table[int, DepServer] = Table()
        self.logs: Table[str, LogEntry] = Table()
        self.sync_profiles_window: float = 30.0
        self.new_groups = True  # New Groups Experience: new assignment groups are "static"
        self.listeners: list[EventListener] = []  # the webhook sender, fake.webhooks
        self._log_seq = 0
        self._rng = random.Random(fleet.seed)

    # -- derived per-device data ----------------------------------------------------------------

    def installed_apps(self, device: Device) -> list[InstalledApp]:
        """The apps on the device: generated from the catalog until the API changes them."""
        if device.installed_apps is not None:
            return device.installed_apps
        gen = device.gen
        if gen is None or gen.enrolled_at is None:
            return []
        catalog = self.fleet.apps
        chosen = [catalog[i] for i in installed_app_indices(gen, catalog)]
        if gen.platform != "macos":
            chosen.insert(0, _AGENT)
        seen = gen.last_seen_at or gen.enrolled_at or self.fleet.now
        found = gen.enrolled_at or seen
        base = device.id * APPS_PER_DEVICE
        return [
            InstalledApp(
                id=base + n + 1,
                device_id=device.id,
                name=app.name,
                identifier=app.bundle_id,
                version=app.version,
                short_version=".".join(app.version.split(".")[:3]),
                bundle_size=app.size,
                dynamic_size=None if app.kind == "enterprise" else (gen.salt >> n) % 50_000_000,
                managed=app.kind == "enterprise" or bool((gen.salt >> (n + 7)) & 1),
                discovered_at=found + 60 * n,
                last_seen_at=seen,
            )
            for n, app in enumerate(chosen)
        ]

    def own_installed_apps(self, device: Device) -> list[InstalledApp]:
        """The device's installed-app list, stored so that it can be changed."""
        if device.installed_apps is None:
            device.installed_apps = self.installed_apps(device)
        return device.installed_apps

    def users(self, device: Device) -> list[DeviceUser]:
        """Local user accounts of a Mac: generated until the API changes them."""
        if device.users is not None:
            return device.users
        gen = device.gen
        if gen is None or not device.is_macos:
            return []
        owner = gen.owner_name or "User One"
        first = owner.split()[0].lower()
        rng = random.Random(gen.salt)
        people = [(first, owner, True), ("admin", "Administrator", False)]
        return [
            DeviceUser(
                id=device.id * 10 + n + 1,
                username=username,
                full_name=full,
                uid=501 + n,
                user_guid=str(uuid.UUID(int=rng.getrandbits(128))).upper(),
                secure_token=True,
                logged_in=logged_in,
            )
            for n, (username, full, logged_in) in enumerate(people)
        ]

    def own_users(self, device: Device) -> list[DeviceUser]:
        """The device's user list, stored so that it can be changed."""
        if device.users is None:
            device.users = self.users(device)
        return device.users

    def new_assignment_group(self, name: str, type: str | None = None) -> AssignmentGroup:
        """A new assignment group with the next id (not stored yet). Its ``type`` defaults to
        the account's (static on NGE, standard on classic); its ``group_type`` is what this
        account reads: on NGE the static/dynamic kind (a standard or munki group is static),
        on a classic account "dynamic" whatever the group, as real classic groups read."""
        kind = type or ("static" if self.new_groups else "standard")
        if not self.new_groups:
            group_type = "dynamic"
        else:
            group_type = kind if kind in ("static", "dynamic") else "static"
        ident = self.assignment_groups.next_id()
        return AssignmentGroup(ident, name, kind, group_type=group_type)

    def group_ids_of(self, device_id: int) -> list[int]:
        """The assignment groups a device is a direct member of."""
        return [g.id for g in self.assignment_groups.values() if device_id in g.device_ids]

    def devices_of_group(self, group: AssignmentGroup) -> set[int]:
        """Direct members plus the members of its device groups."""
        members = set(group.device_ids)
        if group.device_group_ids:
            wanted = set(group.device_group_ids)
            members |= {d.id for d in self.devices.values() if d.device_group_id in wanted}
        return members

    # -- helpers --------------------------------------------------------------------------------

    def announce(self, now: float, event_type: str, data: dict[str, Any]) -> None:
        """Tell the listeners of a change SimpleMDM sends a webhook event for."""
        for listener in self.listeners:
            listener(now, event_type, data)

    def token(self, digits: int = 8) -> str:
        """A random number of ``digits`` digits (enrollment codes)."""
        return str(self._rng.randrange(10 ** (digits - 1), 10**digits))

    def hex_id(self, length: int = 5) -> str:
        """A random lowercase hex string (job ids, profile identifiers)."""
        return f"{self._rng.getrandbits(4 * length):0{length}x}"

    def log(
        self,
        now: float,
        event_type: str,
        *,
        namespace: str = "device",
        source: str = "api",
        device: Device | None = None,
        **metadata: object,
    ) -> LogEntry:
        """Add a log entry; ids are hex strings that sort in the order entries were written."""
        self._log_seq += 1
        entry = LogEntry(
            id=f"{self._log_seq:08x}{self._rng.getrandbits(96):024x}",
            namespace=namespace,
            event_type=event_type,
            source=source,
            at=now,
            metadata=dict(metadata),
            device_id=device.id if device else None,
            serial_number=device.gen.serial_number if device and device.gen else None,
            udid=device.gen.udid if device and device.gen else None,
        )
        return self.logs.add(entry.id, entry)
