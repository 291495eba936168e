"""The neutral enums are StrEnums: equal to their values, formatted as them, names unchanged."""

from __future__ import annotations

import enum
import json
from typing import get_args

import pytest

from mdmkit.core.interface import DEVICE_ACTIONS, DeviceAction
from mdmkit.core.models import (
    AppKind,
    Capability,
    DeviceStatus,
    GroupKind,
    InstallMode,
    Platform,
    TargetKind,
    Vendor,
)

# Every member as it was when these were plain Enums: names and values must not move.
MEMBERS: dict[type[enum.StrEnum], dict[str, str]] = {
    Vendor: {"SIMPLEMDM": "simplemdm", "MANAGEENGINE": "manageengine"},
    Platform: {"IOS": "ios", "IPADOS": "ipados", "MACOS": "macos", "TVOS": "tvos",
               "ANDROID": "android", "WINDOWS": "windows", "CHROMEOS": "chromeos",
               "UNKNOWN": "unknown"},
    DeviceStatus: {"ENROLLED": "enrolled", "AWAITING_ENROLLMENT": "awaiting enrollment",
                   "UNENROLLED": "unenrolled", "REMOVED": "removed", "UNKNOWN": "unknown"},
    AppKind: {"STORE": "store", "ENTERPRISE": "enterprise", "CUSTOM": "custom",
              "PACKAGE": "package", "UNKNOWN": "unknown", "SHARED": "shared"},
    GroupKind: {"STATIC": "static", "DYNAMIC": "dynamic", "LEGACY": "legacy", "USER": "user",
                "TAG": "tag", "OTHER": "other"},
    InstallMode: {"AUTOMATIC": "automatic", "ON_DEMAND": "on demand"},
    TargetKind: {"DEVICE": "device", "GROUP": "group"},
    Capability: {name: name.lower().replace("_", ".", 1) for name in (
        "DEVICES_LIST", "DEVICES_GET", "DEVICES_LOCK", "DEVICES_WIPE", "DEVICES_RESTART",
        "DEVICES_SHUTDOWN", "DEVICES_REFRESH", "DEVICES_CLEAR_PASSCODE", "DEVICES_LOST_MODE",
        "APPS_LIST", "APPS_GET", "APPS_UPLOAD", "APPS_ADD_FROM_STORE", "APPS_DELETE",
        "GROUPS_LIST", "GROUPS_GET", "GROUPS_CREATE", "GROUPS_MEMBERS", "GROUPS_ADD_DEVICE",
        "GROUPS_REMOVE_DEVICE", "ASSIGNMENTS_LIST", "ASSIGNMENTS_ASSIGN",
        "ASSIGNMENTS_UNASSIGN")},
}  # fmt: skip


@pytest.mark.parametrize("kind", list(MEMBERS), ids=lambda kind: kind.__name__)
def test_names_and_values_are_unchanged(kind: type[enum.StrEnum]) -> None:
    assert {member.name: member.value for member in kind} == MEMBERS[kind]


@pytest.mark.parametrize("kind", list(MEMBERS), ids=lambda kind: kind.__name__)
def test_members_are_their_values_wherever_a_string_goes(kind: type[enum.StrEnum]) -> None:
    for member in kind:
        value = MEMBERS[kind][member.name]
        assert member == value
        assert kind(value) is member
        assert str(member) == f"{member}" == "%s" % member == value  # noqa: UP031
        assert json.dumps(member) == json.dumps(value)
        assert repr(member) == f"<{kind.__name__}.{member.name}: {value!r}>"
        assert hash(member) == hash(value)  # a dict keyed by values finds members


def test_the_examples_output_is_what_value_gave() -> None:
    # (mypy's strict equality refuses `Platform.IOS == "ios"` between two literals; a field
    # typed Platform compared with a string, as in `device.platform == "ios"`, passes)
    assert f"{Capability.DEVICES_LOCK.value}" == f"{Capability.DEVICES_LOCK}" == "devices.lock"
    assert sorted([Platform.MACOS, Platform.IOS]) == ["ios", "macos"]


def test_device_actions_and_their_literal_list_the_same_names() -> None:
    assert tuple(DEVICE_ACTIONS) == get_args(DeviceAction)
