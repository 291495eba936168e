"""Device actions: ``run_action`` sends any action by name; the named ones are typed shortcuts.

Actions are queued by the server (202); they return None. ``run_bulk_action`` runs one action
on many devices or groups and reports per device.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from mdmkit.core.errors import InvalidRequestError
from mdmkit.http.convert import structure_model
from mdmkit.http.params import check_digits
from mdmkit.http.paths import path_id
from mdmkit.manageengine.models import BulkActionResult
from mdmkit.manageengine.resources._base import API, Id, Resource, numeric_ids

__all__ = ["BULK_ACTIONS", "KNOWN_ACTIONS", "DeviceActions"]

KNOWN_ACTIONS = frozenset(
    {
        "scan",
        "lock",
        "remote_alarm",
        "complete_wipe",
        "corporate_wipe",
        "clear_passcode",
        "reset_passcode",
        "fetch_location",
        "enable_lost_mode",
        "disable_lost_mode",
        "restart",
        "shutdown",
        "scheduled_restart",
        "scheduled_shutdown",
        "pause_kiosk",
        "re_apply_kiosk",
        "clear_app_data",
        "remote_control",
        "remote_view",
        "remote_debug",
        "unlock_user_account",
        "rotate_filevault_personal_key",
        "logout_user",
    }
)
BULK_ACTIONS = frozenset(
    {"shutdown", "restart", "clear_app_data", "enable_lost_mode", "disable_lost_mode"}
)
_NAME = re.compile(r"[a-z][a-z0-9_]*")


def action_name(name: object) -> str:
    """An action name: lower-case letters, digits and underscores (any such name is sent)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidRequestError(f"not an action name: {name!r}", field="action")
    return name


class DeviceActions(Resource):
    """The action routes under ``/api/v1/mdm/devices/{id}/actions`` and ``/actions``."""

    async def run_action(self, device_id: Id, action: str, **body: Any) -> None:
        """Send any action by name, with ``body`` as its JSON fields."""
        path = f"{API}/devices/{path_id(device_id, 'device_id')}/actions/{action_name(action)}"
        fields = {name: value for name, value in body.items() if value is not None}
        await self._send("POST", path, json=fields)

    async def lock(
        self,
        device_id: Id,
        *,
        lock_message: str | None = None,
        phone_number: str | None = None,
        unlock_pin: str | int | None = None,
        email_sent_to_user: bool | None = None,
    ) -> None:
        """Lock the device, optionally with a message, a phone number and (macOS) a PIN."""
        await self.run_action(
            device_id,
            "lock",
            lock_message=lock_message,
            phone_number=phone_number,
            unlock_pin=None if unlock_pin is None else check_digits(unlock_pin, "unlock_pin"),
            email_sent_to_user=email_sent_to_user,
        )

    async def complete_wipe(
        self,
        device_id: Id,
        *,
        wipe_sd_card: bool | None = None,
        wipe_but_retain_mdm: bool | None = None,
        wipe_lock_pin: str | int | None = None,
    ) -> None:
        """Erase the device to factory settings."""
        await self.run_action(
            device_id,
            "complete_wipe",
            wipe_sd_card=wipe_sd_card,
            wipe_but_retain_mdm=wipe_but_retain_mdm,
            wipe_lock_pin=None
            if wipe_lock_pin is None
            else check_digits(wipe_lock_pin, "wipe_lock_pin"),
        )

    async def corporate_wipe(self, device_id: Id) -> None:
        """Remove MDM and corporate data, keeping personal data."""
        await self.run_action(device_id, "corporate_wipe")

    async def restart(self, device_id: Id) -> None:
        """Restart the device."""
        await self.run_action(device_id, "restart")

    async def shutdown(self, device_id: Id) -> None:
        """Shut the device down."""
        await self.run_action(device_id, "shutdown")

    async def scan(self, device_id: Id) -> None:
        """Ask the device to report its inventory again."""
        await self.run_action(device_id, "scan")

    async def remote_alarm(self, device_id: Id) -> None:
        """Make the device ring (Android)."""
        await self.run_action(device_id, "remote_alarm")

    async def enable_lost_mode(
        self,
        device_id: Id,
        *,
        lock_message: str | None = None,
        phone_number: str | None = None,
        **extra: Any,
    ) -> None:
        """Put the device in lost mode with a message and a number to call."""
        await self.run_action(
            device_id,
            "enable_lost_mode",
            lock_message=lock_message,
            phone_number=phone_number,
            **extra,
        )

    async def disable_lost_mode(self, device_id: Id) -> None:
        """Take the device out of lost mode."""
        await self.run_action(device_id, "disable_lost_mode")

    async def clear_passcode(self, device_id: Id) -> None:
        """Remove the device's passcode."""
        await self.run_action(device_id, "clear_passcode")

    async def fetch_location(self, device_id: Id) -> None:
        """Ask the device for its location."""
        await self.run_action(device_id, "fetch_location")

    async def run_bulk_action(
        self,
        action: str,
        *,
        device_ids: Iterable[Id] | None = None,
        group_ids: Iterable[Id] | None = None,
    ) -> BulkActionResult:
        """Run one action on many devices and groups; the result says what ran where.

        The server accepts shutdown, restart, clear_app_data, enable_lost_mode and
        disable_lost_mode in bulk.
        """
        devices = (
            None if device_ids is None else numeric_ids(device_ids, "device_ids", required=False)
        )
        groups = None if group_ids is None else numeric_ids(group_ids, "group_ids", required=False)
        if not devices and not groups:
            raise InvalidRequestError("give device_ids or group_ids", field="device_ids")
        body: dict[str, Any] = {}
        if devices:
            body["device_ids"] = devices
        if groups:
            body["group_ids"] = groups
        response = await self._send("POST", f"{API}/actions/{action_name(action)}", json=body)
        data = response.json()
        return structure_model(self._converter, data if data is not None else {}, BulkActionResult)
