"""Rows and their writers, without a server: neutral models as flat rows, CSV/JSON/JSONL
written one row at a time, output files written whole or not at all."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mdmkit.cli import formats
from mdmkit.cli.options import STREAM_FORMATS
from mdmkit.core.bulk import Outcome
from mdmkit.core.errors import NotFoundError
from mdmkit.core.models import (
    App,
    AppAssignment,
    AppChannel,
    AppKind,
    Carrier,
    Device,
    DeviceStatus,
    InstallMode,
    Platform,
    Target,
    TargetKind,
    Vendor,
)

DEVICE = Device(
    id="121",
    name="Ann's iPhone",
    serial_number="F2LX",
    imei=("35 1", "35 2"),
    platform=Platform.IOS,
    status=DeviceStatus.ENROLLED,
    last_seen_at=datetime(2024, 5, 1, 12, 30, tzinfo=UTC),
    supervised=True,
    group_ids=("g1",),
    vendor=Vendor.SIMPLEMDM,
    source="prod",
)


def test_a_device_row_is_flat_typed_data() -> None:
    row = formats.device_row(DEVICE)
    assert list(row) == list(formats.DEVICE_COLUMNS)
    assert row["backend"] == "prod"
    assert row["vendor"] == "simplemdm"
    assert row["platform"] == "ios"
    assert row["status"] == "enrolled"
    assert row["last_seen_at"] == "2024-05-01T12:30:00+00:00"
    assert row["imei"] == ["35 1", "35 2"]
    assert row["enrolled_at"] is None
    assert set(formats.DEVICE_TABLE) <= set(row)
    # the neutral enums are StrEnums: a row still holds their plain values, as it did
    assert [type(row[c]) for c in ("vendor", "platform", "status")] == [str, str, str]


def test_app_and_assignment_rows() -> None:
    app = App(
        id="7",
        name="Surf",
        kind=AppKind.ENTERPRISE,
        platforms=frozenset({Platform.IOS, Platform.IPADOS}),
        channels=(AppChannel(id="1", name="Stable"), AppChannel(id="2")),
        vendor=Vendor.MANAGEENGINE,
        source="me",
    )
    row = formats.app_row(app)
    assert row["platforms"] == ["ios", "ipados"]
    assert [type(p) for p in row["platforms"]] == [str, str]
    assert row["channels"] == ["Stable", "2"]
    assignment = AppAssignment(
        app_id="7", target=Target(TargetKind.GROUP, "9"), install=InstallMode.ON_DEMAND,
        carrier=Carrier(kind="release_label", id="1"), vendor=Vendor.MANAGEENGINE, source="me",
    )  # fmt: skip
    assert formats.assignment_row(assignment) == {
        "backend": "me", "app_id": "7", "target": "group", "target_id": "9",
        "install": "on demand", "carrier": "release_label:1",
    }  # fmt: skip


def test_outcome_rows_say_ok_failed_or_not_confirmed() -> None:
    ok = formats.outcome_row("sm", "1", "lock", Outcome(0, "1"))
    assert (ok["status"], ok["error"]) == ("ok", None)
    error = NotFoundError("object not found", status=404)
    failed = formats.outcome_row("sm", "2", "lock", Outcome(1, "2", error=error))
    assert (failed["status"], failed["error"]) == ("failed", "NotFoundError")
    assert "object not found" in failed["message"]
    unknown = formats.outcome_row("sm", "3", "lock", None)
    assert unknown["status"] == "not confirmed"


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (True, "true"), (False, "false"), (["a", "b"], "a;b"), (5, "5"), ("x", "x")],
)
def test_csv_cells(value: object, text: str) -> None:
    assert formats.csv_cell(value) == text


def rows(n: int) -> list[dict[str, object]]:
    return [
        {"id": str(i), "tags": ["a", "b"], "ok": i % 2 == 0, "extra": "dropped"} for i in range(n)
    ]


@pytest.mark.parametrize("count", [0, 1, 3])
def test_every_format_reads_back_what_was_written(count: int) -> None:
    written = {}
    for fmt in STREAM_FORMATS:
        out = io.StringIO()
        formats.write_all(fmt, out, ("id", "tags", "ok"), rows(count))
        written[fmt] = out.getvalue()
    assert json.loads(written["json"]) == [
        {"id": str(i), "tags": ["a", "b"], "ok": i % 2 == 0} for i in range(count)
    ]
    lines = [json.loads(line) for line in written["jsonl"].splitlines()]
    assert lines == json.loads(written["json"])
    table = list(csv.DictReader(io.StringIO(written["csv"])))
    assert table == [
        {"id": str(i), "tags": "a;b", "ok": "true" if i % 2 == 0 else "false"} for i in range(count)
    ]
    assert written["csv"].splitlines()[0] == "id,tags,ok"  # a header even without rows


def test_the_stream_formats_are_the_writers() -> None:
    for fmt in STREAM_FORMATS:
        assert formats.writer_for(fmt, io.StringIO(), ("id",)) is not None


def test_an_output_file_is_whole_or_absent(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    with formats.output_file(str(path)) as out:
        out.write("id\n1\n")
        assert not path.exists()  # still being written, under another name
        assert (tmp_path / "out.csv.partial").exists()
    assert path.read_text() == "id\n1\n"

    def interrupted() -> None:
        with formats.output_file(str(path)) as out:
            out.write("id\n2\n")
            raise RuntimeError("the backend went away")

    with pytest.raises(RuntimeError):
        interrupted()
    assert path.read_text() == "id\n1\n"  # the earlier export is untouched
    assert not (tmp_path / "out.csv.partial").exists()


def test_an_output_file_that_cannot_be_written_is_a_usage_error(tmp_path: Path) -> None:
    from mdmkit.cli.exits import UsageError

    with (
        pytest.raises(UsageError, match="cannot write"),
        formats.output_file(str(tmp_path / "no" / "x.csv")),
    ):
        pass
