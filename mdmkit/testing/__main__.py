"""Run a fake MDM server from the command line until Ctrl-C (``python -m mdmkit.testing -h``).

Each vendor is a sub-command registered in ``SERVERS``: a function that adds its options to
an argparse parser, one that builds the server from the parsed options, and one that says
what to print once it is up (addresses, credentials, and the variables ``from_env()`` reads).
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
from mdmkit.testing.serve import lines, serve_forever
from mdmkit.testing.simplemdm import FakeSimpleMDM

__all__ = ["SERVERS", "Server", "main"]

DESCRIPTION = """\
Serve a fake MDM on 127.0.0.1 until Ctrl-C: a real HTTP server that keeps state (a generated
fleet of devices, apps and groups), answers like the real service and records every request.
Point mdmkit, curl or a tool in any language at it. Once up it prints its address, the
credentials it accepts, and `export` lines for SimpleMDM.from_env() / ManageEngine.from_env().

  simplemdm     the SimpleMDM API v1 (all 123 endpoints; Basic auth with an API key)
  manageengine  ManageEngine MDM Cloud with its own Zoho accounts server (OAuth self client),
                or an on-premises MDM Plus server with an API key (--on-premises)

Run `python -m mdmkit.testing simplemdm -h` (or manageengine -h) for every option.
"""

NOTES = """\
The same seed gives the same fleet. Port 0 picks a free port (printed). --json prints the
address and credentials as one JSON object. Faults, the state and the request log are
reachable over HTTP under /_fake (GET /_fake lists the endpoints; docs/cli.md), or from Python:
start the fake in your test instead (mdmkit.testing.FakeSimpleMDM / FakeManageEngine, or
mdmkit's pytest fixtures).
"""


def _epilog(examples: Sequence[str], prog: str) -> str:
    shown = "".join(f"  {prog} {example}\n" for example in examples)
    return f"examples:\n{shown}\n{NOTES}"


@attrs.frozen
class Server:
    """A sub-command: its help, its options, how to build it and what to print once up."""

    help: str
    add_options: Callable[[argparse.ArgumentParser], None]
    build: Callable[[argparse.Namespace], FakeServer[Any]]
    describe: Callable[[FakeServer[Any]], list[str]]
    about: str = ""
    """What the sub-command's own ``-h`` says beyond ``help``."""
    examples: tuple[str, ...] = ()


def _common_options(parser: argparse.ArgumentParser, port: int) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=port, help=f"port (default {port}; 0 picks a free one)"
    )
    parser.add_argument(
        "--devices", type=int, default=250, help="how many devices to generate (default 250)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="fleet seed (default 0): the same seed gives the same fleet",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the URL and credentials as one JSON object"
    )


def _simplemdm_options(parser: argparse.ArgumentParser) -> None:
    _common_options(parser, 8080)
    parser.add_argument(
        "--api-key", default=None, help="the API key to accept (default: a random one, printed)"
    )
    parser.add_argument(
        "--apps", type=int, default=None, help="catalog apps to generate (default: the full list)"
    )
    parser.add_argument("--groups", type=int, default=None, help="groups to generate (default 8)")
    parser.add_argument(
        "--old-groups",
        action="store_true",
        help="the old groups shape (device groups inside assignment groups) instead of the "
        "New Groups Experience (static and dynamic groups holding devices)",
    )
    parser.add_argument(
        "--requests-per-second",
        type=float,
        default=None,
        help="limit the account to this rate, answering the excess 429 (default: no limit)",
    )


def _simplemdm(args: argparse.Namespace) -> FakeServer[Any]:
    return FakeSimpleMDM(
        args.devices,
        seed=args.seed,
        api_key=args.api_key,
        host=args.host,
        port=args.port,
        apps=args.apps,
        groups=args.groups,
        new_groups=not args.old_groups,
        requests_per_second=args.requests_per_second,
    )


def _describe_simplemdm(server: FakeServer[Any]) -> list[str]:
    return lines(server)


