"""``mdmkit inventory export``: every device of every selected backend, streamed to a file.

Each backend is read page by page, all backends at once, and every page is written as it
arrives, so memory stays one page deep per backend however large the fleet. The progress bar
of a backend knows its total when the vendor says it (ManageEngine's total_record_count;
SimpleMDM does not say, so its bar counts without an end).
"""

from __future__ import annotations

import argparse

from mdmkit.cli.options import STREAM_FORMATS, add_backend_option, add_group, run_async

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing would slow --help
if TYPE_CHECKING:
    from typing import Any

    from mdmkit.cli.formats import RowWriter
    from mdmkit.core.interface import MDM

__all__ = ["export", "register"]


def register(commands: Any) -> None:
    """Add ``inventory export``."""
    actions = add_group(
        commands, "inventory", "export the device inventory", "The device inventory."
    )
    export_parser = actions.add_parser(
        "export",
        help="write every device of every backend to a file, streaming",
        description="Every device of the selected backends, written page by page.",
    )
    add_backend_option(export_parser)
    export_parser.add_argument(
        "-f", "--format", choices=STREAM_FORMATS, default="csv", help="csv (default), json, jsonl"
    )
    export_parser.add_argument(
        "-o",
        "--output",
        default="-",
        metavar="FILE",
        help="the file to write (default: stdout); written whole or not at all",
    )
    export_parser.set_defaults(run=lambda args: run_async(_export(args)))


async def export(members: list[MDM], writer: RowWriter, on_page: Any = None) -> int:
    """Write every device of ``members`` to ``writer`` as pages arrive; returns the count.

    ``on_page(member, page)`` is called after each page is written (the progress bars).
    """
    import anyio

    from mdmkit.cli.formats import device_row

    count = 0

    async def read(member: MDM) -> None:
        nonlocal count
        async for page in member.devices.list().pages():
            for device in page.items:
                writer.write(device_row(device))
            count += len(page.items)
            if on_page is not None:
                on_page(member, page)

    async with anyio.create_task_group() as group:
        for member in members:
            group.start_soon(read, member)
    return count


async def _export(args: argparse.Namespace) -> int:
    from mdmkit.cli import formats, terminal
    from mdmkit.cli.backends import open_fleet
    from mdmkit.cli.formats import output_file
    from mdmkit.cli.options import selected

    backends = selected(args)
    async with open_fleet(backends) as fleet:
        members = list(fleet.members.values())
        with output_file(args.output) as out, terminal.progress() as bar:
            tasks = {m.name: bar.add_task(m.name, total=None) for m in members}
            counts = dict.fromkeys(tasks, 0)

            def on_page(member: MDM, page: Any) -> None:
                counts[member.name] += len(page.items)
                total = page.total if page.has_more else counts[member.name]
                bar.update(tasks[member.name], completed=counts[member.name], total=total)

            writer = formats.writer_for(args.format, out, formats.DEVICE_COLUMNS)
            count = await export(members, writer, on_page)
            writer.close()
    where = "stdout" if args.output == "-" else args.output
    names = ", ".join(m.name for m in members)
    terminal.say(f"exported {count} devices from {names} to {where}")
    return 0
