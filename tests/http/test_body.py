"""The response size limit: enforced while reading and while inflating, never after buffering.

The Decoder rules are checked table by table on plain bytes; the limit itself against real
servers that send a gzip bomb and huge plain bodies, with the client's memory measured by
tracemalloc (bytes allocated, relative to the limit; never time).
"""

from __future__ import annotations

import gzip
import json
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from aiohttp import web

import mdmkit
from mdmkit.core.errors import (
    ConfigurationError,
    ResponseFormatError,
    ResponseTooLargeError,
    ServerError,
)
from mdmkit.http.body import (
    DEFAULT_MAX_RESPONSE_SIZE,
    MAX_GZIP_MEMBERS,
    STEP,
    BodyTooLarge,
    CorruptBody,
    Decoder,
    decoder_for,
)
from mdmkit.manageengine import ManageEngine, ManageEngineClient
from mdmkit.simplemdm import SimpleMDM, SimpleMDMClient
from mdmkit.testing import FakeClock, FakeManageEngine, FakeSimpleMDM
from tests.http.servers import JSON_HEAD, MiB, gzip_bomb, stream, stream_server

pytestmark = pytest.mark.anyio

DOC = json.dumps({"data": [{"id": i, "name": f"device {i}"} for i in range(200)]}).encode()


# -- the decoder, table by table -----------------------------------------------------------


def decode_all(encoding: str | None, data: bytes, room: int, feed_size: int = 7) -> bytes:
    """Feed ``data`` in small slices, as a socket would, and join what comes out."""
    decoder = decoder_for(encoding)
    out = bytearray()
    for start in range(0, len(data), feed_size):
        for piece in decoder.feed(data[start : start + feed_size], room - len(out)):
            assert len(piece) <= STEP
            out += piece
    decoder.finish()
    return bytes(out)


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        (None, lambda b: b),
        ("", lambda b: b),
        ("identity", lambda b: b),
        ("gzip", gzip.compress),
        ("GZip ", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),  # RFC 9110 deflate: zlib-wrapped
        ("deflate", raw_deflate),  # what some servers send instead
        ("gzip", lambda b: gzip.compress(b[:100]) + gzip.compress(b[100:])),  # two members
    ],
)
def test_each_accepted_encoding_decodes_in_small_feeds(
    encoding: str | None, encode: Callable[[bytes], bytes]
) -> None:
    assert decode_all(encoding, encode(DOC), room=len(DOC)) == DOC


def drain(pieces: Iterator[bytes], out: list[bytes]) -> None:
    """Collect ``pieces`` into ``out``, so that what came before an error is kept."""
    for piece in pieces:
        assert len(piece) <= STEP
        out.append(piece)


@pytest.mark.parametrize("encoding", ["identity", "gzip", "deflate"])
def test_one_byte_past_the_room_is_too_large_and_what_fits_comes_out(encoding: str) -> None:
    data = {"identity": DOC, "gzip": gzip.compress(DOC), "deflate": zlib.compress(DOC)}[encoding]
    out: list[bytes] = []
    with pytest.raises(BodyTooLarge):
        drain(decoder_for(encoding).feed(data, len(DOC) - 1), out)
    assert b"".join(out) == DOC[: len(DOC) - 1]


def test_a_bomb_stops_at_the_room_one_step_at_a_time() -> None:
    bomb = b"".join(gzip_bomb(64))  # 64 MiB inflated from about 66 kB
    out: list[bytes] = []
    with pytest.raises(BodyTooLarge):
        drain(decoder_for("gzip").feed(bomb, MiB), out)
    assert sum(map(len, out)) == MiB


