"""Document limits (tokens, depth, aliases, requested nodes), the cost every response
reports, HTTP body and time limits, the database statement timeout, and the
production switches (introspection, GraphiQL)."""

import asyncio
import gc
import sys
import time
import tracemalloc
import weakref
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from graphql import DocumentNode, GraphQLError, get_introspection_query
from sqlalchemy import func, literal_column, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.schema.schema import validate_document

from api.core import limits, validated
from api.core.errors import STATEMENT_TIMEOUT_MESSAGE, classify
from api.core.limits import parse_limited
from api.core.lru import LRU
from api.http.app import _pool_options
from api.schema import create_schema
from api.settings import Settings
from models.db import create_engine
from tests.conftest import StatementCounter
from tests.helpers import GraphQL, assert_no_leak, data, error_codes, serve

NODE_BOMB = """{ titles(first: 100) { edges { node {
  credits(first: 100) { edges { node { person { credits(first: 100) { totalCount } } } } }
} } } }"""

TITLE_PAGE = """{ title(slug: "refusenik-2007") {
  name genres { name }
  reviews(first: 1) { totalCount edges { node { reviewer } } }
  credits(first: 2) { edges { node { role person { name } } } }
  offers(region: "us", monetizations: [FREE, RENT]) { provider { name } }
} }"""


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    (error,) = body["errors"]
    result: dict[str, Any] = error
    return result


def requested_nodes(body: dict[str, Any]) -> int:
    cost = body["extensions"]["cost"]
    assert cost["limit"] == 25_000
    nodes: int = cost["requestedNodes"]
    return nodes


# Document limits ------------------------------------------------------------------


async def test_github_style_node_bomb_is_refused_before_it_runs(
    graphql: GraphQL, count_statements: StatementCounter
) -> None:
    body = await graphql(NODE_BOMB)
    error = only_error(body)
    assert error["message"] == "Query requests 1,010,100 nodes; the limit is 25,000."
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": "nodes"}
    assert body["data"] is None
    assert requested_nodes(body) == 100 + 100 * 100 + 100 * 100 * 100
    assert len(count_statements) == 0, count_statements.statements


@pytest.mark.parametrize(
    ("query", "variables", "nodes"),
    [
        ('{ title(slug: "refusenik-2007") { name } }', None, 0),
        ("{ titles { totalCount } }", None, 20),  # the schema's default `first`
        ('{ search(text: "river") { totalCount } }', None, 20),
        ("{ titles(first: 0) { totalCount } }", None, 0),
        ("{ genres { name } }", None, 10),  # a list counts as 10
        # 5 titles, each with its default 10 reviews and 3 credits
        (
            "{ titles(first: 5) { edges { node { reviews { totalCount } "
            "credits(first: 3) { totalCount } } } } }",
            None,
            5 * (1 + 10 + 3),
        ),
        (TITLE_PAGE, None, 1 + 2 + 10 + 10),
        # interfaces and fragments
        ('{ node(id: "x") { ... on Title { credits(first: 50) { totalCount } } } }', None, 50),
        (
            "{ titles(first: 2) { edges { node { ...T } } } } "
            "fragment T on Title { credits(first: 4) { totalCount } }",
            None,
            2 * (1 + 4),
        ),
        # variables: given, defaulted, missing (counts as the maximum), null
        ("query($n: Int) { titles(first: $n) { totalCount } }", {"n": 7}, 7),
        ("query($n: Int = 3) { titles(first: $n) { totalCount } }", None, 3),
        ("query($n: Int) { titles(first: $n) { totalCount } }", None, 100),
        ("query($n: Int) { titles(first: $n) { totalCount } }", {"n": None}, 100),
        # failed responses report their cost too
        ("{ titles(first: 101) { totalCount } }", None, 100),
        ("{ nope }", None, 0),
    ],
)
async def test_every_response_reports_its_cost(
    graphql: GraphQL, query: str, variables: dict[str, Any] | None, nodes: int
) -> None:
    body = await graphql(query, variables)
    assert requested_nodes(body) == nodes


async def test_a_syntax_error_has_no_cost(graphql: GraphQL) -> None:
    body = await graphql("{ titles { ")
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "cost" not in body["extensions"]  # the request id only


