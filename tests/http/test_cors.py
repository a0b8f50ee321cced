"""Browsers may call the API from the origins in CORS_ORIGINS, and from no other."""

from collections.abc import AsyncIterator

import httpx
import pytest

from api.settings import Settings
from tests.helpers import serve

ALLOWED = "https://app.example"


@pytest.fixture
async def http(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=database_url, cors_origins=f"{ALLOWED}, https://b.example")
    async with serve(settings) as http:
        yield http


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, authorization",
    }


async def test_a_preflight_from_a_configured_origin_is_allowed(http: httpx.AsyncClient) -> None:
    response = await http.options("/graphql", headers=_preflight(ALLOWED))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in response.headers["access-control-allow-methods"]


async def test_a_preflight_from_another_origin_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.options("/graphql", headers=_preflight("https://evil.example"))
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_a_configured_origin_may_read_the_response_and_its_request_id(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": ALLOWED}
    )
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()


async def test_without_cors_origins_no_origin_is_allowed(client: httpx.AsyncClient) -> None:
    response = await client.options("/graphql", headers=_preflight(ALLOWED))
    assert "access-control-allow-origin" not in response.headers
