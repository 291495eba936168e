"""No secret is reachable from an mdmkit exception caused by a broken or hostile response.

A raw-socket server sends every kind of broken answer (bad status line, oversized header,
non-numeric Content-Length, reset, echoes of the credentials...) to clients of both vendors;
a walker then inspects the whole exception graph (repr, str, args, attributes, cause and
context, recursively) and the locals of its mdmkit frames for every form of each secret.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import pytest
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from mdmkit.core.errors import (
    APIError,
    DeadlineExceededError,
    MDMError,
    ResponseFormatError,
    TransportError,
)
from mdmkit.http.client import NativeClient
from mdmkit.http.response import REDACTED, failure_of, redact
from mdmkit.http.retry import Delivery, RetryPolicy
from mdmkit.http.transport import Timeout
from mdmkit.http.uploads import FileSource
from mdmkit.manageengine import ManageEngineClient
from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.testing import FakeClock
from tests.http.servers import RESET, SILENT, Answer, raw_server
from tests.leaks import exception_texts, forms_of_key, frame_texts, leaks

pytestmark = pytest.mark.anyio

API_KEY = "SMDM-api-key-0123456789abcdef"
CLIENT_SECRET = "zoho-client-secret-0123456789"
REFRESH_TOKEN = "1000.refresh-token-0123456789abcdef"
ACCESS_TOKEN = "1000.access-token-0123456789abcdef"
ON_PREM_KEY = "ONPREM-API-KEY-0123456789ABCDEF"
SECRETS = [
    *forms_of_key(API_KEY),
    CLIENT_SECRET,
    REFRESH_TOKEN,
    ACCESS_TOKEN,
    ON_PREM_KEY,
]


def answer(status_line: bytes, *headers: bytes, body: bytes = b"") -> bytes:
    return b"\r\n".join([status_line, *headers, b"", body])


def echoed(template: bytes) -> Callable[[Mapping[str, str]], bytes]:
    """An answer that quotes the request's Authorization header where ``template`` says."""
    return lambda headers: template.replace(b"{auth}", headers["authorization"].encode())


def echo_in_error_body(headers: Mapping[str, str]) -> bytes:
    body = json.dumps({"message": f"bad credentials {headers['authorization']}"}).encode()
    return answer(
        b"HTTP/1.1 400 Bad Request",
        b"Content-Type: application/json",
        b"Content-Length: %d" % len(body),
        body=body,
    )


BROKEN: dict[str, Answer] = {
    "bad_status": b"HTTP/1.1 abc OK\r\n\r\n",
    "garbage": b"\x00\x01\x02garbage\r\n\r\n",
    "huge_header": answer(b"HTTP/1.1 200 OK", b"X-Big: " + b"a" * 9000, b"Content-Length: 0"),
    "bad_length": answer(b"HTTP/1.1 200 OK", b"Content-Length: abc", body=b"{}"),
    "bad_chunk": answer(b"HTTP/1.1 200 OK", b"Transfer-Encoding: chunked", body=b"zz\r\nabc\r\n"),
    "short_body": answer(b"HTTP/1.1 200 OK", b"Content-Length: 100", body=b"{}"),
    "reset": RESET,
    "close": b"",
    "echo_status": echoed(b"HTTP/1.1 2x0 {auth}\r\n\r\n"),
    "echo_header": echoed(b"HTTP/1.1 200 OK\r\nX-Echo: {auth}" + b"b" * 9000 + b"\r\n\r\n"),
    "echo_body": echo_in_error_body,
    "corrupt_gzip": answer(
        b"HTTP/1.1 200 OK", b"Content-Encoding: gzip", b"Content-Length: 9", body=b"\x1f\x8bjunk!!"
    ),
    "too_large": answer(b"HTTP/1.1 200 OK", b"Content-Length: 999999999"),
    "stall": SILENT,
}
TOKEN_BODY = json.dumps({"access_token": ACCESS_TOKEN, "expires_in": 3600}).encode()
TOKEN_ANSWER = answer(
    b"HTTP/1.1 200 OK",
    b"Content-Type: application/json",
    b"Content-Length: %d" % len(TOKEN_BODY),
    body=TOKEN_BODY,
)


def in_turn(*answers: bytes) -> Callable[[Mapping[str, str]], bytes]:
    """Each request gets the next answer; the last one repeats."""
    left = list(answers)
    return lambda _: left.pop(0) if len(left) > 1 else left[0]


# the deadline passes during the stall; the failure before it becomes the error's last_error
# (aiohttp itself sends an idempotent request again once after a reset or a close)
DEADLINE_KINDS = {
    "reset_then_stall": (RESET, RESET, SILENT),
    "close_then_stall": (b"", b"", SILENT),
}
KINDS = sorted([*BROKEN, *DEADLINE_KINDS])


