"""The Redis client the rate limiter and the response cache share the settings of."""

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

REDIS_TIMEOUT_SECONDS = 0.25


def fail_fast_redis(url: str) -> "Redis":
    """No retries and short timeouts: a slow Redis must cost a request little (both
    users fail open when it is unreachable)."""
    return Redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 0),
    )
