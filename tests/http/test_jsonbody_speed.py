"""The speed extra changes nothing but the time: orjson and json give the same data, each
value with its type, and the same InvalidJSONError (same words) for every body refused."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mdmkit.http import jsonbody
from mdmkit.http.jsonbody import MAX_DEPTH, InvalidJSONError
from tests.http.test_generated import typed
from tests.http.test_parsers_property import HOSTILE_BODIES, JSON_VALUES, TOKENS

orjson = pytest.importorskip("orjson", reason="orjson (the speed extra) is not installed")

BOTH = settings(max_examples=200, deadline=None)


def outcome(body: bytes | str, fast: bool) -> Any:
    jsonbody.use_fast_decoder(fast)
    try:
        return ("value", typed(jsonbody.loads(body)))
    except InvalidJSONError as error:
        return ("error", error.problem, str(error))
    finally:
        jsonbody.use_fast_decoder(True)


def same_both_ways(body: bytes | str) -> Any:
    with_speed, without = outcome(body, True), outcome(body, False)
    assert with_speed == without, body[:200]
    return with_speed


@pytest.fixture
def orjson_calls(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The bodies orjson was asked to decode (the real orjson still decodes them)."""
    calls: list[bytes] = []

    def counted(body: bytes) -> Any:
        calls.append(body)
        return orjson.loads(body)

    monkeypatch.setattr(jsonbody, "_load_fast", lambda: counted if jsonbody._fast_enabled else None)
    monkeypatch.setattr(jsonbody, "_fast", jsonbody._UNLOADED)
    return calls


BIG = [
    b"18446744073709551616",  # 2**64: orjson alone makes it a float
    b"[-9223372036854775809]",  # below int64
    b'{"id": 123456789012345678901234567890}',
    b'{"ids": [9223372036854775807, 18446744073709551615, -9223372036854775808]}',  # fit
    b'{"iccid": "89014103211118510720", "imei": "356938035643809"}',  # digits in strings
    b'{"x": 12345678901234567890.5, "y": 1e19, "z": 1.8446744073709552e19}',
    b'{"a": "x 123456789012345678901"}',  # a long run inside a string, after a space
    b"[" + b"1" * 25 + b"]",
    b"1" * 5000,  # past Python's digit limit
]
HOSTILE = [
    b"NaN",
    b'{"battery": NaN}',
    b"[Infinity]",
    b"[-1e400]",
    b"1e999",
    b'"\\ud800"',
    b'["\\udc00x"]',
    b'"\xed\xa0\x80"',  # a surrogate written in UTF-8: json keeps it, orjson refuses it
    '["\ud800"]'.encode("utf-16-le", "surrogatepass"),  # UTF-16, which orjson cannot read
    "[1, 2]".encode("utf-16"),
    b"\xef\xbb\xbf{}",  # a byte order mark
    b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),
    b"[" * MAX_DEPTH + b"]" * MAX_DEPTH,
    b'{"a":' * MAX_DEPTH + b"{}" + b"}" * MAX_DEPTH,
    b'{"a":' * (MAX_DEPTH - 1) + b'{"b": 1}' + b"}" * (MAX_DEPTH - 1),
    b"[" * 2000 + b"]" * 2000,
    b'{"a": 1, "a": {"b": 2}}',  # a duplicate key: the last wins, at the first one's place
    b"",
    b" ",
    b"01",
    b"[1,]",
    b'"\x01"',
    b'"\\u0000"',
    b"\xff",
    b"-0",
    b"-0.0",
    b"4.9e-324",
    b"2.5e-324",
    b"0.1e-400",
    b"1.7976931348623157e308",
    b"1.7976931348623159e308",
]


@pytest.mark.parametrize("body", BIG + HOSTILE)
def test_every_hostile_or_big_body_gives_the_same_outcome(body: bytes) -> None:
    same_both_ways(body)


@pytest.mark.parametrize("body", BIG[:3] + BIG[-2:])
def test_integers_past_64_bits_stay_exact_integers(body: bytes) -> None:
    kind, value = same_both_ways(body)[:2]
    if kind == "value":
        assert "float" not in repr(value[:1]) or b"." in body


