"""``mdmkit groups list``: the groups of every selected backend, whose ids ``apps assign
--group`` takes."""

from __future__ import annotations

import argparse

from mdmkit.cli.options import (
    LIST_FORMATS,
    add_backend_option,
    add_format_option,
    add_group,
    run_async,
)

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing would slow --help
if TYPE_CHECKING:
    from typing import Any

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add ``groups list``."""
    actions = add_group(commands, "groups", "list groups", "The groups of every backend.")
    listing = actions.add_parser("list", help="list the groups of the configured backends")
    add_backend_option(listing)
    add_format_option(listing, LIST_FORMATS)
    listing.set_defaults(run=lambda args: run_async(_list(args)))


async def _list(args: argparse.Namespace) -> int:
    from mdmkit.cli import formats, terminal
    from mdmkit.cli.backends import open_fleet
    from mdmkit.cli.options import choose_format, selected

    fmt = choose_format(args)
    async with open_fleet(selected(args)) as fleet:
        rows = (formats.group_row(group) async for group in fleet.groups.list())
        await terminal.show_rows(rows, fmt, formats.GROUP_COLUMNS, formats.GROUP_COLUMNS, "groups")
    return 0
