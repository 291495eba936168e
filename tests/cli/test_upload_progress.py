"""``FileSource.with_progress``: the bytes written to the connection, reported as they go,
from 0 again when a retry resends the file (the hook ``mdmkit apps upload`` draws from)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mdmkit.http.uploads import CHUNK_SIZE, FileSource
from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.testing import FakeClock, FakeSimpleMDM, ServerError

pytestmark = pytest.mark.anyio


@pytest.fixture
async def fake(fake_clock: FakeClock) -> AsyncIterator[FakeSimpleMDM]:
    async with FakeSimpleMDM(devices=1, seed=1, clock=fake_clock) as server:
        yield server


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


def client(fake: FakeSimpleMDM, clock: FakeClock) -> SimpleMDMClient:
    return SimpleMDMClient(fake.api_key, base_url=fake.url, clock=clock.time, sleep=clock.sleep)


@pytest.mark.parametrize("kind", ["path", "bytes"])
async def test_progress_counts_every_byte_in_order(
    fake: FakeSimpleMDM, fake_clock: FakeClock, tmp_path: Path, kind: str
) -> None:
    data = os.urandom(3 * CHUNK_SIZE + 123)
    path = tmp_path / "Big.pkg"
    path.write_bytes(data)
    seen: list[tuple[int, int | None]] = []
    given = FileSource.of(path if kind == "path" else data, filename="Big.pkg")
    source = given.with_progress(lambda sent, size: seen.append((sent, size)))
    async with client(fake, fake_clock) as sm:
        await sm.apps.create(binary=source)
    assert seen[0] == (0, len(data))
    assert seen[-1] == (len(data), len(data))
    sent = [s for s, _ in seen]
    assert sent == sorted(sent)
    assert len(seen) == 1 + 4  # the start, then one report per chunk
    uploaded = fake.requests.filter("POST", "*/apps")[0].files["binary"]
    assert uploaded.sha256 == hashlib.sha256(data).hexdigest()


async def test_a_retried_upload_starts_its_count_again(
    fake: FakeSimpleMDM, fake_clock: FakeClock
) -> None:
    fake.faults.add(ServerError(503), route="POST */apps", times=1)
    data = b"x" * (CHUNK_SIZE + 1)
    seen: list[int] = []
    source = FileSource.of(data, filename="App.ipa").with_progress(lambda s, _: seen.append(s))
    async with client(fake, fake_clock) as sm:
        await sm.apps.create(binary=source)
    assert fake.requests.count("POST", "*/apps") == 2
    assert seen == [0, CHUNK_SIZE, CHUNK_SIZE + 1, 0, CHUNK_SIZE, CHUNK_SIZE + 1]


def test_progress_is_no_part_of_equality_or_repr(tmp_path: Path) -> None:
    plain = FileSource.of(b"abc", filename="a.ipa")
    watched = plain.with_progress(lambda sent, size: None)
    assert watched == plain
    assert "progress" not in repr(watched)
