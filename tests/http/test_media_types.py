"""GraphQL over HTTP: `application/graphql-response+json` for clients that accept it,
with the spec's status codes; `application/json` (200 for any GraphQL response) for
the others; batches only when BATCH_MAX_OPERATIONS allows them."""

import httpx
import pytest

from api.http.graphql_view import with_extension
from api.settings import Settings
from tests.helpers import serve

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


async def test_a_batch_is_refused_unless_configured(client: httpx.AsyncClient) -> None:
    batch = [{"query": "{ __typename }"}, {"query": "{ __typename }"}]
    response = await client.post("/graphql", json=batch)
    assert response.status_code == 400
    assert "Batching is not enabled" in response.json()["errors"][0]["message"]


async def test_a_configured_batch_answers_each_operation_in_order(database_url: str) -> None:
    settings = Settings(database_url=database_url, batch_max_operations=2)
    async with serve(settings) as http:
        batch = [
            {"query": "query One { titles(first: 1) { totalCount } }"},
            {"query": "{ titles(first: 1) { noSuchField } }"},
        ]
        response = await http.post("/graphql", json=batch, headers={"X-Request-ID": "b-1"})
        too_many = await http.post("/graphql", json=[*batch, batch[0]])
    assert response.status_code == 200
    first, second = response.json()
    assert first["data"]["titles"]["totalCount"] > 0
    assert second["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert first["extensions"]["requestId"] == second["extensions"]["requestId"] == "b-1"
    assert too_many.status_code == 400