def test_the_integer_check_reads_numbers_not_strings() -> None:
    check: Callable[[bytes], bool] = jsonbody._may_not_fit_64_bits
    assert check(b"[18446744073709551616]")
    assert check(b"[-9223372036854775809]")
    assert not check(b"[18446744073709551615, -9223372036854775808, 9999999999999999999]")
    assert not check(b'["89014103211118510720", "-99999999999999999999"]')
    assert not check(b"[1.123456789012345678901234]")  # a fraction, not an integer


_LONG_NUMBER = re.compile(rb'(?<!["0-9.eE+-])-?[0-9]{19,}')  # the rule, said as a pattern


def by_the_pattern(body: bytes) -> bool:
    """The integer check's rule read by a regex over the whole body (what it once ran)."""
    return any(
        len(n) > 21 or int(n) not in range(-(2**63), 2**64) for n in _LONG_NUMBER.findall(body)
    )


NEAR_64_BITS = st.tuples(
    st.sampled_from(["", "-", "--", "e", "e-", '"', ".", " ", "[", ":"]),
    st.sampled_from(["18446744073709551615", "18446744073709551616", "9223372036854775808"])
    | st.sampled_from(["9223372036854775809", "9" * 19, "1" * 22, "0" * 19]),
).map("".join)
NUMBERISH = st.lists(
    NEAR_64_BITS | st.sampled_from(list('0123456789-"+.eE ,[a')) | st.text("0123456789"),
    max_size=8,
).map(lambda parts: "".join(parts).encode())


@BOTH
@given(body=NUMBERISH)
@example(body=b"[-9223372036854775809]")  # a minus sign before 19 digits
@example(body=b"[1e-9223372036854775809, 0.18446744073709551616]")  # exponent and fraction
@example(body=b'[" 18446744073709551616", "--9223372036854775809"]')
def test_the_integer_check_finds_what_the_pattern_finds(body: bytes) -> None:
    assert jsonbody._may_not_fit_64_bits(body) == by_the_pattern(body), body


def test_orjson_decodes_what_it_reads_exactly(orjson_calls: list[bytes]) -> None:
    page = json.dumps({"data": [{"id": 10**18 + i, "x": 1.5} for i in range(50)]}).encode()
    assert jsonbody.loads(page) == json.loads(page)
    assert orjson_calls == [page]
    assert jsonbody.loads(b"[18446744073709551616]") == [2**64]
    assert orjson_calls == [page]  # that one went to json alone


def test_turning_the_speed_extra_off_decodes_with_json_alone(orjson_calls: list[bytes]) -> None:
    jsonbody.use_fast_decoder(False)
    try:
        assert jsonbody.fast_decoder() is None
        assert jsonbody.loads(b"[1]") == [1]
        assert orjson_calls == []
    finally:
        jsonbody.use_fast_decoder(True)
    assert jsonbody.fast_decoder() == "orjson"


@BOTH
@given(value=JSON_VALUES, ascii_only=st.booleans())
def test_any_json_value_decodes_the_same_both_ways(value: Any, ascii_only: bool) -> None:
    try:
        body = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    except ValueError:
        return
    same_both_ways(body)


BIG_NUMBERS = st.integers(min_value=-(2**80), max_value=2**80).map(str) | st.floats(
    allow_nan=False, allow_infinity=False
).map(repr)
NUMBER_TEXT = st.from_regex(r"\A-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?\Z")


@BOTH
@given(numbers=st.lists(BIG_NUMBERS | NUMBER_TEXT, min_size=1, max_size=6))
def test_numbers_decode_to_the_same_value_and_type_both_ways(numbers: list[str]) -> None:
    same_both_ways(("[" + ", ".join(numbers) + "]").encode())


@BOTH
@given(body=HOSTILE_BODIES | st.lists(TOKENS, max_size=30).map(lambda t: "".join(t).encode()))
def test_hostile_bodies_give_the_same_outcome_both_ways(body: bytes | str) -> None:
    same_both_ways(body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass"))
