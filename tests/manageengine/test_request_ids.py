"""Ids inside ManageEngine request bodies are checked before anything is sent.

ManageEngine ids are numbers (Java longs): a body id must be an int or a string of digits,
and goes out as an exact JSON number. Everything else is an InvalidRequestError naming the
field, and the fake receives nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from mdmkit.core.errors import InvalidRequestError
from mdmkit.manageengine import ManageEngine, ManageEngineClient
from mdmkit.manageengine.resources._base import numeric_id, numeric_ids
from mdmkit.testing import FakeClock, FakeManageEngine
from tests.contract.conftest import manageengine_on

pytestmark = pytest.mark.anyio

HOSTILE = ["1/wipe", "../1", "1?x=2", " 12", "12 ", "012", "1\r\n", "١٢٣", "", "-1", "abc"]
HOSTILE_VALUES: list[Any] = [*HOSTILE, -1, 2**63, True, 12.0, None, b"12", ["12"]]
APP, LABEL = 108870000003000001, 108870000004000001
Call = Callable[[ManageEngineClient], Awaitable[object]]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_body_id_refuses_what_is_not_a_number(value: Any) -> None:
    with pytest.raises(InvalidRequestError, match="app_category_id") as info:
        numeric_id(value, "app_category_id")
    assert info.value.field == "app_category_id"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 0), ("0", 0), (121, 121), ("121", 121), ("9223372036854775807", 2**63 - 1)],
)
def test_body_id_keeps_numbers_exact(value: object, expected: int) -> None:
    assert numeric_id(value, "id") == expected


@pytest.mark.parametrize("values", ["123", b"123", {"1": 2}, 5, [], ["1", "x"]])
def test_body_ids_wants_a_list_of_ids(values: Any) -> None:
    with pytest.raises(InvalidRequestError, match="device_ids"):
        numeric_ids(values, "device_ids")


CALLS: dict[str, Callable[[Any], Call]] = {
    "apps.create app_category_id": lambda bad: (
        lambda me: me.apps.create(
            app_name="X", app_type=1, bundle_identifier="com.x", app_category_id=bad
        )
    ),
    "apps.create app_file": lambda bad: (
        lambda me: me.apps.create(app_name="X", app_type=3, app_file=bad)
    ),
    "apps.create release_label_id": lambda bad: (
        lambda me: me.apps.create(app_name="X", app_type=1, release_label_id=bad)
    ),
    "apps.update app_category_id": lambda bad: (
        lambda me: me.apps.update(APP, LABEL, app_category_id=bad)
    ),
    "apps.associate_devices": lambda bad: (
        lambda me: me.apps.associate_devices(APP, LABEL, [108870000001000001, bad])
    ),
    "apps.associate_groups": lambda bad: lambda me: me.apps.associate_groups(APP, LABEL, [bad]),
    "devices.run_bulk_action device_ids": lambda bad: (
        lambda me: me.devices.run_bulk_action("restart", device_ids=[bad])
    ),
    "devices.run_bulk_action group_ids": lambda bad: (
        lambda me: me.devices.run_bulk_action("restart", group_ids=[bad])
    ),
    "groups.add_members": lambda bad: lambda me: me.groups.add_members(108870000005000001, [bad]),
}


@pytest.fixture
async def fake(clock: FakeClock) -> AsyncIterator[FakeManageEngine]:
    async with FakeManageEngine(devices=5, seed=1, clock=clock) as server:
        yield server


@pytest.mark.parametrize("bad", ["1/wipe", " 12", True])  # every value: see numeric_id's tests
@pytest.mark.parametrize("name", CALLS)
async def test_hostile_body_ids_are_refused_before_sending(
    fake: FakeManageEngine, me: ManageEngineClient, name: str, bad: Any
) -> None:
    with pytest.raises(InvalidRequestError):
        await CALLS[name](bad)(me)
    assert fake.requests.all() == []


async def test_neutral_assignments_check_target_ids_first(
    fake: FakeManageEngine, clock: FakeClock
) -> None:
    async with manageengine_on(fake, clock) as mdm:
        assert isinstance(mdm, ManageEngine)
        with pytest.raises(InvalidRequestError, match="devices"):
            await mdm.assignments.assign(str(APP), devices=["abc"])
        with pytest.raises(InvalidRequestError, match="groups"):
            await mdm.assignments.assign(str(APP), groups=["12 "])
    assert fake.requests.all() == []


async def test_body_ids_go_out_as_exact_json_numbers(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    device_id = next(iter(fake.state.devices))
    await me.devices.run_bulk_action("restart", device_ids=[str(device_id)])
    (request,) = fake.requests.filter(method="POST")
    assert request.json == {"device_ids": [device_id]}
    assert str(device_id).encode() in request.body
