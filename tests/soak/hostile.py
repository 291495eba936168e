"""Hostile HTTP answers, as raw bytes, from a seeded ``random.Random``: pure, no I/O.

``api_answer`` starts from what the real fake answered for the same request (``template``)
and breaks it at one level, drawn by weight: the JSON values (wrong types, NaN, huge numbers,
deep nesting, quirks a vendor never documented), the bytes (garbage, truncation, other
charsets), the encoding (gzip bombs, corrupt streams), the framing (status lines, headers,
lengths, chunks) or the meaning (redirects, throttling with odd waits, 401s).
``token_answer`` does the same for a Zoho token answer, valid more often than not so that a
case gets past its token to the API.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
import random
import zlib
from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["Answer", "api_answer", "fill", "token_answer"]

ORIGIN = "{{ORIGIN}}"
"""Stands in a template for the server's own origin (and case prefix); ``fill`` replaces it."""

JSON = "application/json; charset=utf-8"


@attrs.frozen
class Answer:
    """One hostile answer and what the server does once it is written.

    ``close``: hang up after it; ``stall``: send nothing more until the client gives up;
    ``refused``: a well-formed 401, 429 or 503 (the server did not act: a POST may be sent
    again); ``tokens``: access tokens it hands out (secrets the client must never show).
    """

    data: bytes
    family: str
    close: bool = False
    stall: bool = False
    refused: bool = False
    tokens: tuple[str, ...] = ()


def fill(answer: Answer, origin: str) -> Answer:
    """The answer with its origin placeholder replaced by the server's origin."""
    if ORIGIN.encode() not in answer.data:
        return answer
    return attrs.evolve(answer, data=answer.data.replace(ORIGIN.encode(), origin.encode()))


# -- hostile JSON ---------------------------------------------------------------------------

_RAW = "\x00raw{}\x00"


class _Raw:
    """JSON text that ``json.dumps`` cannot write (NaN spelt oddly, 1e999, deep nesting)."""

    def __init__(self, text: str) -> None:
        self.text = text


def _dumps(value: Any) -> bytes:
    """``value`` as JSON, with every ``_Raw`` written as its raw text."""
    raws: list[str] = []

    def swap(item: Any) -> Any:
        if isinstance(item, _Raw):
            raws.append(item.text)
            return _RAW.format(len(raws) - 1)
        if isinstance(item, dict):
            return {key: swap(v) for key, v in item.items()}
        if isinstance(item, list):
            return [swap(v) for v in item]
        return item

    text = json.dumps(swap(value), allow_nan=True)
    for index, raw in enumerate(raws):
        text = text.replace(json.dumps(_RAW.format(index)), raw, 1)
    return text.encode("utf-8", errors="surrogatepass")


RAW_NUMBERS = [
    "NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1e-999", "-0", "1E400", "0e0",
    "18446744073709551616", "-9223372036854775809", "123456789012345678901234567890",
    "1" * 5000, "1.7976931348623157e309", "0.1e-400", "108870000001000001.0",
]  # fmt: skip
QUIRKS: list[Any] = [
    None, True, False, 0, -1, 1.5, "", " ", "--", "0", "-", "true", "false", "yes", "off",
    "null", "NaN", "Infinity", "\u0661\u0662\u0663", " 121", "0121", "121.0", "1\r\n", "+1",
    "\ud800", "\udfff", "\u0000", "\u202e", "a" * 5000, [], {}, [1, "2", None], {"a": {}},
    "2024-13-45T99:99:99Z", "1970-01-01T00:00:00Z", "0000-00-00 00:00:00", 10**20, -(10**20),
    2**63, 1e308, -1e-308, "https://evil.example/api/v1/devices", "//evil.example/x",
    "http://127.0.0.1:abc/", "http://[::1/", "http://u:p@127.0.0.1/", "/../../wipe", "1/wipe",
    "javascript:alert(1)", {"data": None}, {"errors": "x"}, [[[]]],
]  # fmt: skip
DEPTHS = [64, 200, 999, 1000, 1001, 5000, 100_000]


def _deep(rng: random.Random) -> _Raw:
    depth = rng.choice(DEPTHS)
    if rng.random() < 0.5:
        return _Raw("[" * depth + "]" * depth)
    return _Raw('{"a":' * depth + "1" + "}" * depth)


def hostile_value(rng: random.Random) -> Any:
    """One value a parser must survive: a quirk, a raw number, deep nesting or random JSON."""
    roll = rng.random()
    if roll < 0.45:
        return rng.choice(QUIRKS)
    if roll < 0.70:
        return _Raw(rng.choice(RAW_NUMBERS))
    if roll < 0.78:
        return _deep(rng)
    return random_json(rng, 3)


