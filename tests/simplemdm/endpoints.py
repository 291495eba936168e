"""The 123 SimpleMDM endpoints and a registry proving each one has a test against the fake.

An endpoint test is decorated ``@covers("devices.lock")``; ``test_endpoint_coverage`` checks
the registry against this table at collection time, whatever order tests run in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])

COVERED: dict[str, list[str]] = {}

ENDPOINTS: list[tuple[str, str, str]] = [
    ("GET", "/account", "account.get"),
    ("PATCH", "/account", "account.update"),
    ("GET", "/apps", "apps.list"),
    ("GET", "/apps/{APP_ID}", "apps.get"),
    ("POST", "/apps", "apps.create"),
    ("PATCH", "/apps/{APP_ID}", "apps.update"),
    ("DELETE", "/apps/{APP_ID}", "apps.delete"),
    ("GET", "/apps/{APP_ID}/installs", "apps.installs"),
    ("POST", "/apps/{APP_ID}/munki_pkginfo", "apps.update_munki_pkginfo"),
    ("DELETE", "/apps/{APP_ID}/munki_pkginfo", "apps.delete_munki_pkginfo"),
    ("GET", "/apps/{APP_ID}/managed_configs", "managed_configs.list"),
    ("POST", "/apps/{APP_ID}/managed_configs", "managed_configs.create"),
    ("DELETE", "/apps/{APP_ID}/managed_configs/{MANAGED_CONFIG_ID}", "managed_configs.delete"),
    ("POST", "/apps/{APP_ID}/managed_configs/push", "managed_configs.push"),
    ("GET", "/assignment_groups", "assignment_groups.list"),
    ("GET", "/assignment_groups/{ID}", "assignment_groups.get"),
    ("POST", "/assignment_groups", "assignment_groups.create"),
    ("PATCH", "/assignment_groups/{ID}", "assignment_groups.update"),
    ("DELETE", "/assignment_groups/{ID}", "assignment_groups.delete"),
    ("POST", "/assignment_groups/{ID}/apps/{APP_ID}", "assignment_groups.assign_app"),
    ("DELETE", "/assignment_groups/{ID}/apps/{APP_ID}", "assignment_groups.unassign_app"),
    (
        "POST",
        "/assignment_groups/{ID}/device_groups/{DG_ID}",
        "assignment_groups.assign_device_group",
    ),
    (
        "DELETE",
        "/assignment_groups/{ID}/device_groups/{DG_ID}",
        "assignment_groups.unassign_device_group",
    ),
    ("POST", "/assignment_groups/{ID}/devices/{DEVICE_ID}", "assignment_groups.assign_device"),
    ("DELETE", "/assignment_groups/{ID}/devices/{DEVICE_ID}", "assignment_groups.unassign_device"),
    ("POST", "/assignment_groups/{ID}/profiles/{PROFILE_ID}", "assignment_groups.assign_profile"),
    (
        "DELETE",
        "/assignment_groups/{ID}/profiles/{PROFILE_ID}",
        "assignment_groups.unassign_profile",
    ),
    ("POST", "/assignment_groups/{ID}/push_apps", "assignment_groups.push_apps"),
    ("POST", "/assignment_groups/{ID}/update_apps", "assignment_groups.update_apps"),
    ("POST", "/assignment_groups/{ID}/sync_profiles", "assignment_groups.sync_profiles"),
    ("POST", "/assignment_groups/{ID}/clone", "assignment_groups.clone"),
    ("GET", "/custom_attributes", "custom_attributes.list"),
    ("GET", "/custom_attributes/{ID}", "custom_attributes.get"),
    ("POST", "/custom_attributes", "custom_attributes.create"),
    ("PATCH", "/custom_attributes/{ID}", "custom_attributes.update"),
    ("DELETE", "/custom_attributes/{ID}", "custom_attributes.delete"),
    ("GET", "/devices/{DEVICE_ID}/custom_attribute_values", "custom_attributes.get_device_values"),
    (
        "PUT",
        "/devices/{DEVICE_ID}/custom_attribute_values/{NAME}",
        "custom_attributes.set_device_value",
    ),
    ("PUT", "/devices/{DEVICE_ID}/custom_attribute_values", "custom_attributes.set_device_values"),
    ("PUT", "/custom_attribute_values/{NAME}", "custom_attributes.set_value_for_devices"),
    ("GET", "/device_groups/{DG_ID}/custom_attribute_values", "custom_attributes.get_group_values"),
    (
        "PUT",
        "/device_groups/{DG_ID}/custom_attribute_values/{NAME}",
        "custom_attributes.set_group_value",
    ),
    ("GET", "/custom_configuration_profiles", "custom_configuration_profiles.list"),
    ("POST", "/custom_configuration_profiles", "custom_configuration_profiles.create"),
    ("PATCH", "/custom_configuration_profiles/{ID}", "custom_configuration_profiles.update"),
    (
        "GET",
        "/custom_configuration_profiles/{ID}/download",
        "custom_configuration_profiles.download",
    ),
    ("DELETE", "/custom_configuration_profiles/{ID}", "custom_configuration_profiles.delete"),
    (
        "POST",
        "/custom_configuration_profiles/{ID}/device_groups/{DG_ID}",
        "custom_configuration_profiles.assign_device_group",
    ),
    (
        "DELETE",
        "/custom_configuration_profiles/{ID}/device_groups/{DG_ID}",
        "custom_configuration_profiles.unassign_device_group",
    ),
    (
        "POST",
        "/custom_configuration_profiles/{ID}/devices/{DEVICE_ID}",
        "custom_configuration_profiles.assign_device",
    ),
    (
        "DELETE",
        "/custom_configuration_profiles/{ID}/devices/{DEVICE_ID}",
        "custom_configuration_profiles.unassign_device",
    ),
    ("GET", "/dep_servers", "dep_servers.list"),
    ("GET", "/dep_servers/{ID}", "dep_servers.get"),
    ("POST", "/dep_servers/{ID}/sync", "dep_servers.sync"),
    ("GET", "/dep_servers/{ID}/dep_devices", "dep_servers.list_devices"),
    ("GET", "/dep_servers/{ID}/dep_devices/{DEP_DEVICE_ID}", "dep_servers.get_device"),
    ("GET", "/devices", "devices.list"),
    ("GET", "/devices/{DEVICE_ID}", "devices.get"),
    ("POST", "/devices", "devices.create"),
    ("PATCH", "/devices/{DEVICE_ID}", "devices.update"),
    ("DELETE", "/devices/{DEVICE_ID}", "devices.delete"),
    ("GET", "/devices/{DEVICE_ID}/profiles", "devices.profiles"),
    ("GET", "/devices/{DEVICE_ID}/installed_apps", "devices.installed_apps"),
    ("GET", "/devices/{DEVICE_ID}/users", "devices.users"),
    ("DELETE", "/devices/{DEVICE_ID}/users/{USER_ID}", "devices.delete_user"),
    ("POST", "/devices/{DEVICE_ID}/push_apps", "devices.push_apps"),
    ("POST", "/devices/{DEVICE_ID}/refresh", "devices.refresh"),
    ("POST", "/devices/{DEVICE_ID}/restart", "devices.restart"),
    ("POST", "/devices/{DEVICE_ID}/shutdown", "devices.shutdown"),
    ("POST", "/devices/{DEVICE_ID}/lock", "devices.lock"),
    ("POST", "/devices/{DEVICE_ID}/clear_passcode", "devices.clear_passcode"),
    ("POST", "/devices/{DEVICE_ID}/clear_firmware_password", "devices.clear_firmware_password"),
    ("POST", "/devices/{DEVICE_ID}/rotate_firmware_password", "devices.rotate_firmware_password"),
    (
        "POST",
        "/devices/{DEVICE_ID}/clear_recovery_lock_password",
        "devices.clear_recovery_lock_password",
    ),
    (
        "POST",
        "/devices/{DEVICE_ID}/clear_restrictions_password",
        "devices.clear_restrictions_password",
    ),
    (
        "POST",
        "/devices/{DEVICE_ID}/rotate_recovery_lock_password",
        "devices.rotate_recovery_lock_password",
    ),
    ("POST", "/devices/{DEVICE_ID}/rotate_filevault_key", "devices.rotate_filevault_key"),
    ("POST", "/devices/{DEVICE_ID}/set_admin_password", "devices.set_admin_password"),
    ("POST", "/devices/{DEVICE_ID}/rotate_admin_password", "devices.rotate_admin_password"),
    ("POST", "/devices/{DEVICE_ID}/wipe", "devices.wipe"),
    ("POST", "/devices/{DEVICE_ID}/update_os", "devices.update_os"),
    ("POST", "/devices/{DEVICE_ID}/remote_desktop", "devices.enable_remote_desktop"),
    ("DELETE", "/devices/{DEVICE_ID}/remote_desktop", "devices.disable_remote_desktop"),
    ("POST", "/devices/{DEVICE_ID}/bluetooth", "devices.enable_bluetooth"),
    ("DELETE", "/devices/{DEVICE_ID}/bluetooth", "devices.disable_bluetooth"),
    ("POST", "/devices/{DEVICE_ID}/set_time_zone", "devices.set_time_zone"),
    ("POST", "/devices/{DEVICE_ID}/unenroll", "devices.unenroll"),
    ("POST", "/devices/{DEVICE_ID}/lost_mode", "devices.enable_lost_mode"),
    ("DELETE", "/devices/{DEVICE_ID}/lost_mode", "devices.disable_lost_mode"),
    ("POST", "/devices/{DEVICE_ID}/lost_mode/play_sound", "devices.lost_mode_play_sound"),
    ("POST", "/devices/{DEVICE_ID}/lost_mode/update_location", "devices.lost_mode_update_location"),
    ("GET", "/device_groups", "device_groups.list"),
    ("GET", "/device_groups/{DG_ID}", "device_groups.get"),
    ("POST", "/device_groups/{DG_ID}/devices/{DEVICE_ID}", "device_groups.assign_device"),
    ("POST", "/device_groups/{DG_ID}/clone", "device_groups.clone"),
    ("GET", "/enrollments", "enrollments.list"),
    ("GET", "/enrollments/{ID}", "enrollments.get"),
    ("POST", "/enrollments/{ID}/invitations", "enrollments.send_invitation"),
    ("DELETE", "/enrollments/{ID}", "enrollments.delete"),
    ("GET", "/installed_apps/{ID}", "installed_apps.get"),
    ("POST", "/installed_apps/{ID}/request_management", "installed_apps.request_management"),
    ("POST", "/installed_apps/{ID}/update", "installed_apps.update"),
    ("DELETE", "/installed_apps/{ID}", "installed_apps.uninstall"),
    ("GET", "/logs", "logs.list"),
    ("GET", "/logs/{ID}", "logs.get"),
    ("GET", "/profiles", "profiles.list"),
    ("GET", "/profiles/{ID}", "profiles.get"),
    ("POST", "/profiles/{ID}/device_groups/{DG_ID}", "profiles.assign_device_group"),
    ("DELETE", "/profiles/{ID}/device_groups/{DG_ID}", "profiles.unassign_device_group"),
    ("POST", "/profiles/{ID}/devices/{DEVICE_ID}", "profiles.assign_device"),
    ("DELETE", "/profiles/{ID}/devices/{DEVICE_ID}", "profiles.unassign_device"),
    ("GET", "/push_certificate", "push_certificate.get"),
    ("PUT", "/push_certificate", "push_certificate.update"),
    ("GET", "/push_certificate/scsr", "push_certificate.get_signed_csr"),
    ("GET", "/scripts", "scripts.list"),
    ("GET", "/scripts/{ID}", "scripts.get"),
    ("POST", "/scripts", "scripts.create"),
    ("PATCH", "/scripts/{ID}", "scripts.update"),
    ("DELETE", "/scripts/{ID}", "scripts.delete"),
    ("GET", "/script_jobs", "script_jobs.list"),
    ("GET", "/script_jobs/{ID}", "script_jobs.get"),
    ("POST", "/script_jobs", "script_jobs.create"),
    ("DELETE", "/script_jobs/{ID}", "script_jobs.cancel"),
]


def covers(*names: str) -> Callable[[F], F]:
    """Mark a test as the one that exercises these native methods against the fake."""

    def mark(test: F) -> F:
        for name in names:
            COVERED.setdefault(name, []).append(getattr(test, "__name__", repr(test)))
        return test

    return mark
