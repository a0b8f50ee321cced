"""The Redis the tests use (`TEST_REDIS_URL`), with a key prefix of each test's own."""

import contextlib
import os
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@contextlib.asynccontextmanager
async def scratch_prefix() -> AsyncIterator[str]:
    """A fresh key prefix; its keys (and only those) are deleted afterwards."""
    prefix = f"reelgraph-test:{uuid.uuid4().hex}:"
    redis = Redis.from_url(REDIS_URL)
    try:
        try:
            await redis.ping()
        except (RedisError, OSError) as error:
            pytest.fail(f"Redis at {REDIS_URL} is needed (set TEST_REDIS_URL): {error!r}")
        yield prefix
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


async def keys_under(prefix: str) -> list[str]:
    redis = Redis.from_url(REDIS_URL)
    try:
        return sorted([key.decode() async for key in redis.scan_iter(match=f"{prefix}*")])
    finally:
        await redis.aclose()
