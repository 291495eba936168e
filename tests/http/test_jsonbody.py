"""The one JSON decoder: plain data, or InvalidJSONError for what would break later.

Every place that decodes a response body goes through it: success bodies, error bodies,
Zoho token answers and webhook bodies, each shown here over real sockets to the fakes.
"""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdmkit.core.errors import (
    InvalidWebhookError,
    MDMError,
    ResponseFormatError,
    ValidationError,
)
from mdmkit.http import jsonbody
from mdmkit.http.jsonbody import MAX_DEPTH, InvalidJSONError, loads
from mdmkit.http.response import generic_error_detail
from mdmkit.manageengine import ManageEngineClient
from mdmkit.manageengine.envelope import parse_error as me_parse_error
from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.simplemdm.envelope import parse_error as sm_parse_error
from mdmkit.simplemdm.webhooks import parse_webhook
from mdmkit.testing import FakeManageEngine, FakeSimpleMDM, Malformed

pytest_plugins = ["mdmkit.testing.pytest_plugin"]

DEEP = b"[" * 1000 + b"]" * 1000  # 2 kB: json.loads alone raises RecursionError on it
JUST_TOO_DEEP = b'{"a":' * MAX_DEPTH + b"[]" + b"}" * MAX_DEPTH  # parses, but past the bound


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": [1, 2.5, "x", true, null], "has_more": false}',
        b"[]",
        b'"text"',
        b"12345678901234567890123",  # big ints stay exact
        b'{"name": "caf\\u00e9 \\ud83d\\ude00"}',  # an escaped surrogate pair is one character
        '{"name": "caf\u00e9 \U0001f600"}',  # a str body, as webhooks may get
        b"[" * MAX_DEPTH + b"]" * MAX_DEPTH,
        b'{"a":' * (MAX_DEPTH - 1) + b"[]" + b"}" * (MAX_DEPTH - 1),
        b'["[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["]',
        b'["\\\\ud800"]',  # an escaped backslash, then text: no surrogate
    ],
)
def test_valid_json_decodes_as_json_does(body: bytes | str) -> None:
    assert loads(body) == json.loads(body)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"data": {"id": 1, "attri', "not JSON"),
        (b'{"a": 1} trailing', "not JSON"),
        (b"\xff\xfe\xfa", "not JSON"),
        (b"1" * 5000, "not JSON"),  # past Python's integer digit limit
        (DEEP, "nested deeper"),
        (JUST_TOO_DEEP, "nested deeper"),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "nested deeper"),
        # the innermost object holds plain values only: the collector does not track it
        (b'{"k":' * MAX_DEPTH + b'{"k": 0}' + b"}" * MAX_DEPTH, "nested deeper"),
        (b'{"k":' * MAX_DEPTH + b"{}" + b"}" * MAX_DEPTH, "nested deeper"),
        (b"[" * MAX_DEPTH + b'{"k": 0}' + b"]" * MAX_DEPTH, "nested deeper"),
        (b'{"battery": NaN}', "NaN"),
        (b"[Infinity]", "Infinity"),
        (b'{"x": -Infinity}', "-Infinity"),
        (b'{"expires_in": 1e999}', "overflows"),
        (b"[-1e400]", "overflows"),
        (b'{"name": "1\\ud800"}', "lone surrogate"),
        (b'{"\\udc00": 1}', "lone surrogate"),
        (b'["\\ud800\\ud800"]', "lone surrogate"),
        (b'"\\udfff"', "lone surrogate"),
        ('{"name": "1\ud800"}', "lone surrogate"),  # a str body with a surrogate written in
        (b'["\xed\xa0\x80"]', "lone surrogate"),  # one written in UTF-8 (json keeps it)
        ('["\ud800"]'.encode("utf-16-le", "surrogatepass"), "lone surrogate"),  # in UTF-16
    ],
)
def test_unfit_bodies_are_a_typed_error(body: bytes | str, problem: str) -> None:
    with pytest.raises(InvalidJSONError, match=problem) as info:
        loads(body, status=200, url="https://example.test/x")
    error = info.value
    assert isinstance(error, ResponseFormatError)
    assert isinstance(error, ValueError)  # like json.JSONDecodeError: `except ValueError` holds
    assert (error.status, error.url) == (200, "https://example.test/x")
    repr(error)  # nothing in it recurses
    # json's own exception holds the whole body (and any secret in it): it is not chained.
    assert error.__cause__ is None
    assert error.__context__ is None


