"""SimpleMDM webhook events as typed objects, parsed from the raw request body.

Works the same from aiohttp (``parse_webhook(await request.read())``) and FastAPI
(``parse_webhook(await request.body())``). SimpleMDM does not sign webhooks: put a secret
token in the URL, compare it with ``token_matches``, and treat the payload as a hint to
re-read the device through the API. ``WebhookReceiver`` (``webhook_receiver.py``) does all of
that for a service, with glue for aiohttp and FastAPI in modules of their own.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import reprlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from mdmkit.core.errors import InvalidWebhookError, ResponseFormatError
from mdmkit.http import jsonbody
from mdmkit.http.convert import make_converter, structure_model, to_datetime

__all__ = [
    "AbmDeviceAdded",
    "DeviceChangedGroup",
    "DeviceEnrolled",
    "DeviceLockEnabled",
    "DeviceUnenrolled",
    "TestEvent",
    "UnknownEvent",
    "WebhookDevice",
    "WebhookEvent",
    "parse_webhook",
    "token_matches",
]

_converter = make_converter()


@attrs.frozen(kw_only=True)
class WebhookDevice:
    """The few device fields a webhook carries (an ABM device may have no ``id`` yet)."""

    id: int | None = None
    udid: str | None = None
    serial_number: str | None = None
    device_group_id: int | None = None
    model: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class WebhookEvent:
    """Every event: its ``type``, when it happened (``at``), and its ``data`` as sent."""

    type: str
    at: datetime
    data: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    @property
    def delivery_key(self) -> str:
        """The same for every delivery of one event (SimpleMDM sends no event id): a SHA-256 of
        ``type``, ``at`` (as an instant) and ``data``, to recognise a delivery seen before."""
        at = self.at.astimezone(UTC) if self.at.tzinfo is not None else self.at
        canonical = json.dumps(
            [self.type, at.isoformat(), self.data],
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            default=str,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


@attrs.frozen(kw_only=True)
class DeviceEnrolled(WebhookEvent):
    """``device.enrolled``: a device finished enrolling."""

    device: WebhookDevice


@attrs.frozen(kw_only=True)
class DeviceUnenrolled(WebhookEvent):
    """``device.unenrolled``: a device left the account."""

    device: WebhookDevice


@attrs.frozen(kw_only=True)
class DeviceChangedGroup(WebhookEvent):
    """``device.changed_group``: one or more devices moved group (one event, many devices)."""

    devices: tuple[WebhookDevice, ...]


@attrs.frozen(kw_only=True)
class DeviceLockEnabled(WebhookEvent):
    """``device.lock.enabled``: a device was locked (payload undocumented; device if sent)."""

    device: WebhookDevice | None = None


@attrs.frozen(kw_only=True)
class AbmDeviceAdded(WebhookEvent):
    """``abm.device.added``: Apple Business Manager assigned a new device to the account."""

    device: WebhookDevice


@attrs.frozen(kw_only=True)
class TestEvent(WebhookEvent):
    """``test_event``: the admin pressed the test button."""

    __test__ = False  # not a pytest test class


@attrs.frozen(kw_only=True)
class UnknownEvent(WebhookEvent):
    """An event type this SDK does not know yet; ``type`` and ``data`` are as sent."""


EVENT_TYPES: dict[str, type[WebhookEvent]] = {
    "device.enrolled": DeviceEnrolled,
    "device.unenrolled": DeviceUnenrolled,
    "device.changed_group": DeviceChangedGroup,
    "device.lock.enabled": DeviceLockEnabled,
    "abm.device.added": AbmDeviceAdded,
    "test_event": TestEvent,
}


def _device(value: object, where: str) -> WebhookDevice:
    if not isinstance(value, Mapping):
        raise InvalidWebhookError(f"{where} must be an object, got {reprlib.repr(value)}")
    try:
        return structure_model(_converter, value, WebhookDevice)
    except ResponseFormatError as exc:
        raise InvalidWebhookError(f"{where}: {exc}") from exc


def parse_webhook(body: bytes | str) -> WebhookEvent:
    """The typed event in a webhook body; InvalidWebhookError if it is not a valid envelope."""
    try:
        envelope = jsonbody.loads(body)
    except jsonbody.InvalidJSONError as exc:
        raise InvalidWebhookError(
            f"webhook body is not JSON mdmkit accepts ({exc.problem})"
        ) from None
    if not isinstance(envelope, Mapping):
        raise InvalidWebhookError("webhook body must be a JSON object")
    kind = envelope.get("type")
    if not isinstance(kind, str) or not kind:
        raise InvalidWebhookError("webhook body has no event 'type'")
    try:
        at = to_datetime(envelope.get("at"))
    except (ValueError, OverflowError, OSError) as exc:  # a date out of range overflows
        raise InvalidWebhookError(
            f"webhook 'at' is not a timestamp: {reprlib.repr(envelope.get('at'))}"
        ) from exc
    data = envelope.get("data")
    data = {} if data is None else data
    if not isinstance(data, Mapping):
        raise InvalidWebhookError(f"webhook 'data' must be an object, got {reprlib.repr(data)}")

    cls = EVENT_TYPES.get(kind, UnknownEvent)
    fields: dict[str, Any] = {"type": kind, "at": at, "data": data}
    if cls is DeviceChangedGroup:
        devices = data.get("devices")
        if not isinstance(devices, list):
            raise InvalidWebhookError("device.changed_group needs a 'devices' list")
        fields["devices"] = tuple(_device(d, f"devices[{i}]") for i, d in enumerate(devices))
    elif cls in (DeviceEnrolled, DeviceUnenrolled, AbmDeviceAdded):
        fields["device"] = _device(data.get("device"), f"{kind} data.device")
    elif cls is DeviceLockEnabled and data.get("device") is not None:
        fields["device"] = _device(data["device"], f"{kind} data.device")
    return cls(**fields)


def token_matches(received: str | None, expected: str) -> bool:
    """Whether a token from the webhook URL equals yours, compared in constant time."""
    if not expected:
        raise ValueError("the expected webhook token must not be empty")
    return received is not None and hmac.compare_digest(received.encode(), expected.encode())
