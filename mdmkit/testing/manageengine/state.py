"""The fake ManageEngine's in-memory store: one :class:`Table` per resource plus derived data.

Ids are 18-digit integers above 2**53 (so a client that parses them as floats gets them
wrong), one block of a million per kind so that no two objects share an id. Installed apps of
generated devices are derived from the device on demand (deterministic), plus the apps
associated with the device or one of its groups.
"""

from __future__ import annotations

from typing import Literal

from mdmkit.testing._table import Table
from mdmkit.testing.fleetgen import Fleet, installed_app_indices
from mdmkit.testing.manageengine.records import (
    App,
    Device,
    FileRecord,
    Group,
    Label,
    Profile,
    User,
)

__all__ = [
    "APP_BASE",
    "DEVICE_BASE",
    "FILE_BASE",
    "GROUP_BASE",
    "LABEL_BASE",
    "PROFILE_BASE",
    "USER_BASE",
    "ManageEngineState",
]

DEVICE_BASE = 108_870_000_001_000_000
USER_BASE = 108_870_000_002_000_000
APP_BASE = 108_870_000_003_000_000
LABEL_BASE = 108_870_000_004_000_000
GROUP_BASE = 108_870_000_005_000_000
FILE_BASE = 108_870_000_006_000_000
PROFILE_BASE = 108_870_000_007_000_000
COLLECTION_BASE = 108_870_000_008_000_000
NextLinks = Literal["absolute", "relative", "proxy"]


class ManageEngineState:
    """Everything the fake knows. Tests read it; handlers change it.

    ``upload_delay`` is how long (clock seconds) an ``/emsapi/files`` upload stays pending;
    ``file_lifetime`` how long any uploaded file can be used. ``next_links`` is how
    ``paging.next`` reads: ``"absolute"`` on this server, ``"relative"`` (a path and query), or
    ``"proxy"``: on ``proxy_origin``, the address a server behind a proxy believes it has.
    ``numeric_error_codes`` answers an unknown id as the documented example does: HTTP 400
    ``{"error_code": 1002, "error_description": "Unknown ID"}``.
    """

    def __init__(self, fleet: Fleet, *, upload_delay: float = 0.0) -> None:
        self.fleet = fleet
        self.upload_delay = upload_delay
        self.file_lifetime: float = 3600.0
        self.devices: Table[int, Device] = Table()
        self.users: Table[int, User] = Table()
        self.apps: Table[int, App] = Table()
        self.labels: Table[int, Label] = Table()
        self.files: Table[int, FileRecord] = Table()
        self.groups: Table[int, Group] = Table()
        self.profiles: Table[int, Profile] = Table()
        self.catalog: dict[int, int] = {}  # generated app index -> app id
        self.stable_label_id = LABEL_BASE + 1
        self.next_links: NextLinks = "absolute"
        self.proxy_origin = "http://mdm-internal.example:9020"
        self.numeric_error_codes = False

    @property
    def stable_label(self) -> Label:
        return self.labels[self.stable_label_id]

    # -- derived data ------------------------------------------------------------------------

    def group_ids_of(self, device: Device) -> list[int]:
        """Groups holding the device, or its user for user groups."""
        return [
            g.id
            for g in self.groups.values()
            if (device.user_id in g.member_ids if g.holds_users else device.id in g.member_ids)
        ]

    def devices_of_group(self, group: Group) -> list[int]:
        """The devices a group reaches (for a user group: the devices of its users)."""
        if not group.holds_users:
            return sorted(d for d in group.member_ids if d in self.devices)
        return [d.id for d in self.devices.values() if d.user_id in group.member_ids]

    def installed_apps(self, device: Device) -> list[tuple[App, str]]:
        """(app, version) on the device: generated from the catalog, plus associated apps."""
        if device.gen.enrolled_at is None or device.is_removed:
            return []
        found: dict[int, str] = {}
        for index in installed_app_indices(device.gen, self.fleet.apps):
            app_id = self.catalog.get(index)
            if app_id is not None and app_id in self.apps:
                found[app_id] = self.apps[app_id].version
        groups = set(self.group_ids_of(device))
        for app in self.apps.values():
            association = app.devices.get(device.id) or next(
                (a for g, a in app.groups.items() if g in groups), None
            )
            if association is not None:
                version = app.versions.get(association.label_id)
                found[app.id] = version.version if version else app.version
        return [(self.apps[app_id], version) for app_id, version in sorted(found.items())]

    def profile_count(self, device: Device) -> int:
        """Published profiles of the device's platform."""
        return sum(
            1
            for p in self.profiles.values()
            if p.platform_type == device.platform_type_id and p.status_id == 110
        )
