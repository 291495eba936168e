"""Device JSON exactly as SimpleMDM sends it: every attribute, in the recorded order.

Built on demand from the compact records; hardware values come from the generated device
(``Device.gen``) and are null until a device has enrolled, as in the reference's create example.
"""

from __future__ import annotations

from typing import Any

from mdmkit.testing.fleetgen import GeneratedDevice
from mdmkit.testing.simplemdm.records import Device, DeviceUser, InstalledApp
from mdmkit.testing.simplemdm.render import iso, rel_one, resource
from mdmkit.testing.simplemdm.state import SimpleMDMState

__all__ = ["dep_device_json", "device_json", "device_user_json", "installed_app_json"]

_OS_UPDATE_KEYS = (
    "automatic_os_installation_enabled",
    "automatic_app_installation_enabled",
    "automatic_check_enabled",
    "automatic_security_updates_enabled",
    "background_download_enabled",
    "catalog_url",
    "default_catalog",
    "perform_periodic_check",
    "previous_scan_date",
    "previous_scan_result",
)
_CATALOG_URL = "https://swscan.apple.com/content/catalogs/others/index-15-14-13-12-10.16-10.15-10.14-10.13-10.12-10.11-10.10-10.9-mountainlion-lion-snowleopard-leopard.merged-1.sucatalog.gz"


def _spaced(digits: str, groups: tuple[int, ...]) -> str:
    out, at = [], 0
    for size in groups:
        out.append(digits[at : at + size])
        at += size
    return " ".join(part for part in out if part)


def _cellular(gen: GeneratedDevice) -> dict[str, Any]:
    """Carrier fields of a device with a SIM (or all null without one)."""
    if not gen.model.cellular or gen.imei is None:
        return {}
    carrier, mcc, mnc = gen.carrier
    iccid = f"8901{gen.salt % 10**15:015d}"
    return {
        "imei": _spaced(gen.imei, (2, 6, 6, 1)),
        "meid": gen.imei[:14],
        "battery_level": f"{gen.battery_level}%",
        "modem_firmware_version": f"{1 + gen.salt % 3}.{gen.salt % 90 + 10}.01",
        "iccid": _spaced(iccid, (4, 4, 4, 4, 3)),
        "current_carrier_network": carrier,
        "subscriber_carrier_network": carrier,
        "carrier_settings_version": "60.0",
        "phone_number": gen.phone_number,
        "voice_roaming_enabled": True,
        "data_roaming_enabled": False,
        "is_roaming": False,
        "subscriber_mcc": mcc,
        "subscriber_mnc": mnc,
        "current_mcc": mcc,
        "current_mnc": mnc,
        "cellular_technology": 3,
        "personal_hotspot_enabled": False,
        "service_subscriptions": [
            {
                "slot": "CTSubscriptionSlotOne",
                "carrier_settings_version": "60.0",
                "current_carrier_network": carrier,
                "current_mcc": mcc,
                "current_mnc": mnc,
                "iccid": _spaced(iccid, (4, 4, 4, 4, 3)),
                "imei": _spaced(gen.imei, (2, 6, 6, 1)),
                "is_data_preferred": True,
                "is_voice_preferred": True,
                "label": "USER_LABEL_PRIMARY",
                "meid": gen.imei[:14],
            }
        ],
    }


def _hardware(device: Device) -> dict[str, Any]:
    """Attributes that exist once the device has enrolled (overrides of the null defaults)."""
    gen = device.gen
    if gen is None or gen.enrolled_at is None:
        return {"model_name": "Unknown"}
    mac = gen.platform == "macos"
    mobile = gen.platform in ("ios", "ipados")
    values: dict[str, Any] = {
        "last_seen_ip": gen.ip_address,
        "enrollment_channels": ["device", "user"] if mac else ["device"],
        "auto_admin_name": "admin" if mac else None,
        "os_version": gen.os_version,
        "build_version": gen.build_version,
        "model_name": gen.model.model_name,
        "model": gen.model.product_name if mac else gen.model.model_number,
        "product_name": gen.model.product_name,
        "unique_identifier": gen.udid,
        "serial_number": gen.serial_number,
        "processor_architecture": gen.model.arch if mac else None,
        "device_capacity": gen.capacity,
        "available_device_capacity": gen.available_capacity,
        "battery_level": f"{gen.battery_level}%" if mobile else None,
        "bluetooth_mac": gen.bluetooth_mac,
        "ethernet_macs": [gen.wifi_mac] if gen.model.family in ("Mac mini", "iMac") else [],
        "wifi_mac": gen.wifi_mac,
        "hardware_encryption_caps": 3 if mobile else None,
        "passcode_present": True if mobile else None,
        "passcode_compliant": True if mobile else None,
        "passcode_compliant_with_profiles": True if mobile else None,
        "is_supervised": gen.supervised,
        "is_dep_enrollment": gen.dep,
        "dep_enrolled": gen.dep,
        "dep_assigned": gen.dep,
        "is_user_approved_enrollment": True if mac else None,
        "is_device_locator_service_enabled": False if mobile else None,
        "is_do_not_disturb_in_effect": False if mobile else None,
        "itunes_store_account_is_active": False,
        "is_activation_lock_enabled": False,
        "is_cloud_backup_enabled": False,
        "filevault_enabled": mac,
        "firmware_password_enabled": False,
        "recovery_lock_password_enabled": False,
        "ddm_enabled": True,
        "system_integrity_protection_enabled": True if mac else None,
    }
    if mac:
        values["firewall"] = {"enabled": True, "block_all_incoming": False, "stealth_mode": False}
        values["os_update"] = {
            "automatic_os_installation_enabled": False,
            "automatic_app_installation_enabled": False,
            "automatic_check_enabled": True,
            "automatic_security_updates_enabled": True,
            "background_download_enabled": True,
            "catalog_url": _CATALOG_URL,
            "default_catalog": True,
            "perform_periodic_check": None,
            "previous_scan_date": iso(gen.last_seen_at),
            "previous_scan_result": "2",
        }
    values.update(_cellular(gen))
    return values


