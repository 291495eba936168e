"""``mdmkit``: the parser, the dispatch to a command group, and errors as one line and a code.

Each group module (config, devices, groups, apps, inventory, fake) adds its sub-commands with
``register(subparsers)`` and imports what its commands need only when they run, so
``mdmkit --help`` loads argparse and nothing else.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence

from mdmkit._version import __version__
from mdmkit.cli import apps, config, devices, fake, groups, inventory
from mdmkit.cli.exits import CLIError, ExitCode, exit_code_for

__all__ = ["build_parser", "main"]

DESCRIPTION = """\
Drive SimpleMDM and ManageEngine MDM from the shell: list and export devices, lock, wipe,
restart or refresh one device or thousands, upload and assign apps, and run the fakes.

Backends come from a config file (--config, $MDMKIT_CONFIG, or
~/.config/mdmkit/config.toml) or, without one, from SIMPLEMDM_API_KEY and the
MANAGEENGINE_* variables. `mdmkit config check` shows what is configured.
"""

EPILOG = """\
exit codes: 0 ok, 1 some operations failed, 2 usage error, 3 configuration or
credentials, 130 interrupted. Docs: docs/cli.md
"""

GROUPS = (config, devices, groups, apps, inventory, fake)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: global options and every command group."""
    parser = argparse.ArgumentParser(
        prog="mdmkit",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mdmkit {__version__}")
    parser.add_argument(
        "-c", "--config", metavar="FILE", help="the config file (default: $MDMKIT_CONFIG or "
        "~/.config/mdmkit/config.toml; without one, the environment)"
    )  # fmt: skip
    parser.add_argument(
        "-v", "--verbose", action="store_true",
        help="log every request (method, path, status, timing; secrets redacted) to stderr",
    )  # fmt: skip
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in GROUPS:
        group.register(commands)
    return parser


def _report(error: BaseException) -> None:
    if isinstance(error, CLIError):
        lines = [f"mdmkit: error: {error.message}"]
        if error.hint:
            lines.append(f"hint: {error.hint}")
    else:
        lines = [f"mdmkit: {type(error).__name__}: {error}"]
        lines += [f"  ({note})" for note in getattr(error, "__notes__", ())]
    print("\n".join(lines), file=sys.stderr, flush=True)


def _is_mdmkit_error(error: BaseException) -> bool:
    core = sys.modules.get("mdmkit.core.errors")
    return core is not None and isinstance(error, core.MDMError)


@contextlib.contextmanager
def _requests_logged(verbose: bool) -> Iterator[None]:
    """With ``verbose``, mdmkit's DEBUG lines (one per request, secrets redacted) on stderr."""
    if not verbose:
        yield
        return
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    logger = logging.getLogger("mdmkit")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _leaves(error: BaseException) -> list[BaseException]:
    """The errors inside task-group exception groups (a Fleet's listing raises in one)."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]


def _handle(error: BaseException) -> ExitCode | None:
    """Report a user-facing error and give its exit code; None for a bug (re-raised)."""
    if isinstance(error, KeyboardInterrupt):
        print("mdmkit: interrupted", file=sys.stderr, flush=True)
        return ExitCode.INTERRUPTED
    if isinstance(error, BrokenPipeError):  # the reader went away (| head): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.FAILED
    if isinstance(error, CLIError) or _is_mdmkit_error(error):
        _report(error)
        return exit_code_for(error)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "fake":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    try:
        with _requests_logged(args.verbose):
            return int(args.run(args))
    except (Exception, KeyboardInterrupt) as error:
        leaves = _leaves(error)
        if any(isinstance(leaf, KeyboardInterrupt) for leaf in leaves):
            leaves = [next(leaf for leaf in leaves if isinstance(leaf, KeyboardInterrupt))]
        codes = [_handle(leaf) for leaf in leaves]
        if any(code is None for code in codes):
            raise  # a bug, not a user's mistake: the traceback helps
        return max(code for code in codes if code is not None)