def _manageengine_options(parser: argparse.ArgumentParser) -> None:
    _common_options(parser, 8081)
    parser.add_argument(
        "--accounts-port",
        type=int,
        default=0,
        help="port of the Zoho accounts server (default 0: a free one, printed)",
    )
    parser.add_argument(
        "--on-premises",
        action="store_true",
        help="an on-premises MDM Plus server (Authorization: <API key>) instead of Cloud with "
        "Zoho OAuth",
    )
    parser.add_argument(
        "--api-key",
        default=None,
        help="with --on-premises, the API key to accept (default: a random one, printed)",
    )
    parser.add_argument(
        "--scopes",
        default=None,
        help="comma-separated OAuth scopes of the printed refresh token (default: "
        "MDMOnDemand.MDMInventory.ALL, MDMDeviceMgmt.ALL and MDMUser.ALL)",
    )
    parser.add_argument(
        "--token-lifetime",
        type=float,
        default=3600.0,
        help="seconds an access token lives (default 3600, as Zoho's)",
    )
    parser.add_argument(
        "--mint-limit",
        type=int,
        default=10,
        help="access tokens one refresh token may mint per window before Zoho's "
        '"Access Denied" (default 10)',
    )
    parser.add_argument(
        "--mint-window",
        type=float,
        default=600.0,
        help="the window of --mint-limit, in seconds (default 600)",
    )
    parser.add_argument(
        "--upload-delay",
        type=float,
        default=0.0,
        help="seconds an /emsapi/files upload stays pending before it is ready (default 0)",
    )
    parser.add_argument(
        "--token-format",
        choices=("current", "legacy"),
        default="current",
        help="Zoho's token answers: current, or legacy (expires_in_sec in seconds beside "
        "expires_in in milliseconds)",
    )
    parser.add_argument(
        "--next-links",
        choices=("absolute", "relative", "proxy"),
        default="absolute",
        help="how paging.next reads: absolute on this server, relative, or on --proxy-origin "
        "as a server behind a reverse proxy writes it",
    )
    parser.add_argument(
        "--proxy-origin",
        default=None,
        help="the origin --next-links proxy writes (default http://mdm-internal.example:9020)",
    )
    parser.add_argument(
        "--numeric-error-codes",
        action="store_true",
        help='answer an unknown id as the documented example: 400 {"error_code": 1002, ...}',
    )


def _manageengine(args: argparse.Namespace) -> FakeServer[Any]:
    return FakeManageEngine(
        args.devices,
        seed=args.seed,
        on_premises=args.on_premises,
        api_key=args.api_key,
        scopes=args.scopes,
        host=args.host,
        port=args.port,
        accounts_port=args.accounts_port,
        token_lifetime=args.token_lifetime,
        mint_limit=args.mint_limit,
        mint_window=args.mint_window,
        upload_delay=args.upload_delay,
        token_format=args.token_format,
        next_links=args.next_links,
        proxy_origin=args.proxy_origin,
        numeric_error_codes=args.numeric_error_codes,
    )


def _describe_manageengine(server: FakeServer[Any]) -> list[str]:
    return lines(server)


SERVERS: dict[str, Server] = {
    "simplemdm": Server(
        "a fake SimpleMDM API v1",
        _simplemdm_options,
        _simplemdm,
        _describe_simplemdm,
        about="Every endpoint of the SimpleMDM API v1 reference, with its envelopes, cursor\n"
        "paging and errors. Authenticates HTTP Basic with the API key as user name.",
        examples=(
            "simplemdm --port 8080 --devices 500 --seed 1",
            "simplemdm --port 8080 --api-key test-key --old-groups",
        ),
    ),
    "manageengine": Server(
        "a fake ManageEngine MDM, Cloud or on-premises",
        _manageengine_options,
        _manageengine,
        _describe_manageengine,
        about="ManageEngine MDM Cloud: the MDM API on --port and a Zoho accounts server on\n"
        "--accounts-port that mints access tokens from the printed refresh token (token\n"
        "lifetimes, Zoho's mint limit and per-endpoint scopes enforced). With --on-premises,\n"
        "MDM Plus with an API key in the Authorization header and no Zoho.",
        examples=(
            "manageengine --port 8081 --accounts-port 8082",
            "manageengine --port 8081 --on-premises --api-key TESTKEY",
            "manageengine --port 0 --scopes MDMOnDemand.MDMInventory.READ",
        ),
    ),
}


async def _serve(server: Server, args: argparse.Namespace) -> None:
    await serve_forever(lambda: server.build(args), describe=server.describe, as_json=args.json)


def parser(prog: str = "python -m mdmkit.testing") -> argparse.ArgumentParser:
    """The command line: one sub-command per vendor in ``SERVERS`` (``mdmkit fake`` too)."""
    formatter = argparse.RawDescriptionHelpFormatter
    every = [example for server in SERVERS.values() for example in server.examples]
    top = argparse.ArgumentParser(
        prog=prog,
        description=DESCRIPTION,
        epilog=_epilog(every, prog),
        formatter_class=formatter,
    )
    commands = top.add_subparsers(dest="vendor", required=True)
    for name, server in SERVERS.items():
        sub = commands.add_parser(
            name,
            help=server.help,
            description=f"{server.help[0].upper()}{server.help[1:]}.\n\n{server.about}",
            epilog=_epilog(server.examples, prog),
            formatter_class=formatter,
        )
        server.add_options(sub)
    return top


def main(argv: Sequence[str] | None = None, *, prog: str = "python -m mdmkit.testing") -> int:
    """Parse the command line and serve until interrupted (``mdmkit fake`` runs this too)."""
    args = parser(prog).parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(SERVERS[args.vendor], args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
