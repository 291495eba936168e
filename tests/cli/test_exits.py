"""Exit codes by kind of error: the table docs/cli.md documents."""

from __future__ import annotations

import pytest

from mdmkit.cli.exits import CLIError, ConfigError, ExitCode, UsageError, exit_code_for
from mdmkit.core.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidRequestError,
    NotFoundError,
    OAuthError,
    PermissionDeniedError,
    ServerError,
    TransportError,
    UnsupportedOperation,
)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (CLIError("x"), 1),
        (UsageError("x"), 2),
        (ConfigError("x"), 3),
        (KeyboardInterrupt(), 130),
        (ConfigurationError("empty key"), 3),
        (AuthenticationError("bad key", status=401), 3),
        (OAuthError("refused", error="invalid_code"), 3),
        (PermissionDeniedError("scope", status=403), 3),
        (InvalidRequestError("bad id"), 2),
        (NotFoundError("gone", status=404), 1),
        (ServerError("down", status=503), 1),
        (TransportError("refused"), 1),
        (UnsupportedOperation("manageengine", "devices.shutdown"), 1),
    ],
)
def test_exit_codes(error: BaseException, code: int) -> None:
    assert exit_code_for(error) == ExitCode(code)
