"""`python -m api` as deployed: a real uvicorn server on a free port, probed with raw
sockets (connection handling happens below the app, out of reach of ASGI tests)."""

import contextlib
import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from pydantic import ValidationError

from api.http import supervisor
from api.settings import Settings
from tests.servers import Server, python_m_api

GENRES = "{ genres { slug } }"

HEADER_TIMEOUT = 1.0


def _closed_within(connection: socket.socket, seconds: float) -> float | None:
    """Seconds until the server closed `connection` (reading nothing more), or None."""
    started = time.monotonic()
    connection.settimeout(seconds)
    try:
        while connection.recv(65536):
            pass
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - started


def _read_response(connection: socket.socket) -> tuple[int, bytes]:
    """Status and body of one response with a Content-Length."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(65536)
        assert chunk, received
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    while len(body) < int(headers["content-length"]):
        body += connection.recv(65536)
    return int(lines[0].split()[1]), body


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with python_m_api(
        database_url,
        tmp_path_factory.mktemp("server"),
        HEADER_TIMEOUT_SECONDS=str(HEADER_TIMEOUT),
        KEEP_ALIVE_TIMEOUT_SECONDS="1",
        RATE_LIMIT_PER_MINUTE="1",
        RATE_LIMIT_BURST="5",
        RESPONSE_CACHE_SECONDS="0",
    ) as running:
        yield running


def test_a_silent_connection_is_closed_after_the_header_timeout(server: Server) -> None:
    with server.connect() as connection:
        closed_after = _closed_within(connection, HEADER_TIMEOUT + 3)
    assert closed_after is not None and closed_after >= HEADER_TIMEOUT * 0.9


def test_a_request_head_sent_byte_by_byte_is_cut_off(server: Server) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nUser-Agent: " + b"x" * 100
    started = time.monotonic()
    with server.connect() as connection, pytest.raises(OSError):  # reset or broken pipe
        for byte in head:
            connection.sendall(bytes([byte]))
            time.sleep(0.1)
            assert time.monotonic() - started < HEADER_TIMEOUT + 3, "never cut off"
    assert time.monotonic() - started >= HEADER_TIMEOUT * 0.9


def test_many_silent_connections_are_all_closed_and_the_server_still_answers(
    server: Server,
) -> None:
    connections = [server.connect() for _ in range(50)]
    try:
        time.sleep(HEADER_TIMEOUT + 1)
        assert httpx.get(server.url("/healthz"), timeout=5).status_code == 200
        for connection in connections:
            assert _closed_within(connection, 2) is not None
    finally:
        for connection in connections:
            connection.close()


def test_an_idle_kept_alive_connection_is_closed(server: Server) -> None:
    with server.connect() as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert _read_response(connection) == (200, b'{"status":"ok"}')
        closed_after = _closed_within(connection, 4)
    assert closed_after is not None and closed_after < 3


def test_a_slow_body_is_not_cut_by_the_header_timeout(server: Server) -> None:
    body = orjson.dumps({"query": "{ __typename }"})
    head = (
        b"POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    with server.connect() as connection:
        connection.sendall(head + body[:5])
        time.sleep(HEADER_TIMEOUT + 0.5)
        connection.sendall(body[5:])
        status, answer = _read_response(connection)
    assert (status, orjson.loads(answer)["data"]) == (200, {"__typename": "Query"})


def test_x_forwarded_for_is_not_believed_by_default(server: Server) -> None:
    # Every request comes from 127.0.0.1; a client inventing addresses must not get a
    # fresh rate-limit bucket each time (burst 5, 1 a minute).
    statuses = [
        httpx.post(
            server.url("/graphql"),
            json={"query": "{ __typename }"},
            headers={"x-forwarded-for": f"203.0.113.{i}"},
            timeout=5,
        ).status_code
        for i in range(7)
    ]
    assert 429 in statuses, statuses


def test_workers_serve_trust_the_listed_proxy_and_drain_on_sigterm(
    database_url: str, tmp_path: Path
) -> None:
    with python_m_api(
        database_url,
        tmp_path,
        WORKERS="2",
        RESPONSE_CACHE_SECONDS="0",
        FORWARDED_ALLOW_IPS="127.0.0.1",
        RATE_LIMIT_PER_MINUTE="1",
        RATE_LIMIT_BURST="1",
    ) as server:
        assert len(_children(server.process.pid)) == 2
        # A listed proxy's X-Forwarded-For is the client: each address its own bucket.
        for i in range(4):
            response = httpx.post(
                server.url("/graphql"),
                json={"query": '{ title(slug: "refusenik-2007") { name } }'},
                headers={"x-forwarded-for": f"203.0.113.{i}"},
                timeout=10,
            )
            assert response.json()["data"] == {"title": {"name": "Refusenik"}}
        # A request in flight (its body half sent) when SIGTERM comes is still answered.
        body = orjson.dumps({"query": GENRES})
        with server.connect() as connection:
            connection.sendall(
                b"POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json"
                b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:10]
            )
            time.sleep(0.5)
            server.process.send_signal(signal.SIGTERM)
            time.sleep(1.5)
            connection.sendall(body[10:])
            status, answer = _read_response(connection)
        assert status == 200 and orjson.loads(answer)["data"]["genres"]
        assert server.process.wait(timeout=15) == 0
        with pytest.raises(httpx.ConnectError):
            httpx.get(server.url("/healthz"), timeout=2)


def _children(pid: int) -> list[int]:
    """Worker processes of `pid` (its supervisor's `python -m api --fd N`)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
            if int(fields[1]) == pid and b"\0--fd\0" in cmdline:
                children.append(int(stat.parent.name))
    return children


def test_a_worker_that_dies_is_replaced(database_url: str, tmp_path: Path) -> None:
    with python_m_api(database_url, tmp_path, WORKERS="2", RESPONSE_CACHE_SECONDS="0") as server:
        first, second = _children(server.process.pid)
        time.sleep(supervisor.STARTUP_SECONDS)  # past its start: a crash, not a failed start
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while sorted(_children(server.process.pid)) in ([second], [first, second]):
            assert time.monotonic() < deadline, server.log.read_text()
            time.sleep(0.1)
        assert len(_children(server.process.pid)) == 2
        for _ in range(4):  # whichever worker answers
            response = httpx.post(server.url("/graphql"), json={"query": GENRES}, timeout=10)
            assert response.json()["data"]["genres"]


def test_sighup_replaces_every_worker_while_the_socket_is_served(
    database_url: str, tmp_path: Path
) -> None:
    with python_m_api(database_url, tmp_path, WORKERS="2", RESPONSE_CACHE_SECONDS="0") as server:
        before = set(_children(server.process.pid))
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 60
        while True:
            response = httpx.post(server.url("/graphql"), json={"query": GENRES}, timeout=10)
            assert response.json()["data"]["genres"]  # no request refused meanwhile
            now = set(_children(server.process.pid))
            if len(now) == 2 and not now & before:
                break
            assert time.monotonic() < deadline, server.log.read_text()
            time.sleep(0.05)
        assert server.process.poll() is None


def test_workers_that_fail_at_start_stop_the_server(database_url: str, tmp_path: Path) -> None:
    """A worker fails to build its app (a persisted-queries file that is not there):
    the supervisor does not restart it for ever; it stops, failed, and says why."""
    missing = tmp_path / "missing.json"
    settings = {
        "WORKERS": "2",
        "RESPONSE_CACHE_SECONDS": "0",
        "PERSISTED_QUERIES_FILE": str(missing),
    }
    with (
        pytest.raises(AssertionError, match="failed at start"),
        python_m_api(database_url, tmp_path, **settings),
    ):
        pass


def test_several_workers_need_a_shared_response_cache() -> None:
    with pytest.raises(ValidationError, match="WORKERS > 1 needs REDIS_URL"):
        Settings(workers=2)
    assert Settings(workers=2, response_cache_seconds=0).workers == 2
    assert Settings(workers=2, redis_url="redis://127.0.0.1:6379/3").workers == 2
