"""Webhook bodies become typed events; malformed ones raise InvalidWebhookError."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from mdmkit.core.errors import InvalidWebhookError
from mdmkit.simplemdm.webhooks import (
    AbmDeviceAdded,
    DeviceChangedGroup,
    DeviceEnrolled,
    DeviceLockEnabled,
    DeviceUnenrolled,
    TestEvent,
    UnknownEvent,
    parse_webhook,
    token_matches,
)

AT = "2024-03-01T12:00:00.000-07:00"
DEVICE = {"id": 121, "udid": "4A08359C-1D3A", "serial_number": "DNFJE9DNG5MG", "device_group_id": 3}


def event(kind: str, data: Any, at: str = AT) -> bytes:
    return json.dumps({"type": kind, "at": at, "data": data}).encode()


def test_device_enrolled() -> None:
    parsed = parse_webhook(event("device.enrolled", {"device": DEVICE}))
    assert isinstance(parsed, DeviceEnrolled)
    assert parsed.device.id == 121
    assert parsed.device.serial_number == "DNFJE9DNG5MG"
    assert parsed.device.device_group_id == 3
    assert parsed.at.utcoffset() == timedelta(hours=-7)


def test_device_unenrolled_from_text() -> None:
    parsed = parse_webhook(event("device.unenrolled", {"device": DEVICE}).decode())
    assert isinstance(parsed, DeviceUnenrolled)
    assert parsed.device.udid == "4A08359C-1D3A"


def test_changed_group_carries_every_device() -> None:
    parsed = parse_webhook(
        event("device.changed_group", {"devices": [DEVICE, {**DEVICE, "id": 122}]})
    )
    assert isinstance(parsed, DeviceChangedGroup)
    assert [d.id for d in parsed.devices] == [121, 122]


def test_lock_enabled_with_and_without_device() -> None:
    with_device = parse_webhook(event("device.lock.enabled", {"device": DEVICE}))
    assert isinstance(with_device, DeviceLockEnabled)
    assert with_device.device is not None
    assert with_device.device.id == 121
    bare = parse_webhook(event("device.lock.enabled", {}))
    assert isinstance(bare, DeviceLockEnabled)
    assert bare.device is None


def test_abm_device_without_an_id_yet() -> None:
    parsed = parse_webhook(
        event("abm.device.added", {"device": {"serial_number": "C02XK1ABJG5J", "model": "Mac15,3"}})
    )
    assert isinstance(parsed, AbmDeviceAdded)
    assert parsed.device.id is None
    assert parsed.device.model == "Mac15,3"


def test_test_event_and_unknown_types() -> None:
    assert isinstance(parse_webhook(event("test_event", {})), TestEvent)
    unknown = parse_webhook(event("device.teleported", {"where": "moon"}))
    assert isinstance(unknown, UnknownEvent)
    assert unknown.type == "device.teleported"
    assert unknown.data == {"where": "moon"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[]", "JSON object"),
        (b'{"at": "2024-01-01T00:00:00Z", "data": {}}', "no event 'type'"),
        (b'{"type": "test_event", "at": "last tuesday", "data": {}}', "not a timestamp"),
        (b'{"type": "test_event", "data": {}}', "not a timestamp"),
        (b'{"type": "test_event", "at": "2024-01-01T00:00:00Z", "data": [1]}', "must be an object"),
        (event("device.enrolled", {}), "must be an object"),
        (event("device.enrolled", {"device": {"id": "not-a-number"}}), "WebhookDevice"),
        (event("device.changed_group", {"device": DEVICE}), "'devices' list"),
        (event("device.changed_group", {"devices": [5]}), r"devices\[0\]"),
        # hostile bodies: every one an InvalidWebhookError, never anything else
        (b"[" * 5000 + b"]" * 5000, "nested deeper than"),
        (b'{"type": "test_event", "at": 1e300, "data": {}}', "not a timestamp"),
        (b'{"type": "test_event", "at": -1e18, "data": {}}', "not a timestamp"),
        (b'{"type": "test_event", "at": NaN, "data": {}}', "holds NaN"),
        (b'{"type": "test_event", "at": Infinity, "data": {}}', "holds Infinity"),
        (b'{"type": "test_event", "at": "2024-01-01T00:00:00Z", "data": []}', "must be an object"),
        (b'{"type": "test_event", "at": "2024-01-01T00:00:00Z", "data": 0}', "must be an object"),
        (b'{"type": "test_event", "at": "2024-01-01T00:00:00Z", "data": ""}', "must be an object"),
        (event("device.enrolled", {"device": {"id": 1, "serial_number": [1]}}), "WebhookDevice"),
    ],
)
def test_malformed_bodies_raise(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidWebhookError, match=message):
        parse_webhook(raw)


def test_token_matches() -> None:
    assert token_matches("s3cret", "s3cret")
    assert not token_matches("s3cre", "s3cret")
    assert not token_matches(None, "s3cret")
    with pytest.raises(ValueError, match="must not be empty"):
        token_matches("x", "")
