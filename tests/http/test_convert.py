"""The tolerant converter: what vendors send, and what it refuses."""

from __future__ import annotations

import math
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
    to_float,
    to_int,
    to_str,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),  # ManageEngine's is_removed, some tenants
        ("false", False),
        ("TRUE", True),
        ("False", False),
    ],
)
def test_to_bool(value: object, expected: bool) -> None:
    assert to_bool(value) is expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "yes",
        "no",
        "off",
        "on",
        "t",
        "f",
        "1",
        "0",
        " true",
        "true\n",
        1,
        0,
        2,
        1.0,
        None,
        [True],
    ],
)
def test_to_bool_refuses_what_no_vendor_documents(value: object) -> None:
    with pytest.raises(ValueError, match="not a boolean"):
        to_bool(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(121, 121), ("121", 121), ("0", 0), ("-5", -5), (0, 0), (-3, -3), (10**30, 10**30)],
)
def test_to_int(value: object, expected: int) -> None:
    assert to_int(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "\u0661\u0662\u0663",  # Arabic-Indic digits: int() would read 123
        "\uff11\uff12",  # full-width digits
        121.0,
        5.5,
        float(2**60),
        " 121",
        "121 ",
        "0121",
        "+121",
        "1\r\n",
        "1_000",
        "",
        "-",
        True,
        False,
        None,
        [1],
        {"id": 1},
    ],
)
def test_to_int_refuses_text_that_would_become_another_id(value: object) -> None:
    with pytest.raises(ValueError, match="not an integer"):
        to_int(value)


def test_to_int_keeps_19_digit_ids_exact() -> None:
    big = 9_007_199_254_740_993  # 2**53 + 1: a float would round it
    assert to_int(big) == big
    assert to_int(str(big)) == big
    assert to_int("1234567890123456789") == 1234567890123456789


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (250.0, 250.0),
        (128, 128.0),
        ("75.13421212355", 75.13421212355),  # SimpleMDM's location_latitude, recorded
        ("-14.313565422", -14.313565422),
        ("60", 60.0),
        ("1e3", 1000.0),
        ("0.5", 0.5),
    ],
)
def test_to_float(value: object, expected: float) -> None:
    assert to_float(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        math.nan,
        math.inf,
        -math.inf,
        "nan",
        "NaN",
        "inf",
        "Infinity",
        "1e999",
        10**400,
        "\u0661.5",
        " 1.5",
        "1.5 ",
        "1_000.5",
        ".5",
        "1.",
        "90%",
        "",
        True,
        None,
        [1.0],
    ],
)
def test_to_float_refuses_non_finite_and_non_decimal_values(value: object) -> None:
    with pytest.raises(ValueError, match="not a finite number"):
        to_float(value)


@pytest.mark.parametrize(
    ("value", "expected"), [("x", "x"), ("", ""), (121, "121"), (2.5, "2.5"), (10**20, str(10**20))]
)
def test_to_str(value: object, expected: str) -> None:
    assert to_str(value) == expected


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, True, None, [], {}])
def test_to_str_refuses_non_finite_numbers_and_non_scalars(value: object) -> None:
    with pytest.raises(ValueError, match="not a string"):
        to_str(value)


@pytest.mark.parametrize(
    "value",
    [
        10**20,
        -(10**20),
        1e300,
        "99999999999999999999",
        math.nan,
        math.inf,
        "\u0661\u0667\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0660",
        "\uff12\uff10\uff12\uff14-01-01",
    ],
)
def test_to_datetime_refuses_absurd_epochs_and_foreign_digits(value: object) -> None:
    with pytest.raises(ValueError, match="not a date"):
        to_datetime(value)


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
        with pytest.raises(ValueError, match="not a date"):
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


@attrs.frozen(kw_only=True)
class Part:
    name: str


@attrs.frozen(kw_only=True)
class Holder:
    ids: list[int] = attrs.Factory(list)
    parts: tuple[Part, ...] = ()
    kinds: frozenset[str] = frozenset()
    extra: Mapping[str, Any] = attrs.Factory(dict)
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


def test_lists_tuples_sets_and_mappings_structure_from_their_json_shapes() -> None:
    data = {"ids": [1, "2"], "parts": [{"name": "a"}], "kinds": ["x", "x"], "extra": {"k": 1}}
    held = structure_model(make_converter(), data, Holder)
    assert held == Holder(
        ids=[1, 2], parts=(Part(name="a"),), kinds=frozenset({"x"}), extra={"k": 1}
    )


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("tags", {"a": 1, "b": 2}, "expected a JSON array, got an object"),  # not ("a", "b")
        ("tags", "abc", "expected a JSON array, got a string"),  # not ("a", "b", "c")
        ("tags", 7, "expected a JSON array, got int"),
    ],
)
def test_a_list_field_takes_only_a_json_array(field: str, value: object, problem: str) -> None:
    with pytest.raises(ResponseFormatError, match=problem):
        structure_model(make_converter(), {"id": 1, field: value}, Thing)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"ids": {"1": 1}}, "expected a JSON array, got an object"),
        ({"ids": "12"}, "expected a JSON array, got a string"),
        ({"parts": {"name": "a"}}, "expected a JSON array, got an object"),
        ({"kinds": "ab"}, "expected a JSON array, got a string"),
        ({"kinds": {"a": 1}}, "expected a JSON array, got an object"),
        ({"extra": ["k", 1]}, "expected a JSON object, got list"),
        ({"extra": "k"}, "expected a JSON object, got a string"),
        ({"ids": [1, "0121"]}, "not an integer"),
    ],
)
def test_collections_of_the_wrong_shape_are_refused(data: dict[str, Any], problem: str) -> None:
    with pytest.raises(ResponseFormatError, match=problem):
        structure_model(make_converter(), data, Holder)


def test_a_refused_model_shows_a_bounded_excerpt_of_any_data() -> None:
    deep: Any = []
    for _ in range(100_000):  # repr() of this recurses past any limit
        deep = [deep]
    with pytest.raises(ResponseFormatError, match="Thing does not match") as info:
        structure_model(make_converter(), {"id": "x", "extra": deep}, Thing)
    assert len(info.value.excerpt) <= 200
    with pytest.raises(ResponseFormatError, match="expected an object for Thing, got list"):
        structure_model(make_converter(), deep, Thing)
