"""Log lines over real sockets: who, where, which attempt, how long, which request id.

A Fleet of two SimpleMDM tenants must log lines that tell the tenants apart; retries, 429
pauses and token mints are INFO, failures WARNING (404 and 409 INFO), every attempt DEBUG;
``MDMKIT_LOG`` turns it all on in a fresh process without a line of logging code.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest

from mdmkit import Fleet, NotFoundError, ServerError, SimpleMDM
from mdmkit.http import logs
from mdmkit.http.hooks import RequestEvent
from mdmkit.http.options import EngineOptions
from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.testing import FakeClock, FakeManageEngine, FakeSimpleMDM, RateLimited
from mdmkit.testing import ServerError as FakeServerError

pytestmark = pytest.mark.anyio


def mdmkit_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What mdmkit's clients logged (the fakes' own ``mdmkit.testing`` lines left out)."""
    return [
        r
        for r in caplog.records
        if r.name.startswith("mdmkit.") and not r.name.startswith("mdmkit.testing")
    ]


def host(fake: FakeSimpleMDM) -> str:
    return fake.url.split("//")[1].split("/")[0]


async def test_the_log_of_a_fleet_run_tells_the_two_tenants_apart(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    timing: EngineOptions = {"clock": clock.time, "sleep": clock.sleep}
    caplog.set_level(logging.DEBUG, logger="mdmkit")
    async with (
        FakeSimpleMDM(devices=6, seed=1, clock=clock) as north_fake,
        FakeSimpleMDM(devices=6, seed=2, clock=clock) as south_fake,
    ):
        for fake in (north_fake, south_fake):
            fake.faults.add(FakeServerError(503), route="GET */devices")
        north = SimpleMDM(north_fake.api_key, base_url=north_fake.url, name="north", **timing)
        south = SimpleMDM(south_fake.api_key, base_url=south_fake.url, name="south", **timing)
        async with Fleet(north, south) as fleet:
            devices = await fleet.devices.list().collect()
            result = await fleet.devices.run("refresh", devices[:2] + devices[-2:])
            with pytest.raises(NotFoundError):
                await fleet.devices.get(("south", 999_999))
    assert result.all_ok
    assert {d.source for d in devices} == {"north", "south"}
    hosts = {"north": host(north_fake), "south": host(south_fake)}
    records = mdmkit_records(caplog)
    assert len(records) >= 12
    for record in records:
        event = record.mdmkit  # type: ignore[attr-defined]
        assert isinstance(event, RequestEvent)
        assert record.getMessage().startswith(f"{event.backend} {hosts[event.backend]} ")
    said = {(r.mdmkit.backend, r.levelname, r.name) for r in records}  # type: ignore[attr-defined]
    for backend in ("north", "south"):
        assert (backend, "DEBUG", "mdmkit.http") in said  # every attempt
        assert (backend, "INFO", "mdmkit.http.retry") in said  # the 503 retried
    assert ("south", "INFO", "mdmkit.http") in said  # the 404, an answer callers expect
    assert ("north", "INFO", "mdmkit.http") not in said


def lines(caplog: pytest.LogCaptureFixture, logger: str, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == logger and r.levelno == level]


async def test_each_attempt_is_debug_with_its_request_id_and_time(
    fake: FakeSimpleMDM, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mdmkit")
    async with SimpleMDMClient(fake.api_key, base_url=fake.url, name="tenant-a") as sm:
        await sm.account.get()
    (line,) = lines(caplog, "mdmkit.http", logging.DEBUG)
    request_id = fake.requests.last().request_id
    assert line.startswith(f"tenant-a {host(fake)} GET /api/v1/account -> 200 (attempt 1, ")
    assert line.endswith(f"s, request id {request_id})")


async def test_retries_and_429_pauses_are_info(
    fake: FakeSimpleMDM, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mdmkit")
    fake.faults.add(FakeServerError(503), route="GET */account")
    fake.faults.add(RateLimited(retry_after=3), route="GET */account")
    async with SimpleMDMClient(
        fake.api_key, base_url=fake.url, clock=clock.time, sleep=clock.sleep
    ) as sm:
        await sm.account.get()
    retried = lines(caplog, "mdmkit.http.retry", logging.INFO)
    assert len(retried) == 3  # the 503's retry, the 429's pause and its retry
    ids = [r.request_id for r in fake.requests.filter(path="*/account")]
    assert retried[0].startswith(f"simplemdm {host(fake)} GET /api/v1/account -> 503 (attempt 1")
    assert f"request id {ids[0]}); retrying in " in retried[0]
    assert retried[0].endswith("s: server refused with 503")
    assert retried[1].endswith("-> 429 (attempt 2, request id " + f"{ids[1]}): every request "
                               "of this backend waits 3.00s, as the server asked")  # fmt: skip
    assert "; retrying in 3.00s: server refused with 429" in retried[2]
    assert lines(caplog, "mdmkit.http", logging.DEBUG) == []  # INFO asked: no attempt lines


async def test_a_failed_call_is_a_warning_and_an_expected_answer_info(
    fake: FakeSimpleMDM, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mdmkit")
    device = next(iter(fake.state.devices))
    fake.faults.add(FakeServerError(500), route="POST */devices/*/lock")
    async with SimpleMDMClient(fake.api_key, base_url=fake.url, name="t") as sm:
        with pytest.raises(ServerError) as info:
            await sm.devices.lock(device)
        with pytest.raises(NotFoundError):
            await sm.devices.get(999_999)
    (warning,) = lines(caplog, "mdmkit.http", logging.WARNING)
    assert warning.startswith(f"t {host(fake)} POST /api/v1/devices/{device}/lock failed after ")
    assert "1 attempt(s) in " in warning
    assert warning.endswith(
        f"s, request id {info.value.request_id}: ServerError 500: {info.value.message}"
    )
    (expected,) = lines(caplog, "mdmkit.http", logging.INFO)
    assert " GET /api/v1/devices/999999 failed after 1 attempt(s) in " in expected
    assert ": NotFoundError 404: " in expected


async def test_a_token_mint_is_info_and_names_the_backend(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mdmkit")
    async with (
        FakeManageEngine(devices=3, seed=1, clock=clock) as fake,
        fake.client(name="emea") as me,
    ):
        await me.devices.list().first()
        fake.accounts.expire_tokens()
        await me.devices.list().first()
    minted = lines(caplog, "mdmkit.manageengine.auth", logging.INFO)
    accounts = fake.accounts_url.split("//")[1].split("/")[0]
    first = f"emea {accounts}: minted a Zoho access token (mint 1 of this client, valid 3600s)"
    assert minted[0] == first
    assert minted[1].startswith(f"emea {accounts}: minted a Zoho access token (mint 2 ")
    assert len(minted) == 2


def test_the_prefix_says_a_host_once_when_it_is_the_name() -> None:
    assert logs.prefix("north", "a.simplemdm.com") == "north a.simplemdm.com"
    assert logs.prefix("a.simplemdm.com", "a.simplemdm.com") == "a.simplemdm.com"


@pytest.mark.parametrize(
    ("value", "level", "problem"),
    [
        ("", None, False),
        ("off", None, False),
        ("0", None, False),
        ("debug", logging.DEBUG, False),
        (" DEBUG ", logging.DEBUG, False),
        ("info", logging.INFO, False),
        ("1", logging.INFO, False),
        ("true", logging.INFO, False),
        ("warning", logging.WARNING, False),
        ("warn", logging.WARNING, False),
        ("error", logging.ERROR, False),
        ("15", 15, False),
        ("verbose", logging.INFO, True),
    ],
)
def test_mdmkit_log_values(value: str, level: int | None, problem: bool) -> None:
    found, said = logs.parse_level(value)
    assert found == level
    assert (said is not None) == problem
    if said:
        assert "MDMKIT_LOG='verbose' is not a level" in said


@pytest.fixture
def fresh_configuration(monkeypatch: pytest.MonkeyPatch) -> Iterator[logging.Logger]:
    """``configure_from_env`` as if no client had been made yet; the logger restored after."""
    root = logging.getLogger("mdmkit")
    monkeypatch.setattr(logs, "_configured", False)
    monkeypatch.setattr(root, "handlers", [])
    level = root.level
    yield root
    root.setLevel(level)


def test_configuring_from_the_environment_touches_only_the_mdmkit_logger(
    fresh_configuration: logging.Logger,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    top = logging.getLogger()
    before = (top.level, list(top.handlers))
    logs.configure_from_env({"MDMKIT_LOG": "debug"})
    logs.configure_from_env({"MDMKIT_LOG": "error"})  # once per process: the first one holds
    assert fresh_configuration.level == logging.DEBUG
    (handler,) = fresh_configuration.handlers
    assert isinstance(handler, logs.StderrHandler)
    assert (top.level, list(top.handlers)) == before
    logging.getLogger("mdmkit.http").debug("while the application logs for itself")
    assert capsys.readouterr().err == ""  # pytest's root handlers: the stderr one stands down
    monkeypatch.setattr(top, "handlers", [])
    logging.getLogger("mdmkit.http").debug("with nobody else to tell")
    assert capsys.readouterr().err.endswith(" DEBUG mdmkit.http: with nobody else to tell\n")


def test_an_unset_variable_leaves_logging_alone(fresh_configuration: logging.Logger) -> None:
    level = fresh_configuration.level
    logs.configure_from_env({})
    assert fresh_configuration.handlers == []
    assert fresh_configuration.level == level


SCRIPT = textwrap.dedent(
    """
    import logging, sys
    import anyio
    from mdmkit import NotFoundError
    from mdmkit.simplemdm import SimpleMDMClient
    from mdmkit.testing import FakeSimpleMDM

    if "--basic-config" in sys.argv:
        logging.basicConfig(level=logging.WARNING, format="APP %(levelname)s %(message)s")

    async def main():
        async with FakeSimpleMDM(devices=2, seed=1) as fake:
            async with SimpleMDMClient(fake.api_key, base_url=fake.url, name="tour") as sm:
                await sm.account.get()
                try:
                    await sm.devices.get(999999)
                except NotFoundError:
                    pass

    anyio.run(main)
    """
)


def run_script(value: str | None, *arguments: str) -> list[str]:
    """The stderr lines of SCRIPT run in a fresh interpreter with ``MDMKIT_LOG=value``."""
    env = {k: v for k, v in os.environ.items() if k != logs.ENV}
    if value is not None:
        env[logs.ENV] = value
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [line for line in done.stderr.splitlines() if "mdmkit.testing" not in line]


def test_mdmkit_log_debug_turns_logging_on_in_a_fresh_process() -> None:
    err = run_script("debug")
    assert any(" DEBUG mdmkit.http: tour 127.0.0.1:" in line for line in err)
    assert any("GET /api/v1/account -> 200 (attempt 1, " in line for line in err)
    assert any(" INFO mdmkit.http: tour " in line and "failed after 1" in line for line in err)


def test_mdmkit_log_info_leaves_the_attempts_out_and_unset_says_nothing() -> None:
    info = run_script("info")
    assert info
    assert not any(" DEBUG " in line for line in info)
    assert run_script(None) == []


def test_mdmkit_log_uses_the_applications_handlers_when_it_has_some() -> None:
    err = run_script("debug", "--basic-config")
    attempts = [line for line in err if "GET /api/v1/account -> 200" in line]
    assert len(attempts) == 1  # printed once, by the application's handler, in its format
    assert attempts[0].startswith("APP DEBUG tour 127.0.0.1:")


def test_a_bad_mdmkit_log_value_is_said_and_logging_goes_on_at_info() -> None:
    err = run_script("loud")
    assert err[0].endswith("WARNING mdmkit: MDMKIT_LOG='loud' is not a level (debug, error, "
                           "info, warning); logging at info")  # fmt: skip
    assert any("failed after 1 attempt(s)" in line for line in err)
