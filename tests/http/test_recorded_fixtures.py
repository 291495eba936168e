"""Real recorded responses parse to exactly the values pinned before the converter got strict.

``tests/http/recorded_parsed.json`` holds every field of every model parsed from the
recorded SimpleMDM responses (tests/simplemdm/fixtures), written by the converter as it was
before it refused undocumented quirks. A field the models gain later is not compared; a
value that changes is. Run this file as a script to rewrite the pin (only on purpose).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

from mdmkit.http.convert import make_converter
from mdmkit.http.response import Response
from mdmkit.simplemdm.envelope import read_list, read_one
from mdmkit.simplemdm.models import Account, App, Device, DeviceUser, InstalledApp

FIXTURES = Path(__file__).parents[1] / "simplemdm" / "fixtures"
PINNED = Path(__file__).parent / "recorded_parsed.json"
MODELS: dict[str, type[Any]] = {
    "account.json": Account,
    "devices.json": Device,
    "devices_ID_users.json": DeviceUser,
    "apps_creativice.json": App,
    "devices_ID_installed_apps_creativice_page1.json": InstalledApp,
    "devices_ID_installed_apps_creativice_page2.json": InstalledApp,
    "devices_ID_installed_apps_creativice_page3.json": InstalledApp,
}


def plain(value: Any) -> Any:
    """A parsed value as JSON data, with its Python type named where JSON would lose it."""
    if attrs.has(type(value)):
        return {f.name: plain(getattr(value, f.name)) for f in attrs.fields(type(value))}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, float):
        return {"float": repr(value)}
    return value


def parsed(name: str) -> list[dict[str, Any]]:
    """The models parsed from one recorded file, each as plain data without its raw record."""
    record = json.loads((FIXTURES / name).read_text())
    response = Response(
        status=record["status"],
        headers=record["headers"],
        body=json.dumps(record["body"]).encode(),
        method=record["request"]["method"],
        url=record["request"]["path"],
    )
    converter = make_converter()
    if isinstance(record["body"]["data"], list):
        models = read_list(response, MODELS[name], converter)[0]
    else:
        models = [read_one(response, MODELS[name], converter)]
    rows = [plain(model) for model in models]
    for row in rows:
        row.pop("raw", None)
    return rows


def test_every_recorded_file_is_pinned() -> None:
    recorded = {p.name for p in FIXTURES.glob("*.json")}
    assert recorded == set(MODELS)
    assert set(json.loads(PINNED.read_text())) == recorded


@pytest.mark.parametrize("name", sorted(MODELS))
def test_recorded_responses_parse_to_the_pinned_values(name: str) -> None:
    pinned = json.loads(PINNED.read_text())[name]
    now = parsed(name)
    assert len(now) == len(pinned)
    for row, expected in zip(now, pinned, strict=True):
        assert {k: row.get(k, "<missing>") for k in expected} == expected


if __name__ == "__main__":
    snapshot = {name: parsed(name) for name in sorted(MODELS)}
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else PINNED
    target.write_text(json.dumps(snapshot, indent=1, sort_keys=True) + "\n")
