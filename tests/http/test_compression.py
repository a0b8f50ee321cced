"""Large responses, GraphQL's and GraphiQL's assets, are sent compressed: brotli to
clients that accept it, else gzip; small ones as they are."""

import gzip
from collections.abc import AsyncIterator

import brotli
import httpx
import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from api.http.app import create_app
from api.http.graphiql import STATIC_DIR
from api.settings import Settings

PAGE = "{ titles(first: 50) { edges { node { id name year } } } }"


@pytest.fixture
async def raw_client(engine: AsyncEngine, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client that leaves bodies as sent (no hooks reading them first)."""
    settings = Settings(database_url=database_url, rate_limit_per_minute=0)
    transport = httpx.ASGITransport(app=create_app(settings, engine=engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def _raw(
    client: httpx.AsyncClient, method: str, url: str, **kwargs: object
) -> httpx.Response:
    """The response's bytes as sent (httpx would decode them)."""
    request = client.build_request(method, url, **kwargs)  # type: ignore[arg-type]
    response = await client.send(request, stream=True)
    response._content = b"".join([chunk async for chunk in response.aiter_raw()])
    return response


@pytest.mark.parametrize(
    ("accepted", "coding", "decode"),
    [("gzip, br", "br", brotli.decompress), ("gzip", "gzip", gzip.decompress)],
)
async def test_a_large_response_is_compressed_as_the_client_accepts(
    raw_client: httpx.AsyncClient, accepted: str, coding: str, decode: object
) -> None:
    response = await _raw(
        raw_client, "POST", "/graphql", json={"query": PAGE}, headers={"Accept-Encoding": accepted}
    )
    assert response.headers["content-encoding"] == coding
    assert "accept-encoding" in response.headers["vary"].lower()
    assert callable(decode)
    body = orjson.loads(decode(response.content))
    assert len(body["data"]["titles"]["edges"]) > 10


async def test_a_response_is_not_compressed_for_a_client_that_refuses_it(
    raw_client: httpx.AsyncClient,
) -> None:
    headers = {"Accept-Encoding": "br;q=0, identity"}
    response = await _raw(raw_client, "POST", "/graphql", json={"query": PAGE}, headers=headers)
    assert "content-encoding" not in response.headers
    assert orjson.loads(response.content)["data"]


async def test_a_small_response_is_sent_as_it_is(raw_client: httpx.AsyncClient) -> None:
    headers = {"Accept-Encoding": "br, gzip"}
    query = {"query": "{ __typename }"}
    response = await _raw(raw_client, "POST", "/graphql", json=query, headers=headers)
    assert "content-encoding" not in response.headers


async def test_graphiqls_javascript_is_sent_compressed(raw_client: httpx.AsyncClient) -> None:
    original = (STATIC_DIR / "graphiql.min.js").read_bytes()
    headers = {"Accept-Encoding": "br"}
    response = await _raw(raw_client, "GET", "/static/graphiql/graphiql.min.js", headers=headers)
    assert response.headers["content-encoding"] == "br"
    assert brotli.decompress(response.content) == original
    assert len(response.content) < len(original) / 3
