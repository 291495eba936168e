"""Secrets read from where the configuration says, only when needed; a secret file must be
private; every failure names the source and never the value."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from mdmkit.cli.exits import ConfigError
from mdmkit.cli.secrets import SecretRef, resolve

SECRET = "s3cr3t-0123456789"


def secret_file(tmp_path: Path, mode: int, text: str = SECRET + "\n") -> Path:
    path = tmp_path / "key"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_from_an_environment_variable() -> None:
    ref = SecretRef("env", ("MY_KEY",), "backends.a.api_key")
    assert resolve(ref, {"MY_KEY": f"  {SECRET}\n"}) == SECRET
    with pytest.raises(
        ConfigError, match=r"environment variable MY_KEY is not set \(for backends.a.api_key\)"
    ):
        resolve(ref, {})


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_from_a_private_file(tmp_path: Path) -> None:
    path = secret_file(tmp_path, 0o600)
    assert resolve(SecretRef("file", (str(path),))) == SECRET


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_file_others_can_read_is_refused_with_the_fix(tmp_path: Path, mode: int) -> None:
    path = secret_file(tmp_path, mode)
    with pytest.raises(ConfigError) as caught:
        resolve(SecretRef("file", (str(path),), "backends.a.api_key"))
    assert f"can be read by others (mode {mode:04o})" in caught.value.message
    assert caught.value.hint == f"chmod 600 {path}"
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "does not exist"),
        ("empty", "is empty"),
        ("directory", "is not a regular file"),
    ],
)
def test_a_file_that_cannot_give_a_secret(tmp_path: Path, setup: str, message: str) -> None:
    path = tmp_path / "key"
    if setup == "empty":
        secret_file(tmp_path, 0o600, "\n")
    elif setup == "directory":
        path.mkdir()
    with pytest.raises(ConfigError, match=message):
        resolve(SecretRef("file", (str(path),)))


def test_a_file_path_may_start_with_the_home_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_file(tmp_path, 0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve(SecretRef("file", ("~/key",))) == SECRET


def test_from_a_command() -> None:
    ref = SecretRef("command", (sys.executable, "-c", f"print('{SECRET}')"))
    assert resolve(ref) == SECRET


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            (sys.executable, "-c", "import sys; sys.exit('vault is sealed')"),
            "failed with exit status 1 (for x): vault is sealed",
        ),
        ((sys.executable, "-c", "pass"), "printed nothing"),
        (("/no/such/program",), "secret command not found: /no/such/program"),
    ],
)
def test_a_command_that_cannot_give_a_secret(argv: tuple[str, ...], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve(SecretRef("command", argv, "x"))
    assert message in caught.value.message


def test_a_command_that_hangs_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mdmkit.cli.secrets.COMMAND_TIMEOUT", 0.5)
    ref = SecretRef("command", (sys.executable, "-c", "import time; time.sleep(30)"))
    with pytest.raises(ConfigError, match=r"took longer than 0\.5 s"):
        resolve(ref)


def test_descriptions_say_where_not_what() -> None:
    assert SecretRef("env", ("K",)).describe() == "environment variable K"
    assert SecretRef("file", ("~/k",)).describe() == "file ~/k"
    assert SecretRef("command", ("pass", "show", "a b")).describe() == "command pass show 'a b'"
