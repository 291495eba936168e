"""``python -m mdmkit.testing simplemdm`` starts a server, prints its URL and key, serves."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable

import aiohttp
import pytest

from mdmkit import MDM, ManageEngine, SimpleMDM
from mdmkit.testing.__main__ import SERVERS, main
from tests.testing.fakeapi import serve_cli

pytestmark = pytest.mark.anyio


async def test_entry_point_serves_until_terminated() -> None:
    args = ("simplemdm", "--port", "0", "--devices", "20", "--api-key", "cli-key", "--seed", "3")
    async with serve_cli(*args, until="api_key") as lines:
        assert lines["api_key"] == "cli-key"
        headers = {"Authorization": aiohttp.encode_basic_auth("cli-key", "")}
        async with (
            aiohttp.ClientSession() as session,
            session.get(lines["url"] + "/devices/1", headers=headers) as response,
        ):
            assert response.status == 200
            assert (await response.json())["data"]["id"] == 1


def exported(line: str) -> dict[str, str]:
    """The variables of an ``export A=1 B=2`` line."""
    words = shlex.split(line)
    assert words[0] == "export"
    return dict(word.split("=", 1) for word in words[1:])


@pytest.mark.parametrize(
    ("args", "build"),
    [
        (("simplemdm", "--devices", "7"), SimpleMDM.from_env),
        (("manageengine", "--devices", "7", "--upload-delay", "0"), ManageEngine.from_env),
        (("manageengine", "--devices", "7", "--on-premises"), ManageEngine.from_env),
        (
            (
                *("manageengine", "--devices", "7", "--token-format", "legacy"),
                *("--next-links", "relative", "--numeric-error-codes"),
            ),
            ManageEngine.from_env,
        ),
    ],
    ids=["simplemdm", "manageengine", "on-premises", "manageengine-real-shapes"],
)
async def test_the_printed_exports_configure_from_env(
    args: tuple[str, ...], build: Callable[[], MDM], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serve_cli(*args, "--port", "0", until="serving; press Ctrl-C to stop") as lines:
        export = next(key for key in lines if key.startswith("export "))
        for name, value in exported(export).items():
            monkeypatch.setenv(name, value)
        async with build() as mdm:
            assert len(await mdm.devices.list().collect()) == 7


def test_help_names_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    main_text = capsys.readouterr().out
    for vendor, server in SERVERS.items():
        assert vendor in main_text
        with pytest.raises(SystemExit):
            main([vendor, "--help"])
        text = capsys.readouterr().out
        assert "examples:" in text
        options = argparse.ArgumentParser()
        server.add_options(options)
        for action in options._actions:
            assert all(flag in text for flag in action.option_strings)
            assert action.help, f"{vendor} {action.option_strings} has no help"
