"""The objects the fake ManageEngine keeps: small mutable attrs records tests can read back.

Generated devices keep their hardware in the shared :class:`GeneratedDevice` (``gen``); what
the API changes (name, asset fields, management state, commands received) lives on
:class:`Device`. Apps keep one :class:`AppVersion` per release label and their associations
per target (a device or group receives exactly one label's version of an app).
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import attrs

from mdmkit.testing._records import DeviceActivity
from mdmkit.testing.fleetgen import GeneratedDevice

__all__ = [
    "APPLE",
    "App",
    "AppVersion",
    "Association",
    "Device",
    "FileRecord",
    "Group",
    "Label",
    "Profile",
    "User",
]

MANAGED, PENDING, REMOVED = 2, 1, 4
"""``managed_status``: 2 managed (enrolled), 1 enrollment pending, 4 removed (or wiped)."""
CORPORATE, PERSONAL = 1, 2
"""``owned_by``."""
IOS, ANDROID, WINDOWS = 1, 2, 3
"""``platform_type`` ids (apps, profiles) and ``platform_type_id`` (devices)."""
DEVICE_GROUP, USER_GROUP, TAG_GROUP = 6, 7, 11
STABLE, BETA = 1, 2
"""``release_label_type``: the built-in Stable label, and every channel created through the API."""
PENDING_FILE, COMPLETED_FILE, FAILED_FILE = 1, 2, 3
APPLE = ("ios", "ipados", "macos", "tvos")
_PLATFORM_IDS = {"android": ANDROID, "windows": WINDOWS}
PLATFORM_NAMES = {IOS: "ios", ANDROID: "android", WINDOWS: "windows"}


def platform_id(platform: str) -> int:
    """ManageEngine's platform of a generated platform: every Apple device is iOS (1)."""
    return _PLATFORM_IDS.get(platform, IOS)


@attrs.define(slots=True, eq=False)
class Device(DeviceActivity):
    """A device and everything the API did to it.

    ``commands`` lists every action received, as ``(name, JSON body)``, in order (bulk
    actions included), with the lock, lost mode and wipe records of :class:`DeviceActivity`.
    """

    id: int
    gen: GeneratedDevice
    name: str
    user_id: int | None
    managed_status: int
    owned_by: int
    registered_at: float
    last_contact_at: float | None
    removed_as_text: bool  # ``is_removed`` rendered as "true"/"false" (a documented quirk)
    asset: dict[str, Any] = attrs.Factory(dict)
    corporate_wiped: bool = False  # corporate_wipe
    location_requested_at: float | None = None

    @property
    def platform(self) -> str:
        """The generated platform: ios, ipados, macos, tvos, android or windows."""
        return self.gen.platform

    @property
    def platform_type_id(self) -> int:
        return platform_id(self.gen.platform)

    @property
    def platform_type(self) -> str:
        """``"ios"``, ``"android"`` or ``"windows"``."""
        return PLATFORM_NAMES[self.platform_type_id]

    @property
    def is_removed(self) -> bool:
        return self.managed_status == REMOVED

    @property
    def device_type(self) -> str:
        """smartphone, Tablet, Laptop, Desktop or Tv (the values of the list filter)."""
        platform, family = self.gen.platform, self.gen.model.family
        if platform == "tvos":
            return "Tv"
        if platform == "ipados" or family in ("Galaxy Tab", "Surface Pro"):
            return "Tablet"
        if platform == "macos":
            return "Laptop" if family.startswith("MacBook") else "Desktop"
        if platform == "windows":
            return "Laptop"
        return "smartphone"


@attrs.define(eq=False)
class User:
    id: int
    name: str
    email: str
    phone_number: str = ""
    domain: str = "MDM"


@attrs.define(eq=False)
class Label:
    """A release label (channel): Stable (type 1) or one created with ``POST /labels``."""

    id: int
    name: str
    type: int = BETA
    created_at: float = 0.0


@attrs.define(eq=False)
class AppVersion:
    """The version of an app in one release label."""

    label_id: int
    version: str
    app_file: int | None = None
    approved: bool = False
    added_at: float = 0.0
    modified_at: float = 0.0


@attrs.define(eq=False)
class Association:
    """A device or group receiving the version of one label."""

    label_id: int
    silent_install: bool = True
    notify_user_via_email: bool = False
    at: float = 0.0


@attrs.define(eq=False)
class App:
    """An app of the repository, its versions per label and who receives which."""

    id: int
    name: str
    app_type: int  # 1 free store, 2 paid store, 3 enterprise
    platform_type: int  # 1 iOS, 2 Android, 3 Windows
    bundle_identifier: str
    category_id: int = 1
    supported_devices: int = 3  # 1 smartphone, 2 tablet, 3 both
    description: str = ""
    store_id: str | None = None
    country_code: str = "US"
    prevent_backup: bool = False
    remove_app_with_profile: bool = False
    added_at: float = 0.0
    modified_at: float = 0.0
    versions: dict[int, AppVersion] = attrs.Factory(dict)  # by release label id
    devices: dict[int, Association] = attrs.Factory(dict)  # by device id
    groups: dict[int, Association] = attrs.Factory(dict)  # by group id
    approvals: int = 0

    @property
    def is_enterprise(self) -> bool:
        return self.app_type == 3

    @property
    def approved(self) -> AppVersion | None:
        """The approved (production) version."""
        return next((v for v in self.versions.values() if v.approved), None)

    @property
    def version(self) -> str:
        """The approved version's number (else the newest label's)."""
        chosen = self.approved or next(reversed(self.versions.values()), None)
        return chosen.version if chosen else ""

    def devices_in(self, label_id: int) -> set[int]:
        """Devices associated with this label's version."""
        return {d for d, a in self.devices.items() if a.label_id == label_id}

    def groups_in(self, label_id: int) -> set[int]:
        """Groups associated with this label's version."""
        return {g for g, a in self.groups.items() if a.label_id == label_id}


@attrs.define(eq=False)
class FileRecord:
    """An uploaded file: ``/emsapi/files`` (with a module) or legacy ``/api/v1/mdm/files``."""

    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: float
    ready_at: float  # when processing ends (completed, or failed)
    expires_at: float
    module: str | None = None  # None: the legacy endpoint
    fails: bool = False  # a ``*-corrupt.*`` name

    @property
    def extension(self) -> str:
        return PurePosixPath(self.name).suffix.lower().lstrip(".")

    def status(self, now: float) -> int:
        """1 pending, 2 completed, 3 failed."""
        if now < self.ready_at:
            return PENDING_FILE
        return FAILED_FILE if self.fails else COMPLETED_FILE


@attrs.define(eq=False)
class Group:
    """A device group (6), user group (7) or tag group (11); members are device or user ids."""

    id: int
    name: str
    group_type: int = DEVICE_GROUP
    domain: str = "MDM"
    description: str = ""
    member_ids: set[int] = attrs.Factory(set)
    created_at: float = 0.0
    modified_at: float = 0.0

    @property
    def holds_users(self) -> bool:
        return self.group_type == USER_GROUP


@attrs.define(eq=False)
class Profile:
    id: int
    name: str
    description: str
    platform_type: int  # 1 iOS, 2 Android, 3 Windows, 4 Chrome
    status_id: int  # 1 yet to deploy, 110 published
    payloads: tuple[str, ...]
    collection_id: int
    version: int = 1
    scope: int = 0
    created_at: float = 0.0
    modified_at: float = 0.0

    @property
    def status(self) -> str:
        return "Published" if self.status_id == 110 else "Yet to deploy"