@pytest.fixture
async def server() -> AsyncIterator[Any]:
    answers = {name: in_turn(*seq) for name, seq in DEADLINE_KINDS.items()}
    async with raw_server({**BROKEN, **answers, "token": TOKEN_ANSWER}) as running:
        yield running


def simplemdm(url: str, **options: Any) -> NativeClient:
    return SimpleMDMClient(API_KEY, base_url=url, **options)


def cloud(url: str, **options: Any) -> NativeClient:
    return ManageEngineClient(
        "client-id", CLIENT_SECRET, REFRESH_TOKEN, base_url=url, accounts_url=url, **options
    )


def on_premises(url: str, **options: Any) -> NativeClient:
    return ManageEngineClient.on_premises(url, ON_PREM_KEY, **options)


CLIENTS = {"simplemdm": simplemdm, "cloud": cloud, "on_premises": on_premises}


def assert_clean(error: BaseException) -> None:
    found = leaks(exception_texts(error), SECRETS)
    assert found == [], f"secrets reachable from the exception: {found}"
    found = leaks(frame_texts(error), SECRETS)
    assert found == [], f"secrets in the locals of its mdmkit frames: {found}"


@pytest.mark.parametrize("vendor", sorted(CLIENTS))
@pytest.mark.parametrize("kind", KINDS)
async def test_no_secret_is_reachable_from_the_error_a_broken_answer_causes(
    server: Any, vendor: str, kind: str
) -> None:
    clock = FakeClock()
    options = {
        "retry": RetryPolicy(max_attempts=2),  # each kind is sent twice when a GET may be
        "timeout": Timeout(read=5, deadline=0.5) if kind in DEADLINE_KINDS else Timeout(read=0.2),
        "clock": clock.time,
        "sleep": clock.sleep,
    }
    async with CLIENTS[vendor](server.url, **options) as client:
        with pytest.raises(MDMError) as info:
            await client.request("GET", f"/api/v1/{kind}")
    error = info.value
    assert isinstance(error, TransportError | ResponseFormatError | APIError)
    if kind in DEADLINE_KINDS:
        assert isinstance(error, DeadlineExceededError)
        assert isinstance(error.last_error, TransportError)
    assert_clean(error)
    if isinstance(error, TransportError) and not isinstance(error, DeadlineExceededError):
        assert error.error_type  # the useful part is kept: which failure it was
        assert error.__cause__ is None
        assert error.__context__ is None
    auth = server.seen_headers[-1]["authorization"]
    assert any(secret in auth for secret in SECRETS)  # the request really carried one


async def test_a_client_hanging_up_before_it_asks_is_no_error_of_the_server() -> None:
    # an attempt that times out early (a loaded machine) may close before its request line
    async with raw_server({}) as running:
        port = int(running.url.rsplit(":", 1)[1])
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.close()
        await writer.wait_closed()
        await asyncio.sleep(0.05)  # the server reads the end of the connection
    assert not running.hits


@pytest.mark.parametrize("kind", ["bad_status", "reset", "echo_status", "echo_body", "stall"])
async def test_an_upload_that_fails_leaves_no_secret_in_its_error(
    server: Any, kind: str, tmp_path: Path
) -> None:
    app = tmp_path / "Surf.ipa"
    app.write_bytes(b"PK\x03\x04" + b"\0" * 100_000)
    upload: list[tuple[str, str | FileSource]] = [("name", "Surf"), ("binary", FileSource.of(app))]
    options = {"timeout": Timeout(upload=0.2), "retry": RetryPolicy.never()}
    async with simplemdm(server.url, **options) as client:
        with pytest.raises(MDMError) as info:
            await client.request("POST", f"/api/v1/{kind}", multipart=upload)
    assert_clean(info.value)
    assert server.hits[kind] == 1  # a POST that may have arrived is not sent twice


async def test_a_redacted_echo_still_says_what_went_wrong(server: Any) -> None:
    async with simplemdm(server.url, retry=RetryPolicy.never()) as client:
        with pytest.raises(TransportError) as info:
            await client.request("GET", "/api/v1/echo_status")
    assert "ClientResponseError: 400, Bad status line" in str(info.value)
    assert REDACTED in str(info.value)


MADE_UP_TOKEN = "1000." + "0c" * 16 + "." + "29" * 16  # a token the client never took


