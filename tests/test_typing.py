"""The type checkers catch what the types promise: a misspelt action or option fails
``mypy --strict`` (and ``pyright --strict``), and the right spellings pass.

Each snippet is a small file of user code; the checker runs on all of them in one go and
every error it reports must be one a snippet expects, on the line that expects it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(sys.prefix) / "mypy-snippets"  # inside the virtual environment, which git ignores

GOOD = """
from mdmkit import Device, Fleet, ManageEngine, RetryPolicy, SimpleMDM, Timeout
from mdmkit.http.hooks import RequestEvent, RequestHooks
from mdmkit.http.raw import with_raw_response
from mdmkit.simplemdm import SimpleMDMClient


def record(event: RequestEvent) -> None:
    print(event.backend, event.status)


async def tour(fleet: Fleet, device: Device) -> None:
    sm = SimpleMDM.from_env(max_concurrency=2, name="north", hooks=RequestHooks(on_retry=record))
    me = ManageEngine.from_env(data_center="eu", retry=RetryPolicy(max_attempts=2))
    on_prem = ManageEngine.on_premises("https://mdm.corp:8383", "key", upload_strategy="legacy")
    client = SimpleMDMClient.from_env(requests_per_second=1.0)
    await sm.devices.run("lock", [], message="lost")
    await fleet.devices.run("enable_lost_mode", [], message="call IT")
    native: SimpleMDMClient = sm.native
    raw = await with_raw_response(native.devices.get(1))
    serial: str | None = raw.parsed.serial_number
    status: int = raw.status
    quick = sm.with_options(timeout=Timeout(deadline=5)).devices
    assert device.platform == "ios" and f"{device.status}" == "enrolled"  # StrEnums
    assert quick and me and on_prem and client and serial and status
"""

BAD = {
    "bad_action": """
from mdmkit import SimpleMDM

async def lock_all(sm: SimpleMDM) -> None:
    await sm.devices.run("lok", [])  # expect: action
""",
    "bad_fleet_action": """
from mdmkit import Fleet

async def lock_all(fleet: Fleet) -> None:
    await fleet.devices.run("wipe_all", [])  # expect: action
""",
    "bad_option": """
from mdmkit import SimpleMDM

sm = SimpleMDM.from_env(max_concurency=2)  # expect: keyword
""",
    "bad_client_option": """
from mdmkit.manageengine import ManageEngineClient

me = ManageEngineClient.from_env(data_centre="eu")  # expect: keyword
""",
    "bad_option_type": """
from mdmkit import ManageEngine

me = ManageEngine.on_premises("https://mdm.corp:8383", "key", upload_strategy="ftp")  # expect: type
""",
}


def expected_lines() -> dict[str, set[int]]:
    """Per snippet, the lines marked ``# expect:``."""
    return {
        name: {n for n, line in enumerate(code.lstrip("\n").splitlines(), 1) if "# expect:" in line}
        for name, code in BAD.items()
    }


@pytest.fixture(scope="module")
def snippets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("snippets")
    (folder / "good.py").write_text(textwrap.dedent(GOOD).lstrip())
    for name, code in BAD.items():
        (folder / f"{name}.py").write_text(code.lstrip("\n"))
    return folder


def errors_by_file(found: list[tuple[str, int]]) -> dict[str, set[int]]:
    grouped: dict[str, set[int]] = {}
    for path, line in found:
        grouped.setdefault(Path(path).stem, set()).add(line)
    return grouped


def test_mypy_strict_refuses_misspelt_actions_and_options_and_passes_the_right_ones(
    snippets: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.11", "--config-file",
         "", "--cache-dir", str(CACHE), *sorted(str(p) for p in snippets.glob("*.py"))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )  # fmt: skip
    errors = re.findall(r"^(\S+\.py):(\d+): error: (.*)$", done.stdout, re.MULTILINE)
    assert errors, done.stdout + done.stderr
    grouped = errors_by_file([(path, int(line)) for path, line, _ in errors])
    assert grouped == expected_lines(), done.stdout
    text = "\n".join(message for _, _, message in errors)
    assert "\"Literal['lok']\"" in text  # the literal the action should have been
    assert 'Unexpected keyword argument "max_concurency"' in text


@pytest.mark.skipif(shutil.which("node") is None, reason="pyright needs node, not installed")
def test_pyright_strict_refuses_them_too(snippets: Path) -> None:
    config = {"strict": ["."], "pythonVersion": "3.11"}
    (snippets / "pyrightconfig.json").write_text(json.dumps(config))
    binary = Path(sys.executable).parent
    done = subprocess.run(
        [str(binary / "pyright"), "--outputjson", "-p", str(snippets)],
        capture_output=True,
        text=True,
        cwd=snippets,
        env={**os.environ, "PATH": f"{binary}{os.pathsep}{os.environ.get('PATH', '')}"},
        timeout=600,
    )
    report = json.loads(done.stdout)
    found = [
        (d["file"], d["range"]["start"]["line"] + 1)
        for d in report["generalDiagnostics"]
        if d["severity"] == "error"
    ]
    assert errors_by_file(found) == expected_lines(), done.stdout
