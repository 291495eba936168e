"""JSON of every ManageEngine object, with the quirks the research records on purpose.

Ids are JSON integers above 2**53; timestamps epoch milliseconds; ``platform_type`` of a
device the lower-case name plus ``platform_type_id``; ``is_removed`` the string "true"/"false"
for some devices and a boolean for others; ``imei`` a list of strings; summary counts strings.
A device's details write what the server does not know as the server's ``DeviceDetailsModel``
does: text as ``"--"`` (the IMEI of a Wi-Fi-only device; hardware, OS and agent of a device
that never enrolled) and dates as ``0`` or ``"0"`` (never contacted, no purchase date).
"""

from __future__ import annotations

from typing import Any

from mdmkit.testing.manageengine.build import CATEGORIES
from mdmkit.testing.manageengine.common import ms
from mdmkit.testing.manageengine.records import (
    COMPLETED_FILE,
    FAILED_FILE,
    App,
    AppVersion,
    Device,
    FileRecord,
    Group,
    Label,
    Profile,
    User,
)
from mdmkit.testing.manageengine.state import ManageEngineState

__all__ = [
    "ASSET_FIELDS",
    "app_json",
    "app_label_json",
    "device_detail_json",
    "device_json",
    "file_status_json",
    "group_json",
    "label_json",
    "profile_json",
    "summary_json",
    "user_json",
]

Json = dict[str, Any]
ASSET_FIELDS = (
    "asset_tag",
    "asset_owner",
    "description",
    "office",
    "purchase_date",
    "purchase_price",
    "purchase_type",
    "purchase_order_number",
    "warranty_number",
    "warranty_type",
    "warranty_expiration_date",
)
ICON = "https://mdm.manageengine.com/images/app-default.png"
UNKNOWN = "--"
"""How the server writes a detail text field it does not know."""
_FILE_STATUS = {COMPLETED_FILE: "completed", FAILED_FILE: "failed"}


def _removed(device: Device) -> bool | str:
    flag = device.is_removed
    if device.removed_as_text:
        return "true" if flag else "false"
    return flag


def _user(state: ManageEngineState, device: Device) -> Json:
    user = state.users.get(device.user_id) if device.user_id is not None else None
    if user is None:
        return {"user_name": None, "user_id": None, "user_email": None}
    return {"user_name": user.name, "user_id": user.id, "user_email": user.email}


def _counts(state: ManageEngineState, device: Device) -> Json:
    return {
        "profile_count": str(state.profile_count(device)),
        "app_count": str(len(state.installed_apps(device))),
        "doc_count": "0",
        "group_count": str(len(state.group_ids_of(device))),
    }


def device_json(state: ManageEngineState, device: Device) -> Json:
    """A device as the list endpoint shows it."""
    gen = device.gen
    return {
        "device_id": device.id,
        "device_name": device.name,
        "udid": gen.udid,
        "serial_number": gen.serial_number,
        "imei": [gen.imei] if gen.imei else [],
        "os_version": gen.os_version,
        "platform_type": device.platform_type,
        "platform_type_id": device.platform_type_id,
        "product_name": gen.model.product_name,
        "model": gen.model.model_name,
        "device_type": device.device_type,
        "owned_by": device.owned_by,
        "is_lost_mode_enabled": device.lost_mode_enabled,
        "is_removed": _removed(device),
        "managed_status": device.managed_status,
        "device_capacity": gen.capacity,
        "wifi_mac": gen.wifi_mac,
        "last_contact_time": ms(device.last_contact_at),
        "registered_time": ms(device.registered_at),
        "user": _user(state, device),
        "summary": _counts(state, device),
    }


def _known(value: Any) -> Any:
    return UNKNOWN if value is None else value


def device_detail_json(state: ManageEngineState, device: Device) -> Json:
    """``GET /devices/{id}``: the list fields plus asset, os, network, security and hardware."""
    gen = device.gen
    out = device_json(state, device)
    out["name"] = device.name
    for name in ASSET_FIELDS:
        out[name] = device.asset.get(name)
    out["purchase_date"] = out["purchase_date"] or 0  # unknown dates: 0, or "0"
    out["warranty_expiration_date"] = out["warranty_expiration_date"] or "0"
    carrier, mcc, mnc = gen.carrier
    cellular = gen.imei is not None
    sims = (
        [{"imei": gen.imei, "iccid": f"8901{gen.salt % 10**15:015d}", "carrier_name": carrier}]
        if cellular
        else []
    )
    enrolled = device.last_contact_at is not None  # a device that never enrolled reported nothing
    out |= {
        "imei": [gen.imei] if cellular else UNKNOWN,
        "model_name": gen.model.model_name if enrolled else UNKNOWN,
        "last_contact_time": ms(device.last_contact_at) or 0,
        "os": {
            "platform_type": device.platform_type_id,
            "os_name": gen.platform,
            "os_version": gen.os_version if enrolled else UNKNOWN,
            "build_version": gen.build_version if enrolled else UNKNOWN,
        },
        "network": {
            "wifi_mac": gen.wifi_mac,
            "wifi_ip": gen.ip_address,
            "bluetooth_mac": gen.bluetooth_mac,
            "phone_number": _known(gen.phone_number),
            "iccid": sims[0]["iccid"] if sims else UNKNOWN,
            "current_carrier_network": carrier if cellular else UNKNOWN,
            "subscriber_mcc": mcc if cellular else UNKNOWN,
            "subscriber_mnc": mnc if cellular else UNKNOWN,
            "is_roaming": False,
        },
        "sims": sims,
        "security": {
            "device_rooted": False,
            "storage_encryption": True,
            "passcode_present": bool(gen.salt & 4),
            "passcode_complaint": bool(gen.salt & 4),
            "play_protect": device.platform == "android",
        },
        "battery_level": gen.battery_level,
        "available_device_capacity": gen.available_capacity,
        "is_supervised": gen.supervised,
        "is_activation_lock_enabled": gen.platform in ("ios", "ipados") and bool(gen.salt & 8),
        "added_time": ms(device.registered_at),
        "agent_version_code": 5_204_000 + gen.salt % 900,
    }
    if not enrolled:
        out |= {"os_version": UNKNOWN, "product_name": UNKNOWN, "model": UNKNOWN}
    return out


