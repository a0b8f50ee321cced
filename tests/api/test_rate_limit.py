"""Rate limiting over HTTP: 429 with Retry-After, one bucket per API key or address,
health probes exempt, the in-process bucket's arithmetic, and the Redis backend
(shared between app instances, failing open when Redis is down)."""

import hashlib
import logging
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.rate_limit import MemoryRateLimiter, client_identity
from api.settings import Settings
from tests.helpers import error_codes, serve

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
QUERY = {"query": "{ __typename }"}


async def statuses(http: httpx.AsyncClient, count: int, **headers: str) -> list[int]:
    return [
        (await http.post("/graphql", json=QUERY, headers=headers)).status_code for _ in range(count)
    ]


def limited(database_url: str, **changes: Any) -> Settings:
    """At most `burst` requests, then one a minute: no test is near a refill."""
    return Settings(database_url=database_url, rate_limit_per_minute=1, **changes)


async def test_rate_limited_client_gets_429_with_retry_after(database_url: str) -> None:
    async with serve(limited(database_url, rate_limit_burst=3)) as http:
        assert await statuses(http, 3) == [200, 200, 200]
        response = await http.post("/graphql", json=QUERY)
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert error_codes(response.json()) == ["RATE_LIMITED"]
    message = response.json()["errors"][0]["message"]
    assert "1 a minute (bursts of 3)" in message
    assert f"retry in {response.headers['retry-after']} s" in message


async def test_keys_and_addresses_have_separate_buckets(database_url: str) -> None:
    settings = limited(database_url, rate_limit_burst=2)
    async with serve(settings, client=("203.0.113.7", 40000)) as http:
        assert await statuses(http, 3) == [200, 200, 429]
        alice = {"authorization": "Bearer alice-secret"}
        assert await statuses(http, 3, **alice) == [200, 200, 429]
        assert await statuses(http, 1, authorization="Bearer bob-secret") == [200]
        assert await statuses(http, 1) == [429]  # the address is still out of tokens
    async with serve(settings, client=("203.0.113.8", 40000)) as http:
        assert await statuses(http, 1) == [200]  # another app: its own buckets


async def test_health_probes_are_never_rate_limited(database_url: str) -> None:
    async with serve(limited(database_url, rate_limit_burst=1)) as http:
        assert await statuses(http, 2) == [200, 429]
        for _ in range(3):
            assert (await http.get("/healthz")).status_code == 200
            assert (await http.get("/readyz")).status_code == 200
        assert (await http.get("/")).status_code == 429  # everything else counts


async def test_rate_limiting_can_be_switched_off(database_url: str) -> None:
    settings = Settings(database_url=database_url, rate_limit_per_minute=0, rate_limit_burst=1)
    async with serve(settings) as http:
        assert set(await statuses(http, 5)) == {200}


def test_clients_are_identified_by_key_digest_or_address() -> None:
    digest = hashlib.sha256(b"s3cret").hexdigest()
    assert client_identity("Bearer s3cret", "198.51.100.1") == f"key:{digest}"
    assert client_identity("bearer  s3cret ", None) == f"key:{digest}"
    assert client_identity("Basic s3cret", "198.51.100.1") == "addr:198.51.100.1"
    assert client_identity(None, "198.51.100.1") == "addr:198.51.100.1"
    assert client_identity(None, "::ffff:198.51.100.1") == "addr:198.51.100.1"
    # one IPv6 subscriber usually owns a whole /64
    assert client_identity(None, "2001:db8:1:2::1") == "addr:2001:db8:1:2::/64"
    assert client_identity(None, "2001:db8:1:2:ffff::9") == "addr:2001:db8:1:2::/64"
    assert client_identity(None, None) == "addr:unknown"


async def test_bucket_refills_at_the_configured_rate() -> None:
    now = [1000.0]
    limiter = MemoryRateLimiter(per_minute=60, burst=2, clock=lambda: now[0])
    hits = [await limiter.hit("c") for _ in range(3)]
    assert [hit.allowed for hit in hits] == [True, True, False]
    assert hits[2].retry_after == 1
    now[0] += 0.5
    assert not (await limiter.hit("c")).allowed
    now[0] += 0.5
    assert (await limiter.hit("c")).allowed
    now[0] += 3600  # refills up to the burst, no further
    assert [(await limiter.hit("c")).allowed for _ in range(3)] == [True, True, False]


async def test_retry_after_is_the_wait_for_the_next_token() -> None:
    limiter = MemoryRateLimiter(per_minute=6, burst=1, clock=lambda: 0.0)
    assert (await limiter.hit("c")).allowed
    assert (await limiter.hit("c")).retry_after == 10


async def test_memory_backend_forgets_least_recently_used_clients_past_its_cap() -> None:
    limiter = MemoryRateLimiter(per_minute=1, burst=1, max_clients=2, clock=lambda: 0.0)
    for client in ("a", "b"):
        assert (await limiter.hit(client)).allowed
    assert not (await limiter.hit("a")).allowed  # a is now the most recent
    assert (await limiter.hit("c")).allowed  # b is forgotten, a and c remain
    assert not (await limiter.hit("a")).allowed
    assert (await limiter.hit("b")).allowed  # a fresh bucket


# Redis ------------------------------------------------------------------------------


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own; its keys (and only those) are deleted after."""
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


async def test_redis_backend_shares_counts_between_app_instances(
    database_url: str, redis_prefix: str
) -> None:
    settings = limited(
        database_url, rate_limit_burst=3, redis_url=REDIS_URL, rate_limit_key_prefix=redis_prefix
    )
    async with serve(settings) as first, serve(settings) as second:
        assert await statuses(first, 2) == [200, 200]
        assert await statuses(second, 1) == [200]
        response = await second.post("/graphql", json=QUERY)
        assert response.status_code == 429
        assert 1 <= int(response.headers["retry-after"]) <= 60
        assert error_codes(response.json()) == ["RATE_LIMITED"]
        assert await statuses(first, 1) == [429]
        key = {"authorization": "Bearer redis-secret"}
        assert await statuses(first, 1, **key) + await statuses(second, 3, **key) == [
            200,
            200,
            200,
            429,
        ]

    redis = Redis.from_url(REDIS_URL)
    try:
        keys = sorted([key.decode() async for key in redis.scan_iter(match=f"{redis_prefix}*")])
        ttls = [await redis.pttl(key) for key in keys]
    finally:
        await redis.aclose()
    digest = hashlib.sha256(b"redis-secret").hexdigest()
    assert keys == [f"{redis_prefix}addr:127.0.0.1", f"{redis_prefix}key:{digest}"]
    assert all(0 < ttl <= 4 * 60_000 for ttl in ttls)  # gone once full again


async def test_redis_down_fails_open(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    settings = limited(database_url, rate_limit_burst=1, redis_url="redis://127.0.0.1:1/0")
    with caplog.at_level(logging.WARNING, logger="reelgraph.rate_limit"):
        async with serve(settings) as http:
            assert await statuses(http, 5) == [200] * 5
    warnings = [r for r in caplog.records if r.name == "reelgraph.rate_limit"]
    assert len(warnings) == 1  # logged once, not once a request
    assert "Redis is unreachable" in warnings[0].getMessage()
