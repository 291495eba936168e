"""What the CLI tests share: fakes running as ``mdmkit fake`` processes, a clean environment,
and the command run as a user runs it (the installed ``mdmkit`` script) or in-process.

The fakes live for the whole session and are reset through their HTTP control endpoints
(``POST /_fake/reset``) before each test, which is itself a test of those endpoints.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

MDMKIT = Path(sys.executable).with_name("mdmkit")
"""The console script ``pip install`` made (``make install`` installs the package editable)."""


def call(url: str, method: str = "GET", body: Any = None) -> Any:
    """One JSON request to a control endpoint; the decoded answer (errors too)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        return {"status": error.code, **json.loads(error.read())}


@attrs.define
class FakeProcess:
    """A fake started as ``mdmkit fake VENDOR --json``: its connection and its control API."""

    process: subprocess.Popen[str]
    connection: dict[str, Any]

    @classmethod
    def start(cls, vendor: str, *options: str) -> FakeProcess:
        process = subprocess.Popen(
            [str(MDMKIT), "fake", vendor, "--port", "0", "--json", *options],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            process.wait(10)
            raise RuntimeError(f"mdmkit fake {vendor} exited ({process.returncode})")
        return cls(process, json.loads(line))

    token_cache: str | None = None

    @property
    def env(self) -> dict[str, str]:
        """The variables that point mdmkit at this fake (and its token cache, if any)."""
        env = dict(self.connection["env"])
        if self.token_cache:
            env["MDMKIT_TOKEN_CACHE"] = self.token_cache
        return env

    def control(self, path: str, method: str = "GET", body: Any = None) -> Any:
        return call(self.connection["control_url"] + path, method, body)

    def requests(self, method: str | None = None, path: str | None = None) -> list[Any]:
        query = "&".join(f"{k}={v}" for k, v in (("method", method), ("path", path)) if v)
        found: list[Any] = self.control("/requests" + (f"?{query}" if query else ""))
        return found

    def fault(self, rule: Mapping[str, Any]) -> Any:
        return self.control("/faults", "POST", dict(rule))

    def reset(self) -> None:
        answer = self.control("/reset", "POST")
        assert answer["state_rebuilt"] is True, answer

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture(scope="session")
def sm_process() -> Iterator[FakeProcess]:
    fake = FakeProcess.start("simplemdm", "--devices", "30", "--seed", "1")
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def me_process(token_cache: str) -> Iterator[FakeProcess]:
    fake = FakeProcess.start("manageengine", "--devices", "40", "--seed", "2")
    fake.token_cache = token_cache
    yield fake
    fake.stop()


@pytest.fixture
def sm(sm_process: FakeProcess) -> FakeProcess:
    """The SimpleMDM fake, reset: its generated fleet, no faults, an empty request log."""
    sm_process.reset()
    return sm_process


@pytest.fixture
def me(me_process: FakeProcess) -> FakeProcess:
    """The ManageEngine fake (Cloud, with its Zoho accounts server), reset.

    Its ``env`` names one token cache for the whole session, as one user's machine has:
    the fake enforces Zoho's limit of 10 token mints in 10 minutes.
    """
    me_process.reset()
    return me_process


@pytest.fixture(scope="session")
def token_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("tokens") / "zoho-tokens.json")


def clean_environment(home: Path) -> dict[str, str]:
    """The process environment without mdmkit's variables, with a private home and caches."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SIMPLEMDM_", "MANAGEENGINE_", "MDMKIT_"))
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        COLUMNS="200",
    )
    return env


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@attrs.frozen
class Result:
    code: int
    out: str
    err: str


@attrs.define
class Shell:
    """Runs the installed ``mdmkit`` script in a clean environment, as a user would."""

    env: dict[str, str]

    def __call__(self, *args: str, stdin: str | None = None, timeout: float = 120) -> Result:
        done = subprocess.run(
            [str(MDMKIT), *args],
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def shell(home: Path) -> Shell:
    """``mdmkit`` with no backend configured (``shell.env.update(fake.env)`` adds one)."""
    return Shell(clean_environment(home))


@attrs.define
class InProcess:
    """``mdmkit.cli.main(argv)`` in this process, with the environment set by monkeypatch."""

    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def use(self, env: Mapping[str, str]) -> None:
        for key, value in env.items():
            self.monkeypatch.setenv(key, value)

    def __call__(self, *args: str) -> Result:
        from mdmkit.cli import main

        self.capsys.readouterr()
        code = main(list(args))
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], home: Path
) -> InProcess:
    """The command in-process, in a clean environment (``cli.use(fake.env)`` adds a backend)."""
    for key in list(os.environ):
        if key.startswith(("SIMPLEMDM_", "MANAGEENGINE_", "MDMKIT_")):
            monkeypatch.delenv(key)
    for key, value in clean_environment(home).items():
        if key in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "COLUMNS"):
            monkeypatch.setenv(key, value)
    return InProcess(monkeypatch, capsys)
