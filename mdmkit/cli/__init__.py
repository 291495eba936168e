"""The ``mdmkit`` command (the ``cli`` extra): backends from a config file or the environment,
one module per command group. ``main(argv)`` runs it and returns the exit code."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing would slow --help
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``mdmkit`` with ``argv`` (default: the process's arguments); returns the exit code."""
    from mdmkit.cli.app import main as run

    return run(argv)