@pytest.mark.parametrize(
    "garbled",
    [
        # a token answer without its status line: aiohttp quotes the bytes it read instead
        json.dumps({"access_token": MADE_UP_TOKEN, "expires_in": 3600}).encode() + b"\r\n\r\n",
        b"HTTP/1.1 2x0 " + MADE_UP_TOKEN.encode() + b"\r\n\r\n",  # one in the status line
    ],
)
async def test_a_garbled_token_answer_shows_its_token_in_no_error_and_no_log_line(
    garbled: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    async with raw_server({"token": garbled}) as running:
        with caplog.at_level(logging.DEBUG):
            async with cloud(running.url, retry=RetryPolicy.never()) as client:
                with pytest.raises(MDMError) as info:
                    await client.request("GET", "/api/v1/mdm/devices")
    assert running.hits["token"] == 1
    texts = exception_texts(info.value)
    lines = [record.getMessage() for record in caplog.records]
    assert any("failed" in line and "ClientResponseError" in line for line in lines), lines
    assert leaks(texts, [MADE_UP_TOKEN, *SECRETS]) == []
    assert [line for line in lines if MADE_UP_TOKEN in line or "0c0c0c0c" in line] == []


# -- failure_of and redact, without a server ---------------------------------------------------


def response_error(message: str) -> aiohttp.ClientResponseError:
    headers = CIMultiDictProxy(CIMultiDict({"Authorization": f"Zoho-oauthtoken {ACCESS_TOKEN}"}))
    url = URL("https://mdm.example.com/api/v1/mdm/devices")
    info = aiohttp.RequestInfo(url, "GET", headers, url)
    return aiohttp.ClientResponseError(info, (), status=400, message=message)


def test_the_aiohttp_exception_holds_the_credentials_and_its_failure_does_not() -> None:
    exc = response_error("Bad status line:\n  b'HTTP/1.1 abc'\n   ^")
    assert leaks(exception_texts(exc), SECRETS)  # what used to be chained
    failure = failure_of(exc)
    assert failure.error_type == "ClientResponseError"
    assert failure.detail == "400, Bad status line: b'HTTP/1.1 abc' ^"
    assert failure.delivery is Delivery.MAYBE_SENT
    assert leaks(exception_texts(TransportError(str(failure))), SECRETS) == []
    assert attrs.asdict(failure).keys() == {"error_type", "detail", "delivery"}


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        (TimeoutError(), "TimeoutError"),
        (aiohttp.ServerDisconnectedError(), "ServerDisconnectedError: Server disconnected"),
        (aiohttp.ClientPayloadError("a\r\nb\x00c"), "ClientPayloadError: a b c"),
        (aiohttp.ClientOSError(104, "x" * 400), "ClientOSError: " + f"[Errno 104] {'x' * 288}..."),
    ],
)
def test_a_failure_is_one_short_line(exc: BaseException, text: str) -> None:
    assert str(failure_of(exc)) == text


def test_a_refused_connection_is_known_not_sent() -> None:
    key = aiohttp.client_reqrep.ConnectionKey("h", 1, False, True, None, None, None)
    exc = aiohttp.ClientConnectorError(key, OSError(111, "refused"))
    assert failure_of(exc).delivery is Delivery.NOT_SENT


@pytest.mark.parametrize(
    ("secret", "text", "shown"),
    [
        ("Basic " + forms_of_key(API_KEY)[1], f"x Basic {forms_of_key(API_KEY)[1]} y", "x <r> y"),
        ("Basic " + forms_of_key(API_KEY)[1], f"key={forms_of_key(API_KEY)[1]}", "key=<r>"),
        ("Basic " + forms_of_key(API_KEY)[1], f"raw {API_KEY}:", "raw <r>"),
        ("Basic " + forms_of_key(API_KEY)[1], f"user {API_KEY} only", "user <r> only"),
        (f"Zoho-oauthtoken {ACCESS_TOKEN}", f"token {ACCESS_TOKEN}.", "token <r>."),
        (ON_PREM_KEY, f"[{ON_PREM_KEY}]", "[<r>]"),
        (
            "abc",
            "abc stays: too short to be told from text",
            "abc stays: too short to be told from text",
        ),
        ("Basic !!notbase64", "Basic !!notbase64", "<r>"),
    ],
)
def test_redact_hides_every_form_a_secret_is_quoted_in(secret: str, text: str, shown: str) -> None:
    assert redact(text, [secret]).replace(REDACTED, "<r>") == shown


def test_an_echoed_secret_in_an_error_body_is_hidden() -> None:
    from mdmkit.http.response import ErrorDetail, Response, error_from_response

    failed = Response(status=401, headers={}, body=b"", method="GET", url="https://x")
    error = error_from_response(
        failed,
        lambda s, h, b: ErrorDetail(f"rejected {ACCESS_TOKEN}", ACCESS_TOKEN),
        now=0,
        secrets=[f"Zoho-oauthtoken {ACCESS_TOKEN}"],
    )
    assert error.message == f"rejected {REDACTED}"
    assert error.code == REDACTED
