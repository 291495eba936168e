"""Devices: inventory, and every command SimpleMDM can queue for a device (including lost mode).

Commands return None: SimpleMDM only queues them (202) and the device acts when it checks in.
"""

from __future__ import annotations

from collections.abc import Coroutine, Sequence
from typing import Any, Literal, get_args

from mdmkit.core.errors import InvalidRequestError
from mdmkit.core.ids import checked_id
from mdmkit.core.pagination import Paginator
from mdmkit.http.params import check_choice, check_digits, check_text, form_fields, id_list
from mdmkit.http.paths import path_id
from mdmkit.http.response import Response
from mdmkit.simplemdm.models import Device, DeviceUser, InstalledApp, Profile
from mdmkit.simplemdm.resources._base import MAX_PAGE_SIZE, Direction, Id, Resource, flag

__all__ = ["OS_UPDATE_MODES", "VERSION_TYPES", "Devices"]

OsUpdateMode = Literal[
    "smart_update", "download_only", "notify_only", "install_asap", "force_update"
]
VersionType = Literal["latest_minor_version", "latest_major_version"]
OS_UPDATE_MODES = get_args(OsUpdateMode)
VERSION_TYPES = get_args(VersionType)


class Devices(Resource):
    """``/devices``: list, get, create, update, delete, and device commands."""

    def list(
        self,
        *,
        search: str | None = None,
        include_awaiting_enrollment: bool | None = None,
        include_secret_custom_attributes: bool | None = None,
        limit: int = MAX_PAGE_SIZE,
        starting_after: Id | None = None,
        direction: Direction | None = None,
        parallel: bool = False,
    ) -> Paginator[Device]:
        """Every device; ``search`` matches name, UDID, serial, IMEI, MAC or phone number.

        ``parallel=True`` reads the whole list from both ends at once (about half the time of
        one page after another), in no particular order; see docs/performance.md."""
        params = {
            "search": search,
            "include_awaiting_enrollment": flag(
                include_awaiting_enrollment, "include_awaiting_enrollment"
            ),
            "include_secret_custom_attributes": flag(
                include_secret_custom_attributes, "include_secret_custom_attributes"
            ),
        }
        return self._paginate(
            "/devices",
            Device,
            params=params,
            limit=limit,
            starting_after=starting_after,
            direction=direction,
            parallel=parallel,
        )

    async def get(
        self, device_id: Id, *, include_secret_custom_attributes: bool | None = None
    ) -> Device:
        """One device."""
        secrets = flag(include_secret_custom_attributes, "include_secret_custom_attributes")
        params = {"include_secret_custom_attributes": "true"} if secrets == "true" else None
        return await self._one(
            "GET", f"/devices/{path_id(device_id, 'device_id')}", Device, params=params
        )

    async def create(
        self,
        *,
        name: str,
        group_id: Id | None = None,
        static_group_ids: Sequence[Id] | None = None,
    ) -> Device:
        """A device record awaiting enrollment; its ``enrollment_url`` enrolls one device.

        ``static_group_ids`` (New Groups Experience) replaces the deprecated ``group_id``.
        """
        fields = form_fields(
            name=check_text(name, "name"),
            group_id=None if group_id is None else checked_id(group_id, "group_id"),
        )
        for group in id_list(static_group_ids or (), "static_group_ids"):
            fields.append(("static_group_ids[]", group))
        return await self._one("POST", "/devices", Device, form=fields)

    async def update(
        self, device_id: Id, *, name: str | None = None, device_name: str | None = None
    ) -> Device:
        """Rename a device in SimpleMDM (``name``) or on the device itself (``device_name``)."""
        if name is None and device_name is None:
            raise InvalidRequestError("give name, device_name or both", field="name")
        fields = form_fields(
            name=None if name is None else check_text(name, "name"),
            device_name=None if device_name is None else check_text(device_name, "device_name"),
        )
        return await self._one(
            "PATCH", f"/devices/{path_id(device_id, 'device_id')}", Device, form=fields
        )

    async def delete(self, device_id: Id) -> None:
        """Unenroll a device and remove it from the account."""
        await self._send("DELETE", f"/devices/{path_id(device_id, 'device_id')}")

    def profiles(
        self,
        device_id: Id,
        *,
        limit: int = MAX_PAGE_SIZE,
        starting_after: Id | None = None,
        direction: Direction | None = None,
    ) -> Paginator[Profile]:
        """Profiles assigned directly to the device (not those it gets through groups)."""
        path = f"/devices/{path_id(device_id, 'device_id')}/profiles"
        return self._paginate(
            path, Profile, limit=limit, starting_after=starting_after, direction=direction
        )

    def installed_apps(
        self,
        device_id: Id,
        *,
        limit: int = MAX_PAGE_SIZE,
        starting_after: Id | None = None,
        direction: Direction | None = None,
    ) -> Paginator[InstalledApp]:
        """The apps installed on the device."""
        path = f"/devices/{path_id(device_id, 'device_id')}/installed_apps"
        return self._paginate(
            path, InstalledApp, limit=limit, starting_after=starting_after, direction=direction
        )

    def users(
        self,
        device_id: Id,
        *,
        limit: int = MAX_PAGE_SIZE,
        starting_after: Id | None = None,
        direction: Direction | None = None,
    ) -> Paginator[DeviceUser]:
        """The user accounts on a macOS device."""
        path = f"/devices/{path_id(device_id, 'device_id')}/users"
        return self._paginate(
            path, DeviceUser, limit=limit, starting_after=starting_after, direction=direction
        )

    async def delete_user(self, device_id: Id, user_id: Id) -> None:
        """Delete a user from a supervised macOS device (422 on other devices)."""
        path = f"/devices/{path_id(device_id, 'device_id')}/users/{path_id(user_id, 'user_id')}"
        await self._send("DELETE", path)

    def _command(
        self,
        device_id: Id,
        action: str,
        *,
        method: str = "POST",
        fields: Sequence[tuple[str, str]] | None = None,
    ) -> Coroutine[Any, Any, Response]:
        """The request for one device command, for the caller to await (no frame of its own;
        callers pass ``form_fields(...)`` inline, so no empty list waits in theirs)."""
        path = f"/devices/{path_id(device_id, 'device_id')}/{action}"
        return self._send(method, path, form=fields or None)

    async def push_apps(self, device_id: Id) -> None:
        """Install every assigned app that the device does not have yet."""
        await self._command(device_id, "push_apps")

    async def refresh(self, device_id: Id) -> None:
        """Ask the device to report its inventory again (SimpleMDM may answer 429)."""
        await self._command(device_id, "refresh")

    async def restart(
        self,
        device_id: Id,
        *,
        rebuild_kernel_cache: bool | None = None,
        notify_user: bool | None = None,
    ) -> None:
        """Restart the device (macOS options: rebuild the kernel cache, let the user decide)."""
        await self._command(
            device_id,
            "restart",
            fields=form_fields(
                rebuild_kernel_cache=flag(rebuild_kernel_cache, "rebuild_kernel_cache"),
                notify_user=flag(notify_user, "notify_user"),
            ),
        )

    async def shutdown(self, device_id: Id) -> None:
        """Shut the device down."""
        await self._command(device_id, "shutdown")

    async def lock(
        self,
        device_id: Id,
        *,
        message: str | None = None,
        phone_number: str | None = None,
        pin: str | int | None = None,
    ) -> None:
        """Lock the device, optionally showing a message and phone number.

        macOS devices need ``pin`` (6 digits); iOS devices refuse one.
        """
        await self._command(
            device_id,
            "lock",
            fields=form_fields(
                message=message,
                phone_number=phone_number,
                pin=None if pin is None else check_digits(pin, "pin", count=6),
            ),
        )

    async def clear_passcode(self, device_id: Id) -> None:
        """Unlock the device and remove its passcode."""
        await self._command(device_id, "clear_passcode")

    async def clear_firmware_password(self, device_id: Id) -> None:
        """Remove a firmware password that SimpleMDM set."""
        await self._command(device_id, "clear_firmware_password")

    async def rotate_firmware_password(self, device_id: Id) -> None:
        """Rotate a firmware password that SimpleMDM set."""
        await self._command(device_id, "rotate_firmware_password")

    async def clear_recovery_lock_password(self, device_id: Id) -> None:
        """Remove a recovery lock password that SimpleMDM set."""
        await self._command(device_id, "clear_recovery_lock_password")

    async def clear_restrictions_password(self, device_id: Id) -> None:
        """Clear the restrictions password and the restrictions (iOS and iPadOS)."""
        await self._command(device_id, "clear_restrictions_password")

    async def rotate_recovery_lock_password(self, device_id: Id) -> None:
        """Rotate a recovery lock password that SimpleMDM set."""
        await self._command(device_id, "rotate_recovery_lock_password")

    async def rotate_filevault_key(self, device_id: Id) -> None:
        """Rotate the FileVault recovery key (SimpleMDM must know the current one)."""
        await self._command(device_id, "rotate_filevault_key")

    async def set_admin_password(self, device_id: Id, *, new_password: str) -> None:
        """Set the macOS Auto Admin password."""
        fields = form_fields(new_password=check_text(new_password, "new_password"))
        await self._command(device_id, "set_admin_password", fields=fields)

    async def rotate_admin_password(self, device_id: Id) -> None:
        """Rotate the macOS Auto Admin password."""
        await self._command(device_id, "rotate_admin_password")

    async def wipe(self, device_id: Id, *, pin: str | int | None = None) -> None:
        """Erase the device to factory settings; it leaves SimpleMDM.

        Macs without a T2 chip need ``pin`` (6 digits); iOS and T2 Macs refuse one.
        """
        await self._command(
            device_id,
            "wipe",
            fields=form_fields(pin=None if pin is None else check_digits(pin, "pin", count=6)),
        )

    async def update_os(
        self,
        device_id: Id,
        *,
        os_update_mode: OsUpdateMode | None = None,
        version_type: VersionType | None = None,
    ) -> None:
        """Update the OS; macOS needs ``os_update_mode``, iOS ignores it."""
        if os_update_mode is not None:
            check_choice(os_update_mode, OS_UPDATE_MODES, "os_update_mode")
        if version_type is not None:
            check_choice(version_type, VERSION_TYPES, "version_type")
        await self._command(
            device_id,
            "update_os",
            fields=form_fields(os_update_mode=os_update_mode, version_type=version_type),
        )

    async def enable_remote_desktop(self, device_id: Id) -> None:
        """Turn Remote Desktop on (macOS 10.14.4+)."""
        await self._command(device_id, "remote_desktop")

    async def disable_remote_desktop(self, device_id: Id) -> None:
        """Turn Remote Desktop off (macOS 10.14.4+)."""
        await self._command(device_id, "remote_desktop", method="DELETE")

    async def enable_bluetooth(self, device_id: Id) -> None:
        """Turn Bluetooth on."""
        await self._command(device_id, "bluetooth")

    async def disable_bluetooth(self, device_id: Id) -> None:
        """Turn Bluetooth off."""
        await self._command(device_id, "bluetooth", method="DELETE")

    async def set_time_zone(self, device_id: Id, *, time_zone: str) -> None:
        """Set the device's time zone to a TZ identifier such as "Europe/Paris"."""
        fields = form_fields(time_zone=check_text(time_zone, "time_zone"))
        await self._command(device_id, "set_time_zone", fields=fields)

    async def unenroll(self, device_id: Id) -> None:
        """Unenroll the device."""
        await self._command(device_id, "unenroll")

    async def enable_lost_mode(
        self,
        device_id: Id,
        *,
        message: str | None = None,
        phone_number: str | None = None,
        footnote: str | None = None,
    ) -> None:
        """Put the device in lost mode; a message or a phone number is required."""
        if not message and not phone_number:
            raise InvalidRequestError(
                "lost mode needs a message or a phone number", field="message"
            )
        await self._command(
            device_id,
            "lost_mode",
            fields=form_fields(message=message, phone_number=phone_number, footnote=footnote),
        )

    async def disable_lost_mode(self, device_id: Id) -> None:
        """Take the device out of lost mode."""
        await self._command(device_id, "lost_mode", method="DELETE")

    async def lost_mode_play_sound(self, device_id: Id) -> None:
        """Make a device in lost mode play a sound."""
        await self._command(device_id, "lost_mode/play_sound")

    async def lost_mode_update_location(self, device_id: Id) -> None:
        """Ask a device in lost mode for its current location."""
        await self._command(device_id, "lost_mode/update_location")
