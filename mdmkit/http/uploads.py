"""Files to upload (a path, bytes, or a binary file object) and the streamed multipart bodies.

A ``FileSource`` is checked before any I/O and is opened afresh for every attempt, so a
retried upload resends the whole file; memory stays one chunk deep however large it is.
``with_progress(callback)`` reports the bytes written to the connection as they go.
"""

from __future__ import annotations

import io
import mimetypes
import os
import re
import unicodedata
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, BinaryIO, Literal, TypeAlias

import aiohttp
import aiohttp.payload
import anyio.to_thread
import attrs

from mdmkit.core.errors import InvalidRequestError

__all__ = [
    "FileInput",
    "FileSource",
    "FormField",
    "UploadProgress",
    "disposition_value",
    "multipart_body",
]

FileInput: TypeAlias = "str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO"
UploadProgress: TypeAlias = Callable[[int, "int | None"], None]
"""``progress(sent, size)``: bytes of this attempt written so far (0 when an attempt starts)."""
CHUNK_SIZE = 256 * 1024

# Content types the vendors document for app packages; anything else is octet-stream.
KNOWN_TYPES = {
    ".ipa": "application/octet-stream",
    ".pkg": "application/octet-stream",
    ".apk": "application/vnd.android.package-archive",
    ".msi": "application/x-ms-installer",
    ".appx": "application/zip",
    ".appxbundle": "application/zip",
    ".msix": "application/zip",
    ".msixbundle": "application/zip",
    ".xap": "application/zip",
    ".mobileconfig": "application/x-apple-aspen-config",
    ".plist": "application/xml",
    ".xml": "application/xml",
}


def guess_content_type(filename: str) -> str:
    """The content type for a file name, from the vendors' tables and then the mimetypes module."""
    ext = os.path.splitext(filename)[1].lower()
    return KNOWN_TYPES.get(ext) or mimetypes.guess_type(filename)[0] or "application/octet-stream"


_UNSAFE_NAME_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})  # controls, surrogates, breaks


