"""Small helpers the tests share (fixtures live in conftest.py)."""

import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx

from api.http.app import create_app
from api.settings import Settings

GraphQL = Callable[..., Awaitable[dict[str, Any]]]


def data(body: dict[str, Any]) -> dict[str, Any]:
    """The `data` of a response that must have no errors."""
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


# What must never reach a client: stack traces, SQL, driver names, file paths.
LEAKS = re.compile(
    r"Traceback|SELECT |INSERT |UPDATE |sqlalchemy|asyncpg|sqlite3|\.py\b|/work/|File \"", re.I
)


def assert_no_leak(body: object) -> None:
    assert not LEAKS.search(str(body)), body


@contextlib.asynccontextmanager
async def serve(
    settings: Settings, *, client: tuple[str, int] = ("127.0.0.1", 50000)
) -> AsyncIterator[httpx.AsyncClient]:
    """An app built from `settings` alone (its own engine, rate limiter...), with its
    lifespan run so that what it opened is closed; `client` is the caller's address."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, client=client)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=transport, base_url="http://testserver", event_hooks=NO_LEAK_HOOKS
        ) as http,
    ):
        yield http


async def _check_response(response: httpx.Response) -> None:
    await response.aread()
    assert_no_leak(response.text)


# Every response a test client receives is checked, whatever the test asserts.
NO_LEAK_HOOKS: dict[str, list[Any]] = {"response": [_check_response]}