def random_json(rng: random.Random, depth: int) -> Any:
    """Random JSON of at most ``depth`` levels, quirks in the leaves."""
    roll = rng.random()
    if depth <= 0 or roll < 0.4:
        return rng.choice(QUIRKS[:30]) if rng.random() < 0.7 else _Raw(rng.choice(RAW_NUMBERS))
    if roll < 0.7:
        return [random_json(rng, depth - 1) for _ in range(rng.randint(0, 4))]
    keys = ["data", "id", "type", "attributes", "devices", "apps", "paging", "next", "x", ""]
    return {rng.choice(keys): random_json(rng, depth - 1) for _ in range(rng.randint(0, 4))}


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (dict keys and list indexes), root first."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:4]):
            found += _places(item, (*path, index))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Callable[[Any], Any]) -> Any:
    if not path:
        return new(value)
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replace(copy[head], rest, new)
    return copy


def _swap_type(value: Any) -> Any:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    if isinstance(value, str):
        return len(value)
    return str(value)


def mutate(template: Any, rng: random.Random) -> Any:
    """``template`` with one to three places replaced, deleted, retyped or padded."""
    value = template
    for _ in range(rng.randint(1, 3)):
        places = _places(value)
        path = rng.choice(places[1:] if len(places) > 1 else places)
        action = rng.random()
        if action < 0.6:
            value = _replace(value, path, lambda _old: hostile_value(rng))
        elif action < 0.75:
            value = _replace(value, path, _swap_type)
        elif action < 0.9 and path and isinstance(_at(value, path[:-1]), dict):
            value = _replace(value, path[:-1], functools.partial(_without, key=path[-1]))
        else:
            value = _replace(value, path, lambda old: [old, old] if rng.random() < 0.5 else
                             {"unknown": hostile_value(rng), "value": old})  # fmt: skip
    return value


def _without(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != key}


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


# -- framing ---------------------------------------------------------------------------------

REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 401: "Unauthorized",
           429: "Too Many Requests", 503: "Service Unavailable"}  # fmt: skip


def http(
    status: int,
    body: bytes,
    headers: dict[str, str] | None = None,
    *,
    content_type: str | None = JSON,
    length: bool = True,
) -> bytes:
    """A well-formed HTTP/1.1 answer (Content-Length unless ``length`` is False)."""
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _gzip(data: bytes, level: int = 9) -> bytes:
    """``data`` as one gzip member with no timestamp, so a seed always builds the same bytes."""
    return gzip.compress(data, level, mtime=0)


@functools.cache
def bomb(kind: str, size: int) -> bytes:
    """``size`` bytes of JSON-ish whitespace, compressed (``gzip`` or ``deflate``): a bomb."""
    plain = b" " * size + b"{}"
    return _gzip(plain) if kind == "gzip" else zlib.compress(plain, 9)


def _encoded(rng: random.Random, body: bytes) -> Answer:
    roll = rng.randrange(9)
    if roll == 0:
        data, enc = bomb("gzip", rng.choice([2, 8, 64]) * 1024 * 1024), "gzip"
    elif roll == 1:
        data, enc = bomb("deflate", rng.choice([2, 8]) * 1024 * 1024), "deflate"
    elif roll == 2:
        data, enc = _gzip(body), "gzip"
    elif roll == 3:
        data, enc = _gzip(body)[:-6], "gzip"  # cut short
    elif roll == 4:
        data, enc = b"not gzip at all" + body, "gzip"
    elif roll == 5:
        data, enc = _gzip(body) + b"trailing garbage", "gzip"
    elif roll == 6:
        data, enc = body, rng.choice(["br", "zstd", "compress", "gzip, gzip", "x-unknown", ""])
    elif roll == 7:
        data, enc = _gzip(_gzip(body)), "gzip"
    else:
        data, enc = _gzip(body) * 3, "gzip"  # concatenated members
    status = rng.choice([200, 200, 200, 429, 500, 503])
    wait = {"Retry-After": "0"} if status in (429, 503) else {}
    return Answer(
        http(status, data, {"Content-Encoding": enc, **wait}),
        "encoding",
        refused=status in (429, 503),
    )


