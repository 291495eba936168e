"""Property suites for the engine's parsers: the documented result, or a typed error, always.

Inputs are arbitrary (any text, any bytes, any JSON value, hostile token soups, deep
nestings); each property says what a result must look like, and that nothing but the
parser's documented error escapes: InvalidJSONError, ResponseFormatError,
ConfigurationError, InvalidRequestError, or ValueError from a converter hook (which
``structure_model`` turns into ResponseFormatError).
"""

from __future__ import annotations

import gzip
import json
import math
import zlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import attrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from yarl import URL

from mdmkit.core.errors import (
    ConfigurationError,
    InvalidRequestError,
    ResponseFormatError,
)
from mdmkit.core.ids import checked_id
from mdmkit.http.body import BodyTooLarge, CorruptBody, Decoder
from mdmkit.http.convert import (
    _INTEGER,
    _is_integer_text,
    make_converter,
    structure_model,
    to_bool,
    to_datetime,
    to_float,
    to_int,
    to_str,
)
from mdmkit.http.jsonbody import MAX_DEPTH, InvalidJSONError, loads
from mdmkit.http.params import body_id
from mdmkit.http.paths import check_base_url, path_id, same_origin, url_problem
from mdmkit.http.response import generic_error_detail
from mdmkit.http.retry import parse_rate_limit_reset, parse_retry_after, server_wait
from mdmkit.http.transport import Transport

T = TypeVar("T")
E = TypeVar("E", bound=Exception)

PARSERS = settings(max_examples=150, deadline=None)  # a few seconds per suite; no timing flakes

ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=()))  # surrogates included
NEAR_MISSES = st.sampled_from(
    ["yes", "no", "on", "off", "t", "f", "1", "0", "", "TRUE", "False", " true", "nan", "NaN",
     "inf", "Infinity", "1e999", "0121", " 121", "121 ", "+121", "121.0", "1\r\n", "1_000",
     "\u0661\u0662\u0663", "90%", ".5", "1.", "-0", "2022-06-21T21:09:52Z", "\ud800"]
)  # fmt: skip
SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT | NEAR_MISSES | NEAR_MISSES
)
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | ANY_TEXT
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=20,
)
TOKENS = st.sampled_from(
    [
        "[", "]", "{", "}", ":", ",", " ", '"a"', '"\\\\"', '"\\ud800"', '"\\udc00"',
        '"\\ud83d\\ude00"', "NaN", "Infinity", "-Infinity", "1e999", "-1e400", "0", "-0",
        "0121", "1.5", "true", "null", "\\", "\x00",
    ]
)  # fmt: skip
HOSTILE_BODIES = (
    st.binary(max_size=200)
    | st.builds("[{}, {}]".format, TOKENS, st.integers().map(str)).map(str.encode)
    | st.lists(TOKENS, max_size=60).map("".join).map(str.encode)
    | st.integers(0, 3000).map(lambda n: b"[" * n + b"]" * n)
    | st.integers(0, 200).map(lambda n: b'{"a":' * n + b"1" + b"}" * n)
)
SOME_VALUES = SCALARS | JSON_VALUES


def attempt(call: Callable[[], T], error: type[E]) -> T | E:
    """The call's result, or the documented error it raised; any other exception propagates."""
    try:
        return call()
    except error as exc:
        return exc


def _encodable(data: Any) -> None:
    json.dumps(data, allow_nan=False).encode("utf-8")
    repr(data)


@PARSERS
@given(HOSTILE_BODIES)
def test_loads_gives_writable_data_or_invalid_json(body: bytes) -> None:
    data = attempt(lambda: loads(body), InvalidJSONError)
    if isinstance(data, InvalidJSONError):
        assert isinstance(data, ResponseFormatError)
        assert data.__cause__ is None
        assert data.__context__ is None
        return
    assert data == json.loads(body)
    _encodable(data)  # no NaN, no infinity, no lone surrogate, no recursion


