"""The terminal side: rich tables on stdout, progress bars and questions on stderr.

rich (the ``cli`` extra) is imported here and only when a table or a bar is drawn, so
``mdmkit --help`` and the CSV/JSON formats never pay for it. Progress bars are drawn only
when stderr is a terminal (and rich is installed); elsewhere the summary lines say enough.
"""

from __future__ import annotations

import re
import sys
from collections.abc import AsyncIterable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, cast

from mdmkit.cli.exits import CLIError, ConfigError, UsageError
from mdmkit.cli.formats import csv_cell

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "Bar",
    "NoProgress",
    "confirm",
    "console",
    "progress",
    "render_record",
    "render_table",
    "say",
    "show_rows",
]

_ISO = re.compile(r"^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)")


def _rich() -> None:
    try:
        import rich  # noqa: F401
    except ImportError:
        raise ConfigError(
            "tables and progress bars need rich, which the cli extra installs",
            hint="pip install 'mdmkit[cli]' (or choose --format csv, json or jsonl)",
        ) from None


def console(*, stderr: bool = False) -> Console:
    """A rich console on stdout (tables) or stderr (progress, messages)."""
    _rich()
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def say(message: str) -> None:
    """A line for the person at the terminal (stderr, so stdout stays data)."""
    print(message, file=sys.stderr, flush=True)


def _cell(value: Any) -> str:
    text = csv_cell(value)
    found = _ISO.match(text)
    return f"{found.group(1)} {found.group(2)}" if found else text


def render_table(
    rows: Iterable[dict[str, Any]], columns: Sequence[str], *, title: str | None = None
) -> int:
    """Draw the rows as a table on stdout; returns how many there were."""
    out = console()
    from rich import box
    from rich.table import Table

    table = Table(title=title, box=box.SIMPLE_HEAD, header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")  # a narrow terminal wraps, never hides
    count = 0
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
        count += 1
    out.print(table)
    return count


async def show_rows(
    rows: AsyncIterable[dict[str, Any]],
    fmt: str,
    columns: Sequence[str],
    table_columns: Sequence[str],
    noun: str,
) -> int:
    """Rows on stdout: streamed as csv/json/jsonl, or held and drawn as a table (then the
    count on stderr). Returns how many rows there were."""
    if fmt == "table":
        held = [row async for row in rows]
        render_table(held, table_columns)
        say(f"{len(held)} {noun}")
        return len(held)
    from mdmkit.cli.formats import writer_for

    writer = writer_for(fmt, sys.stdout, columns)
    count = 0
    async for row in rows:
        writer.write(row)
        count += 1
    writer.close()
    return count


def render_record(row: dict[str, Any], *, title: str | None = None) -> None:
    """One record as a two-column table of fields and values."""
    out = console()
    from rich import box
    from rich.table import Table

    table = Table("field", "value", title=title, box=box.SIMPLE_HEAD, header_style="bold")
    for key, value in row.items():
        table.add_row(key, _cell(value))
    out.print(table)


class Bar(Protocol):
    """What the commands use of a progress display (rich's ``Progress``, or ``NoProgress``)."""

    def __enter__(self) -> Bar: ...

    def __exit__(self, *exc: object) -> None: ...

    def add_task(self, description: str, total: float | None = ...) -> Any: ...

    def update(self, task: Any, **changes: Any) -> None: ...

    def advance(self, task: Any, advance: float = 1) -> None: ...


class NoProgress:
    """What ``progress()`` gives when there is no terminal to draw on: it draws nothing."""

    def __enter__(self) -> NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, description: str, total: float | None = None) -> int:
        return 0

    def update(self, task: int, **changes: Any) -> None:
        return None

    def advance(self, task: int, advance: float = 1) -> None:
        return None


def progress(*, transfer: bool = False) -> Bar:
    """A progress display on stderr: count, rate and ETA (bytes and speed with ``transfer``).

    Only on a terminal, and only with rich installed; otherwise one that draws nothing.
    """
    if not sys.stderr.isatty():
        return NoProgress()
    try:
        err = console(stderr=True)
    except ConfigError:
        return NoProgress()
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Items per second."""

        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text("" if speed is None else f"{speed:,.1f}/s", style="progress.data.speed")

    columns: list[ProgressColumn | str] = [TextColumn("{task.description}"), BarColumn()]
    if transfer:
        columns += [DownloadColumn(), TransferSpeedColumn()]
    else:
        columns += [MofNCompleteColumn(), RateColumn()]
    columns += [TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn()]
    return cast(Bar, Progress(*columns, console=err, refresh_per_second=8))


def confirm(question: str, *, assume_yes: bool) -> None:
    """Ask ``question [y/N]`` on the terminal; CLIError unless the answer is yes.

    ``assume_yes`` (``--yes``) skips the question. Without a terminal to ask on, refuse: a
    destructive command in a script must say ``--yes``.
    """
    if assume_yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(
            "this needs confirmation and stdin is not a terminal; nothing was sent",
            hint="pass --yes to confirm in a script",
        )
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline()
    if answer.strip().lower() not in ("y", "yes"):
        raise CLIError("cancelled; nothing was sent")
