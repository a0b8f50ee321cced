"""Errors: every one carries a contract code, and nothing internal leaks."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from api.settings import Settings
from tests.helpers import GraphQL, assert_no_leak, data, error_codes, serve


@pytest.mark.parametrize(
    "query",
    [
        "{ titles { ",  # syntax error
        "{ nope }",  # unknown field
        "{ title(slug: 42) { name } }",  # wrong argument type
        "{ titles(first: 101) { totalCount } }",
        "{ titles(first: -1) { totalCount } }",
        '{ titles(after: "not-a-cursor") { totalCount } }',
        '{ search(text: "x", after: "WyJSRUxFQVNFRF9ERVNDIiwxXQ") { totalCount } }',
        '{ title(slug: "refusenik-2007") { synopsis { truncated(maxLength: 0) { text } } } }',
        '{ title(slug: "refusenik-2007") { synopsis { truncated(maxLength: 10001) { text } } } }',
        '{ title(slug: "refusenik-2007") { offers(region: "ZZ") { url } } }',
        '{ title(slug: "refusenik-2007") { reviews(first: 1000) { totalCount } } }',
        "{ titles(filter: {yearFrom: 99999}) { totalCount } }",
        '{ node(id: "%%%") { id } }',
        # forged cursors: well-formed JSON with values of the wrong types
        '{ titles(after: "WyJSRUxFQVNFRF9ERVNDIiwieCIsbnVsbCwiYWJjIl0") { totalCount } }',
        '{ titles(orderBy: NAME_ASC, after: "WyJOQU1FX0FTQyIsMSwyXQ") { totalCount } }',
        "{ titles(orderBy: CRITIC_RATING_DESC, after: "
        '"WyJDUklUSUNfUkFUSU5HX0RFU0MiLCI1IiwxXQ") { totalCount } }',
    ],
)
async def test_bad_input_is_bad_user_input_without_leaks(graphql: GraphQL, query: str) -> None:
    body = await graphql(query)
    assert set(error_codes(body)) == {"BAD_USER_INPUT"}, body
    assert_no_leak(body)


async def test_first_over_100_is_rejected_never_capped(graphql: GraphQL) -> None:
    body = await graphql("{ titles(first: 101) { edges { cursor } } }")
    (error,) = body["errors"]
    assert "101" in error["message"] and "`first`" in error["message"]
    assert error["extensions"]["argument"] == "first"
    assert body["data"] is None


async def test_bad_cursor_message_names_the_cursor(graphql: GraphQL) -> None:
    body = await graphql('{ titles(after: "garbage") { totalCount } }')
    assert "'garbage'" in body["errors"][0]["message"]


async def test_cursor_of_another_ordering_is_rejected(graphql: GraphQL) -> None:
    page = data(await graphql("{ titles(first: 1, orderBy: NAME_ASC) { pageInfo { endCursor } } }"))
    cursor = page["titles"]["pageInfo"]["endCursor"]
    body = await graphql(
        "query($c: String) { titles(after: $c, orderBy: RELEASED_ASC) { totalCount } }",
        {"c": cursor},
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_too_deep_query_is_query_too_complex(graphql: GraphQL) -> None:
    deep = "{ titles { edges { node { credits { edges { node { person { credits { edges { node {"
    deep += " title { credits { edges { node { person { name } } } } } } } } } } } } } } } }"
    body = await graphql(deep)
    assert error_codes(body) == ["QUERY_TOO_COMPLEX"]
    assert "depth" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(b"{not json", "application/json"), (b"[1, 2]", "application/json"), (b"q", "text/plain")],
)
async def test_malformed_http_body_is_400_with_a_json_error(
    client: httpx.AsyncClient, content: bytes, content_type: str
) -> None:
    response = await client.post(
        "/graphql", content=content, headers={"content-type": content_type}
    )
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]
    assert_no_leak(response.text)


async def test_unexpected_failure_is_masked_as_internal_server_error(
    graphql: GraphQL, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.titles import search

    def explode(*_: object) -> None:
        raise RuntimeError("secret at /srv/app/api/titles/queries.py: SELECT * FROM titles")

    monkeypatch.setattr(search, "search_terms", explode)
    body = await graphql('{ search(text: "river") { totalCount } }')
    assert error_codes(body) == ["INTERNAL_SERVER_ERROR"]
    assert body["errors"][0]["message"] == "Internal server error."
    assert_no_leak(body)


def _unreachable_url(engine: AsyncEngine) -> str:
    if engine.dialect.name == "postgresql":
        return "postgresql+asyncpg://postgres@127.0.0.1:1/test"  # nothing listens on port 1
    return "sqlite+aiosqlite:////nonexistent-dir/reelgraph.db"


async def test_database_down_is_service_unavailable_and_not_ready(engine: AsyncEngine) -> None:
    async with serve(Settings(database_url=_unreachable_url(engine))) as client:
        response = await client.post("/graphql", json={"query": "{ genres { slug } }"})
        assert response.status_code == 200
        assert error_codes(response.json()) == ["SERVICE_UNAVAILABLE"]
        assert_no_leak(response.text)
        assert (await client.get("/readyz")).status_code == 503
        assert (await client.get("/healthz")).status_code == 200


async def test_ready_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


@pytest.mark.parametrize(
    "query",
    [
        '{ title(slug: "a\\u0000b") { name } }',
        '{ person(slug: "a\\u0000b") { name } }',
        '{ titles(filter: {genres: ["dra\\u0000ma"], providers: ["\\u0000"]}) { totalCount } }',
    ],
)
async def test_nul_characters_are_never_an_internal_error(graphql: GraphQL, query: str) -> None:
    body = await graphql(query)
    assert set(error_codes(body)) <= {"BAD_USER_INPUT"}, body
