"""Device ids from the command line and from files (CSV, JSON, JSON Lines), and which
backend each belongs to: table by table, without a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from mdmkit.cli.exits import UsageError
from mdmkit.cli.idfile import Ref, assign_backends, parse_ids, parse_ref, read_id_file


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ("121\n122\n", [Ref("121"), Ref("122")]),
        ("# lost on the train\n121\n\nprod:122\n", [Ref("121"), Ref("122", "prod")]),
        ("id,name\n121,Ann's iPhone\n122,Bo's Mac\n", [Ref("121"), Ref("122")]),
        ("name,ID,backend\nx,121,prod\ny,122,\n", [Ref("121", "prod"), Ref("122")]),
        (
            "backend,vendor,id,name\nsm,simplemdm,1,a\nme,manageengine,108870000001000001,b\n",
            [Ref("1", "sm"), Ref("108870000001000001", "me")],
        ),
        ("source,id\nsm,5\n", [Ref("5", "sm")]),
        ('[121, "122", "prod:123"]', [Ref("121"), Ref("122"), Ref("123", "prod")]),
        (
            '[{"id": 1, "backend": "sm"}, {"id": "2", "source": "me"}]',
            [Ref("1", "sm"), Ref("2", "me")],
        ),
        ('{"id": 7, "backend": "sm"}', [Ref("7", "sm")]),
        (
            '{"id": 1, "backend": "sm"}\n{"id": 2, "backend": "me"}\n',
            [Ref("1", "sm"), Ref("2", "me")],
        ),
    ],
)
def test_what_a_file_may_hold(text: str, refs: list[Ref]) -> None:
    assert parse_ids(text) == refs


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "ids: no device ids in it"),
        ("# only a comment\n", "no device ids in it"),
        ("id,name\n", "no device ids in it"),
        ("121\n1/wipe\n", "ids: line 2: '1/wipe' is not a device id"),
        ("12 1\n", "line 1: '12 1' is not a device id"),
        ("..\n", "is not a device id"),
        ("id,name\n,x\n", "line 2: empty device id"),
        (":121\n", "has an empty backend name"),
        ("[true]", "item 1: expected a device id, got True"),
        ('[{"name": "x"}]', 'item 1: an object needs an "id"'),
        ('[{"id": 1, "backend": 5}]', '"backend" must be a string'),
        ("[[1]]", 'expected a device id or an object with "id"'),
        ('{"id": 1}\n{oops\n', "line 2 is not JSON"),
    ],
)
def test_what_a_file_may_not_hold(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_ids(text)
    assert message in caught.value.message


def test_a_ref_from_the_command_line_and_back() -> None:
    assert parse_ref("prod:121") == Ref("121", "prod")
    assert str(Ref("121", "prod")) == "prod:121"
    assert str(Ref("121")) == "121"


def test_reading_a_file(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("\ufeffid\n1\n2\n", encoding="utf-8")  # Excel writes a byte order mark
    assert read_id_file(str(path)) == [Ref("1"), Ref("2")]
    with pytest.raises(UsageError, match="--from: no such file"):
        read_id_file(str(tmp_path / "nope.csv"))


def test_backends_come_from_the_ref_or_the_default_and_duplicates_go() -> None:
    refs = [Ref("1"), Ref("2", "me"), Ref("1", "sm"), Ref("1")]
    chosen, dropped = assign_backends(refs, ["sm", "me"], "sm")
    assert chosen == [Ref("1", "sm"), Ref("2", "me")]
    assert dropped == 2


def test_a_ref_without_a_backend_among_several_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as caught:
        assign_backends([Ref("1")], ["sm", "me"], None)
    assert "device 1 does not say its backend" in caught.value.message
    assert caught.value.hint is not None
    assert "sm:1" in caught.value.hint
    with pytest.raises(UsageError, match="names unknown backend 'xx'; configured: sm, me"):
        assign_backends([Ref("1", "xx")], ["sm", "me"], "sm")
