"""Serve a fake until interrupted, saying where it is: shared by ``mdmkit fake`` and
``python -m mdmkit.testing``.

``connection()`` is what a client needs (URL, credentials, the control endpoints and the
environment variables mdmkit reads), printed as ``key: value`` lines or as one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import shlex
import sys
from collections.abc import Callable
from typing import IO, Any

from mdmkit.testing._server import FakeServer
from mdmkit.testing.manageengine import FakeManageEngine
from mdmkit.testing.simplemdm import FakeSimpleMDM

__all__ = ["connection", "lines", "serve_forever"]


def connection(fake: FakeServer[Any]) -> dict[str, Any]:
    """Where the running fake is, its credentials, and the environment that points mdmkit at it."""
    if isinstance(fake, FakeSimpleMDM):
        return {
            "vendor": "simplemdm",
            "url": fake.url,
            "api_key": fake.api_key,
            "control_url": fake.control_url,
            "env": {"SIMPLEMDM_API_KEY": fake.api_key, "SIMPLEMDM_BASE_URL": fake.url},
        }
    if isinstance(fake, FakeManageEngine):
        if fake.on_premises:
            return {
                "vendor": "manageengine",
                "url": fake.base_url,
                "api_key": fake.api_key,
                "control_url": fake.control_url,
                "env": {
                    "MANAGEENGINE_SERVER_URL": fake.base_url,
                    "MANAGEENGINE_API_KEY": fake.api_key,
                },
            }
        return {
            "vendor": "manageengine",
            "url": fake.base_url,
            "accounts_url": fake.accounts_url,
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
            "refresh_token": fake.refresh_token,
            "control_url": fake.control_url,
            "accounts_control_url": fake.accounts.control_url,
            "env": {
                "MANAGEENGINE_CLIENT_ID": fake.client_id,
                "MANAGEENGINE_CLIENT_SECRET": fake.client_secret,
                "MANAGEENGINE_REFRESH_TOKEN": fake.refresh_token,
                "MANAGEENGINE_BASE_URL": fake.base_url,
                "MANAGEENGINE_ACCOUNTS_URL": fake.accounts_url,
            },
        }
    return {"vendor": type(fake).__name__, "url": fake.root_url, "control_url": fake.control_url}


def lines(fake: FakeServer[Any]) -> list[str]:
    """The connection as ``key: value`` lines, then the ``export`` line for ``from_env()``."""
    found = connection(fake)
    shown = [f"{key}: {value}" for key, value in found.items() if key != "env"]
    env = found.get("env", {})
    if env:
        shown.append("export " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()))
    return shown


async def serve_forever(
    build: Callable[[], FakeServer[Any]],
    *,
    describe: Callable[[FakeServer[Any]], list[str]] = lines,
    as_json: bool = False,
    out: IO[str] | None = None,
) -> None:
    """Start ``build()``, print ``describe(fake)`` (or its ``connection()`` as JSON), and
    serve until cancelled (Ctrl-C).

    ``build`` also rebuilds the state for ``POST /_fake/reset``, so a reset fleet is the one
    the same options and seed gave at start.
    """
    stream = out if out is not None else sys.stdout
    fake = build()
    fake.state_factory = lambda: build().state
    async with fake:
        if as_json:
            print(json.dumps(connection(fake)), file=stream, flush=True)
        else:
            for line in describe(fake):
                print(line, file=stream, flush=True)
            print("serving; press Ctrl-C to stop", file=stream, flush=True)
        await asyncio.Event().wait()
