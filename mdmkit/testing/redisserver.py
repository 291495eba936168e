"""``RedisServer``: a real ``redis-server`` on a free loopback port, for tests and benchmarks.

It runs in its own temporary directory with persistence off, and can be stopped, killed
(SIGKILL) and started again on the same port to play an outage::

    with RedisServer() as server:       # skips nothing: raises if redis-server is missing
        server.url                      # redis://127.0.0.1:<port>/0
        server.kill(); server.start()   # an outage and the recovery

It speaks to the server only over a raw socket (PING) and imports no Redis client.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from types import TracebackType
from typing import Self

__all__ = ["RedisServer", "redis_server_path"]


def redis_server_path() -> str | None:
    """Where ``redis-server`` is installed, or None (tests then skip, naming it)."""
    return shutil.which("redis-server")


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _answers_ping(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One ``redis-server`` process: no persistence, own temp dir, loopback only."""

    def __init__(self, *, host: str = "127.0.0.1", port: int | None = None) -> None:
        executable = redis_server_path()
        if executable is None:
            raise FileNotFoundError("redis-server is not installed (apt-get install redis-server)")
        self.executable = executable
        self.host = host
        self.port: int = port if port is not None else _free_port(host)
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        return f"RedisServer({self.url}, running={self.running})"

    @property
    def url(self) -> str:
        """``redis://<host>:<port>/0``."""
        return f"redis://{self.host}:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 10.0) -> None:
        """Start the server (again, on the same port) and wait until it answers PING."""
        if self.running:
            return
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix="mdmkit-redis-")
        command = [
            self.executable,
            "--bind", self.host,
            "--port", str(self.port),
            "--dir", self._dir.name,
            "--save", "",
            "--appendonly", "no",
            "--protected-mode", "no",
            "--loglevel", "warning",
            "--logfile", os.path.join(self._dir.name, "redis.log"),
        ]  # fmt: skip
        self._process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + timeout
        while not _answers_ping(self.host, self.port):
            if self._process.poll() is not None:
                error = self._process.stderr.read() if self._process.stderr else b""
                self._process = None
                raise RuntimeError(f"redis-server exited at start: {error.decode()[-500:]}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"redis-server did not answer on port {self.port}")
            time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL the server at once (an outage: no goodbye to clients)."""
        self._end(signal.SIGKILL)

    def stop(self) -> None:
        """Stop the server with SIGTERM and wait for it."""
        self._end(signal.SIGTERM)

    def _end(self, sig: signal.Signals) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a wedged server
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()

    def close(self) -> None:
        """Kill the server and remove its directory."""
        self.kill()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
