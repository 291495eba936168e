"""The scope table in docs/manageengine.md is true: each neutral call listed in a row works
with exactly that row's scopes, and fails with ``PermissionDeniedError`` without any one.

Runs against a FakeManageEngine whose refresh token carries only the scopes under test; its
uploads stay pending a few (virtual) seconds, as a real tenant's do, so uploads poll.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from mdmkit import ManageEngine, PermissionDeniedError
from mdmkit.testing import FakeClock, FakeManageEngine

pytestmark = pytest.mark.anyio

PAGE = Path(__file__).resolve().parent.parent / "docs" / "manageengine.md"
TABLE = re.compile(r"<!-- scopes-table -->\n(.*?)\n\n", re.DOTALL)
PREFIX = "MDMOnDemand."
APK = b"PK\x03\x04 an Android app"


def documented() -> list[tuple[str, tuple[str, ...]]]:
    """(neutral call, scopes) for every call the table names."""
    match = TABLE.search(PAGE.read_text())
    assert match, "docs/manageengine.md lost its <!-- scopes-table --> marker"
    rows = []
    for line in match.group(1).splitlines()[2:]:
        calls, scopes = line.strip("|").split("|")
        for call in re.findall(r"`([a-z_]+\.[a-z_]+)`", calls):
            rows.append((call, tuple(PREFIX + s for s in re.findall(r"`([A-Za-z.]+)`", scopes))))
    return rows


Call = Callable[[ManageEngine, FakeManageEngine], Awaitable[Any]]


def _phone(fake: FakeManageEngine) -> str:
    return str(
        next(
            d.id
            for d in fake.state.devices.values()
            if d.platform == "android" and d.managed_status == 2
        )
    )


def _app(fake: FakeManageEngine) -> str:
    return str(next(iter(fake.state.apps)))


def _group(fake: FakeManageEngine) -> str:
    return str(next(iter(fake.state.groups)))


CALLS: dict[str, Call] = {
    "devices.list": lambda mdm, fake: mdm.devices.list().collect(),
    "devices.get": lambda mdm, fake: mdm.devices.get(_phone(fake)),
    "devices.lock": lambda mdm, fake: mdm.devices.lock(_phone(fake), message="Lost"),
    "devices.wipe": lambda mdm, fake: mdm.devices.wipe(_phone(fake)),
    "devices.restart": lambda mdm, fake: mdm.devices.restart(_phone(fake)),
    "devices.shutdown": lambda mdm, fake: mdm.devices.shutdown(_phone(fake)),
    "devices.refresh": lambda mdm, fake: mdm.devices.refresh(_phone(fake)),
    "devices.clear_passcode": lambda mdm, fake: mdm.devices.clear_passcode(_phone(fake)),
    "devices.enable_lost_mode": lambda mdm, fake: mdm.devices.enable_lost_mode(
        _phone(fake), message="Lost"
    ),
    "devices.disable_lost_mode": lambda mdm, fake: mdm.devices.disable_lost_mode(_phone(fake)),
    "devices.run": lambda mdm, fake: mdm.devices.run("restart", [_phone(fake)]),
    "apps.list": lambda mdm, fake: mdm.apps.list().collect(),
    "apps.get": lambda mdm, fake: mdm.apps.get(_app(fake)),
    "apps.upload": lambda mdm, fake: mdm.apps.upload(APK, filename="Field.apk"),
    "apps.add_from_store": lambda mdm, fake: mdm.apps.add_from_store("com.example.notes"),
    "apps.delete": lambda mdm, fake: mdm.apps.delete(_app(fake)),
    "groups.list": lambda mdm, fake: mdm.groups.list().collect(),
    "groups.get": lambda mdm, fake: mdm.groups.get(_group(fake)),
    "groups.members": lambda mdm, fake: mdm.groups.members(_group(fake)).collect(),
    "groups.create": lambda mdm, fake: mdm.groups.create("Field team"),
    "groups.add_device": lambda mdm, fake: mdm.groups.add_device(_group(fake), _phone(fake)),
    "groups.remove_device": lambda mdm, fake: mdm.groups.remove_device(_group(fake), _phone(fake)),
    "assignments.assign": lambda mdm, fake: mdm.assignments.assign(
        _app(fake), groups=[_group(fake)]
    ),
    "assignments.unassign": lambda mdm, fake: mdm.assignments.unassign(
        _app(fake), groups=[_group(fake)]
    ),
}

SETUP: dict[str, Call] = {  # done first, with every scope
    "groups.remove_device": CALLS["groups.add_device"],
    "assignments.unassign": CALLS["assignments.assign"],
}


async def permitted(call: str, scopes: tuple[str, ...]) -> bool:
    """Whether ``call`` succeeds for a token holding only ``scopes``."""
    clock = FakeClock()
    async with FakeManageEngine(devices=8, seed=1, clock=clock, upload_delay=4) as fake:
        if call in SETUP:
            async with fake.mdm() as everything:
                await SETUP[call](everything, fake)
        fake.refresh_token = fake.accounts.new_refresh_token(scopes)
        async with fake.mdm() as mdm:
            return await _permitted(call, mdm, fake)


async def _permitted(call: str, mdm: ManageEngine, fake: FakeManageEngine) -> bool:
    try:
        result = await CALLS[call](mdm, fake)
    except PermissionDeniedError:
        return False
    if call == "devices.run":  # a bulk run reports per device instead of raising
        return all(not isinstance(outcome.error, PermissionDeniedError) for outcome in result)
    return True


ROWS = documented()


def test_the_table_names_every_neutral_call() -> None:
    assert sorted(call for call, _ in ROWS) == sorted(CALLS)


@pytest.mark.parametrize(("call", "scopes"), ROWS, ids=[call for call, _ in ROWS])
async def test_the_documented_scopes_suffice_and_each_is_needed(
    call: str, scopes: tuple[str, ...]
) -> None:
    assert await permitted(call, scopes), f"{call} failed with {scopes}"
    for missing in scopes:
        fewer = tuple(scope for scope in scopes if scope != missing)
        assert not await permitted(call, fewer), f"{call} works without {missing}"