@pytest.mark.parametrize(
    ("encoding", "data", "message"),
    [
        ("gzip", b"not gzip at all", "not valid gzip"),
        ("deflate", b"\x78\x9c garbage!", "not valid deflate"),
        ("gzip", gzip.compress(DOC) + b"junk", "not valid gzip"),
        ("deflate", zlib.compress(DOC) + b"more", "data follows the end of the deflate"),
        ("gzip", gzip.compress(DOC)[:-20], "ends before its compressed stream"),
        ("deflate", zlib.compress(DOC)[:-10], "ends before its compressed stream"),
    ],
)
def test_a_body_its_encoding_cannot_decode_is_corrupt(
    encoding: str, data: bytes, message: str
) -> None:
    with pytest.raises(CorruptBody, match=message):
        decode_all(encoding, data, room=10 * len(DOC))


@pytest.mark.parametrize("encoding", ["br", "zstd", "compress", "gzip, gzip", "identity, br"])
def test_an_encoding_mdmkit_did_not_ask_for_is_refused(encoding: str) -> None:
    with pytest.raises(CorruptBody, match="unsupported Content-Encoding"):
        decoder_for(encoding)


def test_gzip_members_are_limited() -> None:
    member = gzip.compress(b"")
    with pytest.raises(CorruptBody, match="gzip members"):
        decode_all("gzip", member * (MAX_GZIP_MEMBERS + 1), room=MiB, feed_size=len(member))
    assert decode_all("gzip", member * MAX_GZIP_MEMBERS, room=MiB) == b""


def test_an_empty_compressed_body_is_empty() -> None:
    decoder = Decoder("gzip")
    assert list(decoder.feed(b"", 10)) == []
    decoder.finish()  # nothing was received: not a truncated stream


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "1024", None])
def test_max_response_size_must_be_a_positive_int(value: Any) -> None:
    with pytest.raises(ConfigurationError, match="max_response_size"):
        SimpleMDMClient("key", max_response_size=value)


# -- real servers: memory stays near the limit -------------------------------------------------


async def bomb(request: web.Request) -> web.StreamResponse:
    """1 MB of gzip that inflates to 1 GiB of valid JSON (an object padded with spaces)."""
    return await stream(request, lambda: gzip_bomb(1024), headers={"Content-Encoding": "gzip"})


async def plain(request: web.Request) -> web.StreamResponse:
    """512 MiB of valid JSON, chunked, with no Content-Length to warn the client."""
    size = int(request.query.get("mib", "512"))

    async def chunks() -> AsyncIterator[bytes]:
        yield JSON_HEAD
        pad = b" " * MiB
        for _ in range(size):
            yield pad

    return await stream(request, chunks)


async def announced(request: web.Request) -> web.StreamResponse:
    """A Content-Length of 512 MiB, then the body at the client's pace."""
    response = web.StreamResponse(headers={"Content-Length": str(512 * MiB)})
    await response.prepare(request)
    try:
        for _ in range(512):
            await response.write(b" " * MiB)
    except (ConnectionError, RuntimeError):
        pass
    return response


def traced_peak() -> Iterator[Callable[[], int]]:
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        yield lambda: tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


peak_memory = pytest.fixture(traced_peak)


@pytest.fixture
async def hostile() -> AsyncIterator[Any]:
    gzip_bomb(1024)  # built (and cached) before memory is traced
    async with stream_server({"bomb": bomb, "plain": plain, "announced": announced}) as server:
        yield server


async def test_a_gzip_bomb_costs_about_the_limit_and_raises(
    hostile: Any, peak_memory: Callable[[], int]
) -> None:
    async with SimpleMDMClient("key", base_url=hostile.url) as sm:
        with pytest.raises(ResponseTooLargeError) as info:
            await sm.request("GET", "/bomb")
    assert info.value.limit == DEFAULT_MAX_RESPONSE_SIZE == 64 * MiB
    assert info.value.status == 200
    assert isinstance(info.value, ResponseFormatError)
    assert "max_response_size" in str(info.value)
    assert peak_memory() < 1.5 * DEFAULT_MAX_RESPONSE_SIZE  # not 1 GiB, let alone 2
    assert hostile.hits["bomb"] == 1  # not retried: the server would send the same


