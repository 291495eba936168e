"""The command as a person uses it: typed into a real terminal (tmux) against the fakes, the
screen read back with ``tmux capture-pane``: the table renders, the progress bars move and
know their totals where the vendor says them, the question appears and takes ``y``."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import MDMKIT, FakeProcess, clean_environment

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(
    TMUX is None, reason="tmux is not installed: these terminal tests need tmux"
)


class Pane:
    """One tmux session on a private socket, running bash in a clean environment."""

    def __init__(self, env: dict[str, str], width: int = 150, height: int = 45) -> None:
        assert TMUX is not None
        self.socket = f"mdmkit-tests-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.env = env
        options = [f"-e{key}={value}" for key, value in env.items() if key != "TMUX"]
        self.tmux("new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height),
                  *options, "bash --norc --noprofile")  # fmt: skip
        path = shlex.quote(env.get("PATH", ""))  # tmux keeps its own PATH: set it in the shell
        self.type(f"export PS1='$ ' PATH={path}; clear")

    def tmux(self, *args: str) -> str:
        assert TMUX is not None
        done = subprocess.run(
            [TMUX, "-L", self.socket, *args], capture_output=True, text=True, check=True, timeout=20
        )
        return done.stdout

    def type(self, text: str, enter: bool = True) -> None:
        self.tmux("send-keys", "-t", "t", "-l", text)
        if enter:
            self.tmux("send-keys", "-t", "t", "Enter")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "t", "-S", "-200")

    def wait_for(self, found: Callable[[str], object], timeout: float = 60.0) -> str:
        """The first screen ``found`` accepts (polled every 50 ms); fails showing the last."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if found(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"the screen never showed what was awaited:\n{screen}")

    def wait_text(self, text: str, timeout: float = 60.0) -> str:
        return self.wait_for(lambda screen: text in screen, timeout)

    def wait_done(self, marker: str, timeout: float = 60.0) -> tuple[str, int]:
        """The screen once the command typed by ``run()`` ended, and its exit status."""
        pattern = re.compile(rf"{marker}:(\d+)")
        screen = self.wait_for(lambda s: pattern.search(s), timeout)
        found = pattern.search(screen)
        assert found is not None
        return screen, int(found.group(1))

    def close(self) -> None:
        subprocess.run(
            [str(TMUX), "-L", self.socket, "kill-server"], capture_output=True, check=False
        )


@pytest.fixture
def terminal(home: Path) -> Iterator[Callable[[dict[str, str]], Pane]]:
    panes: list[Pane] = []

    def open_pane(env: dict[str, str]) -> Pane:
        full = clean_environment(home)
        full.update(env)
        full["PATH"] = f"{MDMKIT.parent}{os.pathsep}{full.get('PATH', '')}"
        full.pop("COLUMNS", None)  # the terminal says how wide it is
        pane = Pane(full)
        panes.append(pane)
        return pane

    yield open_pane
    for pane in panes:
        pane.close()


def run(pane: Pane, command: str) -> str:
    """Type ``command`` followed by an exit-status line for ``Pane.wait_done()``."""
    marker = f"exit={uuid.uuid4().hex[:6]}"
    pane.type(f"{command}; echo {marker}:$?")
    return marker


def test_the_device_table_renders(
    terminal: Callable[[dict[str, str]], Pane], sm: FakeProcess
) -> None:
    pane = terminal(sm.env)
    marker = run(pane, "mdmkit devices list")
    screen, code = pane.wait_done(marker)
    assert code == 0, screen
    header = next(line for line in screen.splitlines() if "serial_number" in line)
    assert re.search(r"backend\s+id\s+name\s+platform\s+os_version\s+model\s+serial_number", header)
    assert "━" in screen or "─" in screen  # the rule under the header
    name = sm.control("/state/devices/1")["name"]
    row = next(line for line in screen.splitlines() if name in line)
    assert row.split()[0:2] == ["simplemdm", "1"]
    assert "30 devices" in screen


def progress_line(screen: str, label: str) -> str | None:
    lines = [line for line in screen.splitlines() if line.strip().startswith(label)]
    return lines[-1] if lines else None


