"""`python -m api` as deployed: a real uvicorn server on a free port, in its own
process, with only the settings a test gives it."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from api.settings import Settings

STARTUP_SECONDS = 60


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def connect(self) -> socket.socket:
        connection = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        return connection

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def python_m_api(database_url: str, folder: Path, **settings: str) -> Iterator[Server]:
    """`python -m api` with these settings (as environment variables) and no others."""
    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if name.lower() not in Settings.model_fields
    }
    env |= {
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "GRAPHIQL": "false",
        "LOG_LEVEL": "warning",
        **settings,
    }
    log = folder / f"server-{port}.log"
    with log.open("wb") as output:  # the cwd has no .env to read
        process = subprocess.Popen(
            [sys.executable, "-m", "api"], cwd=folder, env=env, stdout=output, stderr=output
        )
    server = Server(process, port, log)
    try:
        _wait_until_up(server)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert server.process.poll() is None, server.log.read_text()
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(server.url("/healthz"), timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"not up after {STARTUP_SECONDS} s: {server.log.read_text()}")