def summary_json(state: ManageEngineState, device: Device) -> Json:
    """``GET /devices/{id}/summary`` (counts as strings, the groups by name)."""
    groups = [state.groups[g] for g in state.group_ids_of(device)]
    return {
        "device_id": device.id,
        "device_name": device.name,
        "platform_type": device.platform_type_id,
        "agent_version": f"5.2.{device.gen.salt % 900}",
        "last_contact_time": ms(device.last_contact_at),
        **_counts(state, device),
        "group": [{"group_id": g.id, "group_name": g.name} for g in groups],
    }


def label_json(label: Label, version: AppVersion) -> Json:
    return {
        "release_label_type": label.type,
        "release_label_name": label.name,
        "release_label_id": label.id,
        "app_version": version.version,
    }


def app_json(state: ManageEngineState, app: App) -> Json:
    """An app with its release labels (the list item and ``GET /apps/{id}``)."""
    out: Json = {
        "app_id": app.id,
        "app_name": app.name,
        "app_category": CATEGORIES.get(app.category_id, "Other"),
        "app_category_id": app.category_id,
        "app_type": app.app_type,
        "bundle_identifier": app.bundle_identifier,
        "version": app.version,
        "platform_type": app.platform_type,
        "supported_devices": app.supported_devices,
        "description": app.description,
        "icon": ICON,
        "added_time": ms(app.added_at),
        "modified_time": ms(app.modified_at),
        "prevent_backup": app.prevent_backup,
        "is_app_paid": app.app_type == 2,
    }
    if not app.is_enterprise:
        out["country_code"] = app.country_code
        out["store_id"] = app.store_id
        out["store_url"] = f"https://apps.example.com/app/id{app.store_id or app.id}"
    out["release_labels"] = [
        label_json(state.labels[label_id], version)
        for label_id, version in app.versions.items()
        if label_id in state.labels
    ]
    return out


def app_label_json(state: ManageEngineState, app: App, label: Label) -> Json:
    """The app as one label holds it (``GET``/``PUT /apps/{id}/labels/{label}``)."""
    version = app.versions[label.id]
    out = app_json(state, app)
    out |= {
        "release_label_id": label.id,
        "release_label_display_name": label.name,
        "version": version.version,
        "app_version_code": str(sum(int(p) for p in version.version.split(".") if p.isdigit())),
        "app_file": version.app_file,
        "app_title": app.name,
        "profile_name": app.name,
        "app_category_name": out["app_category"],
        "is_approved": version.approved,
        "is_delete_applicable": not version.approved,
        "is_multiple_app_version_available": len(app.versions) > 1,
        "app_distributed_devices_count": len(app.devices_in(label.id)),
        "app_distributed_group_count": len(app.groups_in(label.id)),
        "remove_app_with_profile": app.remove_app_with_profile,
        "is_paid_app": app.app_type == 2,
        "private_app": 1 if app.is_enterprise else 0,
        "is_distributable": True,
        "modified_time": ms(version.modified_at),
    }
    return out


def file_status_json(record: FileRecord, now: float) -> Json:
    status = record.status(now)
    return {
        "file_id": record.id,
        "file_status": status,
        "status": _FILE_STATUS.get(status, "pending"),
        "expiry_time": ms(record.expires_at),
    }


def group_json(group: Group, *, members: bool = False) -> Json:
    out: Json = {
        "group_id": group.id,
        "name": group.name,
        "group_type": group.group_type,
        "domain": group.domain,
        "description": group.description,
        "member_count": len(group.member_ids),
        "created_time": ms(group.created_at),
        "last_modified_time": ms(group.modified_at),
    }
    if members:
        out["member_ids"] = sorted(group.member_ids)
    return out


def user_json(user: User) -> Json:
    return {
        "user_id": user.id,
        "name": user.name,
        "user_name": user.name,
        "email_address": user.email,
        "phone_number": user.phone_number,
        "domain": user.domain,
    }


def profile_json(profile: Profile) -> Json:
    return {
        "profile_id": profile.id,
        "profile_name": profile.name,
        "profile_description": profile.description,
        "platform_type": profile.platform_type,
        "scope": profile.scope,
        "profile_status": profile.status,
        "profile_status_id": profile.status_id,
        "payloads": list(profile.payloads),
        "collection_id": profile.collection_id,
        "profile_version": profile.version,
        "creation_time": ms(profile.created_at),
        "last_modified_time": ms(profile.modified_at),
        "is_moved_to_trash": False,
        "created_by": "admin",
        "last_modified_by": "admin",
    }
