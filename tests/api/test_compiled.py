"""Compiled plans (PostgreSQL) answer exactly as strawberry does.

Every document below is answered twice: by strawberry (an app with compiled
queries off) and by its compiled plan; the two response bodies must be the same
bytes.
What a plan cannot answer exactly is handed back to strawberry.
"""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.routing import Route

from api.app import create_app, create_compiled_queries
from api.compiled import CompiledQueries
from api.context import Context
from api.ids import encode_id
from api.reads import RequestReads, autocommit
from api.response_cache import recording
from api.schema import create_schema
from api.settings import Settings
from tests.conftest import StatementCounter
from tests.factories import make_title, rename_title
from tests.helpers import NO_LEAK_HOOKS

WORKLOADS = Path(__file__).parents[2] / "bench" / "workloads"

TITLE_FIELDS = """
  __typename id slug name kind year releaseDate contentRating runtimeMinutes originalLanguage
  version audioLanguages subtitleLanguages criticRating availableToStream(region: "GB")
  synopsis {
    full teaser: truncated { text isTruncated }
    short: truncated(maxLength: 12, at: CHARACTER) { __typename isTruncated text }
  }
  genres { __typename slug name }
  reviews(first: 3) {
    __typename totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { __typename cursor node { __typename id reviewer publication rating publishedAt
      body { full truncated(maxLength: 90, at: SENTENCE) { text isTruncated } } } }
  }
  credits(first: 4, roles: [CAST, DIRECTOR]) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { role character order person { __typename id slug name } } }
  }
  offers(region: "us") {
    __typename provider { __typename id slug name } region monetization quality
    price { __typename amount currency } url
  }
  rentOrBuy: offers(region: "US", monetizations: [RENT, BUY]) { monetization price { amount } }
  none: offers(region: "US", monetizations: []) { url }
"""

PAGE = """query Page($slug: String!, $n: Int, $max: Int!) {
  a: title(slug: $slug) { ...Card ... on Node { id } }
  b: title(slug: $slug) { name reviews(first: $n) { edges { node { body {
    truncated(maxLength: $max) { text } } } } } }
}
fragment Card on Title {
  name credits(first: $n) { edges { node { person { name } } } }
}"""

DOCUMENTS: list[tuple[str, dict[str, Any]]] = [
    ((WORKLOADS / "w1_title_page.graphql").read_text(), {"slug": "refusenik-2007"}),
    ((WORKLOADS / "w1_title_page.graphql").read_text(), {"slug": "no-such-title"}),
    ((WORKLOADS / "w2_browse.graphql").read_text(), {}),
    ((WORKLOADS / "w3_search.graphql").read_text(), {"text": "the"}),
    ((WORKLOADS / "w3_search.graphql").read_text(), {"text": "zzzzzz"}),
    *(
        (
            f"""{{ __typename titles(first: 100, orderBy: {order}) {{
                totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
                edges {{ cursor node {{ {TITLE_FIELDS} }} }} }} }}""",
            {},
        )
        for order in ("RELEASED_DESC", "RELEASED_ASC", "NAME_ASC", "CRITIC_RATING_DESC")
    ),
    (PAGE, {"slug": "refusenik-2007", "n": 2, "max": 30}),
    (
        "query($n: Int) { titles(first: $n) { edges { node { name } } } }",
        {"n": None},
    ),
    *(
        (
            f"""{{ titles(first: 60, filter: {title_filter}, orderBy: NAME_ASC) {{
                totalCount pageInfo {{ hasNextPage endCursor }}
                edges {{ cursor node {{ name kind year genres {{ slug }} }} }} }} }}""",
            {},
        )
        for title_filter in (
            '{genres: ["drama", "crime"], yearFrom: 1970, yearTo: 2010}',
            '{kind: SERIES, streamableIn: "gb"}',
            '{providers: ["netflix", "max"]}',
            '{streamableIn: "US", providers: ["hulu", "tubi"], kind: MOVIE}',
            '{genres: ["dra\'ma", "x\\\\y", ""]}',  # values are parameters, never SQL
            "{}",
        )
    ),
    (
        """query($after: String) { titles(first: 3, after: $after) {
          pageInfo { hasNextPage endCursor } edges { node { name } } } }""",
        {"after": None},
    ),
    (
        """{ genres { slug name } search(text: "river", first: 0) {
          totalCount pageInfo { hasNextPage startCursor endCursor } edges { node { slug } } }
          more: search(text: "the", first: 5) {
            pageInfo { endCursor } edges { cursor node { slug } } } }""",
        {},
    ),
    (
        "query($slug: String!) { person(slug: $slug) { __typename id slug name } }",
        {"slug": "no-such-person"},
    ),
]