async def test_a_huge_plain_body_costs_about_the_limit_and_raises(
    hostile: Any, peak_memory: Callable[[], int]
) -> None:
    async with SimpleMDMClient("key", base_url=hostile.url) as sm:
        with pytest.raises(ResponseTooLargeError):
            await sm.request("GET", "/plain")
    assert peak_memory() < 1.5 * DEFAULT_MAX_RESPONSE_SIZE
    assert hostile.hits["plain"] == 1


async def test_an_announced_size_past_the_limit_is_refused_before_reading(
    hostile: Any, peak_memory: Callable[[], int]
) -> None:
    async with SimpleMDMClient("key", base_url=hostile.url) as sm:
        with pytest.raises(ResponseTooLargeError):
            await sm.request("GET", "/announced")
    assert peak_memory() < 4 * MiB  # nothing of the 512 MiB was kept


async def empty_blocks(request: web.Request) -> web.StreamResponse:
    """A zlib stream of 5 MiB of empty stored blocks: it inflates to nothing at all."""
    block = b"\x00\x00\x00\xff\xff"  # not final, stored, 0 bytes long

    async def chunks() -> AsyncIterator[bytes]:
        yield b"\x78\x9c"
        for _ in range(5 * MiB // (len(block) * 4096)):
            yield block * 4096
        yield b"\x01\x00\x00\xff\xff" + zlib.adler32(b"").to_bytes(4, "big")

    return await stream(request, chunks, headers={"Content-Encoding": "deflate"})


async def test_input_past_the_limit_is_too_large_though_it_inflates_to_nothing() -> None:
    """Reading stops at max_response_size received, not only inflated: otherwise a body of
    empty deflate blocks keeps the client reading as long as the server likes."""
    async with (
        stream_server({"empty": empty_blocks}) as server,
        SimpleMDMClient("key", base_url=server.url, max_response_size=MiB) as sm,
    ):
        with pytest.raises(ResponseTooLargeError):
            await sm.request("GET", "/empty")


async def test_a_body_of_exactly_the_limit_is_delivered_whole(hostile: Any) -> None:
    limit = len(JSON_HEAD) + 2 * MiB
    async with SimpleMDMClient("key", base_url=hostile.url, max_response_size=limit) as sm:
        response = await sm.request("GET", "/plain", params={"mib": "2"})
        assert len(response.body) == limit
        assert response.json() == {"data": [], "has_more": False}
        with pytest.raises(ResponseTooLargeError):
            await sm.request("GET", "/plain", params={"mib": "3"})


# -- real servers: what the engine asks for and how it reads errors ---------------------------


async def echo_encoding(request: web.Request) -> web.Response:
    body = json.dumps({"accept_encoding": request.headers.get("Accept-Encoding")}).encode()
    coding = request.query.get("coding", "gzip")
    encoders: dict[str, Callable[[bytes], bytes]] = {
        "gzip": gzip.compress,
        "deflate": zlib.compress,
        "raw": raw_deflate,
    }
    packed = encoders[coding](body)
    name = "deflate" if coding == "raw" else coding
    return web.Response(body=packed, headers={"Content-Encoding": name})


PAD = b" " * MiB


async def huge_error(request: web.Request) -> web.StreamResponse:
    """A 500 whose JSON message is followed by 8 MiB of padding."""
    message = json.dumps({"message": "the service is down"}).encode()
    return await stream(request, lambda: [message, *[PAD] * 8], status=500)


async def corrupt_gzip(request: web.Request) -> web.Response:
    return web.Response(body=b"\x1f\x8b garbage", headers={"Content-Encoding": "gzip"})


@pytest.fixture
async def encodings() -> AsyncIterator[Any]:
    routes = {"echo": echo_encoding, "huge_error": huge_error, "corrupt": corrupt_gzip}
    async with stream_server(routes) as server:
        yield server


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw"])
async def test_compressed_answers_are_inflated_and_only_what_is_inflatable_is_asked_for(
    encodings: Any, coding: str
) -> None:
    async with SimpleMDMClient("key", base_url=encodings.url) as sm:
        response = await sm.request("GET", "/echo", params={"coding": coding})
    assert response.json() == {"accept_encoding": "gzip, deflate"}


async def test_a_huge_error_body_still_reads_as_its_status_and_is_retried(
    encodings: Any, peak_memory: Callable[[], int]
) -> None:
    clock = FakeClock()
    async with SimpleMDMClient(
        "key", base_url=encodings.url, clock=clock.time, sleep=clock.sleep
    ) as sm:
        with pytest.raises(ServerError, match="the service is down") as info:
            await sm.request("GET", "/huge_error")
    assert info.value.status == 500
    assert encodings.hits["huge_error"] == 4  # a 500 on a GET is retried as before
    assert peak_memory() < 2 * MiB  # each body was read only as far as its message


async def test_a_corrupt_compressed_body_is_a_format_error_sent_once(encodings: Any) -> None:
    async with SimpleMDMClient("key", base_url=encodings.url) as sm:
        with pytest.raises(ResponseFormatError, match="not valid gzip") as info:
            await sm.request("GET", "/corrupt")
    assert info.value.status == 200
    assert info.value.__cause__ is None
    assert info.value.__context__ is None
    assert encodings.hits["corrupt"] == 1


# -- the setting on every public constructor ---------------------------------------------------


def test_every_public_constructor_takes_max_response_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SIMPLEMDM_API_KEY", "key")
    monkeypatch.setenv("MANAGEENGINE_CLIENT_ID", "id")
    monkeypatch.setenv("MANAGEENGINE_CLIENT_SECRET", "secret")
    monkeypatch.setenv("MANAGEENGINE_REFRESH_TOKEN", "refresh")
    size = 12_345
    cloud = ("id", "secret", "refresh")
    server = "https://mdm.example.com"
    built: dict[str, Any] = {
        "SimpleMDMClient": SimpleMDMClient("key", max_response_size=size),
        "SimpleMDMClient.from_env": SimpleMDMClient.from_env(max_response_size=size),
        "SimpleMDM": SimpleMDM("key", max_response_size=size).native,
        "SimpleMDM.from_env": SimpleMDM.from_env(max_response_size=size).native,
        "ManageEngineClient": ManageEngineClient(*cloud, max_response_size=size),
        "ManageEngineClient.on_premises": ManageEngineClient.on_premises(
            server, "key", max_response_size=size
        ),
        "ManageEngineClient.from_env": ManageEngineClient.from_env(max_response_size=size),
        "ManageEngine": ManageEngine(*cloud, max_response_size=size).native,
        "ManageEngine.on_premises": ManageEngine.on_premises(
            server, "key", max_response_size=size
        ).native,
        "ManageEngine.from_env": ManageEngine.from_env(max_response_size=size).native,
    }
    assert {name: c.transport.max_response_size for name, c in built.items()} == dict.fromkeys(
        built, size
    )
    assert SimpleMDMClient("key").transport.max_response_size == DEFAULT_MAX_RESPONSE_SIZE
    assert mdmkit.ResponseTooLargeError is ResponseTooLargeError


async def test_the_limit_holds_through_both_neutral_backends() -> None:
    clock = FakeClock()
    async with (
        FakeSimpleMDM(devices=50, seed=1, clock=clock) as sm_fake,
        FakeManageEngine(devices=50, seed=1, clock=clock, on_premises=True) as me_fake,
        SimpleMDM(sm_fake.api_key, base_url=sm_fake.url, max_response_size=2048) as sm,
        ManageEngine.on_premises(me_fake.base_url, me_fake.api_key, max_response_size=2048) as me,
    ):
        for backend in (sm, me):
            with pytest.raises(ResponseTooLargeError):
                await backend.devices.list().collect()
        assert sm_fake.requests.count(path="*/devices") == 1
        assert me_fake.requests.count(path="*/devices") == 1
