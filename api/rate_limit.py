"""Rate limiting: one token bucket per client, in this process or shared in Redis.

A client is its API key (`Authorization: Bearer <key>`, stored only as a
SHA-256 digest) when it sends one, else its address (an IPv6 address by its
/64, which one subscriber usually owns whole). Each bucket holds up to
`RATE_LIMIT_BURST` requests and refills at `RATE_LIMIT_PER_MINUTE`; a request
takes one token, and a client with none left is refused with the whole seconds
until the next one (HTTP 429 with `Retry-After`, see api/middleware.py).

Backends: `MemoryRateLimiter` (the default; each process counts on its own) and
`RedisRateLimiter` (when `REDIS_URL` is set; every replica shares the buckets,
updated atomically by one Lua script on Redis' clock). A rate limiter must not
take the service down: when Redis cannot be reached the request is allowed, a
warning is logged (at most once per `WARNING_INTERVAL_SECONDS`), and Redis is
not asked again for `BACKOFF_SECONDS`.
"""

import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from redis.exceptions import RedisError

from api.auth import bearer_secret
from api.keys import hash_secret
from api.redis_client import fail_fast_redis
from api.settings import Settings

logger = logging.getLogger("reelgraph.rate_limit")

MAX_MEMORY_CLIENTS = 100_000
BACKOFF_SECONDS = 5.0
WARNING_INTERVAL_SECONDS = 60.0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0
    """Whole seconds until the client has a token again (at least 1 when refused)."""


ALLOWED = Decision(True)


class RateLimiter(Protocol):
    per_minute: int
    burst: int

    async def hit(self, client: str) -> Decision:
        """Take one token from `client`'s bucket."""
        ...

    async def aclose(self) -> None: ...


def client_identity(authorization: str | None, address: str | None) -> str:
    """The bucket of a request: its API key's digest, else its address."""
    secret = bearer_secret(authorization)
    if secret is not None:
        return "key:" + hash_secret(secret)
    if address is None:
        return "addr:unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:  # a unix socket path or a test client's name
        return f"addr:{address}"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return f"addr:{ip.ipv4_mapped}"
        return f"addr:{ipaddress.IPv6Network((ip, 64), strict=False)}"
    return f"addr:{ip}"


def _retry_after(missing_tokens: float, per_second: float) -> int:
    return max(1, math.ceil(missing_tokens / per_second))


class MemoryRateLimiter:
    """Buckets in a dict, least recently used first; past `max_clients` the oldest is
    forgotten (a forgotten client starts again with a full bucket)."""

    def __init__(
        self,
        per_minute: int,
        burst: int,
        *,
        max_clients: int = MAX_MEMORY_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.burst = burst
        self._per_second = per_minute / 60
        self._max_clients = max_clients
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at)

    async def hit(self, client: str) -> Decision:
        now = self._clock()
        tokens, at = self._buckets.pop(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self._per_second)
        decision = ALLOWED
        if tokens >= 1:
            tokens -= 1
        else:
            decision = Decision(False, _retry_after(1 - tokens, self._per_second))
        self._buckets[client] = (tokens, now)  # re-inserted: now the most recent
        while len(self._buckets) > self._max_clients:
            del self._buckets[next(iter(self._buckets))]
        return decision

    async def aclose(self) -> None:
        self._buckets.clear()


# KEYS[1]: the bucket; ARGV: tokens per millisecond, burst. Returns {allowed, retry_ms}.
# Uses Redis' clock (TIME), so replicas with skewed clocks agree; needs Redis >= 5
# (scripts replicate their effects, which allows TIME before a write).
_TOKEN_BUCKET = """
local per_ms = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * per_ms)
local allowed, retry_ms = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry_ms = math.ceil((1 - tokens) / per_ms)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / per_ms) + 1000)
return {allowed, retry_ms}
"""


class RedisRateLimiter:
    """Buckets in Redis hashes `<prefix><client>`, expiring once full again."""

    def __init__(
        self,
        url: str,
        per_minute: int,
        burst: int,
        *,
        prefix: str,
    ) -> None:
        self.per_minute = per_minute
        self.burst = burst
        self.prefix = prefix
        self._per_ms = per_minute / 60_000
        self._redis = fail_fast_redis(url)
        self._script = self._redis.register_script(_TOKEN_BUCKET)
        self._skip_until = 0.0
        self._warned_at = -math.inf

    async def hit(self, client: str) -> Decision:
        now = time.monotonic()
        if now < self._skip_until:
            return ALLOWED
        try:
            allowed, retry_ms = await self._script(
                keys=[self.prefix + client], args=[repr(self._per_ms), self.burst]
            )
        except (RedisError, OSError) as error:  # OSError covers TimeoutError
            self._skip_until = now + BACKOFF_SECONDS
            if now - self._warned_at >= WARNING_INTERVAL_SECONDS:
                self._warned_at = now
                logger.warning("rate limiting is off: Redis is unreachable (%r)", error)
            return ALLOWED
        if allowed:
            return ALLOWED
        return Decision(False, max(1, math.ceil(int(retry_ms) / 1000)))

    async def aclose(self) -> None:
        await self._redis.aclose()


def create_rate_limiter(settings: Settings) -> RateLimiter | None:
    """The configured limiter; None when `RATE_LIMIT_PER_MINUTE` is 0 (no limit)."""
    if settings.rate_limit_per_minute == 0:
        return None
    if settings.redis_url:
        return RedisRateLimiter(
            settings.redis_url,
            settings.rate_limit_per_minute,
            settings.rate_limit_burst,
            prefix=settings.rate_limit_key_prefix,
        )
    return MemoryRateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
