"""Redis goes away and comes back: the rate limiter and the response cache fail open
(never a 500, never a dropped connection), an outage costs one Redis timeout and one
log line, and no answer cached before a write made during the outage is served again.

Redis is reached through a `DatabaseProxy` (any TCP service will do) the tests cut and
restore; the database is the suite's.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvloop
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.core.ids import encode_id
from api.core.redis_client import REDIS_TIMEOUT_SECONDS
from api.settings import Settings
from tests.factories import make_title
from tests.faults.proxy import DatabaseProxy
from tests.helpers import serve
from tests.redis_helpers import REDIS_URL, keys_under, scratch_prefix

TITLE = "query($slug: String!) { title(slug: $slug) { name } }"
RENAME = """mutation($id: ID!, $name: String!) {
  updateTitle(id: $id, input: {expectedVersion: 1, name: $name}) { version } }"""
RECOVER_WITHIN = 10.0


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    async with scratch_prefix() as prefix:
        yield prefix


def redis_proxy() -> DatabaseProxy:
    upstream = urlsplit(REDIS_URL)
    return DatabaseProxy(upstream.hostname or "127.0.0.1", upstream.port or 6379)


def through(proxy: DatabaseProxy, database_url: str, prefix: str, **changes: Any) -> Settings:
    """Rate limiting and the response cache both in Redis, reached through `proxy`."""
    return Settings(
        database_url=database_url,
        graphiql=False,
        redis_url=f"redis://{proxy.host}:{proxy.port}{urlsplit(REDIS_URL).path}",
        rate_limit_key_prefix=prefix + "rate:",
        response_cache_key_prefix=prefix + "cache:",
        **changes,
    )


async def title_name(http: httpx.AsyncClient, slug: str) -> str:
    response = await http.post("/graphql", json={"query": TITLE, "variables": {"slug": slug}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    name: str = body["data"]["title"]["name"]
    return name


async def eventually(condition: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(RECOVER_WITHIN):
        while not await condition():  # noqa: ASYNC110 (polls another task's effect)
            await asyncio.sleep(0.05)


def back_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "Redis is back" in r.getMessage()]


async def _reset_under_uvloop(database_url: str, prefix: str) -> None:
    async with redis_proxy() as proxy, serve(through(proxy, database_url, prefix)) as http:
        assert await title_name(http, "refusenik-2007") == "Refusenik"  # pooled connections
        await proxy.cut("refuse")  # resets them
        for _ in range(3):
            assert await title_name(http, "refusenik-2007") == "Refusenik"
        await proxy.restore()
        for _ in range(3):
            assert await title_name(http, "refusenik-2007") == "Refusenik"

        async def caching_again() -> bool:
            await http.post("/graphql", json={"query": "{ genres { slug } }"})
            return len([key for key in await keys_under(prefix) if ":body:" in key]) == 2

        await eventually(caching_again)  # dead connections were replaced


async def test_a_reset_redis_connection_is_never_a_500(
    database_url: str, redis_prefix: str
) -> None:
    """uvloop (what `python -m api` runs on) reports a write on a reset connection as
    RuntimeError, not as a Redis or OS error."""
    await asyncio.to_thread(uvloop.run, _reset_under_uvloop(database_url, redis_prefix))


async def test_a_blackholed_redis_costs_one_timeout_and_one_log_line_per_outage(
    database_url: str, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with redis_proxy() as proxy, serve(through(proxy, database_url, redis_prefix)) as http:
        for _ in range(2):  # the second is a cache hit
            assert await title_name(http, "refusenik-2007") == "Refusenik"
        with caplog.at_level(logging.INFO, logger="reelgraph.redis"):
            await proxy.cut("blackhole", freeze_live=True)
            assert await title_name(http, "refusenik-2007") == "Refusenik"  # pays the timeout
            started = time.monotonic()
            for _ in range(20):  # each paid two timeouts before
                assert await title_name(http, "refusenik-2007") == "Refusenik"
            assert time.monotonic() - started < 20 * REDIS_TIMEOUT_SECONDS  # far less, in fact
            lines = [record.getMessage() for record in caplog.records]
            assert len(lines) == 1 and "Redis is unreachable" in lines[0], lines

            await proxy.restore()

            async def back() -> bool:
                return bool(back_lines(caplog))

            await eventually(back)
            assert len(caplog.records) == 2, [record.getMessage() for record in caplog.records]


async def test_a_write_during_a_redis_outage_never_brings_the_old_answer_back(
    database_url: str,
    redis_prefix: str,
    sessions: async_sessionmaker[AsyncSession],
    editor_key: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    title = await make_title(sessions, name="Before The Outage")
    rename = {"id": encode_id("Title", title.id), "name": "Written During It"}
    async with redis_proxy() as proxy:
        settings = through(proxy, database_url, redis_prefix, rate_limit_per_minute=0)
        async with serve(settings) as writer, serve(settings) as reader, serve(settings) as idle:
            for app in (writer, reader, idle):
                assert await title_name(app, title.slug) == "Before The Outage"  # cached
            with caplog.at_level(logging.INFO, logger="reelgraph.redis"):
                await proxy.cut("refuse")
                response = await writer.post(
                    "/graphql",
                    json={"query": RENAME, "variables": rename},
                    headers={"authorization": f"Bearer {editor_key}"},
                )
                assert response.json()["data"] == {"updateTitle": {"version": 2}}
                for app in (writer, reader):
                    assert await title_name(app, title.slug) == "Written During It"
                await proxy.restore()
                for _ in range(5):  # right away, and on until both are back
                    for app in (writer, reader):
                        assert await title_name(app, title.slug) == "Written During It"

                async def both_back() -> bool:
                    return len(back_lines(caplog)) >= 2

                await eventually(both_back)
            # Caching again; the replica that saw nothing of the outage agrees.
            for app in (writer, reader, idle, writer, reader, idle):
                assert await title_name(app, title.slug) == "Written During It"