@PARSERS
@given(JSON_VALUES, st.booleans())
def test_loads_reads_any_json_value_whose_strings_an_encoder_can_write(
    value: Any, ascii_only: bool
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    expected = json.loads(text)  # adjacent surrogates written apart come back as one pair
    try:
        json.dumps(expected, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        writable = False
    else:
        writable = True
    body: bytes | str = text.encode("utf-8") if writable else text
    result = attempt(lambda: loads(body), InvalidJSONError)
    assert isinstance(result, InvalidJSONError) is not writable
    if writable:
        assert result == expected


@PARSERS
@given(st.integers(1, 3 * MAX_DEPTH), st.sampled_from(["[", '{"k":']))
def test_loads_bounds_the_depth_exactly(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    body = (opener * depth + "0" + closer * depth).replace("[0]", "[]").encode()
    if depth <= MAX_DEPTH:
        assert loads(body) == json.loads(body)
    else:
        refused = attempt(lambda: loads(body), InvalidJSONError)
        assert isinstance(refused, InvalidJSONError)
        assert "nested deeper" in str(refused)


@PARSERS
@given(HOSTILE_BODIES, st.integers(400, 599))
def test_the_generic_error_parser_always_answers(body: bytes, status: int) -> None:
    detail = generic_error_detail(status, {}, body)
    assert isinstance(detail.message, str)
    assert detail.message


@PARSERS
@given(SOME_VALUES)
def test_to_bool_reads_booleans_and_true_false_text_only(value: object) -> None:
    documented = isinstance(value, bool) or (
        isinstance(value, str) and value.lower() in ("true", "false")
    )
    result = attempt(lambda: to_bool(value), ValueError)
    assert isinstance(result, bool) is documented
    if isinstance(value, str) and documented:
        assert result is (value.lower() == "true")
    elif isinstance(value, bool):
        assert result is value


@PARSERS
@given(SOME_VALUES)
def test_to_int_reads_text_only_as_the_exact_decimal_it_spells(value: object) -> None:
    try:
        result = to_int(value)
    except ValueError:
        assert not (isinstance(value, int) and not isinstance(value, bool))
        return
    assert type(result) is int
    if isinstance(value, str):
        assert value in (str(result), "-0")  # no sign, space, zero or digit was dropped
    else:
        assert value == result
        assert not isinstance(value, bool | float)


@PARSERS
@given(st.integers())
def test_to_int_round_trips_every_integer_through_text(number: int) -> None:
    assert to_int(str(number)) == number == to_int(number)


@PARSERS
@given(SOME_VALUES)
def test_to_float_gives_finite_numbers_only(value: object) -> None:
    try:
        result = to_float(value)
    except ValueError:
        return
    assert type(result) is float
    assert math.isfinite(result)
    assert not isinstance(value, bool)
    if isinstance(value, str):
        assert value.isascii()
        assert value.strip() == value
        assert float(value) == result


@PARSERS
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_to_float_reads_what_python_writes(number: float) -> None:
    assert to_float(repr(number)) == number == to_float(number)


@PARSERS
@given(SOME_VALUES)
def test_to_str_never_holds_nan_or_infinity(value: object) -> None:
    try:
        result = to_str(value)
    except ValueError:
        assert not isinstance(value, str)
        return
    assert isinstance(result, str)
    if not isinstance(value, str):
        assert result.lower() not in ("nan", "inf", "-inf")
        assert isinstance(value, int | float)
        assert not isinstance(value, bool)


@PARSERS
@given(SOME_VALUES | st.integers(min_value=-(10**20), max_value=10**20).map(str))
def test_to_datetime_gives_aware_datetimes_or_value_error(value: object) -> None:
    try:
        result = to_datetime(value)
    except ValueError:
        return
    assert isinstance(result, datetime)
    assert result.tzinfo is not None


@PARSERS
@given(st.integers(min_value=0, max_value=10**11 - 1))
def test_to_datetime_reads_epoch_seconds_and_milliseconds(seconds: int) -> None:
    assert to_datetime(seconds).timestamp() == seconds
    assert to_datetime(str(seconds)) == to_datetime(seconds)
    if seconds >= 10**8:  # 1e11 ms and up are read as milliseconds
        assert to_datetime(seconds * 1000).timestamp() == seconds


@PARSERS
@given(
    st.text(alphabet="-0123456789\u0663\u00b2 +.eZ", max_size=8)
    | st.integers().map(str)
    | st.text(max_size=6)
)
def test_the_integer_text_check_is_the_integer_grammar(text: str) -> None:
    """to_datetime reads epoch text with a string check in place of the _INTEGER regex:
    the two agree on every text, non-ASCII digits and leading zeros included."""
    assert _is_integer_text(text) is (_INTEGER.fullmatch(text) is not None)


@PARSERS
@given(
    st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat())
    | st.datetimes().map(lambda d: d.isoformat() + "Z")
    | st.from_regex(r"\A[0-9T:Z+.-]{1,30}\Z")
)
def test_iso_text_reads_as_the_z_rewrite_always_read_it(text: str) -> None:
    """fromisoformat reads the text as it comes, then with "Z" spelt "+00:00" as before: a
    text either way gives the same instant, or is refused either way (integers are epochs)."""
    assume(_INTEGER.fullmatch(text) is None)
    try:
        before = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        before = None
    try:
        after = to_datetime(text)
    except ValueError:
        assert before is None
        return
    assert before is not None
    assert after == (before if before.tzinfo else before.replace(tzinfo=after.tzinfo))
    assert after.utcoffset() == (before.utcoffset() if before.tzinfo else after.utcoffset())


@attrs.frozen(kw_only=True)
class Inner:
    name: str | None = None


@attrs.frozen(kw_only=True)
class Everything:
    id: int
    flag: bool | None = None
    level: float | None = None
    label: str | None = None
    when: datetime | None = None
    ids: list[int] = attrs.Factory(list)
    tags: tuple[str, ...] = ()
    kinds: frozenset[str] = frozenset()
    parts: tuple[Inner, ...] = ()
    inner: Inner | None = None
    extra: Mapping[str, Any] = attrs.Factory(dict)
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


CONVERTER = make_converter()


def _documented_or(documented: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly what a vendor documents for a field, sometimes any JSON value at all."""
    return st.one_of(documented, documented, documented, JSON_VALUES)


EVERYTHING = st.fixed_dictionaries(
    {"id": _documented_or(st.integers(0, 10**19) | st.integers(0, 10**19).map(str))},
    optional={
        "flag": _documented_or(st.booleans() | st.sampled_from(["true", "False"])),
        "level": _documented_or(st.floats(allow_nan=False, allow_infinity=False)),
        "label": _documented_or(st.text() | st.integers()),
        "when": _documented_or(st.integers(0, 2 * 10**12) | st.just("2022-06-21T21:09:52Z")),
        "ids": _documented_or(st.lists(st.integers(0, 10**19))),
        "tags": _documented_or(st.lists(st.text())),
        "kinds": _documented_or(st.lists(st.text())),
        "parts": _documented_or(st.lists(st.fixed_dictionaries({"name": st.text()}))),
        "inner": _documented_or(st.fixed_dictionaries({"name": st.text()}) | st.none()),
        "extra": _documented_or(st.dictionaries(st.text(), JSON_VALUES)),
        "unknown": JSON_VALUES,
    },
)


@PARSERS
@given(EVERYTHING | JSON_VALUES)
def test_structure_model_gives_the_model_or_a_response_format_error(data: Any) -> None:
    model = attempt(lambda: structure_model(CONVERTER, data, Everything), ResponseFormatError)
    if isinstance(model, ResponseFormatError):
        assert len(model.excerpt) <= 200
        return
    assert isinstance(model.id, int)
    assert not isinstance(model.id, bool)
    assert all(type(i) is int for i in model.ids)
    assert all(isinstance(t, str) for t in (*model.tags, *model.kinds))
    if model.level is not None:
        assert math.isfinite(model.level)
    if isinstance(data.get("tags", []), Mapping | str):
        raise AssertionError("an object or string became a tuple")


HEADER_TEXT = st.text(max_size=40) | st.floats().map(str) | st.integers().map(str)
NOW = st.floats(min_value=0, max_value=4e9)


def _a_wait(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isfinite(value) and value >= 0)


@PARSERS
@given(HEADER_TEXT | st.none(), NOW)
def test_retry_after_and_rate_limit_reset_give_a_wait_or_none(text: str | None, now: float) -> None:
    assert _a_wait(parse_retry_after(text, now))
    assert _a_wait(parse_rate_limit_reset(text, now))


@PARSERS
@given(
    st.dictionaries(
        st.sampled_from(["Retry-After", "retry-after", "X-RateLimit-Reset", "x-other"]),
        HEADER_TEXT,
    ),
    NOW,
)
def test_server_wait_gives_a_wait_or_none(headers: dict[str, str], now: float) -> None:
    assert _a_wait(server_wait(headers, now))


def _mostly(good: list[str], bad: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(good) | st.sampled_from(good) | st.sampled_from(good + bad)


URL_PARTS = st.builds(
    "{}://{}{}{}{}".format,
    _mostly(["http", "https"], ["HTTPS", "ftp", ""]),
    _mostly([""], ["user@", "u:p@", "evil.example\\@"]),
    _mostly(["127.0.0.1", "a.simplemdm.com", "[::1]"], ["[::1", "[zz::1]", "", "h st", "h%00"]),
    _mostly(["", ":443", ":8080"], [":abc", ":99999", ":0", ":", ":-1"]),
    _mostly(["", "/", "/api/v1"], ["/a b", "/\r\n", "?x=1", "#f", "/\u00e9", "/a\\b"]),
)
ANY_URL = URL_PARTS | ANY_TEXT
PATHS = st.sampled_from(["/devices", "/devices/1?include=x", "/"]) | ANY_TEXT.map("/{}".format)


@PARSERS
@given(ANY_URL)
def test_check_base_url_gives_a_root_aiohttp_reads_alike_or_a_configuration_error(
    url: str,
) -> None:
    root = attempt(lambda: check_base_url(url, allow_insecure=True), ConfigurationError)
    if isinstance(root, ConfigurationError):
        assert root.__cause__ is None
        return
    assert url_problem(root) is None
    assert not root.endswith("/")
    parsed, sent = urlsplit(root), URL(root, encoded=True)
    assert (sent.scheme, sent.host) == (parsed.scheme.lower(), parsed.hostname)
    assert sent.user is None
    assert sent.password is None


@PARSERS
@given(ANY_URL, ANY_URL)
def test_same_origin_is_a_bool_and_never_raises(url: str, base: str) -> None:
    assert isinstance(same_origin(url, base), bool)
    assert same_origin(url, url) is (url_problem(url) is None)


class _NoAuth:
    async def headers(self, transport: Transport) -> Mapping[str, str]:
        return {}

    async def refresh(self, transport: Transport, rejected: Mapping[str, str]) -> bool:
        return False


TRANSPORT = Transport("http://127.0.0.1:8080/api/v1", auth=_NoAuth())


@PARSERS
@given(ANY_URL | PATHS | PATHS.map("http://127.0.0.1:8080{}".format))
def test_url_for_gives_a_url_on_the_origin_or_an_invalid_request_error(path: str) -> None:
    try:
        url = TRANSPORT.url_for(path)
    except InvalidRequestError:
        return
    assert same_origin(url, TRANSPORT.base_url)
    assert URL(url, encoded=True).host == "127.0.0.1"


@PARSERS
@given(PATHS | st.text(max_size=30).map("/{}".format))
def test_url_for_refuses_a_path_exactly_when_the_whole_url_is_unfit(path: str) -> None:
    # url_for checks only the path's characters under the base URL it checked itself
    refused = attempt(lambda: TRANSPORT.url_for(path), InvalidRequestError)
    assert isinstance(refused, InvalidRequestError) is (
        url_problem(TRANSPORT.base_url + path) is not None
    )


def test_url_for_checks_a_base_url_set_after_the_transport_was_made() -> None:
    transport = Transport("http://127.0.0.1:8080/api/v1", auth=_NoAuth())
    transport.base_url = "http://127.0.0.1:8080/api v1"
    with pytest.raises(InvalidRequestError, match="whitespace"):
        transport.url_for("/devices")


@PARSERS
@given(SOME_VALUES)
def test_checked_id_gives_text_safe_in_a_path_and_a_body(value: object) -> None:
    text = attempt(lambda: checked_id(value, "device_id"), InvalidRequestError)
    if isinstance(text, InvalidRequestError):
        assert text.field == "device_id"
        return
    text.encode("utf-8")  # no lone surrogate
    segment = path_id(value, "device_id")
    assert segment == quote(text, safe="")
    assert segment.isascii()
    assert not any(ch in segment for ch in "/?#\\")
    assert ".." not in text
    assert text == text.strip()
    assert text.isprintable()
    number = body_id(value, "device_id")
    assert str(number) == text


def _streams(data: bytes) -> st.SearchStrategy[tuple[str, bytes]]:
    return st.sampled_from(
        [
            ("gzip", gzip.compress(data)),
            ("deflate", zlib.compress(data)),
            ("deflate", zlib.compress(data)[2:-4]),  # raw deflate, as some servers send
            ("gzip", gzip.compress(data) * 2),
            ("identity", data),
        ]
    )


COMPRESSED = st.one_of(
    st.binary(max_size=3000).flatmap(_streams),
    st.tuples(st.sampled_from(["gzip", "deflate"]), st.binary(max_size=200)),
    st.binary(max_size=3000).flatmap(_streams).map(lambda s: (s[0], s[1][: len(s[1]) // 2])),
)


@PARSERS
@given(COMPRESSED, st.integers(0, 5000), st.integers(1, 700))
def test_the_decoder_yields_at_most_its_room_or_says_why_not(
    stream: tuple[str, bytes], room: int, chunk: int
) -> None:
    """Any bytes under any encoding, fed in any chunks: at most ``room`` bytes come out, and
    the only errors are BodyTooLarge and CorruptBody (which read_body types)."""
    encoding, data = stream
    decoder = Decoder(encoding)
    out = b""
    try:
        for start in range(0, len(data), chunk):
            for piece in decoder.feed(data[start : start + chunk], room - len(out)):
                out += piece
        decoder.finish()
    except (BodyTooLarge, CorruptBody):
        assert len(out) <= room
        return
    assert len(out) <= room
