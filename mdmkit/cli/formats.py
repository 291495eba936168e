"""Rows and how they are written: neutral models as flat rows, streamed as CSV, JSON or JSONL.

Pure and streaming: a writer takes one row at a time and keeps none, so an export of 100,000
devices stays one page deep. ``table`` (rich) is the only format that holds its rows, to size
the columns. Values are kept typed for JSON and flattened for CSV (lists joined with ``;``).
"""

from __future__ import annotations

import contextlib
import csv
import enum
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from mdmkit.cli.exits import UsageError

if TYPE_CHECKING:
    from mdmkit.core.bulk import Outcome
    from mdmkit.core.models import App, AppAssignment, Device, Group

__all__ = [
    "APP_COLUMNS",
    "APP_TABLE",
    "ASSIGNMENT_COLUMNS",
    "DEVICE_COLUMNS",
    "DEVICE_TABLE",
    "GROUP_COLUMNS",
    "OUTCOME_COLUMNS",
    "RowWriter",
    "app_row",
    "assignment_row",
    "csv_cell",
    "device_row",
    "group_row",
    "outcome_row",
    "output_file",
    "write_all",
    "writer_for",
]

Row = dict[str, Any]

DEVICE_COLUMNS = (
    "backend",
    "vendor",
    "id",
    "name",
    "serial_number",
    "platform",
    "os_version",
    "model",
    "status",
    "last_seen_at",
    "enrolled_at",
    "supervised",
    "user_email",
    "udid",
    "imei",
    "group_ids",
)
DEVICE_TABLE = ("backend", "id", "name", "platform", "os_version", "model", "serial_number",
                "status", "last_seen_at")  # fmt: skip
APP_COLUMNS = ("backend", "vendor", "id", "name", "bundle_id", "version", "kind", "platforms",
               "channels")  # fmt: skip
APP_TABLE = ("backend", "id", "name", "bundle_id", "version", "kind", "platforms")
GROUP_COLUMNS = ("backend", "vendor", "id", "name", "kind")
ASSIGNMENT_COLUMNS = ("backend", "app_id", "target", "target_id", "install", "carrier")
OUTCOME_COLUMNS = ("backend", "device", "action", "status", "error", "message")


def _value(value: Any) -> Any:
    """Enums as their value, times as ISO 8601, tuples and sets as sorted lists."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(_value(v) for v in value)
    if isinstance(value, tuple | list):
        return [_value(v) for v in value]
    if isinstance(value, enum.Enum):  # a StrEnum is a str too: still its plain value
        return value.value
    return value


def device_row(device: Device) -> Row:
    """A device as a row of ``DEVICE_COLUMNS`` (``backend`` is the device's ``source``)."""
    row: Row = {"backend": device.source}
    for column in DEVICE_COLUMNS[1:]:
        row[column] = _value(getattr(device, column))
    return row


def app_row(app: App) -> Row:
    """An app as a row of ``APP_COLUMNS`` (channels by name, or id when unnamed)."""
    row: Row = {"backend": app.source}
    for column in APP_COLUMNS[1:-1]:
        row[column] = _value(getattr(app, column))
    row["channels"] = [c.name or c.id for c in app.channels]
    return row


def group_row(group: Group) -> Row:
    """A group as a row of ``GROUP_COLUMNS``."""
    row: Row = {"backend": group.source}
    for column in GROUP_COLUMNS[1:]:
        row[column] = _value(getattr(group, column))
    return row


def assignment_row(assignment: AppAssignment) -> Row:
    """An assignment as a row of ``ASSIGNMENT_COLUMNS``."""
    carrier = assignment.carrier
    return {
        "backend": assignment.source,
        "app_id": assignment.app_id,
        "target": assignment.target.kind.value,
        "target_id": assignment.target.id,
        "install": assignment.install.value,
        "carrier": f"{carrier.kind}:{carrier.id}" if carrier is not None else None,
    }


def outcome_row(backend: str, device: str, action: str, outcome: Outcome[Any] | None) -> Row:
    """One device's outcome in a bulk run: ``ok``, ``failed`` (with the error), or, without an
    outcome, ``not confirmed`` (the run was interrupted before the answer came)."""
    if outcome is None:
        status, error, message = "not confirmed", "Interrupted", "the run stopped before an answer"
    elif outcome.error is None:
        status, error, message = "ok", None, None
    else:
        status, error, message = "failed", type(outcome.error).__name__, str(outcome.error)
    return {
        "backend": backend,
        "device": device,
        "action": action,
        "status": status,
        "error": error,
        "message": message,
    }


def csv_cell(value: Any) -> str:
    """A value as CSV text: empty for None, ``true``/``false``, lists joined with ``;``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(csv_cell(v) for v in value)
    return str(value)


class RowWriter(Protocol):
    """Writes rows one at a time; ``close()`` finishes the document (not the stream)."""

    def write(self, row: Mapping[str, Any]) -> None: ...

    def close(self) -> None: ...


class CSVWriter:
    """A header line, then one line per row."""

    def __init__(self, out: TextIO, columns: Sequence[str]) -> None:
        self._columns = tuple(columns)
        self._csv = csv.writer(out, lineterminator="\n")
        self._csv.writerow(self._columns)

    def write(self, row: Mapping[str, Any]) -> None:
        self._csv.writerow([csv_cell(row.get(c)) for c in self._columns])

    def close(self) -> None:
        pass


class JSONLinesWriter:
    """One JSON object per line."""

    def __init__(self, out: TextIO, columns: Sequence[str]) -> None:
        self._out = out
        self._columns = tuple(columns)

    def write(self, row: Mapping[str, Any]) -> None:
        picked = {c: row.get(c) for c in self._columns}
        self._out.write(json.dumps(picked, ensure_ascii=False) + "\n")

    def close(self) -> None:
        pass


class JSONWriter:
    """One JSON array, written as the rows come (``[`` first, ``]`` on close)."""

    def __init__(self, out: TextIO, columns: Sequence[str]) -> None:
        self._out = out
        self._columns = tuple(columns)
        self._count = 0
        out.write("[")

    def write(self, row: Mapping[str, Any]) -> None:
        picked = {c: row.get(c) for c in self._columns}
        separator = "\n" if self._count == 0 else ",\n"
        self._out.write(separator + json.dumps(picked, ensure_ascii=False))
        self._count += 1

    def close(self) -> None:
        self._out.write("\n]\n" if self._count else "]\n")


_WRITERS: dict[str, Callable[[TextIO, Sequence[str]], RowWriter]] = {
    "csv": CSVWriter,
    "json": JSONWriter,
    "jsonl": JSONLinesWriter,
}


def writer_for(fmt: str, out: TextIO, columns: Sequence[str]) -> RowWriter:
    """The streaming writer of ``fmt`` (csv, json or jsonl) over ``out``."""
    return _WRITERS[fmt](out, columns)


def write_all(fmt: str, out: TextIO, columns: Sequence[str], rows: Iterable[Row]) -> None:
    """Every row in ``fmt``, then the document's end."""
    writer = writer_for(fmt, out, columns)
    for row in rows:
        writer.write(row)
    writer.close()


@contextlib.contextmanager
def output_file(path: str) -> Iterator[TextIO]:
    """stdout for ``-``, else ``path`` written in full or not at all.

    The rows go to ``path.partial``, renamed over ``path`` once complete; a failed or
    interrupted run removes it, so a file at ``path`` is always a whole document.
    """
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    partial = path + ".partial"
    try:
        handle = open(partial, "w", encoding="utf-8", newline="")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with handle:
            yield handle
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise
