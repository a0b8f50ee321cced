"""Rate limiting: one token bucket per client, in this process or shared in Redis.

A client is its API key (`Authorization: Bearer <key>`, by its SHA-256 digest)
when that key exists and is not revoked, else its address (an IPv6 address by
its /64, which one subscriber usually owns whole): an invented or revoked key
must not buy a fresh bucket. `ActiveKeys` remembers the database's answer for
each digest a short while; a key it has no answer for is checked after its
request was counted against the address, so a flood of invented keys costs no
more lookups than the address may make requests (see api/http/middleware.py).

Each bucket holds up to `RATE_LIMIT_BURST` requests and refills at
`RATE_LIMIT_PER_MINUTE`; a request takes one token, and a client with none left
is refused with the whole seconds until the next one (HTTP 429 with
`Retry-After`).

Backends: `MemoryRateLimiter` (the default; each process counts on its own) and
`RedisRateLimiter` (when `REDIS_URL` is set; every replica shares the buckets,
updated atomically by one Lua script on Redis' clock). A rate limiter must not
take the service down: while Redis is unreachable requests are allowed (see
api/core/redis_client.py).
"""

import asyncio
import ipaddress
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from api.core.redis_client import SharedRedis
from api.settings import Settings

logger = logging.getLogger("reelgraph.rate_limit")

MAX_MEMORY_CLIENTS = 100_000
KEY_ANSWER_SECONDS = 30.0
MAX_KEY_ANSWERS = 10_000
KEY_LOOKUP_TIMEOUT_SECONDS = 2.0


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


def key_identity(digest: str) -> str:
    return "key:" + digest


def address_identity(address: str | None) -> str:
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


class ActiveKeys:
    """Whether an API key digest is active (exists, not revoked), as `lookup` (the
    database) last said within `ttl_seconds`. At most `max_entries` answers of each
    kind are kept, the least recently used forgotten first: invented keys cannot fill
    memory, nor push out the answers for real ones."""

    def __init__(
        self,
        lookup: Callable[[str], Awaitable[bool]],
        *,
        ttl_seconds: float = KEY_ANSWER_SECONDS,
        max_entries: int = MAX_KEY_ANSWERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup = lookup
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        # answer -> {digest: expiry}
        self._answers: dict[bool, OrderedDict[str, float]] = {
            True: OrderedDict(),
            False: OrderedDict(),
        }

    def __len__(self) -> int:
        return sum(len(answers) for answers in self._answers.values())

    def known(self, digest: str) -> bool | None:
        """The remembered answer, or None when there is none (or it is too old)."""
        for active, answers in self._answers.items():
            expires = answers.get(digest)
            if expires is None:
                continue
            if expires <= self._clock():
                del answers[digest]
                return None
            answers.move_to_end(digest)
            return active
        return None

    async def check(self, digest: str) -> bool | None:
        """Ask the database and remember; None when it could not answer in time."""
        try:
            async with asyncio.timeout(KEY_LOOKUP_TIMEOUT_SECONDS):
                active = await self._lookup(digest)
        except Exception as error:  # the request goes on as its address's
            logger.debug("API key lookup failed: %r", error)
            return None
        for answers in self._answers.values():
            answers.pop(digest, None)
        answers = self._answers[active]
        answers[digest] = self._clock() + self._ttl
        while len(answers) > self._max_entries:
            answers.popitem(last=False)
        return active


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

    def __init__(self, redis: SharedRedis, per_minute: int, burst: int, *, prefix: str) -> None:
        self.per_minute = per_minute
        self.burst = burst
        self.prefix = prefix
        self._per_ms = per_minute / 60_000
        self._redis = redis
        self._script = redis.client.register_script(_TOKEN_BUCKET)

    async def hit(self, client: str) -> Decision:
        keys = [self.prefix + client]
        args: list[str | int] = [repr(self._per_ms), self.burst]
        answer = await self._redis.call(lambda _: self._script(keys=keys, args=args), None)
        if answer is None:  # Redis is unreachable: allowed
            return ALLOWED
        allowed, retry_ms = answer
        if allowed:
            return ALLOWED
        return Decision(False, max(1, math.ceil(int(retry_ms) / 1000)))

    async def aclose(self) -> None:
        pass  # the shared client is closed by its owner


def create_rate_limiter(settings: Settings, redis: SharedRedis | None) -> RateLimiter | None:
    """The configured limiter; None when `RATE_LIMIT_PER_MINUTE` is 0 (no limit)."""
    if settings.rate_limit_per_minute == 0:
        return None
    if redis is not None:
        return RedisRateLimiter(
            redis,
            settings.rate_limit_per_minute,
            settings.rate_limit_burst,
            prefix=settings.rate_limit_key_prefix,
        )
    return MemoryRateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