def device_json(
    state: SimpleMDMState, device: Device, *, include_secret: bool = False
) -> dict[str, Any]:
    """The full ``device`` object: attributes and relationships."""
    hw = _hardware(device)

    def get(key: str, default: Any = None) -> Any:
        return hw.get(key, default)

    location: dict[str, Any] = {"lat": None, "lon": None, "acc": None}
    if device.location_updated_at is not None and device.gen is not None:
        salt = device.gen.salt
        location = {
            "lat": f"{37 + salt % 1000 / 1000:.6f}",
            "lon": f"{-122 - salt % 997 / 1000:.6f}",
            "acc": "65",
        }
    attributes: dict[str, Any] = {
        "name": device.name,
        "last_seen_at": iso(device.last_seen_at),
        "last_seen_ip": get("last_seen_ip"),
        "enrolled_at": iso(device.enrolled_at),
        "status": device.status,
        "enrollment_channels": get("enrollment_channels", []),
        "device_name": device.device_name,
        "auto_admin_name": get("auto_admin_name"),
        "os_version": get("os_version"),
        "build_version": get("build_version"),
        "supplemental_build_version": get("build_version"),
        "supplemental_os_version_extra": None,
        "model_name": get("model_name"),
        "model": get("model"),
        "product_name": get("product_name"),
        "unique_identifier": get("unique_identifier"),
        "serial_number": get("serial_number"),
        "processor_architecture": get("processor_architecture"),
        "imei": get("imei"),
        "meid": get("meid"),
        "device_capacity": get("device_capacity"),
        "available_device_capacity": get("available_device_capacity"),
        "battery_level": get("battery_level"),
        "modem_firmware_version": get("modem_firmware_version"),
        "iccid": get("iccid"),
        "bluetooth_mac": get("bluetooth_mac"),
        "ethernet_macs": get("ethernet_macs", []),
        "wifi_mac": get("wifi_mac"),
        "current_carrier_network": get("current_carrier_network"),
        "sim_carrier_network": None,
        "subscriber_carrier_network": get("subscriber_carrier_network"),
        "carrier_settings_version": get("carrier_settings_version"),
        "phone_number": get("phone_number"),
        "voice_roaming_enabled": get("voice_roaming_enabled"),
        "data_roaming_enabled": get("data_roaming_enabled"),
        "is_roaming": get("is_roaming"),
        "subscriber_mcc": get("subscriber_mcc"),
        "subscriber_mnc": get("subscriber_mnc"),
        "simmnc": None,
        "current_mcc": get("current_mcc"),
        "current_mnc": get("current_mnc"),
        "hardware_encryption_caps": get("hardware_encryption_caps"),
        "passcode_present": get("passcode_present"),
        "passcode_compliant": get("passcode_compliant"),
        "passcode_compliant_with_profiles": get("passcode_compliant_with_profiles"),
        "is_supervised": get("is_supervised"),
        "is_dep_enrollment": get("is_dep_enrollment"),
        "dep_enrolled": get("dep_enrolled", False),
        "dep_assigned": get("dep_assigned", False),
        "is_user_approved_enrollment": get("is_user_approved_enrollment"),
        "is_device_locator_service_enabled": get("is_device_locator_service_enabled"),
        "is_do_not_disturb_in_effect": get("is_do_not_disturb_in_effect"),
        "personal_hotspot_enabled": get("personal_hotspot_enabled"),
        "itunes_store_account_is_active": get("itunes_store_account_is_active"),
        "cellular_technology": get("cellular_technology"),
        "last_cloud_backup_date": None,
        "is_activation_lock_enabled": get("is_activation_lock_enabled"),
        "is_cloud_backup_enabled": get("is_cloud_backup_enabled"),
        "filevault_enabled": get("filevault_enabled"),
        "filevault_recovery_key": None,
        "lost_mode_enabled": device.lost_mode_enabled,
        "firmware_password_enabled": get("firmware_password_enabled"),
        "recovery_lock_password_enabled": get("recovery_lock_password_enabled"),
        "remote_desktop_enabled": device.remote_desktop_enabled,
        "time_zone": device.time_zone,
        "user_enrollment": False,
        "ddm_enabled": get("ddm_enabled", False),
        "firmware_password": None,
        "recovery_lock_password": None,
        "managed_apple_id": None,
        "firewall": get(
            "firewall", {"enabled": None, "block_all_incoming": None, "stealth_mode": None}
        ),
        "system_integrity_protection_enabled": get("system_integrity_protection_enabled"),
        "os_update": get("os_update", dict.fromkeys(_OS_UPDATE_KEYS)),
        "service_subscriptions": get("service_subscriptions", []),
        "location_latitude": location["lat"],
        "location_longitude": location["lon"],
        "location_accuracy": location["acc"],
        "location_updated_at": iso(device.location_updated_at),
    }
    if device.enrollment_url is not None:
        attributes["enrollment_url"] = device.enrollment_url
    values = []
    for name, value in device.custom_attribute_values.items():
        attribute = state.custom_attributes.get(name)
        secret = attribute.secret if attribute is not None else False
        if secret and not include_secret:
            continue
        values.append(
            {
                "type": "custom_attribute_value",
                "id": name,
                "attributes": {"secret": secret, "value": value},
            }
        )
    return resource(
        "device",
        device.id,
        attributes,
        {
            "device_group": rel_one("device_group", device.device_group_id),
            "custom_attribute_values": {"data": values},
        },
    )