async def test_too_many_aliases_is_query_too_complex(
    graphql: GraphQL, count_statements: StatementCounter
) -> None:
    allowed = " ".join(f"a{i}: __typename" for i in range(30))
    data(await graphql(f"{{ {allowed} }}"))
    body = await graphql(f"{{ {allowed} a30: __typename }}")
    error = only_error(body)
    assert error["message"] == "Query uses 31 aliases; the limit is 30."
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": "aliases"}
    assert len(count_statements) == 0


async def test_aliases_in_fragments_count_for_every_spread(graphql: GraphQL) -> None:
    aliases = " ".join(f"a{i}: name" for i in range(10))
    query = (
        '{ one: title(slug: "a") { ...F } two: title(slug: "b") { ...F } '
        'three: title(slug: "c") { ...F } } '
        f"fragment F on Title {{ {aliases} }}"
    )
    error = only_error(await graphql(query))
    assert error["message"] == "Query uses 33 aliases; the limit is 30."


LEVEL = "credits(first: 1) { edges { node { %s } } }"


def nested(leaf: str) -> str:
    """title > credits > edges > node > person > credits > edges > node > title >
    credits > edges > node: 12 levels, then `leaf`."""
    inner = LEVEL % ("person { " + LEVEL % ("title { " + LEVEL % leaf + " }") + " }")
    return '{ title(slug: "refusenik-2007") { ' + inner + " } }"


async def test_too_deep_query_names_the_depth_limit(
    graphql: GraphQL, count_statements: StatementCounter
) -> None:
    data(await graphql(nested("role")))
    count_statements.statements.clear()
    error = only_error(await graphql(nested("person { name }")))
    assert error["message"] == "Query depth is 13; the limit is 12."
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": "depth"}
    assert len(count_statements) == 0


async def test_too_many_tokens_is_query_too_complex_and_comments_count(
    graphql: GraphQL,
) -> None:
    def genres(count: int) -> str:  # 16 + count tokens
        slugs = ", ".join(['"drama"'] * count)
        return f"{{ titles(filter: {{genres: [{slugs}]}}) {{ totalCount }} }}"

    data(await graphql(genres(1984)))
    for query in (
        genres(1985),
        "# padding\n" * 2500 + "{ __typename }",
    ):
        body = await graphql(query)
        error = only_error(body)
        assert error["message"] == "Query has more than 2,000 tokens; the limit is 2,000."
        assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": "tokens"}
        assert "cost" not in body["extensions"]  # never parsed, so no cost


async def test_document_nested_too_deeply_to_parse_is_query_too_complex(
    graphql: GraphQL,
) -> None:
    body = await graphql("{ a " * 600 + "}" * 600)
    error = only_error(body)
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": "depth"}
    assert_no_leak(body)


async def test_fragments_spread_exponentially_are_measured_quickly(graphql: GraphQL) -> None:
    # F40 spreads F39 twice, which spreads F38 twice...: 2^40 copies of F0 if expanded.
    fragments = ["fragment F0 on Query { titles(first: 1) { totalCount } }"]
    fragments += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 41)]
    started = time.monotonic()
    body = await graphql("{ ...F40 } " + " ".join(fragments))
    assert time.monotonic() - started < 5
    assert only_error(body)["extensions"]["limit"] == "nodes"
    assert requested_nodes(body) == 2**40


GRAPHIQL_INTROSPECTION = get_introspection_query(
    descriptions=True,
    specified_by_url=True,
    directive_is_repeatable=True,
    schema_description=True,
    input_value_deprecation=True,
)


async def test_graphiqls_introspection_query_passes_every_limit(graphql: GraphQL) -> None:
    body = await graphql(GRAPHIQL_INTROSPECTION)
    assert data(body)["__schema"]["queryType"]["name"] == "Query"
    # Room for the schema to grow (v2 made it ~7,600) and still be browsable.
    assert 0 < requested_nodes(body) <= 25_000 // 2


