"""``fake.client()`` and ``fake.mdm()``: clients carrying the fake's URL, credentials and clock;
and the house rule that lets them exist: the fakes import no client code."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import anyio
import pytest

from mdmkit import ManageEngine, SimpleMDM
from mdmkit.manageengine import ManageEngineClient
from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.testing import FakeClock, FakeManageEngine, FakeSimpleMDM, RateLimited

pytestmark = pytest.mark.anyio

TESTING = Path(__file__).resolve().parents[2] / "mdmkit" / "testing"
JOINERS = {"pytest_plugin.py", "wiring.py"}
CLIENT_CODE = ("mdmkit.simplemdm", "mdmkit.manageengine", "mdmkit.http", "mdmkit.core")


async def test_simplemdm_client_and_mdm_carry_url_key_and_clock() -> None:
    clock = FakeClock()
    async with FakeSimpleMDM(devices=5, seed=2, clock=clock) as fake:
        fake.faults.add(RateLimited(retry_after=40), route="GET */account", times=1)
        async with fake.client() as sm:
            assert isinstance(sm, SimpleMDMClient)
            assert sm.base_url == fake.url
            await sm.account.get()
        assert clock.sleeps == [40]  # waited on the fake's clock, not for real
        async with fake.mdm(name="lab") as mdm:
            assert isinstance(mdm, SimpleMDM)
            assert mdm.name == "lab"
            assert len(await mdm.devices.list().collect()) == 5


async def test_manageengine_client_and_mdm_cloud() -> None:
    clock = FakeClock()
    async with FakeManageEngine(devices=4, seed=2, clock=clock) as fake:
        async with fake.client(max_concurrency=2) as me:
            assert isinstance(me, ManageEngineClient)
            assert me.max_concurrency == 2
            assert len(await me.devices.list().collect()) == 4
        clock.advance(4000)  # the token expired on the shared clock: the next client mints
        async with fake.mdm() as mdm:
            assert isinstance(mdm, ManageEngine)
            app = await mdm.apps.upload(b"PK\x03\x04 apk", filename="Field.apk")
        assert fake.accounts.mints == 2
        assert fake.state.apps[int(app.id)].category_id == 1


async def test_manageengine_on_premises_uses_the_api_key() -> None:
    async with FakeManageEngine(devices=3, on_premises=True) as fake:
        async with fake.client() as me, fake.mdm(upload_defaults={"app_category_id": 2}) as mdm:
            assert len(await me.devices.list().collect()) == 3
            app = await mdm.apps.upload(b"PK\x03\x04 apk", filename="Field.apk")
        assert fake.accounts.mints == 0
        assert fake.state.apps[int(app.id)].category_id == 2


async def test_a_real_clock_stays_real() -> None:
    async with FakeSimpleMDM(devices=1) as fake, fake.client() as sm:
        assert sm.transport.clock is time.time
        assert sm.transport.sleep is anyio.sleep


def _client_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """Imports of client code, except those under ``if TYPE_CHECKING:`` (annotations only)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            skipped |= {id(inner) for inner in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, n) for n in names if n.startswith(CLIENT_CODE) or n == "mdmkit"]
    return found


def test_the_fakes_import_no_client_code() -> None:
    offenders = {
        str(path.relative_to(TESTING)): found
        for path in sorted(TESTING.rglob("*.py"))
        if path.name not in JOINERS and (found := _client_imports(ast.parse(path.read_text())))
    }
    assert offenders == {}


def test_the_house_rule_check_sees_an_import() -> None:
    assert _client_imports(ast.parse("def f():\n    from mdmkit.simplemdm import X\n")) == [
        (2, "mdmkit.simplemdm")
    ]
    assert _client_imports(ast.parse("if TYPE_CHECKING:\n    import mdmkit.http\n")) == []
