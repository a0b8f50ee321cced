"""The HTTP edge of the API: which requests reach GraphQL, and the JSON error shape of
every refusal the app itself makes."""

from typing import Any

import httpx
import orjson
import pytest

from tests.helpers import assert_no_leak, error_codes


def assert_json_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert error_codes(body) == [code], body
    assert set(body) == {"errors", "extensions"}
    assert body["extensions"] == {"requestId": response.headers["x-request-id"]}
    assert_no_leak(response.text)
    return body


async def _post(client: httpx.AsyncClient, content: bytes, content_type: str) -> httpx.Response:
    return await client.post("/graphql", content=content, headers={"content-type": content_type})


# Not `{ __typename }`: on PostgreSQL its compiled plan would change what other tests count.
QUERY = orjson.dumps({"query": "query Edge { __typename }"})


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        "Application/JSON",
        " application/json ; charset=utf-8",
    ],
)
async def test_json_media_type_is_accepted_with_parameters_and_in_any_case(
    client: httpx.AsyncClient, content_type: str
) -> None:
    response = await _post(client, QUERY, content_type)
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"__typename": "Query"}


@pytest.mark.parametrize(
    "content_type",
    [
        "xapplication/json",
        "foo-application/json",
        "application/jsonx",
        "application/json-patch+json",
        "text/plain; note=application/json",
        "application/json, text/plain",
        "application/graphql",
        "text/plain",
        "",
    ],
)
async def test_any_other_content_type_is_refused_with_a_json_error(
    client: httpx.AsyncClient, content_type: str
) -> None:
    body = assert_json_error(await _post(client, QUERY, content_type), 400, "BAD_USER_INPUT")
    assert "application/json" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "content",
    [
        b"42",
        b"null",
        b'"x"',
        b"true",
        b'{"query": "{ __typename }", "operationName": []}',
        b'{"query": "{ __typename }", "operationName": {}}',
        b'{"query": "{ __typename }", "operationName": 7}',
        b'{"query": 42}',
        b'{"query": "{ __typename }", "variables": 42}',
        b'{"query": "{ __typename }", "variables": []}',
        b'{"query": "{ __typename }", "extensions": "x"}',
    ],
)
async def test_a_json_body_of_the_wrong_shape_is_400_never_500(
    client: httpx.AsyncClient, content: bytes
) -> None:
    assert_json_error(await _post(client, content, "application/json"), 400, "BAD_USER_INPUT")


@pytest.mark.parametrize(
    "params",
    [
        {"query": "{ __typename }", "variables": "42"},
        {"query": "{ __typename }", "variables": "[1]"},
        {"query": "{ __typename }", "extensions": '"x"'},
    ],
)
async def test_get_parameters_of_the_wrong_shape_are_400(
    client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    response = await client.get("/graphql", params=params)
    assert_json_error(response, 400, "BAD_USER_INPUT")


TWO_OPERATIONS = "query First { __typename } query Second { genres { slug } }"


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_several_operations_without_an_operation_name_are_refused(
    client: httpx.AsyncClient, method: str
) -> None:
    if method == "GET":
        response = await client.get("/graphql", params={"query": TWO_OPERATIONS})
    else:
        response = await client.post("/graphql", json={"query": TWO_OPERATIONS})
    body = assert_json_error(response, 400, "BAD_USER_INPUT")
    assert "operationName" in body["errors"][0]["message"]
    chosen = await client.post("/graphql", json={"query": TWO_OPERATIONS, "operationName": "First"})
    assert chosen.json()["data"] == {"__typename": "Query"}


async def test_a_mutation_among_several_operations_never_runs_unnamed(
    client: httpx.AsyncClient, editor_key: str
) -> None:
    document = """mutation Create { createTitle(input: {name: "Never Created", kind: MOVIE,
      year: 1901}) { id } } query Read { __typename }"""
    response = await client.post(
        "/graphql", json={"query": document}, headers={"authorization": f"Bearer {editor_key}"}
    )
    assert_json_error(response, 400, "BAD_USER_INPUT")
    check = await client.post(
        "/graphql", json={"query": '{ title(slug: "never-created-1901") { name } }'}
    )
    assert check.json()["data"] == {"title": None}


async def test_unknown_path_is_a_json_404(client: httpx.AsyncClient) -> None:
    assert_json_error(await client.get("/nope"), 404, "NOT_FOUND")
    assert_json_error(await client.get("/static/graphiql/nope.js"), 404, "NOT_FOUND")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_wrong_method_is_a_json_405_that_names_the_allowed_ones(
    client: httpx.AsyncClient, method: str
) -> None:
    response = await client.request(method, "/graphql", json={"query": "{ __typename }"})
    assert_json_error(response, 405, "BAD_USER_INPUT")
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
