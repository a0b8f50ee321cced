"""How `python -m api` serves the app: uvicorn's options from the settings, and an
HTTP protocol that gives clients a deadline for their request headers.

uvicorn's keep-alive timeout starts only once a response is sent, so a connection
that never sends a whole request head (silent, or one byte at a time) was never
closed, and enough of them exhausted the file descriptors.
"""

import asyncio
import functools
import logging
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.observability.logs import logging_config
from api.settings import Settings

logger = logging.getLogger("reelgraph.http")


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing a connection whose request head has not
    arrived whole within `header_timeout` seconds of the connection opening, or of the
    first byte of a later request on it. Bodies are RequestLimits' concern."""

    def __init__(self, *args: Any, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self.header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_header_deadline()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.header_deadline is None:  # a later request on a kept-alive connection
            self._start_header_deadline()

    def on_headers_complete(self) -> None:
        self._cancel_header_deadline()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_deadline()
        super().connection_lost(exc)

    def _start_header_deadline(self) -> None:
        self.header_deadline = self.loop.call_later(self.header_timeout, self._header_timed_out)

    def _cancel_header_deadline(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def _header_timed_out(self) -> None:
        self.header_deadline = None
        if not self.transport.is_closing():
            logger.debug(
                "closing %s: no request head within %s s", self.client, self.header_timeout
            )
            self.transport.close()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `uvicorn.run` (besides the app)."""
    protocol = functools.partial(
        HeaderDeadlineProtocol, header_timeout=settings.header_timeout_seconds
    )
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        # Each worker logs as api/observability/logs.py says; the app writes its own access lines.
        "log_config": logging_config(settings.log_level, settings.log_format),
        "access_log": False,
        # uvicorn calls its `http` class with its own arguments; a partial does as well.
        "http": cast(type[asyncio.Protocol], protocol),
        "timeout_keep_alive": settings.keep_alive_timeout_seconds,
        # A subscribe message is bounded like a request body (uvicorn allows 16 MiB),
        # and a client that stops answering WebSocket pings is dropped, with its
        # subscriptions.
        "ws_max_size": settings.max_body_bytes,
        "ws_ping_interval": settings.live_ping_interval_seconds,
        "ws_ping_timeout": settings.live_ping_interval_seconds,
        # Subscription messages are small: per-message deflate would keep a zlib
        # state per connection (most of a subscription's memory) to save little.
        "ws_per_message_deflate": False,
        # uvicorn would trust X-Forwarded-For from 127.0.0.1 by default: any local client
        # could then pick its rate-limit address. Only the listed proxies are believed.
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": settings.forwarded_allow_ips,
    }
