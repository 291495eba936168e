"""Where a secret comes from (an environment variable, a file, a command), never its value.

The configuration file names a secret's source; ``resolve()`` reads it only when a command
needs it. A secret file must be readable by its owner alone (mode 0600 or stricter), as ssh
asks of a private key. Messages say where a secret should have come from, never what it is.
"""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
from collections.abc import Mapping
from typing import Literal

import attrs

from mdmkit.cli.exits import ConfigError

__all__ = ["COMMAND_TIMEOUT", "SecretRef", "resolve"]

COMMAND_TIMEOUT = 30.0
"""Seconds a secret command (a password manager, a vault CLI) may take."""


@attrs.frozen
class SecretRef:
    """A secret's source: ``env`` (a variable name), ``file`` (a path) or ``command`` (argv)."""

    kind: Literal["env", "file", "command"]
    where: tuple[str, ...]
    setting: str = ""  # where the reference was written, such as "backends.prod.api_key"

    def describe(self) -> str:
        """Where the secret comes from, for ``config check``."""
        if self.kind == "env":
            return f"environment variable {self.where[0]}"
        if self.kind == "file":
            return f"file {self.where[0]}"
        return f"command {shlex.join(self.where)}"


def resolve(ref: SecretRef, environ: Mapping[str, str] | None = None) -> str:
    """The secret's value; ConfigError naming the source (and the setting) when it is missing."""
    env = os.environ if environ is None else environ
    where = f" (for {ref.setting})" if ref.setting else ""
    if ref.kind == "env":
        value = env.get(ref.where[0], "")
        if not value.strip():
            raise ConfigError(f"environment variable {ref.where[0]} is not set{where}")
        return value.strip()
    if ref.kind == "file":
        return _read_file(os.path.expanduser(ref.where[0]), where)
    return _run(ref.where, where)


def _read_file(path: str, where: str) -> str:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ConfigError(f"secret file {path} does not exist{where}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read secret file {path}{where}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"secret file {path} is not a regular file{where}")
    if os.name == "posix":
        if info.st_mode & 0o077:
            mode = stat.S_IMODE(info.st_mode)
            raise ConfigError(
                f"secret file {path} can be read by others (mode {mode:04o}){where}",
                hint=f"chmod 600 {shlex.quote(path)}",
            )
        if info.st_uid != os.getuid():
            raise ConfigError(f"secret file {path} belongs to another user{where}")
    try:
        with open(path, encoding="utf-8") as handle:
            value = handle.read().strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read secret file {path}{where}: {exc}") from None
    if not value:
        raise ConfigError(f"secret file {path} is empty{where}")
    return value


def _run(argv: tuple[str, ...], where: str) -> str:
    shown = shlex.join(argv)
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise ConfigError(f"secret command not found: {argv[0]}{where}") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(
            f"secret command {shown} took longer than {COMMAND_TIMEOUT:g} s{where}"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot run secret command {shown}{where}: {exc.strerror}") from None
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()[-1][:200] if done.stderr.strip() else ""
        detail = f": {said}" if said else ""
        raise ConfigError(
            f"secret command {shown} failed with exit status {done.returncode}{where}{detail}"
        )
    value = done.stdout.strip()
    if not value:
        raise ConfigError(f"secret command {shown} printed nothing{where}")
    return value
