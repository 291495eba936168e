"""Run a fake MDM server from the command line until Ctrl-C::

    python -m mdmkit.testing simplemdm --port 8080 --devices 500 --seed 1 --api-key KEY
    python -m mdmkit.testing manageengine --port 8081 --devices 500 [--on-premises]

Each vendor is a sub-command registered in ``SERVERS``: a function that adds its options to
an argparse parser and one that builds the server from the parsed options.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from mdmkit.testing._server import FakeServer
from mdmkit.testing.manageengine import FakeManageEngine
from mdmkit.testing.simplemdm import FakeSimpleMDM

__all__ = ["SERVERS", "Server", "main"]


@attrs.frozen
class Server:
    """A sub-command: its help, its options, how to build it and what to print once up."""

    help: str
    add_options: Callable[[argparse.ArgumentParser], None]
    build: Callable[[argparse.Namespace], FakeServer[Any]]
    describe: Callable[[FakeServer[Any]], list[str]]


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (0 picks a free one)")
    parser.add_argument("--devices", type=int, default=250, help="generated devices")
    parser.add_argument("--seed", type=int, default=0, help="fleet seed (same seed, same fleet)")


def _simplemdm_options(parser: argparse.ArgumentParser) -> None:
    _common_options(parser)
    parser.add_argument("--api-key", default=None, help="API key to accept (default: random)")


def _simplemdm(args: argparse.Namespace) -> FakeServer[Any]:
    return FakeSimpleMDM(
        args.devices, seed=args.seed, api_key=args.api_key, host=args.host, port=args.port
    )


def _describe_simplemdm(server: FakeServer[Any]) -> list[str]:
    assert isinstance(server, FakeSimpleMDM)
    return [f"url: {server.url}", f"api_key: {server.api_key}"]


def _manageengine_options(parser: argparse.ArgumentParser) -> None:
    _common_options(parser)
    parser.add_argument(
        "--accounts-port", type=int, default=0, help="Zoho accounts port (default: a free one)"
    )
    parser.add_argument(
        "--on-premises", action="store_true", help="API key auth (MDM Plus) instead of Zoho OAuth"
    )


def _manageengine(args: argparse.Namespace) -> FakeServer[Any]:
    return FakeManageEngine(
        args.devices,
        seed=args.seed,
        on_premises=args.on_premises,
        host=args.host,
        port=args.port,
        accounts_port=args.accounts_port,
    )


def _describe_manageengine(server: FakeServer[Any]) -> list[str]:
    assert isinstance(server, FakeManageEngine)
    if server.on_premises:
        return [f"url: {server.base_url}", f"api_key: {server.api_key}"]
    return [
        f"url: {server.base_url}",
        f"accounts_url: {server.accounts_url}",
        f"client_id: {server.client_id}",
        f"client_secret: {server.client_secret}",
        f"refresh_token: {server.refresh_token}",
    ]


SERVERS: dict[str, Server] = {
    "simplemdm": Server(
        "a fake SimpleMDM API v1", _simplemdm_options, _simplemdm, _describe_simplemdm
    ),
    "manageengine": Server(
        "a fake ManageEngine MDM (Cloud with Zoho OAuth, or on-premises)",
        _manageengine_options,
        _manageengine,
        _describe_manageengine,
    ),
}


async def _serve(server: Server, args: argparse.Namespace) -> None:
    fake = server.build(args)
    async with fake:
        for line in server.describe(fake):
            print(line, flush=True)
        print("serving; press Ctrl-C to stop", flush=True)
        await asyncio.Event().wait()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m mdmkit.testing", description=__doc__)
    commands = parser.add_subparsers(dest="vendor", required=True)
    for name, server in SERVERS.items():
        server.add_options(commands.add_parser(name, help=server.help))
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(SERVERS[args.vendor], args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
