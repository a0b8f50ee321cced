"""A TCP proxy between the service and PostgreSQL that a test can cut and restore.

`cut("refuse")` is a crashed or stopped database: live connections are reset and
new ones are refused (nothing listens, the kernel answers the SYN with RST).
`cut("reset")` accepts new connections and resets them at once (RST after the
handshake: a load balancer without a backend, a database dying as clients connect).
`cut("blackhole")` is a network partition: live connections are reset too, and new
ones are accepted but never forwarded, so a client without a connect timeout waits
forever. With `freeze_live=True` the live connections are not reset but go silent
(bytes are read and dropped), so only a per-command timeout saves a query on a
pooled connection. `restore()` closes whatever was cut or frozen and forwards again.

Everything is bounded: each connection is one task the proxy tracks, and `close()`
cancels and awaits them all and closes every socket it opened.
"""

import asyncio
import contextlib
import socket
import struct
from types import TracebackType
from typing import Literal, Self

FaultMode = Literal["refuse", "reset", "blackhole"]
CHUNK = 65536
UPSTREAM_CONNECT_TIMEOUT_SECONDS = 5.0


class _Link:
    """One client connection and, when forwarding, its upstream connection."""

    def __init__(self, client: asyncio.StreamWriter) -> None:
        self.writers = [client]
        self.forwarding = False
        self.frozen = False

    def reset(self) -> None:
        for writer in self.writers:
            _reset(writer)


class DatabaseProxy:
    def __init__(
        self,
        upstream_host: str = "127.0.0.1",
        upstream_port: int = 5432,
        host: str = "127.0.0.1",
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.host = host
        self.port = 0
        self.mode: FaultMode | None = None  # None: forwarding
        self.accepted = 0  # connections accepted in all (black-holed ones included)
        self._reservation: socket.socket | None = None
        self._server: asyncio.Server | None = None
        self._links: dict[asyncio.Task[None], _Link] = {}

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def url(self, database: str, user: str = "postgres") -> str:
        return f"postgresql+asyncpg://{user}@{self.host}:{self.port}/{database}"

    async def start(self) -> None:
        # A bound socket that never listens keeps the port ours while the listener is
        # closed ("refuse"): SO_REUSEPORT lets the listener share it, and no outgoing
        # connection or other program (short of the same user with SO_REUSEPORT)
        # can take it in between.
        self._reservation = _bound_socket(self.host, 0)
        self.port = self._reservation.getsockname()[1]
        await self._listen()

    async def cut(self, mode: FaultMode = "refuse", *, freeze_live: bool = False) -> None:
        """Make the database unreachable through the proxy (see the module docstring)."""
        self.mode = mode
        for link in self._links.values():
            if freeze_live:
                link.frozen = True
            else:
                link.reset()
        if mode == "refuse":
            await self._stop_listening()
        await asyncio.sleep(0)  # let the reset connections' tasks see it

    async def restore(self) -> None:
        """Forward again; connections that were cut, frozen or black-holed are reset."""
        self.mode = None
        for link in self._links.values():
            if link.frozen or not link.forwarding:
                link.reset()
        if self._server is None:
            await self._listen()
        await asyncio.sleep(0)

    async def close(self) -> None:
        await self._stop_listening()
        for link in self._links.values():
            link.reset()
        tasks = list(self._links)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._reservation is not None:
            self._reservation.close()
            self._reservation = None

    @property
    def live_connections(self) -> int:
        return len(self._links)

    async def _listen(self) -> None:
        sock = _bound_socket(self.host, self.port)
        try:
            self._server = await asyncio.start_server(self._handle, sock=sock)
        except BaseException:
            sock.close()
            raise

    async def _stop_listening(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            server.close()
            await server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        link = _Link(writer)
        self._links[task] = link
        self.accepted += 1
        try:
            if self.mode == "reset":
                link.reset()
                return
            if self.mode == "blackhole":
                await _drain_into_void(reader)
                return
            try:
                async with asyncio.timeout(UPSTREAM_CONNECT_TIMEOUT_SECONDS):
                    up_reader, up_writer = await asyncio.open_connection(*self.upstream)
            except (OSError, TimeoutError):
                return
            link.writers.append(up_writer)
            if self.mode is not None:  # cut while connecting upstream
                return
            link.forwarding = True
            async with asyncio.TaskGroup() as group:
                group.create_task(_pump(reader, up_writer, link))
                group.create_task(_pump(up_reader, writer, link))
        except* (OSError, EOFError):
            pass  # a side went away: close both
        finally:
            del self._links[task]
            for end in link.writers:
                end.close()
            for end in link.writers:
                with contextlib.suppress(OSError):
                    await end.wait_closed()


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: _Link) -> None:
    while data := await reader.read(CHUNK):
        if link.frozen:
            continue  # silently dropped, as a partitioned network would
        writer.write(data)
        await writer.drain()
    raise EOFError  # one side closed: end the other pump too


async def _drain_into_void(reader: asyncio.StreamReader) -> None:
    while await reader.read(CHUNK):
        pass


def _bound_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST (SO_LINGER 0), as when the database process dies."""
    sock = writer.get_extra_info("socket")
    if sock is not None and not writer.transport.is_closing():
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