def _check_filename(_: object, __: object, name: Any) -> None:
    """A file name fit for a multipart header: text without control characters (CR, LF, NUL)."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidRequestError("filename must be a non-empty string", field="filename")
    if any(unicodedata.category(ch) in _UNSAFE_NAME_CATEGORIES for ch in name):
        raise InvalidRequestError(
            f"filename holds control characters (CR, LF, NUL, ...), which a multipart header "
            f"cannot carry: {name!r:.80}; pass filename= to name the file",
            field="filename",
        )


def _check_content_type(_: object, __: object, value: Any) -> None:
    """A content type fit for a header: printable ASCII, such as ``application/zip``."""
    if not isinstance(value, str) or not _CONTENT_TYPE.fullmatch(value):
        raise InvalidRequestError(
            f"content_type must be a media type such as 'application/zip', got {value!r:.80}",
            field="content_type",
        )


_CONTENT_TYPE = re.compile(r"[!-~]+/[!-~]+(?:[ ]*;[ !-~]*)?")


@attrs.frozen(kw_only=True)
class FileSource:
    """One file to send, whatever form the caller gave it in; its name and type are checked."""

    filename: str = attrs.field(validator=_check_filename)
    content_type: str = attrs.field(validator=_check_content_type)
    kind: Literal["path", "bytes", "stream"]
    value: Any = attrs.field(repr=False)
    start: int = 0
    size: int | None = None
    replayable: bool = True
    progress: UploadProgress | None = attrs.field(default=None, repr=False, eq=False)

    @classmethod
    def of(
        cls,
        source: FileSource | FileInput,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        field: str = "file",
    ) -> FileSource:
        """Check ``source`` and describe it; raises InvalidRequestError naming ``field``."""
        if isinstance(source, FileSource):
            return source
        if isinstance(source, bytes | bytearray | memoryview):
            if not filename:
                raise InvalidRequestError(
                    f"{field}: a filename (such as 'App.ipa') is needed when the file is bytes",
                    field="filename",
                )
            data = bytes(source)
            return cls(
                filename=filename,
                content_type=content_type or guess_content_type(filename),
                kind="bytes",
                value=data,
                size=len(data),
            )
        if isinstance(source, str | os.PathLike):
            path = os.fspath(source)
            if not os.path.isfile(path):
                raise InvalidRequestError(f"{field}: no such file: {path!r}", field=field)
            name = filename or os.path.basename(path)
            return cls(
                filename=name,
                content_type=content_type or guess_content_type(name),
                kind="path",
                value=path,
                size=os.path.getsize(path),
            )
        return cls._of_stream(source, filename, content_type, field)

    @classmethod
    def _of_stream(
        cls, stream: object, filename: str | None, content_type: str | None, field: str
    ) -> FileSource:
        if isinstance(stream, io.TextIOBase) or not callable(getattr(stream, "read", None)):
            raise InvalidRequestError(
                f"{field}: expected a path, bytes or a binary file object, "
                f"got {type(stream).__name__}",
                field=field,
            )
        name = filename or os.path.basename(str(getattr(stream, "name", "") or ""))
        if not name:
            raise InvalidRequestError(
                f"{field}: a filename is needed for a file object without a name",
                field="filename",
            )
        seekable = bool(getattr(stream, "seekable", lambda: False)())
        start = size = None
        if seekable:
            start = stream.tell()  # type: ignore[attr-defined]
            size = stream.seek(0, io.SEEK_END) - start  # type: ignore[attr-defined]
            stream.seek(start)  # type: ignore[attr-defined]
        return cls(
            filename=name,
            content_type=content_type or guess_content_type(name),
            kind="stream",
            value=stream,
            start=start or 0,
            size=size,
            replayable=seekable,
        )

    def with_progress(self, progress: UploadProgress) -> FileSource:
        """The same file, calling ``progress(sent, size)`` as each chunk goes out."""
        return attrs.evolve(self, progress=progress)

    @asynccontextmanager
    async def payload(self) -> AsyncIterator[aiohttp.payload.Payload]:
        """A fresh payload for one attempt; a path is opened and closed here, a stream rewound."""
        if self.progress is not None:
            self.progress(0, self.size)
        if self.kind == "bytes":
            if self.progress is None:
                yield aiohttp.payload.BytesPayload(self.value, content_type=self.content_type)
            else:
                yield self._chunked(io.BytesIO(self.value))
            return
        if self.kind == "path":
            handle: BinaryIO = await anyio.to_thread.run_sync(open, self.value, "rb")
            try:
                yield self._chunked(handle)
            finally:
                await anyio.to_thread.run_sync(handle.close)
            return
        if self.replayable:
            await anyio.to_thread.run_sync(self.value.seek, self.start)
        yield self._chunked(self.value)

    def _chunked(self, handle: BinaryIO) -> _ChunkedPayload:
        return _ChunkedPayload(handle, self.size, self.content_type, self.progress)


class _ChunkedPayload(aiohttp.payload.Payload):
    """Streams a binary file chunk by chunk from a worker thread; never closes the file."""

    def __init__(
        self,
        handle: BinaryIO,
        size: int | None,
        content_type: str,
        progress: UploadProgress | None = None,
    ) -> None:
        super().__init__(handle, content_type=content_type)
        self._size = size
        self._handle = handle
        self._progress = progress

    async def write(self, writer: Any) -> None:
        await self.write_with_length(writer, None)

    async def write_with_length(self, writer: Any, content_length: int | None) -> None:
        remaining = content_length
        sent = 0
        while remaining is None or remaining > 0:
            want = CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining)
            chunk = await anyio.to_thread.run_sync(self._handle.read, want)
            if not chunk:
                break
            await writer.write(chunk)
            sent += len(chunk)
            if self._progress is not None:
                self._progress(sent, self._size)
            if remaining is not None:
                remaining -= len(chunk)

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        raise TypeError("a streamed file payload cannot be decoded to text")


FormField: TypeAlias = "tuple[str, str | FileSource]"


@asynccontextmanager
async def multipart_body(fields: Sequence[FormField]) -> AsyncIterator[aiohttp.MultipartWriter]:
    """A multipart/form-data body for one attempt, with every file part freshly opened."""
    writer = aiohttp.MultipartWriter("form-data")
    async with _open_all([v for _, v in fields if isinstance(v, FileSource)]) as payloads:
        opened = iter(payloads)
        for name, value in fields:
            if isinstance(value, FileSource):
                part = writer.append_payload(next(opened))
                part.set_content_disposition(
                    "form-data",
                    quote_fields=False,
                    name=disposition_value(name),
                    filename=disposition_value(value.filename),
                )
            else:
                text = writer.append(value)
                text.set_content_disposition("form-data", name=name)
        yield writer


def disposition_value(text: str) -> str:
    """A name for Content-Disposition as browsers send it: UTF-8, with only ``"`` CR LF escaped.

    aiohttp's default percent-encodes every non-ASCII byte and space, which most servers keep
    as literal ``%20`` in the file name. Multipart parts and a raw upload's header both use it.
    """
    return text.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


@asynccontextmanager
async def _open_all(
    sources: Sequence[FileSource],
) -> AsyncIterator[list[aiohttp.payload.Payload]]:
    if not sources:
        yield []
        return
    async with sources[0].payload() as first, _open_all(sources[1:]) as rest:
        yield [first, *rest]