async def test_introspection_costs_nodes_so_that_repeating_it_is_refused(graphql: GraphQL) -> None:
    # 30 aliases of the whole schema in 2 KB: ~3 MB of answer, seconds of CPU.
    fragments = GRAPHIQL_INTROSPECTION[GRAPHIQL_INTROSPECTION.index("fragment FullType") :]
    aliases = " ".join(f"s{i}: __schema {{ types {{ ...FullType }} }}" for i in range(30))
    started = time.monotonic()
    body = await graphql("{ " + aliases + " } " + fragments)
    assert time.monotonic() - started < 2
    assert only_error(body)["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": "nodes"}
    assert requested_nodes(body) > 25_000


async def test_introspection_cost_follows_what_is_selected(graphql: GraphQL) -> None:
    small = await graphql("{ __schema { queryType { name } } }")
    types = await graphql("{ __schema { types { name } } }")
    fields = await graphql("{ __schema { types { name fields { name } } } }")
    assert 0 < requested_nodes(small) < requested_nodes(types) < requested_nodes(fields)
    one_type = await graphql('{ __type(name: "Title") { fields { name } } }')
    assert 0 < requested_nodes(one_type) < requested_nodes(fields)


async def test_limits_follow_the_settings(database_url: str) -> None:
    settings = Settings(
        database_url=database_url,
        max_query_nodes=100,
        max_query_depth=2,
        max_query_aliases=0,
        max_query_tokens=100,
        rate_limit_per_minute=0,
    )
    async with serve(settings) as http:

        async def post(query: str) -> dict[str, Any]:
            body: dict[str, Any] = (await http.post("/graphql", json={"query": query})).json()
            return body

        body = await post("{ titles(first: 100) { totalCount } }")
        assert "errors" not in body, body
        assert body["extensions"]["cost"] == {"requestedNodes": 100, "limit": 100}
        limits = {
            "{ titles(first: 1) { edges { node { name } } } }": "depth",
            "{ titles(first: 100) { totalCount } genres { name } }": "nodes",
            "{ t: __typename }": "aliases",
            "{ " + " ".join(["__typename"] * 100) + " }": "tokens",
        }
        for query, limit in limits.items():
            error = only_error(await post(query))
            assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": limit}, query


# Production switches ----------------------------------------------------------------


