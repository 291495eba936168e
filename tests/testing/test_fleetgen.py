"""Generated fleets: deterministic per seed, unique identities, realistic values, fast."""

from __future__ import annotations

import collections
import re

import pytest

from mdmkit.testing.fleetgen import (
    APPLE,
    AWAITING_ENROLLMENT,
    ENROLLED,
    MIXED,
    UNENROLLED,
    generate_apps,
    generate_devices,
    generate_fleet,
    generate_groups,
    installed_app_indices,
)


def _luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def test_100k_devices_are_unique_and_deterministic() -> None:
    # How fast generation is belongs in benchmarks/, never in a timed unit test.
    fleet = generate_fleet(100_000, seed=42)
    devices = fleet.devices
    assert [d.id for d in devices] == list(range(1, 100_001))
    assert len({d.serial_number for d in devices}) == 100_000
    assert len({d.udid for d in devices}) == 100_000
    again = generate_devices(200, seed=42)
    assert again == devices[:200]
    assert generate_devices(200, seed=43) != again


def test_apple_devices_look_real() -> None:
    devices = generate_devices(2_000, seed=1, platforms=APPLE)
    assert {d.platform for d in devices} == set(APPLE)
    for d in devices:
        assert re.fullmatch(r"[0-9A-HJ-NP-Z]{12}", d.serial_number)
        if d.platform == "ios":
            assert d.model.product_name.startswith("iPhone")
            assert d.imei is not None
            assert len(d.imei) == 15
            assert _luhn_ok(d.imei)
            assert d.name.endswith("'s iPhone")
        if d.platform == "macos":
            assert d.imei is None
            assert d.os_version.split(".")[0] in ("14", "15")
    products = {d.model.product_name for d in devices}
    assert {"iPhone16,2", "iPad13,16", "Mac15,3", "MacBookAir10,1", "AppleTV14,1"} <= products


def test_status_mix_and_timestamps() -> None:
    devices = generate_devices(5_000, seed=3, now=1_800_000_000.0)
    counts = collections.Counter(d.status for d in devices)
    assert counts[ENROLLED] > 4_000
    assert 100 < counts[AWAITING_ENROLLMENT] < 500
    assert 50 < counts[UNENROLLED] < 300
    for d in devices:
        if d.status == AWAITING_ENROLLMENT:
            assert d.enrolled_at is None
        else:
            assert d.enrolled_at is not None
            assert d.last_seen_at is not None
            assert d.enrolled_at <= d.last_seen_at <= 1_800_000_000.0


def test_mixed_fleet_has_android_and_windows() -> None:
    devices = generate_devices(2_000, seed=5, platforms=MIXED)
    by_platform = collections.Counter(d.platform for d in devices)
    assert by_platform["android"] > 300
    assert by_platform["windows"] > 200
    makers = {d.model.manufacturer for d in devices}
    assert {"samsung", "Google", "LENOVO", "Microsoft"} <= makers
    assert generate_devices(10, platforms=["windows"])[0].platform == "windows"
    with pytest.raises(ValueError, match="unknown"):
        generate_devices(1, platforms=["blackberry"])


def test_groups_membership_and_apps() -> None:
    fleet = generate_fleet(1_000, seed=9, groups=["Sales", "Kiosks", "Engineering"])
    assert [g.name for g in fleet.groups] == ["Sales", "Kiosks", "Engineering"]
    assert all(1 <= len(d.groups) <= 2 for d in fleet.devices)
    assert any(len(d.groups) == 2 for d in fleet.devices)
    assert len(generate_groups(20)) == 20
    apps = generate_apps()
    assert {"store", "enterprise"} == {a.kind for a in apps}
    assert all(a.store_id for a in apps if a.kind == "store")
    assert len({a.bundle_id for a in apps}) == len(apps)
    assert len(generate_apps(60)) == 60
    phone = next(d for d in fleet.devices if d.platform == "ios" and d.status == ENROLLED)
    installed = installed_app_indices(phone, fleet.apps)
    assert installed == installed_app_indices(phone, fleet.apps)
    assert all(fleet.apps[i].platform == "ios" for i in installed)