def test_a_bulk_runs_progress_bar_moves_with_rate_and_eta(
    terminal: Callable[[dict[str, str]], Pane], sm: FakeProcess, tmp_path: Path
) -> None:
    sm.fault(
        {"fault": {"type": "Latency", "seconds": 0.2}, "route": "POST */refresh", "times": None}
    )
    ids = tmp_path / "ids.txt"
    ids.write_text("".join(f"{n}\n" for n in range(1, 31)))
    pane = terminal(sm.env)
    marker = run(pane, f"mdmkit devices refresh --from {shlex.quote(str(ids))} --concurrency 2")
    counts: list[int] = []

    def moved(screen: str) -> bool:
        line = progress_line(screen, "refresh 30 devices")
        found = re.search(r"(\d+)/30", line or "")
        if found and (not counts or int(found.group(1)) != counts[-1]):
            counts.append(int(found.group(1)))
        return len(counts) >= 3 and counts[-1] < 30

    screen = pane.wait_for(moved, timeout=30)
    line = progress_line(screen, "refresh 30 devices") or ""
    assert re.search(r"\d+(\.\d)?/s", line), line  # the rate
    assert "eta" in line
    assert counts == sorted(counts)  # it only moves forward
    final, code = pane.wait_done(marker)
    assert code == 0, final
    assert "refresh: 30 ok, 0 failed" in final
    assert "30/30" in (progress_line(final, "refresh 30 devices") or "")


def test_the_question_appears_and_takes_y(
    terminal: Callable[[dict[str, str]], Pane], sm: FakeProcess
) -> None:
    device = next(
        str(r["id"])
        for r in sm.control("/state/devices?limit=100")["records"]
        if r["gen"]["platform"] == "ios"
    )
    pane = terminal(sm.env)
    marker = run(pane, f"mdmkit devices lock {device} --message 'Call IT'")
    pane.wait_text("[y/N]")
    assert sm.requests("POST", "*/lock") == []  # nothing before the answer
    pane.type("y")
    screen, code = pane.wait_done(marker)
    assert code == 0, screen
    assert "Lock 1 device on simplemdm (1)?" in screen
    assert "lock: 1 ok, 0 failed" in screen
    assert len(sm.requests("POST", "*/lock")) == 1
    marker = run(pane, f"mdmkit devices lock {device}")
    pane.wait_for(lambda s: s.count("[y/N]") == 2)
    pane.type("n")
    screen, code = pane.wait_done(marker)
    assert code == 1, screen
    assert "cancelled; nothing was sent" in screen
    assert len(sm.requests("POST", "*/lock")) == 1


def test_export_bars_know_the_total_where_the_vendor_says_it(
    terminal: Callable[[dict[str, str]], Pane], tmp_path: Path, token_cache: str
) -> None:
    sm = FakeProcess.start("simplemdm", "--devices", "300", "--seed", "3")
    me = FakeProcess.start("manageengine", "--devices", "300", "--seed", "3")
    me.token_cache = token_cache
    try:
        sm.fault(
            {"fault": {"type": "Latency", "seconds": 0.4}, "route": "GET */devices", "times": None}
        )
        me.fault(
            {"fault": {"type": "Latency", "seconds": 0.4}, "route": "GET */devices", "times": None}
        )
        pane = terminal({**sm.env, **me.env})
        out = tmp_path / "inventory.jsonl"
        marker = run(pane, f"mdmkit inventory export -f jsonl -o {shlex.quote(str(out))}")

        def midway(screen: str) -> bool:
            me_line = progress_line(screen, "manageengine") or ""
            sm_line = progress_line(screen, "simplemdm") or ""
            return bool(re.search(r"\b[12]00/300\b", me_line) and re.search(r"\b\d+/\?", sm_line))

        screen = pane.wait_for(midway, timeout=60)
        assert re.search(r"\b[12]00/300\b", progress_line(screen, "manageengine") or "")
        final, code = pane.wait_done(marker, timeout=120)
        assert code == 0, final
        assert "exported 600 devices from simplemdm, manageengine" in final
        assert "300/300" in (progress_line(final, "simplemdm") or "")  # its end, once reached
        assert "300/300" in (progress_line(final, "manageengine") or "")
        assert len(out.read_text().splitlines()) == 600
    finally:
        sm.stop()
        me.stop()


def test_an_uploads_bar_counts_bytes(
    terminal: Callable[[dict[str, str]], Pane], sm: FakeProcess, tmp_path: Path
) -> None:
    package = tmp_path / "Big.pkg"
    with package.open("wb") as out:
        for _ in range(8):
            out.write(os.urandom(1024 * 1024))
    pane = terminal(sm.env)
    marker = run(pane, f"mdmkit apps upload {shlex.quote(str(package))}")
    screen, code = pane.wait_done(marker, timeout=120)
    assert code == 0, screen
    line = progress_line(screen, "uploaded; the server is processing it") or ""
    assert re.search(r"8\.4/8\.4 MB", line), screen
    assert "uploaded Big.pkg to simplemdm as app" in screen
    (upload,) = sm.requests("POST", "*/apps")
    assert upload["files"]["binary"]["size"] == 8 * 1024 * 1024