async def test_introspection_can_be_switched_off(database_url: str) -> None:
    schema_query = "{ __schema { queryType { name } } }"
    settings = Settings(database_url=database_url, rate_limit_per_minute=0)
    async with serve(settings) as http:
        response = await http.post("/graphql", json={"query": schema_query})
        assert response.json()["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    async with serve(settings.model_copy(update={"introspection": False})) as http:
        for query in (schema_query, '{ __type(name: "Title") { name } }'):
            body = (await http.post("/graphql", json={"query": query})).json()
            assert body["data"] is None
            assert set(error_codes(body)) == {"BAD_USER_INPUT"}
            assert "introspection has been disabled" in body["errors"][0]["message"]
        typename = await http.post("/graphql", json={"query": "{ __typename }"})
        assert typename.json()["data"] == {"__typename": "Query"}


async def test_graphiql_can_be_switched_off(database_url: str) -> None:
    settings = Settings(database_url=database_url, rate_limit_per_minute=0)
    html = {"accept": "text/html"}
    async with serve(settings) as http:
        page = await http.get("/graphql", headers=html)
        assert page.status_code == 200
        assert "GraphiQL" in page.text
    async with serve(settings.model_copy(update={"graphiql": False})) as http:
        page = await http.get("/graphql", headers=html)
        assert page.status_code == 404
        assert "GraphiQL" not in page.text
        query = await http.post("/graphql", json={"query": "{ __typename }"})
        assert query.json()["data"] == {"__typename": "Query"}


# HTTP body limit --------------------------------------------------------------------


def padded_body(size: int) -> bytes:
    """A valid GraphQL request of exactly `size` bytes."""
    head, tail = b'{"query": "{ __typename }", "padding": "', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


async def test_body_over_limit_is_413(
    client: httpx.AsyncClient, count_statements: StatementCounter
) -> None:
    headers = {"content-type": "application/json"}
    ok = await client.post("/graphql", content=padded_body(100_000), headers=headers)
    assert ok.status_code == 200, ok.text
    response = await client.post("/graphql", content=padded_body(100_001), headers=headers)
    assert response.status_code == 413
    assert response.json() == {
        "errors": [
            {
                "message": "The request body is larger than 100,000 bytes.",
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ],
        "extensions": {"requestId": response.headers["x-request-id"]},
    }
    assert len(count_statements) == 0


async def test_chunked_body_over_limit_is_413(client: httpx.AsyncClient) -> None:
    sent: list[int] = []

    async def chunks(body: bytes, size: int = 30_000) -> AsyncIterator[bytes]:
        for start in range(0, len(body), size):
            sent.append(start)
            yield body[start : start + size]

    headers = {"content-type": "application/json"}
    small = await client.post("/graphql", content=chunks(padded_body(95_000)), headers=headers)
    assert "content-length" not in small.request.headers  # chunked
    assert small.status_code == 200, small.text
    assert small.json()["data"] == {"__typename": "Query"}
    assert len(sent) == 4

    sent.clear()
    large = await client.post("/graphql", content=chunks(padded_body(1_000_000)), headers=headers)
    assert "content-length" not in large.request.headers
    assert large.status_code == 413
    assert error_codes(large.json()) == ["BAD_USER_INPUT"]
    assert len(sent) == 4  # refused at 120,000 bytes: the rest was never read


# Time limits ------------------------------------------------------------------------


async def test_request_over_the_time_limit_is_503_with_retry_after(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.planning.plans import QueryPlans

    answer = QueryPlans.answer

    async def stuck(plans: QueryPlans, query: str, *rest: Any) -> bytes | None:
        if "search" in query:
            await asyncio.sleep(60)
        return await answer(plans, query, *rest)

    monkeypatch.setattr(QueryPlans, "answer", stuck)
    settings = Settings(
        database_url=database_url, request_timeout_seconds=0.2, rate_limit_per_minute=0
    )
    async with serve(settings) as http:
        started = time.monotonic()
        response = await http.post(
            "/graphql", json={"query": '{ search(text: "river") { totalCount } }'}
        )
        assert time.monotonic() - started < 5
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert error_codes(response.json()) == ["SERVICE_UNAVAILABLE"]
        assert "0.2 s" in response.json()["errors"][0]["message"]
        fast = await http.post("/graphql", json={"query": "{ __typename }"})
        assert fast.status_code == 200


async def test_body_not_received_within_the_time_limit_is_408(database_url: str) -> None:
    async def trickle() -> AsyncIterator[bytes]:
        yield b'{"query": '
        await asyncio.sleep(60)
        yield b'"{ __typename }"}'

    settings = Settings(
        database_url=database_url, request_timeout_seconds=0.2, rate_limit_per_minute=0
    )
    async with serve(settings) as http:
        response = await http.post(
            "/graphql", content=trickle(), headers={"content-type": "application/json"}
        )
        assert response.status_code == 408
        assert error_codes(response.json()) == ["BAD_USER_INPUT"]


async def test_statement_timeout_cancels_slow_sql_on_postgresql(
    engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL cancels a statement over DB_STATEMENT_TIMEOUT_SECONDS on the server
    and the client gets SERVICE_UNAVAILABLE for that field. SQLite has no statement
    timeout: the engine gets no such option and a slow statement runs to its end
    (only REQUEST_TIMEOUT_SECONDS bounds the response, see the test above)."""
    settings = Settings(
        database_url=database_url, db_statement_timeout_seconds=0.05, rate_limit_per_minute=0
    )
    if engine.dialect.name != "postgresql":
        assert _pool_options(settings, ping=True) == {}
        slow = create_engine(database_url, **_pool_options(settings, ping=True))
        try:
            async with slow.connect() as connection:
                count = await connection.scalar(
                    text(
                        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                        "WHERE i < 300000) SELECT count(*) FROM n"
                    )
                )
        finally:
            await slow.dispose()
        assert count == 300_000  # took far longer than 50 ms, and was not cancelled
        return

    options = _pool_options(settings, ping=True)
    assert options["connect_args"]["server_settings"] == {"statement_timeout": "50"}
    slow = create_engine(database_url, **options)
    try:
        async with slow.connect() as connection:
            with pytest.raises(DBAPIError) as raised:
                await connection.execute(text("SELECT pg_sleep(5)"))
    finally:
        await slow.dispose()
    error = classify(GraphQLError("x", path=["search"], original_error=raised.value))
    assert error.extensions == {"code": "SERVICE_UNAVAILABLE"}
    assert error.message == STATEMENT_TIMEOUT_MESSAGE

    # Through the app: its own engine carries the timeout; the field fails, not the request.
    from api.titles import search

    def sleepy_query(_args: Any) -> Any:
        return func.to_tsquery(literal_column("'english'"), literal_column("pg_sleep(5)::text"))

    monkeypatch.setattr(search, "_tsquery", sleepy_query)
    async with serve(settings) as http:
        started = time.monotonic()
        response = await http.post(
            "/graphql", json={"query": '{ search(text: "river") { totalCount } }'}
        )
        assert time.monotonic() - started < 4
    assert response.status_code == 200
    body = response.json()
    assert error_codes(body) == ["SERVICE_UNAVAILABLE"]
    assert body["errors"][0]["message"] == STATEMENT_TIMEOUT_MESSAGE
    assert body["errors"][0]["path"] == ["search"]
    assert_no_leak(body)


def test_the_parse_cache_is_bounded_by_bytes_of_text(monkeypatch: pytest.MonkeyPatch) -> None:
    assert limits.document_cache.max_bytes == limits.PARSE_CACHE_BYTES
    small = LRU[tuple[str, int], DocumentNode](max_entries=256, max_bytes=100_000)
    monkeypatch.setattr(limits, "document_cache", small)
    # Documents of 30 KB (one comment token each): a count-bounded cache keeps them all.
    documents = [f"{{ __typename }} #{i} " + "x" * 30_000 for i in range(12)]
    for document in documents:
        parse_limited(document, 2000)
    assert len(small) == 3 and small.bytes <= 100_000
    assert small.get((documents[-1], 2000)) is not None


def _held_by(fill: Callable[[], object]) -> int:
    """Bytes still allocated after `fill()` (tracemalloc), once garbage is collected."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = fill()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before - sys.getsizeof(kept)
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "make",
    [
        # The audit's flood: ~95 KB documents of one comment token each.
        lambda i: f"{{ t{i}: __typename }} #" + "x" * 95_000,
        # Dense documents: near the token limit, ~60 bytes held per character of text.
        lambda i: "{ " + " ".join(f"a{i}_{j}: __typename" for j in range(650)) + " }",
    ],
    ids=["comments", "dense"],
)
def test_the_parse_cache_accounts_for_all_its_documents_hold(
    monkeypatch: pytest.MonkeyPatch, make: Callable[[int], str]
) -> None:
    cache = LRU[tuple[str, int], DocumentNode](max_entries=256, max_bytes=4_000_000)
    monkeypatch.setattr(limits, "document_cache", cache)
    queries = [make(i) for i in range(40)]  # made before measuring: the caller holds them

    def fill() -> None:
        for query in queries:
            parse_limited(query, 2000)

    held = _held_by(fill) + sum(len(query) for (query, _) in cache._entries)
    assert 0 < cache.bytes <= cache.max_bytes
    assert held <= cache.bytes * 1.1


async def test_validation_keeps_no_document_the_parse_cache_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = LRU[tuple[str, int], DocumentNode](max_entries=256, max_bytes=4_000_000)
    monkeypatch.setattr(limits, "document_cache", cache)
    schema = create_schema(Settings())
    query = "{ __typename } #" + "x" * 95_000
    document = weakref.ref(parse_limited(query, Settings().max_query_tokens))
    validations: list[DocumentNode] = []

    def counted(*args: Any) -> Any:
        validations.append(args[1])
        return validate_document(*args)

    monkeypatch.setattr(validated, "validate_document", counted)
    for _ in range(2):  # validated, then known valid
        result = await schema.execute(query)
        assert result.errors is None and result.data == {"__typename": "Query"}
    assert len(validations) == 1
    validations.clear()
    cache._entries.clear()
    gc.collect()
    assert document() is None
