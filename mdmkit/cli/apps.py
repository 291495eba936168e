"""``mdmkit apps list|upload|assign``.

``upload`` streams the package from disk with a progress bar of the bytes sent (the engine's
``FileSource.with_progress``); ``assign`` gives an app to devices and groups of its backend.
"""

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

__all__ = ["parse_field", "register"]


def register(commands: Any) -> None:
    """Add ``apps`` and its sub-commands."""
    actions = add_group(commands, "apps", "list, upload and assign apps", "The app catalogs.")

    listing = actions.add_parser("list", help="list the apps of the configured backends")
    add_backend_option(listing)
    add_format_option(listing, LIST_FORMATS)
    listing.set_defaults(run=lambda args: run_async(_list(args)))

    upload = actions.add_parser(
        "upload",
        help="upload an in-house app package (ipa, pkg, apk, msi...)",
        description="Upload a package to one backend, with a progress bar of the bytes sent.",
    )
    upload.add_argument("file", help="the package to upload")
    add_backend_option(upload, many=False)
    upload.add_argument("--name", help="the app's name (default: the file name without extension)")
    upload.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a vendor field, such as app_category_id=5 on ManageEngine (repeatable)",
    )
    add_format_option(upload, ("table", "json"))
    upload.set_defaults(run=_upload_command)

    assign = actions.add_parser(
        "assign",
        help="assign an app to devices and groups",
        description="Assign an app to devices and groups of its backend.",
    )
    assign.add_argument("app", metavar="[BACKEND:]APP", help="the app's id")
    add_backend_option(assign, many=False)
    assign.add_argument("--device", action="append", default=[], metavar="ID", help="a device")
    assign.add_argument("--group", action="append", default=[], metavar="ID", help="a group")
    assign.add_argument(
        "--install",
        choices=("automatic", "on-demand"),
        default="automatic",
        help="pushed and installed at once (automatic), or made available (on-demand)",
    )
    assign.add_argument("--channel", metavar="ID", help="a release channel (ManageEngine label)")
    add_format_option(assign, LIST_FORMATS)
    assign.set_defaults(run=lambda args: run_async(_assign(args)))


def parse_field(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` with the value read as JSON where it parses (5, true), else as text."""
    import json

    from mdmkit.cli.exits import UsageError

    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise UsageError(f"--field {text!r} must be KEY=VALUE")
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = value
    if not isinstance(parsed, str | int | float | bool):
        parsed = value
    return key.strip(), parsed


async def _list(args: argparse.Namespace) -> int:
    from mdmkit.cli import formats
    from mdmkit.cli.options import list_rows

    return await list_rows(
        args,
        lambda fleet: fleet.apps.list(),
        formats.app_row,
        formats.APP_COLUMNS,
        formats.APP_TABLE,
        "apps",
    )


def _show(row: dict[str, Any], fmt: str, title: str) -> None:
    import json

    from mdmkit.cli import terminal

    if fmt == "json":
        print(json.dumps(row, indent=2, ensure_ascii=False))
    else:
        terminal.render_record(row, title=title)


def _upload_command(args: argparse.Namespace) -> int:
    import os

    from mdmkit.cli.exits import UsageError

    if not os.path.isfile(args.file):
        raise UsageError(f"no such file: {args.file}")
    return run_async(_upload(args, os.path.basename(args.file), os.path.getsize(args.file)))


async def _upload(args: argparse.Namespace, filename: str, size: int) -> int:
    from mdmkit.cli import formats, terminal
    from mdmkit.cli.backends import build
    from mdmkit.cli.options import choose_format, one_backend
    from mdmkit.http.uploads import FileSource

    fields = dict(parse_field(text) for text in args.field)
    fmt = choose_format(args)
    backend = one_backend(args)
    async with build(backend) as mdm:
        with terminal.progress(transfer=True) as bar:
            task = bar.add_task(f"upload {filename}", total=size)

            def sent(done: int, total: int | None) -> None:
                bar.update(task, completed=done)
                if total is not None and done >= total:
                    bar.update(task, description="uploaded; the server is processing it")

            source = FileSource.of(args.file).with_progress(sent)
            app = await mdm.apps.upload(source, name=args.name, **fields)
    terminal.say(f"uploaded {filename} to {backend.name} as app {app.id}")
    _show(formats.app_row(app), fmt, f"{backend.name}:{app.id}")
    return 0


async def _assign(args: argparse.Namespace) -> int:
    import sys

    from mdmkit.cli import formats, terminal
    from mdmkit.cli.backends import build
    from mdmkit.cli.exits import UsageError
    from mdmkit.cli.idfile import parse_ref
    from mdmkit.cli.options import choose_format, one_backend
    from mdmkit.core.models import InstallMode

    if not args.device and not args.group:
        raise UsageError("give at least one --device or --group")
    ref = parse_ref(args.app, "app")
    backend = one_backend(args, ref.backend)
    install = InstallMode.AUTOMATIC if args.install == "automatic" else InstallMode.ON_DEMAND
    fmt = choose_format(args)
    async with build(backend) as mdm:
        made = await mdm.assignments.assign(
            ref.id, devices=args.device, groups=args.group, install=install, channel=args.channel
        )
    rows = [formats.assignment_row(a) for a in made]
    terminal.say(f"assigned app {ref.id} on {backend.name}: {len(rows)} targets")
    if fmt == "table":
        terminal.render_table(rows, formats.ASSIGNMENT_COLUMNS)
    else:
        formats.write_all(fmt, sys.stdout, formats.ASSIGNMENT_COLUMNS, rows)
    return 0
