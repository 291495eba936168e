"""Reading a response body within a size limit, inflating gzip or deflate as it arrives.

aiohttp's own decompression (``auto_decompress``) inflates ahead of the reader and, before
aiohttp 3.13.3, without bound; mdmkit asks for ``gzip, deflate`` only, reads the raw bytes and
inflates them here a bounded step at a time, so a small compressed body that inflates to
gigabytes costs no more memory than the limit. ``Decoder`` is pure: bytes in, bytes out.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import aiohttp
import anyio.lowlevel

from mdmkit.core.errors import ConfigurationError, ResponseFormatError, ResponseTooLargeError

__all__ = [
    "ACCEPT_ENCODING",
    "DEFAULT_MAX_RESPONSE_SIZE",
    "ERROR_BODY_LIMIT",
    "BodyTooLarge",
    "CorruptBody",
    "Decoder",
    "check_max_response_size",
    "decoder_for",
    "read_body",
]

# The largest documented answers are list pages (100 devices, a few hundred kB) and the app
# catalog; 64 MiB leaves two orders of magnitude of headroom and still bounds a bomb.
DEFAULT_MAX_RESPONSE_SIZE = 64 * 1024 * 1024
# An error answer is read only for its message: past this, the rest is dropped, not refused.
ERROR_BODY_LIMIT = 64 * 1024
# The encodings Decoder understands, sent as Accept-Encoding on every request.
ACCEPT_ENCODING = "gzip, deflate"
STEP = 256 * 1024  # most bytes one inflate step produces before the reader yields
MAX_GZIP_MEMBERS = 1024  # concatenated gzip members allowed in one body (as aiohttp does)


class BodyTooLarge(Exception):
    """Internal: the body would pass the room it was given."""


class CorruptBody(Exception):
    """Internal: the body is not valid for its Content-Encoding; the message says how."""


def check_max_response_size(value: int) -> int:
    """``value`` if it is a usable ``max_response_size`` (a positive int), else a clear error."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"max_response_size must be a positive int, got {value!r}")
    return value


class Decoder:
    """Undoes one Content-Encoding a bounded step at a time, never past the room it is given."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._zlib: zlib._Decompress | None = None
        self._members = 0

    def feed(self, data: bytes, room: int) -> Iterator[bytes]:
        """Decoded pieces of ``data``, each at most STEP bytes and ``room`` bytes in all.

        When the decoded data is longer than ``room``, the part that fits is yielded and
        BodyTooLarge raised. CorruptBody when the data is not valid for the encoding.
        """
        pending, more = data, bool(data)
        while more:
            if self.encoding == "identity":
                piece, more = pending, False
            else:
                inflater = self._inflater(pending)
                want = min(STEP, room + 1)
                try:
                    piece = inflater.decompress(pending, want)
                except zlib.error as exc:
                    raise CorruptBody(f"the body is not valid {self.encoding} ({exc})") from None
                if inflater.eof:
                    pending = inflater.unused_data
                    more = bool(pending)
                else:  # a full step may leave output inside zlib even with no input left
                    pending = inflater.unconsumed_tail
                    more = bool(pending) or len(piece) == want
            if len(piece) > room:
                if room:
                    yield piece[:room]
                raise BodyTooLarge
            room -= len(piece)
            if piece:
                yield piece

    def finish(self) -> None:
        """Check the compressed stream was complete; CorruptBody if it stopped mid-way."""
        if self._zlib is not None and not self._zlib.eof:
            raise CorruptBody(f"the {self.encoding} body ends before its compressed stream does")

    def _inflater(self, pending: bytes) -> zlib._Decompress:
        if self._zlib is not None and not self._zlib.eof:
            return self._zlib
        if self._zlib is not None and self.encoding != "gzip":
            raise CorruptBody(f"data follows the end of the {self.encoding} stream")
        self._members += 1
        if self._members > MAX_GZIP_MEMBERS:
            raise CorruptBody(f"more than {MAX_GZIP_MEMBERS} gzip members in one body")
        if self.encoding == "gzip":
            wbits = 16 + zlib.MAX_WBITS
        # RFC 9110's deflate is zlib-wrapped (low nibble 8: CM = deflate); some servers send raw
        elif pending[0] & 0x0F == 8:
            wbits = zlib.MAX_WBITS
        else:
            wbits = -zlib.MAX_WBITS
        self._zlib = zlib.decompressobj(wbits)
        return self._zlib


def decoder_for(content_encoding: str | None) -> Decoder:
    """The Decoder for a Content-Encoding header; CorruptBody for one mdmkit did not ask for."""
    value = (content_encoding or "").strip().lower()
    if value in ("", "identity"):
        return Decoder("identity")
    if value in ("gzip", "x-gzip"):
        return Decoder("gzip")
    if value == "deflate":
        return Decoder("deflate")
    raise CorruptBody(
        f"unsupported Content-Encoding {content_encoding!r} (mdmkit asks for {ACCEPT_ENCODING})"
    )


async def read_body(
    response: aiohttp.ClientResponse, *, limit: int, truncate: bool = False
) -> bytes:
    """The decoded body of ``response`` (sent with ``auto_decompress=False``), at most ``limit``.

    Past ``limit`` bytes, received or inflated, reading stops: ResponseTooLargeError, or with
    ``truncate`` the first ``limit`` bytes. A body its encoding cannot decode is a
    ResponseFormatError. Each step yields to the event loop, so a timeout bounds inflating.
    """
    failure: str | None = None
    too_large = False
    out: list[bytes] = []  # joined once at the end: one copy of the body, not two
    size = 0
    try:
        decoder = decoder_for(response.headers.get("Content-Encoding"))
        announced = response.content_length
        if announced is not None and announced > limit and not truncate:
            raise BodyTooLarge
        if announced == 0 and response.content.at_eof():  # 202, 204: nothing to read
            return b""
        received = unyielded = 0
        while chunk := await response.content.readany():
            for piece in decoder.feed(chunk, limit - size):
                out.append(piece)
                size += len(piece)
                unyielded += len(piece)
                if unyielded >= STEP:  # let timeouts and other tasks in between steps
                    unyielded = 0
                    await anyio.lowlevel.checkpoint()
            received += len(chunk)
            if received > limit:  # compressed input that inflates to little still counts
                raise BodyTooLarge
        decoder.finish()
    except BodyTooLarge:
        too_large = True
    except CorruptBody as exc:
        failure = str(exc)
    url = str(response.url)
    if failure is not None:
        raise ResponseFormatError(failure, status=response.status, url=url)
    if too_large and not truncate:
        raise ResponseTooLargeError(
            f"the response body is larger than max_response_size ({limit} bytes)",
            limit=limit,
            status=response.status,
            url=url,
        )
    return b"".join(out)
