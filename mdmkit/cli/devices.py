"""``mdmkit devices list|get|lock|wipe|restart|refresh``.

``list`` merges every selected backend (a ``Fleet``). The actions take devices on the command
line or ``--from FILE`` and run as one bulk run per backend (``devices.run``): a progress bar
with rate and ETA, one outcome per device in the report, a question before anything
destructive, and ``--dry-run`` to see what would be sent without sending it.
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

    from mdmkit.cli.idfile import Ref
    from mdmkit.core.bulk import Outcome
    from mdmkit.core.interface import DeviceAction

__all__ = ["ACTIONS", "Action", "register"]


class Action:
    """A device action as the command offers it: its options and whether it needs a yes."""

    def __init__(
        self, name: DeviceAction, summary: str, *, destructive: bool, consequence: str
    ) -> None:
        self.name: DeviceAction = name
        self.summary = summary
        self.destructive = destructive
        self.consequence = consequence


ACTIONS = {
    "lock": Action(
        "lock",
        "lock devices (with a message and phone number on the lock screen)",
        destructive=True,
        consequence="their users are locked out until the passcode is entered",
    ),
    "wipe": Action(
        "wipe",
        "erase devices to factory settings",
        destructive=True,
        consequence="THIS ERASES THEM and cannot be undone",
    ),
    "restart": Action(
        "restart",
        "restart devices",
        destructive=True,
        consequence="whatever their users are doing is interrupted",
    ),
    "refresh": Action(
        "refresh",
        "ask devices to report their inventory again",
        destructive=False,
        consequence="",
    ),
}


def register(commands: Any) -> None:
    """Add ``devices`` and its sub-commands."""
    actions = add_group(
        commands, "devices", "list devices and act on them", "Devices of every backend."
    )

    listing = actions.add_parser(
        "list",
        help="list devices across the configured backends",
        description="Every device of the selected backends, merged as the pages arrive.",
    )
    add_backend_option(listing)
    listing.add_argument("--platform", help="only this platform (ios, ipados, macos, android...)")
    listing.add_argument("--search", help="the vendor's search (name, serial number, ...)")
    add_format_option(listing, LIST_FORMATS)
    listing.set_defaults(run=lambda args: run_async(_list(args)))

    get = actions.add_parser("get", help="show one device", description="One device.")
    get.add_argument("device", metavar="[BACKEND:]ID", help="the device's id")
    add_backend_option(get, many=False)
    add_format_option(get, ("table", "json"))
    get.set_defaults(run=lambda args: run_async(_get(args)))

    for action in ACTIONS.values():
        parser = actions.add_parser(action.name, help=action.summary, description=(
            f"{action.summary[0].upper()}{action.summary[1:]}: one device, several, or every "
            "id in --from FILE, as one bulk run with a report of each device's outcome."
        ))  # fmt: skip
        _action_options(parser, action)
        parser.set_defaults(run=lambda args, action=action: run_async(_act(args, action)))


def _action_options(parser: argparse.ArgumentParser, action: Action) -> None:
    parser.add_argument(
        "devices", nargs="*", metavar="[BACKEND:]ID", help="device ids (or give --from FILE)"
    )
    parser.add_argument(
        "--from",
        dest="id_file",
        metavar="FILE",
        help="a CSV or JSON file of device ids (- for stdin), such as devices list writes",
    )
    add_backend_option(parser, many=False)
    if action.name == "lock":
        parser.add_argument("--message", help="shown on the lock screen")
        parser.add_argument("--phone", help="a phone number shown on the lock screen")
    if action.name in ("lock", "wipe"):
        parser.add_argument("--pin", help="the 6-digit PIN a Mac needs")
    parser.add_argument("--concurrency", type=int, metavar="N", help="at most N calls at once")
    parser.add_argument(
        "--report",
        metavar="FILE",
        help="write one outcome per device to FILE (- for stdout)",
    )
    parser.add_argument(
        "--report-format",
        choices=("csv", "json"),
        help="the report's format (default: json for a .json file, else csv)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="say what would be done; send nothing"
    )
    if action.destructive:
        parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


# -- list and get ------------------------------------------------------------------------------


def _platform(text: str | None) -> Any:
    from mdmkit.cli.exits import UsageError
    from mdmkit.core.models import Platform

    if text is None:
        return None
    try:
        return Platform(text.strip().lower())
    except ValueError:
        known = ", ".join(p.value for p in Platform if p is not Platform.UNKNOWN)
        raise UsageError(f"unknown platform {text!r}; choose from {known}") from None


async def _list(args: argparse.Namespace) -> int:
    from mdmkit.cli import formats
    from mdmkit.cli.options import list_rows

    platform = _platform(args.platform)
    return await list_rows(
        args,
        lambda fleet: fleet.devices.list(platform=platform, search=args.search),
        formats.device_row,
        formats.DEVICE_COLUMNS,
        formats.DEVICE_TABLE,
        "devices",
    )


async def _get(args: argparse.Namespace) -> int:
    import json

    from mdmkit.cli import formats, terminal
    from mdmkit.cli.backends import build
    from mdmkit.cli.idfile import parse_ref
    from mdmkit.cli.options import choose_format, one_backend

    ref = parse_ref(args.device)
    backend = one_backend(args, ref.backend)
    async with build(backend) as mdm:
        device = await mdm.devices.get(ref.id)
    row = formats.device_row(device)
    if choose_format(args) == "json":
        row["native"] = getattr(device.native, "raw", None)
        print(json.dumps(row, indent=2, default=str, ensure_ascii=False))
    else:
        terminal.render_record(row, title=f"{backend.name}:{device.id}")
    return 0


# -- actions -----------------------------------------------------------------------------------


def _targets(args: argparse.Namespace) -> tuple[list[Ref], int]:
    from mdmkit.cli.exits import UsageError
    from mdmkit.cli.idfile import assign_backends, parse_ref, read_id_file
    from mdmkit.cli.options import settings

    refs = [parse_ref(text) for text in args.devices]
    if args.id_file:
        refs += read_id_file(args.id_file)
    if not refs:
        raise UsageError("name at least one device, or give --from FILE")
    config = settings(args)
    chosen = config.select([args.backend] if args.backend else None)
    default = chosen[0].name if len(chosen) == 1 else None
    return assign_backends(refs, list(config.backends), default)


def _arguments(args: argparse.Namespace, action: Action) -> dict[str, Any]:
    if action.name == "lock":
        return {"message": args.message, "phone_number": args.phone, "pin": args.pin}
    if action.name == "wipe":
        return {"pin": args.pin}
    return {}


def _shares(refs: list[Ref]) -> dict[str, list[str]]:
    shares: dict[str, list[str]] = {}
    for ref in refs:
        assert ref.backend is not None
        shares.setdefault(ref.backend, []).append(ref.id)
    return shares


def _question(action: Action, shares: dict[str, list[str]]) -> str:
    total = sum(len(ids) for ids in shares.values())
    where = ", ".join(f"{name} ({len(ids)})" for name, ids in shares.items())
    noun = "device" if total == 1 else "devices"
    consequence = action.consequence[0].upper() + action.consequence[1:]
    return f"{action.name.capitalize()} {total} {noun} on {where}? {consequence}."


async def _act(args: argparse.Namespace, action: Action) -> int:
    from mdmkit.cli import terminal
    from mdmkit.cli.exits import UsageError

    if args.concurrency is not None and args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    refs, duplicates = _targets(args)
    if duplicates:
        terminal.say(f"note: {duplicates} duplicate device ids left out")
    arguments = _arguments(args, action)
    if args.dry_run:
        terminal.say(f"dry run: would {action.name} {len(refs)} devices; nothing is sent")
        for ref in refs:
            terminal.say(f"  would {action.name} {ref}")
        _write_report(args, action, refs, {}, status="dry-run")
        return 0
    if action.destructive:
        terminal.confirm(_question(action, _shares(refs)), assume_yes=args.yes)
    outcomes = await _run(args, action, refs, arguments)
    return _finish(args, action, refs, outcomes)


async def _run(
    args: argparse.Namespace, action: Action, refs: list[Ref], arguments: dict[str, Any]
) -> dict[tuple[str, str], Outcome[Any]]:
    """One bulk run per backend, all at once; every outcome by (backend, id) as it arrives.

    Interrupted (Ctrl-C) or failing, it writes the report of what is known first: the
    devices without an answer yet are "not confirmed".
    """
    import anyio

    from mdmkit.cli import terminal
    from mdmkit.cli.backends import open_fleet
    from mdmkit.cli.options import settings

    config = settings(args)
    shares = _shares(refs)
    outcomes: dict[tuple[str, str], Outcome[Any]] = {}
    fleet = open_fleet([config.backends[name] for name in shares])
    try:
        with terminal.progress() as bar:
            task = bar.add_task(f"{action.name} {len(refs)} devices", total=len(refs))

            async def share(name: str, ids: list[str]) -> None:
                def seen(outcome: Outcome[Any], done: int, count: int) -> None:
                    outcomes[(name, ids[outcome.index])] = outcome
                    bar.advance(task)

                await fleet.member(name).devices.run(
                    action.name, ids, concurrency=args.concurrency, on_progress=seen, **arguments
                )

            async with fleet, anyio.create_task_group() as group:
                for name, ids in shares.items():
                    group.start_soon(share, name, ids)
    except BaseException:
        _write_report(args, action, refs, outcomes)
        raise
    return outcomes


def _write_report(
    args: argparse.Namespace,
    action: Action,
    refs: list[Ref],
    outcomes: dict[tuple[str, str], Outcome[Any]],
    *,
    status: str | None = None,
) -> None:
    if not args.report:
        return
    from mdmkit.cli import formats

    fmt = args.report_format or ("json" if args.report.lower().endswith(".json") else "csv")
    rows = []
    for ref in refs:
        assert ref.backend is not None
        outcome = outcomes.get((ref.backend, ref.id))
        row = formats.outcome_row(ref.backend, ref.id, action.name, outcome)
        if status is not None:
            row.update(status=status, error=None, message=None)
        rows.append(row)
    with formats.output_file(args.report) as out:
        formats.write_all(fmt, out, formats.OUTCOME_COLUMNS, rows)


def _finish(
    args: argparse.Namespace,
    action: Action,
    refs: list[Ref],
    outcomes: dict[tuple[str, str], Outcome[Any]],
) -> int:
    from mdmkit.cli import terminal

    _write_report(args, action, refs, outcomes)
    failed = [(ref, outcomes[(ref.backend or "", ref.id)]) for ref in refs
              if not outcomes[(ref.backend or "", ref.id)].ok]  # fmt: skip
    terminal.say(f"{action.name}: {len(refs) - len(failed)} ok, {len(failed)} failed")
    for ref, outcome in failed[:20]:
        terminal.say(f"  {ref}: {type(outcome.error).__name__}: {outcome.error}")
    if len(failed) > 20:
        more = "see the report" if args.report else "write them all with --report FILE"
        terminal.say(f"  ... and {len(failed) - 20} more ({more})")
    return 1 if failed else 0
