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
    from mdmkit.cli import formats
    from mdmkit.cli.options import list_rows

    columns = formats.GROUP_COLUMNS
    return await list_rows(
        args, lambda fleet: fleet.groups.list(), formats.group_row, columns, columns, "groups"
    )
