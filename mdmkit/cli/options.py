"""What the command groups share: common options, the backends they select, the output format.

Imports only the standard library at module level, so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import sys

from mdmkit.cli.exits import UsageError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing would slow --help
if TYPE_CHECKING:
    from collections.abc import AsyncIterable, Callable, Coroutine, Sequence
    from typing import Any

    from mdmkit.cli.settings import BackendSettings, Settings
    from mdmkit.core.fleet import Fleet

__all__ = [
    "LIST_FORMATS",
    "STREAM_FORMATS",
    "add_backend_option",
    "add_format_option",
    "add_group",
    "choose_format",
    "list_rows",
    "one_backend",
    "run_async",
    "selected",
    "settings",
]

STREAM_FORMATS = ("csv", "json", "jsonl")
"""The formats written row by row (``formats.writer_for``)."""
LIST_FORMATS = ("table", *STREAM_FORMATS)


def add_group(commands: Any, name: str, summary: str, description: str) -> Any:
    """A command group (``devices``, ``apps``...) and the sub-parsers of its actions."""
    group = commands.add_parser(name, help=summary, description=description)
    return group.add_subparsers(dest="action", metavar="ACTION", required=True)


def add_backend_option(parser: argparse.ArgumentParser, *, many: bool = True) -> None:
    """``--backend NAME`` (repeatable when ``many``): which configured backends to use."""
    if many:
        parser.add_argument(
            "-b",
            "--backend",
            action="append",
            metavar="NAME",
            help="a configured backend to use (repeat for several; default: all, or the "
            "config file's defaults)",
        )
    else:
        parser.add_argument(
            "-b",
            "--backend",
            metavar="NAME",
            help="the backend to use (needed when several are configured)",
        )


def add_format_option(parser: argparse.ArgumentParser, choices: tuple[str, ...]) -> None:
    """``--format`` among ``choices``; without it, a table on a terminal, else CSV (or JSON
    for a command that shows one record)."""
    piped = "csv" if "csv" in choices else "json"
    parser.add_argument(
        "-f",
        "--format",
        choices=choices,
        help=f"output format (default: table on a terminal, {piped} when piped)",
    )
    parser.set_defaults(piped_format=piped)


def choose_format(args: argparse.Namespace) -> str:
    """The format asked for, or the default for where stdout goes."""
    if args.format:
        return str(args.format)
    return "table" if sys.stdout.isatty() else str(args.piped_format)


def settings(args: argparse.Namespace) -> Settings:
    """The configuration named by ``--config`` (or found where the docs say)."""
    from mdmkit.cli import settings as config

    return config.load(getattr(args, "config", None))


def selected(args: argparse.Namespace) -> list[BackendSettings]:
    """The backends ``--backend`` names, or the default ones."""
    chosen = getattr(args, "backend", None)
    names = [chosen] if isinstance(chosen, str) else chosen
    return settings(args).select(names)


def one_backend(args: argparse.Namespace, named: str | None = None) -> BackendSettings:
    """The one backend a single-backend command uses: ``named``, ``--backend``, or the only one."""
    config = settings(args)
    name = named or args.backend
    if name:
        return config.select([name])[0]
    chosen = config.select()
    if len(chosen) > 1:
        raise UsageError(
            f"several backends are configured ({', '.join(b.name for b in chosen)}); "
            "say which with --backend NAME"
        )
    return chosen[0]


async def list_rows(
    args: argparse.Namespace,
    listing: Callable[[Fleet], AsyncIterable[Any]],
    to_row: Callable[[Any], dict[str, Any]],
    columns: Sequence[str],
    table_columns: Sequence[str],
    noun: str,
) -> int:
    """A list command: ``listing(fleet)`` over the selected backends, shown in ``--format``."""
    from mdmkit.cli.backends import open_fleet
    from mdmkit.cli.terminal import show_rows

    fmt = choose_format(args)
    async with open_fleet(selected(args)) as fleet:
        rows = (to_row(item) async for item in listing(fleet))
        await show_rows(rows, fmt, columns, table_columns, noun)
    return 0


def run_async(coroutine: Coroutine[Any, Any, int]) -> int:
    """Run a command's coroutine on asyncio (aiohttp needs it) and return its exit code."""
    import asyncio

    from mdmkit.cli.backends import close_shared

    async def command() -> int:
        try:
            return await coroutine
        finally:
            await close_shared()  # the Redis clients the backends shared, if any

    return asyncio.run(command())
