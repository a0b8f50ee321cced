"""The one Redis connection pool of a process, shared by the rate limiter and the
response cache, behind one circuit breaker.

Redis only ever makes the service cheaper, so every call fails open: any failure
(a Redis error, a timeout, a reset connection, which uvloop reports as
RuntimeError) returns the caller's fallback, never an error. The first failure
opens the breaker and logs one warning; until Redis answers again no request waits
for it. A background probe pings Redis every `PROBE_SECONDS` with fresh connections
(the pooled ones died with the outage), runs the users' recovery steps (the response
cache starts a new generation: an invalidation may have been lost), and only then
closes the breaker and logs that Redis is back. A process starts with the breaker
open too, and closes it the same way (`start`): an earlier process may have died
between a write and its invalidation.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # redis-py and what it imports are 20 MiB a process: loaded when used
    from redis.asyncio import Redis

logger = logging.getLogger("reelgraph.redis")

REDIS_TIMEOUT_SECONDS = 0.25
PROBE_SECONDS = 1.0

T = TypeVar("T")
RecoveryStep = Callable[["Redis"], Awaitable[None]]


def fail_fast_redis(url: str) -> "Redis":
    """No retries and short timeouts: a slow Redis must cost a request little."""
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return Redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 0),
    )


class SharedRedis:
    def __init__(self, url: str, *, probe_seconds: float = PROBE_SECONDS) -> None:
        self.client = fail_fast_redis(url)
        self._probe_seconds = probe_seconds
        self._recovery_steps: list[RecoveryStep] = []
        self._down_since: float | None = time.monotonic()  # until `start` succeeds
        self._probe: asyncio.Task[None] | None = None

    @property
    def available(self) -> bool:
        return self._down_since is None

    def on_recovery(self, step: RecoveryStep) -> None:
        """Run `step` before Redis is used again after it failed (and at start-up)."""
        self._recovery_steps.append(step)

    async def call(self, command: Callable[["Redis"], Awaitable[T]], fallback: T) -> T:
        """`command`'s answer, or `fallback` while Redis is unreachable."""
        if self._down_since is not None:
            return fallback
        try:
            return await command(self.client)
        except Exception as error:  # whatever broke, Redis must not break the request
            self._trip(error)
            return fallback

    async def start(self) -> None:
        try:
            await self._recover()
        except Exception as error:
            logger.warning("Redis is unreachable at start-up: %r", error)
            self._probe = asyncio.create_task(self._probe_until_back())
        else:
            self._down_since = None

    async def aclose(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
        await self.client.aclose()

    def _trip(self, error: Exception) -> None:
        if self._down_since is not None:
            return  # this outage is known and being probed
        self._down_since = time.monotonic()
        logger.warning(
            "Redis is unreachable (%r): rate limits and the response cache are off until it "
            "is back",
            error,
        )
        self._probe = asyncio.create_task(self._probe_until_back())

    async def _probe_until_back(self) -> None:
        while True:
            await asyncio.sleep(self._probe_seconds)
            try:
                await self._recover()
            except Exception:  # still down; the outage was logged when it began
                continue
            break
        down_for = time.monotonic() - (self._down_since or 0.0)
        self._down_since = None  # after the last await: no call slips in between
        self._probe = None
        logger.warning(
            "Redis is back after %.1f s: rate limits and the response cache are on again",
            down_for,
        )

    async def _recover(self) -> None:
        await self.client.connection_pool.disconnect(inuse_connections=False)
        await self.client.ping()
        for step in self._recovery_steps:
            await step(self.client)
