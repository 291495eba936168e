"""Record pieces shared by the fakes' stores.

:class:`DeviceActivity` is what every fake keeps of the commands a device received, so tests
read ``device.commands``, ``lock_count`` or ``lost_mode_enabled`` the same way on any vendor.
"""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["DeviceActivity"]


@attrs.define(slots=True, eq=False)
class DeviceActivity:
    """The commands a device received and their lasting effects (keyword-only fields).

    ``commands`` lists every command, as ``(name, arguments)``, in order.
    """

    commands: list[tuple[str, dict[str, Any]]] = attrs.field(factory=list, kw_only=True)
    lock_count: int = attrs.field(default=0, kw_only=True)
    last_lock_message: str | None = attrs.field(default=None, kw_only=True)
    last_lock_phone_number: str | None = attrs.field(default=None, kw_only=True)
    lost_mode_enabled: bool = attrs.field(default=False, kw_only=True)
    lost_mode_message: str | None = attrs.field(default=None, kw_only=True)
    lost_mode_phone_number: str | None = attrs.field(default=None, kw_only=True)
    wipe_count: int = attrs.field(default=0, kw_only=True)
    wiped: bool = attrs.field(default=False, kw_only=True)

    def command_names(self) -> list[str]:
        """The names of the commands received, in order."""
        return [name for name, _ in self.commands]

    def record_lock(self, message: str | None, phone_number: str | None) -> None:
        """One more lock, with what the lock screen shows."""
        self.lock_count += 1
        self.last_lock_message, self.last_lock_phone_number = message, phone_number

    def record_lost_mode(self, message: str | None, phone_number: str | None) -> None:
        """Lost mode on, with its message and phone number."""
        self.lost_mode_enabled = True
        self.lost_mode_message, self.lost_mode_phone_number = message, phone_number

    def record_wipe(self) -> None:
        """One more wipe: the device is wiped and leaves lost mode."""
        self.wipe_count += 1
        self.wiped = True
        self.lost_mode_enabled = False
