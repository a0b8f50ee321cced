"""Caching that clients use: persisted queries, HTTP validators, the response cache."""

import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.core.ids import encode_id
from api.http.app import create_app
from api.settings import Settings
from tests.factories import make_title, rename_title
from tests.helpers import error_codes, serve
from tests.redis_helpers import REDIS_URL, scratch_prefix

TITLE = "query($slug: String!) { title(slug: $slug) { name version } }"
RENAME = """mutation($id: ID!, $v: Int!, $name: String!) {
  updateTitle(id: $id, input: {expectedVersion: $v, name: $name}) { version } }"""


def _sha(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def _persisted(document: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": _sha(document)}}


async def _post(http: httpx.AsyncClient, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    response = await http.post("/graphql", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_unknown_persisted_query_is_not_found_then_registers(database_url: str) -> None:
    document = '{ title(slug: "refusenik-2007") { name } }'
    async with serve(Settings(database_url=database_url)) as http:
        unknown = await _post(http, {"extensions": _persisted(document)})
        assert error_codes(unknown) == ["PERSISTED_QUERY_NOT_FOUND"]
        assert unknown["errors"][0]["message"] == "PersistedQueryNotFound"
        registered = await _post(http, {"query": document, "extensions": _persisted(document)})
        assert registered["data"] == {"title": {"name": "Refusenik"}}
        by_hash = await _post(http, {"extensions": _persisted(document)})
        assert by_hash["data"] == {"title": {"name": "Refusenik"}}
        params = {"extensions": json.dumps(_persisted(document))}
        over_get = await http.get("/graphql", params=params)
        assert over_get.json()["data"] == {"title": {"name": "Refusenik"}}


async def test_a_hash_that_does_not_match_its_query_is_bad_input(database_url: str) -> None:
    async with serve(Settings(database_url=database_url)) as http:
        body = await _post(
            http, {"query": "{ genres { slug } }", "extensions": _persisted("{ other }")}
        )
        assert error_codes(body) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ("{ " + "__typename " * 2100 + "}", "QUERY_TOO_COMPLEX"),  # over the token limit
        ("{ genres { slug }", "BAD_USER_INPUT"),  # syntax error
        ("{ nope }", "BAD_USER_INPUT"),  # fails validation
    ],
)
async def test_a_document_that_cannot_run_is_never_registered(
    database_url: str, document: str, code: str
) -> None:
    async with serve(Settings(database_url=database_url)) as http:
        registering = await _post(http, {"query": document, "extensions": _persisted(document)})
        assert error_codes(registering) == [code]
        by_hash = await _post(http, {"extensions": _persisted(document)})
        assert error_codes(by_hash) == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_registered_documents_are_bounded_by_bytes(database_url: str) -> None:
    # The audit's attack: large documents (one comment token each) registered by anyone.
    budget = 1_000_000
    settings = Settings(
        database_url=database_url,
        persisted_queries_max_bytes=budget,
        rate_limit_per_minute=0,
        response_cache_seconds=0,
    )
    app = create_app(settings)
    graphql = next(r.endpoint for r in app.routes if getattr(r, "path", "") == "/graphql")
    documents = [f"{{ __typename }} #{i:04} " + "x" * 95_000 for i in range(60)]
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as http,
    ):
        for document in documents:
            body = await _post(http, {"query": document, "extensions": _persisted(document)})
            assert body["data"] == {"__typename": "Query"}
        stored = graphql.persisted.registered
        assert 0 < stored.bytes <= budget and len(stored) == budget // 95_100
        newest = await _post(http, {"extensions": _persisted(documents[-1])})
        assert newest["data"] == {"__typename": "Query"}
        oldest = await _post(http, {"extensions": _persisted(documents[0])})
        assert error_codes(oldest) == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_safelist_mode_runs_only_registered_documents(
    database_url: str, tmp_path: Path
) -> None:
    allowed = "{ genres { slug } }"
    safelist = tmp_path / "safelist.json"
    safelist.write_text(json.dumps({_sha(allowed): allowed}))
    settings = Settings(
        database_url=database_url, persisted_queries_file=safelist, persisted_queries_only=True
    )
    async with serve(settings) as http:
        assert "data" in await _post(http, {"extensions": _persisted(allowed)})
        assert "data" in await _post(http, {"query": allowed})
        other = "{ providers { slug } }"
        assert error_codes(await _post(http, {"query": other})) == ["PERSISTED_QUERY_NOT_FOUND"]
        registering = {"query": other, "extensions": _persisted(other)}
        assert error_codes(await _post(http, registering)) == ["PERSISTED_QUERY_NOT_FOUND"]


@pytest.mark.parametrize(
    "content_type", ["xapplication/json", "foo-application/json", "text/plain; application/json"]
)
async def test_safelist_mode_cannot_be_bypassed_by_the_content_type(
    database_url: str, tmp_path: Path, content_type: str
) -> None:
    allowed = "{ genres { slug } }"
    safelist = tmp_path / "safelist.json"
    safelist.write_text(json.dumps([allowed]))
    settings = Settings(
        database_url=database_url, persisted_queries_file=safelist, persisted_queries_only=True
    )
    other = json.dumps({"query": "{ __schema { queryType { name } } }"}).encode()
    async with serve(settings) as http:
        response = await http.post(
            "/graphql", content=other, headers={"content-type": content_type}
        )
        assert response.status_code == 400
        assert "data" not in response.json() and error_codes(response.json()) == ["BAD_USER_INPUT"]
        charset = {"content-type": "application/json; charset=utf-8"}
        response = await http.post("/graphql", content=other, headers=charset)
        assert error_codes(response.json()) == ["PERSISTED_QUERY_NOT_FOUND"]


@pytest.mark.parametrize("server_cache_seconds", [60, 0])
async def test_get_queries_carry_an_etag_and_revalidate_with_304(
    database_url: str, server_cache_seconds: int
) -> None:
    settings = Settings(
        database_url=database_url,
        http_cache_max_age=120,
        response_cache_seconds=server_cache_seconds,
    )
    async with serve(settings) as http:
        params = {"query": "{ genres { slug } }"}
        first = await http.get("/graphql", params=params)
        assert first.status_code == 200
        assert first.headers["cache-control"] == "public, max-age=120"
        etag = first.headers["etag"]
        again = await http.get("/graphql", params=params, headers={"if-none-match": etag})
        assert again.status_code == 304 and again.content == b""
        changed = await http.get("/graphql", params=params, headers={"if-none-match": '"old"'})
        assert changed.status_code == 200 and changed.headers["etag"] == etag
        posted = await http.post("/graphql", json=params)
        assert "etag" not in posted.headers


async def test_errors_are_never_cached_or_given_validators(database_url: str) -> None:
    async with serve(Settings(database_url=database_url)) as http:
        response = await http.get(
            "/graphql", params={"query": "{ titles(first: 500) { totalCount } }"}
        )
        assert error_codes(response.json()) == ["BAD_USER_INPUT"]
        assert "etag" not in response.headers


async def test_cached_title_stays_until_a_write_to_it_and_only_to_it(
    database_url: str, sessions: async_sessionmaker[AsyncSession], editor_key: str
) -> None:
    shown, other = await make_title(sessions, name="Shown"), await make_title(sessions)
    async with serve(Settings(database_url=database_url)) as http:
        read = {"query": TITLE, "variables": {"slug": shown.slug}}
        assert (await _post(http, read))["data"]["title"]["name"] == "Shown"
        await rename_title(sessions, shown, "Changed Directly")
        assert (await _post(http, read))["data"]["title"]["name"] == "Shown"  # from the cache

        rename_other = {"id": encode_id("Title", other.id), "v": 1, "name": "Other Renamed"}
        assert "data" in await _post(http, {"query": RENAME, "variables": rename_other}, editor_key)
        assert (await _post(http, read))["data"]["title"]["name"] == "Shown"  # untouched

        rename = {"id": encode_id("Title", shown.id), "v": 1, "name": "Renamed"}
        assert "data" in await _post(http, {"query": RENAME, "variables": rename}, editor_key)
        assert (await _post(http, read))["data"]["title"] == {"name": "Renamed", "version": 2}


async def test_lists_are_invalidated_by_any_title_write(database_url: str, editor_key: str) -> None:
    listing = {"query": "{ titles(filter: {yearFrom: 1890, yearTo: 1890}) { totalCount } }"}
    async with serve(Settings(database_url=database_url)) as http:
        before = (await _post(http, listing))["data"]["titles"]["totalCount"]
        create = """mutation($name: String!) {
          createTitle(input: {name: $name, kind: MOVIE, year: 1890}) { id } }"""
        await _post(
            http, {"query": create, "variables": {"name": f"New {uuid4().hex}"}}, editor_key
        )
        assert (await _post(http, listing))["data"]["titles"]["totalCount"] == before + 1


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    async with scratch_prefix() as prefix:
        yield prefix


async def test_the_redis_cache_is_shared_by_replicas(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    editor_key: str,
    redis_prefix: str,
) -> None:
    title = await make_title(sessions, name="Shared")
    settings = Settings(
        database_url=database_url, redis_url=REDIS_URL, response_cache_key_prefix=redis_prefix
    )
    read = {"query": TITLE, "variables": {"slug": title.slug}}
    async with serve(settings) as first, serve(settings) as second:
        assert (await _post(first, read))["data"]["title"]["name"] == "Shared"
        await rename_title(sessions, title, "Behind")
        assert (await _post(second, read))["data"]["title"]["name"] == "Shared"  # first's entry
        rename = {"id": encode_id("Title", title.id), "v": 1, "name": "Through Second"}
        await _post(second, {"query": RENAME, "variables": rename}, editor_key)
        assert (await _post(first, read))["data"]["title"]["name"] == "Through Second"


async def test_an_unreachable_redis_only_turns_the_cache_off(database_url: str) -> None:
    settings = Settings(database_url=database_url, redis_url="redis://127.0.0.1:1/0")
    async with serve(settings) as http:
        for _ in range(2):
            body = await _post(http, {"query": TITLE, "variables": {"slug": "refusenik-2007"}})
            assert body["data"]["title"]["name"] == "Refusenik"
