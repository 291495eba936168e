"""File sources: checked before I/O, reopened per attempt, streamed in chunks."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from mdmkit.core.errors import InvalidRequestError
from mdmkit.http.uploads import CHUNK_SIZE, FileSource, guess_content_type


class Collector:
    """Stands in for aiohttp's stream writer: gathers what a payload writes."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    async def write(self, chunk: bytes) -> None:
        self.chunks.append(bytes(chunk))


async def written(source: FileSource) -> Collector:
    sink = Collector()
    async with source.payload() as payload:
        await payload.write(sink)  # type: ignore[arg-type]
    return sink


def test_bytes_need_a_filename() -> None:
    with pytest.raises(InvalidRequestError, match="filename") as info:
        FileSource.of(b"PK..", field="binary")
    assert info.value.field == "filename"
    source = FileSource.of(b"PK..", filename="App.ipa")
    assert (source.kind, source.size, source.filename) == ("bytes", 4, "App.ipa")


def test_path_must_exist(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequestError, match="no such file") as info:
        FileSource.of(tmp_path / "missing.ipa", field="binary")
    assert info.value.field == "binary"
    with pytest.raises(InvalidRequestError):
        FileSource.of(tmp_path, field="binary")  # a directory is not a file


def test_text_streams_and_other_objects_are_refused() -> None:
    with pytest.raises(InvalidRequestError, match="binary file object"):
        FileSource.of(io.StringIO("x"), filename="a.txt")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="got int"):
        FileSource.of(42, filename="a.txt")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="without a name"):
        FileSource.of(io.BytesIO(b"x"))


@pytest.mark.parametrize(
    "name",
    [
        "App\r\n.ipa",
        "App\n.ipa",
        "App\r.ipa",
        "App\x00.ipa",
        "App\t.ipa",
        "App\x1b.ipa",
        "App\x85.ipa",
        "App\u2028.ipa",
        "App\ud800.ipa",
        "",
        "   ",
    ],
)
def test_a_file_name_a_multipart_header_cannot_carry_is_refused(name: str) -> None:
    with pytest.raises(InvalidRequestError, match="filename") as info:
        FileSource.of(b"PK..", filename=name)
    assert info.value.field == "filename"
    with pytest.raises(InvalidRequestError):
        FileSource.of(io.BytesIO(b"PK.."), filename=name or "\n")


def test_a_path_whose_name_holds_a_newline_needs_a_filename(tmp_path: Path) -> None:
    path = tmp_path / "App\n.ipa"
    path.write_bytes(b"PK..")
    with pytest.raises(InvalidRequestError, match="pass filename="):
        FileSource.of(path)
    assert FileSource.of(path, filename="App.ipa").filename == "App.ipa"


@pytest.mark.parametrize(
    "name", ["Surf Report \u00e9.pkg", "\u540d\u524d.apk", 'a"b.ipa', "a b.ipa"]
)
def test_ordinary_file_names_are_kept(name: str) -> None:
    assert FileSource.of(b"PK..", filename=name).filename == name


@pytest.mark.parametrize("content_type", ["text/plain\r\nX-Evil: 1", "zip", "a/b\x00", "a/\u00e9"])
def test_a_content_type_a_header_cannot_carry_is_refused(content_type: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        FileSource.of(b"PK..", filename="a.zip", content_type=content_type)
    assert info.value.field == "content_type"
    assert FileSource.of(b"PK..", filename="a.zip", content_type="application/zip; x=1")


@pytest.mark.anyio
async def test_path_streams_in_chunks_and_is_reopened_each_time(tmp_path: Path) -> None:
    data = bytes(range(256)) * ((CHUNK_SIZE * 2 + 100) // 256)
    path = tmp_path / "Big.ipa"
    path.write_bytes(data)
    source = FileSource.of(path)
    assert (source.filename, source.size, source.replayable) == ("Big.ipa", len(data), True)
    for _ in range(2):  # a retry sends the whole file again
        sink = await written(source)
        assert b"".join(sink.chunks) == data
        assert max(len(c) for c in sink.chunks) <= CHUNK_SIZE


@pytest.mark.anyio
async def test_seekable_stream_is_rewound_and_left_open() -> None:
    stream = io.BytesIO(b"header|payload")
    stream.seek(7)
    source = FileSource.of(stream, filename="p.pkg")
    assert (source.size, source.replayable) == (7, True)
    assert b"".join((await written(source)).chunks) == b"payload"
    assert b"".join((await written(source)).chunks) == b"payload"
    assert not stream.closed


class OneShot(io.RawIOBase):
    """A non-seekable binary stream, like a pipe."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self.name = "pipe.pkg"

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk, self._data = self._data[:size], self._data[size:]
        return chunk


@pytest.mark.anyio
async def test_one_shot_stream_is_not_replayable() -> None:
    source = FileSource.of(OneShot(b"abc"))  # type: ignore[arg-type]
    assert not source.replayable
    assert source.size is None
    assert b"".join((await written(source)).chunks) == b"abc"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.apk", "application/vnd.android.package-archive"),
        ("a.msi", "application/x-ms-installer"),
        ("a.ipa", "application/octet-stream"),
        ("a.json", "application/json"),
        ("noext", "application/octet-stream"),
    ],
)
def test_guess_content_type(name: str, expected: str) -> None:
    assert guess_content_type(name) == expected


def test_file_names_are_sent_as_browsers_send_them() -> None:
    from mdmkit.http.uploads import disposition_value

    assert disposition_value("Surf Report é.pkg") == "Surf Report é.pkg"
    assert disposition_value('a"b\r\nc.ipa') == "a%22b%0D%0Ac.ipa"
