"""GraphQL over HTTP: `application/graphql-response+json` for clients that accept it,
with the spec's status codes; `application/json` (200 for any GraphQL response) for
the others."""

import httpx
import pytest

from api.graphql_view import with_extension

GRAPHQL_RESPONSE = "application/graphql-response+json"
BOTH = f"{GRAPHQL_RESPONSE}, application/json;q=0.9"


async def _post(client: httpx.AsyncClient, query: str, accept: str) -> httpx.Response:
    return await client.post("/graphql", json={"query": query}, headers={"Accept": accept})


async def test_a_client_accepting_graphql_response_json_gets_it(
    client: httpx.AsyncClient,
) -> None:
    response = await _post(client, "{ titles(first: 1) { totalCount } }", BOTH)
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json()["data"]["titles"]["totalCount"] > 0


@pytest.mark.parametrize(
    "query",
    [
        "{ titles(first: 1) { noSuchField } }",
        "{ titles(first: 1) {",
        "query Q($n: Int) { __typename }",
    ],
    ids=["validation", "syntax", "unused-variable"],
)
async def test_a_request_error_is_400_without_data_in_graphql_response_json(
    client: httpx.AsyncClient, query: str
) -> None:
    response = await _post(client, query, BOTH)
    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    body = response.json()
    assert "data" not in body
    assert body["errors"]
    assert body["extensions"]["requestId"] == response.headers["x-request-id"]


async def test_a_request_error_stays_200_in_application_json(client: httpx.AsyncClient) -> None:
    response = await _post(client, "{ titles(first: 1) { noSuchField } }", "application/json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["data"] is None


async def test_a_field_error_is_200_with_data_in_graphql_response_json(
    client: httpx.AsyncClient,
) -> None:
    response = await _post(client, '{ __typename node(id: "not an id") { id } }', BOTH)
    assert response.status_code == 200
    body = response.json()
    assert body["data"]["__typename"] == "Query"
    assert body["errors"][0]["path"] == ["node"]


def test_the_request_id_joins_the_top_level_extensions_only() -> None:
    assert with_extension(b'{"data":{"a":1}}', "requestId", "r") == (
        b'{"data":{"a":1},"extensions":{"requestId":"r"}}'
    )
    assert with_extension(b'{"data":{"a":1},"extensions":{"cost":2}}', "requestId", "r") == (
        b'{"data":{"a":1},"extensions":{"cost":2,"requestId":"r"}}'
    )
    # An error's extensions, or a field aliased `extensions`, are not the response's.
    error = b'{"data":null,"errors":[{"message":"m","extensions":{"code":"X"}}]}'
    assert with_extension(error, "requestId", "r") == error[:-1] + (
        b',"extensions":{"requestId":"r"}}'
    )
    aliased = b'{"data":{"a":1,"extensions":{"b":2}}}'
    assert with_extension(aliased, "requestId", "r") == aliased[:-1] + (
        b',"extensions":{"requestId":"r"}}'
    )
