"""Every request a fake server saw, so a test can assert what was sent and how often.

Vendor-neutral: both fakes record into a ``RequestLog``. A request is recorded as soon
as it arrives (``status`` 0) and updated when it is answered, so a request the client gave up
on still counts; a dropped connection keeps ``status`` 0.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

__all__ = ["RecordedRequest", "RequestLog", "UploadedFile", "matches"]


@attrs.frozen(kw_only=True)
class UploadedFile:
    """A file part of a multipart body: its name, type, size and SHA-256 (hex)."""

    filename: str | None
    content_type: str | None
    size: int
    sha256: str


@attrs.frozen(kw_only=True)
class RecordedRequest:
    """One request as the server received it, and how it was answered.

    ``query`` and ``form`` keep the last value of a repeated name; ``query_pairs`` keeps all.
    ``headers`` has ``Authorization`` replaced by ``"<redacted>"``. ``status`` is 0 when the
    connection was dropped; ``fault`` names the injected fault that answered, if any.
    """

    method: str
    path: str
    query: Mapping[str, str]
    query_pairs: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]
    content_type: str | None
    body: bytes
    form: Mapping[str, str]
    files: Mapping[str, UploadedFile]
    json: Any
    status: int
    fault: str | None
    authenticated: bool
    request_id: str | None = None


def matches(record: RecordedRequest, method: str | None, path: str | None) -> bool:
    """Whether the record has this method (any case) and a path matching the fnmatch glob."""
    return (method is None or record.method == method.upper()) and (
        path is None or fnmatch.fnmatchcase(record.path, path)
    )


class RequestLog:
    """An append-only list of ``RecordedRequest`` with small query helpers."""

    def __init__(self) -> None:
        self._items: list[RecordedRequest] = []

    def append(self, record: RecordedRequest) -> int:
        """Add one record and return its position (the servers call this)."""
        self._items.append(record)
        return len(self._items) - 1

    def update(self, position: int, record: RecordedRequest) -> None:
        """Replace the record at ``position`` once the request is answered."""
        self._items[position] = record

    def all(self) -> list[RecordedRequest]:
        """Every record, oldest first."""
        return list(self._items)

    def filter(self, method: str | None = None, path: str | None = None) -> list[RecordedRequest]:
        """Records with this method (any case) and a path matching the fnmatch glob."""
        return [r for r in self._items if matches(r, method or None, path)]

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many records ``filter()`` would return."""
        return len(self.filter(method, path))

    def last(self) -> RecordedRequest:
        """The most recent record (IndexError when the log is empty)."""
        return self._items[-1]

    def clear(self) -> None:
        """Forget every record."""
        self._items.clear()

    def take(self) -> list[RecordedRequest]:
        """Every record since the last look, forgetting them: one test step at a time."""
        taken, self._items = self._items, []
        return taken

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(list(self._items))
