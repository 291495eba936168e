"""The tolerant converter: what vendors send, and what it refuses."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdmkit.core.errors import ResponseFormatError
from mdmkit.http.convert import (
    make_converter,
    structure_model,
    to_bool,
    to_datetime,
    to_int,
    to_str,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("true", True),
        ("false", False),
        ("TRUE", True),
        ("1", True),
        ("0", False),
        ("", False),
        ("yes", True),
    ],
)
def test_to_bool(value: object, expected: bool) -> None:
    assert to_bool(value) is expected


@pytest.mark.parametrize("value", ["maybe", 2, None, 1.0, [True]])
def test_to_bool_refuses(value: object) -> None:
    with pytest.raises(ValueError, match="not a boolean"):
        to_bool(value)


def test_to_int_keeps_19_digit_ids_exact() -> None:
    big = 9_007_199_254_740_993  # 2**53 + 1: a float would round it
    assert to_int(big) == big
    assert to_int(str(big)) == big
    assert to_int("1234567890123456789") == 1234567890123456789
    assert to_int(5.0) == 5
    for bad in (True, 5.5, "12a", float(2**60), None):
        with pytest.raises(ValueError, match="not an integer"):
            to_int(bad)


@given(st.integers(min_value=10**16, max_value=10**19 - 1))
def test_to_int_round_trips_long_ids_through_text(number: int) -> None:
    assert to_int(str(number)) == number
    assert to_str(number) == str(number)


def test_to_datetime_variants_are_aware() -> None:
    iso = to_datetime("2022-06-21T21:09:52.000Z")
    assert iso == datetime(2022, 6, 21, 21, 9, 52, tzinfo=UTC)
    offset = to_datetime("2021-11-08T09:02:07.000-08:00")
    assert offset.utcoffset() == timedelta(hours=-8)
    assert to_datetime(1_700_000_000_000) == datetime.fromtimestamp(1_700_000_000, tz=UTC)
    assert to_datetime("1700000000000") == to_datetime(1_700_000_000)
    assert to_datetime("2024-01-01T00:00:00").tzinfo is UTC
    local = datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=2)))
    assert to_datetime(local) is local
    bad_values: list[object] = ["yesterday", None, True, {}]
    for bad in bad_values:
        with pytest.raises(ValueError, match=r"date|Invalid isoformat"):
            to_datetime(bad)


@given(st.datetimes(timezones=st.just(UTC)))
def test_iso_round_trip(moment: datetime) -> None:
    assert to_datetime(moment.isoformat()) == moment


@attrs.frozen(kw_only=True)
class Thing:
    id: int
    flag: bool | None = None
    when: datetime | None = None
    tags: tuple[str, ...] = ()
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


def test_structure_model_keeps_raw_and_ignores_unknown_fields() -> None:
    data = {"id": "77", "flag": "true", "when": 0, "tags": ["a"], "brand_new_field": 1}
    thing = structure_model(make_converter(), data, Thing)
    assert thing == Thing(id=77, flag=True, when=datetime(1970, 1, 1, tzinfo=UTC), tags=("a",))
    assert thing.raw["brand_new_field"] == 1
    assert "raw" not in repr(thing)


def test_structure_model_names_the_bad_field() -> None:
    with pytest.raises(ResponseFormatError, match=r"Thing does not match.*flag"):
        structure_model(make_converter(), {"id": 1, "flag": "perhaps"}, Thing)
    with pytest.raises(ResponseFormatError, match="expected an object"):
        structure_model(make_converter(), [1, 2], Thing)
    with pytest.raises(ResponseFormatError):
        structure_model(make_converter(), {"flag": True}, Thing)  # id missing
