"""``mdmkit fake simplemdm|manageengine``: a fake for other tools and languages.

The same program as ``python -m mdmkit.testing`` (its options, ``--json`` and the HTTP control
endpoints under ``/_fake``), loaded only when this command runs.
"""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing would slow --help
if TYPE_CHECKING:
    from typing import Any

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add ``fake``; its options are the fakes' own, parsed when it runs."""
    parser = commands.add_parser(
        "fake",
        help="run a fake SimpleMDM or ManageEngine for tests in any language",
        description="Run a fake (see mdmkit fake simplemdm --help).",
        add_help=False,
    )
    parser.set_defaults(run=_fake)


def _fake(args: argparse.Namespace) -> int:
    from mdmkit.testing.__main__ import main

    return main(args.extra, prog="mdmkit fake")
