"""Exit codes of the ``mdmkit`` command, and the errors that carry them to ``main``.

0 ok; 1 some operations failed (an API error, a device whose action failed); 2 a usage error
(a bad option, an unknown backend, an id file that does not parse); 3 configuration,
credentials or installation (no backend configured, a secret that cannot be read, a refused
key, a missing extra); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import enum

__all__ = ["CLIError", "ConfigError", "ExitCode", "UsageError", "exit_code_for"]


class ExitCode(enum.IntEnum):
    """What the process exit status means."""

    OK = 0
    FAILED = 1
    USAGE = 2
    CONFIG = 3
    INTERRUPTED = 130


class CLIError(Exception):
    """A mistake or failure to report in one line (never a traceback) with its exit code."""

    code = ExitCode.FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(CLIError):
    """The command line asks for something that cannot be done as written."""

    code = ExitCode.USAGE


class ConfigError(CLIError):
    """The configuration, a credential or the installation is wrong or missing."""

    code = ExitCode.CONFIG


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit code an error ends the command with (mdmkit errors by their kind)."""
    if isinstance(error, CLIError):
        return error.code
    if isinstance(error, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    from mdmkit.core.errors import (
        AuthenticationError,
        ConfigurationError,
        InvalidRequestError,
        PermissionDeniedError,
    )

    if isinstance(error, ConfigurationError | AuthenticationError | PermissionDeniedError):
        return ExitCode.CONFIG
    if isinstance(error, InvalidRequestError):
        return ExitCode.USAGE
    return ExitCode.FAILED
