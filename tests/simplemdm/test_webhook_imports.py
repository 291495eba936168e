"""FastAPI stays optional: nothing but ``mdmkit.simplemdm.webhook_fastapi`` imports it.

Each check runs in a fresh interpreter, since this test process has FastAPI loaded already.
"""

from __future__ import annotations

import subprocess
import sys

FRAMEWORKS = ("fastapi", "starlette", "pydantic", "uvicorn")


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )


def test_mdmkit_and_its_webhook_receivers_import_no_web_framework() -> None:
    done = run(
        "import sys\n"
        "import mdmkit, mdmkit.simplemdm, mdmkit.simplemdm.webhooks\n"
        "import mdmkit.simplemdm.webhook_receiver, mdmkit.simplemdm.webhook_aiohttp\n"
        "import mdmkit.testing\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FRAMEWORKS!r}))\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_fastapi_glue_says_which_extra_it_needs() -> None:
    done = run(
        "import sys\n"
        "sys.modules['fastapi'] = None  # as if FastAPI were not installed\n"
        "import mdmkit.simplemdm.webhook_fastapi\n"
    )
    assert done.returncode == 1
    assert "needs FastAPI: pip install 'mdmkit[fastapi]'" in done.stderr