def installed_app_json(app: InstalledApp, *, with_device: bool = False) -> dict[str, Any]:
    """An ``installed_app``; the app-installs listing adds the device relationship."""
    attributes = {
        "name": app.name,
        "identifier": app.identifier,
        "version": app.version,
        "short_version": app.short_version,
        "bundle_size": app.bundle_size,
        "dynamic_size": app.dynamic_size,
        "managed": app.managed,
        "discovered_at": iso(app.discovered_at),
        "last_seen_at": iso(app.last_seen_at),
    }
    relationships = {"device": rel_one("device", app.device_id)} if with_device else None
    return resource("installed_app", app.id, attributes, relationships)


def device_user_json(user: DeviceUser) -> dict[str, Any]:
    """A macOS local account, as in the recorded ``/devices/{id}/users``."""
    return resource(
        "device_user",
        user.id,
        {
            "username": user.username,
            "full_name": user.full_name,
            "uid": user.uid,
            "user_guid": user.user_guid,
            "data_quota": None,
            "data_used": None,
            "data_to_sync": False,
            "secure_token": user.secure_token,
            "logged_in": user.logged_in,
            "mobile_account": False,
        },
    )


_FAMILY = {"ios": "iPhone", "ipados": "iPad", "macos": "Mac", "tvos": "AppleTV"}
_OS = {"ios": "iOS", "ipados": "iOS", "macos": "OSX", "tvos": "tvOS"}


def dep_device_json(device: Device, dep_server_id: int) -> dict[str, Any]:
    """A DEP (Apple Business Manager) record; guessed from Apple's device fields."""
    gen = device.gen
    assert gen is not None
    enrolled = device.status == "enrolled"
    return resource(
        "dep_device",
        device.id,
        {
            "serial_number": gen.serial_number,
            "model": gen.model.model_name,
            "description": f"{gen.model.model_name.upper()} {int(gen.capacity)}GB",
            "color": "SPACE GRAY",
            "asset_tag": None,
            "profile_status": "pushed" if enrolled else "assigned",
            "profile_uuid": f"{gen.salt:016X}{gen.salt ^ 0x5A5A5A5A5A5A5A5A:016X}",
            "profile_assign_time": iso(gen.enrolled_at),
            "profile_push_time": iso(gen.enrolled_at) if enrolled else None,
            "device_assigned_date": iso((gen.enrolled_at or 0.0) - 86_400 * 3),
            "device_assigned_by": "purchasing@example.com",
            "os": _OS.get(gen.platform, "iOS"),
            "device_family": _FAMILY.get(gen.platform, "Mac"),
        },
        {
            "dep_server": rel_one("dep_server", dep_server_id),
            "device": rel_one("device", device.id if enrolled else None),
        },
    )
