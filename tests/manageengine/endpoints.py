"""Every ManageEngine native method, and a registry proving each has a test against the fake."""

from __future__ import annotations

from tests.registry import Registry

REGISTRY = Registry()
COVERED = REGISTRY.covered
covers = REGISTRY.covers

M = "/api/v1/mdm"
ENDPOINTS: list[tuple[str, str, str]] = [
    ("GET", f"{M}/apps", "apps.list"),
    ("POST", f"{M}/apps", "apps.create"),
    ("GET", f"{M}/apps/{{app_id}}", "apps.get"),
    ("PUT", f"{M}/apps/{{app_id}}/labels/{{release_label_id}}", "apps.update"),
    ("POST", f"{M}/apps/{{app_id}}/labels/{{release_label_id}}/approve", "apps.approve"),
    ("POST", f"{M}/apps/{{app_id}}/labels/{{release_label_id}}/devices", "apps.associate_devices"),
    ("POST", f"{M}/apps/{{app_id}}/labels/{{release_label_id}}/groups", "apps.associate_groups"),
    ("DELETE", f"{M}/apps/{{app_id}}/devices/{{device_id}}", "apps.disassociate_device"),
    ("DELETE", f"{M}/apps/{{app_id}}/groups/{{group_id}}", "apps.disassociate_group"),
    ("DELETE", f"{M}/apps/{{app_id}}", "apps.delete"),
    ("DELETE", f"{M}/apps/{{app_id}}/labels/{{release_label_id}}/delete", "apps.delete_version"),
    ("POST", f"{M}/labels", "labels.create"),
    ("POST", "/emsapi/files", "files.upload"),
    ("GET", f"{M}/files/{{file_id}}/status", "files.status"),
    ("GET", f"{M}/devices", "devices.list"),
    ("GET", f"{M}/devices/{{device_id}}", "devices.get"),
    ("PUT", f"{M}/devices/{{device_id}}", "devices.update"),
    ("GET", f"{M}/devices/{{device_id}}/summary", "devices.summary"),
    ("GET", f"{M}/devices/{{device_id}}/apps", "devices.installed_apps"),
    ("GET", f"{M}/devices/{{device_id}}/actions", "devices.available_actions"),
    ("POST", f"{M}/devices/{{device_id}}/actions/{{action}}", "devices.run_action"),
    ("POST", f"{M}/devices/{{device_id}}/actions/lock", "devices.lock"),
    ("POST", f"{M}/devices/{{device_id}}/actions/complete_wipe", "devices.complete_wipe"),
    ("POST", f"{M}/devices/{{device_id}}/actions/corporate_wipe", "devices.corporate_wipe"),
    ("POST", f"{M}/devices/{{device_id}}/actions/restart", "devices.restart"),
    ("POST", f"{M}/devices/{{device_id}}/actions/shutdown", "devices.shutdown"),
    ("POST", f"{M}/devices/{{device_id}}/actions/scan", "devices.scan"),
    ("POST", f"{M}/devices/{{device_id}}/actions/remote_alarm", "devices.remote_alarm"),
    ("POST", f"{M}/devices/{{device_id}}/actions/enable_lost_mode", "devices.enable_lost_mode"),
    ("POST", f"{M}/devices/{{device_id}}/actions/disable_lost_mode", "devices.disable_lost_mode"),
    ("POST", f"{M}/devices/{{device_id}}/actions/clear_passcode", "devices.clear_passcode"),
    ("POST", f"{M}/devices/{{device_id}}/actions/fetch_location", "devices.fetch_location"),
    ("POST", f"{M}/actions/{{action}}", "devices.run_bulk_action"),
    ("GET", f"{M}/groups", "groups.list"),
    ("POST", f"{M}/groups", "groups.create"),
    ("GET", f"{M}/groups/{{group_id}}", "groups.get"),
    ("DELETE", f"{M}/groups/{{group_id}}", "groups.delete"),
    ("POST", f"{M}/groups/{{group_id}}/members", "groups.add_members"),
    ("DELETE", f"{M}/groups/{{group_id}}/members/{{member_id}}", "groups.remove_member"),
    ("GET", f"{M}/users", "users.list"),
    ("GET", f"{M}/users/{{user_id}}", "users.get"),
    ("GET", f"{M}/profiles", "profiles.list"),
    # helpers beyond the table: the enterprise flow and polling
    ("POST", "/emsapi/files + POST /apps", "apps.create_enterprise"),
    ("GET", f"{M}/files/{{file_id}}/status (polled)", "files.wait"),
]