pytestmark = pytest.mark.usefixtures("database_url")


def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture(scope="module")
async def strawberry_client(
    engine: AsyncEngine, database_url: str
) -> AsyncIterator[httpx.AsyncClient]:
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
def compiled(engine: AsyncEngine, database_url: str) -> CompiledQueries:
    """Plans as an app with the response cache on makes them: recording cache tags."""
    if not is_postgres(database_url):
        pytest.skip("compiled execution is PostgreSQL-only; SQLite always runs strawberry")
    settings = Settings(database_url=database_url, response_cache_seconds=60)
    queries = create_compiled_queries(settings, create_schema(settings), autocommit(engine))
    assert queries is not None and queries.tagged
    return queries


async def strawberry_tags(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], query: str, variables: Any
) -> set[str]:
    """The response cache tags strawberry's resolvers record for a query."""
    context = Context(sessions=sessions, reads=RequestReads(autocommit(engine)))
    with recording() as tags:
        result = await create_schema().execute(
            query, variable_values=variables, context_value=context
        )
    await context.reads.close()
    assert not result.errors
    return tags


async def answer(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> bytes:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200
    return response.content


@pytest.mark.parametrize(("query", "variables"), DOCUMENTS)
async def test_a_plan_answers_with_the_same_bytes_and_cache_tags_as_strawberry(
    compiled: CompiledQueries,
    strawberry_client: httpx.AsyncClient,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    query: str,
    variables: dict[str, Any],
) -> None:
    expected = await answer(strawberry_client, query, variables)
    assert b'"errors"' not in expected
    compiled.learn(query, None)
    plan = compiled.plan(query, None)
    assert plan is not None
    with recording() as tags:
        assert await compiled.execute(plan, variables) == expected
    assert tags == await strawberry_tags(engine, sessions, query, variables)


@pytest.mark.parametrize(
    "query",
    [
        '{ titles(first: 2, after: "WyJSRUxFQVNFRF9ERVNDIiwxOTk5LG51bGwsNV0") { totalCount } }',
        "{ titles(filter: {yearFrom: 1700}) { edges { node { name } } } }",  # strawberry's error
        "query($f: TitleFilter) { titles(filter: $f) { edges { node { name } } } }",
        '{ node(id: "VGl0bGU6MQ") { id } }',
        '{ title(slug: "refusenik-2007") { name @include(if: true) } }',
        '{ title(slug: "refusenik-2007") { credits { edges { node { title { name } } } } } }',
        "{ __schema { queryType { name } } }",
        '{ title(slug: "refusenik-2007") { __tag: name } }',  # the key that carries cache tags
        'mutation { deleteTitle(id: "VGl0bGU6MQ") }',
    ],
)
def test_what_the_compiler_does_not_cover_has_no_plan(
    compiled: CompiledQueries, query: str
) -> None:
    compiled.learn(query, None)
    assert compiled.plan(query, None) is None


@pytest.mark.parametrize(
    "variables",
    [
        {"slug": "refusenik-2007", "n": 101, "max": 30},  # `first` over the limit
        {"slug": "refusenik-2007", "n": 2, "max": 0},  # `maxLength` under 1
        {"slug": "refusenik-2007", "n": "two", "max": 30},  # not an Int
        {"n": 2, "max": 30},  # a required variable missing
    ],
)
async def test_bad_input_is_left_to_strawberry(
    compiled: CompiledQueries, variables: dict[str, Any]
) -> None:
    compiled.learn(PAGE, None)
    plan = compiled.plan(PAGE, None)
    assert plan is not None
    assert await compiled.execute(plan, variables) is None


async def test_a_page_after_a_cursor_is_left_to_strawberry(compiled: CompiledQueries) -> None:
    query = "query($after: String) { titles(first: 2, after: $after) { edges { cursor } } }"
    compiled.learn(query, None)
    plan = compiled.plan(query, None)
    assert plan is not None
    first_page = orjson.loads(await compiled.execute(plan, {}) or b"null")
    cursor = first_page["data"]["titles"]["edges"][-1]["cursor"]
    assert await compiled.execute(plan, {"after": cursor}) is None


async def test_a_bad_region_is_left_to_strawberry(compiled: CompiledQueries) -> None:
    query = 'query($r: String!) { title(slug: "refusenik-2007") { offers(region: $r) { url } } }'
    compiled.learn(query, None)
    plan = compiled.plan(query, None)
    assert plan is not None
    assert await compiled.execute(plan, {"r": "XX"}) is None
    assert await compiled.execute(plan, {"r": "US"}) is not None


async def test_a_repeated_query_is_one_statement(
    client: httpx.AsyncClient, database_url: str, count_statements: StatementCounter
) -> None:
    query, variables = DOCUMENTS[0]
    first = await answer(client, query, variables)
    resolved = len(count_statements)
    second = await answer(client, query, variables)
    assert second == first
    assert resolved > 1
    answered_again = 1 if is_postgres(database_url) else resolved
    assert len(count_statements) == resolved + answered_again


def test_plans_are_made_on_postgresql_unless_switched_off(
    database_url: str, engine: AsyncEngine
) -> None:
    settings = Settings(database_url=database_url, response_cache_seconds=0)
    schema = create_schema(settings)
    plans = create_compiled_queries(settings, schema, engine)
    assert (plans is not None) == is_postgres(database_url)
    assert plans is None or not plans.tagged  # no cache: no tags to record
    off = Settings(database_url=database_url, compiled_queries=False)
    assert create_compiled_queries(off, schema, engine) is None


async def test_a_cached_answer_from_a_plan_is_invalidated_by_a_write(
    database_url: str, sessions: async_sessionmaker[AsyncSession], editor_key: str
) -> None:
    if not is_postgres(database_url):
        pytest.skip("compiled execution is PostgreSQL-only; SQLite always runs strawberry")
    first = await make_title(sessions, name="First")
    second = await make_title(sessions, name="Second")
    query = "query($slug: String!) { title(slug: $slug) { name } }"
    app = create_app(Settings(database_url=database_url))
    endpoint = next(route.endpoint for route in app.routes if isinstance(route, Route))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        await answer(http, query, {"slug": first.slug})  # strawberry answers; a plan is made
        assert endpoint.compiled.plan(query, None) is not None
        assert b"Second" in await answer(http, query, {"slug": second.slug})  # from the plan
        await rename_title(sessions, second, "Unseen")
        assert b"Second" in await answer(http, query, {"slug": second.slug})  # from the cache
        rename = """mutation($id: ID!) {
          updateTitle(id: $id, input: {expectedVersion: 1, name: "Renamed"}) { name } }"""
        variables = {"id": encode_id("Title", second.id)}
        headers = {"authorization": f"Bearer {editor_key}"}
        await http.post("/graphql", json={"query": rename, "variables": variables}, headers=headers)
        assert b"Renamed" in await answer(http, query, {"slug": second.slug})