def nesting(value: Any) -> int:
    """How many lists and dicts ``value`` is deep: the reference the decoder's walk meets."""
    if isinstance(value, dict):
        return 1 + max(map(nesting, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(nesting, value), default=0)
    return 0


LEAVES = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
)
TREES = st.recursive(
    LEAVES | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3)
    ),
    max_leaves=12,
)
WRAPPERS = st.lists(
    st.sampled_from(["list", "dict", "beside"]), min_size=MAX_DEPTH - 8, max_size=MAX_DEPTH + 3
)


def wrapped(tree: Any, wrappers: list[str], side: Any) -> Any:
    for wrapper in wrappers:  # each a level: in a list, under a key, or in a list beside ``side``
        tree = (
            [tree] if wrapper == "list" else {"k": tree} if wrapper == "dict" else [side, tree, 1]
        )
    return tree


@settings(max_examples=300, deadline=None)
@given(tree=TREES, wrappers=WRAPPERS, side=TREES)
def test_a_body_is_refused_exactly_when_it_nests_past_the_bound(
    tree: Any, wrappers: list[str], side: Any
) -> None:
    value = wrapped(tree, wrappers, side)
    body = json.dumps(value).encode()
    if nesting(value) > MAX_DEPTH:
        with pytest.raises(InvalidJSONError, match="nested deeper"):
            loads(body)
    else:
        assert loads(body) == json.loads(body)
    # a body's size picks the walk: in C up to a size, holding containers only past it
    for size in (len(body), jsonbody._WALKED_IN_C_UP_TO + 1):
        assert jsonbody._too_deep(value, size) == (nesting(value) > MAX_DEPTH), size


def test_the_nesting_check_of_a_big_body_holds_no_copy_of_its_values() -> None:
    body = b"[" + b"0," * 1_000_000 + b"0]"  # 2 MB: a million values in one list
    data = json.loads(body)
    tracemalloc.start()
    try:
        assert not jsonbody._too_deep(data, len(body))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, peak  # the walk in C would hold the million values twice: 16 MB


def test_the_excerpt_is_short_and_the_rest_of_the_body_is_unreachable() -> None:
    body = b'{"access_token": "' + b"x" * 300 + b'SECRET", "expires_in": NaN}'
    with pytest.raises(InvalidJSONError) as info:
        loads(body)
    assert len(info.value.excerpt) <= 203
    assert "SECRET" not in str(info.value)
    assert "SECRET" not in repr(vars(info.value))


@pytest.mark.parametrize("parser", [generic_error_detail, sm_parse_error, me_parse_error])
@pytest.mark.parametrize("body", [DEEP, JUST_TOO_DEEP, b'{"error": NaN}', b'{"x": 1e999}'])
def test_error_parsers_fall_back_to_the_excerpt(parser: object, body: bytes) -> None:
    detail = parser(500, {}, body)  # type: ignore[operator]
    assert detail.message.startswith(body[:20].decode())


def test_webhook_bodies_use_the_decoder() -> None:
    for body in (DEEP, JUST_TOO_DEEP, b'{"type": "test_event", "at": NaN}'):
        with pytest.raises(InvalidWebhookError, match="not JSON"):
            parse_webhook(body)


@pytest.mark.anyio
@pytest.mark.parametrize("body", [DEEP, JUST_TOO_DEEP, b'{"data": {"attributes": NaN}}'])
async def test_a_hostile_success_body_is_a_response_format_error(
    fake_simplemdm: FakeSimpleMDM, simplemdm_client: SimpleMDMClient, body: bytes
) -> None:
    fake_simplemdm.faults.add(Malformed(body=body), route="GET */account")
    with pytest.raises(ResponseFormatError) as info:
        await simplemdm_client.account.get()
    assert info.value.status == 200
    assert info.value.url.endswith("/account")


@pytest.mark.anyio
@pytest.mark.parametrize("body", [DEEP, JUST_TOO_DEEP])
async def test_a_hostile_error_body_keeps_the_status_error(
    fake_simplemdm: FakeSimpleMDM, simplemdm_client: SimpleMDMClient, body: bytes
) -> None:
    fake_simplemdm.faults.add(Malformed(422, body=body), route="GET */account")
    with pytest.raises(ValidationError) as info:
        await simplemdm_client.account.get()
    assert info.value.status == 422


@pytest.mark.anyio
@pytest.mark.parametrize("body", [DEEP, JUST_TOO_DEEP, b'{"access_token": "t", "expires_in": NaN}'])
async def test_a_hostile_token_answer_is_a_typed_error(
    fake_manageengine: FakeManageEngine, manageengine_client: ManageEngineClient, body: bytes
) -> None:
    fake_manageengine.accounts.faults.add(Malformed(body=body), route="POST */oauth/v2/token")
    with pytest.raises(MDMError) as info:
        await manageengine_client.devices.list().first()
    assert isinstance(info.value, ResponseFormatError)
    assert "JSON object" in str(info.value)
