"""The installed ``mdmkit`` script in its own process: help, exit codes, Ctrl-C in the middle
of a bulk run, a closed pipe, a missing extra; and ``python -m mdmkit.testing`` beside it."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.cli.conftest import MDMKIT, FakeProcess, Shell, clean_environment


def test_help_lists_the_commands_and_the_exit_codes(shell: Shell) -> None:
    result = shell("--help")
    assert result.code == 0
    for command in ("config", "devices", "groups", "apps", "inventory", "fake"):
        assert command in result.out
    assert (
        "exit codes: 0 ok, 1 some operations failed, 2 usage error, 3 configuration" in result.out
    )
    assert shell("--version").out.startswith("mdmkit ")


def test_an_argparse_mistake_is_exit_2(shell: Shell) -> None:
    result = shell("devices")
    assert result.code == 2
    assert "the following arguments are required: ACTION" in result.err
    result = shell("devices", "list", "--colour")
    assert result.code == 2
    assert "unrecognized arguments: --colour" in result.err


def test_fake_help_is_the_fakes_own(shell: Shell) -> None:
    result = shell("fake", "manageengine", "--help")
    assert result.code == 0
    assert "usage: mdmkit fake manageengine" in result.out
    assert "--on-premises" in result.out
    assert "--json" in result.out


def test_python_m_mdmkit_testing_still_serves_and_prints_json(home: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mdmkit.testing",
            "simplemdm",
            "--port",
            "0",
            "--json",
            "--devices",
            "3",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=clean_environment(home),
    )
    try:
        assert process.stdout is not None
        connection = json.loads(process.stdout.readline())
        assert connection["vendor"] == "simplemdm"
        assert connection["url"].endswith("/api/v1")
        assert connection["control_url"].endswith("/_fake")
        assert connection["env"]["SIMPLEMDM_API_KEY"] == connection["api_key"]
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def _default_sigint() -> None:
    """Ctrl-C as a terminal delivers it: a test run started in the background (``cmd &`` in a
    script, as CI may) ignores SIGINT, and a child inherits that, so Python would not raise."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_mid_run_exits_130_and_the_report_says_what_is_known(
    shell: Shell, sm: FakeProcess, tmp_path: Path
) -> None:
    sm.fault(
        {"fault": {"type": "Latency", "seconds": 1.0}, "route": "POST */refresh", "times": None}
    )
    report = tmp_path / "report.csv"
    shell.env.update(sm.env)
    process = subprocess.Popen(
        [str(MDMKIT), "devices", "refresh", "1", "2", "3", "4", "--concurrency", "1",
         "--report", str(report)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=shell.env,
        preexec_fn=_default_sigint,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the first refresh answered, the second in flight
        sent = sm.requests("POST", "*/refresh")
        if len(sent) >= 2 and sent[0]["status"] == 202:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "mdmkit: interrupted" in err
    assert "Traceback" not in err
    rows = list(csv.DictReader(io.StringIO(report.read_text())))
    assert [r["device"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[0]["status"] == "ok"
    assert {r["status"] for r in rows[1:]} == {"not confirmed"}
    assert len(sm.requests("POST", "*/refresh")) == 2  # nothing was sent after Ctrl-C


def test_a_closed_pipe_ends_quietly(shell: Shell, sm: FakeProcess) -> None:
    shell.env.update(sm.env)
    done = subprocess.run(
        f"'{MDMKIT}' devices list -f csv | head -n 2",
        shell=True, capture_output=True, text=True, env=shell.env, timeout=60, check=False,
    )  # fmt: skip
    assert len(done.stdout.splitlines()) == 2
    assert done.stderr == ""


def test_without_rich_tables_say_how_to_get_it_and_csv_still_works(
    shell: Shell, sm: FakeProcess
) -> None:
    shell.env.update(sm.env)
    probe = (
        "import sys; sys.modules['rich'] = None\n"
        "from mdmkit.cli import main\n"
        "sys.exit(main(sys.argv[1:]))"
    )
    table = subprocess.run(
        [sys.executable, "-c", probe, "devices", "list", "-f", "table"],
        capture_output=True, text=True, env=shell.env, timeout=60, check=False,
    )  # fmt: skip
    assert table.returncode == 3
    assert "tables and progress bars need rich" in table.stderr
    assert "hint: pip install 'mdmkit[cli]'" in table.stderr
    plain = subprocess.run(
        [sys.executable, "-c", probe, "devices", "list", "-f", "csv"],
        capture_output=True, text=True, env=shell.env, timeout=60, check=False,
    )  # fmt: skip
    assert plain.returncode == 0
    assert len(plain.stdout.splitlines()) == 31
