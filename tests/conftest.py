"""Fixtures: one migrated and seeded database per run (SQLite file, or PostgreSQL
when TEST_DATABASE_URL is set), the real ASGI app over HTTP, and a SQL statement
counter."""

import asyncio
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.http.app import create_app
from api.keys import create_key
from api.planning.leases import leases
from api.settings import Settings
from models import ApiKeyRole
from models.db import create_engine, create_sessionmaker
from models.migrations import upgrade
from seed.load import curated_entries, load_entries
from tests.databases import create_database, drop_database, per_run_url, postgres_test_url
from tests.helpers import NO_LEAK_HOOKS, GraphQL, assert_no_leak


async def _seed(url: str) -> None:
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session, session.begin():
        await load_entries(session, curated_entries())
    await engine.dispose()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A temporary SQLite file, or with TEST_DATABASE_URL a PostgreSQL database of this
    run's own, created next to the one it names and dropped at the end."""
    postgres = postgres_test_url()
    with tempfile.TemporaryDirectory() as folder:
        if postgres is None:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'test.db'}"
        else:
            url = per_run_url(postgres)
            asyncio.run(create_database(url))
        try:
            upgrade(url)
            asyncio.run(_seed(url))
            yield url
        finally:
            if postgres is not None:
                asyncio.run(drop_database(url))


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(autouse=True)
async def _kept_connections_end_with_their_test(
    request: pytest.FixtureRequest,
) -> AsyncIterator[None]:
    """The shared engine's planned reads keep connections (api/planning/leases.py): they
    go back to the pool when the test ends, not a second later during another test."""
    yield
    if "engine" in request.fixturenames:
        await leases(request.getfixturevalue("engine")).release()


@pytest.fixture(scope="session")
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture(scope="session")
async def client(engine: AsyncEngine, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    # The whole suite shares this client (one address): rate limiting is tested on its own apps.
    # Factories write rows behind the API's back, so this app caches no responses;
    # the cache and the rate limiter have tests (and apps) of their own.
    settings = Settings(
        database_url=database_url, rate_limit_per_minute=0, response_cache_seconds=0
    )
    app = create_app(settings, engine=engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", event_hooks=NO_LEAK_HOOKS
    ) as client:
        yield client


@pytest.fixture(scope="session")
async def reference_client(
    engine: AsyncEngine, database_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    """Like `client`, with reads resolved field by field by the reference resolvers."""
    settings = Settings(
        database_url=database_url,
        rate_limit_per_minute=0,
        response_cache_seconds=0,
        compiled_queries=False,
    )
    transport = httpx.ASGITransport(app=create_app(settings, engine=engine))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", event_hooks=NO_LEAK_HOOKS
    ) as client:
        yield client


@pytest.fixture
def graphql(client: httpx.AsyncClient) -> GraphQL:
    """POST a document (with an API key if given); returns the decoded body after
    checking it is well-formed and leaks nothing internal."""

    async def execute(
        query: str, variables: dict[str, Any] | None = None, *, key: str | None = None
    ) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {key}"} if key else {}
        payload = {"query": query, "variables": variables}
        response = await client.post("/graphql", json=payload, headers=headers)
        assert response.status_code == 200, response.text
        assert_no_leak(response.text)
        body: dict[str, Any] = response.json()
        for error in body.get("errors", []):
            assert error["extensions"]["code"], error
        return body

    return execute


@pytest.fixture(scope="session")
async def editor_key(sessions: async_sessionmaker[AsyncSession]) -> str:
    async with sessions() as session, session.begin():
        return (await create_key(session, ApiKeyRole.EDITOR, "Test Editor")).secret


@pytest.fixture(scope="session")
async def critic_key(sessions: async_sessionmaker[AsyncSession]) -> str:
    async with sessions() as session, session.begin():
        return (await create_key(session, ApiKeyRole.CRITIC, "Test Critic")).secret


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.statements.append(statement)

    def __len__(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements(engine: AsyncEngine) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(engine.sync_engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine.sync_engine, "before_cursor_execute", counter)
