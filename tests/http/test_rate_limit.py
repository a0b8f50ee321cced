"""Rate limiting over HTTP: 429 with Retry-After, one bucket per active API key or
address (an invented or revoked key counts as its address), health probes exempt,
the in-process bucket's arithmetic, and the Redis backend (shared between app
instances, failing open when Redis is down)."""

import hashlib
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.http.rate_limit import ActiveKeys, MemoryRateLimiter, address_identity
from api.keys import create_key, revoke_key
from api.settings import Settings
from models import ApiKeyRole
from tests.helpers import error_codes, serve
from tests.redis_helpers import REDIS_URL, keys_under, scratch_prefix

QUERY = {"query": "{ __typename }"}


async def _key(sessions: async_sessionmaker[AsyncSession], name: str) -> str:
    async with sessions() as session, session.begin():
        return (await create_key(session, ApiKeyRole.CRITIC, name)).secret


def _bearer(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}


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


async def test_keys_and_addresses_have_separate_buckets(
    database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    alice, bob = await _key(sessions, "Alice"), await _key(sessions, "Bob")
    settings = limited(database_url, rate_limit_burst=2)
    async with serve(settings, client=("203.0.113.7", 40000)) as http:
        # A key's first request is the address's: that is when the key is checked.
        assert await statuses(http, 1, authorization=f"Bearer {alice}") == [200]
        assert await statuses(http, 3, authorization=f"Bearer {alice}") == [200, 200, 429]
        assert await statuses(http, 2) == [200, 429]  # the address paid for alice's first
        assert await statuses(http, 1, authorization=f"Bearer {bob}") == [429]  # unchecked yet
    async with serve(settings, client=("203.0.113.8", 40000)) as http:
        assert await statuses(http, 1) == [200]  # another app: its own buckets


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_invented_bearer_tokens_share_their_address_bucket(
    database_url: str, backend: str, redis_prefix: str
) -> None:
    changes: dict[str, Any] = {}
    if backend == "redis":
        changes = {"redis_url": REDIS_URL, "rate_limit_key_prefix": redis_prefix}
    async with serve(limited(database_url, rate_limit_burst=3, **changes)) as http:
        codes = [
            (await http.post("/graphql", json=QUERY, headers=_bearer(f"rg_{uuid.uuid4().hex}")))
            for _ in range(6)
        ]
    assert [response.status_code for response in codes] == [200, 200, 200, 429, 429, 429]


async def test_a_revoked_key_shares_its_address_bucket(
    database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    secret = await _key(sessions, "Revoked")
    async with sessions() as session, session.begin():
        await revoke_key(session, secret[:11])
    async with serve(limited(database_url, rate_limit_burst=2)) as http:
        assert await statuses(http, 2, authorization=f"Bearer {secret}") == [200, 200]
        assert await statuses(http, 1) == [429]


async def test_a_flood_of_invented_tokens_asks_the_database_only_what_the_address_may(
    database_url: str,
) -> None:
    lookups: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "api_keys" in statement:
            lookups.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        async with serve(limited(database_url, rate_limit_burst=3)) as http:
            for _ in range(30):
                await http.post("/graphql", json=QUERY, headers=_bearer(uuid.uuid4().hex))
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert len(lookups) == 3  # one per request the address was allowed, none after


async def test_key_answers_are_remembered_for_a_while_and_in_bounded_number() -> None:
    now = [0.0]
    asked: list[str] = []

    async def lookup(digest: str) -> bool:
        asked.append(digest)
        return digest.startswith("good")

    keys = ActiveKeys(lookup, ttl_seconds=30, max_entries=1, clock=lambda: now[0])
    assert keys.known("good-1") is None
    assert await keys.check("good-1") is True
    assert await keys.check("bad-1") is False
    assert (keys.known("good-1"), keys.known("bad-1")) == (True, False)
    assert asked == ["good-1", "bad-1"]
    assert await keys.check("bad-2") is False  # past max_entries: the oldest is forgotten,
    assert keys.known("bad-1") is None and len(keys) == 2
    assert keys.known("good-1") is True  # and invented keys never push out real ones
    now[0] += 31
    assert keys.known("good-1") is None  # answers expire


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


def test_addresses_are_bucketed_by_host_and_ipv6_by_their_64() -> None:
    assert address_identity("198.51.100.1") == "addr:198.51.100.1"
    assert address_identity("::ffff:198.51.100.1") == "addr:198.51.100.1"
    # one IPv6 subscriber usually owns a whole /64
    assert address_identity("2001:db8:1:2::1") == "addr:2001:db8:1:2::/64"
    assert address_identity("2001:db8:1:2:ffff::9") == "addr:2001:db8:1:2::/64"
    assert address_identity(None) == "addr:unknown"


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
    async with scratch_prefix() as prefix:
        yield prefix


async def test_redis_backend_shares_counts_between_app_instances(
    database_url: str, redis_prefix: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    secret = await _key(sessions, "Shared Counts")
    bearer = {"authorization": f"Bearer {secret}"}
    settings = limited(
        database_url, rate_limit_burst=3, redis_url=REDIS_URL, rate_limit_key_prefix=redis_prefix
    )
    async with serve(settings) as first, serve(settings) as second:
        # Each app checks the key once, on the address's bucket.
        assert await statuses(first, 1, **bearer) + await statuses(second, 1, **bearer) == [
            200,
            200,
        ]
        assert await statuses(first, 2, **bearer) + await statuses(second, 2, **bearer) == [
            200,
            200,
            200,
            429,
        ]
        assert await statuses(first, 1) == [200]
        response = await second.post("/graphql", json=QUERY)
        assert response.status_code == 429
        assert 1 <= int(response.headers["retry-after"]) <= 60
        assert error_codes(response.json()) == ["RATE_LIMITED"]
        assert await statuses(first, 1) == [429]

    keys = await keys_under(redis_prefix)
    redis = Redis.from_url(REDIS_URL)
    try:
        ttls = [await redis.pttl(key) for key in keys]
    finally:
        await redis.aclose()
    digest = hashlib.sha256(secret.encode()).hexdigest()
    assert keys == [f"{redis_prefix}addr:127.0.0.1", f"{redis_prefix}key:{digest}"]
    assert all(0 < ttl <= 4 * 60_000 for ttl in ttls)  # gone once full again


async def test_redis_down_fails_open(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    settings = limited(database_url, rate_limit_burst=1, redis_url="redis://127.0.0.1:1/0")
    with caplog.at_level(logging.WARNING, logger="reelgraph.redis"):
        async with serve(settings) as http:
            assert await statuses(http, 5) == [200] * 5
    warnings = [r for r in caplog.records if r.name == "reelgraph.redis"]
    assert len(warnings) == 1  # logged once, not once a request
    assert "Redis is unreachable" in warnings[0].getMessage()