def _framed(rng: random.Random, body: bytes) -> Answer:
    """Broken status lines, headers, lengths and chunks; the connection is closed after."""
    short = body[:2000]
    length = str(len(short)).encode()
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    options: list[tuple[bytes, bool]] = [
        (b"HTTP/1.1 abc OK\r\nContent-Length: 2\r\n\r\n{}", False),
        (b"HTTP/1.1 99999 Huge\r\nContent-Length: 2\r\n\r\n{}", False),
        (b"HTTP/1.1 -200 Negative\r\nContent-Length: 2\r\n\r\n{}", False),
        (b"HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\n{}", False),
        (b"HTTP/1.1 200 OK\n" + b"Content-Length: " + length + b"\n\n" + short, False),
        (head + b"Content-Length: abc\r\n\r\n" + short, False),
        (head + b"Content-Length: -5\r\n\r\n" + short, False),
        (head + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", False),
        (head + b"Content-Length: 99999\r\n\r\n" + short, False),  # then the server hangs up
        (head + b"Content-Length: 99999\r\n\r\n" + short, True),  # then nothing: a stall
        (head + b"X-Big: " + b"a" * 20_000 + b"\r\nContent-Length: 2\r\n\r\n{}", False),
        (head + b"".join(b"X-%d: v\r\n" % i for i in range(300)) + b"\r\n{}", False),
        (head + b"Bad Header Without Colon\r\nContent-Length: 2\r\n\r\n{}", False),
        (head + b"X-Nul: a\x00b\r\nContent-Length: 2\r\n\r\n{}", False),
        (head + b"X-Fold: a\r\n b\r\nContent-Length: 2\r\n\r\n{}", False),
        (head + b"X-Bytes: \xff\xfe\r\nContent-Length: 2\r\n\r\n{}", False),
        (head + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", False),
        (head + b"Transfer-Encoding: chunked\r\n\r\n5\r\n{\"dat", False),
        (head + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
         False),
        (head + b"Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", False),
        (head + b"\r\n" + short, False),  # no length: the body ends when the server hangs up
        (b"HTTP/1.0 200 OK\r\n\r\n" + short, False),
        (b"HTTP/1.1 100 Continue\r\n\r\n", False),
        (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
         b"Connection: Upgrade\r\n\r\n", False),
        (b"garbage\r\n\r\n", False),
        (b"", False),
        (b"HTTP/1.1 ", False),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", False),  # a TLS hello
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}" + b"HTTP/1.1 200 OK\r\n", False),
        (b"HTTP/1.1 204 No Content\r\nContent-Length: 40\r\n\r\n" + b"x" * 40, False),
    ]  # fmt: skip
    data, stall = rng.choice(options)
    return Answer(data, "framing", close=True, stall=stall)


WAITS = ["0", "0.01", "-1", "NaN", "inf", "1e999", "99999999999", "18446744073709551616",
         "Wed, 21 Oct 2015 07:28:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "tomorrow", "",
         " 1 ", "0x10", "1,2", "1e-300"]  # fmt: skip


def _throttled(rng: random.Random, body: bytes) -> Answer:
    status = rng.choice([429, 429, 503])
    headers: dict[str, str] = {}
    if rng.random() < 0.8:
        headers["Retry-After"] = rng.choice(WAITS)
    if rng.random() < 0.5:
        headers["X-RateLimit-Reset"] = rng.choice(WAITS)
    error = body if rng.random() < 0.5 else _dumps({"errors": [{"title": hostile_value(rng)}]})
    return Answer(http(status, error, headers), "throttle", refused=True)


def _redirected(rng: random.Random, body: bytes) -> Answer:
    status = rng.choice([301, 302, 303, 307, 308, 304, 300])
    location = rng.choice(
        ["https://evil.example/steal", f"{ORIGIN}/api/v1/account", "/elsewhere", "", "\x00"]
    )
    return Answer(http(status, body, {"Location": location}), "redirect")


def _typed_wrong(rng: random.Random, body: bytes) -> Answer:
    content_type = rng.choice(
        ["text/html", None, "multipart/form-data; boundary=x", "application/xml",
         "application/json; charset=utf-16", "application/json; charset=bogus",
         "application/problem+json", "text/plain; charset=latin-1"]
    )  # fmt: skip
    return Answer(http(200, body, content_type=content_type), "content-type")


def _garbage(rng: random.Random, body: bytes) -> bytes:
    roll = rng.randrange(8)
    if roll == 0:
        return rng.randbytes(rng.randint(0, 300))
    if roll == 1:
        return body[: rng.randint(0, max(len(body) - 1, 0))]
    if roll == 2:
        return b"\xef\xbb\xbf" + body  # a byte order mark
    if roll == 3:
        return body.decode("utf-8", errors="replace").encode("utf-16")
    if roll == 4:
        return body.replace(b'"', b"\xff", 1)
    if roll == 5:
        return b""
    if roll == 6:
        return rng.choice([b"null", b"[]", b"{}", b"0", b'""', b"true", b"NaN", b"-"])
    return body + b"," + body


def api_answer(rng: random.Random, template: Any, *, error_body: Any) -> Answer:
    """A hostile answer to an API request whose real answer was ``template`` (JSON or None)."""
    base = template if template is not None else {"data": {}}
    body = _dumps(base)
    roll = rng.random()
    if roll < 0.32:
        return Answer(http(200, _dumps(mutate(base, rng))), "mutated")
    if roll < 0.38:
        status = rng.choice([201, 202, 204, 400, 403, 404, 409, 422, 500, 502, 504, 418, 599])
        error = mutate(error_body, rng) if rng.random() < 0.7 else hostile_value(rng)
        return Answer(http(status, _dumps(error)), "status")
    if roll < 0.50:
        return Answer(http(200, _dumps(random_json(rng, 6))), "json")
    if roll < 0.55:
        return Answer(http(200, _dumps(_replace_anywhere(base, rng, lambda: _deep(rng)))), "deep")
    if roll < 0.60:
        numbers = _replace_anywhere(base, rng, lambda: _Raw(rng.choice(RAW_NUMBERS)), all_=True)
        return Answer(http(200, _dumps(numbers)), "numbers")
    if roll < 0.66:
        return Answer(http(200, _garbage(rng, body)), "garbage")
    if roll < 0.74:
        return _encoded(rng, body)
    if roll < 0.86:
        return _framed(rng, body)
    if roll < 0.89:
        return _redirected(rng, body)
    if roll < 0.95:
        return _throttled(rng, _dumps(error_body))
    if roll < 0.97:
        return Answer(http(401, _dumps(mutate(error_body, rng))), "auth", refused=True)
    return _typed_wrong(rng, body)


def _replace_anywhere(
    value: Any, rng: random.Random, new: Callable[[], Any], *, all_: bool = False
) -> Any:
    """``value`` with one place (or, with ``all_``, every number) replaced by ``new()``."""
    if all_:
        if isinstance(value, dict):
            return {k: _replace_anywhere(v, rng, new, all_=True) for k, v in value.items()}
        if isinstance(value, list):
            return [_replace_anywhere(v, rng, new, all_=True) for v in value]
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        return new() if is_number and rng.random() < 0.5 else value
    places = _places(value)
    return _replace(value, rng.choice(places), lambda _old: new())


# -- token answers -----------------------------------------------------------------------------


def new_token(rng: random.Random) -> str:
    """An access token shaped like Zoho's: ``1000.<32 hex>.<32 hex>``."""
    return f"1000.{rng.randbytes(16).hex()}.{rng.randbytes(16).hex()}"


def token_answer(rng: random.Random) -> Answer:
    """A Zoho token answer: valid 60% of the time, else broken in its values or its framing."""
    token = new_token(rng)
    valid = {
        "access_token": token,
        "api_domain": "https://www.zohoapis.com",
        "token_type": "Bearer",
        "expires_in": 3600,
    }
    roll = rng.random()
    if roll < 0.6:
        return Answer(http(200, _dumps(valid)), "token", tokens=(token,))
    if roll < 0.65:
        legacy = {**valid, "expires_in": 3_600_000, "expires_in_sec": 3600}
        return Answer(http(200, _dumps(legacy)), "token", tokens=(token,))
    if roll < 0.8:
        field = rng.choice(["access_token", "expires_in", "expires_in_sec", "token_type", "error"])
        broken: dict[str, Any] = {**valid, field: _token_value(rng, token)}
        return Answer(http(200, _dumps(broken)), "token values", tokens=(token,))
    if roll < 0.85:
        refusal = rng.choice(
            [{"error": "invalid_code"}, {"error": "invalid_client"},
             {"error": "Access Denied", "error_description": "too many", "status": "failure"},
             {"error": hostile_value(rng)}, {"error": None, **valid}]
        )  # fmt: skip
        return Answer(http(200, _dumps(refusal)), "token refusal", tokens=(token,))
    if roll < 0.9:
        return Answer(http(200, _dumps(valid)[:-1] + b', "x": ' + token.encode()), "token garbage",
                      tokens=(token,))  # fmt: skip
    answer = api_answer(rng, valid, error_body={"error": "invalid_code"})
    return attrs.evolve(answer, family=f"token {answer.family}", tokens=(token,))


def _token_value(rng: random.Random, token: str) -> Any:
    options: list[Any] = [
        _Raw("NaN"), _Raw("Infinity"), _Raw("1e999"), _Raw("-1"), 0, 0.5, 1e-9, 10**30,
        "3600", "abc", "", None, [], {}, token + "\r\nX-Injected: 1", " ", token + "\x00",
        "\u00e9" + token, token * 3, math.pi,
    ]  # fmt: skip
    return rng.choice(options)
