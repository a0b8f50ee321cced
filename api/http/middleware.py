"""HTTP-level limits, as pure ASGI middleware: rate limit, body size, time.

Errors use the GraphQL error shape (`api.core.errors.error_body`):

- `RateLimit`: a client over its rate gets **429** `RATE_LIMITED` with
  `Retry-After` (whole seconds). Paths in `exempt` (the health probes) are
  never limited. A request's bucket is its API key's only once the key is known
  to be active; a key not checked yet is checked after its request was counted
  against the address, so only requests the address may make cost a lookup.
- `RequestLimits`, body: a `Content-Length` over `MAX_BODY_BYTES` is refused
  before anything is read, and a body without one (chunked) is counted as it
  arrives and refused as soon as it passes the limit: **413** `BAD_USER_INPUT`.
  The body is read here, whole, before the app runs (the GraphQL view needs all
  of it anyway), so the app never sees part of an oversized body.
- `RequestLimits`, time: the whole exchange (reading the body included) must
  finish within `REQUEST_TIMEOUT_SECONDS`. A request still running then is
  cancelled, and answered **503** `SERVICE_UNAVAILABLE` with `Retry-After`: the
  document limits (api/core/limits.py) already refuse queries that are expensive by
  construction, so one that still runs out of time meets a slow or overloaded
  database, which is worth retrying later. A client that has not finished
  sending its body by then gets **408** instead (it is the slow party). If the
  response had already started, it cannot be replaced: the connection is cut.

  Cancelling a request cancels its resolvers. On PostgreSQL asyncpg also
  cancels the running statement on the server; on SQLite (aiosqlite runs each
  statement in its thread) the statement runs on to its end, only the response
  is abandoned.
"""

import asyncio
import logging
from collections.abc import Callable, Iterable

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core.errors import ErrorCode, error_body
from api.http.rate_limit import ActiveKeys, RateLimiter, address_identity, key_identity
from api.keys import bearer_secret, hash_secret

logger = logging.getLogger("reelgraph.http")

TIMEOUT_RETRY_AFTER_SECONDS = 5


class RateLimit:
    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: RateLimiter,
        keys: ActiveKeys,
        exempt: Iterable[str] = (),
        on_refusal: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.on_refusal = on_refusal
        self.limiter = limiter
        self.keys = keys
        self.exempt = frozenset(exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A WebSocket handshake counts as a request (refused with a 429 before it is
        # accepted); its subscriptions are bounded per connection instead.
        if scope["type"] not in ("http", "websocket") or scope["path"] in self.exempt:
            return await self.app(scope, receive, send)
        client = scope.get("client")
        identity = address_identity(client[0] if client else None)
        unchecked = None
        secret = bearer_secret(Headers(scope=scope).get("authorization"))
        if secret is not None:
            digest = hash_secret(secret)
            active = self.keys.known(digest)
            if active:
                identity = key_identity(digest)
            elif active is None:
                unchecked = digest
        decision = await self.limiter.hit(identity)
        if decision.allowed:
            if unchecked is not None:
                await self.keys.check(unchecked)  # its next requests count against the key
            return await self.app(scope, receive, send)
        if self.on_refusal is not None:
            self.on_refusal()
        limiter = self.limiter
        message = (
            f"Too many requests: the limit is {limiter.per_minute:,} a minute "
            f"(bursts of {limiter.burst:,}); retry in {decision.retry_after} s."
        )
        response = JSONResponse(
            error_body(message, ErrorCode.RATE_LIMITED),
            status_code=429,
            headers={"Retry-After": str(decision.retry_after)},
        )
        await response(scope, receive, send)


class RequestLimits:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, timeout_seconds: float) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.timeout_seconds = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            return await self._too_large(scope, receive, send)

        body_received = response_started = False

        async def send_and_track(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        deadline = asyncio.timeout(self.timeout_seconds)
        try:
            async with deadline:
                try:
                    body = await _read_body(receive, self.max_body_bytes)
                except _Disconnected:
                    return  # nobody to answer
                if body is None:
                    return await self._too_large(scope, receive, send)
                body_received = True
                await self.app(scope, _replay(body, receive), send_and_track)
        except TimeoutError:
            if not deadline.expired():  # raised by the app itself: not ours to answer
                raise
            logger.warning(
                "request to %s cancelled after %s s", scope["path"], self.timeout_seconds
            )
            if response_started:
                return  # too late for another status; the server closes the connection
            await self._timed_out(scope, receive, send, body_received)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"The request body is larger than {self.max_body_bytes:,} bytes."
        response = JSONResponse(error_body(message, ErrorCode.BAD_USER_INPUT), status_code=413)
        await response(scope, receive, send)

    async def _timed_out(
        self, scope: Scope, receive: Receive, send: Send, body_received: bool
    ) -> None:
        seconds = f"{self.timeout_seconds:g}"
        if not body_received:
            message = f"The request body did not arrive within {seconds} s."
            body = error_body(message, ErrorCode.BAD_USER_INPUT)
            response = JSONResponse(body, status_code=408, headers={"Connection": "close"})
        else:
            message = (
                f"The request did not finish within {seconds} s and was cancelled; "
                "try again shortly, or ask for less."
            )
            response = JSONResponse(
                error_body(message, ErrorCode.SERVICE_UNAVAILABLE),
                status_code=503,
                headers={"Retry-After": str(TIMEOUT_RETRY_AFTER_SECONDS)},
            )
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    try:
        return None if value is None else int(value)
    except ValueError:
        return None  # the server refuses a malformed Content-Length before we see it


class _Disconnected(Exception):
    pass


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it is longer than `limit`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # http.disconnect: the client left
            raise _Disconnected
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body read already, then the real messages."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
