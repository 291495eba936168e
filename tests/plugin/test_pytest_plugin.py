"""The fixtures users get from ``mdmkit.testing.pytest_plugin``, used as a user would.

The plugin comes from mdmkit's ``pytest11`` entry point, in this suite as in a user's: no
``pytest_plugins`` line anywhere. The subprocess tests run pytest on a user's tiny test file in
an empty directory, against the installed package.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mdmkit import ManageEngine, SimpleMDM
from mdmkit.manageengine import ManageEngineClient
from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.testing import FakeClock, FakeManageEngine, FakeSimpleMDM, RateLimited


@pytest.mark.anyio
async def test_fixtures_give_a_working_client_on_a_fake(
    fake_simplemdm: FakeSimpleMDM, simplemdm_client: SimpleMDMClient, fake_clock: FakeClock
) -> None:
    fake_simplemdm.faults.add(RateLimited(retry_after=30), route="GET */devices")
    devices = await simplemdm_client.devices.list(include_awaiting_enrollment=True).collect()
    assert len(devices) == 50
    assert [r.status for r in fake_simplemdm.requests.filter(path="*/devices")] == [429, 200]
    assert fake_clock.sleeps == [30]  # the client waits on the fixtures' virtual clock


@pytest.mark.anyio
async def test_manageengine_fixtures(
    fake_manageengine: FakeManageEngine, manageengine_client: ManageEngineClient
) -> None:
    devices = await manageengine_client.devices.list().collect()
    assert len(devices) == 50
    assert fake_manageengine.accounts.mints == 1


@pytest.mark.anyio
async def test_neutral_fixtures(simplemdm_mdm: SimpleMDM, manageengine_mdm: ManageEngine) -> None:
    for mdm in (simplemdm_mdm, manageengine_mdm):
        assert len(await mdm.devices.list().collect()) == 50
    app = await manageengine_mdm.apps.upload(b"PK\x03\x04 apk", filename="Field.apk")
    assert app.name


def test_the_backend_is_asyncio(anyio_backend: str) -> None:
    assert anyio_backend == "asyncio"


USER_TEST = """
import pytest

@pytest.mark.anyio
async def test_lock(fake_simplemdm, simplemdm_client):
    phone = next(d for d in fake_simplemdm.state.devices.values()
                 if d.status == "enrolled" and d.platform == "ios")
    await simplemdm_client.devices.lock(phone.id, message="Lost")
    assert fake_simplemdm.state.devices[phone.id].lock_count == 1

@pytest.mark.anyio
async def test_neutral(fake_manageengine, manageengine_mdm, simplemdm_mdm):
    assert len(await manageengine_mdm.devices.list().collect()) == 50
    assert await simplemdm_mdm.devices.list().first() is not None
"""


def run_pytest(
    directory: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """pytest in a fresh interpreter, in ``directory``, with warnings as errors."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-W", "error", "-p", "no:cacheprovider", *args],
        cwd=directory,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_installing_mdmkit_gives_pytest_the_fixtures(tmp_path: Path) -> None:
    (tmp_path / "test_mine.py").write_text(USER_TEST)
    run = run_pytest(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout
    # anyio's own anyio_backend is parametrized (ids like test_lock[asyncio]); ours is not
    assert "test_mine.py::test_lock PASSED" in run.stdout


@pytest.mark.parametrize(
    "order",
    [
        ("mdmkit.testing.pytest_plugin", "anyio.pytest_plugin"),
        ("anyio.pytest_plugin", "mdmkit.testing.pytest_plugin"),
    ],
    ids=["mdmkit-first", "anyio-first"],
)
def test_asyncio_default_outranks_anyio_whatever_the_load_order(
    tmp_path: Path, order: tuple[str, str]
) -> None:
    (tmp_path / "test_mine.py").write_text(USER_TEST)
    plugins = [arg for name in order for arg in ("-p", name)]
    run = run_pytest(tmp_path, *plugins, env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "test_mine.py::test_lock PASSED" in run.stdout


def test_an_old_conftest_line_and_an_own_backend_fixture_still_work(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(
        textwrap.dedent(
            """
            import pytest

            pytest_plugins = ["mdmkit.testing.pytest_plugin"]  # the line older docs asked for

            @pytest.fixture(params=["asyncio"])
            def anyio_backend(request):
                return request.param
            """
        )
    )
    (tmp_path / "test_mine.py").write_text(USER_TEST)
    run = run_pytest(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "test_mine.py::test_lock[asyncio] PASSED" in run.stdout  # the conftest's fixture won
